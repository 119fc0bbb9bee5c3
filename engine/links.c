/* Stage 5, links: which session on the source host a hop continues
 * (session window and skew, account equality, 4648 proof; DOMAIN.md 5.3,
 * 7.1-7.7), every candidate kept with a confidence. */
#include "correlate_int.h"
#include "../parsers/decode.h"

#include <stdlib.h>
#include <string.h>

/* links                                                                */

static int cmp_time_hop(const void *x, const void *y, void *ctx)
{
	const struct hc_analysis *a = ctx;
	int i = *(const int *)x, j = *(const int *)y;
	int64_t ti = a->hops[i].time, tj = a->hops[j].time;

	return ti < tj ? -1 : ti > tj ? 1 : i - j;
}

/* 1 when `acct` is the machine account (NAME$) of host `h`. */
static int is_machine_account_of(const struct hc_analysis *a, const struct hc_account *acct,
                                 int h)
{
	char canon[256];
	size_t n;

	if (!acct->name || h < 0 || !(n = hc_user_len(acct->name)) || acct->name[n - 1] != '$')
		return 0;
	return hc_host_canon(acct->name, canon, sizeof(canon)) &&
	       strcmp(canon, a->hosts[h].name) == 0;
}

int hc_links_build(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	const int64_t skew = p->o->skew, win = p->o->session_window;

	int rc = HC_OK;
	/* candidate parents per host: user hops that created a session. A
	 * DC's or workstation's inbound list is mostly machine accounts, which
	 * never start a chain; scanning them for every child is what made
	 * correlation superlinear on a fleet. */
	struct ilist *cands = calloc(a->nhosts + 1, sizeof(*cands));
	/* Restricted Admin RDP sessions per host (type 10, RestrictedAdminMode
	 * Yes): what the user does from there reaches other hosts as the
	 * host's machine account (DOMAIN.md 6.5, 7.2) */
	struct ilist *ra = calloc(a->nhosts + 1, sizeof(*ra));
	if (!cands || !ra) {
		free(cands);
		free(ra);
		return HC_ERR_NOMEM;
	}
	for (size_t d = 0; d < a->nhosts; d++) {
		if (p->inbound[d].n > 1)
			qsort_r(p->inbound[d].v, p->inbound[d].n, sizeof(int), cmp_time_hop, a);
		for (size_t k = 0; k < p->inbound[d].n; k++) {
			const struct hc_hop *ph = &a->hops[p->inbound[d].v[k]];
			if (ph->failed || ph->absorbed || ph->anonymous ||
			    !hc_account_is_user(hc_hop_account(ph)))
				continue;
			if (hc_ilist_add(&cands[d], p->inbound[d].v[k]) < 0) {
				rc = HC_ERR_NOMEM;
				goto out;
			}
			if (ph->ev->event_id == 4624 && ph->ev->norm.logon_type == 10 &&
			    ph->ev->norm.restricted_admin == HC_YES &&
			    hc_ilist_add(&ra[d], p->inbound[d].v[k]) < 0) {
				rc = HC_ERR_NOMEM;
				goto out;
			}
		}
	}
	for (size_t c = 0; c < a->nhops; c++) {
		struct hc_hop *ch = &a->hops[c];
		struct {
			int parent;
			double conf;
			int64_t gap;
			bool via, acct;
		} cand[HC_MAX_CANDIDATES];
		size_t nc = 0;
		bool as_host = false;

		if (ch->src < 0 || ch->absorbed)
			continue;
		/* only a user's hop, or an anonymous one, continues a session:
		 * machine and service identities act on their own (and a DC
		 * receives every machine's logons: scanning them is quadratic).
		 * The exception: the source's machine account leaving a host
		 * while a Restricted Admin session is open there. */
		if (!ch->anonymous && !hc_account_is_user(hc_hop_account(ch))) {
			/* a machine account's logon at a host that issues tickets
			 * is the machine's own upkeep, never a user's next hop */
			if (!ra[ch->src].n || a->hosts[ch->dst].kdc || ch->failed ||
			    !is_machine_account_of(a, hc_hop_account(ch), ch->src))
				continue;
			as_host = true;
		}
		const struct ilist *in = as_host ? &ra[ch->src] : &cands[ch->src];
		size_t lo = 0, hi = in->n, seen = 0;
		/* the session a 4648 from the source names is always looked at;
		 * the others nearest first, at most HC_MAX_WITNESS_SCAN of them */
		int proven = !as_host && ch->src_session >= 0 ? a->sessions[ch->src_session].hop : -1;
		while (lo < hi) { /* past the last candidate at or before t + skew */
			size_t mid = lo + (hi - lo) / 2;
			if (a->hops[in->v[mid]].time <= ch->time + skew)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo + 1; k-- > 0;) {
			int pi = k == lo ? proven : in->v[k];
			if (pi < 0)
				continue;
			if (k < lo && pi == proven)
				continue; /* looked at first */
			if (k < lo && seen++ >= HC_MAX_WITNESS_SCAN)
				break;
			const struct hc_hop *ph = &a->hops[pi];
			int64_t start, end;
			bool acct, via;
			double conf;
			if (ph->time > ch->time + skew)
				continue;
			if (ph->time < ch->time - win - skew) {
				if (k < lo)
					break;
				continue;
			}
			if (ph == ch || ph->src == ch->dst || ph->failed || ph->absorbed ||
			    ph->anonymous || !hc_account_is_user(hc_hop_account(ph)))
				continue;
			if (ph->session >= 0) {
				start = a->sessions[ph->session].start;
				end = a->sessions[ph->session].end;
			} else {
				start = ph->time;
				end = ph->time + win;
			}
			if (ch->time < start - skew || ch->time > end + skew)
				continue;
			acct = !as_host && !ph->anonymous &&
			       hc_account_equal(hc_hop_account(ph), hc_hop_account(ch));
			if (!acct && !as_host && !(ch->anonymous && hc_account_is_user(hc_hop_account(ph))))
				continue;
			via = ch->src_session >= 0 && ch->src_session == ph->session;
			conf = 0.5 + (acct ? 0.2 : 0.1) + (via ? 0.3 : 0.0);
			if (ch->time < start || ch->time > end)
				conf -= 0.1; /* only inside the skew allowance */
			if (ch->src_how && strcmp(ch->src_how, "workstation") == 0)
				conf -= 0.1; /* client-supplied name */
			/* an authenticated onward hop is best explained by a session
			 * that holds reusable credentials (CredSSP type 8, RDP ...);
			 * a Restricted Admin session holds none */
			if (!ch->anonymous && !as_host && ph->ev->event_id == 4624 &&
			    hc_logon_type_reusable(ph->ev->norm.logon_type))
				conf += 0.05;
			if (conf > 1.0)
				conf = 1.0;
			/* insert, best first; ties: the closer parent first */
			size_t pos = nc;
			while (pos > 0 && (cand[pos - 1].conf < conf ||
					   (cand[pos - 1].conf == conf &&
					    cand[pos - 1].gap > ch->time - ph->time)))
				pos--;
			if (pos >= HC_MAX_CANDIDATES)
				continue;
			if (nc < HC_MAX_CANDIDATES)
				nc++;
			memmove(&cand[pos + 1], &cand[pos], (nc - 1 - pos) * sizeof(cand[0]));
			cand[pos].parent = pi;
			cand[pos].conf = conf;
			cand[pos].gap = ch->time - ph->time;
			cand[pos].via = via;
			cand[pos].acct = acct;
		}
		for (size_t k = 0; k < nc; k++) {
			struct hc_link *l;
			if (GROW(a->links, a->nlinks, p->cap_links) < 0) {
				rc = HC_ERR_NOMEM;
				goto out;
			}
			l = &a->links[a->nlinks];
			l->parent = cand[k].parent;
			l->child = (int)c;
			l->confidence = cand[k].conf;
			l->gap = cand[k].gap;
			l->via_4648 = cand[k].via;
			l->account_match = cand[k].acct;
			l->restricted_admin = as_host;
			l->ambiguous = nc > 1 && cand[0].conf - cand[1].conf < 0.05;
			ch->parents[ch->nparents++] = (int)a->nlinks;
			a->nlinks++;
		}
	}
out:
	for (size_t d = 0; d < a->nhosts; d++) {
		free(cands[d].v);
		free(ra[d].v);
	}
	free(cands);
	free(ra);
	return rc;
}

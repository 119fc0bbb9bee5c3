/* Stage 5, links: which session on the source host a user's hop continues
 * (session window and skew on corrected clocks, account equality, the
 * proof of a 4648, an 8001 or the connection's process; DOMAIN.md 5.3,
 * 7.1-7.7), every candidate kept with a confidence. Only user hops link:
 * a machine's, the collector's or a null session never continues a chain. */
#include "correlate_int.h"
#include "../parsers/decode.h"

#include <stdlib.h>
#include <string.h>

/* Link confidence: a base, what the account says, what proves it, and what
 * weakens it (DOMAIN.md 7.7); ties: HC_LINK_TIE in correlate_int.h. */
#define CONF_BASE 0.5
#define CONF_SAME_ACCOUNT 0.2  /* the same account arrived on the source */
#define CONF_ANONYMOUS 0.1     /* anonymous out of a real user's session */
#define CONF_PROVEN 0.3        /* a 4648, 8001 or connection names the session */
#define CONF_IN_SKEW_ONLY -0.1 /* only inside the skew allowance */
#define CONF_CLIENT_NAME -0.1  /* the source is a client-supplied name */
#define CONF_REUSABLE 0.05     /* the session holds reusable credentials */

int hc_cmp_hop_at(const void *x, const void *y, void *ctx)
{
	const struct hc_analysis *a = ctx;
	int i = *(const int *)x, j = *(const int *)y;
	int64_t ti = a->hops[i].at, tj = a->hops[j].at;

	return ti < tj ? -1 : ti > tj ? 1 : i - j;
}

/* The span of the sessions a (folded) hop created on its destination, on
 * the reference clock. */
static void hop_window(const struct hc_analysis *a, const struct hc_hop *h, int64_t win,
                       int64_t *start, int64_t *end)
{
	*start = h->at;
	*end = h->at + win;
	if (h->session >= 0) {
		*start = hc_at(a, h->dst, a->sessions[h->session].start);
		*end = hc_at(a, h->dst, a->sessions[h->session].end);
	}
	for (size_t k = 0; k < h->nrepeats; k++) {
		const struct hc_hop *r = &a->hops[h->repeats[k]];
		int64_t e =
		    r->session >= 0 ? hc_at(a, r->dst, a->sessions[r->session].end) : r->at + win;
		if (e > *end)
			*end = e;
	}
}

/* 1 when session `s` is one that hop `h` (or a repeat folded into it)
 * created. */
static bool owns_session(const struct hc_analysis *a, const struct hc_hop *h, int s)
{
	if (s < 0)
		return false;
	if (h->session == s)
		return true;
	for (size_t k = 0; k < h->nrepeats; k++)
		if (a->hops[h->repeats[k]].session == s)
			return true;
	return false;
}

/* Candidate parents per host: the user hops that created a session there
 * (first logons of their act), by time; and the Restricted Admin RDP
 * sessions (type 10, RestrictedAdminMode Yes), from which the user reaches
 * other hosts as the host's machine account (DOMAIN.md 6.5, 7.2). */
static int candidate_lists(struct hc_analysis *a, struct ilist *cands, struct ilist *ra)
{
	struct priv *p = a->priv;

	for (size_t d = 0; d < a->nhosts; d++) {
		struct ilist *in = &p->inbound[d];
		if (in->n > 1)
			qsort_r(in->v, in->n, sizeof(int), hc_cmp_hop_at, a);
		for (size_t k = 0; k < in->n; k++) {
			const struct hc_hop *ph = &a->hops[in->v[k]];
			if (hc_link_parent_ok(ph) != HC_REJECT_NONE)
				continue;
			if (hc_ilist_add(&cands[d], in->v[k]) < 0)
				return HC_ERR_NOMEM;
			if (ph->ev->event_id == 4624 && ph->ev->norm.logon_type == 10 &&
			    ph->ev->norm.restricted_admin == HC_YES &&
			    hc_ilist_add(&ra[d], in->v[k]) < 0)
				return HC_ERR_NOMEM;
		}
	}
	return HC_OK;
}

const char *hc_reject_text(enum hc_reject r)
{
	switch (r) {
	case HC_REJECT_NONE:
		return NULL;
	case HC_REJECT_LOOP:
		return "it came from the hop's own target";
	case HC_REJECT_WINDOW:
		return "the hop is outside its session on the source (with the skew allowance)";
	case HC_REJECT_ACCOUNT:
		return "another account, and the hop is not anonymous";
	case HC_REJECT_NOT_USER:
		return "not a user's hop (a machine's, the collector's or a null session)";
	case HC_REJECT_FAILED:
		return "a failed logon opens no session";
	case HC_REJECT_ANONYMOUS:
		return "an anonymous session holds no credentials to move on with";
	case HC_REJECT_REPEAT:
		return "a repeat folded into another hop (that hop is the candidate)";
	}
	return "?";
}

/* Why hop `ph` cannot create a session a later hop continues, or
 * HC_REJECT_NONE. */
enum hc_reject hc_link_parent_ok(const struct hc_hop *ph)
{
	if (ph->failed)
		return HC_REJECT_FAILED;
	if (ph->anonymous)
		return HC_REJECT_ANONYMOUS;
	if (ph->repeat_of >= 0 || ph->absorbed)
		return HC_REJECT_REPEAT;
	if (ph->cls != HC_CLASS_USER)
		return HC_REJECT_NOT_USER;
	return HC_REJECT_NONE;
}

enum hc_reject hc_link_score(const struct hc_analysis *a, const struct hc_hop *ch,
                             const struct hc_hop *ph, bool as_host, struct cand *c)
{
	const struct priv *p = a->priv;
	const int64_t skew = p->o->skew, win = p->o->session_window;
	int64_t start, end;
	bool acct, via;
	double conf;

	if (ph == ch || ph->src == ch->dst)
		return HC_REJECT_LOOP;
	hop_window(a, ph, win, &start, &end);
	if (ch->at < start - skew || ch->at > end + skew)
		return HC_REJECT_WINDOW;
	acct = !as_host && hc_account_equal(hc_hop_account(ph), hc_hop_account(ch));
	if (!acct && !as_host && !ch->anonymous)
		return HC_REJECT_ACCOUNT;
	via = ch->src_proof != HC_PROOF_NONE && owns_session(a, ph, ch->src_session);
	conf = CONF_BASE + (acct ? CONF_SAME_ACCOUNT : CONF_ANONYMOUS) + (via ? CONF_PROVEN : 0.0);
	if (ch->at < start || ch->at > end)
		conf += CONF_IN_SKEW_ONLY;
	if (ch->src_how == HC_SRC_WORKSTATION)
		conf += CONF_CLIENT_NAME;
	/* an authenticated onward hop is best explained by a session that
	 * holds reusable credentials (CredSSP type 8, RDP ...); a Restricted
	 * Admin session holds none */
	if (!ch->anonymous && !as_host && ph->ev->event_id == 4624 &&
	    hc_logon_type_reusable(ph->ev->norm.logon_type))
		conf += CONF_REUSABLE;
	c->conf = conf > 1.0 ? 1.0 : conf;
	c->gap = ch->at - ph->at;
	c->proof = via ? ch->src_proof : HC_PROOF_NONE;
	c->acct = acct;
	return HC_REJECT_NONE;
}

/* Inserts `c` into `cand` (n of at most HC_MAX_CANDIDATES), best first;
 * ties: the closer parent first. */
static void insert(struct cand *cand, size_t *n, const struct cand *c)
{
	size_t pos = *n;

	while (pos > 0 && (cand[pos - 1].conf < c->conf ||
	                   (cand[pos - 1].conf == c->conf && cand[pos - 1].gap > c->gap)))
		pos--;
	if (pos >= HC_MAX_CANDIDATES)
		return;
	if (*n < HC_MAX_CANDIDATES)
		(*n)++;
	memmove(&cand[pos + 1], &cand[pos], (*n - 1 - pos) * sizeof(cand[0]));
	cand[pos] = *c;
}

/* The candidate parents of child `c`, nearest first: the session a 4648,
 * 8001 or connection names is always looked at, the others at most
 * HC_MAX_WITNESS_SCAN of them. */
static size_t candidates(struct hc_analysis *a, int c, const struct ilist *in, bool as_host,
                         struct cand *cand)
{
	const struct priv *p = a->priv;
	const struct hc_hop *ch = &a->hops[c];
	const int64_t skew = p->o->skew, win = p->o->session_window;
	int proven = -1;
	size_t lo = 0, hi = in->n, seen = 0, nc = 0;
	struct cand one;

	if (!as_host && ch->src_session >= 0) {
		proven = a->sessions[ch->src_session].hop;
		if (proven >= 0 && a->hops[proven].repeat_of >= 0)
			proven = a->hops[proven].repeat_of;
		if (proven >= 0 &&
		    (a->hops[proven].dst != ch->src || hc_link_parent_ok(&a->hops[proven])))
			proven = -1;
	}
	if (proven >= 0 && !hc_link_score(a, ch, &a->hops[proven], as_host, &one)) {
		one.parent = proven;
		insert(cand, &nc, &one);
	}
	while (lo < hi) { /* past the last candidate at or before t + skew */
		size_t mid = lo + (hi - lo) / 2;
		if (a->hops[in->v[mid]].at <= ch->at + skew)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo; k-- > 0;) {
		const struct hc_hop *ph = &a->hops[in->v[k]];
		if (in->v[k] == proven)
			continue;
		if (seen++ >= HC_MAX_WITNESS_SCAN || ph->at < ch->at - win - skew)
			break;
		if (!hc_link_score(a, ch, ph, as_host, &one)) {
			one.parent = in->v[k];
			insert(cand, &nc, &one);
		}
	}
	return nc;
}

static int add_links(struct hc_analysis *a, int c, const struct cand *cand, size_t nc, bool as_host)
{
	struct priv *p = a->priv;
	struct hc_hop *ch = &a->hops[c];

	/* a record that names the session (4648, 8001, the connection's
	 * process) disproves the others: they are not candidates any more */
	if (nc > 1 && cand[0].proof != HC_PROOF_NONE && cand[0].proof != HC_PROOF_UNIQUE)
		for (size_t k = 1; k < nc; k++)
			if (cand[k].proof == HC_PROOF_NONE) {
				nc = k;
				break;
			}
	for (size_t k = 0; k < nc; k++) {
		struct hc_link *l;
		if (HC_GROW(a->links, a->nlinks, p->cap_links) < 0)
			return HC_ERR_NOMEM;
		l = &a->links[a->nlinks];
		memset(l, 0, sizeof(*l));
		l->parent = cand[k].parent;
		l->child = c;
		l->confidence = cand[k].conf;
		l->gap = cand[k].gap;
		l->proof = cand[k].proof;
		/* the only session it can continue is proof enough */
		if (l->proof == HC_PROOF_NONE && nc == 1)
			l->proof = HC_PROOF_UNIQUE;
		l->via_4648 = cand[k].proof == HC_PROOF_4648;
		l->account_match = cand[k].acct;
		l->restricted_admin = as_host;
		l->ambiguous = nc > 1 && cand[0].conf - cand[1].conf < HC_LINK_TIE;
		ch->parents[ch->nparents++] = (int)a->nlinks;
		a->nlinks++;
	}
	return HC_OK;
}

int hc_links_build(struct hc_analysis *a)
{
	int rc = HC_OK;
	struct ilist *cands = calloc(a->nhosts + 1, sizeof(*cands));
	struct ilist *ra = calloc(a->nhosts + 1, sizeof(*ra));

	if (!cands || !ra || (rc = candidate_lists(a, cands, ra)) < 0) {
		rc = HC_ERR_NOMEM;
		goto out;
	}
	for (size_t c = 0; c < a->nhops && rc == HC_OK; c++) {
		struct hc_hop *ch = &a->hops[c];
		struct cand cand[HC_MAX_CANDIDATES];
		bool as_host = false;
		size_t nc;

		if (ch->src < 0 || ch->absorbed || ch->repeat_of >= 0)
			continue;
		if (ch->cls != HC_CLASS_USER) {
			/* the exception: the source's machine account leaving a host
			 * while a Restricted Admin session is open there; a logon at
			 * a host that issues tickets is the machine's own upkeep */
			if (ch->cls != HC_CLASS_MACHINE || !ra[ch->src].n ||
			    a->hosts[ch->dst].kdc || ch->failed ||
			    !hc_is_machine_account_of(a, hc_hop_account(ch), ch->src))
				continue;
			as_host = true;
		}
		nc = candidates(a, (int)c, as_host ? &ra[ch->src] : &cands[ch->src], as_host, cand);
		rc = add_links(a, (int)c, cand, nc, as_host);
	}
out:
	if (cands && ra)
		for (size_t d = 0; d < a->nhosts; d++) {
			free(cands[d].v);
			free(ra[d].v);
		}
	free(cands);
	free(ra);
	return rc;
}

/* Explaining one hop after the analysis (issue 9): the stages' own lookups
 * run again for that hop, this time saying what each found, so that the
 * explanation and the analysis cannot disagree: every source witness with
 * what it names, the clock corrections, the class and why, the repeats
 * folded, and every session on the source that could have been its parent
 * with the linker's score or the reason it was not. */
#include "correlate_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Candidate parents looked at (nearest first): beyond, the hop is in a
 * crowd and the count is said. */
#define HC_MAX_EXPLAIN_PARENTS 64
#define HC_MAX_EXPLAIN_CLAIMS 16

const char *hc_explain_kind_name(enum hc_explain_kind k)
{
	static const char *const n[] = {"hop", "source", "clock", "class", "fold", "parent"};
	return (unsigned)k < 6 ? n[k] : "?";
}

static struct hc_explain_item *item(struct hc_explain *x, enum hc_explain_kind kind,
                                    const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static struct hc_explain_item *item(struct hc_explain *x, enum hc_explain_kind kind,
                                    const char *what, const char *fmt, ...)
{
	struct hc_explain_item *it;
	va_list ap;

	if (HC_GROW(x->items, x->n, x->cap) < 0)
		return NULL;
	it = &x->items[x->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->what = what;
	it->host = it->hop = -1;
	it->score = -1;
	va_start(ap, fmt);
	hc_vsnprintf_c(it->why, sizeof(it->why), fmt, ap); /* "confidence 0.85" in any locale */
	va_end(ap);
	return it;
}

static const char *host_name(const struct hc_analysis *a, int h)
{
	return h >= 0 ? a->hosts[h].name : "(unknown)";
}

static void tfmt(int64_t t, char *b, size_t cap)
{
	if (t == INT64_MIN || t == INT64_MAX)
		snprintf(b, cap, "%s", t == INT64_MIN ? "always" : "ever");
	else
		hc_time_format(t, b, cap);
}

/* Every host that claims the hop's address, and which one the analysis
 * takes at the hop's time. */
static int explain_address(struct hc_analysis *a, const struct hc_hop *h, struct hc_explain *x)
{
	struct priv *p = a->priv;
	const char *ip = h->ev->norm.ip;
	int *f, taken = hc_host_by_addr(a, ip, h->time);
	struct hc_explain_item *it;

	if (!ip)
		return HC_OK;
	if (!(f = hc_smap_find(&p->host_by_addr, ip))) {
		return item(x, HC_EX_SOURCE, "address", "no host claims %s", ip) ? HC_OK
		                                                                 : HC_ERR_NOMEM;
	}
	const struct ilist *l = &p->addr_claims[*f];
	for (size_t k = 0; k < l->n && k < HC_MAX_EXPLAIN_CLAIMS; k++) {
		const struct claim *c = &p->claims[l->v[k]];
		char t0[40], t1[40];
		tfmt(c->first, t0, sizeof(t0));
		tfmt(c->last, t1, sizeof(t1));
		it = item(x, HC_EX_SOURCE, "address", "%s is claimed by %s (%s, seen %s .. %s)%s",
		          ip, a->hosts[c->host].name, hc_learn_name(c->how), t0, t1,
		          c->host == taken ? ": the strongest claim in reach of the logon's time"
		                           : ": not taken (weaker, or further in time)");
		if (!it)
			return HC_ERR_NOMEM;
		it->host = c->host;
		it->taken = c->host == taken;
		it->ev = a->hosts[c->host].addr[c->hostaddr].ev;
	}
	if (l->n > HC_MAX_EXPLAIN_CLAIMS &&
	    !item(x, HC_EX_SOURCE, "address", "... and %zu more claims of %s",
	          l->n - HC_MAX_EXPLAIN_CLAIMS, ip))
		return HC_ERR_NOMEM;
	return HC_OK;
}

static int explain_witness(struct hc_analysis *a, struct hc_explain *x, const char *what,
                           long found, const char *taken_why, const char *none_why)
{
	struct priv *p = a->priv;
	struct hc_explain_item *it;

	if (found < 0)
		return none_why && !item(x, HC_EX_SOURCE, what, "%s", none_why) ? HC_ERR_NOMEM
		                                                                : HC_OK;
	const struct hc_event *ev = &p->set->v[found];
	it = item(x, HC_EX_SOURCE, what, "%s (%s, record %llu)", taken_why, ev->computer,
	          (unsigned long long)ev->record_id);
	if (!it)
		return HC_ERR_NOMEM;
	it->ev = ev;
	it->host = hc_host_of(a, ev);
	return HC_OK;
}

static bool cites(const struct hc_hop *h, const struct hc_event *ev)
{
	for (size_t i = 0; i < h->nev; i++)
		if (h->evidence[i].ev == ev)
			return true;
	return false;
}

static int explain_sources(struct hc_analysis *a, const struct hc_hop *h, struct hc_explain *x)
{
	struct priv *p = a->priv;
	const struct hc_norm *n = &h->ev->norm;
	char buf[300];
	long w, lis = -1;
	int rc;

	if (h->ev->event_id == 4648)
		return item(x, HC_EX_SOURCE, "4648",
		            "the target's log is not among the inputs: the source's 4648 naming it "
		            "is the hop")
		           ? HC_OK
		           : HC_ERR_NOMEM;
	char port[16] = "-";
	if (n->port >= 0)
		snprintf(port, sizeof(port), "%d", n->port);
	struct hc_explain_item *own = item(
	    x, HC_EX_SOURCE, "logon", "the logon gives IpAddress %s, IpPort %s, WorkstationName %s",
	    n->ip ? n->ip : "-", port, n->workstation ? n->workstation : "-");
	if (!own)
		return HC_ERR_NOMEM;
	own->taken = true;
	w = hc_find_connection(a, n->ip, n->port, h->time, h->dst);
	snprintf(buf, sizeof(buf),
	         "no host logged an outbound connection from %s:%d within the "
	         "skew",
	         n->ip ? n->ip : "-", n->port);
	if ((rc = explain_witness(a, x, "connection", w,
	                          "the source's own record of the connection (same address and "
	                          "port)",
	                          n->ip && n->port > 0 ? buf : NULL)) < 0 ||
	    (rc = explain_address(a, h, x)) < 0)
		return rc;
	if (!h->anonymous) {
		w = hc_find_explicit(a, h->dst, &n->target, h->time);
		if ((rc = explain_witness(a, x, "4648", w,
		                          "a 4648 naming the target for the account",
		                          "no 4648 names the target for the account within the "
		                          "skew")) < 0)
			return rc;
		if (n->package && strcasecmp(n->package, "Kerberos") == 0) {
			w = hc_find_ticket(a, h->dst, &n->target, h->time);
			snprintf(buf, sizeof(buf),
			         "the DC's ticket for %s$ by the account, from %s",
			         a->hosts[h->dst].name,
			         w >= 0 && p->set->v[w].norm.ip ? p->set->v[w].norm.ip : "-");
			if ((rc = explain_witness(
			         a, x, "4769", w, buf,
			         "no DC ticket for the target by the account (nearest "
			         "before, within the skew, or cached)")) < 0)
				return rc;
		}
		if (n->package && strcasecmp(n->package, "NTLM") == 0) {
			w = hc_find_validation(a, &n->target, h->time);
			snprintf(buf, sizeof(buf), "the DC's NTLM validation names workstation %s",
			         w >= 0 ? p->set->v[w].norm.workstation : "-");
			if ((rc = explain_witness(a, x, "4776", w, buf, NULL)) < 0)
				return rc;
		}
		if (!n->ip) {
			const char *ip = hc_client_by_listener(a, h->dst, h->time, &lis);
			snprintf(buf, sizeof(buf),
			         "the target's record of %s reaching its WinRM or web listener",
			         ip ? ip : "-");
			if ((rc = explain_witness(a, x, "listener", ip ? lis : -1, buf, NULL)) < 0)
				return rc;
		}
	}
	struct hc_explain_item *it =
	    item(x, HC_EX_SOURCE, "source", "%s%s%s, address %s", host_name(a, h->src),
	         h->src_how ? ", by " : ": nothing names the host",
	         h->src_how ? hc_source_name(h->src_how) : "", h->src_ip ? h->src_ip : "unknown");
	if (!it)
		return HC_ERR_NOMEM;
	it->host = h->src;
	it->taken = true;
	for (size_t k = 0; k < x->n; k++) /* mark the witnesses the hop cites */
		if (x->items[k].ev && x->items[k].kind == HC_EX_SOURCE &&
		    strcmp(x->items[k].what, "address") != 0)
			x->items[k].taken = cites(h, x->items[k].ev);
	return HC_OK;
}

static int explain_clock(struct hc_analysis *a, const struct hc_hop *h, struct hc_explain *x)
{
	int hosts[2] = {h->dst, h->src};

	for (int i = 0; i < 2; i++) {
		const struct hc_host *host = hosts[i] >= 0 ? &a->hosts[hosts[i]] : NULL;
		struct hc_explain_item *it;
		if (!host || !host->clock.pairs || hosts[i] == host->clock.ref)
			continue;
		it = item(x, HC_EX_CLOCK, i ? "source clock" : "target clock",
		          "%s's clock is %+.1f s off %s's (%zu pairs)%s", host->name,
		          (double)host->clock.offset / (double)HC_TICKS_PER_SEC,
		          a->hosts[host->clock.ref].name, host->clock.pairs,
		          host->clock.applied ? ": times corrected"
		                              : ": within the latency, not corrected");
		if (!it)
			return HC_ERR_NOMEM;
		it->host = hosts[i];
		it->taken = host->clock.applied;
	}
	return HC_OK;
}

static int explain_class(struct hc_analysis *a, const struct hc_hop *h, struct hc_explain *x)
{
	struct hc_explain_item *it =
	    item(x, HC_EX_CLASS, hc_class_name(h->cls), "%s", h->class_why ? h->class_why : "");

	if (!it)
		return HC_ERR_NOMEM;
	it->taken = true;
	if (h->src_session >= 0) {
		const struct hc_session *s = &a->sessions[h->src_session];
		it = item(x, HC_EX_CLASS, hc_proof_name(h->src_proof),
		          "a %s record names the session 0x%llx on %s as where the hop came from%s",
		          hc_proof_name(h->src_proof), (unsigned long long)s->logon_id,
		          a->hosts[s->host].name,
		          s->hop < 0 ? " (a session no hop made: the chain starts here)" : "");
		if (!it)
			return HC_ERR_NOMEM;
		it->ev = s->logon;
		it->hop = s->hop;
		it->taken = true;
	}
	if (h->repeat_of >= 0) {
		it = item(x, HC_EX_FOLD, "repeat",
		          "a repeat of the same act (same source, target, account and package "
		          "within %lld s): folded into the hop of its first logon",
		          (long long)(HC_FOLD_GAP / HC_TICKS_PER_SEC));
		if (!it)
			return HC_ERR_NOMEM;
		it->hop = h->repeat_of;
		it->taken = true;
	}
	for (size_t k = 0; k < h->nrepeats; k++) {
		const struct hc_hop *r = &a->hops[h->repeats[k]];
		it = item(x, HC_EX_FOLD, "repeat",
		          "a later logon of the same act, folded into this hop");
		if (!it)
			return HC_ERR_NOMEM;
		it->hop = h->repeats[k];
		it->ev = r->ev;
		it->taken = true;
	}
	return HC_OK;
}

/* Every hop into the source around the hop's time: the candidates the
 * linker scored (taken: it is one of the hop's listed parents) and the
 * others with the reason they could not be. */
static int explain_parents(struct hc_analysis *a, int c, struct hc_explain *x)
{
	struct priv *p = a->priv;
	const struct hc_hop *ch = &a->hops[c];
	const int64_t skew = p->o->skew, win = p->o->session_window;
	size_t shown = 0, crowd = 0;
	bool as_host;

	if (ch->src < 0)
		return item(x, HC_EX_PARENT, "none",
		            "the source host is not known: no session to continue")
		           ? HC_OK
		           : HC_ERR_NOMEM;
	if (ch->repeat_of >= 0)
		return HC_OK; /* its act's first hop has the candidates */
	as_host = ch->nparents && a->links[ch->parents[0]].restricted_admin;
	if (ch->cls != HC_CLASS_USER && !as_host &&
	    !item(x, HC_EX_PARENT, "none", "a %s hop continues no session (only a user's does)",
	          hc_class_name(ch->cls)))
		return HC_ERR_NOMEM;
	const struct ilist *in = &p->inbound[ch->src];
	for (size_t k = in->n; k-- > 0;) {
		const struct hc_hop *ph = &a->hops[in->v[k]];
		struct hc_explain_item *it;
		struct cand cd;
		enum hc_reject r;
		if (ph->at > ch->at + skew)
			continue;
		if (ph->at < ch->at - win - skew)
			break;
		if (shown >= HC_MAX_EXPLAIN_PARENTS) {
			crowd++;
			continue;
		}
		r = hc_link_parent_ok(ph);
		if (r == HC_REJECT_NONE)
			r = hc_link_score(a, ch, ph, as_host, &cd);
		int rank = -1;
		for (size_t q = 0; q < ch->nparents; q++)
			if (a->links[ch->parents[q]].parent == in->v[k])
				rank = (int)q;
		if (r == HC_REJECT_NONE)
			it = item(x, HC_EX_PARENT, "candidate",
			          "%s's session (%s from %s): confidence %.2f%s%s%s",
			          ph->ev->norm.target.name ? ph->ev->norm.target.name : "?",
			          hc_class_name(ph->cls), host_name(a, ph->src), cd.conf,
			          cd.proof != HC_PROOF_NONE ? ", proven by " : "",
			          cd.proof != HC_PROOF_NONE ? hc_proof_name(cd.proof) : "",
			          rank == 0  ? ": the best"
			          : rank > 0 ? ": listed"
			                     : ": beyond the listed candidates");
		else
			it = item(x, HC_EX_PARENT, "rejected", "%s's logon (%s from %s): %s",
			          ph->anonymous              ? "ANONYMOUS LOGON"
			          : ph->ev->norm.target.name ? ph->ev->norm.target.name
			                                     : "?",
			          hc_class_name(ph->cls), host_name(a, ph->src), hc_reject_text(r));
		if (!it)
			return HC_ERR_NOMEM;
		it->hop = in->v[k];
		it->ev = ph->ev;
		it->score = r == HC_REJECT_NONE ? cd.conf : -1;
		it->taken = rank >= 0;
		shown++;
	}
	if (crowd && !item(x, HC_EX_PARENT, "crowd",
	                   "%zu more hops into %s in the window were not looked at one by one",
	                   crowd, a->hosts[ch->src].name))
		return HC_ERR_NOMEM;
	if (!shown && ch->cls == HC_CLASS_USER &&
	    !item(x, HC_EX_PARENT, "none", "no hop into %s in the session window: a first hop",
	          a->hosts[ch->src].name))
		return HC_ERR_NOMEM;
	return HC_OK;
}

int hc_explain_hop(struct hc_analysis *a, int hop, struct hc_explain *out)
{
	const struct hc_hop *h;
	struct hc_explain_item *it;
	char t[40], at[40];
	int rc;

	memset(out, 0, sizeof(*out));
	if (hop < 0 || (size_t)hop >= a->nhops)
		return HC_ERR_USAGE;
	h = &a->hops[hop];
	hc_time_format(h->time, t, sizeof(t));
	hc_time_format(h->at, at, sizeof(at));
	it = item(out, HC_EX_HOP, "hop", "%s -> %s as %s, logged at %s%s%s%s", host_name(a, h->src),
	          a->hosts[h->dst].name,
	          h->anonymous              ? "ANONYMOUS LOGON"
	          : h->ev->norm.target.name ? h->ev->norm.target.name
	                                    : "?",
	          t, h->at != h->time ? " (" : "", h->at != h->time ? at : "",
	          h->at != h->time ? " on the reference clock)" : "");
	if (!it)
		return HC_ERR_NOMEM;
	it->ev = h->ev;
	it->hop = hop;
	it->taken = true;
	if (h->absorbed) {
		rc = item(out, HC_EX_FOLD, "credssp",
		          "the Kerberos network logon of a CredSSP session: evidence of its type-8 "
		          "hop, not a hop")
		         ? HC_OK
		         : HC_ERR_NOMEM;
	} else if ((rc = explain_sources(a, h, out)) == HC_OK &&
	           (rc = explain_clock(a, h, out)) == HC_OK &&
	           (rc = explain_class(a, h, out)) == HC_OK) {
		rc = explain_parents(a, hop, out);
	}
	if (rc < 0)
		hc_explain_free(out);
	return rc;
}

void hc_explain_free(struct hc_explain *x)
{
	if (!x)
		return;
	free(x->items);
	memset(x, 0, sizeof(*x));
}

int hc_hop_by_record(const struct hc_analysis *a, const char *file, uint64_t record_id)
{
	for (size_t i = 0; i < a->nhops; i++) {
		const struct hc_hop *h = &a->hops[i];
		if (h->ev->record_id != record_id || (file && strcmp(h->ev->file, file) != 0))
			continue;
		return (int)i;
	}
	return -1;
}

/* Stages 3 and 4, hops: inbound network logons from another host, with the
 * witnesses of their source (IpAddress, the client's 4648, the DC's 4769,
 * WorkstationName; DOMAIN.md 6.1-6.4 and corpus fact 3). */
#include "correlate_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* hops                                                                 */

static void cite(struct hc_hop *h, const struct hc_event *ev, const char *role)
{
	for (size_t i = 0; i < h->nev; i++)
		if (h->evidence[i].ev == ev)
			return;
	if (h->nev < HC_MAX_EVIDENCE) {
		h->evidence[h->nev].ev = ev;
		h->evidence[h->nev].role = role;
		h->nev++;
	}
}

/* First position in `l` (event indexes in time order) whose event is at
 * or after `t`. */
static size_t lower_bound(const struct priv *p, const struct ilist *l, int64_t t)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->set->v[l->v[mid]].time < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The 4648 on some host naming `dst` for `acct`, closest to `t` within the
 * skew (the earlier one on a tie); returns its event index or -1. Looks
 * outward from `t` at no more than HC_MAX_WITNESS_SCAN of them: a flood of
 * 4648s cannot make this quadratic. */
static long find_explicit(struct hc_analysis *a, int dst, const struct hc_account *acct,
			  int64_t t, int exclude_host)
{
	struct priv *p = a->priv;
	const struct ilist *l = &p->explicit[dst];
	size_t right = lower_bound(p, l, t), left = right, seen = 0;

	while (seen++ < HC_MAX_WITNESS_SCAN) {
		int64_t dl = left > 0 ? t - p->set->v[l->v[left - 1]].time : INT64_MAX;
		int64_t dr = right < l->n ? p->set->v[l->v[right]].time - t : INT64_MAX;
		size_t i;
		if (dl <= dr && dl <= p->o->skew)
			i = --left;
		else if (dr < dl && dr <= p->o->skew)
			i = right++;
		else
			break;
		const struct hc_event *ev = &p->set->v[l->v[i]];
		if (acct && !hc_account_equal(&ev->norm.target, acct))
			continue;
		if (hc_host_of(a, ev) == exclude_host)
			continue;
		return l->v[i];
	}
	return -1;
}

/* "host:user" (lower case, realm dropped) for the ticket index. */
static void ticket_key(char *k, size_t cap, int host, const char *user)
{
	size_t n = (size_t)snprintf(k, cap, "%d:", host), ul = user ? hc_user_len(user) : 0;

	for (size_t i = 0; i < ul && n + 1 < cap; i++)
		k[n++] = (char)tolower((unsigned char)user[i]);
	k[n < cap ? n : cap - 1] = '\0';
}

/* The DC's most recent successful 4769 for service `dst`$ by `acct` before
 * `t` (within the session window: a service ticket lives 10 h by default). */
static long find_ticket(struct hc_analysis *a, int dst, const struct hc_account *acct, int64_t t)
{
	struct priv *p = a->priv;
	char k[320];
	int *f;

	ticket_key(k, sizeof(k), dst, acct->name);
	if (!(f = hc_smap_find(&p->ticket_key, k)))
		return -1;
	const struct ilist *l = &p->tickets[*f];

	size_t seen = 0;
	for (size_t i = lower_bound(p, l, t + p->o->skew + 1); i-- > 0;) {
		const struct hc_event *ev = &p->set->v[l->v[i]];
		if (ev->time < t - p->o->session_window || seen++ >= HC_MAX_WITNESS_SCAN)
			break;
		if (ev->norm.has_status && ev->norm.status != 0)
			continue;
		if (hc_account_equal(&ev->norm.target, acct))
			return l->v[i];
	}
	return -1;
}

int hc_witnesses_index(struct hc_analysis *a)
{
	struct priv *p = a->priv;

	p->explicit = calloc(a->nhosts + 1, sizeof(*p->explicit));
	p->inbound = calloc(a->nhosts + 1, sizeof(*p->inbound));
	if (!p->explicit || !p->inbound)
		return HC_ERR_NOMEM;
	for (size_t i = 0; i < p->set->n; i++) {
		const struct hc_event *ev = &p->set->v[i];
		int h;
		if (ev->event_id == 4648 && ev->norm.target_server) {
			h = hc_host_by_name(a, ev->norm.target_server);
			if (h < 0 && ev->norm.target_info) {
				const char *sl = strchr(ev->norm.target_info, '/');
				h = hc_host_by_name(a, sl ? sl + 1 : ev->norm.target_info);
			}
			if (h >= 0 && hc_ilist_add(&p->explicit[h], (int)i) < 0)
				return HC_ERR_NOMEM;
		} else if (ev->event_id == 4769 && ev->norm.service_name && ev->norm.ip) {
			const char *svc = ev->norm.service_name;
			size_t n = hc_user_len(svc);
			if (!n || svc[n - 1] != '$')
				continue; /* a user or krbtgt service, not a computer */
			h = hc_host_by_name(a, svc);
			if (h < 0 || !ev->norm.target.name)
				continue;
			char k[320];
			int *f, slot;
			ticket_key(k, sizeof(k), h, ev->norm.target.name);
			if ((f = hc_smap_find(&p->ticket_key, k))) {
				slot = *f;
			} else {
				size_t cap = p->ntickets;
				if ((p->ntickets & (p->ntickets - 1)) == 0) { /* grow at powers of 2 */
					cap = p->ntickets ? p->ntickets * 2 : 16;
					struct ilist *nl = realloc(p->tickets, cap * sizeof(*nl));
					if (!nl)
						return HC_ERR_NOMEM;
					p->tickets = nl;
				}
				slot = (int)p->ntickets++;
				memset(&p->tickets[slot], 0, sizeof(p->tickets[slot]));
				if (hc_smap_put(&p->ticket_key, k, slot) < 0)
					return HC_ERR_NOMEM;
			}
			if (hc_ilist_add(&p->tickets[slot], (int)i) < 0)
				return HC_ERR_NOMEM;
		}
	}
	return HC_OK;
}

/* The account a hop arrived as. */
const struct hc_account *hc_hop_account(const struct hc_hop *h)
{
	return &h->ev->norm.target;
}

static int add_hop(struct hc_analysis *a, const struct hc_event *ev, int src, int dst,
		   const char *how, struct hc_hop **ret)
{
	struct priv *p = a->priv;
	struct hc_hop *hop;

	if (GROW(a->hops, a->nhops, p->cap_hops) < 0)
		return HC_ERR_NOMEM;
	hop = &a->hops[a->nhops];
	memset(hop, 0, sizeof(*hop));
	hop->ev = ev;
	hop->time = ev->time;
	hop->src = src;
	hop->dst = dst;
	hop->src_how = how;
	hop->session = -1;
	hop->src_session = -1;
	hop->anonymous = ev->norm.anonymous;
	hop->failed = ev->event_id == 4625;
	if (hc_ilist_add(&p->inbound[dst], (int)a->nhops) < 0)
		return HC_ERR_NOMEM;
	*ret = hop;
	a->nhops++;
	return HC_OK;
}

/* Pass 3: inbound logons that came from another host. */
int hc_hops_build(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	int rc;

	for (size_t i = 0; i < p->set->n; i++) {
		const struct hc_event *ev = &p->set->v[i];
		const struct hc_norm *n = &ev->norm;
		int dst, src = -1;
		const char *how = NULL;
		long x = -1, tk = -1;
		struct hc_hop *hop;

		if ((ev->event_id != 4624 && ev->event_id != 4625) || !hc_is_hop_type(n->logon_type))
			continue;
		dst = hc_host_of(a, ev);
		if (dst < 0)
			return dst;
		if (n->ip && hc_ip_is_local(n->ip))
			continue; /* loopback: local */
		if (n->ip && (src = hc_host_by_addr(a, n->ip, ev->time)) >= 0)
			how = "ip";
		if (!n->anonymous) {
			x = find_explicit(a, dst, &n->target, ev->time, dst);
			if (x >= 0 && src < 0) {
				src = hc_host_of(a, &p->set->v[x]);
				how = "4648";
			}
			if (ev->event_id == 4624 && n->package && strcasecmp(n->package, "Kerberos") == 0) {
				tk = find_ticket(a, dst, &n->target, ev->time);
				if (tk >= 0 && src < 0 &&
				    (src = hc_host_by_addr(a, p->set->v[tk].norm.ip, p->set->v[tk].time)) >= 0)
					how = "4769";
			}
		}
		if (src < 0 && n->workstation && !n->ip && (src = hc_host_by_name(a, n->workstation)) >= 0)
			how = "workstation";
		if (src == dst)
			continue; /* a logon from the host itself */
		if (n->target.name && src < 0) {
			/* the host's own machine account: local, whatever the address */
			char own[256];
			if (hc_host_canon(n->target.name, own, sizeof(own)) &&
			    n->target.name[hc_user_len(n->target.name) - 1] == '$' &&
			    strcmp(own, a->hosts[dst].name) == 0)
				continue;
		}
		/* machine and service identities with no source are not hops */
		if (src < 0 && !n->ip && !n->anonymous && !hc_account_is_user(&n->target))
			continue;
		if (src < 0 && !n->ip && !n->workstation && x < 0 && tk < 0 &&
		    !(n->logon_type == 8 || n->logon_type == 10))
			continue; /* nothing says it came over the network */
		if ((rc = add_hop(a, ev, src, dst, how, &hop)) < 0)
			return rc;
		cite(hop, ev, ev->event_id == 4625 ? "failed-logon" : "logon");
		if (x >= 0) {
			const struct hc_event *xe = &p->set->v[x];
			int xh = hc_host_of(a, xe);
			if (xh == src) {
				cite(hop, xe, "explicit-credentials");
				if (xe->norm.has_subject_logon_id)
					hop->src_session =
					    hc_session_find(a, xh, xe->time, xe->norm.subject_logon_id);
			}
		}
		if (tk >= 0 && hc_host_by_addr(a, p->set->v[tk].norm.ip, p->set->v[tk].time) == src)
			cite(hop, &p->set->v[tk], "service-ticket");
		if (ev->event_id == 4624 && n->has_target_logon_id) {
			hop->session = hc_session_find(a, dst, ev->time, n->target_logon_id);
			if (hop->session >= 0)
				a->sessions[hop->session].hop = (int)(a->nhops - 1);
		}
	}
	/* WinRM with CredSSP logs a Kerberos network logon (type 3) and the
	 * NetworkCleartext logon (type 8) of the same user from the same
	 * client within a moment (DOMAIN.md 6.2): one hop, not two. The type-3
	 * twin becomes evidence of the type-8 hop. */
	for (size_t d = 0; d < a->nhosts; d++) {
		const struct ilist *in = &p->inbound[d]; /* in time order */
		for (size_t k = 0; k < in->n; k++) {
			struct hc_hop *h8 = &a->hops[in->v[k]];
			size_t lo = 0, hi = in->n;
			if (h8->failed || h8->ev->norm.logon_type != 8)
				continue;
			while (lo < hi) { /* the first hop at most 10 s before */
				size_t mid = lo + (hi - lo) / 2;
				if (a->hops[in->v[mid]].time < h8->time - HC_CREDSSP_TWIN_GAP)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (size_t q = lo, seen = 0; q < in->n && seen < HC_MAX_WITNESS_SCAN;
			     q++, seen++) {
				struct hc_hop *h3 = &a->hops[in->v[q]];
				if (h3->time > h8->time + HC_CREDSSP_TWIN_GAP)
					break;
				if (h3->absorbed || h3->failed || h3->ev->norm.logon_type != 3 ||
				    !hc_account_equal(hc_hop_account(h3), hc_hop_account(h8)) ||
				    (h3->src >= 0 && h8->src >= 0 && h3->src != h8->src))
					continue;
				h3->absorbed = true;
				if (h8->src < 0) {
					h8->src = h3->src;
					h8->src_how = h3->src_how;
				}
				cite(h8, h3->ev, "credssp-transport-logon");
				for (size_t e = 1; e < h3->nev; e++)
					cite(h8, h3->evidence[e].ev, h3->evidence[e].role);
				if (h8->src_session < 0)
					h8->src_session = h3->src_session;
				break;
			}
		}
	}
	/* hops into hosts whose log is missing: only the source's 4648 tells */
	for (size_t d = 0; d < a->nhosts; d++) {
		if (a->hosts[d].has_log)
			continue;
		const struct ilist *l = &p->explicit[d];
		for (size_t k = 0; k < l->n; k++) {
			const struct hc_event *xe = &p->set->v[l->v[k]];
			int src = hc_host_of(a, xe);
			struct hc_hop *hop;
			if (src < 0 || src == (int)d)
				continue;
			if ((rc = add_hop(a, xe, src, (int)d, "4648", &hop)) < 0)
				return rc;
			hop->anonymous = false;
			cite(hop, xe, "explicit-credentials");
			if (xe->norm.has_subject_logon_id)
				hop->src_session = hc_session_find(a, src, xe->time, xe->norm.subject_logon_id);
			long tk = find_ticket(a, (int)d, &xe->norm.target, xe->time);
			if (tk >= 0)
				cite(hop, &p->set->v[tk], "service-ticket");
		}
	}
	return HC_OK;
}


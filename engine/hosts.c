/* Stage 1, host identity: one host per machine, named by the lower-case
 * first label of its name; its addresses as time-bounded claims learned from
 * the logs (DOMAIN.md 7.3); its boots (4608). */
#include "correlate_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* small helpers                                                        */

const char *hc_learn_name(enum hc_learn l)
{
	static const char *const names[] = {
		[HC_LEARN_COMPUTER] = "computer",
		[HC_LEARN_HOSTS_FILE] = "hosts-file",
		[HC_LEARN_MACHINE_TGS] = "machine-account-ticket",
		[HC_LEARN_MACHINE_LOGON] = "machine-account-logon",
		[HC_LEARN_WORKSTATION] = "workstation-name",
		[HC_LEARN_NAMED] = "named",
	};
	return (unsigned)l < sizeof(names) / sizeof(names[0]) ? names[l] : "?";
}

/* Strength of an address source when two hosts claim one address. */
static int learn_rank(enum hc_learn l)
{
	switch (l) {
	case HC_LEARN_HOSTS_FILE:
		return 4;
	case HC_LEARN_MACHINE_TGS:
		return 3;
	case HC_LEARN_MACHINE_LOGON:
		return 2;
	case HC_LEARN_WORKSTATION:
		return 1;
	default:
		return 0;
	}
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Host `name` (canonical), created when missing. Returns index or < 0. */
int hc_host_get(struct hc_analysis *a, const char *canon, enum hc_learn how)
{
	struct priv *p = a->priv;
	int *f = hc_smap_find(&p->host_by_name, canon);
	struct hc_host *h;

	if (f)
		return *f;
	if (a->nhosts >= HC_MAX_HOSTS)
		return HC_ERR_LIMIT;
	if (GROW(a->hosts, a->nhosts, p->cap_hosts) < 0)
		return HC_ERR_NOMEM;
	h = &a->hosts[a->nhosts];
	memset(h, 0, sizeof(*h));
	h->how = how;
	if (!(h->name = strdup(canon)) || hc_smap_put(&p->host_by_name, canon, (int)a->nhosts) < 0)
		return HC_ERR_NOMEM;
	return (int)a->nhosts++;
}

int hc_host_by_name(struct hc_analysis *a, const char *name)
{
	char c[256];
	int *f;

	if (!hc_host_canon(name, c, sizeof(c)))
		return -1;
	f = hc_smap_find(&((struct priv *)a->priv)->host_by_name, c);
	return f ? *f : -1;
}

int hc_host_named(struct hc_analysis *a, const char *name, enum hc_learn how)
{
	char c[256];

	if (!hc_host_canon(name, c, sizeof(c)))
		return -1;
	return hc_host_get(a, c, how);
}

/* Claims further than this from a time are used only when no claim is
 * nearer: a machine account asks for tickets every few hours, and a DHCP
 * lease lasts days. */
#define HC_CLAIM_REACH (INT64_C(12) * 3600 * HC_TICKS_PER_SEC)
/* Two hosts claiming one address closer than this is a contradiction;
 * further apart, the address moved. */
#define HC_CLAIM_OVERLAP (INT64_C(3600) * HC_TICKS_PER_SEC)

static int64_t claim_distance(const struct claim *c, int64_t t)
{
	if (t < c->first)
		return c->first - t;
	if (t > c->last)
		return t - c->last;
	return 0;
}

/* The host behind address `ip` at time `t`: of the claims within reach of
 * `t`, the strongest (then the nearest); when none is, the nearest. */
int hc_host_by_addr(struct hc_analysis *a, const char *ip, int64_t t)
{
	struct priv *p = a->priv;
	const struct ilist *l;
	int *f, best = -1;
	int64_t bd = 0;
	bool bin = false;

	if (!ip || hc_ip_is_local(ip) || !(f = hc_smap_find(&p->host_by_addr, ip)))
		return -1;
	l = &p->addr_claims[*f];
	for (size_t k = 0; k < l->n; k++) {
		const struct claim *c = &p->claims[l->v[k]];
		int64_t d = claim_distance(c, t);
		bool in = d <= HC_CLAIM_REACH;
		const struct claim *b = best >= 0 ? &p->claims[best] : NULL;
		if (!b || (in && !bin) ||
		    (in == bin && in && (learn_rank(c->how) > learn_rank(b->how) ||
		                         (learn_rank(c->how) == learn_rank(b->how) && d < bd))) ||
		    (in == bin && !in && d < bd)) {
			best = l->v[k];
			bd = d;
			bin = in;
		}
	}
	return best >= 0 ? p->claims[best].host : -1;
}

/* Records that `ip` belongs to host `h` at the time of `ev` (always, for a
 * --hosts line). A claim by another host at about the same time is a
 * contradiction and reported; one far apart in time is reported as the
 * address moving. Either way each claim keeps its time span, and
 * host_by_addr picks per moment. */
static int addr_learn(struct hc_analysis *a, int h, const char *ip, enum hc_learn how,
		      const struct hc_event *ev)
{
	struct priv *p = a->priv;
	struct hc_host *host;
	int64_t t0 = ev ? ev->time : INT64_MIN, t1 = ev ? ev->time : INT64_MAX;
	struct ilist *l;
	struct claim *mine = NULL;
	int *f, idx;

	if (h < 0 || !ip || hc_ip_is_local(ip))
		return HC_OK;
	if (!(f = hc_smap_find(&p->host_by_addr, ip))) {
		if (GROW(p->addr_claims, p->naddrs, p->cap_addrs) < 0)
			return HC_ERR_NOMEM;
		memset(&p->addr_claims[p->naddrs], 0, sizeof(p->addr_claims[0]));
		if (hc_smap_put(&p->host_by_addr, ip, (int)p->naddrs) < 0)
			return HC_ERR_NOMEM;
		idx = (int)p->naddrs++;
	} else {
		idx = *f;
	}
	l = &p->addr_claims[idx];
	for (size_t k = 0; k < l->n; k++) {
		struct claim *c = &p->claims[l->v[k]];
		if (c->host == h) {
			mine = c;
			break;
		}
	}
	if (!mine) {
		/* a new claimant: compare with the claims there are */
		for (size_t k = 0; k < l->n; k++) {
			const struct claim *c = &p->claims[l->v[k]];
			const struct hc_host *o = &a->hosts[c->host];
			if (t0 != INT64_MIN && c->first != INT64_MIN &&
			    t0 - c->last > HC_CLAIM_OVERLAP) {
				char tl[40], tn[40];
				hc_time_format(c->last, tl, sizeof(tl));
				hc_time_format(t0, tn, sizeof(tn));
				hc_warn(a, "address %s: %s (%s) until %s, then %s (%s) from %s: the address "
				        "moved; each is used near its own time",
				     ip, o->name, hc_learn_name(c->how), tl, a->hosts[h].name,
				     hc_learn_name(how), tn);
			} else {
				bool mine_wins = learn_rank(how) > learn_rank(c->how);
				hc_warn(a, "address %s: claimed by %s (%s) and by %s (%s); using %s", ip,
				     o->name, hc_learn_name(c->how), a->hosts[h].name, hc_learn_name(how),
				     mine_wins ? a->hosts[h].name : o->name);
			}
		}
		if (GROW(p->claims, p->nclaims, p->cap_claims) < 0 ||
		    hc_ilist_add(l, (int)p->nclaims) < 0)
			return HC_ERR_NOMEM;
		mine = &p->claims[p->nclaims++];
		mine->host = h;
		mine->how = how;
		mine->first = t0;
		mine->last = t1;
	} else {
		if (t0 < mine->first)
			mine->first = t0;
		if (t1 > mine->last)
			mine->last = t1;
		if (learn_rank(how) > learn_rank(mine->how))
			mine->how = how;
	}
	host = &a->hosts[h];
	for (size_t i = 0; i < host->naddr; i++)
		if (strcmp(host->addr[i].ip, ip) == 0) {
			if (learn_rank(how) > learn_rank(host->addr[i].how)) {
				host->addr[i].how = how;
				host->addr[i].ev = ev;
			}
			return HC_OK;
		}
	struct hc_addr *na = realloc(host->addr, (host->naddr + 1) * sizeof(*na));
	if (!na)
		return HC_ERR_NOMEM;
	host->addr = na;
	snprintf(na[host->naddr].ip, sizeof(na[0].ip), "%s", ip);
	na[host->naddr].how = how;
	na[host->naddr].ev = ev;
	host->naddr++;
	return HC_OK;
}

/* The host that wrote `ev`. */
int hc_host_of(struct hc_analysis *a, const struct hc_event *ev)
{
	struct priv *p = a->priv;
	char low[512];
	size_t n = 0;
	int *f, h;

	for (; ev->computer[n] && n + 1 < sizeof(low); n++)
		low[n] = (char)tolower((unsigned char)ev->computer[n]);
	low[n] = '\0';
	if ((f = hc_smap_find(&p->host_by_fqdn, low)))
		return *f;
	h = hc_host_named(a, ev->computer, HC_LEARN_COMPUTER);
	if (h < 0) {
		h = hc_host_get(a, "(unnamed)", HC_LEARN_COMPUTER);
		if (h < 0)
			return h;
	}
	if (!a->hosts[h].fqdn && !(a->hosts[h].fqdn = xstrdup(ev->computer)))
		return HC_ERR_NOMEM;
	/* one host's records may name it bare ("WORKSTATION6") and qualified
	 * (corpus fact 7), in any order: keep the qualified form, which is what
	 * tells a domain host */
	if (!strchr(a->hosts[h].fqdn, '.') && strchr(ev->computer, '.')) {
		char *q = xstrdup(ev->computer);
		if (!q)
			return HC_ERR_NOMEM;
		free(a->hosts[h].fqdn);
		a->hosts[h].fqdn = q;
	}
	a->hosts[h].has_log = true;
	a->hosts[h].how = HC_LEARN_COMPUTER;
	if (hc_smap_put(&p->host_by_fqdn, low, h) < 0)
		return HC_ERR_NOMEM;
	return h;
}

bool hc_is_hop_type(int t)
{
	return t == 3 || t == 8 || t == 10 || t == 12;
}

/* Pass 1: hosts, their names, addresses and boots. */
int hc_hosts_learn(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	const struct hc_correlate_opts *o = p->o;
	int rc;

	for (size_t i = 0; i < o->nhints; i++) {
		char ip[64];
		int h = hc_host_named(a, o->hints[i].name, HC_LEARN_HOSTS_FILE);
		if (h == HC_ERR_NOMEM)
			return h;
		if (h < 0 || !hc_ip_normalise(o->hints[i].address, ip, sizeof(ip))) {
			hc_warn(a, "--hosts: line %zu: unusable name or address", i + 1);
			continue;
		}
		if ((rc = addr_learn(a, h, ip, HC_LEARN_HOSTS_FILE, NULL)) < 0)
			return rc;
	}
	for (size_t i = 0; i < p->set->n; i++) {
		const struct hc_event *ev = &p->set->v[i];
		const struct hc_norm *n = &ev->norm;
		int h = hc_host_of(a, ev), src;
		if (h < 0)
			return h;
		switch (ev->event_id) {
		case 4608: {
			struct hc_host *host = &a->hosts[h];
			int64_t *nb = realloc(host->boot, (host->nboot + 1) * sizeof(*nb));
			if (!nb)
				return HC_ERR_NOMEM;
			host->boot = nb;
			nb[host->nboot++] = ev->time;
			break;
		}
		case 4768:
		case 4769:
			a->hosts[h].kdc = true;
			if (n->target.name && hc_user_len(n->target.name) > 1 &&
			    n->target.name[hc_user_len(n->target.name) - 1] == '$' && n->ip) {
				src = hc_host_named(a, n->target.name, HC_LEARN_NAMED);
				if (src == HC_ERR_NOMEM)
					return src;
				if ((rc = addr_learn(a, src, n->ip, HC_LEARN_MACHINE_TGS, ev)) < 0)
					return rc;
			}
			/* only computer services (NAME$) name hosts; krbtgt does not */
			if (ev->event_id == 4769 && n->service_name &&
			    hc_user_len(n->service_name) > 1 &&
			    n->service_name[hc_user_len(n->service_name) - 1] == '$' &&
			    hc_host_named(a, n->service_name, HC_LEARN_NAMED) == HC_ERR_NOMEM)
				return HC_ERR_NOMEM;
			break;
		case 4624:
		case 4625:
			if (!n->ip || hc_ip_is_local(n->ip))
				break;
			if (n->target.name && n->target.name[0] &&
			    n->target.name[strlen(n->target.name) - 1] == '$' && ev->event_id == 4624) {
				src = hc_host_named(a, n->target.name, HC_LEARN_NAMED);
				if (src == HC_ERR_NOMEM)
					return src;
				/* also when src == h: a host's own machine account logging
				 * on to it names one of its own addresses */
				if ((rc = addr_learn(a, src, n->ip, HC_LEARN_MACHINE_LOGON, ev)) < 0)
					return rc;
			} else if (n->workstation && hc_is_hop_type(n->logon_type)) {
				src = hc_host_named(a, n->workstation, HC_LEARN_NAMED);
				if (src == HC_ERR_NOMEM)
					return src;
				if (src != h &&
				    (rc = addr_learn(a, src, n->ip, HC_LEARN_WORKSTATION, ev)) < 0)
					return rc;
			}
			break;
		case 4648:
			if (n->target_server && hc_host_named(a, n->target_server, HC_LEARN_NAMED) ==
							HC_ERR_NOMEM)
				return HC_ERR_NOMEM;
			break;
		default:
			break;
		}
	}
	return HC_OK;
}


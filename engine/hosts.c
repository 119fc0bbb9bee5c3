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
	    [HC_LEARN_OWN_CONNECTION] = "own-connection",
	};
	return (unsigned)l < sizeof(names) / sizeof(names[0]) ? names[l] : "?";
}

int hc_learn_rank(enum hc_learn l)
{
	switch (l) {
	case HC_LEARN_HOSTS_FILE:
		return 5;
	case HC_LEARN_OWN_CONNECTION:
		return 4; /* the host's own record: stronger than anything learned elsewhere */
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
	if (HC_GROW(a->hosts, a->nhosts, p->cap_hosts) < 0)
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
/* Claimants of one address named one by one in its warning. */
#define HC_CLAIMANTS_NAMED 3

/* The nearest claim of ranks [lo, hi) of the sorted index to time t:
 * claims sorted by first time, with the running maximum of their last
 * times, so both the claims before t (the one reaching furthest) and the
 * first one after t are found by one binary search. Sets *dist. */
static int nearest_claim(const struct priv *p, size_t lo, size_t hi, int64_t t, int64_t *dist)
{
	size_t l = lo, h = hi;
	int best = -1;
	int64_t bd = INT64_MAX;

	while (l < h) { /* first claim starting after t */
		size_t m = l + (h - l) / 2;
		if (p->claims[p->ord[m]].first <= t)
			l = m + 1;
		else
			h = m;
	}
	if (l > lo) { /* claims starting at or before t: the one reaching furthest */
		int64_t last = p->pmax[l - 1];
		best = p->parg[l - 1];
		bd = last >= t ? 0 : t - last;
	}
	if (l < hi && p->claims[p->ord[l]].first - t < bd) {
		best = p->ord[l];
		bd = p->claims[best].first - t;
	}
	*dist = bd;
	return best;
}

/* The host behind address `ip` at time `t`: of the claims within reach of
 * `t`, the strongest (then the nearest); when none is, the nearest. One
 * binary search per rank: a spray of names claiming one address costs
 * O(log n) per lookup, not a scan (issue 8). */
int hc_host_by_addr(struct hc_analysis *a, const char *ip, int64_t t)
{
	struct priv *p = a->priv;
	const size_t *off;
	int *f, best = -1, far = -1;
	int64_t bd = INT64_MAX, fd = INT64_MAX;

	if (!ip || hc_ip_is_local(ip) || !(f = hc_smap_find(&p->host_by_addr, ip)) || !p->ord)
		return -1;
	off = &p->aoff[(size_t)*f * (HC_LEARN_RANKS + 1)];
	for (int r = HC_LEARN_RANKS - 1; r >= 0; r--) {
		int64_t d;
		int c;
		if (off[r] == off[r + 1])
			continue;
		c = nearest_claim(p, off[r], off[r + 1], t, &d);
		if (c < 0)
			continue;
		if (d <= HC_CLAIM_REACH && best < 0) {
			best = c; /* the strongest rank within reach */
			bd = d;
		}
		if (d < fd) {
			far = c;
			fd = d;
		}
	}
	(void)bd;
	best = best >= 0 ? best : far;
	return best >= 0 ? p->claims[best].host : -1;
}

static int64_t claim_distance(const struct claim *c, int64_t t)
{
	if (t < c->first)
		return c->first - t;
	if (t > c->last)
		return t - c->last;
	return 0;
}

const char *hc_host_addr_at(struct hc_analysis *a, int h, int64_t t)
{
	struct priv *p = a->priv;
	const struct claim *best = NULL;
	int64_t bd = 0;

	if (h < 0 || (size_t)h >= p->nhost_claims)
		return NULL;
	const struct ilist *l = &p->host_claims[h];
	/* a host has a few addresses; a name sprayed over thousands is looked
	 * at no further than the cap */
	for (size_t k = 0; k < l->n && k < HC_MAX_WITNESS_SCAN; k++) {
		const struct claim *c = &p->claims[l->v[k]];
		int64_t d = claim_distance(c, t);
		bool in = d <= HC_CLAIM_REACH, bin = best && bd <= HC_CLAIM_REACH;
		int r = hc_learn_rank(c->how), br = best ? hc_learn_rank(best->how) : -1;
		if (!best || (in && !bin) || (in && bin && (r > br || (r == br && d < bd))) ||
		    (!in && !bin && d < bd)) {
			best = c;
			bd = d;
		}
	}
	return best ? a->hosts[h].addr[best->hostaddr].ip : NULL;
}

/* Records that `ip` belongs to host `h` at the time of `ev` (always, for a
 * --hosts line). Each (address, host) pair is one claim whose time span
 * grows; contradictions and moves are reported once per address when
 * learning ends (claims_finish). */
static int addr_learn(struct hc_analysis *a, int h, const char *ip, enum hc_learn how,
                      const struct hc_event *ev)
{
	struct priv *p = a->priv;
	struct hc_host *host;
	int64_t t0 = ev ? ev->time : INT64_MIN, t1 = ev ? ev->time : INT64_MAX;
	struct claim *mine;
	int *f, idx, *ci;

	if (h < 0 || !ip || hc_ip_is_local(ip))
		return HC_OK;
	if (!(f = hc_smap_find(&p->host_by_addr, ip))) {
		if (HC_GROW(p->addr_claims, p->naddrs, p->cap_addrs) < 0)
			return HC_ERR_NOMEM;
		memset(&p->addr_claims[p->naddrs], 0, sizeof(p->addr_claims[0]));
		if (hc_smap_put(&p->host_by_addr, ip, (int)p->naddrs) < 0)
			return HC_ERR_NOMEM;
		idx = (int)p->naddrs++;
	} else {
		idx = *f;
	}
	host = &a->hosts[h];
	if ((ci = hc_imap_find(&p->claim_of, (uint64_t)idx << 32 | (uint32_t)h))) {
		mine = &p->claims[*ci];
		if (t0 < mine->first)
			mine->first = t0;
		if (t1 > mine->last)
			mine->last = t1;
		if (hc_learn_rank(how) > hc_learn_rank(mine->how)) {
			mine->how = how;
			host->addr[mine->hostaddr].how = how;
			host->addr[mine->hostaddr].ev = ev;
		}
		return HC_OK;
	}
	/* a new claimant */
	if (HC_GROW(p->claims, p->nclaims, p->cap_claims) < 0 ||
	    hc_ilist_add(&p->addr_claims[idx], (int)p->nclaims) < 0 ||
	    hc_imap_put(&p->claim_of, (uint64_t)idx << 32 | (uint32_t)h, (int)p->nclaims) < 0)
		return HC_ERR_NOMEM;
	/* the host's address list grows at powers of two */
	if ((host->naddr & (host->naddr - 1)) == 0) {
		struct hc_addr *na =
		    realloc(host->addr, (host->naddr ? host->naddr * 2 : 1) * sizeof(*na));
		if (!na)
			return HC_ERR_NOMEM;
		host->addr = na;
	}
	snprintf(host->addr[host->naddr].ip, sizeof(host->addr[0].ip), "%s", ip);
	host->addr[host->naddr].how = how;
	host->addr[host->naddr].ev = ev;
	mine = &p->claims[p->nclaims++];
	mine->host = h;
	mine->how = how;
	mine->first = t0;
	mine->last = t1;
	mine->addr = idx;
	mine->hostaddr = (int)host->naddr++;
	mine->dropped = false;
	return HC_OK;
}

static int cmp_claim_first(const void *x, const void *y, void *ctx)
{
	const struct claim *c = ctx, *a = &c[*(const int *)x], *b = &c[*(const int *)y];

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return *(const int *)x - *(const int *)y;
}

static int cmp_claim_rank(const void *x, const void *y, void *ctx)
{
	const struct claim *c = ctx, *a = &c[*(const int *)x], *b = &c[*(const int *)y];
	int ra = hc_learn_rank(a->how), rb = hc_learn_rank(b->how);

	if (ra != rb)
		return ra - rb;
	return cmp_claim_first(x, y, ctx);
}

/* One warning per address that more than one host claimed, in the order
 * the second claims came: a contradiction (claims within an hour of each
 * other), or the address moving. With many claimants (a spray of
 * client-chosen workstation names) the line counts them instead of naming
 * each, so warnings stay one line per address. `l` is sorted by first
 * time. */
static void claims_report(struct hc_analysis *a, const char *ip, const struct ilist *l)
{
	struct priv *p = a->priv;
	const struct claim *c0 = &p->claims[l->v[0]], *c1 = &p->claims[l->v[1]];
	size_t contradictions = 0, moves = 0;
	int64_t reach = c0->last;

	if (l->n == 2) {
		const struct hc_host *o = &a->hosts[c0->host], *h = &a->hosts[c1->host];
		if (c1->first != INT64_MIN && c0->first != INT64_MIN &&
		    c1->first - c0->last > HC_CLAIM_OVERLAP) {
			char tl[40], tn[40];
			hc_time_format(c0->last, tl, sizeof(tl));
			hc_time_format(c1->first, tn, sizeof(tn));
			hc_warn(a,
			        "address %s: %s (%s) until %s, then %s (%s) from %s: the address "
			        "moved; each is used near its own time",
			        ip, o->name, hc_learn_name(c0->how), tl, h->name,
			        hc_learn_name(c1->how), tn);
		} else {
			bool second_wins = hc_learn_rank(c1->how) > hc_learn_rank(c0->how);
			hc_warn(a, "address %s: claimed by %s (%s) and by %s (%s); using %s", ip,
			        o->name, hc_learn_name(c0->how), h->name, hc_learn_name(c1->how),
			        second_wins ? h->name : o->name);
		}
		return;
	}
	for (size_t k = 1; k < l->n; k++) {
		const struct claim *c = &p->claims[l->v[k]];
		if (c->first != INT64_MIN && reach != INT64_MAX &&
		    c->first - reach > HC_CLAIM_OVERLAP)
			moves++;
		else
			contradictions++;
		if (c->last > reach)
			reach = c->last;
	}
	char named[400] = "";
	size_t len = 0;
	for (size_t k = 0; k < l->n && k < HC_CLAIMANTS_NAMED; k++) {
		const struct claim *c = &p->claims[l->v[k]];
		int w = snprintf(named + len, sizeof(named) - len, "%s%s (%s)", k ? ", " : "",
		                 a->hosts[c->host].name, hc_learn_name(c->how));
		if (w < 0 || (size_t)w >= sizeof(named) - len)
			break;
		len += (size_t)w;
	}
	hc_warn(a,
	        "address %s: claimed by %zu hosts: %s and %zu more; %zu claims came within an "
	        "hour of another (the stronger source is used), %zu after the previous claimant "
	        "(the address moved); each logon uses the claim nearest its time",
	        ip, l->n, named, l->n - HC_CLAIMANTS_NAMED, contradictions, moves);
}

static int cmp_addr_second(const void *x, const void *y, void *ctx)
{
	const struct priv *p = ctx;
	const struct ilist *a = &p->addr_claims[*(const int *)x],
	                   *b = &p->addr_claims[*(const int *)y];
	int64_t ta = p->claims[a->v[1]].first, tb = p->claims[b->v[1]].first;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	return *(const int *)x - *(const int *)y;
}

/* Ends learning: reports every address with several claimants (once each),
 * then builds the per-address index hc_host_by_addr searches: claim indexes
 * sorted by (rank, first time) in p->ord, each address's rank boundaries
 * in p->aoff, the running maximum of last times in p->pmax/p->parg. */
static bool machine_claim(const struct claim *c)
{
	return c->how == HC_LEARN_MACHINE_TGS || c->how == HC_LEARN_MACHINE_LOGON;
}

/* One host has one machine account. A NAME$ seen only in tickets and
 * logons (no log of its own) that claims, as a machine account, the address
 * a host with a log claims at the same time is no second machine there: it
 * is a service account (group managed) used on that host. Its claims there
 * are dropped and it is no host (issue 9). `l` is sorted by first time. */
static void service_accounts(struct hc_analysis *a, const char *ip, struct ilist *l)
{
	struct priv *p = a->priv;
	int with_log[HC_MAX_WITNESS_SCAN];
	size_t nlog = 0, kept = 0;

	for (size_t k = 0; k < l->n && nlog < HC_MAX_WITNESS_SCAN; k++) {
		const struct claim *c = &p->claims[l->v[k]];
		if (a->hosts[c->host].has_log &&
		    hc_learn_rank(c->how) >= hc_learn_rank(HC_LEARN_MACHINE_LOGON))
			with_log[nlog++] = l->v[k];
	}
	for (size_t k = 0; k < l->n; k++) {
		struct claim *c = &p->claims[l->v[k]];
		struct hc_host *h = &a->hosts[c->host];
		bool drop = false;
		for (size_t q = 0; q < nlog && !drop && machine_claim(c) && !h->has_log &&
		                   h->how == HC_LEARN_NAMED;
		     q++) {
			const struct claim *o = &p->claims[with_log[q]];
			drop = o->first - c->last <= HC_CLAIM_OVERLAP &&
			       c->first - o->last <= HC_CLAIM_OVERLAP;
			if (drop && !h->service_account)
				hc_warn(
				    a,
				    "%s$ claims %s, %s's address, as its machine account while "
				    "%s uses it: a service account (group managed) used on %s, not "
				    "a host",
				    h->name, ip, a->hosts[o->host].name, a->hosts[o->host].name,
				    a->hosts[o->host].name);
		}
		if (drop) {
			h->service_account = true;
			c->dropped = true;
		} else {
			l->v[kept++] = l->v[k];
		}
	}
	l->n = kept;
}

static int claims_finish(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	int *shared = NULL;
	size_t nshared = 0, pos = 0;
	char **ipof = NULL;

	for (size_t i = 0; i < p->naddrs; i++) {
		struct ilist *l = &p->addr_claims[i];
		if (l->n > 1) {
			qsort_r(l->v, l->n, sizeof(int), cmp_claim_first, p->claims);
			nshared++;
		}
	}
	if (nshared) {
		if (!(shared = malloc(nshared * sizeof(*shared))) ||
		    !(ipof = calloc(p->naddrs, sizeof(*ipof)))) {
			free(shared);
			return HC_ERR_NOMEM;
		}
		for (size_t k = 0; k < p->host_by_addr.cap; k++)
			if (p->host_by_addr.key[k])
				ipof[p->host_by_addr.val[k]] = p->host_by_addr.key[k];
		for (size_t i = 0; i < p->naddrs; i++)
			if (p->addr_claims[i].n > 1)
				service_accounts(a, ipof[i], &p->addr_claims[i]);
		nshared = 0;
		for (size_t i = 0; i < p->naddrs; i++)
			if (p->addr_claims[i].n > 1)
				shared[nshared++] = (int)i;
		qsort_r(shared, nshared, sizeof(int), cmp_addr_second, p);
		for (size_t k = 0; k < nshared; k++)
			claims_report(a, ipof[shared[k]], &p->addr_claims[shared[k]]);
		free(shared);
		free(ipof);
	}
	if (!p->nclaims)
		return HC_OK;
	if (!(p->host_claims = calloc(a->nhosts + 1, sizeof(*p->host_claims))))
		return HC_ERR_NOMEM;
	p->nhost_claims = a->nhosts;
	for (size_t i = 0; i < p->nclaims; i++)
		if (!p->claims[i].dropped &&
		    hc_ilist_add(&p->host_claims[p->claims[i].host], (int)i) < 0)
			return HC_ERR_NOMEM;
	p->ord = malloc(p->nclaims * sizeof(*p->ord));
	p->parg = malloc(p->nclaims * sizeof(*p->parg));
	p->pmax = malloc(p->nclaims * sizeof(*p->pmax));
	p->aoff = calloc(p->naddrs * (HC_LEARN_RANKS + 1), sizeof(*p->aoff));
	if (!p->ord || !p->parg || !p->pmax || !p->aoff)
		return HC_ERR_NOMEM;
	for (size_t i = 0; i < p->naddrs; i++) {
		const struct ilist *l = &p->addr_claims[i];
		size_t *off = &p->aoff[i * (HC_LEARN_RANKS + 1)], start = pos;
		memcpy(p->ord + pos, l->v, l->n * sizeof(int));
		qsort_r(p->ord + pos, l->n, sizeof(int), cmp_claim_rank, p->claims);
		for (int r = 0, k = 0; r <= HC_LEARN_RANKS; r++) {
			while ((size_t)k < l->n &&
			       hc_learn_rank(p->claims[p->ord[start + k]].how) < r)
				k++;
			off[r] = start + (size_t)k;
		}
		for (int r = 0; r < HC_LEARN_RANKS; r++)
			for (size_t k = off[r]; k < off[r + 1]; k++) {
				const struct claim *c = &p->claims[p->ord[k]];
				if (k == off[r] || c->last > p->pmax[k - 1]) {
					p->pmax[k] = c->last;
					p->parg[k] = p->ord[k];
				} else {
					p->pmax[k] = p->pmax[k - 1];
					p->parg[k] = p->parg[k - 1];
				}
			}
		pos += l->n;
	}
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
/* The --hosts file: each line a name and its address. */
static int learn_hints(struct hc_analysis *a)
{
	const struct hc_correlate_opts *o = ((struct priv *)a->priv)->o;
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
	return 0;
}

/* A 4608 (startup) of host h: its boots, for the sessions' lifetimes. */
static int learn_boot(struct hc_host *host, const struct hc_event *ev)
{
	if ((host->nboot & (host->nboot - 1)) == 0) { /* grow at powers of 2 */
		int64_t *nb =
		    realloc(host->boot, (host->nboot ? host->nboot * 2 : 1) * sizeof(*nb));
		if (!nb)
			return HC_ERR_NOMEM;
		host->boot = nb;
	}
	host->boot[host->nboot++] = ev->time;
	return 0;
}

/* True when `name` is a machine account (NAME$). */
static bool machine_name(const char *name)
{
	size_t l = name ? hc_user_len(name) : 0;

	return l > 1 && name[l - 1] == '$';
}

/* A 4768/4769 at host h: h issues tickets; a machine's ticket names the
 * machine's address, a service ticket for NAME$ names a host. */
static int learn_ticket(struct hc_analysis *a, int h, const struct hc_event *ev)
{
	const struct hc_norm *n = &ev->norm;
	int src, rc;

	a->hosts[h].kdc = true;
	if (machine_name(n->target.name) && n->ip) {
		if ((src = hc_host_named(a, n->target.name, HC_LEARN_NAMED)) == HC_ERR_NOMEM)
			return src;
		if ((rc = addr_learn(a, src, n->ip, HC_LEARN_MACHINE_TGS, ev)) < 0)
			return rc;
	}
	/* only computer services (NAME$) name hosts; krbtgt does not */
	if (ev->event_id == 4769 && machine_name(n->service_name) &&
	    hc_host_named(a, n->service_name, HC_LEARN_NAMED) == HC_ERR_NOMEM)
		return HC_ERR_NOMEM;
	return 0;
}

/* A remote 4624/4625 (event i) at host h: a machine account's logon names
 * its machine's address, a client's WorkstationName a claim. */
static int learn_logon(struct hc_analysis *a, int h, size_t i, const struct hc_event *ev)
{
	const struct hc_norm *n = &ev->norm;
	int src, rc;

	if (!n->ip || hc_ip_is_local(n->ip))
		return 0;
	if (n->target.name && n->target.name[0] &&
	    n->target.name[strlen(n->target.name) - 1] == '$' && ev->event_id == 4624) {
		if ((src = hc_host_named(a, n->target.name, HC_LEARN_NAMED)) == HC_ERR_NOMEM)
			return src;
		/* also when src == h: a host's own machine account logging on
		 * to it names one of its own addresses */
		return addr_learn(a, src, n->ip, HC_LEARN_MACHINE_LOGON, ev);
	}
	if (!n->workstation || !hc_is_hop_type(n->logon_type))
		return 0;
	if (ev->event_id == 4625) {
		/* the name a failed logon's client chose is a weak claim: it
		 * names no new host (a spray makes thousands), and counts only
		 * for a host known otherwise (DOMAIN.md 6.10) */
		return hc_ilist_add(&((struct priv *)a->priv)->weak, (int)i) < 0 ? HC_ERR_NOMEM : 0;
	}
	if ((src = hc_host_named(a, n->workstation, HC_LEARN_NAMED)) == HC_ERR_NOMEM)
		return src;
	if (src != h && (rc = addr_learn(a, src, n->ip, HC_LEARN_WORKSTATION, ev)) < 0)
		return rc;
	return 0;
}

/* The host's own connections name its own address: the initiator is the
 * source (DOMAIN.md 1.9b). Sysmon's inbound records put the local end
 * first for UDP and the remote end first for TCP: only its outbound ones
 * claim. */
static int learn_connection(struct hc_analysis *a, int h, const struct hc_event *ev)
{
	const struct hc_norm *n = &ev->norm;
	const char *own;
	size_t ol;

	if (hc_event_kind(ev) != HC_KIND_CONNECTION ||
	    !(n->direction == HC_DIR_OUT || (n->direction == HC_DIR_IN && ev->event_id != 3)))
		return 0;
	own = n->direction == HC_DIR_OUT ? n->ip : n->dst_ip;
	ol = own ? strlen(own) : 0;
	/* an inbound datagram to a subnet's broadcast address */
	if (n->direction == HC_DIR_IN && ol > 4 && strcmp(own + ol - 4, ".255") == 0)
		return 0;
	return addr_learn(a, h, own, HC_LEARN_OWN_CONNECTION, ev);
}

/* Failed logons' WorkstationNames, once every host is known. */
static int learn_weak(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	int rc;

	for (size_t k = 0; k < p->weak.n; k++) {
		const struct hc_event *ev = &p->set->v[p->weak.v[k]];
		int src = hc_host_by_name(a, ev->norm.workstation);
		if (src >= 0 && src != hc_host_of(a, ev) &&
		    (rc = addr_learn(a, src, ev->norm.ip, HC_LEARN_WORKSTATION, ev)) < 0)
			return rc;
	}
	return 0;
}

int hc_hosts_learn(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	int rc;

	if ((rc = learn_hints(a)) < 0)
		return rc;
	for (size_t i = 0; i < p->set->n; i++) {
		const struct hc_event *ev = &p->set->v[i];
		int h = hc_host_of(a, ev);
		if (h < 0)
			return h;
		switch (ev->event_id) {
		case 4608:
			rc = learn_boot(&a->hosts[h], ev);
			break;
		case 4768:
		case 4769:
			rc = learn_ticket(a, h, ev);
			break;
		case 4624:
		case 4625:
			rc = learn_logon(a, h, i, ev);
			break;
		case 4648:
			rc = ev->norm.target_server && hc_host_named(a, ev->norm.target_server,
			                                             HC_LEARN_NAMED) == HC_ERR_NOMEM
			         ? HC_ERR_NOMEM
			         : 0;
			break;
		default:
			rc = learn_connection(a, h, ev);
			break;
		}
		if (rc < 0)
			return rc;
	}
	if ((rc = learn_weak(a)) < 0)
		return rc;
	return claims_finish(a);
}

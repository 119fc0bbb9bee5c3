/* Correlation: hosts -> sessions -> hops -> links -> chains -> findings,
 * in passes over the time-ordered events. Why each rule is as it is:
 * DOMAIN.md 5.3 (anonymous second hop), 6.1-6.4 (what each host logs), 7
 * (linking: session windows, skew, 4648 proof, DC 4769 as source witness). */
#include "correlate.h"
#include "../parsers/decode.h"
#include "../parsers/regex.h"

#include <ctype.h>
#include <stdarg.h>
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

const char *hc_severity_name(enum hc_severity s)
{
	static const char *const n[] = {"info", "low", "medium", "high"};
	return (unsigned)s < 4 ? n[s] : "?";
}

int hc_severity_parse(const char *s, enum hc_severity *out)
{
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, hc_severity_name((enum hc_severity)i)) == 0) {
			*out = (enum hc_severity)i;
			return 0;
		}
	return -1;
}

int hc_duration_parse(const char *s, int64_t *ticks)
{
	char *end;
	double v;
	int64_t mul = HC_TICKS_PER_SEC;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	if (end == s || v < 0 || v > 1e7)
		return -1;
	if (*end == 's' || *end == '\0')
		mul = HC_TICKS_PER_SEC;
	else if (*end == 'm')
		mul = 60 * HC_TICKS_PER_SEC;
	else if (*end == 'h')
		mul = 3600 * HC_TICKS_PER_SEC;
	else if (*end == 'd')
		mul = 86400 * HC_TICKS_PER_SEC;
	else
		return -1;
	if (*end && end[1])
		return -1;
	*ticks = (int64_t)(v * (double)mul);
	return 0;
}

int hc_host_canon(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	if (!s || cap < 2)
		return 0;
	while (*s == '\\' || *s == ' ')
		s++;
	for (; *s && *s != '.' && *s != '$' && *s != '@' && *s != ' ' && n + 1 < cap; s++)
		out[n++] = (char)tolower((unsigned char)*s);
	out[n] = '\0';
	if (!n || strcmp(out, "-") == 0 || strcmp(out, "localhost") == 0)
		return 0;
	/* an address is not a name */
	if (isdigit((unsigned char)out[0]) && strspn(out, "0123456789") == n)
		return 0;
	return 1;
}

/* user@REALM -> user; length of the user part. */
static size_t user_len(const char *name)
{
	const char *at = strchr(name, '@');

	return at ? (size_t)(at - name) : strlen(name);
}

static int domains_compatible(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return 1;
	if (strcasecmp(a, b) == 0)
		return 1;
	/* NetBIOS CONTOSO vs DNS contoso.local */
	la = strcspn(a, ".");
	lb = strcspn(b, ".");
	if ((a[la] == '.') != (b[lb] == '.'))
		return la == lb && strncasecmp(a, b, la) == 0;
	return 0;
}

int hc_account_equal(const struct hc_account *a, const struct hc_account *b)
{
	const char *da, *db, *ra, *rb;
	size_t la, lb;

	if (a->sid && b->sid && strcmp(a->sid, "S-1-0-0") != 0 && strcmp(b->sid, "S-1-0-0") != 0)
		return strcasecmp(a->sid, b->sid) == 0;
	if (!a->name || !b->name)
		return 0;
	la = user_len(a->name);
	lb = user_len(b->name);
	if (la != lb || strncasecmp(a->name, b->name, la) != 0)
		return 0;
	ra = a->name[la] ? a->name + la + 1 : NULL;
	rb = b->name[lb] ? b->name + lb + 1 : NULL;
	da = a->domain ? a->domain : ra;
	db = b->domain ? b->domain : rb;
	return domains_compatible(da, db);
}

int hc_account_is_user(const struct hc_account *a)
{
	if (hc_account_is_anonymous(a))
		return 0;
	if (a->name) {
		size_t n = user_len(a->name);
		if (n && a->name[n - 1] == '$')
			return 0;
		if ((n >= 4 && strncasecmp(a->name, "DWM-", 4) == 0) ||
		    (n >= 5 && strncasecmp(a->name, "UMFD-", 5) == 0))
			return 0;
	}
	if (a->sid) {
		/* (S-1-0-0 with a name is a 4625 for an unresolved account: a user) */
		static const char *const svc[] = {"S-1-5-18", "S-1-5-19", "S-1-5-20"};
		for (size_t i = 0; i < 3; i++)
			if (strcmp(a->sid, svc[i]) == 0)
				return 0;
		if (strncmp(a->sid, "S-1-5-90-", 9) == 0 || strncmp(a->sid, "S-1-5-96-", 9) == 0)
			return 0;
	}
	if (a->domain && (strcasecmp(a->domain, "NT AUTHORITY") == 0 ||
			  strcasecmp(a->domain, "Window Manager") == 0 ||
			  strcasecmp(a->domain, "Font Driver Host") == 0))
		return 0;
	return a->name != NULL || a->sid != NULL;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ------------------------------------------------------------------ */
/* a string -> int map (open addressing, FNV-1a)                        */

struct smap {
	char **key;
	int *val;
	size_t cap, n;
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int *smap_find(struct smap *m, const char *k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = fnv(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->key[i])
			return NULL;
		if (strcmp(m->key[i], k) == 0)
			return &m->val[i];
	}
}

static int smap_put(struct smap *m, const char *k, int v)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct smap nm = {0};
		nm.cap = m->cap ? m->cap * 2 : 64;
		nm.key = calloc(nm.cap, sizeof(*nm.key));
		nm.val = calloc(nm.cap, sizeof(*nm.val));
		if (!nm.key || !nm.val) {
			free(nm.key);
			free(nm.val);
			return HC_ERR_NOMEM;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->key[i]) {
				size_t j = fnv(m->key[i]) & (nm.cap - 1);
				while (nm.key[j])
					j = (j + 1) & (nm.cap - 1);
				nm.key[j] = m->key[i];
				nm.val[j] = m->val[i];
			}
		nm.n = m->n;
		free(m->key);
		free(m->val);
		*m = nm;
	}
	size_t i = fnv(k) & (m->cap - 1);
	while (m->key[i]) {
		if (strcmp(m->key[i], k) == 0) {
			m->val[i] = v;
			return HC_OK;
		}
		i = (i + 1) & (m->cap - 1);
	}
	if (!(m->key[i] = strdup(k)))
		return HC_ERR_NOMEM;
	m->val[i] = v;
	m->n++;
	return HC_OK;
}

static void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->key[i]);
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ */
/* growable arrays                                                      */

#define GROW(arr, n, cap)                                                              \
	((n) < (cap) ? 0                                                               \
		     : grow((void **)&(arr), &(cap), sizeof(*(arr))))

static int grow(void **p, size_t *cap, size_t size)
{
	size_t nc = *cap ? *cap * 2 : 16;
	void *np = realloc(*p, nc * size);

	if (!np)
		return HC_ERR_NOMEM;
	*p = np;
	*cap = nc;
	return 0;
}

struct ilist {
	int *v;
	size_t n, cap;
};

static int ilist_add(struct ilist *l, int x)
{
	if (GROW(l->v, l->n, l->cap) < 0)
		return HC_ERR_NOMEM;
	l->v[l->n++] = x;
	return HC_OK;
}

/* ------------------------------------------------------------------ */
/* state                                                                */

/* One host's claim to one address, over the time it was seen making it
 * (a --hosts line holds for all time). Addresses move (DHCP, VPN): the
 * claim nearest in time names the host behind an address. */
struct claim {
	int host;
	enum hc_learn how;
	int64_t first, last;
};

struct priv {
	struct smap host_by_name;   /* canonical name -> host */
	struct smap host_by_fqdn;   /* lower-case Computer -> host */
	struct smap host_by_addr;   /* ip -> index into addr_claims */
	struct claim *claims;       /* who claimed which address when */
	size_t nclaims, cap_claims;
	struct ilist *addr_claims;  /* per address: claim indexes */
	size_t naddrs, cap_addrs;
	struct smap session_by_key; /* "host/boot/logonid" -> session */
	struct ilist *inbound;      /* per host: hops into it, by time */
	struct ilist *explicit;     /* per target host: 4648 event indexes */
	struct smap ticket_key;     /* "host:user" -> index into tickets */
	struct ilist *tickets;      /* per (service host, user): 4769 event indexes */
	size_t ntickets;
	size_t cap_hosts, cap_sessions, cap_hops, cap_links, cap_chains, cap_warnings;
	const struct hc_eventset *set;
	const struct hc_correlate_opts *o;
};

static void warn(struct hc_analysis *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct hc_analysis *a, const char *fmt, ...)
{
	struct priv *p = a->priv;
	va_list ap;

	char msg[sizeof(a->warnings[0].msg)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < a->nwarnings; i++)
		if (strcmp(a->warnings[i].msg, msg) == 0)
			return; /* the same pair repeats on every logon: once is enough */
	if (a->nwarnings >= 1000 || GROW(a->warnings, a->nwarnings, p->cap_warnings) < 0)
		return;
	memcpy(a->warnings[a->nwarnings].msg, msg, sizeof(msg));
	a->nwarnings++;
}

/* Host `name` (canonical), created when missing. Returns index or < 0. */
static int host_get(struct hc_analysis *a, const char *canon, enum hc_learn how)
{
	struct priv *p = a->priv;
	int *f = smap_find(&p->host_by_name, canon);
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
	if (!(h->name = strdup(canon)) || smap_put(&p->host_by_name, canon, (int)a->nhosts) < 0)
		return HC_ERR_NOMEM;
	return (int)a->nhosts++;
}

static int host_by_name(struct hc_analysis *a, const char *name)
{
	char c[256];
	int *f;

	if (!hc_host_canon(name, c, sizeof(c)))
		return -1;
	f = smap_find(&((struct priv *)a->priv)->host_by_name, c);
	return f ? *f : -1;
}

static int host_named(struct hc_analysis *a, const char *name, enum hc_learn how)
{
	char c[256];

	if (!hc_host_canon(name, c, sizeof(c)))
		return -1;
	return host_get(a, c, how);
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
static int host_by_addr(struct hc_analysis *a, const char *ip, int64_t t)
{
	struct priv *p = a->priv;
	const struct ilist *l;
	int *f, best = -1;
	int64_t bd = 0;
	bool bin = false;

	if (!ip || hc_ip_is_local(ip) || !(f = smap_find(&p->host_by_addr, ip)))
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
	if (!(f = smap_find(&p->host_by_addr, ip))) {
		if (GROW(p->addr_claims, p->naddrs, p->cap_addrs) < 0)
			return HC_ERR_NOMEM;
		memset(&p->addr_claims[p->naddrs], 0, sizeof(p->addr_claims[0]));
		if (smap_put(&p->host_by_addr, ip, (int)p->naddrs) < 0)
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
				warn(a, "address %s: %s (%s) until %s, then %s (%s) from %s: the address "
				        "moved; each is used near its own time",
				     ip, o->name, hc_learn_name(c->how), tl, a->hosts[h].name,
				     hc_learn_name(how), tn);
			} else {
				bool mine_wins = learn_rank(how) > learn_rank(c->how);
				warn(a, "address %s: claimed by %s (%s) and by %s (%s); using %s", ip,
				     o->name, hc_learn_name(c->how), a->hosts[h].name, hc_learn_name(how),
				     mine_wins ? a->hosts[h].name : o->name);
			}
		}
		if (GROW(p->claims, p->nclaims, p->cap_claims) < 0 ||
		    ilist_add(l, (int)p->nclaims) < 0)
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
static int host_of(struct hc_analysis *a, const struct hc_event *ev)
{
	struct priv *p = a->priv;
	char low[512];
	size_t n = 0;
	int *f, h;

	for (; ev->computer[n] && n + 1 < sizeof(low); n++)
		low[n] = (char)tolower((unsigned char)ev->computer[n]);
	low[n] = '\0';
	if ((f = smap_find(&p->host_by_fqdn, low)))
		return *f;
	h = host_named(a, ev->computer, HC_LEARN_COMPUTER);
	if (h < 0) {
		h = host_get(a, "(unnamed)", HC_LEARN_COMPUTER);
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
	if (smap_put(&p->host_by_fqdn, low, h) < 0)
		return HC_ERR_NOMEM;
	return h;
}

static bool is_hop_type(int t)
{
	return t == 3 || t == 8 || t == 10 || t == 12;
}

/* Pass 1: hosts, their names, addresses and boots. */
static int learn_hosts(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	const struct hc_correlate_opts *o = p->o;
	int rc;

	for (size_t i = 0; i < o->nhints; i++) {
		char ip[64];
		int h = host_named(a, o->hints[i].name, HC_LEARN_HOSTS_FILE);
		if (h == HC_ERR_NOMEM)
			return h;
		if (h < 0 || !hc_ip_normalise(o->hints[i].address, ip, sizeof(ip))) {
			warn(a, "--hosts: line %zu: unusable name or address", i + 1);
			continue;
		}
		if ((rc = addr_learn(a, h, ip, HC_LEARN_HOSTS_FILE, NULL)) < 0)
			return rc;
	}
	for (size_t i = 0; i < p->set->n; i++) {
		const struct hc_event *ev = &p->set->v[i];
		const struct hc_norm *n = &ev->norm;
		int h = host_of(a, ev), src;
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
			if (n->target.name && user_len(n->target.name) > 1 &&
			    n->target.name[user_len(n->target.name) - 1] == '$' && n->ip) {
				src = host_named(a, n->target.name, HC_LEARN_NAMED);
				if (src == HC_ERR_NOMEM)
					return src;
				if ((rc = addr_learn(a, src, n->ip, HC_LEARN_MACHINE_TGS, ev)) < 0)
					return rc;
			}
			/* only computer services (NAME$) name hosts; krbtgt does not */
			if (ev->event_id == 4769 && n->service_name &&
			    user_len(n->service_name) > 1 &&
			    n->service_name[user_len(n->service_name) - 1] == '$' &&
			    host_named(a, n->service_name, HC_LEARN_NAMED) == HC_ERR_NOMEM)
				return HC_ERR_NOMEM;
			break;
		case 4624:
		case 4625:
			if (!n->ip || hc_ip_is_local(n->ip))
				break;
			if (n->target.name && n->target.name[0] &&
			    n->target.name[strlen(n->target.name) - 1] == '$' && ev->event_id == 4624) {
				src = host_named(a, n->target.name, HC_LEARN_NAMED);
				if (src == HC_ERR_NOMEM)
					return src;
				/* also when src == h: a host's own machine account logging
				 * on to it names one of its own addresses */
				if ((rc = addr_learn(a, src, n->ip, HC_LEARN_MACHINE_LOGON, ev)) < 0)
					return rc;
			} else if (n->workstation && is_hop_type(n->logon_type)) {
				src = host_named(a, n->workstation, HC_LEARN_NAMED);
				if (src == HC_ERR_NOMEM)
					return src;
				if (src != h &&
				    (rc = addr_learn(a, src, n->ip, HC_LEARN_WORKSTATION, ev)) < 0)
					return rc;
			}
			break;
		case 4648:
			if (n->target_server && host_named(a, n->target_server, HC_LEARN_NAMED) ==
							HC_ERR_NOMEM)
				return HC_ERR_NOMEM;
			break;
		default:
			break;
		}
	}
	return HC_OK;
}

/* ------------------------------------------------------------------ */
/* sessions                                                             */

static unsigned boot_of(const struct hc_host *h, int64_t t)
{
	unsigned b = 0;

	while (b < h->nboot && h->boot[b] <= t)
		b++;
	return b;
}

static void session_key(char *k, size_t cap, int host, unsigned boot, uint64_t id)
{
	snprintf(k, cap, "%d/%u/%llx", host, boot, (unsigned long long)id);
}

static int find_session(struct hc_analysis *a, int host, int64_t t, uint64_t id)
{
	char k[64];
	int *f;

	session_key(k, sizeof(k), host, boot_of(&a->hosts[host], t), id);
	f = smap_find(&((struct priv *)a->priv)->session_by_key, k);
	return f ? *f : -1;
}

static int build_sessions(struct hc_analysis *a)
{
	struct priv *p = a->priv;

	for (size_t i = 0; i < p->set->n; i++) {
		const struct hc_event *ev = &p->set->v[i];
		const struct hc_norm *n = &ev->norm;
		int h = host_of(a, ev), s;
		char k[64];
		if (h < 0)
			return h;
		if (ev->event_id == 4624 && n->has_target_logon_id) {
			struct hc_session *ss;
			if (GROW(a->sessions, a->nsessions, p->cap_sessions) < 0)
				return HC_ERR_NOMEM;
			ss = &a->sessions[a->nsessions];
			memset(ss, 0, sizeof(*ss));
			ss->host = h;
			ss->boot = boot_of(&a->hosts[h], ev->time);
			ss->logon_id = n->target_logon_id;
			ss->start = ev->time;
			ss->logon = ev;
			ss->hop = -1;
			session_key(k, sizeof(k), h, ss->boot, ss->logon_id);
			if (smap_put(&p->session_by_key, k, (int)a->nsessions) < 0)
				return HC_ERR_NOMEM;
			a->nsessions++;
		} else if ((ev->event_id == 4634 || ev->event_id == 4647) && n->has_target_logon_id) {
			s = find_session(a, h, ev->time, n->target_logon_id);
			if (s >= 0 && !a->sessions[s].end_seen && ev->time >= a->sessions[s].start) {
				a->sessions[s].end = ev->time;
				a->sessions[s].end_seen = true;
				a->sessions[s].logoff = ev;
			}
		} else if (ev->event_id == 4672 && n->has_subject_logon_id) {
			s = find_session(a, h, ev->time, n->subject_logon_id);
			if (s >= 0)
				a->sessions[s].privileged = true;
		}
	}
	for (size_t i = 0; i < a->nsessions; i++) {
		struct hc_session *s = &a->sessions[i];
		const struct hc_host *h = &a->hosts[s->host];
		if (s->end_seen)
			continue;
		s->end = s->start + p->o->session_window;
		if (s->boot < h->nboot && h->boot[s->boot] < s->end)
			s->end = h->boot[s->boot];
	}
	return HC_OK;
}

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

static int64_t absdiff(int64_t x, int64_t y)
{
	return x > y ? x - y : y - x;
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
 * skew; returns its event index or -1. */
static long find_explicit(struct hc_analysis *a, int dst, const struct hc_account *acct,
			  int64_t t, int exclude_host)
{
	struct priv *p = a->priv;
	const struct ilist *l = &p->explicit[dst];
	long best = -1;
	int64_t bestd = 0;

	for (size_t i = lower_bound(p, l, t - p->o->skew); i < l->n; i++) {
		const struct hc_event *ev = &p->set->v[l->v[i]];
		int64_t d = absdiff(ev->time, t);
		if (ev->time > t + p->o->skew)
			break;
		if (best >= 0 && d >= bestd)
			continue;
		if (acct && !hc_account_equal(&ev->norm.target, acct))
			continue;
		if (host_of(a, ev) == exclude_host)
			continue;
		best = l->v[i];
		bestd = d;
	}
	return best;
}

/* "host:user" (lower case, realm dropped) for the ticket index. */
static void ticket_key(char *k, size_t cap, int host, const char *user)
{
	size_t n = (size_t)snprintf(k, cap, "%d:", host), ul = user ? user_len(user) : 0;

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
	if (!(f = smap_find(&p->ticket_key, k)))
		return -1;
	const struct ilist *l = &p->tickets[*f];

	for (size_t i = lower_bound(p, l, t + p->o->skew + 1); i-- > 0;) {
		const struct hc_event *ev = &p->set->v[l->v[i]];
		if (ev->time < t - p->o->session_window)
			break;
		if (ev->norm.has_status && ev->norm.status != 0)
			continue;
		if (hc_account_equal(&ev->norm.target, acct))
			return l->v[i];
	}
	return -1;
}

static int index_witnesses(struct hc_analysis *a)
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
			h = host_by_name(a, ev->norm.target_server);
			if (h < 0 && ev->norm.target_info) {
				const char *sl = strchr(ev->norm.target_info, '/');
				h = host_by_name(a, sl ? sl + 1 : ev->norm.target_info);
			}
			if (h >= 0 && ilist_add(&p->explicit[h], (int)i) < 0)
				return HC_ERR_NOMEM;
		} else if (ev->event_id == 4769 && ev->norm.service_name && ev->norm.ip) {
			const char *svc = ev->norm.service_name;
			size_t n = user_len(svc);
			if (!n || svc[n - 1] != '$')
				continue; /* a user or krbtgt service, not a computer */
			h = host_by_name(a, svc);
			if (h < 0 || !ev->norm.target.name)
				continue;
			char k[320];
			int *f, slot;
			ticket_key(k, sizeof(k), h, ev->norm.target.name);
			if ((f = smap_find(&p->ticket_key, k))) {
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
				if (smap_put(&p->ticket_key, k, slot) < 0)
					return HC_ERR_NOMEM;
			}
			if (ilist_add(&p->tickets[slot], (int)i) < 0)
				return HC_ERR_NOMEM;
		}
	}
	return HC_OK;
}

/* The account a hop arrived as. */
static const struct hc_account *hop_account(const struct hc_hop *h)
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
	if (ilist_add(&p->inbound[dst], (int)a->nhops) < 0)
		return HC_ERR_NOMEM;
	*ret = hop;
	a->nhops++;
	return HC_OK;
}

/* Pass 3: inbound logons that came from another host. */
static int build_hops(struct hc_analysis *a)
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

		if ((ev->event_id != 4624 && ev->event_id != 4625) || !is_hop_type(n->logon_type))
			continue;
		dst = host_of(a, ev);
		if (dst < 0)
			return dst;
		if (n->ip && hc_ip_is_local(n->ip))
			continue; /* loopback: local */
		if (n->ip && (src = host_by_addr(a, n->ip, ev->time)) >= 0)
			how = "ip";
		if (!n->anonymous) {
			x = find_explicit(a, dst, &n->target, ev->time, dst);
			if (x >= 0 && src < 0) {
				src = host_of(a, &p->set->v[x]);
				how = "4648";
			}
			if (ev->event_id == 4624 && n->package && strcasecmp(n->package, "Kerberos") == 0) {
				tk = find_ticket(a, dst, &n->target, ev->time);
				if (tk >= 0 && src < 0 &&
				    (src = host_by_addr(a, p->set->v[tk].norm.ip, p->set->v[tk].time)) >= 0)
					how = "4769";
			}
		}
		if (src < 0 && n->workstation && !n->ip && (src = host_by_name(a, n->workstation)) >= 0)
			how = "workstation";
		if (src == dst)
			continue; /* a logon from the host itself */
		if (n->target.name && src < 0) {
			/* the host's own machine account: local, whatever the address */
			char own[256];
			if (hc_host_canon(n->target.name, own, sizeof(own)) &&
			    n->target.name[user_len(n->target.name) - 1] == '$' &&
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
			int xh = host_of(a, xe);
			if (xh == src) {
				cite(hop, xe, "explicit-credentials");
				if (xe->norm.has_subject_logon_id)
					hop->src_session =
					    find_session(a, xh, xe->time, xe->norm.subject_logon_id);
			}
		}
		if (tk >= 0 && host_by_addr(a, p->set->v[tk].norm.ip, p->set->v[tk].time) == src)
			cite(hop, &p->set->v[tk], "service-ticket");
		if (ev->event_id == 4624 && n->has_target_logon_id) {
			hop->session = find_session(a, dst, ev->time, n->target_logon_id);
			if (hop->session >= 0)
				a->sessions[hop->session].hop = (int)(a->nhops - 1);
		}
	}
	/* WinRM with CredSSP logs a Kerberos network logon (type 3) and the
	 * NetworkCleartext logon (type 8) of the same user from the same
	 * client within a moment (DOMAIN.md 6.2): one hop, not two. The type-3
	 * twin becomes evidence of the type-8 hop. */
	for (size_t d = 0; d < a->nhosts; d++) {
		const struct ilist *in = &p->inbound[d];
		for (size_t k = 0; k < in->n; k++) {
			struct hc_hop *h8 = &a->hops[in->v[k]];
			if (h8->failed || h8->ev->norm.logon_type != 8)
				continue;
			for (size_t q = 0; q < in->n; q++) {
				struct hc_hop *h3 = &a->hops[in->v[q]];
				if (h3->absorbed || h3->failed || h3->ev->norm.logon_type != 3 ||
				    absdiff(h3->time, h8->time) > 10 * HC_TICKS_PER_SEC ||
				    !hc_account_equal(hop_account(h3), hop_account(h8)) ||
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
			int src = host_of(a, xe);
			struct hc_hop *hop;
			if (src < 0 || src == (int)d)
				continue;
			if ((rc = add_hop(a, xe, src, (int)d, "4648", &hop)) < 0)
				return rc;
			hop->anonymous = false;
			cite(hop, xe, "explicit-credentials");
			if (xe->norm.has_subject_logon_id)
				hop->src_session = find_session(a, src, xe->time, xe->norm.subject_logon_id);
			long tk = find_ticket(a, (int)d, &xe->norm.target, xe->time);
			if (tk >= 0)
				cite(hop, &p->set->v[tk], "service-ticket");
		}
	}
	return HC_OK;
}


/* ------------------------------------------------------------------ */
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

	if (!acct->name || h < 0 || !(n = user_len(acct->name)) || acct->name[n - 1] != '$')
		return 0;
	return hc_host_canon(acct->name, canon, sizeof(canon)) &&
	       strcmp(canon, a->hosts[h].name) == 0;
}

static int build_links(struct hc_analysis *a)
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
			    !hc_account_is_user(hop_account(ph)))
				continue;
			if (ilist_add(&cands[d], p->inbound[d].v[k]) < 0) {
				rc = HC_ERR_NOMEM;
				goto out;
			}
			if (ph->ev->event_id == 4624 && ph->ev->norm.logon_type == 10 &&
			    ph->ev->norm.restricted_admin == HC_YES &&
			    ilist_add(&ra[d], p->inbound[d].v[k]) < 0) {
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
		if (!ch->anonymous && !hc_account_is_user(hop_account(ch))) {
			/* a machine account's logon at a host that issues tickets
			 * is the machine's own upkeep, never a user's next hop */
			if (!ra[ch->src].n || a->hosts[ch->dst].kdc || ch->failed ||
			    !is_machine_account_of(a, hop_account(ch), ch->src))
				continue;
			as_host = true;
		}
		const struct ilist *in = as_host ? &ra[ch->src] : &cands[ch->src];
		for (size_t k = in->n; k-- > 0;) {
			const struct hc_hop *ph = &a->hops[in->v[k]];
			int64_t start, end;
			bool acct, via;
			double conf;
			if (ph->time > ch->time + skew)
				continue;
			if (ph->time < ch->time - win - skew)
				break;
			if (ph == ch || ph->src == ch->dst)
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
			       hc_account_equal(hop_account(ph), hop_account(ch));
			if (!acct && !as_host && !(ch->anonymous && hc_account_is_user(hop_account(ph))))
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
			cand[pos].parent = in->v[k];
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

/* ------------------------------------------------------------------ */
/* chains                                                               */

struct walk {
	struct hc_analysis *a;
	struct ilist *children;     /* per hop: link indexes to its children */
	int path[HC_MAX_CHAIN_LEN];
	int plinks[HC_MAX_CHAIN_LEN];
	size_t depth;
	size_t root_paths;          /* chains emitted from the current first hop */
	bool capped;
	int rc;
};

static int emit_chain(struct walk *w)
{
	struct hc_analysis *a = w->a;
	struct priv *p = a->priv;
	struct hc_chain *c;

	if (a->nchains >= HC_MAX_CHAINS || w->root_paths >= HC_MAX_PATHS_PER_ROOT) {
		w->capped = true;
		return HC_OK;
	}
	w->root_paths++;
	if (GROW(a->chains, a->nchains, p->cap_chains) < 0)
		return HC_ERR_NOMEM;
	c = &a->chains[a->nchains];
	memset(c, 0, sizeof(*c));
	c->nhops = w->depth;
	c->hops = malloc(w->depth * sizeof(int));
	c->links = malloc(w->depth * sizeof(int));
	if (!c->hops || !c->links) {
		free(c->hops);
		free(c->links);
		return HC_ERR_NOMEM;
	}
	memcpy(c->hops, w->path, w->depth * sizeof(int));
	memcpy(c->links, w->plinks + 1, (w->depth - 1) * sizeof(int));
	c->start = a->hops[c->hops[0]].time;
	c->end = a->hops[c->hops[c->nhops - 1]].time;
	a->nchains++;
	return HC_OK;
}

static void walk_from(struct walk *w, int hop)
{
	const struct ilist *ch;
	bool extended = false;

	/* once the caps are reached, stop exploring too: a dense candidate
	 * graph has exponentially many paths */
	if (w->rc < 0 || w->root_paths >= HC_MAX_PATHS_PER_ROOT || w->a->nchains >= HC_MAX_CHAINS) {
		w->capped = true;
		return;
	}
	for (size_t i = 0; i < w->depth; i++)
		if (w->path[i] == hop)
			return; /* a cycle within the skew allowance */
	w->path[w->depth++] = hop;
	ch = &w->children[hop];
	if (w->depth < HC_MAX_CHAIN_LEN)
		for (size_t k = 0; k < ch->n && w->rc == 0; k++) {
			w->plinks[w->depth] = ch->v[k];
			walk_from(w, w->a->links[ch->v[k]].child);
			extended = true;
		}
	if (!extended && (w->rc = emit_chain(w)) < 0)
		return;
	w->depth--;
}

static int cmp_chain(const void *x, const void *y)
{
	const struct hc_chain *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->nhops != b->nhops)
		return a->nhops > b->nhops ? -1 : 1;
	for (size_t i = 0; i < a->nhops && i < b->nhops; i++)
		if (a->hops[i] != b->hops[i])
			return a->hops[i] < b->hops[i] ? -1 : 1;
	return 0;
}

static int build_chains(struct hc_analysis *a)
{
	struct walk w = {.a = a};

	w.children = calloc(a->nhops + 1, sizeof(*w.children));
	if (!w.children)
		return HC_ERR_NOMEM;
	/* follow the best candidate parent of each hop, and those as good as
	 * it (ambiguous); weaker candidates stay listed on the hop */
	for (size_t l = 0; l < a->nlinks; l++) {
		const struct hc_hop *child = &a->hops[a->links[l].child];
		if (a->links[l].confidence < a->links[child->parents[0]].confidence - 0.049)
			continue;
		if (ilist_add(&w.children[a->links[l].parent], (int)l) < 0) {
			w.rc = HC_ERR_NOMEM;
			goto out;
		}
	}
	for (size_t h = 0; h < a->nhops && w.rc == 0; h++)
		if (a->hops[h].nparents == 0 && !a->hops[h].absorbed) {
			w.root_paths = 0;
			walk_from(&w, (int)h);
		}
	if (w.capped)
		warn(a, "too many chains: at most %d from one first hop and %d in all were kept",
		     HC_MAX_PATHS_PER_ROOT, HC_MAX_CHAINS);
	if (w.rc == 0 && a->nchains > 1)
		qsort(a->chains, a->nchains, sizeof(*a->chains), cmp_chain);
	for (size_t i = 0; i < a->nchains; i++)
		snprintf(a->chains[i].id, sizeof(a->chains[i].id), "C%04zu", i + 1);
out:
	for (size_t h = 0; h < a->nhops; h++)
		free(w.children[h].v);
	free(w.children);
	return w.rc;
}

/* ------------------------------------------------------------------ */
/* findings                                                             */

static const char *hostname(const struct hc_analysis *a, int h)
{
	return h >= 0 ? a->hosts[h].name : "(unknown)";
}

static int add_finding(struct hc_chain *c, const char *id, enum hc_severity sev,
		       const char *technique, size_t hop, const char *todo, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static int add_finding(struct hc_chain *c, const char *id, enum hc_severity sev,
		       const char *technique, size_t hop, const char *todo, const char *fmt, ...)
{
	struct hc_finding *nf = realloc(c->findings, (c->nfindings + 1) * sizeof(*nf));
	char what[600];
	va_list ap;

	if (!nf)
		return HC_ERR_NOMEM;
	c->findings = nf;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	nf += c->nfindings;
	nf->id = id;
	nf->severity = sev;
	nf->technique = technique;
	nf->hop = hop;
	nf->what = strdup(what);
	nf->todo = strdup(todo);
	if (!nf->what || !nf->todo) {
		free(nf->what);
		free(nf->todo);
		return HC_ERR_NOMEM;
	}
	c->nfindings++;
	return HC_OK;
}

static unsigned pkg_bit(const char *pkg)
{
	if (!pkg)
		return HC_PKG_OTHER;
	if (strcasecmp(pkg, "Kerberos") == 0)
		return HC_PKG_KERBEROS;
	if (strcasecmp(pkg, "NTLM") == 0)
		return HC_PKG_NTLM;
	if (strcasecmp(pkg, "Negotiate") == 0)
		return HC_PKG_NEGOTIATE;
	return HC_PKG_OTHER;
}

static bool re_match(const struct hc_regex *re, const char *s)
{
	return !re || (s && hc_regex_match(re, s, strlen(s)) == 1);
}

/* 1 when the policy does not allow `hop`'s package. */
static bool package_unexpected(const struct hc_analysis *a, const struct hc_hop *h)
{
	const struct hc_policy *pol = ((struct priv *)a->priv)->o->policy;
	const struct hc_norm *n = &h->ev->norm;
	const char *dst = a->hosts[h->dst].name, *src = h->src >= 0 ? a->hosts[h->src].name : NULL;
	char acct[600];

	snprintf(acct, sizeof(acct), "%s\\%s", n->target.domain ? n->target.domain : "",
		 n->target.name ? n->target.name : "");
	if (pol) {
		for (size_t i = 0; i < pol->nlegacy; i++)
			if (re_match(pol->legacy[i], dst) || (src && re_match(pol->legacy[i], src)))
				return false;
		for (size_t i = 0; i < pol->nrules; i++)
			if (re_match(pol->rules[i].host, dst) && re_match(pol->rules[i].account, acct))
				return !(pol->rules[i].allow & pkg_bit(n->package));
	}
	/* default: Kerberos between domain hosts for domain accounts */
	if (pkg_bit(n->package) != HC_PKG_NTLM || h->anonymous || !hc_account_is_user(&n->target))
		return false;
	const char *fq = a->hosts[h->dst].fqdn;
	bool domain_host = fq && strchr(fq, '.');
	bool local_account = n->target.domain && a->hosts[h->dst].fqdn &&
			     strncasecmp(n->target.domain, a->hosts[h->dst].name,
					 strlen(a->hosts[h->dst].name)) == 0 &&
			     strlen(n->target.domain) == strlen(a->hosts[h->dst].name);
	return domain_host && !local_account && h->src >= 0;
}

static int chain_findings(struct hc_analysis *a, struct hc_chain *c)
{
	int rc = HC_OK;

	for (size_t i = 0; i < c->nhops && rc == HC_OK; i++) {
		const struct hc_hop *h = &a->hops[c->hops[i]];
		const struct hc_norm *n = &h->ev->norm;
		const struct hc_hop *prev = i ? &a->hops[c->hops[i - 1]] : NULL;
		const struct hc_hop *next = i + 1 < c->nhops ? &a->hops[c->hops[i + 1]] : NULL;
		const char *src = hostname(a, h->src), *dst = hostname(a, h->dst);
		const char *user = n->target.name ? n->target.name : "?";
		/* explicit credentials used on the source (a 4648) explain an
		 * authenticated onward hop without any delegation */
		bool explicit_creds = false;
		for (size_t k = 0; k < h->nev; k++)
			explicit_creds |= strcmp(h->evidence[k].role, "explicit-credentials") == 0;

		if (prev && h->anonymous && !h->failed) {
			const struct hc_norm *pn = &prev->ev->norm;
			bool imp = pn->impersonation == HC_IMP_IMPERSONATION ||
				   pn->impersonation == HC_IMP_IDENTIFICATION;
			rc = add_finding(
			    c, "anonymous-second-hop", HC_SEV_HIGH, NULL, i + 1,
			    "If the onward access is intended: use CredSSP for this pair "
			    "(Enable-WSManCredSSP on the client for the first host, -Role Server on it) "
			    "or Kerberos resource-based constrained delegation (Set-ADComputer <target> "
			    "-PrincipalsAllowedToDelegateToAccount <source>); otherwise find what on "
			    "the source tried to reach the target.",
			    "%s reached %s as ANONYMOUS LOGON from inside %s's session: the credentials "
			    "did not travel (double hop)%s",
			    src, dst, prev->ev->norm.target.name ? prev->ev->norm.target.name : "a user",
			    imp ? "; the first hop's ImpersonationLevel was Impersonation, not "
				  "Delegation" : "");
		}
		if (rc == HC_OK && !h->failed && h->ev->event_id == 4624 && package_unexpected(a, h))
			rc = add_finding(c, "unexpected-package", HC_SEV_MEDIUM, "T1550.002", i + 1,
					 "Check why Kerberos was not used (connection by IP address, "
					 "missing SPN, explicit credentials, pass-the-hash); restrict NTLM "
					 "or allow-list the host in --policy if it is legacy.",
					 "%s reached %s as %s with %s where the policy expects Kerberos", src,
					 dst, user, n->package ? n->package : "?");
		if (rc == HC_OK && n->lm_package && !h->anonymous &&
		    (strcasecmp(n->lm_package, "NTLM V1") == 0 || strcasecmp(n->lm_package, "LM") == 0))
			rc = add_finding(c, "ntlm-v1", HC_SEV_HIGH, "T1562.010", i + 1,
					 "Set LmCompatibilityLevel to 5 on clients and servers, find the "
					 "client that negotiates NTLMv1, and treat the account's hash as "
					 "exposed.",
					 "%s authenticated %s to %s with %s (crackable, relayable)", src, user,
					 dst, n->lm_package);
		if (rc == HC_OK && !h->failed && n->logon_type == 8)
			rc = add_finding(c, "credssp-exposure", next ? HC_SEV_HIGH : HC_SEV_MEDIUM,
					 "T1021.006", i + 1,
					 "Treat the account's credentials as exposed on this host; prefer "
					 "Kerberos constrained delegation over CredSSP, and disable CredSSP "
					 "(Disable-WSManCredSSP) where it is not needed.",
					 "%s logged on to %s with NetworkCleartext (type 8, CredSSP): %s's "
					 "reusable credentials now live on %s%s",
					 user, dst, user, dst, next ? ", and a further hop used them" : "");
		if (rc == HC_OK && !h->failed && hc_account_is_user(&n->target) &&
		    (n->impersonation == HC_IMP_DELEGATION || n->transmitted_services ||
		     (prev && !h->anonymous && !explicit_creds && n->package &&
		      strcasecmp(n->package, "Kerberos") == 0 && prev->ev->norm.logon_type == 3 &&
		      !prev->anonymous)))
			rc = add_finding(c, "delegation", HC_SEV_INFO, "T1558", i + 1,
					 "Confirm the delegation is configured on purpose and limited "
					 "(constrained or resource-based, not unconstrained); mark "
					 "privileged accounts sensitive and not delegable.",
					 "%s%s", n->impersonation == HC_IMP_DELEGATION
							 ? "the client handed delegatable credentials (ImpersonationLevel Delegation) to "
							 : n->transmitted_services ? "Kerberos constrained delegation (transited services) reached "
									   : "the onward hop succeeded through Kerberos delegation to ",
					 dst);
		if (rc == HC_OK && h->failed) {
			const char *m1 = NULL, *m2 = NULL;
			const char *s1 = n->has_status ? hc_decode_ntstatus(n->status, &m1) : NULL;
			const char *s2 = n->has_substatus && n->substatus
					     ? hc_decode_ntstatus(n->substatus, &m2) : NULL;
			rc = add_finding(c, "hop-failed", HC_SEV_MEDIUM, "T1078", i + 1,
					 "Check whether the failure is a double-hop or rights problem "
					 "(expected) or someone guessing credentials from the source host.",
					 "%s failed to log on to %s as %s: Status 0x%08x %s (%s), SubStatus "
					 "0x%08x %s (%s)",
					 src, dst, user, n->status, s1 ? s1 : "", m1 ? m1 : "?", n->substatus,
					 s2 ? s2 : "", m2 ? m2 : "-");
		}
	}
	return rc;
}

/* ------------------------------------------------------------------ */

int hc_correlate(const struct hc_eventset *set, const struct hc_correlate_opts *o,
		 struct hc_analysis *out)
{
	struct priv *p = calloc(1, sizeof(*p));
	int rc;

	memset(out, 0, sizeof(*out));
	if (!p)
		return HC_ERR_NOMEM;
	p->set = set;
	p->o = o;
	out->priv = p;
	if ((rc = learn_hosts(out)) < 0 || (rc = build_sessions(out)) < 0 ||
	    (rc = index_witnesses(out)) < 0 || (rc = build_hops(out)) < 0 ||
	    (rc = build_links(out)) < 0 || (rc = build_chains(out)) < 0)
		goto fail;
	for (size_t i = 0; i < out->nchains; i++)
		if ((rc = chain_findings(out, &out->chains[i])) < 0)
			goto fail;
	return HC_OK;
fail:
	hc_analysis_free(out);
	return rc == HC_ERR_LIMIT ? HC_ERR_LIMIT : HC_ERR_NOMEM;
}

void hc_analysis_free(struct hc_analysis *a)
{
	struct priv *p;

	if (!a)
		return;
	p = a->priv;
	for (size_t i = 0; i < a->nhosts; i++) {
		free(a->hosts[i].name);
		free(a->hosts[i].fqdn);
		free(a->hosts[i].addr);
		free(a->hosts[i].boot);
	}
	free(a->hosts);
	free(a->sessions);
	free(a->hops);
	free(a->links);
	for (size_t i = 0; i < a->nchains; i++) {
		for (size_t k = 0; k < a->chains[i].nfindings; k++) {
			free(a->chains[i].findings[k].what);
			free(a->chains[i].findings[k].todo);
		}
		free(a->chains[i].findings);
		free(a->chains[i].hops);
		free(a->chains[i].links);
	}
	free(a->chains);
	free(a->warnings);
	if (p) {
		smap_free(&p->host_by_name);
		smap_free(&p->host_by_fqdn);
		smap_free(&p->host_by_addr);
		for (size_t i = 0; i < p->naddrs; i++)
			free(p->addr_claims[i].v);
		free(p->addr_claims);
		free(p->claims);
		smap_free(&p->session_by_key);
		size_t nh = a->nhosts + 1;
		for (size_t i = 0; i < nh; i++) {
			if (p->inbound)
				free(p->inbound[i].v);
			if (p->explicit)
				free(p->explicit[i].v);
		}
		for (size_t i = 0; i < p->ntickets; i++)
			free(p->tickets[i].v);
		smap_free(&p->ticket_key);
		free(p->inbound);
		free(p->explicit);
		free(p->tickets);
		free(p);
	}
	memset(a, 0, sizeof(*a));
}

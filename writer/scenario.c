/* scenario.c: reads a scenario (the only file using jansson), expands shorthands
 * and defaults into the Data fields of each event, adds the seeded background
 * noise and the witnesses of connections and processes (5156/5158, 4688,
 * Sysmon 1 and 3, NTLM 8001), and streams each host's events, sorted by
 * time, into the encoder: one file per host and channel. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "evtx_write.h"
#include "templates.h"

#define ARENA_SIZE (HC_SC_MAX_TEXT + 16384)
#define NO_IDX UINT32_MAX

enum pkind { P_USER, P_MACHINE, P_SYSTEM, P_LOCALSVC, P_NETSVC, P_ANON, P_DWM, P_UMFD };
enum pkg { PKG_DEFAULT, PKG_KERBEROS, PKG_NTLM, PKG_NEGOTIATE };
enum host_role { ROLE_WORKSTATION, ROLE_SERVER, ROLE_DC };

#define EVF_EXPLICIT 0x01
#define EVF_AUTO 0x02 /* generated 4672 / logoff for an explicit or background logon */

/* connection records (5156, 5158, Sysmon 3) */
#define CF_INBOUND 0x01
#define CF_UDP 0x02

#define TICKS_PER_SEC 10000000ULL
#define FILETIME_UNIX_EPOCH 116444736000000000ULL
/* Sysmon logs an event this long after its UtcTime */
#define SYSMON_LAG 150000ULL
/* a connection is made this long before the logon it carries */
#define CONN_LEAD 200000ULL

struct principal {
	const char *name;
	const char *domain;
	const char *sid;
	int admin;
	int kind;
	int host; /* machine accounts: their host, else -1 */
};

struct session {
	int32_t user;
	uint8_t ltype;
	int fixed; /* luid given by the scenario or well known */
	uint64_t luid;
	uint64_t t; /* the logon (true time) */
	const char *label;
	const char *name;   /* TargetUserName override */
	const char *domain; /* TargetDomainName override */
};

/* A process a witness names: created by a Sysmon 1 or 4688 ("as"), made
 * connections (5156, Sysmon 3) and NTLM calls (8001) ("proc"). */
struct proc {
	const char *label;
	const char *image;
	const char *cmdline;
	uint32_t pid;
	int32_t session; /* the logon session it runs in, or -1 (SYSTEM) */
	int32_t parent;  /* the process that created it, or -1 */
	uint64_t t;      /* created (true time) */
	uint32_t seq;    /* Sysmon's per-boot process counter (in its GUID) */
	json_t *src;     /* the defining event (parent is resolved later) */
};

struct sc_ev {
	uint64_t t;
	uint32_t seq;
	uint16_t eid;
	uint8_t ver;
	uint8_t ltype;
	uint8_t pkg;
	uint8_t flags;
	int32_t user;
	int32_t from;         /* host index of the source, or -1 */
	int32_t peer;         /* host index of the server / service, or -1 */
	int32_t session;      /* session created (4624) or referenced */
	int32_t subject;      /* session acting as Subject (4648, 4624 type 9), or -1 */
	uint32_t idx;         /* index in the host's "events" array, or NO_IDX */
	json_t *src;          /* the explicit event object (borrowed), or NULL */
	int32_t proc;         /* the process (1/4688 created, 3/5156/5158/8001 by), or -1 */
	uint16_t sport;       /* connections: source port (0: a default) */
	uint16_t dport;       /* connections: destination port */
	uint8_t cflags;       /* CF_* */
	const char *from_lit; /* connections: literal source address, or NULL */
	const char *to_lit;   /* connections: literal destination address, or NULL */
	const char *image;    /* connections without a process: image (NULL: System) */
	uint32_t pid;         /* ... and its id */
	uint64_t rid;         /* EventRecordID once written */
};

struct host {
	const char *name;
	const char *fqdn;
	const char *ip;
	const char *file;
	char netbios[64];
	const char *msid;
	enum host_role role;
	uint64_t first_id;
	uint32_t lsass;
	int principal;
	json_t *events;
	json_t *bg;
	struct session *ss;
	size_t nss, css;
	struct sc_ev *ev;
	size_t nev, cev;
	uint64_t luid;
	uint64_t seed;
	/* the file of each channel (Security: file, first_id) */
	const char *chfile[HC_TPL_NCHAN];
	uint64_t chfirst[HC_TPL_NCHAN];
	int sysmon; /* Sysmon is installed (Sysmon 3 beside 5156) */
	uint32_t sysmon_pid;
	int64_t clock; /* ticks this host's clock is ahead of true time */
	int witnesses; /* background: the connections of its network logons */
	struct proc *pr;
	size_t npr, cpr;
};

struct hc_sc {
	json_t *root;
	const char *nb;   /* NetBIOS domain */
	const char *dns;  /* DNS domain */
	char realm[256];  /* upper-case DNS domain */
	const char *dsid; /* domain SID */
	struct principal *pr;
	size_t npr, cpr;
	struct host *hosts;
	size_t nhosts;
	char **owned;
	size_t nowned, cowned;
	int dc; /* index of the first DC host or -1 */
	/* "forwarded": one more file holding these hosts' records as Windows
	 * Event Forwarding stores them (writer/README.md) */
	const char *fwd_file;
	size_t *fwd_hosts;
	size_t nfwd;
	uint64_t fwd_first;
};

/* Expansion scratch: text per Data field, then values for the encoder. */
struct xbuf {
	const struct hc_tpl *t;
	const char *txt[HC_EVTXW_MAX_FIELDS];
	size_t len[HC_EVTXW_MAX_FIELDS];
	int isnull[HC_EVTXW_MAX_FIELDS];
	struct hc_evtxw_value val[HC_EVTXW_MAX_FIELDS];
	char arena[ARENA_SIZE];
	size_t used;
	int overflow;
	uint32_t exec_pid, exec_tid;
	uint64_t keywords;
};

static void diag_set(struct hc_sc_diag *diag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void diag_set(struct hc_sc_diag *diag, const char *fmt, ...)
{
	va_list ap;

	if (diag == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
	va_end(ap);
}

/* ---- small helpers ---- */

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ULL;
	uint64_t z = *state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static char *own(struct hc_sc *sc, char *s)
{
	if (s == NULL)
		return NULL;
	if (sc->nowned == sc->cowned) {
		size_t n = sc->cowned ? sc->cowned * 2 : 64;
		char **p = realloc(sc->owned, n * sizeof(*p));
		if (p == NULL) {
			free(s);
			return NULL;
		}
		sc->owned = p;
		sc->cowned = n;
	}
	sc->owned[sc->nowned++] = s;
	return s;
}

static char *own_printf(struct hc_sc *sc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *own_printf(struct hc_sc *sc, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return own(sc, s);
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, c * size);
	if (q == NULL)
		return HC_SC_E_NOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static int is_comment_key(const char *k)
{
	return k[0] == '_' || strcmp(k, "comment") == 0;
}

/* Keys allowed in an object; anything else is a scenario error. */
static int check_keys(json_t *obj, const char *const *allowed, const char *where,
                      struct hc_sc_diag *diag)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
	{
		int ok = is_comment_key(k);
		for (size_t i = 0; !ok && allowed[i]; i++)
			ok = strcmp(allowed[i], k) == 0;
		if (!ok) {
			diag_set(diag, "%s: unknown key \"%s\"", where, k);
			return HC_SC_E_SCENARIO;
		}
	}
	return 0;
}

static const char *get_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- principals ---- */

static int add_principal(struct hc_sc *sc, const char *name, const char *domain, const char *sid,
                         int kind, int admin, int hostidx)
{
	if (sc->npr >= HC_SC_MAX_ACCOUNTS)
		return HC_SC_E_SCENARIO;
	if (grow((void **)&sc->pr, &sc->cpr, sc->npr, sizeof(*sc->pr)))
		return HC_SC_E_NOMEM;
	sc->pr[sc->npr].name = name;
	sc->pr[sc->npr].domain = domain;
	sc->pr[sc->npr].sid = sid;
	sc->pr[sc->npr].kind = kind;
	sc->pr[sc->npr].admin = admin;
	sc->pr[sc->npr].host = hostidx;
	sc->npr++;
	return (int)sc->npr - 1;
}

/* Find an account by name (case-insensitive); creates DWM-n / UMFD-n on demand.
 * Returns the index or -1. */
static int find_principal(struct hc_sc *sc, const char *name)
{
	for (size_t i = 0; i < sc->npr; i++)
		if (strcasecmp(sc->pr[i].name, name) == 0)
			return (int)i;
	if ((strncasecmp(name, "DWM-", 4) == 0 || strncasecmp(name, "UMFD-", 5) == 0)) {
		int dwm = name[0] == 'D' || name[0] == 'd';
		const char *num = name + (dwm ? 4 : 5);
		char *end;
		unsigned long n = strtoul(num, &end, 10);
		if (*num == '\0' || *end != '\0' || n > 1000)
			return -1;
		char *nm = own_printf(sc, "%s-%lu", dwm ? "DWM" : "UMFD", n);
		char *sid = own_printf(sc, "S-1-5-%d-0-%lu", dwm ? 90 : 96, n);
		if (nm == NULL || sid == NULL)
			return -1;
		return add_principal(sc, nm, dwm ? "Window Manager" : "Font Driver Host", sid,
		                     dwm ? P_DWM : P_UMFD, 0, -1);
	}
	return -1;
}

static int find_host(const struct hc_sc *sc, const char *name)
{
	for (size_t i = 0; i < sc->nhosts; i++)
		if (strcasecmp(sc->hosts[i].name, name) == 0 ||
		    strcasecmp(sc->hosts[i].fqdn, name) == 0)
			return (int)i;
	return -1;
}

/* ---- loading ---- */

static int load_domain(struct hc_sc *sc, struct hc_sc_diag *diag)
{
	static const char *const keys[] = {"netbios", "dns", "sid", NULL};
	json_t *d = json_object_get(sc->root, "domain");
	struct hc_evtxw_value v;

	if (!json_is_object(d)) {
		diag_set(diag, "scenario: \"domain\" object missing");
		return HC_SC_E_SCENARIO;
	}
	if (check_keys(d, keys, "domain", diag))
		return HC_SC_E_SCENARIO;
	sc->nb = get_str(d, "netbios");
	sc->dns = get_str(d, "dns");
	sc->dsid = get_str(d, "sid");
	if (sc->nb == NULL || sc->dns == NULL || sc->dsid == NULL ||
	    hc_evtxw_sid_parse(sc->dsid, &v) != 0 || strlen(sc->dns) >= sizeof(sc->realm)) {
		diag_set(diag, "domain: need netbios, dns and a valid sid");
		return HC_SC_E_SCENARIO;
	}
	for (size_t i = 0; sc->dns[i]; i++)
		sc->realm[i] = (char)toupper((unsigned char)sc->dns[i]);
	return 0;
}

static int load_accounts(struct hc_sc *sc, struct hc_sc_diag *diag)
{
	static const char *const keys[] = {"sid", "rid", "admin", "domain", NULL};
	json_t *a = json_object_get(sc->root, "accounts");
	const char *name;
	json_t *v;

	if (add_principal(sc, "SYSTEM", "NT AUTHORITY", "S-1-5-18", P_SYSTEM, 1, -1) < 0 ||
	    add_principal(sc, "LOCAL SERVICE", "NT AUTHORITY", "S-1-5-19", P_LOCALSVC, 1, -1) < 0 ||
	    add_principal(sc, "NETWORK SERVICE", "NT AUTHORITY", "S-1-5-20", P_NETSVC, 1, -1) < 0 ||
	    add_principal(sc, "ANONYMOUS LOGON", "NT AUTHORITY", "S-1-5-7", P_ANON, 0, -1) < 0)
		return HC_SC_E_NOMEM;
	if (a == NULL)
		return 0;
	if (!json_is_object(a)) {
		diag_set(diag, "scenario: \"accounts\" must be an object (name -> SID or object)");
		return HC_SC_E_SCENARIO;
	}
	json_object_foreach(a, name, v)
	{
		const char *sid = NULL, *dom = sc->nb;
		int admin = 0;
		struct hc_evtxw_value sv;

		if (is_comment_key(name))
			continue;
		if (find_principal(sc, name) >= 0) {
			diag_set(diag, "accounts: \"%s\" defined twice or reserved", name);
			return HC_SC_E_SCENARIO;
		}
		if (json_is_string(v)) {
			sid = json_string_value(v);
		} else if (json_is_object(v)) {
			char where[HC_SC_MAX_LABEL + 32];
			snprintf(where, sizeof(where), "accounts.%.*s", HC_SC_MAX_LABEL, name);
			if (check_keys(v, keys, where, diag))
				return HC_SC_E_SCENARIO;
			sid = get_str(v, "sid");
			if (sid == NULL && json_is_integer(json_object_get(v, "rid")))
				sid = own_printf(sc, "%s-%" JSON_INTEGER_FORMAT, sc->dsid,
				                 json_integer_value(json_object_get(v, "rid")));
			admin = json_is_true(json_object_get(v, "admin"));
			if (get_str(v, "domain"))
				dom = get_str(v, "domain");
		}
		if (sid == NULL || hc_evtxw_sid_parse(sid, &sv) != 0) {
			diag_set(diag, "accounts: \"%s\" needs a valid \"sid\" or \"rid\"", name);
			return HC_SC_E_SCENARIO;
		}
		if (add_principal(sc, name, dom, sid, P_USER, admin, -1) < 0)
			return HC_SC_E_NOMEM;
	}
	return 0;
}

/* The file of a channel other than Security: "sysmon"/"ntlm" is true or
 * {"file", "first_record_id"}; the default file is <name><suffix>. */
static int load_channel(struct hc_sc *sc, struct host *h, json_t *o, enum hc_tpl_chan c,
                        const char *where, struct hc_sc_diag *diag)
{
	static const char *const keys[] = {"file", "first_record_id", NULL};
	const struct hc_tpl_channel *ch = hc_tpl_channel(c);
	json_t *v = json_object_get(o, ch->key), *fid;
	const char *f;

	h->chfile[c] = own_printf(sc, "%s%s", h->name, ch->suffix);
	h->chfirst[c] = 1;
	if (h->chfile[c] == NULL)
		return HC_SC_E_NOMEM;
	if (v == NULL || json_is_true(v))
		return 0;
	if (!json_is_object(v) || check_keys(v, keys, where, diag)) {
		if (!json_is_object(v))
			diag_set(diag, "%s: \"%s\" is true or {\"file\", \"first_record_id\"}",
			         where, ch->key);
		return HC_SC_E_SCENARIO;
	}
	if ((f = get_str(v, "file")) != NULL) {
		if (!*f || strchr(f, '/') != NULL || f[0] == '.') {
			diag_set(diag, "%s: \"%s\".file must be a plain file name", where, ch->key);
			return HC_SC_E_SCENARIO;
		}
		h->chfile[c] = f;
	}
	fid = json_object_get(v, "first_record_id");
	if (fid != NULL) {
		if (!json_is_integer(fid) || json_integer_value(fid) < 1) {
			diag_set(diag, "%s: \"%s\".first_record_id must be a positive integer",
			         where, ch->key);
			return HC_SC_E_SCENARIO;
		}
		h->chfirst[c] = (uint64_t)json_integer_value(fid);
	}
	return 0;
}

static const struct {
	const char *name;
	enum host_role role;
} roles[] = {
    {"workstation", ROLE_WORKSTATION},
    {"server", ROLE_SERVER},
    {"dc", ROLE_DC},
};

/* "name", "fqdn", "ip", "file" and "role" of host h (described at where). */
static int host_names(struct hc_sc *sc, struct host *h, json_t *o, const char *where,
                      struct hc_sc_diag *diag)
{
	const char *role;

	h->name = get_str(o, "name");
	if (h->name == NULL || h->name[0] == '\0' || strlen(h->name) >= sizeof(h->netbios) - 1) {
		diag_set(diag, "%s: \"name\" missing or longer than 62", where);
		return HC_SC_E_SCENARIO;
	}
	for (size_t k = 0; h->name[k]; k++)
		h->netbios[k] = (char)toupper((unsigned char)h->name[k]);
	h->fqdn = get_str(o, "fqdn");
	if (h->fqdn == NULL)
		h->fqdn = own_printf(sc, "%s.%s", h->name, sc->dns);
	h->ip = get_str(o, "ip") ? get_str(o, "ip") : "-";
	h->file = get_str(o, "file");
	if (h->file == NULL)
		h->file = own_printf(sc, "%s.evtx", h->name);
	if (h->fqdn == NULL || h->file == NULL)
		return HC_SC_E_NOMEM;
	if (strchr(h->file, '/') != NULL || strcmp(h->file, "..") == 0 || h->file[0] == '.') {
		diag_set(diag, "%s: \"file\" must be a plain file name", where);
		return HC_SC_E_SCENARIO;
	}
	role = get_str(o, "role");
	h->role = ROLE_WORKSTATION;
	if (role == NULL)
		return 0;
	for (size_t k = 0; k < sizeof(roles) / sizeof(roles[0]); k++)
		if (strcmp(role, roles[k].name) == 0) {
			h->role = roles[k].role;
			return 0;
		}
	diag_set(diag, "%s: \"role\" is dc, server or workstation", where);
	return HC_SC_E_SCENARIO;
}

/* "first_record_id", "lsass_pid" and the machine account's "rid"/"sid" of
 * host i. */
static int host_numbers(struct hc_sc *sc, size_t i, json_t *o, const char *where,
                        struct hc_sc_diag *diag)
{
	struct host *h = &sc->hosts[i];
	json_t *fid = json_object_get(o, "first_record_id");
	json_t *rid = json_object_get(o, "rid");
	json_t *pid = json_object_get(o, "lsass_pid");
	struct hc_evtxw_value sv;

	h->first_id = 1;
	if (fid != NULL) {
		if (!json_is_integer(fid) || json_integer_value(fid) < 1) {
			diag_set(diag, "%s: \"first_record_id\" must be a positive integer", where);
			return HC_SC_E_SCENARIO;
		}
		h->first_id = (uint64_t)json_integer_value(fid);
	}
	h->lsass = json_is_integer(pid) ? (uint32_t)json_integer_value(pid)
	                                : (uint32_t)(0x2a0 + 4 * (mix64(str_hash(h->name)) % 24));
	h->msid = get_str(o, "sid");
	if (h->msid == NULL)
		h->msid = own_printf(sc, "%s-%" JSON_INTEGER_FORMAT, sc->dsid,
		                     json_is_integer(rid) ? json_integer_value(rid)
		                                          : (json_int_t)(1100 + i));
	if (h->msid == NULL || hc_evtxw_sid_parse(h->msid, &sv) != 0) {
		diag_set(diag, "%s: bad machine account SID", where);
		return HC_SC_E_SCENARIO;
	}
	return 0;
}

static int host_clock(struct host *h, json_t *o, const char *where, struct hc_sc_diag *diag)
{
	json_t *co = json_object_get(o, "clock_offset");
	double sec;

	if (co == NULL)
		return 0;
	sec = json_number_value(co);
	if (!json_is_number(co) || sec < -86400.0 || sec > 86400.0) {
		diag_set(diag, "%s: \"clock_offset\" is seconds (-86400..86400)", where);
		return HC_SC_E_SCENARIO;
	}
	h->clock = (int64_t)(sec * (double)TICKS_PER_SEC + (sec < 0 ? -0.5 : 0.5));
	return 0;
}

/* Host i's name and files must not repeat an earlier host's, nor its
 * channels share a file. */
static int host_unique(const struct hc_sc *sc, size_t i, const char *where, struct hc_sc_diag *diag)
{
	const struct host *h = &sc->hosts[i];

	for (size_t k = 0; k < i; k++) {
		int same = strcasecmp(sc->hosts[k].name, h->name) == 0;
		for (int c1 = 0; c1 < HC_TPL_NCHAN; c1++)
			for (int c2 = 0; c2 < HC_TPL_NCHAN; c2++)
				same |= strcmp(sc->hosts[k].chfile[c1], h->chfile[c2]) == 0;
		if (same) {
			diag_set(diag, "%s: name or a file repeats hosts[%zu]", where, k);
			return HC_SC_E_SCENARIO;
		}
	}
	for (int c1 = 0; c1 < HC_TPL_NCHAN; c1++)
		for (int c2 = 0; c2 < c1; c2++)
			if (strcmp(h->chfile[c1], h->chfile[c2]) == 0) {
				diag_set(diag, "%s: two channels in one file %s", where,
				         h->chfile[c1]);
				return HC_SC_E_SCENARIO;
			}
	return 0;
}

/* hosts[i]: its names, numbers, channel files and machine account. */
static int load_host(struct hc_sc *sc, size_t i, json_t *o, struct hc_sc_diag *diag)
{
	static const char *const keys[] = {
	    "name",      "fqdn",   "ip",         "file",   "role", "first_record_id", "rid", "sid",
	    "lsass_pid", "events", "background", "sysmon", "ntlm", "clock_offset",    NULL};
	struct host *h = &sc->hosts[i];
	char where[64];
	char *mname;
	int r;

	snprintf(where, sizeof(where), "hosts[%zu]", i);
	if (!json_is_object(o) || check_keys(o, keys, where, diag)) {
		if (!json_is_object(o))
			diag_set(diag, "%s: must be an object", where);
		return HC_SC_E_SCENARIO;
	}
	if ((r = host_names(sc, h, o, where, diag)) != 0)
		return r;
	if (h->role == ROLE_DC && sc->dc < 0)
		sc->dc = (int)i;
	if ((r = host_numbers(sc, i, o, where, diag)) != 0)
		return r;
	h->chfile[HC_TPL_SECURITY] = h->file;
	h->chfirst[HC_TPL_SECURITY] = h->first_id;
	h->sysmon =
	    json_object_get(o, "sysmon") != NULL && !json_is_false(json_object_get(o, "sysmon"));
	if ((r = load_channel(sc, h, o, HC_TPL_SYSMON, where, diag)) != 0 ||
	    (r = load_channel(sc, h, o, HC_TPL_NTLM, where, diag)) != 0)
		return r;
	h->sysmon_pid = (uint32_t)(0x900 + 4 * (mix64(str_hash(h->name) ^ 0x5953) % 0x400));
	if ((r = host_clock(h, o, where, diag)) != 0 || (r = host_unique(sc, i, where, diag)) != 0)
		return r;
	mname = own_printf(sc, "%s$", h->netbios);
	if (mname == NULL)
		return HC_SC_E_NOMEM;
	h->principal =
	    add_principal(sc, mname, sc->nb, h->msid, P_MACHINE, h->role == ROLE_DC, (int)i);
	if (h->principal < 0)
		return HC_SC_E_NOMEM;
	h->events = json_object_get(o, "events");
	h->bg = json_object_get(o, "background");
	h->seed = mix64(str_hash(h->name));
	h->luid = 0x30000 + (h->seed % 0x4000) * 4;
	return 0;
}

static int load_hosts(struct hc_sc *sc, struct hc_sc_diag *diag)
{
	json_t *hs = json_object_get(sc->root, "hosts");
	size_t i;
	json_t *o;
	int r;

	if (!json_is_array(hs) || json_array_size(hs) == 0 ||
	    json_array_size(hs) > HC_SC_MAX_HOSTS) {
		diag_set(diag, "scenario: \"hosts\" must be a non-empty array");
		return HC_SC_E_SCENARIO;
	}
	sc->nhosts = json_array_size(hs);
	sc->hosts = calloc(sc->nhosts, sizeof(*sc->hosts));
	if (sc->hosts == NULL)
		return HC_SC_E_NOMEM;
	sc->dc = -1;
	json_array_foreach(hs, i, o)
	{
		if ((r = load_host(sc, i, o, diag)) != 0)
			return r;
	}
	return 0;
}

/* ---- event list ---- */

static struct sc_ev *new_ev(struct host *h, uint64_t t, uint16_t eid)
{
	struct sc_ev *e;

	if (h->nev >= HC_SC_MAX_EVENTS_PER_HOST)
		return NULL;
	if (grow((void **)&h->ev, &h->cev, h->nev, sizeof(*h->ev)))
		return NULL;
	e = &h->ev[h->nev];
	memset(e, 0, sizeof(*e));
	e->t = t;
	e->seq = (uint32_t)h->nev;
	e->eid = eid;
	e->ver = (uint8_t)hc_tpl_default_version(eid);
	e->user = -1;
	e->from = -1;
	e->peer = -1;
	e->session = -1;
	e->subject = -1;
	e->idx = NO_IDX;
	e->proc = -1;
	h->nev++;
	return e;
}

static int new_session(struct host *h, int32_t user, uint8_t ltype)
{
	struct session *s;

	if (grow((void **)&h->ss, &h->css, h->nss, sizeof(*h->ss)))
		return -1;
	s = &h->ss[h->nss];
	memset(s, 0, sizeof(*s));
	s->user = user;
	s->ltype = ltype;
	return (int)h->nss++;
}

static int find_session(const struct host *h, const char *label)
{
	for (size_t i = 0; i < h->nss; i++)
		if (h->ss[i].label != NULL && strcmp(h->ss[i].label, label) == 0)
			return (int)i;
	return -1;
}

static int find_proc(const struct host *h, const char *label)
{
	for (size_t i = 0; i < h->npr; i++)
		if (strcmp(h->pr[i].label, label) == 0)
			return (int)i;
	return -1;
}

static int parse_hex(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = strtoull(s + 2, &end, 16);
	else if (s[0] >= '0' && s[0] <= '9')
		v = strtoull(s, &end, 10);
	else
		return -1;
	if (errno || *end != '\0' || end == s || v > max || (s[1] == 'x' && s[2] == '\0'))
		return -1;
	*out = v;
	return 0;
}

/* Shorthands copied verbatim into a Data field (when the template has it). */
struct alias {
	const char *key;
	const char *fields[3];
};

static const struct alias aliases[] = {
    {"ip", {"IpAddress", "ClientAddress", NULL}},
    {"port", {"IpPort", NULL, NULL}},
    {"workstation", {"WorkstationName", "Workstation", "ClientName"}},
    {"process", {"ProcessName", NULL, NULL}},
    {"pid", {"ProcessId", "ProcessID", NULL}},
    {"guid", {"LogonGuid", NULL, NULL}},
    {"target_guid", {"TargetLogonGuid", NULL, NULL}},
    {"server", {"TargetServerName", NULL, NULL}},
    {"info", {"TargetInfo", NULL, NULL}},
    {"status", {"Status", NULL, NULL}},
    {"substatus", {"SubStatus", NULL, NULL}},
    {"reason", {"FailureReason", NULL, NULL}},
    {"privileges", {"PrivilegeList", NULL, NULL}},
    {"elevated", {"ElevatedToken", NULL, NULL}},
    {"impersonation", {"ImpersonationLevel", NULL, NULL}},
    {"linked", {"TargetLinkedLogonId", NULL, NULL}},
    {"options", {"TicketOptions", NULL, NULL}},
    {"etype", {"TicketEncryptionType", NULL, NULL}},
    {"preauth", {"PreAuthType", NULL, NULL}},
    {"session_name", {"SessionName", NULL, NULL}},
    {"client", {"ClientName", NULL, NULL}},
    {"address", {"ClientAddress", NULL, NULL}},
    {"virtual", {"VirtualAccount", NULL, NULL}},
    {"restricted_admin", {"RestrictedAdminMode", NULL, NULL}},
    {"remote_credential_guard", {"RemoteCredentialGuard", NULL, NULL}},
    {"outbound_user", {"TargetOutboundUserName", NULL, NULL}},
    {"outbound_domain", {"TargetOutboundDomainName", NULL, NULL}},
    {"transmitted", {"TransmittedServices", NULL, NULL}},
    {"key_length", {"KeyLength", NULL, NULL}},
    {"lm", {"LmPackageName", NULL, NULL}},
    {"logon_process", {"LogonProcessName", NULL, NULL}},
    {"auth_package", {"AuthenticationPackageName", NULL, NULL}},
    {"target_name", {"TargetName", NULL, NULL}},
    {"command_line", {"CommandLine", NULL, NULL}},
};

static const char *const event_keys[] = {
    "t",          "id",       "version", "user",   "name",    "domain",   "type",
    "package",    "from",     "session", "as",     "subject", "logon_id", "service",
    "privileged", "exec_pid", "tid",     "fields", "to",      "sport",    "dport",
    "inbound",    "protocol", "proc",    "image",  "parent",  "via",      NULL};

static int is_event_key(const char *k)
{
	for (size_t i = 0; event_keys[i]; i++)
		if (strcmp(event_keys[i], k) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].key, k) == 0)
			return 1;
	return 0;
}

static int principal_privileged(const struct principal *p)
{
	return p->admin || p->kind == P_SYSTEM || p->kind == P_LOCALSVC || p->kind == P_NETSVC;
}

/* The keys an event id takes beyond the common ones. */
enum ev_keys {
	EK_AS_SESSION = 0x01, /* "as" labels the logon session (4624) */
	EK_AS_PROCESS = 0x02, /* "as" labels the process created (1, 4688) */
	EK_VIA = 0x04,        /* "via": the connection the logon came over */
	EK_WITNESS = 0x08,    /* connection and process keys (to, sport, image, pid ...) */
};

static const struct {
	uint16_t eid;
	unsigned keys; /* EK_* */
} event_kinds[] = {
    {4624, EK_AS_SESSION | EK_VIA},
    {4625, EK_VIA},
    {1, EK_AS_PROCESS | EK_WITNESS},
    {4688, EK_AS_PROCESS | EK_WITNESS},
    {3, EK_WITNESS},
    {5156, EK_WITNESS},
    {5158, EK_WITNESS},
    {8001, EK_WITNESS},
};

static unsigned keys_of(uint16_t eid)
{
	for (size_t i = 0; i < sizeof(event_kinds) / sizeof(event_kinds[0]); i++)
		if (event_kinds[i].eid == eid)
			return event_kinds[i].keys;
	return 0;
}

/* A scenario error in the event being loaded. */
struct ev_load {
	struct hc_sc *sc;
	struct host *h;
	size_t idx; /* in the host's "events" */
	json_t *o;
	struct hc_sc_diag *diag;
};

static int ev_fail(const struct ev_load *L, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int ev_fail(const struct ev_load *L, const char *fmt, ...)
{
	char m[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	diag_set(L->diag, "host %s, event %zu: %s", L->h->name, L->idx, m);
	return HC_SC_E_SCENARIO;
}

/* The keys, "t", "id" and "version": the new event (the host's last) and its
 * template. */
static int load_head(const struct ev_load *L, const struct hc_tpl **tpl)
{
	json_t *o = L->o, *v, *jid, *jver;
	const char *k, *ts;
	struct sc_ev *e;
	uint64_t t;
	int ver;

	if (!json_is_object(o))
		return ev_fail(L, "must be an object");
	json_object_foreach(o, k, v)
	{
		if (!is_comment_key(k) && !is_event_key(k))
			return ev_fail(L, "unknown key \"%s\"", k);
	}
	ts = get_str(o, "t");
	if (ts == NULL || hc_evtxw_time_parse(ts, &t) != 0)
		return ev_fail(L, "\"t\" must be an RFC 3339 time (at most 7 fraction digits)");
	jid = json_object_get(o, "id");
	if (!json_is_integer(jid) || json_integer_value(jid) < 0 || json_integer_value(jid) > 65535)
		return ev_fail(L, "\"id\" must be an event id");
	jver = json_object_get(o, "version");
	ver = jver ? (json_is_integer(jver) ? (int)json_integer_value(jver) : -2)
	           : hc_tpl_default_version((uint16_t)json_integer_value(jid));
	*tpl = ver >= 0 && ver < 256 ? hc_tpl_find((uint16_t)json_integer_value(jid), (uint8_t)ver)
	                             : NULL;
	if (*tpl == NULL)
		return ev_fail(L, "event %" JSON_INTEGER_FORMAT " version %d is not supported",
		               json_integer_value(jid), ver);
	e = new_ev(L->h, t, (*tpl)->event_id);
	if (e == NULL)
		return HC_SC_E_NOMEM;
	e->ver = (*tpl)->version;
	e->flags = EVF_EXPLICIT;
	e->idx = (uint32_t)L->idx;
	e->src = o;
	return 0;
}

/* The keys every event may have: user, type, package, from, service,
 * server, subject, session. */
static int load_common(const struct ev_load *L, struct sc_ev *e)
{
	struct host *h = L->h;
	json_t *o = L->o, *jtype;
	const char *s;

	if ((s = get_str(o, "user")) != NULL) {
		e->user = find_principal(L->sc, s);
		if (e->user < 0)
			return ev_fail(L, "unknown account \"%s\"", s);
	} else if (json_object_get(o, "user") != NULL) {
		return ev_fail(L, "\"user\" must be a string");
	}
	jtype = json_object_get(o, "type");
	if (jtype != NULL) {
		if (!json_is_integer(jtype) || json_integer_value(jtype) < 0 ||
		    json_integer_value(jtype) > 255)
			return ev_fail(L, "\"type\" must be a logon type number");
		e->ltype = (uint8_t)json_integer_value(jtype);
	}
	if ((s = get_str(o, "package")) != NULL) {
		if (strcasecmp(s, "Kerberos") == 0)
			e->pkg = PKG_KERBEROS;
		else if (strcasecmp(s, "NTLM") == 0)
			e->pkg = PKG_NTLM;
		else if (strcasecmp(s, "Negotiate") == 0)
			e->pkg = PKG_NEGOTIATE;
		else
			return ev_fail(L, "\"package\" is Kerberos, NTLM or Negotiate");
	}
	if ((s = get_str(o, "from")) != NULL) {
		e->from = find_host(L->sc, s);
		if (e->from < 0 && strchr(s, '.') == NULL && strchr(s, ':') == NULL)
			return ev_fail(L, "\"from\": unknown host \"%s\" (and not an IP address)",
			               s);
	}
	if ((s = get_str(o, "service")) != NULL)
		e->peer = find_host(L->sc, s);
	if ((s = get_str(o, "server")) != NULL)
		e->peer = find_host(L->sc, s);
	if ((s = get_str(o, "subject")) != NULL) {
		e->subject = find_session(h, s);
		if (e->subject < 0)
			return ev_fail(
			    L, "\"subject\": no earlier logon with \"as\": \"%s\" on this host", s);
	}
	if ((s = get_str(o, "session")) != NULL) {
		e->session = find_session(h, s);
		if (e->session < 0)
			return ev_fail(
			    L, "\"session\": no earlier logon with \"as\": \"%s\" on this host", s);
		if (e->user < 0)
			e->user = h->ss[e->session].user;
		if (jtype == NULL)
			e->ltype = h->ss[e->session].ltype;
	}
	return 0;
}

/* A 4624's session ("as", "logon_id") and its automatic 4672 ("privileged").
 * The 4624 is the host's event ei; the 4672 goes after it. */
static int load_logon_session(const struct ev_load *L, size_t ei)
{
	struct hc_sc *sc = L->sc;
	struct host *h = L->h;
	json_t *lid = json_object_get(L->o, "logon_id");
	json_t *pv = json_object_get(L->o, "privileged");
	const char *label = get_str(L->o, "as");
	const struct sc_ev *e = &h->ev[ei];
	int sidx, priv;

	if (label != NULL && (strlen(label) > HC_SC_MAX_LABEL || find_session(h, label) >= 0))
		return ev_fail(L, "\"as\": label \"%s\" too long or already used on this host",
		               label);
	sidx = new_session(h, e->user, e->ltype);
	if (sidx < 0)
		return HC_SC_E_NOMEM;
	h->ss[sidx].label = label;
	h->ss[sidx].t = e->t;
	h->ss[sidx].name = get_str(L->o, "name");
	h->ss[sidx].domain = get_str(L->o, "domain");
	if (lid != NULL) {
		if (!json_is_string(lid) ||
		    parse_hex(json_string_value(lid), UINT64_MAX, &h->ss[sidx].luid))
			return ev_fail(L, "\"logon_id\" must be a hex string like \"0x3e7\"");
		h->ss[sidx].fixed = 1;
	}
	h->ev[ei].session = sidx;
	priv = pv ? json_is_true(pv) : principal_privileged(&sc->pr[e->user]);
	if (pv != NULL && !json_is_boolean(pv))
		return ev_fail(L, "\"privileged\" must be true or false");
	if (sc->pr[e->user].kind == P_ANON && pv == NULL)
		priv = 0;
	if (priv) {
		uint64_t t = e->t;
		int32_t user = e->user;
		struct sc_ev *p = new_ev(h, t, 4672); /* may move h->ev */
		if (p == NULL)
			return HC_SC_E_NOMEM;
		p->flags = EVF_AUTO;
		p->session = sidx;
		p->user = user;
		p->idx = (uint32_t)L->idx;
	}
	return 0;
}

/* A witness's connection keys (inbound, protocol, to, from, sport, dport)
 * and process keys (image, pid). */
static int load_witness(const struct ev_load *L, struct sc_ev *e)
{
	json_t *o = L->o, *jv;
	const char *s;

	if ((jv = json_object_get(o, "inbound")) != NULL) {
		if (!json_is_boolean(jv))
			return ev_fail(L, "\"inbound\" must be true or false");
		if (json_is_true(jv))
			e->cflags |= CF_INBOUND;
	}
	if ((s = get_str(o, "protocol")) != NULL) {
		if (strcasecmp(s, "udp") == 0)
			e->cflags |= CF_UDP;
		else if (strcasecmp(s, "tcp") != 0)
			return ev_fail(L, "\"protocol\" is tcp or udp");
	}
	if ((s = get_str(o, "to")) != NULL) {
		e->peer = find_host(L->sc, s);
		if (e->peer < 0) {
			if (strchr(s, '.') == NULL && strchr(s, ':') == NULL)
				return ev_fail(
				    L, "\"to\": unknown host \"%s\" (and not an IP address)", s);
			e->to_lit = s;
		}
	}
	if ((s = get_str(o, "from")) != NULL && e->from < 0)
		e->from_lit = s;
	for (int d = 0; d < 2; d++) {
		jv = json_object_get(o, d ? "dport" : "sport");
		if (jv == NULL)
			continue;
		if (!json_is_integer(jv) || json_integer_value(jv) < 1 ||
		    json_integer_value(jv) > 65535)
			return ev_fail(L, "\"%s\" must be a port number", d ? "dport" : "sport");
		if (d)
			e->dport = (uint16_t)json_integer_value(jv);
		else
			e->sport = (uint16_t)json_integer_value(jv);
	}
	e->image = get_str(o, "image");
	if ((jv = json_object_get(o, "pid")) != NULL) {
		uint64_t pv;
		if (json_is_integer(jv) && json_integer_value(jv) >= 0 &&
		    json_integer_value(jv) <= UINT32_MAX)
			e->pid = (uint32_t)json_integer_value(jv);
		else if (json_is_string(jv) &&
		         parse_hex(json_string_value(jv), UINT32_MAX, &pv) == 0)
			e->pid = (uint32_t)pv;
		else
			return ev_fail(L, "\"pid\" must be a process id");
	}
	return 0;
}

/* The process a 1 or 4688 creates, labelled by "as". */
static int load_process(const struct ev_load *L, struct sc_ev *e, const char *label)
{
	struct host *h = L->h;
	struct proc *P;

	if (strlen(label) > HC_SC_MAX_LABEL || find_proc(h, label) >= 0)
		return ev_fail(
		    L, "\"as\": process label \"%s\" too long or already used on this host", label);
	if (get_str(L->o, "proc") != NULL)
		return ev_fail(L, "\"as\" creates a process, \"proc\" names one: not both");
	if (grow((void **)&h->pr, &h->cpr, h->npr, sizeof(*h->pr)))
		return HC_SC_E_NOMEM;
	P = &h->pr[h->npr];
	memset(P, 0, sizeof(*P));
	P->label = label;
	P->image = e->image ? e->image : "C:\\Windows\\System32\\svchost.exe";
	P->cmdline = get_str(L->o, "command_line");
	P->pid =
	    e->pid ? e->pid : (uint32_t)(0x400 + 4 * (mix64(h->seed ^ str_hash(label)) % 0x1c00));
	P->session = e->session;
	P->parent = -1;
	P->t = e->t;
	P->seq = (uint32_t)(0x100 + 3 * h->npr + mix64(h->seed) % 0x40);
	P->src = L->o;
	e->proc = (int32_t)h->npr;
	h->npr++;
	return 0;
}

/* "fields": names the template has, values of a type it can take (values
 * are checked when the event is expanded). */
static int load_fields(const struct ev_load *L, const struct hc_tpl *tpl)
{
	json_t *f = json_object_get(L->o, "fields"), *v;
	const char *k;

	if (f == NULL)
		return 0;
	if (!json_is_object(f))
		return ev_fail(L, "\"fields\" must be an object");
	json_object_foreach(f, k, v)
	{
		int fi = hc_tpl_field_index(tpl, k);
		if (fi < 0)
			return ev_fail(L, "field \"%s\" is not in event %u version %u", k,
			               tpl->event_id, tpl->version);
		if (!json_is_string(v) && !json_is_integer(v) && !json_is_null(v) &&
		    !(json_is_boolean(v) && tpl->data.fields[fi].type == HC_EVTXW_T_BOOL))
			return ev_fail(L, "field \"%s\" must be a string, integer or null", k);
	}
	return 0;
}

/* Event idx of host hi's "events": appended to the host's events (with the
 * automatic 4672 of a privileged logon), its session or process labelled. */
static int load_event(struct hc_sc *sc, size_t hi, size_t idx, json_t *o, struct hc_sc_diag *diag)
{
	const struct ev_load L = {sc, &sc->hosts[hi], idx, o, diag};
	struct host *h = L.h;
	const struct hc_tpl *tpl;
	const char *label = get_str(o, "as");
	size_t ei;
	unsigned keys;
	int r;

	if ((r = load_head(&L, &tpl)) != 0)
		return r;
	ei = h->nev - 1;
	keys = keys_of(tpl->event_id);
	if ((r = load_common(&L, &h->ev[ei])) != 0)
		return r;
	if (keys & EK_AS_SESSION) {
		/* Without "user" everything comes from "fields": no session. */
		if (h->ev[ei].user < 0) {
			if (label != NULL || json_object_get(o, "logon_id") != NULL ||
			    json_object_get(o, "privileged") != NULL)
				return ev_fail(
				    &L, "\"as\", \"logon_id\" and \"privileged\" need \"user\"");
			return load_fields(&L, tpl);
		}
		if ((r = load_logon_session(&L, ei)) != 0)
			return r;
	} else if (json_object_get(o, "as") != NULL && !(keys & EK_AS_PROCESS)) {
		return ev_fail(&L, "\"as\" labels a logon session (4624) or a process (1, 4688)");
	}
	if (json_object_get(o, "via") != NULL &&
	    (!(keys & EK_VIA) || !json_is_object(json_object_get(o, "via"))))
		return ev_fail(&L, "\"via\" is an object on a 4624 or 4625");
	if (tpl->chan == HC_TPL_SYSMON && !h->sysmon)
		return ev_fail(&L, "Sysmon events need \"sysmon\" on the host");
	if (keys & EK_WITNESS) {
		if ((r = load_witness(&L, &h->ev[ei])) != 0)
			return r;
		if ((keys & EK_AS_PROCESS) && label != NULL &&
		    (r = load_process(&L, &h->ev[ei], label)) != 0)
			return r;
	}
	return load_fields(&L, tpl);
}

/* ---- witnesses named by label, and the connections behind logons ---- */

/* The IpPort logon_network gives a logon: the source port of its connection. */
static unsigned logon_port(const struct host *h, const struct sc_ev *e)
{
	uint64_t hv = mix64(h->seed ^ ((uint64_t)e->seq << 20) ^ e->t);
	return (unsigned)(49152 + hv % 16000);
}

/* A connection record (5156, 5158, Sysmon 3) generated on host `on`. */
static int add_conn(struct host *on, uint64_t t, uint16_t eid, int from, int peer,
                    const char *to_lit, unsigned sport, unsigned dport, uint8_t cflags,
                    int32_t proc, const char *image, uint32_t pid)
{
	struct sc_ev *c = new_ev(on, t, eid);

	if (c == NULL)
		return HC_SC_E_NOMEM;
	c->flags = EVF_AUTO;
	c->from = from;
	c->peer = peer;
	c->to_lit = to_lit;
	c->sport = (uint16_t)sport;
	c->dport = (uint16_t)dport;
	c->cflags = cflags;
	c->proc = proc;
	c->image = image;
	c->pid = pid;
	return 0;
}

/* "via" on a logon: the connection it came over, as the source (5156
 * outbound, Sysmon 3) and the target (5156 inbound) logged it. */
static int expand_via(struct hc_sc *sc, size_t hi, size_t i, struct hc_sc_diag *diag)
{
	static const char *const keys[] = {"proc", "image",    "pid",    "dport",  "sport",
	                                   "lead", "security", "sysmon", "target", NULL};
	struct host *h = &sc->hosts[hi];
	const struct sc_ev e0 = h->ev[i];
	json_t *v = json_object_get(e0.src, "via"), *j;
	struct host *sh;
	int32_t proc = -1;
	const char *image = get_str(v, "image"), *s;
	uint32_t pid = 0;
	unsigned sport, dport;
	uint64_t lead = CONN_LEAD;
	int sec, sysmon, target, r = 0;
	char where[HC_SC_MAX_LABEL + 96];

	snprintf(where, sizeof(where), "host %s, event %u: via", h->name, e0.idx);
#define VFAIL(...)                                                                                 \
	do {                                                                                       \
		char m_[256];                                                                      \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                                             \
		diag_set(diag, "%s: %s", where, m_);                                               \
		return HC_SC_E_SCENARIO;                                                           \
	} while (0)
	if (check_keys(v, keys, where, diag))
		return HC_SC_E_SCENARIO;
	if (e0.from < 0 || (size_t)e0.from == hi)
		VFAIL("the logon's \"from\" must name another host of the scenario");
	sh = &sc->hosts[e0.from];
	if ((s = get_str(v, "proc")) != NULL && (proc = find_proc(sh, s)) < 0)
		VFAIL("no process \"%s\" (\"as\" on a 1 or 4688) on %s", s, sh->name);
	if ((j = json_object_get(v, "pid")) != NULL) {
		if (!json_is_integer(j) || json_integer_value(j) < 0 ||
		    json_integer_value(j) > UINT32_MAX)
			VFAIL("\"pid\" must be a process id");
		pid = (uint32_t)json_integer_value(j);
	}
	sport = logon_port(h, &e0);
	if ((j = json_object_get(e0.src, "port")) != NULL) {
		if (json_is_integer(j))
			sport = (unsigned)json_integer_value(j);
		else if (json_is_string(j) && isdigit((unsigned char)json_string_value(j)[0]))
			sport = (unsigned)strtoul(json_string_value(j), NULL, 10);
	}
	dport = e0.ltype == 10 ? 3389 : 445;
	for (int k = 0; k < 2; k++) {
		j = json_object_get(v, k ? "dport" : "sport");
		if (j == NULL)
			continue;
		if (!json_is_integer(j) || json_integer_value(j) < 1 ||
		    json_integer_value(j) > 65535)
			VFAIL("\"%s\" must be a port number", k ? "dport" : "sport");
		if (k)
			dport = (unsigned)json_integer_value(j);
		else
			sport = (unsigned)json_integer_value(j);
	}
	if (sport < 1 || sport > 65535)
		VFAIL("the logon's port is not a port number");
	if ((j = json_object_get(v, "lead")) != NULL) {
		double d = json_number_value(j);
		if (!json_is_number(j) || d < 0 || d > 60)
			VFAIL("\"lead\" is seconds (0..60) before the logon");
		lead = (uint64_t)(d * (double)TICKS_PER_SEC + 0.5);
	}
	for (int k = 0; k < 3; k++) {
		static const char *const b[] = {"security", "sysmon", "target"};
		j = json_object_get(v, b[k]);
		if (j != NULL && !json_is_boolean(j))
			VFAIL("\"%s\" must be true or false", b[k]);
	}
	sec = !json_is_false(json_object_get(v, "security"));
	sysmon =
	    json_object_get(v, "sysmon") ? json_is_true(json_object_get(v, "sysmon")) : sh->sysmon;
	target = json_is_true(json_object_get(v, "target"));
	if (sysmon && !sh->sysmon)
		VFAIL("%s has no Sysmon (\"sysmon\" on the host)", sh->name);
	if (lead > e0.t)
		VFAIL("\"lead\" reaches before 1601");
#undef VFAIL
	if (sec)
		r = add_conn(sh, e0.t - lead, 5156, -1, (int)hi, NULL, sport, dport, 0, proc, image,
		             pid);
	if (r == 0 && sysmon)
		r = add_conn(sh, e0.t - lead + SYSMON_LAG, 3, -1, (int)hi, NULL, sport, dport, 0,
		             proc, image, pid);
	if (r == 0 && target)
		r = add_conn(h, e0.t - lead + 10000, 5156, e0.from, -1, NULL, sport, dport,
		             CF_INBOUND, -1, NULL, 0);
	return r;
}

/* After every host's events are loaded: process labels ("proc", "parent")
 * and the connections of "via". */
static int resolve_witnesses(struct hc_sc *sc, struct hc_sc_diag *diag)
{
	int r;

	for (size_t hi = 0; hi < sc->nhosts; hi++) {
		struct host *h = &sc->hosts[hi];
		size_t n = h->nev;
		const char *s;

		for (size_t k = 0; k < h->npr; k++) {
			struct proc *P = &h->pr[k];
			if ((s = get_str(P->src, "parent")) == NULL)
				continue;
			if ((P->parent = find_proc(h, s)) < 0 || (size_t)P->parent == k) {
				diag_set(diag, "host %s: process \"%s\": no parent process \"%s\"",
				         h->name, P->label, s);
				return HC_SC_E_SCENARIO;
			}
		}
		for (size_t i = 0; i < n; i++) {
			struct sc_ev *e = &h->ev[i];
			if (!(e->flags & EVF_EXPLICIT))
				continue;
			if ((s = get_str(e->src, "proc")) != NULL &&
			    (e->proc = find_proc(h, s)) < 0) {
				diag_set(
				    diag,
				    "host %s, event %u: \"proc\": no process \"%s\" on this host",
				    h->name, e->idx, s);
				return HC_SC_E_SCENARIO;
			}
			json_t *fl = json_object_get(e->src, "fields");
			if ((e->eid == 5156 || e->eid == 3) && !(e->cflags & CF_INBOUND) &&
			    e->peer < 0 && e->to_lit == NULL &&
			    !json_object_get(fl, e->eid == 3 ? "DestinationIp" : "DestAddress")) {
				diag_set(diag,
				         "host %s, event %u: an outbound connection needs \"to\"",
				         h->name, e->idx);
				return HC_SC_E_SCENARIO;
			}
			if ((e->eid == 5156 || e->eid == 3) && (e->cflags & CF_INBOUND) &&
			    e->from < 0 && e->from_lit == NULL &&
			    !json_object_get(fl, e->eid == 3 ? "SourceIp" : "SourceAddress")) {
				diag_set(diag,
				         "host %s, event %u: an inbound connection needs \"from\"",
				         h->name, e->idx);
				return HC_SC_E_SCENARIO;
			}
			if (json_object_get(e->src, "via") != NULL &&
			    (r = expand_via(sc, hi, i, diag)) != 0)
				return r;
		}
	}
	return 0;
}

/* ---- background noise ---- */

static int pick_user(struct hc_sc *sc, json_t *users, uint64_t *st)
{
	size_t n = json_array_size(users);

	if (n > 0) {
		const char *nm = json_string_value(json_array_get(users, rnd(st) % n));
		return nm ? find_principal(sc, nm) : -1;
	}
	/* Default: any scenario account. */
	size_t cnt = 0;
	for (size_t i = 0; i < sc->npr; i++)
		cnt += sc->pr[i].kind == P_USER;
	if (cnt == 0)
		return -1;
	size_t want = rnd(st) % cnt;
	for (size_t i = 0; i < sc->npr; i++)
		if (sc->pr[i].kind == P_USER && want-- == 0)
			return (int)i;
	return -1;
}

static int other_host(struct hc_sc *sc, size_t self, uint64_t *st)
{
	if (sc->nhosts < 2)
		return -1;
	size_t k = rnd(st) % (sc->nhosts - 1);
	return (int)(k >= self ? k + 1 : k);
}

/* How a background session ends (after logoff_after, when that is not 0):
 * a logoff (4634), or a user's sign-out (4647) and then the logoff. */
enum bg_logoff { BG_LOGOFF, BG_SIGNOUT_LOGOFF };

/* A logon (and its 4672 and logoff) created by the generator. */
static int bg_logon(struct hc_sc *sc, struct host *h, uint64_t t, int user, uint8_t ltype,
                    enum pkg pkg, int from, uint64_t logoff_after, enum bg_logoff how)
{
	struct sc_ev *e;
	int s;

	if (user < 0)
		return 0; /* no such account to draw from: skip the activity */
	s = new_session(h, user, ltype);
	if (s < 0)
		return HC_SC_E_NOMEM;
	h->ss[s].t = t;
	e = new_ev(h, t, 4624);
	if (e == NULL)
		return HC_SC_E_NOMEM;
	e->user = user;
	e->ltype = ltype;
	e->pkg = pkg;
	e->from = from;
	e->session = s;
	if (ltype == 0 || (ltype == 5 && sc->pr[user].kind == P_SYSTEM)) {
		h->ss[s].fixed = 1;
		h->ss[s].luid = 0x3e7;
	} else if (ltype == 5 && sc->pr[user].kind == P_LOCALSVC) {
		h->ss[s].fixed = 1;
		h->ss[s].luid = 0x3e5;
	} else if (ltype == 5 && sc->pr[user].kind == P_NETSVC) {
		h->ss[s].fixed = 1;
		h->ss[s].luid = 0x3e4;
	}
	/* the connection the logon came over, as both ends logged it */
	if (h->witnesses && from >= 0 && (ltype == 3 || ltype == 10) && &sc->hosts[from] != h) {
		int hi = (int)(h - sc->hosts), r;
		int dc = h->role == ROLE_DC, mach = sc->pr[user].kind == P_MACHINE;
		unsigned dport = ltype == 10 ? 3389 : dc && !mach ? 389 : 445;
		unsigned port = ltype == 10 ? (unsigned)(49152 + mix64(e->t ^ h->seed) % 16000)
		                            : logon_port(h, e);
		const char *img = ltype == 10   ? "C:\\Windows\\System32\\mstsc.exe"
		                  : dc && !mach ? "C:\\Windows\\System32\\lsass.exe"
		                                : NULL;
		struct host *ch = &sc->hosts[from];
		if ((r = add_conn(ch, t - CONN_LEAD, 5156, -1, hi, NULL, port, dport, 0, -1, img,
		                  0)) ||
		    (ch->sysmon && (r = add_conn(ch, t - CONN_LEAD + SYSMON_LAG, 3, -1, hi, NULL,
		                                 port, dport, 0, -1, img, 0))) ||
		    (r = add_conn(h, t - CONN_LEAD + 10000, 5156, from, -1, NULL, port, dport,
		                  CF_INBOUND, -1, NULL, 0)))
			return r;
	}
	if (principal_privileged(&sc->pr[user])) {
		e = new_ev(h, t, 4672);
		if (e == NULL)
			return HC_SC_E_NOMEM;
		e->flags = EVF_AUTO;
		e->user = user;
		e->session = s;
	}
	if (logoff_after > 0) {
		if (how == BG_SIGNOUT_LOGOFF) {
			e = new_ev(h, t + logoff_after, 4647);
			if (e == NULL)
				return HC_SC_E_NOMEM;
			e->user = user;
			e->session = s;
			e->ltype = ltype;
		}
		e = new_ev(h, t + logoff_after + (how == BG_SIGNOUT_LOGOFF ? 20000 : 0), 4634);
		if (e == NULL)
			return HC_SC_E_NOMEM;
		e->user = user;
		e->session = s;
		e->ltype = ltype;
	}
	return 0;
}

/* Addresses outside the domain that hosts talk to (updates, cloud). */
static const char *const external[] = {"13.107.4.52", "20.190.151.7", "52.109.12.19",
                                       "40.126.31.4"};

/* Background connections of host hi (the Windows Filtering Platform's
 * 5156/5158 and, with Sysmon, Sysmon 3): name resolution and Kerberos/LDAP
 * towards the DC, the cloud, and inbound RPC. Outbound ones go only to the
 * DC and outside the domain, so their source ports cannot be taken for a
 * member's logon; inbound ones never reach a WinRM or web listener. */
static int bg_connections(struct hc_sc *sc, size_t hi, uint64_t start, uint64_t span,
                          json_int_t count, uint64_t seed)
{
	struct host *h = &sc->hosts[hi];
	uint64_t st = h->seed ^ mix64(seed ^ 0xc0111ec7ULL);
	int dc = sc->dc >= 0 && (size_t)sc->dc != hi ? sc->dc : -1;
	int r = 0;

	for (json_int_t k = 0; k < count && r == 0; k++) {
		uint64_t t = start + rnd(&st) % span;
		unsigned dice = (unsigned)(rnd(&st) % 100);
		unsigned sport = (unsigned)(49152 + rnd(&st) % 16384);
		const char *ext = external[rnd(&st) % (sizeof(external) / sizeof(external[0]))];
		int oh = other_host(sc, hi, &st);
		const char *svchost = "C:\\Windows\\System32\\svchost.exe";
		const char *lsass = "C:\\Windows\\System32\\lsass.exe";
		int in = dice >= 88 && oh >= 0 && oh != sc->dc;
		const char *img;
		unsigned dport;
		uint8_t fl = 0;
		int peer = -1;
		const char *to = NULL;

		if (in) {
			/* a member's RPC or SMB to this host */
			dport = dice < 94 ? 135 : 445;
			r = add_conn(h, t, 5156, oh, -1, NULL, sport, dport, CF_INBOUND, -1,
			             dport == 135 ? svchost : NULL, 0);
			continue;
		}
		if (dice < 35 && (dc >= 0 || h->role == ROLE_DC)) {
			img = h->role == ROLE_DC ? "C:\\Windows\\System32\\dns.exe" : svchost;
			dport = 53;
			fl = CF_UDP;
			peer = dc;
			to = dc >= 0 ? NULL : "8.8.8.8";
		} else if (dice < 60 && dc >= 0) {
			img = lsass;
			dport = dice < 48 ? 88 : 389;
			peer = dc;
		} else if (dice < 70 && dc >= 0) {
			img = svchost;
			dport = 135;
			peer = dc;
		} else {
			img = svchost;
			dport = 443;
			to = ext;
		}
		/* a UDP socket is bound before it sends */
		if (fl & CF_UDP && rnd(&st) % 2 == 0)
			r = add_conn(h, t - 10000, 5158, -1, -1, NULL, sport, 0, fl, -1, img, 0);
		if (r == 0)
			r = add_conn(h, t, 5156, -1, peer, to, sport, dport, fl, -1, img, 0);
		if (r == 0 && h->sysmon && !(fl & CF_UDP))
			r = add_conn(h, t + SYSMON_LAG, 3, -1, peer, to, sport, dport, fl, -1, img,
			             0);
	}
	return r;
}

/* "background" of host hi, checked: the activities' time range and users. */
struct bg {
	json_t *users; /* names to draw from, or NULL: every scenario account */
	uint64_t start, span;
	json_int_t count;
	uint64_t seed; /* the scenario's "seed" */
};

static int bg_options(struct hc_sc *sc, struct host *h, const char *where, struct bg *b,
                      struct hc_sc_diag *diag)
{
	static const char *const keys[] = {"seed", "count",       "start",     "end", "users",
	                                   "boot", "connections", "witnesses", NULL};
	json_t *bg = h->bg;
	uint64_t end;

	if (!json_is_object(bg) || check_keys(bg, keys, where, diag)) {
		if (!json_is_object(bg))
			diag_set(diag, "%s: must be an object", where);
		return HC_SC_E_SCENARIO;
	}
	b->count = json_integer_value(json_object_get(bg, "count"));
	if (!json_is_integer(json_object_get(bg, "count")) || b->count < 0 ||
	    b->count > HC_SC_MAX_BACKGROUND || get_str(bg, "start") == NULL ||
	    get_str(bg, "end") == NULL || hc_evtxw_time_parse(get_str(bg, "start"), &b->start) ||
	    hc_evtxw_time_parse(get_str(bg, "end"), &end) || end <= b->start) {
		diag_set(diag, "%s: needs count (0..%d), start and end (RFC 3339, start < end)",
		         where, HC_SC_MAX_BACKGROUND);
		return HC_SC_E_SCENARIO;
	}
	b->users = json_object_get(bg, "users");
	if (b->users != NULL) {
		size_t i;
		json_t *u;
		if (!json_is_array(b->users)) {
			diag_set(diag, "%s: \"users\" must be an array of account names", where);
			return HC_SC_E_SCENARIO;
		}
		json_array_foreach(b->users, i, u)
		{
			if (!json_is_string(u) || find_principal(sc, json_string_value(u)) < 0) {
				diag_set(diag, "%s: users[%zu] is not an account", where, i);
				return HC_SC_E_SCENARIO;
			}
		}
	}
	b->seed = (uint64_t)json_integer_value(json_object_get(bg, "seed"));
	b->span = end - b->start;
	return 0;
}

/* One background activity on a DC: a TGT or service ticket request, a
 * member's machine account logon, a service logon or a user's network logon. */
static int bg_dc_activity(struct hc_sc *sc, size_t hi, uint64_t t, unsigned dice, int svcuser,
                          json_t *users, uint64_t *st)
{
	struct host *h = &sc->hosts[hi];
	int oh = other_host(sc, hi, st);
	int u = pick_user(sc, users, st);
	int machine = oh >= 0 && rnd(st) % 2 == 0;
	int who = machine ? sc->hosts[oh].principal : u;
	struct sc_ev *e;

	if (dice < 30 && who >= 0) {
		e = new_ev(h, t, 4768);
		if (e == NULL)
			return HC_SC_E_NOMEM;
		e->user = who;
		e->from = oh;
	} else if (dice < 55 && who >= 0 && oh >= 0) {
		int svch = other_host(sc, hi, st);
		e = new_ev(h, t, 4769);
		if (e == NULL)
			return HC_SC_E_NOMEM;
		e->user = who;
		e->from = oh;
		e->peer = machine ? (int)hi : svch;
	} else if (dice < 75 && oh >= 0) {
		return bg_logon(sc, h, t, sc->hosts[oh].principal, 3, PKG_KERBEROS, oh,
		                5000000 + rnd(st) % 300000000, BG_LOGOFF);
	} else if (dice < 88) {
		return bg_logon(sc, h, t, svcuser, 5, PKG_DEFAULT, -1, 0, BG_LOGOFF);
	} else {
		return bg_logon(sc, h, t, u, 3, PKG_KERBEROS, oh, 10000000 + rnd(st) % 600000000,
		                BG_LOGOFF);
	}
	return 0;
}

/* One background activity on a member: a service logon, the DC's machine
 * account, DWM/UMFD, a user's network logon, or an interactive (workstation)
 * or RDP (server) session. */
static int bg_member_activity(struct hc_sc *sc, size_t hi, uint64_t t, unsigned dice, int sysu,
                              int svcuser, json_t *users, uint64_t *st)
{
	struct host *h = &sc->hosts[hi];

	if (dice < 25)
		return bg_logon(sc, h, t, svcuser, 5, PKG_DEFAULT, -1, 0, BG_LOGOFF);
	if (dice < 45) {
		if (sc->dc >= 0 && (size_t)sc->dc != hi)
			return bg_logon(sc, h, t, sc->hosts[sc->dc].principal, 3, PKG_KERBEROS,
			                sc->dc, 3000000 + rnd(st) % 50000000, BG_LOGOFF);
		return bg_logon(sc, h, t, sysu, 5, PKG_DEFAULT, -1, 0, BG_LOGOFF);
	}
	if (dice < 60) {
		char nm[32];
		int dwm = rnd(st) % 2 == 0;
		snprintf(nm, sizeof(nm), "%s-%u", dwm ? "DWM" : "UMFD",
		         (unsigned)(rnd(st) % 3) + (dwm ? 1 : 0));
		return bg_logon(sc, h, t, find_principal(sc, nm), 2, PKG_NEGOTIATE, -1,
		                600000000ULL * (1 + rnd(st) % 60), BG_LOGOFF);
	}
	if (dice < 80) {
		int oh = other_host(sc, hi, st);
		/* drawn in this order (the samples depend on it) */
		uint64_t logoff = 10000000 + rnd(st) % 1200000000;
		enum pkg pkg = rnd(st) % 10 < 7 ? PKG_KERBEROS : PKG_NTLM;
		int user = pick_user(sc, users, st);
		return bg_logon(sc, h, t, user, 3, pkg, oh, logoff, BG_LOGOFF);
	}
	{
		uint64_t logoff = 600000000ULL * (10 + rnd(st) % 110);
		int user = pick_user(sc, users, st);
		return bg_logon(sc, h, t, user, h->role == ROLE_SERVER ? 10 : 2, PKG_NEGOTIATE, -1,
		                logoff, BG_SIGNOUT_LOGOFF);
	}
}

static int load_background(struct hc_sc *sc, size_t hi, struct hc_sc_diag *diag)
{
	struct host *h = &sc->hosts[hi];
	struct bg b;
	uint64_t st;
	int r = 0;
	char where[96];

	if (h->bg == NULL)
		return 0;
	snprintf(where, sizeof(where), "host %s, background", h->name);
	if ((r = bg_options(sc, h, where, &b, diag)) != 0)
		return r;
	st = h->seed ^ mix64(b.seed);
	{
		json_t *cn = json_object_get(h->bg, "connections"),
		       *wi = json_object_get(h->bg, "witnesses");
		if ((cn != NULL && (!json_is_integer(cn) || json_integer_value(cn) < 0 ||
		                    json_integer_value(cn) > HC_SC_MAX_BACKGROUND)) ||
		    (wi != NULL && !json_is_boolean(wi))) {
			diag_set(diag,
			         "%s: \"connections\" is a count, \"witnesses\" true or false",
			         where);
			return HC_SC_E_SCENARIO;
		}
		h->witnesses = json_is_true(wi);
		if (cn != NULL && (r = bg_connections(sc, hi, b.start, b.span,
		                                      json_integer_value(cn), b.seed)) != 0) {
			diag_set(diag, "out of memory");
			return r;
		}
	}
	if (json_is_true(json_object_get(h->bg, "boot"))) {
		struct sc_ev *e = new_ev(h, b.start, 4608);
		if (e == NULL)
			return HC_SC_E_NOMEM;
		r = bg_logon(sc, h, b.start + 1000, find_principal(sc, "SYSTEM"), 0, PKG_DEFAULT,
		             -1, 0, BG_LOGOFF);
		if (r)
			return r;
	}
	for (json_int_t k = 0; k < b.count && r == 0; k++) {
		uint64_t t = b.start + rnd(&st) % b.span;
		unsigned dice = (unsigned)(rnd(&st) % 100);
		int sysu = find_principal(sc, "SYSTEM");
		int svc = (int)(rnd(&st) % 10);
		int svcuser =
		    svc < 6 ? sysu
		            : find_principal(sc, svc < 8 ? "NETWORK SERVICE" : "LOCAL SERVICE");

		if (h->role == ROLE_DC)
			r = bg_dc_activity(sc, hi, t, dice, svcuser, b.users, &st);
		else
			r = bg_member_activity(sc, hi, t, dice, sysu, svcuser, b.users, &st);
	}
	if (r == HC_SC_E_NOMEM)
		diag_set(diag, "out of memory");
	return r;
}

/* ---- expansion: defaults, shorthands, fields ---- */

static const char *xdup(struct xbuf *x, const char *s, size_t n)
{
	if (n + 1 > ARENA_SIZE - x->used) {
		x->overflow = 1;
		return "";
	}
	char *p = x->arena + x->used;
	memcpy(p, s, n);
	p[n] = '\0';
	x->used += n + 1;
	return p;
}

static void xset_n(struct xbuf *x, const char *field, const char *s, size_t n)
{
	int i = hc_tpl_field_index(x->t, field);
	if (i < 0)
		return; /* not in this template version */
	x->txt[i] = s;
	x->len[i] = n;
	x->isnull[i] = 0;
}

static void xset(struct xbuf *x, const char *field, const char *s)
{
	xset_n(x, field, s, strlen(s));
}

static void xsetf(struct xbuf *x, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void xsetf(struct xbuf *x, const char *field, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	if (hc_tpl_field_index(x->t, field) < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	xset_n(x, field, xdup(x, tmp, (size_t)n), (size_t)n);
}

/* Whether expanding an event may hand out logon ids. The check of every
 * explicit event at load time must not: ids are handed out per host in time
 * order, when the host is written. */
enum luid_mode { LUID_ASSIGN, LUID_PEEK };

static uint64_t session_luid(struct host *h, int s, enum luid_mode mode)
{
	struct session *ss;

	if (s < 0)
		return 0;
	ss = &h->ss[s];
	if (!ss->fixed && ss->luid == 0 && mode == LUID_ASSIGN) {
		h->luid += 0x40 + (mix64(h->seed ^ h->luid) % 0x3000);
		ss->luid = h->luid;
	}
	return ss->luid;
}

static void guid_text(uint64_t a, char *buf, size_t size)
{
	uint64_t b = mix64(a ^ 0x5bd1e995ULL);
	snprintf(buf, size, "{%08X-%04X-%04X-%04X-%012" PRIX64 "}", (unsigned)(a >> 32),
	         (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xffff, (unsigned)(b >> 48),
	         (uint64_t)(b & 0xffffffffffffULL));
}

#define ZERO_GUID "{00000000-0000-0000-0000-000000000000}"
#define PRIV_SYSTEM                                                                                \
	"SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege\r\n"   \
	"\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\t"                  \
	"SeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\t"        \
	"SeAuditPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\t"                         \
	"SeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege"
#define PRIV_SERVICE                                                                               \
	"SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeAuditPrivilege\r\n\t\t\tSeImpersonatePrivilege"
#define PRIV_ADMIN                                                                                 \
	"SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\t"     \
	"SeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\t"                             \
	"SeSystemEnvironmentPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\t"                    \
	"SeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege"

/* Name and domain of a principal as the event shows it. */
static const char *pname(struct hc_sc *sc, const struct sc_ev *e, const struct session *s)
{
	const char *o = e->src ? get_str(e->src, "name") : NULL;
	if (o != NULL)
		return o;
	if (s != NULL && s->name != NULL)
		return s->name;
	return e->user >= 0 ? sc->pr[e->user].name : "-";
}

static const char *pdomain(struct hc_sc *sc, const struct sc_ev *e, const struct session *s)
{
	const char *o = e->src ? get_str(e->src, "domain") : NULL;
	if (o != NULL)
		return o;
	if (s != NULL && s->domain != NULL)
		return s->domain;
	return e->user >= 0 ? sc->pr[e->user].domain : "-";
}

static const char *psid(struct hc_sc *sc, const struct sc_ev *e)
{
	return e->user >= 0 ? sc->pr[e->user].sid : "S-1-0-0";
}

/* Source address text for e ("from" host or IP literal), or NULL. */
static const char *from_ip(struct hc_sc *sc, const struct sc_ev *e)
{
	if (e->from >= 0)
		return sc->hosts[e->from].ip;
	if (e->src != NULL)
		return get_str(e->src, "from");
	return NULL;
}

static const char *from_ws(struct hc_sc *sc, const struct sc_ev *e)
{
	return e->from >= 0 ? sc->hosts[e->from].netbios : "-";
}

/* ---- witnesses: connections, processes, NTLM calls ---- */

/* What a few images say about themselves in Sysmon 1 (FileVersion,
 * Description, OriginalFileName); others get the generic Windows text. */
struct image_info {
	const char *base, *description, *original;
};

static const struct image_info images[] = {
    {"powershell.exe", "Windows PowerShell", "PowerShell.EXE"},
    {"wsmprovhost.exe", "Host process for WinRM plug-ins", "wsmprovhost.exe"},
    {"wmiprvse.exe", "WMI Provider Host", "Wmiprvse.exe"},
    {"svchost.exe", "Host Process for Windows Services", "svchost.exe"},
    {"lsass.exe", "Local Security Authority Process", "lsass.exe"},
    {"cmd.exe", "Windows Command Processor", "Cmd.Exe"},
    {"net.exe", "Net Command", "net.exe"},
    {"sc.exe", "Service Control Manager Configuration Tool", "sc.exe"},
    {"mstsc.exe", "Remote Desktop Connection", "mstsc.exe"},
    {"explorer.exe", "Windows Explorer", "EXPLORER.EXE"},
    {"dns.exe", "Domain Name System (DNS) Server", "dns.exe"},
};

static const char *base_name(const char *path)
{
	const char *b = path;

	for (const char *p = path; *p; p++)
		if (*p == '\\' || *p == '/')
			b = p + 1;
	return b;
}

/* Sysmon's DestinationPortName / SourcePortName for well-known ports. */
static const char *port_name(unsigned port)
{
	switch (port) {
	case 53:
		return "domain";
	case 80:
		return "http";
	case 88:
		return "kerberos";
	case 135:
		return "epmap";
	case 139:
		return "netbios-ssn";
	case 389:
		return "ldap";
	case 443:
		return "https";
	case 445:
		return "microsoft-ds";
	case 3389:
		return "ms-wbt-server";
	case 5985:
		return "wsman";
	case 5986:
		return "wsmans";
	default:
		return "-";
	}
}

/* The process a listener port belongs to on the target (inbound 5156). */
static const char *listener_image(unsigned port)
{
	switch (port) {
	case 88:
	case 389:
	case 464:
	case 636:
		return "C:\\Windows\\System32\\lsass.exe";
	case 53:
		return "C:\\Windows\\System32\\dns.exe";
	case 135:
	case 3389:
		return "C:\\Windows\\System32\\svchost.exe";
	default:
		return NULL; /* System: SMB, HTTP.sys (WinRM, IIS) */
	}
}

/* Windows Filtering Platform names applications by device path. */
static void wfp_app(struct xbuf *x, const char *field, const char *image)
{
	char buf[600];
	size_t n = 0;

	if (image == NULL) {
		xset(x, field, "System");
		return;
	}
	if ((image[0] == 'C' || image[0] == 'c') && image[1] == ':' && image[2] == '\\') {
		n = (size_t)snprintf(buf, sizeof(buf), "\\device\\harddiskvolume2\\");
		image += 3;
	}
	for (; *image && n + 1 < sizeof(buf); image++)
		buf[n++] = (char)tolower((unsigned char)*image);
	buf[n] = '\0';
	xset_n(x, field, xdup(x, buf, n), n);
}

/* A process identity: the label's, or an image and id (System when none). */
struct pid_of {
	const char *image;
	uint32_t pid;
	uint64_t created; /* FILETIME on the host's clock */
	uint32_t seq;
	int32_t session;
};

static struct pid_of process_of(const struct host *h, const struct sc_ev *e, int32_t proc,
                                const char *image, uint32_t pid)
{
	struct pid_of p = {NULL, 4, 0, 1, -1};
	uint64_t day =
	    (e->t + (uint64_t)h->clock) / (86400 * TICKS_PER_SEC) * (86400 * TICKS_PER_SEC);

	if (proc >= 0) {
		const struct proc *P = &h->pr[proc];
		p.image = P->image;
		p.pid = P->pid;
		p.created = P->t + (uint64_t)h->clock;
		p.seq = P->seq;
		p.session = P->session;
		return p;
	}
	p.created = day; /* system processes start at boot */
	if (image != NULL && strcmp(image, "System") != 0) {
		uint64_t k = mix64(h->seed ^ str_hash(base_name(image)));
		p.image = image;
		p.pid = pid ? pid : (uint32_t)(0x200 + 4 * (k % 0x300));
		p.seq = (uint32_t)(0x10 + k % 0xe0);
		if (strcasecmp(base_name(image), "lsass.exe") == 0 && !pid)
			p.pid = h->lsass;
	}
	return p;
}

static uint64_t unix_secs(uint64_t ft)
{
	return ft > FILETIME_UNIX_EPOCH ? (ft - FILETIME_UNIX_EPOCH) / TICKS_PER_SEC : 0;
}

/* Sysmon's GUIDs: the machine, a time (seconds since 1970) and a tail. */
static void sysmon_guid(const struct host *h, uint64_t ft, const uint8_t tail[8], char *buf,
                        size_t size)
{
	uint64_t u = unix_secs(ft);

	snprintf(buf, size, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
	         (unsigned)(h->seed >> 32), (unsigned)(u & 0xffff), (unsigned)(u >> 16 & 0xffff),
	         tail[0], tail[1], tail[2], tail[3], tail[4], tail[5], tail[6], tail[7]);
}

static void process_guid(const struct host *h, const struct pid_of *p, char *buf, size_t size)
{
	uint8_t tail[8] = {(uint8_t)p->seq, (uint8_t)(p->seq >> 8), 0, 0, 0, 0, 4, 0};
	sysmon_guid(h, p->created, tail, buf, size);
}

/* Sysmon's UtcTime: "2026-03-02 10:00:00.123" of the host's clock. */
static void sysmon_time(uint64_t ft, char *buf, size_t size)
{
	char t[40];

	hc_evtxw_time_format(ft, t, sizeof(t));
	t[10] = ' ';
	snprintf(buf, size, "%.23s", t);
}

/* "DOMAIN\\user" of a session, as Sysmon writes it (SYSTEM without one). */
static const char *sysmon_user(struct hc_sc *sc, const struct host *h, int32_t s, struct xbuf *x)
{
	char buf[300];
	const struct session *ss = s >= 0 ? &h->ss[s] : NULL;
	const struct principal *p = ss ? &sc->pr[ss->user] : NULL;
	int n;

	if (p == NULL)
		return "NT AUTHORITY\\SYSTEM";
	n = snprintf(buf, sizeof(buf), "%s\\%s", ss->domain ? ss->domain : p->domain,
	             ss->name ? ss->name : p->name);
	return xdup(x, buf, (size_t)(n < 0 ? 0 : n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1));
}

static int is_v6(const char *ip)
{
	return ip != NULL && strchr(ip, ':') != NULL;
}

/* The two ends of a connection record. */
static void conn_ends(struct hc_sc *sc, const struct host *h, const struct sc_ev *e,
                      const char **src, const char **dst)
{
	int in = e->cflags & CF_INBOUND;

	*src = e->from >= 0 ? sc->hosts[e->from].ip : e->from_lit ? e->from_lit : in ? "-" : h->ip;
	*dst = e->peer >= 0 ? sc->hosts[e->peer].ip : e->to_lit ? e->to_lit : in ? h->ip : "-";
}

/* What a filler works on: the event, its host, the expansion scratch, the
 * event's stable hash (ports, GUIDs and process ids are drawn from it) and
 * whether logon ids may be handed out. */
struct fill {
	struct hc_sc *sc;
	struct host *h;
	struct sc_ev *e;
	struct xbuf *x;
	uint64_t hv;
	enum luid_mode luid;
};

static uint64_t fill_luid(const struct fill *f, int s)
{
	return session_luid(f->h, s, f->luid);
}

/* Subject of session s (a copy of its user's name unless the logon renamed
 * it), or the machine account (SYSTEM, 0x3e7) when s < 0. */
static void subject_session(const struct fill *f, int s)
{
	const struct hc_sc *sc = f->sc;
	struct xbuf *x = f->x;

	if (s >= 0) {
		const struct session *ss = &f->h->ss[s];
		xset(x, "SubjectUserSid", sc->pr[ss->user].sid);
		xset(x, "SubjectUserName", ss->name ? ss->name : sc->pr[ss->user].name);
		xset(x, "SubjectDomainName", ss->domain ? ss->domain : sc->pr[ss->user].domain);
		xsetf(x, "SubjectLogonId", "0x%" PRIx64, fill_luid(f, s));
	} else {
		xset(x, "SubjectUserSid", "S-1-5-18");
		xset(x, "SubjectUserName", sc->pr[f->h->principal].name);
		xset(x, "SubjectDomainName", sc->nb);
		xset(x, "SubjectLogonId", "0x3e7");
	}
}

/* ---- 4624, 4625: logons ---- */

static void logon_subject(const struct fill *f, int network)
{
	struct xbuf *x = f->x;

	if (f->e->ltype == 0 || network) {
		xset(x, "SubjectUserSid", "S-1-0-0");
		xset(x, "SubjectUserName", "-");
		xset(x, "SubjectDomainName", "-");
		xset(x, "SubjectLogonId", "0x0");
	} else {
		subject_session(f, f->e->subject);
	}
}

/* Network logons (3, 8): the package decides the process and the NTLM fields. */
static void logon_network(const struct fill *f, const struct principal *p, enum pkg pkg)
{
	struct xbuf *x = f->x;
	const char *ip = from_ip(f->sc, f->e);
	char guid[40];

	guid_text(f->hv, guid, sizeof(guid));
	xset(x, "IpAddress", ip ? ip : "-");
	xsetf(x, "IpPort", "%u", ip ? (unsigned)(49152 + f->hv % 16000) : 0);
	if (!ip)
		xset(x, "IpPort", "-");
	if (pkg == PKG_NTLM) {
		xset(x, "LogonProcessName", "NtLmSsp ");
		xset(x, "AuthenticationPackageName", "NTLM");
		xset(x, "WorkstationName", from_ws(f->sc, f->e));
		if (p != NULL && p->kind == P_ANON) {
			xset(x, "LmPackageName", "NTLM V1");
		} else {
			xset(x, "LmPackageName", "NTLM V2");
			xset(x, "KeyLength", "128");
		}
	} else if (f->e->ltype == 8) {
		/* CredSSP / WinRM NetworkCleartext, as reported in DOMAIN.md 6.2. */
		xset(x, "LogonProcessName", "WSMAN");
		xset(x, "AuthenticationPackageName", "Negotiate");
		xset(x, "LogonGuid", xdup(x, guid, strlen(guid)));
		xsetf(x, "ProcessId", "0x%x", 0x400 + (unsigned)(f->hv >> 20) % 0x800 * 4);
		xset(x, "ProcessName", "C:\\Windows\\System32\\svchost.exe");
	} else {
		xset(x, "LogonProcessName", "Kerberos");
		xset(x, "AuthenticationPackageName",
		     pkg == PKG_NEGOTIATE ? "Negotiate" : "Kerberos");
		xset(x, "LogonGuid", xdup(x, guid, strlen(guid)));
	}
}

/* Service logons (5) by services.exe, DWM/UMFD by winlogon.exe. */
static void logon_service(const struct fill *f)
{
	struct xbuf *x = f->x;

	xset(x, "LogonProcessName", "Advapi  ");
	xset(x, "AuthenticationPackageName", "Negotiate");
	if (f->e->ltype == 5) {
		xsetf(x, "ProcessId", "0x%x", f->h->lsass - 0x10);
		xset(x, "ProcessName", "C:\\Windows\\System32\\services.exe");
	} else {
		xsetf(x, "ProcessId", "0x%x", f->h->lsass - 0x48);
		xset(x, "ProcessName", "C:\\Windows\\System32\\winlogon.exe");
	}
}

/* Interactive / RDP / unlock: Winlogon through Negotiate (Kerberos). */
static void logon_interactive(const struct fill *f, const struct principal *p, enum pkg pkg)
{
	struct xbuf *x = f->x;
	const char *ip = from_ip(f->sc, f->e);
	char guid[40];

	guid_text(f->hv, guid, sizeof(guid));
	xset(x, "LogonProcessName", "User32 ");
	xset(x, "AuthenticationPackageName", pkg == PKG_NTLM ? "NTLM" : "Negotiate");
	xset(x, "WorkstationName", f->h->netbios);
	if (pkg != PKG_NTLM && p != NULL && (p->kind == P_USER || p->kind == P_MACHINE))
		xset(x, "LogonGuid", xdup(x, guid, strlen(guid)));
	xsetf(x, "ProcessId", "0x%x", 0x300 + (unsigned)(f->hv >> 24) % 0x400 * 4);
	xset(x, "ProcessName", "C:\\Windows\\System32\\svchost.exe");
	if (f->e->ltype == 10) {
		xset(x, "IpAddress", ip ? ip : "-");
		xsetf(x, "IpPort", "0");
	} else {
		xset(x, "IpAddress", "127.0.0.1");
		xset(x, "IpPort", "0");
	}
}

/* The fields after the process: token, RDP flags and 4625's failure. */
static void logon_token(const struct fill *f, const struct principal *p)
{
	struct xbuf *x = f->x;
	uint8_t lt = f->e->ltype;
	int virt = p != NULL && (p->kind == P_DWM || p->kind == P_UMFD);

	xset(x, "ImpersonationLevel", "%%1833");
	xset(x, "RestrictedAdminMode", lt == 10 ? "%%1843" : "-");
	xset(x, "RemoteCredentialGuard", lt == 10 ? "%%1843" : "-");
	xset(x, "TargetOutboundUserName", "-");
	xset(x, "TargetOutboundDomainName", "-");
	xset(x, "VirtualAccount", virt ? "%%1842" : "%%1843");
	xset(x, "TargetLinkedLogonId", "0x0");
	xset(x, "ElevatedToken", p != NULL && principal_privileged(p) ? "%%1842" : "%%1843");
	xset(x, "Status", "0xc000006d");
	xset(x, "FailureReason", "%%2313");
	xset(x, "SubStatus", "0xc000006a");
	if (f->e->eid == 4625) {
		xset(x, "TargetUserSid", "S-1-0-0");
		xset(x, "LmPackageName", "-");
		xset(x, "KeyLength", "0");
	}
}

static void fill_logon(const struct fill *f)
{
	struct hc_sc *sc = f->sc;
	struct sc_ev *e = f->e;
	struct xbuf *x = f->x;
	const struct principal *p = e->user >= 0 ? &sc->pr[e->user] : NULL;
	const struct session *s = e->session >= 0 ? &f->h->ss[e->session] : NULL;
	uint8_t lt = e->ltype;
	int network = lt == 3 || lt == 8;
	enum pkg pkg = e->pkg;

	logon_subject(f, network);
	xset(x, "TargetUserSid", psid(sc, e));
	xset(x, "TargetUserName", pname(sc, e, s));
	xset(x, "TargetDomainName", pdomain(sc, e, s));
	if (e->eid == 4624)
		xsetf(x, "TargetLogonId", "0x%" PRIx64, fill_luid(f, e->session));
	xsetf(x, "LogonType", "%u", lt);

	if (pkg == PKG_DEFAULT)
		pkg = (p != NULL && p->kind == P_ANON) ? PKG_NTLM
		      : network                        ? PKG_KERBEROS
		                                       : PKG_NEGOTIATE;
	xset(x, "TransmittedServices", "-");
	xset(x, "LmPackageName", "-");
	xset(x, "KeyLength", "0");
	xset(x, "LogonGuid", ZERO_GUID);
	xset(x, "ProcessId", "0x0");
	xset(x, "ProcessName", "-");
	xset(x, "IpAddress", "-");
	xset(x, "IpPort", "-");
	xset(x, "WorkstationName", "-");
	if (network) {
		logon_network(f, p, pkg);
	} else if (lt == 0) {
		xset(x, "LogonProcessName", "-");
		xset(x, "AuthenticationPackageName", "-");
		xset(x, "ProcessId", "0x4");
	} else if (lt == 5 || (p != NULL && (p->kind == P_DWM || p->kind == P_UMFD))) {
		logon_service(f);
	} else {
		logon_interactive(f, p, pkg);
	}
	if (lt == 9 && e->subject >= 0) {
		/* runas /netonly: seclogon */
		xset(x, "LogonProcessName", "seclogo");
		xset(x, "AuthenticationPackageName", "Negotiate");
		xset(x, "IpAddress", "::1");
		xset(x, "IpPort", "0");
	}
	logon_token(f, p);
}

/* ---- sessions: 4634, 4647, 4672, 4648, 4778/4779 ---- */

static void fill_logoff(const struct fill *f)
{
	const struct session *s = f->e->session >= 0 ? &f->h->ss[f->e->session] : NULL;

	xset(f->x, "TargetUserSid", psid(f->sc, f->e));
	xset(f->x, "TargetUserName", pname(f->sc, f->e, s));
	xset(f->x, "TargetDomainName", pdomain(f->sc, f->e, s));
	xsetf(f->x, "TargetLogonId", "0x%" PRIx64, fill_luid(f, f->e->session));
	xsetf(f->x, "LogonType", "%u", f->e->ltype);
}

static void fill_special_privileges(const struct fill *f)
{
	const struct sc_ev *e = f->e;
	const struct session *s = e->session >= 0 ? &f->h->ss[e->session] : NULL;
	const struct principal *p = e->user >= 0 ? &f->sc->pr[e->user] : NULL;

	xset(f->x, "SubjectUserSid", psid(f->sc, e));
	xset(f->x, "SubjectUserName", pname(f->sc, e, s));
	xset(f->x, "SubjectDomainName", pdomain(f->sc, e, s));
	xsetf(f->x, "SubjectLogonId", "0x%" PRIx64, fill_luid(f, e->session));
	xset(f->x, "PrivilegeList",
	     p == NULL || p->kind == P_SYSTEM               ? PRIV_SYSTEM
	     : p->kind == P_LOCALSVC || p->kind == P_NETSVC ? PRIV_SERVICE
	                                                    : PRIV_ADMIN);
}

static void fill_explicit_credentials(const struct fill *f)
{
	struct hc_sc *sc = f->sc;
	struct sc_ev *e = f->e;
	struct xbuf *x = f->x;
	int subj = e->subject >= 0 ? e->subject : e->session;

	subject_session(f, subj);
	if (subj >= 0 && e->user < 0)
		e->user = f->h->ss[subj].user; /* the target defaults to the subject */
	xset(x, "LogonGuid", ZERO_GUID);
	xset(x, "TargetUserName", e->user >= 0 ? pname(sc, e, NULL) : "-");
	xset(x, "TargetDomainName", e->user >= 0 ? pdomain(sc, e, NULL) : "-");
	xset(x, "TargetLogonGuid", ZERO_GUID);
	xset(x, "TargetServerName", e->peer >= 0 ? sc->hosts[e->peer].name : "localhost");
	if (e->peer >= 0)
		xsetf(x, "TargetInfo", "host/%s", sc->hosts[e->peer].fqdn);
	else
		xset(x, "TargetInfo", "localhost");
	xsetf(x, "ProcessId", "0x%x", 0x1000 + (unsigned)(f->hv >> 16) % 0x2000 * 4);
	xset(x, "ProcessName", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
	xset(x, "IpAddress", "-");
	xset(x, "IpPort", "-");
}

static void fill_rdp_session(const struct fill *f)
{
	const struct session *s = f->e->session >= 0 ? &f->h->ss[f->e->session] : NULL;
	const char *ip = from_ip(f->sc, f->e);

	xset(f->x, "AccountName", pname(f->sc, f->e, s));
	xset(f->x, "AccountDomain", pdomain(f->sc, f->e, s));
	xsetf(f->x, "LogonID", "0x%" PRIx64, fill_luid(f, f->e->session));
	xset(f->x, "SessionName", "RDP-Tcp#0");
	xset(f->x, "ClientName", from_ws(f->sc, f->e));
	xset(f->x, "ClientAddress", ip ? ip : "LOCAL");
}

/* ---- domain controller: 4768, 4769, 4771, 4776 ---- */

/* The account, client address and the constant fields of a Kerberos event. */
static void kerberos_common(const struct fill *f)
{
	struct hc_sc *sc = f->sc;
	struct xbuf *x = f->x;
	const struct principal *p = f->e->user >= 0 ? &sc->pr[f->e->user] : NULL;
	const char *ip = from_ip(sc, f->e);

	if (f->e->eid == 4769)
		xsetf(x, "TargetUserName", "%s@%s", pname(sc, f->e, NULL), sc->realm);
	else
		xset(x, "TargetUserName", pname(sc, f->e, NULL));
	xset(x, "TargetDomainName", sc->realm);
	xset(x, "TargetSid", p ? p->sid : "S-1-0-0");
	xset(x, "TicketEncryptionType", "0x12");
	if (ip != NULL && strcmp(ip, "-") != 0 && strchr(ip, ':') == NULL)
		xsetf(x, "IpAddress", "::ffff:%s", ip);
	else
		xset(x, "IpAddress", ip ? ip : "::1");
	xsetf(x, "IpPort", "%u", (unsigned)(49152 + f->hv % 16000));
	xset(x, "CertIssuerName", "");
	xset(x, "CertSerialNumber", "");
	xset(x, "CertThumbprint", "");
	xset(x, "TransmittedServices", "-");
	xset(x, "ResponseTicket", "n/a");
	xset(x, "RequestTicketHash", "n/a");
	xset(x, "ResponseTicketHash", "n/a");
	xset(x, "AccountSupportedEncryptionTypes", "0x27 (DES, RC4, AES-Sha1)");
	xset(x, "AccountAvailableKeys", "AES-SHA1, RC4");
	xset(x, "ServiceSupportedEncryptionTypes", "0x1C (RC4, AES128-SHA96, AES256-SHA96)");
	xset(x, "ServiceAvailableKeys", "AES-SHA1, RC4");
	xset(x, "DCSupportedEncryptionTypes", "0x1C (RC4, AES128-SHA96, AES256-SHA96)");
	xset(x, "DCAvailableKeys", "AES-SHA1, RC4");
	xset(x, "ClientAdvertizedEncryptionTypes",
	     "\r\n\t\tAES256-CTS-HMAC-SHA1-96\r\n\t\tAES128-CTS-HMAC-SHA1-96\r\n\t\tRC4-"
	     "HMAC-NT");
	xset(x, "SessionKeyEncryptionType", "0x12");
	xset(x, "PreAuthEncryptionType", "0x12");
}

static void fill_tgt_request(const struct fill *f)
{
	kerberos_common(f);
	xset(f->x, "ServiceName", "krbtgt");
	xsetf(f->x, "ServiceSid", "%s-502", f->sc->dsid);
	xset(f->x, "TicketOptions", "0x40810010");
	xset(f->x, "PreAuthType", "2");
	xset(f->x, "Status", "0x0");
}

/* 4769: "service" names a host (its machine account), an account or a
 * literal service name. */
static void fill_service_ticket(const struct fill *f)
{
	struct hc_sc *sc = f->sc;
	struct xbuf *x = f->x;
	const char *svc = f->e->src ? get_str(f->e->src, "service") : NULL;
	char guid[40];

	kerberos_common(f);
	if (f->e->peer >= 0) {
		xset(x, "ServiceName", sc->pr[sc->hosts[f->e->peer].principal].name);
		xset(x, "ServiceSid", sc->hosts[f->e->peer].msid);
	} else if (svc != NULL && find_principal(sc, svc) >= 0) {
		xset(x, "ServiceName", sc->pr[find_principal(sc, svc)].name);
		xset(x, "ServiceSid", sc->pr[find_principal(sc, svc)].sid);
	} else {
		xset(x, "ServiceName", svc ? svc : "krbtgt");
		xsetf(x, "ServiceSid", "%s-502", sc->dsid);
	}
	xset(x, "TicketOptions", "0x40810000");
	guid_text(f->hv, guid, sizeof(guid));
	xset(x, "LogonGuid", xdup(x, guid, strlen(guid)));
	xset(x, "Status", "0x0");
}

static void fill_preauth_failed(const struct fill *f)
{
	kerberos_common(f);
	xsetf(f->x, "ServiceName", "krbtgt/%s", f->sc->realm);
	xset(f->x, "TicketOptions", "0x40810010");
	xset(f->x, "PreAuthType", "0");
	xset(f->x, "Status", "0x18");
}

static void fill_ntlm_validation(const struct fill *f)
{
	xset(f->x, "PackageName", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0");
	xset(f->x, "TargetUserName", pname(f->sc, f->e, NULL));
	xset(f->x, "Workstation", from_ws(f->sc, f->e));
	xset(f->x, "Status", "0x0");
}

/* ---- witnesses: 5156, 5158, Sysmon 3, 8001, 4688, Sysmon 1 ---- */

/* A connection record's process, ends and ports. */
struct conn {
	struct pid_of p;
	const char *src, *dst;
	unsigned sport, dport;
	int in;
};

static struct conn conn_of(const struct fill *f)
{
	const struct sc_ev *e = f->e;
	struct conn c;

	c.p = process_of(f->h, e, e->proc, e->image, e->pid);
	c.sport = e->sport ? e->sport : (unsigned)(49152 + f->hv % 16000);
	c.dport = e->dport ? e->dport : 445;
	c.in = e->cflags & CF_INBOUND;
	if (c.in && e->proc < 0 && e->image == NULL)
		c.p = process_of(f->h, e, -1, listener_image(c.dport), 0);
	conn_ends(f->sc, f->h, e, &c.src, &c.dst);
	if (e->eid == 5158 && e->from < 0 && e->from_lit == NULL)
		c.src = "0.0.0.0";
	return c;
}

/* 5156 (connection permitted), 5158 (bind permitted): the Windows
 * Filtering Platform. */
static void fill_wfp(const struct fill *f)
{
	struct xbuf *x = f->x;
	struct conn c = conn_of(f);
	int bind = f->e->eid == 5158;

	xsetf(x, "ProcessID", "%u", c.p.pid);
	xsetf(x, "ProcessId", "%u", c.p.pid);
	wfp_app(x, "Application", c.p.image);
	xset(x, "Direction", c.in ? "%%14592" : "%%14593");
	xset(x, "SourceAddress", c.src);
	xsetf(x, "SourcePort", "%u", c.sport);
	xset(x, "DestAddress", c.dst);
	xsetf(x, "DestPort", "%u", c.dport);
	xsetf(x, "Protocol", "%u", f->e->cflags & CF_UDP ? 17u : 6u);
	xsetf(x, "FilterRTID", "%u", bind ? 0u : (unsigned)(65000 + f->hv % 9000));
	if (bind) {
		xset(x, "LayerName", "%%14608");
		xset(x, "LayerRTID", is_v6(c.src) ? "38" : "36");
	} else {
		xset(x, "LayerName", c.in ? "%%14610" : "%%14611");
		xset(x, "LayerRTID",
		     c.in ? (is_v6(c.dst) ? "46" : "44") : (is_v6(c.src) ? "50" : "48"));
	}
	xset(x, "RemoteUserID", "S-1-0-0");
	xset(x, "RemoteMachineID", "S-1-0-0");
}

/* Sysmon 3: TCP inbound records name the remote end as source. */
static void fill_sysmon_network(const struct fill *f)
{
	struct xbuf *x = f->x;
	struct conn c = conn_of(f);
	char buf[200];

	sysmon_time(f->e->t + (uint64_t)f->h->clock - SYSMON_LAG, buf, sizeof(buf));
	xset(x, "RuleName", "-");
	xset(x, "UtcTime", xdup(x, buf, strlen(buf)));
	process_guid(f->h, &c.p, buf, sizeof(buf));
	xset(x, "ProcessGuid", xdup(x, buf, strlen(buf)));
	xsetf(x, "ProcessId", "%u", c.p.pid);
	xset(x, "Image", c.p.image ? c.p.image : "System");
	xset(x, "User", sysmon_user(f->sc, f->h, c.p.session, x));
	xset(x, "Protocol", f->e->cflags & CF_UDP ? "udp" : "tcp");
	xset(x, "Initiated", c.in ? "false" : "true");
	xset(x, "SourceIsIpv6", is_v6(c.src) ? "true" : "false");
	xset(x, "SourceIp", c.src);
	xset(x, "SourceHostname", "-");
	xsetf(x, "SourcePort", "%u", c.sport);
	xset(x, "SourcePortName", "-");
	xset(x, "DestinationIsIpv6", is_v6(c.dst) ? "true" : "false");
	xset(x, "DestinationIp", c.dst);
	xset(x, "DestinationHostname", "-");
	xsetf(x, "DestinationPort", "%u", c.dport);
	xset(x, "DestinationPortName", port_name(c.dport));
}

/* 8001: an outgoing NTLM authentication of a session (SYSTEM without one). */
static void fill_ntlm_call(const struct fill *f)
{
	struct hc_sc *sc = f->sc;
	const struct sc_ev *e = f->e;
	struct xbuf *x = f->x;
	struct pid_of p = process_of(f->h, e, e->proc, e->image, e->pid);
	const struct session *ss = e->session >= 0 ? &f->h->ss[e->session] : NULL;
	const struct principal *u = ss ? &sc->pr[ss->user] : NULL;

	if (e->peer >= 0)
		xsetf(x, "TargetName", "cifs/%s", sc->hosts[e->peer].fqdn);
	else
		xset(x, "TargetName", "-");
	xset(x, "UserName", e->user >= 0 ? pname(sc, e, ss) : "-");
	xset(x, "DomainName", e->user >= 0 ? pdomain(sc, e, ss) : "-");
	xsetf(x, "CallerPID", "%u", p.pid);
	xset(x, "ProcessName", p.image ? p.image : "System");
	xsetf(x, "ClientLUID", "0x%" PRIx64, ss ? fill_luid(f, e->session) : 0x3e7);
	xset(x, "ClientUserName",
	     ss ? (ss->name ? ss->name : u->name) : sc->pr[f->h->principal].name);
	xset(x, "ClientDomainName", ss ? (ss->domain ? ss->domain : u->domain) : sc->nb);
	xset(x, "MechanismOID", "1.3.6.1.4.1.311.2.2.10");
}

/* A process creation record's process, parent and session. */
struct creation {
	struct pid_of p, par;
	const struct proc *P;
	int32_t s; /* the session it runs in, or -1 (SYSTEM) */
	const struct session *ss;
	const struct principal *u;
	const char *img, *base, *cmd;
	int sys; /* runs as SYSTEM or a service account */
};

static struct creation creation_of(const struct fill *f)
{
	const struct sc_ev *e = f->e;
	struct creation c;
	char buf[200];

	c.p = process_of(f->h, e, e->proc, e->image, e->pid);
	c.P = e->proc >= 0 ? &f->h->pr[e->proc] : NULL;
	c.par =
	    process_of(f->h, e, c.P ? c.P->parent : -1, "C:\\Windows\\System32\\svchost.exe", 0);
	c.s = c.P ? c.P->session : e->session;
	c.ss = c.s >= 0 ? &f->h->ss[c.s] : NULL;
	c.u = c.ss ? &f->sc->pr[c.ss->user] : NULL;
	c.img = c.p.image ? c.p.image : "System";
	c.base = base_name(c.img);
	c.sys = c.u == NULL || c.u->kind == P_SYSTEM || c.u->kind == P_LOCALSVC ||
	        c.u->kind == P_NETSVC;
	c.cmd = c.P && c.P->cmdline ? c.P->cmdline : NULL;
	if (c.cmd == NULL) {
		snprintf(buf, sizeof(buf), "\"%.180s\"", c.img);
		c.cmd = xdup(f->x, buf, strlen(buf));
	}
	return c;
}

/* 4688 v2: the creator is the Subject; a process started into another
 * session (wsmprovhost for a WinRM logon) names that session as Target. */
static void fill_process_4688(const struct fill *f)
{
	struct xbuf *x = f->x;
	struct creation c = creation_of(f);
	int32_t cs = f->e->subject >= 0 ? f->e->subject : c.s;

	subject_session(f, cs);
	if (cs != c.s && c.ss != NULL) {
		xset(x, "TargetUserSid", c.u->sid);
		xset(x, "TargetUserName", c.ss->name ? c.ss->name : c.u->name);
		xset(x, "TargetDomainName", c.ss->domain ? c.ss->domain : c.u->domain);
		xsetf(x, "TargetLogonId", "0x%" PRIx64, fill_luid(f, c.s));
	} else {
		xset(x, "TargetUserSid", "S-1-0-0");
		xset(x, "TargetUserName", "-");
		xset(x, "TargetDomainName", "-");
		xset(x, "TargetLogonId", "0x0");
	}
	xsetf(x, "NewProcessId", "0x%x", c.p.pid);
	xset(x, "NewProcessName", c.img);
	xset(x, "TokenElevationType", "%%1936");
	xsetf(x, "ProcessId", "0x%x", c.par.pid);
	xset(x, "CommandLine", c.cmd);
	xset(x, "ParentProcessName", c.par.image ? c.par.image : "System");
	xset(x, "MandatoryLabel",
	     c.sys        ? "S-1-16-16384"
	     : c.u->admin ? "S-1-16-12288"
	                  : "S-1-16-8192");
}

/* Sysmon 1's Hashes: stable per image name, in Sysmon's layout. */
static void sysmon_hashes(struct xbuf *x, const char *base)
{
	uint64_t a = mix64(str_hash(base) ^ 0x5a17), b = mix64(a), c = mix64(b), d = mix64(c),
	         f = mix64(d), g = mix64(f), k = mix64(g), l = mix64(k);
	char buf[200];

	snprintf(buf, sizeof(buf),
	         "SHA1=%016" PRIX64 "%016" PRIX64 "%08X,MD5=%016" PRIX64 "%016" PRIX64
	         ",SHA256=%016" PRIX64 "%016" PRIX64 "%016" PRIX64 "%016" PRIX64
	         ",IMPHASH=%016" PRIX64 "%016" PRIX64,
	         a, b, (unsigned)(c >> 32), c, d, d ^ f, f, g, k, l, a ^ l);
	xset(x, "Hashes", xdup(x, buf, strlen(buf)));
}

/* Sysmon 1's LogonGuid and LogonId: the session's (its logon time on this
 * host's clock), or SYSTEM's (0x3e7, since the day's boot). */
static void sysmon_logon(const struct fill *f, const struct creation *c)
{
	uint64_t ft = f->e->t + (uint64_t)f->h->clock;
	uint64_t luid = c->ss ? fill_luid(f, c->s) : 0x3e7;
	uint8_t tail[8];
	char buf[64];

	for (int k = 0; k < 8; k++)
		tail[k] = (uint8_t)(luid >> (8 * k));
	sysmon_guid(f->h,
	            (c->ss ? c->ss->t : ft - ft % (86400 * TICKS_PER_SEC)) +
	                (uint64_t)f->h->clock * (c->ss != NULL),
	            tail, buf, sizeof(buf));
	xset(f->x, "LogonGuid", xdup(f->x, buf, strlen(buf)));
	xsetf(f->x, "LogonId", "0x%" PRIx64, luid);
}

/* Sysmon 1's parent: its own command line when the scenario gave one,
 * svchost's DcomLaunch for the default parent, else the quoted image. */
static void sysmon_parent(const struct fill *f, const struct creation *c)
{
	struct xbuf *x = f->x;
	char buf[200];

	process_guid(f->h, &c->par, buf, sizeof(buf));
	xset(x, "ParentProcessGuid", xdup(x, buf, strlen(buf)));
	xsetf(x, "ParentProcessId", "%u", c->par.pid);
	xset(x, "ParentImage", c->par.image ? c->par.image : "System");
	if (c->par.image == NULL) {
		xset(x, "ParentCommandLine", "");
	} else if (c->P != NULL && c->P->parent >= 0 && f->h->pr[c->P->parent].cmdline) {
		xset(x, "ParentCommandLine", f->h->pr[c->P->parent].cmdline);
	} else if (strcasecmp(base_name(c->par.image), "svchost.exe") == 0) {
		xset(x, "ParentCommandLine", "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p");
	} else {
		snprintf(buf, sizeof(buf), "\"%.180s\"", c->par.image);
		xset(x, "ParentCommandLine", xdup(x, buf, strlen(buf)));
	}
}

/* Sysmon 1: process create. */
static void fill_sysmon_process(const struct fill *f)
{
	struct xbuf *x = f->x;
	struct creation c = creation_of(f);
	const struct image_info *ii = NULL;
	int interactive = c.ss && (c.ss->ltype == 2 || c.ss->ltype == 10 || c.ss->ltype == 11);
	char buf[200];

	for (size_t k = 0; k < sizeof(images) / sizeof(images[0]); k++)
		if (strcasecmp(images[k].base, c.base) == 0)
			ii = &images[k];
	sysmon_time(f->e->t + (uint64_t)f->h->clock - SYSMON_LAG, buf, sizeof(buf));
	xset(x, "RuleName", "-");
	xset(x, "UtcTime", xdup(x, buf, strlen(buf)));
	process_guid(f->h, &c.p, buf, sizeof(buf));
	xset(x, "ProcessGuid", xdup(x, buf, strlen(buf)));
	xsetf(x, "ProcessId", "%u", c.p.pid);
	xset(x, "Image", c.img);
	xset(x, "FileVersion", "10.0.17763.1 (WinBuild.160101.0800)");
	xset(x, "Description", ii ? ii->description : c.base);
	xset(x, "Product", "Microsoft\xc2\xae Windows\xc2\xae Operating System");
	xset(x, "Company", "Microsoft Corporation");
	xset(x, "OriginalFileName", ii ? ii->original : c.base);
	xset(x, "CommandLine", c.cmd);
	if (c.sys || !c.ss) {
		xset(x, "CurrentDirectory", "C:\\Windows\\system32\\");
	} else {
		snprintf(buf, sizeof(buf), "C:\\Users\\%.100s\\Documents\\",
		         c.ss->name ? c.ss->name : c.u->name);
		xset(x, "CurrentDirectory", xdup(x, buf, strlen(buf)));
	}
	xset(x, "User", sysmon_user(f->sc, f->h, c.s, x));
	sysmon_logon(f, &c);
	xset(x, "TerminalSessionId", interactive ? "1" : "0");
	xset(x, "IntegrityLevel", c.sys ? "System" : c.u->admin ? "High" : "Medium");
	sysmon_hashes(x, c.base);
	sysmon_parent(f, &c);
}

/* ---- the table ---- */

/* Sets an event's default Data values (the scenario's shorthands and
 * "fields" are applied over them by expand). */
typedef void filler_fn(const struct fill *f);

static const struct {
	uint16_t eid;
	filler_fn *fill;
} fillers[] = {
    {4624, fill_logon},
    {4625, fill_logon},
    {4634, fill_logoff},
    {4647, fill_logoff},
    {4648, fill_explicit_credentials},
    {4672, fill_special_privileges},
    {4768, fill_tgt_request},
    {4769, fill_service_ticket},
    {4771, fill_preauth_failed},
    {4776, fill_ntlm_validation},
    {4778, fill_rdp_session},
    {4779, fill_rdp_session},
    {5156, fill_wfp},
    {5158, fill_wfp},
    {3, fill_sysmon_network},
    {8001, fill_ntlm_call},
    {4688, fill_process_4688},
    {1, fill_sysmon_process},
    /* 4608 (startup) has no data */
};

static void defaults_event(struct hc_sc *sc, struct host *h, struct sc_ev *e, struct xbuf *x,
                           uint64_t hv, enum luid_mode luid)
{
	const struct fill f = {sc, h, e, x, hv, luid};

	for (size_t i = 0; i < sizeof(fillers) / sizeof(fillers[0]); i++)
		if (fillers[i].eid == e->eid) {
			fillers[i].fill(&f);
			return;
		}
}

/* Text of a JSON shorthand/field value; NULL for JSON null (sets *isnull). */
static int json_text(struct xbuf *x, json_t *v, const char **s, size_t *n, int *isnull)
{
	char tmp[32];

	*isnull = 0;
	if (json_is_string(v)) {
		*s = json_string_value(v);
		*n = json_string_length(v);
		if (*n > HC_SC_MAX_TEXT || memchr(*s, '\0', *n) != NULL)
			return -1;
		return 0;
	}
	if (json_is_integer(v)) {
		int k = snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*s = xdup(x, tmp, (size_t)k);
		*n = (size_t)k;
		return 0;
	}
	if (json_is_true(v) || json_is_false(v)) {
		*s = json_is_true(v) ? "%%1842" : "%%1843";
		*n = 6;
		return 0;
	}
	if (json_is_null(v)) {
		*isnull = 1;
		*s = "";
		*n = 0;
		return 0;
	}
	return -1;
}

static int to_value(struct xbuf *x, size_t i, char *err, size_t errsize)
{
	const struct hc_evtxw_field *f = &x->t->data.fields[i];
	struct hc_evtxw_value *v = &x->val[i];
	const char *s = x->txt[i];
	uint64_t u;

	memset(v, 0, offsetof(struct hc_evtxw_value, bin));
	if (x->isnull[i]) {
		v->type = HC_EVTXW_T_NULL;
		return 0;
	}
	if (s == NULL) {
		snprintf(err, errsize, "field %s has no value (give it in \"fields\")", f->name);
		return -1;
	}
	switch (f->type) {
	case HC_EVTXW_T_STRING:
		v->type = HC_EVTXW_T_STRING;
		v->str = s;
		v->len = x->len[i];
		return 0;
	case HC_EVTXW_T_SID:
		if (hc_evtxw_sid_parse(s, v) == 0)
			return 0;
		break;
	case HC_EVTXW_T_GUID:
		if (hc_evtxw_guid_parse(s, v->bin) == 0) {
			v->type = HC_EVTXW_T_GUID;
			v->binlen = 16;
			return 0;
		}
		break;
	case HC_EVTXW_T_UINT32:
		if (s[0] != '0' || s[1] != 'x') {
			if (parse_hex(s, UINT32_MAX, &u) == 0) {
				v->type = HC_EVTXW_T_UINT32;
				v->u = u;
				return 0;
			}
		}
		break;
	case HC_EVTXW_T_HEXINT32:
		if (parse_hex(s, UINT32_MAX, &u) == 0) {
			v->type = HC_EVTXW_T_HEXINT32;
			v->u = u;
			return 0;
		}
		break;
	case HC_EVTXW_T_UINT16:
	case HC_EVTXW_T_UINT64:
		if ((s[0] != '0' || s[1] != 'x') &&
		    parse_hex(s, f->type == HC_EVTXW_T_UINT16 ? UINT16_MAX : UINT64_MAX, &u) == 0) {
			v->type = f->type;
			v->u = u;
			return 0;
		}
		break;
	case HC_EVTXW_T_BOOL:
		if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
			v->type = HC_EVTXW_T_BOOL;
			v->u = s[0] == 't';
			return 0;
		}
		break;
	case HC_EVTXW_T_HEXINT64:
	case HC_EVTXW_T_SIZET:
		if (parse_hex(s, UINT64_MAX, &u) == 0) {
			v->type = HC_EVTXW_T_HEXINT64;
			v->u = u;
			return 0;
		}
		break;
	default:
		break;
	}
	snprintf(err, errsize, "field %s: \"%.60s\" is not a valid %s", f->name, s,
	         f->type == HC_EVTXW_T_SID    ? "SID"
	         : f->type == HC_EVTXW_T_GUID ? "GUID"
	         : f->type == HC_EVTXW_T_BOOL ? "boolean (true or false)"
	         : f->type == HC_EVTXW_T_UINT32 || f->type == HC_EVTXW_T_UINT16 ||
	                 f->type == HC_EVTXW_T_UINT64
	             ? "decimal number"
	             : "hex number");
	return -1;
}

/* The scenario's shorthands over the defaults: "logon_id", the aliases of
 * Data fields, and Execution's "exec_pid" and "tid". */
static int apply_shorthands(const struct host *h, const struct sc_ev *e, struct xbuf *x,
                            struct hc_sc_diag *diag)
{
	const char *s;
	size_t n;
	int isnull;
	json_t *v;

	/* a 4624's logon_id is its session's; others may override theirs */
	if (e->session >= 0 && json_object_get(e->src, "logon_id") != NULL && e->eid != 4624) {
		s = get_str(e->src, "logon_id");
		if (s != NULL) {
			xset(x, "TargetLogonId", s);
			xset(x, "SubjectLogonId", s);
			xset(x, "LogonID", s);
		}
	} else if (e->session < 0 && (s = get_str(e->src, "logon_id")) != NULL) {
		xset(x, "TargetLogonId", s);
		xset(x, "SubjectLogonId", s);
		xset(x, "LogonID", s);
	}
	for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++) {
		v = json_object_get(e->src, aliases[a].key);
		if (v == NULL)
			continue;
		/* 4688's ProcessId is the creator's: "pid" is the new one's */
		if (e->eid == 4688 && strcmp(aliases[a].key, "pid") == 0)
			continue;
		if (json_text(x, v, &s, &n, &isnull) != 0) {
			diag_set(diag, "host %s, event %u: \"%s\" has a bad value", h->name, e->idx,
			         aliases[a].key);
			return HC_SC_E_SCENARIO;
		}
		for (int j = 0; j < 3 && aliases[a].fields[j]; j++) {
			int fi = hc_tpl_field_index(x->t, aliases[a].fields[j]);
			if (fi < 0)
				continue;
			x->txt[fi] = s;
			x->len[fi] = n;
			x->isnull[fi] = isnull;
		}
	}
	if (json_is_integer(json_object_get(e->src, "exec_pid")))
		x->exec_pid = (uint32_t)json_integer_value(json_object_get(e->src, "exec_pid"));
	if (json_is_integer(json_object_get(e->src, "tid")))
		x->exec_tid = (uint32_t)json_integer_value(json_object_get(e->src, "tid"));
	return 0;
}

/* "fields": verbatim Data values, applied last. */
static int apply_fields(const struct host *h, const struct sc_ev *e, struct xbuf *x,
                        struct hc_sc_diag *diag)
{
	json_t *f = json_object_get(e->src, "fields"), *v;
	const char *k, *s;
	size_t n;
	int isnull;

	json_object_foreach(f, k, v)
	{
		int fi = hc_tpl_field_index(x->t, k);
		if (fi >= 0 && x->t->data.fields[fi].type == HC_EVTXW_T_BOOL &&
		    json_is_boolean(v)) {
			x->txt[fi] = json_is_true(v) ? "true" : "false";
			x->len[fi] = strlen(x->txt[fi]);
			x->isnull[fi] = 0;
			continue;
		}
		if (fi < 0 || json_text(x, v, &s, &n, &isnull) != 0) {
			diag_set(diag,
			         "host %s, event %u: field \"%s\" is not in the template "
			         "or has a bad value",
			         h->name, e->idx, k);
			return HC_SC_E_SCENARIO;
		}
		x->txt[fi] = s;
		x->len[fi] = n;
		x->isnull[fi] = isnull;
	}
	return 0;
}

/* Every Data text as a value of its field's type, and the keywords (Audit
 * Failure for a failure event or a non-zero Status). */
static int to_values(const struct host *h, const struct sc_ev *e, struct xbuf *x,
                     struct hc_sc_diag *diag)
{
	char err[256];

	if (x->overflow) {
		diag_set(diag, "host %s, event %u: expanded text too large", h->name, e->idx);
		return HC_SC_E_SCENARIO;
	}
	for (size_t i = 0; i < x->t->data.nfields; i++) {
		if (to_value(x, i, err, sizeof(err)) != 0) {
			if (e->idx == NO_IDX)
				diag_set(diag, "host %s, background event: %s", h->name, err);
			else
				diag_set(diag, "host %s, event %u: %s", h->name, e->idx, err);
			return HC_SC_E_SCENARIO;
		}
	}
	x->keywords = hc_tpl_channel(x->t->chan)->keywords;
	if (x->t->failure)
		x->keywords = HC_TPL_KEYWORDS_FAILURE;
	else if (x->t->status_field >= 0 && x->val[x->t->status_field].type != HC_EVTXW_T_NULL &&
	         x->val[x->t->status_field].u != 0)
		x->keywords = HC_TPL_KEYWORDS_FAILURE;
	return 0;
}

/* Fill x for event e (which must have its template): the defaults, then an
 * explicit event's shorthands and fields; luid: whether logon ids may be
 * handed out. */
static int expand(struct hc_sc *sc, size_t hi, struct sc_ev *e, enum luid_mode luid, struct xbuf *x,
                  struct hc_sc_diag *diag)
{
	struct host *h = &sc->hosts[hi];
	uint64_t hv = mix64(h->seed ^ ((uint64_t)e->seq << 20) ^ e->t);
	int r;

	x->t = hc_tpl_find(e->eid, e->ver);
	x->used = 0;
	x->overflow = 0;
	for (size_t i = 0; i < x->t->data.nfields; i++) {
		x->txt[i] = NULL;
		x->len[i] = 0;
		x->isnull[i] = 0;
	}
	x->exec_pid = x->t->exec_system             ? 4
	              : x->t->chan == HC_TPL_SYSMON ? h->sysmon_pid
	                                            : h->lsass;
	x->exec_tid = 0x100 + (unsigned)(hv >> 40) % 0x800 * 4;
	defaults_event(sc, h, e, x, hv, luid);
	if (e->src != NULL && (e->flags & EVF_EXPLICIT) &&
	    ((r = apply_shorthands(h, e, x, diag)) != 0 || (r = apply_fields(h, e, x, diag)) != 0))
		return r;
	return to_values(h, e, x, diag);
}

static int cmp_ev(const void *a, const void *b)
{
	const struct sc_ev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ---- public ---- */

/* "forwarded": {"file": F, "hosts": [names] (default: all), "first_record_id": N} */
static int load_forwarded(struct hc_sc *sc, struct hc_sc_diag *diag)
{
	static const char *const keys[] = {"file", "hosts", "first_record_id", NULL};
	json_t *f = json_object_get(sc->root, "forwarded"), *hs, *fid, *v;
	size_t i;

	if (f == NULL)
		return 0;
	if (!json_is_object(f) || check_keys(f, keys, "forwarded", diag))
		goto bad;
	sc->fwd_file = get_str(f, "file");
	if (sc->fwd_file == NULL || !*sc->fwd_file || strchr(sc->fwd_file, '/')) {
		diag_set(diag, "forwarded: \"file\" must be a file name");
		return HC_SC_E_SCENARIO;
	}
	for (size_t k = 0; k < sc->nhosts; k++)
		if (strcmp(sc->hosts[k].file, sc->fwd_file) == 0) {
			diag_set(diag, "forwarded: \"file\" %s is also host %s's file",
			         sc->fwd_file, sc->hosts[k].name);
			return HC_SC_E_SCENARIO;
		}
	fid = json_object_get(f, "first_record_id");
	sc->fwd_first = 1;
	if (fid != NULL) {
		if (!json_is_integer(fid) || json_integer_value(fid) < 1) {
			diag_set(diag, "forwarded: \"first_record_id\" must be a positive integer");
			return HC_SC_E_SCENARIO;
		}
		sc->fwd_first = (uint64_t)json_integer_value(fid);
	}
	hs = json_object_get(f, "hosts");
	if (hs != NULL && (!json_is_array(hs) || json_array_size(hs) == 0))
		goto bad;
	sc->nfwd = hs ? json_array_size(hs) : sc->nhosts;
	if (!(sc->fwd_hosts = calloc(sc->nfwd, sizeof(*sc->fwd_hosts))))
		return HC_SC_E_NOMEM;
	for (i = 0; i < sc->nfwd; i++) {
		int hi;
		if (!hs) {
			sc->fwd_hosts[i] = i;
			continue;
		}
		v = json_array_get(hs, i);
		if (!json_is_string(v) || (hi = find_host(sc, json_string_value(v))) < 0) {
			diag_set(diag, "forwarded: hosts[%zu] is not a host of the scenario", i);
			return HC_SC_E_SCENARIO;
		}
		sc->fwd_hosts[i] = (size_t)hi;
	}
	return 0;
bad:
	if (!diag->msg[0] || strncmp(diag->msg, "forwarded", 9) != 0)
		diag_set(diag, "forwarded: must be {\"file\", \"hosts\", \"first_record_id\"}");
	return HC_SC_E_SCENARIO;
}

int hc_sc_load(const char *path, struct hc_sc **ret, struct hc_sc_diag *diag)
{
	static const char *const keys[] = {"domain", "accounts", "hosts", "forwarded", NULL};
	struct hc_sc *sc = NULL;
	json_error_t jerr;
	int r;

	sc = calloc(1, sizeof(*sc));
	if (sc == NULL) {
		diag_set(diag, "out of memory");
		return HC_SC_E_NOMEM;
	}
	sc->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (sc->root == NULL) {
		diag_set(diag, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		r = jerr.line < 0 || strstr(jerr.text, "unable to open") ? HC_SC_E_IO
		                                                         : HC_SC_E_SCENARIO;
		goto fail;
	}
	r = HC_SC_E_SCENARIO;
	if (!json_is_object(sc->root)) {
		diag_set(diag, "%s: the scenario must be a JSON object", path);
		goto fail;
	}
	if (check_keys(sc->root, keys, "scenario", diag))
		goto fail;
	if ((r = load_domain(sc, diag)) != 0 || (r = load_accounts(sc, diag)) != 0 ||
	    (r = load_hosts(sc, diag)) != 0 || (r = load_forwarded(sc, diag)) != 0)
		goto fail;
	for (size_t hi = 0; hi < sc->nhosts; hi++) {
		struct host *h = &sc->hosts[hi];
		size_t i;
		json_t *o;

		if (h->events != NULL && !json_is_array(h->events)) {
			diag_set(diag, "host %s: \"events\" must be an array", h->name);
			r = HC_SC_E_SCENARIO;
			goto fail;
		}
		json_array_foreach(h->events, i, o)
		{
			if ((r = load_event(sc, hi, i, o, diag)) != 0)
				goto fail;
		}
		if ((r = load_background(sc, hi, diag)) != 0)
			goto fail;
	}
	if ((r = resolve_witnesses(sc, diag)) != 0)
		goto fail;
	/* Check every explicit event's values before any file is written. */
	{
		struct xbuf *x = malloc(sizeof(*x));
		if (x == NULL) {
			r = HC_SC_E_NOMEM;
			goto fail;
		}
		for (size_t hi = 0; hi < sc->nhosts && r == 0; hi++)
			for (size_t i = 0; i < sc->hosts[hi].nev && r == 0; i++)
				if (sc->hosts[hi].ev[i].flags & EVF_EXPLICIT)
					r = expand(sc, hi, &sc->hosts[hi].ev[i], LUID_PEEK, x,
					           diag);
		free(x);
		if (r != 0)
			goto fail;
	}
	*ret = sc;
	return 0;
fail:
	if (r == HC_SC_E_NOMEM)
		diag_set(diag, "out of memory");
	hc_sc_free(sc);
	return r;
}

size_t hc_sc_host_count(const struct hc_sc *sc)
{
	return sc->nhosts;
}

const char *hc_sc_host_file(const struct hc_sc *sc, size_t i)
{
	return sc->hosts[i].file;
}

static int manifest_line(FILE *mf, const struct host *h, const char *file, const struct sc_ev *e,
                         const struct xbuf *x, const struct hc_evtxw_event *ev)
{
	json_t *o = json_object(), *d = json_object();
	char tbuf[40];
	int r = 0;

	if (o == NULL || d == NULL) {
		json_decref(o);
		json_decref(d);
		return HC_SC_E_NOMEM;
	}
	hc_evtxw_time_format(ev->time, tbuf, sizeof(tbuf));
	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "host", json_string(h->name));
	json_object_set_new(o, "index", e->idx == NO_IDX ? json_null() : json_integer(e->idx));
	json_object_set_new(o, "auto", json_boolean(!(e->flags & EVF_EXPLICIT)));
	json_object_set_new(o, "record_id", json_integer((json_int_t)ev->record_id));
	json_object_set_new(o, "time", json_string(tbuf));
	json_object_set_new(o, "event_id", json_integer(ev->event_id));
	json_object_set_new(o, "version", json_integer(ev->version));
	json_object_set_new(o, "computer", json_string(ev->computer));
	json_object_set_new(o, "channel", json_string(ev->channel));
	json_object_set_new(o, "provider", json_string(ev->provider_name));
	snprintf(tbuf, sizeof(tbuf), "0x%016" PRIx64, ev->keywords);
	json_object_set_new(o, "keywords", json_string(tbuf));
	for (size_t i = 0; i < x->t->data.nfields; i++) {
		const struct hc_evtxw_value *v = &x->val[i];
		const char *name = x->t->data.fields[i].name;
		char buf[200];

		if (v->type == HC_EVTXW_T_NULL)
			json_object_set_new(d, name, json_null());
		else if (v->type == HC_EVTXW_T_STRING)
			json_object_set_new(d, name, json_stringn(v->str, v->len));
		else
			json_object_set_new(
			    d, name, json_stringn(buf, hc_evtxw_value_text(v, buf, sizeof(buf))));
	}
	json_object_set_new(o, "data", d);
	if (json_dumpf(o, mf, JSON_COMPACT | JSON_ENSURE_ASCII) != 0 || fputc('\n', mf) == EOF)
		r = HC_SC_E_IO;
	json_decref(o);
	return r;
}

/* Finishes (or, on failure, discards) the writer of each channel file of
 * a host: written as NAME.tmp and renamed when complete. */
/* The files a host's channels go to, written under a temporary name and
 * renamed when complete. */
struct host_files {
	struct hc_evtxw *w[HC_TPL_NCHAN];
	char path[HC_TPL_NCHAN][HC_SC_MAX_PATH];
	char tmp[HC_TPL_NCHAN][HC_SC_MAX_PATH + 8];
	uint64_t next[HC_TPL_NCHAN]; /* the next EventRecordID */
	uint8_t guid[HC_TPL_NCHAN][16];
	struct hc_evtxw_value user[HC_TPL_NCHAN];
};

static int host_files_init(const struct host *h, const char *outdir, struct host_files *f,
                           struct hc_sc_diag *diag)
{
	memset(f->w, 0, sizeof(f->w));
	for (int c = 0; c < HC_TPL_NCHAN; c++) {
		const struct hc_tpl_channel *ch = hc_tpl_channel((enum hc_tpl_chan)c);
		if ((size_t)snprintf(f->path[c], sizeof(f->path[c]), "%s/%s", outdir,
		                     h->chfile[c]) >= sizeof(f->path[c])) {
			diag_set(diag, "output path too long");
			return HC_SC_E_SCENARIO;
		}
		snprintf(f->tmp[c], sizeof(f->tmp[c]), "%s.tmp", f->path[c]);
		f->next[c] = h->chfirst[c];
		hc_evtxw_guid_parse(ch->provider_guid, f->guid[c]);
		f->user[c].type = HC_EVTXW_T_NULL;
		if (ch->user_sid)
			hc_evtxw_sid_parse(ch->user_sid, &f->user[c]);
	}
	return 0;
}

/* Close (r == 0) or drop (r != 0) the files; returns r or the close error. */
static int close_files(struct host_files *f, int r, struct hc_sc_diag *diag)
{
	struct hc_evtxw_diag wd;

	for (int c = 0; c < HC_TPL_NCHAN; c++) {
		if (f->w[c] == NULL)
			continue;
		if (r == 0) {
			if (hc_evtxw_close(f->w[c], &wd) < 0) {
				diag_set(diag, "%s", wd.msg);
				r = HC_SC_E_IO;
			} else if (rename(f->tmp[c], f->path[c]) != 0) {
				diag_set(diag, "%s: %s", f->path[c], strerror(errno));
				r = HC_SC_E_IO;
			}
		} else {
			hc_evtxw_free(f->w[c]);
		}
		f->w[c] = NULL;
		if (r != 0)
			remove(f->tmp[c]);
	}
	return r;
}

/* Expand event e of host hi and append it to its channel's file (opened at
 * its first record), then to the manifest. */
static int write_event(struct hc_sc *sc, size_t hi, struct sc_ev *e, struct host_files *f,
                       struct xbuf *x, FILE *manifest, struct hc_sc_diag *diag)
{
	struct host *h = &sc->hosts[hi];
	struct hc_evtxw_event ev;
	struct hc_evtxw_diag wd;
	enum hc_tpl_chan c;
	const struct hc_tpl_channel *ch;
	int r;

	if ((r = expand(sc, hi, e, LUID_ASSIGN, x, diag)) < 0)
		return r;
	c = x->t->chan;
	ch = hc_tpl_channel(c);
	if (f->w[c] == NULL && hc_evtxw_open(f->tmp[c], &f->w[c], &wd) < 0) {
		diag_set(diag, "%s", wd.msg);
		return HC_SC_E_IO;
	}
	if (h->clock < 0 && (uint64_t)-h->clock > e->t) {
		diag_set(diag, "host %s: \"clock_offset\" moves an event before 1601", h->name);
		return HC_SC_E_SCENARIO;
	}
	e->rid = f->next[c]++;
	memset(&ev, 0, sizeof(ev));
	ev.computer = h->fqdn;
	ev.record_id = e->rid;
	ev.time = e->t + (uint64_t)h->clock;
	ev.event_id = e->eid;
	ev.version = e->ver;
	ev.task = x->t->task;
	ev.opcode = x->t->opcode;
	ev.level = x->t->level;
	ev.keywords = x->keywords;
	ev.process_id = x->exec_pid;
	ev.thread_id = x->exec_tid;
	ev.provider_name = ch->provider;
	memcpy(ev.provider_guid, f->guid[c], 16);
	ev.channel = ch->channel;
	ev.user_id = f->user[c].type == HC_EVTXW_T_SID ? &f->user[c] : NULL;
	ev.data = &x->t->data;
	ev.values = x->val;
	r = hc_evtxw_add(f->w[c], &ev, &wd);
	if (r < 0) {
		if (e->idx != NO_IDX)
			diag_set(diag, "host %s, event %u: %s", h->name, e->idx, wd.msg);
		else
			diag_set(diag, "host %s: %s", h->name, wd.msg);
		return r == HC_EVTXW_E_IO ? HC_SC_E_IO : HC_SC_E_SCENARIO;
	}
	if (manifest != NULL && (r = manifest_line(manifest, h, h->chfile[c], e, x, &ev)) < 0) {
		diag_set(diag, "cannot write the manifest");
		return r;
	}
	return 0;
}

int hc_sc_write_host(struct hc_sc *sc, size_t hi, const char *outdir, FILE *manifest,
                     struct hc_sc_diag *diag)
{
	struct host *h = &sc->hosts[hi];
	struct host_files *f = NULL;
	struct hc_evtxw_diag wd;
	struct xbuf *x = NULL;
	int r = 0;

	x = malloc(sizeof(*x));
	f = malloc(sizeof(*f));
	if (x == NULL || f == NULL) {
		free(x);
		free(f);
		diag_set(diag, "out of memory");
		return HC_SC_E_NOMEM;
	}
	if ((r = host_files_init(h, outdir, f, diag)) != 0) {
		free(f);
		free(x);
		return r;
	}
	qsort(h->ev, h->nev, sizeof(*h->ev), cmp_ev);
	/* Logon ids are handed out in time order as sessions first appear. */
	for (size_t i = 0; i < h->nss; i++)
		if (!h->ss[i].fixed)
			h->ss[i].luid = 0;
	h->luid = 0x30000 + (h->seed % 0x4000) * 4;

	/* the Security file always exists; the others when they have records */
	if (hc_evtxw_open(f->tmp[HC_TPL_SECURITY], &f->w[HC_TPL_SECURITY], &wd) < 0) {
		diag_set(diag, "%s", wd.msg);
		r = HC_SC_E_IO;
		goto out;
	}
	for (size_t i = 0; i < h->nev && r == 0; i++)
		r = write_event(sc, hi, &h->ev[i], f, x, manifest, diag);
out:
	r = close_files(f, r, diag);
	free(f);
	free(x);
	return r;
}

const char *hc_sc_forwarded_file(const struct hc_sc *sc)
{
	return sc->fwd_file;
}

struct fwd_ref {
	uint64_t t;
	size_t order, hi, i;
};

static int cmp_fwd(const void *a, const void *b)
{
	const struct fwd_ref *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int hc_sc_write_forwarded(struct hc_sc *sc, const char *path, struct hc_sc_diag *diag)
{
	struct fwd_ref *refs = NULL;
	struct hc_evtxw *w = NULL;
	struct hc_evtxw_diag wd;
	struct hc_evtxw_event ev;
	struct xbuf *x = NULL;
	size_t n = 0, total = 0;
	int r = HC_SC_E_NOMEM;

	for (size_t k = 0; k < sc->nfwd; k++)
		total += sc->hosts[sc->fwd_hosts[k]].nev;
	refs = calloc(total ? total : 1, sizeof(*refs));
	x = malloc(sizeof(*x));
	if (refs == NULL || x == NULL)
		goto out;
	/* the hosts' records (each host's file written first: sorted, with
	 * its record ids and logon ids), merged in time order as a collector
	 * receives them */
	for (size_t k = 0; k < sc->nfwd; k++) {
		struct host *h = &sc->hosts[sc->fwd_hosts[k]];
		for (size_t i = 0; i < h->nev; i++) {
			const struct hc_tpl *t = hc_tpl_find(h->ev[i].eid, h->ev[i].ver);
			/* the collector's subscription here: the Security channel */
			if (t != NULL && t->chan == HC_TPL_SECURITY)
				refs[n++] = (struct fwd_ref){h->ev[i].t + (uint64_t)h->clock, k,
				                             sc->fwd_hosts[k], i};
		}
	}
	qsort(refs, n, sizeof(*refs), cmp_fwd);
	if ((r = hc_evtxw_open(path, &w, &wd)) < 0) {
		diag_set(diag, "%s", wd.msg);
		r = HC_SC_E_IO;
		goto out;
	}
	memset(&ev, 0, sizeof(ev));
	ev.provider_name = HC_TPL_PROVIDER_NAME;
	hc_evtxw_guid_parse(HC_TPL_PROVIDER_GUID, ev.provider_guid);
	ev.channel = HC_TPL_CHANNEL;
	ev.rendered = 1;
	for (size_t k = 0; k < n; k++) {
		struct host *h = &sc->hosts[refs[k].hi];
		struct sc_ev *e = &h->ev[refs[k].i];
		if ((r = expand(sc, refs[k].hi, e, LUID_ASSIGN, x, diag)) < 0)
			goto out;
		ev.record_id = sc->fwd_first + k;
		ev.source_record_id = e->rid;
		ev.computer = h->fqdn;
		ev.time = e->t + (uint64_t)h->clock;
		ev.event_id = e->eid;
		ev.version = e->ver;
		ev.task = x->t->task;
		ev.opcode = x->t->opcode;
		ev.level = x->t->level;
		ev.keywords = x->keywords;
		ev.process_id = x->exec_pid;
		ev.thread_id = x->exec_tid;
		ev.data = &x->t->data;
		ev.values = x->val;
		if ((r = hc_evtxw_add(w, &ev, &wd)) < 0) {
			diag_set(diag, "forwarded: host %s: %s", h->name, wd.msg);
			r = r == HC_EVTXW_E_IO ? HC_SC_E_IO : HC_SC_E_SCENARIO;
			goto out;
		}
	}
	r = hc_evtxw_close(w, &wd);
	w = NULL;
	if (r < 0) {
		diag_set(diag, "%s", wd.msg);
		r = HC_SC_E_IO;
	}
out:
	if (r == HC_SC_E_NOMEM)
		diag_set(diag, "out of memory");
	hc_evtxw_free(w);
	free(refs);
	free(x);
	return r;
}

void hc_sc_free(struct hc_sc *sc)
{
	if (sc == NULL)
		return;
	free(sc->fwd_hosts);
	for (size_t i = 0; i < sc->nhosts; i++) {
		free(sc->hosts[i].ss);
		free(sc->hosts[i].ev);
		free(sc->hosts[i].pr);
	}
	free(sc->hosts);
	free(sc->pr);
	for (size_t i = 0; i < sc->nowned; i++)
		free(sc->owned[i]);
	free(sc->owned);
	json_decref(sc->root);
	free(sc);
}

/* Events built in memory for the correlation unit tests (no EVTX
 * involved): one event set, helpers that add Security (or any channel's)
 * events at seconds after 2026-03-02T10:00:00Z, a correlate() that runs
 * the engine with the default skew (5 min) and window (10 h), and lookups
 * of the hops, hosts, links and findings it made. */
#ifndef HC_CORR_FIXTURE_H
#define HC_CORR_FIXTURE_H

#include "hc_test.h"

#include "correlate.h"

#include <stdarg.h>

static struct hc_eventset set;

/* Adds an event: id, host (Computer), seconds after 2026-03-02T10:00:00Z,
 * then Name, Value pairs ending with NULL. */
static inline void vev(uint32_t id, const char *channel, const char *computer, double sec,
                       va_list ap)
{
	const char *names[64], *values[64];
	size_t n = 0;
	struct hc_event *e;
	int64_t t0;

	hc_time_parse("2026-03-02T10:00:00Z", &t0);
	for (const char *k; (k = va_arg(ap, const char *)) && n < 64; n++) {
		names[n] = k;
		values[n] = va_arg(ap, const char *);
	}
	if (set.n == set.cap) {
		set.cap = set.cap ? set.cap * 2 : 32;
		set.v = realloc(set.v, set.cap * sizeof(*set.v));
	}
	e = &set.v[set.n];
	memset(e, 0, sizeof(*e));
	e->event_id = id;
	e->file = "test.evtx";
	e->record_id = set.n + 1;
	e->time = t0 + (int64_t)(sec * 1e7);
	CHECK_INT(hc_event_build(e, computer, channel, "test", n, names, values), HC_OK);
	set.n++;
}

static inline void ev(uint32_t id, const char *computer, double sec, ...)
{
	va_list ap;

	va_start(ap, sec);
	vev(id, "Security", computer, sec, ap);
	va_end(ap);
}

/* An event of another channel (Sysmon, NTLM/Operational). */
static inline void ev_in(uint32_t id, const char *channel, const char *computer, double sec, ...)
{
	va_list ap;

	va_start(ap, sec);
	vev(id, channel, computer, sec, ap);
	va_end(ap);
}

static inline void reset(void)
{
	hc_eventset_free(&set);
}

/* 4624 helper: dst computer, time, user, domain, sid, type, package, ip,
 * workstation, logon id, lm package. */
static inline void logon(const char *dst, double sec, const char *user, const char *sid,
                         const char *type, const char *pkg, const char *ip, const char *ws,
                         const char *lid, const char *lm, const char *imp)
{
	ev(4624, dst, sec, "SubjectUserSid", "S-1-0-0", "TargetUserSid", sid, "TargetUserName",
	   user, "TargetDomainName", strcmp(sid, "S-1-5-7") == 0 ? "NT AUTHORITY" : "CONTOSO",
	   "TargetLogonId", lid, "LogonType", type, "LogonProcessName", "Kerberos",
	   "AuthenticationPackageName", pkg, "WorkstationName", ws, "LmPackageName", lm,
	   "IpAddress", ip, "IpPort", "-", "ImpersonationLevel", imp, NULL);
}

static inline const struct hc_chain *correlate(struct hc_analysis *a, size_t min_hops,
                                               size_t *count)
{
	struct hc_correlate_opts o = {.skew = 300 * HC_TICKS_PER_SEC,
	                              .session_window = 36000 * HC_TICKS_PER_SEC};
	const struct hc_chain *found = NULL;

	CHECK_INT(hc_events_sort(&set), HC_OK);
	CHECK_INT(hc_correlate(&set, &o, a), HC_OK);
	*count = 0;
	for (size_t i = 0; i < a->nchains; i++)
		if (a->chains[i].nhops >= min_hops) {
			(*count)++;
			if (!found)
				found = &a->chains[i];
		}
	return found;
}

static inline bool has_finding(const struct hc_chain *c, const char *id, size_t hop)
{
	for (size_t i = 0; c && i < c->nfindings; i++)
		if (strcmp(c->findings[i].id, id) == 0 && c->findings[i].hop == hop)
			return true;
	return false;
}

/* 5156 Direction values */
#define OUT "%%14593"
#define IN "%%14592"

/* 5156 logged by `host`. */
static inline void conn(const char *host, double sec, const char *dir, const char *sip,
                        const char *sport, const char *dip, const char *dport, const char *app,
                        const char *pid)
{
	ev(5156, host, sec, "ProcessID", pid, "Application", app, "Direction", dir, "SourceAddress",
	   sip, "SourcePort", sport, "DestAddress", dip, "DestPort", dport, "Protocol", "6", NULL);
}

/* A user's network logon with an address and port (every user has the
 * same SID: use logon() for two different users). */
static inline void netlogon(const char *dst, double sec, const char *user, const char *pkg,
                            const char *ip, const char *port, const char *lid)
{
	ev(4624, dst, sec, "SubjectUserSid", "S-1-0-0", "TargetUserSid", "S-1-5-21-9-9-9-1105",
	   "TargetUserName", user, "TargetDomainName", "CONTOSO", "TargetLogonId", lid, "LogonType",
	   "3", "LogonProcessName", "Kerberos", "AuthenticationPackageName", pkg, "WorkstationName",
	   "-", "IpAddress", ip, "IpPort", port, "ImpersonationLevel", "%%1833", NULL);
}

/* An ANONYMOUS LOGON network logon (NTLM, NTLM V1 as Windows logs it). */
static inline void anon(const char *dst, double sec, const char *ip, const char *port,
                        const char *lid)
{
	ev(4624, dst, sec, "SubjectUserSid", "S-1-0-0", "TargetUserSid", "S-1-5-7",
	   "TargetUserName", "ANONYMOUS LOGON", "TargetDomainName", "NT AUTHORITY", "TargetLogonId",
	   lid, "LogonType", "3", "LogonProcessName", "NtLmSsp ", "AuthenticationPackageName",
	   "NTLM", "LmPackageName", "NTLM V1", "WorkstationName", "-", "IpAddress", ip, "IpPort",
	   port, "ImpersonationLevel", "%%1833", NULL);
}

/* Correlates with options of the caller's (a policy, another skew). */
static inline void correlate_with(struct hc_analysis *a, const struct hc_correlate_opts *o)
{
	CHECK_INT(hc_events_sort(&set), HC_OK);
	CHECK_INT(hc_correlate(&set, o, a), HC_OK);
}

/* The hop of `user` into host `dst` logged at `sec`, or NULL. */
static inline const struct hc_hop *hop_of(const struct hc_analysis *a, const char *user,
                                          const char *dst, double sec)
{
	int64_t t0;

	hc_time_parse("2026-03-02T10:00:00Z", &t0);
	for (size_t i = 0; i < a->nhops; i++) {
		const struct hc_hop *h = &a->hops[i];
		if (h->ev->norm.target.name && strcmp(h->ev->norm.target.name, user) == 0 &&
		    strcmp(a->hosts[h->dst].name, dst) == 0 && h->time == t0 + (int64_t)(sec * 1e7))
			return h;
	}
	return NULL;
}

static inline const char *src_name(const struct hc_analysis *a, const struct hc_hop *h)
{
	return h && h->src >= 0 ? a->hosts[h->src].name : "(none)";
}

static inline int host_index(const struct hc_analysis *a, const char *name)
{
	for (size_t i = 0; i < a->nhosts; i++)
		if (strcmp(a->hosts[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The finding `id` on 1-based hop `hop` of `c`, or NULL. */
static inline const struct hc_finding *finding_of(const struct hc_chain *c, const char *id,
                                                  size_t hop)
{
	for (size_t i = 0; c && i < c->nfindings; i++)
		if (strcmp(c->findings[i].id, id) == 0 && c->findings[i].hop == hop)
			return &c->findings[i];
	return NULL;
}

/* How many findings `id` all chains hold (NULL: findings of any id). */
static inline size_t count_findings(const struct hc_analysis *a, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < a->nchains; i++)
		for (size_t k = 0; k < a->chains[i].nfindings; k++)
			n += !id || strcmp(a->chains[i].findings[k].id, id) == 0;
	return n;
}

/* The best link into hop `h` (its first parent), or NULL. */
static inline const struct hc_link *best_link(const struct hc_analysis *a, const struct hc_hop *h)
{
	return h && h->nparents ? &a->links[h->parents[0]] : NULL;
}

/* 1 when `h` cites a record in role `role`. */
static inline bool cites(const struct hc_hop *h, enum hc_role role)
{
	for (size_t i = 0; h && i < h->nev; i++)
		if (h->evidence[i].role == role)
			return true;
	return false;
}

/* The machine accounts tell the addresses: client1 .11, server1 .21. */
static inline void addresses(void)
{
	ev(4769, "dc1.contoso.local", -60, "TargetUserName", "CLIENT1$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.11", "Status", "0x0", NULL);
	ev(4769, "dc1.contoso.local", -59, "TargetUserName", "SERVER1$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.21", "Status", "0x0", NULL);
}

#endif

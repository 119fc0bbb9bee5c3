/* The correlation engine: from the time-ordered logon events of many hosts,
 * host identities, sessions, hops (inbound logons from another host), links
 * between hops (hop A->B continues hop X->A), maximal chains, and findings.
 * Everything points into the hc_eventset it was built from, which must
 * outlive the analysis. DOMAIN.md sections 5-7 are the reference. */
#ifndef HC_CORRELATE_H
#define HC_CORRELATE_H

#include "events.h"

#define HC_MAX_HOSTS 100000
#define HC_MAX_EVIDENCE 8          /* events cited per hop */
#define HC_MAX_CANDIDATES 8        /* parent candidates kept per hop */
#define HC_MAX_CHAIN_LEN 64
#define HC_MAX_CHAINS 10000000
#define HC_MAX_PATHS_PER_ROOT 1000  /* chains enumerated from one first hop */
#define HC_MAX_WARNINGS 1000        /* kept per analysis; the rest are counted */
#define HC_TICKS_PER_SEC INT64_C(10000000)

struct hc_regex;

/* How an address or name of a host was learned. */
enum hc_learn {
	HC_LEARN_COMPUTER,     /* the Computer of a log the host wrote */
	HC_LEARN_HOSTS_FILE,   /* --hosts */
	HC_LEARN_MACHINE_TGS,  /* DC 4768/4769 by HOST$ from an address */
	HC_LEARN_MACHINE_LOGON,/* 4624 of HOST$ from an address */
	HC_LEARN_WORKSTATION,  /* 4624/4625 WorkstationName + IpAddress (client supplied) */
	HC_LEARN_NAMED,        /* only named: 4648 TargetServerName, WorkstationName, ... */
};
const char *hc_learn_name(enum hc_learn l);

struct hc_addr {
	char ip[48];
	enum hc_learn how;
	const struct hc_event *ev;  /* the event it was learned from (NULL: --hosts) */
};

struct hc_host {
	char *name;                 /* canonical: lower-case first DNS label */
	char *fqdn;                 /* Computer as logged, or NULL */
	enum hc_learn how;          /* how the host itself became known */
	bool has_log;               /* some input file was written by it */
	bool kdc;                   /* its log has 4768/4769: it issues Kerberos tickets */
	size_t naddr;
	struct hc_addr *addr;
	size_t nboot;
	int64_t *boot;              /* times of 4608, ascending */
};

struct hc_session {
	int host;
	unsigned boot;
	uint64_t logon_id;
	int64_t start, end;         /* end: logoff, or start + window / next boot */
	bool end_seen;
	bool privileged;            /* a 4672 named it */
	const struct hc_event *logon, *logoff;
	int hop;                    /* the hop that created it, or -1 */
};

struct hc_evidence {
	const struct hc_event *ev;
	const char *role;           /* "logon", "explicit-credentials", "service-ticket", ... */
};

struct hc_hop {
	const struct hc_event *ev;  /* the 4624/4625 on the destination */
	int64_t time;
	int src, dst;               /* host indexes; src -1 when unknown */
	const char *src_how;        /* "ip", "workstation", "4648", "4769" */
	int session;                /* session it created on dst, -1 for 4625 */
	bool anonymous, failed;
	bool absorbed;              /* the type-3 twin of a CredSSP (type 8) hop: evidence only */
	int src_session;            /* session on src named by a 4648 SubjectLogonId, or -1 */
	size_t nev;
	struct hc_evidence evidence[HC_MAX_EVIDENCE];
	size_t nparents;            /* candidate parents (links), best first */
	int parents[HC_MAX_CANDIDATES];
};

struct hc_link {
	int parent, child;          /* hop indexes */
	double confidence;          /* 0..1 */
	int64_t gap;                /* child time - parent time, ticks */
	bool via_4648;              /* proven by a 4648 from inside the session */
	bool account_match;         /* same account (else: anonymous child, or restricted_admin) */
	bool restricted_admin;      /* the child arrives as the source host's machine account
	                             * from a Restricted Admin RDP session (DOMAIN.md 6.5) */
	bool ambiguous;             /* another candidate has the same confidence */
};

enum hc_severity { HC_SEV_INFO, HC_SEV_LOW, HC_SEV_MEDIUM, HC_SEV_HIGH };
const char *hc_severity_name(enum hc_severity s);
/* Parses "info|low|medium|high"; returns 0 or -1. */
int hc_severity_parse(const char *s, enum hc_severity *out);

struct hc_finding {
	const char *id;             /* "anonymous-second-hop", ... (static) */
	enum hc_severity severity;
	const char *technique;      /* ATT&CK id or NULL (static) */
	size_t hop;                 /* 1-based index in the chain */
	char *what;                 /* one line: what happened */
	char *todo;                 /* one line: what to do */
};

struct hc_chain {
	char id[24];
	size_t nhops;
	int *hops;                  /* hop indexes in order */
	int *links;                 /* nhops-1 link indexes (links[i] joins hops i and i+1) */
	int64_t start, end;
	size_t nfindings;
	struct hc_finding *findings;
};

/* Package policy (--policy): which packages are allowed for which host and
 * account; legacy hosts are exempt from the NTLM rule. */
struct hc_policy_rule {
	struct hc_regex *host, *account;  /* NULL = any */
	unsigned allow;                   /* HC_PKG_* bits */
};
enum { HC_PKG_KERBEROS = 1, HC_PKG_NTLM = 2, HC_PKG_NEGOTIATE = 4, HC_PKG_OTHER = 8 };
struct hc_policy {
	size_t nrules;
	struct hc_policy_rule *rules;
	size_t nlegacy;
	struct hc_regex **legacy;
};

struct hc_host_hint {              /* --hosts: name,address */
	const char *name;
	const char *address;
};

struct hc_correlate_opts {
	int64_t skew;                   /* ticks; default 5 min */
	int64_t session_window;         /* ticks; default 10 h */
	const struct hc_policy *policy; /* NULL = default policy */
	const struct hc_host_hint *hints;
	size_t nhints;
};

/* A problem found while correlating that is not fatal (an address claimed
 * by two hosts, a bad --hosts line): reported, never silently resolved. */
struct hc_warning {
	char msg[400];
};

struct hc_analysis {
	size_t nhosts, nsessions, nhops, nlinks, nchains, nwarnings;
	struct hc_host *hosts;
	struct hc_session *sessions;
	struct hc_hop *hops;
	struct hc_link *links;
	struct hc_chain *chains;
	struct hc_warning *warnings;
	void *priv;                      /* indexes */
};

/* Correlates the sorted events of `set` into *out (zeroed by the call).
 * Returns 0 or HC_ERR_NOMEM (out is then freed). */
int hc_correlate(const struct hc_eventset *set, const struct hc_correlate_opts *o,
		 struct hc_analysis *out);
void hc_analysis_free(struct hc_analysis *a);

/* Account equality as the linker uses it: SIDs when both have one; else
 * names (user@REALM -> user) case-insensitively with compatible domains
 * (equal, NetBIOS vs DNS first label, or one missing). 1 equal, 0 not. */
int hc_account_equal(const struct hc_account *a, const struct hc_account *b);
/* 1 for a real user account: not a machine account (NAME$), not anonymous,
 * not a well-known service identity (S-1-5-18/19/20, DWM/UMFD, S-1-5-90/96). */
int hc_account_is_user(const struct hc_account *a);
/* Canonical host name of `s` (FQDN, NetBIOS, \\NAME, NAME$) into out:
 * lower-case first label. Returns 1, or 0 when nothing usable remains. */
int hc_host_canon(const char *s, char *out, size_t cap);

/* "5m", "300s", "10h", "90" (seconds) -> ticks. Returns 0 or -1. */
int hc_duration_parse(const char *s, int64_t *ticks);

#endif

/* The correlation engine: from the time-ordered logon events of many hosts,
 * host identities, sessions, hops (inbound logons from another host), links
 * between hops (hop A->B continues hop X->A), maximal chains, and findings.
 * Everything points into the hc_eventset it was built from, which must
 * outlive the analysis. DOMAIN.md sections 5-7 are the reference. */
#ifndef HC_CORRELATE_H
#define HC_CORRELATE_H

#include "loader.h"

#define HC_MAX_HOSTS 100000
#define HC_MAX_EVIDENCE 8   /* events cited per hop */
#define HC_MAX_CANDIDATES 8 /* parent candidates kept per hop */
#define HC_MAX_CHAIN_LEN 64
#define HC_MAX_CHAINS 10000000
#define HC_MAX_PATHS_PER_ROOT 1000 /* chains enumerated from one first hop */
#define HC_MAX_WARNINGS 1000       /* kept per analysis; the rest are counted */
/* A clock offset at least this large is corrected when linking; smaller
 * ones are within the latency between the paired records and the
 * whole-second times of some exports. */
#define HC_CLOCK_MIN (INT64_C(5) * HC_TICKS_PER_SEC)
#define HC_TICKS_PER_SEC INT64_C(10000000)

struct hc_regex;

/* How an address or name of a host was learned. */
enum hc_learn {
	HC_LEARN_COMPUTER,       /* the Computer of a log the host wrote */
	HC_LEARN_HOSTS_FILE,     /* --hosts */
	HC_LEARN_MACHINE_TGS,    /* DC 4768/4769 by HOST$ from an address */
	HC_LEARN_MACHINE_LOGON,  /* 4624 of HOST$ from an address */
	HC_LEARN_WORKSTATION,    /* 4624/4625 WorkstationName + IpAddress (client supplied) */
	HC_LEARN_NAMED,          /* only named: 4648 TargetServerName, WorkstationName, ... */
	HC_LEARN_OWN_CONNECTION, /* its own connection: 5156/Sysmon 3 logged by the host itself */
};
const char *hc_learn_name(enum hc_learn l);

struct hc_addr {
	char ip[48];
	enum hc_learn how;
	const struct hc_event *ev; /* the event it was learned from (NULL: --hosts) */
};

/* A host's clock against the reference host's (the KDC, or the host with
 * most pairs), estimated from paired records of one act: the client's 4648
 * or the DC's 4769 and the target's 4624, the source's outbound
 * connection and the target's 4624 by port. offset = this host's clock
 * minus the reference's (median of the pairs); pairs = how many. */
struct hc_clock {
	int64_t offset; /* ticks; 0 when not estimated */
	size_t pairs;   /* 0: not estimated */
	int ref;        /* the reference host, -1 when not estimated */
	bool applied;   /* |offset| >= HC_CLOCK_MIN: linking uses it */
};

struct hc_host {
	char *name;        /* canonical: lower-case first DNS label */
	char *fqdn;        /* Computer as logged, or NULL */
	enum hc_learn how; /* how the host itself became known */
	bool has_log;      /* some input file was written by it */
	bool kdc;          /* its log has 4768/4769: it issues Kerberos tickets */
	size_t naddr;
	struct hc_addr *addr;
	size_t nboot;
	int64_t *boot;        /* times of 4608, ascending */
	bool collector;       /* logs on to most other hosts as its machine account */
	bool service_account; /* a NAME$ that is a service account (gMSA) used on
	                       * another host, not a host: outputs leave it out */
	struct hc_clock clock;
};

struct hc_session {
	int host;
	unsigned boot;
	uint64_t logon_id;
	int64_t start, end; /* end: logoff, or start + window / next boot */
	bool end_seen;
	bool privileged; /* a 4672 named it */
	const struct hc_event *logon, *logoff;
	int hop; /* the hop that created it, or -1 */
};

/* What a cited record is to a hop or a finding. */
enum hc_role {
	HC_ROLE_LOGON,             /* the hop's own 4624 (or a repeat's) */
	HC_ROLE_FAILED_LOGON,      /* the hop's own 4625 */
	HC_ROLE_EXPLICIT,          /* the client's 4648 */
	HC_ROLE_TICKET,            /* the DC's 4769 for the target */
	HC_ROLE_VALIDATION,        /* the DC's 4776 */
	HC_ROLE_SOURCE_CONNECTION, /* the source's record of the connection (5156, Sysmon 3) */
	HC_ROLE_SOURCE_PROCESS,    /* the process that made it (4688, Sysmon 1) */
	HC_ROLE_TARGET_CONNECTION, /* the target's record of the client reaching its listener */
	HC_ROLE_NTLM_OUT,          /* the source's outgoing NTLM (8001) */
	HC_ROLE_CREDSSP_TRANSPORT, /* the type-3 twin of a CredSSP hop */
	HC_ROLE_SECURE_CHANNEL,    /* the machine account's logon after an anonymous one */
	HC_ROLE_SOURCE_SESSION,    /* the logon of the session the hop came from */
	HC_ROLE_N
};
/* "logon", "explicit-credentials", ... (the names outputs and the store
 * use); NULL for an unknown role. */
const char *hc_role_name(enum hc_role r);

struct hc_evidence {
	const struct hc_event *ev;
	enum hc_role role;
};

/* Which witness named a hop's source (`source_resolved_by`). */
enum hc_source {
	HC_SRC_NONE,
	HC_SRC_CONNECTION,     /* the source's own record of the connection */
	HC_SRC_IP,             /* the host claiming the logon's address */
	HC_SRC_4648,           /* the client's 4648 naming the target */
	HC_SRC_4769,           /* the DC's ticket: its client address */
	HC_SRC_4776,           /* the DC's NTLM validation: its workstation */
	HC_SRC_WORKSTATION,    /* the logon's WorkstationName */
	HC_SRC_LISTENER,       /* the target's record of one client at its listener */
	HC_SRC_SECURE_CHANNEL, /* the machine account following an anonymous logon */
	HC_SRC_N
};
/* "connection", "ip", "4648", ... ; NULL for HC_SRC_NONE. */
const char *hc_source_name(enum hc_source s);

/* What kind of movement a hop is (issue 9): a user's (or a service
 * account's) movement, a machine's own upkeep (HOST$ from its own host),
 * the event collector pulling logs, or a null session with no proof of a
 * user session behind it. Only user hops continue chains. */
enum hc_hop_class {
	HC_CLASS_USER,
	HC_CLASS_MACHINE,
	HC_CLASS_COLLECTOR,
	HC_CLASS_NULL_SESSION,
};
const char *hc_class_name(enum hc_hop_class c);

/* What proves that a hop continues a given session on its source. */
enum hc_proof {
	HC_PROOF_NONE,
	HC_PROOF_4648,       /* the source's 4648 from inside the session */
	HC_PROOF_8001,       /* the source's outgoing NTLM (8001) from the session */
	HC_PROOF_CONNECTION, /* the source's connection (port) from a process of the session */
	HC_PROOF_UNIQUE,     /* the only session it can continue */
};
const char *hc_proof_name(enum hc_proof p);

struct hc_hop {
	const struct hc_event *ev; /* the 4624/4625 on the destination */
	int64_t time;              /* as logged */
	int64_t at;                /* on the reference clock (the dst's offset removed) */
	int src, dst;              /* host indexes; src -1 when unknown */
	const char *src_ip;        /* the source address from any witness, or NULL */
	enum hc_source src_how;    /* which witness named the source */
	enum hc_hop_class cls;
	const char *class_why; /* one line: why this class (static text) */
	int repeat_of;         /* a repeat folded into this hop, or -1 */
	size_t nrepeats;       /* repeats folded into this hop */
	int *repeats;          /* their hop indexes, by time */
	int session;           /* session it created on dst, -1 for 4625 */
	bool anonymous, failed;
	bool absorbed;           /* the type-3 twin of a CredSSP (type 8) hop: evidence only */
	int src_session;         /* session on src it came from (a 4648, 8001 or the
	                          * connection's process names it), or -1 */
	enum hc_proof src_proof; /* what named src_session */
	size_t nev;
	struct hc_evidence evidence[HC_MAX_EVIDENCE];
	size_t nparents; /* candidate parents (links), best first */
	int parents[HC_MAX_CANDIDATES];
};

struct hc_link {
	int parent, child; /* hop indexes */
	double confidence; /* 0..1 */
	int64_t gap;       /* child time - parent time, ticks */
	bool via_4648;     /* proven by a 4648 from inside the session */
	enum hc_proof proof;
	bool account_match;    /* same account (else: anonymous child, or restricted_admin) */
	bool restricted_admin; /* the child arrives as the source host's machine account
	                        * from a Restricted Admin RDP session (DOMAIN.md 6.5) */
	bool ambiguous;        /* another candidate has the same confidence */
};

enum hc_severity { HC_SEV_INFO, HC_SEV_LOW, HC_SEV_MEDIUM, HC_SEV_HIGH };
const char *hc_severity_name(enum hc_severity s);
/* Parses "info|low|medium|high"; returns 0 or -1. */
int hc_severity_parse(const char *s, enum hc_severity *out);

struct hc_finding {
	const char *id; /* "anonymous-second-hop", ... (static) */
	enum hc_severity severity;
	const char *technique; /* ATT&CK id or NULL (static) */
	size_t hop;            /* 1-based index in the chain */
	char *what;            /* one line: what happened */
	char *todo;            /* one line: what to do */
	size_t nev;            /* the records it rests on */
	struct hc_evidence ev[HC_MAX_EVIDENCE];
};

struct hc_chain {
	char id[24];
	size_t nhops;
	int *hops;  /* hop indexes in order */
	int *links; /* nhops-1 link indexes (links[i] joins hops i and i+1) */
	int64_t start, end;
	size_t nfindings;
	struct hc_finding *findings;
};

/* Package policy (--policy): which packages are allowed for which host and
 * account; legacy hosts are exempt from the NTLM rule. */
struct hc_policy_rule {
	struct hc_regex *host, *account; /* NULL = any */
	unsigned allow;                  /* HC_PKG_* bits */
};
enum { HC_PKG_KERBEROS = 1, HC_PKG_NTLM = 2, HC_PKG_NEGOTIATE = 4, HC_PKG_OTHER = 8 };
struct hc_policy {
	size_t nrules;
	struct hc_policy_rule *rules;
	size_t nlegacy;
	struct hc_regex **legacy;
};

/* The HC_PKG_* bit of an AuthenticationPackageName (HC_PKG_OTHER for
 * NULL or an unknown package). */
unsigned hc_policy_package_bit(const char *pkg);
/* Appends a rule: `host` and `account` (DOMAIN\user) PCRE2 patterns,
 * case-insensitive, NULL for any; `allow` the package names it allows.
 * Returns 0, HC_ERR_USAGE (a bad pattern: d says which rule, the message
 * and d->offset) or HC_ERR_NOMEM. */
int hc_policy_add_rule(struct hc_policy *pol, const char *host, const char *account,
                       const char *const *allow, size_t nallow, struct hc_diag *d);
/* Appends a legacy host pattern (exempt from the default NTLM rule). */
int hc_policy_add_legacy(struct hc_policy *pol, const char *host, struct hc_diag *d);
/* Frees what the rules hold and empties `pol`; NULL-safe. */
void hc_policy_free(struct hc_policy *pol);

struct hc_host_hint { /* --hosts: name,address */
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
/* Fills `o` with the defaults: the skew and session window above, the
 * default policy, no hints. */
void hc_correlate_opts_init(struct hc_correlate_opts *o);

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
	void *priv; /* indexes */
};

/* An explanation of one hop (issue 9): every source witness and parent
 * candidate considered, the evidence for each, its score, and why it was
 * taken or rejected, so that a responder can check each link by hand. */
enum hc_explain_kind {
	HC_EX_HOP,    /* the hop itself */
	HC_EX_SOURCE, /* a witness of its source */
	HC_EX_CLOCK,  /* a clock correction used */
	HC_EX_CLASS,  /* its class and the session its source proof names */
	HC_EX_FOLD,   /* repeats folded into it, or the hop it was folded into */
	HC_EX_PARENT, /* a candidate parent session */
};
const char *hc_explain_kind_name(enum hc_explain_kind k);

struct hc_explain_item {
	enum hc_explain_kind kind;
	const char *what;          /* a short static label ("address", "4769", "candidate") */
	int host;                  /* the host it names, or -1 */
	int hop;                   /* the hop it names (a parent, the first of an act), or -1 */
	const struct hc_event *ev; /* the record it rests on, or NULL */
	double score;              /* a parent's link confidence; -1 otherwise */
	bool taken;                /* the analysis uses it */
	char why[400];
};

struct hc_explain {
	size_t n, cap;
	struct hc_explain_item *items;
};

/* Explains hop `hop` of `a` into *out (zeroed first; free it with
 * hc_explain_free). Returns 0, HC_ERR_NOMEM, or HC_ERR_USAGE when there is
 * no such hop. */
int hc_explain_hop(struct hc_analysis *a, int hop, struct hc_explain *out);
void hc_explain_free(struct hc_explain *x);
/* The hop whose own logon is record `record_id` of `file` (NULL: of any
 * file), or -1. */
int hc_hop_by_record(const struct hc_analysis *a, const char *file, uint64_t record_id);

/* Correlates the sorted events of `set` into *out (zeroed by the call).
 * Returns 0, or HC_ERR_NOMEM / HC_ERR_LIMIT (more than HC_MAX_HOSTS
 * hosts) with `out` freed. */
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

/* "5m", "300s", "10h", "1d", "90" (seconds) -> ticks. True when parsed. */
bool hc_duration_parse(const char *s, int64_t *ticks);

#endif

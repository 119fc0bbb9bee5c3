/* Stage 4c, classes: a user's movement told apart from noise (issue 9).
 * A machine's own upkeep (HOST$ from its own host), the event collector
 * (a host that logs on to most others as its machine account) and null
 * sessions (anonymous, with the machine's secure-channel pattern, a system
 * process behind the connection, or no user session to come from) never
 * continue a chain. An anonymous logon whose connection a user's process
 * made, or an 8001 from a session names, is pinned to that session
 * (DOMAIN.md 1.9b, 5.3, 6.5). */
#include "correlate_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An anonymous logon to a DC followed this soon, from the same address, by
 * the source's machine-account logon is the machine's secure channel. */
#define HC_SECURE_CHANNEL_GAP (INT64_C(10) * HC_TICKS_PER_SEC)
/* A collector reaches at least this many other hosts as its machine
 * account, and at least half of the hosts with a log. */
#define HC_COLLECTOR_MIN 3
/* A user's logon to a DC this soon after the user's desktop logon on the
 * source is Windows' own (DOMAIN.md 6.5). */
#define HC_UPKEEP_GAP (INT64_C(60) * HC_TICKS_PER_SEC)

const char *hc_class_name(enum hc_hop_class c)
{
	static const char *const n[] = {"user", "machine", "collector", "null-session"};
	return (unsigned)c < 4 ? n[c] : "?";
}

const char *hc_proof_name(enum hc_proof p)
{
	static const char *const n[] = {NULL, "4648", "8001", "connection", "unique"};
	return (unsigned)p < 5 ? n[p] : NULL;
}

/* 1 when `acct` is the machine account (NAME$) of host `h`. */
int hc_is_machine_account_of(const struct hc_analysis *a, const struct hc_account *acct, int h)
{
	char canon[256];
	size_t n;

	if (!acct->name || h < 0 || !(n = hc_user_len(acct->name)) || acct->name[n - 1] != '$')
		return 0;
	return hc_host_canon(acct->name, canon, sizeof(canon)) &&
	       strcmp(canon, a->hosts[h].name) == 0;
}

static bool is_machine_name(const struct hc_account *acct)
{
	size_t n = acct->name ? hc_user_len(acct->name) : 0;

	return n > 1 && acct->name[n - 1] == '$';
}

/* A host's own identities acting on their own: SYSTEM, LOCAL SERVICE,
 * NETWORK SERVICE, the window manager and font driver host. */
static bool is_service_identity(const struct hc_account *acct)
{
	return !hc_account_is_user(acct) && !hc_account_is_anonymous(acct) &&
	       !is_machine_name(acct);
}

static const char *basename_of(const char *path)
{
	const char *b = path;

	for (const char *s = path; s && *s; s++)
		if (*s == '\\' || *s == '/')
			b = s + 1;
	return b;
}

/* The process behind a connection is the system's own: lsass.exe, the
 * System process, or a service identity (Sysmon's User). */
static bool system_process(const struct hc_event *conn)
{
	const struct hc_norm *n = &conn->norm;
	const char *b = n->process_name ? basename_of(n->process_name) : NULL;

	if (b && (strcasecmp(b, "lsass.exe") == 0 || strcasecmp(b, "System") == 0))
		return true;
	if (n->has_process_id && n->process_id == 4)
		return true;
	return n->target.name && is_service_identity(&n->target);
}

static const struct hc_event *cited(const struct hc_hop *h, enum hc_role role)
{
	for (size_t i = 0; i < h->nev; i++)
		if (h->evidence[i].role == role)
			return h->evidence[i].ev;
	return NULL;
}

/* Hosts that log on to most others as their machine account: the event
 * collector pulling logs. A host issuing tickets is a DC, never one. */
static int find_collectors(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	struct hc_imap seen = {0}; /* (src << 32 | dst) */
	size_t *reach = calloc(a->nhosts + 1, sizeof(*reach)), logs = 0;
	int rc = HC_OK;

	if (!reach)
		return HC_ERR_NOMEM;
	for (size_t h = 0; h < a->nhosts; h++)
		logs += a->hosts[h].has_log;
	for (size_t i = 0; i < a->nhops && rc == HC_OK; i++) {
		const struct hc_hop *h = &a->hops[i];
		uint64_t k = (uint64_t)(unsigned)h->src << 32 | (unsigned)h->dst;
		if (h->src < 0 || h->failed ||
		    !hc_is_machine_account_of(a, hc_hop_account(h), h->src) ||
		    hc_imap_find(&seen, k))
			continue;
		rc = hc_imap_put(&seen, k, 1);
		reach[h->src]++;
	}
	for (size_t s = 0; s < a->nhosts && rc == HC_OK; s++)
		a->hosts[s].collector = !a->hosts[s].kdc && reach[s] >= HC_COLLECTOR_MIN &&
		                        2 * reach[s] >= logs - (a->hosts[s].has_log ? 1 : 0);
	hc_imap_free(&seen);
	free(reach);
	(void)p;
	return rc;
}

/* The session of the process that made the hop's connection, when the
 * source logged it (Sysmon 1 by ProcessGuid, or 4688 by process id). */
static void pin_by_connection(struct hc_analysis *a, struct hc_hop *h)
{
	struct priv *p = a->priv;
	const struct hc_event *conn = cited(h, HC_ROLE_SOURCE_CONNECTION);
	long pe;

	if (!conn || (pe = hc_find_process(a, conn)) < 0)
		return;
	const struct hc_event *proc = &p->set->v[pe];
	hc_cite(h, proc, HC_ROLE_SOURCE_PROCESS);
	if (h->src_session >= 0 || !proc->norm.has_target_logon_id)
		return;
	int s = hc_session_find(a, h->src, conn->time, proc->norm.target_logon_id);
	if (s >= 0) {
		h->src_session = s;
		h->src_proof = HC_PROOF_CONNECTION;
	}
}

/* Why an anonymous logon is the machine's own, or NULL. */
static const char *benign_anonymous(struct hc_analysis *a, struct hc_hop *h)
{
	struct priv *p = a->priv;
	const struct hc_event *conn = cited(h, HC_ROLE_SOURCE_CONNECTION);

	if (conn && system_process(conn))
		return "the connection's process on the source is the system's own (lsass.exe, "
		       "System or a service identity): a null session, not a user's second hop";
	if (h->src_session >= 0) {
		uint64_t id = a->sessions[h->src_session].logon_id;
		const struct hc_event *lo = a->sessions[h->src_session].logon;
		if (id == 0x3e7 || id == 0x3e4 || id == 0x3e5 ||
		    (lo && is_service_identity(&lo->norm.target)))
			return "the connection's process on the source runs as a service identity: "
			       "a null session, not a user's second hop";
	}
	if (!a->hosts[h->dst].kdc || !h->src_ip)
		return NULL;
	/* the secure-channel set-up: the source's machine account follows from
	 * the same address within seconds */
	const struct ilist *in = &p->inbound[h->dst];
	size_t lo = 0, hi = in->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->hops[in->v[mid]].time < h->time)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t k = lo, seen = 0; k < in->n && seen < HC_MAX_WITNESS_SCAN; k++, seen++) {
		struct hc_hop *m = &a->hops[in->v[k]];
		const struct hc_account *acct = hc_hop_account(m);
		if (m->time > h->time + HC_SECURE_CHANNEL_GAP)
			break;
		if (m == h || m->failed || !is_machine_name(acct) || !m->src_ip ||
		    strcmp(m->src_ip, h->src_ip) != 0)
			continue;
		if (h->src >= 0 && !hc_is_machine_account_of(a, acct, h->src))
			continue;
		if (h->src < 0) {
			/* the machine account names the source */
			int s = hc_host_by_name(a, acct->name);
			if (s >= 0 && s != h->dst) {
				h->src = s;
				h->src_how = HC_SRC_SECURE_CHANNEL;
			}
		}
		hc_cite(h, m->ev, HC_ROLE_SECURE_CHANNEL);
		return "followed within seconds by the source's machine-account logon from the "
		       "same address: the machine's secure-channel set-up, not a user's second hop";
	}
	return NULL;
}

/* Why a user's logon to a DC is Windows acting for the user rather than the
 * user moving (DOMAIN.md 6.5 "not hops": lsass refreshing tickets, Group
 * Policy), or NULL: the connection's process on the source is lsass.exe or
 * runs as a service identity; or, with no record of the connection, the
 * user has just logged on to the source's desktop (console, RDP,
 * reconnect). */
static const char *upkeep(struct hc_analysis *a, const struct hc_hop *h)
{
	struct priv *p = a->priv;
	const struct hc_event *conn = cited(h, HC_ROLE_SOURCE_CONNECTION);
	const char *b;

	if (h->src < 0 || !a->hosts[h->dst].kdc)
		return NULL;
	if (conn) {
		b = conn->norm.process_name ? basename_of(conn->norm.process_name) : "";
		if (strcasecmp(b, "lsass.exe") == 0 ||
		    (conn->norm.target.name && is_service_identity(&conn->norm.target)))
			return "Windows' own logon to the DC with the user's account (lsass.exe on "
			       "the "
			       "source: ticket refresh, Group Policy), not the user's movement";
		if (h->src_session >= 0 && h->src_proof == HC_PROOF_CONNECTION) {
			uint64_t id = a->sessions[h->src_session].logon_id;
			if (id == 0x3e7 || id == 0x3e4 || id == 0x3e5)
				return "Windows' own logon to the DC with the user's account (a "
				       "service "
				       "process on the source: Group Policy), not the user's "
				       "movement";
		}
		return NULL;
	}
	if ((size_t)h->src >= p->ndesktop)
		return NULL;
	const struct ilist *l = &p->desktop[h->src];
	for (size_t i = l->n, seen = 0; i-- > 0 && seen++ < HC_MAX_WITNESS_SCAN;) {
		const struct hc_event *ev = &p->set->v[l->v[i]];
		int64_t t = hc_at(a, h->src, ev->time);
		if (t > h->at)
			continue;
		if (t < h->at - HC_UPKEEP_GAP)
			break;
		if (hc_account_equal(&ev->norm.target, hc_hop_account(h)))
			return "Windows' own logon to the DC with the user's account right after "
			       "the "
			       "user's desktop logon on the source (Group Policy, ticket refresh), "
			       "not "
			       "the user's movement";
	}
	return NULL;
}

/* An 8001 on the source from a session, naming the target, pins an
 * anonymous (NTLM without credentials) logon to that session. */
static void pin_by_ntlm_out(struct hc_analysis *a, struct hc_hop *h)
{
	struct priv *p = a->priv;
	long x;

	if (h->src < 0 || h->src_session >= 0 ||
	    (x = hc_find_ntlm_out(a, h->src, h->dst, h->time)) < 0)
		return;
	const struct hc_event *xe = &p->set->v[x];
	int s = hc_session_find(a, h->src, xe->time, xe->norm.subject_logon_id);
	hc_cite(h, xe, HC_ROLE_NTLM_OUT);
	if (s >= 0) {
		h->src_session = s;
		h->src_proof = HC_PROOF_8001;
	}
}

int hc_classes_assign(struct hc_analysis *a)
{
	int rc;

	if ((rc = find_collectors(a)) < 0)
		return rc;
	for (size_t i = 0; i < a->nhops; i++) {
		struct hc_hop *h = &a->hops[i];
		const struct hc_account *acct = hc_hop_account(h);
		const char *why;
		if (h->absorbed)
			continue;
		if (h->src >= 0)
			pin_by_connection(a, h);
		h->cls = HC_CLASS_USER;
		h->class_why = "a user's logon";
		if (h->anonymous) {
			pin_by_ntlm_out(a, h);
			if ((why = benign_anonymous(a, h))) {
				h->cls = HC_CLASS_NULL_SESSION;
				h->class_why = why;
			} else {
				/* decided by the links: a user session to come from */
				h->class_why =
				    "anonymous from inside a user's session on the source";
			}
		} else if (!h->failed && hc_account_is_user(acct) && (why = upkeep(a, h))) {
			h->cls = HC_CLASS_MACHINE;
			h->class_why = why;
		} else if (is_service_identity(acct)) {
			h->cls = HC_CLASS_MACHINE;
			h->class_why = "a service identity of the source host";
		} else if (is_machine_name(acct)) {
			int named = h->src < 0 ? hc_host_by_name(a, acct->name) : -1;
			if (h->src >= 0 ? hc_is_machine_account_of(a, acct, h->src)
			                : named >= 0 && !a->hosts[named].service_account) {
				bool coll = h->src >= 0 && a->hosts[h->src].collector;
				h->cls = coll ? HC_CLASS_COLLECTOR : HC_CLASS_MACHINE;
				h->class_why =
				    coll ? "the event collector's machine account (it logs on to "
				           "most hosts)"
				         : "the source host's own machine account";
			} else {
				h->class_why =
				    "an account ending in $ that is not its source's machine "
				    "account: a (group managed, or forged) service account";
			}
		}
	}
	return HC_OK;
}

/* After linking: an anonymous logon with no user session to come from is
 * a null session; a Restricted Admin continuation is the user's. */
void hc_classes_finish(struct hc_analysis *a)
{
	for (size_t i = 0; i < a->nhops; i++) {
		struct hc_hop *h = &a->hops[i];
		if (h->absorbed || h->repeat_of >= 0)
			continue;
		if (h->anonymous && h->cls == HC_CLASS_USER && !h->nparents) {
			h->cls = HC_CLASS_NULL_SESSION;
			h->class_why = h->src < 0
			                   ? "anonymous, from a source with no known host"
			                   : "anonymous, and no user session open on the source";
		} else if (h->cls == HC_CLASS_MACHINE && h->nparents &&
		           a->links[h->parents[0]].restricted_admin) {
			h->cls = HC_CLASS_USER;
			h->class_why = "the source's machine account from a Restricted Admin RDP "
			               "session: the user's next hop";
		}
		for (size_t k = 0; k < h->nrepeats; k++) {
			a->hops[h->repeats[k]].cls = h->cls;
			a->hops[h->repeats[k]].class_why = h->class_why;
		}
	}
}

const char *hc_role_name(enum hc_role r)
{
	static const char *const n[HC_ROLE_N] = {
	    [HC_ROLE_LOGON] = "logon",
	    [HC_ROLE_FAILED_LOGON] = "failed-logon",
	    [HC_ROLE_EXPLICIT] = "explicit-credentials",
	    [HC_ROLE_TICKET] = "service-ticket",
	    [HC_ROLE_VALIDATION] = "ntlm-validation",
	    [HC_ROLE_SOURCE_CONNECTION] = "source-connection",
	    [HC_ROLE_SOURCE_PROCESS] = "source-process",
	    [HC_ROLE_TARGET_CONNECTION] = "target-connection",
	    [HC_ROLE_NTLM_OUT] = "ntlm-out",
	    [HC_ROLE_CREDSSP_TRANSPORT] = "credssp-transport-logon",
	    [HC_ROLE_SECURE_CHANNEL] = "secure-channel-logon",
	    [HC_ROLE_SOURCE_SESSION] = "source-session",
	};
	return (unsigned)r < HC_ROLE_N ? n[r] : NULL;
}

const char *hc_source_name(enum hc_source s)
{
	static const char *const n[HC_SRC_N] = {
	    [HC_SRC_CONNECTION] = "connection",
	    [HC_SRC_IP] = "ip",
	    [HC_SRC_4648] = "4648",
	    [HC_SRC_4769] = "4769",
	    [HC_SRC_4776] = "4776",
	    [HC_SRC_WORKSTATION] = "workstation",
	    [HC_SRC_LISTENER] = "listener-connection",
	    [HC_SRC_SECURE_CHANNEL] = "secure-channel",
	};
	return (unsigned)s < HC_SRC_N ? n[s] : NULL;
}

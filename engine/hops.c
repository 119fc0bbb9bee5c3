/* Stages 3 and 4, hops: inbound network logons from another host, with every
 * witness of their source: the source's own connection by port (5156,
 * Sysmon 3), the address and who claims it, the client's 4648, the DC's
 * 4769 and 4776, the WorkstationName (DOMAIN.md 1.9b, 6.1-6.4, 7.3-7.4;
 * corpus fact 3). Repeats of one act fold into one hop. */
#include "correlate_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Kinds of witness list keys (the top byte of a key). */
enum { KEY_TICKET = 1, KEY_VALIDATION, KEY_CONN, KEY_PID, KEY_GUID };

static uint64_t user_key(uint64_t kind, int host, const char *user)
{
	return hc_key_hash(kind << 56 ^ (uint64_t)(unsigned)host, user, hc_user_len(user));
}

static uint64_t conn_key(const char *ip, int port)
{
	return hc_key_hash((uint64_t)KEY_CONN << 56 ^ (uint64_t)(unsigned)port, ip, strlen(ip));
}

void hc_cite(struct hc_hop *h, const struct hc_event *ev, enum hc_role role)
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

/* The event of `l` nearest to `t` within `reach` for which `ok` holds (the
 * earlier one on a tie), looking outward from `t` at no more than
 * HC_MAX_WITNESS_SCAN of them: a flood of witnesses in one window costs a
 * constant per hop. Returns the event index or -1. */
static long nearest(const struct priv *p, const struct ilist *l, int64_t t, int64_t reach,
                    bool (*ok)(const struct hc_analysis *, const struct hc_event *, const void *),
                    const struct hc_analysis *a, const void *ctx)
{
	size_t right, left, seen = 0;

	if (!l)
		return -1;
	right = lower_bound(p, l, t);
	left = right;
	while (seen++ < HC_MAX_WITNESS_SCAN) {
		int64_t dl = left > 0 ? t - p->set->v[l->v[left - 1]].time : INT64_MAX;
		int64_t dr = right < l->n ? p->set->v[l->v[right]].time - t : INT64_MAX;
		size_t i;
		if (dl <= dr && dl <= reach)
			i = --left;
		else if (dr < dl && dr <= reach)
			i = right++;
		else
			break;
		if (ok(a, &p->set->v[l->v[i]], ctx))
			return l->v[i];
	}
	return -1;
}

struct want {
	const struct hc_account *acct;
	int not_host;   /* the witness must be logged elsewhere */
	int names_host; /* the witness must name this host (8001) */
	const char *ip; /* the connection's source address ... */
	int port;       /* ... and port */
};

static bool ok_explicit(const struct hc_analysis *a, const struct hc_event *ev, const void *ctx)
{
	const struct want *w = ctx;

	return (!w->acct || hc_account_equal(&ev->norm.target, w->acct)) &&
	       hc_host_of((struct hc_analysis *)a, ev) != w->not_host;
}

/* The 4648 on some host naming `dst` for `acct`, closest to `t` within the
 * skew; its event index or -1. */
long hc_find_explicit(struct hc_analysis *a, int dst, const struct hc_account *acct, int64_t t)
{
	struct priv *p = a->priv;
	struct want w = {.acct = acct, .not_host = dst};

	return nearest(p, &p->explicit[dst], t, p -> o -> skew, ok_explicit, a, &w);
}

/* The DC's successful 4769 for service `dst`$ by `acct`: the one nearest
 * before `t` within the skew (the request precedes the logon); else one up
 * to the skew after it (clocks differ); else the latest before within the
 * session window (a service ticket is cached up to 10 h). -1 when none. */
long hc_find_ticket(struct hc_analysis *a, int dst, const struct hc_account *acct, int64_t t)
{
	struct priv *p = a->priv;
	const struct ilist *l;
	size_t i0, seen = 0;

	if (!acct->name || !(l = hc_mlist_get(&p->tickets, user_key(KEY_TICKET, dst, acct->name))))
		return -1;
	i0 = lower_bound(p, l, t + 1);
	for (size_t i = i0; i-- > 0 && seen++ < HC_MAX_WITNESS_SCAN;) {
		const struct hc_event *ev = &p->set->v[l->v[i]];
		if (ev->time < t - p->o->skew)
			break;
		if ((!ev->norm.has_status || ev->norm.status == 0) &&
		    hc_account_equal(&ev->norm.target, acct))
			return l->v[i];
	}
	seen = 0;
	for (size_t i = i0; i < l->n && seen++ < HC_MAX_WITNESS_SCAN; i++) {
		const struct hc_event *ev = &p->set->v[l->v[i]];
		if (ev->time > t + p->o->skew)
			break;
		if ((!ev->norm.has_status || ev->norm.status == 0) &&
		    hc_account_equal(&ev->norm.target, acct))
			return l->v[i];
	}
	seen = 0;
	for (size_t i = i0; i-- > 0 && seen++ < HC_MAX_WITNESS_SCAN;) {
		const struct hc_event *ev = &p->set->v[l->v[i]];
		if (ev->time < t - p->o->session_window)
			break;
		if ((!ev->norm.has_status || ev->norm.status == 0) &&
		    hc_account_equal(&ev->norm.target, acct))
			return l->v[i];
	}
	return -1;
}

static bool ok_validation(const struct hc_analysis *a, const struct hc_event *ev, const void *ctx)
{
	const struct want *w = ctx;

	return ev->norm.workstation && (!ev->norm.has_status || ev->norm.status == 0) &&
	       hc_account_equal(&ev->norm.target, w->acct);
}

/* The 4776 (NTLM validation on the DC) of `acct` nearest `t` within the
 * skew: its Workstation is the client (DOMAIN.md 1.7). -1 when none. */
long hc_find_validation(struct hc_analysis *a, const struct hc_account *acct, int64_t t)
{
	struct priv *p = a->priv;
	struct want w = {.acct = acct};

	if (!acct->name)
		return -1;
	return nearest(p, hc_mlist_get(&p->validations, user_key(KEY_VALIDATION, 0, acct->name)), t,
	               p->o->skew, ok_validation, a, &w);
}

static bool ok_connection(const struct hc_analysis *a, const struct hc_event *ev, const void *ctx)
{
	const struct want *w = ctx;

	return ev->norm.ip && strcmp(ev->norm.ip, w->ip) == 0 && ev->norm.port == w->port &&
	       hc_host_of((struct hc_analysis *)a, ev) != w->not_host;
}

long hc_find_connection(struct hc_analysis *a, const char *ip, int port, int64_t t, int dst)
{
	struct priv *p = a->priv;
	struct want w = {.ip = ip, .port = port, .not_host = dst};

	if (!ip || port <= 0)
		return -1;
	return nearest(p, hc_mlist_get(&p->connections, conn_key(ip, port)), t, p->o->skew,
	               ok_connection, a, &w);
}

long hc_find_process(struct hc_analysis *a, const struct hc_event *conn)
{
	struct priv *p = a->priv;
	const struct hc_norm *n = &conn->norm;
	int host = hc_host_of(a, conn);
	const struct ilist *l;

	if (host < 0)
		return -1;
	if (n->process_guid &&
	    (l = hc_mlist_get(&p->processes,
	                      hc_key_hash((uint64_t)KEY_GUID << 56 ^ (uint64_t)(unsigned)host,
	                                  n->process_guid, strlen(n->process_guid))))) {
		for (size_t k = 0; k < l->n; k++) {
			const struct hc_event *pe = &p->set->v[l->v[k]];
			if (pe->norm.process_guid &&
			    strcasecmp(pe->norm.process_guid, n->process_guid) == 0)
				return l->v[k];
		}
	}
	if (!n->has_process_id)
		return -1;
	/* process ids are reused: the latest creation of that id before the
	 * connection, in the same boot */
	l = hc_mlist_get(&p->processes, (uint64_t)KEY_PID << 56 ^ (uint64_t)(unsigned)host << 32 ^
	                                    (n->process_id & 0xffffffffu));
	if (!l)
		return -1;
	for (size_t i = lower_bound(p, l, conn->time + 1), seen = 0;
	     i-- > 0 && seen++ < HC_MAX_WITNESS_SCAN;) {
		const struct hc_event *pe = &p->set->v[l->v[i]];
		if (pe->norm.process_id != n->process_id)
			continue;
		if (hc_session_boot(a, host, pe->time) != hc_session_boot(a, host, conn->time))
			break;
		return l->v[i];
	}
	return -1;
}

/* Ports of the services whose network logons carry no client address:
 * WinRM (5985/5986) and web servers (80/443: IIS, AD FS). */
static bool is_listener_port(int port)
{
	return port == 5985 || port == 5986 || port == 80 || port == 443;
}

/* The client address of a logon that logged none (IpAddress "-"), from the
 * target's own record of the connection to its WinRM or web listener in
 * the same moment: only when exactly one client address was connecting. */
const char *hc_client_by_listener(struct hc_analysis *a, int dst, int64_t t, long *which)
{
	struct priv *p = a->priv;
	const char *ip = NULL;
	size_t seen = 0;

	if ((size_t)dst >= p->nwitness_hosts)
		return NULL;
	const struct ilist *l = &p->listener_in[dst];
	for (size_t i = lower_bound(p, l, t - HC_LISTENER_GAP); i < l->n; i++) {
		const struct hc_event *ev = &p->set->v[l->v[i]];
		if (ev->time > t + HC_LISTENER_GAP / 2 || seen++ >= HC_MAX_WITNESS_SCAN)
			break;
		if (ip && strcmp(ip, ev->norm.ip) != 0)
			return NULL; /* two clients at once: no telling */
		ip = ev->norm.ip;
		*which = l->v[i];
	}
	return ip;
}

/* The host a 4648's TargetServerName or TargetInfo (SERVICE/host) names. */
static int named_target(struct hc_analysis *a, const char *server, const char *info)
{
	int h = server ? hc_host_by_name(a, server) : -1;

	if (h < 0 && info) {
		const char *sl = strchr(info, '/');
		h = hc_host_by_name(a, sl ? sl + 1 : info);
	}
	return h;
}

static bool ok_ntlm_out(const struct hc_analysis *a, const struct hc_event *ev, const void *ctx)
{
	const struct want *w = ctx;

	return ev->norm.has_subject_logon_id &&
	       named_target((struct hc_analysis *)a, NULL, ev->norm.target_server) == w->names_host;
}

long hc_find_ntlm_out(struct hc_analysis *a, int src, int dst, int64_t t)
{
	struct priv *p = a->priv;
	struct want w = {.names_host = dst};

	if (src < 0 || (size_t)src >= p->nwitness_hosts)
		return -1;
	return nearest(p, &p->ntlm_out[src], t, p->o->skew, ok_ntlm_out, a, &w);
}

int hc_witnesses_index(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	int rc = HC_OK;

	p->explicit = calloc(a->nhosts + 1, sizeof(*p->explicit));
	p->inbound = calloc(a->nhosts + 1, sizeof(*p->inbound));
	p->ntlm_out = calloc(a->nhosts + 1, sizeof(*p->ntlm_out));
	p->listener_in = calloc(a->nhosts + 1, sizeof(*p->listener_in));
	if (!p->explicit || !p->inbound || !p->ntlm_out || !p->listener_in)
		return HC_ERR_NOMEM;
	p->nwitness_hosts = a->nhosts;
	for (size_t i = 0; i < p->set->n && rc == HC_OK; i++) {
		const struct hc_event *ev = &p->set->v[i];
		const struct hc_norm *n = &ev->norm;
		int h;
		switch (ev->event_id) {
		case 4648:
			if ((h = named_target(a, n->target_server, n->target_info)) >= 0)
				rc = hc_ilist_add(&p->explicit[h], (int)i);
			continue;
		case 4769: {
			const char *svc = n->service_name;
			size_t len = svc ? hc_user_len(svc) : 0;
			/* a computer service (NAME$), not a user's or krbtgt */
			if (!len || svc[len - 1] != '$' || !n->ip || !n->target.name ||
			    (h = hc_host_by_name(a, svc)) < 0)
				continue;
			rc = hc_mlist_add(&p->tickets, user_key(KEY_TICKET, h, n->target.name),
			                  (int)i);
			continue;
		}
		case 4776:
			if (n->target.name && n->workstation)
				rc = hc_mlist_add(&p->validations,
				                  user_key(KEY_VALIDATION, 0, n->target.name),
				                  (int)i);
			continue;
		default:
			break;
		}
		switch (hc_event_kind(ev)) {
		case HC_KIND_CONNECTION:
			/* the initiator's own record of an outbound connection */
			if (n->direction == HC_DIR_OUT && n->ip && n->port > 0 &&
			    !hc_ip_is_local(n->ip))
				rc =
				    hc_mlist_add(&p->connections, conn_key(n->ip, n->port), (int)i);
			/* the target's record of a client reaching a web or WinRM
			 * listener (Sysmon's inbound records are not used: their
			 * ends are swapped for UDP) */
			else if (n->direction == HC_DIR_IN && ev->event_id == 5156 && n->ip &&
			         !hc_ip_is_local(n->ip) && is_listener_port(n->dst_port)) {
				if ((h = hc_host_of(a, ev)) < 0)
					return h;
				rc = hc_ilist_add(&p->listener_in[h], (int)i);
			}
			break;
		case HC_KIND_PROCESS:
			if ((h = hc_host_of(a, ev)) < 0)
				return h;
			if (n->process_guid)
				rc = hc_mlist_add(
				    &p->processes,
				    hc_key_hash((uint64_t)KEY_GUID << 56 ^ (uint64_t)(unsigned)h,
				                n->process_guid, strlen(n->process_guid)),
				    (int)i);
			if (rc == HC_OK && n->has_process_id)
				rc = hc_mlist_add(&p->processes,
				                  (uint64_t)KEY_PID << 56 ^
				                      (uint64_t)(unsigned)h << 32 ^
				                      (n->process_id & 0xffffffffu),
				                  (int)i);
			break;
		case HC_KIND_NTLM_OUT:
			if ((h = hc_host_of(a, ev)) < 0)
				return h;
			rc = hc_ilist_add(&p->ntlm_out[h], (int)i);
			break;
		default:
			break;
		}
	}
	return rc;
}

/* The account a hop arrived as. */
const struct hc_account *hc_hop_account(const struct hc_hop *h)
{
	return &h->ev->norm.target;
}

static int add_hop(struct hc_analysis *a, const struct hc_event *ev, int src, int dst,
                   enum hc_source how, struct hc_hop **ret)
{
	struct priv *p = a->priv;
	struct hc_hop *hop;

	if (HC_GROW(a->hops, a->nhops, p->cap_hops) < 0)
		return HC_ERR_NOMEM;
	hop = &a->hops[a->nhops];
	memset(hop, 0, sizeof(*hop));
	hop->ev = ev;
	hop->time = ev->time;
	hop->at = ev->time;
	hop->src = src;
	hop->dst = dst;
	hop->src_how = how;
	hop->session = -1;
	hop->src_session = -1;
	hop->repeat_of = -1;
	hop->anonymous = ev->norm.anonymous;
	hop->failed = ev->event_id == 4625;
	if (hc_ilist_add(&p->inbound[dst], (int)a->nhops) < 0)
		return HC_ERR_NOMEM;
	*ret = hop;
	a->nhops++;
	return HC_OK;
}

/* Records that host `later` logged an act `d` ticks after host `earlier`
 * logged its other end, for the clock estimate. */
static int pair(struct hc_analysis *a, int later, int earlier, int64_t d)
{
	struct priv *p = a->priv;

	if (later < 0 || earlier < 0 || later == earlier)
		return HC_OK;
	if (HC_GROW(p->pairs, p->npairs, p->cap_pairs) < 0)
		return HC_ERR_NOMEM;
	p->pairs[p->npairs++] = (struct clock_pair){later, earlier, d};
	return HC_OK;
}

static bool is_package(const struct hc_norm *n, const char *pkg)
{
	return n->package && strcasecmp(n->package, pkg) == 0;
}

/* One inbound logon: is it a hop, and from where. */
/* What names a logon's source: the events that witness it (indexes into
 * the event set, -1 for none), the source host and how it was found, the
 * source address. */
struct witnesses {
	long conn; /* the source's own record of the connection */
	long x;    /* a 4648 on the source */
	long tk;   /* the DC's 4769 */
	long val;  /* the DC's 4776 */
	long lis;  /* the target's own record of the connection */
	int src;
	enum hc_source how;
	const char *src_ip;
};

/* Finds the witnesses of logon `ev` at host `dst`. */
static void find_witnesses(struct hc_analysis *a, const struct hc_event *ev, int dst,
                           struct witnesses *w)
{
	struct priv *p = a->priv;
	const struct hc_norm *n = &ev->norm;

	*w = (struct witnesses){-1, -1, -1, -1, -1, -1, HC_SRC_NONE, n->ip};
	/* the source's own record of the connection, by address and port, is
	 * the strongest witness: it names the host whatever claims the address */
	if ((w->conn = hc_find_connection(a, n->ip, n->port, ev->time, dst)) >= 0) {
		w->src = hc_host_of(a, &p->set->v[w->conn]);
		w->how = HC_SRC_CONNECTION;
	}
	if (w->src < 0 && n->ip && (w->src = hc_host_by_addr(a, n->ip, ev->time)) >= 0)
		w->how = HC_SRC_IP;
	if (!n->anonymous) {
		w->x = hc_find_explicit(a, dst, &n->target, ev->time);
		if (w->x >= 0 && w->src < 0) {
			w->src = hc_host_of(a, &p->set->v[w->x]);
			w->how = HC_SRC_4648;
		}
		if (is_package(n, "Kerberos") &&
		    (w->tk = hc_find_ticket(a, dst, &n->target, ev->time)) >= 0) {
			const struct hc_event *te = &p->set->v[w->tk];
			if (!w->src_ip)
				w->src_ip = te->norm.ip;
			if (w->src < 0 && (w->src = hc_host_by_addr(a, te->norm.ip, te->time)) >= 0)
				w->how = HC_SRC_4769;
		}
		if (is_package(n, "NTLM") &&
		    (w->val = hc_find_validation(a, &n->target, ev->time)) >= 0 && w->src < 0 &&
		    !n->ip) {
			int vh = hc_host_by_name(a, p->set->v[w->val].norm.workstation);
			if (vh >= 0 && vh != dst) {
				w->src = vh;
				w->how = HC_SRC_4776;
			}
		}
	}
	if (w->src < 0 && n->workstation && !n->ip &&
	    (w->src = hc_host_by_name(a, n->workstation)) >= 0)
		w->how = HC_SRC_WORKSTATION;
	if (!w->src_ip && !n->anonymous &&
	    (w->src_ip = hc_client_by_listener(a, dst, ev->time, &w->lis)) && w->src < 0 &&
	    (w->src = hc_host_by_addr(a, w->src_ip, ev->time)) >= 0)
		w->how = HC_SRC_LISTENER;
}

/* True when logon `ev` at `dst`, with witnesses `w`, is no hop: from the
 * host itself, or nothing says it came over the network. */
static bool local_logon(const struct hc_analysis *a, const struct hc_event *ev, int dst,
                        const struct witnesses *w)
{
	const struct hc_norm *n = &ev->norm;

	if (w->src == dst)
		return true; /* a logon from the host itself */
	if (n->target.name && w->src < 0) {
		/* the host's own machine account: local, whatever the address */
		char own[256];
		if (hc_host_canon(n->target.name, own, sizeof(own)) &&
		    n->target.name[hc_user_len(n->target.name) - 1] == '$' &&
		    strcmp(own, a->hosts[dst].name) == 0)
			return true;
	}
	/* machine and service identities with no source are not hops */
	if (w->src < 0 && !w->src_ip && !n->anonymous && !hc_account_is_user(&n->target))
		return true;
	/* nothing says it came over the network */
	return w->src < 0 && !w->src_ip && !n->workstation && w->x < 0 && w->tk < 0 &&
	       !(n->logon_type == 8 || n->logon_type == 10);
}

/* Cites on `hop` (logon `ev` at `dst`) the witnesses that agree with its
 * source, and pairs the clocks they relate. */
static int cite_witnesses(struct hc_analysis *a, struct hc_hop *hop, const struct hc_event *ev,
                          int dst, const struct witnesses *w)
{
	struct priv *p = a->priv;
	int src = w->src, rc;

	hc_cite(hop, ev, ev->event_id == 4625 ? HC_ROLE_FAILED_LOGON : HC_ROLE_LOGON);
	if (w->conn >= 0) {
		const struct hc_event *ce = &p->set->v[w->conn];
		hc_cite(hop, ce, HC_ROLE_SOURCE_CONNECTION);
		if ((rc = pair(a, dst, src, ev->time - ce->time)) < 0)
			return rc;
	}
	if (w->x >= 0) {
		const struct hc_event *xe = &p->set->v[w->x];
		int xh = hc_host_of(a, xe);
		if (xh == src) {
			hc_cite(hop, xe, HC_ROLE_EXPLICIT);
			if (xe->norm.has_subject_logon_id &&
			    (hop->src_session =
			         hc_session_find(a, xh, xe->time, xe->norm.subject_logon_id)) >= 0)
				hop->src_proof = HC_PROOF_4648;
			if ((rc = pair(a, dst, src, ev->time - xe->time)) < 0)
				return rc;
		}
	}
	if (w->tk >= 0) {
		const struct hc_event *te = &p->set->v[w->tk];
		if (src < 0 || hc_host_by_addr(a, te->norm.ip, te->time) == src) {
			hc_cite(hop, te, HC_ROLE_TICKET);
			/* a fresh ticket pairs the DC's clock with the target's:
			 * Kerberos itself keeps them within 5 minutes */
			if (ev->time - te->time <= HC_KERBEROS_SKEW &&
			    te->time - ev->time <= HC_KERBEROS_SKEW &&
			    (rc = pair(a, dst, hc_host_of(a, te), ev->time - te->time)) < 0)
				return rc;
		}
	}
	if (w->lis >= 0 && w->src_ip == p->set->v[w->lis].norm.ip)
		hc_cite(hop, &p->set->v[w->lis], HC_ROLE_TARGET_CONNECTION);
	if (w->val >= 0 && src >= 0 &&
	    hc_host_by_name(a, p->set->v[w->val].norm.workstation) == src)
		hc_cite(hop, &p->set->v[w->val], HC_ROLE_VALIDATION);
	return HC_OK;
}

static int hop_from(struct hc_analysis *a, size_t i)
{
	struct priv *p = a->priv;
	const struct hc_event *ev = &p->set->v[i];
	const struct hc_norm *n = &ev->norm;
	struct witnesses w;
	struct hc_hop *hop;
	int dst, rc;

	if ((ev->event_id != 4624 && ev->event_id != 4625) || !hc_is_hop_type(n->logon_type))
		return HC_OK;
	if ((dst = hc_host_of(a, ev)) < 0)
		return dst;
	if (n->ip && hc_ip_is_local(n->ip))
		return HC_OK; /* loopback: local */
	find_witnesses(a, ev, dst, &w);
	if (local_logon(a, ev, dst, &w))
		return HC_OK;
	if ((rc = add_hop(a, ev, w.src, dst, w.how, &hop)) < 0)
		return rc;
	hop->src_ip = w.src_ip ? w.src_ip : hc_host_addr_at(a, w.src, ev->time);
	if ((rc = cite_witnesses(a, hop, ev, dst, &w)) < 0)
		return rc;
	if (ev->event_id == 4624 && n->has_target_logon_id) {
		hop->session = hc_session_find(a, dst, ev->time, n->target_logon_id);
		if (hop->session >= 0)
			a->sessions[hop->session].hop = (int)(a->nhops - 1);
	}
	return HC_OK;
}

/* WinRM with CredSSP logs a Kerberos network logon (type 3) and the
 * NetworkCleartext logon (type 8) of the same user from the same client
 * within a moment (DOMAIN.md 6.2): one hop, not two. The type-3 twin
 * becomes evidence of the type-8 hop. */
static void absorb_credssp_twins(struct hc_analysis *a)
{
	struct priv *p = a->priv;

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
				if (!h8->src_ip)
					h8->src_ip = h3->src_ip;
				hc_cite(h8, h3->ev, HC_ROLE_CREDSSP_TRANSPORT);
				for (size_t e = 1; e < h3->nev; e++)
					hc_cite(h8, h3->evidence[e].ev, h3->evidence[e].role);
				if (h8->src_session < 0) {
					h8->src_session = h3->src_session;
					h8->src_proof = h3->src_proof;
				}
				break;
			}
		}
	}
}

/* Hops into hosts whose log is missing: only the source's 4648 tells. */
static int hops_into_missing(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	int rc;

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
			if ((rc = add_hop(a, xe, src, (int)d, HC_SRC_4648, &hop)) < 0)
				return rc;
			hop->anonymous = false;
			hop->src_ip = hc_host_addr_at(a, src, xe->time);
			hc_cite(hop, xe, HC_ROLE_EXPLICIT);
			if (xe->norm.has_subject_logon_id &&
			    (hop->src_session =
			         hc_session_find(a, src, xe->time, xe->norm.subject_logon_id)) >= 0)
				hop->src_proof = HC_PROOF_4648;
			long tk = hc_find_ticket(a, (int)d, &xe->norm.target, xe->time);
			if (tk >= 0)
				hc_cite(hop, &p->set->v[tk], HC_ROLE_TICKET);
		}
	}
	return HC_OK;
}

int hc_hops_build(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	int rc;

	for (size_t i = 0; i < p->set->n; i++)
		if ((rc = hop_from(a, i)) < 0)
			return rc;
	absorb_credssp_twins(a);
	return hops_into_missing(a);
}

/* ------------------------------------------------------------------ */
/* folding repeats                                                      */

/* 1 when `h` repeats `r`: the same source, target, account, package,
 * outcome and class. */
static bool same_act(const struct hc_hop *r, const struct hc_hop *h)
{
	const struct hc_norm *a = &r->ev->norm, *b = &h->ev->norm;

	if (r->src != h->src || r->dst != h->dst || r->failed != h->failed ||
	    r->anonymous != h->anonymous || r->cls != h->cls || r->ev->event_id != h->ev->event_id)
		return false;
	if (r->src < 0 && (!r->src_ip || !h->src_ip || strcmp(r->src_ip, h->src_ip) != 0))
		return false;
	if ((a->package == NULL) != (b->package == NULL) ||
	    (a->package && strcasecmp(a->package, b->package) != 0))
		return false;
	return r->anonymous || hc_account_equal(&a->target, &b->target);
}

static uint64_t act_key(const struct hc_hop *h)
{
	const struct hc_norm *n = &h->ev->norm;
	const char *user = h->anonymous ? "" : n->target.name ? n->target.name : "";
	uint64_t k = (uint64_t)(unsigned)h->src << 32 ^ (uint64_t)(unsigned)h->dst ^
	             (uint64_t)h->cls << 60 ^ (uint64_t)h->failed << 58;

	k = hc_key_hash(k, user, hc_user_len(user));
	return h->src < 0 && h->src_ip ? hc_key_hash(k, h->src_ip, strlen(h->src_ip)) : k;
}

/* One act often leaves several logons (DCOM, SMB and WinRM open two to
 * five sessions within seconds): a logon that repeats the previous one of
 * its act within HC_FOLD_GAP folds into it, and the first lists them. */
int hc_hops_fold(struct hc_analysis *a)
{
	struct hc_imap last = {0}; /* act key -> the latest hop of the act */
	int *order = malloc((a->nhops + 1) * sizeof(*order)), rc = HC_OK;

	if (!order)
		return HC_ERR_NOMEM;
	for (size_t i = 0; i < a->nhops; i++)
		order[i] = (int)i;
	qsort_r(order, a->nhops, sizeof(int), hc_cmp_hop_at, a);
	for (size_t k = 0; k < a->nhops && rc == HC_OK; k++) {
		struct hc_hop *h = &a->hops[order[k]];
		uint64_t key;
		int *f;
		if (h->absorbed)
			continue;
		key = act_key(h);
		if ((f = hc_imap_find(&last, key))) {
			struct hc_hop *prev = &a->hops[*f];
			int rep = prev->repeat_of >= 0 ? prev->repeat_of : *f;
			struct hc_hop *r = &a->hops[rep];
			if (h->at - prev->at <= HC_FOLD_GAP && same_act(r, h)) {
				if ((r->nrepeats & (r->nrepeats - 1)) == 0) {
					int *nr = realloc(r->repeats,
					                  (r->nrepeats ? r->nrepeats * 2 : 1) *
					                      sizeof(int));
					if (!nr) {
						rc = HC_ERR_NOMEM;
						break;
					}
					r->repeats = nr;
				}
				r->repeats[r->nrepeats++] = order[k];
				h->repeat_of = rep;
				if (r->src_session < 0) {
					r->src_session = h->src_session;
					r->src_proof = h->src_proof;
				}
				for (size_t e = 1; e < h->nev; e++)
					if (h->evidence[e].role != HC_ROLE_LOGON)
						hc_cite(r, h->evidence[e].ev, h->evidence[e].role);
			}
		}
		rc = hc_imap_put(&last, key, order[k]);
	}
	hc_imap_free(&last);
	free(order);
	return rc;
}

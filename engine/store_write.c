/* Writing into the store: input files and their events (deduplicated,
 * one transaction per file), and one analysis, every value a bound
 * parameter of the embedded statements of queries/. */
#include "store_int.h"
#include "../parsers/decode.h"
#include "../base/dynbuf.h"
#include "../base/hash.h"
#include "../base/utf8.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* writing one analysis                                                 */

enum {
	ST_FILE,
	ST_EVENT,
	ST_HOST,
	ST_HOST_ADDRESS,
	ST_HOST_BOOT,
	ST_SESSION,
	ST_HOP,
	ST_HOP_EVIDENCE,
	ST_LINK,
	ST_CHAIN,
	ST_CHAIN_HOP,
	ST_FINDING,
	ST_FINDING_EVIDENCE,
	ST_WARNING,
	ST_UPDATE_FILE,
	ST_SET_META,
	ST_N
};

static const struct {
	const char *sql, *name;
} stmt_src[ST_N] = {
    [ST_FILE] = {hc_sql_insert_file, "insert_file.sql"},
    [ST_EVENT] = {hc_sql_insert_event, "insert_event.sql"},
    [ST_HOST] = {hc_sql_insert_host, "insert_host.sql"},
    [ST_HOST_ADDRESS] = {hc_sql_insert_host_address, "insert_host_address.sql"},
    [ST_HOST_BOOT] = {hc_sql_insert_host_boot, "insert_host_boot.sql"},
    [ST_SESSION] = {hc_sql_insert_session, "insert_session.sql"},
    [ST_HOP] = {hc_sql_insert_hop, "insert_hop.sql"},
    [ST_HOP_EVIDENCE] = {hc_sql_insert_hop_evidence, "insert_hop_evidence.sql"},
    [ST_LINK] = {hc_sql_insert_link, "insert_link.sql"},
    [ST_CHAIN] = {hc_sql_insert_chain, "insert_chain.sql"},
    [ST_CHAIN_HOP] = {hc_sql_insert_chain_hop, "insert_chain_hop.sql"},
    [ST_FINDING] = {hc_sql_insert_finding, "insert_finding.sql"},
    [ST_FINDING_EVIDENCE] = {hc_sql_insert_finding_evidence, "insert_finding_evidence.sql"},
    [ST_WARNING] = {hc_sql_insert_warning, "insert_warning.sql"},
    [ST_UPDATE_FILE] = {hc_sql_update_file, "update_file.sql"},
    [ST_SET_META] = {hc_sql_set_meta, "set_meta.sql"},
};

/* Input file path -> files.id (events of one file usually share the
 * pointer: the last one is remembered). */
struct file_map {
	struct hc_smap ids;
	const char *last;
	int64_t last_id;
};

struct writer {
	struct hc_store *s;
	const struct hc_eventset *set;
	const struct hc_analysis *a;
	struct hc_diag *d;
	sqlite3_stmt *st[ST_N];
	/* the statement being bound: next parameter, first bind error */
	int cur, param, bind_rc;
	struct hc_buf json, text;
	struct file_map files;
	char t0[40], t1[40]; /* RFC 3339 texts bound SQLITE_STATIC until the next row */
	int *link_rank;
	int64_t *ids;      /* events.id of each event of the set (0: not stored) */
	int64_t nfindings; /* findings written (their ids) */
};

static int nomem(struct writer *w)
{
	hc_diag_clear(w->d);
	if (w->d) {
		snprintf(w->d->file, sizeof(w->d->file), "%s", w->s->path);
		hc_diag_set(w->d, "out of memory while writing the store");
	}
	return HC_ERR_NOMEM;
}

static int bad_analysis(struct writer *w, const char *what)
{
	hc_diag_clear(w->d);
	if (w->d) {
		snprintf(w->d->file, sizeof(w->d->file), "%s", w->s->path);
		hc_diag_set(w->d, "analysis inconsistent with its event set: %s", what);
	}
	return HC_ERR_USAGE;
}

/* --- binding: parameters in order, the first error kept ------------- */

static sqlite3_stmt *bind_start(struct writer *w, int st)
{
	w->cur = st;
	w->param = 0;
	w->bind_rc = SQLITE_OK;
	return w->st[st];
}

static void bind_rc(struct writer *w, int rc)
{
	if (rc != SQLITE_OK && w->bind_rc == SQLITE_OK)
		w->bind_rc = rc;
}

static void b_null(struct writer *w)
{
	bind_rc(w, sqlite3_bind_null(w->st[w->cur], ++w->param));
}

static void b_int(struct writer *w, int64_t v)
{
	bind_rc(w, sqlite3_bind_int64(w->st[w->cur], ++w->param, v));
}

static void b_opt_int(struct writer *w, bool has, int64_t v)
{
	if (has)
		b_int(w, v);
	else
		b_null(w);
}

/* -1 (absent) -> NULL */
static void b_int_or_null(struct writer *w, int64_t v)
{
	b_opt_int(w, v >= 0, v);
}

/* 0 -> NULL: ids of optional rows (ids start at 1) */
static void b_id(struct writer *w, int64_t id)
{
	b_opt_int(w, id > 0, id);
}

static void b_real(struct writer *w, double v)
{
	bind_rc(w, sqlite3_bind_double(w->st[w->cur], ++w->param, v));
}

/* Text that outlives the row (event arena, analysis, writer buffers):
 * bound without a copy. Invalid UTF-8 is repaired into a copy SQLite frees. */
static void b_text(struct writer *w, const char *s)
{
	sqlite3_stmt *st = w->st[w->cur];
	char *fixed;

	if (!s) {
		b_null(w);
		return;
	}
	if (hc_utf8_valid(s)) {
		bind_rc(w, sqlite3_bind_text(st, ++w->param, s, -1, SQLITE_STATIC));
		return;
	}
	if (!(fixed = hc_utf8_repair(s))) {
		w->param++;
		bind_rc(w, SQLITE_NOMEM);
		return;
	}
	bind_rc(w, sqlite3_bind_text(st, ++w->param, fixed, -1, free));
}

/* The first label of a Computer name (up to the first '.'), bound as text:
 * the host part of an event's identity. */
static void b_host(struct writer *w, const char *computer)
{
	const char *c = computer ? computer : "";

	if (!hc_utf8_valid(c)) {
		b_text(w, c); /* repaired copy; a bad name is its own host */
		return;
	}
	bind_rc(w, sqlite3_bind_text(w->st[w->cur], ++w->param, c, (int)strcspn(c, "."),
	                             SQLITE_STATIC));
}

/* Steps the bound statement once and resets it. */
static int b_exec(struct writer *w)
{
	sqlite3_stmt *st = w->st[w->cur];
	const char *name = stmt_src[w->cur].name;
	int rc = w->bind_rc;

	if (rc == SQLITE_OK && w->param != sqlite3_bind_parameter_count(st)) {
		hc_diag_clear(w->d);
		if (w->d)
			snprintf(w->d->file, sizeof(w->d->file), "%s", w->s->path);
		if (w->d)
			hc_diag_set(w->d, "%s: %d parameters bound, the statement has %d", name,
			            w->param, sqlite3_bind_parameter_count(st));
		return HC_ERR_USAGE;
	}
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_reset(st);
	return rc == SQLITE_OK ? 0 : hc_store_fail(w->s, rc, name, w->d);
}

/* --- ids -------------------------------------------------------------- */

/* Index of `ev` in the set, or -1 when it is not one of its events. */
static int64_t event_index(const struct writer *w, const struct hc_event *ev)
{
	uintptr_t p = (uintptr_t)ev, b = (uintptr_t)w->set->v;

	if (!ev || p < b || p >= b + w->set->n * sizeof(*ev) || (p - b) % sizeof(*ev))
		return -1;
	return (int64_t)((p - b) / sizeof(*ev));
}

/* events.id of `ev`; 0 for NULL, -1 when it is not an event of the set or
 * was never stored. */
static int64_t event_id(const struct writer *w, const struct hc_event *ev)
{
	int64_t i;

	if (!ev)
		return 0;
	if ((i = event_index(w, ev)) < 0 || w->ids[i] <= 0)
		return -1;
	return w->ids[i];
}

/* files.id of `path`, inserting the file on first sight; 0 for NULL. */
static int file_id(struct writer *w, const char *path, int64_t *id)
{
	struct file_map *m = &w->files;
	const int *known;
	int64_t rowid;
	int rc;

	*id = 0;
	if (!path)
		return 0;
	if (path == m->last) {
		*id = m->last_id;
		return 0;
	}
	if ((known = hc_smap_find(&m->ids, path))) {
		*id = *known;
	} else {
		bind_start(w, ST_FILE);
		b_text(w, path);
		b_null(w);
		b_null(w);
		b_null(w);
		b_null(w);
		if ((rc = b_exec(w)) < 0)
			return rc;
		rowid = sqlite3_last_insert_rowid(w->s->db);
		if (rowid <= 0 || rowid > INT_MAX) { /* more files than a case holds */
			hc_diag_clear(w->d);
			hc_diag_set(w->d, "file id %lld out of range", (long long)rowid);
			return HC_ERR_LIMIT;
		}
		if (hc_smap_put(&m->ids, path, (int)rowid) < 0)
			return nomem(w);
		*id = rowid;
	}
	m->last = path;
	m->last_id = *id;
	return 0;
}

/* --- rows --------------------------------------------------------------- */

static const char *imp_text(enum hc_imp i)
{
	static const char *const n[] = {
	    NULL, "Anonymous", "Identification", "Impersonation", "Delegation", "Other"};
	return (unsigned)i < 6 ? n[i] : NULL;
}

/* Inserts `ev` (of file `fid`) unless the store holds it (the same host,
 * channel and record id within HC_DUP_WINDOW); *id is the new events.id,
 * or 0 when it was a duplicate. */
static int write_event(struct writer *w, const struct hc_event *ev, int64_t fid, int64_t *id)
{
	const struct hc_norm *n = &ev->norm;
	int rc;

	*id = 0;
	if (ev->compact) {
		w->json.len = 0;
	} else if ((rc = hc_store_data_encode(ev, &w->json)) < 0) {
		return rc == HC_ERR_NOMEM ? nomem(w) : bad_analysis(w, "event data too large");
	}
	hc_time_format(ev->time, w->t0, sizeof(w->t0));
	bind_start(w, ST_EVENT);
	b_null(w);
	b_id(w, fid);
	b_int(w, (int64_t)ev->record_id);
	b_int(w, ev->time);
	b_text(w, w->t0);
	b_text(w, ev->computer);
	b_text(w, ev->channel);
	b_text(w, ev->provider);
	b_int(w, ev->event_id);
	b_int(w, ev->version);
	b_int(w, ev->recovered);
	b_int(w, ev->truncated);
	b_text(w, n->subject.name);
	b_text(w, n->subject.domain);
	b_text(w, n->subject.sid);
	b_opt_int(w, n->has_subject_logon_id, (int64_t)n->subject_logon_id);
	b_text(w, n->target.name);
	b_text(w, n->target.domain);
	b_text(w, n->target.sid);
	b_opt_int(w, n->has_target_logon_id, (int64_t)n->target_logon_id);
	b_opt_int(w, n->has_linked_logon_id, (int64_t)n->linked_logon_id);
	b_int_or_null(w, n->logon_type);
	b_text(w, n->logon_process);
	b_text(w, n->package);
	b_text(w, n->lm_package);
	b_int_or_null(w, n->key_length);
	b_text(w, imp_text(n->impersonation));
	b_text(w, n->workstation);
	b_text(w, n->ip);
	b_int_or_null(w, n->port);
	b_text(w, n->process_name);
	b_text(w, n->logon_guid);
	b_opt_int(w, n->has_status, n->status);
	b_opt_int(w, n->has_substatus, n->substatus);
	b_text(w, n->failure_reason);
	b_text(w, n->target_server);
	b_text(w, n->service_name);
	b_int(w, n->anonymous);
	/* already valid UTF-8: bound as is; NULL for a compacted event */
	if (ev->compact)
		b_null(w);
	else
		bind_rc(w, sqlite3_bind_text(w->st[ST_EVENT], ++w->param, w->json.p,
		                             (int)w->json.len, SQLITE_STATIC));
	b_host(w, ev->computer);
	b_int(w, HC_DUP_WINDOW);
	if ((rc = b_exec(w)) < 0)
		return rc;
	if (sqlite3_changes(w->s->db) > 0)
		*id = sqlite3_last_insert_rowid(w->s->db);
	return 0;
}

/* Stores the events the analysis cites that are not in the store yet
 * (all of them for the in-memory store of a plain analyze), in set order,
 * and fills w->ids. */
static int write_cited_events(struct writer *w)
{
	const struct hc_analysis *a = w->a;
	const struct hc_eventset *set = w->set;
	unsigned char *cite = calloc(set->n + 1, 1);
	int rc = 0;

	if (!cite)
		return nomem(w);
#define CITE(e)                                                                                    \
	do {                                                                                       \
		int64_t k_ = event_index(w, (e));                                                  \
		if (k_ >= 0)                                                                       \
			cite[k_] = 1;                                                              \
	} while (0)
	for (size_t i = 0; i < a->nhosts; i++)
		for (size_t k = 0; k < a->hosts[i].naddr; k++)
			CITE(a->hosts[i].addr[k].ev);
	for (size_t i = 0; i < a->nsessions; i++) {
		CITE(a->sessions[i].logon);
		CITE(a->sessions[i].logoff);
	}
	for (size_t i = 0; i < a->nhops; i++) {
		CITE(a->hops[i].ev);
		for (size_t k = 0; k < a->hops[i].nev; k++)
			CITE(a->hops[i].evidence[k].ev);
	}
	for (size_t i = 0; i < a->nchains; i++)
		for (size_t f = 0; f < a->chains[i].nfindings; f++)
			for (size_t k = 0; k < a->chains[i].findings[f].nev; k++)
				CITE(a->chains[i].findings[f].ev[k].ev);
#undef CITE
	for (size_t i = 0; i < set->n && rc == 0; i++) {
		int64_t fid, id;
		w->ids[i] = set->v[i].store_id;
		if (!cite[i] || w->ids[i] > 0)
			continue;
		if ((rc = file_id(w, set->v[i].file, &fid)) < 0 ||
		    (rc = write_event(w, &set->v[i], fid, &id)) < 0)
			break;
		w->ids[i] = id;
	}
	free(cite);
	return rc;
}

static int write_hosts(struct writer *w)
{
	const struct hc_analysis *a = w->a;
	int rc;

	for (size_t i = 0; i < a->nhosts; i++) {
		const struct hc_host *h = &a->hosts[i];
		bind_start(w, ST_HOST);
		b_int(w, (int64_t)i + 1);
		b_text(w, h->name);
		b_text(w, h->fqdn);
		b_text(w, hc_learn_name(h->how));
		b_int(w, h->has_log);
		b_int(w, h->kdc);
		b_int(w, h->collector);
		b_int(w, h->service_account);
		b_opt_int(w, h->clock.pairs > 0, h->clock.offset);
		b_opt_int(w, h->clock.pairs > 0, (int64_t)h->clock.pairs);
		b_id(w, h->clock.pairs > 0 && h->clock.ref >= 0 ? h->clock.ref + 1 : 0);
		b_opt_int(w, h->clock.pairs > 0, h->clock.applied);
		if ((rc = b_exec(w)) < 0)
			return rc;
		for (size_t k = 0; k < h->naddr; k++) {
			int64_t ev = event_id(w, h->addr[k].ev);
			if (ev < 0)
				return bad_analysis(w, "host address from a foreign event");
			bind_start(w, ST_HOST_ADDRESS);
			b_int(w, (int64_t)i + 1);
			b_text(w, h->addr[k].ip);
			b_text(w, hc_learn_name(h->addr[k].how));
			b_id(w, ev);
			if ((rc = b_exec(w)) < 0)
				return rc;
		}
		for (size_t k = 0; k < h->nboot; k++) {
			hc_time_format(h->boot[k], w->t0, sizeof(w->t0));
			bind_start(w, ST_HOST_BOOT);
			b_int(w, (int64_t)i + 1);
			b_int(w, (int64_t)k + 1);
			b_int(w, h->boot[k]);
			b_text(w, w->t0);
			if ((rc = b_exec(w)) < 0)
				return rc;
		}
	}
	return 0;
}

static bool in_range(int i, size_t n)
{
	return i >= 0 && (size_t)i < n;
}

static int write_sessions(struct writer *w)
{
	const struct hc_analysis *a = w->a;
	int rc;

	for (size_t i = 0; i < a->nsessions; i++) {
		const struct hc_session *s = &a->sessions[i];
		int64_t on = event_id(w, s->logon), off = event_id(w, s->logoff);
		if (on < 0 || off < 0 || !in_range(s->host, a->nhosts) ||
		    (s->hop >= 0 && !in_range(s->hop, a->nhops)))
			return bad_analysis(w, "session");
		hc_time_format(s->start, w->t0, sizeof(w->t0));
		hc_time_format(s->end, w->t1, sizeof(w->t1));
		bind_start(w, ST_SESSION);
		b_int(w, (int64_t)i + 1);
		b_int(w, s->host + 1);
		b_int(w, s->boot);
		b_int(w, (int64_t)s->logon_id);
		b_int(w, s->start);
		b_text(w, w->t0);
		b_int(w, s->end);
		b_text(w, w->t1);
		b_int(w, s->end_seen);
		b_int(w, s->privileged);
		b_id(w, on);
		b_id(w, off);
		b_id(w, s->hop + 1);
		if ((rc = b_exec(w)) < 0)
			return rc;
	}
	return 0;
}

/* DOMAIN\user as the JSON output shows a hop's account, into w->text. */
static const char *hop_account(struct writer *w, const struct hc_hop *h)
{
	const struct hc_account *t = &h->ev->norm.target;
	size_t dl = t->domain ? strlen(t->domain) : 0, nl = t->name ? strlen(t->name) : 1;

	if (h->anonymous)
		return "ANONYMOUS LOGON";
	if (hc_buf_reserve(&w->text, dl + nl + 2, HC_MAX_STORE_JSON) < 0)
		return NULL;
	snprintf(w->text.p, w->text.cap, "%s%s%s", t->domain ? t->domain : "",
	         t->domain ? "\\" : "", t->name ? t->name : "-");
	return w->text.p;
}

static int write_hops(struct writer *w)
{
	const struct hc_analysis *a = w->a;
	int rc;

	for (size_t i = 0; i < a->nhops; i++) {
		const struct hc_hop *h = &a->hops[i];
		int64_t ev = event_id(w, h->ev);
		const struct hc_norm *n;
		const char *acct;
		if (ev <= 0 || !in_range(h->dst, a->nhosts) ||
		    (h->src != -1 && !in_range(h->src, a->nhosts)) ||
		    (h->session >= 0 && !in_range(h->session, a->nsessions)) ||
		    (h->src_session >= 0 && !in_range(h->src_session, a->nsessions)) ||
		    h->nev > HC_MAX_EVIDENCE || h->nparents > HC_MAX_CANDIDATES)
			return bad_analysis(w, "hop");
		n = &h->ev->norm;
		if (!(acct = hop_account(w, h)))
			return nomem(w);
		hc_time_format(h->time, w->t0, sizeof(w->t0));
		bind_start(w, ST_HOP);
		b_int(w, (int64_t)i + 1);
		b_int(w, ev);
		b_int(w, h->time);
		b_text(w, w->t0);
		b_id(w, h->src + 1);
		b_int(w, h->dst + 1);
		b_text(w, h->src_ip);
		b_text(w, hc_source_name(h->src_how));
		b_text(w, acct);
		b_text(w, n->target.sid);
		b_text(w, n->package);
		b_text(w, n->lm_package);
		b_int_or_null(w, n->logon_type);
		b_text(w, imp_text(n->impersonation));
		b_int(w, h->anonymous);
		b_int(w, h->failed);
		b_id(w, h->session >= 0 ? h->session + 1 : 0);
		b_id(w, h->src_session >= 0 ? h->src_session + 1 : 0);
		b_text(w, hc_class_name(h->cls));
		b_text(w, h->class_why);
		b_int(w, h->at);
		b_id(w, in_range(h->repeat_of, a->nhops) ? h->repeat_of + 1 : 0);
		b_text(w, h->src_session >= 0 ? hc_proof_name(h->src_proof) : NULL);
		b_int(w, h->absorbed);
		if ((rc = b_exec(w)) < 0)
			return rc;
		for (size_t k = 0; k < h->nev; k++) {
			int64_t e = event_id(w, h->evidence[k].ev);
			if (e <= 0)
				return bad_analysis(w, "hop evidence");
			bind_start(w, ST_HOP_EVIDENCE);
			b_int(w, (int64_t)i + 1);
			b_int(w, (int64_t)k + 1);
			b_int(w, e);
			b_text(w, hc_role_name(h->evidence[k].role)
			              ? hc_role_name(h->evidence[k].role)
			              : "?");
			if ((rc = b_exec(w)) < 0)
				return rc;
		}
		for (size_t k = 0; k < h->nparents; k++) {
			if (!in_range(h->parents[k], a->nlinks))
				return bad_analysis(w, "hop parent");
			if (w->link_rank[h->parents[k]] < 0)
				w->link_rank[h->parents[k]] = (int)k;
		}
	}
	return 0;
}

static int write_links(struct writer *w)
{
	const struct hc_analysis *a = w->a;
	int rc;

	for (size_t i = 0; i < a->nlinks; i++) {
		const struct hc_link *l = &a->links[i];
		if (!in_range(l->parent, a->nhops) || !in_range(l->child, a->nhops))
			return bad_analysis(w, "link");
		bind_start(w, ST_LINK);
		b_int(w, (int64_t)i + 1);
		b_int(w, l->parent + 1);
		b_int(w, l->child + 1);
		b_real(w, l->confidence);
		b_int(w, l->gap);
		b_int(w, l->via_4648);
		b_int(w, l->account_match);
		b_int(w, l->ambiguous);
		b_int_or_null(w, w->link_rank[i]);
		b_int(w, l->restricted_admin);
		b_text(w, hc_proof_name(l->proof));
		if ((rc = b_exec(w)) < 0)
			return rc;
	}
	return 0;
}

static int write_chains(struct writer *w)
{
	const struct hc_analysis *a = w->a;
	int rc;

	for (size_t i = 0; i < a->nchains; i++) {
		const struct hc_chain *c = &a->chains[i];
		hc_time_format(c->start, w->t0, sizeof(w->t0));
		hc_time_format(c->end, w->t1, sizeof(w->t1));
		bind_start(w, ST_CHAIN);
		b_int(w, (int64_t)i + 1);
		b_text(w, c->id);
		b_int(w, c->start);
		b_text(w, w->t0);
		b_int(w, c->end);
		b_text(w, w->t1);
		b_int(w, (int64_t)c->nhops);
		if ((rc = b_exec(w)) < 0)
			return rc;
		for (size_t k = 0; k < c->nhops; k++) {
			if (!in_range(c->hops[k], a->nhops) ||
			    (k > 0 && !in_range(c->links[k - 1], a->nlinks)))
				return bad_analysis(w, "chain");
			bind_start(w, ST_CHAIN_HOP);
			b_int(w, (int64_t)i + 1);
			b_int(w, (int64_t)k + 1);
			b_int(w, c->hops[k] + 1);
			b_id(w, k > 0 ? c->links[k - 1] + 1 : 0);
			if ((rc = b_exec(w)) < 0)
				return rc;
		}
		for (size_t k = 0; k < c->nfindings; k++) {
			const struct hc_finding *f = &c->findings[k];
			int64_t fid = ++w->nfindings;
			bind_start(w, ST_FINDING);
			b_int(w, fid);
			b_int(w, (int64_t)i + 1);
			b_int(w, (int64_t)f->hop);
			b_id(w, f->hop >= 1 && f->hop <= c->nhops ? c->hops[f->hop - 1] + 1 : 0);
			b_text(w, f->id ? f->id : "?");
			b_text(w, hc_severity_name(f->severity));
			b_int(w, f->severity);
			b_text(w, f->technique);
			b_text(w, f->what ? f->what : "");
			b_text(w, f->todo ? f->todo : "");
			if ((rc = b_exec(w)) < 0)
				return rc;
			for (size_t e = 0; e < f->nev && e < HC_MAX_EVIDENCE; e++) {
				int64_t ev = event_id(w, f->ev[e].ev);
				if (ev <= 0)
					return bad_analysis(w, "finding evidence");
				bind_start(w, ST_FINDING_EVIDENCE);
				b_int(w, fid);
				b_int(w, (int64_t)e + 1);
				b_int(w, ev);
				b_text(w, hc_role_name(f->ev[e].role) ? hc_role_name(f->ev[e].role)
				                                      : "?");
				if ((rc = b_exec(w)) < 0)
					return rc;
			}
		}
	}
	for (size_t i = 0; i < a->nwarnings; i++) {
		char msg[sizeof(a->warnings[i].msg) + 1];
		/* msg is a fixed array: bind a terminated copy */
		memcpy(msg, a->warnings[i].msg, sizeof(a->warnings[i].msg));
		msg[sizeof(msg) - 1] = '\0';
		bind_start(w, ST_WARNING);
		b_text(w, msg);
		if ((rc = b_exec(w)) < 0)
			return rc;
	}
	return 0;
}

/*
 * Speed: one transaction, statements prepared once and reused, strings
 * bound SQLITE_STATIC. Measured with tests/store/bench_store on 627,295
 * events (hc-evtxgen background logs, 2 cores, ext4, file store, WAL):
 * ~61,000 events/s; about 40 % inserting rows, 45 % building indexes,
 * 15 % commit. Secondary indexes built after the inserts (10.3 s) or
 * created with the tables (9.7 s) cost the same within noise, also at
 * 177,000 events; they stay after the inserts because a sorted build
 * does not slow down once an index outgrows the page cache, as row-by-row
 * inserts into it do. A 16 KiB page size gained ~6 %: not worth a
 * non-default format yet.
 */
static int prepare_all(struct writer *w)
{
	int rc;

	for (int i = 0; i < ST_N; i++)
		if ((rc = hc_store_prepare(w->s, stmt_src[i].sql, stmt_src[i].name, &w->st[i],
		                           w->d)) < 0)
			return rc;
	return 0;
}

static void writer_free(struct writer *w)
{
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(w->st[i]);
	hc_smap_free(&w->files.ids);
	hc_buf_free(&w->json);
	hc_buf_free(&w->text);
	free(w->link_rank);
	free(w->ids);
}

static int set_meta(struct writer *w, const char *key, const char *value)
{
	bind_start(w, ST_SET_META);
	b_text(w, key);
	b_text(w, value);
	return b_exec(w);
}

int hc_store_generation(struct hc_store *s, int64_t *gen, struct hc_diag *d)
{
	char v[32];
	int rc = hc_store_get_meta(s, "generation", v, sizeof(v), d);

	*gen = rc > 0 ? strtoll(v, NULL, 10) : 0;
	return rc < 0 ? rc : 0;
}

int hc_store_write(struct hc_store *s, const struct hc_eventset *set, const struct hc_analysis *a,
                   const char *const *meta, size_t nmeta, int64_t generation, struct hc_diag *d)
{
	struct writer w = {.s = s, .set = set, .a = a, .d = d};
	char now[40];
	int64_t cur = 0;
	bool stale = false;
	int rc;

	w.link_rank = malloc((a->nlinks + 1) * sizeof(*w.link_rank));
	w.ids = calloc(set->n + 1, sizeof(*w.ids));
	if (!w.link_rank || !w.ids) {
		rc = nomem(&w);
		writer_free(&w);
		return rc;
	}
	for (size_t i = 0; i < a->nlinks; i++)
		w.link_rank[i] = -1;
	if ((rc = hc_store_run(s, hc_sql_begin, "begin.sql", d)) < 0) {
		writer_free(&w);
		return rc;
	}
	if ((rc = hc_store_run(s, hc_sql_reset_analysis, "reset_analysis.sql", d)) < 0 ||
	    (rc = hc_store_run(s, hc_sql_schema_analysis, "schema_analysis.sql", d)) < 0 ||
	    (rc = prepare_all(&w)) < 0 || (rc = write_cited_events(&w)) < 0)
		goto out;
	if ((rc = write_hosts(&w)) < 0 || (rc = write_sessions(&w)) < 0 ||
	    (rc = write_hops(&w)) < 0 || (rc = write_links(&w)) < 0 || (rc = write_chains(&w)) < 0)
		goto out;
	/* the in-memory store of a plain `analyze` is never queried after the
	 * run: its secondary indexes would cost ~45 % of the write for nothing,
	 * and so would the logon summary */
	if (strcmp(s->path, ":memory:") != 0 &&
	    ((rc = hc_store_run(s, hc_sql_schema_indexes, "schema_indexes.sql", d)) < 0 ||
	     (rc = hc_store_run(s, hc_sql_fill_logon_summary, "fill_logon_summary.sql", d)) < 0))
		goto out;
	/* events added since the caller's generation (another ingest): the
	 * analysis goes in, but the case stays stale */
	if (generation >= 0) {
		if ((rc = hc_store_generation(s, &cur, d)) < 0)
			goto out;
		stale = cur != generation;
	}
	hc_time_format(hc_time_now(), now, sizeof(now));
	if ((rc = set_meta(&w, "hopchain_version", HC_VERSION)) < 0 ||
	    (rc = set_meta(&w, "analysis_stale", stale ? "1" : "0")) < 0 ||
	    (rc = set_meta(&w, "analysis_time", now)) < 0)
		goto out;
	for (size_t i = 0; i + 1 < nmeta * 2; i += 2)
		if ((rc = set_meta(&w, meta[i], meta[i + 1])) < 0)
			goto out;
out:
	for (int i = 0; i < ST_N; i++) {
		sqlite3_finalize(w.st[i]);
		w.st[i] = NULL;
	}
	rc = hc_store_finish(s, rc, d);
	writer_free(&w);
	return rc < 0 ? rc : stale ? 1 : 0;
}

int hc_store_add_file(struct hc_store *s, const struct hc_store_file *f, struct hc_event *ev,
                      size_t n, uint64_t *added, uint64_t *dups, struct hc_diag *d)
{
	struct writer w = {.s = s, .d = d};
	uint64_t nadded = 0, ndups = 0;
	int64_t fid;
	char now[40];
	int rc;

	if ((rc = hc_store_run(s, hc_sql_begin, "begin.sql", d)) < 0)
		return rc;
	if ((rc = prepare_all(&w)) < 0)
		goto out;
	hc_time_format(hc_time_now(), now, sizeof(now));
	bind_start(&w, ST_FILE);
	b_text(&w, f->path);
	b_text(&w, f->sha256);
	b_opt_int(&w, f->size >= 0, f->size);
	b_text(&w, f->backend);
	b_text(&w, now);
	if ((rc = b_exec(&w)) < 0)
		goto out;
	fid = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; i < n; i++) {
		int64_t id;
		if ((rc = write_event(&w, &ev[i], fid, &id)) < 0)
			goto out;
		ev[i].store_id = id;
		if (id > 0)
			nadded++;
		else
			ndups++;
	}
	bind_start(&w, ST_UPDATE_FILE);
	b_int(&w, fid);
	b_int(&w, (int64_t)f->records);
	b_int(&w, (int64_t)f->failed);
	b_int(&w, (int64_t)n);
	b_int(&w, (int64_t)nadded);
	b_int(&w, (int64_t)ndups);
	b_int(&w, (int64_t)f->errors);
	if ((rc = b_exec(&w)) < 0)
		goto out;
	if (nadded && (rc = set_meta(&w, "analysis_stale", "1")) == 0)
		rc = hc_store_run(s, hc_sql_bump_generation, "bump_generation.sql", d);
out:
	for (int i = 0; i < ST_N; i++) {
		sqlite3_finalize(w.st[i]);
		w.st[i] = NULL;
	}
	rc = hc_store_finish(s, rc, d);
	writer_free(&w);
	if (rc < 0) {
		/* rolled back: nothing of the file is in the store */
		for (size_t i = 0; i < n; i++)
			ev[i].store_id = 0;
		return rc;
	}
	*added = nadded;
	*dups = ndups;
	return 0;
}

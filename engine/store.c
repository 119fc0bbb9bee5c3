/* SQLite behind one file: opens the store (schema and version checks),
 * writes one analysis with the embedded statements of queries/, every value
 * a bound parameter, and (at the end of the file) reads it back read-only
 * for the query commands. The texts and their contracts are in the files of
 * queries/. */
#include "store.h"
#include "hc_config.h"
#include "hc_queries.h"
#include "../parsers/decode.h"
#include "../parsers/regex.h"

#include <sqlite3.h>
#include <strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Text of one event's EventData as JSON stays below HC_MAX_FIELDS fields of
 * HC_MAX_FIELD_LEN bytes, each escaped to at most 6 bytes per byte; this
 * cap only guards against a broken caller. */
#define HC_MAX_STORE_JSON ((size_t)HC_MAX_FIELDS * (HC_MAX_FIELD_LEN + HC_MAX_NAME_LEN) * 6 + 64)

/* Prepared statements of embedded queries a read-only store keeps. */
#define HC_MAX_CACHED_STMTS 16

/* What an SQL function of the read side (regexp, regexp_nocase) needs. */
struct sql_fn {
	struct hc_store *s;
	int icase;
};

/* How long a writer waits for another one's transaction. */
#define HC_STORE_BUSY_MS 60000

struct hc_store {
	sqlite3 *db;
	char path[512];   /* for diagnostics; ":memory:" for the in-memory store */
	bool file_writer; /* a file opened for writing: left one file at close */
	int last_src;     /* SQLite's code of the last failure (sql_fail) */
	/* the read side (end of this file) */
	struct {
		const char *name;
		sqlite3_stmt *st;
	} cache[HC_MAX_CACHED_STMTS];
	size_t ncache;
	struct sql_fn fn[2]; /* regexp, regexp_nocase */
	/* the first failure of regexp() in the running statement: 0,
	 * HC_ERR_USAGE (bad pattern), HC_ERR_LIMIT or HC_ERR_NOMEM */
	int fn_rc;
	char fn_msg[400];
	uint64_t fn_offset;
	bool fn_has_offset;
	/* hc_store_sql's time limit: seconds SQLite may run (0 = none), spent
	 * so far, when the running step began, whether it was stopped */
	double sql_limit, sql_used, step_start;
	bool sql_timed_out;
	/* what the authorizer saw while the last statement was prepared */
	size_t auth_actions, auth_pragmas;
	char auth_denied[64]; /* a denied function's name */
};

static void read_close(struct hc_store *s);

const char *hc_store_sqlite_version(void)
{
	return sqlite3_libversion();
}

int hc_store_schema_version(void)
{
	return HC_SCHEMA_VERSION;
}

static int code_of(int src)
{
	switch (src & 0xff) {
	case SQLITE_NOMEM:
		return HC_ERR_NOMEM;
	case SQLITE_NOTADB:
		return HC_ERR_FORMAT;
	default:
		return HC_ERR_IO;
	}
}

/* Fills `d` from the connection's last error; `what` names the step (the
 * query file, or an action). Returns the HC_ERR_* for `src`. */
static int sql_fail(struct hc_store *s, int src, const char *what, struct hc_diag *d)
{
	s->last_src = src;
	hc_diag_clear(d);
	if (d && (src & 0xff) == SQLITE_NOTADB) {
		snprintf(d->file, sizeof(d->file), "%s", s->path);
		hc_diag_set(d, "not an SQLite database");
	} else if (d) {
		snprintf(d->file, sizeof(d->file), "%s", s->path);
		hc_diag_set(d, "%s: %s", what,
		            s->db && sqlite3_errcode(s->db) != SQLITE_OK ? sqlite3_errmsg(s->db)
		                                                         : sqlite3_errstr(src));
	}
	return code_of(src);
}

/* Runs a script of statements without parameters (schema, pragmas). */
static int run(struct hc_store *s, const char *sql, const char *name, struct hc_diag *d)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sql_fail(s, rc, name, d);
}

/* Prepares one statement of a query file; the file must hold exactly one. */
static int prepare(struct hc_store *s, const char *sql, const char *name, sqlite3_stmt **st,
                   struct hc_diag *d)
{
	const char *tail = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, &tail);

	if (rc != SQLITE_OK)
		return sql_fail(s, rc, name, d);
	if (!*st || (tail && tail[strspn(tail, " \t\r\n")])) {
		sqlite3_finalize(*st);
		*st = NULL;
		hc_diag_clear(d);
		if (d)
			hc_diag_set(d, "%s: not exactly one SQL statement", name);
		return HC_ERR_USAGE;
	}
	return 0;
}

/* One integer out of a query without parameters. */
static int query_int(struct hc_store *s, const char *sql, const char *name, int64_t *out,
                     struct hc_diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s, sql, name, &st, d);

	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = sql_fail(s, rc == SQLITE_DONE ? SQLITE_ERROR : rc, name, d);
		sqlite3_finalize(st);
		return rc;
	}
	*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* Ends the transaction a write began: COMMIT when rc is 0, else ROLLBACK. */
static int finish(struct hc_store *s, int rc, struct hc_diag *d)
{
	if (rc == 0)
		rc = run(s, hc_sql_commit, "commit.sql", d);
	if (rc < 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, hc_sql_rollback, NULL, NULL, NULL);
	return rc;
}

/* Every table of hopchain's, empty, in one transaction; `drop_first`
 * drops what there was (analyze --db replaces the store). */
static int create_schema(struct hc_store *s, bool drop_first, struct hc_diag *d)
{
	int rc = run(s, hc_sql_begin, "begin.sql", d);

	if (rc < 0)
		return rc;
	if (drop_first && (rc = run(s, hc_sql_reset_analysis, "reset_analysis.sql", d)) == 0)
		rc = run(s, hc_sql_reset, "reset.sql", d);
	if (rc == 0 && (rc = run(s, hc_sql_schema, "schema.sql", d)) == 0)
		rc = run(s, hc_sql_schema_analysis, "schema_analysis.sql", d);
	return finish(s, rc, d);
}

/* A new handle on `path` (NULL: a private in-memory database) opened with
 * `flags` (never SQLITE_OPEN_URI: a path like "file:x?mode=ro" is a file
 * name), extended result codes on and the busy timeout set: two ingests
 * into one case take turns, file by file, a writer waiting for the
 * other's transaction. *ret is set even on failure (close it). */
static int store_connect(const char *path, int flags, struct hc_store **ret, struct hc_diag *d)
{
	struct hc_store *s = calloc(1, sizeof(*s));
	int rc;

	*ret = s;
	if (!s) {
		hc_diag_clear(d);
		if (d)
			hc_diag_set(d, "out of memory");
		return HC_ERR_NOMEM;
	}
	snprintf(s->path, sizeof(s->path), "%s", path ? path : ":memory:");
	rc = sqlite3_open_v2(path ? path : ":memory:", &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return sql_fail(s, rc, "cannot open", d);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, HC_STORE_BUSY_MS);
	return 0;
}

/* The schema version of the database, and when it has none, how many
 * objects it holds (0: a new database). The first read: a file that is
 * not a database fails here. */
static int store_version(struct hc_store *s, int64_t *version, int64_t *objects,
                         struct hc_diag *d)
{
	int rc;

	*version = *objects = 0;
	if ((rc = query_int(s, hc_sql_user_version, "user_version.sql", version, d)) < 0)
		return rc;
	if (*version == 0)
		return query_int(s, hc_sql_count_objects, "count_objects.sql", objects, d);
	return 0;
}

int hc_store_open(const char *path, struct hc_store **ret, struct hc_diag *d)
{
	struct hc_store *s = NULL;
	int64_t version = 0, objects = 0;
	int rc;

	if ((rc = store_connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s, d)) < 0 ||
	    (rc = run(s, hc_sql_connection, "connection.sql", d)) < 0 ||
	    (rc = store_version(s, &version, &objects, d)) < 0)
		goto fail;
	if (version == 0 && objects > 0) {
		hc_diag_clear(d);
		if (d) {
			snprintf(d->file, sizeof(d->file), "%s", s->path);
			hc_diag_set(d, "not a hopchain store (an SQLite database with other "
			               "tables and no schema version); left untouched");
		}
		rc = HC_ERR_FORMAT;
		goto fail;
	}
	if (version != 0 && version != HC_SCHEMA_VERSION) {
		hc_diag_clear(d);
		if (d) {
			snprintf(d->file, sizeof(d->file), "%s", s->path);
			hc_diag_set(d,
			            "store has schema version %lld, this hopchain uses version %d; "
			            "write to a new file",
			            (long long)version, HC_SCHEMA_VERSION);
		}
		rc = HC_ERR_FORMAT;
		goto fail;
	}
	if (path && (rc = run(s, hc_sql_file_journal, "file_journal.sql", d)) < 0)
		goto fail;
	s->file_writer = path != NULL;
	if (version == 0 && (rc = create_schema(s, false, d)) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	hc_store_close(s);
	return rc;
}

void hc_store_close(struct hc_store *s)
{
	if (!s)
		return;
	read_close(s);
	if (s->file_writer) {
		/* one file at rest (file_at_rest.sql); another connection's
		 * turn when it has the case open: do not wait for it */
		sqlite3_busy_timeout(s->db, 0);
		sqlite3_exec(s->db, hc_sql_file_at_rest, NULL, NULL, NULL);
	}
	sqlite3_close(s->db);
	free(s);
}

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
    [ST_WARNING] = {hc_sql_insert_warning, "insert_warning.sql"},
    [ST_UPDATE_FILE] = {hc_sql_update_file, "update_file.sql"},
    [ST_SET_META] = {hc_sql_set_meta, "set_meta.sql"},
};

struct buf {
	char *p;
	size_t n, cap;
};

/* Input file path -> files.id, open addressing on the path text (events of
 * one file usually share the pointer, but equal texts are one file). */
struct file_map {
	const char **key;
	int64_t *id;
	size_t cap, n;
};

struct writer {
	struct hc_store *s;
	const struct hc_eventset *set;
	const struct hc_analysis *a;
	struct hc_diag *d;
	sqlite3_stmt *st[ST_N];
	/* the statement being bound: next parameter, first bind error */
	int cur, param, bind_rc;
	struct buf json, text;
	struct file_map files;
	char t0[40], t1[40]; /* RFC 3339 texts bound SQLITE_STATIC until the next row */
	int *link_rank;
	int64_t *ids;        /* events.id of each event of the set (0: not stored) */
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

static int buf_grow(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->n + more <= b->cap)
		return 0;
	if (more > HC_MAX_STORE_JSON || b->n + more > HC_MAX_STORE_JSON)
		return HC_ERR_LIMIT;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->n + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return HC_ERR_NOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80
		           ? 4
		           : 0;
	}
	return 0;
}

/* 1 when s is valid UTF-8 (SQLite's text functions assume it). */
static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t k;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (!(k = utf8_seq(p)))
			return 0;
		p += k;
	}
	return 1;
}

/* Appends `s` to b, every invalid byte as U+FFFD; for JSON, also escapes
 * quotes, backslashes and control characters. */
static int put_text(struct buf *b, const char *s, int json)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	int rc;

	if ((rc = buf_grow(b, len * 6 + 3)) < 0)
		return rc;
	if (json)
		b->p[b->n++] = '"';
	while (*p) {
		size_t k = utf8_seq(p);
		if (!k) {
			memcpy(b->p + b->n, "\xef\xbf\xbd", 3);
			b->n += 3;
			p++;
		} else if (json && (*p < 0x20 || *p == '"' || *p == '\\')) {
			static const char hex[] = "0123456789abcdef";
			b->p[b->n++] = '\\';
			if (*p == '"' || *p == '\\') {
				b->p[b->n++] = (char)*p;
			} else {
				memcpy(b->p + b->n, "u00", 3);
				b->n += 3;
				b->p[b->n++] = hex[*p >> 4];
				b->p[b->n++] = hex[*p & 15];
			}
			p++;
		} else {
			memcpy(b->p + b->n, p, k);
			b->n += k;
			p += k;
		}
	}
	if (json)
		b->p[b->n++] = '"';
	return 0;
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
	struct buf fixed = {0};

	if (!s) {
		b_null(w);
		return;
	}
	if (utf8_valid(s)) {
		bind_rc(w, sqlite3_bind_text(st, ++w->param, s, -1, SQLITE_STATIC));
		return;
	}
	if (put_text(&fixed, s, 0) < 0 || buf_grow(&fixed, 1) < 0) {
		free(fixed.p);
		w->param++;
		bind_rc(w, SQLITE_NOMEM);
		return;
	}
	bind_rc(w, sqlite3_bind_text(st, ++w->param, fixed.p, (int)fixed.n, free));
}

/* The first label of a Computer name (up to the first '.'), bound as text:
 * the host part of an event's identity. */
static void b_host(struct writer *w, const char *computer)
{
	const char *c = computer ? computer : "";

	if (!utf8_valid(c)) {
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
	return rc == SQLITE_OK ? 0 : sql_fail(w->s, rc, name, w->d);
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

static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

/* files.id of `path`, inserting the file on first sight; 0 for NULL. */
static int file_id(struct writer *w, const char *path, int64_t *id)
{
	struct file_map *m = &w->files;
	size_t i;
	int rc;

	*id = 0;
	if (!path)
		return 0;
	if (m->n * 2 >= m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		const char **key = calloc(cap, sizeof(*key));
		int64_t *ids = calloc(cap, sizeof(*ids));
		if (!key || !ids) {
			free(key);
			free(ids);
			return nomem(w);
		}
		for (size_t k = 0; k < m->cap; k++)
			if (m->key[k]) {
				for (i = hash_str(m->key[k]) & (cap - 1); key[i];
				     i = (i + 1) & (cap - 1))
					;
				key[i] = m->key[k];
				ids[i] = m->id[k];
			}
		free(m->key);
		free(m->id);
		m->key = key;
		m->id = ids;
		m->cap = cap;
	}
	for (i = hash_str(path) & (m->cap - 1); m->key[i]; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == path || strcmp(m->key[i], path) == 0) {
			*id = m->id[i];
			return 0;
		}
	bind_start(w, ST_FILE);
	b_text(w, path);
	b_null(w);
	b_null(w);
	b_null(w);
	b_null(w);
	if ((rc = b_exec(w)) < 0)
		return rc;
	m->key[i] = path;
	m->id[i] = sqlite3_last_insert_rowid(w->s->db);
	m->n++;
	*id = m->id[i];
	return 0;
}

/* --- rows --------------------------------------------------------------- */

static const char *imp_text(enum hc_imp i)
{
	static const char *const n[] = {
	    NULL, "Anonymous", "Identification", "Impersonation", "Delegation", "Other"};
	return (unsigned)i < 6 ? n[i] : NULL;
}

/* EventData as one JSON object into w->json (NUL-terminated); a repeated
 * Name keeps its first value, as hc_event_get does. */
static int data_json(struct writer *w, const struct hc_event *ev)
{
	struct buf *b = &w->json;
	bool first = true;
	int rc;

	b->n = 0;
	if ((rc = buf_grow(b, 2)) < 0)
		return rc;
	b->p[b->n++] = '{';
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct hc_field *f = &ev->fields[i];
		bool dup = false;
		if (!f->name)
			continue;
		for (size_t k = 0; k < i && !dup; k++)
			dup = ev->fields[k].name && strcmp(ev->fields[k].name, f->name) == 0;
		if (dup)
			continue;
		if (!first)
			b->p[b->n++] = ',';
		first = false;
		if ((rc = put_text(b, f->name, 1)) < 0 || (rc = buf_grow(b, 1)) < 0)
			return rc;
		b->p[b->n++] = ':';
		if ((rc = put_text(b, f->value ? f->value : "", 1)) < 0 ||
		    (rc = buf_grow(b, 2)) < 0)
			return rc;
	}
	b->p[b->n++] = '}';
	b->p[b->n] = '\0';
	return 0;
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
		w->json.n = 0;
	} else if ((rc = data_json(w, ev)) < 0) {
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
		                             (int)w->json.n, SQLITE_STATIC));
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
	if (buf_grow(&w->text, dl + nl + 2) < 0)
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
		b_text(w, n->ip);
		b_text(w, h->src_how);
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
			b_text(w, h->evidence[k].role ? h->evidence[k].role : "?");
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
			bind_start(w, ST_FINDING);
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
		if ((rc = prepare(w->s, stmt_src[i].sql, stmt_src[i].name, &w->st[i], w->d)) < 0)
			return rc;
	return 0;
}

static void writer_free(struct writer *w)
{
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(w->st[i]);
	free(w->files.key);
	free(w->files.id);
	free(w->json.p);
	free(w->text.p);
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
	if ((rc = run(s, hc_sql_begin, "begin.sql", d)) < 0) {
		writer_free(&w);
		return rc;
	}
	if ((rc = run(s, hc_sql_reset_analysis, "reset_analysis.sql", d)) < 0 ||
	    (rc = run(s, hc_sql_schema_analysis, "schema_analysis.sql", d)) < 0 ||
	    (rc = prepare_all(&w)) < 0 || (rc = write_cited_events(&w)) < 0)
		goto out;
	if ((rc = write_hosts(&w)) < 0 || (rc = write_sessions(&w)) < 0 ||
	    (rc = write_hops(&w)) < 0 || (rc = write_links(&w)) < 0 || (rc = write_chains(&w)) < 0)
		goto out;
	/* the in-memory store of a plain `analyze` is never queried after the
	 * run: its secondary indexes would cost ~45 % of the write for nothing,
	 * and so would the logon summary */
	if (strcmp(s->path, ":memory:") != 0 &&
	    ((rc = run(s, hc_sql_schema_indexes, "schema_indexes.sql", d)) < 0 ||
	     (rc = run(s, hc_sql_fill_logon_summary, "fill_logon_summary.sql", d)) < 0))
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
	rc = finish(s, rc, d);
	writer_free(&w);
	return rc < 0 ? rc : stale ? 1 : 0;
}

int hc_store_reset(struct hc_store *s, struct hc_diag *d)
{
	return create_schema(s, true, d);
}

/* One text out of a query with one text parameter: 1 found (copied into
 * out), 0 no row or NULL, < 0 error. */
static int query_text(struct hc_store *s, const char *sql, const char *name, const char *arg,
                      char *out, size_t cap, struct hc_diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s, sql, name, &st, d);

	if (rc < 0)
		return rc;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(out, cap, "%s", t ? (const char *)t : "");
		rc = t ? 1 : 0;
	} else if (rc == SQLITE_DONE) {
		rc = 0;
	} else {
		rc = sql_fail(s, rc, name, d);
	}
	sqlite3_finalize(st);
	return rc;
}

int hc_store_find_file(struct hc_store *s, const char *sha256, char *path, size_t cap,
                       struct hc_diag *d)
{
	return query_text(s, hc_sql_find_file, "find_file.sql", sha256, path, cap, d);
}

int hc_store_count_events(struct hc_store *s, int64_t *n, struct hc_diag *d)
{
	return query_int(s, hc_sql_count_events, "count_events.sql", n, d);
}

int hc_store_get_meta(struct hc_store *s, const char *key, char *out, size_t cap,
                      struct hc_diag *d)
{
	return query_text(s, hc_sql_get_meta, "get_meta.sql", key, out, cap, d);
}

int hc_store_add_file(struct hc_store *s, const struct hc_store_file *f, struct hc_event *ev,
                      size_t n, uint64_t *added, uint64_t *dups, struct hc_diag *d)
{
	struct writer w = {.s = s, .d = d};
	uint64_t nadded = 0, ndups = 0;
	int64_t fid;
	char now[40];
	int rc;

	if ((rc = run(s, hc_sql_begin, "begin.sql", d)) < 0)
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
		rc = run(s, hc_sql_bump_generation, "bump_generation.sql", d);
out:
	for (int i = 0; i < ST_N; i++) {
		sqlite3_finalize(w.st[i]);
		w.st[i] = NULL;
	}
	rc = finish(s, rc, d);
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

/* ------------------------------------------------------------------ */
/* loading a case back for correlation                                  */

/* Reads the JSON string at *p (after its opening quote) into out, UTF-8;
 * moves *p past the closing quote. Returns the length, or -1 when the text
 * is not a JSON string. `out` holds at least as many bytes as the input. */
static long json_string(const char **p, char *out)
{
	const char *s = *p;
	char *o = out;

	for (;;) {
		unsigned char c = (unsigned char)*s++;
		if (c == '"')
			break;
		if (c == '\0' || c < 0x20)
			return -1;
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		c = (unsigned char)*s++;
		switch (c) {
		case '"': case '\\': case '/': *o++ = (char)c; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp = 0;
			for (int k = 0; k < 4; k++) {
				char h = *s++;
				cp <<= 4;
				if (h >= '0' && h <= '9')
					cp |= (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f')
					cp |= (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					cp |= (unsigned)(h - 'A' + 10);
				else
					return -1;
			}
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
				cp = 0xfffd; /* the writer never makes these */
			if (cp < 0x80) {
				*o++ = (char)cp;
			} else if (cp < 0x800) {
				*o++ = (char)(0xc0 | cp >> 6);
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*o++ = (char)(0xe0 | cp >> 12);
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			}
			break;
		}
		default:
			return -1;
		}
	}
	*o = '\0';
	*p = s;
	return (long)(o - out);
}

/* Splits the flat object {"Name":"text",...} data_json() wrote into names
 * and values (NUL-terminated, in `buf`, which holds len + 1 bytes). At
 * most HC_MAX_FIELDS pairs. Returns the count, or -1 when malformed. */
static long parse_data(const char *json, char *buf, const char **names, const char **values)
{
	const char *p = json;
	char *o = buf;
	long n = 0;

	while (*p == ' ')
		p++;
	if (*p++ != '{')
		return -1;
	while (*p == ' ')
		p++;
	if (*p == '}')
		return p[1] == '\0' ? 0 : -1;
	for (;;) {
		long k;
		if (n >= HC_MAX_FIELDS || *p++ != '"' || (k = json_string(&p, o)) < 0)
			return -1;
		names[n] = o;
		o += k + 1;
		if (*p++ != ':' || *p++ != '"' || (k = json_string(&p, o)) < 0)
			return -1;
		values[n++] = o;
		o += k + 1;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}' && p[1] == '\0')
			return n;
		return -1;
	}
}

static int load_events(struct hc_store *s, struct hc_eventset *set, uint64_t *bad,
                       struct hc_diag *d);

int hc_store_load(struct hc_store *s, struct hc_eventset *set, uint64_t *bad, int64_t *generation,
                  struct hc_diag *d)
{
	/* one read transaction: the generation and the events of one moment */
	int rc = run(s, hc_sql_begin_read, "begin_read.sql", d);

	if (rc < 0)
		return rc;
	if ((rc = hc_store_generation(s, generation, d)) == 0)
		rc = load_events(s, set, bad, d);
	if (rc == 0)
		rc = run(s, hc_sql_commit, "commit.sql", d);
	if (rc < 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, hc_sql_rollback, NULL, NULL, NULL);
	return rc;
}

static int load_events(struct hc_store *s, struct hc_eventset *set, uint64_t *bad,
                       struct hc_diag *d)
{
	sqlite3_stmt *st = NULL;
	int64_t *fids = NULL, nf = 0, capf = 0;
	const char *names[HC_MAX_FIELDS], *values[HC_MAX_FIELDS];
	char *buf = NULL;
	size_t bufcap = 0;
	int rc;

	struct hc_strpool *pool = hc_strpool_new();

	*bad = 0;
	if (!pool || hc_eventset_adopt_pool(set, pool) < 0)
		return HC_ERR_NOMEM;
	/* files: set->paths[k] is the path of files.id fids[k] */
	if ((rc = prepare(s, hc_sql_load_files, "load_files.sql", &st, d)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 1);
		if (nf == capf) {
			int64_t cap = capf ? capf * 2 : 64;
			int64_t *nfi = realloc(fids, (size_t)cap * sizeof(*nfi));
			char **np = realloc(set->paths, (size_t)cap * sizeof(*np));
			if (nfi)
				fids = nfi;
			if (np)
				set->paths = np;
			if (!nfi || !np) {
				rc = SQLITE_NOMEM;
				break;
			}
			capf = cap;
		}
		if (!(set->paths[nf] = strdup(t ? (const char *)t : ""))) {
			rc = SQLITE_NOMEM;
			break;
		}
		fids[nf++] = sqlite3_column_int64(st, 0);
		set->npaths = (size_t)nf;
	}
	if (rc != SQLITE_DONE) {
		rc = sql_fail(s, rc, "load_files.sql", d);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = prepare(s, hc_sql_load_events, "load_events.sql", &st, d)) < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hc_event ev;
		const char *data = (const char *)sqlite3_column_text(st, 11);
		size_t len = (size_t)sqlite3_column_bytes(st, 11);
		int64_t fid = sqlite3_column_int64(st, 1);
		long nfld = 0;
		if (len + 1 > bufcap) {
			size_t cap = bufcap ? bufcap : 4096;
			while (cap < len + 1)
				cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				rc = SQLITE_NOMEM;
				break;
			}
			buf = nb;
			bufcap = cap;
		}
		if (data && (nfld = parse_data(data, buf, names, values)) < 0) {
			(*bad)++;
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		if (hc_event_build(&ev, (const char *)sqlite3_column_text(st, 4),
		                   (const char *)sqlite3_column_text(st, 5),
		                   (const char *)sqlite3_column_text(st, 6), (size_t)nfld, names,
		                   values) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		ev.store_id = sqlite3_column_int64(st, 0);
		ev.record_id = (uint64_t)sqlite3_column_int64(st, 2);
		ev.time = sqlite3_column_int64(st, 3);
		ev.event_id = (uint32_t)sqlite3_column_int64(st, 7);
		ev.version = (uint32_t)sqlite3_column_int64(st, 8);
		ev.recovered = sqlite3_column_int64(st, 9) != 0;
		ev.truncated = sqlite3_column_int64(st, 10) != 0;
		/* files ids ascend: binary search; a row without its file (an
		 * edited case) still gets a name */
		ev.file = "(file not in the case)";
		for (int64_t lo = 0, hi = nf; lo < hi;) {
			int64_t mid = (lo + hi) / 2;
			if (fids[mid] == fid) {
				ev.file = set->paths[mid];
				break;
			}
			if (fids[mid] < fid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (hc_event_compact(&ev, pool) < 0) {
			hc_event_clear(&ev);
			rc = SQLITE_NOMEM;
			break;
		}
		if (set->n == set->cap) {
			size_t cap = set->cap ? set->cap * 2 : 1024;
			struct hc_event *nv = realloc(set->v, cap * sizeof(*nv));
			if (!nv) {
				hc_event_clear(&ev);
				rc = SQLITE_NOMEM;
				break;
			}
			set->v = nv;
			set->cap = cap;
		}
		set->v[set->n++] = ev;
	}
	rc = rc == SQLITE_DONE ? 0 : sql_fail(s, rc, "load_events.sql", d);
	if (rc == 0 && hc_events_sort(set) < 0)
		rc = HC_ERR_NOMEM;
out:
	sqlite3_finalize(st);
	free(fids);
	free(buf);
	return rc;
}

/* ================================================================== */
/* Reading: the query commands (hopchain chains, hops, ..., sql)       */
/*                                                                      */
/* A store opened for reading is defended in depth: SQLite opens the    */
/* file read-only, PRAGMA query_only refuses writes, an authorizer      */
/* refuses at prepare time every action but reading (so ATTACH, pragma */
/* assignments, DDL and DML never get to run), sqlite3_stmt_readonly    */
/* catches what has no authorizer code (VACUUM INTO), extension loading */
/* is off, ATTACH is capped at zero databases, and the schema is not    */
/* trusted to call functions with side effects.                        */
/* ================================================================== */

/* Pragmas a reader may run: without an argument these only report; the
 * second list also reports when given a table or index name. */
static const char *const read_pragmas[] = {
    "application_id", "collation_list", "compile_options", "data_version",  "database_list",
    "encoding",       "foreign_keys",   "freelist_count",  "function_list", "journal_mode",
    "module_list",    "page_count",     "page_size",       "pragma_list",   "query_only",
    "schema_version", "table_list",     "user_version",
};
static const char *const read_pragmas_arg[] = {
    "foreign_key_check", "foreign_key_list", "index_info", "index_list", "index_xinfo",
    "integrity_check",   "quick_check",      "table_info", "table_list", "table_xinfo",
};

static bool in_list(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcasecmp(s, v[i]) == 0)
			return true;
	return false;
}

/* Functions no statement of the user's may call: load_extension() loads
 * code; fts3_tokenizer() returns a pointer into libsqlite3 (an address for
 * an exploit) and, with two arguments, takes one. */
static const char *const denied_functions[] = {"load_extension", "fts3_tokenizer"};

static int authorize(void *ctx, int action, const char *a1, const char *a2, const char *db,
                     const char *trigger)
{
	struct hc_store *s = ctx;

	(void)db;
	(void)trigger;
	s->auth_actions++;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_UPDATE:
		/* an eponymous virtual table (json_each, pragma_table_info, ...)
		 * is declared on first use by a nested statement that "updates"
		 * sqlite_master; a real update of it is still refused (read-only
		 * open, query_only, defensive mode, sqlite3_stmt_readonly) */
		return a1 && (strcmp(a1, "sqlite_master") == 0 || strcmp(a1, "sqlite_schema") == 0)
		           ? SQLITE_OK
		           : SQLITE_DENY;
	case SQLITE_FUNCTION: /* a1 NULL, a2 the function's name */
		if (a2 && in_list(a2, denied_functions,
		                  sizeof(denied_functions) / sizeof(*denied_functions))) {
			snprintf(s->auth_denied, sizeof(s->auth_denied), "%s", a2);
			return SQLITE_DENY;
		}
		return SQLITE_OK;
	case SQLITE_PRAGMA: /* a1 the pragma, a2 its argument or NULL */
		if ((!a2 &&
		     in_list(a1, read_pragmas, sizeof(read_pragmas) / sizeof(*read_pragmas))) ||
		    in_list(a1, read_pragmas_arg,
		            sizeof(read_pragmas_arg) / sizeof(*read_pragmas_arg))) {
			s->auth_pragmas++;
			return SQLITE_OK;
		}
		return SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}

static void free_regex(void *p)
{
	hc_regex_free(p);
}

/* regexp(P, S) / regexp_nocase(P, S): 1 when PCRE2 pattern P is found in S.
 * The compiled pattern is kept as SQLite auxiliary data of argument 0, so a
 * pattern that is the same for every row (a bound parameter, a literal) is
 * compiled once per statement. A failure is remembered in the store, so
 * the caller can tell a bad pattern (usage) from an SQLite error. */
static void fn_regexp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct sql_fn *f = sqlite3_user_data(ctx);
	struct hc_store *s = f->s;
	struct hc_regex *re = sqlite3_get_auxdata(ctx, 0);
	bool fresh = false;
	const char *subject;
	int m;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL)
		return; /* NULL, as SQL comparisons with NULL */
	if (!re) {
		const char *pat = (const char *)sqlite3_value_text(argv[0]);
		struct hc_diag d;
		int rc;
		hc_diag_clear(&d);
		rc = pat ? hc_regex_compile(pat, f->icase, &re, &d) : HC_ERR_NOMEM;
		if (rc < 0) {
			if (!s->fn_rc) {
				s->fn_rc = rc == HC_ERR_NOMEM ? HC_ERR_NOMEM : HC_ERR_USAGE;
				if (rc == HC_ERR_NOMEM) {
					snprintf(s->fn_msg, sizeof(s->fn_msg), "out of memory");
				} else if (d.has_offset) {
					snprintf(
					    s->fn_msg, sizeof(s->fn_msg),
					    "regexp: bad pattern '%.120s': %.200s at offset %llu",
					    pat, d.msg, (unsigned long long)d.offset);
					s->fn_offset = d.offset;
					s->fn_has_offset = true;
				} else {
					snprintf(s->fn_msg, sizeof(s->fn_msg),
					         "regexp: bad pattern '%.120s': %.200s", pat,
					         d.msg);
				}
			}
			sqlite3_result_error(ctx, s->fn_msg, -1);
			return;
		}
		fresh = true;
	}
	subject = (const char *)sqlite3_value_text(argv[1]);
	m = subject ? hc_regex_match(re, subject, (size_t)sqlite3_value_bytes(argv[1]))
	            : HC_ERR_NOMEM;
	/* hand it over only now: SQLite may free it at once */
	if (fresh)
		sqlite3_set_auxdata(ctx, 0, re, free_regex);
	if (m < 0) {
		if (!s->fn_rc) {
			s->fn_rc = m == HC_ERR_NOMEM ? HC_ERR_NOMEM : HC_ERR_LIMIT;
			snprintf(s->fn_msg, sizeof(s->fn_msg), "%s",
			         m == HC_ERR_NOMEM ? "out of memory"
			                           : "regexp: the pattern hit PCRE2's match limit");
		}
		sqlite3_result_error(ctx, s->fn_msg, -1);
		return;
	}
	sqlite3_result_int(ctx, m);
}

/* logon_type_name(N): the name of logon type N (2 -> 'Interactive'). */
static void fn_logon_type_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *name;

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER)
		return;
	name = hc_decode_logon_type((int)sqlite3_value_int64(argv[0]));
	if (name)
		sqlite3_result_text(ctx, name, -1, SQLITE_STATIC);
}

static int register_functions(struct hc_store *s, struct hc_diag *d)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int rc;

	s->fn[0] = (struct sql_fn){s, 0};
	s->fn[1] = (struct sql_fn){s, 1};
	if ((rc = sqlite3_create_function_v2(s->db, "regexp", 2, flags, &s->fn[0], fn_regexp, NULL,
	                                     NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_create_function_v2(s->db, "regexp_nocase", 2, flags, &s->fn[1], fn_regexp,
	                                     NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_create_function_v2(s->db, "logon_type_name", 1, flags, NULL,
	                                     fn_logon_type_name, NULL, NULL, NULL)) != SQLITE_OK)
		return sql_fail(s, rc, "registering SQL functions", d);
	return 0;
}

/* Fills `d` for a file that opened but is not a store this build reads. */
static int not_a_store(struct hc_store *s, int64_t version, int64_t objects, struct hc_diag *d)
{
	hc_diag_clear(d);
	if (!d)
		return HC_ERR_FORMAT;
	snprintf(d->file, sizeof(d->file), "%s", s->path);
	if (version != 0)
		hc_diag_set(d, "store has schema version %lld, this hopchain reads version %d",
		            (long long)version, HC_SCHEMA_VERSION);
	else if (objects > 0)
		hc_diag_set(d, "not a hopchain store (an SQLite database with other tables and no "
		               "schema version)");
	else
		hc_diag_set(d, "not a hopchain store (an empty database)");
	return HC_ERR_FORMAT;
}

/* `path` as an SQLite URI that opens it immutable (no locks, no -wal or
 * -shm: nothing is written or even created), percent-encoded. */
static int immutable_uri(const char *path, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = (size_t)snprintf(out, cap, "file:%s", path[0] == '/' ? "//" : "");

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (k + 4 >= cap)
			return -1;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p)) {
			out[k++] = (char)*p;
		} else {
			out[k++] = '%';
			out[k++] = hex[*p >> 4];
			out[k++] = hex[*p & 15];
		}
	}
	return snprintf(out + k, cap - k, "?immutable=1") < (int)(cap - k) ? 0 : -1;
}

/* How a store file is journaled at rest (bytes 18 and 19 of the header: 2
 * for WAL) and whether a write-ahead log with content lies beside it:
 * 1 WAL mode and everything in the file (no log, or an empty one), 2 WAL
 * mode with a log to read, 0 otherwise. */
static int wal_state(const char *path)
{
	unsigned char head[20];
	char wal[HC_MAX_PATH + 8];
	struct stat st;
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(head, 1, sizeof(head), f) : 0;

	if (f)
		fclose(f);
	if (n < sizeof(head) || head[18] != 2 || head[19] != 2)
		return 0;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	return stat(wal, &st) == 0 && st.st_size > 0 ? 2 : 1;
}

/* The read-only connection on `path`, or on `uri` (its immutable form).
 * On failure *src is SQLite's code of it (0: not SQLite's). */
static int open_read(const char *path, const char *uri, struct hc_store **ret, int *src,
                     struct hc_diag *d)
{
	struct hc_store *s = NULL;
	int64_t version = 0, objects = 0;
	int rc;

	*src = 0;
	/* no SQLITE_OPEN_CREATE: an absent file is an error, not a new store */
	if ((rc = store_connect(uri ? uri : path,
	                        SQLITE_OPEN_READONLY | (uri ? SQLITE_OPEN_URI : 0), &s, d)) < 0)
		goto fail;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)NULL) !=
	        SQLITE_OK ||
	    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL) != SQLITE_OK ||
	    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL) != SQLITE_OK) {
		rc = sql_fail(s, SQLITE_ERROR, "cannot configure the connection", d);
		goto fail;
	}
	sqlite3_limit(s->db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, HC_MAX_SQL_VALUE);
	sqlite3_limit(s->db, SQLITE_LIMIT_SQL_LENGTH, HC_MAX_SQL_LEN);
	if ((rc = run(s, hc_sql_connection_readonly, "connection_readonly.sql", d)) < 0 ||
	    (rc = store_version(s, &version, &objects, d)) < 0)
		goto fail;
	if (version != HC_SCHEMA_VERSION) {
		rc = not_a_store(s, version, objects, d);
		goto fail;
	}
	if ((rc = register_functions(s, d)) < 0)
		goto fail;
	sqlite3_set_authorizer(s->db, authorize, s);
	*ret = s;
	return 0;
fail:
	if (s)
		*src = s->last_src & 0xff;
	hc_store_close(s);
	return rc;
}

int hc_store_open_readonly(const char *path, struct hc_store **ret, struct hc_diag *d)
{
	char uri[3 * HC_MAX_PATH + 32];
	int src, rc = open_read(path, NULL, ret, &src, d);
	bool cannot_write = src == SQLITE_CANTOPEN || src == SQLITE_READONLY;

	if (rc == 0 || !cannot_write)
		return rc;
	/* A case in WAL mode (written by an earlier hopchain, or copied while
	 * a writer had it open) needs a -shm file beside it even to be read.
	 * Where none can be made (read-only media) and the file holds
	 * everything (no write-ahead log to read), read it immutable. */
	switch (wal_state(path)) {
	case 1:
		if (immutable_uri(path, uri, sizeof(uri)) == 0)
			rc = open_read(path, uri, ret, &src, d);
		break;
	case 2:
		hc_diag_clear(d);
		if (d) {
			snprintf(d->file, sizeof(d->file), "%s", path);
			hc_diag_set(d, "its write-ahead log (-wal, from a writer that did not "
			               "finish) cannot be read where nothing may be written; copy "
			               "the case with its -wal file to a writable place and run "
			               "`hopchain correlate` there");
		}
		break;
	default:
		break;
	}
	return rc;
}

static void read_close(struct hc_store *s)
{
	for (size_t i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].st);
	s->ncache = 0;
}

/* Seconds on a monotonic clock, for the time limit of hc_store_sql. */
static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* SQLite calls this every HC_SQL_PROGRESS_OPS virtual machine steps while
 * a statement of hc_store_sql runs: non-zero interrupts it. Only the time
 * in SQLite counts (run_rows adds it up), not the time rows take to print. */
#define HC_SQL_PROGRESS_OPS 10000
static int on_progress(void *ctx)
{
	struct hc_store *s = ctx;

	if (s->sql_limit > 0 && s->sql_used + (mono_now() - s->step_start) > s->sql_limit) {
		s->sql_timed_out = true;
		return 1;
	}
	return 0;
}

/* Steps `st` to the end, handing rows to `out`; resets it. */
static int run_rows(struct hc_store *s, sqlite3_stmt *st, const char *name,
                    const struct hc_rows *out, struct hc_diag *d)
{
	int n = sqlite3_column_count(st), rc = 0, src;
	const char **names = calloc((size_t)n + 1, sizeof(*names));
	struct hc_value *v = calloc((size_t)n + 1, sizeof(*v));

	if (!names || !v) {
		rc = HC_ERR_NOMEM;
		hc_diag_clear(d);
		if (d)
			hc_diag_set(d, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (!(names[i] = sqlite3_column_name(st, i))) {
			rc = sql_fail(s, SQLITE_NOMEM, name, d);
			goto out;
		}
	if (out->columns && (rc = out->columns(out->ctx, (size_t)n, names)) < 0)
		goto out;
	s->fn_rc = 0;
	for (;;) {
		s->step_start = mono_now();
		src = sqlite3_step(st);
		s->sql_used += mono_now() - s->step_start;
		if (src != SQLITE_ROW)
			break;
		for (int i = 0; i < n; i++) {
			struct hc_value *x = &v[i];
			memset(x, 0, sizeof(*x));
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				x->kind = HC_VALUE_INT;
				x->i = sqlite3_column_int64(st, i);
				break;
			case SQLITE_FLOAT:
				x->kind = HC_VALUE_REAL;
				x->r = sqlite3_column_double(st, i);
				break;
			case SQLITE_TEXT:
				x->kind = HC_VALUE_TEXT;
				x->s = (const char *)sqlite3_column_text(st, i);
				x->len = (size_t)sqlite3_column_bytes(st, i);
				break;
			case SQLITE_BLOB:
				x->kind = HC_VALUE_BLOB;
				x->s = sqlite3_column_blob(st, i);
				x->len = (size_t)sqlite3_column_bytes(st, i);
				break;
			default:
				break;
			}
			/* a NULL pointer for TEXT or a non-empty BLOB: out of memory */
			if ((x->kind == HC_VALUE_TEXT || (x->kind == HC_VALUE_BLOB && x->len)) &&
			    !x->s) {
				rc = sql_fail(s, SQLITE_NOMEM, name, d);
				goto out;
			}
		}
		if ((rc = out->row(out->ctx, v, (size_t)n)) < 0)
			goto out;
	}
	if (src != SQLITE_DONE) {
		hc_diag_clear(d);
		if (s->fn_rc) {
			rc = s->fn_rc;
			if (d) {
				hc_diag_set(d, "%s", s->fn_msg);
				d->offset = s->fn_offset;
				d->has_offset = s->fn_has_offset;
			}
		} else if (s->sql_timed_out) {
			rc = HC_ERR_LIMIT;
			if (d)
				hc_diag_set(d, "%s: stopped after %g s in SQLite, the time limit",
				            name, s->sql_limit);
		} else if ((src & 0xff) == SQLITE_TOOBIG) {
			rc = HC_ERR_LIMIT;
			if (d)
				hc_diag_set(d, "%s: stopped: a string or blob longer than %d MiB",
				            name, HC_MAX_SQL_VALUE >> 20);
		} else if ((src & 0xff) == SQLITE_NOMEM && sqlite3_hard_heap_limit64(-1) > 0) {
			/* under hc_store_sql's heap limit */
			rc = HC_ERR_LIMIT;
			if (d)
				hc_diag_set(
				    d, "%s: stopped: SQLite needed more than %lld GiB of memory",
				    name, (long long)(HC_MAX_SQL_HEAP >> 30));
		} else {
			rc = sql_fail(s, src, name, d);
		}
		goto out;
	}
	rc = 0;
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(names);
	free(v);
	return rc;
}

/* The cached statement of embedded query `name`, prepared on first use
 * (the cache keys on the embedded, static name). */
static int cached(struct hc_store *s, const char *name, sqlite3_stmt **st, struct hc_diag *d)
{
	const struct hc_query *q = NULL;
	char file[80];
	int rc;

	for (size_t i = 0; i < s->ncache; i++)
		if (strcmp(s->cache[i].name, name) == 0) {
			*st = s->cache[i].st;
			return 0;
		}
	for (size_t i = 0; i < hc_nqueries && !q; i++)
		if (strcmp(hc_queries[i].name, name) == 0)
			q = &hc_queries[i];
	snprintf(file, sizeof(file), "%s.sql", name);
	if (!q) {
		hc_diag_clear(d);
		if (d)
			hc_diag_set(d, "no query %s", file);
		return HC_ERR_USAGE;
	}
	if ((rc = prepare(s, q->sql, file, st, d)) < 0)
		return rc;
	if (s->ncache == HC_MAX_CACHED_STMTS) {
		/* full: drop the oldest */
		sqlite3_finalize(s->cache[0].st);
		memmove(&s->cache[0], &s->cache[1],
		        (HC_MAX_CACHED_STMTS - 1) * sizeof(s->cache[0]));
		s->ncache--;
	}
	s->cache[s->ncache].name = q->name;
	s->cache[s->ncache].st = *st;
	s->ncache++;
	return 0;
}

int hc_store_query(struct hc_store *s, const char *name, const struct hc_value *params,
                   size_t nparams, const struct hc_rows *out, struct hc_diag *d)
{
	sqlite3_stmt *st = NULL;
	char file[80];
	int rc;

	if ((rc = cached(s, name, &st, d)) < 0)
		return rc;
	snprintf(file, sizeof(file), "%s.sql", name);
	if ((int)nparams != sqlite3_bind_parameter_count(st)) {
		hc_diag_clear(d);
		if (d)
			hc_diag_set(d, "%s: %zu parameters given, the statement has %d", file,
			            nparams, sqlite3_bind_parameter_count(st));
		return HC_ERR_USAGE;
	}
	for (size_t i = 0; i < nparams; i++) {
		const struct hc_value *p = &params[i];
		int k = (int)i + 1;
		switch (p->kind) {
		case HC_VALUE_INT:
			rc = sqlite3_bind_int64(st, k, p->i);
			break;
		case HC_VALUE_REAL:
			rc = sqlite3_bind_double(st, k, p->r);
			break;
		case HC_VALUE_TEXT:
			rc = p->s ? sqlite3_bind_text(st, k, p->s, -1, SQLITE_TRANSIENT)
			          : sqlite3_bind_null(st, k);
			break;
		case HC_VALUE_BLOB:
			rc = sqlite3_bind_blob(st, k, p->s, (int)p->len, SQLITE_TRANSIENT);
			break;
		case HC_VALUE_NULL:
		default:
			rc = sqlite3_bind_null(st, k);
			break;
		}
		if (rc != SQLITE_OK) {
			rc = sql_fail(s, rc, file, d);
			sqlite3_clear_bindings(st);
			return rc;
		}
	}
	return run_rows(s, st, file, out, d);
}

static int usage_error(struct hc_diag *d, const char *msg, const char *detail)
{
	hc_diag_clear(d);
	if (d)
		hc_diag_set(d, "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
	return HC_ERR_USAGE;
}

int hc_store_sql(struct hc_store *s, const char *sql, struct hc_sql_limits *lim,
                 const struct hc_rows *out, struct hc_diag *d)
{
	sqlite3_stmt *st = NULL, *next = NULL;
	const char *tail = NULL, *tail2 = NULL;
	sqlite3_int64 heap;
	bool reads;
	int rc;

	lim->out_of_time = false;
	if (strlen(sql) > HC_MAX_SQL_LEN)
		return usage_error(d, "statement longer than 1 MiB", NULL);
	s->auth_actions = s->auth_pragmas = 0;
	s->auth_denied[0] = '\0';
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, &tail);
	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_NOMEM)
			return sql_fail(s, rc, "sql", d);
		if (s->auth_denied[0]) { /* SQLite says "not authorized to use ..." */
			hc_diag_clear(d);
			if (d)
				hc_diag_set(d, "refused: the function %s() is not allowed",
				            s->auth_denied);
			return HC_ERR_USAGE;
		}
		if ((rc & 0xff) == SQLITE_AUTH)
			return usage_error(d,
			                   "refused: only statements that read are allowed (the "
			                   "store is opened read-only)",
			                   NULL);
		return usage_error(d, sqlite3_errmsg(s->db), NULL);
	}
	if (!st)
		return usage_error(d, "no SQL statement given", NULL);
	/* a pragma the authorizer let through only reports, though SQLite
	 * does not call every one read-only (journal_mode) */
	reads = sqlite3_stmt_readonly(st) ||
	        (s->auth_actions > 0 && s->auth_actions == s->auth_pragmas);
	/* one statement only: the result has one set of columns, and a
	 * script could not be checked as a whole before it runs */
	if (tail && *tail) {
		rc = sqlite3_prepare_v2(s->db, tail, -1, &next, &tail2);
		sqlite3_finalize(next);
		if (rc != SQLITE_OK || next) {
			sqlite3_finalize(st);
			return usage_error(d, "more than one statement given; run them one by one",
			                   NULL);
		}
	}
	if (!reads) {
		sqlite3_finalize(st);
		return usage_error(d,
		                   "refused: the statement would write; the store is opened "
		                   "read-only",
		                   NULL);
	}
	/* bounded: time in SQLite, and memory (process-wide, restored) */
	s->sql_limit = lim->max_seconds > 0 ? lim->max_seconds : 0;
	s->sql_used = 0;
	s->sql_timed_out = false;
	sqlite3_progress_handler(s->db, HC_SQL_PROGRESS_OPS, on_progress, s);
	heap = sqlite3_hard_heap_limit64(-1);
	if (heap == 0 || heap > HC_MAX_SQL_HEAP)
		sqlite3_hard_heap_limit64(HC_MAX_SQL_HEAP);
	rc = run_rows(s, st, "sql", out, d);
	sqlite3_hard_heap_limit64(heap);
	sqlite3_progress_handler(s->db, 0, NULL, NULL);
	lim->out_of_time = s->sql_timed_out;
	s->sql_limit = 0;
	s->sql_timed_out = false;
	sqlite3_finalize(st);
	return rc;
}

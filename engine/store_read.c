/* The read-only side of the store for the query commands. */
#include "store_int.h"
#include "../parsers/decode.h"
#include "../parsers/regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

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
		return hc_store_fail(s, rc, "registering SQL functions", d);
	return 0;
}

/* Fills `d` for a file that opened but is not a store this build reads. */
static int not_a_store(struct hc_store *s, int64_t version, int64_t objects, struct hc_diag *d)
{
	hc_diag_clear(d);
	if (!d)
		return HC_ERR_FORMAT;
	snprintf(d->file, sizeof(d->file), "%s", s->path);
	if (version == HC_SCHEMA_VERSION - 1)
		hc_diag_set(d,
		            "case of schema version %lld (an earlier hopchain): `hopchain "
		            "correlate --db` brings it to version %d (its events stay)",
		            (long long)version, HC_SCHEMA_VERSION);
	else if (version != 0)
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
	if ((rc = hc_store_connect(uri ? uri : path,
	                           SQLITE_OPEN_READONLY | (uri ? SQLITE_OPEN_URI : 0), &s, d)) < 0)
		goto fail;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)NULL) !=
	        SQLITE_OK ||
	    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL) != SQLITE_OK ||
	    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL) != SQLITE_OK) {
		rc = hc_store_fail(s, SQLITE_ERROR, "cannot configure the connection", d);
		goto fail;
	}
	sqlite3_limit(s->db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, HC_MAX_SQL_VALUE);
	sqlite3_limit(s->db, SQLITE_LIMIT_SQL_LENGTH, HC_MAX_SQL_LEN);
	if ((rc = hc_store_run(s, hc_sql_connection_readonly, "connection_readonly.sql", d)) < 0 ||
	    (rc = hc_store_version(s, &version, &objects, d)) < 0)
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

void hc_store_read_close(struct hc_store *s)
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
			rc = hc_store_fail(s, SQLITE_NOMEM, name, d);
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
				rc = hc_store_fail(s, SQLITE_NOMEM, name, d);
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
			rc = hc_store_fail(s, src, name, d);
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
	if ((rc = hc_store_prepare(s, q->sql, file, st, d)) < 0)
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
			rc = hc_store_fail(s, rc, file, d);
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
			return hc_store_fail(s, rc, "sql", d);
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

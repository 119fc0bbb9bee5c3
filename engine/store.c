/* The SQLite store: open (schema and version checks), meta, close. The
 * writing, loading and read-only query sides are in store_write.c,
 * store_load.c and store_read.c (store_int.h). */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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
int hc_store_fail(struct hc_store *s, int src, const char *what, struct hc_diag *d)
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
int hc_store_run(struct hc_store *s, const char *sql, const char *name, struct hc_diag *d)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : hc_store_fail(s, rc, name, d);
}

/* Prepares one statement of a query file; the file must hold exactly one. */
int hc_store_prepare(struct hc_store *s, const char *sql, const char *name, sqlite3_stmt **st,
                     struct hc_diag *d)
{
	const char *tail = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, &tail);

	if (rc != SQLITE_OK)
		return hc_store_fail(s, rc, name, d);
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
int hc_store_query_int(struct hc_store *s, const char *sql, const char *name, int64_t *out,
                       struct hc_diag *d)
{
	sqlite3_stmt *st = NULL;
	int rc = hc_store_prepare(s, sql, name, &st, d);

	if (rc < 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = hc_store_fail(s, rc == SQLITE_DONE ? SQLITE_ERROR : rc, name, d);
		sqlite3_finalize(st);
		return rc;
	}
	*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* Ends the transaction a write began: COMMIT when rc is 0, else ROLLBACK. */
int hc_store_finish(struct hc_store *s, int rc, struct hc_diag *d)
{
	if (rc == 0)
		rc = hc_store_run(s, hc_sql_commit, "commit.sql", d);
	if (rc < 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, hc_sql_rollback, NULL, NULL, NULL);
	return rc;
}

/* Every table of hopchain's, empty, in one transaction; `drop_first`
 * drops what there was (analyze --db replaces the store). */
static int create_schema(struct hc_store *s, bool drop_first, struct hc_diag *d)
{
	int rc = hc_store_run(s, hc_sql_begin, "begin.sql", d);

	if (rc < 0)
		return rc;
	if (drop_first &&
	    (rc = hc_store_run(s, hc_sql_reset_analysis, "reset_analysis.sql", d)) == 0)
		rc = hc_store_run(s, hc_sql_reset, "reset.sql", d);
	if (rc == 0 && (rc = hc_store_run(s, hc_sql_schema, "schema.sql", d)) == 0)
		rc = hc_store_run(s, hc_sql_schema_analysis, "schema_analysis.sql", d);
	return hc_store_finish(s, rc, d);
}

/* A new handle on `path` (NULL: a private in-memory database) opened with
 * `flags` (never SQLITE_OPEN_URI: a path like "file:x?mode=ro" is a file
 * name), extended result codes on and the busy timeout set: two ingests
 * into one case take turns, file by file, a writer waiting for the
 * other's transaction. *ret is set even on failure (close it). */
int hc_store_connect(const char *path, int flags, struct hc_store **ret, struct hc_diag *d)
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
		return hc_store_fail(s, rc, "cannot open", d);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, HC_STORE_BUSY_MS);
	return 0;
}

/* The schema version of the database, and when it has none, how many
 * objects it holds (0: a new database). The first read: a file that is
 * not a database fails here. */
int hc_store_version(struct hc_store *s, int64_t *version, int64_t *objects, struct hc_diag *d)
{
	int rc;

	*version = *objects = 0;
	if ((rc = hc_store_query_int(s, hc_sql_user_version, "user_version.sql", version, d)) < 0)
		return rc;
	if (*version == 0)
		return hc_store_query_int(s, hc_sql_count_objects, "count_objects.sql", objects, d);
	return 0;
}

int hc_store_open(const char *path, struct hc_store **ret, struct hc_diag *d)
{
	struct hc_store *s = NULL;
	int64_t version = 0, objects = 0;
	int rc;

	if ((rc = hc_store_connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s, d)) < 0 ||
	    (rc = hc_store_run(s, hc_sql_connection, "connection.sql", d)) < 0 ||
	    (rc = hc_store_version(s, &version, &objects, d)) < 0)
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
	if (version == HC_SCHEMA_VERSION - 1) {
		/* the previous version: only the analysis tables changed */
		if ((rc = hc_store_run(s, hc_sql_begin, "begin.sql", d)) < 0)
			goto fail;
		if ((rc = hc_store_run(s, hc_sql_reset_analysis, "reset_analysis.sql", d)) == 0 &&
		    (rc = hc_store_run(s, hc_sql_schema_analysis, "schema_analysis.sql", d)) == 0)
			rc = hc_store_run(s, hc_sql_migrate_analysis, "migrate_analysis.sql", d);
		if ((rc = hc_store_finish(s, rc, d)) < 0)
			goto fail;
		version = HC_SCHEMA_VERSION;
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
	if (path && (rc = hc_store_run(s, hc_sql_file_journal, "file_journal.sql", d)) < 0)
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
	hc_store_read_close(s);
	if (s->file_writer) {
		/* one file at rest (file_at_rest.sql); another connection's
		 * turn when it has the case open: do not wait for it */
		sqlite3_busy_timeout(s->db, 0);
		sqlite3_exec(s->db, hc_sql_file_at_rest, NULL, NULL, NULL);
	}
	sqlite3_close(s->db);
	free(s);
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
	int rc = hc_store_prepare(s, sql, name, &st, d);

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
		rc = hc_store_fail(s, rc, name, d);
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
	return hc_store_query_int(s, hc_sql_count_events, "count_events.sql", n, d);
}

int hc_store_get_meta(struct hc_store *s, const char *key, char *out, size_t cap, struct hc_diag *d)
{
	return query_text(s, hc_sql_get_meta, "get_meta.sql", key, out, cap, d);
}

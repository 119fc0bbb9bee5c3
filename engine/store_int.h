/* Internals of the SQLite store, shared by its files only:
 *   store.c        open, schema and version, meta, close
 *   store_write.c  writing files, events and one analysis
 *   store_load.c   reading a case back: its events for correlation, an
 *                  analysis for the chain views
 *   store_read.c   the read-only side of the query commands
 *   store_json.c   an event's EventData as the store keeps it (JSON)
 * store.h stays the contract; sqlite3 is used in these files only. */
#ifndef HC_STORE_INT_H
#define HC_STORE_INT_H

#include "store.h"
#include "hc_config.h"
#include "hc_queries.h"
#include "../base/dynbuf.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

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

/* Maps SQLite code `src` into an HC_ERR_* after noting it in `d` with
 * `what`. */
int hc_store_fail(struct hc_store *s, int src, const char *what, struct hc_diag *d);
/* Runs the statements of embedded SQL `sql` (`name` for diagnostics). */
int hc_store_run(struct hc_store *s, const char *sql, const char *name, struct hc_diag *d);
int hc_store_prepare(struct hc_store *s, const char *sql, const char *name, sqlite3_stmt **st,
                     struct hc_diag *d);
/* One integer out of a query without parameters. */
int hc_store_query_int(struct hc_store *s, const char *sql, const char *name, int64_t *out,
                       struct hc_diag *d);
/* Commits when rc is 0, else rolls back; returns rc (or the commit's error). */
int hc_store_finish(struct hc_store *s, int rc, struct hc_diag *d);
/* A new handle on `path` (NULL: in memory) opened with SQLite `flags`;
 * *ret is set even on failure (close it). */
int hc_store_connect(const char *path, int flags, struct hc_store **ret, struct hc_diag *d);
/* The schema version, and when there is none how many objects the file has. */
int hc_store_version(struct hc_store *s, int64_t *version, int64_t *objects, struct hc_diag *d);
/* Frees what the read side keeps (store_read.c). */
void hc_store_read_close(struct hc_store *s);

/* `ev`'s EventData as one JSON object {"Name":"text",...} into b (replacing
 * its content; NUL-terminated, the NUL not counted in b->len): a repeated
 * Name keeps its first value, as hc_event_get does; invalid UTF-8 becomes
 * U+FFFD. Returns HC_OK, HC_ERR_LIMIT or HC_ERR_NOMEM. */
int hc_store_data_encode(const struct hc_event *ev, struct hc_buf *b);
/* Splits a NUL-terminated object hc_store_data_encode wrote into at most
 * HC_MAX_FIELDS names and values, NUL-terminated, in `buf` (at least as
 * long as `json` plus one). Returns the count, or -1 when malformed (an
 * edited row). */
long hc_store_data_decode(const char *json, char *buf, const char **names, const char **values);

#endif

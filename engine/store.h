/* The SQLite store: events, hosts and their addresses, sessions, hops,
 * links, chains and findings of one analysis, in the schema of
 * queries/schema.sql (version in PRAGMA user_version). engine/store.c is the
 * only file that includes sqlite3.h; no SQLite type appears here. */
#ifndef HC_STORE_H
#define HC_STORE_H

#include "correlate.h"

struct hc_store;

/* "3.40.1" */
const char *hc_store_sqlite_version(void);

/* The schema version this build reads and writes (PRAGMA user_version). */
int hc_store_schema_version(void);

/* Opens the store in file `path`, or a private in-memory one when `path`
 * is NULL. A new (absent or empty) file gets the schema; a file store uses
 * WAL journaling with synchronous=NORMAL. On success *ret is written; free
 * it with hc_store_close. Returns 0, or with `d` filled (d->file: the path):
 *   HC_ERR_FORMAT  not an SQLite database, a database of another schema
 *                  version, or a non-hopchain database (user_version 0 but
 *                  not empty: it is left untouched)
 *   HC_ERR_IO      SQLite could not open, read or write it
 *   HC_ERR_NOMEM   out of memory */
int hc_store_open(const char *path, struct hc_store **ret, struct hc_diag *d);

/* Drops all of hopchain's tables and re-creates them empty (analyze --db
 * replaces the store), in one transaction. Returns 0 or HC_ERR_IO. */
int hc_store_reset(struct hc_store *s, struct hc_diag *d);

/* Whether a file with content `sha256` (hex) is in the store: 1 with the
 * path it was added under in `path` (size `cap`), 0 when not, < 0 error. */
int hc_store_find_file(struct hc_store *s, const char *sha256, char *path, size_t cap,
                       struct hc_diag *d);

/* One fact of the meta table (schema.sql): 1 with the value in `out`,
 * 0 when unset, < 0 error. */
int hc_store_get_meta(struct hc_store *s, const char *key, char *out, size_t cap,
                      struct hc_diag *d);

/* How many events the store holds. Returns 0 or HC_ERR_IO. */
int hc_store_count_events(struct hc_store *s, int64_t *n, struct hc_diag *d);

/* An input file as the store records it. */
struct hc_store_file {
	const char *path;
	const char *sha256; /* hex, or NULL */
	int64_t size;       /* -1 when unknown */
	const char *backend;
	uint64_t records, failed, errors;
};

/* Adds file `f` and its events ev[0..n) in one transaction (all or
 * nothing: a killed process leaves the store as it was before). Events
 * the store holds already (same computer, channel and record_id, times
 * within HC_DUP_WINDOW) are left out. Sets ev[i].store_id (0 for those
 * left out), *added and *dups; marks the analysis stale when anything was
 * added. Returns 0, or HC_ERR_IO / HC_ERR_NOMEM with `d` filled, nothing
 * written, every store_id 0 and *added, *dups untouched. */
int hc_store_add_file(struct hc_store *s, const struct hc_store_file *f, struct hc_event *ev,
                      size_t n, uint64_t *added, uint64_t *dups, struct hc_diag *d);

/* The case's generation (meta 'generation': how many times events were
 * added; 0 for none). Returns 0 or HC_ERR_IO. */
int hc_store_generation(struct hc_store *s, int64_t *gen, struct hc_diag *d);

/* Fills `set`, which must be empty ({0}), with every event of the store, compacted
 * (hc_event_compact), with store ids and file paths (owned by the set),
 * sorted as hc_events_sort does: the event set analyze would have built
 * from the same inputs. Events whose stored data cannot be parsed are
 * skipped and counted in *bad; *generation is the case's generation of
 * that moment (one read transaction). Returns 0, HC_ERR_IO or
 * HC_ERR_NOMEM. */
int hc_store_load(struct hc_store *s, struct hc_eventset *set, uint64_t *bad, int64_t *generation,
                  struct hc_diag *d);

/* Loads, for the chain views, the analysis of the store: every host (its
 * addresses and clock), the chains `ids` (chains.id, in that order) with
 * their hops, links, candidate parents, sessions, repeats and findings
 * with their evidence, and the warnings; the events all of these cite go
 * into `set`, which must be empty ({0}), compacted. *a is zeroed first;
 * a->priv stays NULL (the result is for rendering, not for linking). Free
 * with hc_analysis_free, then hc_eventset_free. Returns 0, HC_ERR_IO,
 * HC_ERR_FORMAT (a damaged analysis, said in `d`) or HC_ERR_NOMEM. */
int hc_store_load_analysis(struct hc_store *s, const int64_t *ids, size_t n, struct hc_analysis *a,
                           struct hc_eventset *set, struct hc_diag *d);

/* Writes the analysis `a` of `set` into the store, in one transaction
 * that first drops the previous analysis (files, events and meta stay).
 * Events `a` cites that are not stored yet (store_id 0) are inserted first:
 * the in-memory store of a plain analyze holds just those. `meta` is
 * `nmeta` key/value pairs (2 * nmeta strings) recorded beside the
 * analysis (options used), with hopchain_version, analysis_time and
 * analysis_stale. `generation` is the case's generation `set` was made
 * from (-1: do not check): when events came in since (another ingest),
 * the analysis is written but the case stays stale and 1 is returned. An in-memory store gets no
 * secondary indexes: nothing queries it after the run. On failure the transaction is rolled back
 * and the store keeps what it held. Both arguments are borrowed. Returns 0 (or 1, above), or with
 * `d` filled: HC_ERR_IO (SQLite failed: disk full, locked, ...), HC_ERR_NOMEM, HC_ERR_USAGE (`a`
 * points at events outside `set` or at hosts/hops/links it does not have). */
int hc_store_write(struct hc_store *s, const struct hc_eventset *set, const struct hc_analysis *a,
                   const char *const *meta, size_t nmeta, int64_t generation, struct hc_diag *d);

/* Closes the store (a file store checkpoints its WAL); NULL-safe. */
void hc_store_close(struct hc_store *s);

/* ------------------------------------------------------------------ */
/* Reading: the query commands                                          */

/* Longest statement hc_store_sql accepts. */
#define HC_MAX_SQL_LEN (1 << 20)
/* Longest string or blob a statement on a store opened for reading may
 * make or read (SQLITE_LIMIT_LENGTH): above any value hopchain writes (an
 * event's data is at most HC_MAX_FIELDS fields of 64 KiB, escaped), far
 * below what randomblob(1e9) would take. */
#define HC_MAX_SQL_VALUE (64 << 20)
/* Memory SQLite may hold while one statement of hc_store_sql runs. */
#define HC_MAX_SQL_HEAP ((int64_t)1 << 30)
/* Time one statement of hc_store_sql may spend in SQLite by default. */
#define HC_SQL_DEFAULT_SECONDS 60

/* A value bound to a query or read from a row. */
enum hc_value_kind { HC_VALUE_NULL = 0, HC_VALUE_INT, HC_VALUE_REAL, HC_VALUE_TEXT, HC_VALUE_BLOB };

struct hc_value {
	enum hc_value_kind kind;
	int64_t i;     /* HC_VALUE_INT */
	double r;      /* HC_VALUE_REAL */
	const char *s; /* HC_VALUE_TEXT (UTF-8, NUL-terminated) or HC_VALUE_BLOB bytes */
	size_t len;    /* bytes at s, without the NUL */
};

/* Where the rows of a query go. `columns` is called once, before the first
 * row, with the result column names; `row` once per row. Names and values
 * are valid only during the call. A negative return from either stops the
 * query, and the query call returns that value (d untouched). */
struct hc_rows {
	int (*columns)(void *ctx, size_t n, const char *const *names);
	int (*row)(void *ctx, const struct hc_value *v, size_t n);
	void *ctx;
};

/* Opens the store in file `path` for reading only: the file is never
 * created or written (SQLite read-only open, PRAGMA query_only, an
 * authorizer that allows nothing but reading, no extension loading, no
 * ATTACH, untrusted schema). Registers the SQL functions
 *   regexp(P, S)         the REGEXP operator (S REGEXP P): PCRE2,
 *                        case-sensitive; NULL when P or S is NULL
 *   regexp_nocase(P, S)  the same, case-insensitive
 *   logon_type_name(N)   2 -> 'Interactive', ... (NULL when unknown)
 * Patterns are compiled once per statement, with PCRE2's match limits.
 * On success *ret is written; free it with hc_store_close. Returns 0, or
 * with `d` filled (d->file: the path):
 *   HC_ERR_FORMAT  not an SQLite database, an empty one, another schema
 *                  version, or not a hopchain store
 *   HC_ERR_IO      SQLite could not open or read it (absent, unreadable)
 *   HC_ERR_NOMEM   out of memory */
int hc_store_open_readonly(const char *path, struct hc_store **ret, struct hc_diag *d);

/* Runs the embedded query `name` (queries/NAME.sql, one statement) with
 * params[0..nparams-1] bound to ?1..?n (text is copied; NULL values
 * disable optional filters, see each file's header) and passes its rows
 * to `out`. Statements are prepared once per store and reused. Returns 0,
 * a negative value from `out`, or with `d` filled:
 *   HC_ERR_USAGE  no such query, a parameter count other than the
 *                 statement's, or a bad pattern given to regexp() (the
 *                 message names the pattern and the offset, d->offset)
 *   HC_ERR_LIMIT  a pattern hit PCRE2's match limit
 *   HC_ERR_IO     SQLite failed (a table missing from an older store, ...)
 *   HC_ERR_NOMEM  out of memory */
int hc_store_query(struct hc_store *s, const char *name, const struct hc_value *params,
                   size_t nparams, const struct hc_rows *out, struct hc_diag *d);

/* Runs one statement of the user's (`hopchain sql`) on a store opened
 * with hc_store_open_readonly and passes its rows to `out` as they come;
 * columns are those of the statement. The statement may spend at most
 * lim->max_seconds in SQLite (0: no limit; the time `out` takes does not
 * count; lim->out_of_time tells afterwards whether it was stopped for
 * that), make no value longer than HC_MAX_SQL_VALUE, and SQLite may hold
 * at most HC_MAX_SQL_HEAP of memory meanwhile (a process-wide limit, set
 * for the call and restored). Tables, views and table-valued functions
 * (json_each, pragma_table_info, ...) are read; pragmas only report;
 * load_extension() and fts3_tokenizer() (a pointer in and out) are denied.
 * Returns 0, a negative value from `out`, or with `d` filled:
 *   HC_ERR_USAGE  empty, longer than HC_MAX_SQL_LEN, more than one
 *                 statement, a syntax or name error, a statement that
 *                 would write or change the connection or a denied
 *                 function (refused before it runs), a bad pattern given
 *                 to regexp()
 *   HC_ERR_LIMIT  it ran out of time, made a value longer than
 *                 HC_MAX_SQL_VALUE, needed more than HC_MAX_SQL_HEAP, or a
 *                 pattern hit PCRE2's match limit (the message says which)
 *   HC_ERR_IO     SQLite failed while running it
 *   HC_ERR_NOMEM  out of memory */
struct hc_sql_limits {
	double max_seconds; /* in: time in SQLite; 0 = no limit */
	bool out_of_time;   /* out: stopped by the time limit */
};
int hc_store_sql(struct hc_store *s, const char *sql, struct hc_sql_limits *lim,
                 const struct hc_rows *out, struct hc_diag *d);

#endif

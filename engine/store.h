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

/* Writes `set` (every event) and the analysis `a` built from it into the
 * store (an in-memory store gets no secondary indexes: nothing queries it
 * after the run), in one transaction that first drops hopchain's tables: the store
 * then holds exactly this analysis (analyze is not incremental; tables a
 * user added are kept). On failure the transaction is rolled back and the
 * store keeps what it held before. Both arguments are borrowed. Returns 0,
 * or with `d` filled: HC_ERR_IO (SQLite failed: disk full, locked, ...),
 * HC_ERR_NOMEM, HC_ERR_USAGE (`a` points at events outside `set` or at
 * hosts/hops/links it does not have). */
int hc_store_write(struct hc_store *s, const struct hc_eventset *set, const struct hc_analysis *a,
                   struct hc_diag *d);

/* Closes the store (a file store checkpoints its WAL); NULL-safe. */
void hc_store_close(struct hc_store *s);

#endif

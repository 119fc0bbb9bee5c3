/* The SQLite store (engine/store.c is the only file that includes
 * sqlite3.h). Issue 2 needs only its version; the schema, events, sessions
 * and hops arrive with the correlation engine. */
#ifndef HC_STORE_H
#define HC_STORE_H

/* "3.40.1" */
const char *hc_store_sqlite_version(void);

#endif

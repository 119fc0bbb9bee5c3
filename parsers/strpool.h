/* A string pool: one copy of each distinct string, for the millions of
 * compacted events of a case, whose accounts, domains, SIDs, hosts,
 * packages and process names repeat endlessly. Not thread-safe: one pool
 * per thread. Strings live until the pool is freed. */
#ifndef HC_STRPOOL_H
#define HC_STRPOOL_H

#include <stddef.h>

struct hc_strpool;

/* A new empty pool, or NULL when out of memory. */
struct hc_strpool *hc_strpool_new(void);
/* The pool's copy of `s` (made on first sight), or NULL when out of
 * memory. Strings longer than HC_MAX_FIELD_LEN + 1 are refused (NULL). */
const char *hc_strpool_intern(struct hc_strpool *p, const char *s);
/* Bytes the pool holds (strings and table), for measurements. */
size_t hc_strpool_bytes(const struct hc_strpool *p);
/* NULL-safe. */
void hc_strpool_free(struct hc_strpool *p);

#endif

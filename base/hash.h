/* The string hash and the hash tables, written once. FNV-1a (64-bit) for
 * strings and bytes, a finaliser for integer keys, and two open-addressing
 * tables with linear probing and a load factor of at most 1/2: string ->
 * int (keys copied) and uint64 -> int. Lookups are O(1) expected; the
 * keys come from logs, so no table here is ever scanned linearly.
 * Two tables elsewhere stay on purpose: the string pool (parsers/strpool.c:
 * it interns, caching each hash beside its string) and the loader's
 * duplicate filter (keys compared by several event fields); both hash with
 * these functions. */
#ifndef HC_HASH_H
#define HC_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HC_FNV_INIT UINT64_C(14695981039346656037)
#define HC_FNV_PRIME UINT64_C(1099511628211)

/* FNV-1a of `n` bytes at `p`, continuing from `h` (HC_FNV_INIT to start). */
uint64_t hc_fnv1a(uint64_t h, const void *p, size_t n);
/* FNV-1a of a NUL-terminated string, from HC_FNV_INIT. */
uint64_t hc_fnv1a_str(const char *s);
/* FNV-1a of `s` lower-cased (ASCII), at most `n` bytes and not past its
 * NUL, continuing from `h`: for names Windows compares without case. */
uint64_t hc_fnv1a_lower(uint64_t h, const char *s, size_t n);
/* Mixes a 64-bit integer key (MurmurHash3's finaliser, first half). */
uint64_t hc_mix64(uint64_t k);

/* A string -> int map; keys are copied. Zero it to start. */
struct hc_smap {
	char **key;
	int *val;
	size_t cap, n;
};

/* The value of `k`, or NULL. */
int *hc_smap_find(const struct hc_smap *m, const char *k);
/* Sets `k` to `v`. Returns HC_OK or HC_ERR_NOMEM. */
int hc_smap_put(struct hc_smap *m, const char *k, int v);
void hc_smap_free(struct hc_smap *m);

/* A uint64 -> int map (every key allowed but UINT64_MAX). Zero it to start. */
struct hc_imap {
	uint64_t *key; /* key + 1; 0 marks an empty slot */
	int *val;
	size_t cap, n;
};

/* The value of `k`, or NULL. */
int *hc_imap_find(const struct hc_imap *m, uint64_t k);
/* Sets `k` to `v`. Returns HC_OK or HC_ERR_NOMEM. */
int hc_imap_put(struct hc_imap *m, uint64_t k, int v);
void hc_imap_free(struct hc_imap *m);

#endif

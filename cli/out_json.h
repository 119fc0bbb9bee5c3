/* The front end's jansson file (cli/out_json.c, the only one that
 * includes it): JSON rows of a table, the JSON of the chain view, the
 * --policy document, and JSON written straight into a buffer, byte for
 * byte as jansson's compact dump with preserved order writes it, for
 * output too big to go through jansson objects (the rows of `events`). */
#ifndef HC_OUT_JSON_H
#define HC_OUT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../parsers/event.h"
#include "table.h"

struct hc_analysis;
struct hc_chain;
struct hc_policy;
struct hc_view_hidden;

/* Row `r` of `t` as one compact JSON object (columns flagged HC_COL_VIEW
 * left out). Returns 0 or -1. */
int hc_table_print_json_row(const struct hc_table *t, size_t r, FILE *out);
/* A map as compact JSON text (malloc'd), for the csv renderer. */
char *hc_json_map_text(const struct hc_field *f, size_t n);
/* "2.14": the jansson library in use. */
const char *hc_jansson_version(void);

/* json/jsonl of the chain view: {"chains": [...], "hosts": [...],
 * "warnings": [...], "hidden": {...}} or one chain object per line.
 * Returns 0 or -1. */
int hc_analysis_print_json(const struct hc_analysis *a, const struct hc_chain *const *chains,
                           size_t n, const struct hc_view_hidden *hidden, bool lines, FILE *out);

/* --policy FILE: {"rules": [{"host": RE, "account": RE, "allow":
 * ["Kerberos", ...]}], "legacy_hosts": [RE, ...]} into `pol` (zeroed
 * first; rules built by the engine, hc_policy_add_rule). Returns 0, or
 * with `d` saying what and where (the path is the caller's to name):
 * HC_ERR_IO (cannot open), HC_ERR_FORMAT (not JSON, or not that shape),
 * HC_ERR_USAGE (a bad pattern), HC_ERR_NOMEM; `pol` is then empty. */
int hc_policy_load(const char *path, struct hc_policy *pol, struct hc_diag *d);
/* Package names read from one rule's "allow" (more are ignored). */
#define HC_MAX_POLICY_ALLOW 16

/* A growable output buffer for the direct writer. A failed allocation
 * sets `err`, and every later write is then dropped: check `err` once at
 * the end. Zero it to start; hc_jbuf_free frees it. Its room is always
 * more than it is asked for (cap > len + more), and a failure makes cap
 * equal len: one comparison then says there is room, or calls the slow
 * path, which sees a zeroed or failed buffer. */
struct hc_jbuf {
	char *p;
	size_t len, cap;
	bool err;
};

/* The slow path of hc_jbuf_reserve. */
int hc_jbuf_grow(struct hc_jbuf *b, size_t more);

/* Room for `more` bytes after len; 0, or -1 (err set). */
static inline int hc_jbuf_reserve(struct hc_jbuf *b, size_t more)
{
	return b->cap - b->len > more ? 0 : hc_jbuf_grow(b, more);
}

/* `n` bytes as they are. */
static inline void hc_jbuf_raw(struct hc_jbuf *b, const char *s, size_t n)
{
	if (hc_jbuf_reserve(b, n) < 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* `s` as a JSON string: '"', '\\' and controls below 0x20 escaped as
 * jansson escapes them, everything else as it is; text that is not valid
 * UTF-8 has each bad byte replaced by U+FFFD first (jansson refuses it). */
void hc_jbuf_str(struct hc_jbuf *b, const char *s);
/* The same of the `n` bytes of s (s[n] is its NUL). */
void hc_jbuf_strn(struct hc_jbuf *b, const char *s, size_t n);
/* A decimal integer. */
void hc_jbuf_int(struct hc_jbuf *b, long long v);
/* A JSON object of the fields' names and values, in order; of fields with
 * the same name only the first (as hc_event_get finds it). */
void hc_jbuf_map(struct hc_jbuf *b, const struct hc_field *f, size_t n);
/* The same, with the length of each value (vlen NULL: strlen) and the
 * code of each name (struct hc_event.codes; NULL: looked up). */
void hc_jbuf_map_n(struct hc_jbuf *b, const struct hc_field *f, const uint32_t *vlen,
                   const uint8_t *codes, size_t n);
void hc_jbuf_free(struct hc_jbuf *b);

#endif

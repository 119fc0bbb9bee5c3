/* Regular expressions for filters and policies: PCRE2 behind one file,
 * compiled once, matched with match and depth limits (hostile patterns and
 * hostile subjects must not hang the tool). */
#ifndef HC_REGEX_H
#define HC_REGEX_H

#include <stddef.h>

#include "event.h"

#define HC_REGEX_MATCH_LIMIT 100000
#define HC_REGEX_DEPTH_LIMIT 1000
#define HC_MAX_PATTERN_LEN 4096

struct hc_regex;

/* Compiles `pattern` (UTF-8; case-insensitive when `icase`). On failure
 * returns HC_ERR_USAGE and writes the message and the offset of the error
 * in the pattern into d (d->offset, d->has_offset). */
int hc_regex_compile(const char *pattern, int icase, struct hc_regex **ret, struct hc_diag *d);
/* 1 match, 0 no match, HC_ERR_LIMIT when a match limit was hit. */
int hc_regex_match(const struct hc_regex *re, const char *subject, size_t len);
void hc_regex_free(struct hc_regex *re);
/* "10.42 2022-12-11" */
const char *hc_regex_version(void);

#endif

/* UTF-8, written once: validation by sequence, repair, encoding. Strings
 * from logs are attacker-controlled; every layer that must hand valid UTF-8
 * on (SQLite text, JSON, the terminal) checks it with these. Valid means
 * RFC 3629: no overlong forms, no surrogates (U+D800..DFFF), nothing above
 * U+10FFFF. */
#ifndef HC_UTF8_H
#define HC_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The replacement character U+FFFD, encoded. */
#define HC_UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* Length (1..4) of the valid UTF-8 sequence at `p`, of which `n` >= 1
 * bytes may be read, or 0 when the bytes there are not one. For a
 * NUL-terminated string pass SIZE_MAX: the NUL is never a continuation
 * byte, so nothing past it is read. */
size_t hc_utf8_seq(const unsigned char *p, size_t n);

/* True when the NUL-terminated `s` is valid UTF-8. */
bool hc_utf8_valid(const char *s);

/* A malloc'd copy of `s` with each byte that is not part of a valid
 * sequence replaced by U+FFFD; NULL when out of memory. */
char *hc_utf8_repair(const char *s);

/* Encodes code point `cp` (<= 0x10FFFF) into `out` (room for 4 bytes).
 * Returns the bytes written (1..4). */
size_t hc_utf8_put(char *out, uint32_t cp);

#endif

/* Terminal safety (cli/term.c): text from logs is hostile (escape
 * sequences, bidirectional overrides, invalid UTF-8); everything printed
 * for a person goes through here. */
#ifndef HC_TERM_H
#define HC_TERM_H

#include <stddef.h>
#include <stdio.h>

/* Writes `s` with control characters (C0, DEL, C1) and invalid UTF-8
 * bytes shown as \xHH, and the bidirectional formatting characters
 * (U+061C, U+200E/F, U+202A..202E, U+2066..2069) as \u202e, which would
 * otherwise reorder the text around them. */
void hc_term_put(FILE *out, const char *s);
/* The same into a malloc'd string. */
char *hc_term_escape(const char *s);
/* `s` as a quoted DOT string: quotes and backslashes escaped, control
 * characters (C0, DEL, C1) and bidirectional controls dropped (a graph is
 * read rendered; NULL prints "?"). The dot views of analyze and chains. */
void hc_term_put_dot(FILE *out, const char *s);
/* Display width of an escaped UTF-8 string (code points). */
size_t hc_term_width(const char *s);

#endif

/* Numbers in the "C" locale, whatever the process's: a program that links
 * the library may call setlocale (LC_NUMERIC=de_DE writes "0,85" and stops
 * strtod at a point), but what the library writes and reads has numbers
 * with a point. Diagnostics, explanations and duration parsing use these. */
#ifndef HC_CNUM_H
#define HC_CNUM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* vsnprintf in the "C" locale (this thread only, for the call). */
int hc_vsnprintf_c(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* strtod in the "C" locale. */
double hc_strtod_c(const char *s, char **end);

/* The decimal digits of v written backwards from `e` (exclusive: up to 20
 * bytes before it), two at a time; returns where they start. No NUL. */
char *hc_dec_end(char *e, uint64_t v);

/* The value of hex digit `c` (0-9, a-f, A-F), or 16 for any other byte. */
static inline unsigned hc_hex_value(unsigned char c)
{
	if ((unsigned)(c - '0') < 10)
		return (unsigned)(c - '0');
	c |= 0x20; /* 'A'-'F' -> 'a'-'f'; nothing else lands there */
	return (unsigned)(c - 'a') < 6 ? (unsigned)(c - 'a') + 10 : 16;
}

#endif

/* Numbers in the "C" locale (cnum.h). */
#include "cnum.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One "C" locale object for the process, made on first use (never freed:
 * it lives as long as the library may be called). */
static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

int hc_vsnprintf_c(char *buf, size_t cap, const char *fmt, va_list ap)
{
	locale_t old = (locale_t)0;
	int n;

	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale)
		old = uselocale(c_locale); /* this thread only */
	n = vsnprintf(buf, cap, fmt, ap);
	if (c_locale)
		uselocale(old);
	return n;
}

double hc_strtod_c(const char *s, char **end)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale ? strtod_l(s, end, c_locale) : strtod(s, end);
}

char *hc_dec_end(char *e, uint64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
	                            "25262728293031323334353637383940414243444546474849"
	                            "50515253545556575859606162636465666768697071727374"
	                            "75767778798081828384858687888990919293949596979899";

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		e -= 2;
		memcpy(e, pairs + 2 * r, 2);
	}
	if (v >= 10) {
		e -= 2;
		memcpy(e, pairs + 2 * v, 2);
	} else {
		*--e = (char)('0' + v);
	}
	return e;
}

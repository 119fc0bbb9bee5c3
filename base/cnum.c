/* Numbers in the "C" locale (cnum.h). */
#include "cnum.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

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

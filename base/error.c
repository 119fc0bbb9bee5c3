/* Errors and diagnostics (error.h). */
#include "error.h"
#include "cnum.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void hc_diag_clear(struct hc_diag *d)
{
	/* field by field: readers clear it per record, and the two strings
	 * are a kilobyte */
	if (!d)
		return;
	d->file[0] = '\0';
	d->msg[0] = '\0';
	d->record = 0;
	d->offset = 0;
	d->pos = HC_POS_NONE;
	d->has_offset = false;
}

void hc_diag_set(struct hc_diag *d, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	hc_vsnprintf_c(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

void hc_diag_prefix(struct hc_diag *d, const char *fmt, ...)
{
	char pre[128];
	size_t n, m;
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	hc_vsnprintf_c(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	n = strlen(pre);
	m = strnlen(d->msg, sizeof(d->msg) - 1);
	if (n + m >= sizeof(d->msg))
		m = sizeof(d->msg) - 1 - n;
	memmove(d->msg + n, d->msg, m);
	memcpy(d->msg, pre, n);
	d->msg[n + m] = '\0';
}

void hc_diag_at(struct hc_diag *d, enum hc_pos pos, uint64_t record)
{
	if (!d)
		return;
	d->pos = pos;
	d->record = record;
}

/* Civil dates (proleptic Gregorian) as day counts from 1601-01-01, the
 * FILETIME epoch: H. Hinnant's algorithms, written once for the parsers
 * (FILETIME values, RFC 3339 times). The sample writer keeps its own copy
 * on purpose, as an independent oracle (writer/README.md). */
#ifndef HC_CIVIL_H
#define HC_CIVIL_H

#include <stdint.h>

/* Days from 1601-01-01 to year y, month m (1-12), day d (1-31). */
int64_t hc_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The civil date of `days` since 1601-01-01. */
void hc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif

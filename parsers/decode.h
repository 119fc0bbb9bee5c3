/* Code -> label tables for values Windows logs as numbers or message tokens:
 * logon types, msobjs %%NNNN parameter messages, NTSTATUS values of 4625/4776,
 * Kerberos result codes and ticket encryption types. One table each. */
#ifndef HC_DECODE_H
#define HC_DECODE_H

#include <stdint.h>

/* Each returns a static string, or NULL for an unknown code. */

/* 2 -> "Interactive", 3 -> "Network", 8 -> "NetworkCleartext" ... */
const char *hc_decode_logon_type(int type);
/* 1 when a logon of this type leaves reusable credentials on the target
 * (DOMAIN.md 2.1: 2, 4, 5, 8, 9, 10, 11, 12). */
int hc_logon_type_reusable(int type);
/* "%%1833" -> "Impersonation", "%%2313" -> "Unknown user name or bad password." */
const char *hc_decode_msobjs(const char *token);
/* 0xC000006A -> "STATUS_WRONG_PASSWORD"; *meaning gets a one-line meaning. */
const char *hc_decode_ntstatus(uint32_t status, const char **meaning);
/* 0x18 -> "KDC_ERR_PREAUTH_FAILED"; *meaning as above. */
const char *hc_decode_kerberos(uint32_t code, const char **meaning);
/* 0x12 -> "AES256-CTS-HMAC-SHA1-96" */
const char *hc_decode_ticket_encryption(uint32_t etype);

#endif

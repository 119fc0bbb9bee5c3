/* Content hashes of input files (SHA-256), so a case can tell a file it
 * has seen from a new one. engine/sha256.c is the only nettle user. */
#ifndef HC_SHA256_H
#define HC_SHA256_H

#include <stdint.h>

#include "../parsers/event.h"

/* Hashes the whole content of `path`, which must be a regular file
 * (hc_input_open_regular: a FIFO or device is refused, never read), into
 * `hex` (64 lower-case hex digits and a NUL) and its byte count into
 * *size. Returns 0, or HC_ERR_IO / HC_ERR_NOMEM with `d` filled (file,
 * message); `hex` and *size are written only on success. */
int hc_file_sha256(const char *path, char hex[65], int64_t *size, struct hc_diag *d);

/* "3.8": the nettle library in use. */
const char *hc_nettle_version(void);

/* The same over a buffer (for tests). */
void hc_sha256_hex(const void *p, size_t n, char hex[65]);

#endif

/* SHA-256 of input files through nettle (SHA-NI where the CPU has it: a
 * 600 MB case hashes in about a second, against tens of seconds to parse
 * it). Chosen over an own implementation: a crypto hash decides which
 * files a case skips, and nettle's is tested and fast. */
#include "sha256.h"
#include "../parsers/input.h"

#include <nettle/sha2.h>
#include <nettle/version.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HC_HASH_BUF (1u << 20)

static void to_hex(const uint8_t *dg, char hex[65])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		hex[2 * i] = digits[dg[i] >> 4];
		hex[2 * i + 1] = digits[dg[i] & 15];
	}
	hex[64] = '\0';
}

const char *hc_nettle_version(void)
{
	static char v[32];

	if (!v[0])
		snprintf(v, sizeof(v), "%d.%d", nettle_version_major(), nettle_version_minor());
	return v;
}

void hc_sha256_hex(const void *p, size_t n, char hex[65])
{
	struct sha256_ctx c;
	uint8_t dg[SHA256_DIGEST_SIZE];

	sha256_init(&c);
	sha256_update(&c, n, p);
	sha256_digest(&c, sizeof(dg), dg);
	to_hex(dg, hex);
}

int hc_file_sha256(const char *path, char hex[65], int64_t *size, struct hc_diag *d)
{
	struct sha256_ctx c;
	uint8_t dg[SHA256_DIGEST_SIZE];
	unsigned char *buf;
	int64_t total = 0;
	int fd, err = 0;

	/* a regular file only, as every reader of inputs: a FIFO or a device
	 * (/dev/zero) would never end */
	if ((fd = hc_input_open_regular(path, d)) < 0)
		return fd;
	if (!(buf = malloc(HC_HASH_BUF))) {
		close(fd);
		if (d)
			hc_diag_set(d, "out of memory");
		return HC_ERR_NOMEM;
	}
	sha256_init(&c);
	for (;;) {
		ssize_t n = read(fd, buf, HC_HASH_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = errno;
		if (n <= 0)
			break;
		sha256_update(&c, (size_t)n, buf);
		total += n;
	}
	close(fd);
	free(buf);
	if (err) {
		if (d)
			hc_diag_set(d, "cannot read: %s", strerror(err));
		return HC_ERR_IO;
	}
	sha256_digest(&c, sizeof(dg), dg);
	to_hex(dg, hex);
	*size = total;
	return 0;
}

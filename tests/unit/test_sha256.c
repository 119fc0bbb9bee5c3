/* Unit tests for engine/sha256.c and parsers/strpool.c: SHA-256 against the
 * FIPS 180-2 vectors, of a buffer and of a file (empty, small, larger than
 * the read buffer), an unreadable path, a FIFO and a device (refused at
 * once, never read); interning. */
#include "sha256.h"
#include "strpool.h"
#include "hc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_vectors(void)
{
	char hex[65];

	hc_sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hc_sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hc_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_file(void)
{
	char path[] = "/tmp/hc_hash_XXXXXX", hex[65], want[65];
	int fd = mkstemp(path);
	size_t n = 3u << 20; /* three read buffers and a bit */
	unsigned char *big = malloc(n + 7);
	int64_t size = -1;
	struct hc_diag d;
	FILE *f;

	if (fd < 0 || !big)
		HC_SKIP("no temporary file");
	close(fd);
	CHECK_INT(hc_file_sha256(path, hex, &size, &d), 0);
	CHECK_INT(size, 0);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	for (size_t i = 0; i < n + 7; i++)
		big[i] = (unsigned char)(i * 31 + (i >> 9));
	if ((f = fopen(path, "wb"))) {
		fwrite(big, 1, n + 7, f);
		fclose(f);
	}
	hc_sha256_hex(big, n + 7, want);
	CHECK_INT(hc_file_sha256(path, hex, &size, &d), 0);
	CHECK_INT(size, (int64_t)(n + 7));
	CHECK_STR(hex, want);
	unlink(path);
	CHECK_INT(hc_file_sha256(path, hex, &size, &d), HC_ERR_IO);
	CHECK_STR(d.file, path);
	CHECK(strstr(d.msg, "cannot open") != NULL);
	free(big);
}

/* No regular file: refused without a read (a FIFO without a writer would
 * block the open, /dev/zero the read, for ever). */
static void test_special(void)
{
	char dir[] = "/tmp/hc_hash_XXXXXX", fifo[64], hex[65] = "";
	int64_t size = -1;
	struct hc_diag d;

	if (!mkdtemp(dir))
		HC_SKIP("no temporary directory");
	snprintf(fifo, sizeof(fifo), "%s/x.evtx", dir);
	if (mkfifo(fifo, 0600) == 0) {
		CHECK_INT(hc_file_sha256(fifo, hex, &size, &d), HC_ERR_IO);
		CHECK_STR(d.msg, "not a regular file");
		CHECK_INT(size, -1);
		unlink(fifo);
	}
	CHECK_INT(hc_file_sha256("/dev/zero", hex, &size, &d), HC_ERR_IO);
	CHECK_STR(d.msg, "not a regular file");
	CHECK_STR(d.file, "/dev/zero");
	CHECK_INT(hc_file_sha256(dir, hex, &size, &d), HC_ERR_IO);
	CHECK_STR(d.msg, "not a regular file");
	CHECK_STR(hex, "");
	rmdir(dir);
}

static void test_pool(void)
{
	struct hc_strpool *p = hc_strpool_new();
	char buf[32], *huge;
	const char *a, *b, *first[5000];

	CHECK(p != NULL);
	if (!p)
		return;
	a = hc_strpool_intern(p, "CONTOSO");
	snprintf(buf, sizeof(buf), "%s", "CONTOSO");
	b = hc_strpool_intern(p, buf);
	CHECK(a == b);
	CHECK(a != buf);
	CHECK_STR(hc_strpool_intern(p, ""), "");
	/* many distinct strings: all stay where they were through growth */
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "user%d", i);
		first[i] = hc_strpool_intern(p, buf);
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "user%d", i);
		CHECK(hc_strpool_intern(p, buf) == first[i]);
		CHECK_STR(first[i], buf);
	}
	/* a string bigger than a chunk, and one over the cap */
	huge = malloc(HC_MAX_FIELD_LEN + 3);
	if (huge) {
		memset(huge, 'x', HC_MAX_FIELD_LEN);
		huge[HC_MAX_FIELD_LEN] = '\0';
		a = hc_strpool_intern(p, huge);
		CHECK(a && strlen(a) == HC_MAX_FIELD_LEN);
		memset(huge, 'y', HC_MAX_FIELD_LEN + 2);
		huge[HC_MAX_FIELD_LEN + 2] = '\0';
		CHECK(hc_strpool_intern(p, huge) == NULL);
		free(huge);
	}
	CHECK_STR(a == b ? "" : hc_strpool_intern(p, "CONTOSO"), "CONTOSO");
	CHECK(hc_strpool_bytes(p) > 5000);
	hc_strpool_free(p);
	hc_strpool_free(NULL);
}

int main(void)
{
	CHECK(strncmp(hc_nettle_version(), "3.", 2) == 0);
	test_vectors();
	test_file();
	test_special();
	test_pool();
	return hc_test_result();
}

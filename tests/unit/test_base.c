/* Unit tests of the base library (base/): diagnostics, UTF-8, the string
 * hash and its tables, the capped growable buffer. */
#include "hc_test.h"

#include "../../base/civil.h"
#include "../../base/cnum.h"
#include "../../base/dynbuf.h"
#include "../../base/error.h"
#include "../../base/hash.h"
#include "../../base/utf8.h"

static size_t seq(const char *s)
{
	return hc_utf8_seq((const unsigned char *)s, SIZE_MAX);
}

static void test_diag(void)
{
	struct hc_diag d;
	char longer[600];

	hc_diag_clear(&d);
	CHECK(d.pos == HC_POS_NONE && !d.has_offset && !d.msg[0]);
	hc_diag_set(&d, "bad %s", "thing");
	hc_diag_prefix(&d, "line %d: ", 4);
	CHECK_STR(d.msg, "line 4: bad thing");
	hc_diag_at(&d, HC_POS_LINE, 4);
	CHECK(d.pos == HC_POS_LINE);
	CHECK_U64(d.record, 4);
	/* a prefix never overflows a full message: the message is cut */
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	hc_diag_set(&d, "%s", longer);
	hc_diag_prefix(&d, "record %d: ", 12);
	CHECK_INT(strlen(d.msg), sizeof(d.msg) - 1);
	CHECK(strncmp(d.msg, "record 12: xxx", 14) == 0);
	/* NULL is a valid diagnostic sink */
	hc_diag_clear(NULL);
	hc_diag_set(NULL, "ignored");
	hc_diag_prefix(NULL, "ignored");
	hc_diag_at(NULL, HC_POS_LINE, 1);
}

static void test_utf8_seq(void)
{
	CHECK_INT(seq("a"), 1);
	CHECK_INT(seq("\xC3\xA9"), 2);         /* é */
	CHECK_INT(seq("\xE2\x80\xAE"), 3);     /* U+202E */
	CHECK_INT(seq("\xF0\x9F\x98\x80"), 4); /* U+1F600 */
	CHECK_INT(seq("\xF4\x8F\xBF\xBF"), 4); /* U+10FFFF */
	CHECK_INT(seq("\xC0\xAF"), 0);         /* overlong '/' */
	CHECK_INT(seq("\xC1\xBF"), 0);
	CHECK_INT(seq("\xE0\x9F\xBF"), 0);     /* overlong 3-byte */
	CHECK_INT(seq("\xE0\xA0\x80"), 3);     /* U+0800, the first */
	CHECK_INT(seq("\xED\xA0\x80"), 0);     /* surrogate U+D800 */
	CHECK_INT(seq("\xED\x9F\xBF"), 3);     /* U+D7FF */
	CHECK_INT(seq("\xF0\x8F\xBF\xBF"), 0); /* overlong 4-byte */
	CHECK_INT(seq("\xF4\x90\x80\x80"), 0); /* above U+10FFFF */
	CHECK_INT(seq("\xF5\x80\x80\x80"), 0);
	CHECK_INT(seq("\x80"), 0);         /* a lone continuation */
	CHECK_INT(seq("\xE2\x80"), 0);     /* cut by the NUL */
	CHECK_INT(seq("\xE2\x28\xA1"), 0); /* a bad second byte */
	CHECK_INT(seq("\xE2\x82\x28"), 0); /* a bad third byte */
	/* a bounded buffer: never read past n */
	CHECK_INT(hc_utf8_seq((const unsigned char *)"\xE2\x80\xAE", 2), 0);
	CHECK_INT(hc_utf8_seq((const unsigned char *)"\xE2\x80\xAE", 3), 3);
	CHECK_INT(hc_utf8_seq((const unsigned char *)"\xF0\x9F\x98\x80", 3), 0);
}

static void test_utf8_valid_repair(void)
{
	char *r;

	CHECK(hc_utf8_valid(""));
	CHECK(hc_utf8_valid("plain \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80"));
	CHECK(!hc_utf8_valid("caf\xE9"));
	CHECK(!hc_utf8_valid("\xED\xB0\x80"));
	r = hc_utf8_repair("a\xE9z\xC3\xA9\x80");
	CHECK_STR(r, "a" HC_UTF8_REPLACEMENT "z\xC3\xA9" HC_UTF8_REPLACEMENT);
	CHECK(r && hc_utf8_valid(r));
	free(r);
	r = hc_utf8_repair("\xF0\x9F\x98"); /* a cut sequence: one U+FFFD per byte */
	CHECK_STR(r, HC_UTF8_REPLACEMENT HC_UTF8_REPLACEMENT HC_UTF8_REPLACEMENT);
	free(r);
}

static void test_utf8_put(void)
{
	char b[5];
	size_t bad = 0;

	/* every scalar value encodes to a sequence hc_utf8_seq accepts whole */
	for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		size_t n = hc_utf8_put(b, cp);
		b[n] = '\0';
		if (seq(b) != n || n != (cp < 0x80 ? 1u : cp < 0x800 ? 2u : cp < 0x10000 ? 3u : 4u))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(hc_utf8_put(b, 0xFFFD), 3);
	CHECK(memcmp(b, HC_UTF8_REPLACEMENT, 3) == 0);
}

static void test_fnv(void)
{
	/* the published FNV-1a 64 test vectors */
	CHECK_U64(hc_fnv1a_str(""), UINT64_C(0xcbf29ce484222325));
	CHECK_U64(hc_fnv1a_str("a"), UINT64_C(0xaf63dc4c8601ec8c));
	CHECK_U64(hc_fnv1a_str("foobar"), UINT64_C(0x85944171f73967e8));
	CHECK_U64(hc_fnv1a(HC_FNV_INIT, "foobar", 6), hc_fnv1a_str("foobar"));
	CHECK_U64(hc_fnv1a(hc_fnv1a(HC_FNV_INIT, "foo", 3), "bar", 3), hc_fnv1a_str("foobar"));
	CHECK_U64(hc_fnv1a_lower(HC_FNV_INIT, "FooBAR", 99), hc_fnv1a_str("foobar"));
	CHECK_U64(hc_fnv1a_lower(HC_FNV_INIT, "FooBAR", 3), hc_fnv1a_str("foo"));
	CHECK(hc_mix64(1) != hc_mix64(2));
}

static void test_smap(void)
{
	struct hc_smap m = {0};
	char k[32];
	int *v, bad = 0;

	CHECK(hc_smap_find(&m, "x") == NULL);
	CHECK_INT(hc_smap_put(&m, "server1", 1), HC_OK);
	CHECK_INT(hc_smap_put(&m, "server1", 7), HC_OK); /* overwrites */
	CHECK_INT(m.n, 1);
	v = hc_smap_find(&m, "server1");
	CHECK(v && *v == 7);
	CHECK(hc_smap_find(&m, "Server1") == NULL); /* exact keys */
	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "host%d", i);
		if (hc_smap_put(&m, k, i) != HC_OK)
			bad++;
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "host%d", i);
		v = hc_smap_find(&m, k);
		if (!v || *v != i)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(m.n, 5001);
	CHECK(m.n * 2 <= m.cap);
	hc_smap_free(&m);
	CHECK(m.cap == 0 && m.key == NULL);
}

static void test_imap(void)
{
	struct hc_imap m = {0};
	int *v, bad = 0;

	CHECK(hc_imap_find(&m, 0) == NULL);
	CHECK_INT(hc_imap_put(&m, 0, 10), HC_OK); /* 0 is a key like any other */
	v = hc_imap_find(&m, 0);
	CHECK(v && *v == 10);
	for (uint64_t i = 1; i <= 5000; i++)
		if (hc_imap_put(&m, i << 32, (int)i) != HC_OK)
			bad++;
	for (uint64_t i = 1; i <= 5000; i++) {
		v = hc_imap_find(&m, i << 32);
		if (!v || *v != (int)i)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(hc_imap_find(&m, 1) == NULL);
	CHECK_INT(hc_imap_put(&m, 1u << 0, 3), HC_OK);
	CHECK_INT(m.n, 5002);
	hc_imap_free(&m);
}

static void test_dynbuf(void)
{
	struct hc_buf b = {0};
	int *arr = NULL;
	size_t cap = 0;

	CHECK_INT(hc_buf_add(&b, "abc", 3, 8), HC_OK);
	CHECK_INT(hc_buf_add(&b, "defgh", 5, 8), HC_OK); /* exactly the cap */
	CHECK_INT(b.len, 8);
	CHECK(memcmp(b.p, "abcdefgh", 8) == 0);
	CHECK_INT(hc_buf_add(&b, "i", 1, 8), HC_ERR_LIMIT);
	CHECK_INT(b.len, 8);                                             /* unchanged */
	CHECK_INT(hc_buf_reserve(&b, SIZE_MAX, SIZE_MAX), HC_ERR_LIMIT); /* no overflow */
	b.len = 0;
	CHECK_INT(hc_buf_reserve(&b, 100000, 1 << 20), HC_OK);
	CHECK(b.cap >= 100000);
	hc_buf_free(&b);
	CHECK(b.p == NULL && b.cap == 0);

	CHECK_INT(hc_array_reserve((void **)&arr, &cap, 1, sizeof(*arr), 100), HC_OK);
	CHECK_INT(cap, 16);
	CHECK_INT(hc_array_reserve((void **)&arr, &cap, 17, sizeof(*arr), 100), HC_OK);
	CHECK_INT(cap, 32);
	CHECK_INT(hc_array_reserve((void **)&arr, &cap, 100, sizeof(*arr), 100), HC_OK);
	CHECK_INT(cap, 100); /* doubling stops at the cap */
	CHECK_INT(hc_array_reserve((void **)&arr, &cap, 101, sizeof(*arr), 100), HC_ERR_LIMIT);
	CHECK_INT(cap, 100);
	for (size_t n = 0; n < 1000; n++) {
		if (HC_GROW(arr, n, cap) < 0)
			break;
		arr[n] = (int)n;
	}
	CHECK(cap >= 1000 && arr[999] == 999);
	free(arr);
}

static void test_civil(void)
{
	int64_t y;
	unsigned m, d;
	size_t bad = 0;

	CHECK_INT(hc_days_from_civil(1601, 1, 1), 0);
	CHECK_INT(hc_days_from_civil(1970, 1, 1), 134774);
	CHECK_INT(hc_days_from_civil(2000, 3, 1) - hc_days_from_civil(2000, 2, 28), 2); /* leap */
	CHECK_INT(hc_days_from_civil(1900, 3, 1) - hc_days_from_civil(1900, 2, 28), 1); /* not */
	hc_civil_from_days(hc_days_from_civil(2021, 2, 12), &y, &m, &d);
	CHECK(y == 2021 && m == 2 && d == 12);
	hc_civil_from_days(-1, &y, &m, &d);
	CHECK(y == 1600 && m == 12 && d == 31);
	/* every day from 1601 to past FILETIME's end (30828) round-trips */
	for (int64_t k = 0; k < 10950000; k += 7) {
		hc_civil_from_days(k, &y, &m, &d);
		if (hc_days_from_civil(y, m, d) != k || m < 1 || m > 12 || d < 1 || d > 31)
			bad++;
	}
	CHECK_INT(bad, 0);
}

/* hc_hex_value over every byte: the 22 hex digits and nothing else. */
static void test_hex_value(void)
{
	static const char digits[] = "0123456789abcdefABCDEF";
	size_t wrong = 0;

	for (unsigned c = 0; c < 256; c++) {
		const char *d = c ? strchr(digits, (int)c) : NULL;
		unsigned want = !d                            ? 16
		                : (unsigned)(d - digits) < 16 ? (unsigned)(d - digits)
		                                              : (unsigned)(d - digits) - 6;
		wrong += hc_hex_value((unsigned char)c) != want;
	}
	CHECK_INT(wrong, 0);
	CHECK_INT(hc_hex_value('F'), 15);
	CHECK_INT(hc_hex_value('g'), 16);
}

/* hc_dec_end against printf: every value below 100000, each power of ten
 * and its neighbours, the largest. */
static void test_dec_end(void)
{
	char buf[32], want[32];
	size_t wrong = 0;
	uint64_t p = 1;

	for (uint64_t v = 0; v < 100000; v++) {
		char *q = hc_dec_end(buf + sizeof(buf), v);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
		wrong += (size_t)(buf + sizeof(buf) - q) != strlen(want) ||
		         memcmp(q, want, strlen(want)) != 0;
	}
	for (int k = 0; k < 20; k++, p *= 10)
		for (uint64_t v = p - 1; v <= p + 1; v++) {
			char *q = hc_dec_end(buf + sizeof(buf), v);
			snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
			wrong += (size_t)(buf + sizeof(buf) - q) != strlen(want) ||
			         memcmp(q, want, strlen(want)) != 0;
		}
	CHECK_INT(wrong, 0);
	char *q = hc_dec_end(buf + sizeof(buf), UINT64_MAX);
	CHECK_INT(buf + sizeof(buf) - q, 20);
	CHECK(memcmp(q, "18446744073709551615", 20) == 0);
}

int main(void)
{
	test_civil();
	test_hex_value();
	test_dec_end();
	test_diag();
	test_utf8_seq();
	test_utf8_valid_repair();
	test_utf8_put();
	test_fnv();
	test_smap();
	test_imap();
	test_dynbuf();
	return hc_test_result();
}

/* Unit tests of the direct JSON writer's buffer (cli/out_json.c): the
 * room rule of struct hc_jbuf (after any reserve that succeeds there is
 * more room than asked), strings written as jansson writes them, and a
 * failed buffer that drops every later write. */
#include "hc_test.h"

#include "../../cli/out_json.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* What jansson writes for string s (the writer's reference). */
static char *jansson_str(const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	json_decref(j);
	return t;
}

static void test_strings(void)
{
	static const char *const cases[] = {
	    "",
	    "a",
	    "plain ASCII of more than sixteen bytes, several times over, to cross the wide path",
	    "C:\\Windows\\System32\\services.exe",
	    "quote \" and backslash \\ and tab \t and newline \n and \x01 \x1f",
	    "Ünïcödé ✓ 𝄞 at the end",
	    "1234567",  /* 4 to 7 bytes: the overlapping words */
	    "12345678", /* one word */
	    "123\"567", /* a quote inside the overlapping words */
	};
	struct hc_jbuf b = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *want = jansson_str(cases[i]);
		if (!want)
			HC_SKIP("jansson: out of memory");
		b.len = 0;
		hc_jbuf_str(&b, cases[i]);
		CHECK(!b.err);
		CHECK(b.cap - b.len > 0); /* the room rule */
		CHECK_INT(b.len, strlen(want));
		bool same = b.len == strlen(want) && memcmp(b.p, want, b.len) == 0;
		if (!same)
			fprintf(stderr, "case %zu: got %.*s, want %s\n", i, (int)b.len, b.p, want);
		CHECK(same);
		free(want);
	}
	hc_jbuf_free(&b);
}

static void test_room(void)
{
	struct hc_jbuf b = {0};
	char big[100000];

	/* a zeroed buffer has no room, not even for nothing */
	CHECK(b.cap - b.len == 0);
	CHECK_INT(hc_jbuf_reserve(&b, 0), 0);
	CHECK(b.p != NULL && b.cap > b.len);
	/* growth past the first block keeps the rule and the bytes */
	memset(big, 'x', sizeof(big));
	hc_jbuf_raw(&b, "{", 1);
	hc_jbuf_raw(&b, big, sizeof(big));
	CHECK(!b.err);
	CHECK_INT(b.len, sizeof(big) + 1);
	CHECK(b.cap > b.len);
	CHECK(b.p[0] == '{' && b.p[1] == 'x' && b.p[b.len - 1] == 'x');
	size_t upto = 3 * (b.cap - b.len); /* past the room there is: grows once */
	for (size_t more = 0; more < upto; more += 4093) {
		CHECK_INT(hc_jbuf_reserve(&b, more), 0);
		CHECK(b.cap - b.len > more);
	}
	hc_jbuf_free(&b);
	CHECK(b.p == NULL && b.len == 0 && b.cap == 0 && !b.err);
}

static void test_failed(void)
{
	struct hc_jbuf b = {0};
	size_t len;

	hc_jbuf_raw(&b, "[1", 2);
	/* no buffer doubles to this: the buffer fails, and stays failed */
	CHECK_INT(hc_jbuf_reserve(&b, SIZE_MAX / 2), -1);
	CHECK(b.err);
	len = b.len;
	CHECK_INT(len, 2);
	hc_jbuf_raw(&b, ",2", 2);
	hc_jbuf_str(&b, "three");
	hc_jbuf_int(&b, 4);
	hc_jbuf_map(&b, NULL, 0);
	CHECK_INT(hc_jbuf_reserve(&b, 0), -1);
	CHECK_INT(b.len, len); /* every write after the failure dropped */
	CHECK(memcmp(b.p, "[1", 2) == 0);
	hc_jbuf_free(&b);
}

/* Integers as "%lld", one after another: each copy of 24 bytes leaves
 * junk past the length that the next write covers. */
static void test_ints(void)
{
	static const long long v[] = {0,
	                              9,
	                              10,
	                              -1,
	                              -10,
	                              99,
	                              100,
	                              4624,
	                              999999999,
	                              1000000000,
	                              12345678901234567LL,
	                              INT64_MAX,
	                              INT64_MIN,
	                              INT64_MIN + 1};
	struct hc_jbuf b = {0};
	char want[1024];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hc_jbuf_int(&b, v[i]);
		hc_jbuf_raw(&b, ",", 1);
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%lld,", v[i]);
	}
	CHECK(!b.err);
	CHECK_INT(b.len, n);
	CHECK(b.len == n && memcmp(b.p, want, n) == 0);
	hc_jbuf_free(&b);
}

int main(void)
{
	test_strings();
	test_ints();
	test_room();
	test_failed();
	return hc_test_result();
}

/* Unit tests for parsers/regex.c: compile errors carry an offset, caseless
 * matching, invalid UTF-8 subjects, and the match limits that keep a
 * catastrophic pattern from hanging the tool. */
#include "regex.h"
#include "hc_test.h"

#include <time.h>

static void test_compile_error(void)
{
	struct hc_regex *re = NULL;
	struct hc_diag d;
	char *big;

	hc_diag_clear(&d);
	CHECK_INT(hc_regex_compile("ab(cd", 0, &re, &d), HC_ERR_USAGE);
	CHECK_NULL((const char *)re);
	CHECK(d.has_offset);
	CHECK_U64(d.offset, 5); /* missing ')' found at the end */
	CHECK(strstr(d.msg, "missing") != NULL);

	hc_diag_clear(&d);
	CHECK_INT(hc_regex_compile("x{2,1}", 0, &re, &d), HC_ERR_USAGE);
	CHECK(d.has_offset);
	CHECK(d.offset <= 6);
	CHECK(d.msg[0] != '\0');

	hc_diag_clear(&d);
	CHECK_INT(hc_regex_compile("a**", 0, &re, &d), HC_ERR_USAGE);
	CHECK(d.has_offset);
	CHECK_U64(d.offset, 2);

	/* over HC_MAX_PATTERN_LEN */
	big = malloc(HC_MAX_PATTERN_LEN + 2);
	if (!big)
		HC_SKIP("out of memory");
	memset(big, 'a', HC_MAX_PATTERN_LEN + 1);
	big[HC_MAX_PATTERN_LEN + 1] = '\0';
	hc_diag_clear(&d);
	CHECK_INT(hc_regex_compile(big, 0, &re, &d), HC_ERR_USAGE);
	CHECK(strstr(d.msg, "longer") != NULL);
	big[HC_MAX_PATTERN_LEN] = '\0';
	CHECK_INT(hc_regex_compile(big, 0, &re, &d), HC_OK);
	hc_regex_free(re);
	free(big);
	hc_regex_free(NULL);
}

static void test_match(void)
{
	struct hc_regex *re = NULL, *cs = NULL;
	struct hc_diag d;
	const char *s;

	hc_diag_clear(&d);
	CHECK_INT(hc_regex_compile("^admin", 1, &re, &d), HC_OK);
	CHECK_INT(hc_regex_compile("^admin", 0, &cs, &d), HC_OK);
	s = "ADMINISTRATOR";
	CHECK_INT(hc_regex_match(re, s, strlen(s)), 1);
	CHECK_INT(hc_regex_match(cs, s, strlen(s)), 0);
	s = "administrator";
	CHECK_INT(hc_regex_match(cs, s, strlen(s)), 1);
	s = "sysadmin";
	CHECK_INT(hc_regex_match(re, s, strlen(s)), 0);
	/* len is honoured: "adm" is not "admin" */
	s = "administrator";
	CHECK_INT(hc_regex_match(re, s, 3), 0);
	/* invalid UTF-8 in a subject from a log is not an error */
	s = "\xff\xfe"
	    "admin";
	hc_regex_free(re);
	CHECK_INT(hc_regex_compile("admin", 1, &re, &d), HC_OK);
	CHECK_INT(hc_regex_match(re, s, strlen(s)), 1);
	s = "\xc3";
	CHECK_INT(hc_regex_match(re, s, strlen(s)), 0);
	hc_regex_free(re);
	hc_regex_free(cs);

	/* caseless matching is Unicode-aware (UTF mode) */
	CHECK_INT(hc_regex_compile("jürgen", 1, &re, &d), HC_OK);
	s = "JÜRGEN";
	CHECK_INT(hc_regex_match(re, s, strlen(s)), 1);
	hc_regex_free(re);
}

static void test_catastrophic(void)
{
	struct hc_regex *re = NULL;
	struct hc_diag d;
	char subject[20001];
	struct timespec t0, t1;
	double secs;

	memset(subject, 'a', sizeof(subject) - 2);
	subject[sizeof(subject) - 2] = 'b';
	subject[sizeof(subject) - 1] = '\0';
	hc_diag_clear(&d);
	CHECK_INT(hc_regex_compile("(a+)+$", 0, &re, &d), HC_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(hc_regex_match(re, subject, strlen(subject)), HC_ERR_LIMIT);
	/* and a short one too: exponential without the limit */
	CHECK_INT(hc_regex_match(re, subject + sizeof(subject) - 42, 41), HC_ERR_LIMIT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (secs > 5.0)
		HC_FAIL_AT("catastrophic match took %.1f s", secs);
	hc_regex_free(re);

	/* the limit does not stop ordinary matches on long subjects */
	CHECK_INT(hc_regex_compile("b$", 0, &re, &d), HC_OK);
	CHECK_INT(hc_regex_match(re, subject, strlen(subject)), 1);
	hc_regex_free(re);
}

int main(void)
{
	CHECK(strncmp(hc_regex_version(), "10.", 3) == 0);
	test_compile_error();
	test_match();
	test_catastrophic();
	return hc_test_result();
}

/* A tiny assertion kit for the unit tests: each check prints file:line and
 * the values it compared, counts failures and goes on; main() returns
 * hc_test_result() (0 pass, 1 fail, 77 = skip via HC_SKIP). A program
 * that ran no check at all fails: it tested nothing. */
#ifndef HC_TEST_H
#define HC_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HC_TEST_SKIP 77

static int hc_test_failures;
static int hc_test_checks;

#define HC_FAIL_AT(...)                                                                            \
	do {                                                                                       \
		hc_test_failures++;                                                                \
		fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                              \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
	} while (0)

/* A boolean condition. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		hc_test_checks++;                                                                  \
		if (!(cond))                                                                       \
			HC_FAIL_AT("%s", #cond);                                                   \
	} while (0)

/* Signed integers (and enums). */
#define CHECK_INT(got, want)                                                                       \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		hc_test_checks++;                                                                  \
		if (g_ != w_)                                                                      \
			HC_FAIL_AT("%s == %lld, want %s == %lld", #got, g_, #want, w_);            \
	} while (0)

/* Unsigned 64-bit values, printed in hex and decimal. */
#define CHECK_U64(got, want)                                                                       \
	do {                                                                                       \
		uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);                              \
		hc_test_checks++;                                                                  \
		if (g_ != w_)                                                                      \
			HC_FAIL_AT("%s == 0x%" PRIx64 " (%" PRIu64 "), want 0x%" PRIx64            \
			           " (%" PRIu64 ")",                                               \
			           #got, g_, g_, w_, w_);                                          \
	} while (0)

/* Strings; either side may be NULL, and NULL equals only NULL. */
#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		const char *g_ = (got), *w_ = (want);                                              \
		hc_test_checks++;                                                                  \
		if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_) != 0))                   \
			HC_FAIL_AT("%s == %s%s%s, want %s%s%s", #got, g_ ? "\"" : "",              \
			           g_ ? g_ : "NULL", g_ ? "\"" : "", w_ ? "\"" : "",               \
			           w_ ? w_ : "NULL", w_ ? "\"" : "");                              \
	} while (0)

#define CHECK_NULL(got) CHECK_STR((const char *)(got), (const char *)NULL)

/* Skips the whole program (exit 77), e.g. when a resource is missing. */
#define HC_SKIP(...)                                                                               \
	do {                                                                                       \
		fprintf(stderr, "SKIP: ");                                                         \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		exit(HC_TEST_SKIP);                                                                \
	} while (0)

static inline int hc_test_result(void)
{
	fprintf(stderr, "%d checks, %d failed\n", hc_test_checks, hc_test_failures);
	if (hc_test_checks == 0) {
		fprintf(stderr, "FAIL: no check ran\n");
		return 1;
	}
	return hc_test_failures ? 1 : 0;
}

#endif

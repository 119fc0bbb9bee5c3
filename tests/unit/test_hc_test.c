/* The assertion kit itself (tests/lib/hc_test.h): hc_test_result() fails a
 * program in which no check ran, and counts checks and failures. */
#include "hc_test.h"

int main(void)
{
	int none, failed;

	/* nothing checked yet: a failure, not a pass */
	none = hc_test_result();
	/* one failing check: 1, and the failure is counted */
	CHECK_INT(1 + 1, 3);
	failed = hc_test_result();
	fprintf(stderr, "(the two FAIL lines above are this test's own, expected)\n");
	hc_test_failures = 0;
	hc_test_checks = 0;
	CHECK_INT(none, 1);
	CHECK_INT(failed, 1);
	CHECK_STR("a", "a");
	CHECK_INT(hc_test_checks, 3);
	return hc_test_result();
}

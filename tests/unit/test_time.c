/* Unit tests for hc_time_format / hc_time_parse: FILETIME ticks (100 ns since
 * 1601-01-01 UTC) <-> RFC 3339, as libevtx and python-evtx print times. */
#include "event.h"
#include "hc_test.h"

#define UNIX_EPOCH INT64_C(116444736000000000)

static void check_parse(const char *s, int64_t want, int line)
{
	int64_t t = -1;
	int rc = hc_time_parse(s, &t);

	hc_test_checks++;
	if (rc != 1 || t != want) {
		hc_test_failures++;
		fprintf(stderr,
		        "%s:%d: FAIL: hc_time_parse(\"%s\") rc %d ticks %lld, want 1 %lld\n",
		        __FILE__, line, s, rc, (long long)t, (long long)want);
	}
}
#define PARSE(s, want) check_parse((s), (want), __LINE__)

static void check_reject(const char *s, int line)
{
	int64_t t = 4242;
	int rc = hc_time_parse(s, &t);

	hc_test_checks++;
	if (rc != 0 || t != 4242) {
		hc_test_failures++;
		fprintf(stderr, "%s:%d: FAIL: hc_time_parse(\"%s\") accepted (rc %d, ticks %lld)\n",
		        __FILE__, line, s, rc, (long long)t);
	}
}
#define REJECT(s) check_reject((s), __LINE__)

static void check_format(int64_t ticks, const char *want, int line)
{
	char buf[64];

	hc_time_format(ticks, buf, sizeof(buf));
	hc_test_checks++;
	if (strcmp(buf, want) != 0) {
		hc_test_failures++;
		fprintf(stderr, "%s:%d: FAIL: hc_time_format(%lld) == \"%s\", want \"%s\"\n",
		        __FILE__, line, (long long)ticks, buf, want);
	}
}
#define FORMAT(t, s) check_format((t), (s), __LINE__)

static void test_format(void)
{
	FORMAT(0, "1601-01-01T00:00:00.0000000Z");
	FORMAT(1, "1601-01-01T00:00:00.0000001Z");
	FORMAT(9999999, "1601-01-01T00:00:00.9999999Z");
	FORMAT(UNIX_EPOCH, "1970-01-01T00:00:00.0000000Z");
	FORMAT(INT64_C(125962560000000000), "2000-02-29T00:00:00.0000000Z");
	FORMAT(INT64_C(125963424000000000), "2000-03-01T00:00:00.0000000Z");
	FORMAT(INT64_C(133537247999999999), "2024-02-29T23:59:59.9999999Z");
	FORMAT(INT64_C(94405824000000000), "1900-03-01T00:00:00.0000000Z");
	FORMAT(INT64_C(132576067874694964), "2021-02-12T12:33:07.4694964Z");
	FORMAT(INT64_C(2650467743999999999), "9999-12-31T23:59:59.9999999Z");
	FORMAT(-5, "1601-01-01T00:00:00.0000000Z"); /* clamped */
}

static void test_parse(void)
{
	const int64_t t = INT64_C(132576067874694964); /* 2021-02-12T12:33:07.4694964Z */

	PARSE("1601-01-01T00:00:00Z", 0);
	PARSE("1601-01-01T00:00:00.0000001Z", 1);
	PARSE("1970-01-01T00:00:00Z", UNIX_EPOCH);
	PARSE("2000-02-29T00:00:00Z", INT64_C(125962560000000000));
	PARSE("2024-02-29T23:59:59.9999999Z", INT64_C(133537247999999999));
	PARSE("2021-02-12T12:33:07.4694964Z", t);
	/* libevtx prints nine digits: 100 ns precision kept, the rest cut */
	PARSE("2021-02-12T12:33:07.469496400Z", t);
	PARSE("2021-02-12T12:33:07.469496499Z", t);
	PARSE("2021-02-12T12:33:07.46949640000000000000000Z", t);
	/* python-evtx: a space for 'T', microseconds, no zone (= UTC) */
	PARSE("2021-02-12 12:33:07.469496", t - 4);
	PARSE("2021-02-12 12:33:07", t - 4694964);
	PARSE("2021-02-12t12:33:07.4694964z", t);
	PARSE("2021-02-12T12:33:07,4694964Z", t);
	/* offsets */
	PARSE("2021-02-12T14:33:07.4694964+02:00", t);
	PARSE("2021-02-12T14:33:07.4694964+0200", t);
	PARSE("2021-02-12T07:03:07.4694964-05:30", t);
	PARSE("2021-02-12T12:33:07.4694964+00:00", t);
	/* minutes only, date only */
	PARSE("2021-02-12T12:33", t - 74694964);
	PARSE("2021-02-12", INT64_C(132575616000000000));
	PARSE("2000-02-29", INT64_C(125962560000000000));
	PARSE("2024-02-29", INT64_C(133536384000000000));
}

static void test_reject(void)
{
	REJECT("");
	REJECT("garbage");
	REJECT("2021");
	REJECT("2021-02");
	REJECT("2021-2-12");
	REJECT("21-02-12");
	REJECT("2021-13-01");
	REJECT("2021-00-01");
	REJECT("2021-02-00");
	REJECT("2021-02-32");
	REJECT("1600-12-31T23:59:59Z");
	REJECT("2021-02-12T");
	REJECT("2021-02-12T24:00:00Z");
	REJECT("2021-02-12T12:60:00Z");
	REJECT("2021-02-12T12:33:07.Z");
	REJECT("2021-02-12T12:33:07Zjunk");
	REJECT("2021-02-12T12:33:07+2");
	REJECT("2021-02-12T12:33:07 ");
	REJECT("2021-02-12X12:33:07Z");
	REJECT("2021-02-12T12:3a:07Z");
	REJECT("２０２１-02-12");
}

/* Impossible dates are refused, not rolled over into the next month. */
static void test_impossible_dates(void)
{
	REJECT("2021-02-30");
	REJECT("2021-02-29T00:00:00Z"); /* 2021 is not a leap year */
	REJECT("1900-02-29");           /* nor is 1900 */
	REJECT("2021-04-31T12:00:00Z");
}

static void test_round_trip(void)
{
	static const int64_t fixed[] = {
	    0,
	    1,
	    9999999,
	    UNIX_EPOCH,
	    INT64_C(125962560000000000),
	    INT64_C(125962560000000000) - 1,
	    INT64_C(133536384000000000),
	    INT64_C(133537247999999999),
	    INT64_C(132576067874694964),
	    INT64_C(2650467743999999999),
	};
	uint64_t x = 0x9E3779B97F4A7C15u;
	char buf[64];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		int64_t back = -1;
		hc_time_format(fixed[i], buf, sizeof(buf));
		CHECK_INT(hc_time_parse(buf, &back), 1);
		CHECK_INT(back, fixed[i]);
	}
	/* pseudo-random ticks between 1601 and 9999 */
	for (int i = 0; i < 20000; i++) {
		int64_t t, back = -1;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = (int64_t)(x % UINT64_C(2650467744000000000));
		hc_time_format(t, buf, sizeof(buf));
		if (hc_time_parse(buf, &back) != 1 || back != t) {
			HC_FAIL_AT("round trip of %lld: \"%s\" -> %lld", (long long)t, buf,
			           (long long)back);
			break;
		}
	}
	/* a short buffer is cut, never overrun */
	memset(buf, 'Z', sizeof(buf));
	hc_time_format(INT64_C(132576067874694964), buf, 11);
	CHECK_STR(buf, "2021-02-12");
	CHECK(buf[11] == 'Z');
}

int main(void)
{
	test_format();
	test_parse();
	test_reject();
	test_round_trip();
	test_impossible_dates();
	return hc_test_result();
}

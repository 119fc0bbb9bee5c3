/* What the library writes and reads does not depend on the process's
 * locale or time zone (issue 11): a program that links it may call
 * setlocale and run anywhere; times are UTC and numbers have a point.
 * Takes the environment's locale when its decimal point is not '.' (the CI
 * step with LC_ALL=de_DE.UTF-8), else de_DE.UTF-8; skips (77) when the
 * system has no such locale (.ci/deps generates it). The zone is the
 * environment's when TZ is set to something else than UTC, else
 * Asia/Kathmandu (UTC+05:45). */
#include "corr_fixture.h"

#include <locale.h>
#include <time.h>

static void test_numbers(void)
{
	struct hc_diag d;
	int64_t t = 0;

	CHECK(hc_duration_parse("1.5m", &t));
	CHECK(t == 90 * HC_TICKS_PER_SEC);
	CHECK(hc_duration_parse("0.25", &t));
	CHECK(t == HC_TICKS_PER_SEC / 4);
	CHECK(!hc_duration_parse("1,5m", &t));
	hc_diag_clear(&d);
	hc_diag_set(&d, "stopped after %g s, confidence %.2f", 1.5, 0.5);
	CHECK_STR(d.msg, "stopped after 1.5 s, confidence 0.50");
	hc_diag_prefix(&d, "%.1f: ", 2.0);
	CHECK_STR(d.msg, "2.0: stopped after 1.5 s, confidence 0.50");
}

static void test_times(void)
{
	int64_t t = 0, u = 0, now;
	char buf[40];

	CHECK_INT(hc_time_parse("2021-02-12T12:33:07.4694964Z", &t), 1);
	hc_time_format(t, buf, sizeof(buf));
	CHECK_STR(buf, "2021-02-12T12:33:07.4694964Z");
	/* no zone means UTC, not the local zone */
	CHECK_INT(hc_time_parse("2021-02-12 12:33:07.4694964", &u), 1);
	CHECK(u == t);
	CHECK_INT(hc_time_parse("2021-02-12T18:18:07.4694964+05:45", &u), 1);
	CHECK(u == t);
	/* the clock in UTC: FILETIME ticks against time(), a minute apart at most */
	now = hc_time_now() / HC_TICKS_PER_SEC - 11644473600LL;
	CHECK(llabs(now - (long long)time(NULL)) < 60);
}

/* A hop's explanation names its parent candidates with their confidence. */
static void test_explain(void)
{
	struct hc_analysis a;
	struct hc_explain x;
	int seen = 0;

	addresses();
	ev(4769, "dc1.contoso.local", -58, "TargetUserName", "SERVER2$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.22", "Status", "0x0", NULL);
	ev(4624, "server1.contoso.local", 0, "SubjectUserSid", "S-1-5-18", "TargetUserSid",
	   "S-1-5-21-1-2-3-1104", "TargetUserName", "TestUser", "TargetDomainName", "CONTOSO",
	   "TargetLogonId", "0x41c29", "LogonType", "10", "AuthenticationPackageName", "Negotiate",
	   "IpAddress", "10.0.0.11", NULL);
	logon("server2.contoso.local", 60, "TestUser", "S-1-5-21-1-2-3-1104", "3", "Kerberos",
	      "10.0.0.21", "-", "0x4a75b", "-", "%%1833");
	/* not the fixture's correlate(): the analysis keeps a pointer to
	 * its options, and hc_explain_hop reads them */
	static struct hc_correlate_opts o;
	hc_correlate_opts_init(&o);
	CHECK_INT(hc_events_sort(&set), HC_OK);
	CHECK_INT(hc_correlate(&set, &o, &a), HC_OK);
	for (size_t h = 0; h < a.nhops; h++) {
		if (hc_explain_hop(&a, (int)h, &x) != HC_OK)
			continue;
		for (size_t i = 0; i < x.n; i++) {
			const char *p = strstr(x.items[i].why, "confidence ");
			if (x.items[i].kind != HC_EX_PARENT || !p)
				continue;
			seen++;
			p += strlen("confidence ");
			CHECK(p[0] >= '0' && p[0] <= '9' && p[1] == '.');
			if (p[1] != '.')
				fprintf(stderr, "  why: %s\n", x.items[i].why);
		}
		hc_explain_free(&x);
	}
	CHECK(seen > 0);
	hc_analysis_free(&a);
	reset();
}

int main(void)
{
	const char *tz = getenv("TZ");
	const char *loc = setlocale(LC_ALL, "");

	if (!loc || strcmp(localeconv()->decimal_point, ".") == 0) {
		loc = setlocale(LC_ALL, "de_DE.UTF-8");
		if (!loc || strcmp(localeconv()->decimal_point, ".") == 0)
			HC_SKIP(
			    "no locale with a decimal comma (de_DE.UTF-8: bash .ci/deps makes it)");
	}
	if (!tz || !*tz || strcmp(tz, "UTC") == 0 || strcmp(tz, "UTC0") == 0)
		setenv("TZ", "Asia/Kathmandu", 1);
	tzset();
	fprintf(stderr, "locale %s (decimal point '%s'), TZ=%s\n", loc, localeconv()->decimal_point,
	        getenv("TZ"));
	test_numbers();
	test_times();
	test_explain();
	return hc_test_result();
}

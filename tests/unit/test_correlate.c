/* Unit tests for engine/correlate.c: account equality and user detection,
 * host names, durations, and each link and finding rule on small event
 * sets built in memory (no EVTX involved). */
#include "corr_fixture.h"
#include "regex.h"

static void test_accounts(void)
{
	struct hc_account a = {"CONTOSO", "TestUser", NULL},
	                  b = {"contoso.local", "testuser", NULL};
	struct hc_account c = {NULL, "testuser@CONTOSO.LOCAL", NULL};
	struct hc_account d = {"SERVER1", "Administrator", NULL},
	                  e = {"SERVER2", "administrator", NULL};
	struct hc_account s1 = {"X", "a", "S-1-5-21-1-2-3-1104"},
	                  s2 = {"Y", "b", "S-1-5-21-1-2-3-1104"};
	struct hc_account anon = {"NT AUTHORITY", "ANONYMOUS LOGON", "S-1-5-7"};
	struct hc_account sys = {"NT AUTHORITY", "SYSTEM", "S-1-5-18"},
	                  mach = {"CONTOSO", "SERVER1$", NULL};
	struct hc_account dwm = {"Window Manager", "DWM-1", "S-1-5-90-0-1"};

	CHECK(hc_account_equal(&a, &b));   /* NetBIOS vs DNS domain, case */
	CHECK(hc_account_equal(&a, &c));   /* user@REALM */
	CHECK(!hc_account_equal(&d, &e));  /* local accounts of two hosts */
	CHECK(hc_account_equal(&s1, &s2)); /* SIDs decide */
	CHECK(hc_account_is_user(&a));
	CHECK(!hc_account_is_user(&anon));
	CHECK(!hc_account_is_user(&sys));
	CHECK(!hc_account_is_user(&mach));
	CHECK(!hc_account_is_user(&dwm));
}

static void test_names_durations(void)
{
	char out[64];
	int64_t t;

	CHECK_INT(hc_host_canon("SERVER1.contoso.local", out, sizeof(out)), 1);
	CHECK_STR(out, "server1");
	CHECK_INT(hc_host_canon("\\\\WS17", out, sizeof(out)), 1);
	CHECK_STR(out, "ws17");
	CHECK_INT(hc_host_canon("SERVER2$@CONTOSO.LOCAL", out, sizeof(out)), 1);
	CHECK_STR(out, "server2");
	CHECK_INT(hc_host_canon("10.0.0.5", out, sizeof(out)), 0);
	CHECK_INT(hc_host_canon("localhost", out, sizeof(out)), 0);
	CHECK_INT(hc_host_canon("-", out, sizeof(out)), 0);
	CHECK(hc_duration_parse("5m", &t));
	CHECK_INT(t, 300 * HC_TICKS_PER_SEC);
	CHECK(hc_duration_parse("10h", &t));
	CHECK_INT(t, 36000 * HC_TICKS_PER_SEC);
	CHECK(hc_duration_parse("90", &t));
	CHECK_INT(t, 90 * HC_TICKS_PER_SEC);
	CHECK(!hc_duration_parse("5x", &t));
	CHECK(!hc_duration_parse("-1m", &t));
	CHECK(!hc_duration_parse("", &t));
	CHECK(!hc_duration_parse("nan", &t)); /* strtod takes it */
	CHECK(!hc_duration_parse("inf", &t));
	CHECK(!hc_duration_parse("0x10", &t));
}

/* The seed story: Kerberos WinRM hop with IpAddress '-' (source from the
 * 4648), then an anonymous NTLM hop from server1's address. */
static void test_double_hop(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;

	addresses();
	ev(4624, "client1.contoso.local", -10, "TargetUserSid", "S-1-5-21-1-2-3-1104",
	   "TargetUserName", "TestUser", "TargetDomainName", "CONTOSO", "TargetLogonId", "0x3c0be",
	   "LogonType", "2", NULL);
	ev(4648, "client1.contoso.local", 0, "SubjectUserName", "TestUser", "SubjectDomainName",
	   "CONTOSO", "SubjectLogonId", "0x3c0be", "TargetUserName", "TestUser", "TargetDomainName",
	   "CONTOSO", "TargetServerName", "server1", "TargetInfo", "HTTP/server1.contoso.local",
	   NULL);
	logon("server1.contoso.local", 0.2, "TestUser", "S-1-5-21-1-2-3-1104", "3", "Kerberos", "-",
	      "-", "0x3d7ff", "-", "%%1833");
	logon("server2.contoso.local", 120, "ANONYMOUS LOGON", "S-1-5-7", "3", "NTLM", "10.0.0.21",
	      "SERVER1", "0x435df", "NTLM V1", "%%1833");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(c != NULL);
	if (c) {
		CHECK_INT(c->nhops, 2);
		CHECK_STR(a.hosts[a.hops[c->hops[0]].src].name, "client1");
		CHECK_STR(a.hosts[a.hops[c->hops[0]].dst].name, "server1");
		CHECK_INT(a.hops[c->hops[0]].src_how, HC_SRC_4648);
		CHECK_STR(a.hosts[a.hops[c->hops[1]].dst].name, "server2");
		CHECK(has_finding(c, "anonymous-second-hop", 2));
		CHECK(!has_finding(c, "ntlm-v1", 2)); /* anonymous NTLM V1 is by design */
		CHECK(!has_finding(c, "unexpected-package", 2));
	}
	hc_analysis_free(&a);
	reset();

	/* the same anonymous logon with the session already closed: no link */
	addresses();
	logon("server1.contoso.local", 0, "TestUser", "S-1-5-21-1-2-3-1104", "3", "Kerberos",
	      "10.0.0.11", "-", "0x3d7ff", "-", "%%1833");
	ev(4634, "server1.contoso.local", 10, "TargetUserName", "TestUser", "TargetLogonId",
	   "0x3d7ff", "LogonType", "3", NULL);
	logon("server2.contoso.local", 1000, "ANONYMOUS LOGON", "S-1-5-7", "3", "NTLM", "10.0.0.21",
	      "SERVER1", "0x435df", "NTLM V1", "%%1833");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 0);
	hc_analysis_free(&a);
	reset();

	/* ... but within the skew allowance it links */
	addresses();
	logon("server1.contoso.local", 0, "TestUser", "S-1-5-21-1-2-3-1104", "3", "Kerberos",
	      "10.0.0.11", "-", "0x3d7ff", "-", "%%1833");
	ev(4634, "server1.contoso.local", 10, "TargetUserName", "TestUser", "TargetLogonId",
	   "0x3d7ff", "LogonType", "3", NULL);
	logon("server2.contoso.local", 200, "ANONYMOUS LOGON", "S-1-5-7", "3", "NTLM", "10.0.0.21",
	      "SERVER1", "0x435df", "NTLM V1", "%%1833");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	hc_analysis_free(&a);
	reset();
}

/* Restricted Admin (DOMAIN.md 6.5): from a type-10 session with
 * RestrictedAdminMode Yes, the next hop arrives as the host's machine
 * account. Linked only from such a session, and never into a KDC. */
static void ra_case(const char *ra_mode, const char *dst, const char *machine)
{
	addresses();
	ev(4769, "dc1.contoso.local", -58, "TargetUserName", "SERVER2$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.22", "Status", "0x0", NULL);
	ev(4624, "server1.contoso.local", 0, "SubjectUserSid", "S-1-5-18", "TargetUserSid",
	   "S-1-5-21-1-2-3-1104", "TargetUserName", "TestUser", "TargetDomainName", "CONTOSO",
	   "TargetLogonId", "0x41c29", "LogonType", "10", "AuthenticationPackageName", "Negotiate",
	   "IpAddress", "10.0.0.11", "RestrictedAdminMode", ra_mode, NULL);
	logon(dst, 60, machine, "S-1-5-21-1-2-3-1301", "3", "Kerberos", "10.0.0.21", "-", "0x4a75b",
	      "-", "%%1833");
}

static void test_restricted_admin(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;

	ra_case("%%1842", "server2.contoso.local", "SERVER1$");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	if (c && c->nhops == 2) {
		const struct hc_link *l = &a.links[c->links[0]];
		CHECK(l->restricted_admin);
		CHECK(!l->account_match);
		CHECK(l->confidence > 0.55 && l->confidence < 0.65);
		CHECK_STR(a.hosts[a.hops[c->hops[1]].dst].name, "server2");
		CHECK_INT(a.hops[c->hops[1]].cls, HC_CLASS_USER); /* the user's next hop */
		CHECK_INT(c->nfindings, 0);
	}
	hc_analysis_free(&a);
	reset();

	/* RestrictedAdminMode No: the machine account acts on its own */
	ra_case("%%1843", "server2.contoso.local", "SERVER1$");
	correlate(&a, 2, &n);
	CHECK_INT(n, 0);
	CHECK(hop_of(&a, "SERVER1$", "server2", 60) &&
	      hop_of(&a, "SERVER1$", "server2", 60)->cls == HC_CLASS_MACHINE);
	hc_analysis_free(&a);
	reset();

	/* another host's machine account is not server1's identity */
	ra_case("%%1842", "server2.contoso.local", "SERVER9$");
	correlate(&a, 2, &n);
	CHECK_INT(n, 0);
	hc_analysis_free(&a);
	reset();

	/* into the DC (it issues tickets): the machine's own upkeep */
	ra_case("%%1842", "dc1.contoso.local", "SERVER1$");
	correlate(&a, 2, &n);
	CHECK_INT(n, 0);
	hc_analysis_free(&a);
	reset();
}

static void test_rules(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;

	/* NTLM V1 by a user on the second hop, CredSSP on the first */
	addresses();
	logon("server1.contoso.local", 0, "TestUser", "S-1-5-21-1-2-3-1104", "8", "Negotiate",
	      "10.0.0.11", "CLIENT1", "0x100", "-", "%%1833");
	logon("server2.contoso.local", 60, "TestUser", "S-1-5-21-1-2-3-1104", "3", "NTLM",
	      "10.0.0.21", "SERVER1", "0x200", "NTLM V1", "%%1833");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(has_finding(c, "credssp-exposure", 1));
	/* a further hop used the credentials CredSSP left */
	CHECK(finding_of(c, "credssp-exposure", 1) &&
	      finding_of(c, "credssp-exposure", 1)->severity == HC_SEV_HIGH);
	CHECK(has_finding(c, "ntlm-v1", 2));
	CHECK(has_finding(c, "unexpected-package", 2));
	CHECK(!has_finding(c, "delegation", 2)); /* credentials were there: no delegation */
	hc_analysis_free(&a);
	reset();

	/* delegation: ImpersonationLevel Delegation, onward Kerberos */
	addresses();
	logon("server1.contoso.local", 0, "TestUser", "S-1-5-21-1-2-3-1104", "3", "Kerberos",
	      "10.0.0.11", "-", "0x100", "-", "%%1840");
	logon("server2.contoso.local", 60, "TestUser", "S-1-5-21-1-2-3-1104", "3", "Kerberos",
	      "10.0.0.21", "-", "0x200", "-", "%%1833");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(has_finding(c, "delegation", 1));
	CHECK(has_finding(c, "delegation", 2));
	hc_analysis_free(&a);
	reset();

	/* a failed second hop */
	addresses();
	logon("server1.contoso.local", 0, "TestUser", "S-1-5-21-1-2-3-1104", "3", "Kerberos",
	      "10.0.0.11", "-", "0x100", "-", "%%1833");
	ev(4625, "server2.contoso.local", 60, "TargetUserSid", "S-1-0-0", "TargetUserName",
	   "TestUser", "TargetDomainName", "CONTOSO", "Status", "0xc000006d", "SubStatus",
	   "0xc000006a", "FailureReason", "%%2313", "LogonType", "3", "AuthenticationPackageName",
	   "NTLM", "WorkstationName", "SERVER1", "IpAddress", "10.0.0.21", NULL);
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(has_finding(c, "hop-failed", 2));
	CHECK(finding_of(c, "hop-failed", 2) &&
	      finding_of(c, "hop-failed", 2)->severity == HC_SEV_MEDIUM);
	CHECK_NULL(finding_of(c, "unexpected-package", 2)); /* NTLM, but it failed */
	if (c && c->nfindings)
		CHECK(strstr(c->findings[c->nfindings - 1].what, "STATUS_WRONG_PASSWORD") != NULL);
	hc_analysis_free(&a);
	reset();

	/* two users on server1: an anonymous hop keeps both candidates */
	addresses();
	logon("server1.contoso.local", 0, "TestUser", "S-1-5-21-1-2-3-1104", "3", "Kerberos",
	      "10.0.0.11", "-", "0x100", "-", "%%1833");
	logon("server1.contoso.local", 0, "alice", "S-1-5-21-1-2-3-1105", "3", "Kerberos",
	      "10.0.0.11", "-", "0x101", "-", "%%1833");
	logon("server2.contoso.local", 60, "ANONYMOUS LOGON", "S-1-5-7", "3", "NTLM", "10.0.0.21",
	      "SERVER1", "0x200", "NTLM V1", "%%1833");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 2);
	if (c) {
		const struct hc_hop *h = &a.hops[c->hops[1]];
		CHECK_INT(h->nparents, 2);
		CHECK(a.links[c->links[0]].ambiguous);
	}
	hc_analysis_free(&a);
	reset();

	/* the destination's log names it bare first ("SERVER2", as OTRF
	 * Hostname sometimes does), qualified later: still a domain host, so
	 * a user's NTLM there is unexpected */
	addresses();
	logon("server1.contoso.local", 0, "TestUser", "S-1-5-21-1-2-3-1104", "10", "Negotiate",
	      "10.0.0.11", "CLIENT1", "0x100", "-", "%%1833");
	ev(4608, "SERVER2", 30, NULL);
	logon("server2.contoso.local", 60, "TestUser", "S-1-5-21-1-2-3-1104", "3", "NTLM",
	      "10.0.0.21", "SERVER1", "0x200", "NTLM V2", "%%1833");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(has_finding(c, "unexpected-package", 2));
	for (size_t i = 0; i < a.nhosts; i++)
		if (strcmp(a.hosts[i].name, "server2") == 0)
			CHECK_STR(a.hosts[i].fqdn, "server2.contoso.local");
	hc_analysis_free(&a);
	reset();

	/* an address claimed by two hosts is reported */
	ev(4769, "dc1.contoso.local", 0, "TargetUserName", "A$@X", "ServiceName", "DC1$",
	   "IpAddress", "10.9.9.9", "Status", "0x0", NULL);
	ev(4769, "dc1.contoso.local", 1, "TargetUserName", "B$@X", "ServiceName", "DC1$",
	   "IpAddress", "10.9.9.9", "Status", "0x0", NULL);
	correlate(&a, 2, &n);
	CHECK_INT(a.nwarnings, 1);
	if (a.nwarnings)
		CHECK(strstr(a.warnings[0].msg, "10.9.9.9") != NULL);
	hc_analysis_free(&a);
	reset();
}

/* Addresses move (DHCP): 10.9.9.9 is A's on day 1 and B's on day 3; a
 * logon from it names the host of its own time, and the move is reported
 * as such, not as a contradiction. */
static void test_address_moves(void)
{
	struct hc_analysis a;
	size_t n;
	const double day = 86400;
	int src1 = -1, src3 = -1;

	ev(4769, "dc1.contoso.local", 0, "TargetUserName", "A$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.9.9.9", "Status", "0x0", NULL);
	ev(4769, "dc1.contoso.local", 2 * day, "TargetUserName", "B$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.9.9.9", "Status", "0x0", NULL);
	logon("server1.contoso.local", 3600, "alice", "S-1-5-21-1-2-3-1105", "3", "Kerberos",
	      "10.9.9.9", "-", "0x100", "-", "%%1833");
	logon("server1.contoso.local", 2 * day + 3600, "bob", "S-1-5-21-1-2-3-1106", "3",
	      "Kerberos", "10.9.9.9", "-", "0x200", "-", "%%1833");
	correlate(&a, 1, &n);
	for (size_t i = 0; i < a.nhops; i++) {
		const char *u = a.hops[i].ev->norm.target.name;
		if (u && strcmp(u, "alice") == 0)
			src1 = a.hops[i].src;
		if (u && strcmp(u, "bob") == 0)
			src3 = a.hops[i].src;
	}
	CHECK(src1 >= 0 && src3 >= 0);
	if (src1 >= 0 && src3 >= 0) {
		CHECK_STR(a.hosts[src1].name, "a");
		CHECK_STR(a.hosts[src3].name, "b");
	}
	CHECK_INT(a.nwarnings, 1);
	if (a.nwarnings)
		CHECK(strstr(a.warnings[0].msg, "moved") != NULL);
	hc_analysis_free(&a);
	reset();

	/* a --hosts line holds for all time and beats what the logs say */
	{
		struct hc_host_hint hint = {"c", "10.9.9.9"};
		struct hc_correlate_opts o = {.skew = 300 * HC_TICKS_PER_SEC,
		                              .session_window = 36000 * HC_TICKS_PER_SEC,
		                              .hints = &hint,
		                              .nhints = 1};
		ev(4769, "dc1.contoso.local", 0, "TargetUserName", "A$@CONTOSO.LOCAL",
		   "ServiceName", "DC1$", "IpAddress", "::ffff:10.9.9.9", "Status", "0x0", NULL);
		logon("server1.contoso.local", 60, "alice", "S-1-5-21-1-2-3-1105", "3", "Kerberos",
		      "10.9.9.9", "-", "0x100", "-", "%%1833");
		CHECK_INT(hc_events_sort(&set), HC_OK);
		CHECK_INT(hc_correlate(&set, &o, &a), HC_OK);
		for (size_t i = 0; i < a.nhops; i++)
			if (a.hops[i].src >= 0)
				CHECK_STR(a.hosts[a.hops[i].src].name, "c");
		CHECK_INT(a.nwarnings, 1);
		hc_analysis_free(&a);
		reset();
	}
}

static void failed_ntlm(const char *dst, double sec, const char *ws, const char *ip)
{
	ev(4625, dst, sec, "TargetUserSid", "S-1-0-0", "TargetUserName", "alice",
	   "TargetDomainName", "CONTOSO", "Status", "0xc000006d", "SubStatus", "0xc000006a",
	   "LogonType", "3", "LogonProcessName", "NtLmSsp ", "AuthenticationPackageName", "NTLM",
	   "WorkstationName", ws, "IpAddress", ip, "IpPort", "50000", NULL);
}

/* Issue 8: a failed logon's WorkstationName is a weak claim (no new host);
 * it claims an address only for a host known otherwise. Several claimants
 * of one address fold into one warning; the strongest claim in reach wins
 * over a nearer weaker one. */
static void test_claims(void)
{
	struct hc_analysis a;
	size_t n;
	int ws1;

	/* a spray of invented names: none becomes a host, the hop keeps no
	 * source host */
	failed_ntlm("fs1.contoso.local", 0, "QWERTYUIOPASDFGH", "10.7.7.7");
	failed_ntlm("fs1.contoso.local", 1, "ZXCVBNMQWERTYUIO", "10.7.7.7");
	/* ws1 is known from its own log: its failed logon claims 10.7.7.8 */
	ev(4608, "ws1.contoso.local", 2, NULL);
	failed_ntlm("fs1.contoso.local", 3, "WS1", "10.7.7.8");
	correlate(&a, 1, &n);
	CHECK_INT(a.nhosts, 2);
	CHECK(host_index(&a, "qwertyuiopasdfgh") < 0);
	CHECK_INT(a.nwarnings, 0);
	ws1 = host_index(&a, "ws1");
	CHECK(ws1 >= 0);
	if (ws1 >= 0) {
		CHECK_INT(a.hosts[ws1].naddr, 1);
		if (a.hosts[ws1].naddr)
			CHECK_STR(a.hosts[ws1].addr[0].ip, "10.7.7.8");
	}
	for (size_t i = 0; i < a.nhops; i++)
		CHECK_INT(a.hops[i].src, strcmp(a.hops[i].ev->norm.ip, "10.7.7.8") == 0 ? ws1 : -1);
	hc_analysis_free(&a);
	reset();

	/* three names claim one address at once: one warning counts them */
	logon("fs1.contoso.local", 0, "alice", "S-1-5-21-1-2-3-1105", "3", "NTLM", "10.7.7.7",
	      "WSA", "0x100", "NTLM V2", "%%1833");
	logon("fs1.contoso.local", 10, "bob", "S-1-5-21-1-2-3-1106", "3", "NTLM", "10.7.7.7", "WSB",
	      "0x101", "NTLM V2", "%%1833");
	logon("fs1.contoso.local", 20, "carol", "S-1-5-21-1-2-3-1107", "3", "NTLM", "10.7.7.7",
	      "WSC", "0x102", "NTLM V2", "%%1833");
	correlate(&a, 1, &n);
	CHECK_INT(a.nwarnings, 1);
	if (a.nwarnings) {
		CHECK(strstr(a.warnings[0].msg,
		             "claimed by 3 hosts: wsa (workstation-name), wsb "
		             "(workstation-name), wsc (workstation-name)") != NULL);
		CHECK(strstr(a.warnings[0].msg, "2 claims came within an hour") != NULL);
	}
	hc_analysis_free(&a);
	reset();

	/* a machine-account ticket two hours before beats a workstation name
	 * claimed a minute before: both are in reach (12 h), the stronger
	 * source wins; 13 h later only the workstation name is in reach */
	ev(4769, "dc1.contoso.local", -7200, "TargetUserName", "A$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.9.9.9", "Status", "0x0", NULL);
	logon("fs1.contoso.local", -60, "bob", "S-1-5-21-1-2-3-1106", "3", "NTLM", "10.9.9.9", "B",
	      "0x101", "NTLM V2", "%%1833");
	logon("fs1.contoso.local", 0, "alice", "S-1-5-21-1-2-3-1105", "3", "Kerberos", "10.9.9.9",
	      "-", "0x100", "-", "%%1833");
	logon("fs1.contoso.local", 13 * 3600, "bob", "S-1-5-21-1-2-3-1106", "3", "NTLM", "10.9.9.9",
	      "B", "0x102", "NTLM V2", "%%1833");
	logon("fs1.contoso.local", 13 * 3600 + 60, "carol", "S-1-5-21-1-2-3-1107", "3", "Kerberos",
	      "10.9.9.9", "-", "0x103", "-", "%%1833");
	correlate(&a, 1, &n);
	for (size_t i = 0; i < a.nhops; i++) {
		const char *u = a.hops[i].ev->norm.target.name;
		if (strcmp(u, "alice") == 0)
			CHECK(a.hops[i].src == host_index(&a, "a"));
		if (strcmp(u, "carol") == 0)
			CHECK(a.hops[i].src == host_index(&a, "b"));
	}
	hc_analysis_free(&a);
	reset();
}

/* Policies built through the engine's API: packages mapped once, a bad
 * pattern named with its rule and offset. */
static void test_policy_api(void)
{
	struct hc_policy pol = {0};
	struct hc_diag d;
	const char *allow[] = {"kerberos", "NTLM", "Other"};

	hc_diag_clear(&d);
	CHECK_INT(hc_policy_package_bit("Kerberos"), HC_PKG_KERBEROS);
	CHECK_INT(hc_policy_package_bit("negotiate"), HC_PKG_NEGOTIATE);
	CHECK_INT(hc_policy_package_bit(NULL), HC_PKG_OTHER);
	CHECK_INT(hc_policy_add_rule(&pol, "^srv", NULL, allow, 3, &d), HC_OK);
	CHECK_INT(pol.nrules, 1);
	CHECK_INT(pol.rules[0].allow, HC_PKG_KERBEROS | HC_PKG_NTLM | HC_PKG_OTHER);
	CHECK(pol.rules[0].account == NULL);
	CHECK_INT(hc_policy_add_rule(&pol, "^ok", "(unclosed", allow, 1, &d), HC_ERR_USAGE);
	CHECK(strstr(d.msg, "account of rule 2: ") == d.msg);
	CHECK(d.has_offset);
	CHECK_INT(pol.nrules, 1);
	CHECK_INT(hc_policy_add_legacy(&pol, "^nas", &d), HC_OK);
	CHECK_INT(pol.nlegacy, 1);
	hc_policy_free(&pol);
	CHECK_INT(pol.nrules, 0);
	hc_policy_free(NULL);
}

/* Issue 8: a policy pattern that hits PCRE2's match limit decides nothing
 * (no unexpected-package finding) and is reported once. */
static void test_policy_limit(void)
{
	struct hc_regex *re = NULL;
	struct hc_diag d;
	struct hc_policy_rule rule = {0};
	struct hc_policy pol = {.nrules = 1, .rules = &rule};
	struct hc_correlate_opts o = {.skew = 300 * HC_TICKS_PER_SEC,
	                              .session_window = 36000 * HC_TICKS_PER_SEC,
	                              .policy = &pol};
	struct hc_analysis a;
	size_t findings = 0, limit_warnings = 0;

	CHECK_INT(hc_regex_compile("^CONTOSO\\\\(?:(a+)+b|a+c)$", 1, &re, &d), HC_OK);
	rule.account = re;
	rule.allow = HC_PKG_NTLM;
	addresses();
	/* two NTLM hops of an account whose name makes the pattern backtrack */
	for (int i = 0; i < 2; i++)
		logon(i ? "server2.contoso.local" : "server3.contoso.local", 60 + i,
		      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "S-1-5-21-1-2-3-1199", "3", "NTLM",
		      "10.0.0.21", "SERVER1", i ? "0x200" : "0x201", "NTLM V2", "%%1833");
	CHECK_INT(hc_events_sort(&set), HC_OK);
	CHECK_INT(hc_correlate(&set, &o, &a), HC_OK);
	for (size_t i = 0; i < a.nchains; i++)
		for (size_t k = 0; k < a.chains[i].nfindings; k++)
			findings += strcmp(a.chains[i].findings[k].id, "unexpected-package") == 0;
	for (size_t i = 0; i < a.nwarnings; i++)
		limit_warnings += strstr(a.warnings[i].msg, "rules.account[0]: the pattern hit "
		                                            "PCRE2's match limit") != NULL;
	CHECK_INT(a.nchains, 2);
	CHECK_INT(findings, 0);
	CHECK_INT(limit_warnings, 1);
	hc_analysis_free(&a);
	reset();
	hc_regex_free(re);
}

int main(void)
{
	test_policy_api();
	test_policy_limit();
	test_claims();
	test_address_moves();
	test_accounts();
	test_names_durations();
	test_double_hop();
	test_restricted_admin();
	test_rules();
	return hc_test_result();
}

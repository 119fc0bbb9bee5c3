/* Unit tests of the class rules (engine/classes.c, enum hc_hop_class): the
 * cases test_witnesses.c leaves open, each with the event set where the
 * rule applies and the nearest one where it must not. The inventory of
 * rules and tests opens test_findings.c. */
#include "corr_fixture.h"

#define TESTUSER "S-1-5-21-1-2-3-1104"

/* ------------------------------------------------------------------ */
/* service identities                                                   */

/* server1 reaches server2 as `user` of `domain` (SID `sid`). */
static const struct hc_hop *identity_case(struct hc_analysis *a, const char *user,
                                          const char *domain, const char *sid)
{
	size_t n;

	addresses();
	ev(4624, "server2.contoso.local", 60, "TargetUserSid", sid, "TargetUserName", user,
	   "TargetDomainName", domain, "TargetLogonId", "0x200", "LogonType", "3",
	   "AuthenticationPackageName", "Negotiate", "IpAddress", "10.0.0.21", "IpPort", "50000",
	   NULL);
	correlate(a, 1, &n);
	return hop_of(a, user, "server2", 60);
}

/* NETWORK SERVICE: the host acting for itself. */
static void test_service_identity_is_machine(void)
{
	struct hc_analysis a;
	const struct hc_hop *h = identity_case(&a, "NETWORK SERVICE", "NT AUTHORITY", "S-1-5-20");

	CHECK_STR(src_name(&a, h), "server1");
	CHECK(h && h->cls == HC_CLASS_MACHINE);
	CHECK(h && strstr(h->class_why, "service identity") != NULL);
	hc_analysis_free(&a);
	reset();
}

/* A domain service account with no $ is someone's account: a user's hop. */
static void test_user_from_same_source_is_user(void)
{
	struct hc_analysis a;
	const struct hc_hop *h = identity_case(&a, "svc_backup", "CONTOSO", "S-1-5-21-1-2-3-1600");

	CHECK_STR(src_name(&a, h), "server1");
	CHECK(h && h->cls == HC_CLASS_USER);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* Windows' own logons to a DC with the user's account (upkeep)         */

/* ws5 at 10.0.0.35 (its ticket); alice's logon to `dst` at 1 s by port
 * 49676, whose connection ws5 logged as made by a service. */
static void upkeep_case(const char *dst, bool sysmon)
{
	ev(4769, "dc1.contoso.local", -60, "TargetUserName", "WS5$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.0.0.35", "Status", "0x0", NULL);
	if (sysmon) {
		/* svchost as SYSTEM, as Sysmon names its user */
		ev_in(3, "Microsoft-Windows-Sysmon/Operational", "ws5.contoso.local", 0.9,
		      "ProcessGuid", "{2}", "ProcessId", "900", "Image",
		      "C:\\Windows\\System32\\svchost.exe", "User", "NT AUTHORITY\\SYSTEM",
		      "Initiated", "true", "SourceIp", "10.0.0.35", "SourcePort", "49676",
		      "DestinationIp", "10.0.0.5", "DestinationPort", "389", NULL);
	} else {
		/* svchost started in SYSTEM's session (0x3e7), then its 5156 */
		ev(4624, "ws5.contoso.local", -3600, "TargetUserSid", "S-1-5-18", "TargetUserName",
		   "SYSTEM", "TargetDomainName", "NT AUTHORITY", "TargetLogonId", "0x3e7",
		   "LogonType", "0", NULL);
		ev(4688, "ws5.contoso.local", -100, "SubjectLogonId", "0x3e7", "NewProcessId",
		   "0x384", "NewProcessName", "C:\\Windows\\System32\\svchost.exe", NULL);
		conn("ws5.contoso.local", 0.9, OUT, "10.0.0.35", "49676", "10.0.0.5", "389",
		     "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe", "900");
	}
	netlogon(dst, 1, "alice", "Kerberos", "10.0.0.35", "49676", "0x100");
}

static void test_upkeep_system_process(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	for (int sysmon = 0; sysmon < 2; sysmon++) {
		upkeep_case("dc1.contoso.local", sysmon);
		correlate(&a, 1, &n);
		h = hop_of(&a, "alice", "dc1", 1);
		CHECK_STR(src_name(&a, h), "ws5");
		CHECK(h && h->src_how == HC_SRC_CONNECTION);
		CHECK(h && h->cls == HC_CLASS_MACHINE);
		if (!sysmon)
			CHECK(h && h->src_proof == HC_PROOF_CONNECTION);
		hc_analysis_free(&a);
		reset();
	}
}

/* The same logon to a server that issues no tickets is the user's. */
static void test_upkeep_not_at_non_dc(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	for (int sysmon = 0; sysmon < 2; sysmon++) {
		upkeep_case("server2.contoso.local", sysmon);
		correlate(&a, 1, &n);
		h = hop_of(&a, "alice", "server2", 1);
		CHECK_STR(src_name(&a, h), "ws5");
		CHECK(h && h->cls == HC_CLASS_USER);
		hc_analysis_free(&a);
		reset();
	}
}

/* ------------------------------------------------------------------ */
/* the collector                                                        */

/* dc1 logs on to ws5, ws6 and ws7 as DC1$ (domain controllers do): a
 * host that issues tickets is never the event collector. */
static void test_kdc_never_collector(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;
	int dc;

	ev(4768, "dc1.contoso.local", -60, "TargetUserName", "DC1$", "TargetDomainName", "CONTOSO",
	   "IpAddress", "::ffff:10.0.0.5", "Status", "0x0", NULL);
	netlogon("ws5.contoso.local", 0, "DC1$", "Kerberos", "10.0.0.5", "50001", "0x100");
	netlogon("ws6.contoso.local", 1, "DC1$", "Kerberos", "10.0.0.5", "50002", "0x100");
	netlogon("ws7.contoso.local", 2, "DC1$", "Kerberos", "10.0.0.5", "50003", "0x100");
	correlate(&a, 1, &n);
	dc = host_index(&a, "dc1");
	CHECK(dc >= 0 && a.hosts[dc].kdc && !a.hosts[dc].collector);
	h = hop_of(&a, "DC1$", "ws6", 1);
	CHECK_STR(src_name(&a, h), "dc1");
	CHECK(h && h->cls == HC_CLASS_MACHINE);
	hc_analysis_free(&a);
	reset();
}

/* fs1 reaches ws5, ws6 and ws7 as FS1$, but eight hosts have a log: a
 * file server's own business with three of them, not the collector (it
 * reaches at least half of the hosts with a log). */
static void test_collector_needs_half_the_hosts(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;
	char host[64];
	int fs;

	ev(4769, "dc1.contoso.local", -60, "TargetUserName", "FS1$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.0.0.41", "Status", "0x0", NULL);
	for (int i = 5; i <= 11; i++) { /* seven, and dc1 */
		snprintf(host, sizeof(host), "ws%d.contoso.local", i);
		ev(4608, host, -600, NULL);
	}
	netlogon("ws5.contoso.local", 0, "FS1$", "Kerberos", "10.0.0.41", "50001", "0x100");
	netlogon("ws6.contoso.local", 1, "FS1$", "Kerberos", "10.0.0.41", "50002", "0x100");
	netlogon("ws7.contoso.local", 2, "FS1$", "Kerberos", "10.0.0.41", "50003", "0x100");
	correlate(&a, 1, &n);
	fs = host_index(&a, "fs1");
	CHECK(fs >= 0 && !a.hosts[fs].collector);
	h = hop_of(&a, "FS1$", "ws6", 1);
	CHECK(h && h->cls == HC_CLASS_MACHINE);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* null sessions                                                        */

/* TestUser's session on server1 (from client1), then an anonymous logon
 * from server1 to `dst` at 60 s and SERVER1$ from the same address 1 s
 * later. */
static void secure_channel_case(const char *dst)
{
	ev(4769, "dc1.contoso.local", -600, "TargetUserName", "SERVER1$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.21", "Status", "0x0", NULL);
	ev(4769, "dc1.contoso.local", -601, "TargetUserName", "CLIENT1$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.11", "Status", "0x0", NULL);
	logon("server1.contoso.local", 0, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.11", "-",
	      "0x3d7ff", "-", "%%1833");
	anon(dst, 60, "10.0.0.21", "50100", "0x500");
	netlogon(dst, 61, "SERVER1$", "Kerberos", "10.0.0.21", "50101", "0x501");
}

/* A server that issues no tickets sets up no secure channel: there the
 * pair is TestUser's second hop and, after it, the machine's own logon. */
static void test_secure_channel_only_at_dc(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	const struct hc_hop *h;
	size_t n;

	secure_channel_case("server2.contoso.local");
	c = correlate(&a, 2, &n);
	h = hop_of(&a, "ANONYMOUS LOGON", "server2", 60);
	CHECK(h && h->cls == HC_CLASS_USER);
	CHECK(!cites(h, HC_ROLE_SECURE_CHANNEL));
	CHECK_INT(n, 1);
	CHECK(finding_of(c, "anonymous-second-hop", 2) != NULL);
	hc_analysis_free(&a);
	reset();
}

/* The connection's process runs in SYSTEM's session on server1 (0x3e7):
 * a null session, though TestUser's session is open there. */
static void test_anonymous_from_service_session_is_null(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	ev(4769, "dc1.contoso.local", -600, "TargetUserName", "SERVER1$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.21", "Status", "0x0", NULL);
	logon("server1.contoso.local", 0, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.11", "-",
	      "0x3d7ff", "-", "%%1833");
	ev(4624, "server1.contoso.local", -3600, "TargetUserSid", "S-1-5-18", "TargetUserName",
	   "SYSTEM", "TargetDomainName", "NT AUTHORITY", "TargetLogonId", "0x3e7", "LogonType", "0",
	   NULL);
	ev(4688, "server1.contoso.local", -100, "SubjectLogonId", "0x3e7", "NewProcessId", "0x384",
	   "NewProcessName", "C:\\Windows\\System32\\svchost.exe", NULL);
	conn("server1.contoso.local", 59.9, OUT, "10.0.0.21", "50100", "10.0.0.22", "445",
	     "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe", "900");
	anon("server2.contoso.local", 60, "10.0.0.21", "50100", "0x500");
	correlate(&a, 2, &n);
	CHECK_INT(n, 0);
	h = hop_of(&a, "ANONYMOUS LOGON", "server2", 60);
	CHECK(h && h->cls == HC_CLASS_NULL_SESSION);
	CHECK(h && strstr(h->class_why, "service identity") != NULL);
	CHECK(cites(h, HC_ROLE_SOURCE_PROCESS));
	hc_analysis_free(&a);
	reset();
}

int main(void)
{
	test_service_identity_is_machine();
	test_user_from_same_source_is_user();
	test_upkeep_system_process();
	test_upkeep_not_at_non_dc();
	test_kdc_never_collector();
	test_collector_needs_half_the_hosts();
	test_secure_channel_only_at_dc();
	test_anonymous_from_service_session_is_null();
	return hc_test_result();
}

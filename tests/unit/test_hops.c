/* Unit tests of the hop rules (engine/hops.c, hosts.c): which logons are
 * hops, which witness names a hop's source (enum hc_source), hops into a
 * host whose log is missing, repeats folded into one hop and the CredSSP
 * twin absorbed, each with the event set where the rule applies and the
 * nearest one where it must not. The inventory of rules and tests opens
 * test_findings.c; the witnesses' other cases are in test_witnesses.c. */
#include "corr_fixture.h"

#define ALICE "S-1-5-21-1-2-3-1105"
#define TESTUSER "S-1-5-21-1-2-3-1104"

/* ------------------------------------------------------------------ */
/* 4648                                                                 */

/* client1's 4648 for TestUser naming server1, `sec` seconds from the
 * logon at 0 (from an address no host claims). */
static const struct hc_hop *explicit_case(struct hc_analysis *a, double sec, const char *user)
{
	size_t n;

	ev(4648, "client1.contoso.local", sec, "SubjectUserName", "TestUser", "SubjectDomainName",
	   "CONTOSO", "SubjectLogonId", "0x3c0be", "TargetUserName", user, "TargetDomainName",
	   "CONTOSO", "TargetServerName", "server1", NULL);
	logon("server1.contoso.local", 0, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.99", "-",
	      "0x100", "-", "%%1833");
	correlate(a, 1, &n);
	return hop_of(a, "TestUser", "server1", 0);
}

static void test_4648_names_source(void)
{
	struct hc_analysis a;
	const struct hc_hop *h = explicit_case(&a, -100, "TestUser");

	CHECK_STR(src_name(&a, h), "client1");
	CHECK(h && h->src_how == HC_SRC_4648);
	CHECK(cites(h, HC_ROLE_EXPLICIT));
	hc_analysis_free(&a);
	reset();
}

/* A 4648 further than the skew (5 min) from the logon, or for another
 * account, is another act. */
static void test_4648_outside_skew_no_source(void)
{
	struct hc_analysis a;
	const struct hc_hop *h = explicit_case(&a, -301, "TestUser");

	CHECK(h != NULL);
	CHECK(h && h->src < 0 && h->src_how == HC_SRC_NONE);
	CHECK(!cites(h, HC_ROLE_EXPLICIT));
	hc_analysis_free(&a);
	reset();

	h = explicit_case(&a, -100, "alice");
	CHECK(h && h->src < 0 && !cites(h, HC_ROLE_EXPLICIT));
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* 4769                                                                 */

/* A ticket request the DC refused (a non-zero Status) gave the client no
 * ticket to log on with. */
static void test_ticket_failed_status_ignored(void)
{
	struct hc_analysis a;
	size_t n;

	conn("ws5.contoso.local", -100, OUT, "10.0.0.35", "50001", "10.0.0.5", "53", "svchost.exe",
	     "1200");
	ev(4769, "dc1.contoso.local", -0.2, "TargetUserName", "alice@CONTOSO.LOCAL", "ServiceName",
	   "WS6$", "IpAddress", "::ffff:10.0.0.35", "Status", "0x1b", NULL);
	netlogon("ws6.contoso.local", 0, "alice", "Kerberos", "-", "-", "0x100");
	correlate(&a, 1, &n);
	/* nothing else says where it came from: no hop at all */
	CHECK_NULL(hop_of(&a, "alice", "ws6", 0));
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* 4776                                                                 */

/* The 4776 names the client only of a logon that logged no address: an
 * address, even one no host claims, is the logon's own witness. */
static void test_validation_not_used_with_address(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	ev(4608, "ws5.contoso.local", -600, NULL);
	ev(4776, "dc1.contoso.local", 0, "PackageName", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0",
	   "TargetUserName", "alice", "Workstation", "WS5", "Status", "0x0", NULL);
	ev(4624, "ws6.contoso.local", 0.1, "TargetUserSid", ALICE, "TargetUserName", "alice",
	   "TargetDomainName", "CONTOSO", "TargetLogonId", "0x100", "LogonType", "3",
	   "AuthenticationPackageName", "NTLM", "WorkstationName", "-", "IpAddress", "10.0.0.99",
	   NULL);
	correlate(&a, 1, &n);
	h = hop_of(&a, "alice", "ws6", 0.1);
	CHECK(h != NULL);
	CHECK(h && h->src < 0 && h->src_how == HC_SRC_NONE);
	CHECK(!cites(h, HC_ROLE_VALIDATION));
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* WorkstationName                                                      */

/* An NTLM logon with no address: its WorkstationName names a host known
 * from its own log (no 4776 in the case). */
static void workstation_case(struct hc_analysis *a, const char *ws)
{
	size_t n;

	ev(4608, "ws5.contoso.local", -600, NULL);
	ev(4624, "ws6.contoso.local", 0, "TargetUserSid", ALICE, "TargetUserName", "alice",
	   "TargetDomainName", "CONTOSO", "TargetLogonId", "0x100", "LogonType", "3",
	   "AuthenticationPackageName", "NTLM", "WorkstationName", ws, "IpAddress", "-", NULL);
	correlate(a, 1, &n);
}

static void test_workstation_names_source(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;

	workstation_case(&a, "WS5");
	h = hop_of(&a, "alice", "ws6", 0);
	CHECK_STR(src_name(&a, h), "ws5");
	CHECK(h && h->src_how == HC_SRC_WORKSTATION);
	hc_analysis_free(&a);
	reset();
}

/* A name the client chose that no other record knows names no host. */
static void test_workstation_unknown_name_no_source(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;

	workstation_case(&a, "QWERTYUIOPASDFGH");
	h = hop_of(&a, "alice", "ws6", 0);
	CHECK(h != NULL); /* still a hop: a name says it came over the network */
	CHECK(h && h->src < 0 && h->src_how == HC_SRC_NONE);
	CHECK_INT(host_index(&a, "qwertyuiopasdfgh"), -1);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* the target's listener                                                */

/* ws5 is known at 10.0.0.35 from its own connection; ws6 logs that
 * address reaching its WinRM listener `sec` seconds from a Kerberos logon
 * that logged no address. */
static void listener_case(struct hc_analysis *a, double sec)
{
	size_t n;

	conn("ws5.contoso.local", -100, OUT, "10.0.0.35", "50001", "10.0.0.5", "53", "svchost.exe",
	     "1200");
	conn("ws6.contoso.local", sec, IN, "10.0.0.35", "51515", "10.0.0.36", "5985", "System",
	     "4");
	netlogon("ws6.contoso.local", 0, "alice", "Kerberos", "-", "-", "0x100");
	correlate(a, 1, &n);
}

static void test_listener_names_source(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;

	listener_case(&a, -0.5);
	h = hop_of(&a, "alice", "ws6", 0);
	CHECK_STR(src_name(&a, h), "ws5");
	CHECK(h && h->src_how == HC_SRC_LISTENER);
	CHECK(h && h->src_ip && strcmp(h->src_ip, "10.0.0.35") == 0);
	CHECK(cites(h, HC_ROLE_TARGET_CONNECTION));
	hc_analysis_free(&a);
	reset();
}

/* More than 2 s before the logon (or 1 s after) the connection is another
 * client's moment. */
static void test_listener_outside_gap_no_source(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;

	listener_case(&a, -2.5);
	h = hop_of(&a, "alice", "ws6", 0);
	CHECK(!h || (h->src < 0 && !h->src_ip));
	hc_analysis_free(&a);
	reset();

	listener_case(&a, 1.5);
	h = hop_of(&a, "alice", "ws6", 0);
	CHECK(!h || (h->src < 0 && !h->src_ip));
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* the secure channel                                                   */

/* An anonymous logon to the DC from an address no host claims, then
 * SERVER5$ from that address `sec` seconds later (its address known only
 * from the DC's listener record, which claims nothing). */
static void secure_channel_case(struct hc_analysis *a, double sec)
{
	size_t n;

	addresses(); /* dc1 issues tickets */
	ev(4608, "server5.contoso.local", -600, NULL);
	anon("dc1.contoso.local", 60, "10.0.0.50", "50100", "0x500");
	conn("dc1.contoso.local", 60 + sec - 0.5, IN, "10.0.0.50", "50101", "10.0.0.5", "5985",
	     "System", "4");
	netlogon("dc1.contoso.local", 60 + sec, "SERVER5$", "Kerberos", "-", "-", "0x501");
	correlate(a, 1, &n);
}

static void test_secure_channel_names_source(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;

	secure_channel_case(&a, 1);
	h = hop_of(&a, "ANONYMOUS LOGON", "dc1", 60);
	CHECK_STR(src_name(&a, h), "server5");
	CHECK(h && h->src_how == HC_SRC_SECURE_CHANNEL);
	CHECK(h && h->cls == HC_CLASS_NULL_SESSION);
	CHECK(cites(h, HC_ROLE_SECURE_CHANNEL));
	hc_analysis_free(&a);
	reset();
}

/* The machine account 11 s later set up its own channel, not this one's. */
static void test_secure_channel_late_no_source(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;

	secure_channel_case(&a, 11);
	h = hop_of(&a, "ANONYMOUS LOGON", "dc1", 60);
	CHECK(h != NULL);
	CHECK(h && h->src < 0 && h->src_how == HC_SRC_NONE);
	CHECK(!cites(h, HC_ROLE_SECURE_CHANNEL));
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* a hop at all                                                         */

/* Network logons (types 3, 8, 10, 12) from another host are hops; an RDP
 * logon is one even when nothing names its source. */
static void test_network_logon_is_hop(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	logon("server2.contoso.local", 0, "alice", ALICE, "3", "Kerberos", "10.0.0.21", "-",
	      "0x100", "-", "%%1833");
	logon("server2.contoso.local", 100, "TestUser", TESTUSER, "10", "Negotiate", "-", "-",
	      "0x101", "-", "%%1833");
	correlate(&a, 1, &n);
	CHECK_INT(a.nhops, 2);
	h = hop_of(&a, "alice", "server2", 0);
	CHECK_STR(src_name(&a, h), "server1");
	CHECK(h && h->src_how == HC_SRC_IP);
	h = hop_of(&a, "TestUser", "server2", 100);
	CHECK(h && h->src < 0);
	hc_analysis_free(&a);
	reset();
}

/* Each of these logons is local, or nothing says it came over the
 * network: none is a hop. */
static void test_local_logons_not_hops(void)
{
	struct hc_analysis a;
	size_t n;

	for (int k = 0; k < 6; k++) {
		addresses();
		ev(4769, "dc1.contoso.local", -58, "TargetUserName", "SERVER2$@CONTOSO.LOCAL",
		   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.22", "Status", "0x0", NULL);
		switch (k) {
		case 0: /* interactive */
			logon("server2.contoso.local", 0, "alice", ALICE, "2", "Negotiate",
			      "10.0.0.21", "-", "0x100", "-", "%%1833");
			break;
		case 1: /* loopback */
			logon("server2.contoso.local", 0, "alice", ALICE, "3", "Kerberos",
			      "127.0.0.1", "-", "0x100", "-", "%%1833");
			break;
		case 2: /* from server2's own address */
			logon("server2.contoso.local", 0, "alice", ALICE, "3", "Kerberos",
			      "10.0.0.22", "-", "0x100", "-", "%%1833");
			break;
		case 3: /* its own machine account, from an address no host claims
		         * (known only from server2's listener) */
			conn("server2.contoso.local", -0.5, IN, "10.0.0.99", "50000", "10.0.0.22",
			     "5985", "System", "4");
			logon("server2.contoso.local", 0, "SERVER2$", "S-1-5-21-1-2-3-1302", "3",
			      "Kerberos", "-", "-", "0x100", "-", "%%1833");
			break;
		case 4: /* a service identity no witness places */
			ev(4624, "server2.contoso.local", 0, "TargetUserSid", "S-1-5-18",
			   "TargetUserName", "SYSTEM", "TargetDomainName", "NT AUTHORITY",
			   "TargetLogonId", "0x3e7", "LogonType", "3", "AuthenticationPackageName",
			   "Negotiate", "WorkstationName", "QWERTY", "IpAddress", "-", NULL);
			break;
		case 5: /* Kerberos, no address, no ticket, no 4648 */
			logon("server2.contoso.local", 0, "alice", ALICE, "3", "Kerberos", "-", "-",
			      "0x100", "-", "%%1833");
			break;
		}
		correlate(&a, 1, &n);
		if (a.nhops)
			fprintf(stderr, "case %d made a hop\n", k);
		CHECK_INT(a.nhops, 0);
		hc_analysis_free(&a);
		reset();
	}
}

/* ------------------------------------------------------------------ */
/* hops into hosts with no log                                          */

/* client1's 4648 naming server9, from TestUser's console session. */
static void unlogged_case(struct hc_analysis *a, bool server9_logs)
{
	size_t n;

	ev(4624, "client1.contoso.local", -10, "TargetUserSid", TESTUSER, "TargetUserName",
	   "TestUser", "TargetDomainName", "CONTOSO", "TargetLogonId", "0x3c0be", "LogonType", "2",
	   NULL);
	if (server9_logs)
		ev(4608, "server9.contoso.local", -600, NULL);
	ev(4648, "client1.contoso.local", 0, "SubjectUserName", "TestUser", "SubjectDomainName",
	   "CONTOSO", "SubjectLogonId", "0x3c0be", "TargetUserName", "TestUser", "TargetDomainName",
	   "CONTOSO", "TargetServerName", "server9.contoso.local", NULL);
	correlate(a, 1, &n);
}

static void test_hop_into_unlogged_host(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;

	unlogged_case(&a, false);
	CHECK_INT(a.nhops, 1);
	h = hop_of(&a, "TestUser", "server9", 0);
	CHECK_STR(src_name(&a, h), "client1");
	CHECK(h && h->src_how == HC_SRC_4648 && h->ev->event_id == 4648);
	CHECK(h && h->src_session >= 0 && h->src_proof == HC_PROOF_4648);
	hc_analysis_free(&a);
	reset();
}

/* With server9's log in the case its own logons tell; the 4648 alone is no
 * hop (here server9 logged none). */
static void test_no_4648_hop_into_logged_host(void)
{
	struct hc_analysis a;

	unlogged_case(&a, true);
	CHECK_INT(a.nhops, 0);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* folding repeats                                                      */

/* Each logon within 60 s of the previous one of its act folds; 61 s after
 * it is a new hop. */
static void test_fold_gap_boundary(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	netlogon("server2.contoso.local", 0, "alice", "Kerberos", "10.0.0.21", "50001", "0x100");
	netlogon("server2.contoso.local", 60, "alice", "Kerberos", "10.0.0.21", "50002", "0x101");
	netlogon("server2.contoso.local", 121, "alice", "Kerberos", "10.0.0.21", "50003", "0x102");
	correlate(&a, 1, &n);
	CHECK_INT(n, 2);
	h = hop_of(&a, "alice", "server2", 0);
	CHECK(h && h->nrepeats == 1);
	h = hop_of(&a, "alice", "server2", 60);
	CHECK(h && h->repeat_of >= 0);
	h = hop_of(&a, "alice", "server2", 121);
	CHECK(h && h->repeat_of < 0 && h->nrepeats == 0);
	hc_analysis_free(&a);
	reset();
}

/* Another account from the same source in the same second is another act. */
static void test_fold_other_account_not_folded(void)
{
	struct hc_analysis a;
	size_t n;

	addresses();
	logon("server2.contoso.local", 0, "alice", ALICE, "3", "Kerberos", "10.0.0.21", "-",
	      "0x100", "-", "%%1833");
	logon("server2.contoso.local", 1, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.21", "-",
	      "0x101", "-", "%%1833");
	correlate(&a, 1, &n);
	CHECK_INT(n, 2);
	for (size_t i = 0; i < a.nhops; i++)
		CHECK(a.hops[i].repeat_of < 0 && a.hops[i].nrepeats == 0);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* the CredSSP twin                                                     */

/* WinRM with CredSSP: the Kerberos type-3 logon, then the type-8 logon
 * `sec` seconds later, from `ip8`, as `user8`. */
static void credssp_case(struct hc_analysis *a, double sec, const char *user8, const char *sid8,
                         const char *ip8)
{
	size_t n;

	addresses();
	logon("server1.contoso.local", 0, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.11", "-",
	      "0x100", "-", "%%1833");
	logon("server1.contoso.local", sec, user8, sid8, "8", "Negotiate", ip8, "-", "0x101", "-",
	      "%%1833");
	correlate(a, 1, &n);
}

static void test_credssp_twin_absorbed(void)
{
	struct hc_analysis a;
	const struct hc_hop *h3, *h8;

	credssp_case(&a, 0.5, "TestUser", TESTUSER, "10.0.0.11");
	h3 = hop_of(&a, "TestUser", "server1", 0);
	h8 = hop_of(&a, "TestUser", "server1", 0.5);
	CHECK(h3 && h3->absorbed);
	CHECK(h8 && !h8->absorbed);
	CHECK(cites(h8, HC_ROLE_CREDSSP_TRANSPORT));
	CHECK_INT(a.nchains, 1);
	CHECK_INT(count_findings(&a, "credssp-exposure"), 1);
	hc_analysis_free(&a);
	reset();
}

/* 11 s apart: two logons, two hops. */
static void test_credssp_twin_too_far(void)
{
	struct hc_analysis a;
	const struct hc_hop *h3;

	credssp_case(&a, 11, "TestUser", TESTUSER, "10.0.0.11");
	h3 = hop_of(&a, "TestUser", "server1", 0);
	CHECK(h3 && !h3->absorbed);
	CHECK(!cites(hop_of(&a, "TestUser", "server1", 11), HC_ROLE_CREDSSP_TRANSPORT));
	CHECK_INT(a.nchains, 2);
	hc_analysis_free(&a);
	reset();
}

/* Another account, or another source, is not the same CredSSP session. */
static void test_credssp_twin_other_account_or_source(void)
{
	struct hc_analysis a;
	const struct hc_hop *h3;

	credssp_case(&a, 0.5, "alice", ALICE, "10.0.0.11");
	h3 = hop_of(&a, "TestUser", "server1", 0);
	CHECK(h3 && !h3->absorbed);
	hc_analysis_free(&a);
	reset();

	ev(4769, "dc1.contoso.local", -58, "TargetUserName", "CLIENT2$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.12", "Status", "0x0", NULL);
	credssp_case(&a, 0.5, "TestUser", TESTUSER, "10.0.0.12");
	h3 = hop_of(&a, "TestUser", "server1", 0);
	CHECK(h3 && !h3->absorbed);
	CHECK_STR(src_name(&a, hop_of(&a, "TestUser", "server1", 0.5)), "client2");
	hc_analysis_free(&a);
	reset();
}

int main(void)
{
	test_4648_names_source();
	test_4648_outside_skew_no_source();
	test_ticket_failed_status_ignored();
	test_validation_not_used_with_address();
	test_workstation_names_source();
	test_workstation_unknown_name_no_source();
	test_listener_names_source();
	test_listener_outside_gap_no_source();
	test_secure_channel_names_source();
	test_secure_channel_late_no_source();
	test_network_logon_is_hop();
	test_local_logons_not_hops();
	test_hop_into_unlogged_host();
	test_no_4648_hop_into_logged_host();
	test_fold_gap_boundary();
	test_fold_other_account_not_folded();
	test_credssp_twin_absorbed();
	test_credssp_twin_too_far();
	test_credssp_twin_other_account_or_source();
	return hc_test_result();
}

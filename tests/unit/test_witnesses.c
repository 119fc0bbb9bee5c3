/* Unit tests of the engine's witnesses and classes (issue 9), each rule
 * with a case where it applies and one where it must not: a host's own
 * connections as address claims and as the source of a logon by port, the
 * DC's ticket nearest before, 4776, the target's listener connection,
 * service accounts ending in $, the collector, Windows' own logons to a
 * DC, the secure-channel anonymous pair, anonymous second hops pinned by
 * the connection's process or an 8001, repeats folded, fan-outs, and
 * clock offsets estimated from pairs. */
#include "corr_fixture.h"

/* A host with no logon event is known from its own connections and claims
 * its address; the logon's source is named by the source's own record of
 * the connection (port), even against a stronger claim of the address. */
static void test_own_connections(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	conn("ws5.contoso.local", 0, OUT, "10.0.0.35", "50001", "10.0.0.5", "53",
	     "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe", "1200");
	netlogon("ws6.contoso.local", 30, "alice", "Kerberos", "10.0.0.35", "50123", "0x100");
	correlate(&a, 1, &n);
	h = hop_of(&a, "alice", "ws6", 30);
	CHECK(h != NULL);
	CHECK_STR(src_name(&a, h), "ws5");
	if (h)
		CHECK_INT(h->src_how, HC_SRC_IP);
	hc_analysis_free(&a);
	reset();

	/* by port: ws5 logged the very connection; the DC's ticket says the
	 * address is ws7's (NAT, a stale lease): the port wins */
	ev(4769, "dc1.contoso.local", -60, "TargetUserName", "WS7$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.0.0.35", "Status", "0x0", NULL);
	conn("ws5.contoso.local", 29.9, OUT, "10.0.0.35", "50123", "10.0.0.36", "445", "System",
	     "4");
	netlogon("ws6.contoso.local", 30, "alice", "Kerberos", "10.0.0.35", "50123", "0x100");
	correlate(&a, 1, &n);
	h = hop_of(&a, "alice", "ws6", 30);
	CHECK_STR(src_name(&a, h), "ws5");
	if (h)
		CHECK_INT(h->src_how, HC_SRC_CONNECTION);
	hc_analysis_free(&a);
	reset();

	/* another port: the connection does not name it; the claim does */
	ev(4769, "dc1.contoso.local", -60, "TargetUserName", "WS7$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.0.0.35", "Status", "0x0", NULL);
	conn("ws5.contoso.local", 29.9, OUT, "10.0.0.35", "50124", "10.0.0.36", "445", "System",
	     "4");
	netlogon("ws6.contoso.local", 30, "alice", "Kerberos", "10.0.0.35", "50123", "0x100");
	correlate(&a, 1, &n);
	h = hop_of(&a, "alice", "ws6", 30);
	CHECK(h && h->src_how && h->src_how != HC_SRC_CONNECTION);
	hc_analysis_free(&a);
	reset();

	/* loopback, multicast and a subnet's broadcast claim nothing */
	conn("ws5.contoso.local", 0, IN, "10.0.0.1", "137", "10.0.0.255", "137", "System", "4");
	conn("ws5.contoso.local", 0, IN, "10.0.0.1", "1900", "239.255.255.250", "1900", "System",
	     "4");
	conn("ws5.contoso.local", 0, OUT, "127.0.0.1", "5000", "127.0.0.1", "80", "System", "4");
	correlate(&a, 1, &n);
	for (size_t i = 0; i < a.nhosts; i++)
		CHECK_INT(a.hosts[i].naddr, 0);
	hc_analysis_free(&a);
	reset();
}

/* A Kerberos WinRM logon logs no address: the DC's ticket nearest before
 * it gives the client's address (src_ip) and so its host; a ticket 30 s
 * after is not preferred to the one in the same second. */
static void test_ticket_source(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	conn("ws5.contoso.local", -100, OUT, "10.0.0.35", "50001", "10.0.0.5", "53", "svchost.exe",
	     "1200");
	ev(4769, "dc1.contoso.local", -0.2, "TargetUserName", "alice@CONTOSO.LOCAL", "ServiceName",
	   "WS6$", "IpAddress", "::ffff:10.0.0.35", "Status", "0x0", NULL);
	ev(4769, "dc1.contoso.local", 30, "TargetUserName", "alice@CONTOSO.LOCAL", "ServiceName",
	   "WS6$", "IpAddress", "::ffff:10.0.0.99", "Status", "0x0", NULL);
	netlogon("ws6.contoso.local", 0, "alice", "Kerberos", "-", "-", "0x100");
	correlate(&a, 1, &n);
	h = hop_of(&a, "alice", "ws6", 0);
	CHECK(h != NULL);
	if (h) {
		CHECK_STR(h->src_ip, "10.0.0.35");
		CHECK_STR(src_name(&a, h), "ws5");
		CHECK_INT(h->src_how, HC_SRC_4769);
	}
	hc_analysis_free(&a);
	reset();

	/* no ticket before: the one shortly after (the DC's clock) */
	ev(4769, "dc1.contoso.local", 1, "TargetUserName", "alice@CONTOSO.LOCAL", "ServiceName",
	   "WS6$", "IpAddress", "::ffff:10.0.0.99", "Status", "0x0", NULL);
	netlogon("ws6.contoso.local", 0, "alice", "Kerberos", "-", "-", "0x100");
	correlate(&a, 1, &n);
	h = hop_of(&a, "alice", "ws6", 0);
	CHECK(h && h->src_ip && strcmp(h->src_ip, "10.0.0.99") == 0);
	CHECK(h && h->src < 0);
	hc_analysis_free(&a);
	reset();
}

/* NTLM: the DC's 4776 names the client when the logon names none; the
 * target's own record of a client reaching its WinRM or web listener gives
 * the address of a logon that logged none, when one client alone. */
static void test_validation_and_listener(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	ev(4608, "ws5.contoso.local", -600, NULL);
	ev(4776, "dc1.contoso.local", 0, "PackageName", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0",
	   "TargetUserName", "alice", "Workstation", "WS5", "Status", "0x0", NULL);
	ev(4624, "ws6.contoso.local", 0.1, "TargetUserSid", "S-1-5-21-9-9-9-1105", "TargetUserName",
	   "alice", "TargetDomainName", "CONTOSO", "TargetLogonId", "0x100", "LogonType", "3",
	   "AuthenticationPackageName", "NTLM", "WorkstationName", "-", "IpAddress", "-", NULL);
	correlate(&a, 1, &n);
	h = hop_of(&a, "alice", "ws6", 0.1);
	CHECK_STR(src_name(&a, h), "ws5");
	if (h)
		CHECK_INT(h->src_how, HC_SRC_4776);
	hc_analysis_free(&a);
	reset();

	/* a group managed service account over HTTP: no address in the logon,
	 * the target's inbound connection to :80 names the client */
	conn("adfs01.contoso.local", -0.006, IN, "192.168.2.6", "51515", "192.168.2.5", "80",
	     "System", "4");
	ev(4624, "adfs01.contoso.local", 0, "TargetUserSid", "S-1-5-21-9-9-9-1103",
	   "TargetUserName", "svc_ADFS$", "TargetDomainName", "CONTOSO", "TargetLogonId", "0x100",
	   "LogonType", "3", "AuthenticationPackageName", "Kerberos", "IpAddress", "-", "IpPort",
	   "-", NULL);
	correlate(&a, 1, &n);
	h = hop_of(&a, "svc_ADFS$", "adfs01", 0);
	CHECK(h != NULL);
	if (h) {
		CHECK_STR(h->src_ip, "192.168.2.6");
		CHECK_INT(h->cls, HC_CLASS_USER); /* not a host's machine account */
	}
	hc_analysis_free(&a);
	reset();

	/* two clients reaching the listener at once: no telling which */
	conn("adfs01.contoso.local", -0.5, IN, "192.168.2.6", "51515", "192.168.2.5", "443",
	     "System", "4");
	conn("adfs01.contoso.local", -0.4, IN, "192.168.2.7", "51516", "192.168.2.5", "443",
	     "System", "4");
	ev(4624, "adfs01.contoso.local", 0, "TargetUserSid", "S-1-5-21-9-9-9-1103",
	   "TargetUserName", "svc_ADFS$", "TargetDomainName", "CONTOSO", "TargetLogonId", "0x100",
	   "LogonType", "3", "AuthenticationPackageName", "Kerberos", "IpAddress", "-", "IpPort",
	   "-", NULL);
	correlate(&a, 1, &n);
	CHECK(hop_of(&a, "svc_ADFS$", "adfs01", 0) == NULL);
	hc_analysis_free(&a);
	reset();
}

/* Classes: a machine account from its own host is the machine's; from
 * another host's address it is a service (or forged) account, a user hop;
 * a host reaching most others as its machine account is the collector. */
static void test_machine_classes(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	conn("ws5.contoso.local", -100, OUT, "10.0.0.35", "50001", "10.0.0.5", "53", "svchost.exe",
	     "1200");
	netlogon("dc1.contoso.local", 0, "WS5$", "Kerberos", "10.0.0.35", "50002", "0x100");
	netlogon("ws6.contoso.local", 5, "WS9$", "Kerberos", "10.0.0.35", "50003", "0x101");
	correlate(&a, 1, &n);
	h = hop_of(&a, "WS5$", "dc1", 0);
	CHECK(h && h->cls == HC_CLASS_MACHINE);
	h = hop_of(&a, "WS9$", "ws6", 5);
	CHECK(h && h->cls == HC_CLASS_USER);
	hc_analysis_free(&a);
	reset();

	/* a gMSA's tickets come from the address of the host it is used on:
	 * with that host's own log in the case, it is no second machine there */
	ev(4608, "srv-app.contoso.local", -7200, NULL);
	ev(4768, "dc1.contoso.local", -3600, "TargetUserName", "SRV-APP$", "TargetDomainName",
	   "CONTOSO", "IpAddress", "::ffff:10.0.2.20", "Status", "0x0", NULL);
	ev(4768, "dc1.contoso.local", -3000, "TargetUserName", "svc_sql$", "TargetDomainName",
	   "CONTOSO", "IpAddress", "::ffff:10.0.2.20", "Status", "0x0", NULL);
	netlogon("srv-sql.contoso.local", 0, "svc_sql$", "Kerberos", "10.0.2.20", "50001", "0x100");
	netlogon("srv-sql.contoso.local", 200, "SRV-APP$", "Kerberos", "10.0.2.20", "50002",
	         "0x101");
	correlate(&a, 1, &n);
	h = hop_of(&a, "svc_sql$", "srv-sql", 0);
	CHECK(h && h->cls == HC_CLASS_USER);
	CHECK_STR(src_name(&a, h), "srv-app");
	h = hop_of(&a, "SRV-APP$", "srv-sql", 200);
	CHECK(h && h->cls == HC_CLASS_MACHINE);
	CHECK_INT(a.nwarnings, 1);
	if (a.nwarnings)
		CHECK(strstr(a.warnings[0].msg, "svc_sql$ claims 10.0.2.20, srv-app's address") !=
		      NULL);
	for (size_t i = 0; i < a.nhosts; i++)
		CHECK(strcmp(a.hosts[i].name, "svc_sql") != 0 || a.hosts[i].service_account);
	hc_analysis_free(&a);
	reset();

	/* wec reaches ws5, ws6, ws7 and dc1 as WEC$: the collector */
	ev(4769, "dc1.contoso.local", -60, "TargetUserName", "WEC$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.0.0.40", "Status", "0x0", NULL);
	netlogon("ws5.contoso.local", 0, "WEC$", "Kerberos", "10.0.0.40", "50001", "0x100");
	netlogon("ws6.contoso.local", 1, "WEC$", "Kerberos", "10.0.0.40", "50002", "0x100");
	netlogon("ws7.contoso.local", 2, "WEC$", "Kerberos", "10.0.0.40", "50003", "0x100");
	netlogon("dc1.contoso.local", 3, "WEC$", "Kerberos", "10.0.0.40", "50004", "0x100");
	correlate(&a, 1, &n);
	h = hop_of(&a, "WEC$", "ws6", 1);
	CHECK(h && h->cls == HC_CLASS_COLLECTOR);
	hc_analysis_free(&a);
	reset();

	/* ... but a machine reaching two of five hosts is no collector */
	ev(4769, "dc1.contoso.local", -60, "TargetUserName", "FS1$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.0.0.41", "Status", "0x0", NULL);
	for (int i = 0; i < 3; i++)
		ev(4608,
		   i == 0   ? "ws5.contoso.local"
		   : i == 1 ? "ws6.contoso.local"
		            : "ws7.contoso.local",
		   -600, NULL);
	netlogon("ws5.contoso.local", 0, "FS1$", "Kerberos", "10.0.0.41", "50001", "0x100");
	netlogon("dc1.contoso.local", 3, "FS1$", "Kerberos", "10.0.0.41", "50004", "0x100");
	correlate(&a, 1, &n);
	h = hop_of(&a, "FS1$", "ws5", 0);
	CHECK(h && h->cls == HC_CLASS_MACHINE);
	hc_analysis_free(&a);
	reset();
}

/* Windows logs on to the DC with the user's account right after the
 * user's desktop logon (DOMAIN.md 6.5): lsass.exe on the source, or with
 * no connection record the timing, makes it the machine's; a user process
 * keeps it the user's. */
static void test_upkeep(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	ev(4769, "dc1.contoso.local", -60, "TargetUserName", "WS5$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.0.0.35", "Status", "0x0", NULL);
	conn("ws5.contoso.local", 0.9, OUT, "10.0.0.35", "49676", "10.0.0.5", "49674",
	     "\\device\\harddiskvolume2\\windows\\system32\\lsass.exe", "700");
	netlogon("dc1.contoso.local", 1, "alice", "Kerberos", "10.0.0.35", "49676", "0x100");
	conn(
	    "ws5.contoso.local", 20.9, OUT, "10.0.0.35", "49700", "10.0.0.5", "445",
	    "\\device\\harddiskvolume2\\windows\\system32\\WindowsPowerShell\\v1.0\\powershell.exe",
	    "3000");
	netlogon("dc1.contoso.local", 21, "alice", "Kerberos", "10.0.0.35", "49700", "0x101");
	correlate(&a, 1, &n);
	h = hop_of(&a, "alice", "dc1", 1);
	CHECK(h && h->cls == HC_CLASS_MACHINE);
	h = hop_of(&a, "alice", "dc1", 21);
	CHECK(h && h->cls == HC_CLASS_USER);
	hc_analysis_free(&a);
	reset();

	/* no connection records: just after alice's RDP logon on ws5 */
	ev(4769, "dc1.contoso.local", -60, "TargetUserName", "WS5$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.0.0.35", "Status", "0x0", NULL);
	ev(4624, "ws5.contoso.local", 0, "TargetUserSid", "S-1-5-21-9-9-9-1105", "TargetUserName",
	   "alice", "TargetDomainName", "CONTOSO", "TargetLogonId", "0x50", "LogonType", "10",
	   "AuthenticationPackageName", "Negotiate", "IpAddress", "1.2.3.4", NULL);
	netlogon("dc1.contoso.local", 1, "alice", "Kerberos", "10.0.0.35", "49676", "0x100");
	netlogon("dc1.contoso.local", 300, "alice", "Kerberos", "10.0.0.35", "49690", "0x101");
	correlate(&a, 1, &n);
	h = hop_of(&a, "alice", "dc1", 1);
	CHECK(h && h->cls == HC_CLASS_MACHINE);
	h = hop_of(&a, "alice", "dc1", 300);
	CHECK(h && h->cls == HC_CLASS_USER);
	CHECK_INT(n, 2); /* the RDP logon alone, and the user's hop to the DC alone */
	hc_analysis_free(&a);
	reset();
}

/* Anonymous logons: the machine's secure channel (an anonymous logon to a
 * DC followed by the source's machine account) is a null session even
 * while a user session is open on the source; the connection's process
 * pins a real second hop to its session (high); lsass behind the
 * connection makes it a null session; two sessions and no proof is at
 * most medium; no session at all is a null session. */
static void anonymous_setup(void)
{
	ev(4769, "dc1.contoso.local", -600, "TargetUserName", "SERVER1$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.21", "Status", "0x0", NULL);
	/* TestUser's WinRM session on server1, from client1 */
	ev(4769, "dc1.contoso.local", -601, "TargetUserName", "CLIENT1$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.11", "Status", "0x0", NULL);
	logon("server1.contoso.local", 0, "TestUser", "S-1-5-21-1-2-3-1104", "3", "Kerberos",
	      "10.0.0.11", "-", "0x3d7ff", "-", "%%1833");
}

static void test_anonymous(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	const struct hc_chain *c;
	size_t n;

	/* the secure channel: anonymous to dc1, then SERVER1$ from .21 */
	anonymous_setup();
	anon("dc1.contoso.local", 60, "10.0.0.21", "50100", "0x500");
	netlogon("dc1.contoso.local", 61, "SERVER1$", "Kerberos", "10.0.0.21", "50101", "0x501");
	correlate(&a, 2, &n);
	CHECK_INT(n, 0);
	h = hop_of(&a, "ANONYMOUS LOGON", "dc1", 60);
	CHECK(h && h->cls == HC_CLASS_NULL_SESSION);
	hc_analysis_free(&a);
	reset();

	/* without the machine account's logon: the user's second hop */
	anonymous_setup();
	anon("dc1.contoso.local", 60, "10.0.0.21", "50100", "0x500");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(c && c->nfindings && c->findings[0].severity == HC_SEV_HIGH); /* the only session */
	if (c && c->nhops == 2)
		CHECK_INT(a.links[c->links[0]].proof, HC_PROOF_UNIQUE);
	hc_analysis_free(&a);
	reset();

	/* the connection's process runs in TestUser's session: proven */
	anonymous_setup();
	logon("server1.contoso.local", 1, "alice", "S-1-5-21-1-2-3-1105", "3", "Kerberos",
	      "10.0.0.11", "-", "0x3d800", "-", "%%1833");
	ev_in(1, "Microsoft-Windows-Sysmon/Operational", "server1.contoso.local", 30, "ProcessGuid",
	      "{1}", "ProcessId", "4242", "Image", "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
	      "User", "CONTOSO\\TestUser", "LogonId", "0x3d7ff", NULL);
	ev_in(3, "Microsoft-Windows-Sysmon/Operational", "server1.contoso.local", 59.9,
	      "ProcessGuid", "{1}", "ProcessId", "4242", "Image",
	      "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "User", "CONTOSO\\TestUser", "Initiated",
	      "true", "SourceIp", "10.0.0.21", "SourcePort", "50100", "DestinationIp", "10.0.0.22",
	      "DestinationPort", "135", NULL);
	anon("server2.contoso.local", 60, "10.0.0.21", "50100", "0x500");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1); /* alice's session is not a candidate any more */
	if (c && c->nhops == 2) {
		CHECK_INT(a.links[c->links[0]].proof, HC_PROOF_CONNECTION);
		CHECK_STR(a.hops[c->hops[0]].ev->norm.target.name, "TestUser");
		CHECK_INT(a.hops[c->hops[1]].nparents, 1); /* alice's session is disproven */
		CHECK(c->nfindings && c->findings[0].severity == HC_SEV_HIGH);
	}
	hc_analysis_free(&a);
	reset();

	/* the same with lsass.exe behind the connection: a null session */
	anonymous_setup();
	conn("server1.contoso.local", 59.9, OUT, "10.0.0.21", "50100", "10.0.0.22", "445",
	     "\\device\\harddiskvolume2\\windows\\system32\\lsass.exe", "700");
	anon("server2.contoso.local", 60, "10.0.0.21", "50100", "0x500");
	correlate(&a, 2, &n);
	CHECK_INT(n, 0);
	h = hop_of(&a, "ANONYMOUS LOGON", "server2", 60);
	CHECK(h && h->cls == HC_CLASS_NULL_SESSION);
	hc_analysis_free(&a);
	reset();

	/* two sessions, no proof: linked to both, medium */
	anonymous_setup();
	logon("server1.contoso.local", 1, "alice", "S-1-5-21-1-2-3-1105", "3", "Kerberos",
	      "10.0.0.11", "-", "0x3d800", "-", "%%1833");
	anon("server2.contoso.local", 60, "10.0.0.21", "50100", "0x500");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 2);
	CHECK(c && c->nfindings && c->findings[0].severity == HC_SEV_MEDIUM);
	hc_analysis_free(&a);
	reset();

	/* an 8001 on server1 from TestUser's session naming server2 pins it */
	anonymous_setup();
	logon("server1.contoso.local", 1, "alice", "S-1-5-21-1-2-3-1105", "3", "Kerberos",
	      "10.0.0.11", "-", "0x3d800", "-", "%%1833");
	ev_in(8001, "Microsoft-Windows-NTLM/Operational", "server1.contoso.local", 59.9,
	      "TargetName", "cifs/server2", "UserName", "", "DomainName", "", "ClientLUID",
	      "0x3d7ff", "ClientUserName", "TestUser", "ClientDomainName", "CONTOSO", NULL);
	anon("server2.contoso.local", 60, "10.0.0.21", "50100", "0x500");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	if (c && c->nhops == 2)
		CHECK_INT(a.links[c->links[0]].proof, HC_PROOF_8001);
	hc_analysis_free(&a);
	reset();

	/* no session on the source at all: a null session, no chain */
	ev(4769, "dc1.contoso.local", -600, "TargetUserName", "NAS1$@CONTOSO.LOCAL", "ServiceName",
	   "DC1$", "IpAddress", "::ffff:10.0.0.60", "Status", "0x0", NULL);
	anon("server2.contoso.local", 60, "10.0.0.60", "50100", "0x500");
	correlate(&a, 1, &n);
	h = hop_of(&a, "ANONYMOUS LOGON", "server2", 60);
	CHECK(h && h->cls == HC_CLASS_NULL_SESSION);
	hc_analysis_free(&a);
	reset();
}

/* One act, several logons: repeats within a minute fold into the first;
 * another package, or a pause, starts a new hop. */
static void test_fold(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	netlogon("server2.contoso.local", 0, "alice", "Kerberos", "10.0.0.21", "50001", "0x100");
	netlogon("server2.contoso.local", 1, "alice", "Kerberos", "10.0.0.21", "50002", "0x101");
	netlogon("server2.contoso.local", 40, "alice", "Kerberos", "10.0.0.21", "50003", "0x102");
	netlogon("server2.contoso.local", 41, "alice", "NTLM", "10.0.0.21", "50004", "0x103");
	netlogon("server2.contoso.local", 200, "alice", "Kerberos", "10.0.0.21", "50005", "0x104");
	correlate(&a, 1, &n);
	CHECK_INT(n, 3);
	h = hop_of(&a, "alice", "server2", 0);
	CHECK(h && h->nrepeats == 2);
	h = hop_of(&a, "alice", "server2", 40);
	CHECK(h && h->repeat_of >= 0);
	h = hop_of(&a, "alice", "server2", 41);
	CHECK(h && h->repeat_of < 0 && h->nrepeats == 0);
	hc_analysis_free(&a);
	reset();
}

/* One source and account reaching five hosts within seconds: one fan-out
 * finding that names them; four hosts, or one per hour, are none. */
static void test_fanout(void)
{
	struct hc_analysis a;
	size_t n, fan = 0;
	const char *hosts[] = {"fs1", "fs2", "fs3", "fs4", "fs5", "fs6"};
	char host[64];

	for (int round = 0; round < 3; round++) {
		addresses();
		for (int i = 0; i < (round == 1 ? 4 : 6); i++) {
			snprintf(host, sizeof(host), "%s.contoso.local", hosts[i]);
			netlogon(host, round == 2 ? 3600.0 * i : i, "alice", "Kerberos",
			         "10.0.0.11", "50001", "0x100");
		}
		correlate(&a, 1, &n);
		fan = 0;
		for (size_t c = 0; c < a.nchains; c++)
			for (size_t k = 0; k < a.chains[c].nfindings; k++)
				if (strcmp(a.chains[c].findings[k].id, "fan-out") == 0) {
					fan++;
					CHECK(strstr(a.chains[c].findings[k].what,
					             "fs1, fs2, fs3, fs4, fs5, fs6") != NULL);
				}
		CHECK_INT(fan, round == 0 ? 1 : 0);
		hc_analysis_free(&a);
		reset();
	}
}

/* server2's clock runs 40 s ahead: the pairs (DC 4769 -> server2 4624,
 * several users) say so, and an anonymous logon 30 s after the session on
 * server1 ended by server2's clock, inside it by the reference clock,
 * links inside the session (not only through the skew). */
static void test_clock(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;
	int s2 = -1;

	struct hc_correlate_opts o = {.skew = 20 * HC_TICKS_PER_SEC,
	                              .session_window = 36000 * HC_TICKS_PER_SEC};

	anonymous_setup();
	ev(4634, "server1.contoso.local", 100, "TargetUserName", "TestUser", "TargetLogonId",
	   "0x3d7ff", "LogonType", "3", NULL);
	for (int i = 0; i < 5; i++) {
		char lid[16];
		snprintf(lid, sizeof(lid), "0x%x", 0x700 + i);
		ev(4769, "dc1.contoso.local", 1000 + 100 * i, "TargetUserName", "bob@CONTOSO.LOCAL",
		   "ServiceName", "SERVER2$", "IpAddress", "::ffff:10.0.0.11", "Status", "0x0",
		   NULL);
		netlogon("server2.contoso.local", 1000 + 100 * i + 40.1, "bob", "Kerberos",
		         "10.0.0.11", "50001", lid);
	}
	/* true time 90 s (inside the session), logged at 130 s */
	anon("server2.contoso.local", 130, "10.0.0.21", "50100", "0x500");
	CHECK_INT(hc_events_sort(&set), HC_OK);
	CHECK_INT(hc_correlate(&set, &o, &a), HC_OK);
	for (size_t i = 0; i < a.nhosts; i++)
		if (strcmp(a.hosts[i].name, "server2") == 0)
			s2 = (int)i;
	CHECK(s2 >= 0);
	if (s2 >= 0) {
		CHECK(a.hosts[s2].clock.applied);
		CHECK_INT(a.hosts[s2].clock.pairs, 5);
		CHECK(a.hosts[s2].clock.offset > 39 * HC_TICKS_PER_SEC &&
		      a.hosts[s2].clock.offset < 41 * HC_TICKS_PER_SEC);
	}
	c = NULL;
	for (size_t i = 0; i < a.nchains; i++)
		if (a.chains[i].nhops == 2)
			c = &a.chains[i];
	CHECK(c != NULL);
	if (c)
		CHECK(a.links[c->links[0]].confidence >= 0.6); /* inside the session */
	hc_analysis_free(&a);
	reset();

	/* one pair is no estimate */
	ev(4769, "dc1.contoso.local", 1000, "TargetUserName", "bob@CONTOSO.LOCAL", "ServiceName",
	   "SERVER2$", "IpAddress", "::ffff:10.0.0.11", "Status", "0x0", NULL);
	netlogon("server2.contoso.local", 1040.1, "bob", "Kerberos", "10.0.0.11", "50001", "0x700");
	correlate(&a, 1, &n);
	for (size_t i = 0; i < a.nhosts; i++)
		CHECK(!a.hosts[i].clock.applied);
	hc_analysis_free(&a);
	reset();
}

int main(void)
{
	test_own_connections();
	test_ticket_source();
	test_validation_and_listener();
	test_machine_classes();
	test_upkeep();
	test_anonymous();
	test_fold();
	test_fanout();
	test_clock();
	return hc_test_result();
}

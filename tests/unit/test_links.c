/* Unit tests of the link rules (engine/links.c, chains.c, clock.c): which
 * session on its source a hop continues, with what confidence and proof,
 * which candidates are disproven, which links chains follow, and when a
 * clock offset is applied; each with the event set where the rule applies
 * and the nearest one where it must not. The inventory of rules and tests
 * opens test_findings.c. */
#include "corr_fixture.h"

#define ALICE "S-1-5-21-1-2-3-1105"
#define TESTUSER "S-1-5-21-1-2-3-1104"

/* HC_MAX_WITNESS_SCAN of the engine's private correlate_int.h */
#define WITNESS_SCAN 256

static bool near(double x, double want)
{
	return x - want < 1e-9 && want - x < 1e-9;
}

/* TestUser's first hop client1 -> server1 at `sec` (logon id `lid`), after
 * addresses(). */
static void first_hop(double sec, const char *type, const char *pkg, const char *lid)
{
	logon("server1.contoso.local", sec, "TestUser", TESTUSER, type, pkg, "10.0.0.11", "-", lid,
	      "-", "%%1833");
}

/* `user`'s Kerberos hop server1 -> server2 at `sec`. */
static void second_hop(double sec, const char *user, const char *sid)
{
	logon("server2.contoso.local", sec, user, sid, "3", "Kerberos", "10.0.0.21", "-", "0x200",
	      "-", "%%1833");
}

/* The best link into TestUser's hop to server2 at `sec`, or NULL. */
static const struct hc_link *link_into(const struct hc_analysis *a, const char *user, double sec)
{
	return best_link(a, hop_of(a, user, "server2", sec));
}

/* server2 at .22, server3 at .23 (their machine accounts' tickets). */
static void more_addresses(void)
{
	ev(4769, "dc1.contoso.local", -58, "TargetUserName", "SERVER2$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.22", "Status", "0x0", NULL);
	ev(4769, "dc1.contoso.local", -57, "TargetUserName", "SERVER3$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.23", "Status", "0x0", NULL);
}

/* TestUser's hop into `dst` at `sec` from address `ip`. */
static void hop_from(const char *dst, double sec, const char *ip, const char *lid)
{
	logon(dst, sec, "TestUser", TESTUSER, "3", "Kerberos", ip, "-", lid, "-", "%%1833");
}

/* ------------------------------------------------------------------ */
/* the account and the loop                                             */

static void test_link_same_account_scores(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	size_t n;

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	second_hop(60, "TestUser", TESTUSER);
	correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	l = link_into(&a, "TestUser", 60);
	CHECK(l != NULL);
	if (l) {
		CHECK(&a.hops[l->parent] == hop_of(&a, "TestUser", "server1", 0));
		CHECK(near(l->confidence, 0.7)); /* base 0.5, same account 0.2 */
		CHECK_INT(l->proof, HC_PROOF_UNIQUE);
		CHECK(l->account_match && !l->via_4648 && !l->restricted_admin && !l->ambiguous);
		CHECK_INT(l->gap, 60 * HC_TICKS_PER_SEC);
	}
	hc_analysis_free(&a);
	reset();
}

/* alice moving on from server1 does not continue TestUser's session. */
static void test_link_other_account_rejected(void)
{
	struct hc_analysis a;
	size_t n;

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	second_hop(60, "alice", ALICE);
	correlate(&a, 2, &n);
	CHECK_INT(n, 0);
	CHECK_NULL(link_into(&a, "alice", 60));
	hc_analysis_free(&a);
	reset();
}

/* From server1 back to client1, where the session came from: no link. */
static void test_link_loop_rejected(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	logon("client1.contoso.local", 60, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.21", "-",
	      "0x200", "-", "%%1833");
	correlate(&a, 2, &n);
	h = hop_of(&a, "TestUser", "client1", 60);
	CHECK_STR(src_name(&a, h), "server1");
	CHECK(h && h->nparents == 0);
	CHECK_INT(n, 0);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* the session window                                                   */

/* TestUser's session on server1 ends at 10 s (4634); a hop within the
 * skew (300 s) after still links, weaker; later it does not. */
static void test_link_window_boundary(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	size_t n;

	for (int late = 0; late < 2; late++) {
		addresses();
		first_hop(0, "3", "Kerberos", "0x100");
		ev(4634, "server1.contoso.local", 10, "TargetUserName", "TestUser", "TargetLogonId",
		   "0x100", "LogonType", "3", NULL);
		second_hop(late ? 311 : 310, "TestUser", TESTUSER);
		correlate(&a, 2, &n);
		l = link_into(&a, "TestUser", late ? 311 : 310);
		if (late) {
			CHECK_NULL(l);
		} else {
			CHECK(l != NULL);
			CHECK(l && near(l->confidence, 0.6)); /* in the skew only: -0.1 */
		}
		hc_analysis_free(&a);
		reset();
	}
}

/* A hop logged up to the skew before the session began (clocks differ)
 * links, weaker; further before it does not. */
static void test_link_before_start(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	size_t n;

	for (int early = 0; early < 2; early++) {
		addresses();
		first_hop(400, "3", "Kerberos", "0x100");
		second_hop(early ? 99 : 100, "TestUser", TESTUSER);
		correlate(&a, 2, &n);
		l = link_into(&a, "TestUser", early ? 99 : 100);
		if (early) {
			CHECK_NULL(l);
		} else {
			CHECK(l != NULL);
			CHECK(l && near(l->confidence, 0.6));
		}
		hc_analysis_free(&a);
		reset();
	}
}

/* A reboot of server1 ends every session on it. */
static void test_link_across_reboot(void)
{
	struct hc_analysis a;
	size_t n;

	for (int reboot = 0; reboot < 2; reboot++) {
		addresses();
		first_hop(0, "3", "Kerberos", "0x100");
		if (reboot)
			ev(4608, "server1.contoso.local", 1000, NULL);
		second_hop(2000, "TestUser", TESTUSER);
		correlate(&a, 2, &n);
		CHECK_INT(n, reboot ? 0 : 1);
		CHECK(reboot ? !link_into(&a, "TestUser", 2000)
		             : link_into(&a, "TestUser", 2000) != NULL);
		hc_analysis_free(&a);
		reset();
	}
}

/* TestUser reached server1 at 0 s (logoff at 10 s) and again at 5 s (one
 * act; the repeat's session ends at `end`); the onward hop at 1000 s
 * continues the act while the repeat's session is open. */
static void test_link_repeat_session_extends_window(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	size_t n;

	for (int closed = 0; closed < 2; closed++) {
		addresses();
		first_hop(0, "3", "Kerberos", "0x100");
		ev(4634, "server1.contoso.local", 10, "TargetUserName", "TestUser", "TargetLogonId",
		   "0x100", "LogonType", "3", NULL);
		first_hop(5, "3", "Kerberos", "0x101");
		if (closed)
			ev(4634, "server1.contoso.local", 15, "TargetUserName", "TestUser",
			   "TargetLogonId", "0x101", "LogonType", "3", NULL);
		second_hop(1000, "TestUser", TESTUSER);
		correlate(&a, 2, &n);
		CHECK_INT(n, closed ? 0 : 1);
		l = link_into(&a, "TestUser", 1000);
		if (closed) {
			CHECK_NULL(l);
		} else {
			CHECK(l && &a.hops[l->parent] == hop_of(&a, "TestUser", "server1", 0));
			CHECK(l && near(l->confidence, 0.7));
		}
		hc_analysis_free(&a);
		reset();
	}
}

/* A session open past the window (logoff at 40000 s): the onward hop at
 * 39000 s continues it only when a 4648 from the session (the first
 * logon's, or its repeat's) names it; without one, the search looks back
 * no further than the window and the skew. */
static void test_link_proven_session_beyond_window(void)
{
	static const char *from[] = {"0x100", "0x101", NULL};
	struct hc_analysis a;
	const struct hc_link *l;
	size_t n;

	for (size_t i = 0; i < 3; i++) {
		addresses();
		first_hop(0, "3", "Kerberos", "0x100");
		first_hop(5, "3", "Kerberos", "0x101");
		ev(4634, "server1.contoso.local", 40000, "TargetUserName", "TestUser",
		   "TargetLogonId", from[i] ? from[i] : "0x100", "LogonType", "3", NULL);
		if (from[i])
			ev(4648, "server1.contoso.local", 38999.9, "SubjectUserName", "TestUser",
			   "SubjectDomainName", "CONTOSO", "SubjectLogonId", from[i],
			   "TargetUserName", "TestUser", "TargetDomainName", "CONTOSO",
			   "TargetServerName", "server2.contoso.local", NULL);
		second_hop(39000, "TestUser", TESTUSER);
		correlate(&a, 2, &n);
		l = link_into(&a, "TestUser", 39000);
		if (from[i]) {
			CHECK_INT(n, 1);
			CHECK(l && &a.hops[l->parent] == hop_of(&a, "TestUser", "server1", 0));
			CHECK(l && l->proof == HC_PROOF_4648 && near(l->confidence, 1.0));
		} else {
			CHECK_INT(n, 0);
			CHECK_NULL(l);
		}
		hc_analysis_free(&a);
		reset();
	}
}

/* Only the HC_MAX_WITNESS_SCAN nearest of TestUser's sessions on server1
 * are scored: the RDP session (0.75) older than 256 network ones (0.7)
 * is not looked at. */
static void test_link_scan_capped(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	size_t n;
	const double t = 100.0 * (WITNESS_SCAN + 1);

	addresses();
	first_hop(0, "10", "Negotiate", "0x100");
	for (int i = 1; i <= WITNESS_SCAN; i++) {
		char lid[16];
		snprintf(lid, sizeof(lid), "0x%x", 0x100 + i);
		first_hop(100 * i, "3", "Kerberos", lid);
	}
	second_hop(t, "TestUser", TESTUSER);
	correlate(&a, 2, &n);
	l = link_into(&a, "TestUser", t);
	CHECK(l && near(l->confidence, 0.7));
	CHECK(l && &a.hops[l->parent] == hop_of(&a, "TestUser", "server1", t - 100));
	hc_analysis_free(&a);
	reset();
}

/* Nine of TestUser's sessions on server1 could explain the onward hop:
 * the eight nearest are kept. */
static void test_link_candidates_capped(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	for (int i = 0; i < HC_MAX_CANDIDATES + 1; i++) {
		char lid[16];
		snprintf(lid, sizeof(lid), "0x%x", 0x100 + i);
		first_hop(100 * i, "3", "Kerberos", lid);
	}
	second_hop(100 * (HC_MAX_CANDIDATES + 1), "TestUser", TESTUSER);
	correlate(&a, 2, &n);
	h = hop_of(&a, "TestUser", "server2", 100 * (HC_MAX_CANDIDATES + 1));
	CHECK(h && h->nparents == HC_MAX_CANDIDATES);
	for (size_t k = 0; h && k < h->nparents; k++)
		CHECK(&a.hops[a.links[h->parents[k]].parent] !=
		      hop_of(&a, "TestUser", "server1", 0)); /* the farthest dropped */
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* which hops can be parents or children                                */

/* A failed logon opens no session; an anonymous one holds no credentials
 * to move on with. */
static void test_link_parent_failed_or_anonymous_rejected(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	ev(4625, "server1.contoso.local", 0, "TargetUserSid", "S-1-0-0", "TargetUserName",
	   "TestUser", "TargetDomainName", "CONTOSO", "Status", "0xc000006d", "SubStatus",
	   "0xc000006a", "LogonType", "3", "AuthenticationPackageName", "Kerberos", "IpAddress",
	   "10.0.0.11", NULL);
	second_hop(60, "TestUser", TESTUSER);
	correlate(&a, 2, &n);
	CHECK_INT(n, 0);
	CHECK_NULL(link_into(&a, "TestUser", 60));
	hc_analysis_free(&a);
	reset();

	addresses();
	anon("server1.contoso.local", 0, "10.0.0.11", "50000", "0x100");
	anon("server2.contoso.local", 60, "10.0.0.21", "50001", "0x200");
	correlate(&a, 2, &n);
	CHECK_INT(n, 0);
	h = hop_of(&a, "ANONYMOUS LOGON", "server2", 60);
	CHECK(h && h->nparents == 0 && h->cls == HC_CLASS_NULL_SESSION);
	hc_analysis_free(&a);
	reset();
}

/* client1's machine account on server1 is no user's session: an anonymous
 * logon from server1 after it continues nothing. */
static void test_link_machine_parent_rejected(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	logon("server1.contoso.local", 0, "CLIENT1$", "S-1-5-21-1-2-3-1300", "3", "Kerberos",
	      "10.0.0.11", "-", "0x100", "-", "%%1833");
	anon("server2.contoso.local", 60, "10.0.0.21", "50001", "0x200");
	correlate(&a, 2, &n);
	h = hop_of(&a, "CLIENT1$", "server1", 0);
	CHECK(h && h->cls == HC_CLASS_MACHINE);
	h = hop_of(&a, "ANONYMOUS LOGON", "server2", 60);
	CHECK(h && h->nparents == 0 && h->cls == HC_CLASS_NULL_SESSION);
	CHECK_INT(n, 0);
	hc_analysis_free(&a);
	reset();
}

/* TestUser reached server1 twice in 5 s (one act): the first logon is the
 * one candidate, its repeat is not a second one. */
static void test_link_repeat_parent_rejected(void)
{
	struct hc_analysis a;
	const struct hc_hop *h, *first;
	size_t n;

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	first_hop(5, "3", "Kerberos", "0x101");
	second_hop(60, "TestUser", TESTUSER);
	correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	first = hop_of(&a, "TestUser", "server1", 0);
	CHECK(first && first->nrepeats == 1);
	h = hop_of(&a, "TestUser", "server2", 60);
	CHECK(h && h->nparents == 1);
	CHECK(best_link(&a, h) && &a.hops[best_link(&a, h)->parent] == first);
	hc_analysis_free(&a);
	reset();
}

/* A repeat of the onward hop is folded into it: it gets no link and
 * starts no chain of its own. */
static void test_link_repeat_child_not_linked(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	second_hop(60, "TestUser", TESTUSER);
	logon("server2.contoso.local", 65, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.21", "-",
	      "0x201", "-", "%%1833");
	correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	h = hop_of(&a, "TestUser", "server2", 65);
	CHECK(h && h->repeat_of >= 0 && h->nparents == 0);
	CHECK_INT(a.nlinks, 1);
	CHECK_INT(a.nchains, 1);
	hc_analysis_free(&a);
	reset();
}

/* The CredSSP twin (type 3 beside type 8) is absorbed: as a session on
 * server1 it is no second candidate; as a hop into server2 it gets no
 * link and starts no chain. */
static void test_link_credssp_twin_absorbed(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	first_hop(0.5, "8", "Negotiate", "0x101");
	second_hop(60, "TestUser", TESTUSER);
	correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(hop_of(&a, "TestUser", "server1", 0) &&
	      hop_of(&a, "TestUser", "server1", 0)->absorbed);
	h = hop_of(&a, "TestUser", "server2", 60);
	CHECK(h && h->nparents == 1);
	CHECK(best_link(&a, h) &&
	      &a.hops[best_link(&a, h)->parent] == hop_of(&a, "TestUser", "server1", 0.5));
	CHECK_INT(a.nchains, 1);
	hc_analysis_free(&a);
	reset();

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	second_hop(60, "TestUser", TESTUSER);
	logon("server2.contoso.local", 60.5, "TestUser", TESTUSER, "8", "Negotiate", "10.0.0.21",
	      "-", "0x201", "-", "%%1833");
	correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	h = hop_of(&a, "TestUser", "server2", 60);
	CHECK(h && h->absorbed && h->nparents == 0);
	CHECK_INT(a.nlinks, 1);
	CHECK_INT(a.nchains, 1);
	hc_analysis_free(&a);
	reset();
}

/* An 8001 naming server2 from CLIENT1$'s session on server1 pins the
 * anonymous logon there to a machine's session: that session is no
 * candidate (the link, if any, is to a user's session, unproven). */
static void test_link_proven_machine_session_rejected(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	logon("server1.contoso.local", 0, "CLIENT1$", "S-1-5-21-1-2-3-1300", "3", "Kerberos",
	      "10.0.0.11", "-", "0x100", "-", "%%1833");
	first_hop(10, "3", "Kerberos", "0x101");
	ev_in(8001, "Microsoft-Windows-NTLM/Operational", "server1.contoso.local", 59.9,
	      "TargetName", "cifs/server2", "UserName", "", "DomainName", "", "ClientLUID", "0x100",
	      "ClientUserName", "CLIENT1$", "ClientDomainName", "CONTOSO", NULL);
	anon("server2.contoso.local", 60, "10.0.0.21", "50100", "0x500");
	correlate(&a, 2, &n);
	h = hop_of(&a, "ANONYMOUS LOGON", "server2", 60);
	CHECK(h && h->src_proof == HC_PROOF_8001);
	for (size_t k = 0; h && k < h->nparents; k++) {
		const struct hc_link *l = &a.links[h->parents[k]];
		CHECK(&a.hops[l->parent] != hop_of(&a, "CLIENT1$", "server1", 0));
		CHECK(l->proof != HC_PROOF_8001);
	}
	hc_analysis_free(&a);
	reset();
}

/* A hop into server9 (no log) known only by TestUser's 4648 on client1;
 * the 4648 also carries a logon's LogonType 10 and RestrictedAdminMode
 * Yes (hostile input: a 4648 has neither). The logon type and the mode
 * are read from a 4624 only: TestUser's onward hop from server9 scores
 * 0.7 (no reusable credentials), SERVER9$'s is no Restricted Admin hop. */
static void test_link_logon_fields_only_from_4624(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	const struct hc_hop *h;
	size_t n;

	for (int machine = 0; machine < 2; machine++) {
		ev(4769, "dc1.contoso.local", -58, "TargetUserName", "SERVER9$@CONTOSO.LOCAL",
		   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.29", "Status", "0x0", NULL);
		ev(4624, "client1.contoso.local", -10, "TargetUserSid", TESTUSER, "TargetUserName",
		   "TestUser", "TargetDomainName", "CONTOSO", "TargetLogonId", "0x3c0be",
		   "LogonType", "2", NULL);
		ev(4648, "client1.contoso.local", 0, "SubjectUserName", "TestUser",
		   "SubjectDomainName", "CONTOSO", "SubjectLogonId", "0x3c0be", "TargetUserName",
		   "TestUser", "TargetDomainName", "CONTOSO", "TargetServerName",
		   "server9.contoso.local", "LogonType", "10", "RestrictedAdminMode", "%%1842",
		   NULL);
		if (machine)
			logon("server2.contoso.local", 60, "SERVER9$", "S-1-5-21-1-2-3-1309", "3",
			      "Kerberos", "10.0.0.29", "-", "0x200", "-", "%%1833");
		else
			logon("server2.contoso.local", 60, "TestUser", TESTUSER, "3", "Kerberos",
			      "10.0.0.29", "-", "0x200", "-", "%%1833");
		correlate(&a, 2, &n);
		h = hop_of(&a, "TestUser", "server9", 0);
		CHECK(h && h->ev->event_id == 4648);
		h = hop_of(&a, machine ? "SERVER9$" : "TestUser", "server2", 60);
		CHECK_STR(src_name(&a, h), "server9");
		l = best_link(&a, h);
		if (machine) {
			CHECK(h && h->cls == HC_CLASS_MACHINE);
			CHECK_NULL(l);
		} else {
			CHECK(l && near(l->confidence, 0.7));
		}
		hc_analysis_free(&a);
		reset();
	}
}

/* ------------------------------------------------------------------ */
/* the confidence weights                                               */

/* An RDP session holds reusable credentials: the best explanation of an
 * authenticated onward hop (+0.05). */
static void test_link_reusable_parent_scores(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	size_t n;

	addresses();
	first_hop(0, "10", "Negotiate", "0x100");
	second_hop(60, "TestUser", TESTUSER);
	correlate(&a, 2, &n);
	l = link_into(&a, "TestUser", 60);
	CHECK(l && near(l->confidence, 0.75));
	hc_analysis_free(&a);
	reset();
}

/* An anonymous hop out of a user's session: 0.6, reusable credentials or
 * not (they did not travel). */
static void test_link_anonymous_scores(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	size_t n;

	for (int rdp = 0; rdp < 2; rdp++) {
		addresses();
		first_hop(0, rdp ? "10" : "3", rdp ? "Negotiate" : "Kerberos", "0x100");
		anon("server2.contoso.local", 60, "10.0.0.21", "50001", "0x200");
		correlate(&a, 2, &n);
		l = link_into(&a, "ANONYMOUS LOGON", 60);
		CHECK(l && near(l->confidence, 0.6));
		CHECK(l && !l->account_match);
		hc_analysis_free(&a);
		reset();
	}
}

/* The source named only by the client's own WorkstationName: -0.1. */
static void test_link_workstation_source_scores(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	ev(4624, "server2.contoso.local", 60, "TargetUserSid", TESTUSER, "TargetUserName",
	   "TestUser", "TargetDomainName", "CONTOSO", "TargetLogonId", "0x200", "LogonType", "3",
	   "AuthenticationPackageName", "NTLM", "WorkstationName", "SERVER1", "IpAddress", "-",
	   NULL);
	correlate(&a, 2, &n);
	h = hop_of(&a, "TestUser", "server2", 60);
	CHECK(h && h->src_how == HC_SRC_WORKSTATION);
	CHECK(best_link(&a, h) && near(best_link(&a, h)->confidence, 0.6));
	hc_analysis_free(&a);
	reset();
}

/* An RDP session proven by a 4648: 0.5 + 0.2 + 0.3 + 0.05, capped at 1. */
static void test_link_confidence_capped(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	size_t n;

	addresses();
	first_hop(0, "10", "Negotiate", "0x100");
	ev(4648, "server1.contoso.local", 59.9, "SubjectUserName", "TestUser", "SubjectDomainName",
	   "CONTOSO", "SubjectLogonId", "0x100", "TargetUserName", "TestUser", "TargetDomainName",
	   "CONTOSO", "TargetServerName", "server2.contoso.local", NULL);
	second_hop(60, "TestUser", TESTUSER);
	correlate(&a, 2, &n);
	l = link_into(&a, "TestUser", 60);
	CHECK(l && l->proof == HC_PROOF_4648);
	CHECK(l && l->confidence == 1.0);
	hc_analysis_free(&a);
	reset();
}

/* Two sessions 0.1 apart (one continued only within the skew): the
 * better leads and the link is not ambiguous; the chain follows it. */
static void test_link_clear_winner_not_ambiguous(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	ev(4634, "server1.contoso.local", 10, "TargetUserName", "TestUser", "TargetLogonId",
	   "0x100", "LogonType", "3", NULL);
	first_hop(100, "3", "Kerberos", "0x101");
	second_hop(200, "TestUser", TESTUSER);
	correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	h = hop_of(&a, "TestUser", "server2", 200);
	CHECK(h && h->nparents == 2);
	if (h && h->nparents == 2) {
		CHECK(near(a.links[h->parents[0]].confidence, 0.7));
		CHECK(near(a.links[h->parents[1]].confidence, 0.6));
		CHECK(!a.links[h->parents[0]].ambiguous);
	}
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* proofs and disproven candidates                                      */

/* TestUser has two sessions on server1 (0 s, 100 s); a 4648 on server1
 * from the session `lid` names server2 just before the hop at 200 s. */
static void explicit_case(const char *lid)
{
	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	first_hop(100, "3", "Kerberos", "0x101");
	logon("server1.contoso.local", 120, "alice", ALICE, "3", "Kerberos", "10.0.0.11", "-",
	      "0x102", "-", "%%1833");
	ev(4648, "server1.contoso.local", 199.9, "SubjectUserName", "TestUser", "SubjectDomainName",
	   "CONTOSO", "SubjectLogonId", lid, "TargetUserName", "TestUser", "TargetDomainName",
	   "CONTOSO", "TargetServerName", "server2.contoso.local", NULL);
	second_hop(200, "TestUser", TESTUSER);
}

/* The 4648 proves the older session (1.0) and disproves the newer. */
static void test_link_4648_proof(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	const struct hc_link *l;
	size_t n;

	explicit_case("0x100");
	correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	h = hop_of(&a, "TestUser", "server2", 200);
	CHECK(h && h->nparents == 1);
	l = best_link(&a, h);
	CHECK(l && &a.hops[l->parent] == hop_of(&a, "TestUser", "server1", 0));
	CHECK(l && near(l->confidence, 1.0)); /* 0.7 + proven 0.3 */
	CHECK(l && l->proof == HC_PROOF_4648 && l->via_4648 && !l->ambiguous);
	hc_analysis_free(&a);
	reset();
}

/* A 4648 from alice's session (explicit credentials typed there) proves
 * neither of TestUser's: both stay, the nearer first, ambiguous. */
static void test_link_4648_other_session(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	const struct hc_link *l;
	size_t n;

	explicit_case("0x102");
	correlate(&a, 2, &n);
	CHECK_INT(n, 2);
	h = hop_of(&a, "TestUser", "server2", 200);
	CHECK(h && h->nparents == 2);
	l = best_link(&a, h);
	CHECK(l && &a.hops[l->parent] == hop_of(&a, "TestUser", "server1", 100));
	CHECK(l && near(l->confidence, 0.7) && l->proof == HC_PROOF_NONE && l->ambiguous);
	hc_analysis_free(&a);
	reset();
}

/* A 4648 from the repeat's session proves the act (the first logon). */
static void test_link_4648_from_repeat_session(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	size_t n;

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	first_hop(5, "3", "Kerberos", "0x101");
	first_hop(100, "3", "Kerberos", "0x102");
	ev(4648, "server1.contoso.local", 199.9, "SubjectUserName", "TestUser", "SubjectDomainName",
	   "CONTOSO", "SubjectLogonId", "0x101", "TargetUserName", "TestUser", "TargetDomainName",
	   "CONTOSO", "TargetServerName", "server2.contoso.local", NULL);
	second_hop(200, "TestUser", TESTUSER);
	correlate(&a, 2, &n);
	l = link_into(&a, "TestUser", 200);
	CHECK(l && &a.hops[l->parent] == hop_of(&a, "TestUser", "server1", 0));
	CHECK(l && l->proof == HC_PROOF_4648 && near(l->confidence, 1.0));
	CHECK(hop_of(&a, "TestUser", "server2", 200) &&
	      hop_of(&a, "TestUser", "server2", 200)->nparents == 1);
	hc_analysis_free(&a);
	reset();
}

/* An 8001 from TestUser's older session naming server2 proves it for the
 * anonymous logon there (not a 4648) and disproves the newer one. */
static void test_link_8001_proof(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	const struct hc_hop *h;
	size_t n;

	addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	first_hop(100, "3", "Kerberos", "0x101");
	ev_in(8001, "Microsoft-Windows-NTLM/Operational", "server1.contoso.local", 199.9,
	      "TargetName", "cifs/server2", "UserName", "", "DomainName", "", "ClientLUID", "0x100",
	      "ClientUserName", "TestUser", "ClientDomainName", "CONTOSO", NULL);
	anon("server2.contoso.local", 200, "10.0.0.21", "50100", "0x500");
	correlate(&a, 2, &n);
	h = hop_of(&a, "ANONYMOUS LOGON", "server2", 200);
	CHECK(h && h->src_proof == HC_PROOF_8001 && h->nparents == 1);
	l = best_link(&a, h);
	CHECK(l && &a.hops[l->parent] == hop_of(&a, "TestUser", "server1", 0));
	CHECK(l && l->proof == HC_PROOF_8001 && !l->via_4648 && near(l->confidence, 0.9));
	hc_analysis_free(&a);
	reset();
}

/* An 8001 from TestUser's session naming server3 says nothing of the
 * anonymous logon on server2: two sessions, no proof, medium. */
static void test_link_8001_other_target(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	ev(4769, "dc1.contoso.local", -58, "TargetUserName", "SERVER3$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.23", "Status", "0x0", NULL);
	first_hop(0, "3", "Kerberos", "0x100");
	logon("server1.contoso.local", 1, "alice", ALICE, "3", "Kerberos", "10.0.0.11", "-",
	      "0x101", "-", "%%1833");
	ev_in(8001, "Microsoft-Windows-NTLM/Operational", "server1.contoso.local", 59.9,
	      "TargetName", "cifs/server3", "UserName", "", "DomainName", "", "ClientLUID", "0x100",
	      "ClientUserName", "TestUser", "ClientDomainName", "CONTOSO", NULL);
	anon("server2.contoso.local", 60, "10.0.0.21", "50100", "0x500");
	correlate(&a, 2, &n);
	CHECK_INT(n, 2);
	h = hop_of(&a, "ANONYMOUS LOGON", "server2", 60);
	CHECK(h && h->src_proof == HC_PROOF_NONE && h->nparents == 2);
	CHECK(!cites(h, HC_ROLE_NTLM_OUT));
	CHECK_INT(count_findings(&a, "anonymous-second-hop"), 2);
	for (size_t i = 0; i < a.nchains; i++)
		if (a.chains[i].nfindings)
			CHECK_INT(a.chains[i].findings[0].severity, HC_SEV_MEDIUM);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* Restricted Admin (DOMAIN.md 6.5)                                     */

/* TestUser's RDP session on server1 (type `type`, RestrictedAdminMode
 * `mode`), then `machine` (SID `sid`; logon `id`: 4624 or 4625) from
 * server1 into `dst` at 60 s. */
static void ra_case(const char *type, const char *mode, uint32_t id, const char *dst,
                    const char *machine, const char *sid)
{
	addresses();
	ev(4769, "dc1.contoso.local", -58, "TargetUserName", "SERVER2$@CONTOSO.LOCAL",
	   "ServiceName", "DC1$", "IpAddress", "::ffff:10.0.0.22", "Status", "0x0", NULL);
	ev(4624, "server1.contoso.local", 0, "SubjectUserSid", "S-1-5-18", "TargetUserSid",
	   TESTUSER, "TargetUserName", "TestUser", "TargetDomainName", "CONTOSO", "TargetLogonId",
	   "0x100", "LogonType", type, "AuthenticationPackageName", "Negotiate", "IpAddress",
	   "10.0.0.11", "RestrictedAdminMode", mode, NULL);
	ev(id, dst, 60, "SubjectUserSid", "S-1-0-0", "TargetUserSid", sid, "TargetUserName",
	   machine, "TargetDomainName", strcmp(sid, "S-1-5-20") == 0 ? "NT AUTHORITY" : "CONTOSO",
	   "TargetLogonId", "0x200", "LogonType", "3", "AuthenticationPackageName", "Kerberos",
	   "IpAddress", "10.0.0.21", "Status", "0xc000006d", "SubStatus", "0xc000006a", NULL);
}

/* The machine account leaving a Restricted Admin session continues it:
 * 0.6 (base, no account match, no reusable credentials), marked. */
static void test_link_restricted_admin(void)
{
	struct hc_analysis a;
	const struct hc_link *l;
	const struct hc_hop *h;
	size_t n;

	ra_case("10", "%%1842", 4624, "server2.contoso.local", "SERVER1$", "S-1-5-21-1-2-3-1301");
	correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	h = hop_of(&a, "SERVER1$", "server2", 60);
	CHECK(h && h->cls == HC_CLASS_USER && h->nparents == 1); /* the user's hop now */
	l = best_link(&a, h);
	CHECK(l && &a.hops[l->parent] == hop_of(&a, "TestUser", "server1", 0));
	CHECK(l && near(l->confidence, 0.6));
	CHECK(l && l->restricted_admin && !l->account_match && l->proof == HC_PROOF_UNIQUE);
	hc_analysis_free(&a);
	reset();
}

/* Not linked: RestrictedAdminMode No, a type 3 session flagged Yes,
 * another host's machine account (a user's hop, of another account), a
 * service identity (the machine's, but not its account), a logon into the
 * DC (the machine's upkeep), a failed logon. */
static void test_link_restricted_admin_rejected(void)
{
	static const struct {
		const char *type, *mode;
		uint32_t id;
		const char *dst, *dst_short, *machine, *sid;
		enum hc_hop_class cls;
	} no[] = {
	    {"10", "%%1843", 4624, "server2.contoso.local", "server2", "SERVER1$",
	     "S-1-5-21-1-2-3-1301", HC_CLASS_MACHINE},
	    {"3", "%%1842", 4624, "server2.contoso.local", "server2", "SERVER1$",
	     "S-1-5-21-1-2-3-1301", HC_CLASS_MACHINE},
	    {"10", "%%1842", 4624, "server2.contoso.local", "server2", "SERVER9$",
	     "S-1-5-21-1-2-3-1309", HC_CLASS_USER},
	    {"10", "%%1842", 4624, "server2.contoso.local", "server2", "NETWORK SERVICE",
	     "S-1-5-20", HC_CLASS_MACHINE},
	    {"10", "%%1842", 4624, "dc1.contoso.local", "dc1", "SERVER1$", "S-1-5-21-1-2-3-1301",
	     HC_CLASS_MACHINE},
	    {"10", "%%1842", 4625, "server2.contoso.local", "server2", "SERVER1$",
	     "S-1-5-21-1-2-3-1301", HC_CLASS_MACHINE},
	};
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		ra_case(no[i].type, no[i].mode, no[i].id, no[i].dst, no[i].machine, no[i].sid);
		correlate(&a, 2, &n);
		CHECK_INT(n, 0);
		h = hop_of(&a, no[i].machine, no[i].dst_short, 60);
		CHECK(h != NULL);
		CHECK(h && h->cls == no[i].cls && h->nparents == 0);
		CHECK_INT(a.nlinks, 0);
		hc_analysis_free(&a);
		reset();
	}
}

/* server1 is the event collector (SERVER1$ reaches three of the five
 * hosts with a log): its logons are its own business, even while a
 * Restricted Admin session is open there. */
static void test_link_restricted_admin_collector_rejected(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	ra_case("10", "%%1842", 4624, "server2.contoso.local", "SERVER1$", "S-1-5-21-1-2-3-1301");
	logon("server3.contoso.local", 61, "SERVER1$", "S-1-5-21-1-2-3-1301", "3", "Kerberos",
	      "10.0.0.21", "-", "0x300", "-", "%%1833");
	logon("server4.contoso.local", 62, "SERVER1$", "S-1-5-21-1-2-3-1301", "3", "Kerberos",
	      "10.0.0.21", "-", "0x400", "-", "%%1833");
	correlate(&a, 2, &n);
	CHECK(host_index(&a, "server1") >= 0 && a.hosts[host_index(&a, "server1")].collector);
	h = hop_of(&a, "SERVER1$", "server2", 60);
	CHECK(h && h->cls == HC_CLASS_COLLECTOR && h->nparents == 0);
	CHECK_INT(a.nlinks, 0);
	CHECK_INT(n, 0);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* chains                                                               */

/* TestUser's RDP session (0.75) explains the onward hop better than the
 * network session (0.7): the chain follows the RDP one; the weaker
 * candidate stays listed on the hop. */
static void test_chain_follows_best_candidate(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	const struct hc_hop *h;
	size_t n;

	addresses();
	first_hop(0, "10", "Negotiate", "0x100");
	first_hop(100, "3", "Kerberos", "0x101");
	second_hop(200, "TestUser", TESTUSER);
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(c && &a.hops[c->hops[0]] == hop_of(&a, "TestUser", "server1", 0));
	h = hop_of(&a, "TestUser", "server2", 200);
	CHECK(h && h->nparents == 2);
	CHECK_INT(a.nchains, 2); /* and the network session alone */
	hc_analysis_free(&a);
	reset();
}

/* TestUser from client1 to server1, then on to server2, server3 and
 * server4 (a chain of four), and from server1 to server5 (a branch);
 * alice's later hop to server1 is a chain of one. Chains are ordered by
 * start, the longer first, and span their first and last hop. */
static void test_chain_paths_and_order(void)
{
	struct hc_analysis a;
	size_t n;

	addresses();
	more_addresses();
	first_hop(0, "3", "Kerberos", "0x100");
	second_hop(60, "TestUser", TESTUSER);
	hop_from("server3.contoso.local", 120, "10.0.0.22", "0x300");
	hop_from("server4.contoso.local", 180, "10.0.0.23", "0x400");
	hop_from("server5.contoso.local", 240, "10.0.0.21", "0x500");
	logon("server1.contoso.local", 1000, "alice", ALICE, "3", "Kerberos", "10.0.0.11", "-",
	      "0x600", "-", "%%1833");
	correlate(&a, 2, &n);
	CHECK_INT(n, 2);
	CHECK_INT(a.nchains, 3);
	if (a.nchains == 3) {
		const struct hc_chain *c = a.chains;
		CHECK_INT(c[0].nhops, 4);
		CHECK(&a.hops[c[0].hops[3]] == hop_of(&a, "TestUser", "server4", 180));
		CHECK(c[0].end == hop_of(&a, "TestUser", "server4", 180)->time);
		CHECK_INT(c[1].nhops, 2);
		CHECK(&a.hops[c[1].hops[1]] == hop_of(&a, "TestUser", "server5", 240));
		CHECK(c[0].start == c[1].start && c[1].end > c[1].start);
		CHECK_INT(c[2].nhops, 1);
		CHECK(&a.hops[c[2].hops[0]] == hop_of(&a, "alice", "server1", 1000));
		CHECK(c[2].start > c[0].start && c[2].end == c[2].start);
		CHECK_STR(c[0].id, "C0001");
		CHECK_STR(c[2].id, "C0003");
		for (size_t k = 0; k + 1 < c[0].nhops; k++) /* each link joins its two hops */
			CHECK(a.links[c[0].links[k]].parent == c[0].hops[k] &&
			      a.links[c[0].links[k]].child == c[0].hops[k + 1]);
	}
	hc_analysis_free(&a);
	reset();
}

/* Hops that continue each other in a circle within the skew (server1 ->
 * server2 -> client1 -> server1, entered from server3): a walk along the
 * links never visits a hop twice, and the path up to the circle is a
 * chain (every hop is in one). */
static void test_chain_cycle_not_walked_twice(void)
{
	struct hc_analysis a;
	size_t n;
	bool in_chain[8] = {false};

	addresses();
	more_addresses();
	hop_from("server1.contoso.local", -50, "10.0.0.23", "0x100");
	first_hop(0, "3", "Kerberos", "0x101");
	second_hop(10, "TestUser", TESTUSER);
	hop_from("client1.contoso.local", 20, "10.0.0.22", "0x300");
	correlate(&a, 2, &n);
	CHECK(hop_of(&a, "TestUser", "server1", 0) &&
	      hop_of(&a, "TestUser", "server1", 0)->nparents == 1); /* from client1 at 20 s */
	for (size_t i = 0; i < a.nchains; i++) {
		CHECK(a.chains[i].nhops <= 4);
		for (size_t j = 0; j < a.chains[i].nhops; j++)
			for (size_t k = j + 1; k < a.chains[i].nhops; k++)
				CHECK(a.chains[i].hops[j] != a.chains[i].hops[k]);
		for (size_t j = 0; j < a.chains[i].nhops; j++)
			if (a.chains[i].hops[j] < 8)
				in_chain[a.chains[i].hops[j]] = true;
	}
	CHECK_INT(a.nhops, 4);
	for (size_t i = 0; i < a.nhops && i < 8; i++)
		CHECK(in_chain[i]);
	CHECK_INT(n, 1);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* clock offsets                                                        */

/* bob's logons on `host` (SERVER `svc`), each `d[i]` seconds after the
 * DC's ticket for it, 1000 s apart from `base` s: n pairs (DC, host). */
static void tickets(const char *svc, const char *host, double base, const double *d, int n)
{
	for (int i = 0; i < n; i++) {
		char lid[16];
		snprintf(lid, sizeof(lid), "0x%x", 0x700 + i);
		ev(4769, "dc1.contoso.local", base + 1000 * i, "TargetUserName",
		   "bob@CONTOSO.LOCAL", "ServiceName", svc, "IpAddress", "::ffff:10.0.0.11",
		   "Status", "0x0", NULL);
		netlogon(host, base + 1000 * i + d[i], "bob", "Kerberos", "10.0.0.11", "50001",
		         lid);
	}
}

/* bob's 4648 on `src` naming `dst`, and his logon there from `ip` `d[i]`
 * seconds later, 1000 s apart from `base` s: n pairs (src, dst). */
static void explicits(const char *src, const char *ip, const char *dst, double base,
                      const double *d, int n)
{
	for (int i = 0; i < n; i++) {
		char lid[16];
		snprintf(lid, sizeof(lid), "0x%x", 0x800 + i);
		ev(4648, src, base + 1000 * i, "SubjectUserName", "bob", "SubjectDomainName",
		   "CONTOSO", "SubjectLogonId", "0x3e7", "TargetUserName", "bob",
		   "TargetDomainName", "CONTOSO", "TargetServerName", dst, NULL);
		netlogon(dst, base + 1000 * i + d[i], "bob", "Kerberos", ip, "50001", lid);
	}
}

/* Five of bob's logons on server2, each `d[i]` seconds after the DC's
 * ticket for it. */
static void pairs_case(struct hc_analysis *a, const double *d, int n)
{
	size_t nc;

	tickets("SERVER2$", "server2.contoso.local", 0, d, n);
	correlate(a, 1, &nc);
}

/* The clock of `name`, or a zeroed one. */
static struct hc_clock clock_of(const struct hc_analysis *a, const char *name)
{
	int h = host_index(a, name);

	CHECK(h >= 0);
	return h >= 0 ? a->hosts[h].clock : (struct hc_clock){0};
}

static bool offset_near(const struct hc_clock *c, double sec)
{
	double off = (double)c->offset / HC_TICKS_PER_SEC;

	return off > sec - 0.05 && off < sec + 0.05;
}

/* Every hop into `name` at its logged time (no offset applied). */
static bool hops_uncorrected(const struct hc_analysis *a, const char *name)
{
	int h = host_index(a, name);

	for (size_t i = 0; i < a->nhops; i++)
		if (a->hops[i].dst == h && a->hops[i].at != a->hops[i].time)
			return false;
	return true;
}

/* 2 s is within the latency between the paired records: estimated, not
 * applied. */
static void test_clock_small_offset_not_applied(void)
{
	struct hc_analysis a;
	const double d[] = {2.1, 2.0, 2.2, 1.9, 2.0};
	int s2;

	pairs_case(&a, d, 5);
	s2 = host_index(&a, "server2");
	CHECK(s2 >= 0);
	if (s2 >= 0) {
		CHECK_INT(a.hosts[s2].clock.pairs, 5);
		CHECK(a.hosts[s2].clock.offset > 1 * HC_TICKS_PER_SEC &&
		      a.hosts[s2].clock.offset < 3 * HC_TICKS_PER_SEC);
		CHECK(!a.hosts[s2].clock.applied);
	}
	CHECK(hops_uncorrected(&a, "server2"));
	hc_analysis_free(&a);
	reset();
}

/* Pairs that disagree (40 s, 0 s, 80 s, -40 s) are no estimate. */
static void test_clock_disagreeing_pairs_ignored(void)
{
	struct hc_analysis a;
	const double d[] = {40, 0, 80, -40};
	int s2;

	pairs_case(&a, d, 4);
	s2 = host_index(&a, "server2");
	CHECK(s2 >= 0);
	if (s2 >= 0)
		CHECK(a.hosts[s2].clock.pairs == 0 && !a.hosts[s2].clock.applied);
	hc_analysis_free(&a);
	reset();
}

/* server2's clock runs 40 s ahead (five pairs agree), or 40 s behind:
 * the offset is applied, the DC (the reference) keeps its clock. */
static void test_clock_offset_applied(void)
{
	struct hc_analysis a;
	struct hc_clock c;

	for (int behind = 0; behind < 2; behind++) {
		const double ahead[] = {40.1, 40.0, 40.2, 40.1, 40.1};
		const double back[] = {-39.9, -40.0, -39.8, -39.9, -39.9};
		pairs_case(&a, behind ? back : ahead, 5);
		c = clock_of(&a, "server2");
		CHECK(c.applied && c.pairs == 5 && c.ref == host_index(&a, "dc1"));
		CHECK(offset_near(&c, behind ? -39.9 : 40.1));
		CHECK(!hops_uncorrected(&a, "server2"));
		c = clock_of(&a, "dc1");
		CHECK(!c.applied && c.offset == 0);
		hc_analysis_free(&a);
		reset();
	}
}

/* An offset of exactly 5 s is applied; 4.9 s is not. */
static void test_clock_offset_boundary(void)
{
	struct hc_analysis a;
	struct hc_clock c;

	for (int below = 0; below < 2; below++) {
		const double five[] = {5, 5, 5, 5, 5}, under[] = {4.9, 4.9, 4.9, 4.9, 4.9};
		pairs_case(&a, below ? under : five, 5);
		c = clock_of(&a, "server2");
		CHECK_INT(c.pairs, 5);
		CHECK(offset_near(&c, below ? 4.9 : 5));
		CHECK(c.applied == !below);
		CHECK(hops_uncorrected(&a, "server2") == below);
		hc_analysis_free(&a);
		reset();
	}
}

/* One pair is no estimate; four of which two agree (half) are: their
 * median. */
static void test_clock_pairs_needed(void)
{
	struct hc_analysis a;
	struct hc_clock c;
	const double one[] = {40}, half[] = {40, 40.5, 100, -40};

	pairs_case(&a, one, 1);
	c = clock_of(&a, "server2");
	CHECK(c.pairs == 0 && !c.applied);
	CHECK(hops_uncorrected(&a, "server2"));
	hc_analysis_free(&a);
	reset();

	pairs_case(&a, half, 4);
	c = clock_of(&a, "server2");
	CHECK(c.pairs == 4 && c.applied && offset_near(&c, 40.5));
	hc_analysis_free(&a);
	reset();
}

/* With the offset (server2 40 s ahead), the anonymous logon on server2
 * logged at 130 s happened at 90 s, inside TestUser's session on server1
 * (0 s to 100 s; skew 20 s): it continues it, 0.6; without the pairs that
 * say so, 130 s is outside the session and the skew. */
static void test_clock_offset_used_for_links(void)
{
	struct hc_correlate_opts o = {.skew = 20 * HC_TICKS_PER_SEC,
	                              .session_window = 36000 * HC_TICKS_PER_SEC};
	const double d[] = {40.1, 40.1, 40.1, 40.1, 40.1};
	struct hc_analysis a;
	const struct hc_link *l;

	for (int pairs = 0; pairs < 2; pairs++) {
		addresses();
		first_hop(0, "3", "Kerberos", "0x100");
		ev(4634, "server1.contoso.local", 100, "TargetUserName", "TestUser",
		   "TargetLogonId", "0x100", "LogonType", "3", NULL);
		if (pairs)
			tickets("SERVER2$", "server2.contoso.local", 1000, d, 5);
		anon("server2.contoso.local", 130, "10.0.0.21", "50100", "0x500");
		correlate_with(&a, &o);
		l = link_into(&a, "ANONYMOUS LOGON", 130);
		if (pairs) {
			CHECK(l && near(l->confidence, 0.6));
		} else {
			CHECK_NULL(l);
		}
		hc_analysis_free(&a);
		reset();
	}
}

/* server2 40 s ahead, by two tickets (DC, then server2) and three 4648s
 * (server2, then the DC): both directions of one pair of hosts agree. */
static void test_clock_pairs_both_directions(void)
{
	struct hc_analysis a;
	struct hc_clock c;
	size_t n;
	const double d2[] = {40.1, 40.1}, d3[] = {-39.9, -39.9, -39.9};

	addresses();
	more_addresses();
	tickets("SERVER2$", "server2.contoso.local", 0, d2, 2);
	explicits("server2.contoso.local", "10.0.0.22", "dc1.contoso.local", 5000, d3, 3);
	correlate(&a, 1, &n);
	c = clock_of(&a, "server2");
	CHECK(c.applied && c.pairs == 5 && offset_near(&c, 39.9)); /* the median */
	hc_analysis_free(&a);
	reset();
}

/* The reference is the KDC, even when another host is in more pairs
 * (server2: three with the DC, three with server1; server1 and the DC
 * agree, server2 runs 40 s ahead). */
static void test_clock_reference_kdc(void)
{
	struct hc_analysis a;
	size_t n;
	const double dt[] = {40.1, 40.1, 40.1};

	addresses();
	more_addresses();
	tickets("SERVER2$", "server2.contoso.local", 0, dt, 3);
	explicits("server1.contoso.local", "10.0.0.21", "server2.contoso.local", 5000, dt, 3);
	correlate(&a, 1, &n);
	CHECK(clock_of(&a, "server2").applied && !clock_of(&a, "dc1").applied &&
	      !clock_of(&a, "server1").applied);
	CHECK(clock_of(&a, "server2").ref == host_index(&a, "dc1"));
	hc_analysis_free(&a);
	reset();
}

/* Without a KDC in any pair the reference is the host in most pairs:
 * server1 (two with client1, three with server2); client1 runs 40 s
 * ahead of both. */
static void test_clock_reference_most_pairs(void)
{
	struct hc_analysis a;
	size_t n;
	struct hc_clock c;
	const double d1[] = {-39.9, -39.9}, d2[] = {0.1, 0.1, 0.1};

	addresses();
	explicits("client1.contoso.local", "10.0.0.11", "server1.contoso.local", 0, d1, 2);
	explicits("server1.contoso.local", "10.0.0.21", "server2.contoso.local", 5000, d2, 3);
	correlate(&a, 1, &n);
	c = clock_of(&a, "client1");
	CHECK(c.applied && offset_near(&c, 39.9));
	CHECK(!clock_of(&a, "server1").applied && !clock_of(&a, "server2").applied);
	CHECK(clock_of(&a, "client1").ref == host_index(&a, "server1"));
	hc_analysis_free(&a);
	reset();
}

/* Offsets join along trusted pairs to the reference only: server1's
 * pairs with the DC disagree, client1's and server3's agree but do not
 * reach the DC; neither gets an offset. */
static void test_clock_only_trusted_and_joined(void)
{
	struct hc_analysis a;
	size_t n;
	const double d[] = {40.1, 40.1, 40.1, 40.1, 40.1}, bad[] = {40, 0, 80, -40},
	             far[] = {30.1, 30.1, 30.1};

	addresses();
	more_addresses();
	tickets("SERVER2$", "server2.contoso.local", 0, d, 5);
	tickets("SERVER1$", "server1.contoso.local", 10000, bad, 4);
	explicits("client1.contoso.local", "10.0.0.11", "server3.contoso.local", 20000, far, 3);
	correlate(&a, 1, &n);
	CHECK(clock_of(&a, "server2").applied);
	CHECK(!clock_of(&a, "server1").applied && clock_of(&a, "server1").pairs == 0);
	CHECK(!clock_of(&a, "server3").applied && clock_of(&a, "server3").pairs == 0);
	CHECK(!clock_of(&a, "client1").applied && clock_of(&a, "client1").pairs == 0);
	CHECK(hops_uncorrected(&a, "server1") && hops_uncorrected(&a, "server3"));
	hc_analysis_free(&a);
	reset();
}

int main(void)
{
	test_link_same_account_scores();
	test_link_other_account_rejected();
	test_link_loop_rejected();
	test_link_window_boundary();
	test_link_before_start();
	test_link_across_reboot();
	test_link_repeat_session_extends_window();
	test_link_proven_session_beyond_window();
	test_link_scan_capped();
	test_link_candidates_capped();
	test_link_parent_failed_or_anonymous_rejected();
	test_link_machine_parent_rejected();
	test_link_repeat_parent_rejected();
	test_link_repeat_child_not_linked();
	test_link_credssp_twin_absorbed();
	test_link_proven_machine_session_rejected();
	test_link_logon_fields_only_from_4624();
	test_link_reusable_parent_scores();
	test_link_anonymous_scores();
	test_link_workstation_source_scores();
	test_link_confidence_capped();
	test_link_clear_winner_not_ambiguous();
	test_link_4648_proof();
	test_link_4648_other_session();
	test_link_4648_from_repeat_session();
	test_link_8001_proof();
	test_link_8001_other_target();
	test_link_restricted_admin();
	test_link_restricted_admin_rejected();
	test_link_restricted_admin_collector_rejected();
	test_chain_follows_best_candidate();
	test_chain_paths_and_order();
	test_chain_cycle_not_walked_twice();
	test_clock_small_offset_not_applied();
	test_clock_disagreeing_pairs_ignored();
	test_clock_offset_applied();
	test_clock_offset_boundary();
	test_clock_pairs_needed();
	test_clock_offset_used_for_links();
	test_clock_pairs_both_directions();
	test_clock_reference_kdc();
	test_clock_reference_most_pairs();
	test_clock_only_trusted_and_joined();
	return hc_test_result();
}

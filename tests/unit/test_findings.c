/* Unit tests of the finding rules (engine/findings.c, policy.c), each with
 * the minimal event set that raises it and the nearest one that must not.
 *
 * The inventory of the engine's rules whose outcome a responder sees,
 * stage by stage, with the tests that hold each: + where the rule must
 * apply, - the nearest case where it must not. Files: F test_findings.c,
 * H test_hops.c, K test_classes.c, L test_links.c, W test_witnesses.c,
 * C test_correlate.c.
 *
 * rule                                  test
 * ------------------------------------  ---------------------------------------------------------
 * findings.c
 * anonymous-second-hop                  + C test_double_hop
 *                                       - F test_anonymous_first_hop_silent
 *                                       - F test_anonymous_failed_hop_not_anonymous_finding
 *                                       - W test_anonymous (secure channel, lsass)
 *   high when proven or unique          + W test_anonymous (connection, unique)
 *                                       - W test_anonymous (two sessions, no proof: medium)
 * unexpected-package, default policy:   + F test_unexpected_package_domain_account_fires
 *   NTLM by a domain user between       + C test_rules (NTLM V1; a host named bare, then FQDN)
 *   domain hosts                        - F test_unexpected_package_kerberos_silent
 *                                       - F test_unexpected_package_workgroup_host_silent
 *                                       - F test_unexpected_package_local_account_silent
 *                                       - F test_unexpected_package_unknown_source_silent
 *                                       - C test_double_hop (anonymous NTLM)
 *                                       - C test_rules (a failed NTLM logon)
 *   --policy legacy host                + F test_unexpected_package_legacy_other_host_fires
 *                                       - F test_unexpected_package_legacy_host_exempt
 *   --policy rule (host, account)       + F test_policy_rule_forbids_fires
 *                                       - F test_policy_rule_allows_silent
 *   a logon's package only              - F test_unexpected_package_missing_log_silent
 *   a pattern hitting the match limit   - C test_policy_limit
 * ntlm-v1 (NTLM V1 or LM)               + C test_rules, F test_ntlm_v1_lm_fires
 *                                       - F test_ntlm_v2_silent
 *                                       - C test_double_hop (anonymous NTLM V1)
 * credssp-exposure (type 8)             + F test_credssp_exposure_fires (last hop: medium)
 *                                       + C test_rules (a further hop: high)
 *                                       - F test_credssp_failed_silent
 * delegation: ImpersonationLevel        + C test_rules
 *   Delegation, by a user               - F test_delegation_machine_account_silent
 * delegation: TransmittedServices       + F test_delegation_transmitted_services_fires
 * delegation: onward Kerberos after a   + C test_rules
 *   network (type 3) hop                - F test_delegation_explicit_credentials_silent
 *                                       - F test_delegation_after_credssp_silent
 *                                       - F test_delegation_onward_ntlm_silent
 * hop-failed                            + C test_rules
 *                                       - F test_hop_failed_success_silent
 * fan-out (one source and account, 5    + W test_fanout
 *   hosts, each within 60 s)            - W test_fanout (4 hosts; one an hour)
 *                                       - F test_fanout_many_accounts_silent
 * hops.c, hosts.c: a hop at all, and its source (enum hc_source)
 * a network logon (type 3, 8, 10,       + H test_network_logon_is_hop
 *   12) from another host               - H test_local_logons_not_hops (interactive, loopback,
 *                                           its own address, its own machine account, a service
 *                                           identity, nothing saying "network")
 * connection: the source's own record   + W test_own_connections (by port)
 *                                       - W test_own_connections (another port)
 * ip: the host claiming the address     + W test_own_connections, H test_network_logon_is_hop
 *                                       - C test_address_moves (the claim of another time)
 *   claims: rank, weak failed logons    + C test_claims
 *                                       - C test_claims (a spray of names: no host)
 *   claims: --hosts                     + C test_address_moves
 * 4648: the client's explicit logon     + C test_double_hop, H test_4648_names_source
 *                                       - H test_4648_outside_skew_no_source (and another
 *                                           account)
 * 4769: the DC's ticket                 + W test_ticket_source
 *                                       - W test_ticket_source (a later one: no host)
 *                                       - H test_ticket_failed_status_ignored
 * 4776: the DC's NTLM validation        + W test_validation_and_listener
 *                                       - H test_validation_not_used_with_address
 * workstation: the WorkstationName      + H test_workstation_names_source
 *                                       - H test_workstation_unknown_name_no_source
 * listener-connection: the target's     + H test_listener_names_source
 *   5156 of one client (2 s before)     - W test_validation_and_listener (two clients)
 *                                       - H test_listener_outside_gap_no_source
 * secure-channel: the machine account   + H test_secure_channel_names_source
 *   within 10 s                         - H test_secure_channel_late_no_source
 * a hop into a host with no log (its    + H test_hop_into_unlogged_host
 *   source's 4648)                      - H test_no_4648_hop_into_logged_host
 * repeats fold (same act, 60 s)         + W test_fold, H test_fold_gap_boundary (60 s)
 *                                       - W test_fold (another package, a pause)
 *                                       - H test_fold_gap_boundary (61 s)
 *                                       - H test_fold_other_account_not_folded
 * the CredSSP twin (type 3 beside type  + H test_credssp_twin_absorbed
 *   8, same account and source, 10 s)   - H test_credssp_twin_too_far
 *                                       - H test_credssp_twin_other_account_or_source
 * classes.c (enum hc_hop_class; only user hops continue chains)
 * machine: the source's own machine     + W test_machine_classes (WS5$ from ws5)
 *   account                             - W test_machine_classes (WS9$ from ws5: user)
 * machine: a service identity           + K test_service_identity_is_machine
 *                                       - K test_user_from_same_source_is_user
 * machine: Windows' own logon to a DC   + W test_upkeep (lsass.exe; just after the desktop logon)
 *   with the user's account (upkeep)    + K test_upkeep_system_process (SYSTEM's process)
 *                                       - W test_upkeep (powershell.exe; 300 s after)
 *                                       - K test_upkeep_not_at_non_dc
 * collector: reaches 3+ hosts, half of  + W test_machine_classes (wec)
 *   those with a log, as HOST$          - W test_machine_classes (2 of 5)
 *                                       - K test_collector_needs_half_the_hosts
 *                                       - K test_kdc_never_collector
 * null-session: the secure channel      + W test_anonymous (anonymous, then SERVER1$ at the DC)
 *                                       - K test_secure_channel_only_at_dc
 *                                       - W test_anonymous (without SERVER1$: a second hop)
 * null-session: a system process or     + W test_anonymous (lsass.exe)
 *   a service session behind the        + K test_anonymous_from_service_session_is_null
 *   connection                          - W test_anonymous (WmiPrvSE.exe in TestUser's session)
 * null-session: no user session to      + W test_anonymous (NAS1)
 *   come from                           + F test_anonymous_first_hop_silent
 *                                       - W test_anonymous (the only session: a second hop)
 * user: a $ account that is no host     + W test_machine_classes (svc_sql$)
 *   (gMSA)                              - W test_machine_classes (SRV-APP$ from its host: machine)
 * user: the machine account leaving a   + C test_restricted_admin, L test_link_restricted_admin
 *   Restricted Admin RDP session        - C test_restricted_admin (mode No: machine)
 *                                       - L test_link_restricted_admin_rejected (mode No, type 3,
 *                                           another host's account, a service identity, into
 *                                           the DC, failed)
 *                                       - L test_link_restricted_admin_collector_rejected
 * links.c (which session on its source a user's hop continues)
 * the session on the source, within     + L test_link_window_boundary (310 s),
 *   the skew before its start and after     test_link_before_start (100 s)
 *   its end                             - L test_link_window_boundary (311 s),
 *                                           test_link_before_start (99 s)
 *                                       - L test_link_across_reboot
 * a repeat's session extends the act's  + L test_link_repeat_session_extends_window
 *                                       - L test_link_repeat_session_extends_window (closed)
 * looked back at most the window and    + L test_link_proven_session_beyond_window (a 4648)
 *   the skew, and 256 sessions, except  - L test_link_proven_session_beyond_window (no 4648)
 *   the session a proof names           - L test_link_scan_capped
 * at most 8 candidates, the nearest     + L test_link_candidates_capped
 * the same account, or an anonymous hop + L test_link_same_account_scores,
 *                                           test_link_anonymous_scores
 *                                       - L test_link_other_account_rejected
 * never from the hop's own target       - L test_link_loop_rejected
 * parents: a user's successful first    + L test_link_same_account_scores
 *   logon of its act, with credentials  - L test_link_parent_failed_or_anonymous_rejected
 *                                       - L test_link_machine_parent_rejected
 *                                       - L test_link_repeat_parent_rejected
 *                                       - L test_link_credssp_twin_absorbed (the twin)
 *                                       - L test_link_proven_machine_session_rejected
 * children: not a repeat, not a twin    - L test_link_repeat_child_not_linked
 *                                       - L test_link_credssp_twin_absorbed
 * weights: base 0.5; same account +0.2, + L test_link_same_account_scores (0.7),
 *   anonymous +0.1; proven +0.3; in the   test_link_anonymous_scores (0.6), test_link_4648_proof
 *   skew only -0.1; a WorkstationName     (1.0), test_link_window_boundary (0.6),
 *   -0.1; reusable credentials +0.05      test_link_workstation_source_scores (0.6),
 *   (a 4624's type only, not for an       test_link_reusable_parent_scores (0.75)
 *   anonymous or Restricted Admin hop); - L test_link_anonymous_scores (RDP: 0.6),
 *   at most 1                               test_link_restricted_admin (0.6),
 *                                           test_link_logon_fields_only_from_4624 (0.7)
 *                                       + L test_link_confidence_capped
 * a 4648, 8001 or connection proves its + L test_link_4648_proof, test_link_8001_proof,
 *   session and disproves the others        test_link_4648_from_repeat_session
 *                                       - L test_link_4648_other_session,
 *                                           test_link_8001_other_target
 * unique: the only candidate            + L test_link_same_account_scores
 *                                       - L test_link_4648_other_session (two)
 * ambiguous: within 0.05 of the best    + L test_link_4648_other_session
 *                                       - L test_link_clear_winner_not_ambiguous (0.1 apart)
 * chains.c (maximal paths along the best links)
 * follow the best candidates (within    + L test_chain_follows_best_candidate,
 *   0.049), from hops with no parent        test_chain_paths_and_order
 *                                       - L test_chain_follows_best_candidate (0.05 weaker)
 *                                       - L test_link_repeat_child_not_linked,
 *                                           test_link_credssp_twin_absorbed
 * ordered by start, the longer first    + L test_chain_paths_and_order
 * a hop at most once in a chain         + L test_chain_cycle_not_walked_twice
 * clock.c (offsets against the reference host)
 * an offset from two or more pairs, at  + L test_clock_offset_applied,
 *   least half within 2 s of their          test_clock_pairs_needed (half)
 *   median                              - L test_clock_pairs_needed (one pair)
 *                                       - L test_clock_disagreeing_pairs_ignored
 * applied from 5 s, ahead or behind     + L test_clock_offset_applied,
 *                                           test_clock_offset_boundary (5 s)
 *                                       - L test_clock_offset_boundary (4.9 s)
 *                                       - L test_clock_small_offset_not_applied
 * used to compare times when linking    + L test_clock_offset_used_for_links
 *                                       - L test_clock_offset_used_for_links (no pairs)
 * pairs of either direction             + L test_clock_pairs_both_directions
 * the reference: the KDC, else the host + L test_clock_reference_kdc,
 *   in most pairs; offsets join along       test_clock_reference_most_pairs
 *   trusted pairs to it only            - L test_clock_only_trusted_and_joined
 */
#include "corr_fixture.h"
#include "regex.h"

#define TESTUSER "S-1-5-21-1-2-3-1104"

/* TestUser's first hop, client1 -> server1 at 0 s, after addresses(). */
static void first_hop(const char *type, const char *pkg, const char *imp)
{
	addresses();
	logon("server1.contoso.local", 0, "TestUser", TESTUSER, type, pkg, "10.0.0.11", "-",
	      "0x100", "-", imp);
}

static const struct hc_chain *chain_of(const struct hc_analysis *a, const struct hc_hop *h)
{
	for (size_t i = 0; h && i < a->nchains; i++)
		for (size_t k = 0; k < a->chains[i].nhops; k++)
			if (&a->hops[a->chains[i].hops[k]] == h)
				return &a->chains[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* anonymous-second-hop                                                 */

/* An anonymous logon from client1 while TestUser sits at client1's
 * console: no network session there, so nothing to be a second hop of. */
static void test_anonymous_first_hop_silent(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	ev(4624, "client1.contoso.local", -10, "TargetUserSid", TESTUSER, "TargetUserName",
	   "TestUser", "TargetDomainName", "CONTOSO", "TargetLogonId", "0x3c0be", "LogonType", "2",
	   NULL);
	anon("server2.contoso.local", 60, "10.0.0.11", "50100", "0x500");
	correlate(&a, 1, &n);
	h = hop_of(&a, "ANONYMOUS LOGON", "server2", 60);
	CHECK(h != NULL);
	CHECK(h && h->cls == HC_CLASS_NULL_SESSION);
	CHECK(h && h->nparents == 0);
	CHECK_INT(count_findings(&a, NULL), 0);
	hc_analysis_free(&a);
	reset();
}

/* An anonymous logon that failed after TestUser's first hop is a failed
 * hop, not a double hop whose logon succeeded. */
static void test_anonymous_failed_hop_not_anonymous_finding(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;

	first_hop("3", "Kerberos", "%%1833");
	ev(4625, "server2.contoso.local", 60, "TargetUserSid", "S-1-0-0", "TargetUserName",
	   "ANONYMOUS LOGON", "TargetDomainName", "NT AUTHORITY", "Status", "0xc000006d",
	   "SubStatus", "0xc0000064", "LogonType", "3", "AuthenticationPackageName", "NTLM",
	   "WorkstationName", "SERVER1", "IpAddress", "10.0.0.21", NULL);
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(finding_of(c, "hop-failed", 2) != NULL);
	CHECK_NULL(finding_of(c, "anonymous-second-hop", 2));
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* unexpected-package                                                   */

/* One NTLM hop server1 -> server2 as `user` of `domain`. */
static void ntlm_hop(const char *user, const char *domain, const char *sid, const char *ip,
                     const char *lm)
{
	ev(4624, "server2.contoso.local", 60, "SubjectUserSid", "S-1-0-0", "TargetUserSid", sid,
	   "TargetUserName", user, "TargetDomainName", domain, "TargetLogonId", "0x200",
	   "LogonType", "3", "LogonProcessName", "NtLmSsp ", "AuthenticationPackageName", "NTLM",
	   "WorkstationName", "-", "LmPackageName", lm, "IpAddress", ip, "IpPort", "50000",
	   "ImpersonationLevel", "%%1833", NULL);
}

static void test_unexpected_package_domain_account_fires(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	const struct hc_finding *f;
	size_t n;

	addresses();
	ntlm_hop("TestUser", "CONTOSO", TESTUSER, "10.0.0.21", "NTLM V2");
	c = correlate(&a, 1, &n);
	CHECK_INT(n, 1);
	f = finding_of(c, "unexpected-package", 1);
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(f->severity, HC_SEV_MEDIUM);
		CHECK_STR(f->technique, "T1550.002");
		CHECK(f->nev >= 1 && f->ev[0].role == HC_ROLE_LOGON);
		CHECK(strstr(f->what, "server1 reached server2 as TestUser with NTLM") != NULL);
	}
	hc_analysis_free(&a);
	reset();
}

/* Kerberos where Kerberos is expected. */
static void test_unexpected_package_kerberos_silent(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;

	first_hop("3", "Kerberos", "%%1833");
	logon("server2.contoso.local", 60, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.21", "-",
	      "0x200", "-", "%%1833");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(c && c->nhops == 2);
	CHECK_INT(count_findings(&a, "unexpected-package"), 0);
	hc_analysis_free(&a);
	reset();
}

/* A target that never logged a DNS name is no domain host (a workgroup
 * server): NTLM is all it has. */
static void test_unexpected_package_workgroup_host_silent(void)
{
	struct hc_analysis a;
	size_t n;

	addresses();
	ev(4624, "SERVER2", 60, "SubjectUserSid", "S-1-0-0", "TargetUserSid", TESTUSER,
	   "TargetUserName", "TestUser", "TargetDomainName", "CONTOSO", "TargetLogonId", "0x200",
	   "LogonType", "3", "AuthenticationPackageName", "NTLM", "LmPackageName", "NTLM V2",
	   "WorkstationName", "-", "IpAddress", "10.0.0.21", "IpPort", "50000", NULL);
	correlate(&a, 1, &n);
	CHECK_INT(n, 1);
	CHECK_INT(count_findings(&a, "unexpected-package"), 0);
	hc_analysis_free(&a);
	reset();
}

/* The target's own local account (domain = the host's name) cannot use
 * Kerberos. */
static void test_unexpected_package_local_account_silent(void)
{
	struct hc_analysis a;
	size_t n;

	addresses();
	ntlm_hop("Administrator", "SERVER2", "S-1-5-21-7-7-7-500", "10.0.0.21", "NTLM V2");
	correlate(&a, 1, &n);
	CHECK_INT(n, 1);
	CHECK_INT(count_findings(&a, "unexpected-package"), 0);
	hc_analysis_free(&a);
	reset();
}

/* From an address no host claims: no telling whether the source is a
 * domain host. */
static void test_unexpected_package_unknown_source_silent(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	ntlm_hop("TestUser", "CONTOSO", TESTUSER, "10.0.0.99", "NTLM V2");
	correlate(&a, 1, &n);
	h = hop_of(&a, "TestUser", "server2", 60);
	CHECK(h && h->src < 0);
	CHECK_INT(count_findings(&a, "unexpected-package"), 0);
	hc_analysis_free(&a);
	reset();
}

/* A policy with one legacy host pattern; the NTLM hop server1 -> server2. */
static size_t legacy_case(const char *legacy)
{
	struct hc_policy pol = {0};
	struct hc_diag d;
	struct hc_correlate_opts o = {.skew = 300 * HC_TICKS_PER_SEC,
	                              .session_window = 36000 * HC_TICKS_PER_SEC,
	                              .policy = &pol};
	struct hc_analysis a;
	size_t found;

	hc_diag_clear(&d);
	CHECK_INT(hc_policy_add_legacy(&pol, legacy, &d), HC_OK);
	addresses();
	ntlm_hop("TestUser", "CONTOSO", TESTUSER, "10.0.0.21", "NTLM V2");
	correlate_with(&a, &o);
	found = count_findings(&a, "unexpected-package");
	hc_analysis_free(&a);
	reset();
	hc_policy_free(&pol);
	return found;
}

static void test_unexpected_package_legacy_other_host_fires(void)
{
	CHECK_INT(legacy_case("^nas"), 1);
}

/* A legacy host is exempt, as target or as source. */
static void test_unexpected_package_legacy_host_exempt(void)
{
	CHECK_INT(legacy_case("^server2$"), 0);
	CHECK_INT(legacy_case("^server1$"), 0);
}

/* A policy of one rule for server2 allowing `allowed`; TestUser's hop
 * server1 -> server2 with `pkg`. */
static size_t rule_case(const char *allowed, const char *pkg, const char *account)
{
	struct hc_policy pol = {0};
	struct hc_diag d;
	struct hc_correlate_opts o = {.skew = 300 * HC_TICKS_PER_SEC,
	                              .session_window = 36000 * HC_TICKS_PER_SEC,
	                              .policy = &pol};
	struct hc_analysis a;
	size_t found;

	hc_diag_clear(&d);
	CHECK_INT(hc_policy_add_rule(&pol, "^server2$", account, &allowed, 1, &d), HC_OK);
	addresses();
	if (strcmp(pkg, "NTLM") == 0)
		ntlm_hop("TestUser", "CONTOSO", TESTUSER, "10.0.0.21", "NTLM V2");
	else
		logon("server2.contoso.local", 60, "TestUser", TESTUSER, "3", pkg, "10.0.0.21", "-",
		      "0x200", "-", "%%1833");
	correlate_with(&a, &o);
	CHECK_INT(a.nhops, 1);
	found = count_findings(&a, "unexpected-package");
	hc_analysis_free(&a);
	reset();
	hc_policy_free(&pol);
	return found;
}

static void test_policy_rule_forbids_fires(void)
{
	/* server2 takes NTLM only: Kerberos there is unexpected */
	CHECK_INT(rule_case("NTLM", "Kerberos", NULL), 1);
	/* a rule for another account leaves TestUser to the default rule */
	CHECK_INT(rule_case("NTLM", "NTLM", "^CONTOSO\\\\svc_"), 1);
}

static void test_policy_rule_allows_silent(void)
{
	CHECK_INT(rule_case("NTLM", "NTLM", NULL), 0);
	CHECK_INT(rule_case("NTLM", "NTLM", "^CONTOSO\\\\TestUser$"), 0);
}

/* A hop known only from the source's 4648 (the target's log is missing)
 * has no logon whose package could be checked. */
static void test_unexpected_package_missing_log_silent(void)
{
	struct hc_policy pol = {0};
	struct hc_diag d;
	const char *kerberos = "Kerberos";
	struct hc_correlate_opts o = {.skew = 300 * HC_TICKS_PER_SEC,
	                              .session_window = 36000 * HC_TICKS_PER_SEC,
	                              .policy = &pol};
	struct hc_analysis a;
	const struct hc_hop *h;

	hc_diag_clear(&d);
	CHECK_INT(hc_policy_add_rule(&pol, NULL, NULL, &kerberos, 1, &d), HC_OK);
	ev(4648, "client1.contoso.local", 0, "SubjectUserName", "TestUser", "SubjectDomainName",
	   "CONTOSO", "SubjectLogonId", "0x3c0be", "TargetUserName", "TestUser", "TargetDomainName",
	   "CONTOSO", "TargetServerName", "server9.contoso.local", NULL);
	correlate_with(&a, &o);
	h = hop_of(&a, "TestUser", "server9", 0);
	CHECK(h && h->ev->event_id == 4648);
	CHECK_INT(count_findings(&a, NULL), 0);
	hc_analysis_free(&a);
	reset();
	hc_policy_free(&pol);
}

/* ------------------------------------------------------------------ */
/* ntlm-v1                                                              */

static void test_ntlm_v1_lm_fires(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	const struct hc_finding *f;
	size_t n;

	addresses();
	ntlm_hop("TestUser", "CONTOSO", TESTUSER, "10.0.0.21", "LM");
	c = correlate(&a, 1, &n);
	f = finding_of(c, "ntlm-v1", 1);
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(f->severity, HC_SEV_HIGH);
		CHECK_STR(f->technique, "T1562.010");
		CHECK(strstr(f->what, "with LM") != NULL);
	}
	hc_analysis_free(&a);
	reset();
}

static void test_ntlm_v2_silent(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;

	addresses();
	ntlm_hop("TestUser", "CONTOSO", TESTUSER, "10.0.0.21", "NTLM V2");
	c = correlate(&a, 1, &n);
	CHECK(finding_of(c, "unexpected-package", 1) != NULL); /* the hop is seen ... */
	CHECK_NULL(finding_of(c, "ntlm-v1", 1));               /* ... and NTLMv2 is fine */
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* credssp-exposure                                                     */

/* A CredSSP logon with no hop after it: the credentials sit there. */
static void test_credssp_exposure_fires(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	const struct hc_finding *f;
	size_t n;

	first_hop("8", "Negotiate", "%%1833");
	c = correlate(&a, 1, &n);
	CHECK_INT(n, 1);
	f = finding_of(c, "credssp-exposure", 1);
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(f->severity, HC_SEV_MEDIUM);
		CHECK_STR(f->technique, "T1021.006");
		CHECK(strstr(f->what, "a further hop") == NULL);
	}
	hc_analysis_free(&a);
	reset();
}

/* A CredSSP logon that failed left no credentials behind. */
static void test_credssp_failed_silent(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;

	addresses();
	ev(4625, "server1.contoso.local", 0, "TargetUserSid", "S-1-0-0", "TargetUserName",
	   "TestUser", "TargetDomainName", "CONTOSO", "Status", "0xc000006d", "SubStatus",
	   "0xc000006a", "LogonType", "8", "AuthenticationPackageName", "Negotiate", "IpAddress",
	   "10.0.0.11", NULL);
	c = correlate(&a, 1, &n);
	CHECK_INT(n, 1);
	CHECK(finding_of(c, "hop-failed", 1) != NULL);
	CHECK_NULL(finding_of(c, "credssp-exposure", 1));
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* delegation                                                           */

/* A Kerberos logon through constrained delegation (S4U2Proxy) lists the
 * services it transited. */
static void test_delegation_transmitted_services_fires(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	const struct hc_finding *f;
	size_t n;

	addresses();
	ev(4624, "server2.contoso.local", 60, "SubjectUserSid", "S-1-0-0", "TargetUserSid",
	   TESTUSER, "TargetUserName", "TestUser", "TargetDomainName", "CONTOSO", "TargetLogonId",
	   "0x200", "LogonType", "3", "AuthenticationPackageName", "Kerberos", "IpAddress",
	   "10.0.0.21", "IpPort", "50000", "ImpersonationLevel", "%%1833", "TransmittedServices",
	   "HTTP/server1.contoso.local", NULL);
	c = correlate(&a, 1, &n);
	CHECK_INT(n, 1);
	f = finding_of(c, "delegation", 1);
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(f->severity, HC_SEV_INFO);
		CHECK_STR(f->technique, "T1558");
		CHECK(strstr(f->what, "transited services") != NULL);
	}
	hc_analysis_free(&a);
	reset();
}

/* The onward Kerberos hop used credentials typed on server1 (a 4648 from
 * TestUser's session there): no delegation needed. */
static void test_delegation_explicit_credentials_silent(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;

	first_hop("3", "Kerberos", "%%1833");
	ev(4648, "server1.contoso.local", 59.9, "SubjectUserName", "TestUser", "SubjectDomainName",
	   "CONTOSO", "SubjectLogonId", "0x100", "TargetUserName", "TestUser", "TargetDomainName",
	   "CONTOSO", "TargetServerName", "server2.contoso.local", NULL);
	logon("server2.contoso.local", 60, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.21", "-",
	      "0x200", "-", "%%1833");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(c && c->nhops == 2 && a.links[c->links[0]].proof == HC_PROOF_4648);
	CHECK_NULL(finding_of(c, "delegation", 2));
	hc_analysis_free(&a);
	reset();
}

/* After a CredSSP hop the password is on server1: the onward Kerberos hop
 * needs no delegation. */
static void test_delegation_after_credssp_silent(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;

	first_hop("8", "Negotiate", "%%1833");
	logon("server2.contoso.local", 60, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.21", "-",
	      "0x200", "-", "%%1833");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(finding_of(c, "credssp-exposure", 1) != NULL);
	CHECK_NULL(finding_of(c, "delegation", 2));
	hc_analysis_free(&a);
	reset();
}

/* An onward NTLM hop is no Kerberos delegation. */
static void test_delegation_onward_ntlm_silent(void)
{
	struct hc_analysis a;
	const struct hc_chain *c;
	size_t n;

	first_hop("3", "Kerberos", "%%1833");
	ntlm_hop("TestUser", "CONTOSO", TESTUSER, "10.0.0.21", "NTLM V2");
	c = correlate(&a, 2, &n);
	CHECK_INT(n, 1);
	CHECK(finding_of(c, "unexpected-package", 2) != NULL);
	CHECK_NULL(finding_of(c, "delegation", 2));
	hc_analysis_free(&a);
	reset();
}

/* A service account ($) handing delegatable credentials is no user's. */
static void test_delegation_machine_account_silent(void)
{
	struct hc_analysis a;
	const struct hc_hop *h;
	size_t n;

	addresses();
	logon("server2.contoso.local", 60, "SVC_APP$", "S-1-5-21-1-2-3-1500", "3", "Kerberos",
	      "10.0.0.21", "-", "0x200", "-", "%%1840");
	correlate(&a, 1, &n);
	h = hop_of(&a, "SVC_APP$", "server2", 60);
	CHECK(h && h->cls == HC_CLASS_USER); /* not server1's machine account */
	CHECK_INT(count_findings(&a, "delegation"), 0);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* hop-failed                                                           */

/* TestUser fails once, then gets in: only the failure is a failed hop. */
static void test_hop_failed_success_silent(void)
{
	struct hc_analysis a;
	const struct hc_hop *ok;
	size_t n;

	first_hop("3", "Kerberos", "%%1833");
	ev(4625, "server2.contoso.local", 60, "TargetUserSid", "S-1-0-0", "TargetUserName",
	   "TestUser", "TargetDomainName", "CONTOSO", "Status", "0xc000006d", "SubStatus",
	   "0xc000006a", "LogonType", "3", "AuthenticationPackageName", "Kerberos", "IpAddress",
	   "10.0.0.21", NULL);
	logon("server2.contoso.local", 61, "TestUser", TESTUSER, "3", "Kerberos", "10.0.0.21", "-",
	      "0x200", "-", "%%1833");
	correlate(&a, 2, &n);
	CHECK_INT(n, 2);
	ok = hop_of(&a, "TestUser", "server2", 61);
	CHECK(ok && !ok->failed);
	CHECK(chain_of(&a, ok) != NULL);
	CHECK_NULL(finding_of(chain_of(&a, ok), "hop-failed", 2));
	CHECK_INT(count_findings(&a, "hop-failed"), 1);
	hc_analysis_free(&a);
	reset();
}

/* ------------------------------------------------------------------ */
/* fan-out                                                              */

/* server1 reaches six hosts in six seconds, each as another user: six
 * people, no one tool sweeping hosts. */
static void test_fanout_many_accounts_silent(void)
{
	struct hc_analysis a;
	size_t n;
	char host[64], user[16], sid[32];

	addresses();
	for (int i = 0; i < 6; i++) {
		snprintf(host, sizeof(host), "fs%d.contoso.local", i + 1);
		snprintf(user, sizeof(user), "user%d", i + 1);
		snprintf(sid, sizeof(sid), "S-1-5-21-1-2-3-%d", 2000 + i);
		logon(host, i, user, sid, "3", "Kerberos", "10.0.0.21", "-", "0x100", "-",
		      "%%1833");
	}
	correlate(&a, 1, &n);
	CHECK_INT(n, 6);
	CHECK_INT(count_findings(&a, "fan-out"), 0);
	hc_analysis_free(&a);
	reset();
}

int main(void)
{
	test_anonymous_first_hop_silent();
	test_anonymous_failed_hop_not_anonymous_finding();
	test_unexpected_package_domain_account_fires();
	test_unexpected_package_kerberos_silent();
	test_unexpected_package_workgroup_host_silent();
	test_unexpected_package_local_account_silent();
	test_unexpected_package_unknown_source_silent();
	test_unexpected_package_legacy_other_host_fires();
	test_unexpected_package_legacy_host_exempt();
	test_policy_rule_forbids_fires();
	test_policy_rule_allows_silent();
	test_unexpected_package_missing_log_silent();
	test_ntlm_v1_lm_fires();
	test_ntlm_v2_silent();
	test_credssp_exposure_fires();
	test_credssp_failed_silent();
	test_delegation_transmitted_services_fires();
	test_delegation_explicit_credentials_silent();
	test_delegation_after_credssp_silent();
	test_delegation_onward_ntlm_silent();
	test_delegation_machine_account_silent();
	test_hop_failed_success_silent();
	test_fanout_many_accounts_silent();
	return hc_test_result();
}

/* Unit tests for parsers/event.c: events built from Name/value arrays with
 * hc_event_build and the normalised view in ev.norm (DOMAIN.md 1, 1.11),
 * plus hc_parse_uint, hc_ip_*, hc_account_is_anonymous and hc_event_get. */
#include "event.h"
#include "strpool.h"
#include "hc_test.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define N(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Builds an event from a NULL-terminated list name, value, name, value... */
static void build(struct hc_event *ev, uint32_t id, uint32_t version, const char *const *kv)
{
	const char *names[HC_MAX_FIELDS], *values[HC_MAX_FIELDS];
	size_t n = 0;

	for (; kv[2 * n]; n++) {
		names[n] = kv[2 * n];
		values[n] = kv[2 * n + 1];
	}
	memset(ev, 0, sizeof(*ev));
	ev->event_id = id;
	ev->version = version;
	if (hc_event_build(ev, "WS01.contoso.local", "Security",
	                   "Microsoft-Windows-Security-Auditing", n, names, values) != HC_OK) {
		fprintf(stderr, "hc_event_build failed\n");
		exit(1);
	}
}

/* The 4624 fields common to v0..v3, in v0 order (DOMAIN.md 1.1). */
#define F4624_V0                                                                                   \
	"SubjectUserSid", "S-1-5-18", "SubjectUserName", "WS01$", "SubjectDomainName", "CONTOSO",  \
	    "SubjectLogonId", "0x3e7", "TargetUserSid",                                            \
	    "S-1-5-21-1111111111-2222222222-3333333333-1104", "TargetUserName", "alice",           \
	    "TargetDomainName", "CONTOSO", "TargetLogonId", "0x00000000008dcdc0", "LogonType",     \
	    "3", "LogonProcessName", "NtLmSsp ", "AuthenticationPackageName", "NTLM",              \
	    "WorkstationName", "CLIENT1", "LogonGuid", "{00000000-0000-0000-0000-000000000000}",   \
	    "TransmittedServices", "-", "LmPackageName", "NTLM V2", "KeyLength", "128",            \
	    "ProcessId", "0x0", "ProcessName", "-", "IpAddress", "::ffff:10.0.0.5", "IpPort",      \
	    "49723"

static void check_common_4624(const struct hc_event *ev)
{
	const struct hc_norm *n = &ev->norm;

	CHECK_STR(n->subject.sid, "S-1-5-18");
	CHECK_STR(n->subject.name, "WS01$");
	CHECK_STR(n->subject.domain, "CONTOSO");
	CHECK(n->has_subject_logon_id);
	CHECK_U64(n->subject_logon_id, 0x3e7);
	CHECK_STR(n->target.sid, "S-1-5-21-1111111111-2222222222-3333333333-1104");
	CHECK_STR(n->target.name, "alice");
	CHECK_STR(n->target.domain, "CONTOSO");
	CHECK(n->has_target_logon_id);
	CHECK_U64(n->target_logon_id, 0x8dcdc0);
	CHECK_INT(n->logon_type, 3);
	CHECK_STR(n->logon_process, "NtLmSsp");
	CHECK_STR(n->package, "NTLM");
	CHECK_STR(n->workstation, "CLIENT1");
	CHECK_NULL(n->logon_guid);
	CHECK_NULL(n->transmitted_services);
	CHECK_STR(n->lm_package, "NTLM V2");
	CHECK_INT(n->key_length, 128);
	CHECK(n->has_process_id);
	CHECK_U64(n->process_id, 0);
	CHECK_NULL(n->process_name);
	CHECK_STR(n->ip, "10.0.0.5");
	CHECK_INT(n->port, 49723);
	CHECK(!n->anonymous);
	CHECK(!n->has_status);
	CHECK(!n->has_substatus);
}

static void test_4624_versions(void)
{
	struct hc_event ev;

	/* v0: no ImpersonationLevel, no Logon Information block */
	build(&ev, 4624, 0, N(F4624_V0));
	check_common_4624(&ev);
	CHECK_INT(ev.norm.impersonation, HC_IMP_NONE);
	CHECK_INT(ev.norm.elevated, HC_UNSET);
	CHECK_INT(ev.norm.virtual_account, HC_UNSET);
	CHECK_INT(ev.norm.restricted_admin, HC_UNSET);
	CHECK(!ev.norm.has_linked_logon_id);
	hc_event_clear(&ev);

	/* v1: + ImpersonationLevel */
	build(&ev, 4624, 1, N(F4624_V0, "ImpersonationLevel", "%%1833"));
	check_common_4624(&ev);
	CHECK_INT(ev.norm.impersonation, HC_IMP_IMPERSONATION);
	CHECK_INT(ev.norm.elevated, HC_UNSET);
	hc_event_clear(&ev);

	/* v2: + RestrictedAdminMode, TargetOutbound*, VirtualAccount, linked id, elevated */
	build(&ev, 4624, 2,
	      N(F4624_V0, "ImpersonationLevel", "%%1840", "RestrictedAdminMode", "-",
	        "TargetOutboundUserName", "-", "TargetOutboundDomainName", "-", "VirtualAccount",
	        "%%1843", "TargetLinkedLogonId", "0x0", "ElevatedToken", "%%1842"));
	check_common_4624(&ev);
	CHECK_INT(ev.norm.impersonation, HC_IMP_DELEGATION);
	CHECK_INT(ev.norm.restricted_admin, HC_UNSET);
	CHECK_NULL(ev.norm.outbound_user);
	CHECK_NULL(ev.norm.outbound_domain);
	CHECK_INT(ev.norm.virtual_account, HC_NO);
	CHECK(ev.norm.has_linked_logon_id);
	CHECK_U64(ev.norm.linked_logon_id, 0);
	CHECK_INT(ev.norm.elevated, HC_YES);
	hc_event_clear(&ev);

	/* v3: RemoteCredentialGuard inserted at index 22, moving the rest */
	build(&ev, 4624, 3,
	      N(F4624_V0, "ImpersonationLevel", "%%1832", "RestrictedAdminMode", "%%1842",
	        "RemoteCredentialGuard", "-", "TargetOutboundUserName", "bob",
	        "TargetOutboundDomainName", "FABRIKAM", "VirtualAccount", "%%1842",
	        "TargetLinkedLogonId", "0x00000000008dcdc1", "ElevatedToken", "%%1843"));
	check_common_4624(&ev);
	CHECK_INT(ev.norm.impersonation, HC_IMP_IDENTIFICATION);
	CHECK_INT(ev.norm.restricted_admin, HC_YES);
	CHECK_STR(ev.norm.outbound_user, "bob");
	CHECK_STR(ev.norm.outbound_domain, "FABRIKAM");
	CHECK_INT(ev.norm.virtual_account, HC_YES);
	CHECK(ev.norm.has_linked_logon_id);
	CHECK_U64(ev.norm.linked_logon_id, 0x8dcdc1);
	CHECK_INT(ev.norm.elevated, HC_NO);
	CHECK_STR(hc_event_get(&ev, "RemoteCredentialGuard"), "-");
	hc_event_clear(&ev);

	/* the same fields in reverse order: names, not positions */
	build(&ev, 4624, 2,
	      N("ElevatedToken", "%%1842", "IpPort", "49723", "IpAddress", "::ffff:10.0.0.5",
	        "ProcessName", "-", "ProcessId", "0x0", "KeyLength", "128", "LmPackageName",
	        "NTLM V2", "TransmittedServices", "-", "LogonGuid",
	        "{00000000-0000-0000-0000-000000000000}", "WorkstationName", "CLIENT1",
	        "AuthenticationPackageName", "NTLM", "LogonProcessName", "NtLmSsp ", "LogonType",
	        "3", "TargetLogonId", "0x00000000008dcdc0", "TargetDomainName", "CONTOSO",
	        "TargetUserName", "alice", "TargetUserSid",
	        "S-1-5-21-1111111111-2222222222-3333333333-1104", "SubjectLogonId", "0x3e7",
	        "SubjectDomainName", "CONTOSO", "SubjectUserName", "WS01$", "SubjectUserSid",
	        "S-1-5-18"));
	check_common_4624(&ev);
	CHECK_INT(ev.norm.elevated, HC_YES);
	hc_event_clear(&ev);
	hc_event_clear(&ev); /* idempotent */
}

static void test_absent_and_trim(void)
{
	struct hc_event ev;
	const struct hc_norm *n = &ev.norm;

	build(&ev, 4624, 2,
	      N("SubjectUserSid", "S-1-0-0", "SubjectUserName", "-", "SubjectDomainName", "-",
	        "SubjectLogonId", "0x0", "TargetUserName", "svc", "TargetDomainName", "",
	        "LogonType", "5", "LogonProcessName", "Advapi  ", "AuthenticationPackageName",
	        "Negotiate", "WorkstationName", "", "LmPackageName", "-", "KeyLength", "-",
	        "ProcessName", "C:\\Windows\\System32\\services.exe", "IpAddress", "-", "IpPort",
	        "-", "ImpersonationLevel", "-", "ElevatedToken", "", "TargetLinkedLogonId", "-",
	        "TargetOutboundUserName", "-", "LogonGuid", "-", "TransmittedServices", ""));
	CHECK_STR(n->subject.sid, "S-1-0-0");
	CHECK_NULL(n->subject.name);
	CHECK_NULL(n->subject.domain);
	CHECK(n->has_subject_logon_id);
	CHECK_U64(n->subject_logon_id, 0);
	CHECK_NULL(n->target.domain);
	CHECK_NULL(n->target.sid); /* field missing altogether */
	CHECK(!n->has_target_logon_id);
	CHECK_STR(n->logon_process, "Advapi");
	CHECK_STR(n->package, "Negotiate");
	CHECK_NULL(n->workstation);
	CHECK_NULL(n->lm_package);
	CHECK_INT(n->key_length, -1);
	CHECK_STR(n->process_name, "C:\\Windows\\System32\\services.exe");
	CHECK(!n->has_process_id);
	CHECK_NULL(n->ip);
	CHECK_INT(n->port, -1);
	CHECK_INT(n->impersonation, HC_IMP_NONE);
	CHECK_INT(n->elevated, HC_UNSET);
	CHECK(!n->has_linked_logon_id);
	CHECK_NULL(n->outbound_user);
	CHECK_NULL(n->logon_guid);
	CHECK_NULL(n->transmitted_services);
	/* the raw map keeps exactly what the log says */
	CHECK_STR(hc_event_get(&ev, "LogonProcessName"), "Advapi  ");
	CHECK_STR(hc_event_get(&ev, "WorkstationName"), "");
	CHECK_STR(hc_event_get(&ev, "IpAddress"), "-");
	hc_event_clear(&ev);

	/* a logon process of blanks only is absent; User32 keeps its name */
	build(&ev, 4624, 0, N("LogonProcessName", "   ", "WorkstationName", "\\\\CLIENT2"));
	CHECK_NULL(n->logon_process);
	CHECK_STR(n->workstation, "CLIENT2");
	hc_event_clear(&ev);
	build(&ev, 4624, 0, N("LogonProcessName", "User32 ", "WorkstationName", "\\\\"));
	CHECK_STR(n->logon_process, "User32");
	CHECK_NULL(n->workstation);
	hc_event_clear(&ev);

	/* no fields at all (4608) */
	build(&ev, 4608, 0, (const char *const[]){NULL});
	CHECK_INT(ev.nfields, 0);
	CHECK_NULL(hc_event_get(&ev, "LogonType"));
	CHECK_INT(n->logon_type, -1);
	CHECK_INT(n->port, -1);
	CHECK_INT(n->key_length, -1);
	CHECK(!n->anonymous);
	CHECK_STR(ev.computer, "WS01.contoso.local");
	CHECK_STR(ev.channel, "Security");
	CHECK_STR(ev.provider, "Microsoft-Windows-Security-Auditing");
	hc_event_clear(&ev);
}

/* IPv4 as inet_pton reads it: hc_ip_normalise's own test of dotted quads
 * must never take what inet_pton refuses, nor refuse what it takes. */
static void test_ipv4_as_inet_pton(void)
{
	static const char *const s[] = {
	    "0.0.0.0",   "255.255.255.255", "256.1.1.1",   "1.256.1.1", "1.1.1.256",   "01.2.3.4",
	    "1.02.3.4",  "1.2.3.04",        "0.0.0.00",    "1.2.3.4.",  ".1.2.3.4",    "1..2.3",
	    "1.2.3.4.5", "1.2.3.",          "1234.1.1.1",  "1.2.3",     "1.2.3.4x",    "1.2.3.-4",
	    "1.2.3.+4",  "999.1.1.1",       "100.200.9.0", "10.0.0.10", "192.168.1.1", "1.2.3.0255",
	    "0.1.2.3",   "00.1.2.3",        "1.2.3.4:80",  "1:2.3.4",   "a.b.c.d",     "1.2.3.4/24",
	};
	char out[64];
	unsigned char bin[16];

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		int want =
		    inet_pton(AF_INET, s[i], bin) == 1 || inet_pton(AF_INET6, s[i], bin) == 1;
		if (hc_ip_normalise(s[i], out, sizeof(out)) != want) {
			fprintf(stderr, "%s: hc_ip_normalise says %d, inet_pton %d\n", s[i], !want,
			        want);
			CHECK(0);
		}
	}
}

static void test_ip(void)
{
	char out[64];
	struct hc_event ev;

	CHECK_INT(hc_ip_normalise("::ffff:10.0.0.5", out, sizeof(out)), 1);
	CHECK_STR(out, "10.0.0.5");
	CHECK_INT(hc_ip_normalise("::FFFF:10.0.0.5", out, sizeof(out)), 1);
	CHECK_STR(out, "10.0.0.5");
	CHECK_INT(hc_ip_normalise("fe80::1%12", out, sizeof(out)), 1);
	CHECK_STR(out, "fe80::1");
	CHECK_INT(hc_ip_is_local(out), 1);
	CHECK_INT(hc_ip_normalise("FE80::ABCD:12%eth0", out, sizeof(out)), 1);
	CHECK_STR(out, "fe80::abcd:12");
	CHECK_INT(hc_ip_normalise("2001:DB8::A", out, sizeof(out)), 1);
	CHECK_STR(out, "2001:db8::a");
	CHECK_INT(hc_ip_is_local(out), 0);
	CHECK_INT(hc_ip_normalise("192.168.1.20", out, sizeof(out)), 1);
	CHECK_STR(out, "192.168.1.20");
	CHECK_INT(hc_ip_is_local(out), 0);
	CHECK_INT(hc_ip_normalise(" 10.0.0.7 ", out, sizeof(out)), 1);
	CHECK_STR(out, "10.0.0.7");
	/* absent or not an address */
	CHECK_INT(hc_ip_normalise("-", out, sizeof(out)), 0);
	CHECK_STR(out, "");
	CHECK_INT(hc_ip_normalise("", out, sizeof(out)), 0);
	CHECK_INT(hc_ip_normalise(NULL, out, sizeof(out)), 0);
	CHECK_INT(hc_ip_normalise("LOCAL", out, sizeof(out)), 0); /* 4778 console */
	CHECK_STR(out, "");
	CHECK_INT(hc_ip_normalise("%12", out, sizeof(out)), 0);
	CHECK_INT(hc_ip_normalise("10.0.0.5<script>", out, sizeof(out)), 0);
	/* only real addresses; IPv6 in canonical (compressed) form */
	CHECK_INT(hc_ip_normalise("1.2.3", out, sizeof(out)), 0);
	CHECK_INT(hc_ip_normalise("300.1.1.1", out, sizeof(out)), 0);
	CHECK_INT(hc_ip_normalise("abc", out, sizeof(out)), 0);
	CHECK_INT(hc_ip_normalise("2001:DB8:0:0:0:0:0:1", out, sizeof(out)), 1);
	CHECK_STR(out, "2001:db8::1");
	/* too long for the output: refused, not cut */
	CHECK_INT(hc_ip_normalise("2001:db8:0:0:0:0:0:1", out, 8), 0);

	/* locality */
	CHECK_INT(hc_ip_is_local("127.0.0.1"), 1);
	CHECK_INT(hc_ip_is_local("127.1.2.3"), 1);
	CHECK_INT(hc_ip_is_local("::1"), 1);
	CHECK_INT(hc_ip_is_local("::"), 1);
	CHECK_INT(hc_ip_is_local("0.0.0.0"), 1);
	CHECK_INT(hc_ip_is_local("169.254.10.1"), 1);
	CHECK_INT(hc_ip_is_local("febf::1"), 1);
	CHECK_INT(hc_ip_is_local(""), 1);
	CHECK_INT(hc_ip_is_local(NULL), 1);
	CHECK_INT(hc_ip_is_local("10.0.0.5"), 0);
	CHECK_INT(hc_ip_is_local("128.0.0.1"), 0);
	CHECK_INT(hc_ip_is_local("fec0::1"), 0);

	/* through normalisation: IpAddress, and the 4778 ClientAddress */
	build(&ev, 4624, 2, N("IpAddress", "FE80::1%12", "IpPort", "0"));
	CHECK_STR(ev.norm.ip, "fe80::1");
	CHECK_INT(ev.norm.port, 0);
	hc_event_clear(&ev);
	build(&ev, 4624, 2, N("IpAddress", "::1", "IpPort", "65535"));
	CHECK_STR(ev.norm.ip, "::1");
	CHECK_INT(hc_ip_is_local(ev.norm.ip), 1);
	CHECK_INT(ev.norm.port, 65535);
	hc_event_clear(&ev);
	build(&ev, 4624, 2, N("IpAddress", "::ffff:127.0.0.1"));
	CHECK_STR(ev.norm.ip, "127.0.0.1");
	CHECK_INT(hc_ip_is_local(ev.norm.ip), 1);
	hc_event_clear(&ev);
}

static void test_parse_uint(void)
{
	uint64_t v = 12345;

	CHECK_INT(hc_parse_uint("0x3e7", &v), 1);
	CHECK_U64(v, 999);
	CHECK_INT(hc_parse_uint("0x00000000000003e7", &v), 1);
	CHECK_U64(v, 999);
	CHECK_INT(hc_parse_uint("0X3E7", &v), 1);
	CHECK_U64(v, 999);
	CHECK_INT(hc_parse_uint("999", &v), 1);
	CHECK_U64(v, 999);
	CHECK_INT(hc_parse_uint("000999", &v), 1);
	CHECK_U64(v, 999);
	CHECK_INT(hc_parse_uint(" 42 ", &v), 1);
	CHECK_U64(v, 42);
	CHECK_INT(hc_parse_uint("0xffffffffffffffff", &v), 1);
	CHECK_U64(v, UINT64_MAX);
	CHECK_INT(hc_parse_uint("18446744073709551615", &v), 1);
	CHECK_U64(v, UINT64_MAX);
	v = 7;
	CHECK_INT(hc_parse_uint("18446744073709551616", &v), 0);
	CHECK_INT(hc_parse_uint("0x1ffffffffffffffff", &v), 0);
	CHECK_INT(hc_parse_uint("0x10000000000000000", &v), 0);
	CHECK_U64(v, 7);
	/* leading zeros are not significant digits, in either base */
	CHECK_INT(hc_parse_uint("0x00000000ffffffffffffffff", &v), 1);
	CHECK_U64(v, UINT64_MAX);
	CHECK_INT(hc_parse_uint("000000000000000000000000042", &v), 1);
	CHECK_U64(v, 42);
	CHECK_INT(hc_parse_uint("99999999999999999999", &v), 0);
	v = 7;
	/* zeros skipped four at a time, then one at a time */
	for (int z = 1; z <= 17; z++) {
		char buf[32] = "0x";
		memset(buf + 2, '0', (size_t)z);
		v = 1;
		CHECK_INT(hc_parse_uint(buf, &v), 1);
		CHECK(v == 0);
		buf[2 + z] = '7';
		CHECK_INT(hc_parse_uint(buf, &v), 1);
		CHECK(v == 7);
		buf[2 + z] = 'g';
		CHECK_INT(hc_parse_uint(buf, &v), 0);
	}
	CHECK_INT(hc_parse_uint("", &v), 0);
	CHECK_INT(hc_parse_uint("0x", &v), 0);
	CHECK_INT(hc_parse_uint("-", &v), 0);
	CHECK_INT(hc_parse_uint("-1", &v), 0);
	CHECK_INT(hc_parse_uint("12 34", &v), 0);
	CHECK_INT(hc_parse_uint("3e7", &v), 0);
	CHECK_INT(hc_parse_uint("0x3g", &v), 0);
	CHECK_INT(hc_parse_uint(NULL, &v), 0);
	CHECK_U64(v, 7); /* untouched on failure */
}

static void test_impersonation_and_yes_no(void)
{
	static const struct {
		const char *v;
		int imp;
	} imp[] = {
	    {"%%1832", HC_IMP_IDENTIFICATION},
	    {"%%1833", HC_IMP_IMPERSONATION},
	    {"%%1840", HC_IMP_DELEGATION},
	    {"%%1841", HC_IMP_OTHER},
	    {"Impersonation", HC_IMP_IMPERSONATION},
	    {"Delegation", HC_IMP_DELEGATION},
	    {"Identification", HC_IMP_IDENTIFICATION},
	    {"Anonymous", HC_IMP_ANONYMOUS},
	    {"%%9999", HC_IMP_OTHER},
	    {"-", HC_IMP_NONE},
	    {"", HC_IMP_NONE},
	};
	static const struct {
		const char *v;
		int t;
	} yn[] = {
	    {"%%1842", HC_YES}, {"%%1843", HC_NO}, {"Yes", HC_YES},      {"no", HC_NO},
	    {"-", HC_UNSET},    {"", HC_UNSET},    {"%%1844", HC_UNSET},
	};
	struct hc_event ev;

	for (size_t i = 0; i < sizeof(imp) / sizeof(imp[0]); i++) {
		build(&ev, 4624, 1, N("ImpersonationLevel", imp[i].v));
		if (ev.norm.impersonation != (enum hc_imp)imp[i].imp)
			fprintf(stderr, "  (ImpersonationLevel \"%s\")\n", imp[i].v);
		CHECK_INT(ev.norm.impersonation, imp[i].imp);
		hc_event_clear(&ev);
	}
	for (size_t i = 0; i < sizeof(yn) / sizeof(yn[0]); i++) {
		build(&ev, 4624, 2,
		      N("ElevatedToken", yn[i].v, "VirtualAccount", yn[i].v, "RestrictedAdminMode",
		        yn[i].v));
		if (ev.norm.elevated != (enum hc_tristate)yn[i].t)
			fprintf(stderr, "  (value \"%s\")\n", yn[i].v);
		CHECK_INT(ev.norm.elevated, yn[i].t);
		CHECK_INT(ev.norm.virtual_account, yn[i].t);
		CHECK_INT(ev.norm.restricted_admin, yn[i].t);
		hc_event_clear(&ev);
	}
}

static void test_anonymous(void)
{
	struct hc_event ev;
	struct hc_account a = {0};

	/* S-1-5-7 */
	build(&ev, 4624, 2,
	      N("TargetUserSid", "S-1-5-7", "TargetUserName", "ANONYMOUS LOGON", "TargetDomainName",
	        "NT AUTHORITY", "LmPackageName", "NTLM V1"));
	CHECK(ev.norm.anonymous);
	hc_event_clear(&ev);
	/* the name alone, any case */
	build(&ev, 4624, 2, N("TargetUserSid", "-", "TargetUserName", "Anonymous Logon"));
	CHECK(ev.norm.anonymous);
	hc_event_clear(&ev);
	/* 4625 for an unresolved account: NULL SID beside a real name is not anonymous */
	build(&ev, 4625, 0,
	      N("TargetUserSid", "S-1-0-0", "TargetUserName", "administrator", "TargetDomainName",
	        "WS01"));
	CHECK(!ev.norm.anonymous);
	CHECK_STR(ev.norm.target.name, "administrator");
	hc_event_clear(&ev);
	/* NULL SID with no name: nobody authenticated */
	build(&ev, 4625, 0, N("TargetUserSid", "S-1-0-0", "TargetUserName", "-"));
	CHECK(ev.norm.anonymous);
	hc_event_clear(&ev);
	/* a subject that is anonymous does not make the target anonymous */
	build(&ev, 4624, 2,
	      N("SubjectUserSid", "S-1-5-7", "TargetUserSid", "S-1-5-18", "TargetUserName",
	        "SYSTEM"));
	CHECK(!ev.norm.anonymous);
	hc_event_clear(&ev);

	CHECK_INT(hc_account_is_anonymous(&a), 0);
	a.sid = "S-1-5-7";
	CHECK_INT(hc_account_is_anonymous(&a), 1);
	a.sid = "S-1-5-70";
	CHECK_INT(hc_account_is_anonymous(&a), 0);
	a.sid = "S-1-0-0";
	CHECK_INT(hc_account_is_anonymous(&a), 1);
	a.name = "bob";
	CHECK_INT(hc_account_is_anonymous(&a), 0);
}

static void test_4625(void)
{
	struct hc_event ev;
	const struct hc_norm *n = &ev.norm;

	build(&ev, 4625, 0,
	      N("SubjectUserSid", "S-1-0-0", "SubjectUserName", "-", "SubjectDomainName", "-",
	        "SubjectLogonId", "0x0", "TargetUserSid", "S-1-0-0", "TargetUserName", "bob",
	        "TargetDomainName", "CONTOSO", "Status", "0xC000006D", "FailureReason", "%%2313",
	        "SubStatus", "0xc0000064", "LogonType", "3", "LogonProcessName", "NtLmSsp ",
	        "AuthenticationPackageName", "NTLM", "WorkstationName", "KALI",
	        "TransmittedServices", "-", "LmPackageName", "-", "KeyLength", "0", "ProcessId",
	        "0x0", "ProcessName", "-", "IpAddress", "192.168.56.66", "IpPort", "0"));
	CHECK(n->has_status);
	CHECK_U64(n->status, 0xC000006D);
	CHECK(n->has_substatus);
	CHECK_U64(n->substatus, 0xC0000064);
	CHECK_STR(n->failure_reason, "%%2313");
	CHECK(!n->has_target_logon_id);
	CHECK_NULL(n->logon_guid);
	CHECK_INT(n->impersonation, HC_IMP_NONE);
	CHECK_INT(n->logon_type, 3);
	CHECK_STR(n->logon_process, "NtLmSsp");
	CHECK_STR(n->workstation, "KALI");
	CHECK_STR(n->ip, "192.168.56.66");
	CHECK_INT(n->port, 0);
	CHECK_INT(n->key_length, 0);
	CHECK(!n->anonymous);
	hc_event_clear(&ev);

	build(&ev, 4625, 0, N("Status", "0xC000006D", "SubStatus", "0x0", "FailureReason", "-"));
	CHECK(n->has_substatus);
	CHECK_U64(n->substatus, 0);
	CHECK_NULL(n->failure_reason);
	hc_event_clear(&ev);
	/* a status wider than 32 bits is not a status */
	build(&ev, 4625, 0, N("Status", "0x1C000006D", "SubStatus", "junk"));
	CHECK(!n->has_status);
	CHECK(!n->has_substatus);
	hc_event_clear(&ev);
}

static void test_4648(void)
{
	struct hc_event ev;
	const struct hc_norm *n = &ev.norm;

	build(&ev, 4648, 0,
	      N("SubjectUserSid", "S-1-5-21-1-2-3-1104", "SubjectUserName", "alice",
	        "SubjectDomainName", "CONTOSO", "SubjectLogonId", "0x1b2c3d", "LogonGuid",
	        "{7a1c2d3e-0000-1111-2222-333344445555}", "TargetUserName", "admin",
	        "TargetDomainName", "CONTOSO", "TargetLogonGuid",
	        "{00000000-0000-0000-0000-000000000000}", "TargetServerName",
	        "server2.contoso.local", "TargetInfo", "HTTP/server2.contoso.local", "ProcessId",
	        "0x1a4", "ProcessName",
	        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "IpAddress",
	        "::1", "IpPort", "0"));
	CHECK_STR(n->subject.name, "alice");
	CHECK(n->has_subject_logon_id);
	CHECK_U64(n->subject_logon_id, 0x1b2c3d);
	CHECK_STR(n->target.name, "admin");
	CHECK_STR(n->target.domain, "CONTOSO");
	CHECK_NULL(n->target.sid);
	CHECK_STR(n->target_server, "server2.contoso.local");
	CHECK_STR(n->target_info, "HTTP/server2.contoso.local");
	CHECK_STR(n->logon_guid, "{7a1c2d3e-0000-1111-2222-333344445555}");
	CHECK(n->has_process_id);
	CHECK_U64(n->process_id, 0x1a4);
	CHECK_STR(n->process_name,
	          "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
	CHECK_STR(n->ip, "::1");
	CHECK_INT(n->logon_type, -1);
	hc_event_clear(&ev);

	build(&ev, 4648, 0, N("TargetServerName", "localhost", "TargetInfo", "localhost"));
	CHECK_STR(n->target_server, "localhost");
	CHECK_STR(n->target_info, "localhost");
	hc_event_clear(&ev);
}

static void test_kerberos(void)
{
	struct hc_event ev;
	const struct hc_norm *n = &ev.norm;

	build(&ev, 4768, 0,
	      N("TargetUserName", "alice", "TargetDomainName", "CONTOSO.LOCAL", "TargetSid",
	        "S-1-5-21-1-2-3-1104", "ServiceName", "krbtgt", "ServiceSid", "S-1-5-21-1-2-3-502",
	        "TicketOptions", "0x40810010", "Status", "0x0", "TicketEncryptionType", "0x12",
	        "PreAuthType", "2", "IpAddress", "::ffff:10.0.0.21", "IpPort", "49820"));
	CHECK_STR(n->target.name, "alice");
	CHECK_STR(n->target.domain, "CONTOSO.LOCAL");
	CHECK_STR(n->target.sid, "S-1-5-21-1-2-3-1104");
	CHECK_STR(n->service_name, "krbtgt");
	CHECK(n->has_ticket_options);
	CHECK_U64(n->ticket_options, 0x40810010);
	CHECK(n->has_status);
	CHECK_U64(n->status, 0);
	CHECK(n->has_ticket_encryption);
	CHECK_U64(n->ticket_encryption, 0x12);
	CHECK_STR(n->ip, "10.0.0.21");
	CHECK_INT(n->port, 49820);
	hc_event_clear(&ev);

	build(&ev, 4769, 0,
	      N("TargetUserName", "alice@CONTOSO.LOCAL", "TargetDomainName", "CONTOSO.LOCAL",
	        "ServiceName", "SERVER1$", "ServiceSid", "S-1-5-21-1-2-3-1105", "TicketOptions",
	        "0x60810010", "TicketEncryptionType", "0x12", "IpAddress", "::ffff:10.0.0.21",
	        "IpPort", "49821", "Status", "0x0", "LogonGuid",
	        "{C1A2B3C4-D5E6-F708-1928-374655647382}", "TransmittedServices", "-"));
	CHECK_STR(n->target.name, "alice@CONTOSO.LOCAL");
	CHECK_STR(n->service_name, "SERVER1$");
	CHECK_U64(n->ticket_options, 0x60810010);
	CHECK_STR(n->logon_guid, "{C1A2B3C4-D5E6-F708-1928-374655647382}");
	CHECK_NULL(n->transmitted_services);
	CHECK_STR(n->ip, "10.0.0.21");
	hc_event_clear(&ev);

	build(&ev, 4771, 0,
	      N("TargetUserName", "bob", "TargetSid", "S-1-5-21-1-2-3-1106", "ServiceName",
	        "krbtgt/CONTOSO.LOCAL", "TicketOptions", "0x40810010", "Status", "0x18",
	        "PreAuthType", "2", "IpAddress", "::ffff:10.0.0.22", "IpPort", "51000"));
	CHECK_STR(n->target.name, "bob");
	CHECK_STR(n->target.sid, "S-1-5-21-1-2-3-1106");
	CHECK_STR(n->service_name, "krbtgt/CONTOSO.LOCAL");
	CHECK(n->has_status);
	CHECK_U64(n->status, 0x18);
	CHECK(!n->has_ticket_encryption);
	hc_event_clear(&ev);

	/* failure: 0xFFFFFFFF encryption type fits 32 bits */
	build(&ev, 4769, 0, N("TicketEncryptionType", "0xffffffff", "Status", "0x25"));
	CHECK(n->has_ticket_encryption);
	CHECK_U64(n->ticket_encryption, 0xFFFFFFFF);
	CHECK_U64(n->status, 0x25);
	hc_event_clear(&ev);
}

static void test_4776_4778(void)
{
	struct hc_event ev;
	const struct hc_norm *n = &ev.norm;

	build(&ev, 4776, 0,
	      N("PackageName", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "TargetUserName", "carol",
	        "Workstation", "WS07", "Status", "0xC000006A"));
	CHECK_STR(n->package, "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0");
	CHECK_STR(n->target.name, "carol");
	CHECK_NULL(n->target.domain);
	CHECK_STR(n->workstation, "WS07");
	CHECK(n->has_status);
	CHECK_U64(n->status, 0xC000006A);
	hc_event_clear(&ev);

	build(&ev, 4776, 0,
	      N("PackageName", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0", "TargetUserName", "carol",
	        "Workstation", "\\\\WS07", "Status", "0x0"));
	CHECK_STR(n->workstation, "WS07");
	CHECK_U64(n->status, 0);
	hc_event_clear(&ev);

	build(&ev, 4778, 0,
	      N("AccountName", "dave", "AccountDomain", "CONTOSO", "LogonID", "0x1a2b3c",
	        "SessionName", "RDP-Tcp#3", "ClientName", "LAPTOP9", "ClientAddress",
	        "::ffff:192.168.1.20"));
	CHECK_STR(n->target.name, "dave");
	CHECK_STR(n->target.domain, "CONTOSO");
	CHECK(n->has_target_logon_id);
	CHECK_U64(n->target_logon_id, 0x1a2b3c);
	CHECK_STR(n->session_name, "RDP-Tcp#3");
	CHECK_STR(n->workstation, "LAPTOP9");
	CHECK_STR(n->ip, "192.168.1.20");
	CHECK(!n->anonymous);
	hc_event_clear(&ev);

	/* console reconnect */
	build(&ev, 4779, 0,
	      N("AccountName", "dave", "AccountDomain", "CONTOSO", "LogonID", "0x1a2b3c",
	        "SessionName", "Console", "ClientName", "Unknown", "ClientAddress", "LOCAL"));
	CHECK_NULL(n->ip);
	CHECK_STR(n->session_name, "Console");
	hc_event_clear(&ev);
}

static void test_guid_and_get(void)
{
	struct hc_event ev;

	build(&ev, 4624, 2, N("LogonGuid", "{00000000-0000-0000-0000-000000000000}"));
	CHECK_NULL(ev.norm.logon_guid);
	hc_event_clear(&ev);
	build(&ev, 4624, 2, N("LogonGuid", "00000000-0000-0000-0000-000000000000"));
	CHECK_NULL(ev.norm.logon_guid);
	hc_event_clear(&ev);
	build(&ev, 4624, 2, N("LogonGuid", "{00000000-0000-0000-0000-000000000001}"));
	CHECK_STR(ev.norm.logon_guid, "{00000000-0000-0000-0000-000000000001}");
	hc_event_clear(&ev);

	build(
	    &ev, 4624, 2,
	    N("TargetUserName", "first", "Odd Name", "x", "TargetUserName", "second", "Empty", ""));
	CHECK_STR(hc_event_get(&ev, "TargetUserName"), "first");
	CHECK_STR(ev.norm.target.name, "first");
	CHECK_STR(hc_event_get(&ev, "Odd Name"), "x");
	CHECK_STR(hc_event_get(&ev, "Empty"), "");
	CHECK_NULL(hc_event_get(&ev, "targetusername")); /* case-sensitive */
	CHECK_NULL(hc_event_get(&ev, "Missing"));
	CHECK_NULL(hc_event_get(&ev, ""));
	CHECK_INT(ev.nfields, 4);
	hc_event_clear(&ev);
}

static void test_diag(void)
{
	struct hc_diag d;

	hc_diag_clear(&d);
	CHECK_STR(d.msg, "");
	CHECK(d.pos == HC_POS_NONE && !d.has_offset);
	hc_diag_set(&d, "bad %s %d", "thing", 7);
	CHECK_STR(d.msg, "bad thing 7");
	hc_diag_prefix(&d, "record %d: ", 12);
	CHECK_STR(d.msg, "record 12: bad thing 7");
	/* a prefix on a full message keeps the string terminated */
	memset(d.msg, 'x', sizeof(d.msg) - 1);
	d.msg[sizeof(d.msg) - 1] = '\0';
	hc_diag_prefix(&d, "p: ");
	CHECK_INT(strlen(d.msg), sizeof(d.msg) - 1);
	CHECK(strncmp(d.msg, "p: xxx", 6) == 0);
	hc_diag_set(NULL, "no crash");
	hc_diag_prefix(NULL, "no crash");
	hc_diag_clear(NULL);
}

/* Compaction keeps every normalised value (in an own arena or a pool) and
 * drops the raw fields. */
static void test_compact(void)
{
	static const char *const kv[] = {F4624_V0, "ImpersonationLevel", "%%1833", NULL};
	struct hc_strpool *pool = hc_strpool_new();

	for (int pooled = 0; pooled < 2; pooled++) {
		struct hc_event ev, ref;
		build(&ref, 4624, 0, kv);
		build(&ev, 4624, 0, kv);
		CHECK(hc_event_get(&ev, "IpPort") != NULL);
		CHECK_INT(hc_event_compact(&ev, pooled ? pool : NULL), HC_OK);
		CHECK(ev.compact);
		CHECK(ev.nfields == 0 && ev.fields == NULL);
		CHECK(hc_event_get(&ev, "IpPort") == NULL);
		CHECK(pooled ? ev.arena == NULL : ev.arena != NULL);
		CHECK_STR(ev.computer, "WS01.contoso.local");
		CHECK_STR(ev.channel, "Security");
		CHECK_STR(ev.norm.target.name, ref.norm.target.name);
		CHECK_STR(ev.norm.target.sid, ref.norm.target.sid);
		CHECK_STR(ev.norm.subject.name, "WS01$");
		CHECK_STR(ev.norm.logon_process, "NtLmSsp");
		CHECK_STR(ev.norm.ip, "10.0.0.5");
		CHECK_STR(ev.norm.workstation, ref.norm.workstation);
		CHECK_STR(ev.norm.lm_package, "NTLM V2");
		CHECK(ev.norm.logon_guid == NULL);
		CHECK_INT(ev.norm.impersonation, HC_IMP_IMPERSONATION);
		CHECK_INT(ev.norm.port, 49723);
		CHECK_U64(ev.norm.target_logon_id, 0x8dcdc0);
		/* again: nothing changes */
		CHECK_INT(hc_event_compact(&ev, pooled ? pool : NULL), HC_OK);
		CHECK_STR(ev.norm.ip, "10.0.0.5");
		hc_event_clear(&ev);
		hc_event_clear(&ref);
	}
	hc_strpool_free(pool);
}

/* Builds an event of another channel. */
static void build_in(struct hc_event *ev, uint32_t id, const char *channel, const char *const *kv)
{
	const char *names[HC_MAX_FIELDS], *values[HC_MAX_FIELDS];
	size_t n = 0;

	for (; kv[2 * n]; n++) {
		names[n] = kv[2 * n];
		values[n] = kv[2 * n + 1];
	}
	memset(ev, 0, sizeof(*ev));
	ev->event_id = id;
	if (hc_event_build(ev, "WS01.contoso.local", channel, "x", n, names, values) != HC_OK) {
		fprintf(stderr, "hc_event_build failed\n");
		exit(1);
	}
}

/* The witnesses of issue 9: 5156 (WFP), Sysmon 3 and 1, 4688, NTLM 8001
 * (DOMAIN.md 1.9, 1.9b); field names as the OTRF recordings carry them. */
static void test_witnesses(void)
{
	struct hc_event ev;
	const struct hc_norm *n = &ev.norm;

	build(&ev, 5156, 1,
	      N("ProcessID", "704", "Application",
	        "\\device\\harddiskvolume2\\windows\\system32\\lsass.exe", "Direction", "%%14593",
	        "SourceAddress", "::ffff:172.18.39.5", "SourcePort", "50123", "DestAddress",
	        "172.18.38.5", "DestPort", "445", "Protocol", "6"));
	CHECK_INT(hc_event_kind(&ev), HC_KIND_CONNECTION);
	CHECK_STR(n->ip, "172.18.39.5");
	CHECK_INT(n->port, 50123);
	CHECK_STR(n->dst_ip, "172.18.38.5");
	CHECK_INT(n->dst_port, 445);
	CHECK_INT(n->direction, HC_DIR_OUT);
	CHECK(n->has_process_id);
	CHECK_U64(n->process_id, 704);
	CHECK_STR(n->process_name, "\\device\\harddiskvolume2\\windows\\system32\\lsass.exe");
	hc_event_clear(&ev);

	/* the OTRF exports spell it ProcessId; inbound; a bind (5158) with no
	 * destination */
	build(&ev, 5156, 1,
	      N("ProcessId", "4", "Application", "System", "Direction", "%%14592", "SourceAddress",
	        "172.18.39.5", "SourcePort", "50123", "DestAddress", "172.18.39.6", "DestPort",
	        "445"));
	CHECK_INT(n->direction, HC_DIR_IN);
	CHECK_U64(n->process_id, 4);
	hc_event_clear(&ev);
	build(&ev, 5158, 0,
	      N("ProcessId", "4", "Application", "System", "SourceAddress", "0.0.0.0", "SourcePort",
	        "445", "Protocol", "6"));
	CHECK_INT(hc_event_kind(&ev), HC_KIND_CONNECTION);
	CHECK_INT(n->direction, HC_DIR_NONE);
	CHECK_INT(n->dst_port, -1);
	CHECK_NULL(n->dst_ip);
	hc_event_clear(&ev);

	build_in(&ev, 3, "Microsoft-Windows-Sysmon/Operational",
	         N("UtcTime", "2020-08-06 05:20:25.123", "ProcessGuid",
	           "{a1b2c3d4-0000-0000-0000-000000000001}", "ProcessId", "3316", "Image",
	           "C:\\Users\\pgustavo\\Desktop\\GruntHTTP.exe", "User", "THESHIRE\\pgustavo",
	           "Protocol", "tcp", "Initiated", "true", "SourceIp", "172.18.39.5", "SourcePort",
	           "54358", "DestinationIp", "172.18.39.6", "DestinationPort", "135"));
	CHECK_INT(hc_event_kind(&ev), HC_KIND_CONNECTION);
	CHECK_INT(n->direction, HC_DIR_OUT);
	CHECK_STR(n->ip, "172.18.39.5");
	CHECK_INT(n->port, 54358);
	CHECK_STR(n->dst_ip, "172.18.39.6");
	CHECK_INT(n->dst_port, 135);
	CHECK_STR(n->target.domain, "THESHIRE");
	CHECK_STR(n->target.name, "pgustavo");
	CHECK_STR(n->process_guid, "{a1b2c3d4-0000-0000-0000-000000000001}");
	CHECK_STR(n->process_name, "C:\\Users\\pgustavo\\Desktop\\GruntHTTP.exe");
	hc_event_clear(&ev);

	/* id 3 of another channel is no witness */
	build_in(&ev, 3, "System", N("SourceIp", "10.0.0.1"));
	CHECK_INT(hc_event_kind(&ev), HC_KIND_OTHER);
	CHECK_NULL(n->ip);
	hc_event_clear(&ev);

	build_in(&ev, 1, "Microsoft-Windows-Sysmon/Operational",
	         N("ProcessGuid", "{a1b2c3d4-0000-0000-0000-000000000001}", "ProcessId", "3316",
	           "Image", "C:\\Windows\\System32\\wsmprovhost.exe", "User",
	           "NT AUTHORITY\\SYSTEM", "LogonGuid", "{a1b2c3d4-0000-0000-03e7-000000000000}",
	           "LogonId", "0x3e7"));
	CHECK_INT(hc_event_kind(&ev), HC_KIND_PROCESS);
	CHECK(n->has_target_logon_id);
	CHECK_U64(n->target_logon_id, 0x3e7);
	CHECK_STR(n->target.domain, "NT AUTHORITY");
	CHECK_STR(n->target.name, "SYSTEM");
	CHECK_U64(n->process_id, 3316);
	hc_event_clear(&ev);

	/* 4688 v2: the new process's session is TargetLogonId when set, else
	 * the creator's */
	build(&ev, 4688, 2,
	      N("SubjectUserSid", "S-1-5-18", "SubjectLogonId", "0x3e7", "NewProcessId", "0x1a2c",
	        "NewProcessName", "C:\\Windows\\System32\\cmd.exe", "TargetLogonId", "0x5ac01"));
	CHECK_INT(hc_event_kind(&ev), HC_KIND_PROCESS);
	CHECK_U64(n->process_id, 0x1a2c);
	CHECK_U64(n->target_logon_id, 0x5ac01);
	hc_event_clear(&ev);
	build(&ev, 4688, 1,
	      N("SubjectLogonId", "0x5ac01", "NewProcessId", "0x1a2c", "NewProcessName",
	        "C:\\Windows\\System32\\cmd.exe", "TargetLogonId", "0x0"));
	CHECK_U64(n->target_logon_id, 0x5ac01);
	hc_event_clear(&ev);

	build_in(&ev, 8001, "Microsoft-Windows-NTLM/Operational",
	         N("TargetName", "cifs/server2", "UserName", "", "DomainName", "", "CallerPID", "4",
	           "ProcessName", "", "ClientLUID", "0x5ac01", "ClientUserName", "alice",
	           "ClientDomainName", "CONTOSO", "MechanismOID", "-"));
	CHECK_INT(hc_event_kind(&ev), HC_KIND_NTLM_OUT);
	CHECK(n->has_subject_logon_id);
	CHECK_U64(n->subject_logon_id, 0x5ac01);
	CHECK_STR(n->subject.name, "alice");
	CHECK_NULL(n->target.name);
	CHECK_STR(n->target_server, "cifs/server2");
	hc_event_clear(&ev);
}

int main(void)
{
	test_witnesses();
	test_compact();
	test_4624_versions();
	test_absent_and_trim();
	test_ip();
	test_ipv4_as_inet_pton();
	test_parse_uint();
	test_impersonation_and_yes_no();
	test_anonymous();
	test_4625();
	test_4648();
	test_kerberos();
	test_4776_4778();
	test_guid_and_get();
	test_diag();
	return hc_test_result();
}

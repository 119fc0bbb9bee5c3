/* templates.c: field lists of the events hc-evtxgen writes.
 * Names, order and value types follow the provider manifests and real logs
 * (pointers are SizeT in the template and HexInt64 in the data). The
 * witnesses (5156, 5158, 4688 v2, Sysmon 1 and 3 v5) are as the corpus
 * logs have them (evtx-attack-samples: Command_and_Control_DE_RDP_Tunnel_5156,
 * Lateral_Movement_ImpersonateUser-via_local_Pass_The_Hash_Sysmon_and_Security;
 * deepbluecli: sliver-security); NTLM/Operational 8001 as the provider's
 * manifest declares it (OTRF OSSEM's dictionary of Microsoft-Windows-NTLM). */
#include "templates.h"

#include <string.h>

#define S HC_EVTXW_T_STRING
#define SID HC_EVTXW_T_SID
#define H64 HC_EVTXW_T_HEXINT64
#define H32 HC_EVTXW_T_HEXINT32
#define U32 HC_EVTXW_T_UINT32
#define GUID HC_EVTXW_T_GUID
#define PTR HC_EVTXW_T_SIZET
#define U16 HC_EVTXW_T_UINT16
#define U64 HC_EVTXW_T_UINT64
#define BOOL HC_EVTXW_T_BOOL

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Tasks (subcategories). */
#define TASK_SECURITY_STATE_CHANGE 12288
#define TASK_LOGON 12544
#define TASK_LOGOFF 12545
#define TASK_SPECIAL_LOGON 12548
#define TASK_OTHER_LOGON 12551
#define TASK_CREDENTIAL_VALIDATION 14336
#define TASK_KERBEROS_SERVICE_TICKET 14337
#define TASK_KERBEROS_AUTH_SERVICE 14339
#define TASK_FILTERING_PLATFORM_CONNECTION 12810
#define TASK_PROCESS_CREATION 13312
#define TASK_AUDITING_NTLM 2 /* Microsoft-Windows-NTLM's AuditingNTLM */

#define LOGON_V0                                                                                   \
	{"SubjectUserSid", SID}, {"SubjectUserName", S}, {"SubjectDomainName", S},                 \
	    {"SubjectLogonId", H64}, {"TargetUserSid", SID}, {"TargetUserName", S},                \
	    {"TargetDomainName", S}, {"TargetLogonId", H64}, {"LogonType", U32},                   \
	    {"LogonProcessName", S}, {"AuthenticationPackageName", S}, {"WorkstationName", S},     \
	    {"LogonGuid", GUID}, {"TransmittedServices", S}, {"LmPackageName", S},                 \
	    {"KeyLength", U32}, {"ProcessId", PTR}, {"ProcessName", S}, {"IpAddress", S},          \
	{                                                                                          \
		"IpPort", S                                                                        \
	}

static const struct hc_evtxw_field f4624v0[] = {LOGON_V0};
static const struct hc_evtxw_field f4624v1[] = {LOGON_V0, {"ImpersonationLevel", S}};
static const struct hc_evtxw_field f4624v2[] = {
    LOGON_V0,
    {"ImpersonationLevel", S},
    {"RestrictedAdminMode", S},
    {"TargetOutboundUserName", S},
    {"TargetOutboundDomainName", S},
    {"VirtualAccount", S},
    {"TargetLinkedLogonId", H64},
    {"ElevatedToken", S},
};
static const struct hc_evtxw_field f4624v3[] = {
    LOGON_V0,
    {"ImpersonationLevel", S},
    {"RestrictedAdminMode", S},
    {"RemoteCredentialGuard", S},
    {"TargetOutboundUserName", S},
    {"TargetOutboundDomainName", S},
    {"VirtualAccount", S},
    {"TargetLinkedLogonId", H64},
    {"ElevatedToken", S},
};
static const struct hc_evtxw_field f4625v0[] = {
    {"SubjectUserSid", SID},
    {"SubjectUserName", S},
    {"SubjectDomainName", S},
    {"SubjectLogonId", H64},
    {"TargetUserSid", SID},
    {"TargetUserName", S},
    {"TargetDomainName", S},
    {"Status", H32},
    {"FailureReason", S},
    {"SubStatus", H32},
    {"LogonType", U32},
    {"LogonProcessName", S},
    {"AuthenticationPackageName", S},
    {"WorkstationName", S},
    {"TransmittedServices", S},
    {"LmPackageName", S},
    {"KeyLength", U32},
    {"ProcessId", PTR},
    {"ProcessName", S},
    {"IpAddress", S},
    {"IpPort", S},
};
static const struct hc_evtxw_field f4634v0[] = {
    {"TargetUserSid", SID}, {"TargetUserName", S}, {"TargetDomainName", S},
    {"TargetLogonId", H64}, {"LogonType", U32},
};
static const struct hc_evtxw_field f4647v0[] = {
    {"TargetUserSid", SID},
    {"TargetUserName", S},
    {"TargetDomainName", S},
    {"TargetLogonId", H64},
};
static const struct hc_evtxw_field f4648v0[] = {
    {"SubjectUserSid", SID},  {"SubjectUserName", S},
    {"SubjectDomainName", S}, {"SubjectLogonId", H64},
    {"LogonGuid", GUID},      {"TargetUserName", S},
    {"TargetDomainName", S},  {"TargetLogonGuid", GUID},
    {"TargetServerName", S},  {"TargetInfo", S},
    {"ProcessId", PTR},       {"ProcessName", S},
    {"IpAddress", S},         {"IpPort", S},
};
static const struct hc_evtxw_field f4672v0[] = {
    {"SubjectUserSid", SID}, {"SubjectUserName", S}, {"SubjectDomainName", S},
    {"SubjectLogonId", H64}, {"PrivilegeList", S},
};

#define TGT_V0                                                                                     \
	{"TargetUserName", S}, {"TargetDomainName", S}, {"TargetSid", SID}, {"ServiceName", S},    \
	    {"ServiceSid", SID}, {"TicketOptions", H32}, {"Status", H32},                          \
	    {"TicketEncryptionType", H32}, {"PreAuthType", S}, {"IpAddress", S}, {"IpPort", S},    \
	    {"CertIssuerName", S}, {"CertSerialNumber", S},                                        \
	{                                                                                          \
		"CertThumbprint", S                                                                \
	}
#define ENC_V2                                                                                     \
	{"AccountSupportedEncryptionTypes", S}, {"AccountAvailableKeys", S},                       \
	    {"ServiceSupportedEncryptionTypes", S}, {"ServiceAvailableKeys", S},                   \
	    {"DCSupportedEncryptionTypes", S}, {"DCAvailableKeys", S},                             \
	    {"ClientAdvertizedEncryptionTypes", S},                                                \
	{                                                                                          \
		"SessionKeyEncryptionType", H32                                                    \
	}

static const struct hc_evtxw_field f4768v0[] = {TGT_V0};
static const struct hc_evtxw_field f4768v1[] = {TGT_V0, {"ResponseTicket", S}};
static const struct hc_evtxw_field f4768v2[] = {
    TGT_V0,
    {"ResponseTicket", S},
    ENC_V2,
    {"PreAuthEncryptionType", H32},
};

#define TGS_V0                                                                                     \
	{"TargetUserName", S}, {"TargetDomainName", S}, {"ServiceName", S}, {"ServiceSid", SID},   \
	    {"TicketOptions", H32}, {"TicketEncryptionType", H32}, {"IpAddress", S},               \
	    {"IpPort", S}, {"Status", H32}, {"LogonGuid", GUID},                                   \
	{                                                                                          \
		"TransmittedServices", S                                                           \
	}

static const struct hc_evtxw_field f4769v0[] = {TGS_V0};
static const struct hc_evtxw_field f4769v1[] = {
    TGS_V0,
    {"RequestTicketHash", S},
    {"ResponseTicketHash", S},
};
static const struct hc_evtxw_field f4769v2[] = {
    TGS_V0,
    {"RequestTicketHash", S},
    {"ResponseTicketHash", S},
    ENC_V2,
};
static const struct hc_evtxw_field f4771v0[] = {
    {"TargetUserName", S}, {"TargetSid", SID},      {"ServiceName", S},    {"TicketOptions", H32},
    {"Status", H32},       {"PreAuthType", S},      {"IpAddress", S},      {"IpPort", S},
    {"CertIssuerName", S}, {"CertSerialNumber", S}, {"CertThumbprint", S},
};
static const struct hc_evtxw_field f4776v0[] = {
    {"PackageName", S},
    {"TargetUserName", S},
    {"Workstation", S},
    {"Status", H32},
};
static const struct hc_evtxw_field f4778v0[] = {
    {"AccountName", S}, {"AccountDomain", S}, {"LogonID", H64},
    {"SessionName", S}, {"ClientName", S},    {"ClientAddress", S},
};

/* Windows Filtering Platform: 5156 "permitted a connection" (v1, Windows
 * 10 / Server 2016 and later), 5158 "permitted a bind to a local port"
 * (v0). 5156 spells ProcessID, 5158 ProcessId. */
static const struct hc_evtxw_field f5156v1[] = {
    {"ProcessID", U64},       {"Application", S}, {"Direction", S},   {"SourceAddress", S},
    {"SourcePort", S},        {"DestAddress", S}, {"DestPort", S},    {"Protocol", U32},
    {"FilterRTID", U64},      {"LayerName", S},   {"LayerRTID", U64}, {"RemoteUserID", SID},
    {"RemoteMachineID", SID},
};
static const struct hc_evtxw_field f5158v0[] = {
    {"ProcessId", U64}, {"Application", S},  {"SourceAddress", S}, {"SourcePort", S},
    {"Protocol", U32},  {"FilterRTID", U64}, {"LayerName", S},     {"LayerRTID", U64},
};
static const struct hc_evtxw_field f4688v2[] = {
    {"SubjectUserSid", SID},   {"SubjectUserName", S},   {"SubjectDomainName", S},
    {"SubjectLogonId", H64},   {"NewProcessId", PTR},    {"NewProcessName", S},
    {"TokenElevationType", S}, {"ProcessId", PTR},       {"CommandLine", S},
    {"TargetUserSid", SID},    {"TargetUserName", S},    {"TargetDomainName", S},
    {"TargetLogonId", H64},    {"ParentProcessName", S}, {"MandatoryLabel", SID},
};
/* NTLM/Operational 8001: outgoing NTLM authentication (audit) */
static const struct hc_evtxw_field f8001v0[] = {
    {"TargetName", S},     {"UserName", S},         {"DomainName", S},
    {"CallerPID", U32},    {"ProcessName", S},      {"ClientLUID", H64},
    {"ClientUserName", S}, {"ClientDomainName", S}, {"MechanismOID", S},
};
/* Sysmon 1 (process create) and 3 (network connection), version 5 */
static const struct hc_evtxw_field fsysmon1v5[] = {
    {"RuleName", S},
    {"UtcTime", S},
    {"ProcessGuid", GUID},
    {"ProcessId", U32},
    {"Image", S},
    {"FileVersion", S},
    {"Description", S},
    {"Product", S},
    {"Company", S},
    {"OriginalFileName", S},
    {"CommandLine", S},
    {"CurrentDirectory", S},
    {"User", S},
    {"LogonGuid", GUID},
    {"LogonId", H64},
    {"TerminalSessionId", U32},
    {"IntegrityLevel", S},
    {"Hashes", S},
    {"ParentProcessGuid", GUID},
    {"ParentProcessId", U32},
    {"ParentImage", S},
    {"ParentCommandLine", S},
};
static const struct hc_evtxw_field fsysmon3v5[] = {
    {"RuleName", S},
    {"UtcTime", S},
    {"ProcessGuid", GUID},
    {"ProcessId", U32},
    {"Image", S},
    {"User", S},
    {"Protocol", S},
    {"Initiated", BOOL},
    {"SourceIsIpv6", BOOL},
    {"SourceIp", S},
    {"SourceHostname", S},
    {"SourcePort", U16},
    {"SourcePortName", S},
    {"DestinationIsIpv6", BOOL},
    {"DestinationIp", S},
    {"DestinationHostname", S},
    {"DestinationPort", U16},
    {"DestinationPortName", S},
};

#define T(id, ver, task, fail, st, f)                                                              \
	{                                                                                          \
		id, ver, task, 0, 0, fail, st, {f, N(f)}, HC_TPL_SECURITY, 0                       \
	}
/* a template of another channel: level, channel, written by System */
#define TC(id, ver, task, level, f, chan, sys)                                                     \
	{                                                                                          \
		id, ver, task, 0, level, 0, -1, {f, N(f)}, chan, sys                               \
	}

static const struct hc_tpl tpls[] = {
    {4608, 0, TASK_SECURITY_STATE_CHANGE, 0, 0, 0, -1, {NULL, 0}, HC_TPL_SECURITY, 0},
    T(4624, 0, TASK_LOGON, 0, -1, f4624v0),
    T(4624, 1, TASK_LOGON, 0, -1, f4624v1),
    T(4624, 2, TASK_LOGON, 0, -1, f4624v2),
    T(4624, 3, TASK_LOGON, 0, -1, f4624v3),
    T(4625, 0, TASK_LOGON, 1, -1, f4625v0),
    T(4634, 0, TASK_LOGOFF, 0, -1, f4634v0),
    T(4647, 0, TASK_LOGOFF, 0, -1, f4647v0),
    T(4648, 0, TASK_LOGON, 0, -1, f4648v0),
    T(4672, 0, TASK_SPECIAL_LOGON, 0, -1, f4672v0),
    T(4768, 0, TASK_KERBEROS_AUTH_SERVICE, 0, 6, f4768v0),
    T(4768, 1, TASK_KERBEROS_AUTH_SERVICE, 0, 6, f4768v1),
    T(4768, 2, TASK_KERBEROS_AUTH_SERVICE, 0, 6, f4768v2),
    T(4769, 0, TASK_KERBEROS_SERVICE_TICKET, 0, 8, f4769v0),
    T(4769, 1, TASK_KERBEROS_SERVICE_TICKET, 0, 8, f4769v1),
    T(4769, 2, TASK_KERBEROS_SERVICE_TICKET, 0, 8, f4769v2),
    T(4771, 0, TASK_KERBEROS_AUTH_SERVICE, 1, -1, f4771v0),
    T(4776, 0, TASK_CREDENTIAL_VALIDATION, 0, 3, f4776v0),
    T(4778, 0, TASK_OTHER_LOGON, 0, -1, f4778v0),
    T(4779, 0, TASK_OTHER_LOGON, 0, -1, f4778v0),
    TC(5156, 1, TASK_FILTERING_PLATFORM_CONNECTION, 0, f5156v1, HC_TPL_SECURITY, 1),
    TC(5158, 0, TASK_FILTERING_PLATFORM_CONNECTION, 0, f5158v0, HC_TPL_SECURITY, 1),
    TC(4688, 2, TASK_PROCESS_CREATION, 0, f4688v2, HC_TPL_SECURITY, 1),
    TC(8001, 0, TASK_AUDITING_NTLM, 4, f8001v0, HC_TPL_NTLM, 0),
    TC(1, 5, 1, 4, fsysmon1v5, HC_TPL_SYSMON, 0),
    TC(3, 5, 3, 4, fsysmon3v5, HC_TPL_SYSMON, 0),
};

const struct hc_tpl_channel *hc_tpl_channel(enum hc_tpl_chan c)
{
	static const struct hc_tpl_channel ch[HC_TPL_NCHAN] = {
	    [HC_TPL_SECURITY] = {HC_TPL_CHANNEL, HC_TPL_PROVIDER_NAME, HC_TPL_PROVIDER_GUID, NULL,
	                         HC_TPL_KEYWORDS_SUCCESS, ".evtx", NULL},
	    [HC_TPL_SYSMON] = {"Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon",
	                       "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", "S-1-5-18",
	                       0x8000000000000000ULL, ".sysmon.evtx", "sysmon"},
	    [HC_TPL_NTLM] = {"Microsoft-Windows-NTLM/Operational", "Microsoft-Windows-NTLM",
	                     "{AC43300D-5FCC-4800-8E99-1BD3F85F0320}", "S-1-5-18",
	                     0x8000000000000000ULL, ".ntlm.evtx", "ntlm"},
	};
	return (unsigned)c < HC_TPL_NCHAN ? &ch[c] : &ch[0];
}

const struct hc_tpl *hc_tpl_find(uint16_t event_id, uint8_t version)
{
	for (size_t i = 0; i < N(tpls); i++)
		if (tpls[i].event_id == event_id && tpls[i].version == version)
			return &tpls[i];
	return NULL;
}

int hc_tpl_default_version(uint16_t event_id)
{
	int v = -1;

	if (event_id == 4624)
		return 2;
	for (size_t i = 0; i < N(tpls); i++)
		if (tpls[i].event_id == event_id && tpls[i].version > v)
			v = tpls[i].version;
	return v;
}

int hc_tpl_field_index(const struct hc_tpl *t, const char *name)
{
	for (size_t i = 0; i < t->data.nfields; i++)
		if (strcmp(t->data.fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct hc_tpl *hc_tpl_at(unsigned i)
{
	return i < N(tpls) ? &tpls[i] : NULL;
}

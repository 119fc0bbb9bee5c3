/* The decode tables (sources: DOMAIN.md 2.1, 3.4, 4.1, 4.2, 1.6). Kept as
 * sorted-or-small arrays searched linearly: they are tiny and cold. */
#include "decode.h"

#include <stddef.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	int type;
	const char *name;
	int reusable;
} logon_types[] = {
    {0, "System", 0},
    {2, "Interactive", 1},
    {3, "Network", 0},
    {4, "Batch", 1},
    {5, "Service", 1},
    {6, "Proxy", 0},
    {7, "Unlock", 0},
    {8, "NetworkCleartext", 1},
    {9, "NewCredentials", 1},
    {10, "RemoteInteractive", 1},
    {11, "CachedInteractive", 1},
    {12, "CachedRemoteInteractive", 1},
    {13, "CachedUnlock", 0},
};

const char *hc_decode_logon_type(int type)
{
	for (size_t i = 0; i < COUNT(logon_types); i++)
		if (logon_types[i].type == type)
			return logon_types[i].name;
	return NULL;
}

int hc_logon_type_reusable(int type)
{
	for (size_t i = 0; i < COUNT(logon_types); i++)
		if (logon_types[i].type == type)
			return logon_types[i].reusable;
	return 0;
}

/* msobjs.dll parameter messages (DOMAIN.md 3.4 and 4.2), sorted by id. */
static const struct {
	int id;
	const char *text;
} msobjs[] = {
    {1832, "Identification"},
    {1833, "Impersonation"},
    {1840, "Delegation"},
    {1841, "Denied by Process Trust Label ACE"},
    {1842, "Yes"},
    {1843, "No"},
    {1844, "System"},
    {1845, "Not Available"},
    {1846, "Default"},
    {1847, "DisallowMmConfig"},
    {1848, "Off"},
    {1849, "Auto"},
    {2304, "An Error occured during Logon."},
    {2305, "The specified user account has expired."},
    {2306, "The NetLogon component is not active."},
    {2307, "Account locked out."},
    {2308, "The user has not been granted the requested logon type at this machine."},
    {2309, "The specified account's password has expired."},
    {2310, "Account currently disabled."},
    {2311, "Account logon time restriction violation."},
    {2312, "User not allowed to logon at this computer."},
    {2313, "Unknown user name or bad password."},
    {2314, "Domain sid inconsistent."},
    {2315, "Smartcard logon is required and was not used."},
};

const char *hc_decode_msobjs(const char *token)
{
	int id = 0, nd = 0;

	if (!token || token[0] != '%' || token[1] != '%')
		return NULL;
	for (const char *p = token + 2; *p; p++, nd++) {
		if (*p < '0' || *p > '9' || nd >= 6)
			return NULL;
		id = id * 10 + (*p - '0');
	}
	if (!nd)
		return NULL;
	/* the table is sorted by id: halved, not walked (a 4625's failure
	 * reason is near its end) */
	for (size_t lo = 0, hi = COUNT(msobjs); lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		if (msobjs[mid].id == id)
			return msobjs[mid].text;
		if (msobjs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct {
	uint32_t code;
	const char *name;
	const char *meaning;
} ntstatus[] = {
    {0x00000000, "STATUS_SUCCESS", "success"},
    {0xC000005E, "STATUS_NO_LOGON_SERVERS", "no logon servers available"},
    {0xC0000064, "STATUS_NO_SUCH_USER", "user name does not exist"},
    {0xC000006A, "STATUS_WRONG_PASSWORD", "user exists, wrong password"},
    {0xC000006C, "STATUS_PASSWORD_RESTRICTION", "password policy not met"},
    {0xC000006D, "STATUS_LOGON_FAILURE", "bad user name or authentication information"},
    {0xC000006E, "STATUS_ACCOUNT_RESTRICTION", "account restriction"},
    {0xC000006F, "STATUS_INVALID_LOGON_HOURS", "outside the allowed logon hours"},
    {0xC0000070, "STATUS_INVALID_WORKSTATION", "not allowed to log on from this workstation"},
    {0xC0000071, "STATUS_PASSWORD_EXPIRED", "password expired"},
    {0xC0000072, "STATUS_ACCOUNT_DISABLED", "account disabled"},
    {0xC00000DC, "STATUS_INVALID_SERVER_STATE", "SAM server in the wrong state"},
    {0xC0000133, "STATUS_TIME_DIFFERENCE_AT_DC", "clock skew between the DC and this computer"},
    {0xC000015B, "STATUS_LOGON_TYPE_NOT_GRANTED", "logon type not granted on this machine"},
    {0xC000018C, "STATUS_TRUSTED_DOMAIN_FAILURE", "trust relationship failed"},
    {0xC0000192, "STATUS_NETLOGON_NOT_STARTED", "Netlogon service not started"},
    {0xC0000193, "STATUS_ACCOUNT_EXPIRED", "account expired"},
    {0xC0000224, "STATUS_PASSWORD_MUST_CHANGE", "password must change at next logon"},
    {0xC0000225, "STATUS_NOT_FOUND", "a Windows bug, not a risk"},
    {0xC0000234, "STATUS_ACCOUNT_LOCKED_OUT", "account locked out"},
    {0xC00002EE, "STATUS_UNFINISHED_CONTEXT_DELETED", "an error occurred during logon"},
    {0xC0000371, "STATUS_NO_SECRETS", "the local account store has no secret for the account"},
    {0xC0000413, "STATUS_AUTHENTICATION_FIREWALL_FAILED",
     "authentication firewall: account not allowed to authenticate to this machine"},
};

const char *hc_decode_ntstatus(uint32_t status, const char **meaning)
{
	for (size_t i = 0; i < COUNT(ntstatus); i++)
		if (ntstatus[i].code == status) {
			if (meaning)
				*meaning = ntstatus[i].meaning;
			return ntstatus[i].name;
		}
	return NULL;
}

static const struct {
	uint32_t code;
	const char *name;
	const char *meaning;
} kerberos[] = {
    {0x0, "KDC_ERR_NONE", "success"},
    {0x6, "KDC_ERR_C_PRINCIPAL_UNKNOWN", "client unknown"},
    {0x7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "server (SPN) not found"},
    {0xC, "KDC_ERR_POLICY", "logon restriction"},
    {0xD, "KDC_ERR_BADOPTION", "option refused (e.g. delegation target not allowed)"},
    {0xE, "KDC_ERR_ETYPE_NOTSUPP", "encryption type not supported"},
    {0x10, "KDC_ERR_PADATA_TYPE_NOSUPP", "pre-authentication type not supported"},
    {0x12, "KDC_ERR_CLIENT_REVOKED", "account disabled, expired or locked"},
    {0x17, "KDC_ERR_KEY_EXPIRED", "password expired"},
    {0x18, "KDC_ERR_PREAUTH_FAILED", "wrong password"},
    {0x19, "KDC_ERR_PREAUTH_REQUIRED", "pre-authentication required"},
    {0x1B, "KDC_ERR_MUST_USE_USER2USER", "server requires user-to-user"},
    {0x1F, "KRB_AP_ERR_BAD_INTEGRITY", "integrity check failed"},
    {0x20, "KRB_AP_ERR_TKT_EXPIRED", "ticket expired (renewal noise)"},
    {0x21, "KRB_AP_ERR_TKT_NYV", "ticket not yet valid (clock)"},
    {0x22, "KRB_AP_ERR_REPEAT", "replay"},
    {0x24, "KRB_AP_ERR_BADMATCH", "ticket and authenticator do not match"},
    {0x25, "KRB_AP_ERR_SKEW", "clock skew too great"},
    {0x29, "KRB_AP_ERR_MODIFIED", "message modified"},
    {0x3C, "KRB_ERR_GENERIC", "generic error"},
    {0x44, "KDC_ERR_WRONG_REALM", "wrong realm"},
};

const char *hc_decode_kerberos(uint32_t code, const char **meaning)
{
	for (size_t i = 0; i < COUNT(kerberos); i++)
		if (kerberos[i].code == code) {
			if (meaning)
				*meaning = kerberos[i].meaning;
			return kerberos[i].name;
		}
	return NULL;
}

static const struct {
	uint32_t etype;
	const char *name;
} etypes[] = {
    {0x1, "DES-CBC-CRC"},
    {0x3, "DES-CBC-MD5"},
    {0x11, "AES128-CTS-HMAC-SHA1-96"},
    {0x12, "AES256-CTS-HMAC-SHA1-96"},
    {0x17, "RC4-HMAC"},
    {0x18, "RC4-HMAC-EXP"},
    {0xFFFFFFFF, "failure"},
};

const char *hc_decode_ticket_encryption(uint32_t etype)
{
	for (size_t i = 0; i < COUNT(etypes); i++)
		if (etypes[i].etype == etype)
			return etypes[i].name;
	return NULL;
}

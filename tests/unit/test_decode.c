/* Unit tests for parsers/decode.c: every class of table entry, unknown codes
 * and malformed %% tokens (DOMAIN.md 2.1, 3.4, 4, 1.6). */
#include "decode.h"
#include "hc_test.h"

#include <stdbool.h>
#include <stdio.h>

static void test_logon_types(void)
{
	static const struct {
		int type;
		const char *name;
		int reusable;
	} want[] = {
	    {0, "System", 0},
	    {1, NULL, 0}, /* not defined: the enum jumps from 0 to 2 */
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
	    {14, NULL, 0},
	    {-1, NULL, 0},
	    {1000, NULL, 0},
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_STR(hc_decode_logon_type(want[i].type), want[i].name);
		CHECK_INT(hc_logon_type_reusable(want[i].type), want[i].reusable);
	}
}

static void test_msobjs(void)
{
	CHECK_STR(hc_decode_msobjs("%%1832"), "Identification");
	CHECK_STR(hc_decode_msobjs("%%1833"), "Impersonation");
	CHECK_STR(hc_decode_msobjs("%%1840"), "Delegation");
	CHECK_STR(hc_decode_msobjs("%%1842"), "Yes");
	CHECK_STR(hc_decode_msobjs("%%1843"), "No");
	CHECK_STR(hc_decode_msobjs("%%2304"), "An Error occured during Logon.");
	CHECK_STR(hc_decode_msobjs("%%2305"), "The specified user account has expired.");
	CHECK_STR(hc_decode_msobjs("%%2307"), "Account locked out.");
	CHECK_STR(hc_decode_msobjs("%%2310"), "Account currently disabled.");
	CHECK_STR(hc_decode_msobjs("%%2313"), "Unknown user name or bad password.");
	CHECK_STR(hc_decode_msobjs("%%2315"), "Smartcard logon is required and was not used.");
	/* every id of the table decodes, and nothing between or around them
	 * (the lookup halves the table: an id out of order would be lost) */
	for (int id = 1800; id <= 2400; id++) {
		char tok[16];
		bool known = id == 1832 || id == 1833 || (id >= 1840 && id <= 1849) ||
		             (id >= 2304 && id <= 2315);
		snprintf(tok, sizeof(tok), "%%%%%d", id);
		CHECK((hc_decode_msobjs(tok) != NULL) == known);
	}
	/* unknown and malformed tokens */
	CHECK_NULL(hc_decode_msobjs("%%2316"));
	CHECK_NULL(hc_decode_msobjs("%%1834"));
	CHECK_NULL(hc_decode_msobjs("%%"));
	CHECK_NULL(hc_decode_msobjs("%%abc"));
	CHECK_NULL(hc_decode_msobjs("%%18a3"));
	CHECK_NULL(hc_decode_msobjs("%%99999999"));
	CHECK_NULL(hc_decode_msobjs("%%-1832"));
	CHECK_NULL(hc_decode_msobjs("%%1833 "));
	CHECK_NULL(hc_decode_msobjs("%1833"));
	CHECK_NULL(hc_decode_msobjs("1833"));
	CHECK_NULL(hc_decode_msobjs(""));
	CHECK_NULL(hc_decode_msobjs("-"));
	CHECK_NULL(hc_decode_msobjs(NULL));
	/* leading zeros are still the same number, but the table has no 0 */
	CHECK_NULL(hc_decode_msobjs("%%0"));
}

static void test_ntstatus(void)
{
	const char *m = NULL;

	CHECK_STR(hc_decode_ntstatus(0xC000006D, &m), "STATUS_LOGON_FAILURE");
	CHECK(m != NULL && *m);
	m = NULL;
	CHECK_STR(hc_decode_ntstatus(0xC000006A, &m), "STATUS_WRONG_PASSWORD");
	CHECK_STR(m, "user exists, wrong password");
	CHECK_STR(hc_decode_ntstatus(0xC0000064, NULL), "STATUS_NO_SUCH_USER");
	CHECK_STR(hc_decode_ntstatus(0xC0000234, NULL), "STATUS_ACCOUNT_LOCKED_OUT");
	CHECK_STR(hc_decode_ntstatus(0, NULL), "STATUS_SUCCESS");
	/* unknown: NULL and *meaning untouched */
	m = "untouched";
	CHECK_NULL(hc_decode_ntstatus(0xC0DEC0DE, &m));
	CHECK_STR(m, "untouched");
	CHECK_NULL(hc_decode_ntstatus(0xFFFFFFFF, NULL));
}

static void test_kerberos(void)
{
	const char *m = NULL;

	CHECK_STR(hc_decode_kerberos(0x18, &m), "KDC_ERR_PREAUTH_FAILED");
	CHECK_STR(m, "wrong password");
	CHECK_STR(hc_decode_kerberos(0x25, NULL), "KRB_AP_ERR_SKEW");
	CHECK_STR(hc_decode_kerberos(0x6, NULL), "KDC_ERR_C_PRINCIPAL_UNKNOWN");
	CHECK_STR(hc_decode_kerberos(0xD, NULL), "KDC_ERR_BADOPTION");
	CHECK_STR(hc_decode_kerberos(0x20, NULL), "KRB_AP_ERR_TKT_EXPIRED");
	CHECK_STR(hc_decode_kerberos(0x0, NULL), "KDC_ERR_NONE");
	m = "untouched";
	CHECK_NULL(hc_decode_kerberos(0x99, &m));
	CHECK_STR(m, "untouched");
	/* an NTSTATUS is not a Kerberos code */
	CHECK_NULL(hc_decode_kerberos(0xC000006A, NULL));
}

static void test_etypes(void)
{
	CHECK_STR(hc_decode_ticket_encryption(0x1), "DES-CBC-CRC");
	CHECK_STR(hc_decode_ticket_encryption(0x3), "DES-CBC-MD5");
	CHECK_STR(hc_decode_ticket_encryption(0x11), "AES128-CTS-HMAC-SHA1-96");
	CHECK_STR(hc_decode_ticket_encryption(0x12), "AES256-CTS-HMAC-SHA1-96");
	CHECK_STR(hc_decode_ticket_encryption(0x17), "RC4-HMAC");
	CHECK_STR(hc_decode_ticket_encryption(0x18), "RC4-HMAC-EXP");
	CHECK_STR(hc_decode_ticket_encryption(0xFFFFFFFF), "failure");
	CHECK_NULL(hc_decode_ticket_encryption(0x2));
	CHECK_NULL(hc_decode_ticket_encryption(0));
}

int main(void)
{
	test_logon_types();
	test_msobjs();
	test_ntstatus();
	test_kerberos();
	test_etypes();
	return hc_test_result();
}

/* Accounts and host names as the linker compares them: DOMAIN\user,
 * user@REALM and SIDs (DOMAIN.md 7.2); canonical host names. */
#include "correlate_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int hc_host_canon(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	if (!s || cap < 2)
		return 0;
	while (*s == '\\' || *s == ' ')
		s++;
	for (; *s && *s != '.' && *s != '$' && *s != '@' && *s != ' ' && n + 1 < cap; s++)
		out[n++] = (char)tolower((unsigned char)*s);
	out[n] = '\0';
	if (!n || strcmp(out, "-") == 0 || strcmp(out, "localhost") == 0)
		return 0;
	/* an address is not a name */
	if (isdigit((unsigned char)out[0]) && strspn(out, "0123456789") == n)
		return 0;
	return 1;
}

/* user@REALM -> user; length of the user part. */
size_t hc_user_len(const char *name)
{
	const char *at = strchr(name, '@');

	return at ? (size_t)(at - name) : strlen(name);
}

static int domains_compatible(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return 1;
	if (strcasecmp(a, b) == 0)
		return 1;
	/* NetBIOS CONTOSO vs DNS contoso.local */
	la = strcspn(a, ".");
	lb = strcspn(b, ".");
	if ((a[la] == '.') != (b[lb] == '.'))
		return la == lb && strncasecmp(a, b, la) == 0;
	return 0;
}

int hc_account_equal(const struct hc_account *a, const struct hc_account *b)
{
	const char *da, *db, *ra, *rb;
	size_t la, lb;

	if (a->sid && b->sid && strcmp(a->sid, "S-1-0-0") != 0 && strcmp(b->sid, "S-1-0-0") != 0)
		return strcasecmp(a->sid, b->sid) == 0;
	if (!a->name || !b->name)
		return 0;
	la = hc_user_len(a->name);
	lb = hc_user_len(b->name);
	if (la != lb || strncasecmp(a->name, b->name, la) != 0)
		return 0;
	ra = a->name[la] ? a->name + la + 1 : NULL;
	rb = b->name[lb] ? b->name + lb + 1 : NULL;
	da = a->domain ? a->domain : ra;
	db = b->domain ? b->domain : rb;
	return domains_compatible(da, db);
}

int hc_account_is_user(const struct hc_account *a)
{
	if (hc_account_is_anonymous(a))
		return 0;
	if (a->name) {
		size_t n = hc_user_len(a->name);
		if (n && a->name[n - 1] == '$')
			return 0;
		if ((n >= 4 && strncasecmp(a->name, "DWM-", 4) == 0) ||
		    (n >= 5 && strncasecmp(a->name, "UMFD-", 5) == 0))
			return 0;
	}
	if (a->sid) {
		/* (S-1-0-0 with a name is a 4625 for an unresolved account: a user) */
		static const char *const svc[] = {"S-1-5-18", "S-1-5-19", "S-1-5-20"};
		for (size_t i = 0; i < 3; i++)
			if (strcmp(a->sid, svc[i]) == 0)
				return 0;
		if (strncmp(a->sid, "S-1-5-90-", 9) == 0 || strncmp(a->sid, "S-1-5-96-", 9) == 0)
			return 0;
	}
	if (a->domain && (strcasecmp(a->domain, "NT AUTHORITY") == 0 ||
	                  strcasecmp(a->domain, "Window Manager") == 0 ||
	                  strcasecmp(a->domain, "Font Driver Host") == 0))
		return 0;
	return a->name != NULL || a->sid != NULL;
}

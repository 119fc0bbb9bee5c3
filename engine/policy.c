/* The package policy (--policy): which authentication packages are expected
 * for which host and account; by default Kerberos between domain hosts for
 * domain accounts (DOMAIN.md 3.1). */
#include "correlate_int.h"
#include "../parsers/regex.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static unsigned pkg_bit(const char *pkg)
{
	if (!pkg)
		return HC_PKG_OTHER;
	if (strcasecmp(pkg, "Kerberos") == 0)
		return HC_PKG_KERBEROS;
	if (strcasecmp(pkg, "NTLM") == 0)
		return HC_PKG_NTLM;
	if (strcasecmp(pkg, "Negotiate") == 0)
		return HC_PKG_NEGOTIATE;
	return HC_PKG_OTHER;
}

static bool re_match(const struct hc_regex *re, const char *s)
{
	return !re || (s && hc_regex_match(re, s, strlen(s)) == 1);
}

/* 1 when the policy does not allow `hop`'s package. */
bool hc_policy_package_unexpected(const struct hc_analysis *a, const struct hc_hop *h)
{
	const struct hc_policy *pol = ((struct priv *)a->priv)->o->policy;
	const struct hc_norm *n = &h->ev->norm;
	const char *dst = a->hosts[h->dst].name, *src = h->src >= 0 ? a->hosts[h->src].name : NULL;
	char acct[600];

	snprintf(acct, sizeof(acct), "%s\\%s", n->target.domain ? n->target.domain : "",
		 n->target.name ? n->target.name : "");
	if (pol) {
		for (size_t i = 0; i < pol->nlegacy; i++)
			if (re_match(pol->legacy[i], dst) || (src && re_match(pol->legacy[i], src)))
				return false;
		for (size_t i = 0; i < pol->nrules; i++)
			if (re_match(pol->rules[i].host, dst) && re_match(pol->rules[i].account, acct))
				return !(pol->rules[i].allow & pkg_bit(n->package));
	}
	/* default: Kerberos between domain hosts for domain accounts */
	if (pkg_bit(n->package) != HC_PKG_NTLM || h->anonymous || !hc_account_is_user(&n->target))
		return false;
	const char *fq = a->hosts[h->dst].fqdn;
	bool domain_host = fq && strchr(fq, '.');
	bool local_account = n->target.domain && a->hosts[h->dst].fqdn &&
			     strncasecmp(n->target.domain, a->hosts[h->dst].name,
					 strlen(a->hosts[h->dst].name)) == 0 &&
			     strlen(n->target.domain) == strlen(a->hosts[h->dst].name);
	return domain_host && !local_account && h->src >= 0;
}


/* The package policy (--policy): which authentication packages are expected
 * for which host and account; by default Kerberos between domain hosts for
 * domain accounts (DOMAIN.md 3.1). Rules are built here from their texts;
 * reading them from a JSON file is the front end's (jansson stays in one
 * file of each layer). */
#include "correlate_int.h"
#include "../parsers/regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

unsigned hc_policy_package_bit(const char *pkg)
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

/* 1 match, 0 no match, -1 undecided: the pattern hit PCRE2's match limit on
 * this subject. An undecided pattern is reported once (as `what`) and
 * decides nothing: a rule that cannot be evaluated must not raise a
 * finding (issue 8). */
static int re_test(struct hc_analysis *a, const struct hc_regex *re, const char *s,
                   const char *what, size_t i)
{
	struct priv *p = a->priv;
	int rc;

	if (!re)
		return 1;
	if (!s)
		return 0;
	rc = hc_regex_match(re, s, strlen(s));
	if (rc >= 0)
		return rc == 1;
	if (!hc_imap_find(&p->undecided, (uint64_t)(uintptr_t)re)) {
		(void)hc_imap_put(&p->undecided, (uint64_t)(uintptr_t)re, 1);
		hc_warn(
		    a,
		    "--policy: %s[%zu]: the pattern hit PCRE2's match limit (first on \"%.80s\"); "
		    "logons it cannot decide raise no unexpected-package finding",
		    what, i, s);
	}
	return -1;
}

/* 1 when the policy does not allow `hop`'s package. */
bool hc_policy_package_unexpected(struct hc_analysis *a, const struct hc_hop *h)
{
	const struct hc_policy *pol = ((struct priv *)a->priv)->o->policy;
	const struct hc_norm *n = &h->ev->norm;
	const char *dst = a->hosts[h->dst].name, *src = h->src >= 0 ? a->hosts[h->src].name : NULL;
	char acct[600];

	snprintf(acct, sizeof(acct), "%s\\%s", n->target.domain ? n->target.domain : "",
	         n->target.name ? n->target.name : "");
	if (pol) {
		for (size_t i = 0; i < pol->nlegacy; i++) {
			int m = re_test(a, pol->legacy[i], dst, "legacy_hosts", i);
			if (m == 0 && src)
				m = re_test(a, pol->legacy[i], src, "legacy_hosts", i);
			if (m != 0)
				return false; /* exempt, or undecided */
		}
		for (size_t i = 0; i < pol->nrules; i++) {
			int mh = re_test(a, pol->rules[i].host, dst, "rules.host", i);
			int ma = mh == 1
			             ? re_test(a, pol->rules[i].account, acct, "rules.account", i)
			             : mh;
			if (mh < 0 || ma < 0)
				return false;
			if (mh == 1 && ma == 1)
				return !(pol->rules[i].allow & hc_policy_package_bit(n->package));
		}
	}
	/* default: Kerberos between domain hosts for domain accounts */
	if (hc_policy_package_bit(n->package) != HC_PKG_NTLM || h->anonymous ||
	    !hc_account_is_user(&n->target))
		return false;
	const char *fq = a->hosts[h->dst].fqdn;
	bool domain_host = fq && strchr(fq, '.');
	bool local_account = n->target.domain && a->hosts[h->dst].fqdn &&
	                     strncasecmp(n->target.domain, a->hosts[h->dst].name,
	                                 strlen(a->hosts[h->dst].name)) == 0 &&
	                     strlen(n->target.domain) == strlen(a->hosts[h->dst].name);
	return domain_host && !local_account && h->src >= 0;
}

/* A policy pattern compiled case-insensitively, its error placed. */
static int pattern(const char *re, const char *what, size_t i, struct hc_regex **out,
                   struct hc_diag *d)
{
	*out = NULL;
	if (!re)
		return HC_OK;
	if (hc_regex_compile(re, 1, out, d) < 0) {
		hc_diag_prefix(d, "%s %zu: ", what, i);
		return HC_ERR_USAGE;
	}
	return HC_OK;
}

int hc_policy_add_rule(struct hc_policy *pol, const char *host, const char *account,
                       const char *const *allow, size_t nallow, struct hc_diag *d)
{
	struct hc_policy_rule r = {0}, *nr;
	size_t i = pol->nrules + 1;
	int rc;

	if ((rc = pattern(host, "host of rule", i, &r.host, d)) < 0 ||
	    (rc = pattern(account, "account of rule", i, &r.account, d)) < 0) {
		hc_regex_free(r.host);
		return rc;
	}
	for (size_t k = 0; k < nallow; k++)
		r.allow |= hc_policy_package_bit(allow[k]);
	if (!(nr = realloc(pol->rules, (pol->nrules + 1) * sizeof(*nr)))) {
		hc_regex_free(r.host);
		hc_regex_free(r.account);
		hc_diag_set(d, "out of memory");
		return HC_ERR_NOMEM;
	}
	pol->rules = nr;
	pol->rules[pol->nrules++] = r;
	return HC_OK;
}

int hc_policy_add_legacy(struct hc_policy *pol, const char *host, struct hc_diag *d)
{
	struct hc_regex *re, **nl;
	int rc = pattern(host, "legacy_hosts entry", pol->nlegacy + 1, &re, d);

	if (rc < 0)
		return rc;
	if (!(nl = realloc(pol->legacy, (pol->nlegacy + 1) * sizeof(*nl)))) {
		hc_regex_free(re);
		hc_diag_set(d, "out of memory");
		return HC_ERR_NOMEM;
	}
	pol->legacy = nl;
	pol->legacy[pol->nlegacy++] = re;
	return HC_OK;
}

void hc_policy_free(struct hc_policy *pol)
{
	if (!pol)
		return;
	for (size_t i = 0; i < pol->nrules; i++) {
		hc_regex_free(pol->rules[i].host);
		hc_regex_free(pol->rules[i].account);
	}
	for (size_t i = 0; i < pol->nlegacy; i++)
		hc_regex_free(pol->legacy[i]);
	free(pol->rules);
	free(pol->legacy);
	memset(pol, 0, sizeof(*pol));
}

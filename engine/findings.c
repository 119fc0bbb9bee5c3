/* Stage 7, findings: anonymous second hop, unexpected package, NTLM V1,
 * CredSSP exposure, delegation, failed hop (DOMAIN.md 5.3, 3.3, 6.2-6.4, 8.2). */
#include "correlate_int.h"
#include "../parsers/decode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* findings                                                             */

static const char *hostname(const struct hc_analysis *a, int h)
{
	return h >= 0 ? a->hosts[h].name : "(unknown)";
}

static int add_finding(struct hc_chain *c, const char *id, enum hc_severity sev,
		       const char *technique, size_t hop, const char *todo, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static int add_finding(struct hc_chain *c, const char *id, enum hc_severity sev,
		       const char *technique, size_t hop, const char *todo, const char *fmt, ...)
{
	struct hc_finding *nf = realloc(c->findings, (c->nfindings + 1) * sizeof(*nf));
	char what[600];
	va_list ap;

	if (!nf)
		return HC_ERR_NOMEM;
	c->findings = nf;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	nf += c->nfindings;
	nf->id = id;
	nf->severity = sev;
	nf->technique = technique;
	nf->hop = hop;
	nf->what = strdup(what);
	nf->todo = strdup(todo);
	if (!nf->what || !nf->todo) {
		free(nf->what);
		free(nf->todo);
		return HC_ERR_NOMEM;
	}
	c->nfindings++;
	return HC_OK;
}

int hc_findings_chain(struct hc_analysis *a, struct hc_chain *c)
{
	int rc = HC_OK;

	for (size_t i = 0; i < c->nhops && rc == HC_OK; i++) {
		const struct hc_hop *h = &a->hops[c->hops[i]];
		const struct hc_norm *n = &h->ev->norm;
		const struct hc_hop *prev = i ? &a->hops[c->hops[i - 1]] : NULL;
		const struct hc_hop *next = i + 1 < c->nhops ? &a->hops[c->hops[i + 1]] : NULL;
		const char *src = hostname(a, h->src), *dst = hostname(a, h->dst);
		const char *user = n->target.name ? n->target.name : "?";
		/* explicit credentials used on the source (a 4648) explain an
		 * authenticated onward hop without any delegation */
		bool explicit_creds = false;
		for (size_t k = 0; k < h->nev; k++)
			explicit_creds |= strcmp(h->evidence[k].role, "explicit-credentials") == 0;

		if (prev && h->anonymous && !h->failed) {
			const struct hc_norm *pn = &prev->ev->norm;
			bool imp = pn->impersonation == HC_IMP_IMPERSONATION ||
				   pn->impersonation == HC_IMP_IDENTIFICATION;
			rc = add_finding(
			    c, "anonymous-second-hop", HC_SEV_HIGH, NULL, i + 1,
			    "If the onward access is intended: use CredSSP for this pair "
			    "(Enable-WSManCredSSP on the client for the first host, -Role Server on it) "
			    "or Kerberos resource-based constrained delegation (Set-ADComputer <target> "
			    "-PrincipalsAllowedToDelegateToAccount <source>); otherwise find what on "
			    "the source tried to reach the target.",
			    "%s reached %s as ANONYMOUS LOGON from inside %s's session: the credentials "
			    "did not travel (double hop)%s",
			    src, dst, prev->ev->norm.target.name ? prev->ev->norm.target.name : "a user",
			    imp ? "; the first hop's ImpersonationLevel was Impersonation, not "
				  "Delegation" : "");
		}
		if (rc == HC_OK && !h->failed && h->ev->event_id == 4624 && hc_policy_package_unexpected(a, h))
			rc = add_finding(c, "unexpected-package", HC_SEV_MEDIUM, "T1550.002", i + 1,
					 "Check why Kerberos was not used (connection by IP address, "
					 "missing SPN, explicit credentials, pass-the-hash); restrict NTLM "
					 "or allow-list the host in --policy if it is legacy.",
					 "%s reached %s as %s with %s where the policy expects Kerberos", src,
					 dst, user, n->package ? n->package : "?");
		if (rc == HC_OK && n->lm_package && !h->anonymous &&
		    (strcasecmp(n->lm_package, "NTLM V1") == 0 || strcasecmp(n->lm_package, "LM") == 0))
			rc = add_finding(c, "ntlm-v1", HC_SEV_HIGH, "T1562.010", i + 1,
					 "Set LmCompatibilityLevel to 5 on clients and servers, find the "
					 "client that negotiates NTLMv1, and treat the account's hash as "
					 "exposed.",
					 "%s authenticated %s to %s with %s (crackable, relayable)", src, user,
					 dst, n->lm_package);
		if (rc == HC_OK && !h->failed && n->logon_type == 8)
			rc = add_finding(c, "credssp-exposure", next ? HC_SEV_HIGH : HC_SEV_MEDIUM,
					 "T1021.006", i + 1,
					 "Treat the account's credentials as exposed on this host; prefer "
					 "Kerberos constrained delegation over CredSSP, and disable CredSSP "
					 "(Disable-WSManCredSSP) where it is not needed.",
					 "%s logged on to %s with NetworkCleartext (type 8, CredSSP): %s's "
					 "reusable credentials now live on %s%s",
					 user, dst, user, dst, next ? ", and a further hop used them" : "");
		if (rc == HC_OK && !h->failed && hc_account_is_user(&n->target) &&
		    (n->impersonation == HC_IMP_DELEGATION || n->transmitted_services ||
		     (prev && !h->anonymous && !explicit_creds && n->package &&
		      strcasecmp(n->package, "Kerberos") == 0 && prev->ev->norm.logon_type == 3 &&
		      !prev->anonymous)))
			rc = add_finding(c, "delegation", HC_SEV_INFO, "T1558", i + 1,
					 "Confirm the delegation is configured on purpose and limited "
					 "(constrained or resource-based, not unconstrained); mark "
					 "privileged accounts sensitive and not delegable.",
					 "%s%s", n->impersonation == HC_IMP_DELEGATION
							 ? "the client handed delegatable credentials (ImpersonationLevel Delegation) to "
							 : n->transmitted_services ? "Kerberos constrained delegation (transited services) reached "
									   : "the onward hop succeeded through Kerberos delegation to ",
					 dst);
		if (rc == HC_OK && h->failed) {
			const char *m1 = NULL, *m2 = NULL;
			const char *s1 = n->has_status ? hc_decode_ntstatus(n->status, &m1) : NULL;
			const char *s2 = n->has_substatus && n->substatus
					     ? hc_decode_ntstatus(n->substatus, &m2) : NULL;
			rc = add_finding(c, "hop-failed", HC_SEV_MEDIUM, "T1078", i + 1,
					 "Check whether the failure is a double-hop or rights problem "
					 "(expected) or someone guessing credentials from the source host.",
					 "%s failed to log on to %s as %s: Status 0x%08x %s (%s), SubStatus "
					 "0x%08x %s (%s)",
					 src, dst, user, n->status, s1 ? s1 : "", m1 ? m1 : "?", n->substatus,
					 s2 ? s2 : "", m2 ? m2 : "-");
		}
	}
	return rc;
}

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

static void cite_all(struct hc_finding *f, const struct hc_hop *h, size_t from)
{
	for (size_t k = from; h && k < h->nev && f->nev < HC_MAX_EVIDENCE; k++) {
		bool dup = false;
		for (size_t q = 0; q < f->nev; q++)
			dup |= f->ev[q].ev == h->evidence[k].ev;
		if (!dup)
			f->ev[f->nev++] = h->evidence[k];
	}
}

/* Adds a finding on hop `h` (1-based position `hop` in `c`) that rests on
 * the hop's evidence: its logon first, then the parent hop's logon when
 * `prev` is given, then the rest. */
static int add_finding(struct hc_chain *c, const char *id, enum hc_severity sev,
                       const char *technique, size_t hop, const struct hc_hop *h,
                       const struct hc_hop *prev, const char *todo, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

static int add_finding(struct hc_chain *c, const char *id, enum hc_severity sev,
                       const char *technique, size_t hop, const struct hc_hop *h,
                       const struct hc_hop *prev, const char *todo, const char *fmt, ...)
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
	memset(nf, 0, sizeof(*nf));
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
	if (h && h->nev)
		nf->ev[nf->nev++] = h->evidence[0];
	if (prev && prev->nev && nf->nev < HC_MAX_EVIDENCE)
		nf->ev[nf->nev++] = prev->evidence[0];
	cite_all(nf, h, 1);
	c->nfindings++;
	return HC_OK;
}

/* One hop of a chain, as the per-hop rules see it. */
struct hop_ctx {
	struct hc_analysis *a;
	struct hc_chain *c;
	size_t i; /* its index in the chain */
	const struct hc_hop *h, *prev, *next;
	const struct hc_norm *n;
	const char *src, *dst, *user;
};

/* An anonymous hop continuing a user's session: the credentials did not
 * travel. Severity follows proof: high only when a record ties the logon
 * to the session, or it is the only one it can continue. */
static int rule_anonymous_second_hop(const struct hop_ctx *x)
{
	const struct hc_hop *h = x->h, *prev = x->prev;

	if (!prev || !h->anonymous || h->failed)
		return HC_OK;
	const struct hc_norm *pn = &prev->ev->norm;
	const struct hc_link *l = &x->a->links[x->c->links[x->i - 1]];
	bool imp =
	    pn->impersonation == HC_IMP_IMPERSONATION || pn->impersonation == HC_IMP_IDENTIFICATION;
	char why[200] = "";
	if (l->proof == HC_PROOF_NONE)
		snprintf(why, sizeof(why),
		         "; not proven: %zu user sessions were open on %s and no 4648, "
		         "8001 or connection record ties the logon to one",
		         h->nparents, x->src);
	return add_finding(x->c, "anonymous-second-hop",
	                   l->proof != HC_PROOF_NONE ? HC_SEV_HIGH : HC_SEV_MEDIUM, NULL, x->i + 1,
	                   h, prev,
	                   "If the onward access is intended: use CredSSP for this pair "
	                   "(Enable-WSManCredSSP on the client for the first host, -Role Server "
	                   "on it) "
	                   "or Kerberos resource-based constrained delegation (Set-ADComputer "
	                   "<target> "
	                   "-PrincipalsAllowedToDelegateToAccount <source>); otherwise find what "
	                   "on "
	                   "the source tried to reach the target.",
	                   "%s reached %s as ANONYMOUS LOGON from inside %s's session: the "
	                   "credentials "
	                   "did not travel (double hop)%s%s",
	                   x->src, x->dst, pn->target.name ? pn->target.name : "a user",
	                   imp ? "; the first hop's ImpersonationLevel was Impersonation, not "
	                         "Delegation"
	                       : "",
	                   why);
}

static int rule_unexpected_package(const struct hop_ctx *x)
{
	if (x->h->failed || x->h->ev->event_id != 4624 || !hc_policy_package_unexpected(x->a, x->h))
		return HC_OK;
	return add_finding(x->c, "unexpected-package", HC_SEV_MEDIUM, "T1550.002", x->i + 1, x->h,
	                   NULL,
	                   "Check why Kerberos was not used (connection by IP address, "
	                   "missing SPN, explicit credentials, pass-the-hash); restrict NTLM "
	                   "or allow-list the host in --policy if it is legacy.",
	                   "%s reached %s as %s with %s where the policy expects Kerberos", x->src,
	                   x->dst, x->user, x->n->package ? x->n->package : "?");
}

static int rule_ntlm_v1(const struct hop_ctx *x)
{
	const struct hc_norm *n = x->n;

	if (!n->lm_package || x->h->anonymous ||
	    (strcasecmp(n->lm_package, "NTLM V1") != 0 && strcasecmp(n->lm_package, "LM") != 0))
		return HC_OK;
	return add_finding(x->c, "ntlm-v1", HC_SEV_HIGH, "T1562.010", x->i + 1, x->h, NULL,
	                   "Set LmCompatibilityLevel to 5 on clients and servers, find the "
	                   "client that negotiates NTLMv1, and treat the account's hash as "
	                   "exposed.",
	                   "%s authenticated %s to %s with %s (crackable, relayable)", x->src,
	                   x->user, x->dst, n->lm_package);
}

static int rule_credssp_exposure(const struct hop_ctx *x)
{
	if (x->h->failed || x->n->logon_type != 8)
		return HC_OK;
	return add_finding(x->c, "credssp-exposure", x->next ? HC_SEV_HIGH : HC_SEV_MEDIUM,
	                   "T1021.006", x->i + 1, x->h, NULL,
	                   "Treat the account's credentials as exposed on this host; prefer "
	                   "Kerberos constrained delegation over CredSSP, and disable CredSSP "
	                   "(Disable-WSManCredSSP) where it is not needed.",
	                   "%s logged on to %s with NetworkCleartext (type 8, CredSSP): %s's "
	                   "reusable credentials now live on %s%s",
	                   x->user, x->dst, x->user, x->dst,
	                   x->next ? ", and a further hop used them" : "");
}

static int rule_delegation(const struct hop_ctx *x)
{
	const struct hc_hop *h = x->h, *prev = x->prev;
	const struct hc_norm *n = x->n;
	/* explicit credentials used on the source (a 4648) explain an
	 * authenticated onward hop without any delegation */
	bool explicit_creds = false;

	for (size_t k = 0; k < h->nev; k++)
		explicit_creds |= h->evidence[k].role == HC_ROLE_EXPLICIT;
	if (h->failed || !hc_account_is_user(&n->target) ||
	    !(n->impersonation == HC_IMP_DELEGATION || n->transmitted_services ||
	      (prev && !h->anonymous && !explicit_creds && n->package &&
	       strcasecmp(n->package, "Kerberos") == 0 && prev->ev->norm.logon_type == 3 &&
	       !prev->anonymous)))
		return HC_OK;
	return add_finding(x->c, "delegation", HC_SEV_INFO, "T1558", x->i + 1, h, NULL,
	                   "Confirm the delegation is configured on purpose and limited "
	                   "(constrained or resource-based, not unconstrained); mark "
	                   "privileged accounts sensitive and not delegable.",
	                   "%s%s",
	                   n->impersonation == HC_IMP_DELEGATION
	                       ? "the client handed delegatable credentials (ImpersonationLevel "
	                         "Delegation) to "
	                   : n->transmitted_services
	                       ? "Kerberos constrained delegation (transited services) reached "
	                       : "the onward hop succeeded through Kerberos delegation to ",
	                   x->dst);
}

static int rule_hop_failed(const struct hop_ctx *x)
{
	const struct hc_norm *n = x->n;
	const char *m1 = NULL, *m2 = NULL, *s1, *s2;

	if (!x->h->failed)
		return HC_OK;
	s1 = n->has_status ? hc_decode_ntstatus(n->status, &m1) : NULL;
	s2 = n->has_substatus && n->substatus ? hc_decode_ntstatus(n->substatus, &m2) : NULL;
	return add_finding(x->c, "hop-failed", HC_SEV_MEDIUM, "T1078", x->i + 1, x->h, NULL,
	                   "Check whether the failure is a double-hop or rights problem "
	                   "(expected) or someone guessing credentials from the source host.",
	                   "%s failed to log on to %s as %s: Status 0x%08x %s (%s), SubStatus "
	                   "0x%08x %s (%s)",
	                   x->src, x->dst, x->user, n->status, s1 ? s1 : "", m1 ? m1 : "?",
	                   n->substatus, s2 ? s2 : "", m2 ? m2 : "-");
}

/* The per-hop rules, in the order their findings are listed. */
static int (*const hop_rules[])(const struct hop_ctx *) = {
    rule_anonymous_second_hop, rule_unexpected_package, rule_ntlm_v1,
    rule_credssp_exposure,     rule_delegation,         rule_hop_failed,
};

int hc_findings_chain(struct hc_analysis *a, struct hc_chain *c)
{
	int rc = HC_OK;

	for (size_t i = 0; i < c->nhops && rc == HC_OK; i++) {
		const struct hc_hop *h = &a->hops[c->hops[i]];
		struct hop_ctx x = {
		    .a = a,
		    .c = c,
		    .i = i,
		    .h = h,
		    .prev = i ? &a->hops[c->hops[i - 1]] : NULL,
		    .next = i + 1 < c->nhops ? &a->hops[c->hops[i + 1]] : NULL,
		    .n = &h->ev->norm,
		    .src = hostname(a, h->src),
		    .dst = hostname(a, h->dst),
		    .user = h->ev->norm.target.name ? h->ev->norm.target.name : "?",
		};
		for (size_t r = 0; r < sizeof(hop_rules) / sizeof(hop_rules[0]) && rc == HC_OK; r++)
			rc = hop_rules[r](&x);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* fan-out                                                              */

/* One source and account reaching at least this many hosts, each logon
 * at most HC_FANOUT_GAP after the previous: one tool touching many hosts
 * (SharpHound's session enumeration, a spray of services). */
#define HC_FANOUT_MIN 5
#define HC_FANOUT_GAP (INT64_C(60) * HC_TICKS_PER_SEC)
#define HC_FANOUT_NAMED 20

static int cmp_fan(const void *x, const void *y, void *ctx)
{
	const struct hc_analysis *a = ctx;
	const struct hc_hop *h = &a->hops[*(const int *)x], *k = &a->hops[*(const int *)y];
	const char *hu = hc_hop_account(h)->name, *ku = hc_hop_account(k)->name;
	int c;

	if (h->src != k->src)
		return h->src < k->src ? -1 : 1;
	if (h->src < 0 && (c = strcmp(h->src_ip, k->src_ip)) != 0)
		return c;
	if ((c = strncasecmp(
	         hu, ku, hc_user_len(hu) > hc_user_len(ku) ? hc_user_len(hu) : hc_user_len(ku))) !=
	    0)
		return c;
	return hc_cmp_hop_at(x, y, ctx);
}

static bool same_actor(const struct hc_hop *h, const struct hc_hop *k)
{
	return h->src == k->src && (h->src >= 0 || strcmp(h->src_ip, k->src_ip) == 0) &&
	       hc_account_equal(hc_hop_account(h), hc_hop_account(k));
}

/* The fan-out run hops[v[lo..hi)] as one finding on the chain that starts
 * with its first hop. */
static int fanout_finding(struct hc_analysis *a, const int *v, size_t lo, size_t hi,
                          const int *chain_of)
{
	const struct hc_hop *first = &a->hops[v[lo]];
	struct hc_imap seen = {0};
	char targets[400] = "";
	size_t ntargets = 0, len = 0;
	int rc = HC_OK;

	for (size_t k = lo; k < hi && rc == HC_OK; k++) {
		int d = a->hops[v[k]].dst;
		if (hc_imap_find(&seen, (uint64_t)d))
			continue;
		rc = hc_imap_put(&seen, (uint64_t)d, 1);
		if (ntargets++ < HC_FANOUT_NAMED) {
			int w = snprintf(targets + len, sizeof(targets) - len, "%s%s",
			                 len ? ", " : "", a->hosts[d].name);
			if (w > 0 && (size_t)w < sizeof(targets) - len)
				len += (size_t)w;
		}
	}
	hc_imap_free(&seen);
	if (rc < 0 || ntargets < HC_FANOUT_MIN || chain_of[v[lo]] < 0)
		return rc;
	struct hc_chain *c = &a->chains[chain_of[v[lo]]];
	const char *user = hc_hop_account(first)->name;
	double secs = (double)(a->hops[v[hi - 1]].at - first->at) / (double)HC_TICKS_PER_SEC;
	size_t logons = 0;
	for (size_t k = lo; k < hi; k++) {
		const struct hc_hop *h = &a->hops[v[k]];
		int64_t last = h->nrepeats ? a->hops[h->repeats[h->nrepeats - 1]].at : h->at;
		logons += 1 + h->nrepeats;
		if ((double)(last - first->at) / (double)HC_TICKS_PER_SEC > secs)
			secs = (double)(last - first->at) / (double)HC_TICKS_PER_SEC;
	}
	rc = add_finding(c, "fan-out", HC_SEV_MEDIUM, "T1018", 1, first, NULL,
	                 "Find the tool that ran on the source at that moment (process creation, "
	                 "PowerShell and Sysmon logs); a directory or session enumeration "
	                 "(SharpHound) or a remote service spray precedes lateral movement.",
	                 "%s reached %zu hosts as %s within %.0f s (%zu logons): %s%s",
	                 first->src >= 0 ? a->hosts[first->src].name : first->src_ip, ntargets,
	                 user ? user : "?", secs, logons, targets,
	                 ntargets > HC_FANOUT_NAMED ? ", ..." : "");
	if (rc == HC_OK) {
		struct hc_finding *f = &c->findings[c->nfindings - 1];
		for (size_t k = lo + 1; k < hi && f->nev < HC_MAX_EVIDENCE; k++)
			f->ev[f->nev++] = a->hops[v[k]].evidence[0];
	}
	return rc;
}

/* One finding per run of a source's and account's user logons reaching
 * many hosts in a short time, on the chain its first logon starts. */
int hc_findings_fanout(struct hc_analysis *a)
{
	int *v = malloc((a->nhops + 1) * sizeof(*v)), *chain_of = NULL, rc = HC_OK;
	size_t n = 0;

	if (!v || !(chain_of = malloc((a->nhops + 1) * sizeof(*chain_of)))) {
		free(v);
		return HC_ERR_NOMEM;
	}
	for (size_t i = 0; i < a->nhops; i++) {
		const struct hc_hop *h = &a->hops[i];
		chain_of[i] = -1;
		if (h->cls == HC_CLASS_USER && !h->absorbed && h->repeat_of < 0 && !h->anonymous &&
		    (h->src >= 0 || h->src_ip) && hc_hop_account(h)->name)
			v[n++] = (int)i;
	}
	for (size_t c = a->nchains; c-- > 0;)
		chain_of[a->chains[c].hops[0]] = (int)c;
	qsort_r(v, n, sizeof(int), cmp_fan, a);
	for (size_t lo = 0, hi; lo < n && rc == HC_OK; lo = hi) {
		for (hi = lo + 1; hi < n && same_actor(&a->hops[v[lo]], &a->hops[v[hi]]) &&
		                  a->hops[v[hi]].at - a->hops[v[hi - 1]].at <= HC_FANOUT_GAP;
		     hi++)
			;
		if (hi - lo >= HC_FANOUT_MIN)
			rc = fanout_finding(a, v, lo, hi, chain_of);
	}
	free(chain_of);
	free(v);
	return rc;
}

/* Correlation: hosts -> sessions -> hops -> links -> chains -> findings,
 * in passes over the time-ordered events, one stage per file (see
 * correlate_int.h). This file runs the stages and holds what they share:
 * containers, warnings, the public small helpers. */
#include "correlate_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *hc_severity_name(enum hc_severity s)
{
	static const char *const n[] = {"info", "low", "medium", "high"};
	return (unsigned)s < 4 ? n[s] : "?";
}

int hc_severity_parse(const char *s, enum hc_severity *out)
{
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, hc_severity_name((enum hc_severity)i)) == 0) {
			*out = (enum hc_severity)i;
			return 0;
		}
	return -1;
}

void hc_correlate_opts_init(struct hc_correlate_opts *o)
{
	*o = (struct hc_correlate_opts){.skew = 5 * 60 * HC_TICKS_PER_SEC,
	                                .session_window = 10 * 3600 * HC_TICKS_PER_SEC};
}

bool hc_duration_parse(const char *s, int64_t *ticks)
{
	char *end;
	double v;
	int64_t mul = HC_TICKS_PER_SEC;

	/* digits and a point only: strtod would also take "nan", "inf", signs,
	 * exponents and hex floats */
	size_t digits = s ? strspn(s, "0123456789.") : 0;
	if (!digits)
		return false;
	v = hc_strtod_c(s, &end); /* "1.5m" whatever LC_NUMERIC says */
	if (end != s + digits || !(v >= 0 && v <= 1e7))
		return false;
	if (*end == 's' || *end == '\0')
		mul = HC_TICKS_PER_SEC;
	else if (*end == 'm')
		mul = 60 * HC_TICKS_PER_SEC;
	else if (*end == 'h')
		mul = 3600 * HC_TICKS_PER_SEC;
	else if (*end == 'd')
		mul = 86400 * HC_TICKS_PER_SEC;
	else
		return false;
	if (*end && end[1])
		return false;
	*ticks = (int64_t)(v * (double)mul);
	return true;
}

/* ------------------------------------------------------------------ */
/* growable arrays                                                      */

/* Keys are stored + 1 so that 0 marks a free slot. */
int hc_mlist_add(struct mlist *m, uint64_t key, int v)
{
	int *f = hc_imap_find(&m->key, key), slot;

	if (f) {
		slot = *f;
	} else {
		if (HC_GROW(m->l, m->n, m->cap) < 0)
			return HC_ERR_NOMEM;
		memset(&m->l[m->n], 0, sizeof(m->l[0]));
		if (hc_imap_put(&m->key, key, (int)m->n) < 0)
			return HC_ERR_NOMEM;
		slot = (int)m->n++;
	}
	return hc_ilist_add(&m->l[slot], v);
}

const struct ilist *hc_mlist_get(const struct mlist *m, uint64_t key)
{
	const int *f = hc_imap_find(&m->key, key);

	return f ? &m->l[*f] : NULL;
}

void hc_mlist_free(struct mlist *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->l[i].v);
	free(m->l);
	hc_imap_free(&m->key);
	memset(m, 0, sizeof(*m));
}

uint64_t hc_key_hash(uint64_t salt, const char *s, size_t n)
{
	return hc_fnv1a_lower(HC_FNV_INIT ^ salt, s, n);
}

int hc_ilist_add(struct ilist *l, int x)
{
	if (HC_GROW(l->v, l->n, l->cap) < 0)
		return HC_ERR_NOMEM;
	l->v[l->n++] = x;
	return HC_OK;
}

void hc_warn(struct hc_analysis *a, const char *fmt, ...)
{
	struct priv *p = a->priv;
	char msg[sizeof(a->warnings[0].msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* the same text repeats (a pair on every logon): once is enough */
	if (hc_smap_find(&p->warned, msg))
		return;
	if (a->nwarnings >= HC_MAX_WARNINGS) {
		p->warnings_dropped++;
		return;
	}
	if (HC_GROW(a->warnings, a->nwarnings, p->cap_warnings) < 0 ||
	    hc_smap_put(&p->warned, msg, 1) < 0)
		return; /* out of memory: a warning is not worth failing for */
	memcpy(a->warnings[a->nwarnings].msg, msg, sizeof(msg));
	a->nwarnings++;
}

/* The last warning says how many were not kept. */
static void warnings_finish(struct hc_analysis *a)
{
	struct priv *p = a->priv;

	if (!p->warnings_dropped || HC_GROW(a->warnings, a->nwarnings, p->cap_warnings) < 0)
		return;
	snprintf(a->warnings[a->nwarnings].msg, sizeof(a->warnings[0].msg),
	         "%zu more warnings were not kept (at most %d are)", p->warnings_dropped,
	         HC_MAX_WARNINGS);
	a->nwarnings++;
}

/* ------------------------------------------------------------------ */

int hc_correlate(const struct hc_eventset *set, const struct hc_correlate_opts *o,
                 struct hc_analysis *out)
{
	struct priv *p = calloc(1, sizeof(*p));
	int rc;

	memset(out, 0, sizeof(*out));
	if (!p)
		return HC_ERR_NOMEM;
	p->set = set;
	p->o = o;
	out->priv = p;
	if ((rc = hc_hosts_learn(out)) < 0 || (rc = hc_sessions_build(out)) < 0 ||
	    (rc = hc_witnesses_index(out)) < 0 || (rc = hc_hops_build(out)) < 0 ||
	    (rc = hc_clock_estimate(out)) < 0 || (rc = hc_classes_assign(out)) < 0 ||
	    (rc = hc_hops_fold(out)) < 0 || (rc = hc_links_build(out)) < 0)
		goto fail;
	hc_classes_finish(out);
	if ((rc = hc_chains_build(out)) < 0)
		goto fail;
	for (size_t i = 0; i < out->nchains; i++)
		if ((rc = hc_findings_chain(out, &out->chains[i])) < 0)
			goto fail;
	if ((rc = hc_findings_fanout(out)) < 0)
		goto fail;
	warnings_finish(out);
	return HC_OK;
fail:
	hc_analysis_free(out);
	return rc == HC_ERR_LIMIT ? HC_ERR_LIMIT : HC_ERR_NOMEM;
}

void hc_analysis_free(struct hc_analysis *a)
{
	struct priv *p;

	if (!a)
		return;
	p = a->priv;
	for (size_t i = 0; i < a->nhosts; i++) {
		free(a->hosts[i].name);
		free(a->hosts[i].fqdn);
		free(a->hosts[i].addr);
		free(a->hosts[i].boot);
	}
	free(a->hosts);
	free(a->sessions);
	for (size_t i = 0; i < a->nhops; i++)
		free(a->hops[i].repeats);
	free(a->hops);
	free(a->links);
	for (size_t i = 0; i < a->nchains; i++) {
		for (size_t k = 0; k < a->chains[i].nfindings; k++) {
			free(a->chains[i].findings[k].what);
			free(a->chains[i].findings[k].todo);
		}
		free(a->chains[i].findings);
		free(a->chains[i].hops);
		free(a->chains[i].links);
	}
	free(a->chains);
	free(a->warnings);
	if (p) {
		hc_smap_free(&p->host_by_name);
		hc_smap_free(&p->host_by_fqdn);
		hc_smap_free(&p->host_by_addr);
		for (size_t i = 0; i < p->naddrs; i++)
			free(p->addr_claims[i].v);
		free(p->addr_claims);
		free(p->claims);
		hc_imap_free(&p->claim_of);
		free(p->weak.v);
		if (p->host_claims)
			for (size_t i = 0; i < a->nhosts + 1; i++)
				free(p->host_claims[i].v);
		free(p->host_claims);
		free(p->ord);
		free(p->parg);
		free(p->pmax);
		free(p->aoff);
		hc_smap_free(&p->session_by_key);
		for (size_t i = 0; p->desktop && i < p->ndesktop + 1; i++)
			free(p->desktop[i].v);
		free(p->desktop);
		hc_smap_free(&p->warned);
		hc_imap_free(&p->undecided);
		size_t nh = p->nwitness_hosts + 1;
		for (size_t i = 0; i < nh && (p->inbound || p->explicit); i++) {
			if (p->inbound)
				free(p->inbound[i].v);
			if (p->explicit)
				free(p->explicit[i].v);
		}
		hc_mlist_free(&p->tickets);
		hc_mlist_free(&p->validations);
		hc_mlist_free(&p->connections);
		hc_mlist_free(&p->processes);
		for (size_t i = 0; p->ntlm_out && i < p->nwitness_hosts + 1; i++)
			free(p->ntlm_out[i].v);
		for (size_t i = 0; p->listener_in && i < p->nwitness_hosts + 1; i++)
			free(p->listener_in[i].v);
		free(p->ntlm_out);
		free(p->listener_in);
		free(p->pairs);
		free(p->inbound);
		free(p->explicit);

		free(p);
	}
	memset(a, 0, sizeof(*a));
}

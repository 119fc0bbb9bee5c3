/* Stage 4a, clocks: each host's clock offset against a reference host,
 * estimated from paired records of one act (the client's 4648 or the DC's
 * 4769 and the target's 4624; the source's outbound connection and the
 * target's 4624 by port), robustly (the median of the pairs, trusted only
 * when the pairs agree), so that linking compares corrected times and
 * --skew stays a tolerance around them (DOMAIN.md 7.5). */
#include "correlate_int.h"

#include <stdlib.h>
#include <string.h>

/* Pairs farther than this from their edge's median disagree with it. */
#define HC_CLOCK_AGREE (INT64_C(2) * HC_TICKS_PER_SEC)

struct edge {
	int x, y;  /* x < y */
	int64_t d; /* offset(y) - offset(x): the median */
	size_t n;  /* pairs */
	bool trusted;
};

static int cmp_pair(const void *p, const void *q)
{
	const struct clock_pair *a = p, *b = q;
	int ax = a->later < a->earlier ? a->later : a->earlier;
	int bx = b->later < b->earlier ? b->later : b->earlier;
	int ay = a->later ^ a->earlier ^ ax, by = b->later ^ b->earlier ^ bx;

	if (ax != bx)
		return ax - bx;
	return ay - by;
}

static int cmp_i64(const void *p, const void *q)
{
	int64_t a = *(const int64_t *)p, b = *(const int64_t *)q;

	return a < b ? -1 : a > b;
}

static int cmp_edge_n(const void *p, const void *q)
{
	const struct edge *a = p, *b = q;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	if (a->x != b->x)
		return a->x - b->x;
	return a->y - b->y;
}

/* The edges between host pairs: the median of their pairs' differences,
 * oriented x -> y (x < y), trusted when at least two pairs and at least
 * half of them agree with the median. */
static int make_edges(struct priv *p, struct edge **ret, size_t *nret)
{
	struct edge *e = NULL;
	size_t ne = 0;
	int64_t *d = malloc(p->npairs * sizeof(*d));

	if (!d || !(e = malloc(p->npairs * sizeof(*e)))) {
		free(d);
		return HC_ERR_NOMEM;
	}
	qsort(p->pairs, p->npairs, sizeof(*p->pairs), cmp_pair);
	for (size_t i = 0, j; i < p->npairs; i = j) {
		const struct clock_pair *c = &p->pairs[i];
		int x = c->later < c->earlier ? c->later : c->earlier;
		int y = c->later ^ c->earlier ^ x;
		size_t n = 0, agree = 0;
		for (j = i; j < p->npairs && cmp_pair(&p->pairs[j], c) == 0; j++)
			/* later - earlier = offset(later) - offset(earlier) + latency */
			d[n++] = p->pairs[j].later == y ? p->pairs[j].d : -p->pairs[j].d;
		qsort(d, n, sizeof(*d), cmp_i64);
		int64_t med = d[n / 2];
		for (size_t k = 0; k < n; k++)
			agree += d[k] - med <= HC_CLOCK_AGREE && med - d[k] <= HC_CLOCK_AGREE;
		e[ne++] = (struct edge){x, y, med, n, n >= 2 && agree * 2 >= n};
	}
	free(d);
	*ret = e;
	*nret = ne;
	return HC_OK;
}

/* Weighted union-find (union by size, so paths stay O(log n) deep):
 * rel[i] = offset(i) - offset(parent[i]). */
static int find(int *parent, int64_t *rel, int i)
{
	int r;

	if (parent[i] == i)
		return i;
	r = find(parent, rel, parent[i]);
	rel[i] += rel[parent[i]];
	parent[i] = r;
	return r;
}

/* Offsets along a maximum spanning forest of the trusted edges (Kruskal,
 * heaviest pair counts first), relative to the reference: the KDC in most
 * pairs, else the host in most pairs. */
int hc_clock_estimate(struct hc_analysis *a)
{
	struct priv *p = a->priv;
	struct edge *e = NULL;
	size_t ne = 0, *deg = NULL, *via = NULL, *size = NULL;
	int *parent = NULL, ref = -1, rc;
	int64_t *rel = NULL;

	if (!p->npairs)
		return HC_OK;
	if ((rc = make_edges(p, &e, &ne)) < 0)
		return rc;
	deg = calloc(a->nhosts + 1, sizeof(*deg));
	via = calloc(a->nhosts + 1, sizeof(*via));
	parent = malloc((a->nhosts + 1) * sizeof(*parent));
	rel = calloc(a->nhosts + 1, sizeof(*rel));
	size = malloc((a->nhosts + 1) * sizeof(*size));
	if (!deg || !via || !parent || !rel || !size) {
		rc = HC_ERR_NOMEM;
		goto out;
	}
	for (size_t k = 0; k < ne; k++)
		if (e[k].trusted) {
			deg[e[k].x] += e[k].n;
			deg[e[k].y] += e[k].n;
		}
	for (size_t h = 0; h < a->nhosts; h++) {
		bool kdc = a->hosts[h].kdc, rkdc = ref >= 0 && a->hosts[ref].kdc;
		parent[h] = (int)h;
		size[h] = 1;
		if (deg[h] && (ref < 0 || (kdc && !rkdc) || (kdc == rkdc && deg[h] > deg[ref])))
			ref = (int)h;
	}
	if (ref < 0)
		goto out;
	qsort(e, ne, sizeof(*e), cmp_edge_n);
	for (size_t k = 0; k < ne; k++) {
		int rx, ry;
		if (!e[k].trusted ||
		    (rx = find(parent, rel, e[k].x)) == (ry = find(parent, rel, e[k].y)))
			continue;
		/* offset(ry) - offset(rx) = rel(x) + d - rel(y) */
		int64_t d = rel[e[k].x] + e[k].d - rel[e[k].y];
		if (size[rx] >= size[ry]) {
			parent[ry] = rx;
			rel[ry] = d;
			size[rx] += size[ry];
		} else {
			parent[rx] = ry;
			rel[rx] = -d;
			size[ry] += size[rx];
		}
		/* how many pairs place each end: the heaviest edge that joined it */
		if (!via[e[k].x])
			via[e[k].x] = e[k].n;
		if (!via[e[k].y])
			via[e[k].y] = e[k].n;
	}
	int rr = find(parent, rel, ref);
	int64_t base = rel[ref];
	for (size_t h = 0; h < a->nhosts; h++) {
		if (!via[h] || find(parent, rel, (int)h) != rr)
			continue;
		int64_t off = rel[h] - base;
		a->hosts[h].clock = (struct hc_clock){
		    off, (int)h == ref ? deg[h] : via[h], ref,
		    (int)h != ref && (off >= HC_CLOCK_MIN || -off >= HC_CLOCK_MIN)};
	}
	for (size_t i = 0; i < a->nhops; i++)
		a->hops[i].at = hc_at(a, a->hops[i].dst, a->hops[i].time);
out:
	free(size);
	free(rel);
	free(parent);
	free(via);
	free(deg);
	free(e);
	return rc;
}

int64_t hc_at(const struct hc_analysis *a, int host, int64_t t)
{
	const struct hc_clock *c = host >= 0 ? &a->hosts[host].clock : NULL;

	return c && c->applied ? t - c->offset : t;
}

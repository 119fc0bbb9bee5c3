/* Stage 6, chains: the maximal paths along the best links, capped per
 * first hop and in all (a dense link graph has exponentially many). */
#include "correlate_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* chains                                                               */

struct walk {
	struct hc_analysis *a;
	struct ilist *children; /* per hop: link indexes to its children */
	int path[HC_MAX_CHAIN_LEN];
	int plinks[HC_MAX_CHAIN_LEN];
	size_t depth;
	size_t root_paths; /* chains emitted from the current first hop */
	bool capped;
	int rc;
};

static int emit_chain(struct walk *w)
{
	struct hc_analysis *a = w->a;
	struct priv *p = a->priv;
	struct hc_chain *c;

	if (a->nchains >= HC_MAX_CHAINS || w->root_paths >= HC_MAX_PATHS_PER_ROOT) {
		w->capped = true;
		return HC_OK;
	}
	w->root_paths++;
	if (HC_GROW(a->chains, a->nchains, p->cap_chains) < 0)
		return HC_ERR_NOMEM;
	c = &a->chains[a->nchains];
	memset(c, 0, sizeof(*c));
	c->nhops = w->depth;
	c->hops = malloc(w->depth * sizeof(int));
	c->links = malloc(w->depth * sizeof(int));
	if (!c->hops || !c->links) {
		free(c->hops);
		free(c->links);
		return HC_ERR_NOMEM;
	}
	memcpy(c->hops, w->path, w->depth * sizeof(int));
	memcpy(c->links, w->plinks + 1, (w->depth - 1) * sizeof(int));
	c->start = a->hops[c->hops[0]].time;
	c->end = a->hops[c->hops[c->nhops - 1]].time;
	a->nchains++;
	return HC_OK;
}

static bool on_path(const struct walk *w, int hop)
{
	for (size_t i = 0; i < w->depth; i++)
		if (w->path[i] == hop)
			return true;
	return false;
}

static void walk_from(struct walk *w, int hop)
{
	const struct ilist *ch;
	bool extended = false;

	/* once the caps are reached, stop exploring too: a dense candidate
	 * graph has exponentially many paths */
	if (w->rc < 0 || w->root_paths >= HC_MAX_PATHS_PER_ROOT || w->a->nchains >= HC_MAX_CHAINS) {
		w->capped = true;
		return;
	}
	w->path[w->depth++] = hop;
	ch = &w->children[hop];
	if (w->depth < HC_MAX_CHAIN_LEN)
		for (size_t k = 0; k < ch->n && w->rc == 0; k++) {
			int next = w->a->links[ch->v[k]].child;
			/* a cycle within the skew allowance: the path ends here */
			if (on_path(w, next))
				continue;
			w->plinks[w->depth] = ch->v[k];
			walk_from(w, next);
			extended = true;
		}
	if (!extended && (w->rc = emit_chain(w)) < 0)
		return;
	w->depth--;
}

static int cmp_chain(const void *x, const void *y)
{
	const struct hc_chain *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->nhops != b->nhops)
		return a->nhops > b->nhops ? -1 : 1;
	for (size_t i = 0; i < a->nhops && i < b->nhops; i++)
		if (a->hops[i] != b->hops[i])
			return a->hops[i] < b->hops[i] ? -1 : 1;
	return 0;
}

int hc_chains_build(struct hc_analysis *a)
{
	struct walk w = {.a = a};

	w.children = calloc(a->nhops + 1, sizeof(*w.children));
	if (!w.children)
		return HC_ERR_NOMEM;
	/* follow the best candidate parent of each hop, and those as good as
	 * it (ambiguous); weaker candidates stay listed on the hop */
	for (size_t l = 0; l < a->nlinks; l++) {
		const struct hc_hop *child = &a->hops[a->links[l].child];
		double best = a->links[child->parents[0]].confidence;
		if (a->links[l].confidence < best - HC_CHAIN_FOLLOW)
			continue;
		if (hc_ilist_add(&w.children[a->links[l].parent], (int)l) < 0) {
			w.rc = HC_ERR_NOMEM;
			goto out;
		}
	}
	for (size_t h = 0; h < a->nhops && w.rc == 0; h++)
		if (a->hops[h].nparents == 0 && !a->hops[h].absorbed && a->hops[h].repeat_of < 0) {
			w.root_paths = 0;
			walk_from(&w, (int)h);
		}
	if (w.capped)
		hc_warn(a, "too many chains: at most %d from one first hop and %d in all were kept",
		        HC_MAX_PATHS_PER_ROOT, HC_MAX_CHAINS);
	if (w.rc == 0 && a->nchains > 1)
		qsort(a->chains, a->nchains, sizeof(*a->chains), cmp_chain);
	for (size_t i = 0; i < a->nchains; i++)
		snprintf(a->chains[i].id, sizeof(a->chains[i].id), "C%04zu", i + 1);
out:
	for (size_t h = 0; h < a->nhops; h++)
		free(w.children[h].v);
	free(w.children);
	return w.rc;
}

/* The chain view (cli/chain_view.c): one analysis' chains rendered as the
 * story, json/jsonl, csv or dot, the same for `analyze` and `chains`. */
#ifndef HC_CHAIN_VIEW_H
#define HC_CHAIN_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../engine/correlate.h"
#include "table.h"

struct hc_view_opts {
	bool color;      /* the story's decoration */
	bool csv_raw;    /* csv values as they are (--csv-raw) */
	bool all;        /* every class of hop, not only users' (--all) */
	size_t min_hops; /* --min-hops */
};

/* What the view leaves out: first logons of their act per class (the
 * story shows the other classes with --all) and user chains shorter than
 * --min-hops. */
struct hc_view_hidden {
	size_t hops[4]; /* by enum hc_hop_class */
	size_t short_chains;
};

/* 1 when chain `c` is shown: at least min_hops hops, and a user's unless
 * o->all. */
bool hc_view_shows(const struct hc_analysis *a, const struct hc_chain *c,
                   const struct hc_view_opts *o);
/* Counts what the view hides of the whole analysis `a`. */
void hc_view_count_hidden(const struct hc_analysis *a, const struct hc_view_opts *o,
                          struct hc_view_hidden *x);
/* Prints `chains` (n, in order) of `a` in `fmt`; the story and JSON also
 * print the hosts, the warnings and `hidden`. Returns 0 or -1 (an output
 * or allocation error). */
int hc_view_print(const struct hc_analysis *a, const struct hc_chain *const *chains, size_t n,
                  const struct hc_view_hidden *hidden, enum hc_format fmt,
                  const struct hc_view_opts *o, FILE *out);

#endif

/* Internals shared by the loader (loader.c) and the packed event set
 * (packset.c): the per-part store a worker packs its events into, and the
 * sort keys both sorts use. Only those two files (and their unit test)
 * include this header. */
#ifndef HC_PACKSET_INT_H
#define HC_PACKSET_INT_H

#include "packset.h"

/* Ties on time are broken by file path, then record id, then load order
 * (`index`): the order of hc_events_sort. */
struct hc_sort_key {
	int64_t time;
	const char *file;
	uint64_t record_id;
	size_t index;
};

int hc_sort_key_cmp(const struct hc_sort_key *a, const struct hc_sort_key *b);
/* Sorts v[0..n) by hc_sort_key_cmp, in O(n log r) for r runs already in
 * order; `tmp` holds n / 2 + 1 keys. */
void hc_sort_keys(struct hc_sort_key *v, struct hc_sort_key *tmp, size_t n);

struct hc_pk_block;
struct hc_pk_rec;

/* The order of one part's event, kept beside it for the merge. */
struct hc_pk_key {
	int64_t time;
	uint64_t record_id;
};

/* The events one worker packed from one part of one file, in large blocks,
 * and their order (record order until hc_pk_part_sort). Zero it to start. */
struct hc_pk_part {
	struct hc_pk_block *blocks;
	const struct hc_pk_rec **recs;
	struct hc_pk_key *keys; /* of recs[0..n), set by hc_pk_part_sort */
	const char *file;       /* the path its events were read from */
	size_t n, cap;
	const char *last[3]; /* the latest packed computer, channel, provider */
};

/* Packs a copy of `ev` (its System fields and raw fields; the normalised
 * view is not kept). Returns 0 or HC_ERR_NOMEM (the part is unchanged). */
int hc_pk_part_add(struct hc_pk_part *pt, const struct hc_event *ev);
/* Sorts the part's events (stable, by time, then record id). Returns 0 or
 * HC_ERR_NOMEM (the part stays in record order). */
int hc_pk_part_sort(struct hc_pk_part *pt);
/* Frees what the part holds and zeroes it; NULL-safe. */
void hc_pk_part_free(struct hc_pk_part *pt);

/* A new, empty set, or NULL. */
struct hc_packset *hc_packset_new(void);
/* Moves the sorted part `pt` into `ps` (pt is then empty), after every part
 * taken before: parts are taken in load order. Returns 0 or HC_ERR_NOMEM
 * (pt is then unchanged). */
int hc_packset_take(struct hc_packset *ps, struct hc_pk_part *pt);
/* Merges the parts taken into the set's one order. Returns 0 or
 * HC_ERR_NOMEM. */
int hc_packset_finish(struct hc_packset *ps);

#endif

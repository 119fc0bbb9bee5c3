/* A packed event set: the events of a load kept as compactly as their raw
 * form allows (System fields and EventData, no normalised view, no
 * per-event allocation), sorted as hc_events_sort sorts, and handed back
 * one at a time, unpacked, to workers that render them in parallel while
 * the calling thread takes their output in order. What `events` prints
 * from: about a third of the memory of a struct hc_event set. Filled by
 * hc_events_load_packed (loader.h). */
#ifndef HC_PACKSET_H
#define HC_PACKSET_H

#include "../parsers/event.h"

struct hc_packset;

/* Per-thread room to unpack events into: zero it before first use, free it
 * with hc_unpack_free. */
struct hc_unpack {
	struct hc_field *fields;
	uint32_t *vlen; /* the length of each field's value */
	size_t capfields;
	char *scratch;
	size_t capscratch;
};

/* Events in the set. */
size_t hc_packset_count(const struct hc_packset *ps);

/* Event `i` of the sorted order as a borrowed event (ev->borrowed), its
 * normalised view filled: its strings lie in the set and in `u`, valid
 * until `u` is used again or freed; u->vlen[k] is the length of the value
 * of field k. Safe from several threads at once,
 * each with its own `u`. Returns 0 or HC_ERR_NOMEM. */
int hc_packset_event(const struct hc_packset *ps, size_t i, struct hc_event *ev,
                     struct hc_unpack *u);

void hc_unpack_free(struct hc_unpack *u);

/* Runs work(ctx, slot, from, to) for every batch [from, to) of `batch`
 * events of [0, hc_packset_count) on up to `threads` threads, and
 * done(ctx, slot, from, to) on the calling thread for each batch in order
 * once its work is over. At most `nslots` batches are between the two: a
 * batch's `slot` (< nslots) names them, for state the callbacks keep per
 * batch in flight (an output buffer). With threads <= 1 or nslots == 1 all
 * runs on the calling thread. The first negative return of a callback stops
 * the run and is returned; else 0 (HC_ERR_NOMEM when no thread could be
 * started is not returned: the calling thread then does the work). */
int hc_packset_each(const struct hc_packset *ps, size_t batch, unsigned threads, unsigned nslots,
                    int (*work)(void *ctx, unsigned slot, size_t from, size_t to),
                    int (*done)(void *ctx, unsigned slot, size_t from, size_t to), void *ctx);

/* Gives the set the path strings its events point to (freed with it). */
void hc_packset_adopt_paths(struct hc_packset *ps, char **paths, size_t npaths);

/* NULL-safe. */
void hc_packset_free(struct hc_packset *ps);

#endif

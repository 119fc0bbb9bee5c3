/* The threaded loader: reads a set of input files into one time-ordered
 * array of events, files (and parts of big ones) spread over worker
 * threads, diagnostics handed back in file order so the output does not
 * depend on scheduling. */
#ifndef HC_LOADER_H
#define HC_LOADER_H

#include "../parsers/input.h"
#include "../parsers/strpool.h"
#include "packset.h"

/* At most this many record errors of one file are passed on one by one; the
 * rest are counted in hc_file_result.failed. */
#define HC_MAX_DIAGS_PER_FILE 20
#define HC_MAX_THREADS 64
/* Two records with the same computer, channel and record id are one event
 * when their times are at most this far apart (100 ns ticks): the same
 * record from .evtx and from a JSON export differs in precision, while a
 * cleared log numbers its records from 1 again (queries/schema.sql). */
#define HC_DUP_WINDOW (INT64_C(5) * 60 * 10000000)

struct hc_file_result {
	const char *path;
	const char *backend; /* NULL when the file could not be opened */
	uint64_t records;    /* records read (normal ones) */
	uint64_t failed;     /* records that could not be read */
	uint64_t kept;       /* events kept */
	uint64_t duplicates; /* events dropped as already seen (HC_LOAD_DEDUP, or a store) */
	uint64_t added;      /* events a store took in (set by on_events) */
	bool open_failed;
	size_t ndiags; /* diagnostics reported (<= HC_MAX_DIAGS_PER_FILE + 1) */
};

struct hc_load_cb {
	/* one diagnostic (file, maybe record, message); `fatal_for_file` when
	 * the file could not be read at all */
	void (*on_diag)(void *ctx, const struct hc_diag *d, bool fatal_for_file);
	/* called once per file after its events are in */
	void (*on_file)(void *ctx, const struct hc_file_result *r);
	/* optional: called once per file (after its diagnostics, before
	 * on_file) with all its events in record order, before any is
	 * compacted or dropped as a duplicate; may set ev[i].store_id and
	 * r->added/r->duplicates. Not called for a file that could not be
	 * opened. A negative return stops the load, which returns it. */
	int (*on_events)(void *ctx, struct hc_file_result *r, struct hc_event *ev, size_t n);
	void *ctx;
};

/* hc_events_load flags. */
enum {
	/* keep only what correlation needs (hc_event_compact), after on_events */
	HC_LOAD_COMPACT = 1,
	/* keep the first of events with equal (computer, channel, record id)
	 * and times within HC_DUP_WINDOW, computer and channel compared
	 * case-insensitively, as a store does */
	HC_LOAD_DEDUP = 2,
	/* keep nothing in the set: events only go to on_events */
	HC_LOAD_DISCARD = 4,
};

struct hc_eventset {
	struct hc_event *v;
	size_t n;
	size_t cap;
	char **paths; /* optional: path strings the events point to, freed with the set */
	size_t npaths;
	void *dedup;               /* HC_LOAD_DEDUP index, freed with the set */
	struct hc_strpool **pools; /* strings of compacted events, freed with the set */
	size_t npools;
};

/* Gives `pool` to the set (freed with it). Returns 0 or HC_ERR_NOMEM (the
 * pool is then freed: only when no event uses it yet). */
int hc_eventset_adopt_pool(struct hc_eventset *set, struct hc_strpool *pool);

/* Reads every file of `paths` (borrowed; must outlive the set) with options
 * `o`, using up to `threads` workers, appending events to `set` in file
 * order (`flags`: HC_LOAD_*). Callbacks run on the calling thread, in file
 * order, as soon as each file is read: workers run at most a few files
 * ahead, so memory holds the set plus a few files' raw events. Returns 0,
 * HC_ERR_NOMEM, or what on_events returned; unreadable files and records
 * are reported, not returned. */
int hc_events_load(struct hc_eventset *set, char *const *paths, size_t npaths,
                   const struct hc_read_opts *o, unsigned threads, unsigned flags,
                   const struct hc_load_cb *cb);

struct hc_packset;

/* Reads every file of `paths` as hc_events_load does (the same callbacks
 * but on_events, which is not called), keeping the events packed
 * (packset.h: a third of the memory, no normalised view until asked) and
 * sorted as hc_events_sort sorts: each part sorts its events in its worker,
 * the parts are merged at the end. `paths` must outlive the set. Returns 0
 * and *ret (free with hc_packset_free), or HC_ERR_NOMEM. */
int hc_events_load_packed(struct hc_packset **ret, char *const *paths, size_t npaths,
                          const struct hc_read_opts *o, unsigned threads,
                          const struct hc_load_cb *cb);

/* Stable sort by time, then file path, then record id. Returns 0 or
 * HC_ERR_NOMEM (the set is then unchanged). */
int hc_events_sort(struct hc_eventset *set);

/* Frees all events, the array and `paths`; NULL-safe. */
void hc_eventset_free(struct hc_eventset *set);

#endif

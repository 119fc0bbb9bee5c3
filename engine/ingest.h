/* Growing a case: which input files are new (SHA-256 of their content),
 * reading and adding them (one transaction per file), and bringing the
 * analysis up to date, retried when another ingest adds events meanwhile.
 * The steps of `hopchain ingest` and `hopchain correlate`, for any front
 * end: nothing here prints; progress and diagnostics go to callbacks.
 *
 *   hc_ingest_plan    hash each input, skip what the case holds
 *   hc_ingest_read    read the new inputs into the case
 *   hc_case_correlate correlate the case and write its analysis
 */
#ifndef HC_INGEST_H
#define HC_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "correlate.h"
#include "loader.h"
#include "store.h"

/* What became of one input. */
enum hc_input_status {
	HC_INPUT_PENDING,      /* new: to be read (or not read: the run stopped) */
	HC_INPUT_UNREADABLE,   /* could not be hashed or opened (reported) */
	HC_INPUT_KNOWN,        /* its content is in the case already */
	HC_INPUT_SAME_CONTENT, /* the content of an earlier input of this run */
	HC_INPUT_ADDED,        /* read, and events came into the case */
	HC_INPUT_NO_NEW,       /* read; the case held every event already */
	HC_INPUT_NOT_ADDED,    /* read, but the case could not take it */
};
/* "already in the case", "added", ...: what the summary says. */
const char *hc_input_status_text(enum hc_input_status s);

struct hc_ingest_input {
	const char *path; /* borrowed from the caller's list */
	char sha256[65];  /* hex; "" when the file could not be hashed */
	int64_t size;
	enum hc_input_status status;
	bool have_res; /* read: `res` holds what the reader counted */
	struct hc_file_result res;
};

struct hc_ingest;

struct hc_ingest_cb {
	/* each diagnostic once, in input order: an input that cannot be
	 * hashed or opened, a record that cannot be read */
	void (*on_diag)(void *ctx, const struct hc_diag *d);
	/* after each input read, for progress (ig's counters are current) */
	void (*on_file)(void *ctx, const struct hc_ingest *ig, const struct hc_ingest_input *in);
	void *ctx;
};

struct hc_ingest {
	struct hc_ingest_input *in; /* one per input, in the caller's order */
	size_t nin;
	size_t *order; /* indexes of the inputs to read, in read order */
	size_t norder, cur;
	uint64_t bytes_total; /* of the inputs to read */
	uint64_t bytes_done, events_done;
	size_t files_done;
	uint64_t added;     /* events the case took in */
	size_t files_added; /* inputs that added events (a generation each) */
	int64_t gen;        /* the case's generation after the adds */
	bool input_errors;  /* an input or a record could not be read */
	bool stale;         /* the analysis needs correlating: events came in,
	                     * or an earlier run stopped before it */
	/* Events read into an empty case (compacted, deduplicated, sorted):
	 * hc_case_correlate starts from them instead of loading the case. */
	struct hc_eventset set;
	/* private */
	struct hc_store *store;
	const struct hc_ingest_cb *cb;
	bool store_failed;
	struct hc_diag store_diag;
};

/* Hashes each of files[0..n) (regular files: a directory is expanded by
 * the caller, hc_paths_expand) and marks the ones whose content the store
 * `s` holds, or an earlier input of the list has; the others are to be
 * read. `ig` is zeroed first; `files`, `s` and `cb` are borrowed until
 * hc_ingest_free. An input that cannot be hashed is reported and marked
 * unreadable. Returns 0, or HC_ERR_NOMEM / HC_ERR_IO (the store could
 * not be asked) with `d` filled. */
int hc_ingest_plan(struct hc_ingest *ig, struct hc_store *s, char *const *files, size_t n,
                   const struct hc_ingest_cb *cb, struct hc_diag *d);

/* Reads the inputs to be read with options `o` and up to `threads`
 * workers, adding each with its events to the store in one transaction,
 * then says whether the analysis needs correlating (ig->stale). When the
 * store was empty, the events read are kept in ig->set. Returns 0 (some
 * inputs may be unreadable: reported, ig->input_errors), or with `d`
 * filled: HC_ERR_IO (the store could not take a file; those before it
 * are in), HC_ERR_NOMEM. */
int hc_ingest_read(struct hc_ingest *ig, const struct hc_read_opts *o, unsigned threads,
                   struct hc_diag *d);

/* How many inputs the case holds after the run: known, same content, or
 * read (even with no new event). None for a run whose every input is
 * unreadable. */
size_t hc_ingest_usable(const struct hc_ingest *ig);

void hc_ingest_free(struct hc_ingest *ig);

/* One correlation pass of hc_case_correlate. */
enum hc_case_step { HC_CASE_LOADED, HC_CASE_CORRELATED, HC_CASE_WRITTEN };
struct hc_case_pass {
	size_t nevents;
	uint64_t unreadable; /* events of the case whose data could not be parsed */
	size_t nhosts, nsessions, nhops;
	size_t long_chains; /* of 2 hops or more */
	size_t nfindings;
	bool current; /* false: events came in while correlating */
};
struct hc_case_cb {
	/* at each step of each pass (for timings); may be NULL */
	void (*on_step)(void *ctx, enum hc_case_step step);
	/* after each pass that wrote an analysis; may be NULL */
	void (*on_pass)(void *ctx, const struct hc_case_pass *p);
	void *ctx;
};

/* Correlates every event of the store with options `co` and replaces its
 * analysis, recording `meta` (nmeta key/value pairs, as hc_store_write).
 * `set` holds the case's events of generation `gen` already (from
 * hc_ingest_read: ig->set, ig->gen), or is empty and is filled from the
 * store. When another ingest adds events meanwhile, the analysis is made
 * again from the store, HC_CASE_PASSES times at most. Returns 0 (the
 * analysis is current), 1 (the case kept changing: the analysis written
 * stays marked stale), or with `d` filled: HC_ERR_IO, HC_ERR_NOMEM,
 * HC_ERR_LIMIT (too many hosts). */
#define HC_CASE_PASSES 4
int hc_case_correlate(struct hc_store *s, const struct hc_correlate_opts *co,
                      const char *const *meta, size_t nmeta, struct hc_eventset *set, int64_t gen,
                      const struct hc_case_cb *cb, struct hc_diag *d);

#endif

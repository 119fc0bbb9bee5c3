/* Growing a case (ingest.h): plan by content hash, read and add file by
 * file, correlate with a retry when the case changes underneath. */
#include "ingest.h"
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

const char *hc_input_status_text(enum hc_input_status s)
{
	switch (s) {
	case HC_INPUT_PENDING:
		return "not read";
	case HC_INPUT_UNREADABLE:
		return "unreadable";
	case HC_INPUT_KNOWN:
		return "already in the case";
	case HC_INPUT_SAME_CONTENT:
		return "same content as an earlier input";
	case HC_INPUT_ADDED:
		return "added";
	case HC_INPUT_NO_NEW:
		return "no new events";
	case HC_INPUT_NOT_ADDED:
		return "not added (the case could not take it)";
	}
	return "?";
}

static void report(const struct hc_ingest *ig, const struct hc_diag *d)
{
	if (ig->cb && ig->cb->on_diag)
		ig->cb->on_diag(ig->cb->ctx, d);
}

/* 1 when an earlier input of this run to be read has the content of
 * input i, else 0 after noting it; `seen` is an open-addressing table of
 * input indexes + 1 with room for every input twice over. */
static int same_content(const struct hc_ingest *ig, size_t *seen, size_t cap, size_t i)
{
	char head[17];
	size_t k, h;

	/* a digest is uniform: its first 16 hex digits are a good hash */
	memcpy(head, ig->in[i].sha256, 16);
	head[16] = '\0';
	h = (size_t)strtoull(head, NULL, 16);
	for (k = h & (cap - 1); seen[k]; k = (k + 1) & (cap - 1))
		if (strcmp(ig->in[seen[k] - 1].sha256, ig->in[i].sha256) == 0)
			return 1;
	seen[k] = i + 1;
	return 0;
}

int hc_ingest_plan(struct hc_ingest *ig, struct hc_store *s, char *const *files, size_t n,
                   const struct hc_ingest_cb *cb, struct hc_diag *d)
{
	size_t *seen = NULL, cap = 16;
	char known[HC_MAX_PATH];
	int rc = 0;

	memset(ig, 0, sizeof(*ig));
	ig->store = s;
	ig->cb = cb;
	while (cap < 2 * n + 2)
		cap *= 2;
	ig->in = calloc(n + 1, sizeof(*ig->in));
	ig->order = calloc(n + 1, sizeof(*ig->order));
	seen = calloc(cap, sizeof(*seen));
	if (!ig->in || !ig->order || !seen) {
		hc_diag_clear(d);
		hc_diag_set(d, "out of memory");
		free(seen);
		return HC_ERR_NOMEM;
	}
	ig->nin = n;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct hc_ingest_input *in = &ig->in[i];
		struct hc_diag fd;
		int f;

		in->path = files[i];
		if (hc_file_sha256(in->path, in->sha256, &in->size, &fd) < 0) {
			report(ig, &fd);
			in->status = HC_INPUT_UNREADABLE;
			ig->input_errors = true;
			continue;
		}
		if ((f = hc_store_find_file(s, in->sha256, known, sizeof(known), d)) < 0)
			rc = f;
		else if (f > 0)
			in->status = HC_INPUT_KNOWN;
		else if (same_content(ig, seen, cap, i))
			in->status = HC_INPUT_SAME_CONTENT;
		else {
			in->status = HC_INPUT_PENDING;
			ig->order[ig->norder++] = i;
			ig->bytes_total += (uint64_t)in->size;
		}
	}
	free(seen);
	return rc;
}

/* --- reading --------------------------------------------------------- */

static void on_diag(void *ctx, const struct hc_diag *d, bool fatal)
{
	struct hc_ingest *ig = ctx;

	(void)fatal;
	ig->input_errors = true;
	report(ig, d);
}

static int on_events(void *ctx, struct hc_file_result *r, struct hc_event *ev, size_t n)
{
	struct hc_ingest *ig = ctx;
	struct hc_ingest_input *in = &ig->in[ig->order[ig->cur]];
	struct hc_store_file f = {.path = in->path,
	                          .sha256 = in->sha256,
	                          .size = in->size,
	                          .backend = r->backend,
	                          .records = r->records,
	                          .failed = r->failed,
	                          .errors = r->ndiags};

	if (hc_store_add_file(ig->store, &f, ev, n, &r->added, &r->duplicates, &ig->store_diag) <
	    0) {
		hc_diag_prefix(&ig->store_diag, "cannot add to the case: ");
		ig->store_failed = true;
		return HC_ERR_IO;
	}
	ig->added += r->added;
	ig->files_added += r->added > 0;
	return 0;
}

static void on_file(void *ctx, const struct hc_file_result *r)
{
	struct hc_ingest *ig = ctx;
	struct hc_ingest_input *in = &ig->in[ig->order[ig->cur]];

	in->res = *r;
	in->have_res = true;
	in->status = ig->store_failed ? HC_INPUT_NOT_ADDED
	             : r->open_failed ? HC_INPUT_UNREADABLE
	             : r->added       ? HC_INPUT_ADDED
	                              : HC_INPUT_NO_NEW;
	if (r->failed || r->open_failed)
		ig->input_errors = true;
	ig->files_done++;
	ig->bytes_done += (uint64_t)(in->size > 0 ? in->size : 0);
	ig->events_done += r->kept;
	ig->cur++;
	if (ig->cb && ig->cb->on_file)
		ig->cb->on_file(ig->cb->ctx, ig, in);
}

/* The paths of the inputs to read, owned (events point into them: they
 * go to the set with it). */
static int read_list(const struct hc_ingest *ig, char ***out)
{
	char **v = calloc(ig->norder + 1, sizeof(*v));

	if (!v)
		return HC_ERR_NOMEM;
	for (size_t i = 0; i < ig->norder; i++)
		if (!(v[i] = strdup(ig->in[ig->order[i]].path))) {
			hc_paths_free(v, i);
			return HC_ERR_NOMEM;
		}
	*out = v;
	return 0;
}

int hc_ingest_read(struct hc_ingest *ig, const struct hc_read_opts *o, unsigned threads,
                   struct hc_diag *d)
{
	struct hc_load_cb cb = {
	    .on_diag = on_diag, .on_file = on_file, .on_events = on_events, .ctx = ig};
	int64_t before = 0, gen0 = 0;
	/* an absent analysis_stale row (an edited case) reads as "" */
	char stale[8] = "";
	unsigned flags = HC_LOAD_DISCARD;
	char **paths = NULL;
	int rc;

	if ((rc = hc_store_count_events(ig->store, &before, d)) < 0 ||
	    (rc = hc_store_generation(ig->store, &gen0, d)) < 0)
		return rc;
	/* into an empty case: keep what is read for the correlation */
	if (before == 0)
		flags = HC_LOAD_COMPACT | HC_LOAD_DEDUP;
	if (ig->norder) {
		if ((rc = read_list(ig, &paths)) < 0)
			goto nomem;
		rc = hc_events_load(&ig->set, paths, ig->norder, o, threads, flags, &cb);
		ig->set.paths = paths;
		ig->set.npaths = ig->norder;
		if (ig->store_failed) {
			/* the inputs before it are in the case */
			*d = ig->store_diag;
			return HC_ERR_IO;
		}
		if (rc < 0 || (rc = hc_events_sort(&ig->set)) < 0)
			goto nomem;
	}
	ig->gen = gen0 + (int64_t)ig->files_added;
	if ((rc = hc_store_get_meta(ig->store, "analysis_stale", stale, sizeof(stale), d)) < 0)
		return rc;
	ig->stale = ig->added || strcmp(stale, "1") == 0;
	return 0;
nomem:
	hc_diag_clear(d);
	hc_diag_set(d, "out of memory while reading");
	return HC_ERR_NOMEM;
}

size_t hc_ingest_usable(const struct hc_ingest *ig)
{
	size_t n = 0;

	for (size_t i = 0; i < ig->nin; i++) {
		const struct hc_ingest_input *in = &ig->in[i];
		n += in->status == HC_INPUT_KNOWN || in->status == HC_INPUT_SAME_CONTENT ||
		     (in->have_res && !in->res.open_failed);
	}
	return n;
}

void hc_ingest_free(struct hc_ingest *ig)
{
	if (!ig)
		return;
	hc_eventset_free(&ig->set);
	free(ig->in);
	free(ig->order);
	memset(ig, 0, sizeof(*ig));
}

/* --- correlating ----------------------------------------------------- */

static void step(const struct hc_case_cb *cb, enum hc_case_step s)
{
	if (cb && cb->on_step)
		cb->on_step(cb->ctx, s);
}

/* One pass: load (unless `set` holds the events), correlate, write.
 * Returns 0 (current), 1 (events came in meanwhile) or < 0. */
static int pass(struct hc_store *s, const struct hc_correlate_opts *co, const char *const *meta,
                size_t nmeta, struct hc_eventset *set, int64_t gen, bool load,
                const struct hc_case_cb *cb, struct hc_diag *d)
{
	struct hc_case_pass p = {0};
	struct hc_analysis an;
	int rc, w;

	if (load) {
		hc_eventset_free(set); /* the paths of a discarding ingest, or old */
		if ((rc = hc_store_load(s, set, &p.unreadable, &gen, d)) < 0) {
			hc_diag_prefix(d, "cannot read the case: ");
			return rc;
		}
	}
	step(cb, HC_CASE_LOADED);
	if ((rc = hc_correlate(set, co, &an)) < 0) {
		hc_diag_clear(d);
		hc_diag_set(d, "%s while correlating",
		            rc == HC_ERR_LIMIT ? "too many hosts" : "out of memory");
		return rc;
	}
	step(cb, HC_CASE_CORRELATED);
	if ((w = hc_store_write(s, set, &an, meta, nmeta, gen, d)) < 0) {
		hc_diag_prefix(d, "cannot write the analysis: ");
		hc_analysis_free(&an);
		return w;
	}
	step(cb, HC_CASE_WRITTEN);
	p.nevents = set->n;
	p.nhosts = an.nhosts;
	p.nsessions = an.nsessions;
	p.nhops = an.nhops;
	for (size_t i = 0; i < an.nchains; i++) {
		p.long_chains += an.chains[i].nhops >= 2;
		p.nfindings += an.chains[i].nfindings;
	}
	p.current = w == 0;
	hc_analysis_free(&an);
	if (cb && cb->on_pass)
		cb->on_pass(cb->ctx, &p);
	return w;
}

int hc_case_correlate(struct hc_store *s, const struct hc_correlate_opts *co,
                      const char *const *meta, size_t nmeta, struct hc_eventset *set, int64_t gen,
                      const struct hc_case_cb *cb, struct hc_diag *d)
{
	for (int attempt = 0; attempt < HC_CASE_PASSES; attempt++) {
		int rc = pass(s, co, meta, nmeta, set, gen, set->n == 0 || attempt > 0, cb, d);
		if (rc <= 0)
			return rc;
	}
	return 1;
}

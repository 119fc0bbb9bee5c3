/* Reading inputs for any command: expands directories, loads with worker
 * threads, prints each diagnostic once (escaped) and a per-file summary. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double hc_cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void hc_cli_diag(const struct hc_diag *d)
{
	fputs("hopchain: ", stderr);
	if (d->file[0]) {
		hc_term_put(stderr, d->file);
		fputs(": ", stderr);
	}
	if (d->has_offset)
		fprintf(stderr, "offset %llu: ", (unsigned long long)d->offset);
	hc_term_put(stderr, d->msg);
	fputc('\n', stderr);
}

struct load_ctx {
	const struct hc_global *g;
	const struct hc_cli_load_hooks *hooks;
	bool errors;
	size_t readable;
};

static void on_path_error(void *ctx, const struct hc_diag *d)
{
	struct load_ctx *lc = ctx;

	lc->errors = true;
	hc_cli_diag(d);
}

static void on_diag(void *ctx, const struct hc_diag *d, bool fatal)
{
	struct load_ctx *lc = ctx;

	(void)fatal;
	lc->errors = true;
	hc_cli_diag(d);
}

static void on_file(void *ctx, const struct hc_file_result *r)
{
	struct load_ctx *lc = ctx;

	if (!r->open_failed)
		lc->readable++;
	if (r->failed)
		lc->errors = true;
	if (lc->hooks && lc->hooks->on_file)
		lc->hooks->on_file(lc->hooks->ctx, r);
}

static int on_events(void *ctx, struct hc_file_result *r, struct hc_event *ev, size_t n)
{
	struct load_ctx *lc = ctx;

	return lc->hooks->on_events(lc->hooks->ctx, r, ev, n);
}

/* The input files of `paths` (directories expanded) into *files; 0, or an
 * HC_EXIT_* code (reported). */
static int input_files(struct load_ctx *lc, char *const *paths, size_t npaths, char ***files,
                       size_t *nfiles)
{
	int rc;

	*files = NULL;
	*nfiles = 0;
	rc = hc_paths_expand((const char *const *)paths, npaths, on_path_error, lc, files, nfiles);
	if (rc < 0) {
		hc_paths_free(*files, *nfiles);
		fprintf(stderr, "hopchain: %s\n",
		        rc == HC_ERR_LIMIT ? "too many input files" : "out of memory");
		return HC_EXIT_FAILURE;
	}
	if (*nfiles == 0) {
		fprintf(stderr, "hopchain: no input files found\n");
		hc_paths_free(*files, *nfiles);
		return HC_EXIT_FAILURE;
	}
	return 0;
}

static struct hc_read_opts read_opts(const struct hc_global *g, const struct hc_read_opts *o)
{
	struct hc_read_opts ro = {0};

	if (o)
		ro = *o;
	if (g->reader)
		ro.reader = g->reader;
	return ro;
}

int hc_cli_load_with(const struct hc_global *g, char *const *paths, size_t npaths,
                     const struct hc_read_opts *o, const struct hc_cli_load_hooks *hooks,
                     struct hc_eventset *set, bool *input_errors)
{
	struct load_ctx lc = {.g = g, .hooks = hooks};
	struct hc_load_cb cb = {.on_diag = on_diag, .on_file = on_file, .ctx = &lc};
	char **files = NULL;
	size_t nfiles = 0;
	int rc;

	if (hooks && hooks->on_events)
		cb.on_events = on_events;
	if ((rc = input_files(&lc, paths, npaths, &files, &nfiles)) != 0)
		return rc;
	struct hc_read_opts ro = read_opts(g, o);
	rc = hc_events_load(set, files, nfiles, &ro, g->threads, hooks ? hooks->flags : 0, &cb);
	/* events keep pointers to the path strings: hand them to the set */
	set->paths = files;
	set->npaths = nfiles;
	if (rc == HC_ERR_NOMEM) {
		fprintf(stderr, "hopchain: out of memory while reading\n");
		return HC_EXIT_FAILURE;
	}
	if (rc < 0) /* a hook failed and said why */
		return HC_EXIT_FAILURE;
	if (hc_events_sort(set) < 0) {
		fprintf(stderr, "hopchain: out of memory while sorting\n");
		return HC_EXIT_FAILURE;
	}
	*input_errors |= lc.errors;
	if (lc.readable == 0 && !(hooks && hooks->none_readable_ok)) {
		fprintf(stderr, "hopchain: no input could be read\n");
		return HC_EXIT_FAILURE;
	}
	return 0;
}

int hc_cli_load_packed(const struct hc_global *g, char *const *paths, int npaths,
                       const struct hc_read_opts *o, struct hc_packset **ret, bool *input_errors)
{
	struct load_ctx lc = {.g = g};
	struct hc_load_cb cb = {.on_diag = on_diag, .on_file = on_file, .ctx = &lc};
	struct hc_packset *ps = NULL;
	char **files = NULL;
	size_t nfiles = 0;
	int rc;

	if ((rc = input_files(&lc, paths, (size_t)npaths, &files, &nfiles)) != 0)
		return rc;
	struct hc_read_opts ro = read_opts(g, o);
	rc = hc_events_load_packed(&ps, files, nfiles, &ro, g->threads, &cb);
	if (rc < 0) {
		hc_paths_free(files, nfiles);
		fprintf(stderr, "hopchain: out of memory while reading\n");
		return HC_EXIT_FAILURE;
	}
	/* events keep pointers to the path strings: hand them to the set */
	hc_packset_adopt_paths(ps, files, nfiles);
	*input_errors |= lc.errors;
	if (lc.readable == 0) {
		fprintf(stderr, "hopchain: no input could be read\n");
		hc_packset_free(ps);
		return HC_EXIT_FAILURE;
	}
	*ret = ps;
	return 0;
}

int hc_cli_load(const struct hc_global *g, char *const *paths, int npaths,
                const struct hc_read_opts *o, struct hc_eventset *set, bool *input_errors)
{
	return hc_cli_load_with(g, paths, (size_t)npaths, o, NULL, set, input_errors);
}

/* Reading inputs for any command: expands directories, loads with worker
 * threads, prints each diagnostic once (escaped) and a per-file summary. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

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
}

int hc_cli_load(const struct hc_global *g, char *const *paths, int npaths,
		const struct hc_read_opts *o, struct hc_eventset *set, bool *input_errors)
{
	struct load_ctx lc = {.g = g};
	struct hc_load_cb cb = {.on_diag = on_diag, .on_file = on_file, .ctx = &lc};
	char **files = NULL;
	size_t nfiles = 0;
	int rc;

	rc = hc_paths_expand((const char *const *)paths, (size_t)npaths, on_path_error, &lc,
			     &files, &nfiles);
	if (rc < 0) {
		fprintf(stderr, "hopchain: %s\n",
			rc == HC_ERR_LIMIT ? "too many input files" : "out of memory");
		return HC_EXIT_FAILURE;
	}
	if (nfiles == 0) {
		fprintf(stderr, "hopchain: no input files found\n");
		hc_paths_free(files, nfiles);
		return HC_EXIT_FAILURE;
	}
	rc = hc_events_load(set, files, nfiles, o, g->threads, 0, &cb);
	/* events keep pointers to the path strings: hand them to the set */
	set->paths = files;
	set->npaths = nfiles;
	if (rc < 0) {
		fprintf(stderr, "hopchain: out of memory while reading\n");
		return HC_EXIT_FAILURE;
	}
	if (hc_events_sort(set) < 0) {
		fprintf(stderr, "hopchain: out of memory while sorting\n");
		return HC_EXIT_FAILURE;
	}
	*input_errors = lc.errors;
	if (lc.readable == 0) {
		fprintf(stderr, "hopchain: no input could be read\n");
		return HC_EXIT_FAILURE;
	}
	return 0;
}

/* `hopchain ingest` and `hopchain correlate`: a case file (SQLite store)
 * that grows host by host. Ingest skips files whose content the case holds
 * (SHA-256), adds each new file with its events in one transaction (a
 * killed ingest leaves a valid case that a re-run completes), then brings
 * the analysis up to date by correlating every event of the case, exactly
 * as analyze would on the same inputs. */
#include "cli.h"
#include "../engine/correlate.h"
#include "../engine/hash.h"
#include "../engine/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void help_ingest(void)
{
	fputs("usage: hopchain ingest --db CASE.db [--format table|json|jsonl|csv] [--csv-raw]\n"
	      "                       [--quiet] [--recover] [--policy FILE] [--hosts FILE]\n"
	      "                       [--skew D] [--session-window D] PATH...\n"
	      "\n"
	      "Adds logs to a case and brings its analysis up to date. A file whose content\n"
	      "the case holds is skipped; an event the case holds (same computer, channel\n"
	      "and record id) is not added twice. Each file goes in with its events in one\n"
	      "transaction: an interrupted ingest leaves a valid case; run it again.\n"
	      "Prints one line per file: events read, logon events kept, added, errors.\n"
	      "\n"
	      "  --db FILE             the case (created if absent)\n"
	      "  -f, --format F        the per-file summary: table (default), json, jsonl, csv\n"
	      "  --csv-raw             csv: values exactly as they are, for programs (default:\n"
	      "                        escaped, and formula-like cells made text with a ')\n"
	      "  -q, --quiet           no progress bar (it shows only on a terminal)\n"
	      "  --recover             also read records recovered from slack space\n"
	      "  --policy, --hosts, --skew, --session-window\n"
	      "                        correlation options as for analyze; when not given,\n"
	      "                        the ones the case was last correlated with\n"
	      "  -h, --help            this help\n",
	      stdout);
}

static void help_correlate(void)
{
	fputs("usage: hopchain correlate --db CASE.db [--policy FILE] [--hosts FILE]\n"
	      "                          [--skew D] [--session-window D] [--timings]\n"
	      "\n"
	      "Correlates every event of a case again (ingest does it after adding files),\n"
	      "e.g. with other options, and prints what the analysis holds.\n"
	      "\n"
	      "  --db FILE             the case\n"
	      "  --policy, --hosts, --skew, --session-window\n"
	      "                        as for analyze; when not given, the ones the case was\n"
	      "                        last correlated with\n"
	      "  --timings             print the time of each phase on stderr\n"
	      "  -h, --help            this help\n",
	      stdout);
}

/* Correlates every event of the case and replaces its analysis. `set`
 * holds them already (an ingest into an empty case keeps what it read:
 * the same events in the same order as a load from the case), made from
 * generation `gen`; or is empty and filled from the case. When another
 * ingest adds events meanwhile, the analysis is made again from the case
 * (a few times at most; the case stays stale otherwise). */
static int correlate_case(struct hc_store *store, struct hc_cli_corr *cc, bool quiet,
                          bool timings, struct hc_eventset *set, int64_t gen)
{
	struct hc_diag d;
	int rc = 0;

	for (int attempt = 0; attempt < 4; attempt++) {
		struct hc_analysis an;
		uint64_t bad = 0;
		size_t long_chains = 0, nfind = 0;
		double t0 = hc_cli_now(), t_load, t_corr, t_store;
		int w;

		if (set->n == 0 || attempt > 0) {
			hc_eventset_free(set); /* the paths of a discarding ingest, or old */
			if ((rc = hc_store_load(store, set, &bad, &gen, &d)) < 0) {
				hc_diag_prefix(&d, "cannot read the case: ");
				hc_cli_diag(&d);
				return HC_EXIT_FAILURE;
			}
		}
		if (bad)
			fprintf(stderr,
			        "hopchain: %llu events of the case have unreadable data; skipped\n",
			        (unsigned long long)bad);
		t_load = hc_cli_now() - t0;
		t0 = hc_cli_now();
		if ((rc = hc_correlate(set, &cc->co, &an)) < 0) {
			fprintf(stderr, "hopchain: %s while correlating\n",
			        rc == HC_ERR_LIMIT ? "too many hosts" : "out of memory");
			return HC_EXIT_FAILURE;
		}
		t_corr = hc_cli_now() - t0;
		t0 = hc_cli_now();
		if ((w = hc_store_write(store, set, &an, cc->meta, cc->nmeta, gen, &d)) < 0) {
			hc_diag_prefix(&d, "cannot write the analysis: ");
			hc_cli_diag(&d);
			hc_analysis_free(&an);
			return HC_EXIT_FAILURE;
		}
		t_store = hc_cli_now() - t0;
		for (size_t i = 0; i < an.nchains; i++) {
			long_chains += an.chains[i].nhops >= 2;
			nfind += an.chains[i].nfindings;
		}
		if (timings)
			fprintf(stderr,
			        "hopchain: timings: load %.3f s, correlate %.3f s, store %.3f s\n",
			        t_load, t_corr, t_store);
		if (w == 0 && !quiet)
			fprintf(stderr,
			        "hopchain: correlated %zu events: %zu hosts, %zu sessions, %zu hops, "
			        "%zu chains of 2 hops or more, %zu findings\n",
			        set->n, an.nhosts, an.nsessions, an.nhops, long_chains, nfind);
		hc_analysis_free(&an);
		if (w == 0)
			return 0;
		if (!quiet)
			fprintf(stderr, "hopchain: events came in while correlating; again\n");
	}
	fprintf(stderr, "hopchain: the case kept changing while correlating; its analysis is "
	                "marked stale: run `hopchain correlate` when the other ingests are done\n");
	return 0;
}

/* --- ingest ---------------------------------------------------------- */

enum { C_FILE, C_STATUS, C_BACKEND, C_RECORDS, C_KEPT, C_ADDED, C_DUPS, C_ERRORS, C_N };
static const struct hc_column summary_cols[C_N] = {
	{"file", 0}, {"status", 0}, {"backend", 0}, {"records", 0},
	{"kept", 0}, {"added", 0},  {"duplicates", 0}, {"errors", 0},
};

struct input {
	char *path;
	char sha[65];
	int64_t size;
	const char *status;  /* static, or from the table pool */
	struct hc_file_result res;
	bool have_res;
};

struct ingest {
	struct hc_store *store;
	struct input *in;
	size_t nin;
	size_t *order;       /* indexes of the inputs being read, in read order */
	size_t norder, cur;
	bool progress;
	double t0;
	uint64_t bytes_total, bytes_done, events_done, added;
	size_t files_added;  /* files that added events (each a generation) */
	bool store_failed;   /* the case could not take a file: stop, exit 1 */
	size_t files_done;
};

static int ingest_events(void *ctx, struct hc_file_result *r, struct hc_event *ev, size_t n)
{
	struct ingest *ig = ctx;
	struct input *in = &ig->in[ig->order[ig->cur]];
	struct hc_store_file f = {.path = in->path, .sha256 = in->sha, .size = in->size,
	                          .backend = r->backend, .records = r->records,
	                          .failed = r->failed, .errors = r->ndiags};
	struct hc_diag d;

	if (hc_store_add_file(ig->store, &f, ev, n, &r->added, &r->duplicates, &d) < 0) {
		hc_diag_prefix(&d, "cannot add to the case: ");
		hc_cli_diag(&d);
		ig->store_failed = true;
		return HC_ERR_IO;
	}
	ig->added += r->added;
	ig->files_added += r->added > 0;
	return 0;
}

static void progress(struct ingest *ig, bool last)
{
	double dt = hc_cli_now() - ig->t0;

	if (!ig->progress)
		return;
	if (last) {
		fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[K[%zu/%zu files] %.1f/%.1f MB  %.0f events/s",
	        ig->files_done, ig->norder, (double)ig->bytes_done / 1e6,
	        (double)ig->bytes_total / 1e6, dt > 0 ? (double)ig->events_done / dt : 0.0);
	fflush(stderr);
}

static void ingest_file_done(void *ctx, const struct hc_file_result *r)
{
	struct ingest *ig = ctx;
	struct input *in = &ig->in[ig->order[ig->cur]];

	in->res = *r;
	in->have_res = true;
	in->status = ig->store_failed ? "not added (the case could not take it)"
	             : r->open_failed  ? "unreadable"
	             : r->added        ? "added"
	                               : "no new events";
	ig->files_done++;
	ig->bytes_done += (uint64_t)(in->size > 0 ? in->size : 0);
	ig->events_done += r->kept;
	ig->cur++;
	progress(ig, false);
}

static int print_summary(const struct ingest *ig, enum hc_format fmt,
                         const struct hc_render_opts *ro)
{
	struct hc_table t;
	int rc = 0;

	hc_table_init(&t, summary_cols, C_N);
	for (size_t i = 0; i < ig->nin && rc == 0; i++) {
		const struct input *in = &ig->in[i];
		struct hc_cell *r = hc_table_add_row(&t);
		if (!r) {
			rc = -1;
			break;
		}
		hc_cell_str(&r[C_FILE], in->path);
		hc_cell_str(&r[C_STATUS], in->status);
		if (in->have_res) {
			hc_cell_str(&r[C_BACKEND], in->res.backend);
			hc_cell_int(&r[C_RECORDS], (long long)in->res.records);
			hc_cell_int(&r[C_KEPT], (long long)in->res.kept);
			hc_cell_int(&r[C_ADDED], (long long)in->res.added);
			hc_cell_int(&r[C_DUPS], (long long)in->res.duplicates);
			hc_cell_int(&r[C_ERRORS], (long long)(in->res.ndiags + in->res.failed));
		}
	}
	if (rc == 0)
		rc = hc_table_print(&t, fmt, "files", ro, stdout);
	hc_table_free(&t);
	return rc;
}

static void path_error(void *ctx, const struct hc_diag *d)
{
	*(bool *)ctx = true;
	hc_cli_diag(d);
}

/* 1 when an earlier input of this run to be read has the content of
 * input i, else 0 after noting it; `seen` is an open-addressing table of
 * input indexes + 1 with room for every input twice over. */
static int same_content(const struct ingest *ig, size_t *seen, size_t cap, size_t i)
{
	char head[17];
	size_t k, h;

	/* a digest is uniform: its first 16 hex digits are a good hash */
	memcpy(head, ig->in[i].sha, 16);
	head[16] = '\0';
	h = (size_t)strtoull(head, NULL, 16);
	for (k = h & (cap - 1); seen[k]; k = (k + 1) & (cap - 1))
		if (strcmp(ig->in[seen[k] - 1].sha, ig->in[i].sha) == 0)
			return 1;
	seen[k] = i + 1;
	return 0;
}

int hc_cmd_ingest(const struct hc_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"recover", no_argument, NULL, 'r'},
		HC_CLI_CORR_OPTIONS,
		{"timings", no_argument, NULL, 't'},
		{"csv-raw", no_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum hc_format fmt = HC_FMT_TABLE;
	struct hc_cli_corr cc;
	struct hc_read_opts ro = {.ids = hc_correlation_ids, .nids = hc_correlation_nids};
	struct hc_render_opts rend = {.color = g->color};
	struct ingest ig = {0};
	struct hc_eventset set = {0};
	struct hc_cli_load_hooks hooks = {.flags = HC_LOAD_DISCARD, .none_readable_ok = true};
	const char *db_path = NULL;
	bool quiet = false, timings = false, input_errors = false;
	char **files = NULL, **toread = NULL, known[HC_MAX_PATH], stale[8] = "";
	int64_t before = 0, gen0 = 0;
	size_t *seen = NULL, seen_cap = 16;
	size_t nfiles = 0, usable = 0;
	struct hc_diag d;
	int c, rc = 0;

	hc_cli_corr_init(&cc);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'f':
			if (hc_format_parse(optarg, &fmt) < 0 || fmt == HC_FMT_DOT)
				return hc_cli_usage_error("ingest", "unknown format '%s' (table, json, "
				                                    "jsonl, csv)", optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'r':
			ro.recover = true;
			break;
		case 't':
			timings = true;
			break;
		case 'R':
			rend.csv_raw = true;
			break;
		case 'p':
		case 'H':
		case 's':
		case 'w':
			if ((rc = hc_cli_corr_option(&cc, "ingest", c, optarg)) != 0)
				return rc;
			break;
		case 'h':
			help_ingest();
			return HC_EXIT_OK;
		default:
			return hc_cli_bad_option("ingest", argv, c, "f:qh");
		}
	}
	if (!db_path)
		return hc_cli_usage_error("ingest", "--db CASE.db is required");
	if (rend.csv_raw && fmt != HC_FMT_CSV)
		return hc_cli_usage_error("ingest", "--csv-raw goes with --format csv");
	if (optind >= argc)
		return hc_cli_usage_error("ingest", "no input PATH given");
	if (hc_store_open(db_path, &ig.store, &d) < 0) {
		hc_diag_prefix(&d, "cannot open the case: ");
		hc_cli_diag(&d);
		return HC_EXIT_FAILURE;
	}
	if ((rc = hc_cli_corr_ready(&cc, "ingest", ig.store)) != 0)
		goto out;

	/* which files are new: hash each one */
	if (hc_paths_expand((const char *const *)argv + optind, (size_t)(argc - optind),
	                    path_error, &input_errors, &files, &nfiles) < 0) {
		fprintf(stderr, "hopchain: out of memory\n");
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	if (nfiles == 0) {
		/* as events and analyze say it */
		fprintf(stderr, "hopchain: no input files found\n");
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	ig.in = calloc(nfiles + 1, sizeof(*ig.in));
	ig.order = calloc(nfiles + 1, sizeof(*ig.order));
	while (seen_cap < 2 * nfiles + 2)
		seen_cap *= 2;
	seen = calloc(seen_cap, sizeof(*seen));
	toread = calloc(nfiles + 1, sizeof(*toread));
	if (!ig.in || !ig.order || !toread || !seen) {
		fprintf(stderr, "hopchain: out of memory\n");
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	ig.nin = nfiles;
	for (size_t i = 0; i < nfiles; i++) {
		struct input *in = &ig.in[i];
		int f;
		in->path = files[i];
		if (hc_file_sha256(in->path, in->sha, &in->size, &d) < 0) {
			hc_cli_diag(&d);
			in->status = "unreadable";
			input_errors = true;
			continue;
		}
		if ((f = hc_store_find_file(ig.store, in->sha, known, sizeof(known), &d)) < 0) {
			hc_cli_diag(&d);
			rc = HC_EXIT_FAILURE;
			goto out;
		}
		if (f > 0) {
			in->status = "already in the case";
			usable++;
			continue;
		}
		if (same_content(&ig, seen, seen_cap, i)) {
			in->status = "same content as an earlier input";
			usable++;
			continue;
		}
		in->status = "not read";
		ig.order[ig.norder] = i;
		toread[ig.norder++] = in->path;
		ig.bytes_total += (uint64_t)in->size;
	}
	ig.progress = !quiet && isatty(STDERR_FILENO);
	ig.t0 = hc_cli_now();
	if (hc_store_count_events(ig.store, &before, &d) < 0 ||
	    hc_store_generation(ig.store, &gen0, &d) < 0) {
		hc_cli_diag(&d);
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	/* into an empty case: keep what is read for the correlation */
	if (before == 0)
		hooks.flags = HC_LOAD_COMPACT | HC_LOAD_DEDUP;
	if (ig.norder) {
		hooks.on_events = ingest_events;
		hooks.on_file = ingest_file_done;
		hooks.ctx = &ig;
		rc = hc_cli_load_with(g, toread, ig.norder, true, &ro, &hooks, &set, &input_errors);
		progress(&ig, true);
		if (ig.store_failed) {
			/* reported; the files before it are in the case */
			rc = HC_EXIT_FAILURE;
			goto out_summary;
		}
		rc = 0; /* unreadable inputs: reported, exit 3 below */
	}
	if (timings)
		fprintf(stderr, "hopchain: timings: ingest %.3f s\n", hc_cli_now() - ig.t0);
	/* correlate when events came in, or an earlier run stopped before it */
	for (size_t i = 0; i < ig.norder; i++)
		usable += ig.in[ig.order[i]].have_res && !ig.in[ig.order[i]].res.open_failed;
	/* an absent analysis_stale row (an edited case) leaves stale "" */
	if (hc_store_get_meta(ig.store, "analysis_stale", stale, sizeof(stale), &d) < 0) {
		hc_cli_diag(&d);
		rc = HC_EXIT_FAILURE;
		goto out_summary;
	}
	if (ig.added || strcmp(stale, "1") == 0)
		rc = correlate_case(ig.store, &cc, quiet, timings, &set, gen0 + (int64_t)ig.files_added);
out_summary:
	if (print_summary(&ig, fmt, &rend) < 0 && rc == 0)
		rc = HC_EXIT_FAILURE;
	if (rc == 0 && usable == 0) {
		/* nothing could be read: a failure, as for events and analyze */
		fprintf(stderr, "hopchain: no input could be read\n");
		rc = HC_EXIT_FAILURE;
	}
	if (rc == 0 && input_errors)
		rc = HC_EXIT_PARTIAL;
out:
	hc_eventset_free(&set);
	free(toread);
	free(seen);
	free(ig.in);
	free(ig.order);
	hc_paths_free(files, nfiles);
	hc_store_close(ig.store);
	hc_cli_corr_free(&cc);
	return rc;
}

int hc_cmd_correlate(const struct hc_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		HC_CLI_CORR_OPTIONS,
		{"timings", no_argument, NULL, 't'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hc_cli_corr cc;
	struct hc_store *store = NULL;
	const char *db_path = NULL;
	bool timings = false, quiet = false;
	struct hc_diag d;
	int c, rc;

	(void)g;
	hc_cli_corr_init(&cc);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 't':
			timings = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'p':
		case 'H':
		case 's':
		case 'w':
			if ((rc = hc_cli_corr_option(&cc, "correlate", c, optarg)) != 0)
				return rc;
			break;
		case 'h':
			help_correlate();
			return HC_EXIT_OK;
		default:
			return hc_cli_bad_option("correlate", argv, c, "qh");
		}
	}
	if (!db_path)
		return hc_cli_usage_error("correlate", "--db CASE.db is required");
	if (optind < argc)
		return hc_cli_usage_error("correlate", "unexpected argument '%s' (add logs with "
		                                       "`hopchain ingest`)", argv[optind]);
	if (access(db_path, F_OK) != 0) {
		fputs("hopchain: ", stderr);
		hc_term_put(stderr, db_path);
		fputs(": no such case\n", stderr);
		return HC_EXIT_FAILURE;
	}
	if (hc_store_open(db_path, &store, &d) < 0) {
		hc_diag_prefix(&d, "cannot open the case: ");
		hc_cli_diag(&d);
		return HC_EXIT_FAILURE;
	}
	rc = hc_cli_corr_ready(&cc, "correlate", store);
	if (rc == 0) {
		struct hc_eventset set = {0};
		rc = correlate_case(store, &cc, quiet, timings, &set, -1);
		hc_eventset_free(&set);
	}
	hc_store_close(store);
	hc_cli_corr_free(&cc);
	return rc;
}

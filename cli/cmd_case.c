/* `hopchain ingest` and `hopchain correlate`: a case file (SQLite store)
 * that grows host by host. Ingest skips files whose content the case holds
 * (SHA-256), adds each new file with its events in one transaction (a
 * killed ingest leaves a valid case that a re-run completes), then brings
 * the analysis up to date by correlating every event of the case, exactly
 * as analyze would on the same inputs. */
#include "cli.h"
#include "../engine/ingest.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* --- correlating: what hc_case_correlate does, said on stderr ------- */

struct corr_report {
	bool quiet, timings;
	double t0, t[3]; /* seconds of each step of the last pass */
};

static void corr_step(void *ctx, enum hc_case_step step)
{
	struct corr_report *cr = ctx;
	double now = hc_cli_now();

	cr->t[step] = now - cr->t0;
	cr->t0 = now;
}

static void corr_pass(void *ctx, const struct hc_case_pass *p)
{
	struct corr_report *cr = ctx;

	if (p->unreadable)
		fprintf(stderr, "hopchain: %llu events of the case have unreadable data; skipped\n",
		        (unsigned long long)p->unreadable);
	if (cr->timings)
		fprintf(stderr, "hopchain: timings: load %.3f s, correlate %.3f s, store %.3f s\n",
		        cr->t[HC_CASE_LOADED], cr->t[HC_CASE_CORRELATED], cr->t[HC_CASE_WRITTEN]);
	if (cr->quiet)
		return;
	if (p->current)
		fprintf(stderr,
		        "hopchain: correlated %zu events: %zu hosts, %zu sessions, %zu hops, "
		        "%zu chains of 2 hops or more, %zu findings\n",
		        p->nevents, p->nhosts, p->nsessions, p->nhops, p->long_chains,
		        p->nfindings);
	else
		fprintf(stderr, "hopchain: events came in while correlating; again\n");
	cr->t0 = hc_cli_now();
}

/* Correlates the case (`set`: its events of generation `gen`, or empty)
 * and says so. Returns an HC_EXIT_* code. */
static int correlate_case(struct hc_store *store, struct hc_cli_corr *cc, bool quiet, bool timings,
                          struct hc_eventset *set, int64_t gen)
{
	struct corr_report cr = {.quiet = quiet, .timings = timings, .t0 = hc_cli_now()};
	struct hc_case_cb cb = {.on_step = corr_step, .on_pass = corr_pass, .ctx = &cr};
	struct hc_diag d;
	int rc = hc_case_correlate(store, &cc->co, cc->meta, cc->nmeta, set, gen, &cb, &d);

	if (rc < 0) {
		hc_cli_diag(&d);
		return HC_EXIT_FAILURE;
	}
	if (rc > 0)
		fprintf(stderr,
		        "hopchain: the case kept changing while correlating; its analysis is "
		        "marked stale: run `hopchain correlate` when the other ingests are done\n");
	return HC_EXIT_OK;
}

/* --- ingest ---------------------------------------------------------- */

enum { C_FILE, C_STATUS, C_BACKEND, C_RECORDS, C_KEPT, C_ADDED, C_DUPS, C_ERRORS, C_N };
static const struct hc_column summary_cols[C_N] = {
    {"file", 0}, {"status", 0}, {"backend", 0},    {"records", 0},
    {"kept", 0}, {"added", 0},  {"duplicates", 0}, {"errors", 0},
};

struct progress {
	bool on;
	double t0;
};

static void on_diag(void *ctx, const struct hc_diag *d)
{
	(void)ctx;
	hc_cli_diag(d);
}

static void on_file(void *ctx, const struct hc_ingest *ig, const struct hc_ingest_input *in)
{
	struct progress *pg = ctx;
	double dt = hc_cli_now() - pg->t0;

	(void)in;
	if (!pg->on)
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu files] %.1f/%.1f MB  %.0f events/s", ig->files_done,
	        ig->norder, (double)ig->bytes_done / 1e6, (double)ig->bytes_total / 1e6,
	        dt > 0 ? (double)ig->events_done / dt : 0.0);
	fflush(stderr);
}

static int print_summary(const struct hc_ingest *ig, enum hc_format fmt,
                         const struct hc_render_opts *ro)
{
	struct hc_table t;
	int rc = 0;

	hc_table_init(&t, summary_cols, C_N);
	for (size_t i = 0; i < ig->nin && rc == 0; i++) {
		const struct hc_ingest_input *in = &ig->in[i];
		struct hc_cell *r = hc_table_add_row(&t);
		if (!r) {
			rc = -1;
			break;
		}
		hc_cell_str(&r[C_FILE], in->path);
		hc_cell_str(&r[C_STATUS], hc_input_status_text(in->status));
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

/* Parses ingest's options into the out parameters. Returns 0, -1 when
 * --help was printed (exit 0), or an HC_EXIT_* code (a usage error). */
static int ingest_options(int argc, char **argv, struct hc_cli_corr *cc, const char **db_path,
                          enum hc_format *fmt, struct hc_read_opts *ro, struct hc_render_opts *rend,
                          bool *quiet, bool *timings)
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
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*db_path = optarg;
			break;
		case 'f':
			if (hc_format_parse(optarg, fmt) < 0 || *fmt == HC_FMT_DOT)
				return hc_cli_usage_error("ingest",
				                          "unknown format '%s' (table, json, "
				                          "jsonl, csv)",
				                          optarg);
			break;
		case 'q':
			*quiet = true;
			break;
		case 'r':
			ro->recover = true;
			break;
		case 't':
			*timings = true;
			break;
		case 'R':
			rend->csv_raw = true;
			break;
		case 'p':
		case 'H':
		case 's':
		case 'w':
			if ((rc = hc_cli_corr_option(cc, "ingest", c, optarg)) != 0)
				return rc;
			break;
		case 'h':
			help_ingest();
			return -1;
		default:
			return hc_cli_bad_option("ingest", argv, c, "f:qh");
		}
	}
	if (!*db_path)
		return hc_cli_usage_error("ingest", "--db CASE.db is required");
	if (rend->csv_raw && *fmt != HC_FMT_CSV)
		return hc_cli_usage_error("ingest", "--csv-raw goes with --format csv");
	if (optind >= argc)
		return hc_cli_usage_error("ingest", "no input PATH given");
	return 0;
}

int hc_cmd_ingest(const struct hc_global *g, int argc, char **argv)
{
	enum hc_format fmt = HC_FMT_TABLE;
	struct hc_cli_corr cc;
	struct hc_read_opts ro = {
	    .ids = hc_correlation_ids, .nids = hc_correlation_nids, .reader = g->reader};
	struct hc_render_opts rend = {.color = g->color};
	struct progress pg = {.t0 = hc_cli_now()};
	struct hc_ingest_cb cb = {.on_diag = on_diag, .on_file = on_file, .ctx = &pg};
	struct hc_ingest ig = {0};
	struct hc_store *store = NULL;
	const char *db_path = NULL;
	bool quiet = false, timings = false, path_errors = false;
	char **files = NULL;
	size_t nfiles = 0;
	struct hc_diag d;
	int rc;

	hc_cli_corr_init(&cc);
	if ((rc = ingest_options(argc, argv, &cc, &db_path, &fmt, &ro, &rend, &quiet, &timings))) {
		hc_cli_corr_free(&cc);
		return rc < 0 ? HC_EXIT_OK : rc;
	}
	if (hc_store_open(db_path, &store, &d) < 0) {
		hc_diag_prefix(&d, "cannot open the case: ");
		hc_cli_diag(&d);
		hc_cli_corr_free(&cc);
		return HC_EXIT_FAILURE;
	}
	if ((rc = hc_cli_corr_ready(&cc, "ingest", store)) != 0)
		goto out;
	if (hc_paths_expand((const char *const *)argv + optind, (size_t)(argc - optind), path_error,
	                    &path_errors, &files, &nfiles) < 0) {
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
	/* which files are new: hash each one */
	if (hc_ingest_plan(&ig, store, files, nfiles, &cb, &d) < 0) {
		hc_cli_diag(&d);
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	pg.on = !quiet && isatty(STDERR_FILENO);
	pg.t0 = hc_cli_now();
	rc = hc_ingest_read(&ig, &ro, g->threads, &d);
	if (pg.on && ig.norder)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		/* the files before a failing one are in the case */
		hc_cli_diag(&d);
		rc = HC_EXIT_FAILURE;
		goto out_summary;
	}
	if (timings)
		fprintf(stderr, "hopchain: timings: ingest %.3f s\n", hc_cli_now() - pg.t0);
	/* correlate when events came in, or an earlier run stopped before it */
	if (ig.stale)
		rc = correlate_case(store, &cc, quiet, timings, &ig.set, ig.gen);
out_summary:
	if (print_summary(&ig, fmt, &rend) < 0 && rc == 0)
		rc = HC_EXIT_FAILURE;
	if (rc == 0 && hc_ingest_usable(&ig) == 0) {
		/* nothing could be read: a failure, as for events and analyze */
		fprintf(stderr, "hopchain: no input could be read\n");
		rc = HC_EXIT_FAILURE;
	}
	if (rc == 0 && (ig.input_errors || path_errors))
		rc = HC_EXIT_PARTIAL;
out:
	hc_ingest_free(&ig);
	hc_paths_free(files, nfiles);
	hc_store_close(store);
	hc_cli_corr_free(&cc);
	return rc;
}

int hc_cmd_correlate(const struct hc_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'}, HC_CLI_CORR_OPTIONS,
	    {"timings", no_argument, NULL, 't'},  {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
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
		return hc_cli_usage_error("correlate",
		                          "unexpected argument '%s' (add logs with "
		                          "`hopchain ingest`)",
		                          argv[optind]);
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

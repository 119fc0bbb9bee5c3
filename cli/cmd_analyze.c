/* `hopchain analyze`: read the logs, correlate, print the hop chains and
 * their findings as a story (table), json/jsonl (a contract, README), csv
 * (one row per hop) or dot (hosts and hops, flagged hops highlighted). */
#include "cli.h"
#include "chain_view.h"
#include "../engine/correlate.h"
#include "../engine/store.h"
#include "../parsers/decode.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void help(void)
{
	fputs("usage: hopchain analyze [--format table|json|jsonl|csv|dot] [--csv-raw]\n"
	      "                        [--min-hops N] [--all] [--policy FILE] [--hosts FILE]\n"
	      "                        [--skew D]\n"
	      "                        [--session-window D] [--db FILE] PATH...\n"
	      "\n"
	      "Links the logons of all given logs (.evtx or JSON, as for `events`) into hop\n"
	      "chains (client1 -> server1 -> server2 ...) and reports what is wrong or\n"
	      "dangerous on each hop.\n"
	      "\n"
	      "  -f, --format F        table (default), json, jsonl, csv or dot\n"
	      "  --csv-raw             csv: values exactly as they are, for programs (default:\n"
	      "                        escaped, and formula-like cells made text with a ')\n"
	      "  --min-hops N          print chains of at least N hops (default 2)\n"
	      "  --all                 also the hops that are no user's movement: machine\n"
	      "                        accounts' upkeep, the event collector, null sessions\n"
	      "  --policy FILE         JSON: allowed packages per host/account pattern,\n"
	      "                        legacy hosts exempt from the NTLM rule (README)\n"
	      "  --hosts FILE          CSV name,address lines that add or override what the\n"
	      "                        logs say about host addresses\n"
	      "  --skew D              clock skew allowed between hosts (default 5m)\n"
	      "  --session-window D    how long a session without a logoff stays open\n"
	      "                        (default 10h); D is N[s|m|h|d]\n"
	      "  --db FILE             keep events, hosts, sessions, hops, chains and findings\n"
	      "                        in the SQLite store FILE (created if absent; a store\n"
	      "                        from an earlier analyze is replaced); default: an\n"
	      "                        in-memory store\n"
	      "  --recover             also read records recovered from slack space (.evtx)\n"
	      "  --timings             print the time of each phase on stderr\n"
	      "  --explain HOP         instead of the chains, explain one hop: every witness\n"
	      "                        and candidate considered, and why (see `explain`)\n"
	      "  -h, --help            this help\n",
	      stdout);
}

/* analyze --db FILE: each file's events go into the store as they are read. */
struct analyze_db {
	struct hc_store *store;
	int failed;
};

static int store_file(void *ctx, struct hc_file_result *r, struct hc_event *ev, size_t n)
{
	struct analyze_db *adb = ctx;
	struct hc_store_file f = {.path = r->path,
	                          .size = -1,
	                          .backend = r->backend,
	                          .records = r->records,
	                          .failed = r->failed,
	                          .errors = r->ndiags};
	struct hc_diag d;

	if (hc_store_add_file(adb->store, &f, ev, n, &r->added, &r->duplicates, &d) < 0) {
		hc_diag_prefix(&d, "cannot write the store: ");
		hc_cli_diag(&d);
		return HC_ERR_IO;
	}
	return 0;
}

struct analyze_args {
	enum hc_format fmt;
	struct hc_cli_corr cc;
	struct hc_read_opts ro;
	const char *db_path, *explain;
	struct hc_view_opts vo;
	bool timings;
};

/* Parses the options into `a`. Returns 0, -1 when --help was printed
 * (exit 0), or an HC_EXIT_* code (a usage error). */
static int analyze_options(int argc, char **argv, struct analyze_args *a)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"min-hops", required_argument, NULL, 'm'},
	    HC_CLI_CORR_OPTIONS,
	    {"recover", no_argument, NULL, 'r'},
	    {"db", required_argument, NULL, 'd'},
	    {"timings", no_argument, NULL, 't'},
	    {"explain", required_argument, NULL, 'x'},
	    {"csv-raw", no_argument, NULL, 'R'},
	    {"all", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	long min_hops;
	char *end;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (hc_format_parse(optarg, &a->fmt) < 0)
				return hc_cli_usage_error("analyze",
				                          "unknown format '%s' (table, json, "
				                          "jsonl, csv, dot)",
				                          optarg);
			break;
		case 'm':
			min_hops = strtol(optarg, &end, 10);
			if (*end || min_hops < 1 || min_hops > HC_MAX_CHAIN_LEN)
				return hc_cli_usage_error("analyze",
				                          "--min-hops wants 1..%d, not '%s'",
				                          HC_MAX_CHAIN_LEN, optarg);
			a->vo.min_hops = (size_t)min_hops;
			break;
		case 'p':
		case 'H':
		case 's':
		case 'w':
			if ((rc = hc_cli_corr_option(&a->cc, "analyze", c, optarg)) != 0)
				return rc;
			break;
		case 'd':
			a->db_path = optarg;
			break;
		case 'r':
			a->ro.recover = true;
			break;
		case 't':
			a->timings = true;
			break;
		case 'x':
			a->explain = optarg;
			break;
		case 'R':
			a->vo.csv_raw = true;
			break;
		case 'a':
			a->vo.all = true;
			break;
		case 'h':
			help();
			return -1;
		default:
			return hc_cli_bad_option("analyze", argv, c, "f:h");
		}
	}
	if (a->vo.csv_raw && a->fmt != HC_FMT_CSV)
		return hc_cli_usage_error("analyze", "--csv-raw goes with --format csv");
	if (optind >= argc)
		return hc_cli_usage_error("analyze", "no input PATH given");
	return 0;
}

/* Prints the chains the view shows (or explains one hop). Returns an
 * HC_EXIT_* code. */
static int print_analysis(struct hc_analysis *an, const struct analyze_args *a, bool color)
{
	const struct hc_chain **sel = calloc(an->nchains + 1, sizeof(*sel));
	struct hc_view_hidden hidden;
	size_t nsel = 0;
	int rc = HC_EXIT_OK;

	if (!sel) {
		fprintf(stderr, "hopchain: out of memory\n");
		return HC_EXIT_FAILURE;
	}
	if (a->explain) {
		rc = a->fmt == HC_FMT_DOT
		         ? hc_cli_usage_error("analyze",
		                              "--explain prints table, json, jsonl or csv")
		         : hc_cli_explain(an, a->explain, a->fmt, color);
		free(sel);
		return rc;
	}
	for (size_t i = 0; i < an->nchains; i++)
		if (hc_view_shows(an, &an->chains[i], &a->vo))
			sel[nsel++] = &an->chains[i];
	hc_view_count_hidden(an, &a->vo, &hidden);
	if (hc_view_print(an, sel, nsel, &hidden, a->fmt, &a->vo, stdout) < 0) {
		fprintf(stderr, "hopchain: cannot write the output\n");
		rc = HC_EXIT_FAILURE;
	}
	/* the story prints them; the other formats on stderr */
	for (size_t i = 0; a->fmt != HC_FMT_TABLE && i < an->nwarnings; i++) {
		fputs("hopchain: warning: ", stderr);
		hc_term_put(stderr, an->warnings[i].msg);
		fputc('\n', stderr);
	}
	free(sel);
	return rc;
}

int hc_cmd_analyze(const struct hc_global *g, int argc, char **argv)
{
	struct analyze_args a = {
	    .fmt = HC_FMT_TABLE,
	    .ro = {.ids = hc_correlation_ids, .nids = hc_correlation_nids},
	    .vo = {.color = g->color, .min_hops = 2},
	};
	struct analyze_db adb = {0};
	struct hc_cli_load_hooks hooks = {.flags = HC_LOAD_COMPACT | HC_LOAD_DEDUP};
	struct hc_eventset set = {0};
	struct hc_analysis an = {0};
	bool input_errors = false;
	struct hc_diag diag;
	double t_read, t_corr, t_store, t_out, t0;
	int rc;

	hc_cli_corr_init(&a.cc);
	if ((rc = analyze_options(argc, argv, &a)) != 0) {
		hc_cli_corr_free(&a.cc);
		return rc < 0 ? HC_EXIT_OK : rc;
	}
	if ((rc = hc_cli_corr_ready(&a.cc, "analyze", NULL)) != 0)
		goto out;
	/* open the store first: a bad --db fails before the long read */
	if (hc_store_open(a.db_path, &adb.store, &diag) < 0 ||
	    (a.db_path && hc_store_reset(adb.store, &diag) < 0)) {
		hc_diag_prefix(&diag, "cannot open the store: ");
		hc_cli_diag(&diag);
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	if (a.db_path) {
		hooks.on_events = store_file;
		hooks.ctx = &adb;
	}

	t0 = hc_cli_now();
	rc = hc_cli_load_with(g, argv + optind, (size_t)(argc - optind), &a.ro, &hooks, &set,
	                      &input_errors);
	t_read = hc_cli_now() - t0;
	if (rc)
		goto out;
	t0 = hc_cli_now();
	rc = hc_correlate(&set, &a.cc.co, &an);
	t_corr = hc_cli_now() - t0;
	if (rc < 0) {
		fprintf(stderr, "hopchain: %s while correlating\n",
		        rc == HC_ERR_LIMIT ? "too many hosts" : "out of memory");
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	t0 = hc_cli_now();
	if (hc_store_write(adb.store, &set, &an, a.cc.meta, a.cc.nmeta, -1, &diag) < 0) {
		hc_diag_prefix(&diag, "cannot write the store: ");
		hc_cli_diag(&diag);
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	t_store = hc_cli_now() - t0;
	t0 = hc_cli_now();
	rc = print_analysis(&an, &a, g->color);
	t_out = hc_cli_now() - t0;
	if (a.timings && !a.explain)
		fprintf(stderr,
		        "hopchain: timings: read %.3f s (%zu events), correlate %.3f s "
		        "(%zu hosts, %zu sessions, %zu hops, %zu chains), store %.3f s, output "
		        "%.3f s\n",
		        t_read, set.n, t_corr, an.nhosts, an.nsessions, an.nhops, an.nchains,
		        t_store, t_out);
	if (rc == HC_EXIT_OK && input_errors)
		rc = HC_EXIT_PARTIAL;
out:
	hc_analysis_free(&an);
	hc_store_close(adb.store);
	hc_eventset_free(&set);
	hc_cli_corr_free(&a.cc);
	return rc;
}

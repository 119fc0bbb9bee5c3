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
	struct hc_store_file f = {.path = r->path, .size = -1, .backend = r->backend,
	                          .records = r->records, .failed = r->failed, .errors = r->ndiags};
	struct hc_diag d;

	if (hc_store_add_file(adb->store, &f, ev, n, &r->added, &r->duplicates, &d) < 0) {
		hc_diag_prefix(&d, "cannot write the store: ");
		hc_cli_diag(&d);
		return HC_ERR_IO;
	}
	return 0;
}

int hc_cmd_analyze(const struct hc_global *g, int argc, char **argv)
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
	enum hc_format fmt = HC_FMT_TABLE;
	struct hc_cli_corr cc;
	struct hc_read_opts ro = {.ids = hc_correlation_ids, .nids = hc_correlation_nids};
	bool input_errors = false;
	const char *db_path = NULL;
	struct analyze_db adb = {0};
	struct hc_cli_load_hooks hooks = {.flags = HC_LOAD_COMPACT | HC_LOAD_DEDUP};
	struct hc_diag diag;
	long min_hops = 2;
	struct hc_eventset set = {0};
	struct hc_analysis an;
	const struct hc_chain **sel = NULL;
	size_t nsel = 0;
	char *end;
	bool timings = false, csv_raw = false;
	const char *explain = NULL;
	struct hc_view_opts vo = {0};
	struct hc_view_hidden hidden;
	double t_read = 0, t_corr = 0, t_store = 0, t_out = 0, t0;
	int c, rc;

	hc_cli_corr_init(&cc);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (hc_format_parse(optarg, &fmt) < 0)
				return hc_cli_usage_error("analyze", "unknown format '%s' (table, json, "
								     "jsonl, csv, dot)", optarg);
			break;
		case 'm':
			min_hops = strtol(optarg, &end, 10);
			if (*end || min_hops < 1 || min_hops > HC_MAX_CHAIN_LEN)
				return hc_cli_usage_error("analyze", "--min-hops wants 1..%d, not '%s'",
							  HC_MAX_CHAIN_LEN, optarg);
			break;
		case 'p':
		case 'H':
		case 's':
		case 'w':
			if ((rc = hc_cli_corr_option(&cc, "analyze", c, optarg)) != 0)
				return rc;
			break;
		case 'd':
			db_path = optarg;
			break;
		case 'r':
			ro.recover = true;
			break;
		case 't':
			timings = true;
			break;
		case 'x':
			explain = optarg;
			break;
		case 'R':
			csv_raw = true;
			break;
		case 'a':
			vo.all = true;
			break;
		case 'h':
			help();
			return HC_EXIT_OK;
		default:
			return hc_cli_bad_option("analyze", argv, c, "f:h");
		}
	}
	if (csv_raw && fmt != HC_FMT_CSV)
		return hc_cli_usage_error("analyze", "--csv-raw goes with --format csv");
	if (optind >= argc)
		return hc_cli_usage_error("analyze", "no input PATH given");
	if ((rc = hc_cli_corr_ready(&cc, "analyze", NULL)) != 0)
		goto out;
	/* open the store first: a bad --db fails before the long read */
	if (hc_store_open(db_path, &adb.store, &diag) < 0 ||
	    (db_path && hc_store_reset(adb.store, &diag) < 0)) {
		hc_diag_prefix(&diag, "cannot open the store: ");
		hc_cli_diag(&diag);
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	if (db_path) {
		hooks.on_events = store_file;
		hooks.ctx = &adb;
	}

	t0 = hc_cli_now();
	rc = hc_cli_load_with(g, argv + optind, (size_t)(argc - optind), false, &ro, &hooks, &set,
	                      &input_errors);
	t_read = hc_cli_now() - t0;
	if (rc)
		goto out;
	t0 = hc_cli_now();
	rc = hc_correlate(&set, &cc.co, &an);
	t_corr = hc_cli_now() - t0;
	if (rc < 0) {
		fprintf(stderr, "hopchain: %s while correlating\n",
			rc == HC_ERR_LIMIT ? "too many hosts" : "out of memory");
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	t0 = hc_cli_now();
	if (hc_store_write(adb.store, &set, &an, cc.meta, cc.nmeta, -1, &diag) < 0) {
		hc_diag_prefix(&diag, "cannot write the store: ");
		hc_cli_diag(&diag);
		rc = HC_EXIT_FAILURE;
		goto out_an;
	}
	t_store = hc_cli_now() - t0;
	sel = calloc(an.nchains + 1, sizeof(*sel));
	if (!sel) {
		rc = HC_EXIT_FAILURE;
		goto out_an;
	}
	vo.color = g->color;
	vo.csv_raw = csv_raw;
	vo.min_hops = (size_t)min_hops;
	for (size_t i = 0; i < an.nchains; i++)
		if (hc_view_shows(&an, &an.chains[i], &vo))
			sel[nsel++] = &an.chains[i];
	t0 = hc_cli_now();
	if (explain) {
		rc = fmt == HC_FMT_DOT ? hc_cli_usage_error("analyze", "--explain prints table, json, "
								       "jsonl or csv")
				       : hc_cli_explain(&an, explain, fmt, g->color);
		goto out_sel;
	}
	hc_view_count_hidden(&an, &vo, &hidden);
	if (hc_view_print(&an, sel, nsel, &hidden, fmt, &vo, stdout) < 0) {
		fprintf(stderr, "hopchain: cannot write the output\n");
		rc = HC_EXIT_FAILURE;
	} else {
		rc = HC_EXIT_OK;
	}
	t_out = hc_cli_now() - t0;
	if (timings)
		fprintf(stderr, "hopchain: timings: read %.3f s (%zu events), correlate %.3f s "
				"(%zu hosts, %zu sessions, %zu hops, %zu chains), store %.3f s, output %.3f s\n",
			t_read, set.n, t_corr, an.nhosts, an.nsessions, an.nhops, an.nchains, t_store,
			t_out);
	if (fmt != HC_FMT_TABLE)
		for (size_t i = 0; i < an.nwarnings; i++) {
			fputs("hopchain: warning: ", stderr);
			hc_term_put(stderr, an.warnings[i].msg);
			fputc('\n', stderr);
		}
out_sel:
	if (rc == HC_EXIT_OK && input_errors)
		rc = HC_EXIT_PARTIAL;
	free(sel);
out_an:
	hc_analysis_free(&an);
out:
	hc_store_close(adb.store);
	hc_eventset_free(&set);
	hc_cli_corr_free(&cc);
	return rc;
}

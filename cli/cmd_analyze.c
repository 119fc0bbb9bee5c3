/* `hopchain analyze`: read the logs, correlate, print the hop chains and
 * their findings as a story (table), json/jsonl (a contract, README), csv
 * (one row per hop) or dot (hosts and hops, flagged hops highlighted). */
#include "cli.h"
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
	      "                        [--min-hops N] [--policy FILE] [--hosts FILE] [--skew D]\n"
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

static const char *acct_label(const struct hc_hop *h, char *buf, size_t cap)
{
	const struct hc_norm *n = &h->ev->norm;

	if (h->anonymous)
		return "ANONYMOUS LOGON";
	snprintf(buf, cap, "%s", n->target.name ? n->target.name : "?");
	return buf;
}

static const char *host_label(const struct hc_analysis *a, int h)
{
	return h >= 0 ? a->hosts[h].name : "?";
}

/* The source of a hop for people: its host, else its address, else "?". */
static const char *src_label(const struct hc_analysis *a, const struct hc_hop *h)
{
	if (h->src >= 0)
		return a->hosts[h->src].name;
	return h->ev->event_id != 4648 && h->ev->norm.ip ? h->ev->norm.ip : "?";
}

static void put(FILE *out, const char *s)
{
	hc_term_put(out, s);
}

static int sev_color(enum hc_severity s)
{
	return s == HC_SEV_HIGH ? 31 : s == HC_SEV_MEDIUM ? 33 : s == HC_SEV_LOW ? 36 : 32;
}

static void print_story(const struct hc_analysis *a, const struct hc_chain *const *ch, size_t n,
			bool color, FILE *out)
{
	char t0[40], t1[40], buf[512];

	if (n == 0)
		fputs("no hop chains found\n", out);
	for (size_t c = 0; c < n; c++) {
		const struct hc_chain *k = ch[c];
		hc_time_format(k->start, t0, sizeof(t0));
		hc_time_format(k->end, t1, sizeof(t1));
		fprintf(out, "%s%s%s  %s .. %s  %zu hop%s\n", color ? "\033[1m" : "", k->id,
			color ? "\033[0m" : "", t0, t1, k->nhops, k->nhops == 1 ? "" : "s");
		fputs("  ", out);
		for (size_t i = 0; i < k->nhops; i++) {
			const struct hc_hop *h = &a->hops[k->hops[i]];
			const struct hc_norm *nn = &h->ev->norm;
			if (i == 0)
				put(out, src_label(a, h));
			fputs(" \xe2\x94\x80(", out);
			put(out, acct_label(h, buf, sizeof(buf)));
			fputs(", ", out);
			put(out, nn->package ? nn->package : h->ev->event_id == 4648 ? "explicit creds" : "?");
			if (nn->logon_type >= 0)
				fprintf(out, ", type %d", nn->logon_type);
			if (h->failed)
				fputs(", FAILED", out);
			fputs(")\xe2\x86\x92 ", out);
			put(out, host_label(a, h->dst));
		}
		fputc('\n', out);
		for (size_t i = 0; i < k->nhops; i++) {
			const struct hc_hop *h = &a->hops[k->hops[i]];
			hc_time_format(h->time, t0, sizeof(t0));
			fprintf(out, "    hop %zu  %s  %u  ", i + 1, t0, h->ev->event_id);
			put(out, h->ev->file);
			fprintf(out, "#%llu", (unsigned long long)h->ev->record_id);
			if (h->src_how)
				fprintf(out, "  source by %s", h->src_how);
			if (i > 0) {
				const struct hc_link *l = &a->links[k->links[i - 1]];
				fprintf(out, "  link %.2f%s%s%s", l->confidence,
					l->via_4648 ? " (4648 proof)" : "",
					l->restricted_admin ? " (as the host: Restricted Admin session)" : "",
					l->ambiguous ? " AMBIGUOUS" : "");
				if (h->nparents > 1)
					fprintf(out, " [%zu candidate sessions]", h->nparents);
			}
			fputc('\n', out);
		}
		for (size_t i = 0; i < k->nfindings; i++) {
			const struct hc_finding *f = &k->findings[i];
			if (color)
				fprintf(out, "  \033[%dm[%s]\033[0m ", sev_color(f->severity),
					hc_severity_name(f->severity));
			else
				fprintf(out, "  [%s] ", hc_severity_name(f->severity));
			fprintf(out, "%s (hop %zu%s%s): ", f->id, f->hop, f->technique ? ", " : "",
				f->technique ? f->technique : "");
			put(out, f->what);
			fputs("\n      fix: ", out);
			put(out, f->todo);
			fputc('\n', out);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < a->nwarnings; i++) {
		fputs("warning: ", out);
		put(out, a->warnings[i].msg);
		fputc('\n', out);
	}
}

static enum hc_severity hop_worst(const struct hc_chain *k, size_t i, bool *any)
{
	enum hc_severity w = HC_SEV_INFO;

	*any = false;
	for (size_t f = 0; f < k->nfindings; f++)
		if (k->findings[f].hop == i + 1) {
			*any = true;
			if (k->findings[f].severity > w)
				w = k->findings[f].severity;
		}
	return w;
}

static void print_dot(const struct hc_analysis *a, const struct hc_chain *const *ch, size_t n,
		      FILE *out)
{
	char buf[512];
	bool *used = calloc(a->nhosts + 1, sizeof(bool));

	fputs("digraph hopchain {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
	      out);
	for (size_t c = 0; used && c < n; c++)
		for (size_t i = 0; i < ch[c]->nhops; i++) {
			const struct hc_hop *h = &a->hops[ch[c]->hops[i]];
			if (h->src >= 0)
				used[h->src] = true;
			used[h->dst] = true;
		}
	for (size_t i = 0; used && i < a->nhosts; i++)
		if (used[i]) {
			fputs("  ", out);
			hc_term_put_dot(out, a->hosts[i].name);
			fputs(a->hosts[i].has_log ? ";\n" : " [style=dashed];\n", out);
		}
	for (size_t c = 0; c < n; c++)
		for (size_t i = 0; i < ch[c]->nhops; i++) {
			const struct hc_hop *h = &a->hops[ch[c]->hops[i]];
			const struct hc_norm *nn = &h->ev->norm;
			bool any;
			enum hc_severity w = hop_worst(ch[c], i, &any);
			char label[700];
			snprintf(label, sizeof(label), "%s %zu: %s, %s%s", ch[c]->id, i + 1,
				 acct_label(h, buf, sizeof(buf)), nn->package ? nn->package : "?",
				 h->failed ? ", failed" : "");
			fputs("  ", out);
			hc_term_put_dot(out, src_label(a, h));
			fputs(" -> ", out);
			hc_term_put_dot(out, a->hosts[h->dst].name);
			fputs(" [label=", out);
			hc_term_put_dot(out, label);
			if (any && w >= HC_SEV_MEDIUM)
				fprintf(out, ", color=%s, penwidth=2", w == HC_SEV_HIGH ? "red" : "orange");
			fputs("];\n", out);
		}
	fputs("}\n", out);
	free(used);
}

/* csv: one row per hop, the columns of `chains --format csv`, through the
 * one CSV writer (cli/table.c). */
enum {
	V_CHAIN,
	V_HOP,
	V_TIME,
	V_SRC,
	V_DST,
	V_ACCOUNT,
	V_PACKAGE,
	V_LOGON_TYPE,
	V_ANONYMOUS,
	V_EVENT_ID,
	V_FILE,
	V_RECORD_ID,
	V_CONFIDENCE,
	V_FINDINGS,
	V_N
};
static const struct hc_column csv_cols[V_N] = {
    {"chain", 0},           {"hop", 0},      {"time", 0},    {"src_host", 0},
    {"dst_host", 0},        {"account", 0},  {"package", 0}, {"logon_type", 0},
    {"anonymous", 0},       {"event_id", 0}, {"file", 0},    {"record_id", 0},
    {"link_confidence", 0}, {"findings", 0},
};

static int print_csv(const struct hc_analysis *a, const struct hc_chain *const *ch, size_t n,
                     const struct hc_render_opts *ro, FILE *out)
{
	struct hc_table t;
	char tbuf[40], buf[512];
	int rc = 0;

	hc_table_init(&t, csv_cols, V_N);
	for (size_t c = 0; c < n && rc == 0; c++)
		for (size_t i = 0; i < ch[c]->nhops && rc == 0; i++) {
			const struct hc_hop *h = &a->hops[ch[c]->hops[i]];
			const struct hc_norm *nn = &h->ev->norm;
			struct hc_cell *r = hc_table_add_row(&t);
			char fnd[1024];
			size_t k = 0;
			if (!r) {
				rc = -1;
				break;
			}
			hc_time_format(h->time, tbuf, sizeof(tbuf));
			hc_cell_str(&r[V_CHAIN], ch[c]->id);
			hc_cell_int(&r[V_HOP], (long long)i + 1);
			hc_cell_str(&r[V_TIME], hc_table_strdup(&t, tbuf));
			hc_cell_str(&r[V_SRC], src_label(a, h));
			hc_cell_str(&r[V_DST], host_label(a, h->dst));
			hc_cell_str(&r[V_ACCOUNT],
			            hc_table_strdup(&t, acct_label(h, buf, sizeof(buf))));
			hc_cell_str(&r[V_PACKAGE], nn->package);
			if (nn->logon_type >= 0)
				hc_cell_int(&r[V_LOGON_TYPE], nn->logon_type);
			hc_cell_bool(&r[V_ANONYMOUS], h->anonymous);
			hc_cell_int(&r[V_EVENT_ID], h->ev->event_id);
			hc_cell_str(&r[V_FILE], h->ev->file);
			hc_cell_int(&r[V_RECORD_ID], (long long)h->ev->record_id);
			if (i > 0)
				hc_cell_real(&r[V_CONFIDENCE],
				             a->links[ch[c]->links[i - 1]].confidence);
			fnd[0] = '\0';
			for (size_t f = 0; f < ch[c]->nfindings; f++)
				if (ch[c]->findings[f].hop == i + 1 && k < sizeof(fnd))
					k += (size_t)snprintf(fnd + k, sizeof(fnd) - k, "%s%s",
					                      k ? ";" : "", ch[c]->findings[f].id);
			if (fnd[0])
				hc_cell_str(&r[V_FINDINGS], hc_table_strdup(&t, fnd));
		}
	if (rc == 0)
		rc = hc_table_print(&t, HC_FMT_CSV, NULL, ro, out);
	hc_table_free(&t);
	return rc;
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
	for (size_t i = 0; i < an.nchains; i++)
		if (an.chains[i].nhops >= (size_t)min_hops)
			sel[nsel++] = &an.chains[i];
	t0 = hc_cli_now();
	if (explain) {
		rc = fmt == HC_FMT_DOT ? hc_cli_usage_error("analyze", "--explain prints table, json, "
								       "jsonl or csv")
				       : hc_cli_explain(&an, explain, fmt, g->color);
		goto out_sel;
	}
	switch (fmt) {
	case HC_FMT_JSON:
	case HC_FMT_JSONL:
		rc = hc_analysis_print_json(&an, sel, nsel, fmt == HC_FMT_JSONL, stdout) < 0
			 ? HC_EXIT_FAILURE : HC_EXIT_OK;
		break;
	case HC_FMT_DOT:
		print_dot(&an, sel, nsel, stdout);
		rc = HC_EXIT_OK;
		break;
	case HC_FMT_CSV: {
		struct hc_render_opts rend = {.csv_raw = csv_raw};
		if (print_csv(&an, sel, nsel, &rend, stdout) < 0) {
			fprintf(stderr, "hopchain: out of memory\n");
			rc = HC_EXIT_FAILURE;
		} else {
			rc = HC_EXIT_OK;
		}
		break;
	}
	case HC_FMT_TABLE:
	default:
		print_story(&an, sel, nsel, g->color, stdout);
		rc = HC_EXIT_OK;
		break;
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

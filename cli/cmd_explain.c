/* `hopchain explain --db CASE.db HOP` and `analyze --explain HOP`: for one
 * hop, every source witness and parent-session candidate the analysis
 * considered, the record each rests on, its score, and why it was taken or
 * rejected (engine/explain.c), one row each. HOP is the hop's number in the
 * case (`hops` lists them), a chain's hop (C0009/2), or the record of its
 * logon (FILE#RECORD, or #RECORD when one file has it). */
#include "cli.h"
#include "../engine/store.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help(void)
{
	fputs("usage: hopchain explain --db CASE.db [--format table|json|jsonl|csv] HOP\n"
	      "\n"
	      "Explains one hop of a case: every witness of its source (the logon's own\n"
	      "address, the source's record of the connection, who claims the address, the\n"
	      "client's 4648, the DC's 4769 and 4776, the target's listener), the clock\n"
	      "corrections, its class and why, the repeats folded into it, and every session\n"
	      "on the source it could continue, with the score or the reason it was not taken.\n"
	      "The case is correlated again in memory with the options it remembers; it is\n"
	      "not changed.\n"
	      "\n"
	      "HOP is the hop's number in the case (the `hops` command lists them), a hop of a\n"
	      "chain (C0009/2: the second hop of chain C0009), or the record of its logon\n"
	      "(FILE#RECORD, or #RECORD when only one file has that record).\n"
	      "\n"
	      "  --db FILE         the case\n"
	      "  -f, --format F    table (default), json, jsonl or csv\n"
	      "  -h, --help        this help\n",
	      stdout);
}

enum {
	C_KIND,
	C_WHAT,
	C_TAKEN,
	C_SCORE,
	C_WHY,
	C_HOST,
	C_HOP,
	C_FILE,
	C_RECORD,
	C_EVENT,
	V_MARK,
	V_WHAT,
	V_WHY,
	V_AT,
	NCOLS
};

static const struct hc_column columns[NCOLS] = {
    [C_KIND] = {"kind", HC_COL_DATA},
    [C_WHAT] = {"what", HC_COL_DATA},
    [C_TAKEN] = {"taken", HC_COL_DATA},
    [C_SCORE] = {"score", HC_COL_DATA},
    [C_WHY] = {"why", HC_COL_DATA},
    [C_HOST] = {"host", HC_COL_DATA},
    [C_HOP] = {"hop", HC_COL_DATA},
    [C_FILE] = {"file", HC_COL_DATA},
    [C_RECORD] = {"record_id", HC_COL_DATA},
    [C_EVENT] = {"event_id", HC_COL_DATA},
    [V_MARK] = {"", HC_COL_VIEW},
    [V_WHAT] = {"what", HC_COL_VIEW},
    [V_WHY] = {"why", HC_COL_VIEW},
    [V_AT] = {"record", HC_COL_VIEW},
};

/* The hop HOP names in `a`, or -1 (reported). */
static int resolve(const struct hc_analysis *a, const char *spec)
{
	char *end;
	const char *hash = strrchr(spec, '#'), *slash = strchr(spec, '/');

	if (hash) {
		unsigned long long rec;
		char file[HC_MAX_PATH];
		errno = 0;
		rec = strtoull(hash + 1, &end, 10);
		if (errno || *end || end == hash + 1 || (size_t)(hash - spec) >= sizeof(file))
			return -1;
		memcpy(file, spec, (size_t)(hash - spec));
		file[hash - spec] = '\0';
		if (*file)
			return hc_hop_by_record(a, file, rec);
		int h = -1;
		for (size_t i = 0; i < a->nhops; i++)
			if (a->hops[i].ev->record_id == rec) {
				if (h >= 0 && strcmp(a->hops[h].ev->file, a->hops[i].ev->file) != 0)
					return -2; /* several files have it */
				if (h < 0)
					h = (int)i;
			}
		return h;
	}
	if (slash && spec[0] == 'C') {
		long pos = strtol(slash + 1, &end, 10);
		if (*end || pos < 1)
			return -1;
		for (size_t c = 0; c < a->nchains; c++)
			if (strncmp(a->chains[c].id, spec, (size_t)(slash - spec)) == 0 &&
			    a->chains[c].id[slash - spec] == '\0')
				return (size_t)pos <= a->chains[c].nhops
				           ? a->chains[c].hops[pos - 1]
				           : -1;
		return -1;
	}
	long n = strtol(spec, &end, 10);
	if (*end || n < 1 || (size_t)n > a->nhops)
		return -1;
	return (int)n - 1;
}

/* For people: one line per item under a heading per kind, nothing cut; '*'
 * marks what the analysis uses. */
static void print_view(const struct hc_analysis *a, const struct hc_explain *x, FILE *out)
{
	static const char *const heading[] = {
	    [HC_EX_SOURCE] = "where it came from",
	    [HC_EX_CLOCK] = "clocks",
	    [HC_EX_CLASS] = "what it is",
	    [HC_EX_FOLD] = "one act, several logons",
	    [HC_EX_PARENT] = "which session on the source it continues",
	};
	int last = -1;

	(void)a;
	for (size_t i = 0; i < x->n; i++) {
		const struct hc_explain_item *it = &x->items[i];
		if (it->kind == HC_EX_HOP) {
			fprintf(out, "hop %d: ", it->hop + 1);
		} else {
			if ((int)it->kind != last)
				fprintf(out, "%s\n", heading[it->kind]);
			fprintf(out, "  %s %s", it->taken ? "*" : "-", it->what);
			if (it->score >= 0)
				fprintf(out, " %.2f", it->score);
			fputs(": ", out);
		}
		last = (int)it->kind;
		hc_term_put(out, it->why);
		if (it->ev) {
			fputs("  [", out);
			hc_term_put(out, it->ev->file);
			fprintf(out, "#%llu]", (unsigned long long)it->ev->record_id);
		}
		fputc('\n', out);
	}
}

int hc_cli_explain(struct hc_analysis *a, const char *spec, enum hc_format fmt, bool color)
{
	struct hc_explain x;
	struct hc_table t;
	struct hc_render_opts ro = {.color = color};
	char buf[64];
	int hop = resolve(a, spec), rc = HC_EXIT_OK;

	if (hop < 0) {
		fputs("hopchain: explain: ", stderr);
		hc_term_put(stderr, spec);
		fputs(hop == -2 ? ": several files have that record: give FILE#RECORD\n"
		                : ": no such hop (a number from `hops`, C0009/2, or FILE#RECORD)\n",
		      stderr);
		return HC_EXIT_USAGE;
	}
	if (hc_explain_hop(a, hop, &x) < 0) {
		fputs("hopchain: out of memory\n", stderr);
		return HC_EXIT_FAILURE;
	}
	hc_table_init(&t, columns, NCOLS);
	for (size_t i = 0; i < x.n; i++) {
		const struct hc_explain_item *it = &x.items[i];
		struct hc_cell *r = hc_table_add_row(&t);
		if (!r) {
			rc = HC_EXIT_FAILURE;
			break;
		}
		hc_cell_str(&r[C_KIND], hc_explain_kind_name(it->kind));
		hc_cell_str(&r[C_WHAT], it->what);
		hc_cell_bool(&r[C_TAKEN], it->taken);
		if (it->score >= 0)
			hc_cell_real(&r[C_SCORE], (double)(int)(it->score * 100 + 0.5) / 100);
		hc_cell_str(&r[C_WHY], hc_table_strdup(&t, it->why));
		if (it->host >= 0)
			hc_cell_str(&r[C_HOST], a->hosts[it->host].name);
		if (it->hop >= 0)
			hc_cell_int(&r[C_HOP], it->hop + 1);
		if (it->ev) {
			hc_cell_str(&r[C_FILE], it->ev->file);
			hc_cell_int(&r[C_RECORD], (long long)it->ev->record_id);
			hc_cell_int(&r[C_EVENT], it->ev->event_id);
			snprintf(buf, sizeof(buf), "#%llu", (unsigned long long)it->ev->record_id);
			char at[HC_MAX_PATH + 64];
			snprintf(at, sizeof(at), "%s%s", it->ev->file, buf);
			hc_cell_str(&r[V_AT], hc_table_strdup(&t, at));
		}
		snprintf(buf, sizeof(buf), "%s%s", it->kind == HC_EX_HOP ? "" : "  ",
		         it->taken ? "*" : "-");
		hc_cell_str(&r[V_MARK], hc_table_strdup(&t, buf));
		snprintf(buf, sizeof(buf), "%s %s", hc_explain_kind_name(it->kind), it->what);
		hc_cell_str(&r[V_WHAT], hc_table_strdup(&t, buf));
		hc_cell_str(&r[V_WHY], r[C_WHY].u.s);
	}
	if (rc == HC_EXIT_OK && fmt == HC_FMT_TABLE)
		print_view(a, &x, stdout);
	else if (rc == HC_EXIT_OK && hc_table_print(&t, fmt, "explain", &ro, stdout) < 0)
		rc = HC_EXIT_FAILURE;
	hc_table_free(&t);
	hc_explain_free(&x);
	return rc;
}

int hc_cmd_explain(const struct hc_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	enum hc_format fmt = HC_FMT_TABLE;
	const char *db_path = NULL;
	struct hc_cli_corr cc;
	struct hc_store *store = NULL;
	struct hc_eventset set = {0};
	struct hc_analysis an;
	struct hc_diag d;
	uint64_t bad = 0;
	int64_t gen;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db_path = optarg;
			break;
		case 'f':
			if (hc_format_parse(optarg, &fmt) < 0 || fmt == HC_FMT_DOT)
				return hc_cli_usage_error("explain",
				                          "unknown format '%s' (table, json, "
				                          "jsonl, csv)",
				                          optarg);
			break;
		case 'h':
			help();
			return HC_EXIT_OK;
		default:
			return hc_cli_bad_option("explain", argv, c, "f:h");
		}
	}
	if (!db_path)
		return hc_cli_usage_error("explain", "--db CASE.db is required");
	if (optind + 1 != argc)
		return hc_cli_usage_error("explain", optind >= argc
		                                         ? "which hop? (a number from "
		                                           "`hops`, C0009/2, or FILE#RECORD)"
		                                         : "one HOP at a time");
	if (access(db_path, F_OK) != 0) {
		fputs("hopchain: ", stderr);
		hc_term_put(stderr, db_path);
		fputs(": no such case\n", stderr);
		return HC_EXIT_FAILURE;
	}
	if (hc_store_open(db_path, &store, &d) < 0) {
		hc_diag_prefix(&d, "cannot read the case: ");
		hc_cli_diag(&d);
		return HC_EXIT_FAILURE;
	}
	hc_cli_corr_init(&cc);
	rc = hc_cli_corr_ready(&cc, "explain", store);
	if (rc == 0 && hc_store_load(store, &set, &bad, &gen, &d) < 0) {
		hc_diag_prefix(&d, "cannot read the case: ");
		hc_cli_diag(&d);
		rc = HC_EXIT_FAILURE;
	}
	if (rc == 0 && (rc = hc_correlate(&set, &cc.co, &an)) < 0) {
		fprintf(stderr, "hopchain: %s while correlating\n",
		        rc == HC_ERR_LIMIT ? "too many hosts" : "out of memory");
		rc = HC_EXIT_FAILURE;
	} else if (rc == 0) {
		rc = hc_cli_explain(&an, argv[optind], fmt, g->color);
		hc_analysis_free(&an);
	}
	hc_eventset_free(&set);
	hc_store_close(store);
	hc_cli_corr_free(&cc);
	return rc;
}

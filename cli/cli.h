/* Shared pieces of the command-line front end: global options, the
 * diagnostic printer, exit codes. Only cli/ prints or exits. */
#ifndef HC_CLI_H
#define HC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "../engine/correlate.h"
#include "../engine/loader.h"
#include "out_json.h"
#include "table.h"
#include "term.h"

/* Exit codes are API (README "Exit codes"). */
enum {
	HC_EXIT_OK = 0,
	HC_EXIT_FAILURE = 1, /* runtime failure: no input readable, output error, out of memory */
	HC_EXIT_USAGE = 2,   /* bad command line */
	HC_EXIT_PARTIAL = 3, /* done, but some inputs or records could not be read */
};

struct hc_global {
	bool color;
	unsigned threads;
	const char *reader; /* EVTX reader (--reader), NULL: the default */
	const char *prog;
};

/* Seconds on a monotonic clock, for --timings. */
double hc_cli_now(void);

/* Prints "hopchain: FILE: [offset N: ]message" to stderr, escaped (the
 * message itself names the record or line, see base/error.h). */
void hc_cli_diag(const struct hc_diag *d);
/* Usage error for `cmd`: one specific line plus a hint; returns HC_EXIT_USAGE. */
int hc_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Usage error for what getopt_long returned (`c` is '?' or ':'), naming
 * the offending option precisely; `shortopts` as given to getopt_long
 * without the leading ':'. Returns HC_EXIT_USAGE. */
int hc_cli_bad_option(const char *cmd, char **argv, int c, const char *shortopts);

/* Hooks into hc_cli_load for commands that do more with each file. */
struct hc_cli_load_hooks {
	unsigned flags; /* HC_LOAD_* */
	int (*on_events)(void *ctx, struct hc_file_result *r, struct hc_event *ev, size_t n);
	void (*on_file)(void *ctx, const struct hc_file_result *r);
	void *ctx;
	/* no input readable is no failure here: the caller judges (ingest,
	 * whose inputs may be in the case already) */
	bool none_readable_ok;
};

/* Loads events from `paths` (files or directories) and sorts them; reports diagnostics.
 * *input_errors is set (never cleared) when any path, file or record failed. `hooks` may be NULL.
 * Returns 0 or a HC_EXIT_* code on a fatal error, among them "no input could be read" (reported)
 * unless hooks->none_readable_ok. */
int hc_cli_load(const struct hc_global *g, char *const *paths, int npaths,
                const struct hc_read_opts *o, struct hc_eventset *set, bool *input_errors);
int hc_cli_load_with(const struct hc_global *g, char *const *paths, size_t npaths,
                     const struct hc_read_opts *o, const struct hc_cli_load_hooks *hooks,
                     struct hc_eventset *set, bool *input_errors);

/* As hc_cli_load, into a packed set (engine/packset.h) in the order
 * hc_cli_load sorts; 0 and *ret (free with hc_packset_free), or a
 * HC_EXIT_* code (reported). */
int hc_cli_load_packed(const struct hc_global *g, char *const *paths, int npaths,
                       const struct hc_read_opts *o, struct hc_packset **ret, bool *input_errors);

struct hc_store;

/* Correlation options shared by analyze, ingest and correlate
 * (cli/corr_opts.c). Long options: policy 'p', hosts 'H', skew 's',
 * session-window 'w', all with an argument; HC_CLI_CORR_OPTIONS lists
 * them for a getopt_long table. */
#define HC_CLI_CORR_OPTIONS                                                                        \
	{"policy", required_argument, NULL, 'p'}, {"hosts", required_argument, NULL, 'H'},         \
	    {"skew", required_argument, NULL, 's'},                                                \
	{                                                                                          \
		"session-window", required_argument, NULL, 'w'                                     \
	}
struct hc_cli_corr {
	struct hc_correlate_opts co;
	struct hc_policy pol;
	bool have_policy, skew_set, window_set;
	const char *policy_path, *hosts_path;
	char *inherited_policy, *inherited_hosts;
	struct hc_host_hint *hints;
	char **hint_strs;
	size_t nhints;
	char skew_txt[32], window_txt[32];
	const char *meta[8]; /* key/value pairs for hc_store_write */
	size_t nmeta;
};
void hc_cli_corr_init(struct hc_cli_corr *c);
/* One option (getopt's `opt` and `arg`); returns 0 or HC_EXIT_USAGE. */
int hc_cli_corr_option(struct hc_cli_corr *c, const char *cmd, int opt, const char *arg);
/* After option parsing: fills what was not given from `case_store`'s
 * meta table (when not NULL), loads --policy and --hosts. Returns 0 or an
 * HC_EXIT_* code (reported). */
int hc_cli_corr_ready(struct hc_cli_corr *c, const char *cmd, struct hc_store *case_store);
void hc_cli_corr_free(struct hc_cli_corr *c);

int hc_cmd_events(const struct hc_global *g, int argc, char **argv);
int hc_cmd_analyze(const struct hc_global *g, int argc, char **argv);
int hc_cmd_ingest(const struct hc_global *g, int argc, char **argv);
int hc_cmd_correlate(const struct hc_global *g, int argc, char **argv);
/* `hopchain explain` (cli/cmd_explain.c), and the explanation of hop HOP
 * (a number, C0009/2 or FILE#RECORD) of `a` for `analyze --explain`.
 * Returns an HC_EXIT_* code. */
int hc_cmd_explain(const struct hc_global *g, int argc, char **argv);
int hc_cli_explain(struct hc_analysis *a, const char *hop, enum hc_format fmt, bool color);

/* The query commands over a case store (cli/cmd_query.c). */
int hc_cmd_chains(const struct hc_global *g, int argc, char **argv);
int hc_cmd_hops(const struct hc_global *g, int argc, char **argv);
int hc_cmd_sessions(const struct hc_global *g, int argc, char **argv);
int hc_cmd_findings(const struct hc_global *g, int argc, char **argv);
int hc_cmd_hosts(const struct hc_global *g, int argc, char **argv);
int hc_cmd_summary(const struct hc_global *g, int argc, char **argv);
int hc_cmd_timeline(const struct hc_global *g, int argc, char **argv);
int hc_cmd_sql(const struct hc_global *g, int argc, char **argv);

#endif

/* Shared pieces of the command-line front end: global options, the
 * diagnostic printer, exit codes. Only cli/ prints or exits. */
#ifndef HC_CLI_H
#define HC_CLI_H

#include <stdbool.h>

#include "../engine/events.h"
#include "table.h"

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
	const char *prog;
};

/* Prints "hopchain: FILE: record N: message" to stderr, escaped. */
void hc_cli_diag(const struct hc_diag *d);
/* Usage error for `cmd`: one specific line plus a hint; returns HC_EXIT_USAGE. */
int hc_cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Usage error for what getopt_long returned (`c` is '?' or ':'), naming
 * the offending option precisely; `shortopts` as given to getopt_long
 * without the leading ':'. Returns HC_EXIT_USAGE. */
int hc_cli_bad_option(const char *cmd, char **argv, int c, const char *shortopts);

/* Loads events from `paths` (files or directories); reports diagnostics.
 * *input_errors is set when any file or record failed. Returns 0 or a
 * HC_EXIT_* code on a fatal error. */
int hc_cli_load(const struct hc_global *g, char *const *paths, int npaths,
		const struct hc_read_opts *o, struct hc_eventset *set, bool *input_errors);

int hc_cmd_events(const struct hc_global *g, int argc, char **argv);
int hc_cmd_analyze(const struct hc_global *g, int argc, char **argv);

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

/* hopchain's main(): global options, the command table, --help/--version.
 * Each command parses its own options with getopt_long. */
#include "cli.h"
#include "../engine/sha256.h"
#include "../engine/store.h"
#include "../parsers/regex.h"
#include "hc_config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *name;
	int (*run)(const struct hc_global *g, int argc, char **argv);
	const char *summary;
} commands[] = {
    {"events", hc_cmd_events, "print the logon-related events of EVTX files, sorted by time"},
    {"analyze", hc_cmd_analyze, "link logons across hosts into hop chains and report findings"},
    {"ingest", hc_cmd_ingest, "add logs to a case database and bring its analysis up to date"},
    {"correlate", hc_cmd_correlate, "correlate a case database again (e.g. with other options)"},
    {"explain", hc_cmd_explain, "explain one hop of a case: every witness and candidate, and why"},
    {"chains", hc_cmd_chains, "list the hop chains of a case store (--db), with filters"},
    {"hops", hc_cmd_hops, "list the hops of a case store in time order"},
    {"sessions", hc_cmd_sessions, "list the logon sessions of every host of a case store"},
    {"findings", hc_cmd_findings, "list the findings of a case store"},
    {"hosts", hc_cmd_hosts, "list the hosts of a case store with their names and addresses"},
    {"summary", hc_cmd_summary, "logon summary: logons and failures per account and host"},
    {"timeline", hc_cmd_timeline, "one account's logon events across all hosts, in time order"},
    {"sql", hc_cmd_sql, "run one read-only SQL statement on a case store"},
};

static void usage(FILE *out)
{
	fputs("usage: hopchain [--color=auto|always|never] [--threads N] [--reader R] <command> "
	      "[options] [args]\n"
	      "       hopchain --help | --version\n"
	      "\n"
	      "Reconstructs logon hop chains from Windows Security event logs.\n"
	      "\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "global options:\n"
	      "  --color=WHEN   colour the table view: auto (default), always, never\n"
	      "  --threads N    worker threads for reading files (default: CPUs online)\n"
	      "  --reader R     EVTX reader: native (default, built in) or libevtx\n"
	      "  -h, --help     this help; `hopchain <command> --help` for a command\n"
	      "  -V, --version  versions of hopchain and its libraries\n"
	      "\n"
	      "exit codes: 0 ok, 1 runtime failure, 2 usage error,\n"
	      "            3 finished but some inputs or records could not be read\n",
	      out);
}

static void version(void)
{
	printf("hopchain %s\n", HC_VERSION);
	printf("evtx readers: native (default), libevtx (--reader libevtx)\n");
	printf("libevtx %s\n", hc_libevtx_version());
	printf("sqlite %s\n", hc_store_sqlite_version());
	printf("pcre2 %s\n", hc_regex_version());
	printf("jansson %s\n", hc_jansson_version());
	printf("nettle %s\n", hc_nettle_version());
}

int hc_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs("hopchain: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	/* arguments may carry control characters (a globbed hostile file name) */
	hc_term_put(stderr, msg);
	fprintf(stderr, "\nTry 'hopchain %s%s--help' for more information.\n", cmd ? cmd : "",
	        cmd ? " " : "");
	return HC_EXIT_USAGE;
}

int hc_cli_bad_option(const char *cmd, char **argv, int c, const char *shortopts)
{
	const char *arg = argv[optind - 1];

	if (c == ':') {
		if (optopt && strchr(shortopts, optopt) && strncmp(arg, "--", 2) != 0)
			return hc_cli_usage_error(cmd, "option '-%c' needs a value", optopt);
		return hc_cli_usage_error(cmd, "option '%s' needs a value", arg);
	}
	if (optopt == 0) /* an unknown long option */
		return hc_cli_usage_error(cmd, "unknown option '%s'", arg);
	if (!strchr(shortopts, optopt) && strncmp(arg, "--", 2) == 0) {
		const char *eq = strchr(arg, '=');
		return hc_cli_usage_error(cmd, "option '%.*s' takes no value",
		                          (int)(eq ? eq - arg : (long)strlen(arg)), arg);
	}
	/* inside a cluster (-xy, or a file name starting with '-') getopt has
	 * not moved optind yet: name the whole argument, it is what the user
	 * typed or what a glob produced */
	const char *cl = argv[optind] && argv[optind][0] == '-' && strchr(argv[optind], optopt)
	                     ? argv[optind]
	                     : arg;
	if (strlen(cl) > 2)
		return hc_cli_usage_error(cmd,
		                          "unknown option '-%c' in '%s' (put -- before file "
		                          "names that start with '-')",
		                          optopt, cl);
	return hc_cli_usage_error(cmd, "unknown option '-%c'", optopt);
}

static int color_auto(void)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && *nc)
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(STDOUT_FILENO);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"color", required_argument, NULL, 'C'},  {"threads", required_argument, NULL, 'T'},
	    {"reader", required_argument, NULL, 'R'}, {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	struct hc_global g = {.prog = "hopchain"};
	const char *color = "auto";
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c, rc;

	g.threads = ncpu > 0 ? (unsigned)ncpu : 1;
	/* '+': stop at the command name; the command parses the rest */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'C':
			color = optarg;
			break;
		case 'T': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > HC_MAX_THREADS)
				return hc_cli_usage_error(NULL, "--threads wants 1..%d, not '%s'",
				                          HC_MAX_THREADS, optarg);
			g.threads = (unsigned)n;
			break;
		}
		case 'R':
			if (!hc_input_is_evtx_reader(optarg))
				return hc_cli_usage_error(NULL,
				                          "--reader wants native or libevtx, "
				                          "not '%s'",
				                          optarg);
			g.reader = optarg;
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 && !ferror(stdout) ? HC_EXIT_OK
			                                              : HC_EXIT_FAILURE;
		case 'V':
			version();
			return fflush(stdout) == 0 && !ferror(stdout) ? HC_EXIT_OK
			                                              : HC_EXIT_FAILURE;
		default:
			return hc_cli_bad_option(NULL, argv, c, "hV");
		}
	}
	if (strcmp(color, "always") == 0)
		g.color = true;
	else if (strcmp(color, "never") == 0)
		g.color = false;
	else if (strcmp(color, "auto") == 0)
		g.color = color_auto();
	else
		return hc_cli_usage_error(NULL, "--color wants auto, always or never, not '%s'",
		                          color);
	if (optind >= argc)
		return hc_cli_usage_error(NULL, "no command given");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) != 0)
			continue;
		int cargc = argc - optind;
		char **cargv = argv + optind;
		optind = 0; /* full getopt reset for the command */
		rc = commands[i].run(&g, cargc, cargv);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "hopchain: error writing output\n");
			return HC_EXIT_FAILURE;
		}
		return rc;
	}
	return hc_cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
}

/* The query commands over a case store (`hopchain chains|hops|sessions|
 * findings|hosts|summary|timeline|sql --db CASE.db`): options, bound
 * parameters and one result table per command. The SQL is in queries/,
 * its execution in engine/store.c; this file only turns rows into cells
 * and picks the view. */
#include "cli.h"
#include "chain_view.h"
#include "../engine/store.h"
#include "../parsers/regex.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Options; each command accepts a subset. */
enum {
	Q_ACCOUNT = 1 << 0,
	Q_HOST = 1 << 1,
	Q_THROUGH = 1 << 2,
	Q_RANGE = 1 << 3, /* --from, --to */
	Q_MIN_HOPS = 1 << 4,
	Q_FINDING = 1 << 5,
	Q_SEVERITY = 1 << 6,
	Q_FAILED = 1 << 7,
	Q_DOT = 1 << 8,          /* --format dot */
	Q_NEED_ACCOUNT = 1 << 9, /* --account is required */
	Q_STATEMENT = 1 << 10,   /* one positional argument: the SQL */
	Q_MAX_TIME = 1 << 11,    /* --max-time (sql) */
	Q_ALL = 1 << 12,         /* --all: every class of hop (chains) */
};

/* The table view of `sql` keeps its rows (it needs every width): at most
 * this many; the other formats print rows as they come. */
#define HC_MAX_SQL_VIEW_ROWS 100000

#define HC_MAX_FINDING_ID 64

struct qargs {
	const char *db;
	enum hc_format fmt;
	bool csv_raw;
	const char *account, *host, *through, *finding, *statement;
	char through_addr[64];
	bool has_from, has_to, failed, all;
	int64_t from, to;
	long min_hops;
	int severity;    /* hc_severity, or -1 */
	double max_time; /* sql: seconds in SQLite, 0 = no limit */
};

struct qcmd {
	const char *name;
	unsigned opts;
	const char *help;
};

static const struct qcmd cmd_chains_def = {
    "chains",
    Q_ACCOUNT | Q_HOST | Q_THROUGH | Q_RANGE | Q_MIN_HOPS | Q_FINDING | Q_SEVERITY | Q_DOT | Q_ALL,
    "usage: hopchain chains --db CASE.db [--format table|json|jsonl|csv|dot]\n"
    "                       [--account RE] [--host RE] [--through HOST]\n"
    "                       [--from TIME] [--to TIME] [--min-hops N] [--all]\n"
    "                       [--finding ID] [--severity LEVEL]\n"
    "\n"
    "Lists the hop chains of a case store (written by `analyze --db`) with\n"
    "their findings. The table view tells each chain as a story, json/jsonl\n"
    "print the chain objects of `analyze --format json`, csv one row per hop,\n"
    "dot a graph. Every filter given must hold; a chain is in --from/--to when\n"
    "some of it (first to last hop) lies in the range.\n"};
static const struct qcmd cmd_hops_def = {
    "hops", Q_ACCOUNT | Q_HOST | Q_RANGE | Q_FAILED,
    "usage: hopchain hops --db CASE.db [--format table|json|jsonl|csv]\n"
    "                     [--account RE] [--host RE] [--from TIME] [--to TIME]\n"
    "                     [--failed]\n"
    "\n"
    "Lists every hop (an inbound logon from another host) in time order, with\n"
    "the chains it is part of. --host matches the source or the destination.\n"};
static const struct qcmd cmd_sessions_def = {
    "sessions", Q_ACCOUNT | Q_HOST | Q_RANGE,
    "usage: hopchain sessions --db CASE.db [--format table|json|jsonl|csv]\n"
    "                         [--account RE] [--host RE] [--from TIME] [--to TIME]\n"
    "\n"
    "Lists the logon sessions of every host: logon id, account, logon and logoff\n"
    "time, duration. Without a logoff the session ends where the analysis\n"
    "assumed (session window or next boot; `logoff_seen` is false). A session\n"
    "is in --from/--to when it overlaps the range.\n"};
static const struct qcmd cmd_findings_def = {
    "findings", Q_ACCOUNT | Q_HOST | Q_RANGE | Q_MIN_HOPS | Q_FINDING | Q_SEVERITY,
    "usage: hopchain findings --db CASE.db [--format table|json|jsonl|csv]\n"
    "                         [--account RE] [--host RE] [--from TIME] [--to TIME]\n"
    "                         [--min-hops N] [--finding ID] [--severity LEVEL]\n"
    "\n"
    "Lists the findings of the chains, one row each, with the hop's hosts,\n"
    "account and time; the filters apply to the hop the finding is on.\n"};
static const struct qcmd cmd_hosts_def = {
    "hosts", Q_HOST,
    "usage: hopchain hosts --db CASE.db [--format table|json|jsonl|csv] [--host RE]\n"
    "\n"
    "Lists every host with its names and addresses and where each was learned.\n"
    "--host also matches the addresses.\n"};
static const struct qcmd cmd_summary_def = {
    "summary", Q_ACCOUNT | Q_HOST,
    "usage: hopchain summary --db CASE.db [--format table|json|jsonl|csv]\n"
    "                        [--account RE] [--host RE]\n"
    "\n"
    "The logon summary: per target account, target host, source host, source\n"
    "address, logon type, package and LM package, the successful (4624) and\n"
    "failed (4625) logons with the first and last time; most logons first.\n"
    "The source host is the one the analysis resolved, else the logged\n"
    "WorkstationName. --host matches the target or the source host.\n"};
static const struct qcmd cmd_timeline_def = {
    "timeline", Q_ACCOUNT | Q_NEED_ACCOUNT | Q_HOST | Q_RANGE,
    "usage: hopchain timeline --db CASE.db --account RE [--format table|json|jsonl|csv]\n"
    "                         [--host RE] [--from TIME] [--to TIME]\n"
    "\n"
    "One account's events (logons, failures, logoffs, explicit credentials,\n"
    "privileges, tickets ...) across all hosts in time order. RE is matched\n"
    "against the user names the events carry (target and subject).\n"};
static const struct qcmd cmd_sql_def = {
    "sql", Q_STATEMENT | Q_MAX_TIME,
    "usage: hopchain sql --db CASE.db [--format table|json|jsonl|csv] [--max-time D]\n"
    "                    STATEMENT\n"
    "\n"
    "Runs one SQL statement that reads the store (opened read-only; statements\n"
    "that would write, ATTACH and pragma assignments are refused) and prints\n"
    "its rows as they come (the table view: at most 100000). `S REGEXP P` and\n"
    "regexp_nocase(P, S) match PCRE2 patterns; logon_type_name(N) names a logon\n"
    "type. The tables are described in queries/schema.sql (README: Store).\n"
    "A statement may run 60 s in SQLite (--max-time), make no string or blob\n"
    "longer than 64 MiB, and have SQLite hold at most 1 GiB of memory.\n"
    "\n"
    "  hopchain sql --db case.db \"SELECT account, count(*) FROM hops\n"
    "                              WHERE account REGEXP '^CONTOSO' GROUP BY 1\"\n"};

/* The option lines of --help, in the order printed. */
static const struct {
	unsigned opt;
	const char *text;
} opt_help[] = {
    {0, "  --db CASE.db          the case store (required; opened read-only)\n"},
    {Q_DOT, "  -f, --format F        table (default), json, jsonl, csv or dot\n"},
    {0, "  -f, --format F        table (default), json, jsonl or csv\n"},
    {0, "  --csv-raw             csv: values exactly as they are, for programs (default:\n"
        "                        escaped, and formula-like cells made text with a ')\n"},
    {Q_ACCOUNT, "  --account RE          account user name (without the domain) matches the\n"
                "                        PCRE2 pattern RE, searched case-insensitively\n"},
    {Q_NEED_ACCOUNT, "  --account RE          the account: user names matching the PCRE2 pattern\n"
                     "                        RE, case-insensitively (required)\n"},
    {Q_HOST, "  --host RE             a host (canonical name or FQDN) matches RE\n"},
    {Q_THROUGH, "  --through HOST        HOST (name, FQDN or address) is an intermediate host\n"
                "                        of the chain: entered by one hop, left by the next\n"},
    {Q_RANGE, "  --from TIME           at or after TIME (RFC 3339 date-time, or a date: the\n"
              "                        day from 00:00 UTC)\n"
              "  --to TIME             at or before TIME (a date: to the end of that day UTC)\n"},
    {Q_MIN_HOPS, "  --min-hops N          chains of at least N hops (default 2, as analyze)\n"},
    {Q_FINDING, "  --finding ID          with finding ID (anonymous-second-hop, ...)\n"},
    {Q_SEVERITY, "  --severity LEVEL      with a finding of at least LEVEL (info, low, medium,\n"
                 "                        high)\n"},
    {Q_FAILED, "  --failed              failed hops (4625) only\n"},
    {Q_ALL, "  --all                 also chains of hops that are no user's movement (machine\n"
            "                        accounts' upkeep, the event collector, null sessions)\n"},
    {Q_MAX_TIME, "  --max-time D          stop the statement after D in SQLite (default 60s;\n"
                 "                        D is N[s|m|h], 0 for no limit)\n"},
    {0, "  -h, --help            this help\n"},
};

static void help(const struct qcmd *c)
{
	fputs(c->help, stdout);
	fputc('\n', stdout);
	for (size_t i = 0; i < sizeof(opt_help) / sizeof(opt_help[0]); i++)
		if (!opt_help[i].opt || (c->opts & opt_help[i].opt)) {
			/* one --format line: with dot or without */
			if (!opt_help[i].opt && strstr(opt_help[i].text, "--format") &&
			    (c->opts & Q_DOT))
				continue;
			/* a required --account has its own line */
			if (opt_help[i].opt == Q_ACCOUNT && (c->opts & Q_NEED_ACCOUNT))
				continue;
			fputs(opt_help[i].text, stdout);
		}
	fputs("\nexit codes: 0 ok, 1 the store cannot be read (absent, not a hopchain store,\n"
	      "            another schema version) or a runtime failure, 2 usage error\n",
	      stdout);
}

/* A PCRE2 pattern option: compiled once here, so that a bad one is a usage
 * error pointing at its offset even when no row would reach it. */
static int check_regex(const char *cmd, const char *opt, const char *pattern)
{
	struct hc_regex *re = NULL;
	struct hc_diag d;
	int rc;

	hc_diag_clear(&d);
	rc = hc_regex_compile(pattern, 1, &re, &d);
	hc_regex_free(re);
	if (rc == HC_ERR_NOMEM) {
		fprintf(stderr, "hopchain: out of memory\n");
		return HC_EXIT_FAILURE;
	}
	if (rc < 0) {
		if (d.has_offset)
			return hc_cli_usage_error(cmd, "%s '%s': %s at offset %llu", opt, pattern,
			                          d.msg, (unsigned long long)d.offset);
		return hc_cli_usage_error(cmd, "%s: %s", opt, d.msg);
	}
	return 0;
}

/* --from/--to: RFC 3339; a date alone is the whole day (UTC), so --to of
 * a date ends at its last tick. */
static int parse_time(const char *cmd, const char *opt, const char *s, bool end, int64_t *out)
{
	int64_t t;

	if (!hc_time_parse(s, &t))
		return hc_cli_usage_error(cmd,
		                          "%s wants an RFC 3339 date or date-time "
		                          "(2026-03-02, 2026-03-02T10:00:00Z), not '%s'",
		                          opt, s);
	if (end && strlen(s) == 10)
		t += 86400 * HC_TICKS_PER_SEC - 1;
	*out = t;
	return 0;
}

/* One option `ch` with its argument: -1 to go on, else the exit code. */
static int query_option(const struct qcmd *c, char **argv, int ch, char *arg, struct qargs *a)
{
	char *end;
	int rc;
	enum hc_severity sev;

	switch (ch) {
	case 'd':
		a->db = arg;
		return -1;
	case 'f':
		if (hc_format_parse(arg, &a->fmt) < 0 ||
		    (a->fmt == HC_FMT_DOT && !(c->opts & Q_DOT)))
			return hc_cli_usage_error(c->name,
			                          "unknown format '%s' (table, json, "
			                          "jsonl, csv%s)",
			                          arg, c->opts & Q_DOT ? ", dot" : "");
		return -1;
	case 'R':
		a->csv_raw = true;
		return -1;
	case 'h':
		help(c);
		return HC_EXIT_OK;
	case 'a':
		if ((rc = check_regex(c->name, "--account", arg)))
			return rc;
		a->account = arg;
		return -1;
	case 'H':
		if ((rc = check_regex(c->name, "--host", arg)))
			return rc;
		a->host = arg;
		return -1;
	case 't':
		if (!*arg)
			return hc_cli_usage_error(c->name, "--through wants a host name, FQDN "
			                                   "or address");
		a->through = arg;
		/* an address as logged or as typed (::ffff:a.b.c.d, upper-case v6) */
		if (!hc_ip_normalise(arg, a->through_addr, sizeof(a->through_addr)))
			snprintf(a->through_addr, sizeof(a->through_addr), "%.63s", arg);
		return -1;
	case 'F':
		if ((rc = parse_time(c->name, "--from", arg, false, &a->from)))
			return rc;
		a->has_from = true;
		return -1;
	case 'T':
		if ((rc = parse_time(c->name, "--to", arg, true, &a->to)))
			return rc;
		a->has_to = true;
		return -1;
	case 'm':
		a->min_hops = strtol(arg, &end, 10);
		if (*end || end == arg || a->min_hops < 1 || a->min_hops > HC_MAX_CHAIN_LEN)
			return hc_cli_usage_error(c->name, "--min-hops wants 1..%d, not '%s'",
			                          HC_MAX_CHAIN_LEN, arg);
		return -1;
	case 'i':
		if (!*arg || strlen(arg) > HC_MAX_FINDING_ID ||
		    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(arg))
			return hc_cli_usage_error(c->name,
			                          "--finding wants a finding id like "
			                          "anonymous-second-hop, not '%s'",
			                          arg);
		a->finding = arg;
		return -1;
	case 's':
		if (hc_severity_parse(arg, &sev) < 0)
			return hc_cli_usage_error(c->name,
			                          "--severity wants info, low, medium "
			                          "or high, not '%s'",
			                          arg);
		a->severity = (int)sev;
		return -1;
	case 'x':
		a->failed = true;
		return -1;
	case 'A':
		a->all = true;
		return -1;
	case 'M': {
		int64_t ticks;
		/* a number first: strtod would take "nan" and "inf" */
		if (!strchr("0123456789.", arg[0]) || !hc_duration_parse(arg, &ticks))
			return hc_cli_usage_error(c->name,
			                          "--max-time wants a duration like 60s, "
			                          "5m or 0 (no limit), not '%s'",
			                          arg);
		a->max_time = (double)ticks / HC_TICKS_PER_SEC;
		return -1;
	}
	default:
		return hc_cli_bad_option(c->name, argv, ch, "f:h");
	}
}

/* What the options say together: -1 when usable, else the exit code. */
static int check_args(const struct qcmd *c, int argc, char **argv, struct qargs *a)
{
	if (!a->db)
		return hc_cli_usage_error(c->name, "--db CASE.db is required");
	if (a->csv_raw && a->fmt != HC_FMT_CSV)
		return hc_cli_usage_error(c->name, "--csv-raw goes with --format csv");
	if ((c->opts & Q_NEED_ACCOUNT) && !a->account)
		return hc_cli_usage_error(c->name, "--account RE is required");
	if (a->has_from && a->has_to && a->from > a->to)
		return hc_cli_usage_error(c->name, "--from is after --to");
	if (c->opts & Q_STATEMENT) {
		if (optind >= argc)
			return hc_cli_usage_error(c->name, "no SQL statement given");
		if (optind + 1 < argc)
			return hc_cli_usage_error(c->name,
			                          "one SQL statement, as one argument (quote "
			                          "it); unexpected '%s'",
			                          argv[optind + 1]);
		a->statement = argv[optind];
	} else if (optind < argc) {
		return hc_cli_usage_error(c->name, "unexpected argument '%s'", argv[optind]);
	}
	return -1;
}

static int parse_args(const struct qcmd *c, int argc, char **argv, struct qargs *a)
{
	static const struct {
		struct option o;
		unsigned need;
	} all[] = {
	    {{"db", required_argument, NULL, 'd'}, 0},
	    {{"format", required_argument, NULL, 'f'}, 0},
	    {{"csv-raw", no_argument, NULL, 'R'}, 0},
	    {{"help", no_argument, NULL, 'h'}, 0},
	    {{"account", required_argument, NULL, 'a'}, Q_ACCOUNT},
	    {{"host", required_argument, NULL, 'H'}, Q_HOST},
	    {{"through", required_argument, NULL, 't'}, Q_THROUGH},
	    {{"from", required_argument, NULL, 'F'}, Q_RANGE},
	    {{"to", required_argument, NULL, 'T'}, Q_RANGE},
	    {{"min-hops", required_argument, NULL, 'm'}, Q_MIN_HOPS},
	    {{"finding", required_argument, NULL, 'i'}, Q_FINDING},
	    {{"severity", required_argument, NULL, 's'}, Q_SEVERITY},
	    {{"failed", no_argument, NULL, 'x'}, Q_FAILED},
	    {{"max-time", required_argument, NULL, 'M'}, Q_MAX_TIME},
	    {{"all", no_argument, NULL, 'A'}, Q_ALL},
	};
	struct option opts[sizeof(all) / sizeof(all[0]) + 1];
	size_t n = 0;
	int ch, rc;

	memset(a, 0, sizeof(*a));
	a->fmt = HC_FMT_TABLE;
	a->min_hops = 2;
	a->severity = -1;
	a->max_time = HC_SQL_DEFAULT_SECONDS;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!all[i].need || (c->opts & all[i].need))
			opts[n++] = all[i].o;
	memset(&opts[n], 0, sizeof(opts[n]));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1)
		if ((rc = query_option(c, argv, ch, optarg, a)) != -1)
			return rc;
	return check_args(c, argc, argv, a);
}

/* --- values and rows ---------------------------------------------------- */

static struct hc_value v_null(void)
{
	return (struct hc_value){.kind = HC_VALUE_NULL};
}

static struct hc_value v_int(int64_t i)
{
	return (struct hc_value){.kind = HC_VALUE_INT, .i = i};
}

/* NULL text -> NULL: an option not given disables its filter */
static struct hc_value v_text(const char *s)
{
	return s ? (struct hc_value){.kind = HC_VALUE_TEXT, .s = s, .len = strlen(s)} : v_null();
}

static struct hc_value v_opt_int(bool has, int64_t i)
{
	return has ? v_int(i) : v_null();
}

/* How a column's values become cells (beyond their SQLite type). */
enum conv { C_AS_IS = 0, C_BOOL, C_JSON };

struct qcol {
	struct hc_column col;
	enum conv conv;
};

/* Fills a table from a query's rows. With `cols`, the query must return
 * exactly those columns (names checked once: a query file and this file
 * out of step is a bug); without, the statement's own columns are used
 * (sql), a repeated name getting a _2, _3 ... suffix so JSON keeps it. */
struct filler {
	struct hc_table *t;
	const struct qcol *cols;
	size_t ncols;
	const char *query;
	/* sql: the column list built from the statement, owned here (free
	 * with free_own) */
	struct hc_column *own;
	size_t nown;
	bool bad_columns;
	/* sql: rows go out as they come (csv, json, jsonl); the table view
	 * keeps at most max_rows, then sets `full` and stops the statement */
	struct hc_table_stream *stream;
	size_t max_rows;
	bool full, write_failed;
};

static int fill_columns(void *ctx, size_t n, const char *const *names)
{
	struct filler *f = ctx;

	if (f->cols) {
		if (n != f->ncols) {
			fprintf(stderr, "hopchain: %s.sql returns %zu columns, expected %zu\n",
			        f->query, n, f->ncols);
			f->bad_columns = true;
			return HC_ERR_USAGE;
		}
		for (size_t i = 0; i < n; i++)
			if (strcmp(names[i], f->cols[i].col.name) != 0) {
				fprintf(stderr,
				        "hopchain: %s.sql column %zu is '%s', expected '%s'\n",
				        f->query, i + 1, names[i], f->cols[i].col.name);
				f->bad_columns = true;
				return HC_ERR_USAGE;
			}
		return 0;
	}
	if (f->own) /* a table built once keeps its columns */
		return 0;
	f->own = calloc(n + 1, sizeof(*f->own));
	if (!f->own)
		return HC_ERR_NOMEM;
	f->nown = n;
	for (size_t i = 0; i < n; i++) {
		char name[300];
		int dup = 1;
		snprintf(name, sizeof(name), "%.280s", names[i]);
		for (size_t k = 0; k < i; k++)
			if (strcmp(f->own[k].name, name) == 0) {
				snprintf(name, sizeof(name), "%.280s_%d", names[i], ++dup);
				k = (size_t)-1; /* check the new name from the start */
			}
		/* not in the table's pool: `sql` empties it after each row */
		if (!(f->own[i].name = strdup(name)))
			return HC_ERR_NOMEM;
	}
	f->t->cols = f->own;
	f->t->ncols = n;
	return 0;
}

static void free_own(struct filler *f)
{
	for (size_t i = 0; f->own && i < f->nown; i++)
		free((char *)f->own[i].name);
	free(f->own);
	f->own = NULL;
}

static const char *pool_copy(struct hc_table *t, const char *s, size_t len)
{
	char *tmp = malloc(len + 1);
	const char *c;

	if (!tmp)
		return NULL;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	c = hc_table_strdup(t, tmp);
	free(tmp);
	return c;
}

static const char *blob_hex(struct hc_table *t, const struct hc_value *v)
{
	static const char hex[] = "0123456789abcdef";
	char *tmp = malloc(v->len * 2 + 1);
	const unsigned char *p = (const unsigned char *)v->s;
	const char *c;

	if (!tmp)
		return NULL;
	for (size_t i = 0; i < v->len; i++) {
		tmp[2 * i] = hex[p[i] >> 4];
		tmp[2 * i + 1] = hex[p[i] & 15];
	}
	tmp[v->len * 2] = '\0';
	c = hc_table_strdup(t, tmp);
	free(tmp);
	return c;
}

static int fill_row(void *ctx, const struct hc_value *v, size_t n)
{
	struct filler *f = ctx;
	struct hc_cell *row;

	if (f->max_rows && f->t->nrows >= f->max_rows) {
		f->full = true;
		return HC_ERR_LIMIT;
	}
	if (!(row = hc_table_add_row(f->t)))
		return HC_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		enum conv conv = f->cols ? f->cols[i].conv : C_AS_IS;
		const char *s;
		switch (v[i].kind) {
		case HC_VALUE_INT:
			if (conv == C_BOOL)
				hc_cell_bool(&row[i], v[i].i != 0);
			else
				hc_cell_int(&row[i], (long long)v[i].i);
			break;
		case HC_VALUE_REAL:
			hc_cell_real(&row[i], v[i].r);
			break;
		case HC_VALUE_TEXT:
			if (!(s = pool_copy(f->t, v[i].s, v[i].len)))
				return HC_ERR_NOMEM;
			if (conv == C_JSON)
				hc_cell_json(&row[i], s);
			else
				hc_cell_str(&row[i], s);
			break;
		case HC_VALUE_BLOB:
			if (!(s = blob_hex(f->t, &v[i])))
				return HC_ERR_NOMEM;
			hc_cell_str(&row[i], s);
			break;
		case HC_VALUE_NULL:
		default:
			break;
		}
	}
	if (f->stream && f->stream->fmt != HC_FMT_TABLE &&
	    hc_table_stream_rows(f->stream, f->t) < 0) {
		f->write_failed = true;
		return HC_ERR_IO;
	}
	return 0;
}

/* The columns of a qcol list as the table wants them (malloc'd). */
static struct hc_column *columns_of(const struct qcol *q, size_t n)
{
	struct hc_column *c = calloc(n + 1, sizeof(*c));

	for (size_t i = 0; c && i < n; i++)
		c[i] = q[i].col;
	return c;
}

/* Reports a failed store call; returns the exit code. */
static int store_failed(const char *cmd, int rc, struct hc_diag *d, bool bad_columns)
{
	if (bad_columns)
		return HC_EXIT_FAILURE;
	if (rc == HC_ERR_NOMEM && !d->msg[0]) {
		fprintf(stderr, "hopchain: out of memory\n");
		return HC_EXIT_FAILURE;
	}
	if (rc == HC_ERR_USAGE)
		return hc_cli_usage_error(cmd, "%s", d->msg);
	hc_cli_diag(d);
	return HC_EXIT_FAILURE;
}

/* Runs query `name` into table t (columns `cols`), appending rows. */
static int query_into(struct hc_store *s, const char *cmd, const char *name,
                      const struct hc_value *p, size_t np, const struct qcol *cols, size_t ncols,
                      struct hc_table *t)
{
	struct filler f = {.t = t, .cols = cols, .ncols = ncols, .query = name};
	struct hc_rows rows = {fill_columns, fill_row, &f};
	struct hc_diag d;
	int rc;

	hc_diag_clear(&d);
	rc = hc_store_query(s, name, p, np, &rows, &d);
	if (rc < 0)
		return store_failed(cmd, rc, &d, f.bad_columns);
	return 0;
}

static int open_store(const char *cmd, const struct qargs *a, struct hc_store **s)
{
	struct hc_diag d;

	(void)cmd;
	hc_diag_clear(&d);
	if (hc_store_open_readonly(a->db, s, &d) < 0) {
		hc_diag_prefix(&d, "cannot read the store: ");
		hc_cli_diag(&d);
		return HC_EXIT_FAILURE;
	}
	return 0;
}

static int print_table(const struct hc_global *g, const struct hc_table *t, const struct qargs *a,
                       const char *key)
{
	struct hc_render_opts ro = {.color = g->color, .csv_raw = a->csv_raw};

	if (hc_table_print(t, a->fmt, key, &ro, stdout) < 0) {
		fprintf(stderr, "hopchain: error writing output\n");
		return HC_EXIT_FAILURE;
	}
	return HC_EXIT_OK;
}

/* --- listings: one query, one table ------------------------------------ */

static const struct qcol hops_cols[] = {
    {{"hop", 0}, 0},
    {{"time", 0}, 0},
    {{"src_host", 0}, 0},
    {{"src_ip", 0}, 0},
    {{"dst_host", 0}, 0},
    {{"account", 0}, 0},
    {{"package", 0}, 0},
    {{"lm_package", HC_COL_DATA}, 0},
    {{"logon_type", 0}, 0},
    {{"anonymous", HC_COL_DATA}, C_BOOL},
    {{"failed", 0}, C_BOOL},
    {{"class", 0}, 0},
    {{"repeat_of", HC_COL_DATA}, 0},
    {{"source_resolved_by", HC_COL_DATA}, 0},
    {{"event_id", 0}, 0},
    {{"file", HC_COL_DATA}, 0},
    {{"record_id", HC_COL_DATA}, 0},
    {{"chains", 0}, 0},
};

static const struct qcol sessions_cols[] = {
    {{"host", 0}, 0},
    {{"logon_id", 0}, 0},
    {{"account", 0}, 0},
    {{"logon_type", 0}, 0},
    {{"logon", 0}, 0},
    {{"logoff", 0}, 0},
    {{"end", HC_COL_DATA}, 0},
    {{"duration_seconds", 0}, 0},
    {{"logoff_seen", HC_COL_DATA}, C_BOOL},
    {{"privileged", 0}, C_BOOL},
    {{"src_host", 0}, 0},
    {{"boot", HC_COL_DATA}, 0},
    {{"file", HC_COL_DATA}, 0},
    {{"record_id", HC_COL_DATA}, 0},
};

static const struct qcol findings_cols[] = {
    {{"chain", 0}, 0},
    {{"hop", 0}, 0},
    {{"severity", 0}, 0},
    {{"id", 0}, 0},
    {{"technique", HC_COL_DATA}, 0},
    {{"time", 0}, 0},
    {{"src_host", 0}, 0},
    {{"dst_host", 0}, 0},
    {{"account", 0}, 0},
    {{"what", 0}, 0},
    {{"todo", HC_COL_DATA}, 0},
    {{"evidence", HC_COL_DATA}, C_JSON},
};

static const struct qcol hosts_cols[] = {
    {{"name", 0}, 0},
    {{"fqdn", 0}, 0},
    {{"has_log", 0}, C_BOOL},
    {{"learned_from", 0}, 0},
    {{"kdc", HC_COL_DATA}, C_BOOL},
    {{"collector", HC_COL_DATA}, C_BOOL},
    {{"boots", 0}, 0},
    {{"clock_offset_seconds", 0}, 0},
    {{"clock_pairs", HC_COL_DATA}, 0},
    {{"clock_reference", HC_COL_DATA}, 0},
    {{"addresses", HC_COL_DATA}, C_JSON},
    {{"address_list", HC_COL_VIEW}, 0},
};

static const struct qcol summary_cols[] = {
    {{"target_account", 0}, 0}, {{"target_host", 0}, 0}, {{"src_host", 0}, 0},
    {{"src_ip", 0}, 0},         {{"logon_type", 0}, 0},  {{"package", 0}, 0},
    {{"lm_package", 0}, 0},     {{"success", 0}, 0},     {{"failure", 0}, 0},
    {{"first", 0}, 0},          {{"last", 0}, 0},
};

static const struct qcol timeline_cols[] = {
    {{"time", 0}, 0},
    {{"host", 0}, 0},
    {{"event_id", 0}, 0},
    {{"action", 0}, 0},
    {{"target", 0}, 0},
    {{"subject", 0}, 0},
    {{"logon_type", 0}, 0},
    {{"package", 0}, 0},
    {{"ip", 0}, 0},
    {{"workstation", HC_COL_DATA}, 0},
    {{"logon_id", 0}, 0},
    {{"target_server", HC_COL_DATA}, 0},
    {{"service_name", HC_COL_DATA}, 0},
    {{"status", HC_COL_DATA}, 0},
    {{"file", HC_COL_DATA}, 0},
    {{"record_id", HC_COL_DATA}, 0},
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

/* One listing command: its query, columns and JSON key. */
struct listing {
	const struct qcmd *cmd;
	const char *query;
	const struct qcol *cols;
	size_t ncols;
	/* the query's parameters from the options */
	size_t (*params)(const struct qargs *a, struct hc_value *p);
};

static size_t hops_params(const struct qargs *a, struct hc_value *p)
{
	p[0] = v_text(a->account);
	p[1] = v_text(a->host);
	p[2] = v_opt_int(a->has_from, a->from);
	p[3] = v_opt_int(a->has_to, a->to);
	p[4] = v_opt_int(a->failed, 1);
	return 5;
}

static size_t sessions_params(const struct qargs *a, struct hc_value *p)
{
	p[0] = v_text(a->account);
	p[1] = v_text(a->host);
	p[2] = v_opt_int(a->has_from, a->from);
	p[3] = v_opt_int(a->has_to, a->to);
	return 4;
}

static size_t findings_params(const struct qargs *a, struct hc_value *p)
{
	p[0] = v_text(a->account);
	p[1] = v_text(a->host);
	p[2] = v_opt_int(a->has_from, a->from);
	p[3] = v_opt_int(a->has_to, a->to);
	p[4] = v_int(a->min_hops);
	p[5] = v_text(a->finding);
	p[6] = v_opt_int(a->severity >= 0, a->severity);
	return 7;
}

static size_t hosts_params(const struct qargs *a, struct hc_value *p)
{
	p[0] = v_text(a->host);
	return 1;
}

static size_t summary_params(const struct qargs *a, struct hc_value *p)
{
	p[0] = v_text(a->account);
	p[1] = v_text(a->host);
	return 2;
}

static size_t timeline_params(const struct qargs *a, struct hc_value *p)
{
	p[0] = v_text(a->account);
	p[1] = v_text(a->host);
	p[2] = v_opt_int(a->has_from, a->from);
	p[3] = v_opt_int(a->has_to, a->to);
	return 4;
}

static int run_listing(const struct hc_global *g, const struct listing *l, int argc, char **argv)
{
	struct qargs a;
	struct hc_store *s = NULL;
	struct hc_table t;
	struct hc_column *cols = NULL;
	struct hc_value p[16];
	size_t np;
	int rc = parse_args(l->cmd, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if ((rc = open_store(l->cmd->name, &a, &s)))
		return rc;
	if (!(cols = columns_of(l->cols, l->ncols))) {
		hc_store_close(s);
		fprintf(stderr, "hopchain: out of memory\n");
		return HC_EXIT_FAILURE;
	}
	hc_table_init(&t, cols, l->ncols);
	np = l->params(&a, p);
	rc = query_into(s, l->cmd->name, l->query, p, np, l->cols, l->ncols, &t);
	if (rc == 0)
		rc = print_table(g, &t, &a, l->cmd->name);
	hc_table_free(&t);
	free(cols);
	hc_store_close(s);
	return rc;
}

int hc_cmd_hops(const struct hc_global *g, int argc, char **argv)
{
	static const struct listing l = {&cmd_hops_def, "hops", hops_cols, NCOLS(hops_cols),
	                                 hops_params};
	return run_listing(g, &l, argc, argv);
}

int hc_cmd_sessions(const struct hc_global *g, int argc, char **argv)
{
	static const struct listing l = {&cmd_sessions_def, "sessions", sessions_cols,
	                                 NCOLS(sessions_cols), sessions_params};
	return run_listing(g, &l, argc, argv);
}

int hc_cmd_findings(const struct hc_global *g, int argc, char **argv)
{
	static const struct listing l = {&cmd_findings_def, "findings", findings_cols,
	                                 NCOLS(findings_cols), findings_params};
	return run_listing(g, &l, argc, argv);
}

int hc_cmd_hosts(const struct hc_global *g, int argc, char **argv)
{
	static const struct listing l = {&cmd_hosts_def, "hosts", hosts_cols, NCOLS(hosts_cols),
	                                 hosts_params};
	return run_listing(g, &l, argc, argv);
}

int hc_cmd_summary(const struct hc_global *g, int argc, char **argv)
{
	static const struct listing l = {&cmd_summary_def, "summary", summary_cols,
	                                 NCOLS(summary_cols), summary_params};
	return run_listing(g, &l, argc, argv);
}

int hc_cmd_timeline(const struct hc_global *g, int argc, char **argv)
{
	static const struct listing l = {&cmd_timeline_def, "timeline", timeline_cols,
	                                 NCOLS(timeline_cols), timeline_params};
	return run_listing(g, &l, argc, argv);
}

/* --- sql ---------------------------------------------------------------- */

int hc_cmd_sql(const struct hc_global *g, int argc, char **argv)
{
	struct qargs a;
	struct hc_store *s = NULL;
	struct hc_table t;
	struct hc_table_stream st;
	struct hc_render_opts ro = {.color = g->color};
	struct filler f = {.t = &t, .query = "sql", .stream = &st};
	struct hc_rows rows = {fill_columns, fill_row, &f};
	struct hc_sql_limits lim = {0};
	struct hc_diag d;
	int rc = parse_args(&cmd_sql_def, argc, argv, &a);

	if (rc >= 0)
		return rc;
	if ((rc = open_store("sql", &a, &s)))
		return rc;
	ro.csv_raw = a.csv_raw;
	hc_table_init(&t, NULL, 0);
	hc_table_stream_begin(&st, a.fmt, "rows", &ro, stdout);
	if (a.fmt == HC_FMT_TABLE)
		f.max_rows = HC_MAX_SQL_VIEW_ROWS;
	hc_diag_clear(&d);
	lim.max_seconds = a.max_time;
	rc = hc_store_sql(s, a.statement, &lim, &rows, &d);
	if (f.full) {
		fprintf(stderr,
		        "hopchain: sql: the table view shows the first %d rows; --format csv, json "
		        "or jsonl print them all\n",
		        HC_MAX_SQL_VIEW_ROWS);
		rc = 0;
	}
	if (f.write_failed) {
		fprintf(stderr, "hopchain: error writing output\n");
		rc = HC_EXIT_FAILURE;
	} else if (rc < 0) {
		/* what was printed stays: csv and jsonl end at a whole row, json
		 * stays open, so no reader takes it for the whole result */
		rc = store_failed("sql", rc, &d, false);
		if (lim.out_of_time)
			fprintf(stderr, "hopchain: sql: --max-time D allows more (0: no limit)\n");
	} else if (hc_table_stream_end(&st, &t) < 0) {
		fprintf(stderr, "hopchain: error writing output\n");
		rc = HC_EXIT_FAILURE;
	} else {
		rc = HC_EXIT_OK;
	}
	hc_table_free(&t);
	free_own(&f);
	hc_store_close(s);
	return rc;
}

/* --- chains --------------------------------------------------------------- */

/* `chains`: the filters select chain ids (queries/chains_select.sql); the
 * analysis of those chains is loaded back from the case and printed by the
 * chain view `analyze` uses, so both print the same bytes. */
static const struct qcol select_cols[] = {
    {{"id", 0}, 0}, {{"name", 0}, 0}, {{"start", 0}, 0}, {{"end", 0}, 0}, {{"nhops", 0}, 0},
};
static const struct qcol hidden_cols[] = {
    {{"machine", 0}, 0},
    {{"collector", 0}, 0},
    {{"null_session", 0}, 0},
    {{"short_chains", 0}, 0},
};

static long long cell_int(const struct hc_table *t, size_t r, size_t c)
{
	const struct hc_cell *x = &t->cells[r * t->ncols + c];

	return x->kind == HC_CELL_INT ? x->u.i : 0;
}

int hc_cmd_chains(const struct hc_global *g, int argc, char **argv)
{
	struct qargs a;
	struct hc_store *s = NULL;
	struct hc_table sel, hid;
	struct hc_column *c_sel = NULL, *c_hid = NULL;
	struct hc_value p[10], hp[2];
	struct hc_analysis an = {0};
	struct hc_eventset set = {0};
	struct hc_view_hidden hidden = {0};
	struct hc_view_opts vo;
	const struct hc_chain **chains = NULL;
	int64_t *ids = NULL;
	struct hc_diag d;
	bool loaded = false;
	int rc = parse_args(&cmd_chains_def, argc, argv, &a);

	if (rc >= 0)
		return rc;
	c_sel = columns_of(select_cols, NCOLS(select_cols));
	c_hid = columns_of(hidden_cols, NCOLS(hidden_cols));
	hc_table_init(&sel, c_sel, NCOLS(select_cols));
	hc_table_init(&hid, c_hid, NCOLS(hidden_cols));
	if (!c_sel || !c_hid) {
		fprintf(stderr, "hopchain: out of memory\n");
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	if ((rc = open_store("chains", &a, &s)))
		goto out;
	p[0] = v_text(a.account);
	p[1] = v_text(a.host);
	p[2] = v_text(a.through);
	p[3] = v_text(a.through ? a.through_addr : NULL);
	p[4] = v_opt_int(a.has_from, a.from);
	p[5] = v_opt_int(a.has_to, a.to);
	p[6] = v_int(a.min_hops);
	p[7] = v_text(a.finding);
	p[8] = v_opt_int(a.severity >= 0, a.severity);
	p[9] = v_int(a.all);
	hp[0] = v_int(a.min_hops);
	hp[1] = v_int(a.all);
	if ((rc = query_into(s, "chains", "chains_select", p, 10, select_cols, NCOLS(select_cols),
	                     &sel)) ||
	    (rc = query_into(s, "chains", "chains_hidden", hp, 2, hidden_cols, NCOLS(hidden_cols),
	                     &hid)))
		goto out;
	if (hid.nrows) {
		hidden.hops[HC_CLASS_MACHINE] = (size_t)cell_int(&hid, 0, 0);
		hidden.hops[HC_CLASS_COLLECTOR] = (size_t)cell_int(&hid, 0, 1);
		hidden.hops[HC_CLASS_NULL_SESSION] = (size_t)cell_int(&hid, 0, 2);
		hidden.short_chains = (size_t)cell_int(&hid, 0, 3);
	}
	ids = calloc(sel.nrows + 1, sizeof(*ids));
	chains = calloc(sel.nrows + 1, sizeof(*chains));
	if (!ids || !chains) {
		fprintf(stderr, "hopchain: out of memory\n");
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	for (size_t i = 0; i < sel.nrows; i++)
		ids[i] = cell_int(&sel, i, 0);
	if (hc_store_load_analysis(s, ids, sel.nrows, &an, &set, &d) < 0) {
		hc_diag_prefix(&d, "cannot read the case: ");
		hc_cli_diag(&d);
		rc = HC_EXIT_FAILURE;
		goto out;
	}
	loaded = true;
	for (size_t i = 0; i < an.nchains; i++)
		chains[i] = &an.chains[i];
	vo = (struct hc_view_opts){
	    .color = g->color, .csv_raw = a.csv_raw, .all = a.all, .min_hops = (size_t)a.min_hops};
	if (hc_view_print(&an, chains, an.nchains, &hidden, a.fmt, &vo, stdout) < 0) {
		fprintf(stderr, "hopchain: cannot write the output\n");
		rc = HC_EXIT_FAILURE;
	} else {
		rc = HC_EXIT_OK;
	}
out:
	if (loaded)
		hc_analysis_free(&an);
	hc_eventset_free(&set);
	hc_store_close(s);
	hc_table_free(&sel);
	hc_table_free(&hid);
	free(c_sel);
	free(c_hid);
	free(ids);
	free(chains);
	return rc;
}

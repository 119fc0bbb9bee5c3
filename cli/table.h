/* One result model, many renderers: a command fills an hc_table (columns,
 * rows of typed cells) and prints it as table, csv, json or jsonl. The
 * format never depends on whether stdout is a terminal; only colour does. */
#ifndef HC_TABLE_H
#define HC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../parsers/event.h"

enum hc_format { HC_FMT_TABLE, HC_FMT_CSV, HC_FMT_JSON, HC_FMT_JSONL, HC_FMT_DOT };

/* Parses "table|csv|json|jsonl|dot"; returns 0 or -1. */
int hc_format_parse(const char *s, enum hc_format *out);

enum hc_cell_kind {
	HC_CELL_NULL = 0,
	HC_CELL_STR,
	HC_CELL_INT,
	HC_CELL_BOOL,
	HC_CELL_MAP,
	HC_CELL_REAL,
	HC_CELL_JSON, /* u.s is JSON text: a value in json/jsonl, the text elsewhere */
};

struct hc_cell {
	enum hc_cell_kind kind;
	union {
		const char *s; /* borrowed; must outlive the table's printing */
		long long i;
		double r;
		bool b;
		struct {
			const struct hc_field *f;
			size_t n;
		} map;
	} u;
};

enum {
	HC_COL_DATA = 1 << 0,     /* in csv/json/jsonl, not in the table view */
	HC_COL_VIEW = 1 << 1,     /* in the table view only */
	HC_COL_OMITNULL = 1 << 2, /* json: leave the key out when null */
	/* in no rendering: data a custom view of the command reads */
	HC_COL_HIDDEN = HC_COL_DATA | HC_COL_VIEW,
};

struct hc_column {
	const char *name; /* snake_case key; the table view upper-cases it */
	unsigned flags;
};

struct hc_table {
	size_t ncols;
	const struct hc_column *cols;
	size_t nrows, caprows;
	struct hc_cell *cells; /* nrows * ncols */
	char **pool;           /* strings the table owns */
	size_t npool, cappool;
};

void hc_table_init(struct hc_table *t, const struct hc_column *cols, size_t ncols);
void hc_table_free(struct hc_table *t);
/* Appends a row of NULL cells and returns it, or NULL on allocation failure. */
struct hc_cell *hc_table_add_row(struct hc_table *t);
/* Copies `s` into the table's pool; returns the copy (NULL on failure). */
const char *hc_table_strdup(struct hc_table *t, const char *s);

void hc_cell_str(struct hc_cell *c, const char *s); /* NULL s -> null cell */
void hc_cell_int(struct hc_cell *c, long long v);
void hc_cell_bool(struct hc_cell *c, bool v);
void hc_cell_map(struct hc_cell *c, const struct hc_field *f, size_t n);
void hc_cell_real(struct hc_cell *c, double v);
/* `json` (borrowed, like a string) must be one valid JSON value. */
void hc_cell_json(struct hc_cell *c, const char *json);

struct hc_render_opts {
	bool color;
	/* csv: every value exactly as it is (RFC 4180 quoting only), for
	 * programs: no \xHH / \uHHHH escapes, no ' before formula-like cells */
	bool csv_raw;
};

/* Prints `t` to `out` in `fmt`. JSON is one object {"<key>": [rows]};
 * jsonl one object per line. Reals print with 15 significant digits.
 * CSV (the one CSV writer of every command): RFC 4180 (a field with a
 * comma, quote, CR, LF or an outer blank is quoted, quotes doubled, rows
 * end in LF); text cells and column names have control characters and
 * invalid UTF-8 shown as \xHH and bidirectional formatting characters as
 * \uHHHH (hc_term_escape), and a ' put before them when a spreadsheet would
 * take them for a formula: a first character = + - or @ (TAB, CR and LF
 * are escaped already), except a lone "-" and a plain decimal number such
 * as -1 or +2.5, which are values. Numbers and booleans print as they are.
 * o->csv_raw turns escaping and the ' off.
 * Returns 0 or -1 on a write/alloc error (or a JSON cell that is not JSON). */
int hc_table_print(const struct hc_table *t, enum hc_format fmt, const char *json_key,
                   const struct hc_render_opts *o, FILE *out);

/* Printing rows as they come (`hopchain sql`): hc_table_stream_begin,
 * then hc_table_stream_rows whenever `t` holds new rows (csv, json and
 * jsonl print them and empty `t` with hc_table_clear_rows; the table view
 * keeps them: it needs every width), then hc_table_stream_end. The bytes
 * are those of hc_table_print. The columns of `t` must be set by the first
 * hc_table_stream_rows. All return 0 or -1 as hc_table_print. */
struct hc_table_stream {
	enum hc_format fmt;
	const char *json_key;
	struct hc_render_opts o;
	FILE *out;
	size_t nrows; /* rows printed */
	bool started; /* the header (csv) or the opening (json) is out */
};
void hc_table_stream_begin(struct hc_table_stream *st, enum hc_format fmt, const char *json_key,
                           const struct hc_render_opts *o, FILE *out);
int hc_table_stream_rows(struct hc_table_stream *st, struct hc_table *t);
int hc_table_stream_end(struct hc_table_stream *st, struct hc_table *t);
/* Drops the rows of `t` and the strings it owns; the columns stay. */
void hc_table_clear_rows(struct hc_table *t);

#endif

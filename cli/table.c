/* The result table and its text renderers (table view and CSV); JSON lives
 * in out_json.c beside jansson. */
#include "table.h"
#include "out_json.h"
#include "term.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define HC_MAX_VIEW_WIDTH 80 /* a table-view cell longer than this is cut with "…" */

int hc_format_parse(const char *s, enum hc_format *out)
{
	static const struct {
		const char *name;
		enum hc_format f;
	} names[] = {{"table", HC_FMT_TABLE},
	             {"csv", HC_FMT_CSV},
	             {"json", HC_FMT_JSON},
	             {"jsonl", HC_FMT_JSONL},
	             {"dot", HC_FMT_DOT}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].f;
			return 0;
		}
	return -1;
}

void hc_table_init(struct hc_table *t, const struct hc_column *cols, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

void hc_table_free(struct hc_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->npool; i++)
		free(t->pool[i]);
	free(t->pool);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

struct hc_cell *hc_table_add_row(struct hc_table *t)
{
	struct hc_cell *row;

	if (t->nrows == t->caprows) {
		size_t cap = t->caprows ? t->caprows * 2 : 64;
		struct hc_cell *n = realloc(t->cells, cap * t->ncols * sizeof(*n));
		if (!n)
			return NULL;
		t->cells = n;
		t->caprows = cap;
	}
	row = t->cells + t->nrows * t->ncols;
	memset(row, 0, t->ncols * sizeof(*row));
	t->nrows++;
	return row;
}

const char *hc_table_strdup(struct hc_table *t, const char *s)
{
	char *c;

	if (!s)
		return NULL;
	if (t->npool == t->cappool) {
		size_t cap = t->cappool ? t->cappool * 2 : 64;
		char **n = realloc(t->pool, cap * sizeof(*n));
		if (!n)
			return NULL;
		t->pool = n;
		t->cappool = cap;
	}
	if (!(c = strdup(s)))
		return NULL;
	t->pool[t->npool++] = c;
	return c;
}

void hc_cell_str(struct hc_cell *c, const char *s)
{
	c->kind = s ? HC_CELL_STR : HC_CELL_NULL;
	c->u.s = s;
}

void hc_cell_int(struct hc_cell *c, long long v)
{
	c->kind = HC_CELL_INT;
	c->u.i = v;
}

void hc_cell_bool(struct hc_cell *c, bool v)
{
	c->kind = HC_CELL_BOOL;
	c->u.b = v;
}

void hc_cell_map(struct hc_cell *c, const struct hc_field *f, size_t n)
{
	c->kind = HC_CELL_MAP;
	c->u.map.f = f;
	c->u.map.n = n;
}

void hc_cell_real(struct hc_cell *c, double v)
{
	c->kind = HC_CELL_REAL;
	c->u.r = v;
}

void hc_cell_json(struct hc_cell *c, const char *json)
{
	c->kind = json ? HC_CELL_JSON : HC_CELL_NULL;
	c->u.s = json;
}

/* Cell as plain text (malloc'd); maps become JSON text. */
static char *cell_text(const struct hc_cell *c)
{
	char buf[32];

	switch (c->kind) {
	case HC_CELL_STR:
	case HC_CELL_JSON:
		return strdup(c->u.s);
	case HC_CELL_REAL:
		snprintf(buf, sizeof(buf), "%.15g", c->u.r);
		return strdup(buf);
	case HC_CELL_INT:
		snprintf(buf, sizeof(buf), "%lld", c->u.i);
		return strdup(buf);
	case HC_CELL_BOOL:
		return strdup(c->u.b ? "true" : "false");
	case HC_CELL_MAP:
		return hc_json_map_text(c->u.map.f, c->u.map.n);
	case HC_CELL_NULL:
	default:
		return strdup("");
	}
}

/* A plain decimal number: [+-]digits[.digits][e[+-]digits], or one with
 * the digits after the point only. A spreadsheet reads it as the number it
 * is, so a sign in front of it starts no formula. */
static bool is_number(const char *s)
{
	size_t digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (!digits)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* What a spreadsheet takes for a formula (OWASP "CSV injection": a cell
 * starting with = + - @, or TAB or CR, which are \xHH here already). A
 * lone "-" is Windows' "not applicable" in these logs and no formula. */
static bool formula_like(const char *s)
{
	if (!s[0] || !strchr("=+-@", s[0]))
		return false;
	return strcmp(s, "-") != 0 && !is_number(s);
}

/* One CSV field (RFC 4180). `text`: a string of the data (escaped and
 * guarded), not a number or boolean we printed. */
static int csv_field(FILE *out, const char *s, bool text, const struct hc_render_opts *o)
{
	bool raw = o && o->csv_raw;
	char *e = raw || !text ? NULL : hc_term_escape(s);
	const char *p = raw || !text ? s : e;
	size_t n;
	bool quote;

	if (!p)
		return -1;
	n = strlen(p);
	quote = strpbrk(p, ",\"\r\n") != NULL || (n && (p[0] == ' ' || p[n - 1] == ' '));
	if (quote)
		fputc('"', out);
	if (text && !raw && formula_like(p))
		fputc('\'', out);
	if (!quote) {
		fwrite(p, 1, n, out);
	} else {
		for (; *p; p++) {
			if (*p == '"')
				fputc('"', out);
			fputc(*p, out);
		}
		fputc('"', out);
	}
	free(e);
	return 0;
}

static int csv_header(const struct hc_table *t, const struct hc_render_opts *o, FILE *out)
{
	bool first = true;

	for (size_t c = 0; c < t->ncols; c++) {
		if (t->cols[c].flags & HC_COL_VIEW)
			continue;
		if (!first)
			fputc(',', out);
		if (csv_field(out, t->cols[c].name, true, o) < 0)
			return -1;
		first = false;
	}
	fputc('\n', out);
	return 0;
}

static int csv_row(const struct hc_table *t, size_t r, const struct hc_render_opts *o, FILE *out)
{
	bool first = true;

	for (size_t c = 0; c < t->ncols; c++) {
		const struct hc_cell *x = &t->cells[r * t->ncols + c];
		bool text =
		    x->kind == HC_CELL_STR || x->kind == HC_CELL_JSON || x->kind == HC_CELL_MAP;
		char *s;
		int rc;
		if (t->cols[c].flags & HC_COL_VIEW)
			continue;
		if (!(s = cell_text(x)))
			return -1;
		if (!first)
			fputc(',', out);
		rc = csv_field(out, s, text, o);
		free(s);
		if (rc < 0)
			return -1;
		first = false;
	}
	fputc('\n', out);
	return 0;
}

/* Escaped, width-capped text of a cell for the table view. */
static char *view_text(const struct hc_cell *c, bool last)
{
	char *raw = cell_text(c), *e;

	if (!raw)
		return NULL;
	e = hc_term_escape(raw);
	free(raw);
	if (e && !last && hc_term_width(e) > HC_MAX_VIEW_WIDTH) {
		/* cut at a code point boundary and mark it */
		size_t w = 0, i = 0;
		for (; e[i]; i++) {
			if (((unsigned char)e[i] & 0xC0) != 0x80 && ++w > HC_MAX_VIEW_WIDTH - 1)
				break;
		}
		memcpy(e + i, "\xE2\x80\xA6", 4);
	}
	return e;
}

static int print_view(const struct hc_table *t, const struct hc_render_opts *o, FILE *out)
{
	size_t nvis = 0, *vis, *width;
	char **txt;
	int rc = -1;

	vis = calloc(t->ncols, sizeof(*vis));
	width = calloc(t->ncols, sizeof(*width));
	txt = calloc(t->nrows * t->ncols + 1, sizeof(*txt));
	if (!vis || !width || !txt)
		goto out;
	for (size_t c = 0; c < t->ncols; c++)
		if (!(t->cols[c].flags & HC_COL_DATA))
			vis[nvis++] = c;
	for (size_t k = 0; k < nvis; k++)
		width[k] = strlen(t->cols[vis[k]].name);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t k = 0; k < nvis; k++) {
			char *s = view_text(&t->cells[r * t->ncols + vis[k]], k + 1 == nvis);
			if (!s)
				goto out;
			txt[r * t->ncols + k] = s;
			size_t w = hc_term_width(s);
			if (w > width[k])
				width[k] = w;
		}
	if (o && o->color)
		fputs("\033[1m", out);
	for (size_t k = 0; k < nvis; k++) {
		const char *n = t->cols[vis[k]].name;
		size_t i;
		for (i = 0; n[i]; i++)
			fputc(n[i] == '_' ? ' ' : toupper((unsigned char)n[i]), out);
		if (k + 1 < nvis)
			fprintf(out, "%*s", (int)(width[k] - i + 2), "");
	}
	if (o && o->color)
		fputs("\033[0m", out);
	fputc('\n', out);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t k = 0; k < nvis; k++) {
			const char *s = txt[r * t->ncols + k];
			fputs(s, out);
			if (k + 1 < nvis)
				fprintf(out, "%*s", (int)(width[k] - hc_term_width(s) + 2), "");
		}
		fputc('\n', out);
	}
	rc = 0;
out:
	if (txt)
		for (size_t i = 0; i < t->nrows * t->ncols; i++)
			free(txt[i]);
	free(txt);
	free(vis);
	free(width);
	return rc;
}

void hc_table_clear_rows(struct hc_table *t)
{
	for (size_t i = 0; i < t->npool; i++)
		free(t->pool[i]);
	t->npool = 0;
	t->nrows = 0;
}

void hc_table_stream_begin(struct hc_table_stream *st, enum hc_format fmt, const char *json_key,
                           const struct hc_render_opts *o, FILE *out)
{
	memset(st, 0, sizeof(*st));
	st->fmt = fmt;
	st->json_key = json_key ? json_key : "rows";
	if (o)
		st->o = *o;
	st->out = out;
}

/* The header (csv) or the opening (json), once. */
static int stream_start(struct hc_table_stream *st, const struct hc_table *t)
{
	if (st->started)
		return 0;
	st->started = true;
	if (st->fmt == HC_FMT_CSV)
		return csv_header(t, &st->o, st->out);
	if (st->fmt == HC_FMT_JSON)
		fprintf(st->out, "{\"%s\": [", st->json_key);
	return 0;
}

int hc_table_stream_rows(struct hc_table_stream *st, struct hc_table *t)
{
	if (st->fmt == HC_FMT_TABLE)
		return 0; /* printed whole at the end */
	if (st->fmt != HC_FMT_CSV && st->fmt != HC_FMT_JSON && st->fmt != HC_FMT_JSONL)
		return -1;
	if (stream_start(st, t) < 0)
		return -1;
	for (size_t r = 0; r < t->nrows; r++, st->nrows++) {
		if (st->fmt == HC_FMT_CSV) {
			if (csv_row(t, r, &st->o, st->out) < 0)
				return -1;
			continue;
		}
		if (st->fmt == HC_FMT_JSON)
			fputs(st->nrows ? ",\n  " : "\n  ", st->out);
		if (hc_table_print_json_row(t, r, st->out) < 0)
			return -1;
		if (st->fmt == HC_FMT_JSONL)
			fputc('\n', st->out);
	}
	hc_table_clear_rows(t);
	return 0;
}

int hc_table_stream_end(struct hc_table_stream *st, struct hc_table *t)
{
	if (st->fmt == HC_FMT_TABLE)
		return print_view(t, &st->o, st->out);
	if (hc_table_stream_rows(st, t) < 0)
		return -1;
	if (st->fmt == HC_FMT_JSON)
		fputs(st->nrows ? "\n]}\n" : "]}\n", st->out);
	return 0;
}

int hc_table_print(const struct hc_table *t, enum hc_format fmt, const char *json_key,
                   const struct hc_render_opts *o, FILE *out)
{
	struct hc_table_stream st;
	struct hc_table view = *t;

	if (fmt == HC_FMT_TABLE)
		return print_view(t, o, out);
	if (fmt == HC_FMT_DOT)
		return -1;
	/* stream the rows of a shallow copy that owns no strings: the
	 * stream's clearing then leaves `t` as it was */
	view.npool = 0;
	hc_table_stream_begin(&st, fmt, json_key, o, out);
	if (hc_table_stream_rows(&st, &view) < 0)
		return -1;
	return hc_table_stream_end(&st, &view);
}

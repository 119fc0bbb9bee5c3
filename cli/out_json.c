/* JSON output through jansson (the only output file that includes it):
 * rows become objects with snake_case keys, integers stay integers, and
 * strings are repaired to valid UTF-8 (jansson refuses anything else). */
#include "table.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *str(const char *s)
{
	json_t *j;
	char *fixed;

	if (hc_utf8_valid(s))
		return json_string_nocheck(s);
	fixed = hc_utf8_repair(s);
	if (!fixed)
		return NULL;
	j = json_string_nocheck(fixed);
	free(fixed);
	return j;
}

static json_t *map(const struct hc_field *f, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < n; i++) {
		json_t *v = str(f[i].value);
		const char *k = f[i].name;
		char *fixed = NULL;
		if (json_object_get(o, k)) {
			/* a repeated Data Name: keep the first, as hc_event_get does */
			json_decref(v);
			continue;
		}
		if (!hc_utf8_valid(k))
			k = fixed = hc_utf8_repair(k);
		if (!v || !k || json_object_set_new_nocheck(o, k, v) != 0) {
			free(fixed);
			json_decref(o);
			return NULL;
		}
		free(fixed);
	}
	return o;
}

static json_t *cell(const struct hc_cell *c)
{
	switch (c->kind) {
	case HC_CELL_STR:
		return str(c->u.s);
	case HC_CELL_INT:
		return json_integer(c->u.i);
	case HC_CELL_BOOL:
		return json_boolean(c->u.b);
	case HC_CELL_MAP:
		return map(c->u.map.f, c->u.map.n);
	case HC_CELL_NULL:
	default:
		return json_null();
	}
}

static json_t *row(const struct hc_table *t, size_t r)
{
	json_t *o = json_object();

	for (size_t c = 0; o && c < t->ncols; c++) {
		const struct hc_cell *x = &t->cells[r * t->ncols + c];
		json_t *v;
		if (t->cols[c].flags & HC_COL_VIEW)
			continue;
		if (x->kind == HC_CELL_NULL && (t->cols[c].flags & HC_COL_OMITNULL))
			continue;
		v = cell(x);
		if (!v || json_object_set_new_nocheck(o, t->cols[c].name, v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int hc_table_print_json(const struct hc_table *t, bool lines, const char *key, FILE *out)
{
	const size_t flags = JSON_PRESERVE_ORDER | JSON_COMPACT;

	if (lines) {
		for (size_t r = 0; r < t->nrows; r++) {
			json_t *o = row(t, r);
			if (!o || json_dumpf(o, out, flags) != 0) {
				json_decref(o);
				return -1;
			}
			json_decref(o);
			fputc('\n', out);
		}
		return 0;
	}
	/* one object {key: [...]}, streamed row by row so memory stays flat */
	fprintf(out, "{\"%s\": [", key ? key : "rows");
	for (size_t r = 0; r < t->nrows; r++) {
		json_t *o = row(t, r);
		if (!o)
			return -1;
		fputs(r ? ",\n  " : "\n  ", out);
		if (json_dumpf(o, out, flags) != 0) {
			json_decref(o);
			return -1;
		}
		json_decref(o);
	}
	fputs(t->nrows ? "\n]}\n" : "]}\n", out);
	return 0;
}

char *hc_json_map_text(const struct hc_field *f, size_t n)
{
	json_t *o = map(f, n);
	char *s;

	if (!o)
		return NULL;
	s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(o);
	return s;
}

const char *hc_jansson_version(void)
{
	return JANSSON_VERSION;
}

/* JSON output through jansson (the only output file that includes it):
 * rows become objects with snake_case keys, integers stay integers, and
 * strings are repaired to valid UTF-8 (jansson refuses anything else). */
#include "out_json.h"
#include "../base/cnum.h"
#include "../base/utf8.h"
#include "term.h"

#include <jansson.h>
#include <pthread.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
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
	case HC_CELL_REAL:
		return json_real(c->u.r);
	case HC_CELL_JSON:
		return json_loads(c->u.s, JSON_DECODE_ANY, NULL);
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

/* --- rows written directly ---------------------------------------------
 * `events --format jsonl` prints one object per event, tens of MB for a log
 * of hundreds: building jansson objects and dumping them token by token
 * through stdio was 85 % of the command's time once the native reader had
 * made reading cheap. Rows of strings, integers, booleans, nulls and maps
 * (every table but those with reals or JSON cells) are therefore written
 * straight into a buffer, byte for byte as jansson's compact dump with
 * preserved order writes them; the others still go through jansson. */

/* A failed buffer: writes are dropped from here on (hc_jbuf's room rule). */
static void jbuf_fail(struct hc_jbuf *b)
{
	b->err = true;
	b->cap = b->len;
}

int hc_jbuf_grow(struct hc_jbuf *b, size_t more)
{
	if (b->err)
		return -1;
	if (b->p && b->cap - b->len > more)
		return 0;
	if (more > SIZE_MAX / 4 - b->len) {
		jbuf_fail(b); /* no size doubles to that */
		return -1;
	}
	size_t cap = b->cap ? b->cap : 1 << 16;
	while (cap - b->len <= more)
		cap *= 2;
	char *n = realloc(b->p, cap);
	if (!n) {
		jbuf_fail(b);
		return -1;
	}
	b->p = n;
	b->cap = cap;
	return 0;
}

void hc_jbuf_free(struct hc_jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Bytes a JSON string cannot carry as they are (1), and the bytes of
 * non-ASCII text (2), which are checked for valid UTF-8 once per string. */
#define C1x8 1, 1, 1, 1, 1, 1, 1, 1
#define C0x8 0, 0, 0, 0, 0, 0, 0, 0
#define C2x8 2, 2, 2, 2, 2, 2, 2, 2
static const unsigned char json_class[256] = {
    C1x8, C1x8, C1x8, C1x8,                                           /* 0x00-0x1f */
    0,    0,    1,    0,    0,    0,    0,    0,    C0x8, C0x8, C0x8, /* 0x20-0x3f: '"' */
    C0x8, C0x8, C0x8, 0,    0,    0,    0,    1,    0,    0,    0,    /* 0x40-0x5f: '\\' */
    C0x8, C0x8, C0x8, C0x8,                                           /* 0x60-0x7f */
    C2x8, C2x8, C2x8, C2x8, C2x8, C2x8, C2x8, C2x8,                   /* 0x80-0xbf */
    C2x8, C2x8, C2x8, C2x8, C2x8, C2x8, C2x8, C2x8,                   /* 0xc0-0xff */
};
#undef C1x8
#undef C0x8
#undef C2x8

#define ONES UINT64_C(0x0101010101010101)
#define HIGH UINT64_C(0x8080808080808080)

/* Non-zero when one of the 8 bytes of x is below 0x20, '"' or '\\', or
 * has its high bit set and `high` is HIGH (exact about "one of", not about
 * which: a borrow may mark the bytes after the first). */
static inline uint64_t special8(uint64_t x, uint64_t high)
{
	uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');

	return (((x - ONES * 0x20) & ~x) | ((q - ONES) & ~q) | ((b - ONES) & ~b) | (x & high)) &
	       HIGH;
}

#ifdef __SSE2__
/* Bit k set when byte k of the 16 at p needs a look, as special8 says. */
static inline unsigned special16(const char *p, uint64_t high)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i q = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
	                         _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
	/* signed: below 0x20 or 0x80 and above; unsigned: below 0x20 */
	__m128i c = high ? _mm_cmplt_epi8(x, _mm_set1_epi8(0x20))
	                 : _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(q, c));
}
#endif

/* Copies the n bytes at s to o and returns true when none of them needs a
 * look (ASCII, nothing to escape): most values are. Each length in a few
 * loads, the last overlapping the one before, never past s + n; on false,
 * what it stored is junk beyond the output's length. */
static inline bool plain_copy(char *o, const char *s, size_t n)
{
	uint64_t a, z;
	uint32_t a4, z4;

	if (n >= 16) {
#ifdef __SSE2__
		size_t i = 0;
		for (; i + 16 <= n; i += 16) {
			if (special16(s + i, HIGH))
				return false;
			_mm_storeu_si128((__m128i *)(void *)(o + i),
			                 _mm_loadu_si128((const __m128i *)(const void *)(s + i)));
		}
		if (i < n) {
			if (special16(s + n - 16, HIGH))
				return false;
			_mm_storeu_si128(
			    (__m128i *)(void *)(o + n - 16),
			    _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16)));
		}
		return true;
#else
		size_t i = 0;
		for (; i + 8 <= n; i += 8) {
			memcpy(&a, s + i, 8);
			if (special8(a, HIGH))
				return false;
			memcpy(o + i, &a, 8);
		}
		memcpy(&z, s + n - 8, 8);
		if (special8(z, HIGH))
			return false;
		memcpy(o + n - 8, &z, 8);
		return true;
#endif
	}
	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&z, s + n - 8, 8);
		if (special8(a, HIGH) | special8(z, HIGH))
			return false;
		memcpy(o + n - 8, &z, 8);
		memcpy(o, &a, 8);
		return true;
	}
	if (n >= 4) {
		memcpy(&a4, s, 4);
		memcpy(&z4, s + n - 4, 4);
		if (special8((uint64_t)z4 << 32 | a4, HIGH))
			return false;
		memcpy(o + n - 4, &z4, 4);
		memcpy(o, &a4, 4);
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (json_class[(unsigned char)s[i]])
			return false;
		o[i] = s[i];
	}
	return true;
}

/* A JSON string as jansson escapes it: '"', '\\' and controls below 0x20
 * (\b \f \n \r \t, else \u00XX); everything else raw. Invalid UTF-8 is
 * repaired first, as str() does. Plain strings in one pass of plain_copy;
 * the others sixteen or eight bytes at a time up to each byte that needs a
 * look. */
void hc_jbuf_str(struct hc_jbuf *b, const char *s)
{
	hc_jbuf_strn(b, s, strlen(s));
}

/* out of line: inlined, its registers would be saved on every call of
 * the plain path (a tenth of hc_jbuf_strn's instructions) */
__attribute__((noinline)) static void strn_escaping(struct hc_jbuf *b, const char *s, size_t n);

void hc_jbuf_strn(struct hc_jbuf *b, const char *s, size_t n)
{
	/* no call on this path: nothing to save for one */
	if (b->cap - b->len > 6 * n + 2) {
		char *o = b->p + b->len;
		*o = '"';
		if (plain_copy(o + 1, s, n)) {
			o[n + 1] = '"';
			b->len += n + 2;
			return;
		}
	}
	strn_escaping(b, s, n);
}

/* hc_jbuf_strn of a string that needs escaping or more room */
static void strn_escaping(struct hc_jbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF"; /* as jansson: "\\u%04X" */
	size_t i = 0;
	uint64_t high = HIGH; /* until the string is known to be valid UTF-8 */

	if (hc_jbuf_reserve(b, 6 * n + 2) < 0)
		return;
	char *o = b->p + b->len;
	*o++ = '"';
	for (;;) {
		uint64_t x;
#ifdef __SSE2__
		/* sixteen at a time; all sixteen are stored (room for 6n was
		 * reserved), then the plain ones kept */
		while (i + 16 <= n) {
			unsigned m = special16(s + i, high);
			_mm_storeu_si128((__m128i *)(void *)o,
			                 _mm_loadu_si128((const __m128i *)(const void *)(s + i)));
			if (m) {
				unsigned k = (unsigned)__builtin_ctz(m);
				o += k;
				i += k;
				break;
			}
			o += 16;
			i += 16;
		}
#endif
		while (i + 8 <= n) {
			memcpy(&x, s + i, 8);
			if (special8(x, high))
				break;
			memcpy(o, &x, 8);
			o += 8;
			i += 8;
		}
		/* 4 to 7 bytes left: two overlapping words of four in one test */
		if (n - i >= 4 && n - i < 8) {
			uint32_t lo, hi;
			memcpy(&lo, s + i, 4);
			memcpy(&hi, s + n - 4, 4);
			if (!special8((uint64_t)hi << 32 | lo, high)) {
				memcpy(o + (n - i) - 4, &hi, 4);
				memcpy(o, &lo, 4);
				o += n - i;
				break;
			}
		}
		/* byte by byte up to and through the next byte that needs a look */
		unsigned char c = 0, cls = 0;
		while (i < n && !(cls = json_class[c = (unsigned char)s[i]])) {
			*o++ = (char)c;
			i++;
		}
		if (i >= n)
			break;
		i++;
		if (cls == 2) {
			if (high) {
				if (!hc_utf8_valid(s + i - 1)) {
					/* start again on the repaired text */
					char *fixed = hc_utf8_repair(s);
					if (!fixed) {
						jbuf_fail(b);
						return;
					}
					hc_jbuf_str(b, fixed);
					free(fixed);
					return;
				}
				high = 0;
			}
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':
		case '\\':
			*o++ = (char)c;
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\f':
			*o++ = 'f';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

void hc_jbuf_int(struct hc_jbuf *b, long long v)
{
	/* as "%lld", ending at num + 24 and copied 24 bytes at a time (a
	 * copy of constant size is a few moves, not a call): the bytes after
	 * it are junk beyond the buffer's length */
	char num[48], *e = num + 24, *q;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	q = hc_dec_end(e, u);
	if (v < 0)
		*--q = '-';
	if (hc_jbuf_reserve(b, 24) < 0)
		return;
	memcpy(b->p + b->len, q, 24);
	b->len += (size_t)(e - q);
}

/* ',"Name":' of each Data Name code (plain ASCII names: nothing to
 * escape), made once; the first key of a map is written from its second
 * byte */
#define NAME_KEY_COPY 48 /* copied this many bytes at a time */
static char name_key[HC_EVENT_NAME_CODES][NAME_KEY_COPY];
static unsigned short name_key_len[HC_EVENT_NAME_CODES];
static pthread_once_t name_key_once = PTHREAD_ONCE_INIT;

static void name_keys_init(void)
{
	for (int k = 0; k < HC_EVENT_NAME_CODES; k++) {
		int len =
		    snprintf(name_key[k], sizeof(name_key[k]), ",\"%s\":", hc_event_name_of(k));
		name_key_len[k] =
		    (unsigned short)(len > 0 && (size_t)len < sizeof(name_key[k]) ? len : 0);
	}
}

void hc_jbuf_map(struct hc_jbuf *b, const struct hc_field *f, size_t n)
{
	hc_jbuf_map_n(b, f, NULL, NULL, n);
}

void hc_jbuf_map_n(struct hc_jbuf *b, const struct hc_field *f, const uint32_t *vlen,
                   const uint8_t *codes, size_t n)
{
	/* names hc_event_build gave are the library's copies (a code each):
	 * a bit per code finds their repeats; any other name is compared */
	uint64_t seen[(HC_EVENT_NAME_CODES + 63) / 64] = {0};
	bool other = false;
	size_t first = 1; /* no comma before the first */

	pthread_once(&name_key_once, name_keys_init);
	hc_jbuf_raw(b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		int k = !codes                           ? hc_event_name_static(f[i].name)
		        : codes[i] < HC_EVENT_NAME_CODES ? codes[i]
		                                         : -1;
		bool dup = false;
		if (k >= 0 && !other) {
			dup = (seen[k / 64] >> (k % 64)) & 1;
			seen[k / 64] |= UINT64_C(1) << (k % 64);
		} else {
			other = true;
			for (size_t j = 0; j < i && !dup; j++)
				dup = strcmp(f[j].name, f[i].name) == 0;
		}
		if (dup)
			continue; /* a repeated Data Name: the first is kept, as map() does */
		if (k >= 0 && name_key_len[k]) {
			if (hc_jbuf_reserve(b, NAME_KEY_COPY) == 0) {
				memcpy(b->p + b->len, name_key[k] + first, NAME_KEY_COPY - 1);
				b->len += name_key_len[k] - first;
			}
		} else {
			if (!first)
				hc_jbuf_raw(b, ",", 1);
			hc_jbuf_str(b, f[i].name);
			hc_jbuf_raw(b, ":", 1);
		}
		first = 0;
		hc_jbuf_strn(b, f[i].value, vlen ? vlen[i] : strlen(f[i].value));
	}
	hc_jbuf_raw(b, "}", 1);
}

/* A row the direct writer can write: no reals, no JSON cells. */
static bool direct_ok(const struct hc_table *t, size_t r)
{
	for (size_t c = 0; c < t->ncols; c++) {
		enum hc_cell_kind k = t->cells[r * t->ncols + c].kind;
		if (k == HC_CELL_REAL || k == HC_CELL_JSON)
			return false;
	}
	return true;
}

static void ob_row(struct hc_jbuf *b, const struct hc_table *t, size_t r)
{
	bool first = true;

	hc_jbuf_raw(b, "{", 1);
	for (size_t c = 0; c < t->ncols; c++) {
		const struct hc_cell *x = &t->cells[r * t->ncols + c];
		if (t->cols[c].flags & HC_COL_VIEW)
			continue;
		if (x->kind == HC_CELL_NULL && (t->cols[c].flags & HC_COL_OMITNULL))
			continue;
		if (!first)
			hc_jbuf_raw(b, ",", 1);
		hc_jbuf_str(b, t->cols[c].name);
		hc_jbuf_raw(b, ":", 1);
		first = false;
		switch (x->kind) {
		case HC_CELL_STR:
			hc_jbuf_str(b, x->u.s);
			break;
		case HC_CELL_INT:
			hc_jbuf_int(b, x->u.i);
			break;
		case HC_CELL_BOOL:
			hc_jbuf_raw(b, x->u.b ? "true" : "false", x->u.b ? 4 : 5);
			break;
		case HC_CELL_MAP:
			hc_jbuf_map(b, x->u.map.f, x->u.map.n);
			break;
		case HC_CELL_NULL:
		default:
			hc_jbuf_raw(b, "null", 4);
			break;
		}
	}
	hc_jbuf_raw(b, "}", 1);
}

int hc_table_print_json_row(const struct hc_table *t, size_t r, FILE *out)
{
	const size_t flags = JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(15);
	struct hc_jbuf b = {0};
	json_t *o;
	int rc = -1;

	if (direct_ok(t, r)) {
		ob_row(&b, t, r);
		if (!b.err && fwrite(b.p, 1, b.len, out) == b.len)
			rc = 0;
		hc_jbuf_free(&b);
		return rc;
	}
	o = row(t, r);
	rc = o && json_dumpf(o, out, flags) == 0 ? 0 : -1;
	json_decref(o);
	return rc;
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

/* ------------------------------------------------------------------ */
/* analyze: chains as JSON, and the --policy reader                     */

#include "../engine/correlate.h"
#include "chain_view.h"
#include "../parsers/decode.h"
#include "../parsers/regex.h"

static json_t *jstr_or_null(const char *s)
{
	return s ? str(s) : json_null();
}

static json_t *jtime(int64_t t)
{
	char b[40];

	hc_time_format(t, b, sizeof(b));
	return json_string(b);
}

static const char *imp_text(enum hc_imp i)
{
	static const char *const n[] = {
	    NULL, "Anonymous", "Identification", "Impersonation", "Delegation", "Other"};
	return (unsigned)i < 6 ? n[i] : NULL;
}

/* The session a hop opened on its target. */
static json_t *session_json(const struct hc_session *s)
{
	json_t *so = json_object();
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)s->logon_id);
	json_object_set_new(so, "logon_id", json_string(buf));
	json_object_set_new(so, "start", jtime(s->start));
	json_object_set_new(so, "end", jtime(s->end));
	json_object_set_new(so, "logoff_seen", json_boolean(s->end_seen));
	json_object_set_new(so, "privileged", json_boolean(s->privileged));
	return so;
}

/* A confidence as the views show it: two decimals. */
static json_t *confidence_json(double c)
{
	return json_real((double)(int)(c * 100 + 0.5) / 100);
}

/* The link into hop h, with every parent candidate it weighed. */
static json_t *link_json(const struct hc_analysis *a, const struct hc_hop *h,
                         const struct hc_link *l)
{
	json_t *lo = json_object(), *cands = json_array();

	json_object_set_new(lo, "confidence", confidence_json(l->confidence));
	json_object_set_new(lo, "gap_seconds",
	                    json_real((double)l->gap / (double)HC_TICKS_PER_SEC));
	json_object_set_new(lo, "via_4648", json_boolean(l->via_4648));
	json_object_set_new(lo, "proof", jstr_or_null(hc_proof_name(l->proof)));
	json_object_set_new(lo, "account_match", json_boolean(l->account_match));
	json_object_set_new(lo, "restricted_admin", json_boolean(l->restricted_admin));
	json_object_set_new(lo, "ambiguous", json_boolean(l->ambiguous));
	for (size_t k = 0; k < h->nparents; k++) {
		const struct hc_link *cl = &a->links[h->parents[k]];
		const struct hc_hop *ph = &a->hops[cl->parent];
		json_t *co = json_object();
		json_object_set_new(co, "src_host",
		                    ph->src >= 0 ? str(a->hosts[ph->src].name) : json_null());
		json_object_set_new(co, "account",
		                    ph->ev->norm.target.name ? str(ph->ev->norm.target.name)
		                                             : json_null());
		json_object_set_new(co, "file", str(ph->ev->file));
		json_object_set_new(co, "record_id", json_integer((json_int_t)ph->ev->record_id));
		json_object_set_new(co, "confidence", confidence_json(cl->confidence));
		json_array_append_new(cands, co);
	}
	json_object_set_new(lo, "candidates", cands);
	return lo;
}

/* One cited record. */
static json_t *evidence_item(const struct hc_event *e, enum hc_role role)
{
	json_t *o = json_object();

	json_object_set_new(o, "file", str(e->file));
	json_object_set_new(o, "record_id", json_integer((json_int_t)e->record_id));
	json_object_set_new(o, "event_id", json_integer(e->event_id));
	json_object_set_new(o, "role", jstr_or_null(hc_role_name(role)));
	return o;
}

/* Every event hop i of c used: its own, its witnesses, and on the source
 * side the logon of the session it came from. */
static json_t *evidence_json(const struct hc_analysis *a, const struct hc_chain *c, size_t i)
{
	const struct hc_hop *h = &a->hops[c->hops[i]];
	json_t *ev = json_array();

	for (size_t k = 0; k < h->nev; k++)
		json_array_append_new(ev, evidence_item(h->evidence[k].ev, h->evidence[k].role));
	if (i > 0) {
		const struct hc_hop *ph = &a->hops[c->hops[i - 1]];
		if (ph->session >= 0)
			json_array_append_new(ev, evidence_item(a->sessions[ph->session].logon,
			                                        HC_ROLE_SOURCE_SESSION));
	}
	return ev;
}

/* The logons folded into hop h. */
static json_t *repeats_json(const struct hc_analysis *a, const struct hc_hop *h)
{
	json_t *rep = json_array();

	for (size_t k = 0; k < h->nrepeats; k++) {
		const struct hc_hop *r = &a->hops[h->repeats[k]];
		json_t *e = json_object();
		json_object_set_new(e, "file", str(r->ev->file));
		json_object_set_new(e, "record_id", json_integer((json_int_t)r->ev->record_id));
		json_object_set_new(e, "time", jtime(r->time));
		json_array_append_new(rep, e);
	}
	return rep;
}

static json_t *hop_json(const struct hc_analysis *a, const struct hc_chain *c, size_t i)
{
	const struct hc_hop *h = &a->hops[c->hops[i]];
	const struct hc_norm *n = &h->ev->norm;
	json_t *o = json_object(), *acct;
	char buf[600];

	snprintf(buf, sizeof(buf), "%s%s%s", n->target.domain ? n->target.domain : "",
	         n->target.domain ? "\\" : "", n->target.name ? n->target.name : "-");
	acct = h->anonymous ? str("ANONYMOUS LOGON") : str(buf);
	json_object_set_new(o, "index", json_integer((json_int_t)i + 1));
	json_object_set_new(o, "src_host", h->src >= 0 ? str(a->hosts[h->src].name) : json_null());
	json_object_set_new(o, "dst_host", str(a->hosts[h->dst].name));
	json_object_set_new(o, "src_ip", jstr_or_null(h->src_ip));
	json_object_set_new(o, "source_resolved_by", jstr_or_null(hc_source_name(h->src_how)));
	json_object_set_new(o, "class", json_string(hc_class_name(h->cls)));
	json_object_set_new(o, "class_why", jstr_or_null(h->class_why));
	json_object_set_new(o, "time", jtime(h->time));
	json_object_set_new(o, "account", acct);
	json_object_set_new(o, "account_sid", jstr_or_null(n->target.sid));
	json_object_set_new(o, "package", jstr_or_null(n->package));
	json_object_set_new(o, "lm_package", jstr_or_null(n->lm_package));
	json_object_set_new(o, "logon_type",
	                    n->logon_type >= 0 ? json_integer(n->logon_type) : json_null());
	json_object_set_new(o, "logon_type_name",
	                    jstr_or_null(hc_decode_logon_type(n->logon_type)));
	json_object_set_new(o, "impersonation", jstr_or_null(imp_text(n->impersonation)));
	json_object_set_new(o, "anonymous", json_boolean(h->anonymous));
	json_object_set_new(o, "failed", json_boolean(h->failed));
	json_object_set_new(o, "event_id", json_integer(h->ev->event_id));
	json_object_set_new(o, "session",
	                    h->session >= 0 ? session_json(&a->sessions[h->session]) : json_null());
	json_object_set_new(o, "link",
	                    i > 0 ? link_json(a, h, &a->links[c->links[i - 1]]) : json_null());
	json_object_set_new(o, "evidence", evidence_json(a, c, i));
	if (h->nrepeats)
		json_object_set_new(o, "repeats", repeats_json(a, h));
	return o;
}

static json_t *chain_json(const struct hc_analysis *a, const struct hc_chain *c)
{
	json_t *o = json_object(), *hops = json_array(), *f = json_array(), *accts = json_array();

	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "start", jtime(c->start));
	json_object_set_new(o, "end", jtime(c->end));
	for (size_t i = 0; i < c->nhops; i++) {
		json_t *h = hop_json(a, c, i);
		const char *ac = json_string_value(json_object_get(h, "account"));
		bool seen = false;
		for (size_t k = 0; k < json_array_size(accts); k++)
			seen |= strcmp(json_string_value(json_array_get(accts, k)), ac) == 0;
		if (!seen)
			json_array_append_new(accts, json_string(ac));
		json_array_append_new(hops, h);
	}
	json_object_set_new(o, "accounts", accts);
	json_object_set_new(o, "hops", hops);
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct hc_finding *x = &c->findings[i];
		json_t *fo = json_object();
		json_object_set_new(fo, "id", json_string(x->id));
		json_object_set_new(fo, "severity", json_string(hc_severity_name(x->severity)));
		json_object_set_new(fo, "technique", jstr_or_null(x->technique));
		json_object_set_new(fo, "hop", json_integer((json_int_t)x->hop));
		json_object_set_new(fo, "what", str(x->what));
		json_object_set_new(fo, "todo", str(x->todo));
		json_t *fe = json_array();
		for (size_t k = 0; k < x->nev; k++) {
			json_t *e = json_object();
			json_object_set_new(e, "file", str(x->ev[k].ev->file));
			json_object_set_new(e, "record_id",
			                    json_integer((json_int_t)x->ev[k].ev->record_id));
			json_object_set_new(e, "event_id", json_integer(x->ev[k].ev->event_id));
			json_object_set_new(e, "role", jstr_or_null(hc_role_name(x->ev[k].role)));
			json_array_append_new(fe, e);
		}
		json_object_set_new(fo, "evidence", fe);
		json_array_append_new(f, fo);
	}
	json_object_set_new(o, "findings", f);
	return o;
}

int hc_analysis_print_json(const struct hc_analysis *a, const struct hc_chain *const *chains,
                           size_t n, const struct hc_view_hidden *hidden, bool lines, FILE *out)
{
	const size_t flags = JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(6);

	if (lines) {
		for (size_t i = 0; i < n; i++) {
			json_t *o = chain_json(a, chains[i]);
			int rc = json_dumpf(o, out, flags);
			json_decref(o);
			if (rc != 0)
				return -1;
			fputc('\n', out);
		}
		return 0;
	}
	fputs("{\"chains\": [", out);
	for (size_t i = 0; i < n; i++) {
		json_t *o = chain_json(a, chains[i]);
		fputs(i ? ",\n  " : "\n  ", out);
		int rc = json_dumpf(o, out, flags);
		json_decref(o);
		if (rc != 0)
			return -1;
	}
	fputs(n ? "\n],\n\"hosts\": [" : "],\n\"hosts\": [", out);
	bool any_host = false;
	for (size_t i = 0, shown = 0; i < a->nhosts; i++) {
		const struct hc_host *h = &a->hosts[i];
		if (h->service_account)
			continue; /* a gMSA seen in tickets: no host */
		json_t *o = json_object(), *ad = json_array();
		json_object_set_new(o, "name", str(h->name));
		json_object_set_new(o, "fqdn", jstr_or_null(h->fqdn));
		json_object_set_new(o, "has_log", json_boolean(h->has_log));
		json_object_set_new(o, "learned_from", json_string(hc_learn_name(h->how)));
		for (size_t k = 0; k < h->naddr; k++) {
			json_t *x = json_object();
			json_object_set_new(x, "address", json_string(h->addr[k].ip));
			json_object_set_new(x, "learned_from",
			                    json_string(hc_learn_name(h->addr[k].how)));
			if (h->addr[k].ev) {
				json_object_set_new(x, "file", str(h->addr[k].ev->file));
				json_object_set_new(
				    x, "record_id",
				    json_integer((json_int_t)h->addr[k].ev->record_id));
			}
			json_array_append_new(ad, x);
		}
		json_object_set_new(o, "addresses", ad);
		if (h->clock.pairs) {
			json_t *ck = json_object();
			/* to the millisecond, as hosts.sql rounds it */
			json_object_set_new(
			    ck, "offset_seconds",
			    json_real(
			        (double)((h->clock.offset + (h->clock.offset < 0 ? -5000 : 5000)) /
			                 10000) /
			        1000.0));
			json_object_set_new(ck, "pairs", json_integer((json_int_t)h->clock.pairs));
			json_object_set_new(ck, "reference", str(a->hosts[h->clock.ref].name));
			json_object_set_new(ck, "corrected", json_boolean(h->clock.applied));
			json_object_set_new(o, "clock", ck);
		} else {
			json_object_set_new(o, "clock", json_null());
		}
		fputs(shown++ ? ",\n  " : "\n  ", out);
		int rc = json_dumpf(o, out, flags);
		json_decref(o);
		if (rc != 0)
			return -1;
		any_host = true;
	}
	fputs(any_host ? "\n],\n\"warnings\": [" : "],\n\"warnings\": [", out);
	for (size_t i = 0; i < a->nwarnings; i++) {
		json_t *w = str(a->warnings[i].msg);
		fputs(i ? ",\n  " : "\n  ", out);
		json_dumpf(w, out, JSON_ENCODE_ANY);
		json_decref(w);
	}
	fprintf(out,
	        "%s\"hidden\": {\"machine\": %zu, \"collector\": %zu, \"null_session\": %zu, "
	        "\"short_chains\": %zu}}\n",
	        a->nwarnings ? "\n],\n" : "],\n", hidden->hops[HC_CLASS_MACHINE],
	        hidden->hops[HC_CLASS_COLLECTOR], hidden->hops[HC_CLASS_NULL_SESSION],
	        hidden->short_chains);
	return 0;
}

/* --policy FILE: {"rules": [{"host": RE, "account": RE, "allow":
 * ["Kerberos", ...]}], "legacy_hosts": [RE, ...]}. Only the document's
 * shape is read here; the rules are the engine's (engine/policy.c). */
static int policy_text(json_t *v, const char *what, size_t i, const char **out, struct hc_diag *d)
{
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v)) {
		hc_diag_set(d, "%s of rule %zu must be a string", what, i + 1);
		return HC_ERR_FORMAT;
	}
	*out = json_string_value(v);
	return 0;
}

/* A pattern's diagnostic says where in the pattern: in the message. */
static void offset_in_msg(struct hc_diag *d)
{
	if (d->has_offset) {
		char msg[sizeof(d->msg)];
		snprintf(msg, sizeof(msg), "%s", d->msg);
		hc_diag_set(d, "%.480s at offset %llu", msg, (unsigned long long)d->offset);
		d->has_offset = false;
	}
}

static int policy_rules(json_t *rules, struct hc_policy *pol, struct hc_diag *d)
{
	const char *allow[HC_MAX_POLICY_ALLOW];
	size_t i;
	json_t *v;
	int rc;

	json_array_foreach(rules, i, v)
	{
		json_t *allowed = json_object_get(v, "allow"), *p;
		const char *host, *account;
		size_t k, n = 0;
		if (!json_is_object(v) || !json_is_array(allowed)) {
			hc_diag_set(d, "rule %zu needs an \"allow\" array", i + 1);
			return HC_ERR_FORMAT;
		}
		if ((rc = policy_text(json_object_get(v, "host"), "host", i, &host, d)) < 0 ||
		    (rc = policy_text(json_object_get(v, "account"), "account", i, &account, d)) <
		        0)
			return rc;
		json_array_foreach(allowed, k, p)
		{
			if (!json_is_string(p)) {
				hc_diag_set(d, "rule %zu: allow entries are strings", i + 1);
				return HC_ERR_FORMAT;
			}
			if (n < HC_MAX_POLICY_ALLOW)
				allow[n++] = json_string_value(p);
		}
		if ((rc = hc_policy_add_rule(pol, host, account, allow, n, d)) < 0) {
			offset_in_msg(d);
			return rc;
		}
	}
	return 0;
}

int hc_policy_load(const char *path, struct hc_policy *pol, struct hc_diag *d)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *rules, *legacy, *v;
	size_t i;
	int rc = HC_ERR_FORMAT;

	memset(pol, 0, sizeof(*pol));
	hc_diag_clear(d);
	if (!root) {
		if (je.line > 0)
			hc_diag_set(d, "line %d: %s", je.line, je.text);
		else
			hc_diag_set(d, "%s", je.text);
		return json_error_code(&je) == json_error_cannot_open_file ? HC_ERR_IO
		       : json_error_code(&je) == json_error_out_of_memory  ? HC_ERR_NOMEM
		                                                           : HC_ERR_FORMAT;
	}
	if (!json_is_object(root)) {
		hc_diag_set(d, "top level must be an object");
		goto bad;
	}
	rules = json_object_get(root, "rules");
	legacy = json_object_get(root, "legacy_hosts");
	if ((rules && !json_is_array(rules)) || (legacy && !json_is_array(legacy))) {
		hc_diag_set(d, "\"rules\" and \"legacy_hosts\" must be arrays");
		goto bad;
	}
	if ((rc = policy_rules(rules, pol, d)) < 0)
		goto bad;
	json_array_foreach(legacy, i, v)
	{
		if (!json_is_string(v)) {
			hc_diag_set(d, "legacy_hosts entry %zu: not a string", i + 1);
			rc = HC_ERR_FORMAT;
			goto bad;
		}
		if ((rc = hc_policy_add_legacy(pol, json_string_value(v), d)) < 0) {
			offset_in_msg(d);
			goto bad;
		}
	}
	json_decref(root);
	return 0;
bad:
	json_decref(root);
	hc_policy_free(pol);
	return rc;
}

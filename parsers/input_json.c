/* The JSON backend, the only input file that includes jansson.h: evtx_dump,
 * Winlogbeat (ECS, 6) and OTRF/Mordor flat records from JSON lines, arrays
 * or pretty-printed streams, streamed record by record into the same events
 * as the EVTX reader makes (hc_event_build). */
#include "input.h"
#include "../base/cnum.h"
#include "../base/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#define READ_CHUNK (256u << 10)
#define FIRST_CAP (1u << 20)
#define HEAD_BYTES 4096 /* read-ahead that decides lines vs. objects */

/* How records are laid out in the file. */
enum js_mode {
	M_LINES,  /* one record per line (JSON lines / NDJSON) */
	M_ARRAY,  /* one top-level array of records */
	M_STREAM, /* records one after another (pretty-printed; evtx_dump's "Record N") */
};

/* Where the tree scanner is in an array or stream. */
enum js_phase {
	P_BETWEEN,    /* before a value (array: or before ',' / ']') */
	P_VALUE,      /* inside a value */
	P_RESYNC,     /* after a broken value: skipping to the end of the line */
	P_RESYNC_BOL, /* after a broken value: at the start of a line */
	P_DONE,       /* after the array (or nothing to read) */
};

/* Bracket state of the value being scanned (array and stream modes). */
struct scan {
	size_t pos; /* bytes of the value scanned so far, from s->beg */
	uint64_t depth;
	bool in_str, esc, broken;
};

struct js_state {
	int fd;
	const struct hc_read_opts *opts;
	const char *path;
	enum js_mode mode;
	unsigned char *p;     /* buffered window of the file */
	size_t cap, beg, end; /* unconsumed data is p[beg, end) */
	uint64_t off;         /* file offset of p[0] */
	bool eof;
	uint64_t hi;         /* lines mode: read lines that start before this offset */
	bool sync;           /* lines mode, part > 0: skip the partial first line */
	uint64_t line;       /* line of p[beg], counted from line_base */
	bool line_known;     /* line_base known (always for part 0) */
	uint64_t line_base;  /* line number of the part's first byte */
	uint64_t part_start; /* file offset where `line` starts counting */
	/* tree modes */
	enum js_phase phase;
	struct scan sc;
	uint64_t vline;  /* line where the current value starts */
	bool skipping;   /* the current value or line is over the cap */
	bool need_comma; /* array: a value was read, ',' or ']' comes next */
	bool trailing_reported;
	/* the repaired copy of a record with invalid UTF-8 */
	unsigned char *fix;
	size_t fixcap;
	/* text of converted values of one record (numbers, braced GUIDs, cuts) */
	char *txt;
	size_t txtcap;
	/* a diagnostic about the event returned last, reported on the next call */
	bool pending;
	uint64_t pending_line;
	char pending_msg[320];
	uint64_t records, failed;
};

/* ---- reading ---------------------------------------------------------- */

static uint64_t count_nl(const unsigned char *p, size_t n)
{
	uint64_t k = 0;
	const unsigned char *e = p + n;

	while (p < e && (p = memchr(p, '\n', (size_t)(e - p)))) {
		k++;
		p++;
	}
	return k;
}

static void consume(struct js_state *s, size_t k)
{
	s->line += count_nl(s->p + s->beg, k);
	s->beg += k;
}

/* Reads more of the file behind p[end]. Returns 1 read, 0 end of file,
 * HC_ERR_LIMIT when the window is full (the caller caps records first),
 * HC_ERR_NOMEM or HC_ERR_IO. */
static int fill(struct js_state *s)
{
	ssize_t r;

	if (s->eof)
		return 0;
	if (s->beg > 0) {
		memmove(s->p, s->p + s->beg, s->end - s->beg);
		s->off += s->beg;
		s->end -= s->beg;
		s->beg = 0;
	}
	if (s->cap - s->end < READ_CHUNK) {
		size_t cap = s->cap * 2;
		unsigned char *n;
		if (cap > HC_MAX_JSON_RECORD + READ_CHUNK)
			cap = HC_MAX_JSON_RECORD + READ_CHUNK;
		if (cap <= s->cap)
			return s->end < s->cap ? 1 : HC_ERR_LIMIT;
		if (!(n = realloc(s->p, cap)))
			return HC_ERR_NOMEM;
		s->p = n;
		s->cap = cap;
	}
	do
		r = read(s->fd, s->p + s->end, s->cap - s->end);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return HC_ERR_IO;
	if (r == 0) {
		s->eof = true;
		return 0;
	}
	s->end += (size_t)r;
	return 1;
}

/* The absolute line number of relative line `rel`. For a later part of a
 * split file the count of lines before the part is made once, when first
 * needed (diagnostics, records without a record id). */
static uint64_t abs_line(struct js_state *s, uint64_t rel)
{
	if (!s->line_known) {
		unsigned char buf[64 << 10];
		uint64_t pos = 0, n = 1;
		while (pos < s->part_start) {
			size_t want = sizeof(buf);
			if (s->part_start - pos < want)
				want = (size_t)(s->part_start - pos);
			ssize_t r = pread(s->fd, buf, want, (off_t)pos);
			if (r <= 0)
				break;
			n += count_nl(buf, (size_t)r);
			pos += (uint64_t)r;
		}
		s->line_base = n;
		s->line_known = true;
	}
	return s->line_base + rel;
}

static int vdiag(struct js_state *s, struct hc_diag *d, uint64_t rel_line, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));

static int vdiag(struct js_state *s, struct hc_diag *d, uint64_t rel_line, const char *fmt,
                 va_list ap)
{
	uint64_t line = abs_line(s, rel_line);

	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	hc_diag_at(d, HC_POS_LINE, line);
	hc_diag_prefix(d, "line %llu: ", (unsigned long long)line);
	return HC_ERR_RECORD;
}

static int rec_error(struct js_state *s, struct hc_diag *d, uint64_t rel_line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int note(struct js_state *s, struct hc_diag *d, uint64_t rel_line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fills `d` for a record that is skipped ("line N: ...") and counts it as
 * failed. Returns HC_ERR_RECORD. */
static int rec_error(struct js_state *s, struct hc_diag *d, uint64_t rel_line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vdiag(s, d, rel_line, fmt, ap);
	va_end(ap);
	s->failed++;
	return rc;
}

/* The same for a fault that loses no record (a missing ',', data after the
 * array). */
static int note(struct js_state *s, struct hc_diag *d, uint64_t rel_line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vdiag(s, d, rel_line, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- finding records -------------------------------------------------- */

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Lines mode: the next non-blank line, without its end of line, at
 * p[beg, beg + *len). Returns 1, 0 at the end of our part, or < 0 (d set
 * for HC_ERR_RECORD: an over-long line, skipped). */
static int next_line(struct js_state *s, size_t *len, uint64_t *line, struct hc_diag *d)
{
	size_t scanned = 0;
	int rc;

	for (;;) {
		unsigned char *nl =
		    memchr(s->p + s->beg + scanned, '\n', s->end - s->beg - scanned);
		if (!nl) {
			scanned = s->end - s->beg;
			if (s->sync || s->skipping) {
				/* drop what we do not keep; no newline in it */
				s->beg = s->end;
				scanned = 0;
			} else if (scanned > HC_MAX_JSON_RECORD) {
				if (s->off + s->beg >= s->hi)
					return 0;
				s->skipping = true;
				s->vline = s->line;
				s->records++;
				s->beg = s->end;
				scanned = 0;
			}
			if ((rc = fill(s)) < 0)
				return rc;
			if (rc == 1)
				continue;
			/* end of file: a last line without a newline */
			if (s->skipping) {
				s->skipping = false;
				return rec_error(s, d, s->vline,
				                 "record longer than %u bytes; skipped",
				                 HC_MAX_JSON_RECORD);
			}
			if (s->sync || s->beg == s->end || s->off + s->beg >= s->hi)
				return 0;
			nl = s->p + s->end;
		}
		size_t n = (size_t)(nl - (s->p + s->beg));
		if (s->sync) {
			s->sync = false;
			s->beg += n + (nl < s->p + s->end);
			s->part_start = s->off + s->beg;
			s->line = 0;
			scanned = 0;
			continue;
		}
		if (s->skipping) {
			s->skipping = false;
			consume(s, n + (nl < s->p + s->end));
			return rec_error(s, d, s->vline, "record longer than %u bytes; skipped",
			                 HC_MAX_JSON_RECORD);
		}
		if (s->off + s->beg >= s->hi)
			return 0;
		size_t k = n;
		while (k && is_ws(s->p[s->beg + k - 1]))
			k--;
		size_t lead = 0;
		while (lead < k && is_ws(s->p[s->beg + lead]))
			lead++;
		if (lead == k) {
			/* a blank line */
			consume(s, n + (nl < s->p + s->end));
			scanned = 0;
			continue;
		}
		if (n > HC_MAX_JSON_RECORD) {
			s->records++;
			uint64_t l = s->line;
			consume(s, n + (nl < s->p + s->end));
			return rec_error(s, d, l, "record longer than %u bytes; skipped",
			                 HC_MAX_JSON_RECORD);
		}
		*len = k;
		*line = s->line;
		return 1;
	}
}

/* Advances the bracket scanner over p[beg + sc.pos, end). Returns true when
 * the value ended; sc.pos is then its length. JSON strings never hold a raw
 * newline: one inside a string marks the value as broken (sc.broken) and
 * ends it there, so one bad record does not swallow the ones after it. */
static bool scan_value(struct js_state *s)
{
	struct scan *sc = &s->sc;
	const unsigned char *b = s->p + s->beg;
	size_t n = s->end - s->beg;

	for (size_t i = sc->pos; i < n; i++) {
		unsigned char c = b[i];
		if (sc->in_str) {
			if (sc->esc) {
				sc->esc = false;
			} else if (c == '\\') {
				sc->esc = true;
			} else if (c == '"') {
				sc->in_str = false;
				if (sc->depth == 0) {
					sc->pos = i + 1;
					return true;
				}
			} else if (c == '\n') {
				sc->broken = true;
				sc->pos = i;
				return true;
			}
			continue;
		}
		switch (c) {
		case '"':
			sc->in_str = true;
			break;
		case '{':
		case '[':
			sc->depth++;
			break;
		case '}':
		case ']':
			if (sc->depth == 0) {
				sc->pos = i;
				return true;
			}
			if (--sc->depth == 0) {
				sc->pos = i + 1;
				return true;
			}
			break;
		case ',':
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			if (sc->depth == 0) {
				sc->pos = i;
				return true;
			}
			break;
		default:
			break;
		}
	}
	sc->pos = n;
	return false;
}

/* evtx_dump's default output puts a line "Record <digits>" before each
 * record. Returns its length when p[beg, end) starts with one, 0 when it
 * does not, -1 when more data is needed to tell. */
static long record_header(const struct js_state *s)
{
	const unsigned char *b = s->p + s->beg, *e = s->p + s->end, *nl;
	size_t i = 7, avail = (size_t)(e - b);

	if (memcmp(b, "Record ", avail < 7 ? avail : 7) != 0)
		return 0;
	nl = memchr(b, '\n', avail);
	if (!nl)
		return s->eof || avail >= 64 ? 0 : -1;
	while (b + i < nl && b[i] >= '0' && b[i] <= '9')
		i++;
	if (i == 7)
		return 0;
	while (b + i < nl && is_ws(b[i]))
		i++;
	return b + i == nl ? (long)(nl - b) + 1 : 0;
}

/* At the end of the file in array and stream modes. */
static int at_eof(struct js_state *s, struct hc_diag *d)
{
	enum js_phase ph = s->phase;

	s->phase = P_DONE;
	if (ph == P_VALUE) {
		bool over = s->skipping;
		s->skipping = false;
		consume(s, s->end - s->beg);
		if (over)
			return rec_error(s, d, s->vline, "record longer than %u bytes; skipped",
			                 HC_MAX_JSON_RECORD);
		s->records++;
		return rec_error(s, d, s->vline,
		                 "the file ends inside a record (truncated?); it is skipped");
	}
	if (ph == P_BETWEEN && s->mode == M_ARRAY)
		return note(s, d, s->line, "the file ends inside the array (truncated?)");
	return 0;
}

/* Array and stream modes: the next value at p[beg, beg + *len). Returns 1,
 * 0 at the end, or < 0 (d set for HC_ERR_RECORD). */
static int next_value(struct js_state *s, size_t *len, uint64_t *line, struct hc_diag *d)
{
	int rc;

	for (;;) {
		if (s->phase == P_VALUE && s->sc.pos < s->end - s->beg) {
			if (!scan_value(s))
				continue; /* sc.pos is now at the end: read more */
			if (s->sc.pos == 0)
				s->sc.pos = 1; /* a stray closing bracket: a value of its own */
			s->phase = s->sc.broken ? P_RESYNC : P_BETWEEN;
			s->need_comma = !s->sc.broken;
			if (s->skipping || s->sc.pos > HC_MAX_JSON_RECORD) {
				if (!s->skipping)
					s->records++;
				s->skipping = false;
				consume(s, s->sc.pos);
				return rec_error(s, d, s->vline,
				                 "record longer than %u bytes; skipped",
				                 HC_MAX_JSON_RECORD);
			}
			*len = s->sc.pos;
			*line = s->vline;
			s->records++;
			return 1;
		}
		if (s->beg == s->end || s->phase == P_VALUE) {
			if (s->phase == P_VALUE && !s->skipping &&
			    s->end - s->beg > HC_MAX_JSON_RECORD) {
				/* over the cap: keep scanning, keep nothing */
				s->skipping = true;
				s->records++;
			}
			if (s->phase == P_VALUE && s->skipping) {
				consume(s, s->end - s->beg);
				s->sc.pos = 0;
			}
			if ((rc = fill(s)) < 0)
				return rc;
			if (rc == 1)
				continue;
			/* end of file */
			if (s->phase == P_VALUE && s->beg < s->end && s->sc.depth == 0 &&
			    !s->sc.in_str) {
				/* a scalar that the end of the file ends */
				s->phase = P_BETWEEN;
				*len = s->sc.pos;
				*line = s->vline;
				s->records++;
				return 1;
			}
			return at_eof(s, d);
		}
		unsigned char c = s->p[s->beg];
		switch (s->phase) {
		case P_DONE:
			/* after the array: only blanks may follow */
			if (is_ws(c)) {
				consume(s, 1);
				continue;
			}
			{
				uint64_t l = s->line;
				consume(s, s->end - s->beg);
				if (s->trailing_reported)
					continue;
				s->trailing_reported = true;
				return note(s, d, l, "data after the end of the array ignored");
			}
		case P_RESYNC: {
			/* after a broken record: go on at the next line that
			 * opens an object */
			unsigned char *nl = memchr(s->p + s->beg, '\n', s->end - s->beg);
			if (nl) {
				consume(s, (size_t)(nl - (s->p + s->beg)) + 1);
				s->phase = P_RESYNC_BOL;
			} else {
				consume(s, s->end - s->beg);
			}
			continue;
		}
		case P_RESYNC_BOL:
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
				consume(s, 1);
			} else if (c == '{') {
				s->phase = P_BETWEEN;
				s->need_comma = false;
			} else {
				s->phase = P_RESYNC;
			}
			continue;
		case P_BETWEEN:
			if (is_ws(c)) {
				consume(s, 1);
				continue;
			}
			if (s->mode == M_ARRAY && c == ',' && s->need_comma) {
				s->need_comma = false;
				consume(s, 1);
				continue;
			}
			if (s->mode == M_ARRAY && c == ']') {
				consume(s, 1);
				s->phase = P_DONE;
				continue;
			}
			if (s->mode == M_STREAM && c == 'R') {
				long h = record_header(s);
				if (h < 0) {
					if ((rc = fill(s)) < 0)
						return rc;
					continue;
				}
				if (h > 0) {
					consume(s, (size_t)h);
					continue;
				}
			}
			s->phase = P_VALUE;
			s->skipping = false;
			memset(&s->sc, 0, sizeof(s->sc));
			s->vline = s->line;
			if (s->mode == M_ARRAY && s->need_comma) {
				/* two records without ',' between them: say so, read on */
				s->need_comma = false;
				return note(s, d, s->line, "missing ',' between array elements");
			}
			continue;
		case P_VALUE:
			continue; /* handled above */
		}
	}
}

/* ---- checking and repairing a record's text --------------------------- */

/* The code unit of the escape "\uXXXX" at b (b[0] == '\\'), or -1. */
static long uescape(const unsigned char *b, size_t n)
{
	unsigned v = 0;

	if (n < 6 || b[1] != 'u')
		return -1;
	for (int i = 2; i < 6; i++) {
		unsigned h = hc_hex_value(b[i]);
		if (h > 15)
			return -1;
		v = v * 16 + h;
	}
	return (long)v;
}

struct check {
	bool too_deep;
	size_t bad_utf8;   /* invalid UTF-8 bytes (repaired in a copy) */
	size_t surrogates; /* lone \uD800-\uDFFF escapes (rewritten in place) */
};

/* One pass over a whole record before jansson sees it: nesting depth,
 * invalid UTF-8 (counted), and lone surrogate escapes, which jansson
 * refuses, rewritten in place to \uFFFD (the same length). Windows strings
 * are UTF-16 and may hold unpaired surrogates: an attacker must not be
 * able to hide an event behind one. */
static void check_text(unsigned char *b, size_t n, struct check *ck)
{
	size_t depth = 0;
	bool in_str = false;

	memset(ck, 0, sizeof(*ck));
	for (size_t i = 0; i < n;) {
		unsigned char c = b[i];
		if (c >= 0x80) {
			size_t k = hc_utf8_seq(b + i, n - i);
			if (!k) {
				ck->bad_utf8++;
				k = 1;
			}
			i += k;
			continue;
		}
		if (in_str) {
			if (c == '"') {
				in_str = false;
			} else if (c == '\\' && i + 1 < n) {
				long u = uescape(b + i, n - i);
				if (u >= 0xD800 && u <= 0xDBFF) {
					long lo = i + 6 < n && b[i + 6] == '\\'
					              ? uescape(b + i + 6, n - i - 6)
					              : -1;
					if (lo >= 0xDC00 && lo <= 0xDFFF) {
						i += 12;
						continue;
					}
				}
				if (u >= 0xD800 && u <= 0xDFFF) {
					memcpy(b + i, "\\uFFFD", 6);
					ck->surrogates++;
				}
				/* skip only ASCII: a byte >= 0x80 after the
				 * backslash is checked as UTF-8 like any other,
				 * so that repair_utf8 counts what we count */
				i += u >= 0 ? 6 : b[i + 1] < 0x80 ? 2 : 1;
				continue;
			}
			i++;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > HC_MAX_JSON_DEPTH)
				ck->too_deep = true;
		} else if ((c == '}' || c == ']') && depth) {
			depth--;
		}
		i++;
	}
}

/* Copies b with each invalid UTF-8 byte replaced by U+FFFD into s->fix;
 * `bad` is check_text's count of them. *out is the copy's length. Returns
 * 0, HC_ERR_NOMEM, or HC_ERR_RECORD should the counts ever disagree (the
 * copy never outgrows its buffer). */
static int repair_utf8(struct js_state *s, const unsigned char *b, size_t n, size_t bad,
                       size_t *out)
{
	size_t need = n + 2 * bad, o = 0;

	if (need > s->fixcap) {
		unsigned char *f = realloc(s->fix, need);
		if (!f)
			return HC_ERR_NOMEM;
		s->fix = f;
		s->fixcap = need;
	}
	for (size_t i = 0; i < n;) {
		size_t k = b[i] < 0x80 ? 1 : hc_utf8_seq(b + i, n - i);
		const unsigned char *src = k ? b + i : (const unsigned char *)HC_UTF8_REPLACEMENT;
		size_t w = k ? k : 3;
		if (o + w > need)
			return HC_ERR_RECORD;
		memcpy(s->fix + o, src, w);
		o += w;
		i += k ? k : 1;
	}
	*out = o;
	return HC_OK;
}

/* ---- record layouts --------------------------------------------------- */

/* Why an event is marked truncated (bits). */
enum { CUT_LEN = 1, CUT_NUL = 2, CUT_FIELDS = 4 };

enum layout { L_EVTX_DUMP, L_ECS, L_WINLOGBEAT6, L_FLAT };

static json_t *member(const json_t *o, const char *k)
{
	return json_is_object(o) ? json_object_get(o, k) : NULL;
}

/* An unsigned number given as a JSON integer, a decimal string, or
 * evtx_dump's {"#text": ...} (EventID with Qualifiers). */
static bool get_uint(const json_t *v, uint64_t *out)
{
	if (json_is_object(v))
		v = json_object_get(v, "#text");
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	if (json_is_string(v)) {
		const char *t = json_string_value(v);
		uint64_t x = 0;
		if (!*t || strlen(t) > 20)
			return false;
		for (; *t; t++) {
			if (*t < '0' || *t > '9' || x > (UINT64_MAX - 9) / 10)
				return false;
			x = x * 10 + (uint64_t)(*t - '0');
		}
		*out = x;
		return true;
	}
	return false;
}

static const char *get_str(const json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A time as exporters write it: RFC 3339, or evtx_dump's older
 * "2019-11-19 07:45:35.371829 UTC". */
static bool get_time(const json_t *v, int64_t *t)
{
	const char *s = get_str(v);
	char buf[64];
	size_t n;

	if (!s || (n = strlen(s)) >= sizeof(buf))
		return false;
	memcpy(buf, s, n + 1);
	if (n > 4 && strcmp(buf + n - 4, " UTC") == 0)
		buf[n - 4] = '\0';
	return hc_time_parse(buf, t) == 1;
}

/* nxlog and Logstash fields of an OTRF/Mordor flat record, which are not
 * EventData (sorted for bsearch; strcmp order). ProcessID is nxlog's
 * process, not EventData's ProcessId. */
static const char *const flat_meta[] = {
    "@timestamp",
    "@version",
    "AccountType",
    "ActivityID",
    "Category",
    "Channel",
    "ERROR_EVT_UNRESOLVED",
    "EventID",
    "EventReceivedTime",
    "EventTime",
    "EventType",
    "ExecutionProcessID",
    "Hostname",
    "Keywords",
    "Level",
    "Message",
    "Opcode",
    "OpcodeValue",
    "ProcessID",
    "ProviderGuid",
    "RecordNumber",
    "RelatedActivityID",
    "Severity",
    "SeverityValue",
    "SourceModuleName",
    "SourceModuleType",
    "SourceName",
    "Task",
    "ThreadID",
    "TimeCreated",
    "UserID",
    "Version",
    "host",
    "port",
    "tags",
    "type",
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_flat_meta(const char *k)
{
	return bsearch(&k, flat_meta, sizeof(flat_meta) / sizeof(flat_meta[0]),
	               sizeof(flat_meta[0]), cmp_name) != NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Fields Windows writes in hex ("0x3e7"): a JSON number there is rendered
 * the same way, so normalisation and `data` match the EVTX reader. */
static bool hex_field(const char *k)
{
	return ends_with(k, "LogonId") || ends_with(k, "LogonID") || ends_with(k, "ProcessId") ||
	       ends_with(k, "HandleId") || strcmp(k, "Status") == 0 ||
	       strcmp(k, "SubStatus") == 0 || strcmp(k, "TicketOptions") == 0 ||
	       strcmp(k, "TicketEncryptionType") == 0 || strcmp(k, "AccessMask") == 0;
}

/* 1 for a GUID without braces ("d118f0a7-11e1-4537-c8cd-20de6d39f1ec"). */
static bool bare_guid(const char *v)
{
	static const char pat[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(v) != sizeof(pat) - 1)
		return false;
	for (size_t i = 0; pat[i]; i++)
		if (pat[i] == '-' ? v[i] != '-' : hc_hex_value((unsigned char)v[i]) > 15)
			return false;
	return true;
}

/* What one record yields before it becomes an event. */
struct rec {
	enum layout layout;
	const json_t *sys;  /* EventData's siblings: Event.System, winlog, the root */
	const json_t *data; /* the object whose members are the EventData fields */
	uint32_t event_id;
	uint32_t version;
	uint64_t record_id;
	bool has_record_id;
	int64_t time;
	bool has_time;
	const char *computer, *channel, *provider;
};

/* Recognises the layout of `root`; fills r's System part. Returns 1,
 * 0 for an unknown layout, -1 for an event id that is not a number. */
static int recognise(const json_t *root, struct rec *r)
{
	const json_t *ev = member(root, "Event"), *w = member(root, "winlog"), *v = NULL;
	uint64_t u;

	const json_t *sys = member(ev, "System"), *tc;

	memset(r, 0, sizeof(*r));
	if (sys && json_typeof(sys) == JSON_OBJECT) {
		r->layout = L_EVTX_DUMP;
		r->sys = sys;
		r->data = member(ev, "EventData");
		v = member(sys, "EventID");
		r->computer = get_str(member(sys, "Computer"));
		r->channel = get_str(member(sys, "Channel"));
		r->provider =
		    get_str(member(member(member(sys, "Provider"), "#attributes"), "Name"));
		if (!r->provider) /* evtx_dump --separate-json-attributes */
			r->provider = get_str(member(member(sys, "Provider_attributes"), "Name"));
		if (get_uint(member(sys, "EventRecordID"), &u))
			r->record_id = u, r->has_record_id = true;
		if (get_uint(member(sys, "Version"), &u) && u <= UINT32_MAX)
			r->version = (uint32_t)u;
		tc = member(sys, "TimeCreated");
		r->has_time = get_time(member(member(tc, "#attributes"), "SystemTime"), &r->time) ||
		              get_time(member(member(sys, "TimeCreated_attributes"), "SystemTime"),
		                       &r->time) ||
		              get_time(tc, &r->time);
	} else if (json_is_object(w)) {
		r->layout = L_ECS;
		r->sys = w;
		r->data = member(w, "event_data");
		v = member(w, "event_id");
		if (!v)
			v = member(member(root, "event"), "code");
		r->computer = get_str(member(w, "computer_name"));
		r->channel = get_str(member(w, "channel"));
		r->provider = get_str(member(w, "provider_name"));
		if (get_uint(member(w, "record_id"), &u))
			r->record_id = u, r->has_record_id = true;
		if (get_uint(member(w, "version"), &u) && u <= UINT32_MAX)
			r->version = (uint32_t)u;
		/* Winlogbeat sets @timestamp to the event's TimeCreated */
		r->has_time = get_time(member(root, "@timestamp"), &r->time);
	} else if ((v = member(root, "event_id")) &&
	           (member(root, "event_data") || member(root, "computer_name") ||
	            member(root, "log_name"))) {
		r->layout = L_WINLOGBEAT6;
		r->sys = root;
		r->data = member(root, "event_data");
		r->computer = get_str(member(root, "computer_name"));
		r->channel = get_str(member(root, "log_name"));
		r->provider = get_str(member(root, "source_name"));
		if (get_uint(member(root, "record_number"), &u))
			r->record_id = u, r->has_record_id = true;
		if (get_uint(member(root, "version"), &u) && u <= UINT32_MAX)
			r->version = (uint32_t)u;
		r->has_time = get_time(member(root, "@timestamp"), &r->time);
	} else if ((v = member(root, "EventID")) && member(root, "Hostname")) {
		int64_t et, ts;
		r->layout = L_FLAT;
		r->sys = root;
		r->data = root;
		r->computer = get_str(member(root, "Hostname"));
		r->channel = get_str(member(root, "Channel"));
		r->provider = get_str(member(root, "SourceName"));
		if (get_uint(member(root, "RecordNumber"), &u))
			r->record_id = u, r->has_record_id = true;
		if (get_uint(member(root, "Version"), &u) && u <= UINT32_MAX)
			r->version = (uint32_t)u;
		/* Time policy (README "JSON input"). TimeCreated, when there,
		 * is the event's own time with its zone. Else EventTime is the
		 * event's own time to the second in the host's local zone, with
		 * no zone given, and @timestamp the collector's receipt in UTC,
		 * seconds to minutes later (up to 148 s in the OTRF corpus) and
		 * varying per batch. The host's UTC offset is their difference
		 * rounded to 15 minutes (every zone is a multiple of it), found
		 * per record so DST changes and hosts in other zones need no
		 * configuration; EventTime corrected by it is exact to the
		 * second, while @timestamp alone would move events by the
		 * collector's delay and reorder hops across hosts. This holds
		 * while the delay stays under 7.5 minutes. */
		bool has_et = get_time(member(root, "EventTime"), &et);
		bool has_ts = get_time(member(root, "@timestamp"), &ts);
		const int64_t q = INT64_C(15) * 60 * 10000000;
		if (get_time(member(root, "TimeCreated"), &r->time)) {
			r->has_time = true;
		} else if (has_et && has_ts) {
			int64_t delta = ts - et;
			int64_t offset = (delta >= 0 ? delta + q / 2 : delta - q / 2) / q * q;
			/* real zones lie within UTC-12..UTC+14 */
			if (offset <= INT64_C(14) * 4 * q && offset >= INT64_C(-12) * 4 * q)
				r->time = et + offset;
			else
				r->time = ts;
			r->has_time = true;
		} else if (has_ts) {
			r->time = ts, r->has_time = true;
		} else if (has_et) {
			r->time = et, r->has_time = true; /* zone unknown: taken as UTC */
		}
	} else {
		return 0;
	}
	if (!get_uint(v, &u) || u > UINT32_MAX)
		return -1;
	r->event_id = (uint32_t)u;
	return 1;
}

/* Bytes of converted text field_text needs for `v` under `name`. */
static size_t text_need(const char *name, const json_t *v)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = strlen(s);
		if (n > HC_MAX_FIELD_LEN)
			return HC_MAX_FIELD_LEN + 1;
		return ends_with(name, "Guid") && bare_guid(s) ? n + 3 : 0;
	}
	return json_is_number(v) ? 32 : 0;
}

/* Cuts `v` to HC_MAX_FIELD_LEN bytes, never inside a UTF-8 sequence, into
 * *t (advanced). */
static const char *cut_copy(const char *v, char **t)
{
	size_t n = HC_MAX_FIELD_LEN;
	char *r = *t;

	while (n && ((unsigned char)v[n] & 0xC0) == 0x80)
		n--;
	memcpy(r, v, n);
	r[n] = '\0';
	*t += n + 1;
	return r;
}

/* A field's text: strings as they are, cut at an embedded NUL (JSON can
 * carry one; a Windows string ends there) and at HC_MAX_FIELD_LEN; numbers
 * as Windows writes them; GUIDs in braces. Converted text goes to *t
 * (advanced by at most text_need()); CUT_* bits go to *cut. */
static const char *field_text(const char *name, const json_t *v, char **t, unsigned *cut)
{
	const char *s;
	char *r = *t;
	int k;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		if (strlen(s) != json_string_length(v))
			*cut |= CUT_NUL;
		if (strlen(s) > HC_MAX_FIELD_LEN) {
			*cut |= CUT_LEN;
			return cut_copy(s, t);
		}
		if (!ends_with(name, "Guid") || !bare_guid(s))
			return s;
		k = snprintf(r, 40, "{%s}", s);
		break;
	case JSON_INTEGER:
		if (hex_field(name))
			k = snprintf(r, 32, "0x%llx", (unsigned long long)json_integer_value(v));
		else
			k = snprintf(r, 32, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL: {
		/* jansson's encoder: the same text whatever LC_NUMERIC says */
		char *j = json_dumps(v, JSON_ENCODE_ANY);
		k = snprintf(r, 32, "%s", j ? j : "");
		free(j);
		if (k > 31)
			k = 31;
		break;
	}
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return ""; /* null: evtx_dump's rendering of an empty <Data> */
	}
	*t += (size_t)k + 1;
	return r;
}

/* 1 for a value that can be EventData text (objects and arrays cannot). */
static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* Builds *ev from a recognised record. Returns 0 or HC_ERR_NOMEM; CUT_*
 * bits go to *cut when a value was cut or fields were dropped. */
static int build(struct js_state *s, const struct rec *r, struct hc_event *ev, unsigned *cut)
{
	const char *names[HC_MAX_FIELDS], *values[HC_MAX_FIELDS];
	const json_t *vals[HC_MAX_FIELDS];
	const char *sys[3] = {r->computer, r->channel, r->provider};
	const char *key;
	json_t *val;
	size_t n = 0, need = 0;
	char *t;

	if (json_is_object(r->data)) {
		json_object_foreach((json_t *)r->data, key, val)
		{
			if (key[0] == '#' || !is_scalar(val) ||
			    (r->layout == L_FLAT && is_flat_meta(key)))
				continue;
			if (!*key || strlen(key) >= HC_MAX_NAME_LEN || n == HC_MAX_FIELDS) {
				*cut |= CUT_FIELDS;
				continue;
			}
			names[n] = key;
			vals[n] = val;
			need += text_need(key, val);
			n++;
		}
	}
	for (int i = 0; i < 3; i++)
		if (sys[i] && strlen(sys[i]) > HC_MAX_FIELD_LEN)
			need += HC_MAX_FIELD_LEN + 1;
	if (need > s->txtcap) {
		char *nt = realloc(s->txt, need);
		if (!nt)
			return HC_ERR_NOMEM;
		s->txt = nt;
		s->txtcap = need;
	}
	t = s->txt;
	for (int i = 0; i < 3; i++) {
		if (sys[i] && strlen(sys[i]) > HC_MAX_FIELD_LEN) {
			sys[i] = cut_copy(sys[i], &t);
			*cut |= CUT_LEN;
		}
	}
	/* nxlog writes "security" for some hosts: one name for one channel */
	if (sys[1] && strcasecmp(sys[1], "Security") == 0)
		sys[1] = "Security";
	for (size_t i = 0; i < n; i++)
		values[i] = field_text(names[i], vals[i], &t, cut);
	memset(ev, 0, sizeof(*ev));
	ev->event_id = r->event_id;
	ev->version = r->version;
	ev->record_id = r->record_id;
	ev->time = r->time;
	ev->truncated = *cut != 0;
	return hc_event_build(ev, sys[0], sys[1], sys[2], n, names, values);
}

/* ---- the backend ------------------------------------------------------ */

static void js_init(void)
{
	/* jansson seeds its hash function on first use; do it here, before
	 * the worker threads, instead of racing in each of them */
	json_object_seed(0);
}

static int js_probe(const unsigned char *m, size_t n)
{
	size_t i = 0;

	if (n >= 3 && memcmp(m, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && is_ws(m[i]))
		i++;
	if (i == n)
		return 0;
	if (m[i] == '{' || m[i] == '[')
		return 1;
	return n - i >= 8 && memcmp(m + i, "Record ", 7) == 0 && m[i + 7] >= '0' && m[i + 7] <= '9';
}

static void js_close(void *p)
{
	struct js_state *s = p;

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->p);
	free(s->fix);
	free(s->txt);
	free(s);
}

/* Where the JSON value at p[0] ('{' or '[') ends on its own line: the
 * offset after its closing bracket, or 0 when a newline (or the end of the
 * n bytes) comes first. Strings are skipped with their escapes. */
static size_t value_end_on_line(const unsigned char *p, size_t n)
{
	size_t depth = 0;
	bool str = false;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = p[k];
		if (c == '\n')
			return 0;
		if (str) {
			if (c == '\\')
				k++;
			else if (c == '"')
				str = false;
			continue;
		}
		if (c == '"')
			str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && depth > 0 && --depth == 0)
			return k + 1;
	}
	return 0;
}

/* 1 when the head of a file that starts with an object at p[0] reads as
 * pretty-printed objects (or one JSON document, such as hopchain's own
 * output, refused once as a whole), 0 for JSON lines: the first line holds
 * a whole object, or the line after it does (a broken first line of a
 * JSON-lines file is one bad record, not a different shape). */
static int first_object_spans_lines(const unsigned char *p, size_t n)
{
	const unsigned char *nl;
	size_t e = value_end_on_line(p, n);

	if (e)
		return 0;
	nl = memchr(p, '\n', n);
	if (!nl)
		return 0;
	nl++;
	return !(nl < p + n && *nl == '{' && value_end_on_line(nl, n - (size_t)(nl - p)));
}

/* Opens `path` for reading part o->part of o->nparts (o may be NULL: the
 * whole file). *ret is written only on success. */
static int open_state(const char *path, const struct hc_read_opts *o, struct js_state **ret,
                      struct hc_diag *d)
{
	struct js_state *s = calloc(1, sizeof(*s));
	unsigned char head[HEAD_BYTES];
	/* o is NULL for a whole-file read */
	struct stat st;
	ssize_t hn;
	size_t i = 0;
	int rc = HC_ERR_IO;

	if (!s)
		return HC_ERR_NOMEM;
	s->opts = o;
	s->path = path;
	s->hi = UINT64_MAX;
	s->line_known = true;
	s->line_base = 1;
	/* a regular file only (checked on the descriptor): hc_input_open
	 * checked the name, which may have been swapped for a FIFO since */
	s->fd = hc_input_open_regular(path, d);
	if (s->fd < 0 || fstat(s->fd, &st) != 0) {
		if (s->fd >= 0)
			hc_diag_set(d, "cannot open: %s", strerror(errno));
		goto out;
	}
	do
		hn = pread(s->fd, head, sizeof(head), 0);
	while (hn < 0 && errno == EINTR);
	if (hn < 0) {
		hc_diag_set(d, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (hn >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	size_t bom = i;
	while (i < (size_t)hn && is_ws(head[i]))
		i++;
	rc = HC_ERR_FORMAT;
	if (i < (size_t)hn && head[i] == '[') {
		s->mode = M_ARRAY;
	} else if (i < (size_t)hn && head[i] == '{') {
		/* the first object spread over lines: pretty-printed objects
		 * (also a JSON document such as hopchain's own output, which is
		 * then refused once instead of line by line) */
		s->mode = first_object_spans_lines(head + i, (size_t)hn - i) ? M_STREAM : M_LINES;
	} else if (js_probe(head, (size_t)hn)) {
		s->mode = M_STREAM; /* evtx_dump's "Record N" lines */
	} else {
		hc_diag_set(d, "not a JSON event file");
		goto out;
	}
	s->p = malloc(FIRST_CAP);
	if (!s->p) {
		rc = HC_ERR_NOMEM;
		goto out;
	}
	s->cap = FIRST_CAP;
	if (o && o->nparts > 1) {
		/* a later part reads the lines that start in its byte range;
		 * an array or stream is read whole by part 0 */
		uint64_t size = (uint64_t)st.st_size;
		uint64_t lo = size * o->part / o->nparts;
		if (s->mode != M_LINES) {
			if (o->part > 0)
				s->phase = P_DONE, s->eof = true, s->trailing_reported = true;
		} else {
			s->hi = size * (o->part + 1) / o->nparts;
			if (lo > 0) {
				if (lseek(s->fd, (off_t)(lo - 1), SEEK_SET) < 0) {
					hc_diag_set(d, "cannot seek: %s", strerror(errno));
					rc = HC_ERR_IO;
					goto out;
				}
				s->off = lo - 1;
				s->sync = true;
				s->line_known = false;
			}
		}
	}
	if (!s->sync && !(s->phase == P_DONE)) {
		/* skip the byte order mark; the array's '[' */
		if (lseek(s->fd, (off_t)bom, SEEK_SET) < 0) {
			rc = HC_ERR_IO;
			goto out;
		}
		s->off = bom;
		if (s->mode == M_ARRAY) {
			s->line += count_nl(head + bom, i - bom);
			s->off = i + 1;
			if (lseek(s->fd, (off_t)(i + 1), SEEK_SET) < 0) {
				rc = HC_ERR_IO;
				goto out;
			}
		}
	}
	*ret = s;
	return HC_OK;
out:
	js_close(s);
	return rc;
}

/* Reads the first record of a whole-file state. Returns HC_OK when it is an
 * event of a known layout, or cannot tell (no record, a damaged first
 * record: the reader reports those); HC_ERR_FORMAT (d set) when it is valid
 * JSON but no event, so that a stray .json in a case folder is refused once
 * as a file instead of record by record; or HC_ERR_NOMEM. */
static int first_record(struct js_state *s, struct hc_diag *d)
{
	struct hc_diag scratch;
	json_error_t err;
	struct check ck;
	struct rec r;
	size_t len = 0;
	uint64_t line = 0;
	int rc, known;

	hc_diag_clear(&scratch);
	rc = s->mode == M_LINES ? next_line(s, &len, &line, &scratch)
	                        : next_value(s, &len, &line, &scratch);
	if (rc == HC_ERR_NOMEM)
		return rc;
	if (rc <= 0)
		return HC_OK;
	check_text(s->p + s->beg, len, &ck);
	if (ck.too_deep || ck.bad_utf8)
		return HC_OK;
	json_t *root =
	    json_loadb((const char *)s->p + s->beg, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
	if (!root)
		return HC_OK;
	known = json_is_object(root) && recognise(root, &r) != 0;
	json_decref(root);
	if (known)
		return HC_OK;
	hc_diag_set(d,
	            "not an event log: the JSON record at line %llu has no known layout (no "
	            "Event.System, winlog, event_id or EventID with Hostname)",
	            (unsigned long long)abs_line(s, line));
	return HC_ERR_FORMAT;
}

static int js_open(const char *path, const struct hc_read_opts *o, void **ret, struct hc_diag *d)
{
	struct js_state *s = NULL;
	int rc;

	if ((rc = open_state(path, NULL, &s, d)) < 0)
		return rc;
	rc = first_record(s, d);
	js_close(s);
	s = NULL;
	if (rc < 0 || (rc = open_state(path, o, &s, d)) < 0)
		return rc;
	*ret = s;
	return HC_OK;
}

/* Reads the event id at p (after "EventID"/"event_id" and its ':'): a
 * number, a quoted number, or evtx_dump's {"#text": N}. Returns 1 and *id,
 * or 0 when it is something else. */
static int raw_id(const unsigned char *p, const unsigned char *end, uint64_t *id)
{
	uint64_t v = 0;
	int digits = 0;

	while (p < end && is_ws(*p))
		p++;
	if (p < end && *p == '{') {
		const unsigned char *lim = end - p > 64 ? p + 64 : end;
		const unsigned char *t = memmem(p, (size_t)(lim - p), "\"#text\"", 7);
		if (!t)
			return 0;
		for (p = t + 7; p < end && (is_ws(*p) || *p == ':'); p++)
			;
	}
	bool quoted = p < end && *p == '"';
	if (quoted)
		p++;
	for (; p < end && *p >= '0' && *p <= '9' && digits < 10; p++, digits++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (!digits || v > UINT32_MAX || p >= end)
		return 0;
	/* the number must end there: "46x", 4624.5 or 1e3 are for the parser */
	if (quoted ? *p != '"' : !(is_ws(*p) || *p == ',' || *p == '}' || *p == ']'))
		return 0;
	*id = v;
	return 1;
}

/* 1 when the raw record names its event id (every "EventID"/"event_id"
 * key it has reads as a number) and none of those ids is wanted: the
 * record is skipped without parsing it (most of a SIEM export is other
 * events, often with big Message texts). 0 when in doubt: parse it. A
 * quote inside a JSON string is escaped, so a key found here is a key. */
static int surely_unwanted(const unsigned char *b, size_t n, const struct hc_read_opts *o)
{
	static const char *const keys[] = {"\"EventID\"", "\"event_id\""};
	const unsigned char *end = b + n;
	int found = 0;

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t kl = strlen(keys[k]);
		for (const unsigned char *p = b; p < end;) {
			const unsigned char *q = memmem(p, (size_t)(end - p), keys[k], kl);
			uint64_t id;
			if (!q)
				break;
			q += kl;
			while (q < end && is_ws(*q))
				q++;
			if (q >= end || *q != ':' || !raw_id(q + 1, end, &id))
				return 0;
			if (hc_read_opts_wants(o, (uint32_t)id))
				return 0;
			found = 1;
			p = q;
		}
	}
	return found;
}

static int js_next(void *p, struct hc_event *ev, struct hc_diag *d)
{
	struct js_state *s = p;
	json_error_t err;
	struct check ck;
	struct rec r;
	size_t len = 0;
	uint64_t line = 0;
	int rc;

	if (s->pending) {
		s->pending = false;
		uint64_t l = abs_line(s, s->pending_line);
		hc_diag_at(d, HC_POS_LINE, l);
		hc_diag_set(d, "line %llu: %s", (unsigned long long)l, s->pending_msg);
		return HC_ERR_RECORD;
	}
	for (;;) {
		rc = s->mode == M_LINES ? next_line(s, &len, &line, d)
		                        : next_value(s, &len, &line, d);
		if (rc <= 0)
			return rc;
		unsigned char *b = s->p + s->beg;
		if (s->mode == M_LINES)
			s->records++;
		if (surely_unwanted(b, len, s->opts)) {
			consume(s, len);
			continue;
		}
		check_text(b, len, &ck);
		if (ck.too_deep) {
			consume(s, len);
			return rec_error(s, d, line, "nested deeper than %d levels; skipped",
			                 HC_MAX_JSON_DEPTH);
		}
		const unsigned char *text = b;
		size_t tlen = len;
		if (ck.bad_utf8) {
			if (len + 2 * ck.bad_utf8 >
			    HC_MAX_JSON_RECORD + (size_t)HC_MAX_JSON_RECORD) {
				consume(s, len);
				return rec_error(s, d, line, "too much invalid UTF-8; skipped");
			}
			rc = repair_utf8(s, b, len, ck.bad_utf8, &tlen);
			if (rc == HC_ERR_RECORD) {
				consume(s, len);
				return rec_error(s, d, line, "invalid UTF-8 not repaired; skipped");
			}
			if (rc < 0)
				return rc;
			text = s->fix;
		}
		json_t *root =
		    json_loadb((const char *)text, tlen, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
		consume(s, len);
		if (!root) {
			if (err.line > 1)
				return rec_error(
				    s, d, line,
				    "not valid JSON (%s at line %llu, column %d); skipped",
				    err.text,
				    (unsigned long long)abs_line(s, line) +
				        (unsigned long long)err.line - 1,
				    err.column);
			return rec_error(s, d, line, "not valid JSON (%s at column %d); skipped",
			                 err.text, err.column);
		}
		if (!json_is_object(root)) {
			json_decref(root);
			return rec_error(s, d, line, "not an event object; skipped");
		}
		rc = recognise(root, &r);
		if (rc <= 0) {
			json_decref(root);
			if (rc < 0)
				return rec_error(s, d, line, "event id is not a number; skipped");
			return rec_error(s, d, line,
			                 "not an event of a known layout (no Event.System, "
			                 "winlog, event_id or EventID with Hostname); skipped");
		}
		if (!hc_read_opts_wants(s->opts, r.event_id)) {
			json_decref(root);
			continue;
		}
		if (!r.has_time) {
			json_decref(root);
			return rec_error(s, d, line, "event %u has no readable time; skipped",
			                 r.event_id);
		}
		if (!r.has_record_id)
			r.record_id = abs_line(s, line); /* where to find it */
		unsigned cut = 0;
		rc = build(s, &r, ev, &cut);
		json_decref(root);
		if (rc < 0)
			return rc;
		ev->file = s->path;
		if (cut || ck.bad_utf8 || ck.surrogates) {
			char *m = s->pending_msg;
			size_t cap = sizeof(s->pending_msg);
			int k = snprintf(m, cap, "event %u kept%s:", r.event_id,
			                 cut ? ", marked truncated" : "");
			if (cut & CUT_LEN)
				k += snprintf(m + k, cap - (size_t)k,
				              " a value longer than %d bytes cut;",
				              HC_MAX_FIELD_LEN);
			if (cut & CUT_NUL)
				k += snprintf(m + k, cap - (size_t)k,
				              " a string cut at an embedded NUL (\\u0000);");
			if (cut & CUT_FIELDS)
				k += snprintf(m + k, cap - (size_t)k,
				              " fields dropped (over %d, or a name over %d bytes);",
				              HC_MAX_FIELDS, HC_MAX_NAME_LEN - 1);
			if (ck.bad_utf8 || ck.surrogates)
				k += snprintf(
				    m + k, cap - (size_t)k,
				    " invalid UTF-8 or lone surrogates replaced by U+FFFD;");
			m[k - 1] = '\0';
			s->pending = true;
			s->pending_line = line;
		}
		return 1;
	}
}

static void js_stats(void *p, uint64_t *records, uint64_t *failed)
{
	struct js_state *s = p;

	*records = s->records;
	*failed = s->failed;
}

const struct hc_backend hc_backend_json = {
    .name = "json",
    .format = "json",
    .init = js_init,
    .probe = js_probe,
    .open = js_open,
    .next = js_next,
    .stats = js_stats,
    .close = js_close,
};

/* evtx_write.c: EVTX encoder (file header, chunks, records, BinXML templates).
 * Layout follows what Windows writes: names and template definitions are
 * written inline at first use in a chunk, hashed into the chunk's 64-entry
 * string table and 32-entry template table, and referenced by offset later. */
#include "evtx_write.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYSTEM_TEMPLATE_VALUES 18
#define HC_EVTXW_CHUNK_SLACK 8 /* bytes left free at the end of a chunk */
#define EVENT_NS "http://schemas.microsoft.com/win/2004/08/events/event"

/* Tokens. */
#define TOK_EOF 0x00
#define TOK_OPEN 0x01
#define TOK_OPEN_ATTRS 0x41
#define TOK_CLOSE_START 0x02
#define TOK_CLOSE_EMPTY 0x03
#define TOK_END 0x04
#define TOK_VALUE 0x05
#define TOK_ATTR 0x06
#define TOK_ATTR_MORE 0x46
#define TOK_TEMPLATE 0x0c
#define TOK_SUBST 0x0d
#define TOK_OPTSUBST 0x0e
#define TOK_FRAGMENT 0x0f

#define DEP_NONE 0xffff

struct name_ent {
	uint32_t off;
	uint16_t hash;
	const char *name; /* static text or a datatpl field name (outlives the writer) */
};

struct tpl_ent {
	const void *key; /* datatpl pointer; NULL for the System template */
	char *computer;  /* System template only */
	uint32_t off;    /* offset of the definition (its "next" field) */
	uint32_t id;
};

struct hc_evtxw {
	FILE *fp;
	char *path;
	uint8_t chunk[HC_EVTXW_CHUNK_SIZE];
	uint32_t pos; /* next free byte in chunk */
	int full;     /* a write ran past the chunk end */
	int bad;      /* a value could not be encoded (see bad_msg) */
	char bad_msg[256];
	uint32_t last_rec_off;
	uint32_t chunk_nrec;
	uint64_t chunk_first_num, chunk_first_id, chunk_last_id;
	uint64_t next_num; /* file-wide record number, from 1 */
	uint64_t last_id;
	int have_id;
	uint32_t nchunks;
	struct name_ent names[HC_EVTXW_MAX_NAMES];
	size_t nnames;
	struct tpl_ent tpls[HC_EVTXW_MAX_TEMPLATES];
	size_t ntpls;
	/* Rollback state for a record that did not fit. */
	uint8_t saved_tables[384];
	int saved;
	size_t saved_nnames, saved_ntpls;
	char *iobuf;
};

static void diag_set(struct hc_evtxw_diag *diag, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void diag_set(struct hc_evtxw_diag *diag, const char *fmt, ...)
{
	va_list ap;

	if (diag == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
	va_end(ap);
}

/* ---- CRC-32 (slicing by 8) ---- */

/* Deliberately not parsers/evtx_check.c's hc_crc32: the writer is the
 * independent oracle the readers' checksum checks are tested against, so a
 * bug shared by both would make every sample agree with a wrong reader. Keep
 * this code apart (another method too: slicing-by-8 here, a byte table and
 * PCLMUL folding there), pinned by the published check values in
 * tests/writer/test_evtx_write.c; writer/README.md says why. */

static uint32_t crc_tab[8][256];
static int crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] =
			    (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
	crc_ready = 1;
}

uint32_t hc_evtxw_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (len >= 8) {
		uint32_t a = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		                    (uint32_t)p[3] << 24);
		uint32_t b = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
		             (uint32_t)p[7] << 24;
		crc = crc_tab[7][a & 0xff] ^ crc_tab[6][(a >> 8) & 0xff] ^
		      crc_tab[5][(a >> 16) & 0xff] ^ crc_tab[4][a >> 24] ^ crc_tab[3][b & 0xff] ^
		      crc_tab[2][(b >> 8) & 0xff] ^ crc_tab[1][(b >> 16) & 0xff] ^
		      crc_tab[0][b >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc_tab[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- UTF-8 ---- */

/* Decode one code point; returns bytes used or 0 on invalid input. */
static size_t utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		c = s[0] & 0x1f;
		len = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		c = s[0] & 0x0f;
		len = 3;
	} else if ((s[0] & 0xf8) == 0xf0) {
		c = s[0] & 0x07;
		len = 4;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

uint16_t hc_evtxw_name_hash(const char *name)
{
	const uint8_t *s = (const uint8_t *)name;
	size_t n = strlen(name);
	uint32_t h = 0, cp;

	while (n > 0) {
		size_t k = utf8_next(s, n, &cp);
		if (k == 0)
			return 0;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			h = h * 65599u + (0xd800 + (cp >> 10));
			h = h * 65599u + (0xdc00 + (cp & 0x3ff));
		} else {
			h = h * 65599u + cp;
		}
		s += k;
		n -= k;
	}
	return (uint16_t)h;
}

/* ---- text parsers ---- */

int hc_evtxw_sid_parse(const char *text, struct hc_evtxw_value *out)
{
	const char *p = text;
	char *end;
	unsigned long long rev, auth, sub;
	int n = 0;

	if (strncmp(p, "S-", 2) != 0 && strncmp(p, "s-", 2) != 0)
		return HC_EVTXW_E_INVAL;
	p += 2;
	if (*p < '0' || *p > '9')
		return HC_EVTXW_E_INVAL;
	errno = 0;
	rev = strtoull(p, &end, 10);
	if (errno || end == p || *end != '-' || rev > 255)
		return HC_EVTXW_E_INVAL;
	p = end + 1;
	if (*p < '0' || *p > '9')
		return HC_EVTXW_E_INVAL;
	auth = strtoull(p, &end, 10);
	if (errno || end == p || auth > 0xffffffffffffULL)
		return HC_EVTXW_E_INVAL;
	p = end;
	memset(out, 0, sizeof(*out));
	out->type = HC_EVTXW_T_SID;
	out->bin[0] = (uint8_t)rev;
	for (int i = 0; i < 6; i++)
		out->bin[2 + i] = (uint8_t)(auth >> (8 * (5 - i)));
	while (*p == '-') {
		p++;
		if (*p < '0' || *p > '9' || n >= HC_EVTXW_MAX_SID_SUBAUTH)
			return HC_EVTXW_E_INVAL;
		sub = strtoull(p, &end, 10);
		if (errno || end == p || sub > 0xffffffffULL)
			return HC_EVTXW_E_INVAL;
		for (int i = 0; i < 4; i++)
			out->bin[8 + 4 * n + i] = (uint8_t)(sub >> (8 * i));
		n++;
		p = end;
	}
	if (*p != '\0')
		return HC_EVTXW_E_INVAL;
	out->bin[1] = (uint8_t)n;
	out->binlen = (uint8_t)(8 + 4 * n);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hc_evtxw_guid_parse(const char *text, uint8_t out[16])
{
	/* Text order: 8-4-4-4-12 hex digits; disk order: Data1..3 little-endian. */
	static const int disk_pos[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t tmp[16];
	const char *p = text;
	int braces = 0, k = 0;
	size_t len = strlen(text);

	if (len == 38 && text[0] == '{' && text[37] == '}') {
		braces = 1;
		p++;
	} else if (len != 36) {
		return HC_EVTXW_E_INVAL;
	}
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (p[i] != '-')
				return HC_EVTXW_E_INVAL;
			continue;
		}
		int hi = hexval(p[i]), lo = hexval(p[i + 1]);
		if (hi < 0 || lo < 0)
			return HC_EVTXW_E_INVAL;
		tmp[k++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	(void)braces;
	for (int i = 0; i < 16; i++)
		out[disk_pos[i]] = tmp[i];
	return 0;
}

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian, Howard
 * Hinnant's algorithm). Deliberately not the parsers' copy (parsers/event.c,
 * parsers/binxml.c): the writer's times are the independent oracle the
 * readers' time conversion is tested against, so this is written apart
 * (epoch 1970 here, 1601 there) and pinned by its own known dates in
 * tests/writer/test_evtx_write.c (writer/README.md). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

int hc_evtxw_time_parse(const char *text, uint64_t *filetime)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, s, frac = 0, nfrac = 0, off = 0;
	const char *p = text;
	int64_t secs;

	if (strlen(text) < 20)
		return HC_EVTXW_E_INVAL;
	if (digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) || p[7] != '-' ||
	    digits(p + 8, 2, &d) || (p[10] != 'T' && p[10] != 't') || digits(p + 11, 2, &h) ||
	    p[13] != ':' || digits(p + 14, 2, &mi) || p[16] != ':' || digits(p + 17, 2, &s))
		return HC_EVTXW_E_INVAL;
	if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    s > 59)
		return HC_EVTXW_E_INVAL;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return HC_EVTXW_E_INVAL;
	p += 19;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nfrac == 7)
				return HC_EVTXW_E_INVAL; /* finer than 100 ns */
			frac = frac * 10 + (*p - '0');
			nfrac++;
			p++;
		}
		if (nfrac == 0)
			return HC_EVTXW_E_INVAL;
		for (int i = nfrac; i < 7; i++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return HC_EVTXW_E_INVAL;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return HC_EVTXW_E_INVAL;
	}
	if (*p != '\0')
		return HC_EVTXW_E_INVAL;
	secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s - off;
	secs += 11644473600LL;
	if (secs < 0)
		return HC_EVTXW_E_INVAL;
	*filetime = (uint64_t)secs * 10000000ULL + (uint64_t)frac;
	return 0;
}

/* Its civil-from-days arithmetic is the writer's own on purpose, as
 * days_from_civil above: an independent oracle for the parsers' (README.md). */
void hc_evtxw_time_format(uint64_t filetime, char *buf, size_t size)
{
	int64_t secs = (int64_t)(filetime / 10000000ULL) - 11644473600LL;
	unsigned frac = (unsigned)(filetime % 10000000ULL);
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	/* civil_from_days */
	int64_t z = days + 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	const unsigned d = doy - (153 * mp + 2) / 5 + 1;
	const unsigned m = mp < 10 ? mp + 3 : mp - 9;

	y += m <= 2;
	snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02u.%07uZ", (long long)y, m, d,
	         (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60), frac);
}

/* ---- low-level output into the chunk buffer ---- */

static void put(struct hc_evtxw *w, const void *p, size_t n)
{
	if (w->full || n > HC_EVTXW_CHUNK_SIZE - w->pos) {
		w->full = 1;
		return;
	}
	memcpy(w->chunk + w->pos, p, n);
	w->pos += (uint32_t)n;
}

static void put_u8(struct hc_evtxw *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u16(struct hc_evtxw *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(w, b, 2);
}

static void put_u32(struct hc_evtxw *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(w, b, 4);
}

static void put_u64(struct hc_evtxw *w, uint64_t v)
{
	put_u32(w, (uint32_t)v);
	put_u32(w, (uint32_t)(v >> 32));
}

static void wr_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr_u64(uint8_t *p, uint64_t v)
{
	wr_u32(p, (uint32_t)v);
	wr_u32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t rd_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void patch_u32(struct hc_evtxw *w, uint32_t at, uint32_t v)
{
	if (!w->full)
		wr_u32(w->chunk + at, v);
}

static void mark_bad(struct hc_evtxw *w, const char *msg)
{
	if (!w->bad)
		snprintf(w->bad_msg, sizeof(w->bad_msg), "%s", msg);
	w->bad = 1;
}

/* Write UTF-8 text as UTF-16LE units; returns the number of units. */
static size_t put_utf16(struct hc_evtxw *w, const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t units = 0;
	uint32_t cp;

	while (n > 0) {
		size_t k = utf8_next(p, n, &cp);
		if (k == 0) {
			mark_bad(w, "string is not valid UTF-8");
			return units;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			put_u16(w, (uint16_t)(0xd800 + (cp >> 10)));
			put_u16(w, (uint16_t)(0xdc00 + (cp & 0x3ff)));
			units += 2;
		} else {
			put_u16(w, (uint16_t)cp);
			units++;
		}
		p += k;
		n -= k;
	}
	return units;
}

/* Table snapshot taken before the first definition a record adds, so a record
 * that overflows the chunk can be taken back. */
static void save_tables(struct hc_evtxw *w)
{
	if (!w->saved) {
		memcpy(w->saved_tables, w->chunk + 128, sizeof(w->saved_tables));
		w->saved = 1;
	}
}

/* ---- names ---- */

static void name_ref(struct hc_evtxw *w, const char *name)
{
	uint16_t hash = hc_evtxw_name_hash(name);
	uint32_t off, slot;
	size_t units, len = strlen(name);

	for (size_t i = 0; i < w->nnames; i++) {
		if (w->names[i].hash == hash && strcmp(w->names[i].name, name) == 0) {
			put_u32(w, w->names[i].off);
			return;
		}
	}
	if (w->nnames == HC_EVTXW_MAX_NAMES) {
		mark_bad(w, "too many distinct names in one chunk");
		return;
	}
	if (len == 0 || len > HC_EVTXW_MAX_NAME) {
		mark_bad(w, "element name empty or too long");
		return;
	}
	save_tables(w);
	off = w->pos + 4;
	slot = 128 + 4 * (hash % 64u);
	put_u32(w, off);
	put_u32(w, rd_u32(w->chunk + slot)); /* chain to the previous head */
	put_u16(w, hash);
	uint32_t count_at = w->pos;
	put_u16(w, 0);
	units = put_utf16(w, name, len);
	put_u16(w, 0);
	if (w->full)
		return;
	wr_u16(w->chunk + count_at, (uint16_t)units);
	wr_u32(w->chunk + slot, off);
	w->names[w->nnames].off = off;
	w->names[w->nnames].hash = hash;
	w->names[w->nnames].name = name;
	w->nnames++;
}

/* ---- BinXML building blocks ---- */

static uint32_t elem_open(struct hc_evtxw *w, const char *name, int attrs, uint16_t dep)
{
	uint32_t start = w->pos;

	put_u8(w, attrs ? TOK_OPEN_ATTRS : TOK_OPEN);
	put_u16(w, dep);
	put_u32(w, 0);
	name_ref(w, name);
	return start;
}

static void elem_done(struct hc_evtxw *w, uint32_t start)
{
	patch_u32(w, start + 3, w->pos - (start + 7));
}

static uint32_t attrs_begin(struct hc_evtxw *w)
{
	uint32_t at = w->pos;
	put_u32(w, 0);
	return at;
}

static void attrs_end(struct hc_evtxw *w, uint32_t at)
{
	patch_u32(w, at, w->pos - (at + 4));
}

/* Whether an attribute is its element's last (BinXML marks the others). */
enum attr_pos { ATTR_MORE, ATTR_LAST };

static void attr(struct hc_evtxw *w, const char *name, enum attr_pos pos)
{
	put_u8(w, pos == ATTR_LAST ? TOK_ATTR : TOK_ATTR_MORE);
	name_ref(w, name);
}

static void subst(struct hc_evtxw *w, int optional, uint16_t idx, uint8_t type)
{
	put_u8(w, optional ? TOK_OPTSUBST : TOK_SUBST);
	put_u16(w, idx);
	put_u8(w, type);
}

static void value_text(struct hc_evtxw *w, const char *s)
{
	uint32_t at;
	size_t units;

	put_u8(w, TOK_VALUE);
	put_u8(w, HC_EVTXW_T_STRING);
	at = w->pos;
	put_u16(w, 0);
	units = put_utf16(w, s, strlen(s));
	if (units > HC_EVTXW_MAX_STRING_UNITS)
		mark_bad(w, "text too long");
	if (!w->full)
		wr_u16(w->chunk + at, (uint16_t)units);
}

static void fragment(struct hc_evtxw *w)
{
	static const uint8_t frag[4] = {TOK_FRAGMENT, 1, 1, 0};
	put(w, frag, 4);
}

/* An element whose content is one optional substitution (System children). */
static void simple_elem(struct hc_evtxw *w, const char *name, uint16_t idx, uint8_t type)
{
	uint32_t e = elem_open(w, name, 0, idx);
	put_u8(w, TOK_CLOSE_START);
	subst(w, 1, idx, type);
	put_u8(w, TOK_END);
	elem_done(w, e);
}

/* An empty element with optional-substitution attributes. */
static void attr_elem(struct hc_evtxw *w, const char *name, const char *const *anames,
                      const uint16_t *idx, const uint8_t *types, int n)
{
	uint32_t e = elem_open(w, name, 1, DEP_NONE);
	uint32_t al = attrs_begin(w);
	for (int i = 0; i < n; i++) {
		attr(w, anames[i], i == n - 1 ? ATTR_LAST : ATTR_MORE);
		subst(w, 1, idx[i], types[i]);
	}
	attrs_end(w, al);
	put_u8(w, TOK_CLOSE_EMPTY);
	elem_done(w, e);
}

/* Substitution indexes of the System template, in Windows' numbering. */
enum {
	SV_LEVEL,
	SV_OPCODE,
	SV_TASK,
	SV_EVENTID,
	SV_QUALIFIERS,
	SV_KEYWORDS,
	SV_TIME,
	SV_ACTIVITY,
	SV_PID,
	SV_TID,
	SV_RECORDID,
	SV_VERSION,
	SV_USERID,
	SV_RELACTIVITY,
	SV_PROVNAME,
	SV_PROVGUID,
	SV_CHANNEL,
	SV_EVENTDATA,
};

static void system_body(struct hc_evtxw *w, const char *computer)
{
	uint32_t ev, sys, e, al;

	fragment(w);
	ev = elem_open(w, "Event", 1, SV_EVENTDATA);
	al = attrs_begin(w);
	attr(w, "xmlns", ATTR_LAST);
	value_text(w, EVENT_NS);
	attrs_end(w, al);
	put_u8(w, TOK_CLOSE_START);

	sys = elem_open(w, "System", 0, DEP_NONE);
	put_u8(w, TOK_CLOSE_START);
	{
		static const char *const an[] = {"Name", "Guid"};
		static const uint16_t ai[] = {SV_PROVNAME, SV_PROVGUID};
		static const uint8_t at[] = {HC_EVTXW_T_STRING, HC_EVTXW_T_GUID};
		attr_elem(w, "Provider", an, ai, at, 2);
	}
	e = elem_open(w, "EventID", 1, SV_EVENTID);
	al = attrs_begin(w);
	attr(w, "Qualifiers", ATTR_LAST);
	subst(w, 1, SV_QUALIFIERS, HC_EVTXW_T_UINT16);
	attrs_end(w, al);
	put_u8(w, TOK_CLOSE_START);
	subst(w, 1, SV_EVENTID, HC_EVTXW_T_UINT16);
	put_u8(w, TOK_END);
	elem_done(w, e);
	simple_elem(w, "Version", SV_VERSION, HC_EVTXW_T_UINT8);
	simple_elem(w, "Level", SV_LEVEL, HC_EVTXW_T_UINT8);
	simple_elem(w, "Task", SV_TASK, HC_EVTXW_T_UINT16);
	simple_elem(w, "Opcode", SV_OPCODE, HC_EVTXW_T_UINT8);
	simple_elem(w, "Keywords", SV_KEYWORDS, HC_EVTXW_T_HEXINT64);
	{
		static const char *const an[] = {"SystemTime"};
		static const uint16_t ai[] = {SV_TIME};
		static const uint8_t at[] = {HC_EVTXW_T_FILETIME};
		attr_elem(w, "TimeCreated", an, ai, at, 1);
	}
	simple_elem(w, "EventRecordID", SV_RECORDID, HC_EVTXW_T_UINT64);
	{
		static const char *const an[] = {"ActivityID", "RelatedActivityID"};
		static const uint16_t ai[] = {SV_ACTIVITY, SV_RELACTIVITY};
		static const uint8_t at[] = {HC_EVTXW_T_GUID, HC_EVTXW_T_GUID};
		attr_elem(w, "Correlation", an, ai, at, 2);
	}
	{
		static const char *const an[] = {"ProcessID", "ThreadID"};
		static const uint16_t ai[] = {SV_PID, SV_TID};
		static const uint8_t at[] = {HC_EVTXW_T_UINT32, HC_EVTXW_T_UINT32};
		attr_elem(w, "Execution", an, ai, at, 2);
	}
	simple_elem(w, "Channel", SV_CHANNEL, HC_EVTXW_T_STRING);
	/* Windows stores the computer name as literal text in the template. */
	e = elem_open(w, "Computer", 0, DEP_NONE);
	put_u8(w, TOK_CLOSE_START);
	value_text(w, computer);
	put_u8(w, TOK_END);
	elem_done(w, e);
	{
		static const char *const an[] = {"UserID"};
		static const uint16_t ai[] = {SV_USERID};
		static const uint8_t at[] = {HC_EVTXW_T_SID};
		attr_elem(w, "Security", an, ai, at, 1);
	}
	put_u8(w, TOK_END);
	elem_done(w, sys);

	subst(w, 1, SV_EVENTDATA, HC_EVTXW_T_BINXML);
	put_u8(w, TOK_END);
	elem_done(w, ev);
	put_u8(w, TOK_EOF);
}

static void data_body(struct hc_evtxw *w, const struct hc_evtxw_datatpl *t)
{
	uint32_t ed;

	fragment(w);
	ed = elem_open(w, "EventData", 0, DEP_NONE);
	put_u8(w, TOK_CLOSE_START);
	for (size_t i = 0; i < t->nfields; i++) {
		uint32_t e = elem_open(w, "Data", 1, DEP_NONE);
		uint32_t al = attrs_begin(w);
		attr(w, "Name", ATTR_LAST);
		value_text(w, t->fields[i].name);
		attrs_end(w, al);
		put_u8(w, TOK_CLOSE_START);
		subst(w, 0, (uint16_t)i, t->fields[i].type);
		put_u8(w, TOK_END);
		elem_done(w, e);
	}
	put_u8(w, TOK_END);
	elem_done(w, ed);
	put_u8(w, TOK_EOF);
}

/* ---- template identity ---- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A stable GUID per template shape: the same template gets the same GUID in
 * every chunk and every run. */
static void template_guid(const struct hc_evtxw_datatpl *t, const char *computer, uint8_t guid[16])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	if (t == NULL) {
		h = fnv1a(h, "System\0", 7);
		h = fnv1a(h, computer, strlen(computer));
	} else {
		h = fnv1a(h, "EventData\0", 10);
		for (size_t i = 0; i < t->nfields; i++) {
			h = fnv1a(h, t->fields[i].name, strlen(t->fields[i].name) + 1);
			h = fnv1a(h, &t->fields[i].type, 1);
		}
	}
	wr_u64(guid, mix64(h));
	wr_u64(guid + 8, mix64(h ^ 0x9e3779b97f4a7c15ULL));
}

/* Template table bucket: the name hash over the GUID's eight UTF-16 units. */
static unsigned template_bucket(const uint8_t guid[16])
{
	uint32_t h = 0;
	for (int i = 0; i < 16; i += 2)
		h = h * 65599u + (uint32_t)(guid[i] | guid[i + 1] << 8);
	return h % 32u;
}

/* Write a template instance header, with the definition inline if the chunk
 * does not have it yet. t == NULL selects the System template. */
static void template_instance(struct hc_evtxw *w, const struct hc_evtxw_datatpl *t,
                              const char *computer)
{
	uint8_t guid[16];
	uint32_t id, def, slot, size_at;

	for (size_t i = 0; i < w->ntpls; i++) {
		const struct tpl_ent *e = &w->tpls[i];
		if (e->key == (const void *)t &&
		    (t != NULL || strcmp(e->computer, computer) == 0)) {
			put_u8(w, TOK_TEMPLATE);
			put_u8(w, 1);
			put_u32(w, e->id);
			put_u32(w, e->off);
			return;
		}
	}
	if (w->ntpls == HC_EVTXW_MAX_TEMPLATES) {
		mark_bad(w, "too many templates in one chunk");
		return;
	}
	save_tables(w);
	template_guid(t, computer, guid);
	id = rd_u32(guid);
	slot = 384 + 4 * template_bucket(guid);
	put_u8(w, TOK_TEMPLATE);
	put_u8(w, 1);
	put_u32(w, id);
	def = w->pos + 4;
	put_u32(w, def);
	put_u32(w, rd_u32(w->chunk + slot)); /* chain to the previous head */
	put(w, guid, 16);
	size_at = w->pos;
	put_u32(w, 0);
	if (t == NULL)
		system_body(w, computer);
	else
		data_body(w, t);
	patch_u32(w, size_at, w->pos - (size_at + 4));
	if (w->full || w->bad)
		return;
	wr_u32(w->chunk + slot, def);
	w->tpls[w->ntpls].key = t;
	w->tpls[w->ntpls].computer = NULL;
	w->tpls[w->ntpls].off = def;
	w->tpls[w->ntpls].id = id;
	if (t == NULL) {
		w->tpls[w->ntpls].computer = strdup(computer);
		if (w->tpls[w->ntpls].computer == NULL) {
			mark_bad(w, "out of memory");
			return;
		}
	}
	w->ntpls++;
}

/* ---- substitution arrays ---- */

/* Value bytes; returns the on-disk value type. */
static uint8_t put_value(struct hc_evtxw *w, const struct hc_evtxw_value *v)
{
	size_t units;

	switch (v->type) {
	case HC_EVTXW_T_NULL:
		return HC_EVTXW_T_NULL;
	case HC_EVTXW_T_STRING:
		units = put_utf16(w, v->str, v->len);
		if (units > HC_EVTXW_MAX_STRING_UNITS)
			mark_bad(w, "string value longer than 32767 UTF-16 units");
		return HC_EVTXW_T_STRING;
	case HC_EVTXW_T_UINT8:
		put_u8(w, (uint8_t)v->u);
		return v->type;
	case HC_EVTXW_T_UINT16:
		put_u16(w, (uint16_t)v->u);
		return v->type;
	case HC_EVTXW_T_UINT32:
	case HC_EVTXW_T_HEXINT32:
		put_u32(w, (uint32_t)v->u);
		return v->type;
	case HC_EVTXW_T_BOOL:
		put_u32(w, v->u ? 1 : 0);
		return v->type;
	case HC_EVTXW_T_UINT64:
	case HC_EVTXW_T_HEXINT64:
	case HC_EVTXW_T_FILETIME:
		put_u64(w, v->u);
		return v->type;
	case HC_EVTXW_T_SIZET:
		/* Pointers are declared SizeT in the template and stored as HexInt64. */
		put_u64(w, v->u);
		return HC_EVTXW_T_HEXINT64;
	case HC_EVTXW_T_GUID:
		put(w, v->bin, 16);
		return v->type;
	case HC_EVTXW_T_SID:
		if (v->binlen < 8 || v->binlen > sizeof(v->bin)) {
			mark_bad(w, "malformed SID value");
			return HC_EVTXW_T_NULL;
		}
		put(w, v->bin, v->binlen);
		return v->type;
	default:
		mark_bad(w, "unsupported value type");
		return HC_EVTXW_T_NULL;
	}
}

static uint32_t values_begin(struct hc_evtxw *w, uint32_t n)
{
	uint32_t desc;

	put_u32(w, n);
	desc = w->pos;
	for (uint32_t i = 0; i < n; i++)
		put_u32(w, 0);
	return desc;
}

static void value_desc(struct hc_evtxw *w, uint32_t desc, uint32_t i, uint32_t size, uint8_t type)
{
	if (w->full)
		return;
	if (size > 0xffff) {
		mark_bad(w, "value larger than 65535 bytes");
		return;
	}
	wr_u16(w->chunk + desc + 4 * i, (uint16_t)size);
	w->chunk[desc + 4 * i + 2] = type;
	w->chunk[desc + 4 * i + 3] = 0;
}

static void put_simple(struct hc_evtxw *w, uint32_t desc, uint32_t i,
                       const struct hc_evtxw_value *v)
{
	uint32_t start = w->pos;
	uint8_t type = put_value(w, v);
	value_desc(w, desc, i, w->pos - start, type);
}

static void put_uint(struct hc_evtxw *w, uint32_t desc, uint32_t i, uint8_t type, uint64_t u)
{
	struct hc_evtxw_value v;
	v.type = type;
	v.u = u;
	put_simple(w, desc, i, &v);
}

static void put_str(struct hc_evtxw *w, uint32_t desc, uint32_t i, const char *s)
{
	struct hc_evtxw_value v;
	v.type = HC_EVTXW_T_STRING;
	v.str = s;
	v.len = strlen(s);
	put_simple(w, desc, i, &v);
}

static void put_null(struct hc_evtxw *w, uint32_t desc, uint32_t i)
{
	value_desc(w, desc, i, 0, HC_EVTXW_T_NULL);
}

static void encode_event(struct hc_evtxw *w, const struct hc_evtxw_event *ev)
{
	uint32_t rec = w->pos, desc, start, idesc;
	const struct hc_evtxw_datatpl *t = ev->data;

	put(w, "**\0\0", 4);
	put_u32(w, 0);
	put_u64(w, ev->record_id);
	put_u64(w, ev->time);
	fragment(w);
	template_instance(w, NULL, ev->computer);
	desc = values_begin(w, SYSTEM_TEMPLATE_VALUES);
	put_uint(w, desc, SV_LEVEL, HC_EVTXW_T_UINT8, ev->level);
	put_uint(w, desc, SV_OPCODE, HC_EVTXW_T_UINT8, ev->opcode);
	put_uint(w, desc, SV_TASK, HC_EVTXW_T_UINT16, ev->task);
	put_uint(w, desc, SV_EVENTID, HC_EVTXW_T_UINT16, ev->event_id);
	if (ev->has_qualifiers)
		put_uint(w, desc, SV_QUALIFIERS, HC_EVTXW_T_UINT16, ev->qualifiers);
	else
		put_null(w, desc, SV_QUALIFIERS);
	put_uint(w, desc, SV_KEYWORDS, HC_EVTXW_T_HEXINT64, ev->keywords);
	put_uint(w, desc, SV_TIME, HC_EVTXW_T_FILETIME, ev->time);
	put_null(w, desc, SV_ACTIVITY);
	put_uint(w, desc, SV_PID, HC_EVTXW_T_UINT32, ev->process_id);
	put_uint(w, desc, SV_TID, HC_EVTXW_T_UINT32, ev->thread_id);
	put_uint(w, desc, SV_RECORDID, HC_EVTXW_T_UINT64, ev->record_id);
	put_uint(w, desc, SV_VERSION, HC_EVTXW_T_UINT8, ev->version);
	if (ev->user_id != NULL && ev->user_id->type == HC_EVTXW_T_SID)
		put_simple(w, desc, SV_USERID, ev->user_id);
	else
		put_null(w, desc, SV_USERID);
	put_null(w, desc, SV_RELACTIVITY);
	put_str(w, desc, SV_PROVNAME, ev->provider_name);
	{
		struct hc_evtxw_value g;
		g.type = HC_EVTXW_T_GUID;
		memcpy(g.bin, ev->provider_guid, 16);
		put_simple(w, desc, SV_PROVGUID, &g);
	}
	put_str(w, desc, SV_CHANNEL, ev->channel);

	/* EventData: a BinXML value holding its own template instance. */
	start = w->pos;
	fragment(w);
	template_instance(w, t, NULL);
	idesc = values_begin(w, (uint32_t)t->nfields);
	for (size_t i = 0; i < t->nfields; i++) {
		const struct hc_evtxw_value *v = &ev->values[i];
		if (v->type != HC_EVTXW_T_NULL && v->type != t->fields[i].type &&
		    !(t->fields[i].type == HC_EVTXW_T_SIZET && v->type == HC_EVTXW_T_HEXINT64)) {
			mark_bad(w, "value type does not match the template");
			snprintf(w->bad_msg, sizeof(w->bad_msg),
			         "value for %s has type 0x%02x, template wants 0x%02x",
			         t->fields[i].name, v->type, t->fields[i].type);
		}
		put_simple(w, idesc, (uint32_t)i, v);
	}
	value_desc(w, desc, SV_EVENTDATA, w->pos - start, HC_EVTXW_T_BINXML);

	put_u8(w, TOK_EOF);
	while (!w->full && (w->pos - rec + 4) % 8 != 0)
		put_u8(w, 0); /* Windows keeps records 8-byte aligned */
	put_u32(w, w->pos + 4 - rec);
	patch_u32(w, rec + 4, w->pos - rec);
}

size_t hc_evtxw_value_text(const struct hc_evtxw_value *v, char *buf, size_t size)
{
	int n = 0;

	buf[0] = '\0';
	switch (v->type) {
	case HC_EVTXW_T_UINT8:
	case HC_EVTXW_T_UINT16:
	case HC_EVTXW_T_UINT32:
	case HC_EVTXW_T_UINT64:
		n = snprintf(buf, size, "%llu", (unsigned long long)v->u);
		break;
	case HC_EVTXW_T_HEXINT32:
	case HC_EVTXW_T_HEXINT64:
	case HC_EVTXW_T_SIZET:
		n = snprintf(buf, size, "0x%llx", (unsigned long long)v->u);
		break;
	case HC_EVTXW_T_BOOL:
		n = snprintf(buf, size, "%s", v->u ? "true" : "false");
		break;
	case HC_EVTXW_T_FILETIME: {
		char t[40];
		hc_evtxw_time_format(v->u, t, sizeof(t));
		/* 7 fraction digits and 'Z' -> 9 digits, as Windows writes them */
		n = snprintf(buf, size, "%.27s00Z", t);
		break;
	}
	case HC_EVTXW_T_GUID: {
		const uint8_t *b = v->bin;
		n = snprintf(
		    buf, size,
		    "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", b[3],
		    b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12],
		    b[13], b[14], b[15]);
		break;
	}
	case HC_EVTXW_T_SID: {
		uint64_t auth = 0;
		n = snprintf(buf, size, "S-%u", v->bin[0]);
		for (int k = 0; k < 6; k++)
			auth = auth << 8 | v->bin[2 + k];
		n += snprintf(buf + n, size - (size_t)n, "-%llu", (unsigned long long)auth);
		for (int k = 0; k < v->bin[1] && (size_t)n < size; k++) {
			const uint8_t *p = v->bin + 8 + 4 * k;
			n += snprintf(buf + n, size - (size_t)n, "-%u", (unsigned)rd_u32(p));
		}
		break;
	}
	default:
		break;
	}
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* ---- forwarded (rendered) records ---- */

/* An element start without a dependency id, as forwarded events have it. */
/* Whether an element has attributes (they follow its start token). */
enum elem_attrs { ELEM_PLAIN, ELEM_ATTRS };

static uint32_t r_open(struct hc_evtxw *w, const char *name, enum elem_attrs a)
{
	uint32_t start = w->pos;

	put_u8(w, a == ELEM_ATTRS ? TOK_OPEN_ATTRS : TOK_OPEN);
	put_u32(w, 0);
	name_ref(w, name);
	return start;
}

static void r_done(struct hc_evtxw *w, uint32_t start)
{
	patch_u32(w, start + 1, w->pos - (start + 5));
}

/* Value text of n bytes of UTF-8. */
static void r_text(struct hc_evtxw *w, const char *s, size_t n)
{
	uint32_t at;
	size_t units;

	put_u8(w, TOK_VALUE);
	put_u8(w, HC_EVTXW_T_STRING);
	at = w->pos;
	put_u16(w, 0);
	units = put_utf16(w, s, n);
	if (units > HC_EVTXW_MAX_STRING_UNITS)
		mark_bad(w, "text too long");
	if (!w->full)
		wr_u16(w->chunk + at, (uint16_t)units);
}

/* <name>text</name>, or <name/> for empty text. */
static void r_leaf(struct hc_evtxw *w, const char *name, const char *s, size_t n)
{
	uint32_t e = r_open(w, name, ELEM_PLAIN);

	if (n == 0) {
		put_u8(w, TOK_CLOSE_EMPTY);
	} else {
		put_u8(w, TOK_CLOSE_START);
		r_text(w, s, n);
		put_u8(w, TOK_END);
	}
	r_done(w, e);
}

/* <name a1="v1" a2="v2"/>; an attribute with a NULL value is left out. */
static void r_attrs(struct hc_evtxw *w, const char *name, const char *const *an,
                    const char *const *av, int n)
{
	int last = -1;

	for (int i = 0; i < n; i++)
		if (av[i])
			last = i;
	uint32_t e = r_open(w, name, last >= 0 ? ELEM_ATTRS : ELEM_PLAIN);
	if (last >= 0) {
		uint32_t al = attrs_begin(w);
		for (int i = 0; i <= last; i++) {
			if (!av[i])
				continue;
			attr(w, an[i], i == last ? ATTR_LAST : ATTR_MORE);
			r_text(w, av[i], strlen(av[i]));
		}
		attrs_end(w, al);
	}
	put_u8(w, TOK_CLOSE_EMPTY);
	r_done(w, e);
}

/* A rendered record's System element: every value as text. */
static void rendered_system(struct hc_evtxw *w, const struct hc_evtxw_event *ev)
{
	uint32_t sys, al;
	char b[256], b2[64], guid[64];

	sys = r_open(w, "System", ELEM_PLAIN);
	put_u8(w, TOK_CLOSE_START);
	{
		struct hc_evtxw_value g = {.type = HC_EVTXW_T_GUID};
		memcpy(g.bin, ev->provider_guid, 16);
		hc_evtxw_value_text(&g, guid, sizeof(guid));
		const char *an[] = {"Name", "Guid"}, *av[] = {ev->provider_name, guid};
		r_attrs(w, "Provider", an, av, 2);
	}
	snprintf(b, sizeof(b), "%u", ev->event_id);
	if (ev->has_qualifiers) {
		uint32_t q = r_open(w, "EventID", ELEM_ATTRS);
		snprintf(b2, sizeof(b2), "%u", ev->qualifiers);
		al = attrs_begin(w);
		attr(w, "Qualifiers", ATTR_LAST);
		r_text(w, b2, strlen(b2));
		attrs_end(w, al);
		put_u8(w, TOK_CLOSE_START);
		r_text(w, b, strlen(b));
		put_u8(w, TOK_END);
		r_done(w, q);
	} else {
		r_leaf(w, "EventID", b, strlen(b));
	}
	snprintf(b, sizeof(b), "%u", ev->version);
	r_leaf(w, "Version", b, strlen(b));
	snprintf(b, sizeof(b), "%u", ev->level);
	r_leaf(w, "Level", b, strlen(b));
	snprintf(b, sizeof(b), "%u", ev->task);
	r_leaf(w, "Task", b, strlen(b));
	snprintf(b, sizeof(b), "%u", ev->opcode);
	r_leaf(w, "Opcode", b, strlen(b));
	snprintf(b, sizeof(b), "0x%016llx", (unsigned long long)ev->keywords);
	r_leaf(w, "Keywords", b, strlen(b));
	{
		struct hc_evtxw_value tv = {.type = HC_EVTXW_T_FILETIME, .u = ev->time};
		hc_evtxw_value_text(&tv, b, sizeof(b));
		const char *an[] = {"SystemTime"}, *av[] = {b};
		r_attrs(w, "TimeCreated", an, av, 1);
	}
	snprintf(b, sizeof(b), "%llu",
	         (unsigned long long)(ev->source_record_id ? ev->source_record_id : ev->record_id));
	r_leaf(w, "EventRecordID", b, strlen(b));
	r_attrs(w, "Correlation", NULL, NULL, 0);
	{
		char pid[16], tid[16];
		snprintf(pid, sizeof(pid), "%u", ev->process_id);
		snprintf(tid, sizeof(tid), "%u", ev->thread_id);
		const char *an[] = {"ProcessID", "ThreadID"}, *av[] = {pid, tid};
		r_attrs(w, "Execution", an, av, 2);
	}
	r_leaf(w, "Channel", ev->channel, strlen(ev->channel));
	r_leaf(w, "Computer", ev->computer, strlen(ev->computer));
	{
		char sid[200];
		const char *an[] = {"UserID"}, *av[] = {NULL};
		if (ev->user_id && ev->user_id->type == HC_EVTXW_T_SID) {
			hc_evtxw_value_text(ev->user_id, sid, sizeof(sid));
			av[0] = sid;
		}
		r_attrs(w, "Security", an, av, 1);
	}
	put_u8(w, TOK_END);
	r_done(w, sys);
}

/* A rendered record's EventData: one <Data Name> per field, its value as
 * text (an empty value: an empty element). */
static void rendered_event_data(struct hc_evtxw *w, const struct hc_evtxw_event *ev)
{
	const struct hc_evtxw_datatpl *t = ev->data;
	uint32_t ed, al;
	char b[256];

	ed = r_open(w, "EventData", ELEM_PLAIN);
	put_u8(w, TOK_CLOSE_START);
	for (size_t i = 0; i < t->nfields; i++) {
		const struct hc_evtxw_value *v = &ev->values[i];
		uint32_t d = r_open(w, "Data", ELEM_ATTRS);
		al = attrs_begin(w);
		attr(w, "Name", ATTR_LAST);
		r_text(w, t->fields[i].name, strlen(t->fields[i].name));
		attrs_end(w, al);
		if (v->type == HC_EVTXW_T_STRING) {
			if (v->len) {
				put_u8(w, TOK_CLOSE_START);
				r_text(w, v->str, v->len);
				put_u8(w, TOK_END);
			} else {
				put_u8(w, TOK_CLOSE_EMPTY);
			}
		} else {
			size_t n = hc_evtxw_value_text(v, b, sizeof(b));
			if (n) {
				put_u8(w, TOK_CLOSE_START);
				r_text(w, b, n);
				put_u8(w, TOK_END);
			} else {
				put_u8(w, TOK_CLOSE_EMPTY);
			}
		}
		r_done(w, d);
	}
	put_u8(w, TOK_END);
	r_done(w, ed);
}

/* RenderingInfo: what the collector's rendering adds (no message text
 * here: that would need the publisher's message tables). */
static void rendered_info(struct hc_evtxw *w, const struct hc_evtxw_event *ev)
{
	uint32_t ri, al;

	ri = r_open(w, "RenderingInfo", ELEM_ATTRS);
	al = attrs_begin(w);
	attr(w, "Culture", ATTR_LAST);
	r_text(w, "en-US", 5);
	attrs_end(w, al);
	put_u8(w, TOK_CLOSE_START);
	r_leaf(w, "Level", "Information", 11);
	r_leaf(w, "Channel", ev->channel, strlen(ev->channel));
	r_leaf(w, "Provider", "Microsoft Windows security auditing.", 36);
	{
		uint32_t k = r_open(w, "Keywords", ELEM_PLAIN);
		const char *kw = ev->keywords & (1ULL << 52) ? "Audit Failure" : "Audit Success";
		put_u8(w, TOK_CLOSE_START);
		r_leaf(w, "Keyword", kw, strlen(kw));
		put_u8(w, TOK_END);
		r_done(w, k);
	}
	put_u8(w, TOK_END);
	r_done(w, ri);
}

/* A record as Windows Event Forwarding stores a rendered event (README.md). */
static void encode_rendered(struct hc_evtxw *w, const struct hc_evtxw_event *ev)
{
	uint32_t rec = w->pos, e, al;

	put(w, "**\0\0", 4);
	put_u32(w, 0);
	put_u64(w, ev->record_id);
	put_u64(w, ev->time);
	fragment(w);
	e = r_open(w, "Event", ELEM_ATTRS);
	al = attrs_begin(w);
	attr(w, "xmlns", ATTR_LAST);
	r_text(w, EVENT_NS, strlen(EVENT_NS));
	attrs_end(w, al);
	put_u8(w, TOK_CLOSE_START);

	rendered_system(w, ev);
	rendered_event_data(w, ev);
	rendered_info(w, ev);

	put_u8(w, TOK_END);
	r_done(w, e);
	put_u8(w, TOK_EOF);
	while (!w->full && (w->pos - rec + 4) % 8 != 0)
		put_u8(w, 0);
	put_u32(w, w->pos + 4 - rec);
	patch_u32(w, rec + 4, w->pos - rec);
}

/* ---- chunks and file ---- */

static void chunk_reset(struct hc_evtxw *w)
{
	for (size_t i = 0; i < w->ntpls; i++)
		free(w->tpls[i].computer);
	w->ntpls = 0;
	w->nnames = 0;
	memset(w->chunk, 0, HC_EVTXW_CHUNK_HEADER_SIZE);
	w->pos = HC_EVTXW_CHUNK_HEADER_SIZE;
	w->full = 0;
	w->chunk_nrec = 0;
	w->last_rec_off = 0;
}

static int chunk_flush(struct hc_evtxw *w, struct hc_evtxw_diag *diag)
{
	uint8_t *c = w->chunk;
	uint32_t crc;

	if (w->chunk_nrec == 0)
		return 0;
	if (w->nchunks == HC_EVTXW_MAX_CHUNKS) {
		diag_set(diag, "%s: more than %d chunks", w->path, HC_EVTXW_MAX_CHUNKS);
		return HC_EVTXW_E_TOOBIG;
	}
	memset(c + w->pos, 0, HC_EVTXW_CHUNK_SIZE - w->pos);
	memcpy(c, "ElfChnk", 8);
	wr_u64(c + 8, w->chunk_first_num);
	wr_u64(c + 16, w->chunk_first_num + w->chunk_nrec - 1);
	wr_u64(c + 24, w->chunk_first_id);
	wr_u64(c + 32, w->chunk_last_id);
	wr_u32(c + 40, 128);
	wr_u32(c + 44, w->last_rec_off);
	wr_u32(c + 48, w->pos);
	wr_u32(c + 52, hc_evtxw_crc32(0, c + HC_EVTXW_CHUNK_HEADER_SIZE,
	                              w->pos - HC_EVTXW_CHUNK_HEADER_SIZE));
	memset(c + 56, 0, 64);
	wr_u32(c + 120, 1); /* every chunk Windows closes carries flag 1 here */
	crc = hc_evtxw_crc32(0, c, 120);
	crc = hc_evtxw_crc32(crc, c + 128, HC_EVTXW_CHUNK_HEADER_SIZE - 128);
	wr_u32(c + 124, crc);
	if (fwrite(c, 1, HC_EVTXW_CHUNK_SIZE, w->fp) != HC_EVTXW_CHUNK_SIZE) {
		diag_set(diag, "%s: write failed: %s", w->path, strerror(errno));
		return HC_EVTXW_E_IO;
	}
	w->nchunks++;
	chunk_reset(w);
	return 0;
}

int hc_evtxw_open(const char *path, struct hc_evtxw **ret, struct hc_evtxw_diag *diag)
{
	static const uint8_t zero[HC_EVTXW_FILE_HEADER_SIZE];
	struct hc_evtxw *w = NULL;
	int r = HC_EVTXW_E_NOMEM;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto fail;
	w->path = strdup(path);
	w->iobuf = malloc(1 << 20);
	if (w->path == NULL || w->iobuf == NULL)
		goto fail;
	w->fp = fopen(path, "wb");
	if (w->fp == NULL) {
		diag_set(diag, "%s: cannot create: %s", path, strerror(errno));
		r = HC_EVTXW_E_IO;
		goto fail;
	}
	setvbuf(w->fp, w->iobuf, _IOFBF, 1 << 20);
	if (fwrite(zero, 1, sizeof(zero), w->fp) != sizeof(zero)) {
		diag_set(diag, "%s: write failed: %s", path, strerror(errno));
		r = HC_EVTXW_E_IO;
		goto fail;
	}
	w->next_num = 1;
	chunk_reset(w);
	*ret = w;
	return 0;
fail:
	if (r == HC_EVTXW_E_NOMEM)
		diag_set(diag, "out of memory");
	hc_evtxw_free(w);
	return r;
}

static void rollback(struct hc_evtxw *w, uint32_t rec, size_t nnames, size_t ntpls)
{
	if (w->saved)
		memcpy(w->chunk + 128, w->saved_tables, sizeof(w->saved_tables));
	for (size_t i = ntpls; i < w->ntpls; i++)
		free(w->tpls[i].computer);
	w->ntpls = ntpls;
	w->nnames = nnames;
	w->pos = rec;
	w->full = 0;
}

int hc_evtxw_add(struct hc_evtxw *w, const struct hc_evtxw_event *ev, struct hc_evtxw_diag *diag)
{
	int r;

	if (ev->data == NULL || ev->data->nfields > HC_EVTXW_MAX_FIELDS ||
	    (ev->data->nfields > 0 && ev->values == NULL)) {
		diag_set(diag, "record %llu: bad EventData description",
		         (unsigned long long)ev->record_id);
		return HC_EVTXW_E_INVAL;
	}
	if (ev->computer == NULL || strlen(ev->computer) > HC_EVTXW_MAX_COMPUTER ||
	    ev->provider_name == NULL || ev->channel == NULL) {
		diag_set(diag, "record %llu: missing or oversized System text",
		         (unsigned long long)ev->record_id);
		return HC_EVTXW_E_INVAL;
	}
	if (w->have_id && ev->record_id <= w->last_id) {
		diag_set(diag, "record id %llu does not increase (last %llu)",
		         (unsigned long long)ev->record_id, (unsigned long long)w->last_id);
		return HC_EVTXW_E_INVAL;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		uint32_t rec = w->pos;
		size_t nnames = w->nnames, ntpls = w->ntpls;

		w->saved = 0;
		w->bad = 0;
		if (ev->rendered)
			encode_rendered(w, ev);
		else
			encode_event(w, ev);
		/* libevtx 20181227 drops a record that ends exactly at the end of
		 * the chunk; Windows never fills a chunk to the last byte either. */
		if (w->pos > HC_EVTXW_CHUNK_SIZE - HC_EVTXW_CHUNK_SLACK)
			w->full = 1;
		if (w->bad) {
			rollback(w, rec, nnames, ntpls);
			diag_set(diag, "record %llu: %s", (unsigned long long)ev->record_id,
			         w->bad_msg);
			return HC_EVTXW_E_INVAL;
		}
		if (!w->full) {
			if (w->chunk_nrec == 0) {
				w->chunk_first_num = w->next_num;
				w->chunk_first_id = ev->record_id;
			}
			w->chunk_nrec++;
			w->chunk_last_id = ev->record_id;
			w->last_rec_off = rec;
			w->next_num++;
			w->last_id = ev->record_id;
			w->have_id = 1;
			return 0;
		}
		rollback(w, rec, nnames, ntpls);
		if (w->chunk_nrec == 0)
			break;
		r = chunk_flush(w, diag);
		if (r < 0)
			return r;
	}
	diag_set(diag, "record %llu does not fit in a 64 KiB chunk",
	         (unsigned long long)ev->record_id);
	return HC_EVTXW_E_TOOBIG;
}

int hc_evtxw_close(struct hc_evtxw *w, struct hc_evtxw_diag *diag)
{
	uint8_t h[128];
	int r;

	if (w == NULL)
		return 0;
	r = chunk_flush(w, diag);
	if (r < 0)
		goto out;
	memset(h, 0, sizeof(h));
	memcpy(h, "ElfFile", 8);
	wr_u64(h + 8, 0);
	wr_u64(h + 16, w->nchunks > 0 ? w->nchunks - 1 : 0);
	wr_u64(h + 24, w->have_id ? w->last_id + 1 : 1);
	wr_u32(h + 32, 128);
	wr_u16(h + 36, 1); /* minor version */
	wr_u16(h + 38, 3); /* major version */
	wr_u16(h + 40, HC_EVTXW_FILE_HEADER_SIZE);
	wr_u16(h + 42, (uint16_t)w->nchunks);
	wr_u32(h + 120, 0); /* clean, not full */
	wr_u32(h + 124, hc_evtxw_crc32(0, h, 120));
	if (fflush(w->fp) != 0 || fseek(w->fp, 0, SEEK_SET) != 0 ||
	    fwrite(h, 1, sizeof(h), w->fp) != sizeof(h) || fflush(w->fp) != 0) {
		diag_set(diag, "%s: write failed: %s", w->path, strerror(errno));
		r = HC_EVTXW_E_IO;
		goto out;
	}
out:
	if (fclose(w->fp) != 0 && r == 0) {
		diag_set(diag, "%s: close failed: %s", w->path, strerror(errno));
		r = HC_EVTXW_E_IO;
	}
	w->fp = NULL;
	hc_evtxw_free(w);
	return r;
}

void hc_evtxw_free(struct hc_evtxw *w)
{
	if (w == NULL)
		return;
	if (w->fp != NULL)
		fclose(w->fp);
	for (size_t i = 0; i < w->ntpls; i++)
		free(w->tpls[i].computer);
	free(w->iobuf);
	free(w->path);
	free(w);
}

/* The BinXML decoder of the native EVTX reader. Values are rendered as
 * libevtx 20181227 renders them and the fields are picked as xmlscan.c picks
 * them from libevtx's XML, so both readers give the same events. Two ways
 * through a record: a plan learned once per template and chunk (where the
 * System values and each EventData Name sit among the substitutions), which
 * reads only the substitution values a wanted record needs; and a general
 * walk of the token tree for everything a plan does not describe (records
 * without a template, RenderingInfo, arrays, UserData, odd templates). */
#include "evtx_int.h"
#include "../base/hash.h"
#include "../base/utf8.h"
#include "../base/civil.h"
#include "../base/cnum.h"

#include <stdio.h>
#include <stdlib.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <string.h>

/* BinXML tokens (without the 0x40 "more" flag). */
enum {
	T_EOF = 0x00,
	T_OPEN = 0x01,
	T_CLOSE_START = 0x02,
	T_CLOSE_EMPTY = 0x03,
	T_END = 0x04,
	T_VALUE = 0x05,
	T_ATTR = 0x06,
	T_CDATA = 0x07,
	T_CHARREF = 0x08,
	T_ENTREF = 0x09,
	T_PITARGET = 0x0a,
	T_PIDATA = 0x0b,
	T_TEMPLATE = 0x0c,
	T_SUBST = 0x0d,
	T_OPTSUBST = 0x0e,
	T_FRAGMENT = 0x0f,
};

/* Value types. */
enum {
	V_NULL = 0x00,
	V_STRING = 0x01,
	V_ANSI = 0x02,
	V_INT8 = 0x03,
	V_UINT8 = 0x04,
	V_INT16 = 0x05,
	V_UINT16 = 0x06,
	V_INT32 = 0x07,
	V_UINT32 = 0x08,
	V_INT64 = 0x09,
	V_UINT64 = 0x0a,
	V_REAL32 = 0x0b,
	V_REAL64 = 0x0c,
	V_BOOL = 0x0d,
	V_BINARY = 0x0e,
	V_GUID = 0x0f,
	V_SIZE = 0x10,
	V_FILETIME = 0x11,
	V_SYSTIME = 0x12,
	V_SID = 0x13,
	V_HEX32 = 0x14,
	V_HEX64 = 0x15,
	V_BINXML = 0x21,
	V_ARRAY = 0x80,
};

/* What a name means to the extraction. */
enum {
	K_OTHER,
	K_SYSTEM,
	K_EVENTID,
	K_VERSION,
	K_TIMECREATED,
	K_RECORDID,
	K_COMPUTER,
	K_CHANNEL,
	K_PROVIDER,
	K_EVENTDATA,
	K_USERDATA,
	K_DATA,
	K_A_NAME,       /* attribute Name */
	K_A_SYSTEMTIME, /* attribute SystemTime */
};

/* System values a record gives. */
enum { S_EVENTID, S_VERSION, S_TIME, S_RECORDID, S_COMPUTER, S_CHANNEL, S_PROVIDER, NSYS };

struct hc_bx_name {
	uint32_t key; /* chunk offset + 1; 0 = empty */
	uint32_t gen;
	uint32_t text; /* offset in bx->name_text */
	uint32_t disk; /* bytes the name takes inline (8 + 2 * count + 2) */
	uint16_t len;
	uint8_t kind;
};
#define NAME_SLOTS (2 * HC_MAX_BX_NAMES)

/* --- buffers ---------------------------------------------------------- */

/* Text of one record: a hostile record is cut (HC_MAX_BX_TEXT), the
 * buffer itself never grows past four times that. */
#define HC_MAX_BX_BUF ((size_t)HC_MAX_BX_TEXT * 4)

static int buf_reserve(struct hc_buf *b, size_t more)
{
	return hc_buf_reserve(b, more, HC_MAX_BX_BUF);
}

/* buf_reserve would return 0 without growing */
static inline bool buf_room(const struct hc_buf *b, size_t more)
{
	return b->cap - b->len >= more && b->len + more <= HC_MAX_BX_BUF;
}

/* Each type's renderer stays out of line: render dispatches to them in tail
 * calls, and inlined they would make it save six registers per value. */
#define HC_RENDERER __attribute__((noinline))

static int buf_put(struct hc_buf *b, const void *p, size_t n)
{
	return hc_buf_add(b, p, n, HC_MAX_BX_BUF);
}

/* --- value rendering (libevtx 20181227: libfvalue, libfdatetime, libfwnt) */

/* Four UTF-16LE units in x: is each 1..0x7f? */
static inline bool ascii4(uint64_t x)
{
	return !(x & UINT64_C(0xff80ff80ff80ff80)) &&
	       !((x - UINT64_C(0x0001000100010001)) & ~x & UINT64_C(0x8000800080008000));
}

#ifdef __SSE2__
/* The same of eight units. */
static inline bool ascii8(__m128i x)
{
	__m128i bad = _mm_or_si128(
	    _mm_cmpeq_epi16(x, _mm_setzero_si128()),
	    _mm_cmpgt_epi16(_mm_and_si128(x, _mm_set1_epi16((short)0xff80)), _mm_setzero_si128()));
	/* 0x8000 and above are negative to cmpgt: and them apart */
	bad = _mm_or_si128(bad, _mm_srai_epi16(x, 15));
	return !_mm_movemask_epi8(bad);
}
#endif

/* Four ASCII units (ascii4) as four bytes. */
static inline uint32_t pack4(uint64_t x)
{
	return (uint32_t)((x & 0x7f) | ((x >> 8) & 0x7f00) | ((x >> 16) & 0x7f0000) |
	                  ((x >> 24) & 0x7f000000));
}

/* UTF-16LE -> UTF-8 as libuna reads a string value: a leading byte order
 * mark is dropped, NUL ends the string, an unpaired surrogate becomes U+FFFD
 * (a high one takes the unit after it along, as libuna does). Surrogate
 * pairs are decoded correctly (libuna 20181227 is off by 0x3ff there).
 * Output is capped at HC_MAX_FIELD_LEN bytes, never cutting a character. */
HC_RENDERER static int utf16_put(struct hc_buf *b, const uint8_t *p, size_t size, bool *cut)
{
	size_t n = size / 2, i = 0, start;
	int rc;

	if ((rc = buf_reserve(b, (n < HC_MAX_FIELD_LEN ? n : HC_MAX_FIELD_LEN) * 3 + 8)) < 0)
		return rc;
	start = b->len;
	if (n && (hc_le16(p) == 0xFEFF || hc_le16(p) == 0xFFFE))
		i = 1;
	for (; i < n; i++) {
#ifdef __SSE2__
		/* eight ASCII units (1..0x7f) at a time, the usual case */
		while (i + 8 <= n && b->len - start + 8 <= HC_MAX_FIELD_LEN) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
			if (!ascii8(x))
				break;
			_mm_storel_epi64((__m128i *)(void *)(b->p + b->len),
			                 _mm_packus_epi16(x, x));
			b->len += 8;
			i += 8;
		}
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* four ASCII units (1..0x7f) at a time, the usual case */
		while (i + 4 <= n && b->len - start + 4 <= HC_MAX_FIELD_LEN) {
			uint64_t x;
			memcpy(&x, p + 2 * i, 8);
			if (!ascii4(x))
				break;
			uint32_t four = pack4(x);
			memcpy(b->p + b->len, &four, 4);
			b->len += 4;
			i += 4;
		}
		if (i >= n)
			break;
#endif
		uint32_t cp = hc_le16(p + 2 * i);
		char enc[4];
		size_t k;
		if (cp - 1 < 0x7f) {
			/* ASCII, the usual case: room was reserved above */
			if (b->len - start >= HC_MAX_FIELD_LEN) {
				*cut = true;
				break;
			}
			b->p[b->len++] = (char)cp;
			continue;
		}
		if (cp == 0)
			break;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (i + 1 >= n) {
				cp = 0xFFFD;
			} else {
				uint32_t lo = hc_le16(p + 2 * (i + 1));
				i++;
				if (lo >= 0xDC00 && lo <= 0xDFFF)
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				else
					cp = 0xFFFD;
			}
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			cp = 0xFFFD;
		}
		k = hc_utf8_put(enc, cp);
		if (b->len - start + k > HC_MAX_FIELD_LEN) {
			*cut = true;
			break;
		}
		if (b->len + k + 1 > b->cap && (rc = buf_reserve(b, 64)) < 0)
			return rc;
		memcpy(b->p + b->len, enc, k);
		b->len += k;
	}
	return HC_OK;
}

/* Windows-1252, libevtx's default codepage for ANSI strings: 0x80-0x9F. */
static const uint16_t cp1252[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

HC_RENDERER static int ansi_put(struct hc_buf *b, const uint8_t *p, size_t size, bool *cut)
{
	size_t start;
	int rc;

	if ((rc = buf_reserve(b, (size < HC_MAX_FIELD_LEN ? size : HC_MAX_FIELD_LEN) * 3 + 8)) < 0)
		return rc;
	start = b->len;
	for (size_t i = 0; i < size && p[i]; i++) {
		uint32_t cp = p[i] >= 0x80 && p[i] < 0xA0 ? cp1252[p[i] - 0x80] : p[i];
		char enc[4];
		size_t k = hc_utf8_put(enc, cp);
		if (b->len - start + k > HC_MAX_FIELD_LEN) {
			*cut = true;
			break;
		}
		memcpy(b->p + b->len, enc, k);
		b->len += k;
	}
	return HC_OK;
}

/* libfvalue's decimal integers: signed values are printed sign and
 * magnitude of the bits below the sign bit (0xFF as int8 is "-127"). */
HC_RENDERER static int int_put(struct hc_buf *b, uint64_t v, unsigned bits, bool is_signed)
{
	char tmp[24], *e = tmp + sizeof(tmp), *q;
	bool neg = false;

	if (is_signed && (v >> (bits - 1)) & 1) {
		v &= ~((uint64_t)1 << (bits - 1));
		if (v == 0)
			v = (uint64_t)1 << (bits - 1);
		neg = true;
	}
	q = hc_dec_end(e, v);
	if (neg)
		*--q = '-';
	return buf_put(b, q, (size_t)(e - q));
}

static const char hexdig[] = "0123456789abcdef", HEXDIG[] = "0123456789ABCDEF";

/* "0x" and the bits / 4 lower-case hex digits of v (bits 32 or 64: the
 * hex integer types), eight digits at a time: the nibbles of 32 bits
 * spread one to a byte, a digit each made by adding '0', or 'a' - 10 to
 * those over 9 ((d + 6) & 0x10), the bytes turned most significant first. */
HC_RENDERER static int hex_put(struct hc_buf *b, uint64_t v, unsigned bits)
{
	char tmp[2 + 16] = {'0', 'x'};
	unsigned n = bits / 4;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n == 8 || n == 16) {
		for (unsigned k = 0; k < n / 8; k++) {
			uint64_t y = (uint32_t)(v >> (bits - 32 * (k + 1)));
			y = ((y & 0xffff0000) << 16) | (y & 0xffff);
			y = ((y & UINT64_C(0x0000ff000000ff00)) << 8) |
			    (y & UINT64_C(0x000000ff000000ff));
			y = ((y & UINT64_C(0x00f000f000f000f0)) << 4) |
			    (y & UINT64_C(0x000f000f000f000f));
			uint64_t over9 = ((y + UINT64_C(0x0606060606060606)) >> 4) &
			                 UINT64_C(0x0101010101010101);
			y = __builtin_bswap64(y + UINT64_C(0x3030303030303030) +
			                      over9 * ('a' - '0' - 10));
			memcpy(tmp + 2 + 8 * k, &y, 8);
		}
		return buf_put(b, tmp, 2 + n);
	}
#endif
	for (unsigned i = 0; i < n && i < 16; i++)
		tmp[2 + i] = hexdig[(v >> (4 * (n - 1 - i))) & 15];
	return buf_put(b, tmp, 2 + (n < 16 ? n : 16));
}

/* libfvalue's floating point text: d.dddddde[+-]ddd computed its own way,
 * Inf, Ind and NaN without sign. */
HC_RENDERER static int real_put(struct hc_buf *b, uint64_t raw, unsigned bits)
{
	char tmp[32];
	size_t n = 0;
	unsigned shift = bits - 1;
	bool neg = (raw >> shift) & 1;
	int e2 = 0;
	double f = 0.0;

	if (neg)
		raw &= ~((uint64_t)1 << shift);
	if (bits == 32) {
		if (raw == 0x7f800000u)
			return buf_put(b, "Inf", 3);
		if (neg && raw == 0x7fc00000u)
			return buf_put(b, "Ind", 3);
		if (raw >= 0x7f800001u && raw <= 0x7fffffffu)
			return buf_put(b, "NaN", 3);
		if (raw) {
			float x;
			uint32_t r32 = (uint32_t)raw;
			memcpy(&x, &r32, 4);
			f = x;
			e2 = (int)(raw >> 23);
			e2 = e2 == 0 ? -126 : e2 - 127;
		}
	} else {
		if (raw == UINT64_C(0x7ff0000000000000))
			return buf_put(b, "Inf", 3);
		if (neg && raw == UINT64_C(0x7ff8000000000000))
			return buf_put(b, "Ind", 3);
		if (raw >= UINT64_C(0x7ff0000000000001))
			return buf_put(b, "NaN", 3);
		if (raw) {
			memcpy(&f, &raw, 8);
			e2 = (int)(raw >> 52);
			e2 = e2 == 0 ? -1023 : e2 - 1023;
		}
	}
	if (neg)
		tmp[n++] = '-';
	char esign = e2 < 0 ? '-' : '+';
	if (e2 < 0)
		e2 = -e2;
	double ev = 1.0;
	int e10 = 0;
	while (e2 > 0) {
		ev *= 2;
		e2--;
		if (ev >= 10.0) {
			ev /= 10.0;
			e10++;
			f = esign == '-' ? f * 10.0 : f / 10.0;
		}
	}
	if (f != 0.0) {
		for (int guard = 0; (f < 1.0 || f >= 10.0) && guard < 700; guard++) {
			e10++;
			f = esign == '-' ? f * 10 : f / 10;
		}
	}
	uint64_t frac = 0;
	for (int i = 0; i < 7; i++) {
		frac = frac * 10 + (uint8_t)f;
		f -= (uint8_t)f;
		f *= 10.0;
	}
	if (f >= 5.0)
		frac++;
	uint64_t div = 1000000;
	for (int i = 0; i < 7; i++) {
		tmp[n++] = (char)('0' + (uint8_t)(frac / div));
		if (i == 0)
			tmp[n++] = '.';
		frac %= div;
		div /= 10;
	}
	tmp[n++] = 'e';
	tmp[n++] = esign;
	e10 = (int16_t)e10;
	for (int div10 = 100; div10; div10 /= 10) {
		tmp[n++] = (char)('0' + (uint8_t)(e10 / div10));
		e10 %= div10;
	}
	return buf_put(b, tmp, n);
}

HC_RENDERER static int filetime_put(struct hc_buf *b, uint64_t ft)
{
	char tmp[48];
	uint64_t secs = ft / 10000000u, frac = ft % 10000000u;
	int64_t y;
	unsigned mo, d;

	hc_civil_from_days((int64_t)(secs / 86400), &y, &mo, &d);
	int n = snprintf(tmp, sizeof(tmp), "%04lld-%02u-%02uT%02u:%02u:%02u.%09lluZ", (long long)y,
	                 mo, d, (unsigned)(secs % 86400 / 3600), (unsigned)(secs % 3600 / 60),
	                 (unsigned)(secs % 60), (unsigned long long)frac * 100);
	return buf_put(b, tmp, (size_t)n);
}

HC_RENDERER static int systime_put(struct hc_buf *b, const uint8_t *p)
{
	unsigned y = hc_le16(p), mo = hc_le16(p + 2), d = hc_le16(p + 6), h = hc_le16(p + 8),
	         mi = hc_le16(p + 10), s = hc_le16(p + 12), ms = hc_le16(p + 14);
	char tmp[48];

	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 || ms > 999 ||
	    y > 9999)
		return HC_ERR_RECORD;
	int n = snprintf(tmp, sizeof(tmp), "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", y, mo, d, h, mi,
	                 s, ms);
	return buf_put(b, tmp, (size_t)n);
}

HC_RENDERER static int guid_put(struct hc_buf *b, const uint8_t *p)
{
	/* Data1-3 little-endian, then bytes 8-15 as they are */
	static const signed char order[] = {3,  2, 1, 0,  -1, 5,  4,  -1, 7,  6,
	                                    -1, 8, 9, -1, 10, 11, 12, 13, 14, 15};
	char tmp[38], *q = tmp;

	*q++ = '{';
	for (size_t i = 0; i < sizeof(order); i++) {
		if (order[i] < 0) {
			*q++ = '-';
			continue;
		}
		*q++ = HEXDIG[p[order[i]] >> 4];
		*q++ = HEXDIG[p[order[i]] & 15];
	}
	*q++ = '}';
	return buf_put(b, tmp, (size_t)(q - tmp));
}

HC_RENDERER static int sid_put(struct hc_buf *b, const uint8_t *p, size_t size)
{
	/* "S-" 3 + "-" 20 + 15 x ("-" 10) digits at most, written backwards */
	char tmp[200], *e = tmp + sizeof(tmp), *q = e;
	uint64_t auth = 0;
	unsigned n;

	if (size < 8 || (n = p[1]) > 15 || size < 8 + 4u * n)
		return HC_ERR_RECORD;
	for (int i = 0; i < 6; i++)
		auth = auth << 8 | p[2 + i];
	for (unsigned i = n; i-- > 0;) {
		q = hc_dec_end(q, hc_le32(p + 8 + 4 * i));
		*--q = '-';
	}
	q = hc_dec_end(q, auth);
	*--q = '-';
	q = hc_dec_end(q, p[0]);
	*--q = '-';
	*--q = 'S';
	return buf_put(b, q, (size_t)(e - q));
}

HC_RENDERER static int binary_put(struct hc_buf *b, const uint8_t *p, size_t size, bool *cut)
{
	const char *hex = HEXDIG;
	size_t n = size;
	int rc;

	if (n * 2 > HC_MAX_FIELD_LEN) {
		n = HC_MAX_FIELD_LEN / 2;
		*cut = true;
	}
	if ((rc = buf_reserve(b, n * 2 + 1)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		b->p[b->len++] = hex[p[i] >> 4];
		b->p[b->len++] = hex[p[i] & 15];
	}
	return HC_OK;
}

static inline uint64_t uint_of(const uint8_t *p, size_t size)
{
	switch (size) {
	case 1:
		return p[0];
	case 2:
		return hc_le16(p);
	case 4:
		return hc_le32(p);
	default:
		return hc_le64(p);
	}
}

/* Appends the text of one value (no NUL). */
static int render(uint8_t type, const uint8_t *p, size_t size, struct hc_buf *b, bool *cut)
{
	static const uint8_t width[] = {
	    [V_INT8] = 1,   [V_UINT8] = 1,    [V_INT16] = 2,    [V_UINT16] = 2, [V_INT32] = 4,
	    [V_UINT32] = 4, [V_INT64] = 8,    [V_UINT64] = 8,   [V_REAL32] = 4, [V_REAL64] = 8,
	    [V_GUID] = 16,  [V_FILETIME] = 8, [V_SYSTIME] = 16, [V_HEX32] = 4,  [V_HEX64] = 8,
	};

	if (type < sizeof(width) && width[type] && size != width[type])
		return HC_ERR_RECORD;
	switch (type) {
	case V_NULL:
		return HC_OK;
	case V_STRING:
		return utf16_put(b, p, size, cut);
	case V_ANSI:
		return ansi_put(b, p, size, cut);
	case V_INT8:
	case V_INT16:
	case V_INT32:
	case V_INT64:
		return int_put(b, uint_of(p, size), (unsigned)size * 8, true);
	case V_UINT8:
	case V_UINT16:
	case V_UINT32:
	case V_UINT64:
		return int_put(b, uint_of(p, size), (unsigned)size * 8, false);
	case V_REAL32:
	case V_REAL64:
		return real_put(b, uint_of(p, size), (unsigned)size * 8);
	case V_BOOL:
		if (size < 1 || size > 8)
			return HC_ERR_RECORD;
		{
			bool t = false;
			for (size_t i = 0; i < size; i++)
				t |= p[i] != 0;
			return t ? buf_put(b, "true", 4) : buf_put(b, "false", 5);
		}
	case V_BINARY:
		return binary_put(b, p, size, cut);
	case V_GUID:
		return guid_put(b, p);
	case V_SIZE:
		if (size != 4 && size != 8)
			return HC_ERR_RECORD;
		return int_put(b, uint_of(p, size), (unsigned)size * 8, false);
	case V_FILETIME:
		return filetime_put(b, hc_le64(p));
	case V_SYSTIME:
		return systime_put(b, p);
	case V_SID:
		return sid_put(b, p, size);
	case V_HEX32:
	case V_HEX64:
		return hex_put(b, uint_of(p, size), (unsigned)size * 8);
	default:
		return HC_ERR_RECORD;
	}
}

/* The usual string value, short and plain ASCII (each unit 1..0x7f, so no
 * byte order mark, NUL, surrogate or cap to mind): its text and NUL
 * appended, in a few loads that overlap at the end rather than a loop
 * over the last units. false: not that (nothing appended; utf16_put
 * decides). Never reads outside p[0..size). ascii_fill: the n units at p,
 * with room for n + 1 bytes in b; ascii_value makes the room. */
static inline __attribute__((always_inline)) bool ascii_fill(struct hc_buf *b, const uint8_t *p,
                                                             size_t n)
{
	char *o = b->p + b->len;

	if (n >= 8) {
#ifdef __SSE2__
		for (size_t i = 0;; i += 8) {
			if (i + 8 > n)
				i = n - 8; /* the last eight, overlapping */
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
			if (!ascii8(x))
				return false;
			_mm_storel_epi64((__m128i *)(void *)(o + i), _mm_packus_epi16(x, x));
			if (i + 8 == n)
				break;
		}
#else
		return false;
#endif
	} else if (n >= 4) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		uint64_t a, z;
		memcpy(&a, p, 8);
		memcpy(&z, p + 2 * n - 8, 8);
		if (!ascii4(a) || !ascii4(z))
			return false;
		uint32_t a4 = pack4(a), z4 = pack4(z);
		memcpy(o + n - 4, &z4, 4);
		memcpy(o, &a4, 4);
#else
		return false;
#endif
	} else {
		for (size_t i = 0; i < n; i++) {
			uint16_t u = hc_le16(p + 2 * i);
			if (u - 1u >= 0x7f)
				return false;
			o[i] = (char)u;
		}
	}
	o[n] = '\0';
	b->len += n + 1;
	return true;
}

/* ascii_value's growing path, out of line (a call in it would have
 * registers saved on every value) */
HC_RENDERER static bool ascii_value_grown(struct hc_buf *b, const uint8_t *p, size_t n)
{
	return buf_reserve(b, n + 1) == 0 && ascii_fill(b, p, n);
}

/* The units of a string value of `size` bytes at p that ascii_fill is
 * asked for: all but a last NUL, which many values carry (utf16_put stops
 * at a NUL, so the text is the same). */
static inline size_t ascii_units(const uint8_t *p, size_t size)
{
	size_t n = size / 2;

	return n && !p[2 * n - 2] && !p[2 * n - 1] ? n - 1 : n;
}

static bool ascii_value(struct hc_buf *b, const uint8_t *p, size_t size)
{
	size_t n = ascii_units(p, size);

	if (n > 256)
		return false;
	if (!buf_room(b, n + 1))
		return ascii_value_grown(b, p, n);
	return ascii_fill(b, p, n);
}

/* hc_bx_render, inline where the planned path renders its values. */
static inline int bx_render(uint8_t type, const uint8_t *p, size_t size, struct hc_buf *b,
                            bool *cut)
{
	if (type == V_STRING && ascii_value(b, p, size))
		return HC_OK;
	int rc = render(type, p, size, b, cut);

	if (rc == HC_OK)
		rc = buf_put(b, "", 1);
	return rc;
}

int hc_bx_render(uint8_t type, const uint8_t *p, size_t size, struct hc_buf *b, bool *cut)
{
	return bx_render(type, p, size, b, cut);
}

/* Size of one item of an array of `type` starting at p (size bytes left),
 * or 0 when the type has no array form libevtx renders. */
static size_t array_item(uint8_t type, const uint8_t *p, size_t size)
{
	static const uint8_t width[] = {
	    [V_INT8] = 1,   [V_UINT8] = 1,    [V_INT16] = 2,    [V_UINT16] = 2, [V_INT32] = 4,
	    [V_UINT32] = 4, [V_INT64] = 8,    [V_UINT64] = 8,   [V_REAL32] = 4, [V_REAL64] = 8,
	    [V_GUID] = 16,  [V_FILETIME] = 8, [V_SYSTIME] = 16, [V_HEX32] = 4,  [V_HEX64] = 8,
	};
	size_t i;

	type &= 0x7f;
	if (type == V_STRING) {
		for (i = 0; i + 1 < size; i += 2)
			if (!p[i] && !p[i + 1])
				return i + 2;
		return size;
	}
	if (type == V_ANSI) {
		for (i = 0; i < size; i++)
			if (!p[i])
				return i + 1;
		return size;
	}
	if (type < sizeof(width) && width[type])
		return width[type];
	return 0;
}

/* --- names and templates of a chunk ------------------------------------ */

static uint8_t name_kind(const char *s, size_t n)
{
#define NK(str) str, sizeof(str) - 1 /* a name and its length */
	static const struct {
		const char *s;
		uint8_t n, k;
	} tab[] = {
	    {NK("System"), K_SYSTEM},
	    {NK("EventID"), K_EVENTID},
	    {NK("Version"), K_VERSION},
	    {NK("TimeCreated"), K_TIMECREATED},
	    {NK("EventRecordID"), K_RECORDID},
	    {NK("Computer"), K_COMPUTER},
	    {NK("Channel"), K_CHANNEL},
	    {NK("Provider"), K_PROVIDER},
	    {NK("EventData"), K_EVENTDATA},
	    {NK("UserData"), K_USERDATA},
	    {NK("Data"), K_DATA},
	};
#undef NK

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].n == n && memcmp(tab[i].s, s, n) == 0)
			return tab[i].k;
	return K_OTHER;
}

struct hc_bx_plan_slot {
	uint8_t kind; /* PS_* */
	uint8_t opt;
	uint16_t idx;
	uint32_t lit; /* offset in plan_text */
};
enum { PS_ABSENT, PS_LIT, PS_SUBST };

struct hc_bx_plan {
	uint32_t key, gen;
	uint32_t body, body_end; /* the template's fragment, chunk offsets */
	uint8_t state;           /* PL_* */
	uint8_t nguards;
	int32_t nested;      /* BinXML substitution holding the EventData, or -1 */
	uint16_t guards[16]; /* optional substitutions that would drop an element */
	struct hc_bx_plan_slot sys[NSYS];
	bool eventdata; /* this template holds the EventData element */
	uint16_t nfields;
	uint32_t fname[HC_MAX_BX_PLAN_FIELDS];     /* plan_text offsets; UINT32_MAX = unnamed */
	const char *fknown[HC_MAX_BX_PLAN_FIELDS]; /* hc_event_name_intern of the name */
	uint8_t fcode[HC_MAX_BX_PLAN_FIELDS];      /* its code; UINT8_MAX: another name */
	struct hc_bx_plan_slot fval[HC_MAX_BX_PLAN_FIELDS];
};
/* PL_SYSTEM: System is planned, the rest is UserData, which the plan
 * does not read: the event id comes from the plan (a record not wanted
 * is skipped at once), the rest from the general walk. */
enum { PL_NEW, PL_PLAN, PL_SYSTEM, PL_WALK, PL_BAD };
#define PLAN_SLOTS (2 * HC_MAX_BX_TEMPLATES)

/* Plans kept across chunks. Windows writes a template's definition again
 * in every chunk that uses it, at another offset, its name references
 * pointing at that chunk's copies of the names. A plan is a function of
 * the bytes its build reads: the fragment, the text of each name it
 * references and whether that name is inline, and where each element's
 * name reference lies (elem_name_pos, which reads an offset). A build
 * records where the chunk's own offsets sit in the fragment ("windows");
 * a definition with the same GUID and size, equal to the saved fragment
 * outside them, whose references name the same texts the same way,
 * builds the same plan: it is copied instead (plan_reuse). */
enum { W_ELEM, W_INLINE, W_REF };
struct pwin {
	uint32_t at;  /* fragment offset of the element token or name reference */
	uint32_t aux; /* W_ELEM: fragment offset of its name reference; W_REF: raw offset */
	uint8_t kind;
};
#define PREC_WINS 512    /* windows of one saved plan */
#define PREC_RAW 8192    /* bytes of referenced names one saved plan keeps */
#define SAVED_FRAG 16384 /* the largest fragment (and its text) kept */
#define SAVED_SLOTS 256  /* plans kept per reader (direct-mapped) */

/* The recording of one build. */
struct hc_bx_prec {
	uint32_t body; /* chunk offset of the fragment */
	bool ok;       /* everything was recorded */
	size_t nwin, nraw;
	struct pwin win[PREC_WINS];
	uint8_t raw[PREC_RAW]; /* per W_REF: count (u16 LE), then the UTF-16 units */
};

/* A plan kept: its text offsets count from the start of `text`. */
struct hc_bx_saved {
	uint8_t guid[16];
	uint32_t size, nwin, ntext;
	struct hc_bx_plan plan;
	const struct pwin *win;
	const uint8_t *frag, *raw;
	const char *text;
};

/* The general walk's tree: nodes and text segments, reused per record. */
struct node {
	int32_t parent, child, last, next;
	int32_t seg, lastseg;
	uint32_t name; /* offset in name_text */
	uint16_t nlen;
	uint8_t kind;
	bool attr, dropped;
};
struct seg {
	uint32_t off, len;
	int32_t next;
};
/* The substitution values of one template instance. */
struct vals {
	uint32_t n;
	const uint8_t *desc; /* n descriptors: size u16, type u8, pad u8 */
	size_t base;         /* chunk offsets of the values: walk->offs[base + i] */
};
struct walk {
	struct node *nodes;
	size_t nnodes, capnodes;
	struct seg *segs;
	size_t nsegs, capsegs;
	struct hc_buf text;
	uint32_t *offs; /* value offsets of the instances on the stack */
	size_t noffs, capoffs;
	size_t tokens;
	bool cut;
	const char *err;
};

int hc_bx_init(struct hc_bx *bx, const struct hc_read_opts *o)
{
	memset(bx, 0, sizeof(*bx));
	bx->names = calloc(NAME_SLOTS, sizeof(*bx->names));
	bx->plans = calloc(PLAN_SLOTS, sizeof(*bx->plans));
	bx->walk = calloc(1, sizeof(struct walk));
	bx->saved = calloc(SAVED_SLOTS, sizeof(*bx->saved));
	bx->prec = malloc(sizeof(*bx->prec));
	if (!bx->names || !bx->plans || !bx->walk || !bx->saved || !bx->prec) {
		hc_bx_free(bx);
		return HC_ERR_NOMEM;
	}
	if (o && o->all_ids) {
		memset(bx->want, 0xff, sizeof(bx->want));
	} else if (o && o->ids) {
		for (size_t i = 0; i < o->nids; i++)
			if (o->ids[i] <= 0xffff)
				bx->want[o->ids[i] >> 3] |= (uint8_t)(1u << (o->ids[i] & 7));
	} else {
		for (size_t i = 0; i < hc_default_nids; i++)
			bx->want[hc_default_ids[i] >> 3] |=
			    (uint8_t)(1u << (hc_default_ids[i] & 7));
	}
	return HC_OK;
}

void hc_bx_free(struct hc_bx *bx)
{
	struct walk *w = bx->walk;

	if (bx->plans)
		for (size_t i = 0; i < PLAN_SLOTS; i++)
			free(bx->plans[i]);
	free(bx->plans);
	if (bx->saved)
		for (size_t i = 0; i < SAVED_SLOTS; i++)
			free(bx->saved[i]);
	free(bx->saved);
	free(bx->prec);
	free(bx->names);
	hc_buf_free(&bx->name_text);
	hc_buf_free(&bx->plan_text);
	if (w) {
		free(w->nodes);
		free(w->segs);
		hc_buf_free(&w->text);
		free(w->offs);
		free(w);
	}
	memset(bx, 0, sizeof(*bx));
}

void hc_bx_chunk(struct hc_bx *bx, const uint8_t *chunk, uint32_t size)
{
	bx->chunk = chunk;
	bx->size = size;
	/* a new generation invalidates every cached name and plan at once */
	if (++bx->gen == 0) {
		for (size_t i = 0; i < NAME_SLOTS; i++)
			bx->names[i].key = 0;
		for (size_t i = 0; i < PLAN_SLOTS; i++)
			if (bx->plans[i])
				bx->plans[i]->key = 0;
		bx->gen = 1;
	}
	bx->nnames = bx->nplans = 0;
	bx->name_text.len = 0;
	bx->plan_text.len = 0;
}

static bool wanted(const struct hc_bx *bx, uint64_t id)
{
	return id <= 0xffff && (bx->want[id >> 3] >> (id & 7)) & 1;
}

/* e->text of a name whose text is not made yet (a plan reused from an
 * earlier chunk only needs the name counted, see plan_reuse) */
#define NAME_LAZY UINT32_MAX

/* The cache entry of the name at chunk offset `off`, made (text NAME_LAZY)
 * when new. NULL when the name does not fit in the chunk or the cache is
 * full (*err says which). */
static struct hc_bx_name *name_slot(struct hc_bx *bx, uint32_t off, const char **err)
{
	uint32_t h = (off * 2654435761u) & (NAME_SLOTS - 1);
	struct hc_bx_name *e;

	for (;;) {
		e = &bx->names[h];
		if (!e->key || e->gen != bx->gen)
			break;
		if (e->key == off + 1)
			return e;
		h = (h + 1) & (NAME_SLOTS - 1);
	}
	if (bx->nnames >= HC_MAX_BX_NAMES) {
		*err = "more than "
		       "1024"
		       " names in one chunk";
		return NULL;
	}
	if ((uint64_t)off + 8 > bx->size) {
		*err = "name offset outside the chunk";
		return NULL;
	}
	uint32_t count = hc_le16(bx->chunk + off + 6);
	if ((uint64_t)off + 8 + 2 * (uint64_t)count > bx->size) {
		*err = "name runs past the end of the chunk";
		return NULL;
	}
	e->key = off + 1;
	e->gen = bx->gen;
	e->text = NAME_LAZY;
	e->disk = 8 + 2 * count + 2;
	bx->nnames++;
	return e;
}

/* The name at chunk offset `off`: cached text and kind. NULL when the name
 * does not fit in the chunk, the cache is full or memory ran out (*err
 * says which). */
static const struct hc_bx_name *name_at(struct hc_bx *bx, uint32_t off, const char **err)
{
	struct hc_bx_name *e = name_slot(bx, off, err);

	if (!e || e->text != NAME_LAZY)
		return e;
	size_t at = bx->name_text.len;
	bool cut = false;
	if (utf16_put(&bx->name_text, bx->chunk + off + 8, e->disk - 10, &cut) < 0 ||
	    buf_put(&bx->name_text, "", 1) < 0) {
		*err = "out of memory";
		return NULL;
	}
	e->text = (uint32_t)at;
	e->len =
	    (uint16_t)(bx->name_text.len - at - 1 > 0xffff ? 0xffff : bx->name_text.len - at - 1);
	e->kind = name_kind(bx->name_text.p + at, e->len);
	return e;
}

/* Reads a name reference at *pos (chunk offset): the name is inline when it
 * points right after the reference, and is then skipped. */
static const struct hc_bx_name *name_ref(struct hc_bx *bx, uint32_t *pos, uint32_t end,
                                         const char **err)
{
	uint32_t off;
	const struct hc_bx_name *n;

	if (*pos + 4 > end) {
		*err = "truncated name reference";
		return NULL;
	}
	off = hc_le32(bx->chunk + *pos);
	*pos += 4;
	if (!(n = name_at(bx, off, err)))
		return NULL;
	if (off == *pos) {
		if ((uint64_t)*pos + n->disk > end) {
			*err = "inline name runs past its data";
			return NULL;
		}
		*pos += n->disk;
	}
	return n;
}

/* Chunk offset of the name reference of the element whose token is at p:
 * after the token, the dependency id (when there is one) and the data size.
 * Records written by Windows Event Forwarding leave the dependency id out
 * (libevtx 20181227 assumes it and fails on them), and so does an element
 * that starts a BinXML value: told apart by whether the data size and the
 * name offset make sense. UINT32_MAX when neither does. */
static uint32_t elem_name_pos(const struct hc_bx *bx, uint32_t p, uint32_t end, bool prefer_dep)
{
	for (int k = 0; k < 2; k++) {
		bool dep = (k == 0) == prefer_dep;
		uint32_t q = p + 1 + (dep ? 2 : 0);
		if ((uint64_t)q + 8 > end)
			continue;
		uint32_t size = hc_le32(bx->chunk + q), name = hc_le32(bx->chunk + q + 4);
		if (size > end - (q + 4) || name > q + 8 || (uint64_t)name + 8 > bx->size)
			continue;
		return q + 4;
	}
	return UINT32_MAX;
}

/* --- the general walk --------------------------------------------------- */

struct wctx {
	struct hc_bx *bx;
	struct walk *w;
	uint32_t end; /* end of the bytes this walk may read tokens from */
	bool has_dep; /* elements carry a dependency id */
	const struct vals *v;
	unsigned depth;
};

static int new_node(struct walk *w, int32_t parent, const struct hc_bx_name *n, bool attr)
{
	if (HC_GROW(w->nodes, w->nnodes, w->capnodes) < 0)
		return HC_ERR_NOMEM;
	struct node *x = &w->nodes[w->nnodes];
	memset(x, 0, sizeof(*x));
	x->parent = parent;
	x->child = x->last = x->next = x->seg = x->lastseg = -1;
	x->name = n ? n->text : 0;
	x->nlen = n ? n->len : 0;
	x->kind = n ? n->kind : K_OTHER;
	x->attr = attr;
	if (parent >= 0) {
		struct node *p = &w->nodes[parent];
		if (p->last >= 0)
			w->nodes[p->last].next = (int32_t)w->nnodes;
		else
			p->child = (int32_t)w->nnodes;
		p->last = (int32_t)w->nnodes;
	}
	return (int)w->nnodes++;
}

/* Appends text (already in w->text at [off, off+len)) to node `at`. */
static int add_seg(struct walk *w, int32_t at, size_t off, size_t len)
{
	if (at < 0 || len == 0)
		return HC_OK;
	if (HC_GROW(w->segs, w->nsegs, w->capsegs) < 0)
		return HC_ERR_NOMEM;
	struct seg *s = &w->segs[w->nsegs];
	s->off = (uint32_t)off;
	s->len = (uint32_t)len;
	s->next = -1;
	struct node *x = &w->nodes[at];
	if (x->lastseg >= 0)
		w->segs[x->lastseg].next = (int32_t)w->nsegs;
	else
		x->seg = (int32_t)w->nsegs;
	x->lastseg = (int32_t)w->nsegs;
	w->nsegs++;
	return HC_OK;
}

static int text_add(struct walk *w, int32_t at, const char *s, size_t n)
{
	size_t off = w->text.len;
	int rc;

	if (w->text.len + n > HC_MAX_BX_TEXT) {
		w->cut = true;
		return HC_OK;
	}
	if ((rc = buf_put(&w->text, s, n)) < 0)
		return rc;
	return add_seg(w, at, off, n);
}

/* Appends the rendering of a value to node `at`. */
static int value_add(struct walk *w, int32_t at, uint8_t type, const uint8_t *p, size_t size)
{
	size_t off = w->text.len;
	bool cut = false;
	int rc;

	if (w->text.len > HC_MAX_BX_TEXT) {
		w->cut = true;
		return HC_OK;
	}
	rc = render(type, p, size, &w->text, &cut);
	if (rc == HC_ERR_RECORD) {
		w->err = "malformed value";
		return rc;
	}
	if (rc < 0)
		return rc;
	w->cut |= cut;
	return add_seg(w, at, off, w->text.len - off);
}

static int walk_doc(struct wctx *c, uint32_t *pos, int32_t parent, bool stop_at_end_tag);

static int err(struct wctx *c, const char *why)
{
	if (!c->w->err)
		c->w->err = why;
	return HC_ERR_RECORD;
}

/* Value text (0x05) or CDATA/PI data: a counted UTF-16 string. */
static int counted_string(struct wctx *c, uint32_t *pos, int32_t at, const char *pre,
                          const char *post)
{
	struct walk *w = c->w;
	uint32_t n;
	size_t off = w->text.len;
	bool cut = false;
	int rc;

	if (*pos + 2 > c->end)
		return err(c, "truncated string");
	n = hc_le16(c->bx->chunk + *pos);
	*pos += 2;
	if ((uint64_t)*pos + 2 * (uint64_t)n > c->end)
		return err(c, "string runs past its data");
	if (at >= 0 && w->text.len < HC_MAX_BX_TEXT) {
		if ((pre && (rc = buf_put(&w->text, pre, strlen(pre))) < 0) ||
		    (rc = utf16_put(&w->text, c->bx->chunk + *pos, 2 * (size_t)n, &cut)) < 0 ||
		    (post && (rc = buf_put(&w->text, post, strlen(post))) < 0))
			return rc;
		w->cut |= cut;
		if ((rc = add_seg(w, at, off, w->text.len - off)) < 0)
			return rc;
	}
	*pos += 2 * n;
	return HC_OK;
}

/* A substitution token at *pos: adds the value to node `at` (BinXML values
 * become children of `at`). *cursor walks array items. Returns 1 when a
 * value was substituted, 0 for an optional substitution of a null value. */
static int substitution(struct wctx *c, uint32_t *pos, int32_t at, size_t *cursor)
{
	const uint8_t *ch = c->bx->chunk;
	bool optional = (ch[*pos] & 0xbf) == T_OPTSUBST;
	uint16_t idx;
	int rc;

	if (*pos + 4 > c->end)
		return err(c, "truncated substitution");
	idx = hc_le16(ch + *pos + 1);
	*pos += 4;
	if (!c->v || idx >= c->v->n)
		return err(c, "substitution index beyond the template's values");
	uint32_t voff = c->w->offs[c->v->base + idx];
	uint16_t size = hc_le16(c->v->desc + 4 * idx);
	uint8_t type = c->v->desc[4 * idx + 2];
	if (type == V_NULL)
		return optional ? 0 : 1; /* libevtx refuses a null normal substitution */
	if (type == V_BINXML) {
		struct wctx sub = *c;
		uint32_t p = voff;
		if (c->depth >= HC_MAX_BX_DEPTH)
			return err(c, "BinXML nested too deeply");
		sub.depth++;
		sub.end = voff + size;
		/* an element directly in the value has no dependency ids */
		sub.has_dep = size && (ch[voff] & 0xbf) != T_OPEN;
		if (size && (rc = walk_doc(&sub, &p, at, false)) < 0)
			return rc;
		return 1;
	}
	if (type & V_ARRAY) {
		size_t item;
		if (size == 0) {
			*cursor = 0;
			return 1;
		}
		if (*cursor >= size)
			return err(c, "array cursor beyond its value");
		item = array_item(type, ch + voff + *cursor, size - *cursor);
		if (item == 0)
			return err(c, "unsupported array type");
		if (item > size - *cursor)
			return err(c, "array item runs past its value");
		if ((type & 0x7f) == V_STRING || (type & 0x7f) == V_ANSI)
			rc = value_add(c->w, at, type & 0x7f, ch + voff + *cursor, item);
		else
			rc = value_add(c->w, at, type & 0x7f, ch + voff + *cursor, item);
		if (rc < 0)
			return rc;
		*cursor += item;
		if (*cursor >= size)
			*cursor = 0;
		return 1;
	}
	if ((rc = value_add(c->w, at, type, ch + voff, size)) < 0)
		return rc;
	return 1;
}

static int charref(struct wctx *c, uint32_t *pos, int32_t at)
{
	char enc[16];
	uint32_t cp;

	if (*pos + 3 > c->end)
		return err(c, "truncated character reference");
	cp = hc_le16(c->bx->chunk + *pos + 1);
	*pos += 3;
	/* libevtx writes &#N;, which xmlscan.c turns into the character */
	if (cp == 0)
		return text_add(c->w, at, "&#0;", 4);
	return text_add(c->w, at, enc, hc_utf8_put(enc, cp));
}

static int entref(struct wctx *c, uint32_t *pos, int32_t at)
{
	static const struct {
		const char *n, *v;
	} ents[] = {{"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
	const struct hc_bx_name *n;
	const char *why = NULL;

	*pos += 1;
	if (!(n = name_ref(c->bx, pos, c->end, &why)))
		return err(c, why);
	const char *s = c->bx->name_text.p + n->text;
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (strcmp(s, ents[i].n) == 0)
			return text_add(c->w, at, ents[i].v, 1);
	/* an unknown entity stays as written, as in the XML libevtx renders */
	char tmp[300];
	int k = snprintf(tmp, sizeof(tmp), "&%.*s;", (int)(n->len > 256 ? 256 : n->len), s);
	return text_add(c->w, at, tmp, (size_t)k);
}

/* An attribute at *pos (token 0x06/0x46) of element `el`. */
static int attribute(struct wctx *c, uint32_t *pos, int32_t el)
{
	const uint8_t *ch = c->bx->chunk;
	const struct hc_bx_name *n;
	const char *why = NULL;
	uint32_t start = *pos + 1;
	size_t cursor = 0;
	unsigned rounds = 0;
	int rc;

	do {
		uint32_t p = start;
		int32_t a;
		int kept = 1;
		if (!(n = name_ref(c->bx, &p, c->end, &why)))
			return err(c, why);
		if ((rc = new_node(c->w, el, n, true)) < 0)
			return rc;
		a = rc;
		if (n->kind == K_OTHER) {
			const char *s = c->bx->name_text.p + n->text;
			if (strcmp(s, "Name") == 0)
				c->w->nodes[a].kind = K_A_NAME;
			else if (strcmp(s, "SystemTime") == 0)
				c->w->nodes[a].kind = K_A_SYSTEMTIME;
		}
		/* one value, or several pieces while the 0x40 flag says more follow */
		for (bool more = true; more;) {
			if (p >= c->end)
				return err(c, "truncated attribute");
			if (++c->w->tokens > HC_MAX_BX_TOKENS)
				return err(c, "too many tokens in one record");
			uint8_t t = ch[p];
			more = (t & 0x40) != 0;
			switch (t & 0xbf) {
			case T_VALUE:
				if (p + 2 > c->end || ch[p + 1] != V_STRING)
					return err(c, "unsupported value text type");
				p += 2;
				if ((rc = counted_string(c, &p, a, NULL, NULL)) < 0)
					return rc;
				break;
			case T_SUBST:
			case T_OPTSUBST:
				if ((kept = substitution(c, &p, a, &cursor)) < 0)
					return kept;
				break;
			case T_CHARREF:
				if ((rc = charref(c, &p, a)) < 0)
					return rc;
				break;
			case T_ENTREF:
				if ((rc = entref(c, &p, a)) < 0)
					return rc;
				break;
			default:
				return err(c, "unexpected token in an attribute");
			}
		}
		if (!kept)
			c->w->nodes[a].dropped = true;
		*pos = p;
	} while (cursor > 0 && ++rounds < HC_MAX_BX_ARRAY_ITEMS);
	return HC_OK;
}

/* An element at *pos (token 0x01/0x41), as a child of `parent`. */
static int element(struct wctx *c, uint32_t *pos, int32_t parent)
{
	const uint8_t *ch = c->bx->chunk;
	uint32_t start = *pos;
	size_t cursor = 0;
	unsigned rounds = 0;
	int rc;

	if (c->depth >= HC_MAX_BX_DEPTH)
		return err(c, "elements nested too deeply");
	c->depth++;
	do {
		uint32_t p = elem_name_pos(c->bx, start, c->end, c->has_dep);
		const struct hc_bx_name *n;
		const char *why = NULL;
		bool has_attrs = (ch[start] & 0x40) != 0;
		int result = 1;
		int32_t el;

		if (p == UINT32_MAX)
			return err(c, "element header makes no sense");
		if (!(n = name_ref(c->bx, &p, c->end, &why)))
			return err(c, why);
		if ((rc = new_node(c->w, parent, n, false)) < 0)
			return rc;
		el = rc;
		if (has_attrs) {
			uint32_t alen, aend;
			if (p + 4 > c->end)
				return err(c, "truncated attribute list");
			alen = hc_le32(ch + p);
			p += 4;
			if ((uint64_t)p + alen > c->end)
				return err(c, "attribute list runs past its data");
			aend = p + alen;
			while (p < aend) {
				if ((ch[p] & 0xbf) != T_ATTR)
					return err(c, "expected an attribute");
				if ((rc = attribute(c, &p, el)) < 0)
					return rc;
			}
		}
		if (p >= c->end)
			return err(c, "truncated element");
		uint8_t t = ch[p++];
		if (t == T_CLOSE_START) {
			for (;;) {
				if (p >= c->end)
					return err(c, "element not closed");
				if (++c->w->tokens > HC_MAX_BX_TOKENS)
					return err(c, "too many tokens in one record");
				t = ch[p];
				switch (t & 0xbf) {
				case T_END:
					p++;
					goto closed;
				case T_OPEN:
					if ((rc = element(c, &p, el)) < 0)
						return rc;
					break;
				case T_VALUE:
					if (p + 2 > c->end)
						return err(c, "truncated value text");
					if (ch[p + 1] != V_STRING)
						return err(c, "unsupported value text type");
					p += 2;
					if ((rc = counted_string(c, &p, el, NULL, NULL)) < 0)
						return rc;
					break;
				case T_CDATA:
					p++;
					if ((rc = counted_string(c, &p, el, "<![CDATA[", "]]>")) <
					    0)
						return rc;
					break;
				case T_CHARREF:
					if ((rc = charref(c, &p, el)) < 0)
						return rc;
					break;
				case T_ENTREF:
					if ((rc = entref(c, &p, el)) < 0)
						return rc;
					break;
				case T_PITARGET:
					p++;
					if (!name_ref(c->bx, &p, c->end, &why))
						return err(c, why);
					break;
				case T_PIDATA:
					p++;
					if ((rc = counted_string(c, &p, -1, NULL, NULL)) < 0)
						return rc;
					break;
				case T_SUBST:
				case T_OPTSUBST:
					if ((result = substitution(c, &p, el, &cursor)) < 0)
						return result;
					break;
				case T_TEMPLATE:
				case T_FRAGMENT:
					if ((rc = walk_doc(c, &p, el, true)) < 0)
						return rc;
					break;
				default:
					return err(c, "unexpected token in element content");
				}
			}
		} else if (t != T_CLOSE_EMPTY) {
			return err(c, "element start not closed");
		}
	closed:
		/* libevtx leaves out an element whose last substitution was an
		 * optional one without a value */
		if (!result)
			c->w->nodes[el].dropped = true;
		*pos = p;
	} while (cursor > 0 && ++rounds < HC_MAX_BX_ARRAY_ITEMS);
	c->depth--;
	return HC_OK;
}

/* Reads a template instance at *pos (token 0x0c) and walks its definition
 * with its values; the definition may follow inline. */
static int template_instance(struct wctx *c, uint32_t *pos, int32_t parent)
{
	const uint8_t *ch = c->bx->chunk;
	struct walk *w = c->w;
	uint32_t p = *pos, def, size, n;
	struct vals v;
	int rc;

	if (c->depth >= HC_MAX_BX_DEPTH)
		return err(c, "templates nested too deeply");
	if (p + 10 > c->end)
		return err(c, "truncated template instance");
	def = hc_le32(ch + p + 6);
	p += 10;
	if ((uint64_t)def + 24 > c->bx->size)
		return err(c, "template definition outside the chunk");
	size = hc_le32(ch + def + 20);
	if ((uint64_t)def + 24 + size > c->bx->size)
		return err(c, "template definition runs past the chunk");
	if (def == p) {
		if ((uint64_t)p + 24 + size > c->end)
			return err(c, "inline template definition runs past its data");
		p += 24 + size;
	}
	if (p + 4 > c->end)
		return err(c, "truncated template values");
	n = hc_le32(ch + p);
	p += 4;
	if (n > HC_MAX_BX_VALUES)
		return err(c, "more template values than allowed");
	if ((uint64_t)p + 4 * (uint64_t)n > c->end)
		return err(c, "template value descriptors run past the record");
	v.n = n;
	v.desc = ch + p;
	p += 4 * n;
	if (w->noffs + n > w->capoffs) {
		size_t cap = w->capoffs ? w->capoffs : 256;
		while (cap < w->noffs + n)
			cap *= 2;
		uint32_t *no = realloc(w->offs, cap * sizeof(*no));
		if (!no)
			return HC_ERR_NOMEM;
		w->offs = no;
		w->capoffs = cap;
	}
	size_t base = w->noffs;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = hc_le16(v.desc + 4 * i);
		if ((uint64_t)p + s > c->end)
			return err(c, "template values run past the record");
		w->offs[base + i] = p;
		p += s;
	}
	w->noffs += n;
	v.base = base;
	{
		struct wctx sub = *c;
		uint32_t q = def + 24;
		sub.v = &v;
		sub.end = def + 24 + size;
		sub.has_dep = true;
		sub.depth++;
		rc = walk_doc(&sub, &q, parent, false);
	}
	w->noffs = base;
	*pos = p;
	return rc;
}

/* Tokens of a document (fragments, template instances, elements, PIs) at
 * *pos until EOF, the end of the range, or (stop_at_end_tag) the token after
 * one template instance or fragment inside element content. */
static int walk_doc(struct wctx *c, uint32_t *pos, int32_t parent, bool inside)
{
	const uint8_t *ch = c->bx->chunk;
	const char *why = NULL;
	int rc;

	while (*pos < c->end) {
		if (++c->w->tokens > HC_MAX_BX_TOKENS)
			return err(c, "too many tokens in one record");
		switch (ch[*pos] & 0xbf) {
		case T_EOF:
			if (!inside)
				*pos = c->end;
			else
				*pos += 1;
			return HC_OK;
		case T_FRAGMENT:
			if (*pos + 4 > c->end)
				return err(c, "truncated fragment header");
			*pos += 4;
			break;
		case T_TEMPLATE:
			if ((rc = template_instance(c, pos, parent)) < 0)
				return rc;
			if (inside)
				return HC_OK;
			break;
		case T_OPEN:
			if ((rc = element(c, pos, parent)) < 0)
				return rc;
			if (inside)
				return HC_OK;
			break;
		case T_PITARGET:
			*pos += 1;
			if (!name_ref(c->bx, pos, c->end, &why))
				return err(c, why);
			break;
		case T_PIDATA:
			*pos += 1;
			if ((rc = counted_string(c, pos, -1, NULL, NULL)) < 0)
				return rc;
			break;
		default:
			return err(c, "unexpected token");
		}
	}
	return HC_OK;
}

/* --- extraction: the fields xmlscan.c would read ----------------------- */

/* Appends the text of node `x` to out->text, capped at HC_MAX_FIELD_LEN
 * (never inside a UTF-8 sequence), NUL-terminated; returns its offset. */
static int node_text(const struct walk *w, const struct node *x, struct hc_bx_record *out,
                     size_t *at, bool quote_cut)
{
	size_t start = out->text.len, n = 0;
	int rc;

	/* libevtx renders a value that is one linefeed as empty */
	if (x->seg >= 0 && w->segs[x->seg].next < 0 && w->segs[x->seg].len == 1 &&
	    w->text.p[w->segs[x->seg].off] == '\n') {
		*at = start;
		return buf_put(&out->text, "", 1);
	}
	for (int32_t s = x->seg; s >= 0; s = w->segs[s].next) {
		const char *p = w->text.p + w->segs[s].off;
		size_t len = w->segs[s].len;
		if (quote_cut) {
			/* libevtx does not escape '"' in attributes: the XML value ends there */
			const char *q = memchr(p, '"', len);
			if (q)
				len = (size_t)(q - p);
		}
		if (n + len > HC_MAX_FIELD_LEN) {
			len = HC_MAX_FIELD_LEN - n;
			while (len && ((unsigned char)p[len] & 0xC0) == 0x80)
				len--;
			out->truncated = true;
			if ((rc = buf_put(&out->text, p, len)) < 0)
				return rc;
			break;
		}
		if ((rc = buf_put(&out->text, p, len)) < 0)
			return rc;
		n += len;
		if (quote_cut && len < w->segs[s].len)
			break;
	}
	if ((rc = buf_put(&out->text, "", 1)) < 0)
		return rc;
	*at = start;
	return HC_OK;
}

static int32_t attr_of(const struct walk *w, const struct node *x, uint8_t kind)
{
	for (int32_t k = x->child; k >= 0; k = w->nodes[k].next)
		if (w->nodes[k].attr && !w->nodes[k].dropped && w->nodes[k].kind == kind)
			return k;
	return -1;
}

static uint64_t parse_num(const char *p)
{
	uint64_t v = 0;

	while (*p == ' ' || *p == '\n')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

/* Next element in document order after `i` (children first), skipping
 * attributes and dropped elements. */
static int32_t next_elem(const struct walk *w, int32_t i, bool into)
{
	const struct node *x;

	if (into) {
		for (int32_t k = w->nodes[i].child; k >= 0; k = w->nodes[k].next)
			if (!w->nodes[k].attr && !w->nodes[k].dropped)
				return k;
	}
	for (;;) {
		x = &w->nodes[i];
		for (int32_t k = x->next; k >= 0; k = w->nodes[k].next)
			if (!w->nodes[k].attr && !w->nodes[k].dropped)
				return k;
		if (x->parent < 0)
			return -1;
		i = x->parent;
	}
}

static int add_field(struct hc_bx_record *out, const char *name, size_t nlen, const struct walk *w,
                     const struct node *val)
{
	int rc;

	if (out->nfields >= HC_MAX_FIELDS) {
		out->truncated = true;
		return HC_OK;
	}
	out->kname[out->nfields] = NULL;
	out->name[out->nfields] = out->text.len;
	if (name && nlen < HC_MAX_NAME_LEN) {
		if ((rc = buf_put(&out->text, name, nlen)) < 0 ||
		    (rc = buf_put(&out->text, "", 1)) < 0)
			return rc;
	} else {
		char tmp[32];
		int k = snprintf(tmp, sizeof(tmp), "Data[%zu]", ++out->unnamed);
		if ((rc = buf_put(&out->text, tmp, (size_t)k + 1)) < 0)
			return rc;
	}
	if (val)
		rc = node_text(w, val, out, &out->value[out->nfields], false);
	else if ((rc = buf_put(&out->text, "", 1)) == HC_OK)
		out->value[out->nfields] = out->text.len - 1;
	if (rc < 0)
		return rc;
	out->nfields++;
	return HC_OK;
}

/* Escaped length of a name as xmlscan.c sees it in the XML (&, <, > are
 * written as entities), for its HC_MAX_NAME_LEN rule. */
static size_t escaped_len(const char *s, size_t n)
{
	size_t e = n;

	for (size_t i = 0; i < n; i++)
		e += s[i] == '&' ? 4 : (s[i] == '<' || s[i] == '>') ? 3 : 0;
	return e;
}

static bool has_child_elem(const struct walk *w, const struct node *x)
{
	for (int32_t k = x->child; k >= 0; k = w->nodes[k].next)
		if (!w->nodes[k].attr && !w->nodes[k].dropped)
			return true;
	return false;
}

/* The tag sequence of libevtx's XML for the subtree of x: an empty
 * element is one tag (kind 2), others a start tag (0), their children's
 * tags, and an end tag (1). */
struct tag {
	int32_t node;
	uint8_t kind;
};

static int tags_of(const struct walk *w, int32_t x, struct tag *t, size_t *n, size_t cap,
                   unsigned depth)
{
	const struct node *e = &w->nodes[x];
	bool kids = has_child_elem(w, e);

	if (*n + 2 > cap || depth > HC_MAX_BX_DEPTH + 2)
		return HC_ERR_LIMIT;
	if (!kids && e->seg < 0) {
		t[(*n)++] = (struct tag){x, 2};
		return HC_OK;
	}
	t[(*n)++] = (struct tag){x, 0};
	for (int32_t k = e->child; kids && k >= 0; k = w->nodes[k].next) {
		int rc;
		if (!w->nodes[k].attr && !w->nodes[k].dropped &&
		    (rc = tags_of(w, k, t, n, cap, depth + 1)) < 0)
			return rc;
	}
	t[(*n)++] = (struct tag){x, 1};
	return HC_OK;
}

/* UserData as xmlscan.c reads it from libevtx's indented XML: after the
 * wrapper's start tag, each start tag is a field named by its tag, whose
 * value is the text up to the next tag (for an element with children: the
 * line break and indentation libevtx writes before the first child); that
 * next tag is passed over, whatever it is; an end tag ends the fields.
 * Replayed here on the tree's tag sequence. */
static int userdata(struct hc_bx *bx, struct walk *w, int32_t wrap, struct hc_bx_record *out)
{
	size_t cap = 2 * w->nnodes + 2, n = 0;
	struct tag *t;
	int rc;

	/* the node array's spare room is scratch enough: reuse the segments */
	if (!(t = malloc(cap * sizeof(*t))))
		return HC_ERR_NOMEM;
	if ((rc = tags_of(w, wrap, t, &n, cap, 0)) < 0) {
		free(t);
		return rc == HC_ERR_LIMIT ? HC_OK : rc;
	}
	for (size_t i = 1; i < n && t[i].kind != 1;) {
		const struct node *e = &w->nodes[t[i].node];
		if (e->nlen == 0 || e->nlen >= HC_MAX_NAME_LEN)
			break;
		if (t[i].kind == 2) {
			rc = add_field(out, bx->name_text.p + e->name, e->nlen, w, NULL);
			i++;
		} else if (!has_child_elem(w, e)) {
			rc = add_field(out, bx->name_text.p + e->name, e->nlen, w, e);
			i += 2;
		} else {
			int level = 0;
			char ind[2 * HC_MAX_BX_DEPTH + 16];
			for (int32_t q = e->parent; q >= 0; q = w->nodes[q].parent)
				level++;
			size_t k = 1 + 2 * (size_t)(level + 1);
			if (k > sizeof(ind))
				k = sizeof(ind);
			ind[0] = '\n';
			memset(ind + 1, ' ', k - 1);
			if (out->nfields >= HC_MAX_FIELDS) {
				out->truncated = true;
				break;
			}
			out->kname[out->nfields] = NULL;
			out->name[out->nfields] = out->text.len;
			if ((rc = buf_put(&out->text, bx->name_text.p + e->name, e->nlen)) < 0 ||
			    (rc = buf_put(&out->text, "", 1)) < 0)
				break;
			out->value[out->nfields] = out->text.len;
			if ((rc = buf_put(&out->text, ind, k)) < 0 ||
			    (rc = buf_put(&out->text, "", 1)) < 0)
				break;
			out->nfields++;
			i += 2;
		}
		if (rc < 0)
			break;
	}
	free(t);
	return rc < 0 ? rc : HC_OK;
}

static int extract(struct hc_bx *bx, struct walk *w, struct hc_bx_record *out)
{
	int32_t sys = -1, first = -1, i, ed = -1, ud = -1;
	bool seen[NSYS] = {false};
	int rc;

	/* first top-level element */
	for (size_t k = 0; k < w->nnodes; k++)
		if (w->nodes[k].parent < 0 && !w->nodes[k].attr && !w->nodes[k].dropped) {
			first = (int32_t)k;
			break;
		}
	if (first < 0)
		return HC_ERR_RECORD;
	for (i = first; i >= 0; i = next_elem(w, i, true))
		if (w->nodes[i].kind == K_SYSTEM) {
			sys = i;
			break;
		}
	/* System values: the first of each kind inside System (or anywhere,
	 * when there is no System element) */
	int32_t stop = sys >= 0 ? next_elem(w, sys, false) : -1;
	for (i = sys >= 0 ? sys : first; i >= 0 && i != stop; i = next_elem(w, i, true)) {
		const struct node *x = &w->nodes[i];
		int32_t a;
		size_t at;
		switch (x->kind) {
		case K_EVENTID:
		case K_VERSION:
		case K_RECORDID:
			if (seen[x->kind == K_EVENTID   ? S_EVENTID
			         : x->kind == K_VERSION ? S_VERSION
			                                : S_RECORDID])
				break;
			seen[x->kind == K_EVENTID   ? S_EVENTID
			     : x->kind == K_VERSION ? S_VERSION
			                            : S_RECORDID] = true;
			if ((rc = node_text(w, x, out, &at, false)) < 0)
				return rc;
			{
				uint64_t v = parse_num(out->text.p + at);
				out->text.len = at;
				if (x->kind == K_EVENTID) {
					out->event_id = (uint32_t)v;
					out->has_event_id = true;
				} else if (x->kind == K_VERSION) {
					out->version = (uint32_t)v;
					out->has_version = true;
				} else {
					out->record_id = v;
					out->has_record_id = true;
				}
			}
			break;
		case K_TIMECREATED:
			if (seen[S_TIME] || (a = attr_of(w, x, K_A_SYSTEMTIME)) < 0)
				break;
			seen[S_TIME] = true;
			if ((rc = node_text(w, &w->nodes[a], out, &at, true)) < 0)
				return rc;
			if (strlen(out->text.p + at) < 64)
				out->has_time = hc_time_parse(out->text.p + at, &out->time) == 1;
			out->text.len = at;
			break;
		case K_COMPUTER:
			if (!seen[S_COMPUTER]) {
				seen[S_COMPUTER] = true;
				if ((rc = node_text(w, x, out, &out->computer, false)) < 0)
					return rc;
			}
			break;
		case K_CHANNEL:
			if (!seen[S_CHANNEL]) {
				seen[S_CHANNEL] = true;
				if ((rc = node_text(w, x, out, &out->channel, false)) < 0)
					return rc;
			}
			break;
		case K_PROVIDER:
			if (!seen[S_PROVIDER] && (a = attr_of(w, x, K_A_NAME)) >= 0) {
				seen[S_PROVIDER] = true;
				if ((rc = node_text(w, &w->nodes[a], out, &out->provider, true)) <
				    0)
					return rc;
			}
			break;
		default:
			break;
		}
	}
	if (!out->has_event_id)
		return HC_ERR_RECORD;
	if (sys < 0)
		return HC_OK;
	/* EventData after System, else UserData */
	for (i = next_elem(w, sys, false); i >= 0; i = next_elem(w, i, true)) {
		if (w->nodes[i].kind == K_EVENTDATA && ed < 0) {
			ed = i;
			break;
		}
		if (w->nodes[i].kind == K_USERDATA && ud < 0)
			ud = i;
	}
	if (ed >= 0) {
		int32_t end = next_elem(w, ed, false);
		for (i = next_elem(w, ed, true); i >= 0 && i != end; i = next_elem(w, i, true)) {
			const struct node *x = &w->nodes[i];
			int32_t a;
			if (x->kind != K_DATA)
				continue;
			if ((a = attr_of(w, x, K_A_NAME)) >= 0) {
				/* the Name attribute's text, as its XML shows it */
				size_t at;
				if ((rc = node_text(w, &w->nodes[a], out, &at, true)) < 0)
					return rc;
				size_t nl = strlen(out->text.p + at);
				char nm[HC_MAX_NAME_LEN];
				bool named = escaped_len(out->text.p + at, nl) < HC_MAX_NAME_LEN;
				if (named)
					memcpy(nm, out->text.p + at, nl + 1);
				out->text.len = at;
				rc = add_field(out, named ? nm : NULL, named ? nl : 0, w, x);
			} else {
				rc = add_field(out, NULL, 0, w, x);
			}
			if (rc < 0)
				return rc;
		}
		return HC_OK;
	}
	if (ud >= 0) {
		int32_t wrap = -1;
		for (int32_t k = w->nodes[ud].child; k >= 0; k = w->nodes[k].next)
			if (!w->nodes[k].attr && !w->nodes[k].dropped) {
				wrap = k;
				break;
			}
		if (wrap >= 0)
			return userdata(bx, w, wrap, out);
	}
	return HC_OK;
}

static int general(struct hc_bx *bx, uint32_t off, uint32_t end, struct hc_bx_record *out,
                   struct hc_diag *d)
{
	struct walk *w = bx->walk;
	struct wctx c = {.bx = bx, .w = w, .end = end, .has_dep = true};
	uint32_t pos = off;
	int rc;

	bx->walks++;
	w->nnodes = w->nsegs = w->noffs = w->tokens = 0;
	w->text.len = 0;
	w->cut = false;
	w->err = NULL;
	out->text.len = 0;
	rc = walk_doc(&c, &pos, -1, false);
	if (rc == HC_ERR_RECORD) {
		hc_diag_set(d, "%s", w->err ? w->err : "malformed BinXML");
		return rc;
	}
	if (rc < 0)
		return rc;
	out->truncated |= w->cut;
	rc = extract(bx, w, out);
	if (rc == HC_ERR_RECORD)
		hc_diag_set(d, "%s", w->nnodes ? "record has no EventID" : "record has no element");
	return rc;
}

/* --- plans ------------------------------------------------------------- */

/* A plan is compiled by a small walker of its own over the template body,
 * which notes where each substitution sits instead of rendering values. */
struct pctx {
	struct hc_bx *bx;
	struct hc_bx_plan *pl;
	uint32_t end;
	unsigned depth;
	bool ok;
	bool in_system, in_eventdata, eventdata_done, system_done;
	bool userdata; /* a UserData element: PL_SYSTEM at best */
	size_t tokens;
	struct hc_bx_prec *rec; /* where the build is recorded, or NULL */
};

/* Records a window of the build; `aux` of W_ELEM is a chunk offset. */
static void rec_win(struct pctx *c, uint8_t kind, uint32_t at, uint32_t aux)
{
	struct hc_bx_prec *r = c->rec;

	if (!r || !r->ok)
		return;
	if (r->nwin >= PREC_WINS) {
		r->ok = false;
		return;
	}
	r->win[r->nwin++] = (struct pwin){
	    .at = at - r->body, .aux = kind == W_ELEM ? aux - r->body : aux, .kind = kind};
}

/* name_ref for a plan's build, recording the reference: an inline name,
 * or the count and UTF-16 units of the name it points at. */
static const struct hc_bx_name *plan_name(struct pctx *c, uint32_t *pos, const char **why)
{
	uint32_t at = *pos;
	const struct hc_bx_name *n = name_ref(c->bx, pos, c->end, why);
	struct hc_bx_prec *r = c->rec;

	if (!r || !r->ok)
		return n;
	if (!n) {
		r->ok = false; /* the build ends on the chunk's names: not kept */
		return n;
	}
	if (*pos != at + 4) {
		rec_win(c, W_INLINE, at, 0);
		return n;
	}
	size_t bytes = 2 + (n->disk - 10); /* name_at checked them in the chunk */
	if (r->nraw + bytes > PREC_RAW) {
		r->ok = false;
		return n;
	}
	memcpy(r->raw + r->nraw, c->bx->chunk + hc_le32(c->bx->chunk + at) + 6, bytes);
	rec_win(c, W_REF, at, (uint32_t)r->nraw);
	r->nraw += bytes;
	return n;
}

/* One piece of element or attribute content. */
struct piece {
	uint8_t kind; /* PS_LIT / PS_SUBST */
	uint8_t opt, type;
	uint16_t idx;
	uint32_t lit, litlen; /* plan_text */
};
#define MAX_PIECES 4

static int plan_lit(struct pctx *c, uint32_t *pos, struct piece *pc, size_t *np)
{
	struct hc_bx *bx = c->bx;
	uint32_t n;
	bool cut = false;
	size_t at = bx->plan_text.len;

	if (*pos + 2 > c->end)
		return HC_ERR_RECORD;
	n = hc_le16(bx->chunk + *pos);
	*pos += 2;
	if ((uint64_t)*pos + 2 * (uint64_t)n > c->end)
		return HC_ERR_RECORD;
	if (utf16_put(&bx->plan_text, bx->chunk + *pos, 2 * (size_t)n, &cut) < 0 ||
	    buf_put(&bx->plan_text, "", 1) < 0)
		return HC_ERR_NOMEM;
	*pos += 2 * n;
	if (*np < MAX_PIECES) {
		pc[*np].kind = PS_LIT;
		pc[*np].lit = (uint32_t)at;
		pc[*np].litlen = (uint32_t)(bx->plan_text.len - at - 1);
	}
	(*np)++;
	return HC_OK;
}

static void plan_guard(struct pctx *c, const struct piece *pc, size_t np)
{
	/* the element's last substitution decides whether it is kept */
	for (size_t i = np < MAX_PIECES ? np : MAX_PIECES; i-- > 0;)
		if (pc[i].kind == PS_SUBST) {
			if (pc[i].opt) {
				if (c->pl->nguards < 16)
					c->pl->guards[c->pl->nguards++] = pc[i].idx;
				else
					c->ok = false;
			}
			return;
		}
}

/* A slot from exactly one piece (or none: an empty literal). */
static bool to_slot(struct pctx *c, const struct piece *pc, size_t np, struct hc_bx_plan_slot *s)
{
	memset(s, 0, sizeof(*s));
	if (np == 0) {
		s->kind = PS_LIT;
		s->lit = (uint32_t)c->bx->plan_text.len;
		return buf_put(&c->bx->plan_text, "", 1) == HC_OK;
	}
	if (np > 1)
		return false;
	if (pc[0].kind == PS_LIT) {
		s->kind = PS_LIT;
		s->lit = pc[0].lit;
		return true;
	}
	if ((pc[0].type & V_ARRAY) || pc[0].type == V_BINXML)
		return false;
	s->kind = PS_SUBST;
	s->idx = pc[0].idx;
	s->opt = pc[0].opt;
	return true;
}

static int plan_element(struct pctx *c, uint32_t *pos);

static int plan_content_token(struct pctx *c, uint32_t *pos, struct piece *pc, size_t *np,
                              bool *child)
{
	const uint8_t *ch = c->bx->chunk;
	uint8_t t = ch[*pos];

	switch (t & 0xbf) {
	case T_OPEN:
		*child = true;
		return plan_element(c, pos);
	case T_VALUE:
		if (*pos + 2 > c->end || ch[*pos + 1] != V_STRING)
			return HC_ERR_RECORD;
		*pos += 2;
		return plan_lit(c, pos, pc, np);
	case T_SUBST:
	case T_OPTSUBST:
		if (*pos + 4 > c->end)
			return HC_ERR_RECORD;
		if (*np < MAX_PIECES) {
			pc[*np].kind = PS_SUBST;
			pc[*np].opt = (t & 0xbf) == T_OPTSUBST;
			pc[*np].idx = hc_le16(ch + *pos + 1);
			pc[*np].type = ch[*pos + 3];
		}
		(*np)++;
		*pos += 4;
		return HC_OK;
	default:
		/* character and entity references, CDATA, PIs, nested
		 * templates: the general walk */
		c->ok = false;
		return HC_ERR_RECORD;
	}
}

static int plan_element(struct pctx *c, uint32_t *pos)
{
	struct hc_bx *bx = c->bx;
	const uint8_t *ch = bx->chunk;
	const struct hc_bx_name *n;
	const char *why = NULL;
	uint32_t p = elem_name_pos(bx, *pos, c->end, true);
	bool has_attrs = (ch[*pos] & 0x40) != 0, was_sys = c->in_system, was_ed = c->in_eventdata;
	struct piece name_attr[MAX_PIECES], time_attr[MAX_PIECES], content[MAX_PIECES];
	size_t nname = 0, ntime = 0, ncontent = 0;
	bool got_name = false, got_time = false, child = false;
	int rc;

	if (++c->depth > HC_MAX_BX_DEPTH || ++c->tokens > HC_MAX_BX_TOKENS)
		return HC_ERR_RECORD;
	if (p == UINT32_MAX) {
		if (c->rec)
			c->rec->ok = false; /* on an offset: not kept */
		return HC_ERR_RECORD;
	}
	rec_win(c, W_ELEM, *pos, p);
	if (!(n = plan_name(c, &p, &why)))
		return HC_ERR_RECORD;
	if (n->kind == K_SYSTEM) {
		if (c->system_done)
			c->ok = false;
		c->in_system = true;
	}
	if (n->kind == K_EVENTDATA && !c->in_system) {
		if (c->eventdata_done)
			c->ok = false;
		c->in_eventdata = true;
		c->pl->eventdata = true;
	}
	if (n->kind == K_USERDATA && !c->in_system)
		c->userdata = true;
	if (has_attrs) {
		uint32_t alen, aend;
		if (p + 4 > c->end)
			return HC_ERR_RECORD;
		alen = hc_le32(ch + p);
		p += 4;
		if ((uint64_t)p + alen > c->end)
			return HC_ERR_RECORD;
		aend = p + alen;
		while (p < aend) {
			const struct hc_bx_name *an;
			struct piece tmp[MAX_PIECES];
			size_t nt = 0;
			if ((ch[p] & 0xbf) != T_ATTR)
				return HC_ERR_RECORD;
			p++;
			if (!(an = plan_name(c, &p, &why)))
				return HC_ERR_RECORD;
			for (bool more = true; more;) {
				bool dummy = false;
				if (p >= c->end)
					return HC_ERR_RECORD;
				more = (ch[p] & 0x40) != 0;
				if ((ch[p] & 0xbf) == T_OPEN)
					return HC_ERR_RECORD;
				if ((rc = plan_content_token(c, &p, tmp, &nt, &dummy)) < 0)
					return rc;
			}
			for (size_t i = 0; i < nt && i < MAX_PIECES; i++)
				if (tmp[i].kind == PS_SUBST && (tmp[i].type & V_ARRAY))
					c->ok = false; /* a repeated attribute */
			const char *as = bx->name_text.p + an->text;
			if (strcmp(as, "Name") == 0 && !got_name) {
				memcpy(name_attr, tmp, sizeof(tmp));
				nname = nt;
				got_name = true;
			} else if (strcmp(as, "SystemTime") == 0 && !got_time) {
				memcpy(time_attr, tmp, sizeof(tmp));
				ntime = nt;
				got_time = true;
			}
		}
	}
	if (p >= c->end)
		return HC_ERR_RECORD;
	uint8_t t = ch[p++];
	if (t == T_CLOSE_START) {
		for (;;) {
			if (p >= c->end || ++c->tokens > HC_MAX_BX_TOKENS)
				return HC_ERR_RECORD;
			if ((ch[p] & 0xbf) == T_END) {
				p++;
				break;
			}
			if ((rc = plan_content_token(c, &p, content, &ncontent, &child)) < 0)
				return rc;
		}
	} else if (t != T_CLOSE_EMPTY) {
		return HC_ERR_RECORD;
	}
	for (size_t i = 0; i < ncontent && i < MAX_PIECES; i++)
		if (content[i].kind == PS_SUBST && (content[i].type & V_ARRAY))
			c->ok = false; /* a repeated element */
	/* an ancestor of what is read must not be dropped; the elements read
	 * themselves are optional slots */
	if (n->kind == K_SYSTEM || n->kind == K_EVENTDATA || c->depth == 1)
		plan_guard(c, content, ncontent);
	/* what this element is to the extraction */
	struct hc_bx_plan *pl = c->pl;
	if (c->in_system && n->kind != K_SYSTEM) {
		int s = -1;
		switch (n->kind) {
		case K_EVENTID:
			s = S_EVENTID;
			break;
		case K_VERSION:
			s = S_VERSION;
			break;
		case K_RECORDID:
			s = S_RECORDID;
			break;
		case K_COMPUTER:
			s = S_COMPUTER;
			break;
		case K_CHANNEL:
			s = S_CHANNEL;
			break;
		case K_TIMECREATED:
			if (got_time && pl->sys[S_TIME].kind == PS_ABSENT &&
			    !to_slot(c, time_attr, ntime, &pl->sys[S_TIME]))
				c->ok = false;
			break;
		case K_PROVIDER:
			if (got_name && pl->sys[S_PROVIDER].kind == PS_ABSENT &&
			    !to_slot(c, name_attr, nname, &pl->sys[S_PROVIDER]))
				c->ok = false;
			break;
		default:
			break;
		}
		if (s >= 0 && pl->sys[s].kind == PS_ABSENT) {
			if (child || !to_slot(c, content, ncontent, &pl->sys[s]))
				c->ok = false;
		}
	} else if (c->in_eventdata && n->kind == K_DATA) {
		if (child || pl->nfields >= HC_MAX_BX_PLAN_FIELDS) {
			c->ok = false;
		} else {
			struct hc_bx_plan_slot ns;
			uint32_t fname = UINT32_MAX;
			if (got_name) {
				if (!to_slot(c, name_attr, nname, &ns) || ns.kind != PS_LIT)
					c->ok = false;
				else {
					const char *s = bx->plan_text.p + ns.lit;
					const char *q = strchr(s, '"');
					size_t l = q ? (size_t)(q - s) : strlen(s);
					if (q) {
						/* the XML value ends at the quote */
						size_t at = bx->plan_text.len;
						if (buf_put(&bx->plan_text, s, l) < 0 ||
						    buf_put(&bx->plan_text, "", 1) < 0)
							return HC_ERR_NOMEM;
						ns.lit = (uint32_t)at;
						s = bx->plan_text.p + at;
					}
					if (escaped_len(s, l) < HC_MAX_NAME_LEN)
						fname = ns.lit;
				}
			}
			pl->fname[pl->nfields] = fname;
			pl->fknown[pl->nfields] =
			    fname != UINT32_MAX ? hc_event_name_intern(bx->plan_text.p + fname)
			                        : NULL;
			pl->fcode[pl->nfields] =
			    pl->fknown[pl->nfields]
			        ? (uint8_t)hc_event_name_static(pl->fknown[pl->nfields])
			        : UINT8_MAX;
			if (!to_slot(c, content, ncontent, &pl->fval[pl->nfields]))
				c->ok = false;
			pl->nfields++;
		}
	} else if (!c->in_system && !c->in_eventdata) {
		/* a BinXML value outside System: where the EventData comes from */
		for (size_t i = 0; i < ncontent && i < MAX_PIECES; i++)
			if (content[i].kind == PS_SUBST && content[i].type == V_BINXML) {
				if (pl->nested >= 0 || c->eventdata_done || pl->eventdata)
					c->ok = false;
				else
					pl->nested = content[i].idx;
			}
	}
	if (ncontent > MAX_PIECES)
		c->ok = false;
	if (n->kind == K_SYSTEM) {
		c->in_system = was_sys;
		c->system_done = true;
	}
	if (n->kind == K_EVENTDATA && !was_sys && c->in_eventdata && !was_ed) {
		c->in_eventdata = false;
		c->eventdata_done = true;
	}
	c->depth--;
	*pos = p;
	return HC_OK;
}

/* Adds `delta` to every plan_text offset of `pl`; false when one would
 * leave [0, limit). */
static bool plan_rebase(struct hc_bx_plan *pl, int64_t delta, uint64_t limit)
{
	uint32_t *at[NSYS + 2 * HC_MAX_BX_PLAN_FIELDS];
	size_t n = 0;

	for (size_t k = 0; k < NSYS; k++)
		if (pl->sys[k].kind == PS_LIT)
			at[n++] = &pl->sys[k].lit;
	for (size_t i = 0; i < pl->nfields; i++) {
		if (pl->fval[i].kind == PS_LIT)
			at[n++] = &pl->fval[i].lit;
		if (pl->fname[i] != UINT32_MAX)
			at[n++] = &pl->fname[i];
	}
	for (size_t i = 0; i < n; i++)
		if ((int64_t)*at[i] + delta < 0 || (uint64_t)((int64_t)*at[i] + delta) >= limit)
			return false;
	for (size_t i = 0; i < n; i++)
		*at[i] = (uint32_t)((int64_t)*at[i] + delta);
	return true;
}

static size_t saved_slot(const uint8_t *guid, uint32_t size)
{
	return (size_t)(hc_fnv1a(HC_FNV_INIT, guid, 16) ^ size) & (SAVED_SLOTS - 1);
}

/* Keeps the plan just built from the fragment at chunk offset `body` (its
 * text from plan_text offset t0), as bx->prec recorded it. Best effort: a
 * plan too big or out of memory is not kept. */
static void plan_save(struct hc_bx *bx, const struct hc_bx_plan *pl, uint32_t def, size_t t0)
{
	const struct hc_bx_prec *r = bx->prec;
	uint32_t size = pl->body_end - pl->body;
	size_t ntext = bx->plan_text.len - t0, pos = 0;

	if (!r->ok || size > SAVED_FRAG || ntext > SAVED_FRAG)
		return;
	for (size_t i = 0; i < r->nwin; i++) {
		/* the name windows in order, apart: the build reads forward */
		if (r->win[i].kind == W_ELEM)
			continue;
		if (r->win[i].at < pos)
			return;
		pos = r->win[i].at + (r->win[i].kind == W_INLINE ? 8 : 4);
	}
	struct hc_bx_saved *sv =
	    malloc(sizeof(*sv) + r->nwin * sizeof(struct pwin) + size + r->nraw + ntext);
	if (!sv)
		return;
	sv->plan = *pl;
	if (!plan_rebase(&sv->plan, -(int64_t)t0, ntext)) {
		free(sv);
		return;
	}
	struct pwin *win = (struct pwin *)(void *)(sv + 1);
	uint8_t *frag = (uint8_t *)(win + r->nwin), *raw = frag + size;
	char *text = (char *)(raw + r->nraw);
	memcpy(win, r->win, r->nwin * sizeof(*win));
	memcpy(frag, bx->chunk + pl->body, size);
	memcpy(raw, r->raw, r->nraw);
	if (ntext)
		memcpy(text, bx->plan_text.p + t0, ntext); /* p is NULL before any text */
	memcpy(sv->guid, bx->chunk + def + 4, 16);
	sv->size = size;
	sv->nwin = (uint32_t)r->nwin;
	sv->ntext = (uint32_t)ntext;
	sv->win = win;
	sv->frag = frag;
	sv->raw = raw;
	sv->text = text;
	size_t slot = saved_slot(sv->guid, size);
	free(bx->saved[slot]);
	bx->saved[slot] = sv;
}

/* Whether the fragment at chunk offset `body` would build the saved plan:
 * equal bytes outside the windows, each element's name reference where
 * it was, each name inline where it was, or naming the same text. */
static bool saved_holds(const struct hc_bx *bx, const struct hc_bx_saved *sv, uint32_t body)
{
	const uint8_t *f = bx->chunk + body;
	uint32_t pos = 0, end = body + sv->size;

	for (uint32_t i = 0; i < sv->nwin; i++) {
		const struct pwin *w = &sv->win[i];
		if (w->kind == W_ELEM) {
			if (elem_name_pos(bx, body + w->at, end, true) != body + w->aux)
				return false;
			continue;
		}
		if (memcmp(f + pos, sv->frag + pos, w->at - pos) != 0)
			return false;
		uint32_t off = hc_le32(f + w->at);
		if (w->kind == W_INLINE) {
			if (off != body + w->at + 4)
				return false;
			pos = w->at + 8; /* the name's own offset of the next name */
			continue;
		}
		const uint8_t *raw = sv->raw + w->aux;
		uint32_t count = hc_le16(raw);
		if (off == body + w->at + 4 || (uint64_t)off + 8 + 2 * (uint64_t)count > bx->size ||
		    hc_le16(bx->chunk + off + 6) != count ||
		    memcmp(bx->chunk + off + 8, raw + 2, 2 * (size_t)count) != 0)
			return false;
		pos = w->at + 4;
	}
	return memcmp(f + pos, sv->frag + pos, sv->size - pos) == 0;
}

/* Gives `pl` (key, gen, body and body_end set) the saved plan of its
 * definition when there is one that holds; false when it must be built.
 * The names the build would have cached are counted in its order, so
 * that the chunk's cap on names falls where it would. */
static bool plan_reuse(struct hc_bx *bx, struct hc_bx_plan *pl, uint32_t def)
{
	uint32_t size = pl->body_end - pl->body;
	const struct hc_bx_saved *sv = bx->saved[saved_slot(bx->chunk + def + 4, size)];
	const char *why = NULL;

	if (!sv || sv->size != size || memcmp(sv->guid, bx->chunk + def + 4, 16) != 0 ||
	    !saved_holds(bx, sv, pl->body))
		return false;
	for (uint32_t i = 0; i < sv->nwin; i++)
		if (sv->win[i].kind != W_ELEM &&
		    !name_slot(bx, hc_le32(bx->chunk + pl->body + sv->win[i].at), &why)) {
			pl->state = PL_WALK; /* as the build would have ended */
			return true;
		}
	size_t base = bx->plan_text.len;
	if (sv->ntext && buf_put(&bx->plan_text, sv->text, sv->ntext) < 0)
		return false;
	struct hc_bx_plan keep = *pl;
	*pl = sv->plan;
	pl->key = keep.key;
	pl->gen = keep.gen;
	pl->body = keep.body;
	pl->body_end = keep.body_end;
	if (!plan_rebase(pl, (int64_t)base, bx->plan_text.len)) {
		*pl = keep;
		return false;
	}
	bx->plans_reused++;
	return true;
}

/* The plan of the template defined at chunk offset `def`. */
static struct hc_bx_plan *plan_get(struct hc_bx *bx, uint32_t def, const char **why)
{
	uint32_t h = (def * 2654435761u) & (PLAN_SLOTS - 1);
	struct hc_bx_plan *pl;

	for (;;) {
		pl = bx->plans[h];
		if (!pl || !pl->key || pl->gen != bx->gen)
			break;
		if (pl->key == def + 1)
			return pl;
		h = (h + 1) & (PLAN_SLOTS - 1);
	}
	if (bx->nplans >= HC_MAX_BX_TEMPLATES) {
		*why = NULL; /* not an error: this record takes the general walk */
		return NULL;
	}
	if (!pl && !(pl = bx->plans[h] = calloc(1, sizeof(*pl)))) {
		*why = "out of memory";
		return NULL;
	}
	bx->nplans++;
	memset(pl, 0, sizeof(*pl));
	pl->key = def + 1;
	pl->gen = bx->gen;
	pl->nested = -1;
	if ((uint64_t)def + 24 > bx->size ||
	    (uint64_t)def + 24 + hc_le32(bx->chunk + def + 20) > bx->size) {
		pl->state = PL_BAD;
		return pl;
	}
	pl->body = def + 24;
	pl->body_end = def + 24 + hc_le32(bx->chunk + def + 20);
	if (plan_reuse(bx, pl, def))
		return pl;
	/* fragment header, one element, EOF */
	struct hc_bx_prec *r = bx->prec;
	struct pctx c = {.bx = bx, .pl = pl, .end = pl->body_end, .ok = true, .rec = r};
	uint32_t p = pl->body;
	size_t t0 = bx->plan_text.len;
	r->body = pl->body;
	r->ok = true;
	r->nwin = r->nraw = 0;
	bx->plans_built++;
	pl->state = PL_WALK;
	if (p + 4 <= c.end && bx->chunk[p] == T_FRAGMENT)
		p += 4;
	int rc = HC_ERR_RECORD;
	if (p < c.end && (bx->chunk[p] & 0xbf) == T_OPEN && (rc = plan_element(&c, &p)) == HC_OK &&
	    c.ok && p < c.end && bx->chunk[p] == T_EOF)
		pl->state = c.userdata ? PL_SYSTEM : PL_PLAN;
	/* a template the plan cannot serve is kept too (its records take the
	 * general walk), unless the build ended on memory */
	if (rc != HC_ERR_NOMEM)
		plan_save(bx, pl, def, t0);
	return pl;
}

/* --- the planned path ---------------------------------------------------- */

struct inst {
	uint32_t n;
	const uint8_t *desc;
	uint32_t data; /* chunk offset of value 0 */
	uint32_t end;
	uint32_t *offs; /* when set: the offset of every value (n + 1 entries) */
};

/* Parses a template instance header at `p` (the 0x0c token); fills *in and
 * returns the definition offset, or UINT32_MAX when malformed. */
static uint32_t instance(const struct hc_bx *bx, uint32_t p, uint32_t end, struct inst *in)
{
	const uint8_t *ch = bx->chunk;
	uint32_t def, n;

	if (p + 10 > end)
		return UINT32_MAX;
	def = hc_le32(ch + p + 6);
	p += 10;
	if (def == p) {
		if ((uint64_t)p + 24 > end)
			return UINT32_MAX;
		uint64_t q = (uint64_t)p + 24 + hc_le32(ch + p + 20);
		if (q > end)
			return UINT32_MAX;
		p = (uint32_t)q;
	}
	if (p + 4 > end)
		return UINT32_MAX;
	n = hc_le32(ch + p);
	if (n > HC_MAX_BX_VALUES || (uint64_t)p + 4 + 4 * (uint64_t)n > end)
		return UINT32_MAX;
	in->n = n;
	in->desc = ch + p + 4;
	in->data = p + 4 + 4 * n;
	in->end = end;
	in->offs = NULL;
	return def;
}

/* Chunk offset of value `idx` (sum of the sizes before it), or UINT32_MAX
 * when the value does not lie within the record. */
static inline uint32_t value_off(const struct inst *in, uint16_t idx, uint16_t *size, uint8_t *type)
{
	uint64_t off = in->data;

	if (idx >= in->n)
		return UINT32_MAX;
	if (in->offs)
		off = in->offs[idx];
	else
		for (uint16_t i = 0; i < idx; i++)
			off += hc_le16(in->desc + 4 * i);
	*size = hc_le16(in->desc + 4 * idx);
	*type = in->desc[4 * idx + 2];
	if (off + *size > in->end)
		return UINT32_MAX;
	return (uint32_t)off;
}

/* libevtx renders a value that is one linefeed as empty: so does this, of
 * the value with its NUL appended at `at`. */
static inline void linefeed_empty(struct hc_buf *t, size_t at)
{
	if (t->len - at == 2 && t->p[at] == '\n') {
		t->p[at] = '\0';
		t->len--;
	}
}

/* Renders slot `s` into out->text; *at = offset, or SIZE_MAX when absent.
 * Returns 0, 1 (the plan cannot say: take the general walk), or < 0. */
static int slot_text(struct hc_bx *bx, const struct hc_bx_plan_slot *s, const struct inst *in,
                     struct hc_bx_record *out, size_t *at)
{
	uint16_t size;
	uint8_t type;
	uint32_t off;
	bool cut = false;
	int rc;

	*at = SIZE_MAX;
	if (s->kind == PS_ABSENT)
		return 0;
	if (s->kind == PS_LIT) {
		const char *l = bx->plan_text.p + s->lit;
		size_t n = strlen(l);
		if (n > HC_MAX_FIELD_LEN)
			return 1;
		if (n == 1 && l[0] == '\n') {
			l = ""; /* as a value of one linefeed: empty */
			n = 0;
		}
		*at = out->text.len;
		return buf_put(&out->text, l, n + 1);
	}
	if ((off = value_off(in, s->idx, &size, &type)) == UINT32_MAX)
		return 1;
	if (type == V_NULL && s->opt)
		return 0;
	if ((type & V_ARRAY) || type == V_BINXML)
		return 1;
	*at = out->text.len;
	rc = bx_render(type, bx->chunk + off, size, &out->text, &cut);
	if (rc == HC_ERR_RECORD)
		return 1; /* the general walk says what is wrong */
	out->truncated |= cut;
	if (rc == HC_OK)
		linefeed_empty(&out->text, *at);
	return rc;
}

/* slot_text of the usual field value, a short ASCII string with room for
 * it, inline in plan_fields (slot_text saves five registers per call);
 * false: slot_text says (nothing appended). */
static inline bool slot_ascii(struct hc_bx *bx, const struct hc_bx_plan_slot *s,
                              const struct inst *in, struct hc_bx_record *out, size_t *at)
{
	uint16_t size;
	uint8_t type;
	uint32_t off;
	size_t n;

	if (s->kind != PS_SUBST || (off = value_off(in, s->idx, &size, &type)) == UINT32_MAX ||
	    type != V_STRING || (n = ascii_units(bx->chunk + off, size)) > 256 ||
	    !buf_room(&out->text, n + 1))
		return false;
	*at = out->text.len;
	if (!ascii_fill(&out->text, bx->chunk + off, n))
		return false;
	linefeed_empty(&out->text, *at);
	return true;
}

/* Numeric System value from a slot: fast for the usual integer types. */
static int slot_num(struct hc_bx *bx, const struct hc_bx_plan_slot *s, const struct inst *in,
                    struct hc_bx_record *out, uint64_t *v, bool *has)
{
	uint16_t size;
	uint8_t type;
	uint32_t off;
	size_t at;
	int rc;

	*has = false;
	if (s->kind == PS_SUBST) {
		if ((off = value_off(in, s->idx, &size, &type)) == UINT32_MAX)
			return 1;
		if ((type == V_UINT16 && size == 2) || (type == V_UINT8 && size == 1) ||
		    (type == V_UINT64 && size == 8) || (type == V_UINT32 && size == 4)) {
			*v = uint_of(bx->chunk + off, size);
			*has = true;
			return 0;
		}
	}
	if ((rc = slot_text(bx, s, in, out, &at)) != 0 || at == SIZE_MAX)
		return rc;
	*v = parse_num(out->text.p + at);
	*has = true;
	out->text.len = at;
	return 0;
}

/* 10000-01-01T00:00:00Z as FILETIME: libevtx renders later times with more
 * than four year digits, which xmlscan.c does not parse. */
#define FILETIME_Y10K INT64_C(2650467744000000000)

static int slot_time(struct hc_bx *bx, const struct hc_bx_plan_slot *s, const struct inst *in,
                     struct hc_bx_record *out)
{
	uint16_t size;
	uint8_t type;
	uint32_t off;
	size_t at;
	int rc;

	if (s->kind == PS_SUBST) {
		if ((off = value_off(in, s->idx, &size, &type)) == UINT32_MAX)
			return 1;
		if (type == V_FILETIME && size == 8) {
			uint64_t ft = hc_le64(bx->chunk + off);
			if (ft < (uint64_t)FILETIME_Y10K) {
				out->time = (int64_t)ft;
				out->has_time = true;
			}
			return 0;
		}
	}
	if ((rc = slot_text(bx, s, in, out, &at)) != 0 || at == SIZE_MAX)
		return rc;
	if (strlen(out->text.p + at) < 64)
		out->has_time = hc_time_parse(out->text.p + at, &out->time) == 1;
	out->text.len = at;
	return 0;
}

static bool guards_hold(const struct hc_bx_plan *pl, const struct inst *in)
{
	for (unsigned i = 0; i < pl->nguards; i++) {
		uint16_t size;
		uint8_t type;
		if (value_off(in, pl->guards[i], &size, &type) == UINT32_MAX || type == V_NULL)
			return false;
	}
	return true;
}

static int plan_fields(struct hc_bx *bx, const struct hc_bx_plan *pl, const struct inst *in,
                       struct hc_bx_record *out)
{
	int rc;

	for (uint16_t i = 0; i < pl->nfields; i++) {
		size_t at;
		if (!slot_ascii(bx, &pl->fval[i], in, out, &at) &&
		    (rc = slot_text(bx, &pl->fval[i], in, out, &at)) != 0)
			return rc;
		if (at == SIZE_MAX)
			continue; /* an optional value that is not there: no element */
		if (out->nfields >= HC_MAX_FIELDS) {
			out->truncated = true;
			out->text.len = at;
			continue;
		}
		size_t vat = at;
		out->vlen[out->nfields] = (uint32_t)(out->text.len - at - 1);
		out->kcode[out->nfields] = pl->fcode[i];
		if (pl->fknown[i]) {
			out->kname[out->nfields] = pl->fknown[i];
			out->value[out->nfields++] = vat;
			continue;
		}
		out->kname[out->nfields] = NULL;
		out->name[out->nfields] = out->text.len;
		if (pl->fname[i] != UINT32_MAX) {
			const char *nm = bx->plan_text.p + pl->fname[i];
			rc = buf_put(&out->text, nm, strlen(nm) + 1);
		} else {
			char tmp[32];
			int k = snprintf(tmp, sizeof(tmp), "Data[%zu]", ++out->unnamed);
			rc = buf_put(&out->text, tmp, (size_t)k + 1);
		}
		if (rc < 0)
			return rc;
		out->value[out->nfields++] = vat;
	}
	return HC_OK;
}

/* Fills in->offs (room for in->n + 1) from the value sizes: every value of
 * a wanted record is then found at once. */
static void index_values(struct inst *in, uint32_t *offs)
{
	uint64_t off = in->data;

	for (uint32_t i = 0; i < in->n; i++) {
		offs[i] = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
		off += hc_le16(in->desc + 4 * i);
	}
	in->offs = offs;
}

/* The planned path. Returns 1 (filled, wanted), 0 (not wanted), 2 (take
 * the general walk) or < 0. */
static int planned(struct hc_bx *bx, uint32_t p, uint32_t end, struct hc_bx_record *out)
{
	const char *why = NULL;
	struct hc_bx_plan *pl;
	struct inst in;
	uint32_t def;
	uint64_t v;
	bool has;
	size_t at;
	int rc;

	if ((def = instance(bx, p, end, &in)) == UINT32_MAX)
		return 2;
	if (!(pl = plan_get(bx, def, &why)))
		return why ? HC_ERR_NOMEM : 2;
	if ((pl->state != PL_PLAN && pl->state != PL_SYSTEM) ||
	    pl->sys[S_EVENTID].kind == PS_ABSENT || !guards_hold(pl, &in))
		return 2;
	/* the event id first: nothing else of an unwanted record is read */
	if ((rc = slot_num(bx, &pl->sys[S_EVENTID], &in, out, &v, &has)) != 0)
		return rc < 0 ? rc : 2;
	if (!has)
		return 2;
	if (!wanted(bx, v))
		return 0;
	if (pl->state == PL_SYSTEM)
		return 2;
	uint32_t offs[HC_MAX_BX_VALUES], offs2[HC_MAX_BX_VALUES];
	index_values(&in, offs);
	out->event_id = (uint32_t)v;
	out->has_event_id = true;
	if ((rc = slot_num(bx, &pl->sys[S_VERSION], &in, out, &v, &has)) != 0)
		return rc < 0 ? rc : 2;
	out->version = has ? (uint32_t)v : 0;
	out->has_version = has;
	if ((rc = slot_num(bx, &pl->sys[S_RECORDID], &in, out, &v, &has)) != 0)
		return rc < 0 ? rc : 2;
	out->record_id = has ? v : 0;
	out->has_record_id = has;
	if ((rc = slot_time(bx, &pl->sys[S_TIME], &in, out)) != 0)
		return rc < 0 ? rc : 2;
	if ((rc = slot_text(bx, &pl->sys[S_COMPUTER], &in, out, &out->computer)) != 0 ||
	    (rc = slot_text(bx, &pl->sys[S_CHANNEL], &in, out, &out->channel)) != 0 ||
	    (rc = slot_text(bx, &pl->sys[S_PROVIDER], &in, out, &at)) != 0)
		return rc < 0 ? rc : 2;
	if (at != SIZE_MAX) {
		/* an attribute: its XML value ends at a quote */
		char *q = strchr(out->text.p + at, '"');
		if (q)
			*q = '\0';
	}
	out->provider = at;
	out->has_vlen = true;
	if (pl->eventdata)
		return (rc = plan_fields(bx, pl, &in, out)) != 0 ? (rc < 0 ? rc : 2) : 1;
	if (pl->nested < 0)
		return 1;
	/* the EventData in a BinXML value: its own template instance */
	uint16_t size;
	uint8_t type;
	uint32_t off = value_off(&in, (uint16_t)pl->nested, &size, &type);
	if (off == UINT32_MAX)
		return 2;
	if (type == V_NULL)
		return 1;
	if (type != V_BINXML)
		return 2;
	uint32_t q = off, qend = off + size;
	if (q + 4 <= qend && bx->chunk[q] == T_FRAGMENT)
		q += 4;
	if (q >= qend || bx->chunk[q] != T_TEMPLATE)
		return 2;
	struct inst in2;
	struct hc_bx_plan *pl2;
	if ((def = instance(bx, q, qend, &in2)) == UINT32_MAX)
		return 2;
	if (!(pl2 = plan_get(bx, def, &why)))
		return why ? HC_ERR_NOMEM : 2;
	if (pl2->state != PL_PLAN || pl2->nested >= 0 || !guards_hold(pl2, &in2))
		return 2;
	index_values(&in2, offs2);
	for (int s = 0; s < NSYS; s++)
		if (pl2->sys[s].kind != PS_ABSENT)
			return 2;
	if (!pl2->eventdata)
		return 2;
	return (rc = plan_fields(bx, pl2, &in2, out)) != 0 ? (rc < 0 ? rc : 2) : 1;
}

static void record_reset(struct hc_bx_record *out)
{
	/* not the field arrays: every field added sets its entries */
	out->has_event_id = out->has_time = out->has_version = out->has_record_id = false;
	out->truncated = out->in_eventdata_done = out->has_vlen = false;
	out->event_id = out->version = 0;
	out->record_id = 0;
	out->time = 0;
	out->nfields = out->unnamed = 0;
	out->computer = out->channel = out->provider = SIZE_MAX;
	out->text.len = 0;
}

int hc_bx_record(struct hc_bx *bx, uint32_t off, uint32_t end, struct hc_bx_record *out,
                 struct hc_diag *d)
{
	uint32_t p = off;
	int rc;

	record_reset(out);
	if (p + 4 <= end && bx->chunk[p] == T_FRAGMENT)
		p += 4;
	if (p < end && bx->chunk[p] == T_TEMPLATE) {
		rc = planned(bx, p, end, out);
		if (rc == 0 || rc == 1) {
			bx->plan_hits += rc == 1;
			return rc;
		}
		if (rc < 0)
			return rc;
		record_reset(out);
	}
	rc = general(bx, off, end, out, d);
	if (rc == HC_ERR_LIMIT) {
		hc_diag_set(d, "record text beyond the %u byte cap", HC_MAX_BX_TEXT);
		rc = HC_ERR_RECORD;
	}
	if (rc < 0)
		return rc;
	if (!wanted(bx, out->event_id))
		return 0;
	return 1;
}

void hc_bx_record_free(struct hc_bx_record *r)
{
	hc_buf_free(&r->text);
	memset(r, 0, sizeof(*r));
}

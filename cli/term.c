/* Terminal safety for strings that come from logs (attacker-controlled):
 * control characters, bidirectional overrides and broken UTF-8 never reach
 * the terminal (or a CSV file) raw. */
#include "term.h"

#include "../base/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The code point of the valid n-byte UTF-8 sequence at `p` when it is a
 * bidirectional formatting character, else 0. These reorder what follows
 * them on screen, so a name can show as another ("Trojan Source",
 * CVE-2021-42574): ALM U+061C, LRM and RLM U+200E/F, LRE, RLE, PDF, LRO and
 * RLO U+202A..202E, LRI, RLI, FSI and PDI U+2066..2069. */
static unsigned bidi_control(const unsigned char *p, size_t n)
{
	unsigned cp;

	if (n == 2 && p[0] == 0xD8 && p[1] == 0x9C)
		return 0x061C;
	if (n != 3 || p[0] != 0xE2)
		return 0;
	cp = 0x2000 | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
	if (cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return cp;
	return 0;
}

/* Calls emit(ctx, bytes, n) for the escaped form of `s`. */
static void escape(const char *s, void (*emit)(void *, const char *, size_t), void *ctx)
{
	const unsigned char *p = (const unsigned char *)s;
	static const char hex[] = "0123456789abcdef";

	while (*p) {
		size_t n = hc_utf8_seq(p, SIZE_MAX);
		char buf[4] = {'\\', 'x', 0, 0};
		unsigned c = p[0], cp = bidi_control(p, n);
		if (cp) {
			char u[6] = {'\\',
			             'u',
			             hex[cp >> 12],
			             hex[(cp >> 8) & 15],
			             hex[(cp >> 4) & 15],
			             hex[cp & 15]};
			emit(ctx, u, sizeof(u));
			p += n;
			continue;
		}
		/* C1 controls U+0080..U+009F are C2 80..C2 9F */
		if (n == 2 && c == 0xC2 && p[1] < 0xA0) {
			buf[2] = hex[p[1] >> 4];
			buf[3] = hex[p[1] & 15];
			emit(ctx, buf, 4);
			p += 2;
			continue;
		}
		if (n == 0 || c < 0x20 || c == 0x7F) {
			buf[2] = hex[c >> 4];
			buf[3] = hex[c & 15];
			emit(ctx, buf, 4);
			p++;
			continue;
		}
		emit(ctx, (const char *)p, n);
		p += n;
	}
}

static void emit_file(void *ctx, const char *b, size_t n)
{
	fwrite(b, 1, n, (FILE *)ctx);
}

void hc_term_put(FILE *out, const char *s)
{
	escape(s, emit_file, out);
}

struct sbuf {
	char *p;
	size_t len;
};

static void emit_buf(void *ctx, const char *b, size_t n)
{
	struct sbuf *sb = ctx;

	memcpy(sb->p + sb->len, b, n);
	sb->len += n;
}

char *hc_term_escape(const char *s)
{
	/* the longest growth: one byte to \xHH (4), two to \u061c (6 = 3 each) */
	struct sbuf sb = {malloc(strlen(s) * 4 + 1), 0};

	if (!sb.p)
		return NULL;
	escape(s, emit_buf, &sb);
	sb.p[sb.len] = '\0';
	return sb.p;
}

void hc_term_put_dot(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "?");

	fputc('"', out);
	while (*p) {
		size_t n = hc_utf8_seq(p, SIZE_MAX);
		/* dropped: C0, DEL, C1 (C2 80..9F) and bidirectional controls;
		 * a byte of broken UTF-8 goes as it is (DOT is bytes) */
		if (*p < 0x20 || *p == 0x7F || (n == 2 && p[0] == 0xC2 && p[1] < 0xA0) ||
		    (n && bidi_control(p, n))) {
			p += n ? n : 1;
			continue;
		}
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		if (!n)
			n = 1;
		fwrite(p, 1, n, out);
		p += n;
	}
	fputc('"', out);
}

size_t hc_term_width(const char *s)
{
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w++;
	return w;
}

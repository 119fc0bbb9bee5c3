/* EVTX structure check: header and chunk CRC32s, chunk signatures and
 * truncation, read straight from the file (layout per libyal's
 * evtx-format document: header CRC over bytes 0-119; chunk header CRC over
 * 0-119 and 128-511; record data CRC over 512..free-space offset). */
#include "evtx_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Slice-by-8 tables, built once (about 8x the byte-wise speed). */
static uint32_t crc_tab[8][256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] =
			    (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xFF];
}

static uint32_t crc32_table(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n >= 8) {
		uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		              (uint32_t)p[3] << 24;
		uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
		              (uint32_t)p[7] << 24;
		lo ^= crc;
		crc = crc_tab[7][lo & 0xFF] ^ crc_tab[6][(lo >> 8) & 0xFF] ^
		      crc_tab[5][(lo >> 16) & 0xFF] ^ crc_tab[4][lo >> 24] ^ crc_tab[3][hi & 0xFF] ^
		      crc_tab[2][(hi >> 8) & 0xFF] ^ crc_tab[1][(hi >> 16) & 0xFF] ^
		      crc_tab[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = crc_tab[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
	return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HC_CRC_CLMUL 1

/* CRC-32 by carry-less multiplication, folding 64 bytes at a time (Intel,
 * "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", 2009; the
 * bit-reflected constants for 0xEDB88320). `crc` and the result are the
 * register value (not inverted); n >= 64 and a multiple of 16. The record
 * data CRC of every chunk is on the native reader's path: ~10x the tables. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t
crc32_clmul(uint32_t crc, const unsigned char *p, size_t n)
{
	const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
	const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
	const __m128i k5k0 = _mm_set_epi64x(0, 0x0163cd6124);
	const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
	const __m128i mask = _mm_setr_epi32(~0, 0, ~0, 0);
	__m128i x0, x1, x2, x3, x4, x5, x6, x7, x8;

	x1 = _mm_loadu_si128((const __m128i *)(p + 0x00));
	x2 = _mm_loadu_si128((const __m128i *)(p + 0x10));
	x3 = _mm_loadu_si128((const __m128i *)(p + 0x20));
	x4 = _mm_loadu_si128((const __m128i *)(p + 0x30));
	x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
	x0 = k1k2;
	p += 64;
	n -= 64;
	while (n >= 64) {
		x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
		x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
		x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
		x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
		x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
		x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
		x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
		x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
		x1 = _mm_xor_si128(_mm_xor_si128(x1, x5),
		                   _mm_loadu_si128((const __m128i *)(p + 0x00)));
		x2 = _mm_xor_si128(_mm_xor_si128(x2, x6),
		                   _mm_loadu_si128((const __m128i *)(p + 0x10)));
		x3 = _mm_xor_si128(_mm_xor_si128(x3, x7),
		                   _mm_loadu_si128((const __m128i *)(p + 0x20)));
		x4 = _mm_xor_si128(_mm_xor_si128(x4, x8),
		                   _mm_loadu_si128((const __m128i *)(p + 0x30)));
		p += 64;
		n -= 64;
	}
	/* fold the four into one */
	x0 = k3k4;
	x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
	x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(x1, x3), x5);
	x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
	x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
	x1 = _mm_xor_si128(_mm_xor_si128(x1, x4), x5);
	while (n >= 16) {
		x2 = _mm_loadu_si128((const __m128i *)p);
		x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
		x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
		x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
		p += 16;
		n -= 16;
	}
	/* 128 -> 64 bits, then Barrett reduction to 32 */
	x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
	x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
	x0 = k5k0;
	x2 = _mm_srli_si128(x1, 4);
	x1 = _mm_and_si128(x1, mask);
	x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, x0, 0x00), x2);
	x0 = poly;
	x2 = _mm_and_si128(x1, mask);
	x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
	x2 = _mm_and_si128(x2, mask);
	x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
	x1 = _mm_xor_si128(x1, x2);
	return (uint32_t)_mm_extract_epi32(x1, 1);
}
#endif

static void crc_ready(void)
{
	static int ready;

	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		/* idempotent: racing threads write identical tables */
		crc_init();
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
}

uint32_t hc_crc32(uint32_t crc, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	crc_ready();
#ifdef HC_CRC_CLMUL
	if (n >= 64 && __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
		size_t k = n & ~(size_t)15;
		crc = ~crc32_clmul(~crc, p, k);
		p += k;
		n -= k;
	}
#endif
	return crc32_table(crc, p, n);
}

/* The table version alone, for tests that hold the two to one another. */
uint32_t hc_crc32_portable(uint32_t crc, const void *buf, size_t n)
{
	crc_ready();
	return crc32_table(crc, buf, n);
}

static void damage(struct hc_evtx_check *c, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void damage(struct hc_evtx_check *c, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	if (c->ndamage >= HC_MAX_CHECK_FINDINGS) {
		c->more_damage++;
		return;
	}
	c->damage[c->ndamage].offset = off;
	va_start(ap, fmt);
	vsnprintf(c->damage[c->ndamage].msg, sizeof(c->damage[0].msg), fmt, ap);
	va_end(ap);
	c->ndamage++;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Notes the record ids the chunk header in buf claims, when its range is
 * sane. */
static int claim(struct hc_evtx_check *out, const unsigned char *buf, uint64_t off)
{
	uint64_t first = hc_le64(buf + 24);
	uint64_t last = hc_le64(buf + 32);

	if (last >= first && last - first < HC_EVTX_CHUNK_SIZE / 32) {
		struct hc_evtx_claim *nc = realloc(out->claims, (out->nclaims + 1) * sizeof(*nc));
		if (!nc)
			return HC_ERR_NOMEM;
		out->claims = nc;
		nc[out->nclaims++] = (struct hc_evtx_claim){
		    off, (uint32_t)((off - HC_EVTX_HEADER_SIZE) / HC_EVTX_CHUNK_SIZE), first, last};
	}
	return HC_OK;
}

void hc_evtx_check_free(struct hc_evtx_check *c)
{
	free(c->claims);
	c->claims = NULL;
	c->nclaims = 0;
}

int hc_evtx_check_file(const char *path, struct hc_evtx_check *out, struct hc_diag *d)
{
	unsigned char *buf = NULL;
	FILE *f;
	size_t n;
	uint64_t off;
	int rc = HC_OK;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "rb");
	if (!f) {
		hc_diag_set(d, "cannot open: %s", strerror(errno));
		return HC_ERR_IO;
	}
	buf = malloc(HC_EVTX_CHUNK_SIZE);
	if (!buf) {
		rc = HC_ERR_NOMEM;
		goto out;
	}
	n = fread(buf, 1, HC_EVTX_HEADER_SIZE, f);
	if (n < 128 || memcmp(buf, "ElfFile", 8) != 0) {
		damage(out, 0, "file header missing or truncated (%zu bytes)", n);
		goto out;
	}
	out->flags = hc_le32(buf + 120);
	if (hc_crc32(0, buf, 120) != hc_le32(buf + 124))
		damage(out, 0, "file header checksum mismatch");
	if (n < HC_EVTX_HEADER_SIZE) {
		damage(out, n, "file ends inside the 4096-byte header block (%zu bytes)", n);
		goto out;
	}
	for (off = HC_EVTX_HEADER_SIZE;; off += HC_EVTX_CHUNK_SIZE) {
		n = fread(buf, 1, HC_EVTX_CHUNK_SIZE, f);
		if (n == 0)
			break;
		out->chunks++;
		if (n < HC_EVTX_CHUNK_SIZE) {
			/* what a cut chunk claims is accounted for too */
			if (n >= 512 && memcmp(buf, "ElfChnk", 8) == 0 &&
			    (rc = claim(out, buf, off)) < 0)
				goto out;
			if (!all_zero(buf, n))
				damage(out, off,
				       "file truncated: chunk %u has only %zu of 65536 bytes",
				       out->chunks - 1, n);
			break;
		}
		if (memcmp(buf, "ElfChnk", 8) != 0) {
			/* unused, zero-filled slots are normal in a live log */
			if (!all_zero(buf, 512))
				damage(out, off, "chunk %u: bad signature; its records are lost",
				       out->chunks - 1);
			continue;
		}
		out->chunks_used++;
		if ((rc = claim(out, buf, off)) < 0)
			goto out;
		uint32_t hcrc = hc_crc32(hc_crc32(0, buf, 120), buf + 128, 384);
		if (hcrc != hc_le32(buf + 124))
			damage(out, off, "chunk %u: header checksum mismatch", out->chunks - 1);
		uint32_t free_off = hc_le32(buf + 48);
		if (free_off < 512 || free_off > HC_EVTX_CHUNK_SIZE)
			damage(out, off, "chunk %u: free-space offset %u out of range",
			       out->chunks - 1, free_off);
		else if (hc_crc32(0, buf + 512, free_off - 512) != hc_le32(buf + 52))
			damage(out, off,
			       "chunk %u: record data checksum mismatch; records read "
			       "as they are",
			       out->chunks - 1);
	}
	if (ferror(f)) {
		hc_diag_set(d, "read error: %s", strerror(errno));
		rc = HC_ERR_IO;
	}
out:
	free(buf);
	fclose(f);
	return rc;
}

/* The template instance at b[p..end) (b[0] at chunk offset `base`), after
 * an optional fragment header: does a value hold a byte order mark alone? */
static bool lone_bom_in(const uint8_t *b, uint32_t p, uint32_t end, uint32_t base, int depth)
{
	uint32_t def, n, desc, data;

	if (depth > 8)
		return false;
	if (p + 4 <= end && b[p] == 0x0f)
		p += 4; /* fragment header */
	if (p + 10 > end || b[p] != 0x0c)
		return false; /* not a template instance */
	def = hc_le32(b + p + 6);
	p += 10;
	if (def == base + p) { /* the definition inline: skip it */
		if (p + 24 > end || hc_le32(b + p + 20) > end - p - 24)
			return false;
		p += 24 + hc_le32(b + p + 20);
	}
	if (p + 4 > end)
		return false;
	n = hc_le32(b + p);
	if (n > (end - p - 4) / 4)
		return false;
	desc = p + 4;
	data = desc + 4 * n;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t size = hc_le16(b + desc + 4 * i);
		uint8_t type = b[desc + 4 * i + 2];
		if (size > end - data)
			return false;
		if (type == 0x01 && size == 2 &&
		    (hc_le16(b + data) == 0xfeff || hc_le16(b + data) == 0xfffe))
			return true;
		if (type == 0x21 && lone_bom_in(b, data, data + size, base, depth + 1))
			return true;
		data += size;
	}
	return false;
}

bool hc_evtx_lone_bom(const uint8_t *rec, uint32_t size, uint32_t at)
{
	/* the record's BinXML: after its 24-byte header, before its size copy */
	if (size < 28 || memcmp(rec, "**\0\0", 4) != 0)
		return false;
	return lone_bom_in(rec, 24, size - 4, at, 0);
}

/* A structural check of an EVTX file, independent of the reader library:
 * file header, every chunk's signature and CRC32s, and truncation. It tells
 * the responder exactly which chunk is damaged, where libevtx only says
 * "corrupted" (and also says so for normal unused chunk slots). */
#ifndef HC_EVTX_CHECK_H
#define HC_EVTX_CHECK_H

#include "event.h"

#define HC_EVTX_HEADER_SIZE 4096
#define HC_EVTX_CHUNK_SIZE 65536
#define HC_MAX_CHECK_FINDINGS 64

/* Little-endian loads from bytes already bounds-checked by the caller. */
static inline uint16_t hc_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t hc_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t hc_le64(const uint8_t *p)
{
	return (uint64_t)hc_le32(p) | (uint64_t)hc_le32(p + 4) << 32;
}

struct hc_evtx_damage {
	uint64_t offset; /* byte offset of the damaged header or chunk */
	char msg[160];
};

/* The record ids a chunk's header claims (first..last), for accounting. */
struct hc_evtx_claim {
	uint64_t offset; /* the chunk's byte offset */
	uint32_t chunk;  /* its index */
	uint64_t first, last;
};

struct hc_evtx_check {
	uint32_t chunks;      /* chunk slots in the file */
	uint32_t chunks_used; /* slots with a valid signature */
	uint32_t flags;       /* file header flags (dirty 0x1, full 0x2) */
	size_t ndamage;       /* entries in damage[] (capped) */
	uint64_t more_damage; /* damage beyond the cap */
	struct hc_evtx_damage damage[HC_MAX_CHECK_FINDINGS];
	/* every chunk with a signature and a sane range (malloc'd, see
	 * hc_evtx_check_free) */
	struct hc_evtx_claim *claims;
	size_t nclaims;
};

/* Checks the file at `path`. Fills *out (free with hc_evtx_check_free);
 * returns 0, or HC_ERR_IO with d set when the file cannot be read, or
 * HC_ERR_NOMEM. Damage is data in *out, not an error. */
int hc_evtx_check_file(const char *path, struct hc_evtx_check *out, struct hc_diag *d);
void hc_evtx_check_free(struct hc_evtx_check *c);

/* Whether a record (its `size` bytes from the "**" signature on, at chunk
 * offset `at`) substitutes a string value that is a byte order mark alone
 * (0xFEFF or 0xFFFE): libevtx 20181227 crashes rendering one as an
 * element's content, so its backend must not ask it to. Reads only the
 * record's template instances and their values, BinXML values among them
 * (nesting capped); false when the bytes do not say. */
bool hc_evtx_lone_bom(const uint8_t *rec, uint32_t size, uint32_t at);

/* CRC-32 (ISO-HDLC, as zlib's crc32) of `n` bytes, continuing from `crc`
 * (start with 0). */
uint32_t hc_crc32(uint32_t crc, const void *buf, size_t n);
/* The same by tables only (hc_crc32 uses carry-less multiplication where
 * the CPU has it); for tests. */
uint32_t hc_crc32_portable(uint32_t crc, const void *buf, size_t n);

#endif

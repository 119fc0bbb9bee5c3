/* Internals shared by the native EVTX reader (evtx_native.c: file, chunks,
 * records, accounting) and its BinXML decoder (binxml.c: names, templates,
 * values, the per-template plans and the general tree walk). Only those two
 * files and the fuzz target include this header. */
#ifndef HC_EVTX_INT_H
#define HC_EVTX_INT_H

#include "evtx_check.h"
#include "input.h"
#include "../base/dynbuf.h"

/* Caps on what a file may make the decoder do (STYLE 9). */
#define HC_MAX_BX_DEPTH 24         /* element, BinXML value and template nesting */
#define HC_MAX_BX_VALUES 512       /* substitution values of one template instance */
#define HC_MAX_BX_TEMPLATES 256    /* template plans cached per chunk */
#define HC_MAX_BX_NAMES 1024       /* names cached per chunk */
#define HC_MAX_BX_PLAN_FIELDS 128  /* EventData fields one plan describes */
#define HC_MAX_BX_TOKENS 200000    /* tokens one record may make the walk visit */
#define HC_MAX_BX_ARRAY_ITEMS 4096 /* items of one array value */
#define HC_MAX_BX_TEXT (1u << 20)  /* rendered text of one record (beyond: cut) */
/* A chunk holds at most (65536 - 512) / 32 records; a header claiming more
 * is damaged. */
#define HC_MAX_CHUNK_RECORDS 2048
#define HC_EVTX_RECORD_MIN 32 /* header 24, an empty fragment, size copy */

/* A growable byte buffer with a ceiling. */
struct hc_bx_name;
struct hc_bx_plan;

/* What one record yields, before it becomes a struct hc_event: text offsets
 * into `text` (each NUL-terminated), as xmlscan.c would read them from
 * libevtx's XML rendering of the record. */
struct hc_bx_record {
	bool has_event_id, has_time, has_version, has_record_id;
	bool truncated; /* a value was cut at HC_MAX_FIELD_LEN or a field dropped */
	uint32_t event_id, version;
	uint64_t record_id;
	int64_t time;
	size_t computer, channel, provider; /* offsets in text; SIZE_MAX = absent */
	size_t nfields, unnamed;
	size_t name[HC_MAX_FIELDS], value[HC_MAX_FIELDS];
	uint32_t vlen[HC_MAX_FIELDS];     /* each value's length, when has_vlen */
	bool has_vlen;                    /* set by the planned path only */
	const char *kname[HC_MAX_FIELDS]; /* when set: the field's name (static) */
	uint8_t kcode[HC_MAX_FIELDS];     /* its code (struct hc_event.codes), when has_vlen */
	bool in_eventdata_done;           /* the first EventData/UserData was read */
	struct hc_buf text;
};

/* Per-chunk caches and per-reader scratch of the decoder. One per reader
 * (thread); reset for every chunk. */
struct hc_bx {
	const uint8_t *chunk; /* the chunk's bytes; every offset is relative to it */
	uint32_t size;        /* bytes of the chunk present (65536 unless truncated) */
	/* names: open addressing on the chunk offset */
	struct hc_bx_name *names;
	size_t nnames;
	struct hc_buf name_text;
	/* templates: plans keyed by the definition's chunk offset */
	struct hc_bx_plan **plans;
	size_t nplans;
	uint32_t gen; /* the chunk's generation: older cache entries are stale */
	struct hc_buf plan_text;
	/* plans kept across chunks, and the recording of a build */
	struct hc_bx_saved **saved;
	struct hc_bx_prec *prec;
	/* scratch of the general walk */
	void *walk;
	uint8_t want[8192]; /* event id filter as a bitmap */
	bool want_all;
	uint64_t plan_hits, walks; /* statistics, for tests and benchmarks */
	uint64_t plans_built, plans_reused;
};

int hc_bx_init(struct hc_bx *bx, const struct hc_read_opts *o);
void hc_bx_free(struct hc_bx *bx);
/* Forget the caches of the previous chunk; `chunk`/`size` is the next one. */
void hc_bx_chunk(struct hc_bx *bx, const uint8_t *chunk, uint32_t size);

/* Decodes the BinXML of the record whose data lies at chunk offsets
 * [off, end). Returns 1 and fills *out (reset first) when the record's event
 * id is wanted, 0 when it is not (nothing else of it is read), or
 * HC_ERR_RECORD with d->msg saying why, or HC_ERR_NOMEM. */
int hc_bx_record(struct hc_bx *bx, uint32_t off, uint32_t end, struct hc_bx_record *out,
                 struct hc_diag *d);

void hc_bx_record_free(struct hc_bx_record *r);

/* Renders value `type` of `size` bytes at `p` as libevtx 20181227 does
 * (decimal integers, 0x-prefixed full-width hex, {GUID} upper case, SIDs,
 * ISO 8601 times, upper-case base16 binary, true/false, its float format),
 * appending UTF-8 and a NUL to `b`. *cut is set when the value was cut at
 * HC_MAX_FIELD_LEN bytes. Returns 0, HC_ERR_RECORD (a malformed value) or
 * HC_ERR_NOMEM. Exposed for unit tests. */
int hc_bx_render(uint8_t type, const uint8_t *p, size_t size, struct hc_buf *b, bool *cut);

#endif

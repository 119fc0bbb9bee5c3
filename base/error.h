/* Errors and diagnostics: the one vocabulary every layer of hopchain speaks
 * (parsers, engine, front end, tests).
 *
 * Return values, everywhere in the library:
 *  - an operation that can fail returns int: HC_OK (0) when it did what it
 *    says, or one of the negative HC_ERR_* codes below. Where a positive
 *    value carries meaning (a count, "stale", "end of input"), the function's
 *    header says so; a negative value is always an error.
 *  - a check or a parse of one value that simply succeeds or not returns
 *    bool: true means "yes" / "parsed" (hc_time_parse, hc_duration_parse,
 *    hc_host_canon).
 *  - a constructor returns a pointer, NULL meaning out of memory.
 * A failing call that can say more fills a caller-owned struct hc_diag
 * (like jansson's json_error_t): which file, which position in it, and a
 * message. The library never prints; the front end prints diagnostics. */
#ifndef HC_ERROR_H
#define HC_ERROR_H

#include <stdbool.h>
#include <stdint.h>

/* Error codes (negative). */
enum {
	HC_OK = 0,
	HC_ERR_IO = -1,     /* cannot open/read/write */
	HC_ERR_FORMAT = -2, /* not this format / unusable */
	HC_ERR_RECORD = -3, /* one record failed; reading can go on */
	HC_ERR_NOMEM = -4,
	HC_ERR_LIMIT = -5, /* a HC_MAX_* cap was hit */
	HC_ERR_USAGE = -6, /* the caller asked for something impossible */
};

/* Which kind of position hc_diag.record holds. Each input names its
 * records its own way, and the numbers are not interchangeable. */
enum hc_pos {
	HC_POS_NONE = 0,     /* no position: d->record is meaningless */
	HC_POS_RECORD_ID,    /* an EVTX EventRecordID (what Event Viewer shows) */
	HC_POS_RECORD_INDEX, /* libevtx's 0-based record index (no id could be read) */
	HC_POS_LINE,         /* a 1-based line of a JSON/JSONL file */
};

/* Diagnostic filled by any failing call: which file, which record (of the
 * kind `pos`) or byte offset, and a message that already names the
 * position for a reader ("record 12: ...", "line 4: ..."). */
struct hc_diag {
	char file[512];
	uint64_t record; /* the position, of kind `pos` */
	uint64_t offset; /* byte offset in the file, when has_offset */
	enum hc_pos pos;
	bool has_offset;
	char msg[512];
};

/* Empties d: no file, no position, no message. NULL-safe. */
void hc_diag_clear(struct hc_diag *d);
/* printf-style message; keeps file/record/offset already set. */
void hc_diag_set(struct hc_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Puts a printf-style prefix (at most 127 bytes) before d->msg. */
void hc_diag_prefix(struct hc_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the position (`record` of kind `pos`). */
void hc_diag_at(struct hc_diag *d, enum hc_pos pos, uint64_t record);

#endif

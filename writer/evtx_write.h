/* evtx_write.h: a self-contained encoder for Windows XML Event Log (.evtx) files.
 * It lays out the file header, 64 KiB chunks with their string and template
 * tables, and records whose BinXML uses template definitions and substitution
 * arrays the way Windows' event log service writes Security events. */
#ifndef HC_EVTX_WRITE_H
#define HC_EVTX_WRITE_H

#include <stddef.h>
#include <stdint.h>

#define HC_EVTXW_FILE_HEADER_SIZE 4096
#define HC_EVTXW_CHUNK_SIZE 65536
#define HC_EVTXW_CHUNK_HEADER_SIZE 512
#define HC_EVTXW_MAX_FIELDS 64          /* EventData fields per template */
#define HC_EVTXW_MAX_NAME 255           /* UTF-8 bytes of an element/field name */
#define HC_EVTXW_MAX_STRING_UNITS 32767 /* UTF-16 units per string value (u16 size) */
#define HC_EVTXW_MAX_SID_SUBAUTH 15
#define HC_EVTXW_MAX_COMPUTER 1024 /* UTF-8 bytes of the Computer name */
#define HC_EVTXW_MAX_TEMPLATES 256 /* template definitions per chunk */
#define HC_EVTXW_MAX_NAMES 4096    /* distinct names per chunk */
#define HC_EVTXW_MAX_CHUNKS 65535  /* the file header counts chunks in 16 bits */

/* Error codes (negative); details go into struct hc_evtxw_diag. */
#define HC_EVTXW_E_IO (-1)
#define HC_EVTXW_E_INVAL (-2)
#define HC_EVTXW_E_TOOBIG (-3)
#define HC_EVTXW_E_NOMEM (-4)

/* BinXML value types used by this encoder (values as on disk). */
enum hc_evtxw_type {
	HC_EVTXW_T_NULL = 0x00,
	HC_EVTXW_T_STRING = 0x01,
	HC_EVTXW_T_UINT8 = 0x04,
	HC_EVTXW_T_UINT16 = 0x06,
	HC_EVTXW_T_UINT32 = 0x08,
	HC_EVTXW_T_UINT64 = 0x0a,
	HC_EVTXW_T_BOOL = 0x0d, /* 32-bit; rendered true / false (Sysmon's Initiated) */
	HC_EVTXW_T_GUID = 0x0f,
	HC_EVTXW_T_SIZET = 0x10, /* template only: a pointer; the value is HEXINT64 */
	HC_EVTXW_T_FILETIME = 0x11,
	HC_EVTXW_T_SID = 0x13,
	HC_EVTXW_T_HEXINT32 = 0x14,
	HC_EVTXW_T_HEXINT64 = 0x15,
	HC_EVTXW_T_BINXML = 0x21,
};

struct hc_evtxw_diag {
	char msg[512];
};

/* One substitution value. type HC_EVTXW_T_NULL writes an absent value. */
struct hc_evtxw_value {
	uint8_t type;
	uint8_t binlen;  /* GUID: 16; SID: 8 + 4 * sub-authorities */
	uint64_t u;      /* integer types, BOOL (0/1) and FILETIME */
	const char *str; /* STRING: UTF-8 (borrowed), not NUL-terminated */
	size_t len;      /* STRING: bytes at str */
	uint8_t bin[8 + 4 * HC_EVTXW_MAX_SID_SUBAUTH]; /* GUID / SID in on-disk form */
};

/* One <Data Name="..."> element of an EventData template and its value type. */
struct hc_evtxw_field {
	const char *name;
	uint8_t type; /* as declared in the template: SIZET for pointers */
};

/* An EventData template. Its address identifies it: the writer caches the
 * definition per chunk by pointer, so it must outlive the writer. */
struct hc_evtxw_datatpl {
	const struct hc_evtxw_field *fields;
	size_t nfields;
};

/* One event. Strings are UTF-8 and borrowed for the duration of the call. */
struct hc_evtxw_event {
	uint64_t record_id; /* EventRecordID; must increase within a file */
	uint64_t time;      /* FILETIME: TimeCreated and the record's written time */
	uint16_t event_id;
	int has_qualifiers; /* 0: Qualifiers is a null value (Security events) */
	uint16_t qualifiers;
	uint8_t version;
	uint8_t level;
	uint8_t opcode;
	uint16_t task;
	uint64_t keywords;
	const char *provider_name;
	uint8_t provider_guid[16]; /* on-disk (mixed-endian) form */
	uint32_t process_id;
	uint32_t thread_id;
	const char *channel;
	const char *computer; /* literal text in the System template, as Windows does */
	const struct hc_evtxw_value *user_id; /* SID value or NULL for <Security/> */
	const struct hc_evtxw_datatpl *data;
	const struct hc_evtxw_value *values; /* data->nfields values, in template order */
	/* 1: write the record as Windows Event Forwarding stores a forwarded
	 * event (RenderedText): one element tree with every value as text
	 * (value-text tokens, 0x05), no templates, no dependency ids, and a
	 * RenderingInfo element. libevtx 20181227 cannot read such records. */
	int rendered;
	/* rendered only: the EventRecordID of the source host (record_id is
	 * then the collector's own record number); 0 = record_id */
	uint64_t source_record_id;
};

struct hc_evtxw;

/* zlib-compatible CRC-32 (reflected 0xEDB88320); start with crc = 0. */
uint32_t hc_evtxw_crc32(uint32_t crc, const void *buf, size_t len);

/* The BinXML name hash (low 16 bits of h = h * 65599 + unit over UTF-16 units)
 * of a UTF-8 name; returns 0 for invalid UTF-8. */
uint16_t hc_evtxw_name_hash(const char *name);

/* Parse "S-1-5-21-..." into a SID value. Returns 0 or HC_EVTXW_E_INVAL. */
int hc_evtxw_sid_parse(const char *text, struct hc_evtxw_value *out);

/* Parse a GUID with or without braces into its on-disk form. 0 or HC_EVTXW_E_INVAL. */
int hc_evtxw_guid_parse(const char *text, uint8_t out[16]);

/* Parse RFC 3339 ("2026-03-02T10:00:01.1234567Z", offsets allowed, up to 7
 * fraction digits) into a FILETIME. 0 or HC_EVTXW_E_INVAL. */
int hc_evtxw_time_parse(const char *text, uint64_t *filetime);

/* Render a FILETIME as RFC 3339 UTC with 7 fraction digits; buf >= 32 bytes. */
void hc_evtxw_time_format(uint64_t filetime, char *buf, size_t size);

/* The text of a value as Windows renders it in XML (what a forwarded
 * event carries, and what the manifest shows): decimal integers, hex as
 * 0x%x, true/false, {GUID} upper case, S-1-... SIDs, FILETIME as RFC 3339 with 9
 * fraction digits; strings as they are (not NUL-terminated: use v->len);
 * "" for null. Returns the length written to buf (size >= 200). */
size_t hc_evtxw_value_text(const struct hc_evtxw_value *v, char *buf, size_t size);

/* Create path and return a writer in *ret. The caller ends it with
 * hc_evtxw_close (keeps the file) or hc_evtxw_free (discards the writer). */
int hc_evtxw_open(const char *path, struct hc_evtxw **ret, struct hc_evtxw_diag *diag);

/* Append one record; opens a new chunk when the current one is full.
 * HC_EVTXW_E_TOOBIG when the record cannot fit even in an empty chunk. */
int hc_evtxw_add(struct hc_evtxw *w, const struct hc_evtxw_event *ev, struct hc_evtxw_diag *diag);

/* Flush the last chunk, write the file header, close the file and free w.
 * w is freed even on error. */
int hc_evtxw_close(struct hc_evtxw *w, struct hc_evtxw_diag *diag);

/* Free a writer without finishing the file; accepts NULL. */
void hc_evtxw_free(struct hc_evtxw *w);

#endif

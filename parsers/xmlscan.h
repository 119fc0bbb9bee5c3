/* Scanner for the XML rendering of one event record (what libevtx and
 * python-evtx print): System fields and every EventData Data Name -> text. */
#ifndef HC_XMLSCAN_H
#define HC_XMLSCAN_H

#include "event.h"
#include "../base/dynbuf.h"

struct hc_xml_event {
	uint32_t event_id, version;
	bool has_event_id, has_time;
	uint64_t record_id;
	int64_t time;
	bool truncated, dropped_fields;
	const char *computer, *channel, *provider; /* into the buffer */
	size_t nfields;
	char *names[HC_MAX_FIELDS];
	char *values[HC_MAX_FIELDS];
};

/* Scans `len` bytes (at most HC_MAX_RECORD_XML) of `xml` into *out, whose
 * strings live in `b` (zeroed before first use, freed with hc_buf_free)
 * until the next scan with it. Values longer than HC_MAX_FIELD_LEN are cut (flagged in
 * out->truncated). Returns 0, HC_ERR_RECORD (d says why) or HC_ERR_NOMEM. */
int hc_xml_scan(const char *xml, size_t len, struct hc_buf *b, struct hc_xml_event *out,
                struct hc_diag *d);

/* hc_xml_scan, then hc_event_build into *ev (which the caller clears). */
int hc_xml_event_scan(const char *xml, size_t len, struct hc_buf *b, struct hc_event *ev,
                      struct hc_diag *d);

#endif

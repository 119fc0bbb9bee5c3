/* Fuzz target: the scanner of one record's XML rendering (parsers/
 * xmlscan.c) and the event it builds. Replay program unless built with
 * -Dfuzzing=true, as fuzz_input. */
#include "xmlscan.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct hc_buf b = {0};
	struct hc_event ev;
	struct hc_diag d;

	memset(&ev, 0, sizeof(ev));
	if (hc_xml_event_scan((const char *)data, size, &b, &ev, &d) == 0)
		hc_event_clear(&ev);
	hc_buf_free(&b);
	return 0;
}

/* Fuzz target: any input file through the backend registry (EVTX via
 * libevtx and the structure check, the JSON layouts), every record read,
 * normalised, compacted and freed. Hostile bytes must never crash, hang or
 * leak; errors are fine.
 *
 * Built as a libFuzzer target with -Dfuzzing=true (clang), otherwise as a
 * replay program: `fuzz_input FILE|DIR...` runs every file once (what
 * `meson test` does over the samples and tests/fuzz/corpus). */
#include "input.h"
#include "strpool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char path[] = "/tmp/hc_fuzz_XXXXXX";
	int fd = mkstemp(path);
	struct hc_input *in = NULL;
	struct hc_read_opts o = {.recover = size % 2 == 1};
	struct hc_strpool *pool = hc_strpool_new();
	struct hc_diag d;

	if (fd < 0 || !pool) {
		hc_strpool_free(pool);
		return 0;
	}
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		hc_strpool_free(pool);
		return 0;
	}
	close(fd);
	hc_input_init();
	if (hc_input_open(path, &o, &in, &d) == 0) {
		for (int guard = 0; guard < 1000000; guard++) {
			struct hc_event ev;
			int rc;
			memset(&ev, 0, sizeof(ev));
			rc = hc_input_next(in, &ev, &d);
			if (rc == 1) {
				(void)hc_event_get(&ev, "TargetUserName");
				hc_event_compact(&ev, guard % 2 ? pool : NULL);
				hc_event_clear(&ev);
				continue;
			}
			if (rc != HC_ERR_RECORD)
				break;
		}
		hc_input_close(in);
	}
	unlink(path);
	hc_strpool_free(pool);
	return 0;
}

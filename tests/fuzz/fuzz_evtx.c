/* Fuzz target: the native EVTX reader (parsers/evtx_native.c, binxml.c)
 * on hostile bytes, whole or split in two parts, with and without
 * --recover and an id filter. Besides never crashing, hanging or leaking,
 * it checks the reader's accounting: every record id that a chunk header
 * with a signature and a sane range claims must be read or reported as not
 * read (issue 8: no silent loss); a chunk the check finds short of that
 * aborts.
 *
 * Built as a libFuzzer target with -Dfuzzing=true (clang), otherwise as a
 * replay program over tests/fuzz/corpus/evtx and the samples. */
#include "evtx_int.h"
#include "strpool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

struct acct {
	uint64_t nchunks;
	uint8_t **seen; /* per chunk slot: bitmap over the claimed range */
	uint64_t *first, *last;
};

static void on_account(void *ctx, uint64_t chunk, uint64_t id)
{
	struct acct *a = ctx;

	if (chunk >= a->nchunks || !a->seen[chunk])
		abort(); /* accounted a chunk that claims nothing */
	if (id < a->first[chunk] || id > a->last[chunk])
		abort();
	a->seen[chunk][(id - a->first[chunk]) >> 3] |=
	    (uint8_t)(1u << ((id - a->first[chunk]) & 7));
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char path[] = "/tmp/hc_fuzz_evtx_XXXXXX";
	static const uint32_t ids[] = {4624, 4625, 4688, 1};
	struct acct a = {0};
	struct hc_strpool *pool = NULL;
	int fd = mkstemp(path);
	unsigned nparts;
	bool opened = true;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	/* the claims, read independently of the reader */
	a.nchunks = size > HC_EVTX_HEADER_SIZE
	                ? (size - HC_EVTX_HEADER_SIZE + HC_EVTX_CHUNK_SIZE - 1) / HC_EVTX_CHUNK_SIZE
	                : 0;
	a.seen = calloc(a.nchunks + 1, sizeof(*a.seen));
	a.first = calloc(a.nchunks + 1, sizeof(*a.first));
	a.last = calloc(a.nchunks + 1, sizeof(*a.last));
	pool = hc_strpool_new();
	if (!a.seen || !a.first || !a.last || !pool)
		goto out;
	for (uint64_t c = 0; c < a.nchunks; c++) {
		const uint8_t *ch = data + HC_EVTX_HEADER_SIZE + c * HC_EVTX_CHUNK_SIZE;
		size_t n = size - (HC_EVTX_HEADER_SIZE + c * HC_EVTX_CHUNK_SIZE);
		if (n < 512 || memcmp(ch, "ElfChnk", 8) != 0)
			continue;
		a.first[c] = hc_le64(ch + 24);
		a.last[c] = hc_le64(ch + 32);
		if (a.last[c] < a.first[c] || a.last[c] - a.first[c] >= HC_MAX_CHUNK_RECORDS)
			continue;
		a.seen[c] = calloc(HC_MAX_CHUNK_RECORDS / 8, 1);
		if (!a.seen[c])
			goto out;
	}
	nparts = size % 3 == 0 ? 2 : 1;
	for (unsigned part = 0; part < nparts; part++) {
		struct hc_read_opts o = {.recover = size % 2 == 1 && nparts == 1,
		                         .ids = size % 5 == 0 ? ids : NULL,
		                         .nids = size % 5 == 0 ? 4 : 0,
		                         .part = part,
		                         .nparts = nparts,
		                         .reader = "native",
		                         .account = on_account,
		                         .account_ctx = &a};
		struct hc_input *in = NULL;
		struct hc_diag d;
		if (hc_input_open(path, &o, &in, &d) != 0) {
			opened = false; /* the whole file is reported unreadable */
			break;
		}
		if (strcmp(hc_input_backend(in), "native") != 0)
			opened = false; /* not EVTX (JSON, say): nothing to account for */
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
	/* every claimed id read or reported */
	for (uint64_t c = 0; opened && c < a.nchunks; c++) {
		if (!a.seen[c])
			continue;
		for (uint64_t k = 0; k <= a.last[c] - a.first[c]; k++) {
			uint64_t id = a.first[c] + k;
			if (!((a.seen[c][k >> 3] >> (k & 7)) & 1)) {
				fprintf(stderr,
				        "chunk %llu: record id %llu neither read nor reported\n",
				        (unsigned long long)c, (unsigned long long)id);
				abort();
			}
		}
	}
out:
	for (uint64_t c = 0; a.seen && c < a.nchunks; c++)
		free(a.seen[c]);
	free(a.seen);
	free(a.first);
	free(a.last);
	hc_strpool_free(pool);
	unlink(path);
	return 0;
}

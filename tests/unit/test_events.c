/* Unit tests for engine/loader.c: a JSON lines file big enough to be split
 * between workers, whose later parts hold no wanted event (the parts that
 * yield nothing are merged without touching a NULL array: UBSan checks
 * this in the sanitizer build), read whole and in parts alike. */
#include "loader.h"
#include "hc_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One wanted logon (4624) and one unwanted event (4688) as Winlogbeat
 * writes them; the unwanted one pads the file past the split size. */
static const char wanted_fmt[] =
    "{\"@timestamp\":\"2019-05-14T05:05:%02d.000Z\",\"winlog\":{\"channel\":\"Security\","
    "\"computer_name\":\"h\",\"event_id\":4624,\"record_id\":%d,\"event_data\":{"
    "\"LogonType\":\"3\"}}}\n";
static const char padding_fmt[] =
    "{\"@timestamp\":\"2019-05-14T05:06:00.000Z\",\"winlog\":{\"channel\":\"Security\","
    "\"computer_name\":\"h\",\"event_id\":4688,\"record_id\":%d,\"event_data\":{"
    "\"NewProcessName\":\"C:\\\\Windows\\\\System32\\\\%0200d.exe\"}}}\n";

struct seen {
	size_t files, diags;
};

static void on_diag(void *ctx, const struct hc_diag *d, bool fatal)
{
	struct seen *s = ctx;

	(void)fatal;
	fprintf(stderr, "diag: %s: %s\n", d->file, d->msg);
	s->diags++;
}

static void on_file(void *ctx, const struct hc_file_result *r)
{
	struct seen *s = ctx;

	(void)r;
	s->files++;
}

static void test_split_empty_parts(const char *dir)
{
	char path[512];
	FILE *f;
	int rec = 1;
	long size;

	snprintf(path, sizeof(path), "%s/split.jsonl", dir);
	if (!(f = fopen(path, "w")))
		HC_SKIP("cannot write %s", path);
	for (int i = 0; i < 10; i++, rec++)
		fprintf(f, wanted_fmt, i, rec);
	/* 9 MiB of unwanted records: every part but the first yields nothing */
	while (ftell(f) < (9L << 20)) {
		fprintf(f, padding_fmt, rec, rec);
		rec++;
	}
	size = ftell(f);
	if (fclose(f) != 0 || size < (8L << 20))
		HC_SKIP("cannot write %s", path);

	for (unsigned threads = 1; threads <= 4; threads += 3) {
		struct hc_eventset set = {0};
		struct seen s = {0};
		struct hc_load_cb cb = {.on_diag = on_diag, .on_file = on_file, .ctx = &s};
		char *paths[] = {path};
		int rc = hc_events_load(&set, paths, 1, NULL, threads, HC_LOAD_COMPACT, &cb);
		CHECK_INT(rc, HC_OK);
		CHECK_INT(set.n, 10);
		CHECK_INT(s.files, 1);
		CHECK_INT(s.diags, 0);
		for (size_t i = 0; i < set.n; i++)
			CHECK_INT(set.v[i].record_id, i + 1);
		hc_eventset_free(&set);
	}
	unlink(path);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/hc-test-events-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		HC_SKIP("cannot make a temporary directory");
	hc_input_init();
	test_split_empty_parts(dir);
	rmdir(dir);
	return hc_test_result();
}

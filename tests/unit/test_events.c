/* Unit tests for engine/loader.c: a JSON lines file big enough to be split
 * between workers, whose later parts hold no wanted event (the parts that
 * yield nothing are merged without touching a NULL array: UBSan checks
 * this in the sanitizer build), read whole and in parts alike; the packed
 * load (engine/packset.c) gives the events of the ordinary load in
 * hc_events_sort's order, and hc_packset_each hands batches over in order
 * and stops at a failure; hc_sort_keys orders keys as qsort with
 * hc_sort_key_cmp does, whatever runs they come in; borrowed events with
 * value lengths and name codes (the native reader's) pack and unpack to
 * themselves, whichever way their values are copied. */
#include "loader.h"
#include "hc_test.h"
#include "packset.h"
#include "packset_int.h"

#include <malloc.h>
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

	for (unsigned threads = 1; threads <= 4; threads *= 2) {
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

/* A split file whose wanted events are spread over every part, their times
 * out of order and often equal, and a small second file with the same
 * times: the packed load must give exactly the events and order of
 * hc_events_load + hc_events_sort, whatever the threads. */
static void write_spread(const char *path, int nrec, int every)
{
	FILE *f = fopen(path, "w");

	if (!f)
		HC_SKIP("cannot write %s", path);
	for (int rec = 1; rec <= nrec; rec++) {
		if (rec % every == 0)
			fprintf(f, wanted_fmt, (rec * 7919) % 60, rec);
		else
			fprintf(f, padding_fmt, rec, rec);
	}
	if (fclose(f) != 0)
		HC_SKIP("cannot write %s", path);
}

struct order {
	const struct hc_packset *ps;
	size_t next_done; /* the batch done() expects next */
	size_t *worked;   /* per event: times work() saw it */
	size_t fail_at;   /* done() fails at this batch start (SIZE_MAX: never) */
	bool out_of_order;
};

static int order_work(void *ctx, unsigned slot, size_t from, size_t to)
{
	struct order *o = ctx;

	(void)slot;
	for (size_t i = from; i < to; i++)
		__atomic_add_fetch(&o->worked[i], 1, __ATOMIC_RELAXED);
	return HC_OK;
}

static int order_done(void *ctx, unsigned slot, size_t from, size_t to)
{
	struct order *o = ctx;

	(void)slot;
	if (from != o->next_done)
		o->out_of_order = true;
	o->next_done = to;
	return from == o->fail_at ? HC_ERR_IO : HC_OK;
}

/* Events of `ps` that differ from ref's at the same place (its count
 * counted as one more when it differs). */
static size_t same_as_ref(const struct hc_packset *ps, const struct hc_eventset *ref)
{
	struct hc_unpack u = {0};
	size_t bad = hc_packset_count(ps) != ref->n;

	for (size_t i = 0; i < ref->n && i < hc_packset_count(ps); i++) {
		struct hc_event ev;
		const struct hc_event *r = &ref->v[i];
		if (hc_packset_event(ps, i, &ev, &u) < 0) {
			bad++;
			continue;
		}
		bool same = ev.file == r->file && ev.record_id == r->record_id &&
		            ev.time == r->time && ev.event_id == r->event_id &&
		            strcmp(ev.computer, r->computer) == 0 &&
		            strcmp(ev.channel, r->channel) == 0 && ev.nfields == r->nfields &&
		            ev.norm.logon_type == r->norm.logon_type && ev.borrowed;
		for (size_t k = 0; same && k < ev.nfields; k++)
			same = strcmp(ev.fields[k].name, r->fields[k].name) == 0 &&
			       strcmp(ev.fields[k].value, r->fields[k].value) == 0 &&
			       u.vlen[k] == strlen(r->fields[k].value);
		bad += !same;
		hc_event_clear(&ev);
	}
	hc_unpack_free(&u);
	return bad;
}

static void test_packed_order(const char *dir)
{
	char big[512], small[512];
	struct hc_eventset ref = {0};
	struct seen s = {0};
	struct hc_load_cb cb = {.on_diag = on_diag, .on_file = on_file, .ctx = &s};

	snprintf(big, sizeof(big), "%s/spread.jsonl", dir);
	snprintf(small, sizeof(small), "%s/a-small.jsonl", dir);
	/* over 4 split sizes (39 MB): 4 parts on 2 threads (each worker
	 * takes a second part), 4 on 4 */
	write_spread(big, 100000, 97);
	write_spread(small, 60, 7);
	char *paths[] = {big, small}; /* load order is not path order */

	CHECK_INT(hc_events_load(&ref, paths, 2, NULL, 1, 0, &cb), HC_OK);
	CHECK_INT(hc_events_sort(&ref), HC_OK);
	CHECK(ref.n > 300);
	for (unsigned threads = 1; threads <= 4; threads *= 2) {
		struct hc_packset *ps = NULL;
		s = (struct seen){0};
		CHECK_INT(hc_events_load_packed(&ps, paths, 2, NULL, threads, &cb), HC_OK);
		CHECK_INT(s.files, 2);
		CHECK_INT(s.diags, 0);
		if (!ps)
			continue;
		CHECK_INT(same_as_ref(ps, &ref), 0);

		/* batches of 7 on 4 threads, 3 slots: each event worked once,
		 * handed over in order; then a failure in done() stops the run */
		size_t n = hc_packset_count(ps), bad;
		struct order o = {
		    .ps = ps, .fail_at = SIZE_MAX, .worked = calloc(n, sizeof(size_t))};
		if (!o.worked)
			HC_SKIP("out of memory");
		CHECK_INT(hc_packset_each(ps, 7, 4, 3, order_work, order_done, &o), HC_OK);
		CHECK(!o.out_of_order);
		CHECK_INT(o.next_done, n);
		bad = 0;
		for (size_t i = 0; i < n; i++)
			bad += o.worked[i] != 1;
		CHECK_INT(bad, 0);
		for (unsigned t = 1; t <= 4; t += 3) {
			o.next_done = 0;
			o.fail_at = 14;
			CHECK_INT(
			    hc_packset_each(ps, 7, t, t > 1 ? 3 : 1, order_work, order_done, &o),
			    HC_ERR_IO);
			CHECK_INT(o.next_done, 21); /* no batch handed over after the failing one */
			CHECK(!o.out_of_order);
		}
		free(o.worked);
		hc_packset_free(ps);
	}
	hc_eventset_free(&ref);
	unlink(big);
	unlink(small);
}

/* Parts that are each in order but overlap: every wanted event at the same
 * second, the first half of the file numbered above the second (a log
 * that wrapped), so only record ids order them across parts; the packed
 * load on 2 threads (4 parts) must still give hc_events_sort's order. */
static void test_packed_ties(const char *dir)
{
	char path[512];
	struct hc_eventset ref = {0};
	struct seen s = {0};
	struct hc_load_cb cb = {.on_diag = on_diag, .on_file = on_file, .ctx = &s};
	struct hc_packset *ps = NULL;
	FILE *f;
	int n = 100000;

	snprintf(path, sizeof(path), "%s/ties.jsonl", dir);
	if (!(f = fopen(path, "w")))
		HC_SKIP("cannot write %s", path);
	for (int i = 0; i < n; i++) {
		int rec = i < n / 2 ? n / 2 + i + 1 : i - n / 2 + 1;
		if (i % 50 == 0)
			fprintf(f, wanted_fmt, 7, rec);
		else
			fprintf(f, padding_fmt, rec, rec);
	}
	if (fclose(f) != 0)
		HC_SKIP("cannot write %s", path);
	char *paths[] = {path};
	CHECK_INT(hc_events_load(&ref, paths, 1, NULL, 1, 0, &cb), HC_OK);
	CHECK_INT(hc_events_sort(&ref), HC_OK);
	CHECK_INT(ref.n, n / 50);
	CHECK_INT(hc_events_load_packed(&ps, paths, 1, NULL, 2, &cb), HC_OK);
	if (ps) {
		CHECK_INT(same_as_ref(ps, &ref), 0);
		hc_packset_free(ps);
	}
	hc_eventset_free(&ref);
	unlink(path);
}

static int qcmp(const void *a, const void *b)
{
	return hc_sort_key_cmp(a, b);
}

/* Keys of shape `shape`: 0 random times of few values (many ties), 1
 * ascending, 2 descending, 3 ascending runs of random lengths (a stitched
 * log), 4 descending runs, 5 all one time (record ids then index order
 * them), 6 ascending with every 97th key out of place. */
static void fill_keys(struct hc_sort_key *k, size_t n, int shape, unsigned *seed)
{
	static const char *files[] = {"b.evtx", "a.evtx", "c.evtx"};
	int64_t t = 0;
	size_t left = 0;
	bool down = false;

	for (size_t i = 0; i < n; i++) {
		unsigned r = (unsigned)rand_r(seed);
		switch (shape) {
		case 0:
			t = r % 50;
			break;
		case 1:
			t += r % 3;
			break;
		case 2:
			t -= r % 3;
			break;
		case 3:
		case 4:
			if (left == 0) {
				left = 1 + r % 300;
				t = (int64_t)(r % 100000);
				down = shape == 4;
			}
			left--;
			t += down ? -(int64_t)(r % 5) : (int64_t)(r % 5);
			break;
		case 5:
			t = 7;
			break;
		default:
			t = i % 97 == 0 ? (int64_t)(r % 1000) : (int64_t)i;
			break;
		}
		k[i] = (struct hc_sort_key){t, files[r % 3], r % 1000, i};
	}
}

static void test_sort_keys(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 31, 32, 33, 64, 65, 1000, 4099, 100000};
	unsigned seed = 12345;

	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		size_t n = sizes[si];
		struct hc_sort_key *v = malloc((n ? n : 1) * sizeof(*v)),
		                   *want = malloc((n ? n : 1) * sizeof(*want)),
		                   *tmp = malloc((n / 2 + 1) *
		                                 sizeof(*tmp)); /* as the contract says */
		if (!v || !want || !tmp)
			HC_SKIP("out of memory");
		for (int shape = 0; shape <= 6; shape++) {
			fill_keys(v, n, shape, &seed);
			memcpy(want, v, n * sizeof(*v));
			if (n)
				qsort(want, n, sizeof(*want),
				      qcmp); /* keys are distinct: qsort's order is the one */
			hc_sort_keys(v, tmp, n);
			size_t bad = 0;
			for (size_t i = 0; i < n; i++)
				bad += v[i].index != want[i].index;
			if (bad)
				fprintf(stderr, "sort: n %zu shape %d: %zu keys out of place\n", n,
				        shape, bad);
			CHECK_INT(bad, 0);
		}
		free(v);
		free(want);
		free(tmp);
	}
}

/* Borrowed events as the native reader hands them out (every string in one
 * buffer, lengths and codes given), packed into a part, taken, unpacked:
 * every field as it was. Event 0: known names, values one after another
 * (copied at once); event 1: the same with a name of no code (copied field
 * by field); event 2: known names but values not one after another. The
 * blocks come from a heap that glibc fills with a perturb byte (mallopt),
 * so a value copied without its NUL reads on into that byte. */
static void test_pack_borrowed(void)
{
	static const char *const known[] = {"TargetUserName", "LogonType", "IpAddress"};
	char buf[256];
	struct hc_field f[3];
	uint32_t vlen[3];
	uint8_t codes[3];
	struct hc_pk_part pt = {0};
	struct hc_packset *ps;
	struct hc_unpack u = {0};

	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_PERTURB, 0xa5);
	for (int e = 0; e < 3; e++) {
		const char *vals[3] = {"alice", "3", e == 1 ? "10.0.0.1" : "fe80::1"};
		char *p = buf;
		for (int k = 0; k < 3; k++) {
			if (e == 2 && k == 2)
				p += 5; /* a gap: not one after another */
			f[k].name =
			    k == 2 && e == 1 ? "NotAKnownName" : hc_event_name_intern(known[k]);
			codes[k] =
			    k == 2 && e == 1 ? UINT8_MAX : (uint8_t)hc_event_name_code(known[k]);
			vlen[k] = (uint32_t)strlen(vals[k]);
			memcpy(p, vals[k], vlen[k] + 1);
			f[k].value = p;
			p += vlen[k] + 1;
		}
		struct hc_event ev = {.file = "f.evtx",
		                      .record_id = (uint64_t)e + 1,
		                      .time = e,
		                      .computer = "WS1",
		                      .channel = "Security",
		                      .event_id = 4624,
		                      .borrowed = true,
		                      .nfields = 3,
		                      .fields = f,
		                      .vlen = vlen,
		                      .codes = codes};
		CHECK_INT(hc_pk_part_add(&pt, &ev), HC_OK);
		memset(buf, 'x', sizeof(buf)); /* the reader's buffer, reused */
	}
	if (!(ps = hc_packset_new()))
		HC_SKIP("out of memory");
	CHECK_INT(hc_pk_part_sort(&pt), HC_OK);
	CHECK_INT(hc_packset_take(ps, &pt), HC_OK);
	CHECK_INT(hc_packset_finish(ps), HC_OK);
	CHECK_INT(hc_packset_count(ps), 3);
	for (size_t i = 0; i < hc_packset_count(ps); i++) {
		struct hc_event ev;
		const char *want[3] = {"alice", "3", i == 1 ? "10.0.0.1" : "fe80::1"};
		CHECK_INT(hc_packset_event(ps, i, &ev, &u), HC_OK);
		CHECK_INT(ev.record_id, i + 1);
		CHECK_INT(ev.nfields, 3);
		for (size_t k = 0; k < ev.nfields && k < 3; k++) {
			CHECK_STR(ev.fields[k].value, want[k]);
			CHECK_INT(ev.vlen[k], strlen(want[k]));
		}
		CHECK_STR(ev.fields[2].name, i == 1 ? "NotAKnownName" : "IpAddress");
		CHECK_STR(ev.computer, "WS1");
		CHECK_STR(ev.norm.target.name, "alice");
		CHECK_INT(ev.norm.logon_type, 3);
	}
	hc_unpack_free(&u);
	hc_packset_free(ps);
	mallopt(M_PERTURB, 0);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/hc-test-events-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		HC_SKIP("cannot make a temporary directory");
	hc_input_init();
	test_sort_keys();
	test_pack_borrowed();
	test_split_empty_parts(dir);
	test_packed_order(dir);
	test_packed_ties(dir);
	rmdir(dir);
	return hc_test_result();
}

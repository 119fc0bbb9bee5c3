/* Unit tests for parsers/input.c: hc_paths_expand over a temporary tree and
 * hc_input_open on files that are not event logs. With --corpus DIR, only
 * one real .evtx read end to end (skipped when the corpus is absent). */
#include "input.h"
#include "evtx_check.h"
#include "hc_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

static void put(const char *rel, const void *data, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		HC_SKIP("cannot write %s", path);
}

static void dir(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (mkdir(path, 0700) != 0)
		HC_SKIP("cannot mkdir %s", path);
}

struct errs {
	int n;
	char last_file[512];
	char last_msg[512];
};

static void on_error(void *ctx, const struct hc_diag *d)
{
	struct errs *e = ctx;

	e->n++;
	snprintf(e->last_file, sizeof(e->last_file), "%s", d->file);
	snprintf(e->last_msg, sizeof(e->last_msg), "%s", d->msg);
}

static void test_expand(void)
{
	char a[512], missing[512], plain[512];
	const char *paths[3];
	char **out = NULL;
	size_t n = 0;
	struct errs e = {0};
	static const char *const want[] = {
	    "/tree/A.EVTX", "/tree/b.evtx", "/tree/c/deep/x.Evtx", "/tree/c/y.evtx", "/tree/d.evtx",
	};

	dir("tree");
	dir("tree/c");
	dir("tree/c/deep");
	put("tree/b.evtx", "x", 1);
	put("tree/A.EVTX", "x", 1);
	put("tree/d.evtx", "x", 1);
	put("tree/notes.txt", "x", 1);
	put("tree/evtx", "x", 1);
	put("tree/.evtx", "x", 1);
	put("tree/b.evtx.bak", "x", 1);
	put("tree/c/y.evtx", "x", 1);
	put("tree/c/deep/x.Evtx", "x", 1);
	put("tree/c/deep/x.evt", "x", 1);
	put("plain.log", "x", 1);

	snprintf(a, sizeof(a), "%s/tree", root);
	snprintf(missing, sizeof(missing), "%s/does-not-exist", root);
	snprintf(plain, sizeof(plain), "%s/plain.log", root);
	paths[0] = a;
	paths[1] = missing;
	paths[2] = plain;
	CHECK_INT(hc_paths_expand(paths, 3, on_error, &e, &out, &n), HC_OK);
	CHECK_INT(n, 6);
	for (size_t i = 0; i < 5 && i < n; i++) {
		char w[512];
		snprintf(w, sizeof(w), "%s%s", root, want[i]);
		CHECK_STR(out[i], w);
	}
	/* a file named on the command line is taken whatever its name */
	if (n == 6)
		CHECK_STR(out[5], plain);
	CHECK_INT(e.n, 1);
	CHECK_STR(e.last_file, missing);
	CHECK(e.last_msg[0] != '\0');
	hc_paths_free(out, n);

	/* trailing slash: no double slash in the result */
	snprintf(a, sizeof(a), "%s/tree/c/", root);
	paths[0] = a;
	out = NULL;
	CHECK_INT(hc_paths_expand(paths, 1, NULL, NULL, &out, &n), HC_OK);
	CHECK_INT(n, 2);
	if (n == 2) {
		char w[512];
		snprintf(w, sizeof(w), "%s/tree/c/deep/x.Evtx", root);
		CHECK_STR(out[0], w);
	}
	hc_paths_free(out, n);

	hc_paths_free(NULL, 0);

	/* a symlinked directory is not followed (no loops) */
	snprintf(a, sizeof(a), "%s/tree/c/deep/loop", root);
	snprintf(missing, sizeof(missing), "%s/tree", root);
	if (symlink(missing, a) == 0) {
		snprintf(a, sizeof(a), "%s/tree/c", root);
		paths[0] = a;
		out = NULL;
		CHECK_INT(hc_paths_expand(paths, 1, NULL, NULL, &out, &n), HC_OK);
		CHECK_INT(n, 2);
		hc_paths_free(out, n);
	}
}

/* An empty directory expands to nothing, without an error (and, under
 * UBSan, without qsort(NULL, 0, ...)). */
static void test_empty_dir(void)
{
	char a[512];
	const char *paths[1];
	char **out = NULL;
	size_t n = 99;
	struct errs e = {0};

	dir("empty");
	snprintf(a, sizeof(a), "%s/empty", root);
	paths[0] = a;
	CHECK_INT(hc_paths_expand(paths, 1, on_error, &e, &out, &n), HC_OK);
	CHECK_INT(n, 0);
	CHECK_INT(e.n, 0);
	hc_paths_free(out, n);
}

static void test_open_not_evtx(void)
{
	struct hc_input *in = NULL;
	struct hc_diag d;
	char path[512];
	static const unsigned char elf_garbage[4096] = "ElfFile";
	int rc;

	put("text.evtx", "this is not an event log\n", 25);
	snprintf(path, sizeof(path), "%s/text.evtx", root);
	CHECK_INT(hc_input_open(path, NULL, &in, &d), HC_ERR_FORMAT);
	CHECK_NULL(in);
	CHECK_STR(d.file, path);
	CHECK(strstr(d.msg, "not an EVTX") != NULL);

	put("empty.evtx", "", 0);
	snprintf(path, sizeof(path), "%s/empty.evtx", root);
	CHECK_INT(hc_input_open(path, NULL, &in, &d), HC_ERR_FORMAT);
	CHECK_NULL(in);
	CHECK(strstr(d.msg, "empty") != NULL);

	/* shorter than the signature */
	put("short.evtx", "Elf", 3);
	snprintf(path, sizeof(path), "%s/short.evtx", root);
	CHECK_INT(hc_input_open(path, NULL, &in, &d), HC_ERR_FORMAT);
	CHECK(d.msg[0] != '\0');

	/* the signature and zeros after it: libevtx may refuse the file or
	 * open it with no records; either way no event and no crash */
	put("elf.evtx", elf_garbage, sizeof(elf_garbage));
	snprintf(path, sizeof(path), "%s/elf.evtx", root);
	in = NULL;
	rc = hc_input_open(path, NULL, &in, &d);
	CHECK(rc == HC_OK || rc == HC_ERR_FORMAT);
	if (rc == HC_OK) {
		struct hc_event ev;
		memset(&ev, 0, sizeof(ev));
		rc = hc_input_next(in, &ev, &d);
		CHECK(rc <= 0);
		hc_input_close(in);
	} else {
		CHECK_NULL(in);
		CHECK(d.msg[0] != '\0');
		CHECK_STR(d.file, path);
	}
	in = NULL;

	snprintf(path, sizeof(path), "%s/nope.evtx", root);
	CHECK_INT(hc_input_open(path, NULL, &in, &d), HC_ERR_IO);
	CHECK(strstr(d.msg, "No such file") != NULL);

	snprintf(path, sizeof(path), "%s/tree", root);
	CHECK_INT(hc_input_open(path, NULL, &in, &d), HC_ERR_IO);
	CHECK(strstr(d.msg, "regular") != NULL);
	CHECK_NULL(in);
	hc_input_close(NULL);
}

static void test_read_opts(void)
{
	static const uint32_t ids[] = {4624, 4625};
	struct hc_read_opts o = {.ids = ids, .nids = 2};

	CHECK_INT(hc_read_opts_wants(&o, 4624), 1);
	CHECK_INT(hc_read_opts_wants(&o, 4672), 0);
	CHECK_INT(hc_read_opts_wants(NULL, 4672), 1);
	CHECK_INT(hc_read_opts_wants(NULL, 4769), 1);
	CHECK_INT(hc_read_opts_wants(NULL, 4688), 0);
	CHECK(hc_backends[0] != NULL);
	CHECK(hc_libevtx_version() != NULL && hc_libevtx_version()[0] != '\0');
}

/* End to end through each EVTX reader on a corpus file (chainsaw
 * security_sample: 10 records, two of them 4624 v2, LogonType 5). */
static void test_read_corpus(const char *corpus, const char *reader)
{
	static const uint32_t ids[] = {4624};
	struct hc_read_opts o = {.ids = ids, .nids = 1, .reader = reader};
	struct hc_input *in = NULL;
	struct hc_event ev;
	struct hc_diag d;
	uint64_t records = 0, failed = 0;
	char path[1024];
	int rc, n = 0;

	snprintf(path, sizeof(path), "%s/chainsaw/tests_evtx_security_sample.evtx", corpus);
	CHECK_INT(hc_input_open(path, &o, &in, &d), HC_OK);
	if (!in)
		return;
	CHECK_STR(hc_input_backend(in), reader);
	memset(&ev, 0, sizeof(ev));
	while ((rc = hc_input_next(in, &ev, &d)) == 1) {
		n++;
		CHECK_INT(ev.event_id, 4624);
		CHECK_INT(ev.version, 2);
		CHECK(ev.file == path);
		CHECK_STR(ev.computer, "DESKTOP-JK4Q86I");
		CHECK_INT(ev.norm.logon_type, 5);
		CHECK_STR(ev.norm.logon_process, "Advapi");
		CHECK_U64(ev.norm.target_logon_id, 0x3e7);
		CHECK(!ev.recovered);
		hc_event_clear(&ev);
	}
	CHECK_INT(rc, 0);
	CHECK_INT(n, 2);
	hc_input_stats(in, &records, &failed);
	CHECK_U64(records, 10);
	CHECK_U64(failed, 0);
	hc_input_close(in);
}

/* hc_crc32 (carry-less multiplication where the CPU has it) against its
 * table version and the check value of CRC-32/ISO-HDLC. */
static void test_crc32(void)
{
	static unsigned char buf[70000];
	uint32_t x = 12345;

	CHECK_U64(hc_crc32(0, "123456789", 9), 0xCBF43926u);
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	for (int t = 0; t < 300; t++) {
		x = x * 1103515245u + 12345u;
		size_t off = x % 61, n = (x >> 8) % (sizeof(buf) - 64);
		if (hc_crc32(x, buf + off, n) != hc_crc32_portable(x, buf + off, n)) {
			CHECK_U64(hc_crc32(x, buf + off, n), hc_crc32_portable(x, buf + off, n));
			break;
		}
	}
	/* split anywhere: the same as one call */
	CHECK_U64(hc_crc32(hc_crc32(0, buf, 1000), buf + 1000, 65000), hc_crc32(0, buf, 66000));
}

static int rm_tree(const char *p)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	return system(cmd);
}

/* Appends `n` bytes. */
static size_t put_bytes(uint8_t *b, size_t at, const void *p, size_t n)
{
	memcpy(b + at, p, n);
	return at + n;
}

/* A template instance at b[at..): its definition elsewhere (`inline_def`
 * false: it names chunk offset 0x100) or inline (a 24-byte header and a
 * 4-byte body), then `nv` values of `types` and `sizes` from `data`. */
static size_t instance(uint8_t *b, size_t at, uint32_t base, bool inline_def, unsigned nv,
                       const uint8_t *types, const uint16_t *sizes, const uint8_t *data)
{
	uint8_t inst[10] = {0x0c, 0x01};
	uint32_t def = inline_def ? base + (uint32_t)at + 10 : 0x100, n = nv, total = 0;

	memcpy(inst + 6, &def, 4);
	at = put_bytes(b, at, inst, 10);
	if (inline_def) {
		uint8_t h[24] = {0};
		uint32_t body = 4;
		memcpy(h + 20, &body, 4);
		at = put_bytes(b, at, h, 24);
		at = put_bytes(b, at, "\x0f\x01\x01\x00", 4); /* the body: only a fragment header */
	}
	at = put_bytes(b, at, &n, 4);
	for (unsigned i = 0; i < nv; i++) {
		uint8_t d[4] = {(uint8_t)sizes[i], (uint8_t)(sizes[i] >> 8), types[i], 0};
		at = put_bytes(b, at, d, 4);
		total += sizes[i];
	}
	return put_bytes(b, at, data, total);
}

/* A record (signature, size, id, time) around `body` of `n` bytes, at
 * chunk offset 0x200; returns its size. */
static uint32_t record(uint8_t *rec, const uint8_t *body, size_t n)
{
	uint32_t size = (uint32_t)(24 + n + 4);

	memset(rec, 0, 24);
	memcpy(rec, "**\0\0", 4);
	memcpy(rec + 4, &size, 4);
	memcpy(rec + 24, body, n);
	memcpy(rec + 24 + n, &size, 4);
	return size;
}

/* hc_evtx_lone_bom on records made here: a value that is a byte order
 * mark alone, direct or in a BinXML value, with the template's definition
 * inline or not; marks in longer values, other types and cut records are
 * not. */
static void test_lone_bom(void)
{
	const uint32_t at = 0x200; /* the record's chunk offset */
	uint8_t body[512], rec[600], inner[200];
	static const uint8_t t_str2[] = {0x01, 0x01}, t_bin[] = {0x01, 0x21}, t_other[] = {0x04};
	static const uint16_t s_22[] = {2, 2}, s_24[] = {2, 4}, s_1[] = {2};
	static const uint8_t bom_a[] = {0x61, 0, 0xff, 0xfe}, a_bom[] = {0x61, 0, 0xfe, 0xff},
	                     a_boma[] = {0x61, 0, 0xff, 0xfe, 0x61, 0}, two[] = {0xff, 0xfe};
	size_t n;

	/* direct, definition elsewhere and inline; both byte orders */
	for (int def = 0; def < 2; def++) {
		n = put_bytes(body, 0, "\x0f\x01\x01\x00", 4);
		n = instance(body, n, at + 24, def, 2, t_str2, s_22, bom_a);
		CHECK(hc_evtx_lone_bom(rec, record(rec, body, n), at));
		n = put_bytes(body, 0, "\x0f\x01\x01\x00", 4);
		n = instance(body, n, at + 24, def, 2, t_str2, s_22, a_bom);
		CHECK(hc_evtx_lone_bom(rec, record(rec, body, n), at));
		/* a mark in a longer value: libevtx drops it, no crash */
		n = put_bytes(body, 0, "\x0f\x01\x01\x00", 4);
		n = instance(body, n, at + 24, def, 2, t_str2, s_24, a_boma);
		CHECK(!hc_evtx_lone_bom(rec, record(rec, body, n), at));
		/* the same bytes as another type */
		n = instance(body, 0, at + 24, def, 1, t_other, s_1, two);
		CHECK(!hc_evtx_lone_bom(rec, record(rec, body, n), at));
	}
	/* in a BinXML value (the EventData of Security records), whose own
	 * definition is inline */
	size_t in = put_bytes(inner, 0, "\x0f\x01\x01\x00", 4);
	uint32_t inner_at = at + 24 + 4 + 10 + 4 + 8 + 2; /* where the value lands */
	in = instance(inner, in, inner_at, true, 1, t_str2, s_1, two);
	uint8_t val[260];
	memcpy(val, "\x61\x00", 2);
	memcpy(val + 2, inner, in);
	uint16_t s_nested[] = {2, (uint16_t)in};
	n = put_bytes(body, 0, "\x0f\x01\x01\x00", 4);
	n = instance(body, n, at + 24, false, 2, t_bin, s_nested, val);
	CHECK(hc_evtx_lone_bom(rec, record(rec, body, n), at));
	/* cut short, or no record at all: cannot say */
	uint32_t size = record(rec, body, n);
	CHECK(!hc_evtx_lone_bom(rec, size - 12, at));
	CHECK(!hc_evtx_lone_bom(rec, 20, at));
	rec[0] = 'x';
	CHECK(!hc_evtx_lone_bom(rec, size, at));
}

/* test_input: the reader registry on made-up files. test_input --corpus
 * DIR: only the end-to-end read of a corpus file, through each reader;
 * skipped (77) when DIR does not hold it. */
int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");

	if (argc == 3 && strcmp(argv[1], "--corpus") == 0) {
		char path[1024];

		snprintf(path, sizeof(path), "%s/chainsaw/tests_evtx_security_sample.evtx",
		         argv[2]);
		if (access(path, R_OK) != 0)
			HC_SKIP("%s not found: the corpus is absent", path);
		test_read_corpus(argv[2], "native");
		test_read_corpus(argv[2], "libevtx");
		return hc_test_result();
	}
	if (argc != 1) {
		fprintf(stderr, "usage: test_input [--corpus DIR]\n");
		return 2;
	}

	snprintf(root, sizeof(root), "%s/hc-test-input-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		HC_SKIP("cannot create a temporary directory");
	test_expand();
	test_empty_dir();
	test_open_not_evtx();
	test_read_opts();
	test_crc32();
	test_lone_bom();
	CHECK_INT(hc_input_is_evtx_reader("native"), 1);
	CHECK_INT(hc_input_is_evtx_reader("libevtx"), 1);
	CHECK_INT(hc_input_is_evtx_reader("json"), 0);
	if (rm_tree(root) != 0)
		fprintf(stderr, "note: could not remove %s\n", root);
	return hc_test_result();
}

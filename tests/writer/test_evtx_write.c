/* test_evtx_write.c: unit tests for the EVTX encoder's building blocks:
 * CRC-32 vectors, the BinXML name hash, SID / GUID / FILETIME encoding and a
 * two-record file whose header and chunk checksums are verified. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtx_write.h"
#include "templates.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_crc(void)
{
	static uint8_t big[100000];

	CHECK(hc_evtxw_crc32(0, "", 0) == 0);
	CHECK(hc_evtxw_crc32(0, "123456789", 9) == 0xCBF43926u);
	CHECK(hc_evtxw_crc32(0, "The quick brown fox jumps over the lazy dog", 43) == 0x414FA339u);
	/* Incremental use equals one pass, across the 8-byte fast path. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31 + 7);
	uint32_t one = hc_evtxw_crc32(0, big, sizeof(big));
	uint32_t two =
	    hc_evtxw_crc32(hc_evtxw_crc32(0, big, 12345), big + 12345, sizeof(big) - 12345);
	CHECK(one == two);
}

static void test_name_hash(void)
{
	/* Hashes seen in name entries of real Windows chunks. */
	CHECK(hc_evtxw_name_hash("Event") == 0x0cba);
	CHECK(hc_evtxw_name_hash("System") == 0x546f);
	CHECK(hc_evtxw_name_hash("Data") == 0x6f8a);
	CHECK(hc_evtxw_name_hash("EventData") == 0x8244);
	CHECK(hc_evtxw_name_hash("Name") == 0x954b);
	CHECK(hc_evtxw_name_hash("Computer") == 0x6e3b);
	CHECK(hc_evtxw_name_hash("") == 0);
}

static void test_sid(void)
{
	static const uint8_t system[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
	static const uint8_t dom[] = {1, 5, 0,    0,    0,    0,    0,    5,    21,   0,
	                              0, 0, 0xe7, 0x03, 0,    0,    0xff, 0xff, 0xff, 0xff,
	                              3, 0, 0,    0,    0x50, 0x04, 0,    0};
	static const uint8_t null_sid[] = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	struct hc_evtxw_value v;

	CHECK(hc_evtxw_sid_parse("S-1-5-18", &v) == 0 && v.binlen == 12 &&
	      memcmp(v.bin, system, 12) == 0 && v.type == HC_EVTXW_T_SID);
	CHECK(hc_evtxw_sid_parse("S-1-5-21-999-4294967295-3-1104", &v) == 0 && v.binlen == 28 &&
	      memcmp(v.bin, dom, 28) == 0);
	CHECK(hc_evtxw_sid_parse("S-1-0-0", &v) == 0 && memcmp(v.bin, null_sid, 12) == 0);
	CHECK(hc_evtxw_sid_parse("S-1-5", &v) == 0 && v.binlen == 8 && v.bin[1] == 0);
	CHECK(hc_evtxw_sid_parse("S-1-5-21-4294967296", &v) < 0);
	CHECK(hc_evtxw_sid_parse("S-1-5-", &v) < 0);
	CHECK(hc_evtxw_sid_parse("-", &v) < 0);
	CHECK(hc_evtxw_sid_parse("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", &v) < 0);
}

static void test_guid(void)
{
	/* The provider GUID as stored in real Security logs. */
	static const uint8_t want[16] = {0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49,
	                                 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d};
	uint8_t g[16];

	CHECK(hc_evtxw_guid_parse(HC_TPL_PROVIDER_GUID, g) == 0 && memcmp(g, want, 16) == 0);
	CHECK(hc_evtxw_guid_parse("54849625-5478-4994-a5ba-3e3b0328c30d", g) == 0 &&
	      memcmp(g, want, 16) == 0);
	CHECK(hc_evtxw_guid_parse("{54849625-5478-4994-A5BA-3E3B0328C30}", g) < 0);
	CHECK(hc_evtxw_guid_parse("{54849625_5478-4994-A5BA-3E3B0328C30D}", g) < 0);
	CHECK(hc_evtxw_guid_parse("{54849625-5478-4994-A5BA-3E3B0328C3GD}", g) < 0);
}

static void test_time(void)
{
	uint64_t ft;
	char buf[40];

	CHECK(hc_evtxw_time_parse("1601-01-01T00:00:00Z", &ft) == 0 && ft == 0);
	CHECK(hc_evtxw_time_parse("1970-01-01T00:00:00Z", &ft) == 0 && ft == 116444736000000000ULL);
	/* A TimeCreated value from a real log: 0x01d4ddd81c7000f0. */
	CHECK(hc_evtxw_time_parse("2019-03-18T22:15:36.036376Z", &ft) == 0 &&
	      ft == 0x01d4ddd81c7000f0ULL);
	CHECK(hc_evtxw_time_parse("2019-03-19T00:15:36.036376+02:00", &ft) == 0 &&
	      ft == 0x01d4ddd81c7000f0ULL);
	CHECK(hc_evtxw_time_parse("2026-03-02T10:00:01.1234567Z", &ft) == 0);
	hc_evtxw_time_format(ft, buf, sizeof(buf));
	CHECK(strcmp(buf, "2026-03-02T10:00:01.1234567Z") == 0);
	hc_evtxw_time_format(0, buf, sizeof(buf));
	CHECK(strcmp(buf, "1601-01-01T00:00:00.0000000Z") == 0);
	CHECK(hc_evtxw_time_parse("2024-02-29T00:00:00Z", &ft) == 0);
	CHECK(hc_evtxw_time_parse("2025-02-29T00:00:00Z", &ft) < 0);
	CHECK(hc_evtxw_time_parse("2026-03-02T10:00:01.12345678Z", &ft) < 0);
	CHECK(hc_evtxw_time_parse("2026-03-02T10:00:01", &ft) < 0);
	CHECK(hc_evtxw_time_parse("2026-03-02 10:00:01Z", &ft) < 0);
	CHECK(hc_evtxw_time_parse("1600-12-31T23:59:59Z", &ft) < 0);
}

static void test_file(const char *dir)
{
	char path[1024];
	struct hc_evtxw *w = NULL;
	struct hc_evtxw_diag d;
	const struct hc_tpl *t = hc_tpl_find(4608, 0);
	struct hc_evtxw_event ev;
	static uint8_t buf[4096 + 65536 + 1];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/unit-two-records.evtx", dir);
	CHECK(t != NULL);
	CHECK(hc_evtxw_open(path, &w, &d) == 0);
	if (w == NULL || t == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.provider_name = HC_TPL_PROVIDER_NAME;
	hc_evtxw_guid_parse(HC_TPL_PROVIDER_GUID, ev.provider_guid);
	ev.channel = HC_TPL_CHANNEL;
	ev.computer = "unit.test";
	ev.event_id = 4608;
	ev.task = t->task;
	ev.keywords = HC_TPL_KEYWORDS_SUCCESS;
	ev.data = &t->data;
	ev.record_id = 41;
	CHECK(hc_evtxw_add(w, &ev, &d) == 0);
	ev.record_id = 41; /* must increase */
	CHECK(hc_evtxw_add(w, &ev, &d) == HC_EVTXW_E_INVAL);
	ev.record_id = 42;
	CHECK(hc_evtxw_add(w, &ev, &d) == 0);
	CHECK(hc_evtxw_close(w, &d) == 0);

	f = fopen(path, "rb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CHECK(n == 4096 + 65536);
	CHECK(memcmp(buf, "ElfFile", 8) == 0);
	CHECK(rd32(buf + 124) == hc_evtxw_crc32(0, buf, 120));
	CHECK(rd32(buf + 24) == 43); /* next record id */
	const uint8_t *c = buf + 4096;
	uint32_t free_off = rd32(c + 48);
	CHECK(memcmp(c, "ElfChnk", 8) == 0);
	CHECK(rd32(c + 52) == hc_evtxw_crc32(0, c + 512, free_off - 512));
	uint32_t crc = hc_evtxw_crc32(0, c, 120);
	crc = hc_evtxw_crc32(crc, c + 128, 384);
	CHECK(rd32(c + 124) == crc);
	CHECK(rd32(c + 8) == 1 && rd32(c + 16) == 2 && rd32(c + 24) == 41 && rd32(c + 32) == 42);
	/* The second record references both templates instead of redefining them. */
	uint32_t first = rd32(c + 512 + 4);
	CHECK(rd32(c + 44) == 512 + first);
	CHECK(rd32(c + 44) + rd32(c + rd32(c + 44) + 4) == free_off);
	CHECK(free_off - rd32(c + 44) < first / 4);
	remove(path);
}

int main(int argc, char **argv)
{
	test_crc();
	test_name_hash();
	test_sid();
	test_guid();
	test_time();
	test_file(argc > 1 ? argv[1] : ".");
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	puts("all encoder checks passed");
	return 0;
}

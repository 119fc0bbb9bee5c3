/* Unit tests for parsers/input_json.c through the input registry: layouts,
 * file shapes, numbers vs. strings, the Mordor time policy, and bad input
 * (malformed, truncated, empty, over-long, deeply nested, NULs, invalid
 * UTF-8, lone surrogates), split files. */
#include "input.h"
#include "hc_test.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

/* Writes `n` bytes to root/rel; returns the path (static buffer ring). */
static const char *put(const char *rel, const void *data, size_t n)
{
	static char paths[8][512];
	static int k;
	char *path = paths[k++ % 8];
	FILE *f;

	snprintf(path, 512, "%s/%s", root, rel);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		HC_SKIP("cannot write %s", path);
	return path;
}

static const char *puts_file(const char *rel, const char *text)
{
	return put(rel, text, strlen(text));
}

#define MAX_EV 64
#define MAX_DIAG 16

/* Everything one read of a file gave. */
struct got {
	int open_rc;
	char open_msg[512];
	const char *backend;
	size_t n;
	struct hc_event ev[MAX_EV];
	size_t ndiag;
	struct hc_diag diag[MAX_DIAG];
	int last_rc; /* 0 = clean end */
	uint64_t records, failed;
};

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		hc_event_clear(&g->ev[i]);
	g->n = 0;
}

static void read_opts(const char *path, const struct hc_read_opts *o, struct got *g)
{
	struct hc_input *in = NULL;
	struct hc_diag d;
	int rc;

	memset(g, 0, sizeof(*g));
	g->open_rc = hc_input_open(path, o, &in, &d);
	if (g->open_rc < 0) {
		snprintf(g->open_msg, sizeof(g->open_msg), "%s", d.msg);
		return;
	}
	g->backend = hc_input_backend(in);
	for (int guard = 0; guard < 100000; guard++) {
		struct hc_event ev;
		memset(&ev, 0, sizeof(ev));
		rc = hc_input_next(in, &ev, &d);
		if (rc == 1) {
			if (g->n < MAX_EV)
				g->ev[g->n++] = ev;
			else
				hc_event_clear(&ev);
			continue;
		}
		if (rc == HC_ERR_RECORD) {
			if (g->ndiag < MAX_DIAG)
				g->diag[g->ndiag++] = d;
			continue;
		}
		g->last_rc = rc;
		if (rc < 0 && g->ndiag < MAX_DIAG)
			g->diag[g->ndiag++] = d;
		break;
	}
	hc_input_stats(in, &g->records, &g->failed);
	hc_input_close(in);
}

static void read_all(const char *path, struct got *g)
{
	read_opts(path, NULL, g);
}

/* 1 when some diagnostic has record == line and contains `text`. */
static int has_diag(const struct got *g, uint64_t line, const char *text)
{
	for (size_t i = 0; i < g->ndiag; i++)
		if (g->diag[i].pos == HC_POS_LINE && g->diag[i].record == line &&
		    strstr(g->diag[i].msg, text))
			return 1;
	return 0;
}

static void dump_diags(const struct got *g)
{
	for (size_t i = 0; i < g->ndiag; i++)
		fprintf(stderr, "  diag: record %llu: %s\n", (unsigned long long)g->diag[i].record,
		        g->diag[i].msg);
}

static int64_t t(const char *s)
{
	int64_t v = 0;

	if (!hc_time_parse(s, &v))
		HC_FAIL_AT("bad time %s", s);
	return v;
}

/* ---- layouts ---------------------------------------------------------- */

/* A 4624 in evtx_dump's layout, numbers as numbers, GUID without braces. */
static const char evtx_dump_4624[] =
    "{\"Event\":{\"#attributes\":{\"xmlns\":\"http://schemas.microsoft.com/win/2004/08/"
    "events/event\"},\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-"
    "Windows-Security-Auditing\",\"Guid\":\"54849625-5478-4994-A5BA-3E3B0328C30D\"}},"
    "\"EventID\":4624,\"Version\":2,\"Level\":0,\"Task\":12544,\"TimeCreated\":{"
    "\"#attributes\":{\"SystemTime\":\"2020-10-09T22:30:08.123456Z\"}},\"EventRecordID\":"
    "780319,\"Correlation\":null,\"Channel\":\"Security\",\"Computer\":\"WORKSTATION6."
    "theshire.local\",\"Security\":null},\"EventData\":{\"SubjectUserSid\":\"S-1-0-0\","
    "\"SubjectLogonId\":\"0x0\",\"TargetUserSid\":\"S-1-5-21-1-2-3-1104\",\"TargetUserName\":"
    "\"pgustavo\",\"TargetDomainName\":\"THESHIRE\",\"TargetLogonId\":\"0x2d22d35\","
    "\"LogonType\":3,\"LogonProcessName\":\"NtLmSsp \",\"AuthenticationPackageName\":"
    "\"NTLM\",\"WorkstationName\":\"WORKSTATION5\",\"LogonGuid\":\"d118f0a7-11e1-4537-c8cd-"
    "20de6d39f1ec\",\"LmPackageName\":\"NTLM V1\",\"KeyLength\":128,\"ProcessId\":\"0x0\","
    "\"IpAddress\":\"172.18.39.5\",\"IpPort\":\"51090\",\"ImpersonationLevel\":\"%%1833\","
    "\"ElevatedToken\":\"%%1842\",\"Empty\":null}}}";

static void check_evtx_dump_event(const struct hc_event *e)
{
	CHECK_INT(e->event_id, 4624);
	CHECK_INT(e->version, 2);
	CHECK_U64(e->record_id, 780319);
	CHECK_INT(e->time, t("2020-10-09T22:30:08.123456Z"));
	CHECK_STR(e->computer, "WORKSTATION6.theshire.local");
	CHECK_STR(e->channel, "Security");
	CHECK_STR(e->provider, "Microsoft-Windows-Security-Auditing");
	/* numbers come out as the text Windows writes */
	CHECK_STR(hc_event_get(e, "LogonType"), "3");
	CHECK_STR(hc_event_get(e, "KeyLength"), "128");
	CHECK_STR(hc_event_get(e, "LogonGuid"), "{d118f0a7-11e1-4537-c8cd-20de6d39f1ec}");
	CHECK_STR(hc_event_get(e, "Empty"), "");
	CHECK_NULL(hc_event_get(e, "#attributes"));
	CHECK_INT(e->norm.logon_type, 3);
	CHECK_INT(e->norm.key_length, 128);
	CHECK(e->norm.has_target_logon_id);
	CHECK_U64(e->norm.target_logon_id, 0x2d22d35);
	CHECK_STR(e->norm.package, "NTLM");
	CHECK_STR(e->norm.lm_package, "NTLM V1");
	CHECK_STR(e->norm.logon_process, "NtLmSsp");
	CHECK_STR(e->norm.ip, "172.18.39.5");
	CHECK_INT(e->norm.port, 51090);
	CHECK_STR(e->norm.workstation, "WORKSTATION5");
	CHECK_STR(e->norm.target.name, "pgustavo");
	CHECK_STR(e->norm.target.sid, "S-1-5-21-1-2-3-1104");
	CHECK_STR(e->norm.logon_guid, "{d118f0a7-11e1-4537-c8cd-20de6d39f1ec}");
	CHECK_INT(e->norm.impersonation, HC_IMP_IMPERSONATION);
	CHECK_INT(e->norm.elevated, HC_YES);
	CHECK(!e->truncated);
	CHECK(!e->recovered);
}

static void test_evtx_dump(void)
{
	struct got g;
	char buf[8192];
	const char *path;

	path = puts_file("dump.jsonl", evtx_dump_4624);
	read_all(path, &g);
	CHECK_INT(g.open_rc, HC_OK);
	CHECK_STR(g.backend, "json");
	CHECK_INT(g.n, 1);
	CHECK_INT(g.ndiag, 0);
	CHECK_INT(g.last_rc, 0);
	if (g.n == 1) {
		check_evtx_dump_event(&g.ev[0]);
		CHECK_STR(g.ev[0].file, path);
	}
	got_free(&g);

	/* EventID as {"#text": ...} (with Qualifiers), a string version,
	 * --separate-json-attributes, the old " UTC" time, numeric logon ids
	 * and status codes (rendered in hex, as Windows writes them), no
	 * EventData (a 4608) */
	snprintf(
	    buf, sizeof(buf), "%s",
	    "{\"Event\":{\"System\":{\"Provider_attributes\":{\"Name\":\"P\"},\"EventID\":{"
	    "\"#attributes\":{\"Qualifiers\":0},\"#text\":4625},\"Version\":\"1\","
	    "\"TimeCreated_attributes\":{\"SystemTime\":\"2020-10-09 22:30:08.5 UTC\"},"
	    "\"EventRecordID\":\"77\",\"Channel\":\"Security\",\"Computer\":\"h1\"},"
	    "\"EventData\":{\"Status\":3221225581,\"SubStatus\":\"0xc000006a\","
	    "\"TargetLogonId\":999,\"SubjectLogonId\":0,\"ProcessId\":1234,"
	    "\"LogonType\":\"3\",\"IpPort\":0,\"Flag\":true,\"Ratio\":0.5}}}\n"
	    "{\"Event\":{\"System\":{\"EventID\":4608,\"TimeCreated\":\"2020-10-09T22:00:00Z\","
	    "\"EventRecordID\":1,\"Computer\":\"h1\",\"Channel\":\"Security\"},"
	    "\"EventData\":null}}\n");
	read_all(puts_file("dump2.ndjson", buf), &g);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.ndiag, 0);
	if (g.n == 2) {
		const struct hc_event *e = &g.ev[0];
		CHECK_INT(e->event_id, 4625);
		CHECK_INT(e->version, 1);
		CHECK_U64(e->record_id, 77);
		CHECK_STR(e->provider, "P");
		CHECK_INT(e->time, t("2020-10-09T22:30:08.5Z"));
		CHECK_STR(hc_event_get(e, "Status"), "0xc000006d");
		CHECK_STR(hc_event_get(e, "TargetLogonId"), "0x3e7");
		CHECK_STR(hc_event_get(e, "SubjectLogonId"), "0x0");
		CHECK_STR(hc_event_get(e, "ProcessId"), "0x4d2");
		CHECK_STR(hc_event_get(e, "IpPort"), "0");
		CHECK_STR(hc_event_get(e, "Flag"), "true");
		CHECK_STR(hc_event_get(e, "Ratio"), "0.5");
		CHECK(e->norm.has_status);
		CHECK_U64(e->norm.status, 0xc000006d);
		CHECK_U64(e->norm.substatus, 0xc000006a);
		CHECK_U64(e->norm.target_logon_id, 999);
		CHECK_U64(e->norm.process_id, 1234);
		CHECK_INT(e->norm.logon_type, 3);
		CHECK_INT(g.ev[1].event_id, 4608);
		CHECK_INT(g.ev[1].nfields, 0);
	}
	got_free(&g);
}

static void test_winlogbeat(void)
{
	struct got g;
	const char *path = puts_file(
	    "wlb.jsonl",
	    /* ECS, Winlogbeat 8: event_id as a string */
	    "{\"@timestamp\":\"2019-05-14T05:05:35.396Z\",\"event\":{\"code\":\"4624\"},"
	    "\"host\":{\"name\":\"wec1\"},\"winlog\":{\"channel\":\"Security\",\"computer_name\":"
	    "\"SRV1.corp.local\",\"event_id\":\"4624\",\"record_id\":12345,\"provider_name\":"
	    "\"Microsoft-Windows-Security-Auditing\",\"version\":2,\"event_data\":{\"LogonType\":"
	    "\"10\",\"TargetUserName\":\"alice\",\"TargetLogonId\":\"0x47bdd\","
	    "\"IpAddress\":\"::ffff:10.0.0.11\"}}}\n"
	    /* ECS, Winlogbeat 7: event_id as a number, no event_data */
	    "{\"@timestamp\":\"2019-05-14T05:05:36Z\",\"winlog\":{\"channel\":\"Security\","
	    "\"computer_name\":\"SRV1\",\"event_id\":4608,\"record_id\":\"12346\"}}\n"
	    /* Winlogbeat 6 (the OTRF empire_mimikatz_opth layout) */
	    "{\"@timestamp\":\"2019-03-19T17:13:48.250Z\",\"@metadata\":{\"beat\":\"winlogbeat\"},"
	    "\"version\":2,\"computer_name\":\"HFDC01.shire.com\",\"task\":\"Logon\",\"event_id\":"
	    "4624,\"type\":\"wineventlog\",\"event_data\":{\"LogonType\":\"3\",\"TargetUserName\":"
	    "\"HFDC01$\",\"TargetLogonId\":\"0x3ad5304\",\"LogonGuid\":\"{936A700D-F7D8-4525-BC4C-"
	    "9ABF93956089}\"},\"log_name\":\"Security\",\"source_name\":\"Microsoft-Windows-"
	    "Security-Auditing\",\"record_number\":\"7766674\",\"level\":\"Information\"}\n");

	read_all(path, &g);
	CHECK_INT(g.n, 3);
	CHECK_INT(g.ndiag, 0);
	if (g.n == 3) {
		CHECK_INT(g.ev[0].event_id, 4624);
		CHECK_U64(g.ev[0].record_id, 12345);
		CHECK_INT(g.ev[0].version, 2);
		CHECK_INT(g.ev[0].time, t("2019-05-14T05:05:35.396Z"));
		CHECK_STR(g.ev[0].computer, "SRV1.corp.local");
		CHECK_STR(g.ev[0].provider, "Microsoft-Windows-Security-Auditing");
		CHECK_INT(g.ev[0].norm.logon_type, 10);
		CHECK_STR(g.ev[0].norm.ip, "10.0.0.11");
		CHECK_U64(g.ev[0].norm.target_logon_id, 0x47bdd);
		CHECK_INT(g.ev[0].nfields, 4);
		CHECK_INT(g.ev[1].event_id, 4608);
		CHECK_U64(g.ev[1].record_id, 12346);
		CHECK_INT(g.ev[1].nfields, 0);
		CHECK_INT(g.ev[2].event_id, 4624);
		CHECK_U64(g.ev[2].record_id, 7766674);
		CHECK_STR(g.ev[2].computer, "HFDC01.shire.com");
		CHECK_STR(g.ev[2].channel, "Security");
		CHECK_INT(g.ev[2].time, t("2019-03-19T17:13:48.25Z"));
		CHECK_STR(g.ev[2].norm.logon_guid, "{936A700D-F7D8-4525-BC4C-9ABF93956089}");
		CHECK_STR(g.ev[2].norm.target.name, "HFDC01$");
	}
	got_free(&g);
}

/* An OTRF "Mordor flat" record (shape of covenant_dcom_iertutil_dll_hijack)
 * with the given time fields and channel. */
static void mordor_line(char *buf, size_t cap, const char *times, const char *channel,
                        const char *host)
{
	snprintf(buf, cap,
	         "{\"TargetOutboundUserName\":\"-\",\"RecordNumber\":780319,\"ProcessId\":\"0x0\","
	         "\"ExecutionProcessID\":712,\"LogonType\":\"3\",\"SourceName\":\"Microsoft-"
	         "Windows-Security-Auditing\",\"Task\":12544,%s\"Severity\":\"INFO\","
	         "\"TargetDomainName\":\"THESHIRE\",\"EventType\":\"AUDIT_SUCCESS\",\"EventID\":"
	         "4624,\"Channel\":\"%s\",\"ProviderGuid\":\"{54849625-5478-4994-A5BA-3E3B0328C30D}"
	         "\",\"SeverityValue\":2,\"Hostname\":\"%s\",\"Message\":\"An account was "
	         "successfully logged on.\\r\\n\",\"TargetLogonId\":\"0x2d22d35\",\"Category\":"
	         "\"Logon\",\"host\":\"wec.internal.cloudapp.net\",\"port\":58623,"
	         "\"TargetUserName\":\"pgustavo\",\"tags\":[\"mordorDataset\"],\"ThreadID\":6036,"
	         "\"Version\":2,\"ProcessID\":4,\"OpcodeValue\":0,\"@version\":\"1\",\"Keywords\":"
	         "-9214364837600034816,\"Opcode\":\"Info\",\"SourceModuleType\":\"im_msvistalog\","
	         "\"AuthenticationPackageName\":\"NTLM\"}\n",
	         times, channel, host);
}

static void test_mordor(void)
{
	struct got g;
	char buf[4096];

	/* EventTime is local (UTC-4), whole seconds; @timestamp arrives 101.79 s
	 * later: the offset rounds to -4 h and the time is EventTime + 4 h */
	mordor_line(
	    buf, sizeof(buf),
	    "\"EventTime\":\"2020-10-09 18:30:08\",\"@timestamp\":\"2020-10-09T22:31:49.790Z\","
	    "\"EventReceivedTime\":\"2020-10-09 18:31:49\",",
	    "security", "WORKSTATION6.theshire.local");
	read_all(puts_file("m1.json", buf), &g);
	CHECK_INT(g.n, 1);
	CHECK_INT(g.ndiag, 0);
	if (g.n == 1) {
		const struct hc_event *e = &g.ev[0];
		CHECK_INT(e->time, t("2020-10-09T22:30:08Z"));
		CHECK_U64(e->record_id, 780319);
		CHECK_INT(e->version, 2);
		CHECK_STR(e->channel, "Security"); /* "security" canonicalised */
		CHECK_STR(e->computer, "WORKSTATION6.theshire.local");
		CHECK_STR(e->provider, "Microsoft-Windows-Security-Auditing");
		/* only EventData: nxlog and Logstash fields are not fields */
		CHECK_INT(e->nfields, 7);
		CHECK_NULL(hc_event_get(e, "Hostname"));
		CHECK_NULL(hc_event_get(e, "Message"));
		CHECK_NULL(hc_event_get(e, "ProcessID"));
		CHECK_NULL(hc_event_get(e, "ExecutionProcessID"));
		CHECK_NULL(hc_event_get(e, "tags"));
		CHECK_NULL(hc_event_get(e, "Keywords"));
		CHECK_STR(hc_event_get(e, "ProcessId"), "0x0");
		CHECK_INT(e->norm.logon_type, 3);
		CHECK_STR(e->norm.package, "NTLM");
	}
	got_free(&g);

	/* a host east of UTC (+05:30) with a 3 s delay; and EST (UTC-5) */
	mordor_line(
	    buf, sizeof(buf),
	    "\"EventTime\":\"2020-10-10 04:00:08\",\"@timestamp\":\"2020-10-09T22:30:11.000Z\",",
	    "Security", "h2");
	read_all(puts_file("m2.json", buf), &g);
	CHECK_INT(g.n, 1);
	if (g.n == 1)
		CHECK_INT(g.ev[0].time, t("2020-10-09T22:30:08Z"));
	got_free(&g);
	mordor_line(
	    buf, sizeof(buf),
	    "\"EventTime\":\"2020-01-09 17:30:08\",\"@timestamp\":\"2020-01-09T22:30:08.000Z\",",
	    "Security", "h3");
	read_all(puts_file("m3.json", buf), &g);
	if (g.n == 1)
		CHECK_INT(g.ev[0].time, t("2020-01-09T22:30:08Z"));
	got_free(&g);

	/* TimeCreated (zoned) wins over both */
	mordor_line(buf, sizeof(buf),
	            "\"TimeCreated\":\"2021-04-27T04:08:11.622Z\",\"EventTime\":\"2021-04-27 "
	            "00:08:11\",\"@timestamp\":\"2021-04-27T04:08:15.000Z\",",
	            "Security", "ADFS01.blacksmith.local");
	read_all(puts_file("m4.json", buf), &g);
	CHECK_INT(g.n, 1);
	if (g.n == 1) {
		CHECK_INT(g.ev[0].time, t("2021-04-27T04:08:11.622Z"));
		CHECK_NULL(hc_event_get(&g.ev[0], "TimeCreated"));
	}
	got_free(&g);

	/* only @timestamp: taken as is; only EventTime: taken as UTC */
	mordor_line(buf, sizeof(buf), "\"@timestamp\":\"2021-04-27T04:08:15.250Z\",", "Security",
	            "h4");
	read_all(puts_file("m5.json", buf), &g);
	if (g.n == 1)
		CHECK_INT(g.ev[0].time, t("2021-04-27T04:08:15.25Z"));
	CHECK_INT(g.n, 1);
	got_free(&g);
	mordor_line(buf, sizeof(buf), "\"EventTime\":\"2021-04-27 00:08:11\",", "Security", "h5");
	read_all(puts_file("m6.json", buf), &g);
	if (g.n == 1)
		CHECK_INT(g.ev[0].time, t("2021-04-27T00:08:11Z"));
	CHECK_INT(g.n, 1);
	got_free(&g);

	/* no time at all: reported, skipped */
	mordor_line(buf, sizeof(buf), "", "Security", "h6");
	read_all(puts_file("m7.json", buf), &g);
	CHECK_INT(g.n, 0);
	CHECK(has_diag(&g, 1, "no readable time"));
	CHECK_U64(g.failed, 1);
	got_free(&g);

	/* a record of another channel and id is skipped silently; the filter
	 * of the read options applies */
	{
		struct hc_read_opts o = {0};
		static const uint32_t ids[] = {4625};
		o.ids = ids;
		o.nids = 1;
		mordor_line(buf, sizeof(buf), "\"@timestamp\":\"2021-04-27T04:08:15.250Z\",",
		            "Security", "h7");
		read_opts(puts_file("m8.json", buf), &o, &g);
		CHECK_INT(g.n, 0);
		CHECK_INT(g.ndiag, 0);
		CHECK_U64(g.records, 1);
		got_free(&g);
	}
}

/* ---- file shapes ------------------------------------------------------ */

static const char ecs_fmt[] =
    "{\"@timestamp\":\"2019-05-14T05:05:%02d.000Z\",\"winlog\":{\"channel\":\"Security\","
    "\"computer_name\":\"h\",\"event_id\":4624,\"record_id\":%d,\"event_data\":{"
    "\"LogonType\":\"3\"}}}";

static void test_shapes(void)
{
	char one[512], text[4096];
	struct got g;
	size_t k;

	/* a JSON array, one element per line, after a byte order mark */
	k = (size_t)snprintf(text, sizeof(text), "\xEF\xBB\xBF\n[\n");
	for (int i = 1; i <= 3; i++) {
		snprintf(one, sizeof(one), ecs_fmt, i, i);
		k +=
		    (size_t)snprintf(text + k, sizeof(text) - k, "  %s%s\n", one, i < 3 ? "," : "");
	}
	snprintf(text + k, sizeof(text) - k, "]\n");
	read_all(puts_file("arr.json", text), &g);
	CHECK_INT(g.n, 3);
	CHECK_INT(g.ndiag, 0);
	for (size_t i = 0; i < g.n; i++)
		CHECK_U64(g.ev[i].record_id, i + 1);
	got_free(&g);

	/* the whole array on one line; "[]" is no error */
	k = (size_t)snprintf(text, sizeof(text), "[");
	for (int i = 1; i <= 3; i++) {
		snprintf(one, sizeof(one), ecs_fmt, i, i);
		k += (size_t)snprintf(text + k, sizeof(text) - k, "%s%s", one, i < 3 ? "," : "]");
	}
	read_all(puts_file("arr1.json", text), &g);
	CHECK_INT(g.n, 3);
	CHECK_INT(g.ndiag, 0);
	got_free(&g);
	read_all(puts_file("empty-arr.json", " [ ]\n"), &g);
	CHECK_INT(g.open_rc, HC_OK);
	CHECK_INT(g.n, 0);
	CHECK_INT(g.ndiag, 0);
	CHECK_INT(g.last_rc, 0);
	got_free(&g);

	/* evtx_dump's default output: "Record N" lines, pretty objects */
	k = 0;
	for (int i = 1; i <= 2; i++)
		k += (size_t)snprintf(
		    text + k, sizeof(text) - k,
		    "Record %d\n{\n  \"Event\": {\n    \"System\": {\n      "
		    "\"EventID\": 4624,\n      \"EventRecordID\": %d,\n      "
		    "\"TimeCreated\": {\n        \"#attributes\": {\n          "
		    "\"SystemTime\": \"2020-01-01T00:00:0%dZ\"\n        }\n      },\n"
		    "      \"Computer\": \"h\"\n    },\n    \"EventData\": {\n      "
		    "\"LogonType\": 3\n    }\n  }\n}\n",
		    i, i, i);
	read_all(puts_file("stream.json", text), &g);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.ndiag, 0);
	if (g.n == 2) {
		CHECK_U64(g.ev[1].record_id, 2);
		CHECK_STR(hc_event_get(&g.ev[1], "LogonType"), "3");
	}
	got_free(&g);
	/* the same without the "Record" lines (jq's output) */
	{
		char *p = text, *q = text;
		while (*p) {
			if (strncmp(p, "Record ", 7) == 0 && (p == text || p[-1] == '\n')) {
				p = strchr(p, '\n') + 1;
				continue;
			}
			*q++ = *p++;
		}
		*q = '\0';
	}
	read_all(puts_file("stream2.json", text), &g);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.ndiag, 0);
	got_free(&g);
}

/* ---- bad input -------------------------------------------------------- */

static void test_malformed_lines(void)
{
	char one[512], text[8192];
	struct got g;
	size_t k = 0;

	for (int i = 1; i <= 7; i++) {
		snprintf(one, sizeof(one), ecs_fmt, i, i);
		switch (i) {
		case 2:
			k += (size_t)snprintf(text + k, sizeof(text) - k, "{\"winlog\": {oops}\n");
			break;
		case 3:
			k += (size_t)snprintf(text + k, sizeof(text) - k, "\n   \r\n"); /* blank */
			break;
		case 4:
			k += (size_t)snprintf(text + k, sizeof(text) - k, "{\"foo\": 1}\r\n");
			break;
		case 5:
			k += (size_t)snprintf(text + k, sizeof(text) - k, "[1, 2]\n");
			break;
		default:
			k += (size_t)snprintf(text + k, sizeof(text) - k, "%s\n", one);
		}
	}
	/* the last line is cut short (a truncated file) */
	snprintf(one, sizeof(one), ecs_fmt, 8, 8);
	one[40] = '\0';
	k += (size_t)snprintf(text + k, sizeof(text) - k, "%s", one);
	read_all(puts_file("bad.jsonl", text), &g);
	CHECK_INT(g.n, 3); /* records 1, 6, 7 */
	if (g.n == 3) {
		CHECK_U64(g.ev[0].record_id, 1);
		CHECK_U64(g.ev[1].record_id, 6);
		CHECK_U64(g.ev[2].record_id, 7);
	}
	/* lines: 1 ok, 2 bad, 3-4 blank, 5 unknown layout, 6 array, 7-8 ok,
	 * 9 cut */
	CHECK(has_diag(&g, 2, "line 2: not valid JSON"));
	CHECK(has_diag(&g, 5, "line 5: not an event of a known layout"));
	CHECK(has_diag(&g, 6, "line 6: not an event object"));
	CHECK(has_diag(&g, 9, "line 9: not valid JSON"));
	CHECK_INT(g.ndiag, 4);
	CHECK_INT(g.last_rc, 0);
	CHECK_U64(g.records, 7);
	CHECK_U64(g.failed, 4);
	if (g.ndiag != 4)
		dump_diags(&g);
	got_free(&g);

	/* event ids that are not numbers */
	read_all(
	    puts_file(
	        "badid.jsonl",
	        "{\"winlog\":{\"event_id\":\"46x\"},\"@timestamp\":\"2020-01-01T00:00:00Z\"}\n"
	        "{\"EventID\":-1,\"Hostname\":\"h\",\"@timestamp\":\"2020-01-01T00:00:00Z\"}\n"),
	    &g);
	CHECK_INT(g.n, 0);
	CHECK(has_diag(&g, 1, "event id is not a number"));
	CHECK(has_diag(&g, 2, "event id is not a number"));
	got_free(&g);
}

static void test_malformed_array(void)
{
	char one[512], text[8192];
	struct got g;
	size_t k;

	/* element 2 is invalid but balanced, element 3 has a string broken by a
	 * raw newline, then two elements without ',' and a scalar */
	k = (size_t)snprintf(text, sizeof(text), "[\n");
	snprintf(one, sizeof(one), ecs_fmt, 1, 1);
	k += (size_t)snprintf(text + k, sizeof(text) - k, "%s,\n", one);
	k += (size_t)snprintf(text + k, sizeof(text) - k, "{\"winlog\": {1: 2}},\n");
	k += (size_t)snprintf(text + k, sizeof(text) - k, "{\"winlog\": {\"a\": \"open\n");
	snprintf(one, sizeof(one), ecs_fmt, 4, 4);
	k += (size_t)snprintf(text + k, sizeof(text) - k, "%s\n", one);
	snprintf(one, sizeof(one), ecs_fmt, 5, 5);
	k += (size_t)snprintf(text + k, sizeof(text) - k, "%s, 42,\n", one);
	snprintf(one, sizeof(one), ecs_fmt, 6, 6);
	k += (size_t)snprintf(text + k, sizeof(text) - k, "%s\n] trailing\n", one);
	read_all(puts_file("badarr.json", text), &g);
	CHECK_INT(g.n, 4);
	if (g.n == 4) {
		CHECK_U64(g.ev[0].record_id, 1);
		CHECK_U64(g.ev[1].record_id, 4);
		CHECK_U64(g.ev[2].record_id, 5);
		CHECK_U64(g.ev[3].record_id, 6);
	}
	CHECK(has_diag(&g, 3, "line 3: not valid JSON"));
	CHECK(has_diag(&g, 4, "line 4: not valid JSON"));
	CHECK(has_diag(&g, 6, "missing ','"));
	CHECK(has_diag(&g, 6, "line 6: not an event object")); /* the 42 */
	CHECK(has_diag(&g, 8, "data after the end of the array"));
	CHECK_INT(g.ndiag, 5);
	CHECK_U64(g.failed, 3);
	if (g.ndiag != 5)
		dump_diags(&g);
	got_free(&g);

	/* a truncated array: the elements before the cut are kept */
	k = (size_t)snprintf(text, sizeof(text), "[\n");
	snprintf(one, sizeof(one), ecs_fmt, 1, 1);
	k += (size_t)snprintf(text + k, sizeof(text) - k, "%s,\n", one);
	snprintf(one, sizeof(one), ecs_fmt, 2, 2);
	one[strlen(one) / 2] = '\0';
	k += (size_t)snprintf(text + k, sizeof(text) - k, "%s", one);
	read_all(puts_file("cutarr.json", text), &g);
	CHECK_INT(g.n, 1);
	CHECK(has_diag(&g, 3, "ends inside a record"));
	CHECK_INT(g.ndiag, 1);
	got_free(&g);
	/* cut right after a ',' */
	snprintf(one, sizeof(one), ecs_fmt, 1, 1);
	snprintf(text, sizeof(text), "[%s,\n", one);
	read_all(puts_file("cutarr2.json", text), &g);
	CHECK_INT(g.n, 1);
	CHECK(has_diag(&g, 2, "ends inside the array"));
	CHECK_INT(g.ndiag, 1);
	got_free(&g);
}

/* A file is JSON events by its first bytes and the layout of its first
 * record: other JSON is refused once, as a file; a damaged first record is
 * not enough to refuse it. */
static void test_not_events(void)
{
	char one[512], text[2048];
	struct got g;

	read_all(puts_file("config.json", "{\"rules\": [], \"legacy_hosts\": []}\n"), &g);
	CHECK_INT(g.open_rc, HC_ERR_FORMAT);
	CHECK(strstr(g.open_msg, "not an event log") != NULL);
	CHECK(strstr(g.open_msg, "line 1") != NULL);
	read_all(puts_file("numbers.json", "\n\n[1, 2, 3]"), &g);
	CHECK_INT(g.open_rc, HC_ERR_FORMAT);
	CHECK(strstr(g.open_msg, "line 3") != NULL);
	/* hopchain's own analyze output is no event log either */
	read_all(puts_file("analyze.json", "{\n  \"chains\": [],\n  \"hosts\": []\n}\n"), &g);
	CHECK_INT(g.open_rc, HC_ERR_FORMAT);
	/* ... also as `analyze --format json` writes it: the first line opens
	 * the document; refused once, not line by line */
	read_all(puts_file("analyze2.json", "{\"chains\": [\n  {\"id\": \"C1\"},\n"
	                                    "  {\"id\": \"C2\"}\n], \"hosts\": []}\n"),
	         &g);
	CHECK_INT(g.open_rc, HC_ERR_FORMAT);
	CHECK(strstr(g.open_msg, "not an event log") != NULL);

	snprintf(one, sizeof(one), ecs_fmt, 2, 2);
	snprintf(text, sizeof(text), "{\"winlog\": \n%s\n", one);
	read_all(puts_file("badfirst.jsonl", text), &g);
	CHECK_INT(g.open_rc, HC_OK);
	CHECK_INT(g.n, 1);
	CHECK(has_diag(&g, 1, "not valid JSON"));
	got_free(&g);
}

static void test_empty(void)
{
	struct got g;

	read_all(put("empty.json", "", 0), &g);
	CHECK_INT(g.open_rc, HC_ERR_FORMAT);
	CHECK(strstr(g.open_msg, "empty") != NULL);
	read_all(puts_file("blank.json", "   \n\n"), &g);
	CHECK_INT(g.open_rc, HC_ERR_FORMAT);
	CHECK(strstr(g.open_msg, "not an EVTX file") != NULL);
	read_all(puts_file("text.json", "hello\n"), &g);
	CHECK_INT(g.open_rc, HC_ERR_FORMAT);
	/* a lone "{" */
	read_all(puts_file("brace.json", "{"), &g);
	CHECK_INT(g.open_rc, HC_OK);
	CHECK_INT(g.n, 0);
	CHECK_INT(g.ndiag, 1);
}

/* A record with a 100,000-byte value of 3-byte characters (the cut falls
 * inside one), then a normal record. */
static void test_huge_field(void)
{
	size_t vlen = 3 * 33334, cap = vlen + 1024;
	char *text = malloc(cap);
	char one[512];
	struct got g;
	size_t k;

	if (!text)
		HC_SKIP("out of memory");
	k = (size_t)snprintf(
	    text, cap,
	    "{\"@timestamp\":\"2019-05-14T05:05:35Z\",\"winlog\":{\"event_id\":4624,"
	    "\"computer_name\":\"h\",\"record_id\":1,\"event_data\":{\"ProcessName\":"
	    "\"");
	for (size_t i = 0; i < vlen; i += 3)
		memcpy(text + k + i, "\xE2\x82\xAC", 3);
	k += vlen;
	snprintf(one, sizeof(one), ecs_fmt, 2, 2);
	k += (size_t)snprintf(text + k, cap - k, "\",\"LogonType\":\"3\"}}}\n%s\n", one);
	read_all(put("huge.jsonl", text, k), &g);
	CHECK_INT(g.n, 2);
	if (g.n == 2) {
		const char *v = hc_event_get(&g.ev[0], "ProcessName");
		CHECK(g.ev[0].truncated);
		CHECK(v && strlen(v) <= HC_MAX_FIELD_LEN && strlen(v) > HC_MAX_FIELD_LEN - 3);
		CHECK(v && strlen(v) % 3 == 0); /* on a UTF-8 boundary */
		CHECK_STR(hc_event_get(&g.ev[0], "LogonType"), "3");
		CHECK(!g.ev[1].truncated);
	}
	CHECK(has_diag(&g, 1, "marked truncated"));
	CHECK(has_diag(&g, 1, "longer than 65536"));
	CHECK_U64(g.failed, 0);
	got_free(&g);
	free(text);

	/* a record over HC_MAX_JSON_RECORD is skipped, in every shape */
	cap = HC_MAX_JSON_RECORD + 4096;
	text = malloc(cap);
	if (!text)
		HC_SKIP("out of memory");
	for (int shape = 0; shape < 2; shape++) {
		k = (size_t)snprintf(text, cap, "%s{\"winlog\":{\"x\":\"", shape ? "[\n" : "");
		memset(text + k, 'a', HC_MAX_JSON_RECORD);
		k += HC_MAX_JSON_RECORD;
		snprintf(one, sizeof(one), ecs_fmt, 2, 2);
		k += (size_t)snprintf(text + k, cap - k, "\"}}%s\n%s\n%s", shape ? "," : "", one,
		                      shape ? "]\n" : "");
		read_all(put(shape ? "bigrec.json" : "bigrec.jsonl", text, k), &g);
		CHECK_INT(g.n, 1);
		CHECK(has_diag(&g, shape ? 2 : 1, "record longer than"));
		CHECK_INT(g.ndiag, 1);
		if (g.n == 1)
			CHECK_U64(g.ev[0].record_id, 2);
		if (g.ndiag != 1 || !has_diag(&g, shape ? 2 : 1, "record longer than"))
			dump_diags(&g);
		got_free(&g);
	}
	free(text);
}

static void test_nesting_bomb(void)
{
	size_t depth = 100000, cap = 2 * depth + 1024;
	char *text = malloc(cap);
	char one[512];
	struct got g;
	size_t k;

	if (!text)
		HC_SKIP("out of memory");
	for (int shape = 0; shape < 2; shape++) {
		k = (size_t)snprintf(text, cap, "%s{\"winlog\":", shape ? "[" : "");
		memset(text + k, '[', depth);
		k += depth;
		memset(text + k, ']', depth);
		k += depth;
		snprintf(one, sizeof(one), ecs_fmt, 2, 2);
		k += (size_t)snprintf(text + k, cap - k, "}%s\n%s\n%s", shape ? "," : "", one,
		                      shape ? "]" : "");
		read_all(put("bomb.json", text, k), &g);
		CHECK_INT(g.n, 1);
		CHECK(has_diag(&g, 1, "nested deeper than 64"));
		CHECK_INT(g.ndiag, 1);
		got_free(&g);
	}
	/* an unbalanced bomb at the end of a file: no crash, reported */
	k = (size_t)snprintf(text, cap, "[");
	memset(text + k, '{', depth);
	k += depth;
	read_all(put("bomb2.json", text, k), &g);
	CHECK_INT(g.n, 0);
	CHECK(has_diag(&g, 1, "ends inside a record"));
	got_free(&g);
	free(text);
}

static void test_hostile_strings(void)
{
	struct got g;

	read_all(
	    puts_file(
	        "hostile.jsonl",
	        "{\"@timestamp\":\"2019-05-14T05:05:35Z\",\"winlog\":{\"event_id\":4624,"
	        "\"computer_name\":\"h\\u001b]0;pwn\\u0007\",\"record_id\":1,\"event_data\":{"
	        "\"TargetUserName\":\"bob\\u0000evil\",\"WorkstationName\":\"\\u001b[31mX\\\"\","
	        "\"IpAddress\":\"10.0.0.\\ud800\",\"TargetDomainName\":\"\\ud83d\\ude00\","
	        "\"LogonProcessName\":\"a\xff\xfe"
	        "b\",\"SubjectUserName\":\"\\udc00z\"}}}\n"),
	    &g);
	CHECK_INT(g.n, 1);
	if (g.n == 1) {
		const struct hc_event *e = &g.ev[0];
		/* cut at the NUL, documented */
		CHECK_STR(hc_event_get(e, "TargetUserName"), "bob");
		CHECK(e->truncated);
		/* escapes are the terminal's business (cli/term.c), kept here */
		CHECK_STR(e->computer, "h\x1b]0;pwn\x07");
		CHECK_STR(hc_event_get(e, "WorkstationName"), "\x1b[31mX\"");
		/* lone surrogates and invalid bytes become U+FFFD; pairs stay */
		CHECK_STR(hc_event_get(e, "IpAddress"), "10.0.0.\xEF\xBF\xBD");
		CHECK_NULL(e->norm.ip);
		CHECK_STR(hc_event_get(e, "TargetDomainName"), "\xF0\x9F\x98\x80");
		CHECK_STR(hc_event_get(e, "LogonProcessName"), "a\xEF\xBF\xBD\xEF\xBF\xBD"
		                                               "b");
		CHECK_STR(hc_event_get(e, "SubjectUserName"), "\xEF\xBF\xBDz");
	}
	CHECK(has_diag(&g, 1, "embedded NUL"));
	CHECK(has_diag(&g, 1, "U+FFFD"));
	got_free(&g);

	/* a backslash before invalid and before multi-byte UTF-8: the checks
	 * before jansson and the repair must agree byte for byte (an escape
	 * never hides a byte from them); the records are invalid JSON, reported
	 * with their line, and the next one is read */
	read_all(puts_file("escapes.jsonl",
	                   "{\"winlog\":{\"event_id\":4624},\"a\":\"\\\xff\xfe\\\xfe\xfd\xfc\"}\n"
	                   "{\"winlog\":{\"event_id\":4624},\"a\":\"\\\xc3\xa9\xff\"}\n"
	                   "{\"@timestamp\":\"2019-05-14T05:05:35Z\",\"winlog\":{\"event_id\":4624,"
	                   "\"record_id\":3,\"event_data\":{\"X\":\"\\\\\xff\"}}}\n"),
	         &g);
	CHECK_INT(g.n, 1);
	CHECK(has_diag(&g, 1, "not valid JSON"));
	CHECK(has_diag(&g, 2, "not valid JSON"));
	if (g.n == 1)
		CHECK_STR(hc_event_get(&g.ev[0], "X"), "\\\xEF\xBF\xBD");
	got_free(&g);

	/* more fields than HC_MAX_FIELDS, an over-long name */
	{
		char text[16384];
		size_t k = (size_t)snprintf(text, sizeof(text),
		                            "{\"@timestamp\":\"2019-05-14T05:05:35Z\",\"winlog\":{"
		                            "\"event_id\":4624,\"event_data\":{");
		for (int i = 0; i < HC_MAX_FIELDS + 10; i++)
			k += (size_t)snprintf(text + k, sizeof(text) - k, "\"F%d\":\"%d\",", i, i);
		text[k++] = '"';
		memset(text + k, 'N', HC_MAX_NAME_LEN);
		k += HC_MAX_NAME_LEN;
		k += (size_t)snprintf(text + k, sizeof(text) - k, "\":\"x\"}}}\n");
		read_all(put("fields.jsonl", text, k), &g);
		CHECK_INT(g.n, 1);
		if (g.n == 1) {
			CHECK_INT(g.ev[0].nfields, HC_MAX_FIELDS);
			CHECK(g.ev[0].truncated);
			CHECK_U64(g.ev[0].record_id, 1); /* no record id: the line */
		}
		CHECK(has_diag(&g, 1, "fields dropped"));
		got_free(&g);
	}
}

/* A big JSON lines file read in three parts gives each record once, and a
 * bad line in a later part is named by its line in the whole file. */
static void test_parts(void)
{
	size_t nrec = 3000, cap = nrec * 300;
	char *text = malloc(cap), one[512];
	size_t k = 0;
	uint64_t seen = 0, sum = 0;
	int bad_found = 0;
	const char *path;

	if (!text)
		HC_SKIP("out of memory");
	for (size_t i = 1; i <= nrec; i++) {
		if (i == 2500) {
			k += (size_t)snprintf(text + k, cap - k, "{broken\n");
			continue;
		}
		snprintf(one, sizeof(one), ecs_fmt, (int)(i % 60), (int)i);
		k += (size_t)snprintf(text + k, cap - k, "%s\n", one);
	}
	path = put("parts.jsonl", text, k);
	free(text);
	for (unsigned part = 0; part < 3; part++) {
		struct hc_read_opts o = {0};
		struct hc_input *in = NULL;
		struct hc_diag d;
		int rc;
		o.part = part;
		o.nparts = 3;
		if (hc_input_open(path, &o, &in, &d) != HC_OK) {
			HC_FAIL_AT("open part %u: %s", part, d.msg);
			continue;
		}
		for (;;) {
			struct hc_event ev;
			memset(&ev, 0, sizeof(ev));
			rc = hc_input_next(in, &ev, &d);
			if (rc == 1) {
				seen++;
				sum += ev.record_id;
				hc_event_clear(&ev);
			} else if (rc == HC_ERR_RECORD) {
				bad_found += d.pos == HC_POS_LINE && d.record == 2500 &&
				             strstr(d.msg, "line 2500:") != NULL;
			} else {
				break;
			}
		}
		hc_input_close(in);
	}
	CHECK_U64(seen, nrec - 1);
	CHECK_U64(sum, nrec * (nrec + 1) / 2 - 2500);
	CHECK_INT(bad_found, 1);

	/* an array is read whole by part 0 only */
	{
		struct hc_read_opts o = {0};
		struct got g;
		char one2[512], arr[1200];
		snprintf(one2, sizeof(one2), ecs_fmt, 1, 1);
		snprintf(arr, sizeof(arr), "[%s,\n%s]", one2, one2);
		path = puts_file("parts.json", arr);
		o.nparts = 2;
		o.part = 1;
		read_opts(path, &o, &g);
		CHECK_INT(g.n, 0);
		CHECK_INT(g.ndiag, 0);
		o.part = 0;
		read_opts(path, &o, &g);
		CHECK_INT(g.n, 2);
		got_free(&g);
	}
}

static void test_walk(void)
{
	char d[512];
	const char *paths[1];
	char **out = NULL;
	size_t n = 0;

	snprintf(d, sizeof(d), "%s/walk", root);
	if (mkdir(d, 0700) != 0)
		HC_SKIP("cannot mkdir %s", d);
	puts_file("walk/a.json", "[]");
	puts_file("walk/b.JSONL", "[]");
	puts_file("walk/c.ndjson", "[]");
	puts_file("walk/d.evtx", "x");
	puts_file("walk/e.json.gz", "x");
	puts_file("walk/f.txt", "[]");
	puts_file("walk/json", "[]");
	paths[0] = d;
	CHECK_INT(hc_paths_expand(paths, 1, NULL, NULL, &out, &n), HC_OK);
	CHECK_INT(n, 4);
	if (n == 4) {
		CHECK(strstr(out[0], "/a.json") != NULL);
		CHECK(strstr(out[1], "/b.JSONL") != NULL);
		CHECK(strstr(out[2], "/c.ndjson") != NULL);
		CHECK(strstr(out[3], "/d.evtx") != NULL);
	}
	hc_paths_free(out, n);
}

/* Records of ids nobody asked for are skipped unparsed, but only when
 * every id key in them says so; anything in doubt is parsed. */
static void test_prefilter(void)
{
	struct got g;

	read_all(
	    puts_file(
	        "mixed.jsonl",
	        /* 4688: skipped unparsed, although broken after its id */
	        "{\"EventID\":4688,\"Hostname\":\"h\",\"Message\":\"x\", broken\n"
	        /* 4624 with an escaped \"EventID\": 4688 inside a string: kept */
	        "{\"EventID\":4624,\"Hostname\":\"h.d\",\"@timestamp\":\"2020-01-01T00:00:00Z\","
	        "\"Message\":\"{\\\"EventID\\\": 4688}\",\"LogonType\":3,\"RecordNumber\":2}\n"
	        /* the wanted id as a quoted number (ECS) and as evtx_dump's #text */
	        "{\"winlog\":{\"event_id\":\"4624\",\"computer_name\":\"h\",\"record_id\":3,"
	        "\"channel\":\"Security\",\"event_data\":{}},\"@timestamp\":\"2020-01-01T00:00:"
	        "01Z\"}\n"
	        "{\"Event\":{\"System\":{\"EventID\":{\"#text\":4624,\"#attributes\":{}},"
	        "\"Computer\":\"h\",\"Channel\":\"Security\",\"EventRecordID\":4,\"TimeCreated\":"
	        "{\"#attributes\":{\"SystemTime\":\"2020-01-01T00:00:02Z\"}}},\"EventData\":{}}}\n"
	        /* an unwanted id with a wanted one beside it: parsed */
	        "{\"EventID\":5156,\"Hostname\":\"h\",\"@timestamp\":\"2020-01-01T00:00:03Z\","
	        "\"x\":{\"event_id\":4624}}\n"
	        /* a broken record of a wanted id: reported */
	        "{\"EventID\":4624,\"Hostname\":\"h\", broken\n"),
	    &g);
	CHECK_INT(g.open_rc, HC_OK);
	CHECK_INT(g.n, 3);
	CHECK_INT(g.records, 6);
	CHECK(has_diag(&g, 6, "not valid JSON"));
	CHECK(!has_diag(&g, 1, "not valid JSON"));
	got_free(&g);
}

int main(void)
{
	test_prefilter();
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/hc-test-json-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		HC_SKIP("cannot make a temporary directory");
	hc_input_init();
	test_evtx_dump();
	test_winlogbeat();
	test_mordor();
	test_shapes();
	test_malformed_lines();
	test_malformed_array();
	test_not_events();
	test_empty();
	test_huge_field();
	test_nesting_bomb();
	test_hostile_strings();
	test_parts();
	test_walk();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", root);
	}
	return hc_test_result();
}

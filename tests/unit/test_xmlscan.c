/* Unit tests for parsers/xmlscan.c on record XML shaped like libevtx's
 * (`evtxexport -f xml`) and python-evtx's output: System fields, entities,
 * empty and unnamed Data, UserData, errors and the HC_MAX_* caps. */
#include "xmlscan.h"
#include "hc_test.h"

/* As libevtx 20181227 prints a 4624 (indented, self-closing empty elements,
 * nine-digit fraction, upper-case GUIDs). */
static const char libevtx_4624[] =
    "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\n"
    "  <System>\n"
    "    <Provider Name=\"Microsoft-Windows-Security-Auditing\" "
    "Guid=\"{54849625-5478-4994-A5BA-3E3B0328C30D}\"/>\n"
    "    <EventID>4624</EventID>\n"
    "    <Version>2</Version>\n"
    "    <Level>0</Level>\n"
    "    <Task>12544</Task>\n"
    "    <Opcode>0</Opcode>\n"
    "    <Keywords>0x8020000000000000</Keywords>\n"
    "    <TimeCreated SystemTime=\"2021-02-12T12:33:07.469496400Z\"/>\n"
    "    <EventRecordID>505860</EventRecordID>\n"
    "    <Correlation ActivityID=\"{5965E1C0-DDA7-0003-D8E1-6559A7DDD801}\"/>\n"
    "    <Execution ProcessID=\"688\" ThreadID=\"736\"/>\n"
    "    <Channel>Security</Channel>\n"
    "    <Computer>dc.windomain.local</Computer>\n"
    "    <Security/>\n"
    "  </System>\n"
    "  <EventData>\n"
    "    <Data Name=\"SubjectUserSid\">S-1-5-18</Data>\n"
    "    <Data Name=\"SubjectLogonId\">0x00000000000003e7</Data>\n"
    "    <Data Name=\"TargetUserName\">a&lt;b&gt;c&amp;d&quot;e&apos;f</Data>\n"
    "    <Data Name=\"TargetLogonId\">0x00000000008dcdc0</Data>\n"
    "    <Data Name=\"LogonType\">3</Data>\n"
    "    <Data Name=\"LogonProcessName\">NtLmSsp </Data>\n"
    "    <Data Name=\"WorkstationName\"/>\n"
    "    <Data Name=\"ProcessName\">esc&#x1b;[31mred&#27;</Data>\n"
    "    <Data Name=\"IpAddress\">::ffff:10.0.0.5</Data>\n"
    "  </EventData>\n"
    "</Event>\n";

/* As python-evtx prints the same record (Qualifiers="", space for 'T',
 * microseconds, <X></X> for empty elements, non-ASCII as &#...;). */
static const char pyevtx_4624[] =
    "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>"
    "<Provider Name=\"Microsoft-Windows-Security-Auditing\" "
    "Guid=\"{54849625-5478-4994-a5ba-3e3b0328c30d}\"></Provider>\n"
    "<EventID Qualifiers=\"\">4624</EventID>\n"
    "<Version>2</Version>\n"
    "<Level>0</Level>\n"
    "<TimeCreated SystemTime=\"2021-02-12 12:33:07.469496\"></TimeCreated>\n"
    "<EventRecordID>505860</EventRecordID>\n"
    "<Correlation ActivityID=\"\" RelatedActivityID=\"\"></Correlation>\n"
    "<Channel>Security</Channel>\n"
    "<Computer>dc.windomain.local</Computer>\n"
    "<Security UserID=\"\"></Security>\n"
    "</System>\n"
    "<EventData><Data Name=\"SubjectUserSid\">S-1-5-18</Data>\n"
    "<Data Name=\"TargetUserName\">J&#252;rgen</Data>\n"
    "<Data Name=\"WorkstationName\"></Data>\n"
    "<Data Name=\"LogonType\">10</Data>\n"
    "</EventData>\n"
    "</Event>\n";

static int scan(const char *xml, struct hc_buf *b, struct hc_xml_event *x, struct hc_diag *d)
{
	hc_diag_clear(d);
	return hc_xml_scan(xml, strlen(xml), b, x, d);
}

static const char *field(const struct hc_xml_event *x, const char *name)
{
	for (size_t i = 0; i < x->nfields; i++)
		if (strcmp(x->names[i], name) == 0)
			return x->values[i];
	return NULL;
}

static void test_libevtx_shape(void)
{
	struct hc_buf b = {0};
	struct hc_xml_event x;
	struct hc_diag d;
	int64_t t;

	CHECK_INT(scan(libevtx_4624, &b, &x, &d), HC_OK);
	CHECK_INT(x.event_id, 4624);
	CHECK(x.has_event_id);
	CHECK_INT(x.version, 2);
	CHECK_U64(x.record_id, 505860);
	CHECK(x.has_time);
	CHECK_INT(hc_time_parse("2021-02-12T12:33:07.4694964Z", &t), 1);
	CHECK_INT(x.time, t);
	CHECK_STR(x.computer, "dc.windomain.local");
	CHECK_STR(x.channel, "Security");
	CHECK_STR(x.provider, "Microsoft-Windows-Security-Auditing");
	CHECK_INT(x.nfields, 9);
	CHECK_STR(x.names[0], "SubjectUserSid");
	CHECK_STR(x.values[0], "S-1-5-18");
	CHECK_STR(field(&x, "TargetUserName"), "a<b>c&d\"e'f");
	CHECK_STR(field(&x, "LogonProcessName"), "NtLmSsp ");
	CHECK_STR(field(&x, "WorkstationName"), "");
	CHECK_STR(field(&x, "ProcessName"), "esc\x1b[31mred\x1b");
	CHECK_STR(field(&x, "IpAddress"), "::ffff:10.0.0.5");
	CHECK_STR(x.names[8], "IpAddress");
	CHECK(!x.truncated);
	CHECK(!x.dropped_fields);

	/* the buffer is reusable: a second scan replaces the first */
	CHECK_INT(scan(pyevtx_4624, &b, &x, &d), HC_OK);
	CHECK_INT(x.event_id, 4624);
	CHECK_INT(x.version, 2);
	CHECK_U64(x.record_id, 505860);
	CHECK(x.has_time);
	CHECK_INT(x.time, t - 4); /* microseconds only */
	CHECK_STR(x.computer, "dc.windomain.local");
	CHECK_STR(x.channel, "Security");
	CHECK_STR(x.provider, "Microsoft-Windows-Security-Auditing");
	CHECK_INT(x.nfields, 4);
	CHECK_STR(field(&x, "TargetUserName"), "J\xc3\xbcrgen");
	CHECK_STR(field(&x, "WorkstationName"), "");
	CHECK_STR(field(&x, "LogonType"), "10");
	hc_buf_free(&b);
	hc_buf_free(&b); /* idempotent */
}

static void test_event_scan(void)
{
	struct hc_buf b = {0};
	struct hc_event ev;
	struct hc_diag d;

	hc_diag_clear(&d);
	CHECK_INT(hc_xml_event_scan(libevtx_4624, strlen(libevtx_4624), &b, &ev, &d), HC_OK);
	hc_buf_free(&b); /* the event owns copies */
	CHECK_INT(ev.event_id, 4624);
	CHECK_U64(ev.record_id, 505860);
	CHECK_STR(ev.computer, "dc.windomain.local");
	CHECK_STR(ev.norm.logon_process, "NtLmSsp");
	CHECK_STR(ev.norm.ip, "10.0.0.5");
	CHECK_U64(ev.norm.target_logon_id, 0x8dcdc0);
	CHECK_NULL(ev.norm.workstation);
	CHECK_STR(ev.norm.target.name, "a<b>c&d\"e'f");
	CHECK(!ev.truncated);
	hc_event_clear(&ev);
}

static void test_entities(void)
{
	struct hc_buf b = {0};
	struct hc_xml_event x;
	struct hc_diag d;
	const char *xml =
	    "<Event><System><EventID>4624</EventID></System><EventData>"
	    "<Data Name=\"A\">&lt;&gt;&amp;&quot;&apos;</Data>"
	    "<Data Name=\"B\">&#x1b;&#27;&#X41;&#x20AC;&#128512;</Data>"
	    "<Data Name=\"C\">&unknown; &#; &#x; &#0; &#x110000; &amp &#12345678901234;</Data>"
	    "<Data Name=\"D&amp;E\">v</Data>"
	    "<Data Name=\"F\">&amp;lt;</Data>"
	    "</EventData></Event>";

	CHECK_INT(scan(xml, &b, &x, &d), HC_OK);
	CHECK_INT(x.nfields, 5);
	CHECK_STR(field(&x, "A"), "<>&\"'");
	CHECK_STR(field(&x, "B"), "\x1b\x1b"
	                          "A\xe2\x82\xac\xf0\x9f\x98\x80");
	/* what is not a known entity stays as it is */
	CHECK_STR(field(&x, "C"), "&unknown; &#; &#x; &#0; &#x110000; &amp &#12345678901234;");
	CHECK_STR(field(&x, "D&E"), "v");
	CHECK_STR(field(&x, "F"), "&lt;"); /* unescaped once only */
	/* System strings are unescaped too; no Computer/Channel/Provider = "" */
	CHECK_STR(x.computer, "");
	CHECK_STR(x.channel, "");
	CHECK_STR(x.provider, "");
	CHECK(!x.has_time);
	hc_buf_free(&b);

	CHECK_INT(scan("<Event><System><Provider Name=\"P&amp;Q\"/><EventID>1</EventID>"
	               "<Channel>A&lt;B</Channel><Computer>h&#x41;st</Computer></System></Event>",
	               &b, &x, &d),
	          HC_OK);
	CHECK_STR(x.provider, "P&Q");
	CHECK_STR(x.channel, "A<B");
	CHECK_STR(x.computer, "hAst");
	CHECK_INT(x.nfields, 0);
	hc_buf_free(&b);
}

static void test_unnamed_and_odd(void)
{
	struct hc_buf b = {0};
	struct hc_xml_event x;
	struct hc_diag d;
	char longname[HC_MAX_NAME_LEN + 64];
	char xml[1024];

	/* classic events: unnamed <Data> elements become Data[1], Data[2]... */
	CHECK_INT(scan("<Event><System><EventID Qualifiers=\"16384\">7036</EventID></System>"
	               "<EventData><Data>Windows Update</Data><Data/><Data>running</Data>"
	               "<Binary>AB</Binary><DataItem>x</DataItem></EventData></Event>",
	               &b, &x, &d),
	          HC_OK);
	CHECK_INT(x.event_id, 7036);
	CHECK_INT(x.nfields, 3);
	CHECK_STR(field(&x, "Data[1]"), "Windows Update");
	CHECK_STR(field(&x, "Data[2]"), "");
	CHECK_STR(field(&x, "Data[3]"), "running");
	CHECK_NULL(field(&x, "DataItem"));

	/* a name longer than HC_MAX_NAME_LEN is not used as a name */
	memset(longname, 'N', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	snprintf(xml, sizeof(xml),
	         "<Event><System><EventID>4624</EventID></System><EventData>"
	         "<Data Name=\"%s\">v</Data></EventData></Event>",
	         longname);
	CHECK_INT(scan(xml, &b, &x, &d), HC_OK);
	CHECK_INT(x.nfields, 1);
	CHECK(strlen(x.names[0]) < HC_MAX_NAME_LEN);
	CHECK_STR(x.values[0], "v");

	/* EventID with surrounding blanks */
	CHECK_INT(scan("<Event><System><EventID>\n 4625 \n</EventID><Version>0</Version>"
	               "</System></Event>",
	               &b, &x, &d),
	          HC_OK);
	CHECK_INT(x.event_id, 4625);
	hc_buf_free(&b);
}

static void test_errors(void)
{
	struct hc_buf b = {0};
	struct hc_xml_event x;
	struct hc_diag d;
	struct hc_event ev;

	CHECK_INT(scan("<Event><System><Version>1</Version></System><EventData>"
	               "<Data Name=\"A\">1</Data></EventData></Event>",
	               &b, &x, &d),
	          HC_ERR_RECORD);
	CHECK(strstr(d.msg, "EventID") != NULL);
	CHECK_INT(scan("<Event><System><EventID/></System></Event>", &b, &x, &d), HC_ERR_RECORD);
	CHECK_INT(scan("not xml at all", &b, &x, &d), HC_ERR_RECORD);
	CHECK(d.msg[0] != '\0');
	CHECK_INT(scan("", &b, &x, &d), HC_ERR_RECORD);
	CHECK_INT(scan("<Event><System><EventID>4624</EventID></System><EventData>"
	               "<Data Name=\"A\">never closed</EventData></Event>",
	               &b, &x, &d),
	          HC_ERR_RECORD);
	CHECK(strstr(d.msg, "Data") != NULL);
	/* truncated in the middle of a tag: an error or a partial result, never a crash */
	static const char cut[] = "<Event><System><EventID>4624</EventID></System><EventData>"
	                          "<Data Name=\"A\">x</Data><Data Na";
	for (size_t n = 0; n <= strlen(cut); n++) {
		int rc = hc_xml_scan(cut, n, &b, &x, &d);
		CHECK(rc == HC_OK || rc == HC_ERR_RECORD);
	}
	memset(&ev, 0, sizeof(ev));
	CHECK_INT(hc_xml_event_scan("<Event/>", 8, &b, &ev, &d), HC_ERR_RECORD);
	CHECK_NULL(ev.arena);
	hc_buf_free(&b);
}

static void test_caps(void)
{
	struct hc_buf b = {0};
	struct hc_xml_event x;
	struct hc_diag d;
	struct hc_event ev;
	size_t cap = 64 + 8 * HC_MAX_FIELD_LEN + 64 * (HC_MAX_FIELDS + 10);
	char *xml = malloc(cap), *p;
	const char head[] = "<Event><System><EventID>4624</EventID></System><EventData>";
	const char tail[] = "</EventData></Event>";

	if (!xml)
		HC_SKIP("out of memory");

	/* a value of exactly HC_MAX_FIELD_LEN bytes is kept whole */
	p = xml + sprintf(xml, "%s<Data Name=\"Exact\">", head);
	memset(p, 'e', HC_MAX_FIELD_LEN);
	p += HC_MAX_FIELD_LEN;
	p += sprintf(p, "</Data><Data Name=\"Long\">");
	/* one longer is cut at the cap and flagged; entities count as their output */
	for (int i = 0; i < HC_MAX_FIELD_LEN / 2 + 10; i++)
		p += sprintf(p, "&lt;b");
	p += sprintf(p, "</Data><Data Name=\"After\">ok</Data>%s", tail);
	CHECK_INT(scan(xml, &b, &x, &d), HC_OK);
	CHECK_INT(x.nfields, 3);
	CHECK_INT(strlen(field(&x, "Exact")), HC_MAX_FIELD_LEN);
	CHECK_INT(strlen(field(&x, "Long")), HC_MAX_FIELD_LEN);
	CHECK(strncmp(field(&x, "Long"), "<b<b", 4) == 0);
	CHECK_STR(field(&x, "After"), "ok");
	CHECK(x.truncated);

	/* the cut shows on the event too */
	memset(&ev, 0, sizeof(ev));
	CHECK_INT(hc_xml_event_scan(xml, strlen(xml), &b, &ev, &d), HC_OK);
	CHECK(ev.truncated);
	hc_event_clear(&ev);

	/* more than HC_MAX_FIELDS fields: the first HC_MAX_FIELDS are kept */
	p = xml + sprintf(xml, "%s", head);
	for (int i = 0; i < HC_MAX_FIELDS + 5; i++)
		p += sprintf(p, "<Data Name=\"F%d\">%d</Data>", i, i);
	sprintf(p, "%s", tail);
	CHECK_INT(scan(xml, &b, &x, &d), HC_OK);
	CHECK_INT(x.nfields, HC_MAX_FIELDS);
	CHECK(x.dropped_fields);
	CHECK_STR(x.names[HC_MAX_FIELDS - 1], "F95");
	CHECK_STR(x.values[0], "0");
	memset(&ev, 0, sizeof(ev));
	CHECK_INT(hc_xml_event_scan(xml, strlen(xml), &b, &ev, &d), HC_OK);
	CHECK(ev.truncated);
	CHECK_INT(ev.nfields, HC_MAX_FIELDS);
	hc_event_clear(&ev);

	/* exactly HC_MAX_FIELDS: nothing dropped */
	p = xml + sprintf(xml, "%s", head);
	for (int i = 0; i < HC_MAX_FIELDS; i++)
		p += sprintf(p, "<Data Name=\"F%d\">%d</Data>", i, i);
	sprintf(p, "%s", tail);
	CHECK_INT(scan(xml, &b, &x, &d), HC_OK);
	CHECK_INT(x.nfields, HC_MAX_FIELDS);
	CHECK(!x.dropped_fields);
	hc_buf_free(&b);
	free(xml);
}

/* UserData leaves become fields, as libevtx renders a 1102 (log cleared) of
 * velociraptor RDPAuth_Security.evtx, record 505853. */
static void test_userdata(void)
{
	struct hc_buf b = {0};
	struct hc_xml_event x;
	struct hc_diag d;

	CHECK_INT(scan("<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\n"
	               "  <System>\n"
	               "    <Provider Name=\"Microsoft-Windows-Eventlog\" "
	               "Guid=\"{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}\"/>\n"
	               "    <EventID>1102</EventID>\n"
	               "    <Version>0</Version>\n"
	               "    <Channel>Security</Channel>\n"
	               "    <Computer>dc.windomain.local</Computer>\n"
	               "  </System>\n"
	               "  <UserData>\n"
	               "    <LogFileCleared "
	               "xmlns=\"http://manifests.microsoft.com/win/2004/08/windows/eventlog\">\n"
	               "      <SubjectUserSid>S-1-5-21-3648566514-1342408385-4134854909-1000"
	               "</SubjectUserSid>\n"
	               "      <SubjectUserName>vagrant</SubjectUserName>\n"
	               "      <SubjectDomainName>WINDOMAIN</SubjectDomainName>\n"
	               "      <SubjectLogonId>0x00000000001febb0</SubjectLogonId>\n"
	               "    </LogFileCleared>\n"
	               "  </UserData>\n"
	               "</Event>\n",
	               &b, &x, &d),
	          HC_OK);
	CHECK_INT(x.event_id, 1102);
	CHECK_STR(x.provider, "Microsoft-Windows-Eventlog");
	CHECK_INT(x.nfields, 4);
	CHECK_STR(field(&x, "SubjectUserName"), "vagrant");
	CHECK_STR(field(&x, "SubjectLogonId"), "0x00000000001febb0");
	hc_buf_free(&b);
}

int main(void)
{
	test_libevtx_shape();
	test_event_scan();
	test_entities();
	test_unnamed_and_odd();
	test_errors();
	test_caps();
	test_userdata();
	return hc_test_result();
}

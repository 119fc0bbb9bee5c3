/* A scanner for the XML of one event record as EVTX renderers print it
 * (<Event><System>...</System><EventData><Data Name="...">...</Data>...).
 * Not a general XML parser: it reads the few System elements hopchain needs
 * and every EventData/Data (or UserData leaf), unescaping entities. */
#include "xmlscan.h"
#include "../base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Finds `needle` in [p, end). */
static const char *find(const char *p, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0 || p >= end)
		return NULL;
	while ((size_t)(end - p) >= n) {
		const char *q = memchr(p, needle[0], (size_t)(end - p) - n + 1);
		if (!q)
			return NULL;
		if (memcmp(q, needle, n) == 0)
			return q;
		p = q + 1;
	}
	return NULL;
}

/* Appends the unescaped text of [p, end) to the buffer, capped at
 * HC_MAX_FIELD_LEN bytes. Returns 1 when it had to cut. */
static int unescape(struct hc_buf *b, const char *p, const char *end)
{
	int cut = 0;
	size_t start = b->len;

	while (p < end) {
		char c = *p;
		char enc[8];
		size_t n = 1;
		if (c == '&') {
			const char *semi =
			    memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12);
			if (semi) {
				size_t len = (size_t)(semi - p - 1);
				const char *e = p + 1;
				unsigned long cp = 0;
				if (len == 2 && memcmp(e, "lt", 2) == 0)
					cp = '<';
				else if (len == 2 && memcmp(e, "gt", 2) == 0)
					cp = '>';
				else if (len == 3 && memcmp(e, "amp", 3) == 0)
					cp = '&';
				else if (len == 4 && memcmp(e, "quot", 4) == 0)
					cp = '"';
				else if (len == 4 && memcmp(e, "apos", 4) == 0)
					cp = '\'';
				else if (len >= 2 && e[0] == '#') {
					char num[12];
					char *ep;
					memcpy(num, e + 1, len - 1);
					num[len - 1] = '\0';
					if (num[0] == 'x' || num[0] == 'X')
						cp = strtoul(num + 1, &ep, 16);
					else
						cp = strtoul(num, &ep, 10);
					if (*ep || cp > 0x10FFFF)
						cp = 0;
				}
				if (cp) {
					n = hc_utf8_put(enc, cp);
					if (b->len - start + n > HC_MAX_FIELD_LEN) {
						cut = 1;
						break;
					}
					memcpy(b->p + b->len, enc, n);
					b->len += n;
					p = semi + 1;
					continue;
				}
			}
		}
		if (b->len - start + 1 > HC_MAX_FIELD_LEN) {
			cut = 1;
			break;
		}
		b->p[b->len++] = c;
		p++;
	}
	if (cut) {
		/* never end inside a UTF-8 sequence */
		size_t k = b->len;
		while (k > start && ((unsigned char)b->p[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > start && ((unsigned char)b->p[k - 1] & 0xC0) == 0xC0)
			b->len = k - 1;
	}
	b->p[b->len++] = '\0';
	return cut;
}

/* Text content of the first <tag>...</tag> in [p, end); NULL if none or
 * empty element. *text_end gets the end of the text. */
static const char *element_text(const char *p, const char *end, const char *open,
                                const char **text_end)
{
	const char *s = find(p, end, open), *gt, *lt;

	if (!s)
		return NULL;
	gt = memchr(s, '>', (size_t)(end - s));
	if (!gt || gt[-1] == '/')
		return NULL;
	lt = memchr(gt + 1, '<', (size_t)(end - gt - 1));
	if (!lt)
		return NULL;
	*text_end = lt;
	return gt + 1;
}

/* Value of attribute `attr` (with ="), searching in [p, tag end). */
static const char *attr_value(const char *p, const char *end, const char *attr, const char **vend)
{
	const char *gt = memchr(p, '>', (size_t)(end - p));
	const char *a, *q;

	if (!gt)
		return NULL;
	a = find(p, gt, attr);
	if (!a)
		return NULL;
	a += strlen(attr);
	q = memchr(a, '"', (size_t)(gt - a));
	if (!q)
		return NULL;
	*vend = q;
	return a;
}

static uint64_t parse_num(const char *p, const char *e)
{
	uint64_t v = 0;

	while (p < e && (*p == ' ' || *p == '\n'))
		p++;
	for (; p < e && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

int hc_xml_scan(const char *xml, size_t len, struct hc_buf *b, struct hc_xml_event *out,
                struct hc_diag *d)
{
	const char *end = xml + len, *t, *te, *ed, *edend;
	size_t off[HC_MAX_FIELDS * 2];
	size_t soff[4] = {0, 0, 0, 0};

	memset(out, 0, sizeof(*out));
	b->len = 0;
	if (len > HC_MAX_RECORD_XML) {
		hc_diag_set(d, "record XML of %zu bytes (more than %u)", len, HC_MAX_RECORD_XML);
		return HC_ERR_RECORD;
	}
	if (hc_buf_reserve(b, len * 2 + 64, (size_t)HC_MAX_RECORD_XML * 2 + 64) < 0)
		return HC_ERR_NOMEM;
	if (!find(xml, end, "<Event")) {
		hc_diag_set(d, "record XML has no <Event> element");
		return HC_ERR_RECORD;
	}
	/* System: provider, channel, computer, ids, time */
	const char *sys_end = find(xml, end, "</System>");
	if (!sys_end)
		sys_end = end;
	const char *keys[3] = {"<Computer", "<Channel", NULL};
	for (int i = 0; i < 2; i++) {
		t = element_text(xml, sys_end, keys[i], &te);
		soff[i] = b->len;
		if (t)
			out->truncated |= unescape(b, t, te);
		else
			b->p[b->len++] = '\0';
	}
	t = find(xml, sys_end, "<Provider");
	soff[2] = b->len;
	if (t && (t = attr_value(t, sys_end, "Name=\"", &te)))
		out->truncated |= unescape(b, t, te);
	else
		b->p[b->len++] = '\0';
	if ((t = element_text(xml, sys_end, "<EventID", &te))) {
		out->event_id = (uint32_t)parse_num(t, te);
		out->has_event_id = true;
	}
	if ((t = element_text(xml, sys_end, "<Version", &te)))
		out->version = (uint32_t)parse_num(t, te);
	if ((t = element_text(xml, sys_end, "<EventRecordID", &te)))
		out->record_id = parse_num(t, te);
	t = find(xml, sys_end, "<TimeCreated");
	if (t && (t = attr_value(t, sys_end, "SystemTime=\"", &te))) {
		char tb[64];
		size_t n = (size_t)(te - t);
		if (n < sizeof(tb)) {
			memcpy(tb, t, n);
			tb[n] = '\0';
			out->has_time = hc_time_parse(tb, &out->time) == 1;
		}
	}
	if (!out->has_event_id) {
		hc_diag_set(d, "record XML has no EventID");
		return HC_ERR_RECORD;
	}

	/* EventData: every <Data Name="x">v</Data> */
	size_t n = 0, unnamed = 0;
	ed = find(sys_end, end, "<EventData");
	edend = ed ? find(ed, end, "</EventData>") : NULL;
	if (ed && !edend)
		edend = end;
	for (const char *p = ed; p && p < edend;) {
		const char *dp = find(p, edend, "<Data");
		if (!dp)
			break;
		const char *gt = memchr(dp, '>', (size_t)(edend - dp));
		if (!gt)
			break;
		if (dp[5] != ' ' && dp[5] != '>' && dp[5] != '/') {
			p = gt + 1; /* <DataSomething> */
			continue;
		}
		if (n >= HC_MAX_FIELDS) {
			out->dropped_fields = true;
			break;
		}
		const char *nv, *nve;
		off[2 * n] = b->len;
		if ((nv = attr_value(dp, edend, "Name=\"", &nve)) && nve - nv < HC_MAX_NAME_LEN) {
			unescape(b, nv, nve);
		} else {
			char tmp[32];
			int k = snprintf(tmp, sizeof(tmp), "Data[%zu]", ++unnamed);
			memcpy(b->p + b->len, tmp, (size_t)k + 1);
			b->len += (size_t)k + 1;
		}
		off[2 * n + 1] = b->len;
		if (gt[-1] == '/') {
			b->p[b->len++] = '\0';
			p = gt + 1;
		} else {
			const char *close = find(gt + 1, edend, "</Data>");
			if (!close) {
				hc_diag_set(d, "unterminated <Data> element");
				return HC_ERR_RECORD;
			}
			out->truncated |= unescape(b, gt + 1, close);
			p = close + 7;
		}
		n++;
	}
	/* UserData: <UserData><Wrapper xmlns=".."><Leaf>v</Leaf>...</Wrapper>;
	 * each leaf element is a field named by its tag */
	ed = ed ? NULL : find(sys_end, end, "<UserData");
	edend = ed ? find(ed, end, "</UserData>") : NULL;
	const char *wrap = edend ? memchr(ed + 1, '<', (size_t)(edend - ed - 1)) : NULL;
	const char *p = wrap ? memchr(wrap, '>', (size_t)(edend - wrap)) : NULL;
	if (p && p[-1] == '/')
		p = NULL; /* <Wrapper/>: no fields */
	while (p && p < edend) {
		const char *lt = memchr(p, '<', (size_t)(edend - p)), *gt, *ne;
		if (!lt || lt[1] == '/')
			break; /* the wrapper's end tag */
		gt = memchr(lt, '>', (size_t)(edend - lt));
		if (!gt)
			break;
		for (ne = lt + 1; ne < gt && *ne != ' ' && *ne != '/' && *ne != '>'; ne++)
			;
		if (ne == lt + 1 || ne - lt > HC_MAX_NAME_LEN)
			break;
		if (n >= HC_MAX_FIELDS) {
			out->dropped_fields = true;
			break;
		}
		off[2 * n] = b->len;
		memcpy(b->p + b->len, lt + 1, (size_t)(ne - lt - 1));
		b->len += (size_t)(ne - lt - 1);
		b->p[b->len++] = '\0';
		off[2 * n + 1] = b->len;
		if (gt[-1] == '/') {
			b->p[b->len++] = '\0';
			p = gt + 1;
		} else {
			/* leaf text up to the next tag; nested elements are not fields */
			const char *te2 = memchr(gt + 1, '<', (size_t)(edend - gt - 1));
			if (!te2)
				break;
			out->truncated |= unescape(b, gt + 1, te2);
			const char *cl = memchr(te2, '>', (size_t)(edend - te2));
			if (!cl)
				break;
			p = cl + 1;
		}
		n++;
	}
	/* pointers only now: the buffer no longer moves */
	out->computer = b->p + soff[0];
	out->channel = b->p + soff[1];
	out->provider = b->p + soff[2];
	for (size_t i = 0; i < n; i++) {
		out->names[i] = b->p + off[2 * i];
		out->values[i] = b->p + off[2 * i + 1];
	}
	out->nfields = n;
	return HC_OK;
}

int hc_xml_event_scan(const char *xml, size_t len, struct hc_buf *b, struct hc_event *ev,
                      struct hc_diag *d)
{
	struct hc_xml_event x;
	int rc;

	rc = hc_xml_scan(xml, len, b, &x, d);
	if (rc == HC_OK) {
		memset(ev, 0, sizeof(*ev));
		ev->event_id = x.event_id;
		ev->version = x.version;
		ev->record_id = x.record_id;
		ev->time = x.time;
		ev->truncated = x.truncated || x.dropped_fields;
		rc = hc_event_build(ev, x.computer, x.channel, x.provider, x.nfields,
		                    (const char *const *)x.names, (const char *const *)x.values);
	}
	return rc;
}

/* `hopchain events`: the extracted events, sorted by time, as a table for
 * people or as csv/json/jsonl for scripts (JSONL is a contract: see
 * README "events JSONL"). */
#include "cli.h"
#include "out_json.h"
#include "../engine/packset.h"
#include "../parsers/decode.h"

#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HC_MAX_IDS 256

static void help(void)
{
	fputs("usage: hopchain events [--format table|jsonl|json|csv] [--csv-raw] [--ids LIST]\n"
	      "                       [--recover] PATH...\n"
	      "\n"
	      "Prints the logon-related events of the given event logs, .evtx or JSON\n"
	      "(evtx_dump, Winlogbeat, OTRF/Mordor), sorted by time. Directories are\n"
	      "searched recursively for *.evtx, *.json, *.jsonl and *.ndjson.\n"
	      "\n"
	      "  -f, --format F  table (default), jsonl, json or csv\n"
	      "  --csv-raw       csv: values exactly as they are, for programs (default:\n"
	      "                  escaped, and formula-like cells made text with a ')\n"
	      "  --ids LIST      event ids to print, comma-separated, or 'all' (default: 4608,\n"
	      "                  4624,4625,4634,4647,4648,4672,4768,4769,4771,4776,4778,4779)\n"
	      "  --recover       also read records recovered from chunk slack space\n"
	      "                  (marked \"recovered\": true; .evtx only)\n"
	      "  -h, --help      this help\n",
	      stdout);
}

enum col {
	C_FILE,
	C_RECORD,
	C_TIME,
	C_COMPUTER,
	C_CHANNEL,
	C_PROVIDER,
	C_EVENT_ID,
	C_VERSION,
	C_RECOVERED,
	C_DATA,
	/* normalised */
	C_SUBJECT_USER,
	C_SUBJECT_DOMAIN,
	C_SUBJECT_SID,
	C_SUBJECT_LOGON_ID,
	C_TARGET_USER,
	C_TARGET_DOMAIN,
	C_TARGET_SID,
	C_TARGET_LOGON_ID,
	C_LINKED_LOGON_ID,
	C_LOGON_TYPE,
	C_LOGON_TYPE_NAME,
	C_LOGON_PROCESS,
	C_PACKAGE,
	C_LM_PACKAGE,
	C_KEY_LENGTH,
	C_IMPERSONATION,
	C_ELEVATED,
	C_VIRTUAL,
	C_RESTRICTED_ADMIN,
	C_WORKSTATION,
	C_IP,
	C_PORT,
	C_PROCESS_ID,
	C_PROCESS_NAME,
	C_LOGON_GUID,
	C_STATUS,
	C_STATUS_NAME,
	C_SUBSTATUS,
	C_SUBSTATUS_NAME,
	C_FAILURE_REASON,
	C_TARGET_SERVER,
	C_TARGET_INFO,
	C_SERVICE_NAME,
	C_TICKET_OPTIONS,
	C_TICKET_ENCRYPTION,
	C_TRANSMITTED,
	C_SESSION_NAME,
	C_OUTBOUND_USER,
	C_OUTBOUND_DOMAIN,
	C_DST_IP,
	C_DST_PORT,
	C_DIRECTION,
	C_PROCESS_GUID,
	C_ANONYMOUS,
	C_TRUNCATED,
	/* table view */
	V_TIME,
	V_COMPUTER,
	V_ID,
	V_RECORD,
	V_ACCOUNT,
	V_TYPE,
	V_PACKAGE,
	V_SOURCE,
	V_DETAIL,
	NCOLS
};

#define D HC_COL_DATA
#define DN (HC_COL_DATA | HC_COL_OMITNULL)
static const struct hc_column columns[NCOLS] = {
    [C_FILE] = {"file", D},
    [C_RECORD] = {"record_id", D},
    [C_TIME] = {"time", D},
    [C_COMPUTER] = {"computer", D},
    [C_CHANNEL] = {"channel", D},
    [C_PROVIDER] = {"provider", D},
    [C_EVENT_ID] = {"event_id", D},
    [C_VERSION] = {"version", D},
    [C_RECOVERED] = {"recovered", D},
    [C_DATA] = {"data", D},
    [C_SUBJECT_USER] = {"subject_user", DN},
    [C_SUBJECT_DOMAIN] = {"subject_domain", DN},
    [C_SUBJECT_SID] = {"subject_sid", DN},
    [C_SUBJECT_LOGON_ID] = {"subject_logon_id", DN},
    [C_TARGET_USER] = {"target_user", DN},
    [C_TARGET_DOMAIN] = {"target_domain", DN},
    [C_TARGET_SID] = {"target_sid", DN},
    [C_TARGET_LOGON_ID] = {"target_logon_id", DN},
    [C_LINKED_LOGON_ID] = {"linked_logon_id", DN},
    [C_LOGON_TYPE] = {"logon_type", DN},
    [C_LOGON_TYPE_NAME] = {"logon_type_name", DN},
    [C_LOGON_PROCESS] = {"logon_process", DN},
    [C_PACKAGE] = {"package", DN},
    [C_LM_PACKAGE] = {"lm_package", DN},
    [C_KEY_LENGTH] = {"key_length", DN},
    [C_IMPERSONATION] = {"impersonation", DN},
    [C_ELEVATED] = {"elevated", DN},
    [C_VIRTUAL] = {"virtual_account", DN},
    [C_RESTRICTED_ADMIN] = {"restricted_admin", DN},
    [C_WORKSTATION] = {"workstation", DN},
    [C_IP] = {"ip", DN},
    [C_PORT] = {"port", DN},
    [C_PROCESS_ID] = {"process_id", DN},
    [C_PROCESS_NAME] = {"process_name", DN},
    [C_LOGON_GUID] = {"logon_guid", DN},
    [C_STATUS] = {"status", DN},
    [C_STATUS_NAME] = {"status_name", DN},
    [C_SUBSTATUS] = {"substatus", DN},
    [C_SUBSTATUS_NAME] = {"substatus_name", DN},
    [C_FAILURE_REASON] = {"failure_reason", DN},
    [C_TARGET_SERVER] = {"target_server", DN},
    [C_TARGET_INFO] = {"target_info", DN},
    [C_SERVICE_NAME] = {"service_name", DN},
    [C_TICKET_OPTIONS] = {"ticket_options", DN},
    [C_TICKET_ENCRYPTION] = {"ticket_encryption", DN},
    [C_TRANSMITTED] = {"transmitted_services", DN},
    [C_SESSION_NAME] = {"session_name", DN},
    [C_OUTBOUND_USER] = {"outbound_user", DN},
    [C_OUTBOUND_DOMAIN] = {"outbound_domain", DN},
    [C_DST_IP] = {"dst_ip", DN},
    [C_DST_PORT] = {"dst_port", DN},
    [C_DIRECTION] = {"direction", DN},
    [C_PROCESS_GUID] = {"process_guid", DN},
    [C_ANONYMOUS] = {"anonymous", DN},
    [C_TRUNCATED] = {"truncated", DN},
    [V_TIME] = {"time", HC_COL_VIEW},
    [V_COMPUTER] = {"computer", HC_COL_VIEW},
    [V_ID] = {"id", HC_COL_VIEW},
    [V_RECORD] = {"record", HC_COL_VIEW},
    [V_ACCOUNT] = {"account", HC_COL_VIEW},
    [V_TYPE] = {"type", HC_COL_VIEW},
    [V_PACKAGE] = {"package", HC_COL_VIEW},
    [V_SOURCE] = {"source", HC_COL_VIEW},
    [V_DETAIL] = {"detail", HC_COL_VIEW},
};
#undef D
#undef DN

static const char *imp_name(enum hc_imp i)
{
	switch (i) {
	case HC_IMP_ANONYMOUS:
		return "Anonymous";
	case HC_IMP_IDENTIFICATION:
		return "Identification";
	case HC_IMP_IMPERSONATION:
		return "Impersonation";
	case HC_IMP_DELEGATION:
		return "Delegation";
	case HC_IMP_OTHER:
		return "Other";
	case HC_IMP_NONE:
	default:
		return NULL;
	}
}

/* A row being filled: a table's (its cells set, passing strings copied
 * into the table), or one JSON object written straight into a buffer, as
 * hc_table_print would write the table's row (columns in order, nulls of
 * HC_COL_OMITNULL columns and the table view left out): `events --format
 * json|jsonl` prints millions of rows. */
struct row {
	struct hc_table *t;
	struct hc_cell *r;
	struct hc_jbuf *j;
	const uint32_t *vlen;  /* JSON: the lengths of the event's values, or NULL */
	const uint8_t *codes;  /* JSON: the codes of the event's names, or NULL */
	int last;              /* JSON: the column written last (-1: none yet) */
	struct sys_seen *seen; /* JSON: the System strings as last written, or NULL */
};

/* The JSON of file, computer, channel and provider as last written: they
 * repeat from event to event, and the packed set keeps one copy of each
 * while they do, so a pointer seen before is that text again. */
struct sys_seen {
	const char *s;
	struct hc_jbuf json;
};
enum { SEEN_FILE, SEEN_COMPUTER, SEEN_CHANNEL, SEEN_PROVIDER, NSEEN };

/* ',"name":' of each column, made once by keys_init; copied 32 bytes at
 * a time (a copy of constant size is a few moves, not a call) */
#define KEY_COPY 32
static char key_text[NCOLS][KEY_COPY + 8];
static unsigned char key_len[NCOLS];

static void keys_init(void)
{
	for (size_t c = 0; c < NCOLS; c++) {
		int n = snprintf(key_text[c], sizeof(key_text[c]), ",\"%s\":", columns[c].name);
		assert(n > 0 && n < KEY_COPY);
		key_len[c] = (unsigned char)n;
	}
}

static inline void key_put(struct hc_jbuf *b, enum col c, size_t skip)
{
	memcpy(b->p + b->len, key_text[c] + skip, KEY_COPY);
	b->len += key_len[c] - skip;
}

/* key's growing path, out of line: in key, the call would have registers
 * saved on every key */
__attribute__((noinline)) static void key_grown(struct hc_jbuf *b, enum col c, size_t skip)
{
	if (hc_jbuf_reserve(b, KEY_COPY) == 0)
		key_put(b, c, skip);
}

static void key(struct row *w, enum col c)
{
	/* the table's order, which the JSON follows */
	struct hc_jbuf *b = w->j;
	size_t skip = w->last < 0; /* no comma before the first */

	assert((int)c > w->last);
	w->last = (int)c;
	if (b->cap - b->len > KEY_COPY)
		key_put(b, c, skip);
	else
		key_grown(b, c, skip);
}

static bool null_in_json(struct row *w, enum col c)
{
	if (!(columns[c].flags & HC_COL_OMITNULL)) {
		key(w, c);
		hc_jbuf_raw(w->j, "null", 4);
	}
	return true;
}

static void put_str_any(struct row *w, enum col c, const char *s)
{
	if (!w->j) {
		hc_cell_str(&w->r[c], s);
	} else if (!s) {
		null_in_json(w, c);
	} else {
		key(w, c);
		hc_jbuf_str(w->j, s);
	}
}

/* Half the columns of a JSON row are absent and left out: no call for
 * those. */
static inline void put_str(struct row *w, enum col c, const char *s)
{
	if (!s && w->j && (columns[c].flags & HC_COL_OMITNULL))
		return;
	put_str_any(w, c, s);
}

/* A System string `s` of column c: copied from the `k`th seen when it
 * was last, else written and kept there. */
static void put_sys(struct row *w, enum col c, int k, const char *s)
{
	struct sys_seen *e = w->seen ? &w->seen[k] : NULL;
	size_t from;

	if (!e || !s) {
		put_str(w, c, s);
		return;
	}
	key(w, c);
	if (e->s == s) {
		hc_jbuf_raw(w->j, e->json.p, e->json.len);
		return;
	}
	from = w->j->len;
	hc_jbuf_str(w->j, s);
	if (w->j->err)
		return;
	e->json.len = 0;
	hc_jbuf_raw(&e->json, w->j->p + from, w->j->len - from);
	e->s = e->json.err ? NULL : s;
}

/* A string that does not outlive the call. */
static void put_tmp(struct row *w, enum col c, const char *s)
{
	if (!w->j)
		hc_cell_str(&w->r[c], s ? hc_table_strdup(w->t, s) : NULL);
	else
		put_str(w, c, s);
}

static void put_int(struct row *w, enum col c, long long v)
{
	if (!w->j) {
		hc_cell_int(&w->r[c], v);
		return;
	}
	key(w, c);
	hc_jbuf_int(w->j, v);
}

static void put_bool(struct row *w, enum col c, bool v)
{
	if (!w->j) {
		hc_cell_bool(&w->r[c], v);
		return;
	}
	key(w, c);
	hc_jbuf_raw(w->j, v ? "true" : "false", v ? 4 : 5);
}

static void put_map(struct row *w, enum col c, const struct hc_field *f, size_t n)
{
	if (!w->j) {
		hc_cell_map(&w->r[c], f, n);
		return;
	}
	key(w, c);
	hc_jbuf_map_n(w->j, f, w->vlen, w->codes, n);
}

static void tristate(struct row *w, enum col c, enum hc_tristate t)
{
	if (t != HC_UNSET)
		put_bool(w, c, t == HC_YES);
}

static void u64(struct row *w, enum col c, bool has, uint64_t v)
{
	if (has && v <= INT64_MAX)
		put_int(w, c, (long long)v);
}

/* "0x%x" */
static const char *hex32(char *buf, uint32_t v)
{
	static const char dig[] = "0123456789abcdef";
	char *e = buf + 11, *q = e;

	*q = '\0';
	do
		*--q = dig[v & 15];
	while ((v >>= 4));
	*--q = 'x';
	*--q = '0';
	return q;
}

/* "DOMAIN\user" for the view. */
static const char *acct(struct hc_table *t, const struct hc_account *a)
{
	char buf[1024];

	if (!a->name && !a->domain)
		return a->sid;
	if (a->name && strchr(a->name, '@'))
		return a->name; /* 4769: user@REALM already names the realm */
	snprintf(buf, sizeof(buf), "%s%s%s", a->domain ? a->domain : "", a->domain ? "\\" : "",
	         a->name ? a->name : "-");
	return hc_table_strdup(t, buf);
}

/* One-line summary of what the event says, for the table view. */
static const char *detail(struct hc_table *t, const struct hc_event *ev, const char *hex)
{
	const struct hc_norm *n = &ev->norm;
	char buf[1024];
	const char *s, *meaning = NULL;

	buf[0] = '\0';
	switch (ev->event_id) {
	case 4624:
		snprintf(buf, sizeof(buf), "logon id 0x%llx%s%s%s%s",
		         (unsigned long long)n->target_logon_id, n->impersonation ? ", " : "",
		         n->impersonation ? imp_name(n->impersonation) : "",
		         n->lm_package ? ", " : "", n->lm_package ? n->lm_package : "");
		break;
	case 4625:
		s = n->has_substatus && n->substatus ? hc_decode_ntstatus(n->substatus, &meaning)
		                                     : hc_decode_ntstatus(n->status, &meaning);
		snprintf(buf, sizeof(buf), "failed: 0x%08x/0x%08x %s", n->status, n->substatus,
		         s ? meaning : "");
		break;
	case 4634:
	case 4647:
		snprintf(buf, sizeof(buf), "logoff id 0x%llx",
		         (unsigned long long)n->target_logon_id);
		break;
	case 4648:
		snprintf(buf, sizeof(buf), "explicit creds from 0x%llx to %s (%s)",
		         (unsigned long long)n->subject_logon_id,
		         n->target_server ? n->target_server : "-",
		         n->target_info ? n->target_info : "-");
		break;
	case 4672:
		snprintf(buf, sizeof(buf), "privileged logon id 0x%llx",
		         (unsigned long long)n->subject_logon_id);
		break;
	case 4768:
	case 4769:
	case 4771:
		s = n->has_status ? hc_decode_kerberos(n->status, NULL) : NULL;
		snprintf(buf, sizeof(buf), "%s %s%s%s",
		         ev->event_id == 4768   ? "TGT"
		         : ev->event_id == 4769 ? "ticket for"
		                                : "pre-auth failed for",
		         n->service_name ? n->service_name : "-",
		         n->has_status && n->status ? ", " : "",
		         n->has_status && n->status ? (s ? s : hex) : "");
		break;
	case 4776:
		s = n->has_status ? hc_decode_ntstatus(n->status, NULL) : NULL;
		snprintf(buf, sizeof(buf), "NTLM validation%s%s",
		         n->has_status && n->status ? ": " : "",
		         n->has_status && n->status ? (s ? s : hex) : "");
		break;
	case 4778:
	case 4779:
		snprintf(buf, sizeof(buf), "%s %s",
		         ev->event_id == 4778 ? "reconnect" : "disconnect",
		         n->session_name ? n->session_name : "");
		break;
	case 4608:
		snprintf(buf, sizeof(buf), "Windows is starting up (new boot)");
		break;
	default:
		switch (hc_event_kind(ev)) {
		case HC_KIND_CONNECTION:
			snprintf(buf, sizeof(buf), "%s%s:%d -> %s:%d %s",
			         n->direction == HC_DIR_OUT  ? "out "
			         : n->direction == HC_DIR_IN ? "in "
			                                     : "",
			         n->ip ? n->ip : "-", n->port, n->dst_ip ? n->dst_ip : "-",
			         n->dst_port, n->process_name ? n->process_name : "");
			break;
		case HC_KIND_PROCESS:
			snprintf(buf, sizeof(buf), "process %llu %s in logon id 0x%llx",
			         (unsigned long long)n->process_id,
			         n->process_name ? n->process_name : "-",
			         (unsigned long long)n->target_logon_id);
			break;
		case HC_KIND_NTLM_OUT:
			snprintf(buf, sizeof(buf), "outgoing NTLM from 0x%llx to %s",
			         (unsigned long long)n->subject_logon_id,
			         n->target_server ? n->target_server : "-");
			break;
		default:
			break;
		}
		break;
	}
	return hc_table_strdup(t, buf);
}

/* The row of `ev` into `w`: 0, or -1 when a table row cannot be added
 * (JSON records its failures in w->j->err). */
/* The System fields and the raw EventData. */
static void fill_system(struct row *w, const struct hc_event *ev)
{
	char tbuf[40];

	hc_time_format(ev->time, tbuf, sizeof(tbuf));
	put_sys(w, C_FILE, SEEN_FILE, ev->file);
	put_int(w, C_RECORD, (long long)ev->record_id);
	put_tmp(w, C_TIME, tbuf);
	put_sys(w, C_COMPUTER, SEEN_COMPUTER, ev->computer);
	put_sys(w, C_CHANNEL, SEEN_CHANNEL, ev->channel);
	put_sys(w, C_PROVIDER, SEEN_PROVIDER, ev->provider);
	put_int(w, C_EVENT_ID, ev->event_id);
	put_int(w, C_VERSION, ev->version);
	put_bool(w, C_RECOVERED, ev->recovered);
	put_map(w, C_DATA, ev->fields, ev->nfields);
}

/* Who logged on, how and from where. */
static void fill_logon(struct row *w, const struct hc_norm *n)
{
	put_str(w, C_SUBJECT_USER, n->subject.name);
	put_str(w, C_SUBJECT_DOMAIN, n->subject.domain);
	put_str(w, C_SUBJECT_SID, n->subject.sid);
	u64(w, C_SUBJECT_LOGON_ID, n->has_subject_logon_id, n->subject_logon_id);
	put_str(w, C_TARGET_USER, n->target.name);
	put_str(w, C_TARGET_DOMAIN, n->target.domain);
	put_str(w, C_TARGET_SID, n->target.sid);
	u64(w, C_TARGET_LOGON_ID, n->has_target_logon_id, n->target_logon_id);
	u64(w, C_LINKED_LOGON_ID, n->has_linked_logon_id, n->linked_logon_id);
	if (n->logon_type >= 0) {
		put_int(w, C_LOGON_TYPE, n->logon_type);
		put_str(w, C_LOGON_TYPE_NAME, hc_decode_logon_type(n->logon_type));
	}
	put_str(w, C_LOGON_PROCESS, n->logon_process);
	put_str(w, C_PACKAGE, n->package);
	put_str(w, C_LM_PACKAGE, n->lm_package);
	if (n->key_length >= 0)
		put_int(w, C_KEY_LENGTH, n->key_length);
	put_str(w, C_IMPERSONATION, imp_name(n->impersonation));
	tristate(w, C_ELEVATED, n->elevated);
	tristate(w, C_VIRTUAL, n->virtual_account);
	tristate(w, C_RESTRICTED_ADMIN, n->restricted_admin);
	put_str(w, C_WORKSTATION, n->workstation);
	put_str(w, C_IP, n->ip);
	if (n->port >= 0)
		put_int(w, C_PORT, n->port);
	u64(w, C_PROCESS_ID, n->has_process_id, n->process_id);
	put_str(w, C_PROCESS_NAME, n->process_name);
	put_str(w, C_LOGON_GUID, n->logon_guid);
}

/* Status and SubStatus with their names; returns the Status as hex (in
 * hx2) for the table's detail, or "". */
static const char *fill_status(struct row *w, const struct hc_event *ev, char *hx2)
{
	const struct hc_norm *n = &ev->norm;
	const char *s, *hex = "";
	char hx[12];

	if (n->has_status) {
		bool kerb = ev->event_id >= 4768 && ev->event_id <= 4773;
		hex = hex32(hx2, n->status);
		put_tmp(w, C_STATUS, hex);
		put_str(w, C_STATUS_NAME,
		        kerb ? hc_decode_kerberos(n->status, NULL)
		             : hc_decode_ntstatus(n->status, NULL));
	}
	if (n->has_substatus) {
		put_tmp(w, C_SUBSTATUS, hex32(hx, n->substatus));
		put_str(w, C_SUBSTATUS_NAME, hc_decode_ntstatus(n->substatus, NULL));
	}
	if (n->failure_reason)
		put_str(w, C_FAILURE_REASON,
		        (s = hc_decode_msobjs(n->failure_reason)) ? s : n->failure_reason);
	return hex;
}

/* Kerberos, explicit credentials, RDP sessions, connections, processes. */
static void fill_other(struct row *w, const struct hc_norm *n)
{
	const char *s;
	char hx[12];

	put_str(w, C_TARGET_SERVER, n->target_server);
	put_str(w, C_TARGET_INFO, n->target_info);
	put_str(w, C_SERVICE_NAME, n->service_name);
	if (n->has_ticket_options)
		put_tmp(w, C_TICKET_OPTIONS, hex32(hx, n->ticket_options));
	if (n->has_ticket_encryption) {
		s = hc_decode_ticket_encryption(n->ticket_encryption);
		put_tmp(w, C_TICKET_ENCRYPTION, s ? s : hex32(hx, n->ticket_encryption));
	}
	put_str(w, C_TRANSMITTED, n->transmitted_services);
	put_str(w, C_SESSION_NAME, n->session_name);
	put_str(w, C_OUTBOUND_USER, n->outbound_user);
	put_str(w, C_OUTBOUND_DOMAIN, n->outbound_domain);
	put_str(w, C_DST_IP, n->dst_ip);
	if (n->dst_port >= 0)
		put_int(w, C_DST_PORT, n->dst_port);
	if (n->direction != HC_DIR_NONE)
		put_str(w, C_DIRECTION, n->direction == HC_DIR_OUT ? "outbound" : "inbound");
	put_str(w, C_PROCESS_GUID, n->process_guid);
}

/* The table's own view of the row (time, computer, id, account, ...). */
static void fill_view(struct row *w, const struct hc_event *ev, const char *hex)
{
	const struct hc_norm *n = &ev->norm;
	const char *s;
	char buf[64];
	struct hc_table *t = w->t;
	struct hc_cell *r = w->r;
	hc_cell_str(&r[V_TIME], r[C_TIME].u.s);
	hc_cell_str(&r[V_COMPUTER], ev->computer);
	hc_cell_int(&r[V_ID], ev->event_id);
	hc_cell_int(&r[V_RECORD], (long long)ev->record_id);
	/* 4672 and 4648 name the session's own account in Subject* */
	hc_cell_str(&r[V_ACCOUNT], acct(t, ev->event_id == 4672 ? &n->subject : &n->target));
	if (n->logon_type >= 0) {
		snprintf(buf, sizeof(buf), "%d %s", n->logon_type,
		         (s = hc_decode_logon_type(n->logon_type)) ? s : "");
		hc_cell_str(&r[V_TYPE], hc_table_strdup(t, buf));
	}
	hc_cell_str(&r[V_PACKAGE], n->package);
	if (n->ip || n->workstation) {
		snprintf(buf, sizeof(buf), "%s%s%s", n->workstation ? n->workstation : "",
		         n->workstation && n->ip ? " " : "", n->ip ? n->ip : "");
		hc_cell_str(&r[V_SOURCE], hc_table_strdup(t, buf));
	}
	hc_cell_str(&r[V_DETAIL], detail(t, ev, hex));
}

static int fill_row(struct row *w, const struct hc_event *ev)
{
	const char *hex;
	char hx2[12];

	if (w->t && !(w->r = hc_table_add_row(w->t)))
		return -1;
	if (w->j) {
		hc_jbuf_raw(w->j, "{", 1);
		w->last = -1;
	}
	fill_system(w, ev);
	fill_logon(w, &ev->norm);
	hex = fill_status(w, ev, hx2);
	fill_other(w, &ev->norm);
	if (ev->norm.anonymous)
		put_bool(w, C_ANONYMOUS, true);
	if (ev->truncated)
		put_bool(w, C_TRUNCATED, true);
	if (w->j) {
		/* the table view is the table's alone */
		hc_jbuf_raw(w->j, "}", 1);
		return 0;
	}
	fill_view(w, ev, hex);
	return 0;
}

static int parse_ids(const char *s, uint32_t *ids, size_t *n)
{
	char *end;

	*n = 0;
	while (*s) {
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v > 65535 || *n >= HC_MAX_IDS)
			return -1;
		ids[(*n)++] = (uint32_t)v;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return *n ? 0 : -1;
}

/* table and csv: every row in one table (the view needs every width) */
static int print_table(const struct hc_global *g, char **paths, int npaths,
                       const struct hc_read_opts *ro, enum hc_format fmt,
                       const struct hc_render_opts *rend, bool *input_errors)
{
	struct hc_eventset set = {0};
	struct hc_table t;
	int rc = hc_cli_load(g, paths, npaths, ro, &set, input_errors);

	if (rc) {
		hc_eventset_free(&set);
		return rc;
	}
	hc_table_init(&t, columns, NCOLS);
	for (size_t i = 0; i < set.n && rc == HC_EXIT_OK; i++)
		if (fill_row(&(struct row){.t = &t}, &set.v[i]) < 0) {
			fprintf(stderr, "hopchain: out of memory\n");
			rc = HC_EXIT_FAILURE;
		}
	if (rc == HC_EXIT_OK && hc_table_print(&t, fmt, "events", rend, stdout) < 0) {
		fprintf(stderr, "hopchain: error writing output\n");
		rc = HC_EXIT_FAILURE;
	}
	hc_table_free(&t);
	hc_eventset_free(&set);
	return rc;
}

/* json and jsonl: the events packed (a third of the memory of the events
 * themselves), then rendered in batches by the worker threads, each batch
 * written out in order by this one. A batch of 256 is ~330 KB of JSON:
 * small enough that the 2 x threads + 2 slots in flight touch little
 * fresh memory (1024 cost 2.2k more page faults on 2 threads), large
 * enough that handing it over costs nothing. */
#define HC_EVENTS_BATCH 256
#define HC_MAX_EVENTS_SLOTS (2 * HC_MAX_THREADS + 2)

struct json_out {
	const struct hc_packset *ps;
	enum hc_format fmt;
	struct {
		struct hc_unpack u;
		struct hc_jbuf b;
		struct sys_seen seen[NSEEN];
	} slot[HC_MAX_EVENTS_SLOTS];
	bool write_error;
};

static int json_work(void *ctx, unsigned slot, size_t from, size_t to)
{
	struct json_out *o = ctx;
	struct hc_jbuf *b = &o->slot[slot].b;

	b->len = 0;
	for (size_t i = from; i < to; i++) {
		struct hc_event ev;
		if (hc_packset_event(o->ps, i, &ev, &o->slot[slot].u) < 0)
			return HC_ERR_NOMEM;
		if (o->fmt == HC_FMT_JSON)
			hc_jbuf_raw(b, i ? ",\n  " : "\n  ", i ? 4 : 3);
		fill_row(
		    &(struct row){
		        .j = b, .vlen = ev.vlen, .codes = ev.codes, .seen = o->slot[slot].seen},
		    &ev);
		if (o->fmt == HC_FMT_JSONL)
			hc_jbuf_raw(b, "\n", 1);
	}
	return b->err ? HC_ERR_NOMEM : HC_OK;
}

static int json_done(void *ctx, unsigned slot, size_t from, size_t to)
{
	struct json_out *o = ctx;
	struct hc_jbuf *b = &o->slot[slot].b;

	(void)from;
	(void)to;
	if (fwrite(b->p, 1, b->len, stdout) != b->len) {
		o->write_error = true;
		return HC_ERR_IO;
	}
	return HC_OK;
}

static int print_json(const struct hc_global *g, char **paths, int npaths,
                      const struct hc_read_opts *ro, enum hc_format fmt, bool *input_errors)
{
	struct hc_packset *ps = NULL;
	struct json_out *o;
	unsigned threads = g->threads ? g->threads : 1, nslots;
	int rc = hc_cli_load_packed(g, paths, npaths, ro, &ps, input_errors);

	if (rc)
		return rc;
	if (!(o = calloc(1, sizeof(*o)))) {
		hc_packset_free(ps);
		fprintf(stderr, "hopchain: out of memory\n");
		return HC_EXIT_FAILURE;
	}
	if (threads > HC_MAX_THREADS)
		threads = HC_MAX_THREADS;
	nslots = threads > 1 ? 2 * threads + 2 : 1;
	o->ps = ps;
	o->fmt = fmt;
	keys_init();
	size_t n = hc_packset_count(ps);
	if (fmt == HC_FMT_JSON)
		fputs("{\"events\": [", stdout);
	rc = hc_packset_each(ps, HC_EVENTS_BATCH, threads, nslots, json_work, json_done, o);
	if (fmt == HC_FMT_JSON && rc == HC_OK)
		fputs(n ? "\n]}\n" : "]}\n", stdout);
	if (rc < 0)
		fprintf(stderr, "hopchain: %s\n",
		        o->write_error ? "error writing output" : "out of memory");
	for (unsigned k = 0; k < HC_MAX_EVENTS_SLOTS; k++) {
		hc_unpack_free(&o->slot[k].u);
		hc_jbuf_free(&o->slot[k].b);
		for (int e = 0; e < NSEEN; e++)
			hc_jbuf_free(&o->slot[k].seen[e].json);
	}
	free(o);
	hc_packset_free(ps);
	return rc < 0 ? HC_EXIT_FAILURE : HC_EXIT_OK;
}

int hc_cmd_events(const struct hc_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"ids", required_argument, NULL, 'i'},
	    {"recover", no_argument, NULL, 'r'},      {"csv-raw", no_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	uint32_t ids[HC_MAX_IDS];
	size_t nids = 0;
	struct hc_read_opts ro = {0};
	enum hc_format fmt = HC_FMT_TABLE;
	struct hc_render_opts rend = {.color = g->color};
	bool input_errors = false;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (hc_format_parse(optarg, &fmt) < 0 || fmt == HC_FMT_DOT)
				return hc_cli_usage_error("events",
				                          "unknown format '%s' "
				                          "(table, jsonl, json, csv)",
				                          optarg);
			break;
		case 'i':
			if (strcmp(optarg, "all") == 0) {
				ro.all_ids = true;
				break;
			}
			if (parse_ids(optarg, ids, &nids) < 0)
				return hc_cli_usage_error("events",
				                          "--ids wants a comma-separated "
				                          "list of event ids, not '%s'",
				                          optarg);
			ro.ids = ids;
			ro.nids = nids;
			break;
		case 'r':
			ro.recover = true;
			break;
		case 'R':
			rend.csv_raw = true;
			break;
		case 'h':
			help();
			return HC_EXIT_OK;
		default:
			return hc_cli_bad_option("events", argv, c, "f:h");
		}
	}
	if (rend.csv_raw && fmt != HC_FMT_CSV)
		return hc_cli_usage_error("events", "--csv-raw goes with --format csv");
	if (optind >= argc)
		return hc_cli_usage_error("events", "no input PATH given");

	if (fmt == HC_FMT_JSON || fmt == HC_FMT_JSONL)
		rc = print_json(g, argv + optind, argc - optind, &ro, fmt, &input_errors);
	else
		rc = print_table(g, argv + optind, argc - optind, &ro, fmt, &rend, &input_errors);
	if (rc == HC_EXIT_OK && input_errors)
		rc = HC_EXIT_PARTIAL;
	return rc;
}

/* `hopchain events`: the extracted events, sorted by time, as a table for
 * people or as csv/json/jsonl for scripts (JSONL is a contract: see
 * README "events JSONL"). */
#include "cli.h"
#include "../parsers/decode.h"

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
	C_FILE, C_RECORD, C_TIME, C_COMPUTER, C_CHANNEL, C_PROVIDER, C_EVENT_ID, C_VERSION,
	C_RECOVERED, C_DATA,
	/* normalised */
	C_SUBJECT_USER, C_SUBJECT_DOMAIN, C_SUBJECT_SID, C_SUBJECT_LOGON_ID,
	C_TARGET_USER, C_TARGET_DOMAIN, C_TARGET_SID, C_TARGET_LOGON_ID, C_LINKED_LOGON_ID,
	C_LOGON_TYPE, C_LOGON_TYPE_NAME, C_LOGON_PROCESS, C_PACKAGE, C_LM_PACKAGE, C_KEY_LENGTH,
	C_IMPERSONATION, C_ELEVATED, C_VIRTUAL, C_RESTRICTED_ADMIN, C_WORKSTATION, C_IP, C_PORT,
	C_PROCESS_ID, C_PROCESS_NAME, C_LOGON_GUID, C_STATUS, C_STATUS_NAME, C_SUBSTATUS,
	C_SUBSTATUS_NAME, C_FAILURE_REASON, C_TARGET_SERVER, C_TARGET_INFO, C_SERVICE_NAME,
	C_TICKET_OPTIONS, C_TICKET_ENCRYPTION, C_TRANSMITTED, C_SESSION_NAME, C_OUTBOUND_USER,
	C_OUTBOUND_DOMAIN, C_DST_IP, C_DST_PORT, C_DIRECTION, C_PROCESS_GUID, C_ANONYMOUS,
	C_TRUNCATED,
	/* table view */
	V_TIME, V_COMPUTER, V_ID, V_RECORD, V_ACCOUNT, V_TYPE, V_PACKAGE, V_SOURCE, V_DETAIL,
	NCOLS
};

#define D HC_COL_DATA
#define DN (HC_COL_DATA | HC_COL_OMITNULL)
static const struct hc_column columns[NCOLS] = {
	[C_FILE] = {"file", D}, [C_RECORD] = {"record_id", D}, [C_TIME] = {"time", D},
	[C_COMPUTER] = {"computer", D}, [C_CHANNEL] = {"channel", D},
	[C_PROVIDER] = {"provider", D}, [C_EVENT_ID] = {"event_id", D},
	[C_VERSION] = {"version", D}, [C_RECOVERED] = {"recovered", D}, [C_DATA] = {"data", D},
	[C_SUBJECT_USER] = {"subject_user", DN}, [C_SUBJECT_DOMAIN] = {"subject_domain", DN},
	[C_SUBJECT_SID] = {"subject_sid", DN}, [C_SUBJECT_LOGON_ID] = {"subject_logon_id", DN},
	[C_TARGET_USER] = {"target_user", DN}, [C_TARGET_DOMAIN] = {"target_domain", DN},
	[C_TARGET_SID] = {"target_sid", DN}, [C_TARGET_LOGON_ID] = {"target_logon_id", DN},
	[C_LINKED_LOGON_ID] = {"linked_logon_id", DN}, [C_LOGON_TYPE] = {"logon_type", DN},
	[C_LOGON_TYPE_NAME] = {"logon_type_name", DN}, [C_LOGON_PROCESS] = {"logon_process", DN},
	[C_PACKAGE] = {"package", DN}, [C_LM_PACKAGE] = {"lm_package", DN},
	[C_KEY_LENGTH] = {"key_length", DN}, [C_IMPERSONATION] = {"impersonation", DN},
	[C_ELEVATED] = {"elevated", DN}, [C_VIRTUAL] = {"virtual_account", DN},
	[C_RESTRICTED_ADMIN] = {"restricted_admin", DN}, [C_WORKSTATION] = {"workstation", DN},
	[C_IP] = {"ip", DN}, [C_PORT] = {"port", DN}, [C_PROCESS_ID] = {"process_id", DN},
	[C_PROCESS_NAME] = {"process_name", DN}, [C_LOGON_GUID] = {"logon_guid", DN},
	[C_STATUS] = {"status", DN}, [C_STATUS_NAME] = {"status_name", DN},
	[C_SUBSTATUS] = {"substatus", DN}, [C_SUBSTATUS_NAME] = {"substatus_name", DN},
	[C_FAILURE_REASON] = {"failure_reason", DN}, [C_TARGET_SERVER] = {"target_server", DN},
	[C_TARGET_INFO] = {"target_info", DN}, [C_SERVICE_NAME] = {"service_name", DN},
	[C_TICKET_OPTIONS] = {"ticket_options", DN},
	[C_TICKET_ENCRYPTION] = {"ticket_encryption", DN},
	[C_TRANSMITTED] = {"transmitted_services", DN}, [C_SESSION_NAME] = {"session_name", DN},
	[C_OUTBOUND_USER] = {"outbound_user", DN}, [C_OUTBOUND_DOMAIN] = {"outbound_domain", DN},
	[C_DST_IP] = {"dst_ip", DN}, [C_DST_PORT] = {"dst_port", DN},
	[C_DIRECTION] = {"direction", DN}, [C_PROCESS_GUID] = {"process_guid", DN},
	[C_ANONYMOUS] = {"anonymous", DN}, [C_TRUNCATED] = {"truncated", DN},
	[V_TIME] = {"time", HC_COL_VIEW}, [V_COMPUTER] = {"computer", HC_COL_VIEW},
	[V_ID] = {"id", HC_COL_VIEW}, [V_RECORD] = {"record", HC_COL_VIEW},
	[V_ACCOUNT] = {"account", HC_COL_VIEW}, [V_TYPE] = {"type", HC_COL_VIEW},
	[V_PACKAGE] = {"package", HC_COL_VIEW}, [V_SOURCE] = {"source", HC_COL_VIEW},
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

static void tristate(struct hc_cell *c, enum hc_tristate t)
{
	if (t != HC_UNSET)
		hc_cell_bool(c, t == HC_YES);
}

static void u64(struct hc_cell *c, bool has, uint64_t v)
{
	if (has && v <= INT64_MAX)
		hc_cell_int(c, (long long)v);
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
static const char *detail(struct hc_table *t, const struct hc_event *ev, char *hex)
{
	const struct hc_norm *n = &ev->norm;
	char buf[1024];
	const char *s, *meaning = NULL;

	buf[0] = '\0';
	switch (ev->event_id) {
	case 4624:
		snprintf(buf, sizeof(buf), "logon id 0x%llx%s%s%s%s",
			 (unsigned long long)n->target_logon_id,
			 n->impersonation ? ", " : "", n->impersonation ? imp_name(n->impersonation) : "",
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
		snprintf(buf, sizeof(buf), "logoff id 0x%llx", (unsigned long long)n->target_logon_id);
		break;
	case 4648:
		snprintf(buf, sizeof(buf), "explicit creds from 0x%llx to %s (%s)",
			 (unsigned long long)n->subject_logon_id,
			 n->target_server ? n->target_server : "-", n->target_info ? n->target_info : "-");
		break;
	case 4672:
		snprintf(buf, sizeof(buf), "privileged logon id 0x%llx",
			 (unsigned long long)n->subject_logon_id);
		break;
	case 4768:
	case 4769:
	case 4771:
		s = n->has_status ? hc_decode_kerberos(n->status, NULL) : NULL;
		snprintf(buf, sizeof(buf), "%s %s%s%s", ev->event_id == 4768 ? "TGT" :
			 ev->event_id == 4769 ? "ticket for" : "pre-auth failed for",
			 n->service_name ? n->service_name : "-", n->has_status && n->status ? ", " : "",
			 n->has_status && n->status ? (s ? s : hex) : "");
		break;
	case 4776:
		s = n->has_status ? hc_decode_ntstatus(n->status, NULL) : NULL;
		snprintf(buf, sizeof(buf), "NTLM validation%s%s", n->has_status && n->status ? ": " : "",
			 n->has_status && n->status ? (s ? s : hex) : "");
		break;
	case 4778:
	case 4779:
		snprintf(buf, sizeof(buf), "%s %s", ev->event_id == 4778 ? "reconnect" : "disconnect",
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

static int fill_row(struct hc_table *t, const struct hc_event *ev)
{
	struct hc_cell *r = hc_table_add_row(t);
	const struct hc_norm *n = &ev->norm;
	char tbuf[40], buf[64], hex[16];
	const char *s;

	if (!r)
		return -1;
	hc_time_format(ev->time, tbuf, sizeof(tbuf));
	hc_cell_str(&r[C_FILE], ev->file);
	hc_cell_int(&r[C_RECORD], (long long)ev->record_id);
	hc_cell_str(&r[C_TIME], hc_table_strdup(t, tbuf));
	hc_cell_str(&r[C_COMPUTER], ev->computer);
	hc_cell_str(&r[C_CHANNEL], ev->channel);
	hc_cell_str(&r[C_PROVIDER], ev->provider);
	hc_cell_int(&r[C_EVENT_ID], ev->event_id);
	hc_cell_int(&r[C_VERSION], ev->version);
	hc_cell_bool(&r[C_RECOVERED], ev->recovered);
	hc_cell_map(&r[C_DATA], ev->fields, ev->nfields);

	hc_cell_str(&r[C_SUBJECT_USER], n->subject.name);
	hc_cell_str(&r[C_SUBJECT_DOMAIN], n->subject.domain);
	hc_cell_str(&r[C_SUBJECT_SID], n->subject.sid);
	u64(&r[C_SUBJECT_LOGON_ID], n->has_subject_logon_id, n->subject_logon_id);
	hc_cell_str(&r[C_TARGET_USER], n->target.name);
	hc_cell_str(&r[C_TARGET_DOMAIN], n->target.domain);
	hc_cell_str(&r[C_TARGET_SID], n->target.sid);
	u64(&r[C_TARGET_LOGON_ID], n->has_target_logon_id, n->target_logon_id);
	u64(&r[C_LINKED_LOGON_ID], n->has_linked_logon_id, n->linked_logon_id);
	if (n->logon_type >= 0) {
		hc_cell_int(&r[C_LOGON_TYPE], n->logon_type);
		hc_cell_str(&r[C_LOGON_TYPE_NAME], hc_decode_logon_type(n->logon_type));
	}
	hc_cell_str(&r[C_LOGON_PROCESS], n->logon_process);
	hc_cell_str(&r[C_PACKAGE], n->package);
	hc_cell_str(&r[C_LM_PACKAGE], n->lm_package);
	if (n->key_length >= 0)
		hc_cell_int(&r[C_KEY_LENGTH], n->key_length);
	hc_cell_str(&r[C_IMPERSONATION], imp_name(n->impersonation));
	tristate(&r[C_ELEVATED], n->elevated);
	tristate(&r[C_VIRTUAL], n->virtual_account);
	tristate(&r[C_RESTRICTED_ADMIN], n->restricted_admin);
	hc_cell_str(&r[C_WORKSTATION], n->workstation);
	hc_cell_str(&r[C_IP], n->ip);
	if (n->port >= 0)
		hc_cell_int(&r[C_PORT], n->port);
	u64(&r[C_PROCESS_ID], n->has_process_id, n->process_id);
	hc_cell_str(&r[C_PROCESS_NAME], n->process_name);
	hc_cell_str(&r[C_LOGON_GUID], n->logon_guid);
	hex[0] = '\0';
	if (n->has_status) {
		bool kerb = ev->event_id >= 4768 && ev->event_id <= 4773;
		snprintf(hex, sizeof(hex), "0x%x", n->status);
		hc_cell_str(&r[C_STATUS], hc_table_strdup(t, hex));
		hc_cell_str(&r[C_STATUS_NAME], kerb ? hc_decode_kerberos(n->status, NULL)
						    : hc_decode_ntstatus(n->status, NULL));
	}
	if (n->has_substatus) {
		snprintf(buf, sizeof(buf), "0x%x", n->substatus);
		hc_cell_str(&r[C_SUBSTATUS], hc_table_strdup(t, buf));
		hc_cell_str(&r[C_SUBSTATUS_NAME], hc_decode_ntstatus(n->substatus, NULL));
	}
	if (n->failure_reason)
		hc_cell_str(&r[C_FAILURE_REASON], (s = hc_decode_msobjs(n->failure_reason))
							  ? s : n->failure_reason);
	hc_cell_str(&r[C_TARGET_SERVER], n->target_server);
	hc_cell_str(&r[C_TARGET_INFO], n->target_info);
	hc_cell_str(&r[C_SERVICE_NAME], n->service_name);
	if (n->has_ticket_options) {
		snprintf(buf, sizeof(buf), "0x%x", n->ticket_options);
		hc_cell_str(&r[C_TICKET_OPTIONS], hc_table_strdup(t, buf));
	}
	if (n->has_ticket_encryption) {
		s = hc_decode_ticket_encryption(n->ticket_encryption);
		snprintf(buf, sizeof(buf), "0x%x", n->ticket_encryption);
		hc_cell_str(&r[C_TICKET_ENCRYPTION], s ? s : hc_table_strdup(t, buf));
	}
	hc_cell_str(&r[C_TRANSMITTED], n->transmitted_services);
	hc_cell_str(&r[C_SESSION_NAME], n->session_name);
	hc_cell_str(&r[C_OUTBOUND_USER], n->outbound_user);
	hc_cell_str(&r[C_OUTBOUND_DOMAIN], n->outbound_domain);
	hc_cell_str(&r[C_DST_IP], n->dst_ip);
	if (n->dst_port >= 0)
		hc_cell_int(&r[C_DST_PORT], n->dst_port);
	if (n->direction != HC_DIR_NONE)
		hc_cell_str(&r[C_DIRECTION], n->direction == HC_DIR_OUT ? "outbound" : "inbound");
	hc_cell_str(&r[C_PROCESS_GUID], n->process_guid);
	if (n->anonymous)
		hc_cell_bool(&r[C_ANONYMOUS], true);
	if (ev->truncated)
		hc_cell_bool(&r[C_TRUNCATED], true);

	/* table view */
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

int hc_cmd_events(const struct hc_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"ids", required_argument, NULL, 'i'},
		{"recover", no_argument, NULL, 'r'},
		{"csv-raw", no_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint32_t ids[HC_MAX_IDS];
	size_t nids = 0;
	struct hc_read_opts ro = {0};
	enum hc_format fmt = HC_FMT_TABLE;
	struct hc_eventset set = {0};
	struct hc_table t;
	struct hc_render_opts rend = {.color = g->color};
	bool input_errors = false;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (hc_format_parse(optarg, &fmt) < 0 || fmt == HC_FMT_DOT)
				return hc_cli_usage_error("events", "unknown format '%s' "
								    "(table, jsonl, json, csv)", optarg);
			break;
		case 'i':
			if (strcmp(optarg, "all") == 0) {
				ro.all_ids = true;
				break;
			}
			if (parse_ids(optarg, ids, &nids) < 0)
				return hc_cli_usage_error("events", "--ids wants a comma-separated "
								    "list of event ids, not '%s'", optarg);
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

	rc = hc_cli_load(g, argv + optind, argc - optind, &ro, &set, &input_errors);
	if (rc) {
		hc_eventset_free(&set);
		return rc;
	}
	/* JSONL rows stand alone: printed a batch at a time, so that the
	 * table's cells never hold more than a batch (for a 512 MB log they
	 * were half of the peak memory); the other formats need every row */
	size_t batch = fmt == HC_FMT_JSONL ? 4096 : SIZE_MAX;
	rc = HC_EXIT_OK;
	for (size_t from = 0; rc == HC_EXIT_OK && (from < set.n || from == 0); from += batch) {
		hc_table_init(&t, columns, NCOLS);
		for (size_t i = from; i < set.n && i - from < batch; i++)
			if (fill_row(&t, &set.v[i]) < 0) {
				fprintf(stderr, "hopchain: out of memory\n");
				rc = HC_EXIT_FAILURE;
				break;
			}
		if (rc == HC_EXIT_OK && hc_table_print(&t, fmt, "events", &rend, stdout) < 0) {
			fprintf(stderr, "hopchain: error writing output\n");
			rc = HC_EXIT_FAILURE;
		}
		hc_table_free(&t);
		if (batch == SIZE_MAX)
			break;
	}
	hc_eventset_free(&set);
	if (rc == HC_EXIT_OK && input_errors)
		rc = HC_EXIT_PARTIAL;
	return rc;
}

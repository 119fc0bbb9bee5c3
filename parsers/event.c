/* Event construction and normalisation: copies a backend's raw strings into
 * one arena per event and derives the normalised logon view from the
 * EventData names (never positions: they move between template versions). */
#include "event.h"
#include "strpool.h"
#include "decode.h"
#include "../base/civil.h"
#include "../base/cnum.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

const char *hc_event_get(const struct hc_event *ev, const char *name)
{
	for (size_t i = 0; i < ev->nfields; i++)
		if (strcmp(ev->fields[i].name, name) == 0)
			return ev->fields[i].value;
	return NULL;
}

void hc_event_clear(struct hc_event *ev)
{
	if (!ev)
		return;
	if (!ev->borrowed)
		free(ev->arena); /* the fields array too: it lies in the arena */
	memset(ev, 0, sizeof(*ev));
}

/* The Data Names of the events hopchain extracts (DOMAIN.md 1), sorted:
 * events point at these instead of copying the name into every arena. */
const char hc_event_names[][HC_EVENT_NAME_SIZE] = {
    "AccountAvailableKeys",
    "AccountDomain",
    "AccountName",
    "AccountSupportedEncryptionTypes",
    "Application",
    "AuthenticationPackageName",
    "CallerPID",
    "CertIssuerName",
    "CertSerialNumber",
    "CertThumbprint",
    "ClientAddress",
    "ClientAdvertizedEncryptionTypes",
    "ClientDomainName",
    "ClientLUID",
    "ClientName",
    "ClientUserName",
    "DCAvailableKeys",
    "DCSupportedEncryptionTypes",
    "DestAddress",
    "DestPort",
    "DestinationIp",
    "DestinationPort",
    "Direction",
    "DomainName",
    "ElevatedToken",
    "FailureReason",
    "Image",
    "ImpersonationLevel",
    "Initiated",
    "IpAddress",
    "IpPort",
    "KeyLength",
    "LmPackageName",
    "LogonGuid",
    "LogonID",
    "LogonId",
    "LogonProcessName",
    "LogonType",
    "NewProcessId",
    "NewProcessName",
    "PackageName",
    "PreAuthEncryptionType",
    "PreAuthType",
    "PrivilegeList",
    "ProcessGuid",
    "ProcessID",
    "ProcessId",
    "ProcessName",
    "RemoteCredentialGuard",
    "RequestTicketHash",
    "ResponseTicket",
    "ResponseTicketHash",
    "RestrictedAdminMode",
    "ServiceAvailableKeys",
    "ServiceName",
    "ServiceSid",
    "ServiceSupportedEncryptionTypes",
    "SessionKeyEncryptionType",
    "SessionName",
    "SourceAddress",
    "SourceIp",
    "SourcePort",
    "Status",
    "SubStatus",
    "SubjectDomainName",
    "SubjectLogonId",
    "SubjectUserName",
    "SubjectUserSid",
    "TargetDomainName",
    "TargetInfo",
    "TargetLinkedLogonId",
    "TargetLogonGuid",
    "TargetLogonId",
    "TargetName",
    "TargetOutboundDomainName",
    "TargetOutboundUserName",
    "TargetServerName",
    "TargetSid",
    "TargetUserName",
    "TargetUserSid",
    "TicketEncryptionType",
    "TicketOptions",
    "TransmittedServices",
    "User",
    "UserName",
    "VirtualAccount",
    "Workstation",
    "WorkstationName",
};

/* Indexes into hc_event_names (same order). */
enum {
	KN_AccountAvailableKeys,
	KN_AccountDomain,
	KN_AccountName,
	KN_AccountSupportedEncryptionTypes,
	KN_Application,
	KN_AuthenticationPackageName,
	KN_CallerPID,
	KN_CertIssuerName,
	KN_CertSerialNumber,
	KN_CertThumbprint,
	KN_ClientAddress,
	KN_ClientAdvertizedEncryptionTypes,
	KN_ClientDomainName,
	KN_ClientLUID,
	KN_ClientName,
	KN_ClientUserName,
	KN_DCAvailableKeys,
	KN_DCSupportedEncryptionTypes,
	KN_DestAddress,
	KN_DestPort,
	KN_DestinationIp,
	KN_DestinationPort,
	KN_Direction,
	KN_DomainName,
	KN_ElevatedToken,
	KN_FailureReason,
	KN_Image,
	KN_ImpersonationLevel,
	KN_Initiated,
	KN_IpAddress,
	KN_IpPort,
	KN_KeyLength,
	KN_LmPackageName,
	KN_LogonGuid,
	KN_LogonID,
	KN_LogonId,
	KN_LogonProcessName,
	KN_LogonType,
	KN_NewProcessId,
	KN_NewProcessName,
	KN_PackageName,
	KN_PreAuthEncryptionType,
	KN_PreAuthType,
	KN_PrivilegeList,
	KN_ProcessGuid,
	KN_ProcessID,
	KN_ProcessId,
	KN_ProcessName,
	KN_RemoteCredentialGuard,
	KN_RequestTicketHash,
	KN_ResponseTicket,
	KN_ResponseTicketHash,
	KN_RestrictedAdminMode,
	KN_ServiceAvailableKeys,
	KN_ServiceName,
	KN_ServiceSid,
	KN_ServiceSupportedEncryptionTypes,
	KN_SessionKeyEncryptionType,
	KN_SessionName,
	KN_SourceAddress,
	KN_SourceIp,
	KN_SourcePort,
	KN_Status,
	KN_SubStatus,
	KN_SubjectDomainName,
	KN_SubjectLogonId,
	KN_SubjectUserName,
	KN_SubjectUserSid,
	KN_TargetDomainName,
	KN_TargetInfo,
	KN_TargetLinkedLogonId,
	KN_TargetLogonGuid,
	KN_TargetLogonId,
	KN_TargetName,
	KN_TargetOutboundDomainName,
	KN_TargetOutboundUserName,
	KN_TargetServerName,
	KN_TargetSid,
	KN_TargetUserName,
	KN_TargetUserSid,
	KN_TicketEncryptionType,
	KN_TicketOptions,
	KN_TransmittedServices,
	KN_User,
	KN_UserName,
	KN_VirtualAccount,
	KN_Workstation,
	KN_WorkstationName,
	KN_COUNT
};
_Static_assert(sizeof(hc_event_names) / sizeof(hc_event_names[0]) == KN_COUNT,
               "hc_event_names and KN_*");
_Static_assert(KN_COUNT == HC_EVENT_NAME_CODES, "HC_EVENT_NAME_CODES");

static int known_index(const char *n)
{
	size_t lo = 0, hi = KN_COUNT;
	int k = hc_event_name_static(n); /* a name hc_event_name_intern gave: its row */

	if (k >= 0)
		return k;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(n, hc_event_names[mid]);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

const char *hc_event_name_intern(const char *name)
{
	int k = known_index(name);

	return k >= 0 ? hc_event_names[k] : NULL;
}

int hc_event_name_code(const char *name)
{
	return known_index(name);
}

static char *arena_put(char **p, const char *s)
{
	size_t n = strlen(s);
	char *r = *p;

	memcpy(r, s, n + 1);
	*p += n + 1;
	return r;
}

static void normalise(struct hc_event *ev, const char *const *kv, char *scratch_mem);

/* Scratch bytes normalisation may need for a value of known name `k` and
 * length `vl`: it copies only trimmed or rewritten values of the fields it
 * reads. */
static size_t scratch_for(int k, const char *v, size_t vl)
{
	if (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || k == KN_Workstation ||
	           k == KN_WorkstationName || k == KN_ClientName))
		return vl + 1;
	if (k == KN_IpAddress || k == KN_ClientAddress || k == KN_SourceAddress ||
	    k == KN_DestAddress || k == KN_SourceIp || k == KN_DestinationIp)
		return (vl > 47 ? vl : 47) + 1; /* a rewritten address */
	if (k == KN_User)
		return vl + 1; /* Sysmon's DOMAIN\user, split */
	return 0;
}

size_t hc_event_scratch_size(const struct hc_event *ev)
{
	size_t n = 64;

	for (size_t i = 0; i < ev->nfields; i++)
		n += scratch_for(known_index(ev->fields[i].name), ev->fields[i].value,
		                 strlen(ev->fields[i].value));
	return n;
}

int hc_event_build(struct hc_event *ev, const char *computer, const char *channel,
                   const char *provider, size_t n, const char *const *names,
                   const char *const *values)
{
	const char *kv[KN_COUNT] = {NULL};
	signed char kidx[HC_MAX_FIELDS];
	size_t total = 0, scratch = 64, head;
	char *p;

	computer = computer ? computer : "";
	channel = channel ? channel : "";
	provider = provider ? provider : "";
	total += strlen(computer) + strlen(channel) + strlen(provider) + 3;
	for (size_t i = 0; i < n; i++) {
		size_t vl = strlen(values[i]);
		int k = known_index(names[i]);
		if (i < HC_MAX_FIELDS)
			kidx[i] = (signed char)k;
		total += (k >= 0 ? 0 : strlen(names[i]) + 1) + vl + 1;
		scratch += scratch_for(k, values[i], vl);
	}
	/* one allocation: the fields array, then the strings */
	head = (n ? n : 1) * sizeof(*ev->fields);
	ev->arena = malloc(head + total + scratch);
	if (!ev->arena) {
		ev->fields = NULL;
		return HC_ERR_NOMEM;
	}
	ev->fields = (struct hc_field *)(void *)ev->arena;
	p = ev->arena + head;
	ev->computer = arena_put(&p, computer);
	ev->channel = arena_put(&p, channel);
	ev->provider = arena_put(&p, provider);
	for (size_t i = 0; i < n; i++) {
		int k = i < HC_MAX_FIELDS ? kidx[i] : known_index(names[i]);
		ev->fields[i].name = k >= 0 ? hc_event_names[k] : arena_put(&p, names[i]);
		ev->fields[i].value = arena_put(&p, values[i]);
		if (k >= 0 && !kv[k])
			kv[k] = ev->fields[i].value; /* the first, as hc_event_get finds */
	}
	ev->nfields = n;
	ev->vlen = NULL;
	ev->codes = NULL;
	ev->borrowed = false;
	normalise(ev, kv, p);
	return HC_OK;
}

/* The string members of ev->norm, for hc_event_compact. */
static size_t norm_slots(struct hc_norm *n, const char ***slot)
{
	size_t k = 0;

	slot[k++] = &n->subject.domain;
	slot[k++] = &n->subject.name;
	slot[k++] = &n->subject.sid;
	slot[k++] = &n->target.domain;
	slot[k++] = &n->target.name;
	slot[k++] = &n->target.sid;
	slot[k++] = &n->logon_process;
	slot[k++] = &n->package;
	slot[k++] = &n->lm_package;
	slot[k++] = &n->workstation;
	slot[k++] = &n->ip;
	slot[k++] = &n->process_name;
	slot[k++] = &n->logon_guid;
	slot[k++] = &n->failure_reason;
	slot[k++] = &n->target_server;
	slot[k++] = &n->target_info;
	slot[k++] = &n->service_name;
	slot[k++] = &n->transmitted_services;
	slot[k++] = &n->session_name;
	slot[k++] = &n->outbound_user;
	slot[k++] = &n->outbound_domain;
	slot[k++] = &n->dst_ip;
	slot[k++] = &n->process_guid;
	return k;
}

static int compact_pooled(struct hc_event *ev, struct hc_strpool *pool)
{
	const char **slot[32], *val[32];
	const char *base[3] = {ev->computer ? ev->computer : "", ev->channel ? ev->channel : "",
	                       ev->provider ? ev->provider : ""};
	size_t ns = norm_slots(&ev->norm, slot);

	/* intern everything first: on failure the event is unchanged */
	for (size_t i = 0; i < 3; i++)
		if (!(base[i] = hc_strpool_intern(pool, base[i])))
			return HC_ERR_NOMEM;
	for (size_t i = 0; i < ns; i++)
		if ((val[i] = *slot[i]) && !(val[i] = hc_strpool_intern(pool, *slot[i])))
			return HC_ERR_NOMEM;
	ev->computer = base[0];
	ev->channel = base[1];
	ev->provider = base[2];
	for (size_t i = 0; i < ns; i++)
		*slot[i] = val[i];
	if (!ev->borrowed)
		free(ev->arena);
	ev->borrowed = false;
	ev->arena = NULL;
	ev->fields = NULL;
	ev->vlen = NULL;
	ev->codes = NULL;
	ev->nfields = 0;
	ev->compact = true;
	return HC_OK;
}

int hc_event_compact(struct hc_event *ev, struct hc_strpool *pool)
{
	const char **slot[32];
	size_t ns = norm_slots(&ev->norm, slot), total;
	char *arena, *p;

	if (ev->compact)
		return HC_OK;
	if (pool)
		return compact_pooled(ev, pool);
	total = strlen(ev->computer ? ev->computer : "") + strlen(ev->channel ? ev->channel : "") +
	        strlen(ev->provider ? ev->provider : "") + 3;
	for (size_t i = 0; i < ns; i++)
		if (*slot[i])
			total += strlen(*slot[i]) + 1;
	if (!(arena = malloc(total)))
		return HC_ERR_NOMEM;
	p = arena;
	ev->computer = arena_put(&p, ev->computer ? ev->computer : "");
	ev->channel = arena_put(&p, ev->channel ? ev->channel : "");
	ev->provider = arena_put(&p, ev->provider ? ev->provider : "");
	for (size_t i = 0; i < ns; i++)
		if (*slot[i])
			*slot[i] = arena_put(&p, *slot[i]);
	if (!ev->borrowed)
		free(ev->arena);
	ev->borrowed = false;
	ev->arena = arena;
	ev->fields = NULL;
	ev->nfields = 0;
	ev->compact = true;
	return HC_OK;
}

int hc_parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;

	if (!s)
		return 0;
	while (*s == ' ')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		/* logon ids and the like: "0x" and up to 16 digits after the
		 * leading zeros, no overflow check per digit needed */
		unsigned d;
		s += 2;
		/* HexInt64 values have 10 to 15 of them: four at a time */
		for (; s[0] == '0' && s[1] == '0' && s[2] == '0' && s[3] == '0'; s += 4)
			digits += 4;
		for (; *s == '0'; s++)
			digits++;
		for (int n = 0; (d = hc_hex_value((unsigned char)*s)) < 16; s++, digits++) {
			if (++n > 16)
				return 0;
			v = v << 4 | d;
		}
	} else {
		for (; *s >= '0' && *s <= '9'; s++, digits++) {
			uint64_t d = (uint64_t)(*s - '0');
			if (digits < 19)
				v = v * 10 + d; /* below 10^19: no overflow */
			else if (__builtin_mul_overflow(v, 10, &v) ||
			         __builtin_add_overflow(v, d, &v))
				return 0;
		}
	}
	while (*s == ' ')
		s++;
	if (!digits || *s)
		return 0;
	*out = v;
	return 1;
}

/* "-" and "" mean absent in Security events. */
static const char *present(const char *v)
{
	if (!v || !*v || (v[0] == '-' && !v[1]))
		return NULL;
	return v;
}

/* A scratch bump allocator over the second half of the arena. */
struct scratch {
	char *p;
};

static const char *trimmed(struct scratch *sc, const char *v)
{
	size_t n;
	char *r;

	v = present(v);
	if (!v)
		return NULL;
	n = strlen(v);
	if (v[n - 1] != ' ' && v[n - 1] != '\t')
		return v; /* nothing to trim: the value itself */
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (!n)
		return NULL;
	r = sc->p;
	memcpy(r, v, n);
	r[n] = '\0';
	sc->p += n + 1;
	return r;
}

/* Whether s is an IPv4 address as inet_pton(AF_INET) reads one (four
 * decimal parts of 0-255, no leading zeros, nothing else), without its
 * cost: most addresses of a logon are. Never true where it is not. */
static bool dotted_quad(const char *s)
{
	for (int part = 0; part < 4; part++) {
		unsigned v = 0, nd = 0;
		if (part && *s++ != '.')
			return false;
		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
			return false;
		for (; *s >= '0' && *s <= '9'; s++)
			if (++nd > 3 || (v = v * 10 + (unsigned)(*s - '0')) > 255)
				return false;
		if (!nd)
			return false;
	}
	return *s == '\0';
}

int hc_ip_normalise(const char *in, char *out, size_t cap)
{
	size_t n;
	const char *pct;

	if (cap)
		out[0] = '\0';
	if (!present(in) || cap < 2)
		return 0;
	while (*in == ' ')
		in++;
	if (strncasecmp(in, "::ffff:", 7) == 0 && strchr(in + 7, '.'))
		in += 7;
	pct = strchr(in, '%');
	n = pct ? (size_t)(pct - in) : strlen(in);
	while (n && in[n - 1] == ' ')
		n--;
	if (!n || n >= cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	/* only real addresses; IPv6 comes back in canonical compressed form */
	unsigned char bin[16];
	if (dotted_quad(out) || inet_pton(AF_INET, out, bin) == 1)
		return 1;
	if (inet_pton(AF_INET6, out, bin) == 1 && inet_ntop(AF_INET6, bin, out, (socklen_t)cap))
		return 1;
	out[0] = '\0';
	return 0;
}

int hc_ip_is_local(const char *ip)
{
	if (!ip || !*ip)
		return 1;
	if (strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 || strcmp(ip, "0.0.0.0") == 0 ||
	    strcmp(ip, "::") == 0 || strncmp(ip, "169.254.", 8) == 0)
		return 1;
	if (strncasecmp(ip, "fe8", 3) == 0 || strncasecmp(ip, "fe9", 3) == 0 ||
	    strncasecmp(ip, "fea", 3) == 0 || strncasecmp(ip, "feb", 3) == 0)
		return 1;
	/* multicast (224.0.0.0/4, ff00::/8) and the limited broadcast are
	 * groups, never one host */
	if (strcmp(ip, "255.255.255.255") == 0 || strncasecmp(ip, "ff", 2) == 0)
		return 1;
	if (isdigit((unsigned char)ip[0])) {
		int first = atoi(ip);
		if (first >= 224 && first <= 239 && strchr(ip, '.'))
			return 1;
	}
	return 0;
}

static bool get_u64(const char *const *kv, int name, uint64_t *out)
{
	const char *v = present(kv[name]);

	return v && hc_parse_uint(v, out);
}

static bool get_u32(const char *const *kv, int name, uint32_t *out)
{
	uint64_t v;

	if (!get_u64(kv, name, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static int get_int(const char *const *kv, int name)
{
	uint64_t v;

	if (!get_u64(kv, name, &v) || v > INT32_MAX)
		return -1;
	return (int)v;
}

static enum hc_tristate yes_no(const char *v)
{
	v = present(v);
	if (!v)
		return HC_UNSET;
	if (strcmp(v, "%%1842") == 0 || strcasecmp(v, "Yes") == 0)
		return HC_YES;
	if (strcmp(v, "%%1843") == 0 || strcasecmp(v, "No") == 0)
		return HC_NO;
	return HC_UNSET;
}

static enum hc_imp impersonation(const char *v)
{
	v = present(v);
	if (!v)
		return HC_IMP_NONE;
	if (strcmp(v, "%%1832") == 0 || strcasecmp(v, "Identification") == 0)
		return HC_IMP_IDENTIFICATION;
	if (strcmp(v, "%%1833") == 0 || strcasecmp(v, "Impersonation") == 0)
		return HC_IMP_IMPERSONATION;
	if (strcmp(v, "%%1840") == 0 || strcasecmp(v, "Delegation") == 0)
		return HC_IMP_DELEGATION;
	if (strcasecmp(v, "Anonymous") == 0)
		return HC_IMP_ANONYMOUS;
	return HC_IMP_OTHER;
}

static const char *guid(const char *v)
{
	v = present(v);
	if (!v || strcmp(v, "{00000000-0000-0000-0000-000000000000}") == 0)
		return NULL; /* the usual empty GUID, in one comparison */
	for (const char *p = v; *p; p++)
		if (*p != '0' && *p != '{' && *p != '}' && *p != '-')
			return v;
	return NULL;
}

static void account(const char *const *kv, struct hc_account *a, int dom, int name, int sid)
{
	a->domain = present(kv[dom]);
	a->name = present(kv[name]);
	a->sid = sid >= 0 ? present(kv[sid]) : NULL;
}

enum hc_kind hc_event_kind(const struct hc_event *ev)
{
	switch (ev->event_id) {
	case 5156:
	case 5158:
		return HC_KIND_CONNECTION;
	case 4688:
		return HC_KIND_PROCESS;
	case 8001:
		return HC_KIND_NTLM_OUT;
	case 1:
	case 3:
		/* Sysmon's, not every provider's id 1 and 3 */
		if (ev->channel && strcasestr(ev->channel, "Sysmon"))
			return ev->event_id == 3 ? HC_KIND_CONNECTION : HC_KIND_PROCESS;
		return HC_KIND_OTHER;
	default:
		return HC_KIND_OTHER;
	}
}

/* An address field into *out (the value itself or its tail, else a copy in
 * the scratch). */
static void address(struct scratch *sc, const char *v, const char **out)
{
	char buf[128];

	if (!hc_ip_normalise(v, buf, sizeof(buf)))
		return;
	size_t vl = strlen(v), il = strlen(buf);
	if (vl >= il && strcmp(v + vl - il, buf) == 0) {
		*out = v + vl - il;
	} else {
		memcpy(sc->p, buf, il + 1);
		*out = sc->p;
		sc->p += il + 1;
	}
}

/* Sysmon's User is "DOMAIN\user" in one field. */
static void domain_user(struct scratch *sc, const char *v, struct hc_account *a)
{
	const char *bs;

	v = present(v);
	if (!v)
		return;
	if (!(bs = strchr(v, '\\'))) {
		a->name = v;
		return;
	}
	a->name = bs[1] ? bs + 1 : NULL;
	memcpy(sc->p, v, (size_t)(bs - v));
	sc->p[bs - v] = '\0';
	a->domain = bs > v ? sc->p : NULL;
	sc->p += bs - v + 1;
}

/* 5156/5158 (Windows Filtering Platform) and Sysmon 3: who connected where
 * (DOMAIN.md 1.9b). The source is the initiator whichever host logged it. */
static void normalise_connection(struct hc_event *ev, const char *const *kv, struct scratch *sc)
{
	struct hc_norm *n = &ev->norm;
	const char *v;
	uint64_t pid;

	n->ip = NULL;
	if (ev->event_id == 5156 || ev->event_id == 5158) {
		address(sc, kv[KN_SourceAddress], &n->ip);
		address(sc, kv[KN_DestAddress], &n->dst_ip);
		n->port = get_int(kv, KN_SourcePort);
		n->dst_port = get_int(kv, KN_DestPort);
		n->process_name = trimmed(sc, kv[KN_Application]);
		n->has_process_id =
		    get_u64(kv, KN_ProcessID, &pid) || get_u64(kv, KN_ProcessId, &pid);
		n->process_id = n->has_process_id ? pid : 0;
		v = present(kv[KN_Direction]);
		if (v && (strcmp(v, "%%14593") == 0 || strcasecmp(v, "Outbound") == 0))
			n->direction = HC_DIR_OUT;
		else if (v && (strcmp(v, "%%14592") == 0 || strcasecmp(v, "Inbound") == 0))
			n->direction = HC_DIR_IN;
		return;
	}
	address(sc, kv[KN_SourceIp], &n->ip);
	address(sc, kv[KN_DestinationIp], &n->dst_ip);
	n->port = get_int(kv, KN_SourcePort);
	n->dst_port = get_int(kv, KN_DestinationPort);
	n->process_name = trimmed(sc, kv[KN_Image]);
	n->has_process_id = get_u64(kv, KN_ProcessId, &n->process_id);
	n->process_guid = present(kv[KN_ProcessGuid]);
	n->target = (struct hc_account){0};
	domain_user(sc, kv[KN_User], &n->target);
	v = present(kv[KN_Initiated]);
	if (v)
		n->direction = strcasecmp(v, "true") == 0 ? HC_DIR_OUT : HC_DIR_IN;
}

/* 4688 and Sysmon 1: a process and the logon session it runs in. For
 * 4688, TargetLogonId (v2) is the new process's session when it differs
 * from the creator's (SubjectLogonId); for Sysmon 1 it is LogonId. */
static void normalise_process(struct hc_event *ev, const char *const *kv, struct scratch *sc)
{
	struct hc_norm *n = &ev->norm;

	if (ev->event_id == 4688) {
		n->process_name = trimmed(sc, kv[KN_NewProcessName]);
		n->has_process_id = get_u64(kv, KN_NewProcessId, &n->process_id);
		if (!n->has_target_logon_id || !n->target_logon_id) {
			n->has_target_logon_id = n->has_subject_logon_id;
			n->target_logon_id = n->subject_logon_id;
		}
		return;
	}
	n->process_name = trimmed(sc, kv[KN_Image]);
	n->has_process_id = get_u64(kv, KN_ProcessId, &n->process_id);
	n->process_guid = present(kv[KN_ProcessGuid]);
	n->logon_guid = guid(kv[KN_LogonGuid]);
	n->has_target_logon_id = get_u64(kv, KN_LogonId, &n->target_logon_id);
	n->target = (struct hc_account){0};
	domain_user(sc, kv[KN_User], &n->target);
}

void hc_event_normalise(struct hc_event *ev, char *scratch_mem)
{
	const char *kv[KN_COUNT] = {NULL};

	/* one pass over the fields: the first value of each known name */
	if (ev->codes) {
		for (size_t i = ev->nfields; i-- > 0;)
			if (ev->codes[i] < KN_COUNT)
				kv[ev->codes[i]] = ev->fields[i].value;
	} else {
		for (size_t i = ev->nfields; i-- > 0;) {
			int k = known_index(ev->fields[i].name);
			if (k >= 0)
				kv[k] = ev->fields[i].value;
		}
	}
	normalise(ev, kv, scratch_mem);
}

/* Who acted and on whom: the subject, and the target by the event's own
 * field names. */
static void normalise_accounts(struct hc_event *ev, const char *const *kv)
{
	struct hc_norm *n = &ev->norm;

	account(kv, &n->subject, KN_SubjectDomainName, KN_SubjectUserName, KN_SubjectUserSid);
	switch (ev->event_id) {
	case 4768:
		account(kv, &n->target, KN_TargetDomainName, KN_TargetUserName, KN_TargetSid);
		break;
	case 4771:
		account(kv, &n->target, KN_TargetDomainName, KN_TargetUserName, KN_TargetSid);
		break;
	case 4776:
		n->target.name = present(kv[KN_TargetUserName]);
		break;
	case 4778:
	case 4779:
		account(kv, &n->target, KN_AccountDomain, KN_AccountName, -1);
		break;
	default:
		account(kv, &n->target, KN_TargetDomainName, KN_TargetUserName, KN_TargetUserSid);
		break;
	}
}

/* Where a logon came from: the client's name and address as logged. */
static void normalise_source(struct hc_norm *n, const char *const *kv, struct scratch *sc)
{
	const char *v;
	char ipbuf[128];

	v = kv[KN_WorkstationName];
	if (!v)
		v = kv[KN_Workstation];
	if (!v)
		v = kv[KN_ClientName];
	n->workstation = trimmed(sc, v);
	/* Windows writes the NetBIOS name sometimes with leading backslashes */
	while (n->workstation && n->workstation[0] == '\\')
		n->workstation = n->workstation[1] ? n->workstation + 1 : NULL;

	v = kv[KN_IpAddress];
	if (!v)
		v = kv[KN_ClientAddress];
	if (hc_ip_normalise(v, ipbuf, sizeof(ipbuf))) {
		/* mostly the value itself or its tail (after ::ffff:): point there */
		size_t vl = strlen(v), il = strlen(ipbuf);
		if (vl >= il && strcmp(v + vl - il, ipbuf) == 0) {
			n->ip = v + vl - il;
		} else {
			memcpy(sc->p, ipbuf, il + 1);
			n->ip = sc->p;
			sc->p += il + 1;
		}
	}
}

static void normalise(struct hc_event *ev, const char *const *kv, char *scratch_mem)
{
	struct hc_norm *n = &ev->norm;
	struct scratch sc = {scratch_mem};

	memset(n, 0, sizeof(*n));
	n->logon_type = -1;
	n->key_length = -1;
	n->port = -1;

	normalise_accounts(ev, kv);
	n->has_subject_logon_id = get_u64(kv, KN_SubjectLogonId, &n->subject_logon_id);
	n->has_target_logon_id = get_u64(kv, KN_TargetLogonId, &n->target_logon_id);
	if (!n->has_target_logon_id)
		n->has_target_logon_id = get_u64(kv, KN_LogonID, &n->target_logon_id);
	n->has_linked_logon_id = get_u64(kv, KN_TargetLinkedLogonId, &n->linked_logon_id);
	n->logon_type = get_int(kv, KN_LogonType);
	n->logon_process = trimmed(&sc, kv[KN_LogonProcessName]);
	n->package = trimmed(&sc, kv[KN_AuthenticationPackageName]);
	if (!n->package)
		n->package = trimmed(&sc, kv[KN_PackageName]);
	n->lm_package = trimmed(&sc, kv[KN_LmPackageName]);
	n->key_length = get_int(kv, KN_KeyLength);
	n->impersonation = impersonation(kv[KN_ImpersonationLevel]);
	n->elevated = yes_no(kv[KN_ElevatedToken]);
	n->virtual_account = yes_no(kv[KN_VirtualAccount]);
	n->restricted_admin = yes_no(kv[KN_RestrictedAdminMode]);

	normalise_source(n, kv, &sc);
	n->port = get_int(kv, KN_IpPort);
	n->process_name = trimmed(&sc, kv[KN_ProcessName]);
	n->has_process_id = get_u64(kv, KN_ProcessId, &n->process_id);
	n->logon_guid = guid(kv[KN_LogonGuid]);
	n->has_status = get_u32(kv, KN_Status, &n->status);
	n->has_substatus = get_u32(kv, KN_SubStatus, &n->substatus);
	n->failure_reason = present(kv[KN_FailureReason]);
	n->target_server = trimmed(&sc, kv[KN_TargetServerName]);
	n->target_info = trimmed(&sc, kv[KN_TargetInfo]);
	n->service_name = trimmed(&sc, kv[KN_ServiceName]);
	n->has_ticket_options = get_u32(kv, KN_TicketOptions, &n->ticket_options);
	n->has_ticket_encryption = get_u32(kv, KN_TicketEncryptionType, &n->ticket_encryption);
	n->transmitted_services = present(kv[KN_TransmittedServices]);
	n->session_name = present(kv[KN_SessionName]);
	n->outbound_user = present(kv[KN_TargetOutboundUserName]);
	n->outbound_domain = present(kv[KN_TargetOutboundDomainName]);
	n->dst_port = -1;
	switch (hc_event_kind(ev)) {
	case HC_KIND_CONNECTION:
		normalise_connection(ev, kv, &sc);
		break;
	case HC_KIND_PROCESS:
		normalise_process(ev, kv, &sc);
		break;
	case HC_KIND_NTLM_OUT:
		/* the session that made the call, and the credentials it sent */
		account(kv, &n->subject, KN_ClientDomainName, KN_ClientUserName, -1);
		account(kv, &n->target, KN_DomainName, KN_UserName, -1);
		n->has_subject_logon_id = get_u64(kv, KN_ClientLUID, &n->subject_logon_id);
		n->target_server = trimmed(&sc, kv[KN_TargetName]);
		n->has_process_id = get_u64(kv, KN_CallerPID, &n->process_id);
		break;
	default:
		break;
	}
	/* a 4688 whose process keeps its creator's token has no target: that
	 * is no anonymous logon */
	n->anonymous = hc_event_kind(ev) == HC_KIND_OTHER && hc_account_is_anonymous(&n->target);
}

int hc_account_is_anonymous(const struct hc_account *a)
{
	if (a->sid && strcmp(a->sid, "S-1-5-7") == 0)
		return 1;
	if (a->name && strcasecmp(a->name, "ANONYMOUS LOGON") == 0)
		return 1;
	/* a NULL SID with no name: nobody authenticated. A NULL SID beside a
	 * name is a 4625 for an account that did not resolve, not anonymous. */
	if (a->sid && strcmp(a->sid, "S-1-0-0") == 0 && !a->name)
		return 1;
	return 0;
}

#define TICKS_PER_SEC INT64_C(10000000)
#define TICKS_PER_DAY (TICKS_PER_SEC * 86400)

int64_t hc_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec + INT64_C(11644473600)) * 10000000 + ts.tv_nsec / 100;
}

static char *put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

void hc_time_format(int64_t ticks, char *out, size_t cap)
{
	int64_t days, rem, y;
	unsigned mo, d;

	if (ticks < 0)
		ticks = 0;
	days = ticks / TICKS_PER_DAY;
	rem = ticks % TICKS_PER_DAY;
	hc_civil_from_days(days, &y, &mo, &d);
	unsigned h = (unsigned)(rem / (3600 * TICKS_PER_SEC)),
	         mi = (unsigned)(rem / (60 * TICKS_PER_SEC) % 60),
	         se = (unsigned)(rem / TICKS_PER_SEC % 60), f = (unsigned)(rem % TICKS_PER_SEC);
	if (y > 9999 || cap < 29) {
		/* five-digit years (FILETIME reaches 30828) or a short buffer */
		snprintf(out, cap, "%04lld-%02u-%02uT%02u:%02u:%02u.%07uZ", (long long)y, mo, d, h,
		         mi, se, f);
		return;
	}
	/* as the snprintf above, which was a tenth of `events --format jsonl` */
	char *o = put2(put2(out, (unsigned)y / 100), (unsigned)y % 100);
	*o++ = '-';
	o = put2(o, mo);
	*o++ = '-';
	o = put2(o, d);
	*o++ = 'T';
	o = put2(o, h);
	*o++ = ':';
	o = put2(o, mi);
	*o++ = ':';
	o = put2(o, se);
	*o++ = '.';
	for (int i = 6; i >= 0; i--, f /= 10)
		o[i] = (char)('0' + f % 10);
	o[7] = 'Z';
	o[8] = '\0';
}

static int digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return 0;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return 1;
}

bool hc_time_parse(const char *s, int64_t *ticks)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	int64_t frac = 0, t;
	int offset_min = 0;

	if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
	    !digits(&s, 2, &d))
		return false;
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || y < 1601 || d > mdays[mo - 1] + (mo == 2 && leap))
		return false;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi))
			return false;
		if (*s == ':') {
			s++;
			if (!digits(&s, 2, &se))
				return false;
		}
		if (*s == '.' || *s == ',') {
			int64_t scale = TICKS_PER_SEC / 10;
			s++;
			if (*s < '0' || *s > '9')
				return false;
			for (; *s >= '0' && *s <= '9'; s++) {
				frac += (*s - '0') * scale;
				scale /= 10;
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return false;
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			int oh, om, sign = *s == '-' ? -1 : 1;
			s++;
			if (!digits(&s, 2, &oh))
				return false;
			if (*s == ':')
				s++;
			if (!digits(&s, 2, &om))
				return false;
			offset_min = sign * (oh * 60 + om);
		}
	}
	if (*s)
		return false;
	t = hc_days_from_civil(y, (unsigned)mo, (unsigned)d) * TICKS_PER_DAY;
	t += ((int64_t)h * 3600 + mi * 60 + se - (int64_t)offset_min * 60) * TICKS_PER_SEC;
	*ticks = t + frac;
	return true;
}

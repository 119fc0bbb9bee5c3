/* The event model every input backend produces and the engine consumes: the
 * System fields, the raw EventData Name -> text map exactly as the log carries
 * it, and the normalised logon view derived from it (hc_event_normalise).
 * Plain data, no foreign types; all strings of one event live in its arena. */
#ifndef HC_EVENT_H
#define HC_EVENT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/error.h"

/* Caps on hostile input. A field longer than HC_MAX_FIELD_LEN bytes is cut
 * (and the cut reported); more than HC_MAX_FIELDS fields are dropped. */
#define HC_MAX_FIELDS 96
#define HC_MAX_FIELD_LEN 65536
#define HC_MAX_NAME_LEN 256
#define HC_MAX_RECORD_XML (4u << 20)

/* An account as logged: each part NULL when absent or "-". */
struct hc_account {
	const char *domain;
	const char *name;
	const char *sid;
};

enum hc_tristate { HC_UNSET = 0, HC_NO = 1, HC_YES = 2 };

/* ImpersonationLevel (%%1832...) */
enum hc_imp {
	HC_IMP_NONE = 0, /* field absent or "-" */
	HC_IMP_ANONYMOUS,
	HC_IMP_IDENTIFICATION,
	HC_IMP_IMPERSONATION,
	HC_IMP_DELEGATION,
	HC_IMP_OTHER,
};

/* Which way a connection went, seen from the host that logged it. */
enum hc_direction {
	HC_DIR_NONE = 0,
	HC_DIR_IN,  /* 5156 %%14592, Sysmon 3 Initiated false */
	HC_DIR_OUT, /* 5156 %%14593, Sysmon 3 Initiated true: the source is this host */
};

/* What an event witnesses, for the engine: the logon family, or one of the
 * records that only say who connected where or which process ran in which
 * logon session (DOMAIN.md 1.9, 1.9b). */
enum hc_kind {
	HC_KIND_OTHER = 0,
	HC_KIND_CONNECTION, /* 5156/5158, Sysmon 3 */
	HC_KIND_PROCESS,    /* 4688, Sysmon 1 */
	HC_KIND_NTLM_OUT,   /* NTLM/Operational 8001: outgoing NTLM from a session */
};

/* Normalised view. Strings point into the event arena, NULL when the log has
 * "-", an empty value or no such field. Integers use -1 (or has_* false)
 * for "absent". Which members are set depends on the event id. */
struct hc_norm {
	/* strings first, then 64-bit, 32-bit and 1-byte members: no padding
	 * (a case holds millions of these) */
	struct hc_account subject; /* Subject* (4624/4625/4648/4672) */
	struct hc_account target;  /* Target* / Account* (4778) */
	const char *logon_process; /* trailing blanks trimmed */
	const char *package;       /* AuthenticationPackageName / 4776 PackageName */
	const char *lm_package;
	const char *workstation; /* WorkstationName / 4776 Workstation / 4778 ClientName */
	const char *ip;          /* ::ffff:a.b.c.d -> a.b.c.d, zone dropped, v6 lower-case */
	const char *process_name;
	const char *logon_guid;     /* NULL for the all-zero GUID */
	const char *failure_reason; /* %%23xx as logged */
	const char *target_server;  /* 4648 TargetServerName */
	const char *target_info;    /* 4648 TargetInfo */
	const char *service_name;   /* 4768/4769/4771 ServiceName */
	const char *transmitted_services;
	const char *session_name;  /* 4778/4779 */
	const char *outbound_user; /* TargetOutboundUserName/DomainName (type 9) */
	const char *outbound_domain;
	/* witnesses of a connection or a process (5156/5158, Sysmon 3 and 1,
	 * 4688, NTLM 8001): `ip`/`port` hold the connection's source, these
	 * its destination; process_name/process_id the process */
	const char *dst_ip;       /* DestAddress / DestinationIp, normalised as ip */
	const char *process_guid; /* Sysmon ProcessGuid */
	uint64_t subject_logon_id;
	uint64_t target_logon_id; /* 4624/4634/4647 TargetLogonId, 4778 LogonID */
	uint64_t linked_logon_id;
	uint64_t process_id;
	int logon_type;             /* -1 when absent */
	int key_length;             /* -1 when absent */
	int port;                   /* -1 when absent */
	int dst_port;               /* DestPort / DestinationPort, -1 when absent */
	uint32_t status, substatus; /* 4625/4776 NTSTATUS, 4768/4769/4771 Kerberos code */
	uint32_t ticket_options, ticket_encryption;
	enum hc_imp impersonation;
	enum hc_tristate elevated, virtual_account, restricted_admin;
	enum hc_direction direction; /* 5156 Direction, Sysmon 3 Initiated */
	bool has_subject_logon_id, has_target_logon_id, has_linked_logon_id;
	bool has_process_id;
	bool has_status, has_substatus;
	bool has_ticket_options, has_ticket_encryption;
	bool anonymous; /* target is ANONYMOUS LOGON (S-1-5-7) or NULL SID */
};

struct hc_field {
	const char *name;
	const char *value;
};

/* One extracted event. `file` is borrowed from the caller of the reader and
 * must outlive the event; everything else is owned by `arena` (the fields
 * array too), unless `borrowed`: then the strings and fields belong to
 * whoever made the event (a reader's buffer, a packed event set) and
 * hc_event_clear frees nothing. */
struct hc_event {
	const char *file;
	uint64_t record_id;
	int64_t time; /* 100 ns ticks since 1601-01-01 UTC (FILETIME) */
	const char *computer;
	const char *channel;
	const char *provider;
	uint32_t event_id;
	uint32_t version;
	bool recovered;
	bool truncated;   /* some field was capped at HC_MAX_FIELD_LEN */
	bool compact;     /* raw fields dropped by hc_event_compact */
	bool borrowed;    /* owns no memory (see above) */
	int64_t store_id; /* events.id in the store that holds it, 0 = none */
	size_t nfields;
	struct hc_field *fields;
	/* borrowed events may say each field value's length (strlen of
	 * fields[i].value): NULL when they do not. Those that do keep every
	 * string in one buffer (fields[i + 1].value may follow fields[i]'s
	 * NUL: it can then be copied with it) */
	const uint32_t *vlen;
	/* and each field name's code (hc_event_name_code; HC_EVENT_NAME_CODES
	 * or more: another name), or NULL: normalising and packing then need
	 * not look the names up */
	const uint8_t *codes;
	struct hc_norm norm;
	char *arena;
};

/* Value of field `name` (exact, case-sensitive as Windows writes it), or
 * NULL when the event has no such field. */
const char *hc_event_get(const struct hc_event *ev, const char *name);

/* Release what `ev` owns (not `ev` itself); NULL-safe, idempotent. */
void hc_event_clear(struct hc_event *ev);

/* Builds an event from the parts a backend collected: copies every string
 * into one arena owned by `ev`, then fills ev->norm. Returns 0 or
 * HC_ERR_NOMEM. `names`/`values` are `n` borrowed strings. */
int hc_event_build(struct hc_event *ev, const char *computer, const char *channel,
                   const char *provider, size_t n, const char *const *names,
                   const char *const *values);

/* The library's own copy of a Data Name hopchain reads (static storage),
 * or NULL for any other name. Passing that copy to hc_event_build saves it
 * looking the name up (the native reader does, once per template). */
const char *hc_event_name_intern(const char *name);

struct hc_strpool;

/* Drops the raw fields of `ev` and keeps what correlation needs (computer,
 * channel, provider and the strings of ev->norm): in `pool` when not NULL
 * (the event then owns no memory; the pool must outlive it), else in a new
 * arena sized to fit. A million events for correlation then cost ~0.4 KB
 * each instead of ~1.4 KB. hc_event_get then finds nothing. Returns 0, or
 * HC_ERR_NOMEM with `ev` unchanged. Idempotent. */
int hc_event_compact(struct hc_event *ev, struct hc_strpool *pool);

/* Fills ev->norm from ev->fields; strings it derives go into `scratch`,
 * which must hold hc_event_scratch_size(ev) bytes. hc_event_build does
 * this; a reader that hands out events without the normalised view
 * (hc_read_opts.borrow) leaves it to the consumer. */
void hc_event_normalise(struct hc_event *ev, char *scratch);
size_t hc_event_scratch_size(const struct hc_event *ev);

/* The Data Names hopchain reads have codes 0..HC_EVENT_NAME_CODES-1:
 * hc_event_name_code gives the code of a name (-1 for any other name),
 * hc_event_name_of the library's copy of a code's name (NULL when out of
 * range), hc_event_name_static the code of such a copy (-1 for any other
 * pointer, even to an equal string: a cheap test for names events got from
 * hc_event_build, which uses the copies). */
#define HC_EVENT_NAME_CODES 88
int hc_event_name_code(const char *name);

/* The copies, by code (read them through the two calls below, inline:
 * they run per field of every event printed). */
#define HC_EVENT_NAME_SIZE 32
extern const char hc_event_names[][HC_EVENT_NAME_SIZE];

static inline const char *hc_event_name_of(int code)
{
	return code >= 0 && code < HC_EVENT_NAME_CODES ? hc_event_names[code] : NULL;
}

static inline int hc_event_name_static(const char *name)
{
	uintptr_t a = (uintptr_t)name, lo = (uintptr_t)hc_event_names[0];

	return a >= lo && a < lo + sizeof(hc_event_names[0]) * HC_EVENT_NAME_CODES
	           ? (int)((a - lo) / sizeof(hc_event_names[0]))
	           : -1;
}

/* Helpers shared with other backends and the engine. */

/* Parses "0x1a2b" / "1234" (optionally zero-padded) into *out. Returns 1 on
 * success, 0 when `s` is not a number. */
int hc_parse_uint(const char *s, uint64_t *out);

/* Writes the normalised form of an IP address from a log into `out` (size
 * `cap`): strips "::ffff:" from mapped IPv4, drops a "%zone" suffix,
 * lower-cases IPv6. Returns 1 when an address remains, 0 for "-"/empty/
 * unparseable-as-address input (out is then ""). */
int hc_ip_normalise(const char *in, char *out, size_t cap);

/* 1 when `ip` (normalised) is loopback, link-local, unspecified, multicast
 * or the limited broadcast: an address that never identifies a remote host. */
int hc_ip_is_local(const char *ip);

/* What `ev` witnesses. Sysmon's ids 1 and 3 count only in its own channel. */
enum hc_kind hc_event_kind(const struct hc_event *ev);

/* 1 when the account is ANONYMOUS LOGON (S-1-5-7), or a NULL SID with no name. */
int hc_account_is_anonymous(const struct hc_account *a);

/* Converts FILETIME ticks to RFC 3339 UTC with 7 fractional digits and 'Z'
 * ("2021-02-12T12:33:07.4694964Z") into `out` (>= 32 bytes). */
void hc_time_format(int64_t ticks, char *out, size_t cap);

/* The current time as FILETIME ticks (the system clock, UTC). */
int64_t hc_time_now(void);

/* Parses RFC 3339 "YYYY-MM-DD[THH:MM[:SS[.f...]]][Z|+hh:mm]" (a space may
 * stand for 'T'; no zone means UTC). True with *ticks set when parsed. */
bool hc_time_parse(const char *s, int64_t *ticks);

#endif

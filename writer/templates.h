/* templates.h: the event templates hc-evtxgen can write.
 * Per (event id, template version): the EventData field names and value types in
 * Windows' order, the System constants (task, opcode, level, keywords) and the
 * channel: Security (Microsoft-Windows-Security-Auditing), Sysmon's
 * Operational log and NTLM/Operational, each kept in its own file as Windows
 * keeps them. */
#ifndef HC_TEMPLATES_H
#define HC_TEMPLATES_H

#include <stdint.h>

#include "evtx_write.h"

#define HC_TPL_PROVIDER_NAME "Microsoft-Windows-Security-Auditing"
#define HC_TPL_PROVIDER_GUID "{54849625-5478-4994-A5BA-3E3B0328C30D}"
#define HC_TPL_CHANNEL "Security"
#define HC_TPL_KEYWORDS_SUCCESS 0x8020000000000000ULL /* Audit Success */
#define HC_TPL_KEYWORDS_FAILURE 0x8010000000000000ULL /* Audit Failure */

/* The logs a host writes (one .evtx file each). */
enum hc_tpl_chan { HC_TPL_SECURITY, HC_TPL_SYSMON, HC_TPL_NTLM, HC_TPL_NCHAN };

struct hc_tpl_channel {
	const char *channel;       /* <Channel> */
	const char *provider;      /* <Provider Name> */
	const char *provider_guid; /* <Provider Guid> */
	const char *user_sid;      /* <Security UserID>, or NULL */
	uint64_t keywords;         /* the success keywords */
	const char *suffix;        /* default file: <host><suffix> */
	const char *key;           /* the host key naming its file ("sysmon", "ntlm") */
};

/* The constants of channel `c`. Static; nothing to free. */
const struct hc_tpl_channel *hc_tpl_channel(enum hc_tpl_chan c);

struct hc_tpl {
	uint16_t event_id;
	uint8_t version;
	uint16_t task;
	uint8_t opcode;
	uint8_t level;
	int failure;      /* 1: always Audit Failure (4625, 4771) */
	int status_field; /* index of a Status field deciding success/failure, or -1 */
	struct hc_evtxw_datatpl data;
	enum hc_tpl_chan chan;
	int exec_system; /* written by the System process (Execution ProcessID 4) */
};

/* The template for (event_id, version), or NULL when this project does not
 * write it. The result is static; nothing to free. */
const struct hc_tpl *hc_tpl_find(uint16_t event_id, uint8_t version);

/* Default version for an event id (the newest written here; 4624: 2), or -1. */
int hc_tpl_default_version(uint16_t event_id);

/* Index of field name in t, or -1. */
int hc_tpl_field_index(const struct hc_tpl *t, const char *name);

/* Iterate all templates: returns the i-th or NULL past the end. */
const struct hc_tpl *hc_tpl_at(unsigned i);

#endif

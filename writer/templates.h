/* templates.h: the Security event templates hc-evtxgen can write.
 * Per (event id, template version): the EventData field names and value types in
 * Windows' order, and the System constants (task, opcode, level, keywords) of
 * the Microsoft-Windows-Security-Auditing provider. */
#ifndef HC_TEMPLATES_H
#define HC_TEMPLATES_H

#include <stdint.h>

#include "evtx_write.h"

#define HC_TPL_PROVIDER_NAME "Microsoft-Windows-Security-Auditing"
#define HC_TPL_PROVIDER_GUID "{54849625-5478-4994-A5BA-3E3B0328C30D}"
#define HC_TPL_CHANNEL "Security"
#define HC_TPL_KEYWORDS_SUCCESS 0x8020000000000000ULL /* Audit Success */
#define HC_TPL_KEYWORDS_FAILURE 0x8010000000000000ULL /* Audit Failure */

struct hc_tpl {
	uint16_t event_id;
	uint8_t version;
	uint16_t task;
	uint8_t opcode;
	uint8_t level;
	int failure;      /* 1: always Audit Failure (4625, 4771) */
	int status_field; /* index of a Status field deciding success/failure, or -1 */
	struct hc_evtxw_datatpl data;
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

/* scenario.h: scenario JSON -> Security events for hc-evtxgen.
 * Loads a scenario (domain, accounts, hosts, per-host events and a seeded
 * background generator), fills realistic defaults for every Data field and
 * writes one .evtx per host through the encoder in evtx_write.h. */
#ifndef HC_SCENARIO_H
#define HC_SCENARIO_H

#include <stddef.h>
#include <stdio.h>

#define HC_SC_MAX_HOSTS 4096
#define HC_SC_MAX_ACCOUNTS 65536
#define HC_SC_MAX_EVENTS_PER_HOST 50000000 /* explicit + background */
#define HC_SC_MAX_BACKGROUND 20000000      /* background activities per host */
/* UTF-8 bytes of one field text (32767 UTF-16 units can take 98K) */
#define HC_SC_MAX_TEXT 131072
#define HC_SC_MAX_LABEL 128
#define HC_SC_MAX_PATH 4096 /* an output path */

#define HC_SC_E_IO (-1)       /* runtime failure (exit 1) */
#define HC_SC_E_SCENARIO (-2) /* the scenario is wrong (exit 2) */
#define HC_SC_E_NOMEM (-3)

struct hc_sc_diag {
	char msg[768];
};

struct hc_sc;

/* Parse and check the scenario at path. On success *ret owns everything;
 * free it with hc_sc_free. */
int hc_sc_load(const char *path, struct hc_sc **ret, struct hc_sc_diag *diag);

size_t hc_sc_host_count(const struct hc_sc *sc);

/* Security file name of host i (relative, as the scenario gives it). */
const char *hc_sc_host_file(const struct hc_sc *sc, size_t i);

/* Write host i's events, sorted by time, into outdir: its Security file
 * (always) and one file per other channel it has records in (Sysmon,
 * NTLM/Operational), each written as NAME.tmp and renamed when complete.
 * When manifest is not NULL, also print one JSON object per record (file,
 * record_id, time, event_id, version, computer, channel, provider, data)
 * for tests. */
int hc_sc_write_host(struct hc_sc *sc, size_t i, const char *outdir, FILE *manifest,
                     struct hc_sc_diag *diag);

/* The file name of the scenario's "forwarded" file, or NULL. */
const char *hc_sc_forwarded_file(const struct hc_sc *sc);

/* Write the "forwarded" file: the Security records of its hosts, merged in
 * time order, as Windows Event Forwarding stores them (value text, no
 * templates; each record keeps its host's Computer and EventRecordID). Call
 * after every host's file was written (hc_sc_write_host numbers and sorts
 * them). */
int hc_sc_write_forwarded(struct hc_sc *sc, const char *path, struct hc_sc_diag *diag);

/* Free a scenario; accepts NULL. */
void hc_sc_free(struct hc_sc *sc);

#endif

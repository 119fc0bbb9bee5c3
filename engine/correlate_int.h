/* Internals shared by the correlation stages, one file each:
 *   correlate.c  the driver (hc_correlate), containers, warnings
 *   accounts.c   account equality and host-name canonical forms
 *   hosts.c      host identities, their addresses (time-bounded claims), boots
 *   sessions.c   logon sessions per (host, boot, logon id)
 *   hops.c       inbound logons from another host and how the source is known
 *   links.c      which session a hop continues
 *   chains.c     maximal paths over the links
 *   findings.c   what went wrong or is dangerous on each hop
 *   policy.c     the package policy (--policy)
 * Only these files include this header; correlate.h stays the contract. */
#ifndef HC_CORRELATE_INT_H
#define HC_CORRELATE_INT_H

#include "correlate.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* containers (correlate.c)                                             */

/* A string -> int map (open addressing, FNV-1a); keys are copied. */
struct smap {
	char **key;
	int *val;
	size_t cap, n;
};

int *hc_smap_find(struct smap *m, const char *k);
/* Returns HC_OK or HC_ERR_NOMEM. */
int hc_smap_put(struct smap *m, const char *k, int v);
void hc_smap_free(struct smap *m);

/* A uint64 -> int map (open addressing). */
struct imap {
	uint64_t *key;
	int *val;
	size_t cap, n;
};

int *hc_imap_find(const struct imap *m, uint64_t k);
/* Returns HC_OK or HC_ERR_NOMEM. */
int hc_imap_put(struct imap *m, uint64_t k, int v);
void hc_imap_free(struct imap *m);

/* Doubles *cap (from 16) and reallocs *p; HC_OK or HC_ERR_NOMEM. */
int hc_grow(void **p, size_t *cap, size_t size);
#define GROW(arr, n, cap) ((n) < (cap) ? 0 : hc_grow((void **)&(arr), &(cap), sizeof(*(arr))))

struct ilist {
	int *v;
	size_t n, cap;
};

int hc_ilist_add(struct ilist *l, int x);

/* ------------------------------------------------------------------ */
/* state of one correlation                                             */

/* One host's claim to one address, over the time it was seen making it
 * (a --hosts line holds for all time). Addresses move (DHCP, VPN): the
 * claim nearest in time names the host behind an address. */
struct claim {
	int host;
	enum hc_learn how;
	int64_t first, last;
	int addr;                   /* index into priv.addr_claims */
	int hostaddr;               /* index into hosts[host].addr */
};

/* Address sources, weakest (0) to strongest (HC_LEARN_RANKS - 1). */
#define HC_LEARN_RANKS 5
int hc_learn_rank(enum hc_learn l);

struct priv {
	struct smap host_by_name;   /* canonical name -> host */
	struct smap host_by_fqdn;   /* lower-case Computer -> host */
	struct smap host_by_addr;   /* ip -> index into addr_claims */
	struct claim *claims;       /* who claimed which address when */
	size_t nclaims, cap_claims;
	struct ilist *addr_claims;  /* per address: claim indexes */
	size_t naddrs, cap_addrs;
	struct imap claim_of;       /* (address << 32 | host) -> claim */
	struct ilist weak;          /* failed logons whose WorkstationName may claim */
	/* built when learning ends, for hc_host_by_addr: claim indexes by
	 * (address, rank, first time), each address's rank boundaries
	 * (HC_LEARN_RANKS + 1 per address), running maximum of last times */
	int *ord, *parg;
	int64_t *pmax;
	size_t *aoff;
	struct smap session_by_key; /* "host/boot/logonid" -> session */
	struct ilist *inbound;      /* per host: hops into it, by time */
	struct ilist *explicit;     /* per target host: 4648 event indexes */
	struct smap ticket_key;     /* "host:user" -> index into tickets */
	struct ilist *tickets;      /* per (service host, user): 4769 event indexes */
	size_t ntickets;
	struct imap undecided;      /* policy patterns that hit the match limit */
	struct smap warned;         /* warning texts kept */
	size_t warnings_dropped;    /* beyond HC_MAX_WARNINGS */
	size_t cap_hosts, cap_sessions, cap_hops, cap_links, cap_chains, cap_warnings;
	const struct hc_eventset *set;
	const struct hc_correlate_opts *o;
};

/* Witnesses (4648s, 4769s, CredSSP twins, parent candidates) looked at
 * for one hop, nearest first: a flood of them in one window costs a
 * constant per hop, not a scan (issue 8). */
#define HC_MAX_WITNESS_SCAN 256
/* The Kerberos type-3 logon and the type-8 logon of one CredSSP session
 * are this close (DOMAIN.md 6.2). */
#define HC_CREDSSP_TWIN_GAP (INT64_C(10) * HC_TICKS_PER_SEC)

/* A warning for the analysis (printf-style); the same text is kept once. */
void hc_warn(struct hc_analysis *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------ */
/* accounts.c                                                           */

/* user@REALM -> user: the length of the user part of `name`. */
size_t hc_user_len(const char *name);

/* ------------------------------------------------------------------ */
/* hosts.c                                                              */

/* Host `canon` (a canonical name), created when missing. Returns its index,
 * HC_ERR_NOMEM or HC_ERR_LIMIT. */
int hc_host_get(struct hc_analysis *a, const char *canon, enum hc_learn how);
/* The known host named `name` (any form hc_host_canon takes), or -1. */
int hc_host_by_name(struct hc_analysis *a, const char *name);
/* As hc_host_get for any name form; -1 when `name` names no host. */
int hc_host_named(struct hc_analysis *a, const char *name, enum hc_learn how);
/* The host behind address `ip` at time `t`, or -1. */
int hc_host_by_addr(struct hc_analysis *a, const char *ip, int64_t t);
/* The host that wrote `ev` (created on first sight), or < 0 on error. */
int hc_host_of(struct hc_analysis *a, const struct hc_event *ev);
/* Logon types that come over the network (3, 8, 10, 12). */
bool hc_is_hop_type(int t);
/* Stage 1: hosts, their names, addresses and boots. */
int hc_hosts_learn(struct hc_analysis *a);

/* ------------------------------------------------------------------ */
/* sessions.c                                                           */

/* The session with logon id `id` on `host` in the boot around `t`, or -1. */
int hc_session_find(struct hc_analysis *a, int host, int64_t t, uint64_t id);
/* Stage 2: sessions from 4624, ended by 4634/4647, privileged by 4672. */
int hc_sessions_build(struct hc_analysis *a);

/* ------------------------------------------------------------------ */
/* hops.c                                                               */

/* The account a hop arrived as. */
const struct hc_account *hc_hop_account(const struct hc_hop *h);
/* Stage 3: the indexes of source witnesses (4648 by target, 4769 by
 * service host and user). */
int hc_witnesses_index(struct hc_analysis *a);
/* Stage 4: inbound logons that came from another host. */
int hc_hops_build(struct hc_analysis *a);

/* ------------------------------------------------------------------ */
/* links.c, chains.c, findings.c, policy.c                              */

/* Stage 5: candidate parents of every hop, best first. */
int hc_links_build(struct hc_analysis *a);
/* Stage 6: maximal paths along the best links, sorted, named C0001... */
int hc_chains_build(struct hc_analysis *a);
/* Stage 7: the findings of chain `c`. */
int hc_findings_chain(struct hc_analysis *a, struct hc_chain *c);
/* 1 when the package policy does not allow hop `h`'s package. */
bool hc_policy_package_unexpected(struct hc_analysis *a, const struct hc_hop *h);

#endif

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
#include "../base/cnum.h"
#include "../base/dynbuf.h"
#include "../base/hash.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* containers (correlate.c)                                             */

/* Lists of ints under 64-bit keys (a key may stand for a string through
 * hc_key_hash: callers check what they find). */
struct mlist {
	struct hc_imap key; /* key -> index into l */
	struct ilist *l;
	size_t n, cap;
};

/* Appends `v` to the list of `key`; HC_OK or HC_ERR_NOMEM. */
int hc_mlist_add(struct mlist *m, uint64_t key, int v);
/* The list of `key`, or NULL. */
const struct ilist *hc_mlist_get(const struct mlist *m, uint64_t key);
void hc_mlist_free(struct mlist *m);
/* FNV-1a of the lower-cased `s` (at most `n` bytes), mixed with `salt`. */
uint64_t hc_key_hash(uint64_t salt, const char *s, size_t n);

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
	int addr;     /* index into priv.addr_claims */
	int hostaddr; /* index into hosts[host].addr */
	bool dropped; /* a service account's, not a host's */
};

/* Address sources, weakest (0) to strongest (HC_LEARN_RANKS - 1). */
#define HC_LEARN_RANKS 6
int hc_learn_rank(enum hc_learn l);

/* Host `later` logged its end of one act `d` ticks after host `earlier`
 * logged the other end. */
struct clock_pair {
	int later, earlier;
	int64_t d;
};

struct priv {
	struct hc_smap host_by_name; /* canonical name -> host */
	struct hc_smap host_by_fqdn; /* lower-case Computer -> host */
	struct hc_smap host_by_addr; /* ip -> index into addr_claims */
	struct claim *claims;        /* who claimed which address when */
	size_t nclaims, cap_claims;
	struct ilist *addr_claims; /* per address: claim indexes */
	size_t naddrs, cap_addrs;
	struct hc_imap claim_of;   /* (address << 32 | host) -> claim */
	struct ilist weak;         /* failed logons whose WorkstationName may claim */
	struct ilist *host_claims; /* per host: its claims (built when learning ends) */
	size_t nhost_claims;       /* hosts there were then */
	/* built when learning ends, for hc_host_by_addr: claim indexes by
	 * (address, rank, first time), each address's rank boundaries
	 * (HC_LEARN_RANKS + 1 per address), running maximum of last times */
	int *ord, *parg;
	int64_t *pmax;
	size_t *aoff;
	struct hc_smap session_by_key; /* "host/boot/logonid" -> session */
	struct ilist *desktop;         /* per host: interactive/RDP logons and reconnects */
	size_t ndesktop;
	struct ilist *inbound;     /* per host: hops into it, by time */
	struct ilist *explicit;    /* per target host: 4648 event indexes */
	struct mlist tickets;      /* (service host, user): DC 4769 event indexes */
	struct mlist validations;  /* user: DC 4776 event indexes */
	struct mlist connections;  /* (source address, port): outbound connections */
	struct mlist processes;    /* (host, pid) and (host, ProcessGuid): 4688, Sysmon 1 */
	struct ilist *ntlm_out;    /* per host: its 8001 event indexes */
	struct ilist *listener_in; /* per host: inbound 5156 to its WinRM/web ports */
	size_t nwitness_hosts;     /* hosts when the witness lists were made */
	struct clock_pair *pairs;  /* for the clock estimate */
	size_t npairs, cap_pairs;
	struct hc_imap undecided; /* policy patterns that hit the match limit */
	struct hc_smap warned;    /* warning texts kept */
	size_t warnings_dropped;  /* beyond HC_MAX_WARNINGS */
	size_t cap_hosts, cap_sessions, cap_hops, cap_links, cap_chains, cap_warnings;
	const struct hc_eventset *set;
	const struct hc_correlate_opts *o;
};

/* Witnesses (4648s, 4769s, CredSSP twins, parent candidates) looked at
 * for one hop, nearest first: a flood of them in one window costs a
 * constant per hop, not a scan (issue 8). */
#define HC_MAX_WITNESS_SCAN 256
/* Link candidates of one hop whose confidences differ by less than this
 * are ambiguous (links.c; the weights are steps of 0.05). */
#define HC_LINK_TIE 0.05
/* Chains follow every candidate link at most this much weaker than the
 * hop's best (chains.c): the 0.001 below HC_LINK_TIE keeps a candidate one
 * whole step weaker (0.7 against 0.75, summed as 0.69999...) out. */
#define HC_CHAIN_FOLLOW 0.049
/* Kerberos refuses clocks further apart than this (the default policy,
 * DOMAIN.md 7.5): a ticket and its logon pair the clocks within it. */
#define HC_KERBEROS_SKEW (INT64_C(300) * HC_TICKS_PER_SEC)
/* The target's inbound connection to a listener this close to a logon
 * that logged no address names its client. */
#define HC_LISTENER_GAP (INT64_C(2) * HC_TICKS_PER_SEC)
/* A logon that repeats the previous logon of its act (same source, target,
 * account, package) at most this much later folds into it (issue 9). */
#define HC_FOLD_GAP (INT64_C(60) * HC_TICKS_PER_SEC)
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
/* The address host `h` used at time `t` (its strongest claim within reach,
 * then the nearest), or NULL. */
const char *hc_host_addr_at(struct hc_analysis *a, int h, int64_t t);
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
/* The boot of `host` that time `t` falls in. */
unsigned hc_session_boot(struct hc_analysis *a, int host, int64_t t);
/* Stage 2: sessions from 4624, ended by 4634/4647, privileged by 4672. */
int hc_sessions_build(struct hc_analysis *a);

/* ------------------------------------------------------------------ */
/* hops.c                                                               */

/* The account a hop arrived as. */
const struct hc_account *hc_hop_account(const struct hc_hop *h);
/* Adds `ev` to the hop's evidence (once; at most HC_MAX_EVIDENCE). */
void hc_cite(struct hc_hop *h, const struct hc_event *ev, enum hc_role role);
/* The 4648 on some host naming `dst` for `acct`, closest to `t` within the
 * skew: its event index or -1. */
long hc_find_explicit(struct hc_analysis *a, int dst, const struct hc_account *acct, int64_t t);
/* The DC's successful 4769 for service `dst`$ by `acct`: nearest before `t`
 * within the skew, else up to the skew after, else the latest cached one
 * within the session window; -1 when none. */
long hc_find_ticket(struct hc_analysis *a, int dst, const struct hc_account *acct, int64_t t);
/* The DC's 4776 of `acct` nearest `t` within the skew, or -1. */
long hc_find_validation(struct hc_analysis *a, const struct hc_account *acct, int64_t t);
/* The one client address reaching `dst`'s WinRM or web listener around
 * `t` (*which: its 5156), or NULL. */
const char *hc_client_by_listener(struct hc_analysis *a, int dst, int64_t t, long *which);
/* The outbound connection from ip:port logged by another host than `dst`
 * nearest `t` within the skew: its event index, or -1. */
long hc_find_connection(struct hc_analysis *a, const char *ip, int port, int64_t t, int dst);
/* The process creation (Sysmon 1 by ProcessGuid, else the latest 4688 or
 * Sysmon 1 of that process id in the same boot) behind connection `conn`,
 * or -1. */
long hc_find_process(struct hc_analysis *a, const struct hc_event *conn);
/* The 8001 on `src` naming `dst` nearest `t` within the skew, or -1. */
long hc_find_ntlm_out(struct hc_analysis *a, int src, int dst, int64_t t);
/* Orders hop indexes by reference-clock time (then index); ctx: analysis. */
int hc_cmp_hop_at(const void *x, const void *y, void *ctx);
/* Stage 4b: repeats of one act fold into its first hop. */
int hc_hops_fold(struct hc_analysis *a);
/* Stage 3: the indexes of source witnesses (4648 by target, 4769 by
 * service host and user). */
int hc_witnesses_index(struct hc_analysis *a);
/* Stage 4: inbound logons that came from another host. */
int hc_hops_build(struct hc_analysis *a);

/* ------------------------------------------------------------------ */
/* clock.c, classes.c                                                   */

/* Stage 4a: every host's clock offset from the pairs the hops collected;
 * sets hop->at. */
int hc_clock_estimate(struct hc_analysis *a);
/* Time `t` logged by `host` on the reference clock. */
int64_t hc_at(const struct hc_analysis *a, int host, int64_t t);
/* 1 when `acct` is the machine account (NAME$) of host `h`. */
int hc_is_machine_account_of(const struct hc_analysis *a, const struct hc_account *acct, int h);
/* Stage 4c: each hop's class, and the sessions its connection's process or
 * an 8001 name. */
int hc_classes_assign(struct hc_analysis *a);
/* Stage 5b: anonymous hops with no session to come from become null
 * sessions; Restricted Admin continuations become the user's. */
void hc_classes_finish(struct hc_analysis *a);

/* ------------------------------------------------------------------ */
/* links.c, chains.c, findings.c, policy.c                              */

/* A candidate parent of a hop, as the linker scores it. */
struct cand {
	int parent;
	double conf;
	int64_t gap;
	enum hc_proof proof;
	bool acct;
};

/* Why a hop is not a candidate parent of another. */
enum hc_reject {
	HC_REJECT_NONE,
	HC_REJECT_LOOP,
	HC_REJECT_WINDOW,
	HC_REJECT_ACCOUNT,
	HC_REJECT_NOT_USER,
	HC_REJECT_FAILED,
	HC_REJECT_ANONYMOUS,
	HC_REJECT_REPEAT,
};
const char *hc_reject_text(enum hc_reject r);
/* Why hop `ph` cannot be any hop's parent, or HC_REJECT_NONE. */
enum hc_reject hc_link_parent_ok(const struct hc_hop *ph);
/* Scores `ph` as the parent of `ch` into *c (c->parent is the caller's),
 * or says why it cannot be. `as_host`: `ch` is the source's machine account
 * leaving a Restricted Admin session. */
enum hc_reject hc_link_score(const struct hc_analysis *a, const struct hc_hop *ch,
                             const struct hc_hop *ph, bool as_host, struct cand *c);
/* Stage 5: candidate parents of every hop, best first. */
int hc_links_build(struct hc_analysis *a);
/* Stage 6: maximal paths along the best links, sorted, named C0001... */
int hc_chains_build(struct hc_analysis *a);
/* Stage 7: the findings of chain `c`. */
int hc_findings_chain(struct hc_analysis *a, struct hc_chain *c);
/* Stage 7b: fan-outs (one source and account reaching many hosts at
 * once), each as one finding on the chain its first logon starts. */
int hc_findings_fanout(struct hc_analysis *a);
/* 1 when the package policy does not allow hop `h`'s package. */
bool hc_policy_package_unexpected(struct hc_analysis *a, const struct hc_hop *h);

#endif

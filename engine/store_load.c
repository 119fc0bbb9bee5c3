/* Reading a case back: its events, compacted, for correlation. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* loading a case back for correlation                                  */

static int load_events(struct hc_store *s, struct hc_eventset *set, uint64_t *bad,
                       struct hc_diag *d);

int hc_store_load(struct hc_store *s, struct hc_eventset *set, uint64_t *bad, int64_t *generation,
                  struct hc_diag *d)
{
	/* one read transaction: the generation and the events of one moment */
	int rc = hc_store_run(s, hc_sql_begin_read, "begin_read.sql", d);

	if (rc < 0)
		return rc;
	if ((rc = hc_store_generation(s, generation, d)) == 0)
		rc = load_events(s, set, bad, d);
	if (rc == 0)
		rc = hc_store_run(s, hc_sql_commit, "commit.sql", d);
	if (rc < 0 && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, hc_sql_rollback, NULL, NULL, NULL);
	return rc;
}

/* The case's files: set->paths[k] is the path of files.id (*fids)[k], the
 * ids ascending. */
static int load_files(struct hc_store *s, struct hc_eventset *set, int64_t **fids,
                      struct hc_diag *d)
{
	sqlite3_stmt *st = NULL;
	size_t capf = 0, capp = 0;
	int rc;

	if ((rc = hc_store_prepare(s, hc_sql_load_files, "load_files.sql", &st, d)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 1);
		size_t n = set->npaths;
		if (HC_GROW(*fids, n, capf) < 0 || HC_GROW(set->paths, n, capp) < 0 ||
		    !(set->paths[n] = strdup(t ? (const char *)t : ""))) {
			rc = SQLITE_NOMEM;
			break;
		}
		(*fids)[n] = sqlite3_column_int64(st, 0);
		set->npaths = n + 1;
	}
	rc = rc == SQLITE_DONE ? 0 : hc_store_fail(s, rc, "load_files.sql", d);
	sqlite3_finalize(st);
	return rc;
}

/* The path of files.id `fid` (binary search); a row without its file (an
 * edited case) still gets a name. */
static const char *file_path(const struct hc_eventset *set, const int64_t *fids, int64_t fid)
{
	for (size_t lo = 0, hi = set->npaths; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		if (fids[mid] == fid)
			return set->paths[mid];
		if (fids[mid] < fid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "(file not in the case)";
}

/* The event of one row of load_events.sql into *ev (compacted into
 * `pool`; `buf` is scratch for its EventData). Returns 0, 1 when its
 * EventData is malformed (the row is skipped), or HC_ERR_NOMEM. */
static int event_of_row(sqlite3_stmt *st, struct hc_buf *buf, struct hc_strpool *pool,
                        struct hc_event *ev)
{
	const char *names[HC_MAX_FIELDS], *values[HC_MAX_FIELDS];
	const char *data = (const char *)sqlite3_column_text(st, 11);
	size_t len = (size_t)sqlite3_column_bytes(st, 11);
	long nfld = 0;

	buf->len = 0;
	if (len > HC_MAX_STORE_JSON)
		return 1; /* more than the encoder writes: an edited row */
	if (hc_buf_reserve(buf, len + 1, HC_MAX_STORE_JSON + 1) < 0)
		return HC_ERR_NOMEM;
	if (data && (nfld = hc_store_data_decode(data, buf->p, names, values)) < 0)
		return 1;
	memset(ev, 0, sizeof(*ev));
	if (hc_event_build(ev, (const char *)sqlite3_column_text(st, 4),
	                   (const char *)sqlite3_column_text(st, 5),
	                   (const char *)sqlite3_column_text(st, 6), (size_t)nfld, names,
	                   values) < 0)
		return HC_ERR_NOMEM;
	ev->store_id = sqlite3_column_int64(st, 0);
	ev->record_id = (uint64_t)sqlite3_column_int64(st, 2);
	ev->time = sqlite3_column_int64(st, 3);
	ev->event_id = (uint32_t)sqlite3_column_int64(st, 7);
	ev->version = (uint32_t)sqlite3_column_int64(st, 8);
	ev->recovered = sqlite3_column_int64(st, 9) != 0;
	ev->truncated = sqlite3_column_int64(st, 10) != 0;
	if (hc_event_compact(ev, pool) < 0) {
		hc_event_clear(ev);
		return HC_ERR_NOMEM;
	}
	return 0;
}

static int load_events(struct hc_store *s, struct hc_eventset *set, uint64_t *bad,
                       struct hc_diag *d)
{
	struct hc_strpool *pool = hc_strpool_new();
	sqlite3_stmt *st = NULL;
	int64_t *fids = NULL;
	struct hc_buf buf = {0};
	int rc;

	*bad = 0;
	if (!pool || hc_eventset_adopt_pool(set, pool) < 0)
		return HC_ERR_NOMEM;
	if ((rc = load_files(s, set, &fids, d)) < 0 ||
	    (rc = hc_store_prepare(s, hc_sql_load_events, "load_events.sql", &st, d)) < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hc_event ev;
		int r = event_of_row(st, &buf, pool, &ev);
		if (r == 1) {
			(*bad)++;
			continue;
		}
		if (r < 0 || HC_GROW(set->v, set->n, set->cap) < 0) {
			if (r == 0)
				hc_event_clear(&ev);
			rc = SQLITE_NOMEM;
			break;
		}
		ev.file = file_path(set, fids, sqlite3_column_int64(st, 1));
		set->v[set->n++] = ev;
	}
	rc = rc == SQLITE_DONE ? 0 : hc_store_fail(s, rc, "load_events.sql", d);
	if (rc == 0 && hc_events_sort(set) < 0)
		rc = HC_ERR_NOMEM;
out:
	sqlite3_finalize(st);
	free(fids);
	hc_buf_free(&buf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* loading an analysis back for the chain views                         */

enum {
	Q_HOSTS,
	Q_ADDRESSES,
	Q_CHAIN,
	Q_HOP_LINKS,
	Q_HOP_REPEATS,
	Q_LINK,
	Q_HOP,
	Q_HOP_EVIDENCE,
	Q_SESSION,
	Q_FINDINGS,
	Q_FINDING_EVIDENCE,
	Q_WARNINGS,
	Q_EVENT,
	Q_N
};

static const struct {
	const char *sql, *name;
} load_q[Q_N] = {
    [Q_HOSTS] = {hc_sql_load_hosts, "load_hosts.sql"},
    [Q_ADDRESSES] = {hc_sql_load_host_addresses, "load_host_addresses.sql"},
    [Q_CHAIN] = {hc_sql_load_chain, "load_chain.sql"},
    [Q_HOP_LINKS] = {hc_sql_load_hop_links, "load_hop_links.sql"},
    [Q_HOP_REPEATS] = {hc_sql_load_hop_repeats, "load_hop_repeats.sql"},
    [Q_LINK] = {hc_sql_load_link, "load_link.sql"},
    [Q_HOP] = {hc_sql_load_hop, "load_hop.sql"},
    [Q_HOP_EVIDENCE] = {hc_sql_load_hop_evidence, "load_hop_evidence.sql"},
    [Q_SESSION] = {hc_sql_load_session, "load_session.sql"},
    [Q_FINDINGS] = {hc_sql_load_chain_findings, "load_chain_findings.sql"},
    [Q_FINDING_EVIDENCE] = {hc_sql_load_finding_evidence, "load_finding_evidence.sql"},
    [Q_WARNINGS] = {hc_sql_load_warnings, "load_warnings.sql"},
    [Q_EVENT] = {hc_sql_load_event, "load_event.sql"},
};

/* A sorted set of store ids; an id's index in the loaded arrays is its
 * position. */
struct idset {
	int64_t *v;
	size_t n, cap;
};

/* An event pointer to fill once the events are loaded. */
struct fixup {
	const struct hc_event **slot;
	int64_t id;
};

struct loader {
	struct hc_store *s;
	struct hc_analysis *a;
	struct hc_eventset *set;
	struct hc_strpool *pool;
	struct hc_diag *d;
	sqlite3_stmt *st[Q_N];
	struct idset hosts, hops, links, sessions, events;
	struct fixup *fix;
	size_t nfix, capfix;
	int rc; /* the first error */
};

static int ids_add(struct idset *s, int64_t id)
{
	if (HC_GROW(s->v, s->n, s->cap) < 0)
		return HC_ERR_NOMEM;
	s->v[s->n++] = id;
	return HC_OK;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return a < b ? -1 : a > b;
}

static void ids_seal(struct idset *s)
{
	size_t k = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_i64);
	for (size_t i = 0; i < s->n; i++)
		if (!k || s->v[k - 1] != s->v[i])
			s->v[k++] = s->v[i];
	s->n = k;
}

/* The index of `id` in a sealed set, or -1. */
static int ids_find(const struct idset *s, int64_t id)
{
	const int64_t *f = s->n ? bsearch(&id, s->v, s->n, sizeof(*s->v), cmp_i64) : NULL;

	return f ? (int)(f - s->v) : -1;
}

static bool failed(struct loader *l, int rc)
{
	if (rc < 0 && l->rc == 0)
		l->rc = rc;
	return l->rc < 0;
}

static sqlite3_stmt *q(struct loader *l, int which, int64_t arg)
{
	sqlite3_stmt *st = l->st[which];

	if (l->rc < 0)
		return NULL;
	if (!st) {
		if (failed(l, hc_store_prepare(l->s, load_q[which].sql, load_q[which].name,
		                               &l->st[which], l->d)))
			return NULL;
		st = l->st[which];
	}
	sqlite3_reset(st);
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	return st;
}

/* One step: 1 a row, 0 done, < 0 error (kept in l->rc). */
static int step(struct loader *l, int which)
{
	int rc = sqlite3_step(l->st[which]);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	failed(l, hc_store_fail(l->s, rc, load_q[which].name, l->d));
	return -1;
}

static const char *col_text(sqlite3_stmt *st, int c)
{
	return (const char *)sqlite3_column_text(st, c);
}

/* A copy of column `c` that lives as long as the event set (NULL stays
 * NULL). */
static const char *pooled(struct loader *l, sqlite3_stmt *st, int c)
{
	const char *t = col_text(st, c), *r;

	if (!t)
		return NULL;
	if (!(r = hc_strpool_intern(l->pool, t)))
		failed(l, HC_ERR_NOMEM);
	return r;
}

static char *dup_col(struct loader *l, sqlite3_stmt *st, int c)
{
	const char *t = col_text(st, c);
	char *r = t ? strdup(t) : NULL;

	if (t && !r)
		failed(l, HC_ERR_NOMEM);
	return r;
}

static void fix_later(struct loader *l, const struct hc_event **slot, sqlite3_stmt *st, int c)
{
	*slot = NULL;
	if (sqlite3_column_type(st, c) == SQLITE_NULL || l->rc < 0)
		return;
	if (HC_GROW(l->fix, l->nfix, l->capfix) < 0) {
		failed(l, HC_ERR_NOMEM);
		return;
	}
	l->fix[l->nfix].slot = slot;
	l->fix[l->nfix++].id = sqlite3_column_int64(st, c);
	failed(l, ids_add(&l->events, sqlite3_column_int64(st, c)));
}

static enum hc_learn learn_of(const char *s)
{
	for (int i = 0; i <= HC_LEARN_OWN_CONNECTION; i++)
		if (s && strcmp(s, hc_learn_name((enum hc_learn)i)) == 0)
			return (enum hc_learn)i;
	return HC_LEARN_NAMED;
}

static void load_hosts(struct loader *l)
{
	struct hc_analysis *a = l->a;
	sqlite3_stmt *st = q(l, Q_HOSTS, 0);
	size_t cap = 0;

	while (st && step(l, Q_HOSTS) > 0) {
		struct hc_host *h;
		if (HC_GROW(a->hosts, a->nhosts, cap) < 0) {
			failed(l, HC_ERR_NOMEM);
			return;
		}
		h = &a->hosts[a->nhosts++];
		memset(h, 0, sizeof(*h));
		if (failed(l, ids_add(&l->hosts, sqlite3_column_int64(st, 0))))
			return;
		h->name = dup_col(l, st, 1);
		h->fqdn = dup_col(l, st, 2);
		h->how = learn_of(col_text(st, 3));
		h->has_log = sqlite3_column_int(st, 4);
		h->kdc = sqlite3_column_int(st, 5);
		h->collector = sqlite3_column_int(st, 6);
		h->service_account = sqlite3_column_int(st, 7);
		h->clock.ref = -1;
		if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
			h->clock.offset = sqlite3_column_int64(st, 8);
			h->clock.pairs = (size_t)sqlite3_column_int64(st, 9);
			h->clock.ref = (int)sqlite3_column_int64(st, 10); /* an id until remapped */
			h->clock.applied = sqlite3_column_int(st, 11);
		}
		if (!h->name)
			failed(l, HC_ERR_NOMEM);
	}
	/* host ids ascend: the set is sealed as it is */
	for (size_t i = 0; i < a->nhosts; i++)
		if (a->hosts[i].clock.ref >= 0)
			a->hosts[i].clock.ref = ids_find(&l->hosts, a->hosts[i].clock.ref);
	st = q(l, Q_ADDRESSES, 0);
	while (st && step(l, Q_ADDRESSES) > 0) {
		int hi = ids_find(&l->hosts, sqlite3_column_int64(st, 0));
		struct hc_host *h = hi >= 0 ? &a->hosts[hi] : NULL;
		if (!h)
			continue;
		if ((h->naddr & (h->naddr - 1)) == 0) {
			struct hc_addr *na =
			    realloc(h->addr, (h->naddr ? h->naddr * 2 : 1) * sizeof(*na));
			if (!na) {
				failed(l, HC_ERR_NOMEM);
				return;
			}
			h->addr = na;
		}
		snprintf(h->addr[h->naddr].ip, sizeof(h->addr[0].ip), "%s",
		         col_text(st, 1) ? col_text(st, 1) : "");
		h->addr[h->naddr].how = learn_of(col_text(st, 2));
		h->addr[h->naddr].ev = NULL;
		h->naddr++;
	}
	/* the address arrays are final: their events now, in the same order */
	size_t *k = calloc(a->nhosts + 1, sizeof(*k));
	if (!k) {
		failed(l, HC_ERR_NOMEM);
		return;
	}
	st = q(l, Q_ADDRESSES, 0);
	while (st && step(l, Q_ADDRESSES) > 0) {
		int h = ids_find(&l->hosts, sqlite3_column_int64(st, 0));
		if (h >= 0 && k[h] < a->hosts[h].naddr)
			fix_later(l, &a->hosts[h].addr[k[h]++].ev, st, 3);
	}
	free(k);
}

/* The chains `ids`, their hops and links as store ids for now; collects the
 * hops and links to load: the chains', every candidate parent of their hops
 * and the repeats folded into them. */
static void load_chains(struct loader *l, const int64_t *ids, size_t n, int64_t *chain_ids)
{
	struct hc_analysis *a = l->a;

	if (!(a->chains = calloc(n + 1, sizeof(*a->chains)))) {
		failed(l, HC_ERR_NOMEM);
		return;
	}
	for (size_t c = 0; c < n && l->rc == 0; c++) {
		struct hc_chain *k = &a->chains[a->nchains];
		sqlite3_stmt *st = q(l, Q_CHAIN, ids[c]);
		size_t cap = 0;
		while (st && step(l, Q_CHAIN) > 0) {
			if (k->nhops == cap) {
				cap = cap ? cap * 2 : 8;
				int *nh = realloc(k->hops, cap * sizeof(int));
				int *nl = nh ? realloc(k->links, cap * sizeof(int)) : NULL;
				if (nh)
					k->hops = nh;
				if (!nl) {
					failed(l, HC_ERR_NOMEM);
					break;
				}
				k->links = nl;
			}
			if (!k->nhops) {
				snprintf(k->id, sizeof(k->id), "%s",
				         col_text(st, 0) ? col_text(st, 0) : "?");
				k->start = sqlite3_column_int64(st, 1);
				k->end = sqlite3_column_int64(st, 2);
			}
			k->hops[k->nhops] = (int)sqlite3_column_int64(st, 4);
			if (k->nhops)
				k->links[k->nhops - 1] = (int)sqlite3_column_int64(st, 5);
			k->nhops++;
			if (failed(l, ids_add(&l->hops, sqlite3_column_int64(st, 4))))
				break;
			if (sqlite3_column_type(st, 5) != SQLITE_NULL &&
			    failed(l, ids_add(&l->links, sqlite3_column_int64(st, 5))))
				break;
		}
		if (k->nhops)
			chain_ids[a->nchains++] = ids[c];
	}
	/* candidate parents and repeats of the chains' hops */
	size_t nchainhops = l->hops.n;
	for (size_t i = 0; i < nchainhops && l->rc == 0; i++) {
		int64_t h = l->hops.v[i];
		sqlite3_stmt *st = q(l, Q_HOP_LINKS, h);
		while (st && step(l, Q_HOP_LINKS) > 0)
			if (failed(l, ids_add(&l->links, sqlite3_column_int64(st, 0))) ||
			    failed(l, ids_add(&l->hops, sqlite3_column_int64(st, 1))))
				break;
		st = q(l, Q_HOP_REPEATS, h);
		while (st && step(l, Q_HOP_REPEATS) > 0)
			if (failed(l, ids_add(&l->hops, sqlite3_column_int64(st, 0))))
				break;
	}
	ids_seal(&l->hops);
	ids_seal(&l->links);
}

static enum hc_hop_class class_of(const char *s)
{
	for (int c = HC_CLASS_USER; c <= HC_CLASS_NULL_SESSION; c++)
		if (s && strcmp(s, hc_class_name((enum hc_hop_class)c)) == 0)
			return (enum hc_hop_class)c;
	return HC_CLASS_USER;
}

static enum hc_role role_of(const char *s)
{
	for (int r = 0; r < HC_ROLE_N; r++)
		if (s && strcmp(s, hc_role_name((enum hc_role)r)) == 0)
			return (enum hc_role)r;
	return HC_ROLE_LOGON; /* an edited row: shown as the logon it most likely is */
}

static enum hc_source source_of(const char *s)
{
	for (int r = HC_SRC_CONNECTION; r < HC_SRC_N; r++)
		if (s && strcmp(s, hc_source_name((enum hc_source)r)) == 0)
			return (enum hc_source)r;
	return HC_SRC_NONE;
}

static enum hc_proof proof_of(const char *s)
{
	for (int p = HC_PROOF_4648; p <= HC_PROOF_UNIQUE; p++)
		if (s && strcmp(s, hc_proof_name((enum hc_proof)p)) == 0)
			return (enum hc_proof)p;
	return HC_PROOF_NONE;
}

static void load_links(struct loader *l)
{
	struct hc_analysis *a = l->a;

	if (!(a->links = calloc(l->links.n + 1, sizeof(*a->links)))) {
		failed(l, HC_ERR_NOMEM);
		return;
	}
	for (size_t i = 0; i < l->links.n && l->rc == 0; i++) {
		struct hc_link *k = &a->links[a->nlinks];
		sqlite3_stmt *st = q(l, Q_LINK, l->links.v[i]);
		if (!st || step(l, Q_LINK) <= 0) {
			failed(l, HC_ERR_FORMAT);
			break;
		}
		k->parent = ids_find(&l->hops, sqlite3_column_int64(st, 0));
		k->child = ids_find(&l->hops, sqlite3_column_int64(st, 1));
		k->confidence = sqlite3_column_double(st, 2);
		k->gap = sqlite3_column_int64(st, 3);
		k->via_4648 = sqlite3_column_int(st, 4);
		k->account_match = sqlite3_column_int(st, 5);
		k->ambiguous = sqlite3_column_int(st, 6);
		k->restricted_admin = sqlite3_column_int(st, 7);
		k->proof = proof_of(col_text(st, 8));
		a->nlinks++;
	}
}

/* The hops, with their sessions still as store ids (remapped once the
 * sessions are loaded). */
static void load_hops(struct loader *l, int64_t *sess, int64_t *src_sess)
{
	struct hc_analysis *a = l->a;

	if (!(a->hops = calloc(l->hops.n + 1, sizeof(*a->hops)))) {
		failed(l, HC_ERR_NOMEM);
		return;
	}
	for (size_t i = 0; i < l->hops.n && l->rc == 0; i++) {
		struct hc_hop *h = &a->hops[i];
		int64_t id = l->hops.v[i];
		sqlite3_stmt *st = q(l, Q_HOP, id);
		if (!st || step(l, Q_HOP) <= 0) {
			failed(l, HC_ERR_FORMAT);
			break;
		}
		a->nhops++;
		fix_later(l, &h->ev, st, 0);
		h->time = sqlite3_column_int64(st, 1);
		h->src = sqlite3_column_type(st, 2) == SQLITE_NULL
		             ? -1
		             : ids_find(&l->hosts, sqlite3_column_int64(st, 2));
		h->dst = ids_find(&l->hosts, sqlite3_column_int64(st, 3));
		h->src_ip = pooled(l, st, 4);
		h->src_how = source_of(col_text(st, 5));
		h->anonymous = sqlite3_column_int(st, 6);
		h->failed = sqlite3_column_int(st, 7);
		sess[i] =
		    sqlite3_column_type(st, 8) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 8);
		src_sess[i] =
		    sqlite3_column_type(st, 9) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 9);
		h->cls = class_of(col_text(st, 10));
		h->class_why = pooled(l, st, 11);
		h->at = sqlite3_column_type(st, 12) == SQLITE_NULL ? h->time
		                                                   : sqlite3_column_int64(st, 12);
		h->repeat_of = sqlite3_column_type(st, 13) == SQLITE_NULL
		                   ? -1
		                   : ids_find(&l->hops, sqlite3_column_int64(st, 13));
		h->src_proof = proof_of(col_text(st, 14));
		h->absorbed = sqlite3_column_int(st, 15);
		if (sess[i] && failed(l, ids_add(&l->sessions, sess[i])))
			break;
		if (src_sess[i] && failed(l, ids_add(&l->sessions, src_sess[i])))
			break;
		st = q(l, Q_HOP_EVIDENCE, id);
		while (st && step(l, Q_HOP_EVIDENCE) > 0 && h->nev < HC_MAX_EVIDENCE) {
			h->evidence[h->nev].role = role_of(col_text(st, 1));
			fix_later(l, &h->evidence[h->nev].ev, st, 0);
			h->nev++;
		}
		st = q(l, Q_HOP_LINKS, id);
		while (st && step(l, Q_HOP_LINKS) > 0 && h->nparents < HC_MAX_CANDIDATES) {
			int k = ids_find(&l->links, sqlite3_column_int64(st, 0));
			if (k >= 0)
				h->parents[h->nparents++] = k;
		}
		st = q(l, Q_HOP_REPEATS, id);
		while (st && step(l, Q_HOP_REPEATS) > 0) {
			int r = ids_find(&l->hops, sqlite3_column_int64(st, 0));
			if (r < 0)
				continue;
			if ((h->nrepeats & (h->nrepeats - 1)) == 0) {
				int *nr = realloc(h->repeats, (h->nrepeats ? h->nrepeats * 2 : 1) *
				                                  sizeof(int));
				if (!nr) {
					failed(l, HC_ERR_NOMEM);
					break;
				}
				h->repeats = nr;
			}
			h->repeats[h->nrepeats++] = r;
		}
	}
	ids_seal(&l->sessions);
}

static void load_sessions(struct loader *l, const int64_t *sess, const int64_t *src_sess)
{
	struct hc_analysis *a = l->a;

	if (!(a->sessions = calloc(l->sessions.n + 1, sizeof(*a->sessions)))) {
		failed(l, HC_ERR_NOMEM);
		return;
	}
	for (size_t i = 0; i < l->sessions.n && l->rc == 0; i++) {
		struct hc_session *s = &a->sessions[i];
		sqlite3_stmt *st = q(l, Q_SESSION, l->sessions.v[i]);
		if (!st || step(l, Q_SESSION) <= 0) {
			failed(l, HC_ERR_FORMAT);
			break;
		}
		a->nsessions++;
		s->host = ids_find(&l->hosts, sqlite3_column_int64(st, 0));
		s->boot = (unsigned)sqlite3_column_int64(st, 1);
		s->logon_id = (uint64_t)sqlite3_column_int64(st, 2);
		s->start = sqlite3_column_int64(st, 3);
		s->end = sqlite3_column_int64(st, 4);
		s->end_seen = sqlite3_column_int(st, 5);
		s->privileged = sqlite3_column_int(st, 6);
		fix_later(l, &s->logon, st, 7);
		fix_later(l, &s->logoff, st, 8);
		s->hop = sqlite3_column_type(st, 9) == SQLITE_NULL
		             ? -1
		             : ids_find(&l->hops, sqlite3_column_int64(st, 9));
	}
	for (size_t i = 0; i < a->nhops; i++) {
		a->hops[i].session = sess[i] ? ids_find(&l->sessions, sess[i]) : -1;
		a->hops[i].src_session = src_sess[i] ? ids_find(&l->sessions, src_sess[i]) : -1;
	}
}

/* The chains' hops and links as indexes, and their findings. */
static void load_findings(struct loader *l, const int64_t *chain_ids)
{
	struct hc_analysis *a = l->a;

	for (size_t c = 0; c < a->nchains && l->rc == 0; c++) {
		struct hc_chain *k = &a->chains[c];
		sqlite3_stmt *st;
		size_t cap = 0;
		int64_t *fids = NULL;
		for (size_t i = 0; i < k->nhops; i++) {
			k->hops[i] = ids_find(&l->hops, k->hops[i]);
			if (i)
				k->links[i - 1] = ids_find(&l->links, k->links[i - 1]);
		}
		st = q(l, Q_FINDINGS, chain_ids[c]);
		while (st && step(l, Q_FINDINGS) > 0) {
			struct hc_finding *f;
			if (k->nfindings == cap) {
				cap = cap ? cap * 2 : 4;
				struct hc_finding *nf = realloc(k->findings, cap * sizeof(*nf));
				int64_t *ni = nf ? realloc(fids, cap * sizeof(*ni)) : NULL;
				if (nf)
					k->findings = nf;
				if (!ni) {
					failed(l, HC_ERR_NOMEM);
					break;
				}
				fids = ni;
			}
			f = &k->findings[k->nfindings];
			memset(f, 0, sizeof(*f));
			fids[k->nfindings++] = sqlite3_column_int64(st, 0);
			f->hop = (size_t)sqlite3_column_int64(st, 1);
			f->id = pooled(l, st, 2);
			f->severity = (enum hc_severity)sqlite3_column_int(st, 3);
			f->technique = pooled(l, st, 4);
			f->what = dup_col(l, st, 5);
			f->todo = dup_col(l, st, 6);
			if (!f->what || !f->todo)
				failed(l, HC_ERR_NOMEM);
		}
		/* the findings array is final: their evidence now */
		for (size_t i = 0; i < k->nfindings && l->rc == 0; i++) {
			struct hc_finding *f = &k->findings[i];
			st = q(l, Q_FINDING_EVIDENCE, fids[i]);
			while (st && step(l, Q_FINDING_EVIDENCE) > 0 && f->nev < HC_MAX_EVIDENCE) {
				f->ev[f->nev].role = role_of(col_text(st, 1));
				fix_later(l, &f->ev[f->nev].ev, st, 0);
				f->nev++;
			}
		}
		free(fids);
	}
}

static void load_warnings(struct loader *l)
{
	struct hc_analysis *a = l->a;
	sqlite3_stmt *st = q(l, Q_WARNINGS, 0);
	size_t cap = 0;

	while (st && step(l, Q_WARNINGS) > 0) {
		if (HC_GROW(a->warnings, a->nwarnings, cap) < 0) {
			failed(l, HC_ERR_NOMEM);
			return;
		}
		snprintf(a->warnings[a->nwarnings++].msg, sizeof(a->warnings[0].msg), "%s",
		         col_text(st, 0) ? col_text(st, 0) : "");
	}
}

/* Every event a fixup names, compacted, then the pointers. */
static void load_cited(struct loader *l)
{
	struct hc_eventset *set = l->set;
	const char *names[HC_MAX_FIELDS], *values[HC_MAX_FIELDS];
	char *buf = NULL;
	size_t bufcap = 0;

	ids_seal(&l->events);
	if (l->rc < 0 || !(set->v = calloc(l->events.n + 1, sizeof(*set->v)))) {
		failed(l, HC_ERR_NOMEM);
		return;
	}
	set->cap = l->events.n + 1;
	for (size_t i = 0; i < l->events.n && l->rc == 0; i++) {
		struct hc_event *ev = &set->v[i];
		sqlite3_stmt *st = q(l, Q_EVENT, l->events.v[i]);
		const char *data;
		size_t len;
		long nfld = 0;
		if (!st || step(l, Q_EVENT) <= 0) {
			failed(l, HC_ERR_FORMAT);
			break;
		}
		data = col_text(st, 11);
		len = (size_t)sqlite3_column_bytes(st, 11);
		if (len + 1 > bufcap) {
			char *nb = realloc(buf, len + 1);
			if (!nb) {
				failed(l, HC_ERR_NOMEM);
				break;
			}
			buf = nb;
			bufcap = len + 1;
		}
		if (data && (nfld = hc_store_data_decode(data, buf, names, values)) < 0)
			nfld = 0; /* an edited row: the event without its data */
		if (hc_event_build(ev, col_text(st, 4), col_text(st, 5), col_text(st, 6),
		                   (size_t)nfld, names, values) < 0 ||
		    !(ev->file = pooled(l, st, 1) ? pooled(l, st, 1) : "(file not in the case)")) {
			failed(l, HC_ERR_NOMEM);
			break;
		}
		set->n++;
		ev->store_id = sqlite3_column_int64(st, 0);
		ev->record_id = (uint64_t)sqlite3_column_int64(st, 2);
		ev->time = sqlite3_column_int64(st, 3);
		ev->event_id = (uint32_t)sqlite3_column_int64(st, 7);
		ev->version = (uint32_t)sqlite3_column_int64(st, 8);
		ev->recovered = sqlite3_column_int64(st, 9) != 0;
		ev->truncated = sqlite3_column_int64(st, 10) != 0;
		if (failed(l, hc_event_compact(ev, l->pool)))
			break;
	}
	free(buf);
	for (size_t i = 0; i < l->nfix && l->rc == 0; i++) {
		int k = ids_find(&l->events, l->fix[i].id);
		*l->fix[i].slot = k >= 0 && (size_t)k < set->n ? &set->v[k] : NULL;
	}
}

int hc_store_load_analysis(struct hc_store *s, const int64_t *ids, size_t n, struct hc_analysis *a,
                           struct hc_eventset *set, struct hc_diag *d)
{
	struct loader l = {.s = s, .a = a, .set = set, .d = d};
	int64_t *sess = NULL, *src_sess = NULL, *chain_ids = calloc(n + 1, sizeof(*chain_ids));

	memset(a, 0, sizeof(*a));
	if (!chain_ids || !(l.pool = hc_strpool_new()) || hc_eventset_adopt_pool(set, l.pool) < 0) {
		free(chain_ids);
		return HC_ERR_NOMEM;
	}
	load_hosts(&l);
	load_chains(&l, ids, n, chain_ids);
	load_links(&l);
	sess = calloc(l.hops.n + 1, sizeof(*sess));
	src_sess = calloc(l.hops.n + 1, sizeof(*src_sess));
	if (!sess || !src_sess)
		failed(&l, HC_ERR_NOMEM);
	load_hops(&l, sess, src_sess);
	load_sessions(&l, sess, src_sess);
	load_findings(&l, chain_ids);
	load_warnings(&l);
	load_cited(&l);
	/* a row whose event is gone (an edited case) leaves a hop without its
	 * logon: such a case cannot be shown */
	for (size_t i = 0; i < a->nhops && l.rc == 0; i++)
		if (!a->hops[i].ev || a->hops[i].dst < 0)
			failed(&l, HC_ERR_FORMAT);
	if (l.rc == HC_ERR_FORMAT && d) {
		hc_diag_clear(d);
		snprintf(d->file, sizeof(d->file), "%s", s->path);
		hc_diag_set(d, "the analysis in the case is damaged (a hop, link, session or event "
		               "it names is missing): run `hopchain correlate --db` again");
	}
	for (int i = 0; i < Q_N; i++)
		sqlite3_finalize(l.st[i]);
	free(sess);
	free(src_sess);
	free(chain_ids);
	free(l.fix);
	free(l.hosts.v);
	free(l.hops.v);
	free(l.links.v);
	free(l.sessions.v);
	free(l.events.v);
	if (l.rc < 0)
		hc_analysis_free(a);
	return l.rc;
}

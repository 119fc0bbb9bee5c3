/* Event-set loading and ordering. Workers each own a file or a part of one
 * (a chunk range of an .evtx file, a byte range of JSON lines; a reader's
 * handle is never shared between threads); results are merged in the order
 * the files were given, parts in order. */
#include "loader.h"
#include "packset_int.h"
#include "../base/dynbuf.h"
#include "../base/hash.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct file_job {
	struct hc_file_result res;
	unsigned part, nparts; /* slice of the file's records for this job */
	struct hc_event *ev;
	size_t n, cap;
	struct hc_pk_part pk; /* the events, packed (hc_events_load_packed) */
	struct hc_diag *diags;
	bool *diag_fatal;
	size_t ndiags;
	uint64_t extra_diags;    /* errors beyond the cap */
	struct hc_strpool *pool; /* strings of the events compacted here */
	int rc;                  /* HC_ERR_NOMEM aborts everything */
};

/* Jobs are handed out in order, at most `window` ahead of the consumer
 * (the calling thread), which takes each file's events as soon as all
 * its parts are done. */
struct pool {
	struct file_job *jobs;
	size_t njobs;
	const struct hc_read_opts *opts;
	bool worker_compacts;
	bool packed;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next;     /* next job to start */
	size_t consumed; /* jobs the consumer has taken */
	size_t window;
	bool stop;
	bool *done;
	pthread_t tid[HC_MAX_THREADS];
	unsigned nt; /* workers started */
};

static int push_event(struct file_job *j, struct hc_event *ev)
{
	if (HC_GROW(j->ev, j->n, j->cap) < 0)
		return HC_ERR_NOMEM;
	j->ev[j->n++] = *ev;
	return HC_OK;
}

static void add_diag(struct file_job *j, const struct hc_diag *d, bool fatal)
{
	if (j->ndiags >= HC_MAX_DIAGS_PER_FILE) {
		j->extra_diags++;
		return;
	}
	j->diags[j->ndiags] = *d;
	j->diag_fatal[j->ndiags] = fatal;
	j->ndiags++;
}

/* Keeps event `ev` (read by job j) as the load wants it; 0 or < 0. */
static int keep_event(struct file_job *j, struct hc_event *ev, bool compact, bool packed)
{
	int rc;

	if (packed) {
		/* a copy into the part's blocks; ev may borrow the reader's
		 * memory (hc_read_opts.borrow) */
		rc = hc_pk_part_add(&j->pk, ev);
		hc_event_clear(ev);
		return rc;
	}
	if (compact && !j->pool && !(j->pool = hc_strpool_new()))
		rc = HC_ERR_NOMEM;
	else if (compact && hc_event_compact(ev, j->pool) < 0)
		rc = HC_ERR_NOMEM;
	else
		rc = push_event(j, ev);
	if (rc < 0)
		hc_event_clear(ev);
	return rc;
}

static void read_file(struct file_job *j, const struct hc_read_opts *base, bool compact,
                      bool packed)
{
	struct hc_input *in = NULL;
	struct hc_read_opts opts = *base, *o = &opts;
	struct hc_diag d;
	int rc;

	opts.part = j->part;
	opts.nparts = j->nparts;
	opts.borrow = packed;
	j->diags = calloc(HC_MAX_DIAGS_PER_FILE, sizeof(*j->diags));
	j->diag_fatal = calloc(HC_MAX_DIAGS_PER_FILE, sizeof(*j->diag_fatal));
	if (!j->diags || !j->diag_fatal) {
		j->rc = HC_ERR_NOMEM;
		return;
	}
	rc = hc_input_open(j->res.path, o, &in, &d);
	if (rc < 0) {
		if (rc == HC_ERR_NOMEM)
			j->rc = rc;
		j->res.open_failed = true;
		add_diag(j, &d, true);
		return;
	}
	j->res.backend = hc_input_backend(in);
	for (;;) {
		struct hc_event ev;
		memset(&ev, 0, sizeof(ev));
		rc = hc_input_next(in, &ev, &d);
		if (rc == 0)
			break;
		if (rc == 1) {
			if ((rc = keep_event(j, &ev, compact, packed)) < 0) {
				j->rc = rc;
				break;
			}
			continue;
		}
		snprintf(d.file, sizeof(d.file), "%s", j->res.path);
		if (rc == HC_ERR_RECORD) {
			add_diag(j, &d, false);
			continue;
		}
		if (rc == HC_ERR_NOMEM)
			j->rc = rc;
		add_diag(j, &d, false);
		break;
	}
	hc_input_stats(in, &j->res.records, &j->res.failed);
	hc_input_close(in);
	j->res.kept = packed ? j->pk.n : j->n;
	/* each part sorts its own events, in its worker: the consumer then
	 * only merges */
	if (packed && j->rc == HC_OK && (rc = hc_pk_part_sort(&j->pk)) < 0)
		j->rc = rc;
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;
		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->next < p->njobs && p->next >= p->consumed + p->window)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop || p->next >= p->njobs) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		read_file(&p->jobs[i], p->opts, p->worker_compacts, p->packed);
		pthread_mutex_lock(&p->mu);
		p->done[i] = true;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Files at least this big are split between workers: the native reader
 * reads each part's chunk range, the JSON reader its byte range. libevtx
 * is not split (it accounts for a file's records as a whole), nor is a
 * --recover run (recovered records are checked against the whole file's).
 * A part is at least HC_SPLIT_BYTES, and there are up to
 * HC_PARTS_PER_THREAD per thread: a worker that finishes early (a core the
 * machine gave to something else for a while, a part with fewer wanted
 * events) takes the next part instead of waiting for the slowest. Their
 * number is a multiple of the threads: 5 parts on 2 threads would leave
 * one worker a third part while the other waits (at best 5/3 = 1.67x). */
#define HC_SPLIT_BYTES (8u << 20)
#define HC_PARTS_PER_THREAD 3

static unsigned parts_for(const char *path, const struct hc_read_opts *o, unsigned threads)
{
	struct stat st;
	uint64_t n;

	if (threads < 2 || (o && o->recover) || (o && o->reader && strcmp(o->reader, "native")) ||
	    stat(path, &st) != 0 || st.st_size < (off_t)HC_SPLIT_BYTES)
		return 1;
	n = (uint64_t)st.st_size / HC_SPLIT_BYTES / threads;
	if (n < 1)
		n = 1;
	return (n > HC_PARTS_PER_THREAD ? HC_PARTS_PER_THREAD : (unsigned)n) * threads;
}

/* --- duplicates ------------------------------------------------------ */

/* Open addressing over set indexes (+1; 0 = empty), hashed by (computer,
 * channel, record id) with computer and channel folded to lower case; equal
 * when the times are within HC_DUP_WINDOW too: the store's rule
 * (queries/schema.sql says why). Records of one key far apart in time are
 * all kept: the probe goes on past them. */
struct dedup {
	size_t *slot;
	size_t cap, n;
};

/* Folds `s` into h, up to its first '.' when `label` (the host name of a
 * Computer: JSON exports name a host bare or qualified, corpus fact 7). */
static uint64_t fold_hash_to(uint64_t h, const char *s, bool label)
{
	if (s)
		h = hc_fnv1a_lower(h, s, label ? strcspn(s, ".") : strlen(s));
	return hc_fnv1a(h, "\xff", 1); /* ends the field */
}

static size_t label_len(const char *s)
{
	return s ? strcspn(s, ".") : 0;
}

static uint64_t event_key_hash(const struct hc_event *e)
{
	uint64_t h = fold_hash_to(fold_hash_to(HC_FNV_INIT, e->computer, true), e->channel, false);
	return (h ^ e->record_id) * UINT64_C(0x9e3779b97f4a7c15);
}

static bool same_key(const struct hc_event *a, const struct hc_event *b)
{
	int64_t dt = a->time - b->time;
	size_t la = label_len(a->computer), lb = label_len(b->computer);

	return a->record_id == b->record_id && dt <= HC_DUP_WINDOW && dt >= -HC_DUP_WINDOW &&
	       la == lb && (la == 0 || strncasecmp(a->computer, b->computer, la) == 0) &&
	       strcasecmp(a->channel ? a->channel : "", b->channel ? b->channel : "") == 0;
}

static int dedup_grow(struct dedup *dd, const struct hc_eventset *set)
{
	size_t cap = dd->cap ? dd->cap * 2 : 1024;
	size_t *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return HC_ERR_NOMEM;
	for (size_t k = 0; k < dd->cap; k++)
		if (dd->slot[k]) {
			size_t i = event_key_hash(&set->v[dd->slot[k] - 1]) & (cap - 1);
			while (slot[i])
				i = (i + 1) & (cap - 1);
			slot[i] = dd->slot[k];
		}
	free(dd->slot);
	dd->slot = slot;
	dd->cap = cap;
	return HC_OK;
}

/* 1 when an event with the key of `e` is in the set already; else 0 after
 * noting set index `idx` for it (the caller puts `e` there). */
static int dedup_seen(struct dedup *dd, const struct hc_eventset *set, const struct hc_event *e,
                      size_t idx, int *rc)
{
	size_t i;

	if ((dd->n + 1) * 2 > dd->cap && (*rc = dedup_grow(dd, set)) < 0)
		return 0;
	for (i = event_key_hash(e) & (dd->cap - 1); dd->slot[i]; i = (i + 1) & (dd->cap - 1))
		if (same_key(&set->v[dd->slot[i] - 1], e))
			return 1;
	dd->slot[i] = idx + 1;
	dd->n++;
	return 0;
}

/* --- merging ------------------------------------------------------------ */

static int set_reserve(struct hc_eventset *set, size_t more)
{
	size_t cap = set->cap ? set->cap : 1024;

	if (set->n + more <= set->cap)
		return HC_OK;
	while (cap < set->n + more)
		cap *= 2;
	struct hc_event *nv = realloc(set->v, cap * sizeof(*nv));
	if (!nv)
		return HC_ERR_NOMEM;
	set->v = nv;
	set->cap = cap;
	return HC_OK;
}

/* Moves events ev[0..n) into the set as `flags` say, taking ownership of
 * each (they are cleared when dropped or on failure). */
static int take_events(struct hc_eventset *set, struct hc_event *ev, size_t n, unsigned flags,
                       struct hc_strpool *compact_here, struct hc_file_result *res, int rc)
{
	struct dedup *dd = set->dedup;

	if (rc == HC_OK && !(flags & HC_LOAD_DISCARD))
		rc = set_reserve(set, n);
	if (rc == HC_OK && (flags & HC_LOAD_DEDUP) && !dd) {
		if (!(dd = calloc(1, sizeof(*dd))))
			rc = HC_ERR_NOMEM;
		set->dedup = dd;
	}
	for (size_t k = 0; k < n; k++) {
		if (rc == HC_OK && !(flags & HC_LOAD_DISCARD)) {
			if ((flags & HC_LOAD_DEDUP) && dedup_seen(dd, set, &ev[k], set->n, &rc)) {
				res->duplicates++;
				hc_event_clear(&ev[k]);
				continue;
			}
			if (rc == HC_OK && compact_here)
				rc = hc_event_compact(&ev[k], compact_here);
			if (rc == HC_OK) {
				set->v[set->n++] = ev[k];
				continue;
			}
		}
		hc_event_clear(&ev[k]);
	}
	return rc;
}

/* Plans the jobs (a part of a file each) and starts up to `threads`
 * workers; with none started the consumer reads each file itself. Returns
 * 0 or HC_ERR_NOMEM (nothing to undo). */
static int pool_start(struct pool *p, char *const *paths, size_t npaths,
                      const struct hc_read_opts *o, unsigned threads)
{
	size_t njobs = 0;

	if (threads > HC_MAX_THREADS)
		threads = HC_MAX_THREADS;
	if (threads < 1)
		threads = 1;
	/* each path is looked at once: a file growing between two looks must
	 * not change its number of parts (issue 11) */
	unsigned *nparts = malloc(npaths * sizeof(*nparts));
	if (!nparts)
		return HC_ERR_NOMEM;
	for (size_t i = 0; i < npaths; i++)
		njobs += nparts[i] = parts_for(paths[i], o, threads);
	p->jobs = calloc(njobs, sizeof(*p->jobs));
	p->done = calloc(njobs, sizeof(*p->done));
	if (!p->jobs || !p->done) {
		free(p->jobs);
		free(p->done);
		p->jobs = NULL;
		p->done = NULL;
		free(nparts);
		return HC_ERR_NOMEM;
	}
	p->njobs = njobs;
	p->opts = o;
	/* all parts of a file fit the window: the consumer waits for them all */
	p->window = (HC_PARTS_PER_THREAD + 1) * (size_t)threads + 2;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (size_t i = 0, k = 0; i < npaths; i++) {
		unsigned np = nparts[i];
		for (unsigned part = 0; part < np; part++, k++) {
			p->jobs[k].res.path = paths[i];
			p->jobs[k].part = part;
			p->jobs[k].nparts = np;
		}
	}
	free(nparts);
	if (threads > njobs)
		threads = (unsigned)njobs;
	/* backends' one-time set-up, before any worker runs */
	hc_input_init();
	for (unsigned t = 0; t < threads; t++) {
		if (pthread_create(&p->tid[p->nt], NULL, worker, p) != 0)
			break;
		p->nt++;
	}
	return HC_OK;
}

/* Waits for the parts [i, end) of one file, sums up their results into
 * *res and passes their diagnostics on, in order. Returns 0 or the first
 * part's failure. */
static int file_wait(struct pool *p, size_t i, size_t end, const struct hc_load_cb *cb,
                     struct hc_file_result *res)
{
	uint64_t extra = 0;
	int rc = HC_OK;

	*res = p->jobs[i].res;
	pthread_mutex_lock(&p->mu);
	for (size_t k = i; k < end; k++) {
		while (!p->done[k] && p->nt > 0)
			pthread_cond_wait(&p->cv, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	if (p->nt == 0) /* no thread could be started: read here */
		for (size_t k = i; k < end; k++)
			read_file(&p->jobs[k], p->opts, p->worker_compacts, p->packed);
	res->records = res->failed = res->kept = 0;
	res->ndiags = 0;
	for (size_t k = i; k < end; k++) {
		struct file_job *j = &p->jobs[k];
		if (j->rc < 0 && rc == HC_OK)
			rc = j->rc;
		res->records += j->res.records;
		res->failed += j->res.failed;
		res->kept += j->res.kept;
		res->open_failed |= j->res.open_failed;
		if (!res->backend)
			res->backend = j->res.backend;
		for (size_t q = 0; q < j->ndiags; q++) {
			if (res->ndiags >= HC_MAX_DIAGS_PER_FILE) {
				extra++;
				continue;
			}
			if (cb && cb->on_diag)
				cb->on_diag(cb->ctx, &j->diags[q], j->diag_fatal[q]);
			res->ndiags++;
		}
		extra += j->extra_diags;
		free(j->diags);
		free(j->diag_fatal);
		j->diags = NULL;
		j->diag_fatal = NULL;
	}
	if (extra && cb && cb->on_diag) {
		struct hc_diag d;
		hc_diag_clear(&d);
		snprintf(d.file, sizeof(d.file), "%s", res->path);
		hc_diag_set(&d, "%llu more record errors not shown", (unsigned long long)extra);
		cb->on_diag(cb->ctx, &d, false);
		res->ndiags++;
	}
	return rc;
}

/* The events of parts [i, end) as one array in record order (the parts'
 * arrays freed); *ev NULL when there are none. Returns 0 or HC_ERR_NOMEM
 * (the events are then cleared). */
static int file_events(struct pool *p, size_t i, size_t end, struct hc_event **ev, size_t *n)
{
	size_t total = 0;

	*ev = NULL;
	*n = 0;
	if (end - i == 1) {
		*ev = p->jobs[i].ev;
		*n = p->jobs[i].n;
		p->jobs[i].ev = NULL;
		return HC_OK;
	}
	for (size_t k = i; k < end; k++)
		total += p->jobs[k].n;
	*ev = malloc((total ? total : 1) * sizeof(**ev));
	for (size_t k = i; k < end; k++) {
		if (*ev && p->jobs[k].n) /* a part without events has no array */
			memcpy(*ev + *n, p->jobs[k].ev, p->jobs[k].n * sizeof(**ev));
		else
			for (size_t q = 0; q < p->jobs[k].n; q++)
				hc_event_clear(&p->jobs[k].ev[q]);
		if (*ev)
			*n += p->jobs[k].n;
		free(p->jobs[k].ev);
		p->jobs[k].ev = NULL;
	}
	return *ev ? HC_OK : HC_ERR_NOMEM;
}

/* Tells the workers the consumer is done with jobs before `end` (and to
 * stop when rc < 0). */
static void file_taken(struct pool *p, size_t end, int rc)
{
	pthread_mutex_lock(&p->mu);
	p->consumed = end;
	if (rc < 0)
		p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Joins the workers and frees what they read for files nobody consumed
 * (after a failure), then the pool. */
static void pool_finish(struct pool *p)
{
	for (unsigned t = 0; t < p->nt; t++)
		pthread_join(p->tid[t], NULL);
	for (size_t k = p->consumed; k < p->njobs; k++) {
		for (size_t q = 0; p->jobs[k].ev && q < p->jobs[k].n; q++)
			hc_event_clear(&p->jobs[k].ev[q]);
		free(p->jobs[k].ev);
		free(p->jobs[k].diags);
		free(p->jobs[k].diag_fatal);
		hc_strpool_free(p->jobs[k].pool);
		hc_pk_part_free(&p->jobs[k].pk);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->jobs);
	free(p->done);
}

/* Moves the events of one file (parts [i, end), read) into `set`. */
static int file_into_set(struct pool *p, size_t i, size_t end, struct hc_eventset *set,
                         unsigned flags, const struct hc_load_cb *cb, struct hc_file_result *res,
                         struct hc_strpool **main_pool, int rc)
{
	struct hc_event *ev = NULL;
	size_t n = 0;
	int erc = file_events(p, i, end, &ev, &n);

	if (rc == HC_OK)
		rc = erc;
	if (rc == HC_OK && cb && cb->on_events && !res->open_failed)
		rc = cb->on_events(cb->ctx, res, ev, n);
	if (rc == HC_OK && (flags & HC_LOAD_COMPACT) && !p->worker_compacts && !*main_pool &&
	    !(flags & HC_LOAD_DISCARD)) {
		if (!(*main_pool = hc_strpool_new()))
			rc = HC_ERR_NOMEM;
		else
			rc = hc_eventset_adopt_pool(set, *main_pool);
	}
	rc = take_events(set, ev, n, flags, p->worker_compacts ? NULL : *main_pool, res, rc);
	free(ev);
	/* the strings of the events compacted by workers */
	for (size_t k = i; k < end; k++) {
		struct hc_strpool *jp = p->jobs[k].pool;
		p->jobs[k].pool = NULL;
		if (jp && (flags & HC_LOAD_DISCARD))
			hc_strpool_free(jp);
		else if (jp && hc_eventset_adopt_pool(set, jp) < 0)
			rc = HC_ERR_NOMEM; /* an event may still point into it: stop */
	}
	return rc;
}

int hc_events_load(struct hc_eventset *set, char *const *paths, size_t npaths,
                   const struct hc_read_opts *o, unsigned threads, unsigned flags,
                   const struct hc_load_cb *cb)
{
	struct pool p = {0};
	struct hc_read_opts dflt = {0};
	struct hc_strpool *main_pool = NULL; /* compaction on this thread */
	int rc;

	if (npaths == 0)
		return HC_OK;
	/* without on_events nobody needs the raw fields: drop them at once */
	p.worker_compacts = (flags & HC_LOAD_COMPACT) && !(cb && cb->on_events);
	if ((rc = pool_start(&p, paths, npaths, o ? o : &dflt, threads)) < 0)
		return rc;
	/* consume files in order as their parts complete */
	for (size_t i = 0; i < p.njobs;) {
		struct hc_file_result res;
		size_t end = i + p.jobs[i].nparts;

		rc = file_wait(&p, i, end, cb, &res);
		rc = file_into_set(&p, i, end, set, flags, cb, &res, &main_pool, rc);
		if (cb && cb->on_file)
			cb->on_file(cb->ctx, &res);
		file_taken(&p, end, rc);
		i = end;
		if (rc < 0)
			break;
	}
	pool_finish(&p);
	return rc;
}

int hc_events_load_packed(struct hc_packset **ret, char *const *paths, size_t npaths,
                          const struct hc_read_opts *o, unsigned threads,
                          const struct hc_load_cb *cb)
{
	struct pool p = {.packed = true};
	struct hc_read_opts dflt = {0};
	struct hc_packset *ps = hc_packset_new();
	int rc = ps ? HC_OK : HC_ERR_NOMEM;

	if (rc == HC_OK && npaths)
		rc = pool_start(&p, paths, npaths, o ? o : &dflt, threads);
	for (size_t i = 0; rc == HC_OK && i < p.njobs;) {
		struct hc_file_result res;
		size_t end = i + p.jobs[i].nparts;

		rc = file_wait(&p, i, end, cb, &res);
		for (size_t k = i; k < end && rc == HC_OK; k++)
			rc = hc_packset_take(ps, &p.jobs[k].pk);
		for (size_t k = i; k < end; k++)
			hc_pk_part_free(&p.jobs[k].pk); /* after a failure */
		if (cb && cb->on_file)
			cb->on_file(cb->ctx, &res);
		file_taken(&p, end, rc);
		i = end;
	}
	if (p.jobs)
		pool_finish(&p);
	if (rc == HC_OK)
		rc = hc_packset_finish(ps);
	if (rc < 0) {
		hc_packset_free(ps);
		return rc;
	}
	*ret = ps;
	return HC_OK;
}

/* Keys are sorted, not the events: an event is ~450 bytes, a key 32, and
 * the events then move once. */
int hc_sort_key_cmp(const struct hc_sort_key *a, const struct hc_sort_key *b)
{
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->file != b->file) {
		int c = strcmp(a->file, b->file);
		if (c)
			return c;
	}
	if (a->record_id != b->record_id)
		return a->record_id < b->record_id ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* Merges the sorted runs v[0..a) and v[a..a+b); the shorter is copied to
 * `tmp`, so it needs min(a, b) keys. */
static void merge_runs(struct hc_sort_key *v, size_t a, size_t b, struct hc_sort_key *tmp)
{
	if (hc_sort_key_cmp(&v[a - 1], &v[a]) <= 0)
		return; /* already in order, as runs of a log's records mostly are */
	if (a <= b) {
		size_t i = 0, j = a, k = 0;
		memcpy(tmp, v, a * sizeof(*v));
		while (i < a && j < a + b)
			v[k++] = hc_sort_key_cmp(&v[j], &tmp[i]) < 0 ? v[j++] : tmp[i++];
		while (i < a)
			v[k++] = tmp[i++];
	} else {
		/* from the end: i, j and k count the keys still to place */
		size_t i = a, j = b, k = a + b;
		memcpy(tmp, v + a, b * sizeof(*v));
		while (i > 0 && j > 0)
			v[--k] = hc_sort_key_cmp(&tmp[j - 1], &v[i - 1]) < 0 ? v[--i] : tmp[--j];
		while (j > 0)
			v[--k] = tmp[--j];
	}
}

/* Runs shorter than this are made this long by insertion. */
#define HC_SORT_MINRUN 32

/* The length of the run at v[0..n), at least min(n, HC_SORT_MINRUN): an
 * ascending one as found, a descending one reversed (keys are distinct,
 * index breaks every tie, so reversing keeps the sort stable), a short one
 * extended by insertion. */
static size_t next_run(struct hc_sort_key *v, size_t n)
{
	size_t r = 1, want = n < HC_SORT_MINRUN ? n : HC_SORT_MINRUN;

	if (n < 2)
		return n;
	if (hc_sort_key_cmp(&v[0], &v[1]) < 0) {
		while (r < n && hc_sort_key_cmp(&v[r - 1], &v[r]) < 0)
			r++;
	} else {
		while (r < n && hc_sort_key_cmp(&v[r - 1], &v[r]) > 0)
			r++;
		for (size_t i = 0, j = r - 1; i < j; i++, j--) {
			struct hc_sort_key x = v[i];
			v[i] = v[j];
			v[j] = x;
		}
	}
	for (; r < want; r++) {
		struct hc_sort_key x = v[r];
		size_t j = r;
		for (; j > 0 && hc_sort_key_cmp(&v[j - 1], &x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return r;
}

/* A natural merge sort: the runs already in order (a log's records mostly
 * are, a stitched or merged log is a few thousand runs) are found and
 * merged, balanced as Timsort keeps them (each run on the stack longer
 * than the two above it together, so the stack stays below 90 and a merge
 * never copies more than half of v). */
void hc_sort_keys(struct hc_sort_key *v, struct hc_sort_key *tmp, size_t n)
{
	size_t base[96], len[96], top = 0, at = 0;

	while (at < n) {
		size_t r = next_run(v + at, n - at);
		assert(top < sizeof(len) / sizeof(len[0]));
		base[top] = at;
		len[top++] = r;
		at += r;
		/* collapse while the invariants do not hold (Timsort's rule with
		 * its 2015 fix: three runs deep); at the end, all */
		while (top > 1) {
			size_t k = top - 2;
			if (at >= n) {
				if (k > 0 && len[k - 1] < len[k + 1])
					k--;
			} else if ((k > 0 && len[k - 1] <= len[k] + len[k + 1]) ||
			           (k > 1 && len[k - 2] <= len[k - 1] + len[k])) {
				if (len[k - 1] < len[k + 1])
					k--; /* the middle one with the shorter neighbour */
			} else if (len[k] > len[k + 1]) {
				break;
			}
			merge_runs(v + base[k], len[k], len[k + 1], tmp);
			len[k] += len[k + 1];
			for (size_t m = k + 1; m + 1 < top; m++) {
				base[m] = base[m + 1];
				len[m] = len[m + 1];
			}
			top--;
		}
	}
}

int hc_events_sort(struct hc_eventset *set)
{
	struct hc_sort_key *keys, *tmp;
	size_t n = set->n;
	bool sorted = true;

	if (n < 2)
		return HC_OK;
	for (size_t i = 1; i < n && sorted; i++) {
		const struct hc_event *a = &set->v[i - 1], *b = &set->v[i];
		sorted = a->time < b->time ||
		         (a->time == b->time &&
		          hc_sort_key_cmp(
		              &(struct hc_sort_key){a->time, a->file, a->record_id, 0},
		              &(struct hc_sort_key){b->time, b->file, b->record_id, 1}) <= 0);
	}
	if (sorted)
		return HC_OK;
	keys = malloc(n * sizeof(*keys));
	tmp = malloc((n / 2 + 1) * sizeof(*tmp));
	if (!keys || !tmp) {
		free(keys);
		free(tmp);
		return HC_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		keys[i] =
		    (struct hc_sort_key){set->v[i].time, set->v[i].file, set->v[i].record_id, i};
	hc_sort_keys(keys, tmp, n);
	/* event keys[i].index goes to place i: follow each cycle once, with
	 * one event aside (no second array of events) */
	for (size_t i = 0; i < n; i++) {
		if (keys[i].index == i)
			continue;
		struct hc_event aside = set->v[i];
		size_t j = i;
		for (;;) {
			size_t k = keys[j].index;
			keys[j].index = j;
			if (k == i) {
				set->v[j] = aside;
				break;
			}
			set->v[j] = set->v[k];
			j = k;
		}
	}
	free(keys);
	free(tmp);
	return HC_OK;
}

int hc_eventset_adopt_pool(struct hc_eventset *set, struct hc_strpool *pool)
{
	struct hc_strpool **np = realloc(set->pools, (set->npools + 1) * sizeof(*np));

	if (!np) {
		hc_strpool_free(pool);
		return HC_ERR_NOMEM;
	}
	set->pools = np;
	set->pools[set->npools++] = pool;
	return HC_OK;
}

void hc_eventset_free(struct hc_eventset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		hc_event_clear(&set->v[i]);
	free(set->v);
	if (set->dedup)
		free(((struct dedup *)set->dedup)->slot);
	free(set->dedup);
	for (size_t i = 0; i < set->npools; i++)
		hc_strpool_free(set->pools[i]);
	free(set->pools);
	hc_paths_free(set->paths, set->npaths);
	memset(set, 0, sizeof(*set));
}

/* Event-set loading and ordering. Workers each own whole files (a libevtx
 * handle must never be shared between threads); results are merged in the
 * order the files were given. */
#include "events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct file_job {
	struct hc_file_result res;
	unsigned part, nparts;  /* slice of the file's records for this job */
	struct hc_event *ev;
	size_t n, cap;
	struct hc_diag *diags;
	bool *diag_fatal;
	size_t ndiags;
	uint64_t extra_diags;  /* errors beyond the cap */
	int rc;                /* HC_ERR_NOMEM aborts everything */
};

struct pool {
	struct file_job *jobs;
	size_t njobs;
	const struct hc_read_opts *opts;
	atomic_size_t next;
};

static int push_event(struct file_job *j, struct hc_event *ev)
{
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 256;
		struct hc_event *n = realloc(j->ev, cap * sizeof(*n));
		if (!n)
			return HC_ERR_NOMEM;
		j->ev = n;
		j->cap = cap;
	}
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

static void read_file(struct file_job *j, const struct hc_read_opts *base)
{
	struct hc_input *in = NULL;
	struct hc_read_opts opts = *base, *o = &opts;
	struct hc_diag d;
	int rc;

	opts.part = j->part;
	opts.nparts = j->nparts;
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
			if (push_event(j, &ev) < 0) {
				hc_event_clear(&ev);
				j->rc = HC_ERR_NOMEM;
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
	j->res.kept = j->n;
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->njobs)
		read_file(&p->jobs[i], p->opts);
	return NULL;
}

/* Files at least this big are split between workers. */
#define HC_SPLIT_BYTES (8u << 20)

static unsigned parts_for(const char *path, const struct hc_read_opts *o, unsigned threads)
{
	struct stat st;

	if (threads < 2 || (o && o->recover) || stat(path, &st) != 0 ||
	    st.st_size < (off_t)HC_SPLIT_BYTES)
		return 1;
	return threads;
}

/* Moves the events of job `j` into the set; frees them on failure. */
static int take_events(struct hc_eventset *set, struct file_job *j, int rc)
{
	if (rc == HC_OK && set->n + j->n > set->cap) {
		size_t cap = set->cap ? set->cap : 1024;
		while (cap < set->n + j->n)
			cap *= 2;
		struct hc_event *nv = realloc(set->v, cap * sizeof(*nv));
		if (!nv) {
			rc = HC_ERR_NOMEM;
		} else {
			set->v = nv;
			set->cap = cap;
		}
	}
	if (rc == HC_OK && j->n) {
		memcpy(set->v + set->n, j->ev, j->n * sizeof(*j->ev));
		set->n += j->n;
	} else if (rc != HC_OK) {
		for (size_t k = 0; k < j->n; k++)
			hc_event_clear(&j->ev[k]);
	}
	free(j->ev);
	j->ev = NULL;
	return rc;
}

int hc_events_load(struct hc_eventset *set, char *const *paths, size_t npaths,
		   const struct hc_read_opts *o, unsigned threads, const struct hc_load_cb *cb)
{
	struct pool p = {0};
	pthread_t tid[HC_MAX_THREADS];
	struct hc_read_opts dflt = {0};
	unsigned nt = 0;
	size_t njobs = 0;
	int rc = HC_OK;

	if (npaths == 0)
		return HC_OK;
	if (!o)
		o = &dflt;
	if (threads > HC_MAX_THREADS)
		threads = HC_MAX_THREADS;
	if (threads < 1)
		threads = 1;
	for (size_t i = 0; i < npaths; i++)
		njobs += parts_for(paths[i], o, threads);
	p.jobs = calloc(njobs, sizeof(*p.jobs));
	if (!p.jobs)
		return HC_ERR_NOMEM;
	p.njobs = njobs;
	p.opts = o;
	atomic_init(&p.next, 0);
	for (size_t i = 0, k = 0; i < npaths; i++) {
		unsigned np = parts_for(paths[i], o, threads);
		for (unsigned part = 0; part < np; part++, k++) {
			p.jobs[k].res.path = paths[i];
			p.jobs[k].part = part;
			p.jobs[k].nparts = np;
		}
	}
	if (threads > njobs)
		threads = (unsigned)njobs;
	/* backends' one-time set-up, before any worker runs */
	hc_input_init();
	for (unsigned t = 1; t < threads; t++) {
		if (pthread_create(&tid[nt], NULL, worker, &p) != 0)
			break;
		nt++;
	}
	worker(&p);
	for (unsigned t = 0; t < nt; t++)
		pthread_join(tid[t], NULL);

	/* merge: the parts of one file are consecutive jobs, in record order */
	for (size_t i = 0; i < njobs;) {
		struct hc_file_result res = p.jobs[i].res;
		size_t end = i + p.jobs[i].nparts;
		uint64_t extra = 0;
		res.records = res.failed = res.kept = 0;
		res.ndiags = 0;
		for (size_t k = i; k < end; k++) {
			struct file_job *j = &p.jobs[k];
			if (j->rc < 0)
				rc = j->rc;
			res.records += j->res.records;
			res.failed += j->res.failed;
			res.kept += j->n;
			res.open_failed |= j->res.open_failed;
			if (!res.backend)
				res.backend = j->res.backend;
			for (size_t q = 0; q < j->ndiags; q++) {
				if (res.ndiags >= HC_MAX_DIAGS_PER_FILE) {
					extra++;
					continue;
				}
				if (cb && cb->on_diag)
					cb->on_diag(cb->ctx, &j->diags[q], j->diag_fatal[q]);
				res.ndiags++;
			}
			extra += j->extra_diags;
			rc = take_events(set, j, rc);
			free(j->diags);
			free(j->diag_fatal);
		}
		if (extra && cb && cb->on_diag) {
			struct hc_diag d;
			hc_diag_clear(&d);
			snprintf(d.file, sizeof(d.file), "%s", res.path);
			hc_diag_set(&d, "%llu more record errors not shown", (unsigned long long)extra);
			cb->on_diag(cb->ctx, &d, false);
			res.ndiags++;
		}
		if (cb && cb->on_file)
			cb->on_file(cb->ctx, &res);
		i = end;
	}
	free(p.jobs);
	return rc;
}

/* Ties on time are broken by file path, then record id; the merge sort is
 * stable, so anything still equal keeps load order. */
static int cmp_event(const struct hc_event *a, const struct hc_event *b)
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
	return 0;
}

static void merge_sort(struct hc_event *v, struct hc_event *tmp, size_t n)
{
	size_t h, i, j, k;

	if (n < 2)
		return;
	if (n <= 16) {
		for (i = 1; i < n; i++) {
			struct hc_event x = v[i];
			for (j = i; j > 0 && cmp_event(&v[j - 1], &x) > 0; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	h = n / 2;
	merge_sort(v, tmp, h);
	merge_sort(v + h, tmp, n - h);
	if (cmp_event(&v[h - 1], &v[h]) <= 0)
		return;
	memcpy(tmp, v, h * sizeof(*v));
	for (i = 0, j = h, k = 0; i < h && j < n;)
		v[k++] = cmp_event(&v[j], &tmp[i]) < 0 ? v[j++] : tmp[i++];
	while (i < h)
		v[k++] = tmp[i++];
}

int hc_events_sort(struct hc_eventset *set)
{
	struct hc_event *tmp;

	if (set->n < 2)
		return HC_OK;
	tmp = malloc((set->n / 2 + 1) * sizeof(*tmp));
	if (!tmp)
		return HC_ERR_NOMEM;
	merge_sort(set->v, tmp, set->n);
	free(tmp);
	return HC_OK;
}

void hc_eventset_free(struct hc_eventset *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		hc_event_clear(&set->v[i]);
	free(set->v);
	hc_paths_free(set->paths, set->npaths);
	memset(set, 0, sizeof(*set));
}

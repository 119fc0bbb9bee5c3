/* The packed event set. A worker copies each event it reads into its part's
 * blocks as one record (header, name codes, strings), sorts the part when it
 * is read, and the parts are merged into one order at the end; nothing is
 * allocated per event. Rendering unpacks an event into per-thread room and
 * normalises it there, so the normalised view (a third of an event) is
 * never held. */
#include "packset_int.h"
#include "../base/dynbuf.h"
#include "../parsers/input.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define HC_PK_BLOCK (1u << 20) /* bytes of a block; a bigger record gets its own */
#define NAME_INLINE 0xff       /* the field's name is in the text, before its value */
#define LEN_LONG 0xffff        /* a value's length that does not fit the record's u16 */

enum { PK_RECOVERED = 1, PK_TRUNCATED = 2 };
_Static_assert(HC_EVENT_NAME_CODES < NAME_INLINE, "a name code fits a byte");

struct hc_pk_block {
	struct hc_pk_block *next;
	size_t used, cap;
	uint64_t data[]; /* records, 8-byte aligned */
};

/* One packed event, followed by uint16_t len[nfields] (each value's length;
 * LEN_LONG: as long or longer, measure it), uint8_t code[nfields] and
 * text[text_len]:
 * the System strings that differ from the part's previous event's, then
 * for each field its name (NAME_INLINE only) and its value, each with its
 * NUL. computer, channel and provider point into this record's text or an
 * earlier one's of the same part. */
struct hc_pk_rec {
	int64_t time;
	uint64_t record_id;
	const char *file, *computer, *channel, *provider;
	uint32_t event_id, version;
	uint32_t text_len, fields_off;
	uint16_t nfields;
	uint8_t flags;
};

struct hc_packset {
	struct hc_pk_block *blocks;
	struct hc_pk_part *parts; /* taken, each sorted; their blocks moved to `blocks` */
	size_t nparts, capparts;
	const struct hc_pk_rec **order;
	size_t n;
	char **paths;
	size_t npaths;
};

/* --- packing (worker side) ---------------------------------------------- */

static void *pk_alloc(struct hc_pk_part *pt, size_t size)
{
	struct hc_pk_block *b = pt->blocks;
	void *r;

	if (!b || b->cap - b->used < size) {
		size_t cap = size > HC_PK_BLOCK ? size : HC_PK_BLOCK;
		struct hc_pk_block *n = malloc(sizeof(*n) + cap);
		if (!n)
			return NULL;
		n->used = 0;
		n->cap = cap;
		n->next = b;
		pt->blocks = b = n;
	}
	r = (char *)b->data + b->used;
	b->used += size;
	return r;
}

static int name_code(const char *name)
{
	int k = hc_event_name_static(name);

	return k >= 0 ? k : hc_event_name_code(name);
}

/* True when ev's values (it has vlen and codes) lie one after another,
 * each after the NUL of the one before, and every name has a code: *bytes
 * is then their length with the NULs. */
static bool one_buffer(const struct hc_event *ev, size_t *bytes)
{
	/* addresses as integers: apart values would take `at` past their
	 * object */
	uintptr_t first = (uintptr_t)ev->fields[0].value, at = first;
	bool ok = true;

	for (size_t i = 0; i < ev->nfields; i++) {
		ok &= ((uintptr_t)ev->fields[i].value == at) & (ev->codes[i] < HC_EVENT_NAME_CODES);
		at += ev->vlen[i] + 1;
	}
	*bytes = at - first;
	return ok;
}

int hc_pk_part_add(struct hc_pk_part *pt, const struct hc_event *ev)
{
	const char *sys[3] = {ev->computer ? ev->computer : "", ev->channel ? ev->channel : "",
	                      ev->provider ? ev->provider : ""};
	size_t nf = ev->nfields, syslen[3] = {0}, text = 0, size;
	size_t vlen[HC_MAX_FIELDS], nlen[HC_MAX_FIELDS];
	int code[HC_MAX_FIELDS];
	bool fresh[3];
	struct hc_pk_rec *r;
	char *t;

	if (nf > HC_MAX_FIELDS || nf > UINT16_MAX)
		return HC_ERR_LIMIT; /* every reader caps its fields below */
	if (HC_GROW(pt->recs, pt->n, pt->cap) < 0)
		return HC_ERR_NOMEM;
	for (int k = 0; k < 3; k++) {
		fresh[k] = !pt->last[k] || strcmp(pt->last[k], sys[k]) != 0;
		if (fresh[k])
			text += (syslen[k] = strlen(sys[k])) + 1;
	}
	size_t fields_off = text, one = 0;
	/* values one after another in one buffer (struct hc_event.vlen), each
	 * after the NUL of the one before, no inline name (the native reader's,
	 * mostly): copied in one go, their lengths and codes as they are */
	bool one_copy = nf > 0 && ev->vlen && ev->codes && one_buffer(ev, &one);
	if (one_copy)
		text += one;
	for (size_t i = 0; !one_copy && i < nf; i++) {
		code[i] = !ev->codes                           ? name_code(ev->fields[i].name)
		          : ev->codes[i] < HC_EVENT_NAME_CODES ? ev->codes[i]
		                                               : -1;
		nlen[i] = code[i] < 0 ? strlen(ev->fields[i].name) : 0;
		vlen[i] = ev->vlen ? ev->vlen[i] : strlen(ev->fields[i].value);
		text += (code[i] < 0 ? nlen[i] + 1 : 0) + vlen[i] + 1;
	}
	if (text > UINT32_MAX)
		return HC_ERR_LIMIT;
	size = (sizeof(*r) + 3 * nf + text + 7) & ~(size_t)7;
	if (!(r = pk_alloc(pt, size)))
		return HC_ERR_NOMEM;
	r->time = ev->time;
	r->record_id = ev->record_id;
	r->file = ev->file;
	r->event_id = ev->event_id;
	r->version = ev->version;
	r->text_len = (uint32_t)text;
	r->fields_off = (uint32_t)fields_off;
	r->nfields = (uint16_t)nf;
	r->flags =
	    (uint8_t)((ev->recovered ? PK_RECOVERED : 0) | (ev->truncated ? PK_TRUNCATED : 0));
	uint16_t *len = (uint16_t *)(void *)(r + 1);
	uint8_t *c = (uint8_t *)(len + nf);
	t = (char *)(c + nf);
	const char **dst[3] = {&r->computer, &r->channel, &r->provider};
	for (int k = 0; k < 3; k++) {
		if (fresh[k]) {
			memcpy(t, sys[k], syslen[k] + 1);
			pt->last[k] = t;
			t += syslen[k] + 1;
		}
		*dst[k] = pt->last[k];
	}
	if (one_copy) {
		for (size_t i = 0; i < nf; i++)
			len[i] = (uint16_t)(ev->vlen[i] < LEN_LONG ? ev->vlen[i] : LEN_LONG);
		memcpy(c, ev->codes, nf);
		memcpy(t, ev->fields[0].value, one);
	} else {
		for (size_t i = 0; i < nf; i++) {
			len[i] = (uint16_t)(vlen[i] < LEN_LONG ? vlen[i] : LEN_LONG);
			c[i] = code[i] < 0 ? NAME_INLINE : (uint8_t)code[i];
		}
		for (size_t i = 0; i < nf; i++) {
			if (code[i] < 0) {
				memcpy(t, ev->fields[i].name, nlen[i] + 1);
				t += nlen[i] + 1;
			}
			memcpy(t, ev->fields[i].value, vlen[i] + 1);
			t += vlen[i] + 1;
		}
	}
	pt->recs[pt->n++] = r;
	pt->file = ev->file;
	return HC_OK;
}

int hc_pk_part_sort(struct hc_pk_part *pt)
{
	size_t n = pt->n;
	bool sorted = true;
	struct hc_pk_key *k = malloc((n ? n : 1) * sizeof(*k));

	if (!k)
		return HC_ERR_NOMEM;
	free(pt->keys);
	pt->keys = k;
	for (size_t i = 0; i < n; i++)
		k[i] = (struct hc_pk_key){pt->recs[i]->time, pt->recs[i]->record_id};
	for (size_t i = 1; i < n && sorted; i++)
		sorted = k[i - 1].time < k[i].time ||
		         (k[i - 1].time == k[i].time && k[i - 1].record_id <= k[i].record_id);
	if (sorted)
		return HC_OK;
	struct hc_sort_key *keys = malloc(n * sizeof(*keys)),
	                   *tmp = malloc((n / 2 + 1) * sizeof(*tmp));
	const struct hc_pk_rec **recs = malloc(n * sizeof(*recs));
	if (!keys || !tmp || !recs) {
		free(keys);
		free(tmp);
		free(recs);
		return HC_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		keys[i] = (struct hc_sort_key){k[i].time, pt->file, k[i].record_id, i};
	hc_sort_keys(keys, tmp, n);
	for (size_t i = 0; i < n; i++) {
		recs[i] = pt->recs[keys[i].index];
		k[i] = (struct hc_pk_key){keys[i].time, keys[i].record_id};
	}
	free(pt->recs);
	pt->recs = recs;
	pt->cap = n;
	free(keys);
	free(tmp);
	return HC_OK;
}

void hc_pk_part_free(struct hc_pk_part *pt)
{
	if (!pt)
		return;
	for (struct hc_pk_block *b = pt->blocks, *nx; b; b = nx) {
		nx = b->next;
		free(b);
	}
	free(pt->recs);
	free(pt->keys);
	memset(pt, 0, sizeof(*pt));
}

/* --- the set ------------------------------------------------------------ */

struct hc_packset *hc_packset_new(void)
{
	return calloc(1, sizeof(struct hc_packset));
}

int hc_packset_take(struct hc_packset *ps, struct hc_pk_part *pt)
{
	if (HC_GROW(ps->parts, ps->nparts, ps->capparts) < 0)
		return HC_ERR_NOMEM;
	/* the blocks go to the set at once: the part keeps its order only */
	struct hc_pk_block *last = pt->blocks;
	if (last) {
		while (last->next)
			last = last->next;
		last->next = ps->blocks;
		ps->blocks = pt->blocks;
	}
	pt->blocks = NULL;
	ps->parts[ps->nparts++] = *pt;
	memset(pt, 0, sizeof(*pt));
	return HC_OK;
}

/* Orders the heads of parts pa and pb as hc_events_sort orders their
 * events: time, file path, record id, then the earlier part (load order).
 * From the parts' keys: the merge reads two arrays in order, not the
 * events scattered over the blocks. */
static bool before(const struct hc_pk_part *pt, const size_t *pos, size_t pa, size_t pb)
{
	const struct hc_pk_key *a = &pt[pa].keys[pos[pa]], *b = &pt[pb].keys[pos[pb]];

	if (a->time != b->time)
		return a->time < b->time;
	if (pt[pa].file != pt[pb].file) {
		int c = strcmp(pt[pa].file, pt[pb].file);
		if (c)
			return c < 0;
	}
	if (a->record_id != b->record_id)
		return a->record_id < b->record_id;
	return pa < pb;
}

int hc_packset_finish(struct hc_packset *ps)
{
	size_t n = 0, nh = 0, *heap, *pos;
	struct hc_pk_part *pt = ps->parts;

	for (size_t k = 0; k < ps->nparts; k++)
		n += pt[k].n;
	if (ps->nparts == 1) {
		/* one part is its own order */
		ps->order = pt[0].recs;
		ps->n = n;
		pt[0].recs = NULL;
		goto out;
	}
	ps->order = malloc((n ? n : 1) * sizeof(*ps->order));
	heap = malloc((ps->nparts + 1) * sizeof(*heap));
	pos = calloc(ps->nparts + 1, sizeof(*pos));
	if (!ps->order || !heap || !pos) {
		free(heap);
		free(pos);
		free(ps->order);
		ps->order = NULL;
		return HC_ERR_NOMEM;
	}
	/* a k-way merge over a binary heap of part indexes by their next event */
#define HEAD(k) (pt[k].recs[pos[k]])
#define LESS(x, y) before(pt, pos, (x), (y))
	for (size_t k = 0; k < ps->nparts; k++) {
		if (!pt[k].n)
			continue;
		if (!pt[k].keys) {
			/* a part taken unsorted: its keys now */
			int rc = hc_pk_part_sort(&pt[k]);
			if (rc < 0) {
				free(heap);
				free(pos);
				free(ps->order);
				ps->order = NULL;
				return rc;
			}
		}
		size_t i = nh++;
		while (i && LESS(k, heap[(i - 1) / 2])) {
			heap[i] = heap[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		heap[i] = k;
	}
	for (size_t o = 0; nh; o++) {
		size_t k = heap[0];
		ps->order[o] = HEAD(k);
		if (++pos[k] == pt[k].n)
			k = heap[--nh];
		/* sift k down from the root */
		size_t i = 0;
		for (;;) {
			size_t c = 2 * i + 1;
			if (c >= nh)
				break;
			if (c + 1 < nh && LESS(heap[c + 1], heap[c]))
				c++;
			if (!LESS(heap[c], k))
				break;
			heap[i] = heap[c];
			i = c;
		}
		if (nh)
			heap[i] = k;
	}
#undef HEAD
#undef LESS
	ps->n = n;
	free(heap);
	free(pos);
out:
	for (size_t k = 0; k < ps->nparts; k++)
		hc_pk_part_free(&pt[k]);
	free(ps->parts);
	ps->parts = NULL;
	ps->nparts = ps->capparts = 0;
	return HC_OK;
}

size_t hc_packset_count(const struct hc_packset *ps)
{
	return ps ? ps->n : 0;
}

int hc_packset_event(const struct hc_packset *ps, size_t i, struct hc_event *ev,
                     struct hc_unpack *u)
{
	const struct hc_pk_rec *r = ps->order[i];
	const uint16_t *len = (const uint16_t *)(const void *)(r + 1);
	const uint8_t *code = (const uint8_t *)(len + r->nfields);
	const char *t = (const char *)(code + r->nfields) + r->fields_off;
	/* what normalisation may write: hc_event_normalise's contract */
	size_t need = (size_t)r->text_len + 48 * (size_t)r->nfields + 64;

	if (u->capfields < r->nfields) {
		struct hc_field *f = realloc(u->fields, r->nfields * sizeof(*f));
		if (!f)
			return HC_ERR_NOMEM;
		u->fields = f;
		uint32_t *l = realloc(u->vlen, r->nfields * sizeof(*l));
		if (!l)
			return HC_ERR_NOMEM;
		u->vlen = l;
		u->capfields = r->nfields;
	}
	if (u->capscratch < need) {
		size_t cap = need > 65536 ? need : 65536;
		char *s = malloc(cap);
		if (!s)
			return HC_ERR_NOMEM;
		free(u->scratch);
		u->scratch = s;
		u->capscratch = cap;
	}
	for (size_t k = 0; k < r->nfields; k++) {
		if (code[k] == NAME_INLINE) {
			u->fields[k].name = t;
			t += strlen(t) + 1;
		} else {
			u->fields[k].name = hc_event_name_of(code[k]);
		}
		u->fields[k].value = t;
		size_t vl = len[k] < LEN_LONG ? len[k] : strlen(t);
		u->vlen[k] = (uint32_t)vl; /* text_len < 2^32 */
		t += vl + 1;
	}
	ev->file = r->file;
	ev->record_id = r->record_id;
	ev->time = r->time;
	ev->computer = r->computer;
	ev->channel = r->channel;
	ev->provider = r->provider;
	ev->event_id = r->event_id;
	ev->version = r->version;
	ev->recovered = r->flags & PK_RECOVERED;
	ev->truncated = r->flags & PK_TRUNCATED;
	ev->compact = false;
	ev->borrowed = true;
	ev->store_id = 0;
	ev->nfields = r->nfields;
	ev->fields = u->fields;
	ev->vlen = u->vlen;
	ev->codes = code; /* NAME_INLINE: another name */
	ev->arena = NULL;
	hc_event_normalise(ev, u->scratch);
	return HC_OK;
}

void hc_unpack_free(struct hc_unpack *u)
{
	if (!u)
		return;
	free(u->fields);
	free(u->vlen);
	free(u->scratch);
	memset(u, 0, sizeof(*u));
}

void hc_packset_adopt_paths(struct hc_packset *ps, char **paths, size_t npaths)
{
	ps->paths = paths;
	ps->npaths = npaths;
}

void hc_packset_free(struct hc_packset *ps)
{
	if (!ps)
		return;
	for (struct hc_pk_block *b = ps->blocks, *nx; b; b = nx) {
		nx = b->next;
		free(b);
	}
	for (size_t k = 0; k < ps->nparts; k++)
		hc_pk_part_free(&ps->parts[k]);
	free(ps->parts);
	free(ps->order);
	hc_paths_free(ps->paths, ps->npaths);
	free(ps);
}

/* --- rendering in parallel, output in order ------------------------------ */

struct each {
	const struct hc_packset *ps;
	size_t batch, nb;
	unsigned nslots;
	int (*work)(void *ctx, unsigned slot, size_t from, size_t to);
	void *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next;    /* next batch to hand out */
	size_t taken;   /* batches the calling thread has taken */
	size_t *worked; /* per slot: 1 + the batch whose work is over, else 0 */
	int rc;
};

static void batch_range(const struct each *e, size_t b, size_t *from, size_t *to)
{
	*from = b * e->batch;
	*to = *from + e->batch < e->ps->n ? *from + e->batch : e->ps->n;
}

static void *each_worker(void *arg)
{
	struct each *e = arg;

	for (;;) {
		size_t b, from, to;
		pthread_mutex_lock(&e->mu);
		while (e->rc == 0 && e->next < e->nb && e->next >= e->taken + e->nslots)
			pthread_cond_wait(&e->cv, &e->mu);
		if (e->rc < 0 || e->next >= e->nb) {
			pthread_mutex_unlock(&e->mu);
			return NULL;
		}
		b = e->next++;
		pthread_mutex_unlock(&e->mu);
		batch_range(e, b, &from, &to);
		int rc = e->work(e->ctx, (unsigned)(b % e->nslots), from, to);
		pthread_mutex_lock(&e->mu);
		if (rc < 0 && e->rc == 0)
			e->rc = rc;
		e->worked[b % e->nslots] = b + 1;
		pthread_cond_broadcast(&e->cv);
		pthread_mutex_unlock(&e->mu);
	}
}

int hc_packset_each(const struct hc_packset *ps, size_t batch, unsigned threads, unsigned nslots,
                    int (*work)(void *ctx, unsigned slot, size_t from, size_t to),
                    int (*done)(void *ctx, unsigned slot, size_t from, size_t to), void *ctx)
{
	struct each e = {.ps = ps,
	                 .batch = batch ? batch : 1,
	                 .nslots = nslots ? nslots : 1,
	                 .work = work,
	                 .ctx = ctx};
	pthread_t tid[64];
	unsigned nt = 0;
	int rc = 0;

	e.nb = (ps->n + e.batch - 1) / e.batch;
	if (threads > 64)
		threads = 64;
	if (threads > e.nslots)
		threads = e.nslots;
	if (threads > e.nb)
		threads = (unsigned)e.nb;
	if (threads > 1 && (e.worked = calloc(e.nslots, sizeof(*e.worked)))) {
		pthread_mutex_init(&e.mu, NULL);
		pthread_cond_init(&e.cv, NULL);
		for (unsigned t = 0; t < threads; t++) {
			if (pthread_create(&tid[nt], NULL, each_worker, &e) != 0)
				break;
			nt++;
		}
	}
	for (size_t b = 0; b < e.nb; b++) {
		size_t from, to;
		unsigned slot = (unsigned)(b % e.nslots);
		batch_range(&e, b, &from, &to);
		if (nt == 0) {
			/* no threads: work and output in turn */
			if ((rc = work(ctx, slot, from, to)) < 0 ||
			    (rc = done(ctx, slot, from, to)) < 0)
				break;
			continue;
		}
		pthread_mutex_lock(&e.mu);
		while (e.rc == 0 && e.worked[slot] != b + 1)
			pthread_cond_wait(&e.cv, &e.mu);
		rc = e.rc;
		pthread_mutex_unlock(&e.mu);
		if (rc < 0)
			break;
		rc = done(ctx, slot, from, to);
		pthread_mutex_lock(&e.mu);
		if (rc < 0)
			e.rc = rc;
		e.taken = b + 1;
		pthread_cond_broadcast(&e.cv);
		pthread_mutex_unlock(&e.mu);
		if (rc < 0)
			break;
	}
	if (nt) {
		pthread_mutex_lock(&e.mu);
		if (rc < 0 && e.rc == 0)
			e.rc = rc; /* the workers stop at their next batch */
		pthread_cond_broadcast(&e.cv);
		pthread_mutex_unlock(&e.mu);
		for (unsigned t = 0; t < nt; t++)
			pthread_join(tid[t], NULL);
	}
	if (e.worked) {
		pthread_mutex_destroy(&e.mu);
		pthread_cond_destroy(&e.cv);
		free(e.worked);
	}
	return rc;
}

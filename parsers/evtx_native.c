/* The native EVTX reader (the default backend): file header, 64 KiB chunks
 * read in large blocks, records, and the accounting of every record id a
 * chunk header claims (read, or reported as lost with the reason). The
 * BinXML of each record is decoded by binxml.c. Damage costs at most what it
 * touches: a bad chunk is named and the others are read; a bad record is
 * named and the chunk is searched for the next good one. */
#include "evtx_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HC_NX_BLOCK (1u << 20)         /* bytes read at once: 16 chunks */
#define HC_MAX_NX_PENDING 64           /* diagnostics of one chunk before they are summed up */
#define HC_MAX_NX_RECOVERED (1u << 22) /* record ids remembered for --recover */

struct pend {
	uint64_t offset, record;
	enum hc_pos pos; /* of `record` */
	bool has_offset;
	char msg[240];
};

struct nx_state {
	int fd;
	const char *path;
	const struct hc_read_opts *opts;
	uint64_t size;
	uint64_t nslots, slot_begin, slot_end, slot;
	bool part0;
	/* block buffer */
	uint8_t *buf;
	uint64_t boff;
	size_t blen;
	/* the chunk being read */
	bool in_chunk;
	const uint8_t *ch;
	uint32_t chsize, pos, limit;
	uint64_t choff, chindex;
	bool have_range;
	uint64_t first_id, last_id, last_read;
	uint8_t seen[HC_MAX_CHUNK_RECORDS / 8];
	char lost_why[160]; /* why records of this chunk were not read */
	/* diagnostics waiting to be returned, one per call */
	struct pend pend[HC_MAX_NX_PENDING + 1];
	size_t npend, ipend;
	uint64_t pend_more;
	bool pending_cut;
	uint64_t cut_record;
	/* --recover: ids of normal records, and where each chunk's records end */
	bool recovering;
	uint64_t *ids;
	size_t nids, capids;
	bool ids_sorted;
	uint32_t *walk_end; /* per slot: chunk offset where the record walk ended */
	struct hc_bx bx;
	struct hc_bx_record rec;
	struct hc_field fields[HC_MAX_FIELDS]; /* of a borrowed event */
	uint64_t records, failed;
};

static void pend_add(struct nx_state *s, uint64_t offset, enum hc_pos pos, uint64_t record,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void pend_add(struct nx_state *s, uint64_t offset, enum hc_pos pos, uint64_t record,
                     const char *fmt, ...)
{
	struct pend *p;
	va_list ap;

	if (s->npend >= HC_MAX_NX_PENDING) {
		s->pend_more++;
		return;
	}
	p = &s->pend[s->npend++];
	p->offset = offset;
	p->has_offset = true;
	p->record = record;
	p->pos = pos;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}

static int nx_probe(const unsigned char *magic, size_t n)
{
	return n >= 8 && memcmp(magic, "ElfFile", 8) == 0;
}

static void nx_close(void *p)
{
	struct nx_state *s = p;

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s->ids);
	free(s->walk_end);
	hc_bx_free(&s->bx);
	hc_bx_record_free(&s->rec);
	free(s);
}

static int nx_open(const char *path, const struct hc_read_opts *o, void **ret, struct hc_diag *d)
{
	struct nx_state *s = calloc(1, sizeof(*s));
	uint8_t hdr[128];
	struct stat st;
	int rc = HC_ERR_IO;

	if (!s)
		return HC_ERR_NOMEM;
	s->fd = -1;
	s->path = path;
	s->opts = o;
	if (hc_bx_init(&s->bx, o) < 0 || !(s->buf = malloc(HC_NX_BLOCK))) {
		rc = HC_ERR_NOMEM;
		goto out;
	}
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0 || fstat(s->fd, &st) != 0) {
		hc_diag_set(d, "cannot open: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		hc_diag_set(d, "not a regular file");
		goto out;
	}
	s->size = (uint64_t)st.st_size;
	if (pread(s->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr, "ElfFile", 8) != 0) {
		hc_diag_set(d, "not an EVTX file (no \"ElfFile\" header)");
		rc = HC_ERR_FORMAT;
		goto out;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	s->nslots =
	    s->size > HC_EVTX_HEADER_SIZE
	        ? (s->size - HC_EVTX_HEADER_SIZE + HC_EVTX_CHUNK_SIZE - 1) / HC_EVTX_CHUNK_SIZE
	        : 0;
	s->slot_end = s->nslots;
	s->part0 = true;
	if (o && o->nparts > 1) {
		s->slot_begin = s->nslots * o->part / o->nparts;
		s->slot_end = s->nslots * (o->part + 1) / o->nparts;
		s->part0 = o->part == 0;
	}
	s->slot = s->slot_begin;
	if (s->part0) {
		/* the header: its checksum; nothing else of it is needed to read
		 * the chunks (a dirty file has more chunks than it says) */
		if (hc_crc32(0, hdr, 120) != hc_le32(hdr + 124))
			pend_add(s, 0, HC_POS_NONE, 0,
			         "file header checksum mismatch; chunks read as "
			         "they are");
		if (s->size < HC_EVTX_HEADER_SIZE)
			pend_add(s, s->size, HC_POS_NONE, 0,
			         "file ends inside the 4096-byte header block (%llu bytes)",
			         (unsigned long long)s->size);
		if (o && o->recover &&
		    !(s->walk_end = calloc(s->nslots ? s->nslots : 1, sizeof(*s->walk_end)))) {
			rc = HC_ERR_NOMEM;
			goto out;
		}
	}
	*ret = s;
	return HC_OK;
out:
	nx_close(s);
	return rc;
}

/* Makes the bytes of chunk slot `slot` available at s->ch; returns how many
 * there are (short at the end of a truncated file). */
static uint32_t fetch(struct nx_state *s, uint64_t slot, int *err)
{
	uint64_t off = HC_EVTX_HEADER_SIZE + slot * HC_EVTX_CHUNK_SIZE;
	uint64_t want = s->size - off < HC_EVTX_CHUNK_SIZE ? s->size - off : HC_EVTX_CHUNK_SIZE;

	*err = 0;
	if (off < s->boff || off + want > s->boff + s->blen) {
		uint64_t len = s->size - off < HC_NX_BLOCK ? s->size - off : HC_NX_BLOCK;
		ssize_t n;
		do
			n = pread(s->fd, s->buf, (size_t)len, (off_t)off);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			*err = errno;
			s->blen = 0;
			return 0;
		}
		s->boff = off;
		s->blen = (size_t)n;
		if ((uint64_t)n < want) /* the file shrank under us */
			want = (uint64_t)n;
	}
	s->ch = s->buf + (off - s->boff);
	return (uint32_t)want;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A record header at chunk offset `pos` that can be trusted: signature,
 * size within [pos, lim) and the size copy at its end. Returns its size or 0. */
static uint32_t record_at(const uint8_t *ch, uint32_t pos, uint32_t lim)
{
	uint32_t size;

	if (pos + 24 > lim || hc_le32(ch + pos) != 0x00002a2a)
		return 0;
	size = hc_le32(ch + pos + 4);
	if (size < HC_EVTX_RECORD_MIN || size > lim - pos)
		return 0;
	if (hc_le32(ch + pos + size - 4) != size)
		return 0;
	return size;
}

/* Starts chunk slot s->slot; queues what is wrong with its header. */
static void chunk_begin(struct nx_state *s)
{
	uint64_t slot = s->slot++;
	uint64_t off = HC_EVTX_HEADER_SIZE + slot * HC_EVTX_CHUNK_SIZE;
	uint32_t n, free_off;
	int e;

	s->in_chunk = false;
	n = fetch(s, slot, &e);
	if (e) {
		pend_add(s, off, HC_POS_NONE, 0, "chunk %llu: read error: %s",
		         (unsigned long long)slot, strerror(e));
		return;
	}
	if (n == 0)
		return;
	if (n < 512 || memcmp(s->ch, "ElfChnk", 8) != 0) {
		/* unused, zero-filled slots are normal in a live log */
		if (!all_zero(s->ch, n < 512 ? n : 512))
			pend_add(s, off, HC_POS_NONE, 0,
			         n < 512 ? "chunk %llu: file truncated inside the chunk header; "
			                   "its records are lost"
			                 : "chunk %llu: bad signature; its records are lost",
			         (unsigned long long)slot);
		return;
	}
	const uint8_t *ch = s->ch;
	bool header_ok = hc_crc32(hc_crc32(0, ch, 120), ch + 128, 384) == hc_le32(ch + 124);
	s->chindex = slot;
	s->choff = off;
	s->chsize = n;
	s->first_id = hc_le64(ch + 24);
	s->last_id = hc_le64(ch + 32);
	s->have_range =
	    s->last_id >= s->first_id && s->last_id - s->first_id < HC_MAX_CHUNK_RECORDS;
	s->last_read = 0;
	s->lost_why[0] = '\0';
	memset(s->seen, 0, sizeof(s->seen));
	free_off = hc_le32(ch + 48);
	if (!header_ok)
		pend_add(s, off, HC_POS_NONE, 0,
		         "chunk %llu: header checksum mismatch; its records are read one by one "
		         "and checked",
		         (unsigned long long)slot);
	if (!s->have_range)
		pend_add(s, off, HC_POS_NONE, 0,
		         "chunk %llu: its header names no sane record range (%llu-%llu); records "
		         "of this chunk cannot be accounted for",
		         (unsigned long long)slot, (unsigned long long)s->first_id,
		         (unsigned long long)s->last_id);
	if (n < HC_EVTX_CHUNK_SIZE) {
		pend_add(s, off, HC_POS_NONE, 0,
		         "chunk %llu: file truncated: only %u of 65536 bytes; read to its last "
		         "whole record",
		         (unsigned long long)slot, n);
		snprintf(s->lost_why, sizeof(s->lost_why), "the file ends inside chunk %llu",
		         (unsigned long long)slot);
	}
	if (free_off < 512 || free_off > HC_EVTX_CHUNK_SIZE) {
		if (header_ok)
			pend_add(s, off, HC_POS_NONE, 0,
			         "chunk %llu: free-space offset %u out of range",
			         (unsigned long long)slot, free_off);
		s->limit = n;
	} else {
		if (free_off <= n && hc_crc32(0, ch + 512, free_off - 512) != hc_le32(ch + 52))
			pend_add(s, off, HC_POS_NONE, 0,
			         "chunk %llu: record data checksum mismatch; records read as they "
			         "are",
			         (unsigned long long)slot);
		s->limit = free_off < n ? free_off : n;
	}
	s->pos = 512;
	s->in_chunk = true;
	hc_bx_chunk(&s->bx, ch, n);
}

static void mark_seen(struct nx_state *s, uint64_t id)
{
	if (s->have_range && id >= s->first_id && id <= s->last_id) {
		uint64_t k = id - s->first_id;
		if ((s->seen[k >> 3] >> (k & 7)) & 1)
			return;
		s->seen[k >> 3] |= (uint8_t)(1u << (k & 7));
		if (s->opts && s->opts->account)
			s->opts->account(s->opts->account_ctx, s->chindex, id);
	}
}

static bool was_seen(const struct nx_state *s, uint64_t id)
{
	uint64_t k = id - s->first_id;

	return (s->seen[k >> 3] >> (k & 7)) & 1;
}

/* 1 when every record id the chunk header claims has been read. */
static bool all_claimed(const struct nx_state *s)
{
	if (!s->have_range)
		return false;
	/* counted from 0: the range may end at UINT64_MAX */
	for (uint64_t k = 0; k <= s->last_id - s->first_id; k++)
		if (!was_seen(s, s->first_id + k))
			return false;
	return true;
}

/* The end of a chunk: every record id of its header's range that was
 * neither read nor reported is reported, in ranges. */
static void chunk_end(struct nx_state *s)
{
	s->in_chunk = false;
	if (s->walk_end)
		s->walk_end[s->chindex] = s->pos;
	if (!s->have_range)
		return;
	/* ids counted from 0 within the range: it may end at UINT64_MAX */
	uint64_t span = s->last_id - s->first_id;
	for (uint64_t k = 0; k <= span;) {
		if (was_seen(s, s->first_id + k)) {
			k++;
			continue;
		}
		uint64_t ka = k;
		while (k <= span && !was_seen(s, s->first_id + k))
			k++;
		uint64_t a = s->first_id + ka, b = s->first_id + k - 1, n = k - ka;
		s->failed += n;
		for (uint64_t q = 0; s->opts && s->opts->account && q < n; q++)
			s->opts->account(s->opts->account_ctx, s->chindex, a + q);
		if (n == 1)
			pend_add(s, s->choff, HC_POS_RECORD_ID, a,
			         "chunk %llu: record %llu not read: %s",
			         (unsigned long long)s->chindex, (unsigned long long)a,
			         s->lost_why[0] ? s->lost_why : "not found in the chunk");
		else
			pend_add(s, s->choff, HC_POS_RECORD_ID, a,
			         "chunk %llu: records %llu-%llu (%llu) not read: %s",
			         (unsigned long long)s->chindex, (unsigned long long)a,
			         (unsigned long long)b, (unsigned long long)n,
			         s->lost_why[0] ? s->lost_why : "not found in the chunk");
	}
}

/* After a record that cannot be trusted at s->pos: the next good record of
 * the chunk (8-byte steps, as Windows aligns them; its id within the
 * chunk's range and after the last one read), or the end of the chunk. */
static void resync(struct nx_state *s)
{
	for (uint32_t p = (s->pos + 8) & ~7u; p + 24 <= s->chsize; p += 8) {
		uint32_t size = record_at(s->ch, p, s->chsize);
		if (!size)
			continue;
		uint64_t id = hc_le64(s->ch + p + 8);
		if (s->have_range && (id < s->first_id || id > s->last_id || id <= s->last_read))
			continue;
		s->pos = p;
		return;
	}
	s->pos = s->chsize;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int remember(struct nx_state *s, uint64_t id)
{
	if (s->nids >= HC_MAX_NX_RECOVERED)
		return HC_OK;
	if (HC_GROW(s->ids, s->nids, s->capids) < 0)
		return HC_ERR_NOMEM;
	s->ids[s->nids++] = id;
	s->ids_sorted = false;
	return HC_OK;
}

static bool known(struct nx_state *s, uint64_t id)
{
	if (!s->ids_sorted) {
		if (s->nids)
			qsort(s->ids, s->nids, sizeof(*s->ids), cmp_u64);
		s->ids_sorted = true;
	}
	return s->nids && bsearch(&id, s->ids, s->nids, sizeof(id), cmp_u64);
}

/* Turns the decoded record into *ev. */
static int build(struct nx_state *s, uint64_t rid, uint64_t written, bool recovered,
                 struct hc_event *ev)
{
	struct hc_bx_record *r = &s->rec;
	const char *t = r->text.p;
	int rc;

	memset(ev, 0, sizeof(*ev));
	ev->event_id = r->event_id;
	ev->version = r->version;
	ev->record_id = r->record_id ? r->record_id : rid;
	ev->time = r->has_time ? r->time : 0;
	if (!ev->time && written <= INT64_MAX)
		ev->time = (int64_t)written; /* no TimeCreated: the record's written time */
	ev->truncated = r->truncated;
	if (s->opts && s->opts->borrow) {
		/* the record's own text, until the next call: no copy, no
		 * normalised view (hc_read_opts.borrow) */
		for (size_t i = 0; i < r->nfields; i++) {
			s->fields[i].name = r->kname[i] ? r->kname[i] : t + r->name[i];
			s->fields[i].value = t + r->value[i];
		}
		ev->computer = r->computer != SIZE_MAX ? t + r->computer : "";
		ev->channel = r->channel != SIZE_MAX ? t + r->channel : "";
		ev->provider = r->provider != SIZE_MAX ? t + r->provider : "";
		ev->fields = s->fields;
		ev->nfields = r->nfields;
		ev->vlen = r->has_vlen ? r->vlen : NULL;
		ev->codes = r->has_vlen ? r->kcode : NULL;
		ev->borrowed = true;
	} else {
		const char *names[HC_MAX_FIELDS], *values[HC_MAX_FIELDS];
		for (size_t i = 0; i < r->nfields; i++) {
			names[i] = r->kname[i] ? r->kname[i] : t + r->name[i];
			values[i] = t + r->value[i];
		}
		rc = hc_event_build(ev, r->computer != SIZE_MAX ? t + r->computer : "",
		                    r->channel != SIZE_MAX ? t + r->channel : "",
		                    r->provider != SIZE_MAX ? t + r->provider : "", r->nfields,
		                    names, values);
		if (rc < 0)
			return rc;
	}
	ev->file = s->path;
	ev->recovered = recovered;
	if (ev->truncated) {
		s->pending_cut = true;
		s->cut_record = ev->record_id;
	}
	return 1;
}

/* One record of the chunk being read: 1 = *ev filled, 0 = none (go on),
 * HC_ERR_RECORD = d filled, < 0 = fatal. */
static int record_step(struct nx_state *s, struct hc_event *ev, struct hc_diag *d)
{
	uint32_t pos = s->pos, size;
	int rc;

	if (pos + 24 > s->limit) {
		chunk_end(s);
		return 0;
	}
	/* a record may run past a wrong free-space offset, never past the chunk */
	size = record_at(s->ch, pos, s->chsize);
	if (!size) {
		uint32_t claimed = hc_le32(s->ch + pos + 4);
		if (hc_le32(s->ch + pos) != 0x00002a2a &&
		    (all_zero(s->ch + pos, s->limit - pos) || all_claimed(s))) {
			/* zeros up to the free space, or slack after every record
			 * the header claims (its free-space offset was wrong) */
			chunk_end(s);
			return 0;
		}
		if (hc_le32(s->ch + pos) == 0x00002a2a && s->chsize < HC_EVTX_CHUNK_SIZE &&
		    claimed > s->chsize - pos && claimed <= HC_EVTX_CHUNK_SIZE - pos) {
			snprintf(s->lost_why, sizeof(s->lost_why),
			         "the file ends inside the record at offset %llu",
			         (unsigned long long)(s->choff + pos));
			chunk_end(s);
			return 0;
		}
		snprintf(s->lost_why, sizeof(s->lost_why),
		         "the record at offset %llu is damaged (%s %u)",
		         (unsigned long long)(s->choff + pos),
		         hc_le32(s->ch + pos) != 0x00002a2a ? "no record signature; size" : "size",
		         claimed);
		pend_add(s, s->choff + pos, HC_POS_NONE, 0,
		         "chunk %llu: damaged record header (size %u); searching the chunk for "
		         "the next record",
		         (unsigned long long)s->chindex, claimed);
		resync(s);
		return 0;
	}
	uint64_t rid = hc_le64(s->ch + pos + 8), written = hc_le64(s->ch + pos + 16);
	s->pos = pos + size;
	s->records++;
	mark_seen(s, rid);
	if (rid > s->last_read)
		s->last_read = rid;
	if (s->walk_end && (rc = remember(s, rid)) < 0)
		return rc;
	rc = hc_bx_record(&s->bx, pos + 24, pos + size - 4, &s->rec, d);
	if (rc == 0)
		return 0;
	if (rc == HC_ERR_RECORD) {
		s->failed++;
		d->offset = s->choff + pos;
		d->has_offset = true;
		hc_diag_at(d, HC_POS_RECORD_ID, rid);
		hc_diag_prefix(d, "chunk %llu: record %llu: ", (unsigned long long)s->chindex,
		               (unsigned long long)rid);
		return rc;
	}
	if (rc < 0)
		return rc;
	return build(s, rid, written, false, ev);
}

/* --recover: the slack of each chunk after its records, scanned for
 * records whose id was not read. Errors there are stale garbage: counted
 * in nothing, not reported. */
static int recover_step(struct nx_state *s, struct hc_event *ev, struct hc_diag *d)
{
	for (;;) {
		if (!s->in_chunk) {
			int e;
			uint32_t n;
			if (s->slot >= s->slot_end)
				return 0;
			uint64_t slot = s->slot++;
			n = fetch(s, slot, &e);
			if (e || n < 512 || memcmp(s->ch, "ElfChnk", 8) != 0)
				continue;
			s->chindex = slot;
			s->choff = HC_EVTX_HEADER_SIZE + slot * HC_EVTX_CHUNK_SIZE;
			s->chsize = n;
			s->pos = s->walk_end[slot] > 512 ? (s->walk_end[slot] + 7) & ~7u : 512;
			s->in_chunk = true;
			hc_bx_chunk(&s->bx, s->ch, n);
		}
		while (s->pos + 24 <= s->chsize) {
			uint32_t pos = s->pos, size = record_at(s->ch, pos, s->chsize);
			if (!size) {
				s->pos += 8;
				continue;
			}
			s->pos = pos + size;
			uint64_t rid = hc_le64(s->ch + pos + 8),
			         written = hc_le64(s->ch + pos + 16);
			if (known(s, rid))
				continue;
			int rc = remember(s, rid);
			if (rc < 0)
				return rc;
			rc = hc_bx_record(&s->bx, pos + 24, pos + size - 4, &s->rec, d);
			if (rc == HC_ERR_RECORD || rc == 0)
				continue;
			if (rc < 0)
				return rc;
			hc_diag_clear(d);
			return build(s, rid, written, true, ev);
		}
		s->in_chunk = false;
	}
}

static int nx_next(void *p, struct hc_event *ev, struct hc_diag *d)
{
	struct nx_state *s = p;
	int rc;

	for (;;) {
		if (s->pending_cut) {
			s->pending_cut = false;
			hc_diag_at(d, HC_POS_RECORD_ID, s->cut_record);
			hc_diag_set(d,
			            "record %llu: a field longer than %d bytes (or more than %d "
			            "fields) was cut; the event is kept, marked truncated",
			            (unsigned long long)s->cut_record, HC_MAX_FIELD_LEN,
			            HC_MAX_FIELDS);
			return HC_ERR_RECORD;
		}
		if (s->ipend < s->npend) {
			struct pend *q = &s->pend[s->ipend++];
			d->offset = q->offset;
			d->has_offset = q->has_offset;
			hc_diag_at(d, q->pos, q->record);
			hc_diag_set(d, "%s", q->msg);
			return HC_ERR_RECORD;
		}
		if (s->pend_more) {
			hc_diag_set(d, "chunk %llu: %llu more problems",
			            (unsigned long long)s->chindex,
			            (unsigned long long)s->pend_more);
			s->pend_more = 0;
			return HC_ERR_RECORD;
		}
		s->npend = s->ipend = 0;
		if (s->recovering)
			return recover_step(s, ev, d);
		if (!s->in_chunk) {
			if (s->slot >= s->slot_end) {
				if (!s->walk_end)
					return 0;
				s->recovering = true;
				s->slot = s->slot_begin;
				continue;
			}
			chunk_begin(s);
			continue;
		}
		rc = record_step(s, ev, d);
		if (rc != 0)
			return rc;
	}
}

static void nx_stats(void *p, uint64_t *records, uint64_t *failed)
{
	struct nx_state *s = p;

	*records = s->records;
	*failed = s->failed;
}

const struct hc_backend hc_backend_native = {
    .name = "native",
    .format = "evtx",
    .probe = nx_probe,
    .open = nx_open,
    .next = nx_next,
    .stats = nx_stats,
    .close = nx_close,
};

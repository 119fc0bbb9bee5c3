/* The libevtx backend: the only file that includes libevtx.h. Debian's
 * libevtx (20181227) exposes no EventData names, so a wanted record is
 * rendered to XML by libevtx and scanned here for System and Data Name
 * values; unwanted records cost only libevtx's own parse. */
#include "input.h"
#include "evtx_check.h"
#include "xmlscan.h"

#include <fcntl.h>
#include <libevtx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct lx_state {
	libevtx_file_t *file;
	const struct hc_read_opts *opts;
	const char *path;
	int nrecords;
	int nrecovered;
	int index;                  /* next normal record */
	int end;                    /* one past the last normal record of our part */
	int rindex;                 /* next recovered record (after the normal ones) */
	struct hc_evtx_check check; /* structural damage, reported first */
	size_t damage_reported;
	bool pending_cut; /* the last event had a field cut */
	uint64_t cut_record;
	uint64_t *seen_ids; /* record ids of normal records, for dedup of recovered */
	size_t nseen, capseen;
	bool seen_sorted;
	size_t acct_claim; /* accounting: the next chunk claim to check */
	uint64_t acct_id;  /* and the next record id in it */
	uint64_t records, failed;
	uint8_t *xml;
	size_t xmlcap;
	struct hc_buf scan;
	/* the file again, for a record's own bytes (lone_bom): its chunk
	 * slots, the chunk in `raw` (-1: none) and the record ids it claims */
	int fd;
	int64_t nchunks, raw_chunk;
	uint64_t raw_first, raw_last;
	uint8_t *raw;
};

/* Turns libevtx's error backtrace into one line in d->msg: the innermost
 * cause (first line, the most specific: "unsupported type: 0x05") after
 * `what`, and the byte offset libevtx names, if any. Frees the error. */
static void take_error(libevtx_error_t **err, struct hc_diag *d, const char *what)
{
	char buf[4096] = "";
	char *line, *first = NULL, *save = NULL;

	if (err && *err) {
		libevtx_error_backtrace_sprint(*err, buf, sizeof(buf));
		libevtx_error_free(err);
	}
	for (line = strtok_r(buf, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		const char *o = strstr(line, "offset: 0x");
		if (o && !d->has_offset) {
			d->offset = strtoull(o + 8, NULL, 16);
			d->has_offset = true;
		}
		if (*line && !first)
			first = line;
	}
	if (first) {
		/* drop libyal's "function_name: " prefix */
		char *colon = strstr(first, ": ");
		if (colon && !memchr(first, ' ', (size_t)(colon - first)))
			first = colon + 2;
		size_t n = strlen(first);
		while (n && (first[n - 1] == '.' || first[n - 1] == ' '))
			first[--n] = '\0';
	}
	hc_diag_set(d, "%s%s%s", what, first ? ": " : "", first ? first : "");
}

static int lx_probe(const unsigned char *magic, size_t n)
{
	return n >= 8 && memcmp(magic, "ElfFile", 8) == 0;
}

static void lx_close(void *p)
{
	struct lx_state *s = p;

	if (!s)
		return;
	if (s->file) {
		libevtx_file_close(s->file, NULL);
		libevtx_file_free(&s->file, NULL);
	}
	if (s->fd >= 0)
		close(s->fd);
	free(s->raw);
	free(s->seen_ids);
	hc_evtx_check_free(&s->check);
	free(s->xml);
	hc_buf_free(&s->scan);
	free(s);
}

static int lx_open(const char *path, const struct hc_read_opts *o, void **ret, struct hc_diag *d)
{
	libevtx_error_t *err = NULL;
	struct lx_state *s = calloc(1, sizeof(*s));
	int rc = HC_ERR_FORMAT;

	if (!s)
		return HC_ERR_NOMEM;
	s->fd = -1;
	s->raw_chunk = -1;
	s->opts = o;
	s->path = path;
	if (libevtx_file_initialize(&s->file, &err) != 1) {
		take_error(&err, d, "cannot initialise libevtx");
		rc = HC_ERR_NOMEM;
		goto out;
	}
	if (libevtx_file_open(s->file, path, libevtx_get_access_flags_read(), &err) != 1) {
		/* libevtx refuses a whole file for one bad chunk header; say so,
		 * and that the default reader does not (we do not switch readers
		 * behind the back of someone who asked for this one) */
		take_error(&err, d, "libevtx cannot open this file");
		libevtx_file_free(&s->file, NULL);
		size_t n = strlen(d->msg);
		snprintf(d->msg + n, sizeof(d->msg) - n,
		         "; the native reader (the default, "
		         "without --reader libevtx) reads damaged "
		         "files chunk by chunk");
		goto out;
	}
	/* damage and recovered records belong to part 0 */
	if ((!o || o->part == 0) && (rc = hc_evtx_check_file(path, &s->check, d)) < 0)
		goto out;
	if (o && o->nparts > 1)
		hc_evtx_check_free(&s->check); /* one part cannot account for the file */
	rc = HC_ERR_FORMAT;
	if (libevtx_file_get_number_of_records(s->file, &s->nrecords, &err) != 1) {
		take_error(&err, d, "cannot count records");
		goto out;
	}
	s->end = s->nrecords;
	if (o && o->nparts > 1) {
		int64_t n = s->nrecords;
		s->index = (int)(n * o->part / o->nparts);
		s->end = (int)(n * (o->part + 1) / o->nparts);
		if (o->part > 0) {
			*ret = s;
			return HC_OK;
		}
	}
	if (o && o->recover &&
	    libevtx_file_get_number_of_recovered_records(s->file, &s->nrecovered, &err) != 1) {
		take_error(&err, d, "cannot count recovered records");
		goto out;
	}
	*ret = s;
	return HC_OK;
out:
	lx_close(s);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool seen_before(struct lx_state *s, uint64_t id)
{
	if (s->nseen == 0)
		return false;
	if (!s->seen_sorted) {
		qsort(s->seen_ids, s->nseen, sizeof(*s->seen_ids), cmp_u64);
		s->seen_sorted = true;
	}
	return bsearch(&id, s->seen_ids, s->nseen, sizeof(id), cmp_u64) != NULL;
}

static int remember(struct lx_state *s, uint64_t id)
{
	if (s->nseen == s->capseen) {
		size_t cap = s->capseen ? s->capseen * 2 : 1024;
		uint64_t *n = realloc(s->seen_ids, cap * sizeof(*n));
		if (!n)
			return HC_ERR_NOMEM;
		s->seen_ids = n;
		s->capseen = cap;
	}
	s->seen_ids[s->nseen++] = id;
	return HC_OK;
}

/* Reads into s->raw the chunk whose header claims record id `rid`, from
 * the one after the chunk there on (records come in order), wrapping
 * around; false when none does. */
static bool chunk_of(struct lx_state *s, uint64_t rid)
{
	uint8_t h[40];
	struct stat st;

	if (s->raw_chunk >= 0 && rid >= s->raw_first && rid <= s->raw_last)
		return true;
	if (s->fd < 0) {
		if ((s->fd = open(s->path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(s->fd, &st) < 0)
			return false;
		s->nchunks = st.st_size > HC_EVTX_HEADER_SIZE
		                 ? (st.st_size - HC_EVTX_HEADER_SIZE) / HC_EVTX_CHUNK_SIZE
		                 : 0;
	}
	if (!s->raw && !(s->raw = malloc(HC_EVTX_CHUNK_SIZE)))
		return false;
	for (int64_t i = 1; i <= s->nchunks; i++) {
		int64_t k = (s->raw_chunk + i) % s->nchunks;
		off_t at = HC_EVTX_HEADER_SIZE + (off_t)k * HC_EVTX_CHUNK_SIZE;
		if (pread(s->fd, h, sizeof(h), at) != (ssize_t)sizeof(h) ||
		    memcmp(h, "ElfChnk", 8) != 0 || rid < hc_le64(h + 24) || rid > hc_le64(h + 32))
			continue;
		s->raw_chunk = -1;
		if (pread(s->fd, s->raw, HC_EVTX_CHUNK_SIZE, at) != HC_EVTX_CHUNK_SIZE)
			return false;
		s->raw_chunk = k;
		s->raw_first = hc_le64(h + 24);
		s->raw_last = hc_le64(h + 32);
		return true;
	}
	return false;
}

/* Whether record `rid` holds a string value libevtx 20181227 crashes on
 * (hc_evtx_lone_bom), found by its id in its chunk (libevtx 20181227 gives
 * no record offsets); false when it cannot be found. */
static bool lone_bom(struct lx_state *s, uint64_t rid)
{
	if (!chunk_of(s, rid))
		return false;
	for (uint32_t pos = 512; pos + 24 <= HC_EVTX_CHUNK_SIZE;) {
		uint32_t size = hc_le32(s->raw + pos + 4);
		if (memcmp(s->raw + pos, "**\0\0", 4) != 0 || size < 28 ||
		    size > HC_EVTX_CHUNK_SIZE - pos)
			return false;
		if (hc_le64(s->raw + pos + 8) == rid)
			return hc_evtx_lone_bom(s->raw + pos, size, pos);
		pos += size;
	}
	return false;
}

/* Renders record `rec` to XML and scans it into `ev`. */
static int convert(struct lx_state *s, libevtx_record_t *rec, uint64_t rid, struct hc_event *ev,
                   struct hc_diag *d)
{
	libevtx_error_t *err = NULL;
	size_t size = 0;

	if (lone_bom(s, rid)) {
		hc_diag_set(d, "a string value that is a byte order mark alone: libevtx 20181227 "
		               "crashes rendering it, so it is not asked to (the native reader, "
		               "the default, reads this record)");
		return HC_ERR_RECORD;
	}

	if (libevtx_record_get_utf8_xml_string_size(rec, &size, &err) != 1 || size == 0) {
		take_error(&err, d, "cannot render record");
		return HC_ERR_RECORD;
	}
	if (size > HC_MAX_RECORD_XML) {
		hc_diag_set(d, "record XML of %zu bytes exceeds the %u byte cap", size,
		            HC_MAX_RECORD_XML);
		return HC_ERR_RECORD;
	}
	if (size > s->xmlcap) {
		uint8_t *n = realloc(s->xml, size);
		if (!n)
			return HC_ERR_NOMEM;
		s->xml = n;
		s->xmlcap = size;
	}
	if (libevtx_record_get_utf8_xml_string(rec, s->xml, size, &err) != 1) {
		take_error(&err, d, "cannot render record");
		return HC_ERR_RECORD;
	}
	int rc = hc_xml_event_scan((const char *)s->xml, strnlen((const char *)s->xml, size),
	                           &s->scan, ev, d);
	if (rc == HC_OK && ev->time == 0) {
		/* no TimeCreated: fall back to the record header's written time */
		uint64_t ft = 0;
		if (libevtx_record_get_written_time(rec, &ft, NULL) == 1 && ft <= INT64_MAX)
			ev->time = (int64_t)ft;
	}
	return rc;
}

static int lx_next(void *p, struct hc_event *ev, struct hc_diag *d)
{
	struct lx_state *s = p;
	libevtx_error_t *err = NULL;
	libevtx_record_t *rec = NULL;
	uint32_t id = 0;
	bool recovered;
	int index, rc;

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
		if (s->damage_reported < s->check.ndamage + (s->check.more_damage ? 1 : 0)) {
			size_t k = s->damage_reported++;
			if (k < s->check.ndamage) {
				d->offset = s->check.damage[k].offset;
				d->has_offset = true;
				hc_diag_set(d, "%s", s->check.damage[k].msg);
			} else {
				hc_diag_set(d, "%llu more damaged chunks",
				            (unsigned long long)s->check.more_damage);
			}
			return HC_ERR_RECORD;
		}
		if (s->index < s->end) {
			recovered = false;
			index = s->index++;
			if (libevtx_file_get_record_by_index(s->file, index, &rec, &err) != 1) {
				s->records++;
				s->failed++;
				take_error(&err, d, "unreadable record");
				hc_diag_at(d, HC_POS_RECORD_INDEX, (uint64_t)index);
				hc_diag_prefix(d, "record #%d (index): ", index);
				return HC_ERR_RECORD;
			}
		} else if (s->acct_claim < s->check.nclaims) {
			/* every record id a chunk header claims was read or is
			 * reported here (issue 8) */
			const struct hc_evtx_claim *c = &s->check.claims[s->acct_claim];
			/* counted from 0 within the range: it may end at UINT64_MAX */
			uint64_t span = c->last - c->first, k = s->acct_id, ka;
			while (k <= span && seen_before(s, c->first + k))
				k++;
			if (k > span) {
				s->acct_claim++;
				s->acct_id = 0;
				continue;
			}
			ka = k;
			while (k <= span && !seen_before(s, c->first + k))
				k++;
			s->acct_id = k;
			s->failed += k - ka;
			d->offset = c->offset;
			d->has_offset = true;
			hc_diag_at(d, HC_POS_RECORD_ID, c->first + ka);
			if (k - ka == 1)
				hc_diag_set(d, "chunk %u: record %llu not read", c->chunk,
				            (unsigned long long)(c->first + ka));
			else
				hc_diag_set(d, "chunk %u: records %llu-%llu (%llu) not read",
				            c->chunk, (unsigned long long)(c->first + ka),
				            (unsigned long long)(c->first + k - 1),
				            (unsigned long long)(k - ka));
			return HC_ERR_RECORD;
		} else if (s->rindex < s->nrecovered) {
			recovered = true;
			index = s->rindex++;
			if (libevtx_file_get_recovered_record_by_index(s->file, index, &rec,
			                                               &err) != 1) {
				/* most recovered slack is stale garbage: count, do not report */
				libevtx_error_free(&err);
				s->failed++;
				continue;
			}
		} else {
			return 0;
		}
		s->records += !recovered;

		uint64_t rid = 0;
		libevtx_record_get_identifier(rec, &rid, NULL);
		if (!recovered) {
			if ((rc = remember(s, rid)) < 0)
				goto fail;
		} else if (seen_before(s, rid)) {
			libevtx_record_free(&rec, NULL);
			continue;
		}
		if (libevtx_record_get_event_identifier(rec, &id, &err) != 1) {
			libevtx_error_free(&err);
			id = UINT32_MAX; /* let the XML decide */
		}
		if (id != UINT32_MAX && !hc_read_opts_wants(s->opts, id & 0xffff)) {
			libevtx_record_free(&rec, NULL);
			continue;
		}
		rc = convert(s, rec, rid, ev, d);
		if (rc == HC_OK && !hc_read_opts_wants(s->opts, ev->event_id)) {
			hc_event_clear(ev);
			libevtx_record_free(&rec, NULL);
			continue;
		}
		if (rc < 0)
			goto fail;
		libevtx_record_free(&rec, NULL);
		ev->file = s->path;
		ev->recovered = recovered;
		if (!ev->record_id)
			ev->record_id = rid;
		if (ev->truncated) {
			s->pending_cut = true;
			s->cut_record = ev->record_id;
		}
		return 1;
	fail:
		libevtx_record_free(&rec, NULL);
		if (rc == HC_ERR_RECORD) {
			if (recovered) {
				s->failed++;
				continue;
			}
			s->failed++;
			hc_diag_at(d, HC_POS_RECORD_ID, rid);
			hc_diag_prefix(d, "record %llu: ", (unsigned long long)rid);
		}
		return rc;
	}
}

static void lx_stats(void *p, uint64_t *records, uint64_t *failed)
{
	struct lx_state *s = p;

	*records = s->records;
	*failed = s->failed;
}

const struct hc_backend hc_backend_libevtx = {
    .name = "libevtx",
    .format = "evtx",
    .probe = lx_probe,
    .open = lx_open,
    .next = lx_next,
    .stats = lx_stats,
    .close = lx_close,
};

const char *hc_libevtx_version(void)
{
	return libevtx_get_version();
}

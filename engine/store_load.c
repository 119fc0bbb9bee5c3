/* Reading a case back: its events, compacted, for correlation. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* loading a case back for correlation                                  */

/* Reads the JSON string at *p (after its opening quote) into out, UTF-8;
 * moves *p past the closing quote. Returns the length, or -1 when the text
 * is not a JSON string. `out` holds at least as many bytes as the input. */
static long json_string(const char **p, char *out)
{
	const char *s = *p;
	char *o = out;

	for (;;) {
		unsigned char c = (unsigned char)*s++;
		if (c == '"')
			break;
		if (c == '\0' || c < 0x20)
			return -1;
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		c = (unsigned char)*s++;
		switch (c) {
		case '"': case '\\': case '/': *o++ = (char)c; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned cp = 0;
			for (int k = 0; k < 4; k++) {
				char h = *s++;
				cp <<= 4;
				if (h >= '0' && h <= '9')
					cp |= (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f')
					cp |= (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					cp |= (unsigned)(h - 'A' + 10);
				else
					return -1;
			}
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
				cp = 0xfffd; /* the writer never makes these */
			if (cp < 0x80) {
				*o++ = (char)cp;
			} else if (cp < 0x800) {
				*o++ = (char)(0xc0 | cp >> 6);
				*o++ = (char)(0x80 | (cp & 0x3f));
			} else {
				*o++ = (char)(0xe0 | cp >> 12);
				*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (char)(0x80 | (cp & 0x3f));
			}
			break;
		}
		default:
			return -1;
		}
	}
	*o = '\0';
	*p = s;
	return (long)(o - out);
}

/* Splits the flat object {"Name":"text",...} data_json() wrote into names
 * and values (NUL-terminated, in `buf`, which holds len + 1 bytes). At
 * most HC_MAX_FIELDS pairs. Returns the count, or -1 when malformed. */
static long parse_data(const char *json, char *buf, const char **names, const char **values)
{
	const char *p = json;
	char *o = buf;
	long n = 0;

	while (*p == ' ')
		p++;
	if (*p++ != '{')
		return -1;
	while (*p == ' ')
		p++;
	if (*p == '}')
		return p[1] == '\0' ? 0 : -1;
	for (;;) {
		long k;
		if (n >= HC_MAX_FIELDS || *p++ != '"' || (k = json_string(&p, o)) < 0)
			return -1;
		names[n] = o;
		o += k + 1;
		if (*p++ != ':' || *p++ != '"' || (k = json_string(&p, o)) < 0)
			return -1;
		values[n++] = o;
		o += k + 1;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}' && p[1] == '\0')
			return n;
		return -1;
	}
}

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

static int load_events(struct hc_store *s, struct hc_eventset *set, uint64_t *bad,
                       struct hc_diag *d)
{
	sqlite3_stmt *st = NULL;
	int64_t *fids = NULL, nf = 0, capf = 0;
	const char *names[HC_MAX_FIELDS], *values[HC_MAX_FIELDS];
	char *buf = NULL;
	size_t bufcap = 0;
	int rc;

	struct hc_strpool *pool = hc_strpool_new();

	*bad = 0;
	if (!pool || hc_eventset_adopt_pool(set, pool) < 0)
		return HC_ERR_NOMEM;
	/* files: set->paths[k] is the path of files.id fids[k] */
	if ((rc = hc_store_prepare(s, hc_sql_load_files, "load_files.sql", &st, d)) < 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 1);
		if (nf == capf) {
			int64_t cap = capf ? capf * 2 : 64;
			int64_t *nfi = realloc(fids, (size_t)cap * sizeof(*nfi));
			char **np = realloc(set->paths, (size_t)cap * sizeof(*np));
			if (nfi)
				fids = nfi;
			if (np)
				set->paths = np;
			if (!nfi || !np) {
				rc = SQLITE_NOMEM;
				break;
			}
			capf = cap;
		}
		if (!(set->paths[nf] = strdup(t ? (const char *)t : ""))) {
			rc = SQLITE_NOMEM;
			break;
		}
		fids[nf++] = sqlite3_column_int64(st, 0);
		set->npaths = (size_t)nf;
	}
	if (rc != SQLITE_DONE) {
		rc = hc_store_fail(s, rc, "load_files.sql", d);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = hc_store_prepare(s, hc_sql_load_events, "load_events.sql", &st, d)) < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct hc_event ev;
		const char *data = (const char *)sqlite3_column_text(st, 11);
		size_t len = (size_t)sqlite3_column_bytes(st, 11);
		int64_t fid = sqlite3_column_int64(st, 1);
		long nfld = 0;
		if (len + 1 > bufcap) {
			size_t cap = bufcap ? bufcap : 4096;
			while (cap < len + 1)
				cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				rc = SQLITE_NOMEM;
				break;
			}
			buf = nb;
			bufcap = cap;
		}
		if (data && (nfld = parse_data(data, buf, names, values)) < 0) {
			(*bad)++;
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		if (hc_event_build(&ev, (const char *)sqlite3_column_text(st, 4),
		                   (const char *)sqlite3_column_text(st, 5),
		                   (const char *)sqlite3_column_text(st, 6), (size_t)nfld, names,
		                   values) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		ev.store_id = sqlite3_column_int64(st, 0);
		ev.record_id = (uint64_t)sqlite3_column_int64(st, 2);
		ev.time = sqlite3_column_int64(st, 3);
		ev.event_id = (uint32_t)sqlite3_column_int64(st, 7);
		ev.version = (uint32_t)sqlite3_column_int64(st, 8);
		ev.recovered = sqlite3_column_int64(st, 9) != 0;
		ev.truncated = sqlite3_column_int64(st, 10) != 0;
		/* files ids ascend: binary search; a row without its file (an
		 * edited case) still gets a name */
		ev.file = "(file not in the case)";
		for (int64_t lo = 0, hi = nf; lo < hi;) {
			int64_t mid = (lo + hi) / 2;
			if (fids[mid] == fid) {
				ev.file = set->paths[mid];
				break;
			}
			if (fids[mid] < fid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (hc_event_compact(&ev, pool) < 0) {
			hc_event_clear(&ev);
			rc = SQLITE_NOMEM;
			break;
		}
		if (set->n == set->cap) {
			size_t cap = set->cap ? set->cap * 2 : 1024;
			struct hc_event *nv = realloc(set->v, cap * sizeof(*nv));
			if (!nv) {
				hc_event_clear(&ev);
				rc = SQLITE_NOMEM;
				break;
			}
			set->v = nv;
			set->cap = cap;
		}
		set->v[set->n++] = ev;
	}
	rc = rc == SQLITE_DONE ? 0 : hc_store_fail(s, rc, "load_events.sql", d);
	if (rc == 0 && hc_events_sort(set) < 0)
		rc = HC_ERR_NOMEM;
out:
	sqlite3_finalize(st);
	free(fids);
	free(buf);
	return rc;
}


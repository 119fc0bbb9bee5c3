/* The input registry: picks a backend by a file's first bytes, and expands
 * directory arguments into the sorted list of event files (.evtx, .json,
 * .jsonl, .ndjson) beneath them. */
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const uint32_t hc_default_ids[] = {4608, 4624, 4625, 4634, 4647, 4648, 4672,
                                   4768, 4769, 4771, 4776, 4778, 4779};
const size_t hc_default_nids = sizeof(hc_default_ids) / sizeof(hc_default_ids[0]);
const uint32_t hc_correlation_ids[] = {1,    3,    4608, 4624, 4625, 4634, 4647, 4648, 4672, 4688,
                                       4768, 4769, 4771, 4776, 4778, 4779, 5156, 5158, 8001};
const size_t hc_correlation_nids = sizeof(hc_correlation_ids) / sizeof(hc_correlation_ids[0]);

const struct hc_backend *const hc_backends[] = {
    &hc_backend_native,
    &hc_backend_libevtx,
    &hc_backend_json,
    NULL,
};

void hc_input_init(void)
{
	for (size_t i = 0; hc_backends[i]; i++)
		if (hc_backends[i]->init)
			hc_backends[i]->init();
}

int hc_input_is_evtx_reader(const char *name)
{
	for (size_t i = 0; hc_backends[i]; i++)
		if (strcmp(hc_backends[i]->format, "evtx") == 0 &&
		    strcmp(hc_backends[i]->name, name) == 0)
			return 1;
	return 0;
}

int hc_read_opts_wants(const struct hc_read_opts *o, uint32_t id)
{
	if (o && o->all_ids)
		return 1;
	const uint32_t *ids = o && o->ids ? o->ids : hc_default_ids;
	size_t n = o && o->ids ? o->nids : hc_default_nids;

	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

struct hc_input {
	const struct hc_backend *be;
	void *state;
};

int hc_input_open_regular(const char *path, struct hc_diag *d)
{
	struct stat st;
	int fd, fl;

	hc_diag_clear(d);
	if (d)
		snprintf(d->file, sizeof(d->file), "%s", path);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (d)
			hc_diag_set(d, "cannot open: %s", strerror(errno));
		return HC_ERR_IO;
	}
	if (fstat(fd, &st) != 0) {
		if (d)
			hc_diag_set(d, "cannot open: %s", strerror(errno));
		close(fd);
		return HC_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		if (d)
			hc_diag_set(d, "not a regular file");
		close(fd);
		return HC_ERR_IO;
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		if (d)
			hc_diag_set(d, "cannot open: %s", strerror(errno));
		close(fd);
		return HC_ERR_IO;
	}
	return fd;
}

/* Up to `cap` bytes from the start of `fd`. */
static size_t read_head(int fd, unsigned char *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	return n;
}

int hc_input_open(const char *path, const struct hc_read_opts *o, struct hc_input **ret,
                  struct hc_diag *d)
{
	unsigned char magic[HC_PROBE_BYTES];
	struct hc_input *in;
	size_t n;
	int fd, rc;

	if ((fd = hc_input_open_regular(path, d)) < 0)
		return fd;
	n = read_head(fd, magic, sizeof(magic));
	close(fd);
	for (size_t i = 0; hc_backends[i]; i++) {
		const struct hc_backend *be = hc_backends[i];
		if (!be->probe(magic, n))
			continue;
		/* the first reader of a format is its default */
		if (o && o->reader && strcmp(be->format, "evtx") == 0 &&
		    strcmp(be->name, o->reader) != 0)
			continue;
		in = calloc(1, sizeof(*in));
		if (!in)
			return HC_ERR_NOMEM;
		rc = be->open(path, o, &in->state, d);
		if (rc < 0) {
			free(in);
			return rc;
		}
		in->be = be;
		*ret = in;
		return HC_OK;
	}
	if (n == 0)
		hc_diag_set(d, "empty file, not an event log");
	else
		hc_diag_set(d, "not an EVTX file (no \"ElfFile\" signature) or JSON event file");
	return HC_ERR_FORMAT;
}

int hc_input_next(struct hc_input *in, struct hc_event *ev, struct hc_diag *d)
{
	hc_diag_clear(d);
	return in->be->next(in->state, ev, d);
}

const char *hc_input_backend(const struct hc_input *in)
{
	return in->be->name;
}

void hc_input_stats(const struct hc_input *in, uint64_t *records, uint64_t *failed)
{
	*records = *failed = 0;
	if (in->be->stats)
		in->be->stats(in->state, records, failed);
}

void hc_input_close(struct hc_input *in)
{
	if (!in)
		return;
	in->be->close(in->state);
	free(in);
}

/* Path list under construction. */
struct plist {
	char **v;
	size_t n, cap;
};

static int plist_add(struct plist *l, const char *p)
{
	if (l->n >= HC_MAX_INPUT_FILES)
		return HC_ERR_LIMIT;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **n = realloc(l->v, cap * sizeof(*n));
		if (!n)
			return HC_ERR_NOMEM;
		l->v = n;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(p)))
		return HC_ERR_NOMEM;
	l->n++;
	return HC_OK;
}

/* Names a directory walk picks up: what the backends read. */
static int has_input_suffix(const char *name)
{
	static const char *const suffixes[] = {".evtx", ".json", ".jsonl", ".ndjson"};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i]);
		if (n > k && strcasecmp(name + n - k, suffixes[i]) == 0)
			return 1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void report(void (*on_error)(void *, const struct hc_diag *), void *ctx, const char *path,
                   const char *msg)
{
	struct hc_diag d;

	if (!on_error)
		return;
	hc_diag_clear(&d);
	snprintf(d.file, sizeof(d.file), "%s", path);
	snprintf(d.msg, sizeof(d.msg), "%s", msg);
	on_error(ctx, &d);
}

static int walk(const char *dir, int depth, struct plist *out,
                void (*on_error)(void *, const struct hc_diag *), void *ctx)
{
	struct plist names = {0};
	struct dirent *de;
	DIR *dh;
	int rc = HC_OK;

	if (depth > HC_MAX_WALK_DEPTH) {
		report(on_error, ctx, dir, "directory nesting too deep; not walked");
		return HC_OK;
	}
	dh = opendir(dir);
	if (!dh) {
		report(on_error, ctx, dir, strerror(errno));
		return HC_OK;
	}
	while ((de = readdir(dh))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((rc = plist_add(&names, de->d_name)) < 0)
			break;
	}
	closedir(dh);
	if (rc == HC_OK && names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; rc == HC_OK && i < names.n; i++) {
		char path[HC_MAX_PATH];
		struct stat st;
		size_t dl = strlen(dir);
		int k = snprintf(path, sizeof(path), "%s%s%s", dir,
		                 dl && dir[dl - 1] == '/' ? "" : "/", names.v[i]);
		if (k < 0 || (size_t)k >= sizeof(path)) {
			report(on_error, ctx, names.v[i], "path too long; skipped");
			continue;
		}
		/* lstat: never follow symlinked directories into loops */
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk(path, depth + 1, out, on_error, ctx);
		else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
		         has_input_suffix(names.v[i]))
			rc = plist_add(out, path);
	}
	hc_paths_free(names.v, names.n);
	return rc;
}

int hc_paths_expand(const char *const *paths, size_t npaths,
                    void (*on_error)(void *ctx, const struct hc_diag *d), void *ctx, char ***ret,
                    size_t *n)
{
	struct plist out = {0};
	int rc = HC_OK;

	for (size_t i = 0; rc == HC_OK && i < npaths; i++) {
		struct stat st;
		if (stat(paths[i], &st) != 0) {
			report(on_error, ctx, paths[i], strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode))
			rc = walk(paths[i], 0, &out, on_error, ctx);
		else
			rc = plist_add(&out, paths[i]);
	}
	if (rc < 0) {
		hc_paths_free(out.v, out.n);
		return rc;
	}
	*ret = out.v;
	*n = out.n;
	return HC_OK;
}

void hc_paths_free(char **paths, size_t n)
{
	if (!paths)
		return;
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

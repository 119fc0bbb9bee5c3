/* Input backends behind one interface: a registry of readers, each
 * {name, probe, open, next, close}, chosen by the first bytes of a file; and
 * the walk that expands directory arguments into input files. */
#ifndef HC_INPUT_H
#define HC_INPUT_H

#include "event.h"

#define HC_MAX_PATH 4096
#define HC_MAX_WALK_DEPTH 64
#define HC_MAX_INPUT_FILES 1000000
#define HC_PROBE_BYTES 64
/* JSON input: a record (line or array element) longer than this is skipped
 * and reported; so is one nested deeper than HC_MAX_JSON_DEPTH. */
#define HC_MAX_JSON_RECORD (16u << 20)
#define HC_MAX_JSON_DEPTH 64

struct hc_read_opts {
	bool recover;        /* also read records recovered from slack space */
	const uint32_t *ids; /* keep only these event ids; NULL = HC default set */
	size_t nids;
	bool all_ids; /* keep every event id (ids ignored) */
	/* Read only part `part` of `nparts` (0 = whole file) of the normal
	 * records, so several workers can share one big file, each with its own
	 * handle. Part 0 also reports structural damage and reads recovered
	 * records. */
	unsigned part, nparts;
	/* The EVTX reader: "native" (NULL: the default) or "libevtx". */
	const char *reader;
	/* A reader may hand out events that borrow its memory (ev->borrowed:
	 * valid until its next call) and lack the normalised view (ev->norm
	 * all zero), for a consumer that copies them at once (the packed
	 * loader). Readers that cannot still return events of their own. */
	bool borrow;
	/* For tests (the fuzz target's check that nothing is lost silently):
	 * the native reader calls this once for every record id of a chunk
	 * header's range that it read or reported as not read. */
	void (*account)(void *ctx, uint64_t chunk, uint64_t id);
	void *account_ctx;
};

/* Event ids extracted by default (logon, logoff, explicit credentials,
 * privileges, Kerberos, NTLM validation, RDP reconnect, boot). */
extern const uint32_t hc_default_ids[];
extern const size_t hc_default_nids;

/* What correlation reads (analyze, ingest): the default ids and the
 * witnesses of who connected where and which process ran in which session:
 * Security 4688, 5156, 5158, NTLM/Operational 8001, Sysmon 1 and 3
 * (DOMAIN.md 1.9, 1.9b). */
extern const uint32_t hc_correlation_ids[];
extern const size_t hc_correlation_nids;

/* 1 when `id` is in the filter of `o` (or in the default set). */
int hc_read_opts_wants(const struct hc_read_opts *o, uint32_t id);

struct hc_backend {
	const char *name;
	/* What it reads ("evtx", "json"): hc_read_opts.reader picks among the
	 * backends of one format. */
	const char *format;
	/* Optional: one-time set-up of the backend's library, called by
	 * hc_input_init before any reader runs (NULL = none). */
	void (*init)(void);
	/* 1 when the first bytes of a file (n may be short) look like ours. */
	int (*probe)(const unsigned char *magic, size_t n);
	/* Opens `path`; *state is written only on success. */
	int (*open)(const char *path, const struct hc_read_opts *o, void **state,
	            struct hc_diag *d);
	/* 1 = *ev filled (caller clears it), 0 = end of input,
	 * HC_ERR_RECORD = one record unreadable (d says which; call again),
	 * other < 0 = the rest of the file is unreadable. */
	int (*next)(void *state, struct hc_event *ev, struct hc_diag *d);
	/* Statistics after the end: records seen, records failed. */
	void (*stats)(void *state, uint64_t *records, uint64_t *failed);
	void (*close)(void *state);
};

/* NULL-terminated registry. */
extern const struct hc_backend *const hc_backends[];

/* The native EVTX reader (parsers/evtx_native.c, parsers/binxml.c), the
 * default for .evtx files. */
extern const struct hc_backend hc_backend_native;
/* 1 when `name` names an EVTX reader ("native", "libevtx"). */
int hc_input_is_evtx_reader(const char *name);
/* The libevtx backend (parsers/evtx_libevtx.c) and its library version. */
extern const struct hc_backend hc_backend_libevtx;
const char *hc_libevtx_version(void);
/* The JSON backend (parsers/input_json.c): evtx_dump/hayabusa, Winlogbeat
 * (ECS and 6.x) and OTRF/Mordor flat records, as JSON lines, one array or
 * concatenated objects. --recover means nothing to it. */
extern const struct hc_backend hc_backend_json;

/* Runs every backend's init once. Call it before reading files from several
 * threads (hc_events_load does); calling it again is harmless. */
void hc_input_init(void);

struct hc_input;

/* Opens `path` for reading when it is a regular file, the one check every
 * reader of input files makes. The open never blocks (O_NONBLOCK: a FIFO
 * or a device has no say), the check is fstat on the opened descriptor (no
 * race between check and open), and the descriptor is then made blocking
 * again. Returns the descriptor (close it), or HC_ERR_IO with `d` filled
 * (file, message: "not a regular file" or the system's reason). */
int hc_input_open_regular(const char *path, struct hc_diag *d);

/* Opens `path` with the backend whose probe accepts its first bytes.
 * `path` is borrowed and stamped into every event; it must outlive *ret.
 * Returns 0 and *ret (free with hc_input_close), HC_ERR_IO or
 * HC_ERR_FORMAT with `d` filled. */
int hc_input_open(const char *path, const struct hc_read_opts *o, struct hc_input **ret,
                  struct hc_diag *d);
/* As hc_backend.next. */
int hc_input_next(struct hc_input *in, struct hc_event *ev, struct hc_diag *d);
const char *hc_input_backend(const struct hc_input *in);
void hc_input_stats(const struct hc_input *in, uint64_t *records, uint64_t *failed);
void hc_input_close(struct hc_input *in);

/* Expands `paths`: a file is taken as is (its backend is chosen by its first
 * bytes, whatever its name), a directory is walked recursively for names
 * ending in ".evtx", ".json", ".jsonl" or ".ndjson" (any case), in sorted
 * order. For each path that
 * cannot be used, calls `on_error(ctx, d)` and goes on. On success *ret is
 * a malloc'd array of *n malloc'd strings (free with hc_paths_free).
 * Returns 0, or HC_ERR_NOMEM / HC_ERR_LIMIT. */
int hc_paths_expand(const char *const *paths, size_t npaths,
                    void (*on_error)(void *ctx, const struct hc_diag *d), void *ctx, char ***ret,
                    size_t *n);
void hc_paths_free(char **paths, size_t n);

#endif

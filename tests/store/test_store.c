/* Unit test of engine/store.c: writes the analysis of the seed sample logs
 * (argv[1]) to a file store and reads it back with SQLite (row counts, the
 * anonymous second hop, its finding and evidence, foreign keys, the logon
 * summary) and through the read API (queries with bound parameters,
 * regexp() errors, refused statements), writes it again (replaced, not
 * appended), refuses other schema versions and foreign databases (also
 * read-only), keeps hostile strings intact, and checks every embedded query
 * against the schema (the header comment's parameters and result columns). */
#include "hc_test.h"

#include "hc_queries.h"
#include "store.h"

#include <dirent.h>
#include <sqlite3.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/hc-store-test-XXXXXX";

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.evtx files of `dir`, sorted; returns their number. */
static size_t list_evtx(const char *dir, char **paths, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		HC_SKIP("no sample directory %s", dir);
	while ((e = readdir(d)) && n < cap) {
		size_t l = strlen(e->d_name);
		if (l > 5 && strcmp(e->d_name + l - 5, ".evtx") == 0) {
			paths[n] = malloc(strlen(dir) + l + 2);
			sprintf(paths[n], "%s/%s", dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	qsort(paths, n, sizeof(*paths), cmp_str);
	return n;
}

static sqlite3 *db_open(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		HC_FAIL_AT("sqlite3_open %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* The integer of the first row of `sql` (-1 on error or no row). */
static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		HC_FAIL_AT("%s: %s", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The text of the first row of `sql`, copied into out ("" when none). */
static const char *q_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		HC_FAIL_AT("%s: %s", sql, sqlite3_errmsg(db));
		return out;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static void exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		HC_FAIL_AT("%s: %s", sql, sqlite3_errmsg(db));
}

struct totals {
	size_t chain_hops, findings, evidence;
};

static struct totals totals_of(const struct hc_analysis *a)
{
	struct totals t = {0};

	for (size_t i = 0; i < a->nchains; i++) {
		t.chain_hops += a->chains[i].nhops;
		t.findings += a->chains[i].nfindings;
	}
	for (size_t i = 0; i < a->nhops; i++)
		t.evidence += a->hops[i].nev;
	return t;
}

static void check_counts(const char *path, const struct hc_eventset *set,
                         const struct hc_analysis *a)
{
	sqlite3 *db = db_open(path);
	struct totals t = totals_of(a);
	char buf[64];

	if (!db)
		return;
	CHECK_INT(q_int(db, "SELECT count(*) FROM events"), set->n);
	CHECK_INT(q_int(db, "SELECT count(*) FROM files"), 4);
	CHECK_INT(q_int(db, "SELECT count(*) FROM hosts"), a->nhosts);
	CHECK_INT(q_int(db, "SELECT count(*) FROM sessions"), a->nsessions);
	CHECK_INT(q_int(db, "SELECT count(*) FROM hops"), a->nhops);
	CHECK_INT(q_int(db, "SELECT count(*) FROM links"), a->nlinks);
	CHECK_INT(q_int(db, "SELECT count(*) FROM chains"), a->nchains);
	CHECK_INT(q_int(db, "SELECT count(*) FROM chain_hops"), t.chain_hops);
	CHECK_INT(q_int(db, "SELECT count(*) FROM findings"), t.findings);
	CHECK_INT(q_int(db, "SELECT count(*) FROM hop_evidence"), t.evidence);
	CHECK_INT(q_int(db, "SELECT count(*) FROM warnings"), a->nwarnings);
	CHECK_INT(q_int(db, "PRAGMA user_version"), hc_store_schema_version());
	/* at rest one file: the writer left the rollback journal */
	CHECK_STR(q_text(db, "PRAGMA journal_mode", buf, sizeof(buf)), "delete");
	CHECK_STR(q_text(db, "PRAGMA integrity_check", buf, sizeof(buf)), "ok");
	/* every declared foreign key holds */
	CHECK_INT(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	CHECK_INT(q_int(db, "SELECT count(*) FROM events WHERE json_valid(data) = 0"), 0);
	sqlite3_close(db);
}

/* The anonymous second hop of samples/seed-no-credssp: server1 -> server2. */
static void check_second_hop(const char *path, const struct hc_analysis *a)
{
	sqlite3 *db = db_open(path);
	char buf[512];
	long long hop;
	const struct hc_hop *h = NULL;

	if (!db)
		return;
	hop = q_int(db, "SELECT ch.hop FROM chain_hops ch JOIN hops h ON h.id = ch.hop "
	                "WHERE ch.position = 2 AND h.anonymous = 1");
	CHECK(hop > 0 && (size_t)hop <= a->nhops);
	if (hop > 0 && (size_t)hop <= a->nhops)
		h = &a->hops[hop - 1];
	CHECK(h && h->anonymous);
	CHECK_STR(
	    q_text(db,
	           "SELECT s.name || '>' || d.name || ' ' || h.account || ' ' || h.package || "
	           "' ' || h.logon_type || ' ' || h.src_how || ' ' || e.record_id || ' ' || "
	           "(f.path LIKE '%/server2.evtx') FROM hops h JOIN hosts s ON s.id = h.src_host "
	           "JOIN hosts d ON d.id = h.dst_host JOIN events e ON e.id = h.event "
	           "JOIN files f ON f.id = e.file WHERE h.anonymous = 1 AND h.failed = 0",
	           buf, sizeof(buf)),
	    "server1>server2 ANONYMOUS LOGON NTLM 3 ip 30017 1");
	/* its finding, on hop 2 of its chain */
	CHECK_STR(
	    q_text(db,
	           "SELECT f.code || ' ' || f.severity || ' ' || f.hop_position FROM findings f "
	           "JOIN chain_hops ch ON ch.chain = f.chain AND ch.position = f.hop_position "
	           "WHERE ch.hop = (SELECT id FROM hops WHERE anonymous = 1 AND failed = 0)",
	           buf, sizeof(buf)),
	    "anonymous-second-hop high 2");
	/* its evidence: the rows and roles the analysis cites, in order */
	if (h) {
		char sql[200];
		CHECK_INT(q_int(db, "SELECT count(*) FROM hop_evidence WHERE hop = "
		                    "(SELECT id FROM hops WHERE anonymous = 1 AND failed = 0)"),
		          h->nev);
		for (size_t k = 0; k < h->nev; k++) {
			snprintf(sql, sizeof(sql),
			         "SELECT x.role || ' ' || e.event_id || ' ' || e.record_id "
			         "FROM hop_evidence x JOIN events e ON e.id = x.event "
			         "WHERE x.hop = %lld AND x.position = %zu",
			         hop, k + 1);
			char want[100];
			snprintf(want, sizeof(want), "%s %u %llu",
			         hc_role_name(h->evidence[k].role), h->evidence[k].ev->event_id,
			         (unsigned long long)h->evidence[k].ev->record_id);
			CHECK_STR(q_text(db, sql, buf, sizeof(buf)), want);
		}
	}
	/* the link into it and the session it came from */
	CHECK_INT(q_int(db, "SELECT l.via_4648 * 10 + l.account_match FROM chain_hops ch "
	                    "JOIN links l ON l.id = ch.link WHERE ch.position = 2 AND ch.hop = "
	                    "(SELECT id FROM hops WHERE anonymous = 1 AND failed = 0)"),
	          0);
	CHECK_STR(q_text(db,
	                 "SELECT h.name FROM hops p JOIN sessions s ON s.id = p.session "
	                 "JOIN hosts h ON h.id = s.host JOIN links l ON l.parent = p.id "
	                 "WHERE l.child = (SELECT id FROM hops WHERE anonymous = 1 AND failed = 0) "
	                 "AND l.rank = 0",
	                 buf, sizeof(buf)),
	          "server1");
	sqlite3_close(db);
}

/* Adds the events of `set` to the store file by file (as analyze --db and
 * ingest do) and gives them their store ids. Returns the events added. */
static uint64_t store_events(struct hc_store *s, struct hc_eventset *set)
{
	struct hc_event *tmp = calloc(set->n + 1, sizeof(*tmp));
	size_t *idx = calloc(set->n + 1, sizeof(*idx));
	bool *done = calloc(set->n + 1, sizeof(*done));
	uint64_t total = 0;
	struct hc_diag d;

	for (size_t i = 0; tmp && idx && done && i < set->n; i++) {
		struct hc_store_file f = {.path = set->v[i].file, .size = -1, .backend = "test"};
		uint64_t added = 0, dups = 0;
		size_t n = 0;
		if (done[i])
			continue;
		for (size_t k = i; k < set->n; k++)
			if (!done[k] && strcmp(set->v[k].file, set->v[i].file) == 0) {
				tmp[n] = set->v[k];
				idx[n++] = k;
				done[k] = true;
			}
		CHECK_INT(hc_store_add_file(s, &f, tmp, n, &added, &dups, &d), 0);
		CHECK_INT(added + dups, n);
		for (size_t k = 0; k < n; k++)
			if (tmp[k].store_id > 0) /* a duplicate keeps the id it has */
				set->v[idx[k]].store_id = tmp[k].store_id;
		total += added;
	}
	free(tmp);
	free(idx);
	free(done);
	return total;
}

/* --- the read side ------------------------------------------------------ */

struct collect {
	size_t ncols, nrows, stop_after;
	char first[256]; /* the first column of the first row, as text */
};

static int c_columns(void *ctx, size_t n, const char *const *names)
{
	struct collect *c = ctx;

	(void)names;
	c->ncols = n;
	return 0;
}

static int c_row(void *ctx, const struct hc_value *v, size_t n)
{
	struct collect *c = ctx;

	if (c->nrows == 0 && n > 0) {
		if (v[0].kind == HC_VALUE_TEXT)
			snprintf(c->first, sizeof(c->first), "%s", v[0].s);
		else if (v[0].kind == HC_VALUE_INT)
			snprintf(c->first, sizeof(c->first), "%lld", (long long)v[0].i);
	}
	if (++c->nrows == c->stop_after)
		return -42;
	return 0;
}

/* The store `path` (the seed analysis) read back through the read API:
 * embedded queries with bound parameters, parameter counts, the callback's
 * stop, regexp() errors, refused statements, and a store left unchanged. */
static void check_read(const char *path)
{
	struct hc_store *s = NULL;
	struct hc_diag d;
	struct collect c = {0};
	struct hc_rows rows = {c_columns, c_row, &c};
	struct hc_value p[10] = {{0}};
	sqlite3 *x;
	long long nchains = -1;

	if ((x = db_open(path))) {
		nchains = q_int(x, "SELECT count(*) FROM chains");
		sqlite3_close(x);
	}
	CHECK_INT(hc_store_open_readonly(path, &s, &d), 0);
	if (!s)
		return;
	/* chains_select with every filter off but --min-hops 1 and --all:
	 * every chain */
	p[6] = (struct hc_value){.kind = HC_VALUE_INT, .i = 1};
	p[9] = (struct hc_value){.kind = HC_VALUE_INT, .i = 1};
	CHECK_INT(hc_store_query(s, "chains_select", p, 10, &rows, &d), 0);
	CHECK_INT(c.ncols, 5);
	CHECK_INT(c.nrows, nchains);
	CHECK_STR(c.first, "1");
	/* a pattern, bound as text: only the chain whose account matches */
	memset(&c, 0, sizeof(c));
	p[0] = (struct hc_value){.kind = HC_VALUE_TEXT, .s = "^anonymous logon$"};
	p[6].i = 2;
	CHECK_INT(hc_store_query(s, "chains_select", p, 10, &rows, &d), 0);
	CHECK_INT(c.nrows, 1);
	/* the same statement again (cached), the callback stops it */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	p[0] = (struct hc_value){.kind = HC_VALUE_NULL};
	p[6].i = 1;
	CHECK_INT(hc_store_query(s, "chains_select", p, 10, &rows, &d), -42);
	CHECK_INT(c.nrows, 2);
	/* wrong parameter count, unknown query */
	CHECK_INT(hc_store_query(s, "chains_select", p, 8, &rows, &d), HC_ERR_USAGE);
	CHECK(strstr(d.msg, "8 parameters given, the statement has 10") != NULL);
	CHECK_INT(hc_store_query(s, "no_such_query", NULL, 0, &rows, &d), HC_ERR_USAGE);
	/* a bad pattern reaching regexp() is a usage error with its offset */
	memset(&c, 0, sizeof(c));
	p[0] = (struct hc_value){.kind = HC_VALUE_TEXT, .s = "a)"};
	CHECK_INT(hc_store_query(s, "chains_select", p, 10, &rows, &d), HC_ERR_USAGE);
	CHECK(d.has_offset && d.offset == 1);
	CHECK(strstr(d.msg, "bad pattern 'a)'") != NULL);
	/* and a good one afterwards works again (no stale error) */
	memset(&c, 0, sizeof(c));
	struct hc_sql_limits lim = {.max_seconds = 60};
	CHECK_INT(hc_store_sql(s, "SELECT count(*) FROM hosts WHERE name REGEXP '^server'", &lim,
	                       &rows, &d),
	          0);
	CHECK_STR(c.first, "2");
	memset(&c, 0, sizeof(c));
	CHECK_INT(hc_store_sql(s, "SELECT logon_type_name(3)", &lim, &rows, &d), 0);
	CHECK_STR(c.first, "Network");
	/* refused before running */
	CHECK_INT(hc_store_sql(s, "DELETE FROM hops", &lim, &rows, &d), HC_ERR_USAGE);
	CHECK_INT(hc_store_sql(s, "PRAGMA query_only = 0", &lim, &rows, &d), HC_ERR_USAGE);
	CHECK_INT(hc_store_sql(s, "ATTACH ':memory:' AS m", &lim, &rows, &d), HC_ERR_USAGE);
	CHECK_INT(hc_store_sql(s, "SELECT 1; SELECT 2", &lim, &rows, &d), HC_ERR_USAGE);
	CHECK_INT(hc_store_sql(s, "", &lim, &rows, &d), HC_ERR_USAGE);
	CHECK_INT(hc_store_sql(s, "SELECT fts3_tokenizer('simple')", &lim, &rows, &d),
	          HC_ERR_USAGE);
	CHECK(strstr(d.msg, "fts3_tokenizer() is not allowed") != NULL);
	/* bounded: time in SQLite, the length of a value */
	lim.max_seconds = 0.2;
	CHECK_INT(hc_store_sql(s,
	                       "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
	                       "SELECT count(*) FROM c",
	                       &lim, &rows, &d),
	          HC_ERR_LIMIT);
	CHECK(lim.out_of_time);
	CHECK(strstr(d.msg, "the time limit") != NULL);
	CHECK_INT(hc_store_sql(s, "SELECT length(zeroblob(100000000))", &lim, &rows, &d),
	          HC_ERR_LIMIT);
	CHECK(!lim.out_of_time);
	CHECK(strstr(d.msg, "longer than 64 MiB") != NULL);
	/* reads through table-valued functions and reporting pragmas */
	memset(&c, 0, sizeof(c));
	CHECK_INT(hc_store_sql(s, "SELECT count(*) FROM json_each('[1,2,3]')", &lim, &rows, &d), 0);
	CHECK_STR(c.first, "3");
	memset(&c, 0, sizeof(c));
	CHECK_INT(hc_store_sql(s, "PRAGMA journal_mode", &lim, &rows, &d), 0);
	CHECK_INT(c.nrows, 1);
	hc_store_close(s);
	if ((x = db_open(path))) {
		CHECK_INT(q_int(x, "SELECT count(*) FROM chains"), nchains);
		CHECK(q_int(x, "SELECT count(*) FROM hops") > 0);
		CHECK(q_int(x, "SELECT count(*) FROM logon_summary") > 0);
		CHECK_INT(q_int(x, "SELECT sum(success) + sum(failure) FROM logon_summary"),
		          q_int(x, "SELECT count(*) FROM events WHERE event_id IN (4624, 4625)"));
		sqlite3_close(x);
	}
}

/* Read-only opens refuse what is not a store of this version, and never
 * create a file. */
static void test_read_refusals(void)
{
	char db[256];
	struct hc_store *s = NULL;
	struct hc_diag d;
	sqlite3 *x = NULL;

	snprintf(db, sizeof(db), "%s/absent.db", tmpdir);
	CHECK_INT(hc_store_open_readonly(db, &s, &d), HC_ERR_IO);
	CHECK(s == NULL);
	CHECK(access(db, F_OK) != 0);
	snprintf(db, sizeof(db), "%s/new.db", tmpdir);
	if (sqlite3_open(db, &x) == SQLITE_OK)
		exec(x, "PRAGMA user_version = 0");
	sqlite3_close(x);
	CHECK_INT(hc_store_open_readonly(db, &s, &d), HC_ERR_FORMAT);
	CHECK(strstr(d.msg, "empty database") != NULL);
	unlink(db);
	/* a store this build wrote, then another version */
	CHECK_INT(hc_store_open(db, &s, &d), 0);
	hc_store_close(s);
	s = NULL;
	CHECK_INT(hc_store_open_readonly(db, &s, &d), 0);
	hc_store_close(s);
	s = NULL;
	if ((x = db_open(db))) {
		exec(x, "PRAGMA user_version = 7");
		sqlite3_close(x);
	}
	CHECK_INT(hc_store_open_readonly(db, &s, &d), HC_ERR_FORMAT);
	CHECK(strstr(d.msg, "schema version 7") != NULL);
	CHECK_STR(d.file, db);
	unlink(db);
}

static void test_samples(const char *dir)
{
	char *paths[16], db[256], buf[64];
	size_t n = list_evtx(dir, paths, 16);
	struct hc_eventset set = {0};
	struct hc_read_opts ro = {0};
	struct hc_correlate_opts co = {.skew = 300 * HC_TICKS_PER_SEC,
	                               .session_window = 36000 * HC_TICKS_PER_SEC};
	struct hc_analysis a;
	struct hc_store *s = NULL;
	struct hc_diag d;

	if (n != 4)
		HC_SKIP("%s: %zu .evtx files, want 4", dir, n);
	CHECK_INT(hc_events_load(&set, paths, n, &ro, 2, 0, NULL), HC_OK);
	CHECK_INT(hc_events_sort(&set), HC_OK);
	CHECK_INT(hc_correlate(&set, &co, &a), HC_OK);
	snprintf(db, sizeof(db), "%s/seed.db", tmpdir);

	CHECK_INT(hc_store_open(db, &s, &d), 0);
	CHECK_INT(store_events(s, &set), set.n);
	CHECK_INT(hc_store_write(s, &set, &a, NULL, 0, -1, &d), 0);
	hc_store_close(s);
	check_counts(db, &set, &a);
	check_second_hop(db, &a);
	check_read(db);

	/* the same version again: the previous analysis is replaced, and a
	 * table of the user's survives */
	sqlite3 *x = db_open(db);
	if (x) {
		exec(x, "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine')");
		sqlite3_close(x);
	}
	s = NULL;
	CHECK_INT(hc_store_open(db, &s, &d), 0);
	CHECK_INT(hc_store_write(s, &set, &a, NULL, 0, -1, &d), 0);
	CHECK_INT(hc_store_write(s, &set, &a, NULL, 0, -1, &d), 0);
	/* the same events again: all duplicates */
	CHECK_INT(store_events(s, &set), 0);
	hc_store_close(s);
	if ((x = db_open(db))) {
		CHECK_INT(q_int(x, "SELECT count(*) FROM files"), 8);
		CHECK_INT(q_int(x, "SELECT sum(added) FROM files"), set.n);
		CHECK_INT(q_int(x, "SELECT sum(duplicates) FROM files"), set.n);
		CHECK_STR(q_text(x, "SELECT value FROM meta WHERE key = 'analysis_stale'", buf,
		                 sizeof(buf)),
		          "0");
		exec(x, "DELETE FROM files WHERE id > 4");
		sqlite3_close(x);
	}
	check_counts(db, &set, &a);
	if ((x = db_open(db))) {
		CHECK_INT(q_int(x, "SELECT count(*) FROM notes"), 1);
		sqlite3_close(x);
	}

	/* the case read back: the same events in the same order, and the same
	 * analysis from them */
	{
		struct hc_eventset back = {0};
		struct hc_analysis b;
		uint64_t bad = 1;
		s = NULL;
		CHECK_INT(hc_store_open(db, &s, &d), 0);
		int64_t gen = -1;
		CHECK_INT(hc_store_load(s, &back, &bad, &gen, &d), 0);
		CHECK_INT(gen, 4); /* four files added events; their second coming added none */
		/* an analysis of an older generation leaves the case stale */
		CHECK_INT(hc_store_write(s, &set, &a, NULL, 0, gen - 1, &d), 1);
		CHECK_INT(hc_store_get_meta(s, "analysis_stale", buf, sizeof(buf), &d), 1);
		CHECK_STR(buf, "1");
		CHECK_INT(hc_store_write(s, &set, &a, NULL, 0, gen, &d), 0);
		CHECK_INT(hc_store_get_meta(s, "analysis_stale", buf, sizeof(buf), &d), 1);
		CHECK_STR(buf, "0");
		hc_store_close(s);
		CHECK_INT(bad, 0);
		CHECK_INT(back.n, set.n);
		for (size_t i = 0; i < back.n && i < set.n; i++) {
			const struct hc_event *e = &back.v[i], *f = &set.v[i];
			CHECK_INT(e->record_id, f->record_id);
			CHECK_INT(e->time, f->time);
			CHECK_INT(e->store_id, f->store_id);
			CHECK_STR(e->file, f->file);
			CHECK_STR(e->computer, f->computer);
			CHECK_INT(e->norm.logon_type, f->norm.logon_type);
			CHECK_INT(e->norm.target_logon_id, f->norm.target_logon_id);
			CHECK_STR(e->norm.target.name ? e->norm.target.name : "-",
			          f->norm.target.name ? f->norm.target.name : "-");
			CHECK_STR(e->norm.ip ? e->norm.ip : "-", f->norm.ip ? f->norm.ip : "-");
			CHECK(e->compact);
		}
		CHECK_INT(hc_correlate(&back, &co, &b), HC_OK);
		CHECK_INT(b.nhops, a.nhops);
		CHECK_INT(b.nchains, a.nchains);
		CHECK_INT(b.nlinks, a.nlinks);
		hc_analysis_free(&b);
		hc_eventset_free(&back);
	}

	/* in memory: only the events the analysis cites, without data */
	s = NULL;
	for (size_t i = 0; i < set.n; i++)
		set.v[i].store_id = 0;
	CHECK_INT(hc_store_open(NULL, &s, &d), 0);
	CHECK_INT(hc_store_write(s, &set, &a, NULL, 0, -1, &d), 0);
	hc_store_close(s);

	/* an analysis that does not belong to the set is refused */
	if (set.n > 1 && a.nhops > 0) {
		struct hc_eventset half = set;
		half.n = 1;
		s = NULL;
		CHECK_INT(hc_store_open(db, &s, &d), 0);
		CHECK_INT(hc_store_write(s, &half, &a, NULL, 0, -1, &d), HC_ERR_USAGE);
		hc_store_close(s);
		check_counts(db, &set, &a); /* rolled back: the old analysis stays */
	}

	hc_analysis_free(&a);
	hc_eventset_free(&set);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	unlink(db);
}

static void test_refusals(void)
{
	char db[256], buf[256];
	struct hc_store *s = NULL;
	struct hc_diag d;
	sqlite3 *x;
	FILE *f;

	/* another schema version */
	snprintf(db, sizeof(db), "%s/v99.db", tmpdir);
	CHECK_INT(hc_store_open(db, &s, &d), 0);
	hc_store_close(s);
	if ((x = db_open(db))) {
		exec(x, "PRAGMA user_version = 99");
		sqlite3_close(x);
	}
	s = NULL;
	CHECK_INT(hc_store_open(db, &s, &d), HC_ERR_FORMAT);
	CHECK(s == NULL);
	CHECK(strstr(d.msg, "schema version 99") != NULL);
	CHECK_STR(d.file, db);
	unlink(db);

	/* someone else's database: refused and left alone */
	snprintf(db, sizeof(db), "%s/other.db", tmpdir);
	if ((x = NULL, sqlite3_open(db, &x) == SQLITE_OK)) {
		exec(x, "CREATE TABLE events (x); INSERT INTO events VALUES (1)");
	}
	sqlite3_close(x);
	CHECK_INT(hc_store_open(db, &s, &d), HC_ERR_FORMAT);
	CHECK(strstr(d.msg, "not a hopchain store") != NULL);
	if ((x = db_open(db))) {
		CHECK_INT(q_int(x, "SELECT count(*) FROM events"), 1);
		CHECK_STR(q_text(x, "SELECT sql FROM sqlite_schema WHERE name = 'events'", buf,
		                 sizeof(buf)),
		          "CREATE TABLE events (x)");
		sqlite3_close(x);
	}
	unlink(db);

	/* not a database at all */
	snprintf(db, sizeof(db), "%s/text.db", tmpdir);
	if ((f = fopen(db, "w"))) {
		for (int i = 0; i < 100; i++)
			fputs("this is not an SQLite database\n", f);
		fclose(f);
	}
	CHECK_INT(hc_store_open(db, &s, &d), HC_ERR_FORMAT);
	CHECK(d.msg[0] != '\0');
	unlink(db);

	/* a directory */
	CHECK(hc_store_open(tmpdir, &s, &d) < 0);
	CHECK(d.msg[0] != '\0');
}

/* Event data from a log reaches SQL only as bound values: quotes, SQL,
 * control characters and invalid UTF-8 come back as they went in (invalid
 * bytes as U+FFFD), in the columns and in the JSON of `data`. */
static void test_hostile(void)
{
	static const char *const names[] = {"TargetUserName", "TargetDomainName", "IpAddress",
	                                    "Odd \"name\"\\", "TargetUserName",   "LogonType"};
	static const char *const values[] = {
	    "x'); DROP TABLE events; --", "A\"B\\C\n\x01", "10.0.0.1",
	    "bad \xff\xfe utf8",          "second",        "3"};
	struct hc_eventset set = {0};
	struct hc_analysis a;
	struct hc_correlate_opts co = {.skew = 300 * HC_TICKS_PER_SEC,
	                               .session_window = 36000 * HC_TICKS_PER_SEC};
	struct hc_store *s = NULL;
	struct hc_diag d;
	char db[256], buf[512];
	sqlite3 *x;

	set.v = calloc(1, sizeof(*set.v));
	set.cap = set.n = 1;
	set.v[0].event_id = 4624;
	set.v[0].file = "it's \"a\" file.evtx";
	set.v[0].record_id = 7;
	CHECK_INT(hc_event_build(&set.v[0], "host'; --", "Security", "p", 6, names, values), HC_OK);
	CHECK_INT(hc_correlate(&set, &co, &a), HC_OK);
	snprintf(db, sizeof(db), "%s/hostile.db", tmpdir);
	CHECK_INT(hc_store_open(db, &s, &d), 0);
	CHECK_INT(store_events(s, &set), 1);
	CHECK_INT(hc_store_write(s, &set, &a, NULL, 0, -1, &d), 0);
	hc_store_close(s);
	if ((x = db_open(db))) {
		CHECK_INT(q_int(x, "SELECT count(*) FROM events"), 1);
		CHECK_STR(q_text(x, "SELECT target_user FROM events", buf, sizeof(buf)),
		          "x'); DROP TABLE events; --");
		CHECK_STR(q_text(x, "SELECT json_extract(data, '$.TargetUserName') FROM events",
		                 buf, sizeof(buf)),
		          "x'); DROP TABLE events; --");
		CHECK_STR(q_text(x, "SELECT json_extract(data, '$.TargetDomainName') FROM events",
		                 buf, sizeof(buf)),
		          "A\"B\\C\n\x01");
		CHECK_STR(q_text(x,
		                 "SELECT j.value FROM events, json_each(events.data) j "
		                 "WHERE j.key = 'Odd \"name\"\\'",
		                 buf, sizeof(buf)),
		          "bad \xef\xbf\xbd\xef\xbf\xbd utf8");
		CHECK_INT(q_int(x, "SELECT count(*) FROM json_each((SELECT data FROM events))"), 5);
		CHECK_STR(q_text(x, "SELECT computer FROM events", buf, sizeof(buf)), "host'; --");
		CHECK_STR(q_text(x, "SELECT path FROM files", buf, sizeof(buf)),
		          "it's \"a\" file.evtx");
		CHECK_INT(q_int(x, "SELECT json_valid(data) FROM events"), 1);
		sqlite3_close(x);
	}
	hc_analysis_free(&a);
	hc_eventset_free(&set);
	unlink(db);
}

/* Counts "?N" in the header comment and the names after "Result:". */
static void header_contract(const char *sql, int *params, int *cols)
{
	const char *p = sql;

	*params = 0;
	*cols = -1;
	while (p[0] == '-' && p[1] == '-') {
		const char *eol = strchr(p, '\n');
		const char *r = strstr(p, "Result:");
		if (!eol)
			eol = p + strlen(p);
		for (const char *q = p; q < eol; q++)
			if (q[0] == '?' && q[1] >= '0' && q[1] <= '9')
				(*params)++;
		if (r && r < eol) {
			r += 7;
			r += strspn(r, " ");
			if (strncmp(r, "none", 4) == 0) {
				*cols = 0;
			} else {
				*cols = 1;
				for (; r < eol; r++)
					*cols += *r == ',';
			}
		}
		p = *eol ? eol + 1 : eol;
	}
}

/* Stand-ins for the SQL functions the read side of the store registers
 * (regexp, regexp_nocase, logon_type_name): the queries must prepare. */
static void fn_stub(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlite3_result_null(ctx);
}

static void add_stubs(sqlite3 *db)
{
	sqlite3_create_function(db, "regexp", 2, SQLITE_UTF8, NULL, fn_stub, NULL, NULL);
	sqlite3_create_function(db, "regexp_nocase", 2, SQLITE_UTF8, NULL, fn_stub, NULL, NULL);
	sqlite3_create_function(db, "logon_type_name", 1, SQLITE_UTF8, NULL, fn_stub, NULL, NULL);
}

/* Every embedded query: one statement whose parameters and result columns
 * are what its header says, or a script that runs on a new database. */
static void test_queries(void)
{
	sqlite3 *db = NULL;

	CHECK(hc_nqueries >= 10);
	CHECK(hc_query_get("schema") == hc_sql_schema);
	CHECK(hc_query_get("no-such-query") == NULL);
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		HC_SKIP("no in-memory SQLite");
	exec(db, hc_sql_reset_analysis);
	exec(db, hc_sql_reset);
	exec(db, hc_sql_schema);
	exec(db, hc_sql_schema_analysis);
	exec(db, hc_sql_schema_indexes);
	exec(db, hc_sql_reset_analysis);
	exec(db, hc_sql_reset);
	exec(db, hc_sql_schema);
	exec(db, hc_sql_reset_analysis);
	exec(db, hc_sql_schema_analysis);
	CHECK_INT(q_int(db, "PRAGMA user_version"), HC_SCHEMA_VERSION);
	sqlite3_close(db);
	for (size_t i = 0; i < hc_nqueries; i++) {
		/* each on a new database: with the tables, but schema.sql
		 * itself on an empty one */
		db = NULL;
		if (sqlite3_open(":memory:", &db) != SQLITE_OK)
			HC_SKIP("no in-memory SQLite");
		add_stubs(db);
		if (strcmp(hc_queries[i].name, "schema") != 0)
			exec(db, hc_sql_schema);
		if (strcmp(hc_queries[i].name, "schema") != 0 &&
		    strcmp(hc_queries[i].name, "schema_analysis") != 0)
			exec(db, hc_sql_schema_analysis);
		const char *sql = hc_queries[i].sql, *tail = NULL;
		sqlite3_stmt *st = NULL;
		int params, cols, nstmt = 0;
		CHECK(strncmp(sql, "-- Purpose:", 11) == 0);
		header_contract(sql, &params, &cols);
		if (cols < 0)
			HC_FAIL_AT("%s: no Result: line", hc_queries[i].name);
		int got_params = 0, got_cols = 0;
		for (const char *p = sql; p && *p; p = tail) {
			if (sqlite3_prepare_v2(db, p, -1, &st, &tail) != SQLITE_OK) {
				HC_FAIL_AT("%s: %s", hc_queries[i].name, sqlite3_errmsg(db));
				break;
			}
			if (!st)
				break;
			if (++nstmt == 1) {
				got_params = sqlite3_bind_parameter_count(st);
				got_cols = sqlite3_column_count(st);
			}
			/* a script's statements build on each other: run them */
			if ((nstmt > 1 || tail[strspn(tail, " \t\r\n")]) &&
			    sqlite3_step(st) == SQLITE_ERROR)
				HC_FAIL_AT("%s: %s", hc_queries[i].name, sqlite3_errmsg(db));
			sqlite3_finalize(st);
			st = NULL;
		}
		/* a script (several statements) runs without parameters or
		 * results; a single statement must match its header */
		CHECK(nstmt >= 1);
		if (nstmt > 1 && params != 0)
			HC_FAIL_AT("%s: a script with parameters", hc_queries[i].name);
		if (nstmt == 1 && got_params != params)
			HC_FAIL_AT("%s: %d parameters, header lists %d", hc_queries[i].name,
			           got_params, params);
		if (nstmt == 1 && got_cols != cols)
			HC_FAIL_AT("%s: %d result columns, header lists %d", hc_queries[i].name,
			           got_cols, cols);
		sqlite3_close(db);
	}
}

/* The journal mode bytes of a database header (18, 19): 2 WAL, 1 rollback. */
static int header_journal(const char *path)
{
	unsigned char head[20] = {0};
	FILE *f = fopen(path, "rb");

	if (f) {
		if (fread(head, 1, sizeof(head), f) != sizeof(head))
			head[18] = 0;
		fclose(f);
	}
	return head[18];
}

/* A case at rest is one file in rollback journal mode; while two writers
 * have it open it stays in WAL mode, and the last one to close (without
 * waiting for the other) leaves it one file. */
static void test_at_rest(void)
{
	char db[300], side[320];
	struct hc_store *a = NULL, *b = NULL;
	struct hc_diag d;

	snprintf(db, sizeof(db), "%s/rest.db", tmpdir);
	CHECK_INT(hc_store_open(db, &a, &d), 0);
	CHECK_INT(hc_store_open(db, &b, &d), 0);
	CHECK_INT(header_journal(db), 2);
	hc_store_close(a);
	CHECK_INT(header_journal(db), 2);
	hc_store_close(b);
	CHECK_INT(header_journal(db), 1);
	snprintf(side, sizeof(side), "%s-wal", db);
	CHECK(access(side, F_OK) != 0);
	snprintf(side, sizeof(side), "%s-shm", db);
	CHECK(access(side, F_OK) != 0);
	/* opened read-only, it stays so, and nothing is made beside it */
	a = NULL;
	CHECK_INT(hc_store_open_readonly(db, &a, &d), 0);
	CHECK(access(side, F_OK) != 0);
	hc_store_close(a);
	CHECK_INT(header_journal(db), 1);
	unlink(db);
}

int main(int argc, char **argv)
{
	if (!mkdtemp(tmpdir))
		HC_SKIP("cannot make a temporary directory");
	test_queries();
	test_refusals();
	test_hostile();
	test_read_refusals();
	test_at_rest();
	if (argc > 1)
		test_samples(argv[1]);
	rmdir(tmpdir);
	return hc_test_result();
}

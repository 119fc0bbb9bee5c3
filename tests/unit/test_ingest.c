/* Unit tests for engine/ingest.c: a case grown in three runs. The plan
 * tells new content from content the case holds or an earlier input of
 * the run has; reading adds the new files (an event the case holds is not
 * added again); the analysis is made from the events read into an empty
 * case, or from the case; a run that adds nothing leaves it current. */
#include "hc_test.h"
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A network logon to `host` (record `rec`, second `sec`); `pad` spaces
 * change the file's bytes without changing the event. */
static int write_logon(const char *path, const char *host, int rec, int sec, int pad)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f,
	        "{\"@timestamp\":\"2019-05-14T05:05:%02d.000Z\",%*s\"winlog\":{\"channel\":"
	        "\"Security\",\"computer_name\":\"%s\",\"event_id\":4624,\"record_id\":%d,"
	        "\"event_data\":{\"LogonType\":\"3\",\"TargetUserName\":\"alice\","
	        "\"TargetDomainName\":\"CORP\",\"TargetLogonId\":\"0x%x\","
	        "\"IpAddress\":\"10.0.0.5\",\"AuthenticationPackageName\":\"Kerberos\"}}}\n",
	        sec, pad, "", host, rec, 0x1000 + rec);
	return fclose(f);
}

struct seen {
	size_t diags, files, passes, current;
	size_t nevents;
	enum hc_case_step last;
};

static void on_diag(void *ctx, const struct hc_diag *d)
{
	struct seen *s = ctx;

	fprintf(stderr, "diag: %s: %s\n", d->file, d->msg);
	s->diags++;
}

static void on_file(void *ctx, const struct hc_ingest *ig, const struct hc_ingest_input *in)
{
	struct seen *s = ctx;

	(void)ig;
	(void)in;
	s->files++;
}

static void on_step(void *ctx, enum hc_case_step step)
{
	((struct seen *)ctx)->last = step;
}

static void on_pass(void *ctx, const struct hc_case_pass *p)
{
	struct seen *s = ctx;

	s->passes++;
	s->current += p->current;
	s->nevents = p->nevents;
}

/* One run of ingest over `files`; checks the statuses `want` (one per
 * file), returns whether the analysis needed correlating; correlates
 * unless `killed` (a run stopped after adding). */
static bool run(struct hc_store *st, char **files, size_t n, const enum hc_input_status *want,
                size_t want_kept, bool killed, struct seen *s)
{
	struct hc_ingest_cb cb = {.on_diag = on_diag, .on_file = on_file, .ctx = s};
	struct hc_case_cb ccb = {.on_step = on_step, .on_pass = on_pass, .ctx = s};
	struct hc_correlate_opts co;
	struct hc_ingest ig;
	struct hc_diag d;
	bool stale;

	hc_correlate_opts_init(&co);
	CHECK_INT(hc_ingest_plan(&ig, st, files, n, &cb, &d), HC_OK);
	CHECK_INT(hc_ingest_read(&ig, NULL, 2, &d), HC_OK);
	for (size_t i = 0; i < n; i++)
		CHECK_STR(hc_input_status_text(ig.in[i].status), hc_input_status_text(want[i]));
	CHECK_INT(ig.set.n, want_kept);
	stale = ig.stale;
	if (stale && !killed) {
		CHECK_INT(hc_case_correlate(st, &co, NULL, 0, &ig.set, ig.gen, &ccb, &d), 0);
		CHECK_INT(s->last, HC_CASE_WRITTEN);
	}
	hc_ingest_free(&ig);
	return stale;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256], a[300], b[300], c[300], e[300], db[300];
	struct hc_store *st = NULL;
	struct hc_diag d;
	struct seen s = {0};

	snprintf(dir, sizeof(dir), "%s/hc-test-ingest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		HC_SKIP("cannot make a temporary directory");
	snprintf(a, sizeof(a), "%s/a.jsonl", dir);
	snprintf(b, sizeof(b), "%s/b.jsonl", dir);
	snprintf(c, sizeof(c), "%s/missing.jsonl", dir);
	snprintf(e, sizeof(e), "%s/e.jsonl", dir);
	snprintf(db, sizeof(db), "%s/case.db", dir);
	if (write_logon(a, "server1", 1, 1, 0) < 0 || write_logon(b, "server1", 1, 1, 0) < 0 ||
	    write_logon(e, "server1", 1, 1, 3) < 0)
		HC_SKIP("cannot write into %s", dir);
	hc_input_init();
	CHECK_INT(hc_store_open(db, &st, &d), HC_OK);

	/* run 1, an empty case: b has a's content, c cannot be hashed */
	{
		char *files[] = {a, b, c};
		enum hc_input_status want[] = {HC_INPUT_ADDED, HC_INPUT_SAME_CONTENT,
		                               HC_INPUT_UNREADABLE};
		CHECK(run(st, files, 3, want, 1, false, &s));
		CHECK_INT(s.diags, 1);  /* c, once */
		CHECK_INT(s.files, 1);  /* only a was read */
		CHECK_INT(s.passes, 1); /* from the events read: no reload */
		CHECK_INT(s.current, 1);
		CHECK_INT(s.nevents, 1);
	}
	/* run 2: a is in the case; nothing to correlate */
	{
		char *files[] = {a};
		enum hc_input_status want[] = {HC_INPUT_KNOWN};
		CHECK(!run(st, files, 1, want, 0, false, &s));
		CHECK_INT(s.files, 1);
	}
	/* run 3: e differs in bytes, not in its event: read, nothing added */
	{
		char *files[] = {e};
		enum hc_input_status want[] = {HC_INPUT_NO_NEW};
		CHECK(!run(st, files, 1, want, 0, false, &s));
		CHECK_INT(s.files, 2);
	}
	/* a second host's log into a non-empty case (correlated from the
	 * case), by a run that stops before correlating */
	{
		char *files[] = {b};
		enum hc_input_status want[] = {HC_INPUT_ADDED};
		CHECK_INT(write_logon(b, "server2", 7, 9, 0), 0);
		CHECK(run(st, files, 1, want, 0, true, &s));
		CHECK_INT(s.passes, 1);
	}
	/* the run stopped before correlating: the next one does it */
	{
		char *files[] = {b};
		enum hc_input_status want[] = {HC_INPUT_KNOWN};
		CHECK(run(st, files, 1, want, 0, false, &s));
		CHECK_INT(s.passes, 2);
		CHECK_INT(s.nevents, 2);
	}
	/* correlating an unchanged case loads it and is current */
	{
		struct hc_correlate_opts co;
		struct hc_eventset set = {0};
		struct hc_case_cb ccb = {.on_pass = on_pass, .ctx = &s};
		hc_correlate_opts_init(&co);
		CHECK_INT(hc_case_correlate(st, &co, NULL, 0, &set, -1, &ccb, &d), 0);
		CHECK_INT(s.passes, 3);
		CHECK_INT(s.nevents, 2);
		hc_eventset_free(&set);
	}
	hc_store_close(st);
	unlink(a);
	unlink(b);
	unlink(e);
	unlink(db);
	{
		char side[320];
		snprintf(side, sizeof(side), "%s-wal", db);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", db);
		unlink(side);
	}
	rmdir(dir);
	return hc_test_result();
}

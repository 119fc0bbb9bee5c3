/* Store write speed: loads the .evtx files under the given paths, then
 * times hc_store_write of every event (with an empty analysis unless
 * --correlate) into DB, and prints events/s. Not a test; built on demand:
 *   ninja -C build tests/store/bench_store
 *   build/tests/store/bench_store [--correlate] [--memory] [--repeat N] DB PATH... */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct hc_eventset set = {0};
	struct hc_read_opts ro = {0};
	struct hc_correlate_opts co = {.skew = 300 * HC_TICKS_PER_SEC,
	                               .session_window = 36000 * HC_TICKS_PER_SEC};
	struct hc_analysis a;
	struct hc_store *s = NULL;
	struct hc_diag d;
	char **paths = NULL;
	size_t npaths = 0;
	bool correlate = false, memory = false;
	int repeat = 1;
	double t0, t_write;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--correlate") == 0)
			correlate = true;
		else if (strcmp(argv[i], "--memory") == 0)
			memory = true;
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
	}
	if (argc - i < 2) {
		fputs("usage: bench_store [--correlate] [--memory] [--repeat N] DB PATH...\n",
		      stderr);
		return 2;
	}
	if (hc_paths_expand((const char *const *)argv + i + 1, (size_t)(argc - i - 1), NULL, NULL,
	                    &paths, &npaths) < 0 ||
	    hc_events_load(&set, paths, npaths, &ro, 4, 0, NULL) < 0 || hc_events_sort(&set) < 0)
		return 1;
	memset(&a, 0, sizeof(a));
	if (correlate && hc_correlate(&set, &co, &a) < 0)
		return 1;
	for (int r = 0; r < repeat; r++) {
		if (!memory) {
			unlink(argv[i]);
			for (const char *sfx = "-wal"; sfx;
			     sfx = strcmp(sfx, "-wal") == 0 ? "-shm" : NULL) {
				char p[4096];
				snprintf(p, sizeof(p), "%s%s", argv[i], sfx);
				unlink(p);
			}
		}
		t0 = now();
		if (hc_store_open(memory ? NULL : argv[i], &s, &d) < 0 ||
		    hc_store_write(s, &set, &a, NULL, 0, -1, &d) < 0) {
			fprintf(stderr, "bench_store: %s: %s\n", d.file, d.msg);
			return 1;
		}
		hc_store_close(s);
		t_write = now() - t0;
		printf("%zu events, %zu hops, %zu chains: %.2f s, %.0f events/s\n", set.n, a.nhops,
		       a.nchains, t_write, (double)set.n / t_write);
		fflush(stdout);
	}
	hc_analysis_free(&a);
	hc_eventset_free(&set);
	hc_paths_free(paths, npaths);
	return 0;
}

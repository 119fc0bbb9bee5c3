/* read_speed: the EVTX readers alone, without rendering any output: reads
 * FILE with the given reader, ids and threads through hc_events_load (the
 * loader `hopchain events` uses), sorts, and prints seconds, MB/s of input
 * (wall and CPU time) and events kept. What bench_events.py compares against the whole command.
 * usage: read_speed [-r native|libevtx] [-t THREADS] [-i ID,ID..] [-n RUNS] FILE */
#include "loader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct hc_read_opts o = {0};
	uint32_t ids[256];
	unsigned threads = 1;
	int runs = 1, c;
	struct stat st;

	while ((c = getopt(argc, argv, "r:t:i:n:")) != -1) {
		switch (c) {
		case 'r':
			o.reader = optarg;
			break;
		case 't':
			threads = (unsigned)atoi(optarg);
			break;
		case 'n':
			runs = atoi(optarg);
			break;
		case 'i':
			for (char *p = optarg; *p && o.nids < 256;) {
				ids[o.nids++] = (uint32_t)strtoul(p, &p, 10);
				if (*p == ',')
					p++;
			}
			o.ids = ids;
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc || stat(argv[optind], &st) != 0) {
		fprintf(stderr, "usage: read_speed [-r READER] [-t N] [-i IDS] [-n RUNS] FILE\n");
		return 2;
	}
	for (int r = 0; r < runs; r++) {
		struct hc_eventset set = {0};
		double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		if (hc_events_load(&set, argv + optind, 1, &o, threads, 0, NULL) < 0 ||
		    hc_events_sort(&set) < 0) {
			fprintf(stderr, "read_speed: out of memory\n");
			return 1;
		}
		double dt = clock_s(CLOCK_MONOTONIC) - t0,
		       dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
		/* CPU time too: on a shared machine it says more than the wall */
		printf("%.4f s %.1f MB/s wall, %.4f s %.1f MB/s cpu, %zu events\n", dt,
		       (double)st.st_size / 1e6 / dt, dc, (double)st.st_size / 1e6 / dc, set.n);
		hc_eventset_free(&set);
	}
	return 0;
}

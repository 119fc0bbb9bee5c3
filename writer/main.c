/* main.c: the hc-evtxgen command line.
 * hc-evtxgen [-o OUTDIR] [--manifest FILE] SCENARIO.json writes one .evtx per
 * host of the scenario. Exit codes: 0 ok, 1 runtime failure, 2 usage or
 * scenario error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define HC_GEN_MAX_PATH HC_SC_MAX_PATH

static void usage(FILE *f)
{
	fputs("usage: hc-evtxgen [-o OUTDIR] [--manifest FILE] SCENARIO.json\n"
	      "\n"
	      "Write the .evtx files of each host of a scenario (Security, and Sysmon and\n"
	      "NTLM/Operational where it has such records).\n"
	      "\n"
	      "  -o, --output DIR     directory for the .evtx files (default: .)\n"
	      "  -m, --manifest FILE  also write one JSON line per record (for tests)\n"
	      "  -h, --help           show this help\n"
	      "\n"
	      "Exit status: 0 ok, 1 runtime failure, 2 usage or scenario error.\n"
	      "The scenario format is described in writer/README.md.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"manifest", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *outdir = ".", *manifest_path = NULL;
	struct hc_sc *sc = NULL;
	struct hc_sc_diag diag;
	FILE *mf = NULL;
	int c, r, rc = 0;

	while ((c = getopt_long(argc, argv, "o:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			outdir = optarg;
			break;
		case 'm':
			manifest_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fputs("hc-evtxgen: try --help\n", stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fputs("hc-evtxgen: expected exactly one SCENARIO.json\nhint: try --help\n", stderr);
		return 2;
	}
	r = hc_sc_load(argv[optind], &sc, &diag);
	if (r < 0) {
		fprintf(stderr, "hc-evtxgen: %s\n", diag.msg);
		return r == HC_SC_E_SCENARIO ? 2 : 1;
	}
	if (manifest_path != NULL) {
		mf = fopen(manifest_path, "w");
		if (mf == NULL) {
			fprintf(stderr, "hc-evtxgen: %s: %s\n", manifest_path, strerror(errno));
			rc = 1;
			goto out;
		}
	}
	for (size_t i = 0; i < hc_sc_host_count(sc); i++) {
		r = hc_sc_write_host(sc, i, outdir, mf, &diag);
		if (r < 0) {
			fprintf(stderr, "hc-evtxgen: %s\n", diag.msg);
			rc = r == HC_SC_E_SCENARIO ? 2 : 1;
			goto out;
		}
	}
	if (hc_sc_forwarded_file(sc)) {
		char path[HC_GEN_MAX_PATH], tmp[HC_GEN_MAX_PATH + 8];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", outdir,
		                     hc_sc_forwarded_file(sc)) >= sizeof(path)) {
			fprintf(stderr, "hc-evtxgen: output path too long\n");
			rc = 2;
			goto out;
		}
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		r = hc_sc_write_forwarded(sc, tmp, &diag);
		if (r < 0 || rename(tmp, path) != 0) {
			fprintf(stderr, "hc-evtxgen: %s\n", r < 0 ? diag.msg : strerror(errno));
			remove(tmp);
			rc = r == HC_SC_E_SCENARIO ? 2 : 1;
			goto out;
		}
	}
out:
	if (mf != NULL && fclose(mf) != 0 && rc == 0) {
		fprintf(stderr, "hc-evtxgen: %s: write failed\n", manifest_path);
		rc = 1;
	}
	hc_sc_free(sc);
	return rc;
}

/* store_json: the case's EventData codec (engine/store_json.c, written by
 * hand) against the same codec through jansson, on the events of FILE.
 * Each run encodes every event's EventData to the JSON object the store
 * keeps and decodes it back into names and values, once each way, in
 * turn; prints the time per event of both, and the median of the
 * run-by-run ratios. First checks that both ways give the same fields.
 * usage: store_json [-n RUNS] [-i ID,ID..] FILE... */
#include "loader.h"
#include "store_int.h"
#include "../base/utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* jansson wants valid UTF-8: repair as the hand encoder does. */
static json_t *jstring(const char *s)
{
	char *fixed;
	json_t *j;

	if (hc_utf8_valid(s))
		return json_string(s);
	fixed = hc_utf8_repair(s);
	j = fixed ? json_string(fixed) : NULL;
	free(fixed);
	return j;
}

static char *jansson_encode(const struct hc_event *ev)
{
	json_t *o = json_object();
	char *out;

	for (size_t i = 0; i < ev->nfields; i++) {
		const struct hc_field *f = &ev->fields[i];
		json_t *name = f->name ? jstring(f->name) : NULL;
		if (name && !json_object_get(o, json_string_value(name)))
			json_object_set_new(o, json_string_value(name),
			                    jstring(f->value ? f->value : ""));
		json_decref(name);
	}
	out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return out;
}

static long jansson_decode(const char *s, char *buf, const char **names, const char **values)
{
	json_t *o = json_loads(s, 0, NULL), *v;
	const char *k;
	char *b = buf;
	long n = 0;

	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	json_object_foreach(o, k, v)
	{
		size_t kl = strlen(k), vl = json_string_length(v);
		if (n >= HC_MAX_FIELDS || !json_is_string(v))
			break;
		names[n] = memcpy(b, k, kl + 1);
		b += kl + 1;
		values[n++] = memcpy(b, json_string_value(v), vl + 1);
		b += vl + 1;
	}
	json_decref(o);
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct hc_read_opts o = {0};
	struct hc_eventset set = {0};
	struct hc_buf b = {0};
	static const char *names[HC_MAX_FIELDS], *values[HC_MAX_FIELDS];
	static const char *jnames[HC_MAX_FIELDS], *jvalues[HC_MAX_FIELDS];
	char *buf, *jbuf;
	uint32_t ids[256];
	int runs = 5, c;
	double ratio[64], th = 0, tj = 0;
	size_t bytes = 0, differ = 0;

	while ((c = getopt(argc, argv, "n:i:")) != -1) {
		if (c == 'n') {
			runs = atoi(optarg);
		} else if (c == 'i') {
			for (char *p = optarg; *p && o.nids < 256;) {
				ids[o.nids++] = (uint32_t)strtoul(p, &p, 10);
				if (*p == ',')
					p++;
			}
			o.ids = ids;
		} else {
			return 2;
		}
	}
	if (optind >= argc || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: store_json [-n RUNS (1-64)] [-i IDS] FILE...\n");
		return 2;
	}
	if (hc_events_load(&set, argv + optind, (size_t)(argc - optind), &o, 1, 0, NULL) < 0 ||
	    !set.n) {
		fprintf(stderr, "store_json: no events read\n");
		return 1;
	}
	buf = malloc(HC_MAX_STORE_JSON + 1);
	jbuf = malloc(HC_MAX_STORE_JSON + 1);
	if (!buf || !jbuf)
		return 1;
	/* both ways give the same fields */
	for (size_t i = 0; i < set.n; i++) {
		char *j;
		long n, jn;
		if (hc_store_data_encode(&set.v[i], &b) < 0 || !(j = jansson_encode(&set.v[i])))
			return 1;
		bytes += b.len;
		n = hc_store_data_decode(b.p, buf, names, values);
		jn = jansson_decode(j, jbuf, jnames, jvalues);
		free(j);
		if (n != jn) {
			differ++;
			continue;
		}
		for (long k = 0; k < n; k++)
			if (strcmp(names[k], jnames[k]) || strcmp(values[k], jvalues[k])) {
				differ++;
				break;
			}
	}
	printf("%zu events, %.1f MB of EventData JSON, %zu decoded differently\n", set.n,
	       (double)bytes / 1e6, differ);
	for (int r = 0; r < runs; r++) {
		double t0 = now(), t1, t2;
		for (size_t i = 0; i < set.n; i++)
			if (hc_store_data_encode(&set.v[i], &b) < 0 ||
			    hc_store_data_decode(b.p, buf, names, values) < 0)
				return 1;
		t1 = now();
		for (size_t i = 0; i < set.n; i++) {
			char *j = jansson_encode(&set.v[i]);
			if (!j || jansson_decode(j, jbuf, jnames, jvalues) < 0)
				return 1;
			free(j);
		}
		t2 = now();
		th += t1 - t0;
		tj += t2 - t1;
		ratio[r] = (t2 - t1) / (t1 - t0);
	}
	qsort(ratio, (size_t)runs, sizeof(ratio[0]), cmp_double);
	printf("by hand: %.0f ns/event, jansson: %.0f ns/event (CPU, mean of %d runs); "
	       "jansson/by hand: median %.2fx\n",
	       th / runs / (double)set.n * 1e9, tj / runs / (double)set.n * 1e9, runs,
	       ratio[runs / 2]);
	hc_buf_free(&b);
	free(buf);
	free(jbuf);
	hc_eventset_free(&set);
	return differ ? 1 : 0;
}

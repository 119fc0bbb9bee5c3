/* The correlation options every command that correlates takes (--policy,
 * --hosts, --skew, --session-window), and how a case remembers them: an
 * option not given to `ingest`/`correlate` keeps the value the case was
 * last correlated with (meta table), else the default. */
#include "cli.h"
#include "../engine/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HC_MAX_HINTS 100000
#define HC_MAX_HINT_LINE 1024

/* --hosts: "name,address" lines; '#' comments; a header line is skipped. */
static int load_hints(const char *path, struct hc_host_hint **ret, size_t *n, char ***strs)
{
	FILE *f = fopen(path, "r");
	char line[HC_MAX_HINT_LINE];
	struct hc_host_hint *v = NULL;
	char **s = NULL;
	size_t cap = 0, ln = 0;

	*n = 0;
	if (!f) {
		fprintf(stderr, "hopchain: ");
		hc_term_put(stderr, path);
		fprintf(stderr, ": %s\n", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *comma, *name, *addr, *e;
		ln++;
		line[strcspn(line, "\r\n")] = '\0';
		name = line + strspn(line, " \t");
		if (!*name || *name == '#')
			continue;
		comma = strchr(name, ',');
		if (!comma) {
			fprintf(stderr, "hopchain: %s:%zu: expected name,address\n", path, ln);
			continue;
		}
		*comma = '\0';
		addr = comma + 1 + strspn(comma + 1, " \t");
		for (e = comma; e > name && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = '\0';
		if (ln == 1 && strcmp(name, "name") == 0)
			continue;
		if (*n >= HC_MAX_HINTS)
			break;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = realloc(v, cap * sizeof(*v));
			s = realloc(s, 2 * cap * sizeof(*s));
			if (!v || !s) {
				fclose(f);
				free(v);
				free(s);
				return -1;
			}
		}
		s[2 * *n] = strdup(name);
		s[2 * *n + 1] = strdup(addr);
		v[*n].name = s[2 * *n];
		v[*n].address = s[2 * *n + 1];
		(*n)++;
	}
	fclose(f);
	*ret = v;
	*strs = s;
	return 0;
}

void hc_cli_corr_init(struct hc_cli_corr *c)
{
	memset(c, 0, sizeof(*c));
	hc_correlate_opts_init(&c->co);
}

int hc_cli_corr_option(struct hc_cli_corr *c, const char *cmd, int opt, const char *arg)
{
	switch (opt) {
	case 'p':
		c->policy_path = arg;
		return 0;
	case 'H':
		c->hosts_path = arg;
		return 0;
	case 's':
	case 'w':
		if (!hc_duration_parse(arg, opt == 's' ? &c->co.skew : &c->co.session_window))
			return hc_cli_usage_error(cmd,
			                          "--%s wants a duration like 5m, 300s or 10h, "
			                          "not '%s'",
			                          opt == 's' ? "skew" : "session-window", arg);
		if (opt == 's')
			c->skew_set = true;
		else
			c->window_set = true;
		return 0;
	default:
		return HC_EXIT_USAGE;
	}
}

/* An option the command line did not give, from the case's meta table. */
static int inherit(struct hc_store *s, const char *key, char *out, size_t cap)
{
	struct hc_diag d;
	int rc = hc_store_get_meta(s, key, out, cap, &d);

	if (rc < 0)
		hc_cli_diag(&d);
	return rc > 0;
}

int hc_cli_corr_ready(struct hc_cli_corr *c, const char *cmd, struct hc_store *case_store)
{
	char v[HC_MAX_PATH];

	if (case_store) {
		if (!c->skew_set && inherit(case_store, "skew", v, sizeof(v)))
			hc_duration_parse(v, &c->co.skew);
		if (!c->window_set && inherit(case_store, "session_window", v, sizeof(v)))
			hc_duration_parse(v, &c->co.session_window);
		if (!c->policy_path && inherit(case_store, "policy", v, sizeof(v)) && v[0] &&
		    !(c->policy_path = c->inherited_policy = strdup(v)))
			return HC_EXIT_FAILURE;
		if (!c->hosts_path && inherit(case_store, "hosts", v, sizeof(v)) && v[0] &&
		    !(c->hosts_path = c->inherited_hosts = strdup(v)))
			return HC_EXIT_FAILURE;
	}
	if (c->policy_path) {
		struct hc_diag d;
		if (hc_policy_load(c->policy_path, &c->pol, &d) < 0)
			return hc_cli_usage_error(cmd, "--policy %s: %s", c->policy_path, d.msg);
		c->have_policy = true;
		c->co.policy = &c->pol;
	}
	if (c->hosts_path) {
		if (load_hints(c->hosts_path, &c->hints, &c->nhints, &c->hint_strs) < 0)
			return HC_EXIT_USAGE;
		c->co.hints = c->hints;
		c->co.nhints = c->nhints;
	}
	snprintf(c->skew_txt, sizeof(c->skew_txt), "%llds",
	         (long long)(c->co.skew / HC_TICKS_PER_SEC));
	snprintf(c->window_txt, sizeof(c->window_txt), "%llds",
	         (long long)(c->co.session_window / HC_TICKS_PER_SEC));
	c->meta[0] = "skew";
	c->meta[1] = c->skew_txt;
	c->meta[2] = "session_window";
	c->meta[3] = c->window_txt;
	c->meta[4] = "policy";
	c->meta[5] = c->policy_path ? c->policy_path : "";
	c->meta[6] = "hosts";
	c->meta[7] = c->hosts_path ? c->hosts_path : "";
	c->nmeta = 4;
	return 0;
}

void hc_cli_corr_free(struct hc_cli_corr *c)
{
	if (c->have_policy)
		hc_policy_free(&c->pol);
	for (size_t i = 0; i < 2 * c->nhints; i++)
		free(c->hint_strs[i]);
	free(c->hint_strs);
	free(c->hints);
	free(c->inherited_policy);
	free(c->inherited_hosts);
	memset(c, 0, sizeof(*c));
}

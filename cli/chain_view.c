/* The chain view: one analysis' chains as the story (table), json/jsonl
 * (out_json.c), csv or dot, for `analyze` (its live analysis) and `chains`
 * (the analysis loaded back from the case): one model, one renderer, so
 * the two print the same bytes (issue 11). */
#include "chain_view.h"
#include "out_json.h"
#include "term.h"
#include "../parsers/decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *acct_label(const struct hc_hop *h, char *buf, size_t cap)
{
	const struct hc_norm *n = &h->ev->norm;

	if (h->anonymous)
		return "ANONYMOUS LOGON";
	snprintf(buf, cap, "%s", n->target.name ? n->target.name : "?");
	return buf;
}

static const char *host_label(const struct hc_analysis *a, int h)
{
	return h >= 0 ? a->hosts[h].name : "?";
}

/* The source of a hop for people: its host, else its address from any
 * witness, else "?". */
static const char *src_label(const struct hc_analysis *a, const struct hc_hop *h)
{
	if (h->src >= 0)
		return a->hosts[h->src].name;
	return h->src_ip ? h->src_ip : "?";
}

static void put(FILE *out, const char *s)
{
	hc_term_put(out, s);
}

static int sev_color(enum hc_severity s)
{
	return s == HC_SEV_HIGH ? 31 : s == HC_SEV_MEDIUM ? 33 : s == HC_SEV_LOW ? 36 : 32;
}

static void print_hidden(const struct hc_view_hidden *x, const struct hc_view_opts *o, FILE *out)
{
	size_t other = x->hops[HC_CLASS_MACHINE] + x->hops[HC_CLASS_COLLECTOR] +
	               x->hops[HC_CLASS_NULL_SESSION];

	/* the other classes never continue a chain: each is a chain of one hop */
	if (other && !o->all)
		fprintf(out,
		        "hidden: %zu machine, %zu collector and %zu null-session hops (%s "
		        "shows them)\n",
		        x->hops[HC_CLASS_MACHINE], x->hops[HC_CLASS_COLLECTOR],
		        x->hops[HC_CLASS_NULL_SESSION],
		        o->min_hops > 1 ? "--all --min-hops 1" : "--all");
	if (x->short_chains)
		fprintf(out,
		        "hidden: %zu chains of fewer than %zu hops (--min-hops 1 shows them)\n",
		        x->short_chains, o->min_hops);
}

static void print_story(const struct hc_analysis *a, const struct hc_chain *const *ch, size_t n,
                        const struct hc_view_hidden *hidden, const struct hc_view_opts *o,
                        FILE *out)
{
	const bool color = o->color;
	char t0[40], t1[40], buf[512];

	if (n == 0)
		fputs("no hop chains found\n", out);
	for (size_t c = 0; c < n; c++) {
		const struct hc_chain *k = ch[c];
		hc_time_format(k->start, t0, sizeof(t0));
		hc_time_format(k->end, t1, sizeof(t1));
		fprintf(out, "%s%s%s  %s .. %s  %zu hop%s\n", color ? "\033[1m" : "", k->id,
		        color ? "\033[0m" : "", t0, t1, k->nhops, k->nhops == 1 ? "" : "s");
		fputs("  ", out);
		for (size_t i = 0; i < k->nhops; i++) {
			const struct hc_hop *h = &a->hops[k->hops[i]];
			const struct hc_norm *nn = &h->ev->norm;
			if (i == 0)
				put(out, src_label(a, h));
			fputs(" \xe2\x94\x80(", out);
			put(out, acct_label(h, buf, sizeof(buf)));
			fputs(", ", out);
			put(out, nn->package               ? nn->package
			         : h->ev->event_id == 4648 ? "explicit creds"
			                                   : "?");
			if (nn->logon_type >= 0)
				fprintf(out, ", type %d", nn->logon_type);
			if (h->failed)
				fputs(", FAILED", out);
			fputs(")\xe2\x86\x92 ", out);
			put(out, host_label(a, h->dst));
		}
		fputc('\n', out);
		for (size_t i = 0; i < k->nhops; i++) {
			const struct hc_hop *h = &a->hops[k->hops[i]];
			hc_time_format(h->time, t0, sizeof(t0));
			fprintf(out, "    hop %zu  %s  %u  ", i + 1, t0, h->ev->event_id);
			put(out, h->ev->file);
			fprintf(out, "#%llu", (unsigned long long)h->ev->record_id);
			if (h->src_how)
				fprintf(out, "  source by %s", hc_source_name(h->src_how));
			if (h->src < 0 && h->src_ip) {
				fputs(" (", out);
				put(out, h->src_ip);
				fputc(')', out);
			}
			if (h->nrepeats)
				fprintf(out, "  +%zu logon%s of the same act", h->nrepeats,
				        h->nrepeats == 1 ? "" : "s");
			if (i > 0) {
				const struct hc_link *l = &a->links[k->links[i - 1]];
				fprintf(out, "  link %.2f", l->confidence);
				if (l->proof != HC_PROOF_NONE)
					fprintf(
					    out, " (%s %s)",
					    l->proof == HC_PROOF_UNIQUE ? "the only" : "proven by",
					    l->proof == HC_PROOF_UNIQUE ? "candidate"
					                                : hc_proof_name(l->proof));
				fprintf(out, "%s%s",
				        l->restricted_admin
				            ? " (as the host: Restricted Admin session)"
				            : "",
				        l->ambiguous ? " AMBIGUOUS" : "");
				if (h->nparents > 1)
					fprintf(out, " [%zu candidate sessions]", h->nparents);
			}
			if (h->cls != HC_CLASS_USER)
				fprintf(out, "  [%s]", hc_class_name(h->cls));
			fputc('\n', out);
		}
		for (size_t i = 0; i < k->nfindings; i++) {
			const struct hc_finding *f = &k->findings[i];
			if (color)
				fprintf(out, "  \033[%dm[%s]\033[0m ", sev_color(f->severity),
				        hc_severity_name(f->severity));
			else
				fprintf(out, "  [%s] ", hc_severity_name(f->severity));
			fprintf(out, "%s (hop %zu%s%s): ", f->id, f->hop, f->technique ? ", " : "",
			        f->technique ? f->technique : "");
			put(out, f->what);
			fputs("\n      fix: ", out);
			put(out, f->todo);
			fputc('\n', out);
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < a->nwarnings; i++) {
		fputs("warning: ", out);
		put(out, a->warnings[i].msg);
		fputc('\n', out);
	}
	print_hidden(hidden, o, out);
}

static enum hc_severity hop_worst(const struct hc_chain *k, size_t i, bool *any)
{
	enum hc_severity w = HC_SEV_INFO;

	*any = false;
	for (size_t f = 0; f < k->nfindings; f++)
		if (k->findings[f].hop == i + 1) {
			*any = true;
			if (k->findings[f].severity > w)
				w = k->findings[f].severity;
		}
	return w;
}

static void print_dot(const struct hc_analysis *a, const struct hc_chain *const *ch, size_t n,
                      FILE *out)
{
	char buf[512];
	bool *used = calloc(a->nhosts + 1, sizeof(bool));

	fputs("digraph hopchain {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
	      out);
	for (size_t c = 0; used && c < n; c++)
		for (size_t i = 0; i < ch[c]->nhops; i++) {
			const struct hc_hop *h = &a->hops[ch[c]->hops[i]];
			if (h->src >= 0)
				used[h->src] = true;
			used[h->dst] = true;
		}
	for (size_t i = 0; used && i < a->nhosts; i++)
		if (used[i]) {
			fputs("  ", out);
			hc_term_put_dot(out, a->hosts[i].name);
			fputs(a->hosts[i].has_log ? ";\n" : " [style=dashed];\n", out);
		}
	for (size_t c = 0; c < n; c++)
		for (size_t i = 0; i < ch[c]->nhops; i++) {
			const struct hc_hop *h = &a->hops[ch[c]->hops[i]];
			const struct hc_norm *nn = &h->ev->norm;
			bool any;
			enum hc_severity w = hop_worst(ch[c], i, &any);
			char label[700];
			snprintf(label, sizeof(label), "%s %zu: %s, %s%s", ch[c]->id, i + 1,
			         acct_label(h, buf, sizeof(buf)), nn->package ? nn->package : "?",
			         h->failed ? ", failed" : "");
			fputs("  ", out);
			hc_term_put_dot(out, src_label(a, h));
			fputs(" -> ", out);
			hc_term_put_dot(out, a->hosts[h->dst].name);
			fputs(" [label=", out);
			hc_term_put_dot(out, label);
			if (any && w >= HC_SEV_MEDIUM)
				fprintf(out, ", color=%s, penwidth=2",
				        w == HC_SEV_HIGH ? "red" : "orange");
			else if (h->cls != HC_CLASS_USER)
				fputs(", style=dashed, color=gray", out);
			fputs("];\n", out);
		}
	fputs("}\n", out);
	free(used);
}

/* csv: one row per hop, the columns of `chains --format csv`, through the
 * one CSV writer (cli/table.c). */
enum {
	V_CHAIN,
	V_HOP,
	V_TIME,
	V_SRC,
	V_DST,
	V_ACCOUNT,
	V_PACKAGE,
	V_LOGON_TYPE,
	V_ANONYMOUS,
	V_CLASS,
	V_EVENT_ID,
	V_FILE,
	V_RECORD_ID,
	V_CONFIDENCE,
	V_FINDINGS,
	V_N
};
static const struct hc_column csv_cols[V_N] = {
    {"chain", 0},    {"hop", 0},     {"time", 0},       {"src_host", 0},        {"dst_host", 0},
    {"account", 0},  {"package", 0}, {"logon_type", 0}, {"anonymous", 0},       {"class", 0},
    {"event_id", 0}, {"file", 0},    {"record_id", 0},  {"link_confidence", 0}, {"findings", 0},
};

static int print_csv(const struct hc_analysis *a, const struct hc_chain *const *ch, size_t n,
                     const struct hc_render_opts *ro, FILE *out)
{
	struct hc_table t;
	char tbuf[40], buf[512];
	int rc = 0;

	hc_table_init(&t, csv_cols, V_N);
	for (size_t c = 0; c < n && rc == 0; c++)
		for (size_t i = 0; i < ch[c]->nhops && rc == 0; i++) {
			const struct hc_hop *h = &a->hops[ch[c]->hops[i]];
			const struct hc_norm *nn = &h->ev->norm;
			struct hc_cell *r = hc_table_add_row(&t);
			char fnd[1024];
			size_t k = 0;
			if (!r) {
				rc = -1;
				break;
			}
			hc_time_format(h->time, tbuf, sizeof(tbuf));
			hc_cell_str(&r[V_CHAIN], ch[c]->id);
			hc_cell_int(&r[V_HOP], (long long)i + 1);
			hc_cell_str(&r[V_TIME], hc_table_strdup(&t, tbuf));
			hc_cell_str(&r[V_SRC], src_label(a, h));
			hc_cell_str(&r[V_DST], host_label(a, h->dst));
			hc_cell_str(&r[V_ACCOUNT],
			            hc_table_strdup(&t, acct_label(h, buf, sizeof(buf))));
			hc_cell_str(&r[V_PACKAGE], nn->package);
			if (nn->logon_type >= 0)
				hc_cell_int(&r[V_LOGON_TYPE], nn->logon_type);
			hc_cell_bool(&r[V_ANONYMOUS], h->anonymous);
			hc_cell_str(&r[V_CLASS], hc_class_name(h->cls));
			hc_cell_int(&r[V_EVENT_ID], h->ev->event_id);
			hc_cell_str(&r[V_FILE], h->ev->file);
			hc_cell_int(&r[V_RECORD_ID], (long long)h->ev->record_id);
			if (i > 0)
				hc_cell_real(&r[V_CONFIDENCE],
				             a->links[ch[c]->links[i - 1]].confidence);
			fnd[0] = '\0';
			for (size_t f = 0; f < ch[c]->nfindings; f++)
				if (ch[c]->findings[f].hop == i + 1 && k < sizeof(fnd))
					k += (size_t)snprintf(fnd + k, sizeof(fnd) - k, "%s%s",
					                      k ? ";" : "", ch[c]->findings[f].id);
			if (fnd[0])
				hc_cell_str(&r[V_FINDINGS], hc_table_strdup(&t, fnd));
		}
	if (rc == 0)
		rc = hc_table_print(&t, HC_FMT_CSV, NULL, ro, out);
	hc_table_free(&t);
	return rc;
}

bool hc_view_shows(const struct hc_analysis *a, const struct hc_chain *c,
                   const struct hc_view_opts *o)
{
	return c->nhops >= o->min_hops && (o->all || a->hops[c->hops[0]].cls == HC_CLASS_USER);
}

void hc_view_count_hidden(const struct hc_analysis *a, const struct hc_view_opts *o,
                          struct hc_view_hidden *x)
{
	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < a->nhops; i++) {
		const struct hc_hop *h = &a->hops[i];
		if (!h->absorbed && h->repeat_of < 0 && (unsigned)h->cls < 4)
			x->hops[h->cls]++;
	}
	for (size_t i = 0; i < a->nchains; i++) {
		const struct hc_chain *c = &a->chains[i];
		if (c->nhops < o->min_hops && (o->all || a->hops[c->hops[0]].cls == HC_CLASS_USER))
			x->short_chains++;
	}
}

int hc_view_print(const struct hc_analysis *a, const struct hc_chain *const *chains, size_t n,
                  const struct hc_view_hidden *hidden, enum hc_format fmt,
                  const struct hc_view_opts *o, FILE *out)
{
	struct hc_render_opts ro = {.color = o->color, .csv_raw = o->csv_raw};

	switch (fmt) {
	case HC_FMT_JSON:
	case HC_FMT_JSONL:
		return hc_analysis_print_json(a, chains, n, hidden, fmt == HC_FMT_JSONL, out);
	case HC_FMT_DOT:
		print_dot(a, chains, n, out);
		return 0;
	case HC_FMT_CSV:
		return print_csv(a, chains, n, &ro, out);
	case HC_FMT_TABLE:
	default:
		print_story(a, chains, n, hidden, o, out);
		return 0;
	}
}

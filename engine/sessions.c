/* Stage 2, logon sessions: a 4624 keyed by (host, boot, TargetLogonId),
 * ended by its 4634/4647 or by the session window or the next boot, marked
 * privileged by a 4672 (DOMAIN.md 6.9). */
#include "correlate_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sessions                                                             */

/* The number of boots of `h` at or before `t` (its boots are ascending). */
static unsigned boot_of(const struct hc_host *h, int64_t t)
{
	size_t lo = 0, hi = h->nboot;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->boot[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (unsigned)lo;
}

unsigned hc_session_boot(struct hc_analysis *a, int host, int64_t t)
{
	return boot_of(&a->hosts[host], t);
}

static void session_key(char *k, size_t cap, int host, unsigned boot, uint64_t id)
{
	snprintf(k, cap, "%d/%u/%llx", host, boot, (unsigned long long)id);
}

int hc_session_find(struct hc_analysis *a, int host, int64_t t, uint64_t id)
{
	char k[64];
	int *f;

	session_key(k, sizeof(k), host, boot_of(&a->hosts[host], t), id);
	f = hc_smap_find(&((struct priv *)a->priv)->session_by_key, k);
	return f ? *f : -1;
}

int hc_sessions_build(struct hc_analysis *a)
{
	struct priv *p = a->priv;

	if (!(p->desktop = calloc(a->nhosts + 1, sizeof(*p->desktop))))
		return HC_ERR_NOMEM;
	p->ndesktop = a->nhosts;
	for (size_t i = 0; i < p->set->n; i++) {
		const struct hc_event *ev = &p->set->v[i];
		const struct hc_norm *n = &ev->norm;
		int h = hc_host_of(a, ev), s;
		char k[64];
		if (h < 0)
			return h;
		if ((ev->event_id == 4624 &&
		     (n->logon_type == 2 || n->logon_type == 7 || n->logon_type == 10 ||
		      n->logon_type == 11 || n->logon_type == 12)) ||
		    ev->event_id == 4778) {
			if ((size_t)h < p->ndesktop && hc_ilist_add(&p->desktop[h], (int)i) < 0)
				return HC_ERR_NOMEM;
		}
		if (ev->event_id == 4624 && n->has_target_logon_id) {
			struct hc_session *ss;
			if (HC_GROW(a->sessions, a->nsessions, p->cap_sessions) < 0)
				return HC_ERR_NOMEM;
			ss = &a->sessions[a->nsessions];
			memset(ss, 0, sizeof(*ss));
			ss->host = h;
			ss->boot = boot_of(&a->hosts[h], ev->time);
			ss->logon_id = n->target_logon_id;
			ss->start = ev->time;
			ss->logon = ev;
			ss->hop = -1;
			session_key(k, sizeof(k), h, ss->boot, ss->logon_id);
			if (hc_smap_put(&p->session_by_key, k, (int)a->nsessions) < 0)
				return HC_ERR_NOMEM;
			a->nsessions++;
		} else if ((ev->event_id == 4634 || ev->event_id == 4647) &&
		           n->has_target_logon_id) {
			s = hc_session_find(a, h, ev->time, n->target_logon_id);
			if (s >= 0 && !a->sessions[s].end_seen &&
			    ev->time >= a->sessions[s].start) {
				a->sessions[s].end = ev->time;
				a->sessions[s].end_seen = true;
				a->sessions[s].logoff = ev;
			}
		} else if (ev->event_id == 4672 && n->has_subject_logon_id) {
			s = hc_session_find(a, h, ev->time, n->subject_logon_id);
			if (s >= 0)
				a->sessions[s].privileged = true;
		}
	}
	for (size_t i = 0; i < a->nsessions; i++) {
		struct hc_session *s = &a->sessions[i];
		const struct hc_host *h = &a->hosts[s->host];
		if (s->end_seen)
			continue;
		s->end = s->start + p->o->session_window;
		if (s->boot < h->nboot && h->boot[s->boot] < s->end)
			s->end = h->boot[s->boot];
	}
	return HC_OK;
}

/* String interning: open addressing over (hash, pointer) slots; string
 * bytes in 64 KiB chunks (a longer string gets a chunk of its own). */
#include "strpool.h"
#include "event.h"
#include "../base/hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (64u * 1024u)

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct slot {
	uint64_t hash;
	const char *s;
};

struct hc_strpool {
	struct slot *slot;
	size_t cap, n;
	struct chunk *chunks;
	size_t bytes;
};

static uint64_t hash_of(const char *s, size_t *len)
{
	*len = strlen(s);
	return hc_fnv1a(HC_FNV_INIT, s, *len) | 1; /* 0 marks an empty slot */
}

struct hc_strpool *hc_strpool_new(void)
{
	return calloc(1, sizeof(struct hc_strpool));
}

static int grow(struct hc_strpool *p)
{
	size_t cap = p->cap ? p->cap * 2 : 1024;
	struct slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return -1;
	for (size_t k = 0; k < p->cap; k++)
		if (p->slot[k].hash) {
			size_t i = p->slot[k].hash & (cap - 1);
			while (s[i].hash)
				i = (i + 1) & (cap - 1);
			s[i] = p->slot[k];
		}
	p->bytes += (cap - p->cap) * sizeof(*s);
	free(p->slot);
	p->slot = s;
	p->cap = cap;
	return 0;
}

static char *store(struct hc_strpool *p, const char *s, size_t len)
{
	struct chunk *c = p->chunks;
	char *r;

	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > CHUNK ? len + 1 : CHUNK;
		struct chunk *n = malloc(sizeof(*n) + cap);
		if (!n)
			return NULL;
		n->used = 0;
		n->cap = cap;
		p->bytes += sizeof(*n) + cap;
		/* a big string's own chunk goes behind the current one */
		if (c && cap > CHUNK) {
			n->next = c->next;
			c->next = n;
		} else {
			n->next = c;
			p->chunks = n;
		}
		c = n;
	}
	r = c->data + c->used;
	memcpy(r, s, len + 1);
	c->used += len + 1;
	return r;
}

const char *hc_strpool_intern(struct hc_strpool *p, const char *s)
{
	size_t len, i;
	uint64_t h = hash_of(s, &len);
	char *r;

	if (len > HC_MAX_FIELD_LEN + 1)
		return NULL;
	if ((p->n + 1) * 2 > p->cap && grow(p) < 0)
		return NULL;
	for (i = h & (p->cap - 1); p->slot[i].hash; i = (i + 1) & (p->cap - 1))
		if (p->slot[i].hash == h && strcmp(p->slot[i].s, s) == 0)
			return p->slot[i].s;
	if (!(r = store(p, s, len)))
		return NULL;
	p->slot[i].hash = h;
	p->slot[i].s = r;
	p->n++;
	return r;
}

size_t hc_strpool_bytes(const struct hc_strpool *p)
{
	return p ? p->bytes : 0;
}

void hc_strpool_free(struct hc_strpool *p)
{
	if (!p)
		return;
	for (struct chunk *c = p->chunks, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(p->slot);
	free(p);
}

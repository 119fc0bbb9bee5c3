/* The string hash and the hash tables (hash.h). */
#include "hash.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

uint64_t hc_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * HC_FNV_PRIME;
	return h;
}

uint64_t hc_fnv1a_str(const char *s)
{
	uint64_t h = HC_FNV_INIT;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * HC_FNV_PRIME;
	return h;
}

uint64_t hc_fnv1a_lower(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		h = (h ^ c) * HC_FNV_PRIME;
	}
	return h;
}

uint64_t hc_mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	return k;
}

/* Both tables double from 64 slots when half full. */
static size_t next_cap(size_t cap)
{
	return cap ? cap * 2 : 64;
}

int *hc_smap_find(const struct hc_smap *m, const char *k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hc_fnv1a_str(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->key[i])
			return NULL;
		if (strcmp(m->key[i], k) == 0)
			return &m->val[i];
	}
}

int hc_smap_put(struct hc_smap *m, const char *k, int v)
{
	int *f = hc_smap_find(m, k);
	size_t i;

	if (f) {
		*f = v;
		return HC_OK;
	}
	if ((m->n + 1) * 2 > m->cap) {
		struct hc_smap nm = {.cap = next_cap(m->cap), .n = m->n};
		nm.key = calloc(nm.cap, sizeof(*nm.key));
		nm.val = calloc(nm.cap, sizeof(*nm.val));
		if (!nm.key || !nm.val) {
			free(nm.key);
			free(nm.val);
			return HC_ERR_NOMEM;
		}
		for (size_t j = 0; j < m->cap; j++)
			if (m->key[j]) {
				for (i = hc_fnv1a_str(m->key[j]) & (nm.cap - 1); nm.key[i];
				     i = (i + 1) & (nm.cap - 1))
					;
				nm.key[i] = m->key[j];
				nm.val[i] = m->val[j];
			}
		free(m->key);
		free(m->val);
		*m = nm;
	}
	for (i = hc_fnv1a_str(k) & (m->cap - 1); m->key[i]; i = (i + 1) & (m->cap - 1))
		;
	if (!(m->key[i] = strdup(k)))
		return HC_ERR_NOMEM;
	m->val[i] = v;
	m->n++;
	return HC_OK;
}

void hc_smap_free(struct hc_smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->key[i]);
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

int *hc_imap_find(const struct hc_imap *m, uint64_t k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hc_mix64(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->key[i])
			return NULL;
		if (m->key[i] == k + 1)
			return &m->val[i];
	}
}

int hc_imap_put(struct hc_imap *m, uint64_t k, int v)
{
	int *f = hc_imap_find(m, k);
	size_t i;

	if (f) {
		*f = v;
		return HC_OK;
	}
	if ((m->n + 1) * 2 > m->cap) {
		struct hc_imap nm = {.cap = next_cap(m->cap), .n = m->n};
		nm.key = calloc(nm.cap, sizeof(*nm.key));
		nm.val = calloc(nm.cap, sizeof(*nm.val));
		if (!nm.key || !nm.val) {
			free(nm.key);
			free(nm.val);
			return HC_ERR_NOMEM;
		}
		for (size_t j = 0; j < m->cap; j++)
			if (m->key[j]) {
				for (i = hc_mix64(m->key[j] - 1) & (nm.cap - 1); nm.key[i];
				     i = (i + 1) & (nm.cap - 1))
					;
				nm.key[i] = m->key[j];
				nm.val[i] = m->val[j];
			}
		free(m->key);
		free(m->val);
		*m = nm;
	}
	for (i = hc_mix64(k) & (m->cap - 1); m->key[i]; i = (i + 1) & (m->cap - 1))
		;
	m->key[i] = k + 1;
	m->val[i] = v;
	m->n++;
	return HC_OK;
}

void hc_imap_free(struct hc_imap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

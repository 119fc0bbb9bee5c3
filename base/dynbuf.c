/* Growable memory with a cap (dynbuf.h). */
#include "dynbuf.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

int hc_buf_reserve_grow(struct hc_buf *b, size_t more, size_t max)
{
	size_t cap;
	char *n;

	if (more > max || b->len > max - more)
		return HC_ERR_LIMIT;
	if (b->len + more <= b->cap)
		return HC_OK;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap = cap > max / 2 ? max : cap * 2;
	if (!(n = realloc(b->p, cap)))
		return HC_ERR_NOMEM;
	b->p = n;
	b->cap = cap;
	return HC_OK;
}

int hc_buf_add_grow(struct hc_buf *b, const void *p, size_t n, size_t max)
{
	int rc = hc_buf_reserve(b, n, max);

	if (rc < 0)
		return rc;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return HC_OK;
}

void hc_buf_free(struct hc_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int hc_array_reserve(void **p, size_t *cap, size_t need, size_t size, size_t max)
{
	size_t nc = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return HC_OK;
	if (need > max || max > (size_t)-1 / size)
		return HC_ERR_LIMIT;
	while (nc < need)
		nc = nc > max / 2 ? max : nc * 2;
	if (!(np = realloc(*p, nc * size)))
		return HC_ERR_NOMEM;
	*p = np;
	*cap = nc;
	return HC_OK;
}

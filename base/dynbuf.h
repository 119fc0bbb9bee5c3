/* Growable memory with a cap, written once (after curl's lib/dynbuf.h).
 * Everything that grows with the input grows through here, and every
 * growth names its cap: a hostile log can make hopchain refuse a record
 * (HC_ERR_LIMIT), never make it allocate without bound. */
#ifndef HC_DYNBUF_H
#define HC_DYNBUF_H

#include <stddef.h>
#include <string.h>

/* A byte buffer: `len` bytes used of `cap` at `p`. Zero it to start;
 * reuse it by setting len to 0; free it with hc_buf_free. */
struct hc_buf {
	char *p;
	size_t len, cap;
};

/* Makes room for `more` bytes after len (doubling from 4 KiB), the whole
 * never above `max` bytes. Returns HC_OK, HC_ERR_LIMIT (len + more > max:
 * the buffer is unchanged) or HC_ERR_NOMEM. Inline while there is room,
 * as hc_buf_add. */
int hc_buf_reserve_grow(struct hc_buf *b, size_t more, size_t max);
static inline int hc_buf_reserve(struct hc_buf *b, size_t more, size_t max)
{
	if (b->cap - b->len >= more && b->len + more <= max)
		return 0;
	return hc_buf_reserve_grow(b, more, max);
}
/* Appends `n` bytes (hc_buf_reserve's returns). Inline while there is
 * room: the decoders append a few bytes at a time on the reader's hot path. */
int hc_buf_add_grow(struct hc_buf *b, const void *p, size_t n, size_t max);
static inline int hc_buf_add(struct hc_buf *b, const void *p, size_t n, size_t max)
{
	if (b->cap - b->len >= n && b->len + n <= max) {
		if (n)
			memcpy(b->p + b->len, p, n);
		b->len += n;
		return 0;
	}
	return hc_buf_add_grow(b, p, n, max);
}
void hc_buf_free(struct hc_buf *b);

/* Grows the array *p of *cap elements of `size` bytes to hold at least
 * `need` (doubling from 16); never above `max` elements. Returns HC_OK,
 * HC_ERR_LIMIT or HC_ERR_NOMEM (the array unchanged). */
int hc_array_reserve(void **p, size_t *cap, size_t need, size_t size, size_t max);

/* Room for element `n` of `arr` (capacity `cap`), as a statement's value:
 * 0 or a negative HC_ERR_*. The cap is what fits in memory; callers whose
 * count comes from the input name a smaller one with hc_array_reserve. */
#define HC_GROW(arr, n, cap)                                                                       \
	((n) < (cap) ? 0                                                                           \
	             : hc_array_reserve((void **)&(arr), &(cap), (size_t)(n) + 1, sizeof(*(arr)),  \
	                                (size_t)-1 / sizeof(*(arr))))

#endif

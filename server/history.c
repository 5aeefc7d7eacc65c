/*
 * history.c — a bounded ring of pool-size samples per project, for the
 * control panel's chart of the last hour.
 */
#include <stdlib.h>

#include "server.h"

/* Appends a sample (slots online, nodes online, jobs running); the oldest
 * is dropped when the ring is full. */
void
history_add(struct history *h, int64_t t, int threads, int nodes, int busy)
{
	struct history_sample *s;

	if (h->cap == 0) {
		h->cap = 16;
		h->v = xcalloc(h->cap, sizeof(*h->v));
	} else if (h->n == h->cap && h->cap < HISTORY_MAX) {
		/* unroll the ring into a bigger array */
		struct history_sample *v = xcalloc(h->cap * 2 > HISTORY_MAX ?
		    HISTORY_MAX : h->cap * 2, sizeof(*v));
		size_t i;

		for (i = 0; i < h->n; i++)
			v[i] = h->v[(h->head + i) % h->cap];
		free(h->v);
		h->v = v;
		h->head = 0;
		h->cap = h->cap * 2 > HISTORY_MAX ? HISTORY_MAX : h->cap * 2;
	}
	if (h->n == h->cap) {
		h->head = (h->head + 1) % h->cap;
		h->n--;
	}
	s = &h->v[(h->head + h->n) % h->cap];
	s->t = t;
	s->threads = threads;
	s->nodes = nodes;
	s->busy = busy;
	h->n++;
}

/* Appends the samples of the last HISTORY_WINDOW seconds as a JSON array. */
void
history_json(const struct history *h, int64_t now, struct buf *b)
{
	const struct history_sample *s;
	size_t i;
	int first = 1;

	buf_puts(b, "[");
	for (i = 0; i < h->n; i++) {
		s = &h->v[(h->head + i) % h->cap];
		if (s->t < now - HISTORY_WINDOW)
			continue;
		buf_printf(b, "%s{\"t\":%lld,\"threads\":%d,\"nodes\":%d,"
		    "\"busy\":%d}", first ? "" : ",", (long long)s->t, s->threads,
		    s->nodes, s->busy);
		first = 0;
	}
	buf_puts(b, "]");
}

/* Frees the ring. */
void
history_free(struct history *h)
{
	free(h->v);
	h->v = NULL;
	h->head = h->n = h->cap = 0;
}

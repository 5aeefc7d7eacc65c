/* arena.c — a bump allocator for the parse tree of one line. */
#include <stdint.h>
#include <stdlib.h>

#include "calc.h"

#define BLOCK_SIZE 4096

struct arena_block {
	struct arena_block	*next;
	size_t			 used, size;
	max_align_t		 data[];
};

/* Returns zeroed memory that lives until arena_free(); exits when out of memory. */
void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block	*b = a->head;
	size_t			 align = sizeof(max_align_t);
	void			*p;

	n = (n + align - 1) / align * align;
	if (b == NULL || b->size - b->used < n) {
		size_t size = n > BLOCK_SIZE ? n : BLOCK_SIZE;

		b = calloc(1, sizeof(*b) + size);
		if (b == NULL)
			abort();
		b->size = size;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

/* Frees every block of the arena; the arena can be used again. */
void
arena_free(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

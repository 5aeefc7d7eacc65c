/* env.c — variables in a chained hash table that grows as it fills. */
#include <stdlib.h>
#include <string.h>

#include "calc.h"

struct var {
	struct var	*next;
	char		 name[32];
	double		 value;
};

struct env {
	struct var	**slots;
	size_t		  nslots;
	size_t		  count;
};

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		abort();
	return p;
}

/* A new, empty environment; free it with env_free(). */
struct env *
env_new(void)
{
	struct env *e = xcalloc(1, sizeof(*e));

	e->nslots = 8;
	e->slots = xcalloc(e->nslots, sizeof(*e->slots));
	return e;
}

static struct var *
lookup(const struct env *e, const char *name)
{
	struct var *v;

	for (v = e->slots[hash_str(name) % e->nslots]; v != NULL; v = v->next)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

/* 0 and the value in *out when name is set, -1 when it is not. */
int
env_get(const struct env *e, const char *name, double *out)
{
	const struct var *v = e == NULL ? NULL : lookup(e, name);

	if (v == NULL)
		return -1;
	*out = v->value;
	return 0;
}

static void
rehash(struct env *e)
{
	struct var	**old = e->slots, *v, *next;
	size_t		  i, nold = e->nslots;

	e->nslots *= 2;
	e->slots = xcalloc(e->nslots, sizeof(*e->slots));
	for (i = 0; i < nold; i++) {
		for (v = old[i]; v != NULL; v = next) {
			size_t h = hash_str(v->name) % e->nslots;

			next = v->next;
			v->next = e->slots[h];
			e->slots[h] = v;
		}
	}
	free(old);
}

void
env_set(struct env *e, const char *name, double value)
{
	struct var	*v = lookup(e, name);
	size_t		 h;

	if (v != NULL) {
		v->value = value;
		return;
	}
	if (e->count + 1 > e->nslots * 3 / 4)
		rehash(e);
	v = xcalloc(1, sizeof(*v));
	strncpy(v->name, name, sizeof(v->name) - 1);
	v->value = value;
	h = hash_str(name) % e->nslots;
	v->next = e->slots[h];
	e->slots[h] = v;
	e->count++;
}

size_t
env_count(const struct env *e)
{
	return e->count;
}

void
env_free(struct env *e)
{
	struct var	*v, *next;
	size_t		 i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nslots; i++) {
		for (v = e->slots[i]; v != NULL; v = next) {
			next = v->next;
			free(v);
		}
	}
	free(e->slots);
	free(e);
}

/*
 * hosts.c — builds the distcc hosts line and the members list from
 * validated entries. Nothing a client sent reaches the line as text: the
 * addresses are canonical (inet_ntop) and the numbers are integers.
 *
 * A project's line is rendered once per change (hosts_prerender) for both
 * kinds of requesters (on loopback or not); each request then only splices
 * out its own entry (hosts_splice), two memcpy calls however big the pool.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

static int
spare_cmp(const void *a, const void *b)
{
	const struct host_entry *x = a, *y = b;
	int c;

	if (x->spare != y->spare)
		return x->spare > y->spare ? -1 : 1;
	if ((c = strcmp(x->addr, y->addr)) != 0)
		return c;
	return x->port - y->port;
}

static int
addr_cmp(const void *a, const void *b)
{
	const struct host_entry *x = a, *y = b;
	int c;

	if ((c = strcmp(x->addr, y->addr)) != 0)
		return c;
	if (x->port != y->port)
		return x->port - y->port;
	return spare_cmp(a, b);
}

/* Keeps one entry per addr:port (the one with most spare capacity), marks
 * one entry of each address to stand for it in the members list, and sorts
 * by spare capacity, most first. The dropped entries follow the kept ones,
 * each with `alias` set to the `who` of the entry that replaced it.
 * Returns the number kept. O(n log n). */
size_t
hosts_sort(struct host_entry *v, size_t n)
{
	struct host_entry *dropped;
	size_t i, k = 0, d = 0;

	if (n == 0)
		return 0;
	dropped = xcalloc(n, sizeof(*dropped));
	qsort(v, n, sizeof(*v), addr_cmp);
	for (i = 0; i < n; i++) {
		if (k > 0 && v[k - 1].port == v[i].port &&
		    strcmp(v[k - 1].addr, v[i].addr) == 0) {
			dropped[d] = v[i];
			dropped[d++].alias = v[k - 1].who;
			continue;
		}
		v[k] = v[i];
		v[k].alias = NULL;
		v[k].addr_first = k == 0 || strcmp(v[k - 1].addr, v[k].addr) != 0;
		k++;
	}
	qsort(v, k, sizeof(*v), spare_cmp);
	memcpy(v + k, dropped, d * sizeof(*dropped));
	free(dropped);
	return k;
}

/* Renders the n sorted entries into hl for both kinds of requesters and
 * records where each entry's token lies. */
void
hosts_prerender(struct host_entry *v, size_t n, struct host_lines *hl)
{
	struct host_entry *e;
	size_t i, start;
	int k, firstm;

	for (k = 0; k < 2; k++) {
		buf_free(&hl->line[k]);
		buf_free(&hl->members[k]);
		buf_add(&hl->line[k], "", 0);
		buf_add(&hl->members[k], "", 0);
		hl->threads[k] = 0;
		firstm = 1;
		for (i = 0; i < n; i++) {
			e = &v[i];
			e->len[k] = 0;
			if (e->loopback && k == 0)
				continue;	/* [0]: remote requesters */
			start = hl->line[k].len;
			if (strchr(e->addr, ':') != NULL)
				buf_printf(&hl->line[k], " [%s]", e->addr);
			else
				buf_printf(&hl->line[k], " %s", e->addr);
			if (e->port != WIRE_DISTCC_PORT)
				buf_printf(&hl->line[k], ":%d", e->port);
			buf_printf(&hl->line[k], "/%d", e->cores);
			e->off[k] = start;
			e->len[k] = hl->line[k].len - start;
			hl->threads[k] += e->cores;
			if (e->addr_first) {
				buf_printf(&hl->members[k], "%s\"%s\"",
				    firstm ? "" : ",", e->addr);
				firstm = 0;
			}
		}
	}
}

/* Writes a requester's hosts line ("localhost/<cores>" first, then every
 * entry but its own, self < 0 for none) and members (JSON strings, no
 * brackets). Loopback entries go only to loopback requesters. Returns the
 * line's thread total. */
int
hosts_splice(const struct host_entry *v, const struct host_lines *hl,
    long self, int cores, int loopback_ok, struct buf *line,
    struct buf *members)
{
	const struct buf *src = &hl->line[loopback_ok ? 1 : 0];
	int k = loopback_ok ? 1 : 0, threads = hl->threads[k] + cores;

	buf_printf(line, "localhost/%d", cores);
	if (self >= 0 && v[self].len[k] > 0) {
		buf_add(line, src->s, v[self].off[k]);
		buf_add(line, src->s + v[self].off[k] + v[self].len[k],
		    src->len - v[self].off[k] - v[self].len[k]);
		threads -= v[self].cores;
	} else
		buf_add(line, src->s, src->len);
	if (members != NULL)
		buf_add(members, hl->members[k].s, hl->members[k].len);
	return threads;
}

/* Frees the rendered lines. */
void
host_lines_free(struct host_lines *hl)
{
	int k;

	for (k = 0; k < 2; k++) {
		buf_free(&hl->line[k]);
		buf_free(&hl->members[k]);
	}
}

/* One-shot form for callers without a cache (and the unit tests): sorts a
 * copy of v, renders it, and splices out `self` (matched by `who`, or by
 * address and port). Returns the thread total. */
int
hosts_render(const struct host_entry *v, size_t n, const struct host_self *self,
    struct buf *line, struct buf *members)
{
	struct host_entry *c = xcalloc(n ? n : 1, sizeof(*c));
	struct host_lines hl;
	long me = -1;
	size_t i, k;
	int threads;

	memcpy(c, v, n * sizeof(*c));
	k = hosts_sort(c, n);
	memset(&hl, 0, sizeof(hl));
	hosts_prerender(c, k, &hl);
	for (i = 0; i < k && me < 0; i++)
		if ((self->who != NULL && c[i].who == self->who) ||
		    (self->addr != NULL && c[i].port == self->port &&
		    strcmp(c[i].addr, self->addr) == 0))
			me = (long)i;
	for (i = k; i < n && me < 0 && self->who != NULL; i++)
		if (c[i].who == self->who) {
			for (me = 0; me < (long)k; me++)
				if (c[me].who == c[i].alias)
					break;
		}
	threads = hosts_splice(c, &hl, me, self->cores, self->loopback_ok,
	    line, members);
	host_lines_free(&hl);
	free(c);
	return threads;
}

/*
 * hosts.c — builds the distcc hosts line and the members list from
 * validated entries. Nothing a client sent reaches the line as text: the
 * addresses are canonical (inet_ntop) and the numbers are integers.
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
 * one entry of each address to stand for it in the members list, and sorts by spare
 * capacity, most first. Returns the new count. O(n log n). */
size_t
hosts_sort(struct host_entry *v, size_t n)
{
	size_t i, k = 0;

	qsort(v, n, sizeof(*v), addr_cmp);
	for (i = 0; i < n; i++) {
		if (k > 0 && v[k - 1].port == v[i].port &&
		    strcmp(v[k - 1].addr, v[i].addr) == 0)
			continue;
		v[k] = v[i];
		v[k].addr_first = k == 0 || strcmp(v[k - 1].addr, v[k].addr) != 0;
		k++;
	}
	qsort(v, k, sizeof(*v), spare_cmp);
	return k;
}

static int
same_host(const struct host_entry *e, const struct host_self *self)
{
	if (self->who != NULL && e->who == self->who)
		return 1;
	return self->addr != NULL && e->port == self->port &&
	    strcmp(e->addr, self->addr) == 0;
}

/* Renders, for the requester `self`, the hosts line ("localhost/<cores>"
 * first, then each other entry as ADDR[:PORT]/CORES, IPv6 in brackets) into
 * line and the members as JSON strings ("a","b") into members. Loopback
 * entries go only to loopback requesters. Returns the line's thread total. */
int
hosts_render(const struct host_entry *v, size_t n, const struct host_self *self,
    struct buf *line, struct buf *members)
{
	int threads = self->cores, first = 1;
	size_t i;

	buf_printf(line, "localhost/%d", self->cores);
	for (i = 0; i < n; i++) {
		const struct host_entry *e = &v[i];

		if (e->loopback && !self->loopback_ok)
			continue;
		if (members != NULL && e->addr_first) {
			buf_puts(members, first ? "\"" : ",\"");
			buf_puts(members, e->addr);
			buf_puts(members, "\"");
			first = 0;
		}
		if (same_host(e, self))
			continue;
		if (strchr(e->addr, ':') != NULL)
			buf_printf(line, " [%s]", e->addr);
		else
			buf_printf(line, " %s", e->addr);
		if (e->port != DISTCC_PORT)
			buf_printf(line, ":%d", e->port);
		buf_printf(line, "/%d", e->cores);
		threads += e->cores;
	}
	return threads;
}

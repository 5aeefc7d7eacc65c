/*
 * conns.c — every open connection, so that slow or stalled clients cannot
 * hold the server. libmicrohttpd only knows an idle timeout, which a client
 * resets with one byte every few seconds; here each request gets an
 * absolute deadline (request_timeout) from the moment the connection
 * opened or its previous reply went out until the request is complete,
 * headers and body. When the table is full (max_connections), or one
 * address (an IPv4 address, an IPv6 /64) holds its share
 * (max_connections_per_ip), a new connection does not wait: it takes the
 * place of the oldest one that is still receiving its request or idling
 * between requests. A request that has fully arrived (the server is
 * answering it) is never cut.
 *
 * A connection is cut by shutdown(2) on its socket; libmicrohttpd then
 * sees the end of the stream and closes it. web.c tells this table about
 * each connection from libmicrohttpd's callbacks, and the table forgets a
 * connection (under the lock) before libmicrohttpd closes its socket, so a
 * socket number is never cut after it was reused.
 */
#include <sys/socket.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

struct conn {
	struct conn *prev, *next;	/* waiting list: oldest first */
	struct conn *aprev, *anext;	/* the same, of its address */
	struct conn_addr *addr;
	int	 fd;
	double	 since;			/* opened, or its last reply sent */
	int	 busy;			/* its request is complete */
	int	 cut;			/* shut down, or refused */
};

struct conn_addr {			/* one address's connections */
	struct conn_addr *hnext;
	uint64_t key;
	int	 count;			/* waiting and busy */
	struct conn *head, *tail;	/* waiting only */
};

#define ADDR_TABSIZE	1024

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct conn *head, *tail;	/* every waiting connection */
static struct conn_addr *tab[ADDR_TABSIZE];
static int total;
static int max_total = 1000, max_per_addr = 32;
static double timeout = 10;
static atomic_ulong n_deadline, n_evicted, n_refused;

/* Sets the limits; connections over a lowered limit stay until they end. */
void
conns_configure(int max, int per_addr, int request_timeout)
{
	pthread_mutex_lock(&mu);
	max_total = max;
	max_per_addr = per_addr;
	timeout = request_timeout;
	pthread_mutex_unlock(&mu);
}

static struct conn_addr *
addr_get(uint64_t key)
{
	struct conn_addr **pp = &tab[hash_fnv1a(&key, sizeof(key),
	    HASH_FNV_SEED) % ADDR_TABSIZE], *a;

	for (a = *pp; a != NULL; a = a->hnext)
		if (a->key == key)
			return a;
	a = xcalloc(1, sizeof(*a));
	a->key = key;
	a->hnext = *pp;
	*pp = a;
	return a;
}

static void
addr_put(struct conn_addr *a)
{
	struct conn_addr **pp;

	if (a->count > 0)
		return;
	pp = &tab[hash_fnv1a(&a->key, sizeof(a->key), HASH_FNV_SEED) %
	    ADDR_TABSIZE];
	while (*pp != a)
		pp = &(*pp)->hnext;
	*pp = a->hnext;
	free(a);
}

static void
wait_insert(struct conn *c)
{
	struct conn_addr *a = c->addr;

	c->next = NULL;
	c->prev = tail;
	if (tail != NULL)
		tail->next = c;
	else
		head = c;
	tail = c;
	c->anext = NULL;
	c->aprev = a->tail;
	if (a->tail != NULL)
		a->tail->anext = c;
	else
		a->head = c;
	a->tail = c;
}

static void
wait_remove(struct conn *c)
{
	struct conn_addr *a = c->addr;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		tail = c->prev;
	if (c->aprev != NULL)
		c->aprev->anext = c->anext;
	else
		a->head = c->anext;
	if (c->anext != NULL)
		c->anext->aprev = c->aprev;
	else
		a->tail = c->aprev;
	c->prev = c->next = c->aprev = c->anext = NULL;
}

/* Cuts a waiting connection: it no longer counts. Lock held. */
static void
cut(struct conn *c)
{
	wait_remove(c);
	shutdown(c->fd, SHUT_RDWR);
	c->cut = 1;
	total--;
	c->addr->count--;
	addr_put(c->addr);
	c->addr = NULL;
}

/* Registers a new connection on socket fd from the address (or IPv6 /64)
 * key, making room for it as the file's comment says; when there is none
 * (every connection is busy) the new one is cut. The table owns the
 * result until conns_close. */
struct conn *
conns_open(int fd, uint64_t key, double now)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	struct conn_addr *a;

	c->fd = fd;
	c->since = now;
	pthread_mutex_lock(&mu);
	/* counted first, so cutting its neighbours never frees a */
	a = addr_get(key);
	a->count++;
	total++;
	if (a->count > max_per_addr && a->head != NULL) {
		cut(a->head);
		atomic_fetch_add(&n_evicted, 1);
	}
	if (total > max_total && head != NULL) {
		cut(head);
		atomic_fetch_add(&n_evicted, 1);
	}
	if (a->count > max_per_addr || total > max_total) {
		/* every other connection is busy: this one goes */
		shutdown(fd, SHUT_RDWR);
		c->cut = 1;
		total--;
		a->count--;
		addr_put(a);
		atomic_fetch_add(&n_refused, 1);
	} else {
		c->addr = a;
		wait_insert(c);
	}
	pthread_mutex_unlock(&mu);
	return c;
}

/* The request on c has fully arrived: the server answers it now, and it
 * is no longer cut for its deadline or for room. */
void
conns_busy(struct conn *c)
{
	pthread_mutex_lock(&mu);
	if (!c->cut && !c->busy) {
		wait_remove(c);
		c->busy = 1;
	}
	pthread_mutex_unlock(&mu);
}

/* c's reply went out: its next request's deadline starts now. */
void
conns_idle(struct conn *c, double now)
{
	pthread_mutex_lock(&mu);
	if (!c->cut && c->busy) {
		c->busy = 0;
		c->since = now;
		wait_insert(c);
	}
	pthread_mutex_unlock(&mu);
}

/* Forgets c (its socket is about to be closed) and frees it. */
void
conns_close(struct conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&mu);
	if (!c->cut) {
		if (!c->busy)
			wait_remove(c);
		total--;
		c->addr->count--;
		addr_put(c->addr);
	}
	pthread_mutex_unlock(&mu);
	free(c);
}

/* Cuts every connection whose request is overdue. Returns how many. */
int
conns_sweep(double now)
{
	int n = 0;

	pthread_mutex_lock(&mu);
	while (head != NULL && now - head->since > timeout) {
		cut(head);
		n++;
	}
	pthread_mutex_unlock(&mu);
	if (n > 0)
		atomic_fetch_add(&n_deadline, (unsigned long)n);
	return n;
}

/* Connections open now, and how many were cut since the start: for their
 * deadline, to make room (evicted), or at once because nothing could. */
void
conns_stats(int *open, unsigned long *deadline, unsigned long *evicted,
    unsigned long *refused)
{
	pthread_mutex_lock(&mu);
	*open = total;
	pthread_mutex_unlock(&mu);
	*deadline = atomic_load(&n_deadline);
	*evicted = atomic_load(&n_evicted);
	*refused = atomic_load(&n_refused);
}

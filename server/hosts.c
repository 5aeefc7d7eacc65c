/*
 * hosts.c — host lists from validated entries. Nothing a client sent
 * reaches a line as text: addresses are canonical (inet_ntop) and the
 * numbers are integers.
 *
 * A project's listable hosts are gathered once (at most once a second, or
 * when membership changes) into an immutable, reference-counted hostset:
 * one entry per addr:port (the node that has held it longest), its token
 * " ADDR[:PORT]/N" rendered, its fingerprints interned. A request then,
 * without the registry lock, orders the entries for its requester (a
 * weighted random permutation: Efraimidis–Spirakis keys −ln(u)/w, u from a
 * hash of requester, host and time bucket, w the host's spare slots) and
 * copies tokens in that order into each line it needs, keeping the best
 * entries that fit WIRE_HOSTS_MAX bytes and WIRE_POOL_MAX slots.
 * Linear per request, however many lines it returns. A hostset remembers
 * its last few host-list replies: a requester asking again before the set
 * changes gets the same bytes copied.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define HOSTS_EPSILON	0.01	/* weight of a host with no spare slot */

static uint64_t
mix64(uint64_t x)
{
	/* splitmix64's finalizer: every input bit moves every output bit */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* ln(u) for u in (0, 1], within 1e-5: the exponent, and the series of
 * atanh for the mantissa (libm's log costs as much as the rest of an
 * order; an order needs no more precision). */
static double
fast_ln(double u)
{
	uint64_t b;
	double m, t, t2;
	int e;

	memcpy(&b, &u, sizeof(b));
	e = (int)((b >> 52) & 0x7ff) - 1023;
	b = (b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
	memcpy(&m, &b, sizeof(m));		/* u = m * 2^e, m in [1, 2) */
	t = (m - 1) / (m + 1);
	t2 = t * t;
	return e * 0.6931471805599453 +
	    2 * t * (1 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7))));
}

/* A 64-bit hash of a string, for identities (node ids, addresses). */
uint64_t
hosts_hash(const char *s)
{
	return mix64(hash_fnv1a(s, strlen(s), HASH_FNV_SEED));
}

static int
cand_cmp(const void *a, const void *b)
{
	const struct host_cand *x = *(const struct host_cand *const *)a;
	const struct host_cand *y = *(const struct host_cand *const *)b;
	int c;

	if ((c = strcmp(x->addr, y->addr)) != 0)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->held != y->held)		/* held longest first */
		return x->held < y->held ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Interns fp into s's table; returns its index. h is an open-addressed
 * table of nh (a power of two) slots holding index + 1. */
static unsigned
fp_intern(struct hostset *s, unsigned *h, size_t nh, const char *fp)
{
	size_t i = (size_t)hosts_hash(fp) & (nh - 1);

	for (; h[i] != 0; i = (i + 1) & (nh - 1))
		if (memcmp(s->fps[h[i] - 1], fp, WIRE_FP_LEN) == 0)
			return h[i] - 1;
	memcpy(s->fps[s->nfps], fp, WIRE_FP_LEN + 1);
	h[i] = (unsigned)++s->nfps;
	return h[i] - 1;
}

static void
render_members(struct hostset *s, const char **conn, size_t n)
{
	size_t i, cap = WIRE_REPLY_MAX / 2;
	int k, first;

	qsort(conn, n, sizeof(*conn), str_cmp);
	for (k = 0; k < 2; k++) {
		buf_add(&s->members[k], "", 0);
		first = 1;
		for (i = 0; i < n; i++) {
			if (i > 0 && strcmp(conn[i], conn[i - 1]) == 0)
				continue;
			if (k == 0 && wire_addr_is_loopback(conn[i]))
				continue;	/* [0]: remote requesters */
			if (s->members[k].len + WIRE_ADDR_MAX + 3 > cap) {
				s->members_cut = 1;
				break;
			}
			buf_printf(&s->members[k], "%s\"%s\"", first ? "" : ",",
			    conn[i]);
			first = 0;
		}
	}
}

/* Builds the hostset of a project from its n online nodes (c, in any order):
 * one entry per addr:port, the candidate that has held it longest; sets
 * each candidate's `entry` to the index of the entry standing for its
 * addr:port (-1 when that one is not listable). Entries are listable hosts
 * only (healthy, slots > 0); members are every candidate's connection
 * address. max_cores caps each /N. The caller owns the one reference. */
struct hostset *
hostset_build(struct host_cand *c, size_t n, int max_cores)
{
	struct hostset *s = xcalloc(1, sizeof(*s));
	struct host_cand **p = xcalloc(n ? n : 1, sizeof(*p));
	const char **conn = xcalloc(n ? n : 1, sizeof(*conn));
	struct host_entry *e;
	unsigned *tab;
	size_t i, j, k, nf = 0, nh = 16;
	double w;
	int len;

	atomic_init(&s->refs, 1);
	pthread_mutex_init(&s->memo_lock, NULL);
	buf_init(&s->members[0]);
	buf_init(&s->members[1]);
	for (i = 0; i < n; i++) {
		p[i] = &c[i];
		conn[i] = c[i].conn;
		nf += (size_t)c[i].nfps;
	}
	render_members(s, conn, n);
	free(conn);
	qsort(p, n, sizeof(*p), cand_cmp);
	s->v = xcalloc(n ? n : 1, sizeof(*s->v));
	s->fps = xcalloc(nf ? nf : 1, sizeof(*s->fps));
	s->fpidx = xcalloc(nf ? nf : 1, sizeof(*s->fpidx));
	while (nh < 2 * nf)
		nh *= 2;
	tab = xcalloc(nh, sizeof(*tab));
	for (i = 0; i < n; i = j) {
		/* p[i] holds the addr:port; p[i+1..j) claim it too */
		for (j = i + 1; j < n && p[j]->port == p[i]->port &&
		    strcmp(p[j]->addr, p[i]->addr) == 0; j++)
			s->shadowed++;
		for (k = i; k < j; k++)
			p[k]->entry = -1;
		if (!p[i]->healthy || p[i]->slots <= 0)
			continue;
		e = &s->v[s->n];
		e->hash = p[i]->hash;
		e->slots = p[i]->slots < max_cores ? p[i]->slots : max_cores;
		e->running = p[i]->running;
		w = (double)e->slots - p[i]->busy;
		e->inv_weight = 1 / (w < HOSTS_EPSILON ? HOSTS_EPSILON : w);
		e->confirmed = p[i]->confirmed;
		e->loopback = wire_addr_is_loopback(p[i]->addr);
		len = snprintf(e->tok, sizeof(e->tok),
		    strchr(p[i]->addr, ':') ? " [%s]" : " %s", p[i]->addr);
		if (p[i]->port != WIRE_DISTCC_PORT)
			len += snprintf(e->tok + len, sizeof(e->tok) - (size_t)len,
			    ":%d", p[i]->port);
		len += snprintf(e->tok + len, sizeof(e->tok) - (size_t)len, "/%d",
		    e->slots);
		e->toklen = (unsigned char)len;
		e->fp_off = (unsigned)s->nfpidx;
		for (k = 0; k < (size_t)p[i]->nfps; k++)
			s->fpidx[s->nfpidx++] = fp_intern(s, tab, nh, p[i]->fps[k]);
		e->nfp = (unsigned)(s->nfpidx - e->fp_off);
		for (k = i; k < j; k++)
			p[k]->entry = (long)s->n;
		s->n++;
	}
	/* room was made for every candidate's fps; few are distinct */
	s->fps = xreallocarray(s->fps, s->nfps ? s->nfps : 1, sizeof(*s->fps));
	s->fpcount = xcalloc(s->nfps ? s->nfps : 1, sizeof(*s->fpcount));
	for (i = 0; i < s->nfpidx; i++)
		s->fpcount[s->fpidx[i]]++;
	free(tab);
	free(p);
	return s;
}

/* Takes one more reference to s. */
struct hostset *
hostset_ref(struct hostset *s)
{
	if (s != NULL)
		atomic_fetch_add(&s->refs, 1);
	return s;
}

/* Drops a reference; the last one frees s. NULL is fine. */
void
hostset_unref(struct hostset *s)
{
	size_t i;

	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	for (i = 0; i < HOSTSET_MEMO; i++) {
		free(s->memo[i].query);
		free(s->memo[i].body);
	}
	pthread_mutex_destroy(&s->memo_lock);
	buf_free(&s->members[0]);
	buf_free(&s->members[1]);
	free(s->v);
	free(s->fps);
	free(s->fpidx);
	free(s->fpcount);
	free(s);
}

/* The index of fingerprint fp in s, or -1 when no host has it. */
long
hostset_fp(const struct hostset *s, const char *fp)
{
	size_t i;

	for (i = 0; i < s->nfps; i++)
		if (memcmp(s->fps[i], fp, WIRE_FP_LEN) == 0)
			return (long)i;
	return -1;
}

/* Sorts v[0..n) ascending by their top 32 bits (LSD radix, 8 bits a
 * pass); tmp has room for n. Linear: a qsort of a 1000-host project per
 * request cost more than the rest of the request. One read counts every
 * digit, and a digit all keys share needs no pass. */
static void
radix_sort32(uint64_t *v, uint64_t *tmp, size_t n)
{
	uint32_t count[4][256], *c, sum, k;
	uint64_t *src = v, *dst = tmp, *t, x;
	size_t i;
	int d, shift;

	if (n < 2)
		return;
	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++) {
		x = v[i] >> 32;
		count[0][x & 0xff]++;
		count[1][(x >> 8) & 0xff]++;
		count[2][(x >> 16) & 0xff]++;
		count[3][x >> 24]++;
	}
	for (d = 0; d < 4; d++) {
		c = count[d];
		shift = 32 + 8 * d;
		if (c[(src[0] >> shift) & 0xff] == n)
			continue;
		for (i = 0, sum = 0; i < 256; i++) {
			k = c[i];
			c[i] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			dst[c[(src[i] >> shift) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

/* Orders the entries of s that r may be handed, best first, into order
 * (s->n slots). An entry is left out when it is the requester's own
 * addr:port, on loopback for a remote requester, or an `allow` host not
 * yet confirmed to admit the requester's address. Returns how many. */
size_t
hosts_order(const struct hostset *s, const struct host_req *r, uint32_t *order)
{
	uint64_t *k = xreallocarray(NULL, s->n ? 2 * s->n : 1, sizeof(*k));
	const struct host_entry *e;
	size_t i, n = 0;
	double u, key;
	uint64_t bits;

	for (i = 0; i < s->n; i++) {
		e = &s->v[i];
		if ((long)i == r->self || (e->loopback && !r->loopback_ok) ||
		    e->confirmed < r->since)
			continue;
		/* u in (0, 1) from 53 bits of the hash */
		u = ((double)(mix64(r->who ^ e->hash) >> 11) + 0.5) *
		    (1.0 / 9007199254740992.0);
		key = -fast_ln(u) * e->inv_weight;
		/* a positive double's bits sort as the double does; its top
		 * 32 bits (20 of mantissa) are precision enough for an order
		 * that is random anyway; the index rides in the low 32 */
		memcpy(&bits, &key, sizeof(bits));
		k[n++] = (bits & 0xffffffff00000000ULL) | (uint32_t)i;
	}
	radix_sort32(k, k + s->n, n);
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)k[i];
	free(k);
	return n;
}

static int
has_fp(const struct hostset *s, const struct host_entry *e, long fp)
{
	unsigned i;

	for (i = 0; i < e->nfp; i++)
		if (s->fpidx[e->fp_off + i] == (unsigned)fp)
			return 1;
	return 0;
}

/* Appends a hosts line to l->line: "localhost/<cores>", then the ordered
 * entries (every one when fp is -1, else those with fingerprint fp) that
 * fit in maxlen bytes (at most WIRE_HOSTS_MAX - 1) and WIRE_POOL_MAX slots
 * in all. Fills the line's slot total and the jobs running on its hosts. */
void
hosts_line(const struct hostset *s, const struct host_req *r,
    const uint32_t *order, size_t n, long fp, size_t maxlen,
    struct host_line *l)
{
	const struct host_entry *e;
	char *out;
	size_t i, len;

	if (maxlen > WIRE_HOSTS_MAX - 1)
		maxlen = WIRE_HOSTS_MAX - 1;
	/* written in place: a whole token slot past the end fits */
	buf_reserve(&l->line, maxlen + sizeof(s->v->tok) + 32);
	out = l->line.s + l->line.len;
	len = (size_t)snprintf(out, 32, "localhost/%d", r->cores);
	l->threads = r->cores;
	l->busy = 0;
	for (i = 0; i < n; i++) {
		e = &s->v[order[i]];
		if ((fp >= 0 && !has_fp(s, e, fp)) || len + e->toklen > maxlen ||
		    l->threads + e->slots > WIRE_POOL_MAX)
			continue;
		/* a whole token slot, a fixed size the compiler inlines: the
		 * bytes past toklen are overwritten next or cut off */
		memcpy(out + len, e->tok, sizeof(e->tok));
		len += e->toklen;
		l->threads += e->slots;
		l->busy += e->running;
	}
	out[len] = '\0';
	l->line.len += len;
}

static int
count_cmp(const void *a, const void *b)
{
	const long *x = a, *y = b;

	/* most hosts first, then the older fingerprint (lower index) */
	if (x[1] != y[1])
		return x[1] > y[1] ? -1 : 1;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The fingerprints among the n ordered entries, most common first, at most
 * max of them, into out (indices into s->fps). Returns how many. */
size_t
hosts_top_fps(const struct hostset *s, const uint32_t *order, size_t n,
    size_t max, long *out)
{
	long (*c)[2] = xcalloc(s->nfps ? s->nfps : 1, sizeof(*c));
	const struct host_entry *e;
	size_t i, k = 0;
	unsigned j;

	for (i = 0; i < s->nfps; i++)
		c[i][0] = (long)i;
	for (i = 0; i < n; i++) {
		e = &s->v[order[i]];
		for (j = 0; j < e->nfp; j++)
			c[s->fpidx[e->fp_off + j]][1]++;
	}
	qsort(c, s->nfps, sizeof(*c), count_cmp);
	for (i = 0; i < s->nfps && k < max && c[i][1] > 0; i++)
		out[k++] = c[i][0];
	free(c);
	return k;
}

/* A requester's order of s, computed once, and its distcc_hosts line (every
 * compiler); free with host_lists_free. */
void
host_lists_make(const struct hostset *s, const struct host_req *r,
    struct host_lists *l)
{
	l->order = xcalloc(s->n ? s->n : 1, sizeof(*l->order));
	l->n = hosts_order(s, r, l->order);
	buf_init(&l->all.line);
	hosts_line(s, r, l->order, l->n, -1, WIRE_HOSTS_MAX - 1, &l->all);
}

/* Frees what host_lists_make made. */
void
host_lists_free(struct host_lists *l)
{
	free(l->order);
	buf_free(&l->all.line);
}

static int
memo_match(const struct host_memo *m, const struct host_req *r, int text,
    const char *query)
{
	return m->body != NULL && m->text == text && m->req.who == r->who &&
	    m->req.self == r->self && m->req.since == r->since &&
	    m->req.cores == r->cores && m->req.loopback_ok == r->loopback_ok &&
	    strcmp(m->query, query) == 0;
}

/* Appends to out the reply rendered from s for the same request (who
 * asks, text or JSON, its ?fp= value), if s remembers one: a requester
 * asking again before the hostset changes gets the same bytes without
 * ordering and rendering anew. False when s has none. */
int
hostset_memo_get(struct hostset *s, const struct host_req *r, int text,
    const char *query, struct buf *out)
{
	int i, found = 0;

	pthread_mutex_lock(&s->memo_lock);
	for (i = 0; i < HOSTSET_MEMO && !found; i++)
		if (memo_match(&s->memo[i], r, text, query)) {
			buf_add(out, s->memo[i].body, s->memo[i].len);
			found = 1;
		}
	pthread_mutex_unlock(&s->memo_lock);
	return found;
}

/* Remembers a reply of len bytes rendered from s for a request (see
 * hostset_memo_get), in place of the oldest; not one larger than
 * HOSTSET_MEMO_MAX. */
void
hostset_memo_put(struct hostset *s, const struct host_req *r, int text,
    const char *query, const char *body, size_t len)
{
	struct host_memo *m;
	char *q, *b;

	if (len > HOSTSET_MEMO_MAX)
		return;
	q = xstrdup(query);
	b = xmalloc(len + 1);
	memcpy(b, body, len);
	b[len] = '\0';
	pthread_mutex_lock(&s->memo_lock);
	m = &s->memo[s->memo_next++ % HOSTSET_MEMO];
	free(m->query);
	free(m->body);
	m->req = *r;
	m->text = text;
	m->query = q;
	m->body = b;
	m->len = len;
	pthread_mutex_unlock(&s->memo_lock);
}

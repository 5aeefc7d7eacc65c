/*
 * test_hosts.c — host lists (hosts.c): who is listed, in what order, and
 * that every line fits what the clients accept.
 */
#include <math.h>
#include <stdlib.h>

#include "test.h"
#include "server.h"

static char fpa[WIRE_FP_LEN + 1] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static char fpb[WIRE_FP_LEN + 1] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
static char fpab[2][WIRE_FP_LEN + 1] = {
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
};

static struct host_cand
cand(const char *id, const char *addr, int port, int slots, double busy)
{
	struct host_cand c;

	memset(&c, 0, sizeof(c));
	c.id = id;
	c.addr = c.conn = addr;
	c.port = port;
	c.held = 1;
	c.hash = hosts_hash(id);
	c.slots = slots;
	c.busy = busy;
	c.healthy = 1;
	c.confirmed = INFINITY;
	return c;
}

static struct host_req
req(long self, int cores, int loopback_ok)
{
	struct host_req r;

	memset(&r, 0, sizeof(r));
	r.self = self;
	r.since = 0;
	r.who = hosts_hash("requester");
	r.cores = cores;
	r.loopback_ok = loopback_ok;
	return r;
}

static char line[WIRE_HOSTS_MAX + 64];
static int threads, busy;

/* The line of fp (-1: all) for r, into line/threads/busy. */
static void
render(const struct hostset *s, const struct host_req *r, long fp)
{
	uint32_t *order = calloc(s->n + 1, sizeof(*order));
	struct host_line l;
	size_t n;

	n = hosts_order(s, r, order);
	buf_init(&l.line);
	hosts_line(s, r, order, n, fp, WIRE_HOSTS_MAX - 1, &l);
	str_copy(line, l.line.s, sizeof(line));
	threads = l.threads;
	busy = l.busy;
	buf_free(&l.line);
	free(order);
}

/* Is token (" ADDR/N") in line? */
static int
listed(const char *tok)
{
	size_t n = strlen(tok);
	const char *p;

	for (p = line; (p = strstr(p, tok)) != NULL; p++)
		if (p[n] == ' ' || p[n] == '\0')
			return 1;
	return 0;
}

TEST(tokens_self_members)
{
	struct host_cand c[] = {
		cand("a", "10.0.0.1", 3632, 4, 0),
		cand("b", "10.0.0.2", 3700, 8, 0),
		cand("c", "fe80::9", 3632, 2, 0),
		cand("d", "127.0.0.2", 3632, 3, 0),
	};
	struct hostset *s = hostset_build(c, 4, 256);
	struct host_req r;

	CHECK_INT(s->n, 4);
	r = req(-1, 5, 0);
	render(s, &r, -1);
	CHECK(strncmp(line, "localhost/5 ", 12) == 0);
	CHECK(listed(" 10.0.0.1/4") && listed(" 10.0.0.2:3700/8") &&
	    listed(" [fe80::9]/2"));
	CHECK(!listed(" 127.0.0.2/3"));		/* loopback: loopback only */
	CHECK_INT(threads, 5 + 4 + 8 + 2);
	CHECK(wire_hosts_valid(line));
	CHECK_INT(wire_hosts_threads(line), threads);
	r = req(c[1].entry, 8, 1);		/* b itself, on loopback */
	render(s, &r, -1);
	CHECK(!listed(" 10.0.0.2:3700/8"));
	CHECK(listed(" 127.0.0.2/3"));
	CHECK_INT(threads, 8 + 4 + 2 + 3);
	/* members: sorted, the loopback one only in [1] */
	CHECK_STR(s->members[0].s, "\"10.0.0.1\",\"10.0.0.2\",\"fe80::9\"");
	CHECK_STR(s->members[1].s,
	    "\"10.0.0.1\",\"10.0.0.2\",\"127.0.0.2\",\"fe80::9\"");
	hostset_unref(s);
	s = hostset_build(c, 0, 256);
	r = req(-1, 3, 0);
	render(s, &r, -1);
	CHECK_STR(line, "localhost/3");
	CHECK_STR(s->members[0].s, "");
	hostset_unref(s);
}

TEST(held_longest_wins)
{
	struct host_cand c[] = {
		cand("victim", "10.0.0.5", 3632, 4, 0),
		cand("squatter", "10.0.0.5", 3632, 4096, 0),
		cand("other", "10.0.0.5", 3700, 2, 0),
		cand("sick", "10.0.0.6", 3632, 8, 0),
		cand("lends-none", "10.0.0.7", 3632, 0, 0),
	};
	struct hostset *s;
	struct host_req r;

	c[0].held = 10;
	c[1].held = 20;			/* claimed it later, with more cores */
	c[3].healthy = 0;
	c[1].conn = "10.0.0.66";
	s = hostset_build(c, 5, 256);
	CHECK_INT(s->n, 2);
	CHECK_INT(s->shadowed, 1);
	CHECK(c[0].entry >= 0);
	CHECK_INT(c[1].entry, c[0].entry);	/* the squatter is the victim */
	CHECK_INT(c[3].entry, -1);
	CHECK_INT(c[4].entry, -1);
	r = req(-1, 1, 0);
	render(s, &r, -1);
	CHECK(listed(" 10.0.0.5/4") && listed(" 10.0.0.5:3700/2"));
	CHECK(strstr(line, "4096") == NULL && strstr(line, "/256") == NULL);
	CHECK(!listed(" 10.0.0.6/8") && strstr(line, "10.0.0.7") == NULL);
	CHECK_INT(threads, 7);
	/* members are connection addresses, every online node's */
	CHECK_STR(s->members[0].s, "\"10.0.0.5\",\"10.0.0.6\",\"10.0.0.66\","
	    "\"10.0.0.7\"");
	hostset_unref(s);
	/* the earlier holder leaves: the other is listed, capped */
	s = hostset_build(c + 1, 1, 256);
	render(s, &r, -1);
	CHECK_STR(line, "localhost/1 10.0.0.5/256");
	hostset_unref(s);
}

TEST(admission)
{
	struct host_cand c[] = {
		cand("live", "10.0.1.1", 3632, 4, 0),
		cand("allow-old", "10.0.1.2", 3632, 4, 0),
		cand("allow-new", "10.0.1.3", 3632, 4, 0),
	};
	struct hostset *s;
	struct host_req r;

	c[1].confirmed = 100;	/* checked in at 100, at least grace ago */
	c[2].confirmed = 40;
	s = hostset_build(c, 3, 256);
	r = req(-1, 1, 0);
	r.since = 50;		/* the requester's address online since 50 */
	render(s, &r, -1);
	CHECK(listed(" 10.0.1.1/4") && listed(" 10.0.1.2/4"));
	CHECK(!listed(" 10.0.1.3/4"));
	r.since = INFINITY;	/* a stranger: only live nodes may admit it */
	render(s, &r, -1);
	CHECK_STR(line, "localhost/1 10.0.1.1/4");
	hostset_unref(s);
}

/* Weighted by spare slots: a busy host is (almost always) last, a host
 * with more spare slots first more often; each requester has its own
 * order, the same one for the same requester and time bucket. */
TEST(order)
{
	struct host_cand c[] = {
		cand("big", "10.0.2.1", 3632, 16, 0),
		cand("small", "10.0.2.2", 3632, 2, 0),
		cand("busy", "10.0.2.3", 3632, 8, 8),
	};
	struct hostset *s = hostset_build(c, 3, 256);
	uint32_t order[3], again[3];
	struct host_req r = req(-1, 1, 0);
	int first_big = 0, busy_last = 0, differs = 0, i;
	size_t n;

	for (i = 0; i < 1000; i++) {
		r.who = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
		n = hosts_order(s, &r, order);
		CHECK_INT(n, 3);
		hosts_order(s, &r, again);
		CHECK(memcmp(order, again, sizeof(order)) == 0);
		first_big += order[0] == (uint32_t)c[0].entry;
		busy_last += order[2] == (uint32_t)c[2].entry;
		differs += order[0] != (uint32_t)c[0].entry;
	}
	/* P(big first) = 16/18.01; P(busy last) > 0.99 */
	CHECK(first_big > 800 && first_big < 950);
	CHECK(busy_last > 980);
	CHECK(differs > 0);
	hostset_unref(s);
}

/* However many hosts, a line holds the best that fit WIRE_HOSTS_MAX bytes
 * and WIRE_POOL_MAX slots, and passes the clients' own check. */
TEST(fits)
{
	enum { N = 5000 };
	struct host_cand *c = calloc(N, sizeof(*c));
	char (*addr)[WIRE_ADDR_MAX] = calloc(N, sizeof(*addr));
	char (*id)[16] = calloc(N, sizeof(*id));
	struct hostset *s;
	struct host_req r;
	int i;

	for (i = 0; i < N; i++) {
		snprintf(addr[i], sizeof(addr[i]), "10.%d.%d.%d", i / 62500,
		    i / 250 % 250, i % 250 + 1);
		snprintf(id[i], sizeof(id[i]), "n%d", i);
		c[i] = cand(id[i], addr[i], 3632 + i % 2, 4, 0);
	}
	s = hostset_build(c, N, 256);
	r = req(-1, 4096, 0);
	render(s, &r, -1);
	CHECK(strlen(line) < WIRE_HOSTS_MAX);
	CHECK(strlen(line) > WIRE_HOSTS_MAX - 40);	/* filled */
	CHECK(wire_hosts_valid(line));
	CHECK_INT(wire_hosts_threads(line), threads);
	CHECK(strncmp(line, "localhost/4096 ", 15) == 0);
	hostset_unref(s);
	/* big hosts: the slot bound comes first */
	for (i = 0; i < N; i++)
		c[i].slots = 4096;
	s = hostset_build(c, N, 256);
	r.cores = 100;
	render(s, &r, -1);
	CHECK(threads <= WIRE_POOL_MAX && threads > WIRE_POOL_MAX - 256);
	CHECK(wire_hosts_valid(line));
	CHECK_INT(wire_hosts_threads(line), threads);
	hostset_unref(s);
	free(c);
	free(addr);
	free(id);
}

TEST(fingerprints)
{
	struct host_cand c[] = {
		cand("ab", "10.0.3.1", 3632, 4, 1),
		cand("a", "10.0.3.2", 3632, 2, 0),
		cand("b", "10.0.3.3", 3632, 8, 0),
		cand("old", "10.0.3.4", 3632, 1, 0),	/* 1.0: none */
	};
	struct hostset *s;
	struct host_req r = req(-1, 3, 0);
	uint32_t order[4];
	long top[4];
	size_t n;

	c[0].fps = fpab;
	c[0].nfps = 2;
	c[0].running = 1;
	c[1].fps = &fpa;
	c[1].nfps = 1;
	c[2].fps = &fpb;
	c[2].nfps = 1;
	s = hostset_build(c, 4, 256);
	CHECK_INT(s->nfps, 2);
	CHECK(hostset_fp(s, fpa) >= 0 && hostset_fp(s, fpb) >= 0);
	CHECK_INT(hostset_fp(s, "cccccccccccccccccccccccccccccccc"), -1);
	render(s, &r, hostset_fp(s, fpa));
	CHECK(listed(" 10.0.3.1/4") && listed(" 10.0.3.2/2"));
	CHECK(!listed(" 10.0.3.3/8") && !listed(" 10.0.3.4/1"));
	CHECK_INT(threads, 9);
	CHECK_INT(busy, 1);
	render(s, &r, hostset_fp(s, fpb));
	CHECK(listed(" 10.0.3.1/4") && listed(" 10.0.3.3/8") &&
	    !listed(" 10.0.3.2/2"));
	render(s, &r, -1);		/* distcc_hosts: compiler-blind */
	CHECK_INT(threads, 3 + 4 + 2 + 8 + 1);
	n = hosts_order(s, &r, order);
	CHECK_INT(hosts_top_fps(s, order, n, 4, top), 2);
	/* a: 2 hosts, b: 2 hosts: the older (a, interned first) first */
	CHECK_STR(s->fps[top[0]], fpa);
	CHECK_INT(hosts_top_fps(s, order, n, 1, top), 1);
	hostset_unref(s);
}

TEST(references)
{
	struct host_cand c = cand("x", "10.0.4.1", 3632, 1, 0);
	struct hostset *s = hostset_build(&c, 1, 256);

	CHECK(hostset_ref(s) == s);
	hostset_unref(s);
	CHECK_INT(atomic_load(&s->refs), 1);
	hostset_unref(s);
	hostset_unref(NULL);
}

TEST(memo)
{
	struct host_cand c = cand("x", "10.0.5.1", 3632, 1, 0);
	struct hostset *s = hostset_build(&c, 1, 256);
	struct host_req r = req(-1, 2, 0), other = r;
	char *big = calloc(1, HOSTSET_MEMO_MAX + 2);
	struct buf b;
	int i;

	buf_init(&b);
	CHECK(!hostset_memo_get(s, &r, 0, "", &b));
	hostset_memo_put(s, &r, 0, "", "{\"a\":1}", 7);
	CHECK(hostset_memo_get(s, &r, 0, "", &b));
	CHECK_STR(b.s, "{\"a\":1}");
	/* another request, another reply */
	CHECK(!hostset_memo_get(s, &r, 1, "", &b));
	CHECK(!hostset_memo_get(s, &r, 0, fpa, &b));
	other.who++;
	CHECK(!hostset_memo_get(s, &other, 0, "", &b));
	other = r;
	other.since = 1;
	CHECK(!hostset_memo_get(s, &other, 0, "", &b));
	other = r;
	other.cores = 3;
	CHECK(!hostset_memo_get(s, &other, 0, "", &b));
	other = r;
	other.self = 0;
	CHECK(!hostset_memo_get(s, &other, 0, "", &b));
	/* the oldest gives way; a reply too large is not kept */
	for (i = 0; i < HOSTSET_MEMO; i++) {
		other.who = r.who + 1 + (uint64_t)i;
		hostset_memo_put(s, &other, 0, "", "x", 1);
	}
	CHECK(!hostset_memo_get(s, &r, 0, "", &b));
	CHECK(hostset_memo_get(s, &other, 0, "", &b));
	memset(big, 'y', HOSTSET_MEMO_MAX + 1);
	hostset_memo_put(s, &r, 1, "", big, HOSTSET_MEMO_MAX + 1);
	CHECK(!hostset_memo_get(s, &r, 1, "", &b));
	CHECK_STR(b.s, "{\"a\":1}x");
	buf_free(&b);
	free(big);
	hostset_unref(s);
}

int
main(void)
{
	RUN(tokens_self_members);
	RUN(held_longest_wins);
	RUN(admission);
	RUN(order);
	RUN(fits);
	RUN(fingerprints);
	RUN(references);
	RUN(memo);
	return test_summary();
}

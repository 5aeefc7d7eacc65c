/*
 * test_hosts.c — building distcc hosts lines (hosts.c).
 */
#include "test.h"
#include "server.h"

static struct host_entry
entry(const void *who, const char *addr, int port, int cores, double load)
{
	struct host_entry e;

	memset(&e, 0, sizeof(e));
	e.who = who;
	str_copy(e.addr, addr, sizeof(e.addr));
	e.port = port;
	e.cores = cores;
	e.spare = cores - load;
	e.loopback = wire_addr_is_loopback(addr);
	return e;
}

static char line[4096], members[4096];
static int threads;

static void
render(const struct host_entry *v, size_t n, const void *who, const char *addr,
    int port, int cores, int loopback_ok)
{
	struct host_self s = { who, addr, port, cores, loopback_ok };
	struct buf l, m;

	buf_init(&l);
	buf_init(&m);
	threads = hosts_render(v, n, &s, &l, &m);
	str_copy(line, l.s ? l.s : "", sizeof(line));
	str_copy(members, m.s ? m.s : "", sizeof(members));
	buf_free(&l);
	buf_free(&m);
}

static int a, b, c, d, e;

TEST(order_port_self)
{
	struct host_entry v[] = {
		entry(&a, "10.0.0.1", 3632, 4, 3.5),	/* spare 0.5 */
		entry(&b, "10.0.0.2", 3700, 8, 0),	/* spare 8 */
		entry(&c, "10.0.0.3", 3632, 16, 10),	/* spare 6 */
		entry(&d, "fe80::9", 3632, 2, 0),	/* spare 2 */
	};

	render(v, 4, &c, "10.0.0.3", 3632, 16, 0);
	CHECK_STR(line, "localhost/16 10.0.0.2:3700/8 [fe80::9]/2 10.0.0.1/4");
	CHECK_INT(threads, 30);
	render(v, 4, NULL, NULL, 0, 3, 0);
	CHECK_STR(line, "localhost/3 10.0.0.2:3700/8 10.0.0.3/16 [fe80::9]/2 10.0.0.1/4");
	CHECK_INT(threads, 33);
	CHECK_STR(members, "\"10.0.0.2\",\"10.0.0.3\",\"fe80::9\",\"10.0.0.1\"");
	render(v, 0, NULL, NULL, 0, 5, 0);
	CHECK_STR(line, "localhost/5");
	CHECK_STR(members, "");
	CHECK_INT(threads, 5);
}

TEST(loopback_only_for_loopback)
{
	struct host_entry v[] = {
		entry(&a, "127.0.0.2", 3632, 4, 0),
		entry(&b, "10.0.0.2", 3632, 8, 0),
		entry(&c, "::1", 3633, 2, 0),
	};

	render(v, 3, NULL, NULL, 0, 1, 0);
	CHECK_STR(line, "localhost/1 10.0.0.2/8");
	CHECK_STR(members, "\"10.0.0.2\"");
	CHECK_INT(threads, 9);
	render(v, 3, NULL, NULL, 0, 1, 1);
	CHECK_STR(line, "localhost/1 10.0.0.2/8 127.0.0.2/4 [::1]:3633/2");
	CHECK_INT(threads, 15);
	/* a loopback node excludes itself too */
	render(v, 3, &a, "127.0.0.2", 3632, 4, 1);
	CHECK_STR(line, "localhost/4 10.0.0.2/8 [::1]:3633/2");
}

TEST(dedupe)
{
	struct host_entry v[] = {
		entry(&a, "10.0.0.5", 3632, 4, 0),
		entry(&b, "10.0.0.5", 3632, 8, 0),	/* same addr:port, more spare */
		entry(&c, "10.0.0.5", 3700, 2, 0),	/* same addr, other port */
		entry(&d, "10.0.0.6", 3632, 1, 0),
	};

	render(v, 4, NULL, NULL, 0, 1, 0);
	CHECK_STR(line, "localhost/1 10.0.0.5/8 10.0.0.5:3700/2 10.0.0.6/1");
	CHECK_STR(members, "\"10.0.0.5\",\"10.0.0.6\"");
	/* the dropped duplicate (a) is the kept entry (b), for itself */
	render(v, 4, &a, "10.0.0.5", 3632, 4, 0);
	CHECK_STR(line, "localhost/4 10.0.0.5:3700/2 10.0.0.6/1");
	/* a requester known only by address and port */
	render(v, 4, &e, "10.0.0.6", 3632, 1, 0);
	CHECK_STR(line, "localhost/1 10.0.0.5/8 10.0.0.5:3700/2");
}

TEST(splice_matches_render)
{
	struct host_entry v[64];
	struct host_lines hl;
	struct buf l;
	size_t n, i;
	int who[64], t;
	char addr[32];

	for (i = 0; i < 64; i++) {
		snprintf(addr, sizeof(addr), "10.1.%zu.%zu", i % 3, i);
		v[i] = entry(&who[i], addr, i % 5 ? 3632 : 4000, (int)(i % 7) + 1,
		    (double)(i % 4));
	}
	n = hosts_sort(v, 64);
	CHECK_INT(n, 64);
	memset(&hl, 0, sizeof(hl));
	hosts_prerender(v, n, &hl);
	for (i = 0; i < n; i++) {
		buf_init(&l);
		t = hosts_splice(v, &hl, (long)i, 3, 0, &l, NULL);
		snprintf(addr, sizeof(addr), " %s/", v[i].addr);
		CHECK(strstr(l.s, addr) == NULL);
		snprintf(addr, sizeof(addr), " %s:", v[i].addr);
		CHECK(strstr(l.s, addr) == NULL);
		CHECK_INT(strlen(l.s), strlen("localhost/3") + hl.line[0].len - v[i].len[0]);
		CHECK_INT(t, hl.threads[0] - v[i].cores + 3);
		CHECK(strncmp(l.s, "localhost/3 ", 12) == 0);
		buf_free(&l);
	}
	host_lines_free(&hl);
}

int
main(void)
{
	RUN(order_port_self);
	RUN(loopback_only_for_loopback);
	RUN(dedupe);
	RUN(splice_matches_render);
	return test_summary();
}

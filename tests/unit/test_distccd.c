/* Unit tests for shim/distccd.c: the allow list (never empty, loopback
 * always, order-independent), the command line, and the idleness probe
 * against real sockets. The supervision itself runs against a real distccd
 * in tests/integration/heartbeat_*.sh. */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "heartbeat.h"

TEST(allow_entry)
{
	char out[64];

	CHECK_INT(distccd_allow_entry("10.0.0.7", out, sizeof(out)), 0);
	CHECK_STR(out, "10.0.0.7/32");
	CHECK_INT(distccd_allow_entry("10.0.0.9:3700", out, sizeof(out)), 0);
	CHECK_STR(out, "10.0.0.9/32");
	CHECK_INT(distccd_allow_entry("::1", out, sizeof(out)), 0);
	CHECK_STR(out, "::1/128");
	CHECK_INT(distccd_allow_entry("[fe80::1]:3632", out, sizeof(out)), 0);
	CHECK_STR(out, "fe80::1/128");
	CHECK_INT(distccd_allow_entry("host.example", out, sizeof(out)), -1);
	CHECK_INT(distccd_allow_entry("10.0.0.7/0", out, sizeof(out)), -1);
	CHECK_INT(distccd_allow_entry("--allow", out, sizeof(out)), -1);
	CHECK_INT(distccd_allow_entry("", out, sizeof(out)), -1);
	CHECK_INT(distccd_allow_entry("[::1", out, sizeof(out)), -1);
}

/* How often "--allow X" appears in av. */
static int
allows(char **av, const char *x)
{
	int n = 0;

	for (size_t i = 0; av[i] != NULL; i++)
		if (strcmp(av[i], "--allow") == 0 && av[i + 1] != NULL &&
		    (x == NULL || strcmp(av[i + 1], x) == 0))
			n++;
	return n;
}

static const char *
after(char **av, const char *opt)
{
	for (size_t i = 0; av[i] != NULL; i++)
		if (strcmp(av[i], opt) == 0)
			return av[i + 1];
	return NULL;
}

TEST(argv)
{
	char *m1[] = { "10.0.0.9", "10.0.0.7", "bogus", "127.0.0.1", "10.0.0.7" };
	char *m2[] = { "10.0.0.7", "10.0.0.9" };
	struct distccd d;
	char **av;

	distccd_init(&d, "/nonexistent/distccd.pid", "/usr/bin:/bin");
	av = distccd_argv(&d);
	/* before any check-in: loopback only, never no --allow at all */
	CHECK_INT(allows(av, NULL), 1);
	CHECK_INT(allows(av, "127.0.0.1/32"), 1);
	CHECK(after(av, "--listen") == NULL);
	CHECK(after(av, "--no-detach") != NULL);
	CHECK(after(av, "--daemon") != NULL);
	distccd_argv_free(av);

	distccd_want(&d, "127.0.0.2", 4000, 6, 10);
	distccd_allow(&d, m1, NELEM(m1));
	av = distccd_argv(&d);
	CHECK_INT(allows(av, NULL), 3);
	CHECK_INT(allows(av, "10.0.0.7/32"), 1);
	CHECK_INT(allows(av, "10.0.0.9/32"), 1);
	CHECK_INT(allows(av, "127.0.0.1/32"), 1);
	CHECK_STR(after(av, "--listen"), "127.0.0.2");
	CHECK_STR(after(av, "--port"), "4000");
	CHECK_STR(after(av, "--jobs"), "6");
	{
		/* --nice adds to ours: distccd must end up at nice 10 even
		 * under `nice make check` */
		char want[16];

		errno = 0;
		int ours = getpriority(PRIO_PROCESS, 0);
		snprintf(want, sizeof(want), "%d", 10 - (errno ? 0 : ours));
		CHECK_STR(after(av, "--nice"), want);
	}
	distccd_argv_free(av);

	/* the same members in another order give the same command line, so
	 * distccd is not restarted for nothing */
	av = distccd_argv(&d);
	distccd_allow(&d, m2, NELEM(m2));
	char **av2 = distccd_argv(&d);
	size_t i;
	for (i = 0; av[i] != NULL && av2[i] != NULL; i++)
		CHECK_STR(av2[i], av[i]);
	CHECK(av[i] == NULL && av2[i] == NULL);
	distccd_argv_free(av);
	distccd_argv_free(av2);

	/* --jobs stays in distccd's range */
	distccd_want(&d, NULL, 3632, 5000, 0);
	av = distccd_argv(&d);
	CHECK_STR(after(av, "--jobs"), "200");
	distccd_argv_free(av);
	distccd_free(&d);
}

TEST(connections)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0), c, s, port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_INT(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_INT(listen(l, 4), 0);
	getsockname(l, (struct sockaddr *)&sa, &len);
	port = ntohs(sa.sin_port);
	/* a listening socket is not a job */
	CHECK_INT(distccd_connections("127.0.0.1", port), 0);
	CHECK_INT(distccd_connections(NULL, port), 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_INT(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* queued, not yet accepted: counts */
	CHECK_INT(distccd_connections("127.0.0.1", port), 1);
	s = accept(l, NULL, NULL);
	CHECK_INT(distccd_connections("127.0.0.1", port), 1);
	CHECK_INT(distccd_connections(NULL, port), 1);
	/* another address with the same port: not ours */
	CHECK_INT(distccd_connections("127.0.0.2", port), 0);
	close(c);	/* client gone, server side in CLOSE_WAIT: still busy */
	CHECK_INT(distccd_connections("127.0.0.1", port), 1);
	close(s);
	CHECK_INT(distccd_connections("127.0.0.1", port), 0);
	close(l);
}

int
main(void)
{
	RUN(allow_entry);
	RUN(argv);
	RUN(connections);
	return test_summary();
}

/*
 * test_conf.c — server.conf parsing (conf.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "server.h"

static char path[64];

static void
write_conf(const char *text)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/test_conf.XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
}

TEST(defaults)
{
	struct server_config c;
	char err[ERR_MAX];

	conf_defaults(&c);
	CHECK_INT(c.port, 33333);
	CHECK_INT(c.heartbeat, 10);
	CHECK_INT(c.ttl, 30);
	CHECK_INT(c.refresh_after, 15);
	CHECK_STR(c.listen, "0.0.0.0");
	CHECK(c.admin_token == NULL);
	CHECK_INT(conf_check(&c, err), 0);
	conf_free(&c);
}

TEST(file)
{
	struct server_config c;
	char err[ERR_MAX];

	write_conf("# a comment\n\n  listen   ::1  \nport 4000\ndb /x/y.db\n"
	    "admin_token 0123456789abcdef0\nheartbeat 5\nttl 20\n\t# indented\n");
	conf_defaults(&c);
	CHECK_INT(conf_load(&c, path, err), 0);
	CHECK_STR(c.listen, "::1");
	CHECK_INT(c.port, 4000);
	CHECK_STR(c.db, "/x/y.db");
	CHECK_STR(c.admin_token, "0123456789abcdef0");
	CHECK_INT(c.ttl, 20);
	CHECK_INT(conf_check(&c, err), 0);
	/* a flag applied afterwards wins */
	CHECK_INT(conf_set(&c, "port", "5000", err), 0);
	CHECK_INT(c.port, 5000);
	conf_free(&c);
	unlink(path);
}

/* A `#` after a blank starts a comment in server.conf too: 1.0's server
 * read "admin_token abc # x" as the token "abc # x". */
TEST(comment_after_value)
{
	struct server_config c;
	char err[ERR_MAX];

	write_conf("admin_token 0123456789abcdef0 # rotated in May\n"
	    "db /x/y#z.db\n");
	conf_defaults(&c);
	CHECK_INT(conf_load(&c, path, err), 0);
	CHECK_STR(c.admin_token, "0123456789abcdef0");
	CHECK_STR(c.db, "/x/y#z.db");
	conf_free(&c);
	unlink(path);
	write_conf("admin_token abc def ghi jkl mno\n");
	conf_defaults(&c);
	CHECK_INT(conf_load(&c, path, err), -1);
	CHECK(strstr(err, "admin_token") != NULL);
	conf_free(&c);
	unlink(path);
}

TEST(errors)
{
	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
		{ "port 1\nbogus 2\n", ":2: unknown key 'bogus'" },
		{ "port 0\n", ":1: port" },
		{ "port 65536\n", ":1: port" },
		{ "\n\nttl 1x\n", ":3: ttl" },
		{ "listen\n", ":1: listen" },
		{ "pid_file run/s.pid\n", ":1: pid_file: 'run/s.pid' is not an absolute path" },
		{ "tls_cert /a b\n", ":1: tls_cert: '/a b' must be one word" },
	};
	struct server_config c;
	char err[ERR_MAX];
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		write_conf(bad[i].text);
		conf_defaults(&c);
		CHECK_INT(conf_load(&c, path, err), -1);
		CHECK(strstr(err, path) != NULL);
		CHECK(strstr(err, bad[i].want) != NULL);
		conf_free(&c);
		unlink(path);
	}
	conf_defaults(&c);
	CHECK_INT(conf_load(&c, "/nonexistent/server.conf", err), -1);
	CHECK(strstr(err, "/nonexistent/server.conf") != NULL);
	CHECK_INT(conf_set(&c, "heartbeat", "30", err), 0);
	CHECK_INT(conf_check(&c, err), -1);		/* ttl 30 <= heartbeat */
	CHECK(strstr(err, "ttl") != NULL);
	conf_free(&c);
	conf_defaults(&c);
	CHECK_INT(conf_set(&c, "listen", "localhost", err), 0);
	CHECK_INT(conf_check(&c, err), -1);
	CHECK_INT(conf_set(&c, "listen", "127.0.0.1", err), 0);
	CHECK_INT(conf_set(&c, "admin_token", "short", err), 0);
	CHECK_INT(conf_check(&c, err), -1);
	conf_free(&c);
}

int
main(void)
{
	RUN(defaults);
	RUN(file);
	RUN(comment_after_value);
	RUN(errors);
	return test_summary();
}

/* Unit tests for shim/config.c. */
#include <stdlib.h>
#include <unistd.h>

#include "client.h"
#include "test.h"

static char dir[] = "/tmp/test_config.XXXXXX";

static char *
write_conf(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name), err[ERR_MAX];

	CHECK_INT(file_write_atomic(path, text, strlen(text), 0644, err), 0);
	return path;
}

TEST(defaults)
{
	struct client_config cfg;

	config_defaults(&cfg);
	CHECK_INT(cfg.nice, 10);
	CHECK_INT(cfg.cores, 0);
	CHECK_INT(cfg.distccd_port, 3632);
	CHECK_INT(cfg.manage_distccd, 1);
	CHECK_STR(cfg.state_dir, DEFAULT_STATE_DIR);
	CHECK_STR(cfg.masquerade_dir, DEFAULT_MASQUERADE_DIR);
	CHECK(cfg.server == NULL && cfg.key == NULL && cfg.owner == NULL);
	config_free(&cfg);
	config_free(NULL);
}

TEST(load_every_key)
{
	struct client_config cfg;
	char err[ERR_MAX] = "", *path;

	path = write_conf("all.conf",
	    "# a comment\n"
	    "\n"
	    "server http://127.0.0.1:33333   # trailing comment\n"
	    "project fw\n"
	    "key 0123456789abcdef0123456789abcdef\n"
	    "nice -5\n"
	    "cores 16\n"
	    "  state_dir /tmp/state\r\n"
	    "source 127.0.0.2\n"
	    "advertise 10.0.0.1:3700\n"
	    "distccd_port 3700\n"
	    "distccd_listen 127.0.0.2\n"
	    "manage_distccd no\n"
	    "masquerade_dir /opt/dcc\n"
	    "distcc_hosts_file /etc/distcc/hosts\n"
	    "owner mark\n");
	config_defaults(&cfg);
	CHECK_INT(config_load(&cfg, path, 0, err), 0);
	CHECK_STR(err, "");
	CHECK_STR(cfg.server, "http://127.0.0.1:33333");
	CHECK_STR(cfg.project, "fw");
	CHECK_STR(cfg.key, "0123456789abcdef0123456789abcdef");
	CHECK_INT(cfg.nice, -5);
	CHECK_INT(cfg.cores, 16);
	CHECK_STR(cfg.state_dir, "/tmp/state");
	CHECK_STR(cfg.source, "127.0.0.2");
	CHECK_STR(cfg.advertise, "10.0.0.1:3700");
	CHECK_INT(cfg.distccd_port, 3700);
	CHECK_STR(cfg.distccd_listen, "127.0.0.2");
	CHECK_INT(cfg.manage_distccd, 0);
	CHECK_STR(cfg.masquerade_dir, "/opt/dcc");
	CHECK_STR(cfg.distcc_hosts_file, "/etc/distcc/hosts");
	CHECK_STR(cfg.owner, "mark");
	config_free(&cfg);
	CHECK(cfg.server == NULL);
	free(path);
}

TEST(errors_name_file_and_line)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "project fw\nbogus 1\n", ":2: unknown key 'bogus'" },
		{ "nice 20\n", ":1: nice: '20' is not an integer in -20..19" },
		{ "cores many\n", ":1: cores" },
		{ "distccd_port 0\n", ":1: distccd_port" },
		{ "manage_distccd maybe\n", ":1: manage_distccd: 'maybe' is not yes or no" },
		{ "server ftp://x\n", ":1: server" },
		{ "project a/b\n", ":1: project" },
		{ "key a\"b\n", ":1: key" },
		{ "state_dir relative\n", ":1: state_dir: 'relative' is not an absolute path" },
		{ "jobs_tmpdir /a b\n", ":1: jobs_tmpdir: '/a b' must be one word" },
		{ "\n\nproject\n", ":3: project: missing value" },
		{ "owner 0123456789012345678901234567890123456789012345678901234567890123x\n", ":1: owner" },
		{ "source 127.0.0.2 127.0.0.3\n", ":1: source: '127.0.0.2 127.0.0.3' must be one word" },
		{ "server ftp://x\n", ":1: server: 'ftp://x' is not an http:// or https:// URL" },
	};
	struct client_config cfg;
	char err[ERR_MAX], *path, *want;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		path = write_conf("bad.conf", cases[i].text);
		want = xasprintf("%s%s", path, cases[i].want);
		config_defaults(&cfg);
		err[0] = '\0';
		CHECK_INT(config_load(&cfg, path, 0, err), -1);
		if (strncmp(err, want, strlen(want)) != 0)
			CHECK_STR(err, want);
		config_free(&cfg);
		free(want);
		free(path);
	}
}

TEST(missing_file)
{
	struct client_config cfg;
	char err[ERR_MAX] = "";

	config_defaults(&cfg);
	CHECK_INT(config_load(&cfg, "/nonexistent/client.conf", 1, err), 0);
	CHECK_INT(config_load(&cfg, "/nonexistent/client.conf", 0, err), -1);
	CHECK(strstr(err, "/nonexistent/client.conf") != NULL);
	config_free(&cfg);
}

TEST(env_overrides)
{
	struct client_config cfg;

	config_defaults(&cfg);
	CHECK_INT(config_set(&cfg, "key", "filekey", NULL), 0);
	setenv("DCC_SERVER", "http://127.0.0.9:1", 1);
	setenv("DCC_PROJECT", "other", 1);
	setenv("DCC_KEY", "", 1);
	config_apply_env(&cfg);
	CHECK_STR(cfg.server, "http://127.0.0.9:1");
	CHECK_STR(cfg.project, "other");
	CHECK(cfg.key == NULL);
	unsetenv("DCC_SERVER");
	unsetenv("DCC_PROJECT");
	unsetenv("DCC_KEY");
	config_free(&cfg);
}

/* One reader for both files: a `#` that starts a word is a comment, in
 * client.conf as in server.conf (1.0's server kept "abc # x" as a value). */
TEST(comments_and_blanks)
{
	struct client_config cfg;
	char err[ERR_MAX] = "", *path;

	path = write_conf("c.conf",
	    "owner Mark Smith   # the panel shows this\n"
	    "\t# an indented comment\n");
	config_defaults(&cfg);
	CHECK_INT(config_load(&cfg, path, 0, err), 0);
	CHECK_STR(cfg.owner, "Mark Smith");
	config_free(&cfg);
	free(path);
	path = write_conf("e.conf", "owner team#2 # a '#' inside a word stays\n");
	config_defaults(&cfg);
	CHECK_INT(config_load(&cfg, path, 0, err), 0);
	CHECK_STR(cfg.owner, "team#2");
	config_free(&cfg);
	free(path);
	path = write_conf("d.conf", "key abc # x\n");
	config_defaults(&cfg);
	CHECK_INT(config_load(&cfg, path, 0, err), 0);
	CHECK_STR(cfg.key, "abc");
	config_free(&cfg);
	free(path);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(defaults);
	RUN(load_every_key);
	RUN(errors_name_file_and_line);
	RUN(missing_file);
	RUN(env_overrides);
	RUN(comments_and_blanks);
	test_rmtree(dir);
	return test_summary();
}

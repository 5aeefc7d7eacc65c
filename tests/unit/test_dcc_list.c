/* Unit tests for shim/dcc_list.c: cache paths, picking the fresher list,
 * freshness, the failure record and the one-at-a-time refresh. Fetches from
 * a real server run in tests/integration/dcc_*.sh. */
#include <sys/file.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "dcc.h"
#include "test.h"

static char dir[] = "/tmp/test_dcc_list.XXXXXX";

static void
setup(struct client_config *cfg, struct dcc_paths *paths)
{
	char *state = xasprintf("%s/state", dir);

	mkdir(state, 0755);
	config_defaults(cfg);
	config_set(cfg, "state_dir", state, NULL);
	config_set(cfg, "project", "fw", NULL);
	free(state);
	setenv("XDG_CACHE_HOME", dir, 1);
	dcc_paths_init(paths, cfg);
	mkdir(paths->cache_dir, 0700);
}

static void
write_list(const char *path, const char *project, double fetched,
    const char *hosts)
{
	char *text = xasprintf("# dyndistcc project=%s refresh_after=15 heartbeat=10 "
	    "ttl=30 pool_threads=4 fetched=%lld\n%s\n", project, (long long)fetched,
	    hosts);

	CHECK_INT(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
	free(text);
}

TEST(paths)
{
	struct client_config cfg;
	struct dcc_paths p;

	config_defaults(&cfg);
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	dcc_paths_init(&p, &cfg);
	CHECK_STR(p.system_hosts, DEFAULT_STATE_DIR "/hosts");
	CHECK_STR(p.node_id, DEFAULT_STATE_DIR "/node-id");
	CHECK_STR(p.cache_dir, "/x/cache/dyndistcc");
	CHECK_STR(p.user_hosts, "/x/cache/dyndistcc/hosts");
	CHECK_STR(p.lock, "/x/cache/dyndistcc/lock");
	CHECK_STR(p.failed, "/x/cache/dyndistcc/failed");
	CHECK_STR(p.warned, "/x/cache/dyndistcc/warned");
	dcc_paths_free(&p);
	setenv("XDG_CACHE_HOME", "relative", 1);	/* ignored, as the spec says */
	setenv("HOME", "/home/u", 1);
	dcc_paths_init(&p, &cfg);
	CHECK_STR(p.cache_dir, "/home/u/.cache/dyndistcc");
	dcc_paths_free(&p);
	config_free(&cfg);
}

TEST(load_picks_the_fresher)
{
	struct client_config cfg;
	struct dcc_paths p;
	struct dcc_list list;
	double now = now_wall();

	setup(&cfg, &p);
	dcc_list_load(&list, &p, &cfg, now);
	CHECK_INT(list.source, SOURCE_NONE);
	CHECK(!dcc_list_fresh(&list, now));

	write_list(p.system_hosts, "fw", now - 100, "localhost/1 10.0.0.1/2");
	write_list(p.user_hosts, "fw", now - 50, "localhost/1 10.0.0.2/2");
	dcc_list_load(&list, &p, &cfg, now);
	CHECK_INT(list.source, SOURCE_USER);
	CHECK_STR(list.hl.distcc_hosts, "localhost/1 10.0.0.2/2");
	CHECK(!dcc_list_fresh(&list, now));
	dcc_list_free(&list);

	write_list(p.system_hosts, "fw", now - 2, "localhost/1 10.0.0.1/2");
	dcc_list_load(&list, &p, &cfg, now);
	CHECK_INT(list.source, SOURCE_SYSTEM);
	CHECK(dcc_list_fresh(&list, now));
	CHECK(!dcc_list_fresh(&list, now + 14));
	CHECK(dcc_list_fresh(&list, now + 12));
	dcc_list_free(&list);

	/* a list stamped in the future counts as very old */
	write_list(p.system_hosts, "fw", now + 3600, "localhost/1 10.0.0.1/2");
	dcc_list_load(&list, &p, &cfg, now);
	CHECK_INT(list.source, SOURCE_USER);
	CHECK_STR(list.hl.distcc_hosts, "localhost/1 10.0.0.2/2");
	dcc_list_free(&list);
	unlink(p.user_hosts);
	dcc_list_load(&list, &p, &cfg, now);
	CHECK_INT(list.source, SOURCE_SYSTEM);
	CHECK(!dcc_list_fresh(&list, now));
	dcc_list_free(&list);
	write_list(p.user_hosts, "fw", now - 50, "localhost/1 10.0.0.2/2");

	/* another project's list is never used */
	write_list(p.system_hosts, "other", now, "localhost/1 10.0.0.3/2");
	dcc_list_load(&list, &p, &cfg, now);
	CHECK_INT(list.source, SOURCE_USER);
	dcc_list_free(&list);

	/* a corrupt cache is as good as none */
	CHECK_INT(file_write_atomic(p.user_hosts, "junk\n", 5, 0644, NULL), 0);
	dcc_list_load(&list, &p, &cfg, now);
	CHECK_INT(list.source, SOURCE_NONE);
	unlink(p.system_hosts);
	unlink(p.user_hosts);
	dcc_paths_free(&p);
	config_free(&cfg);
}

TEST(failure_record_and_hold)
{
	struct client_config cfg;
	struct dcc_paths p;
	struct dcc_list list;
	char err[ERR_MAX], text[ERR_MAX];
	double age;

	setup(&cfg, &p);
	memset(&list, 0, sizeof(list));
	unlink(p.failed);
	CHECK(dcc_stamp_age(p.failed, now_wall(), text, sizeof(text)) < 0);
	/* no server configured: the fetch fails and goes on record */
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, 0, err), -1);
	CHECK(strstr(err, "no server") != NULL);
	age = dcc_stamp_age(p.failed, now_wall(), text, sizeof(text));
	CHECK(age >= 0 && age < 2);
	CHECK_STR(text, err);
	/* within the hold nobody tries again */
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, 0, err), 0);
	CHECK(strstr(err, "failed") != NULL);
	/* --refresh (force) tries anyway */
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, 1, err), -1);
	CHECK_INT(list.source, SOURCE_NONE);
	CHECK_INT(dcc_stamp_write(&p, p.failed, "boom"), 0);
	dcc_stamp_age(p.failed, now_wall(), text, sizeof(text));
	CHECK_STR(text, "boom");
	unlink(p.failed);
	dcc_paths_free(&p);
	config_free(&cfg);
}

TEST(refresh_is_one_at_a_time)
{
	struct client_config cfg;
	struct dcc_paths p;
	struct dcc_list list;
	char err[ERR_MAX];
	int fd;

	setup(&cfg, &p);
	memset(&list, 0, sizeof(list));
	unlink(p.failed);
	/* someone else holds the lock: we do not wait and do not fetch */
	fd = open(p.lock, O_RDWR | O_CREAT, 0600);
	CHECK(fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == 0);
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, 0, err), 0);
	CHECK(strstr(err, "another dcc") != NULL);
	CHECK(dcc_stamp_age(p.failed, now_wall(), NULL, 0) < 0);
	close(fd);
	/* a refresh finished just before we got the lock: take its list */
	write_list(p.user_hosts, "fw", now_wall(), "localhost/1 10.0.0.9/4");
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, 0, err), 1);
	CHECK_INT(list.source, SOURCE_USER);
	CHECK_STR(list.hl.distcc_hosts, "localhost/1 10.0.0.9/4");
	CHECK(dcc_stamp_age(p.failed, now_wall(), NULL, 0) < 0);
	dcc_list_free(&list);
	unlink(p.user_hosts);
	dcc_paths_free(&p);
	config_free(&cfg);
}

TEST(unusable_cache_dir)
{
	struct client_config cfg;
	struct dcc_paths p;
	struct dcc_list list;
	char err[ERR_MAX], *file = xasprintf("%s/file", dir);

	config_defaults(&cfg);
	config_set(&cfg, "project", "fw", NULL);
	CHECK_INT(file_write_atomic(file, "x", 1, 0644, NULL), 0);
	setenv("XDG_CACHE_HOME", file, 1);
	dcc_paths_init(&p, &cfg);
	memset(&list, 0, sizeof(list));
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, 0, err), 0);
	CHECK(strstr(err, "cannot refresh") != NULL);
	CHECK_INT(dcc_stamp_write(&p, p.failed, "x"), -1);
	dcc_paths_free(&p);
	config_free(&cfg);
	free(file);
}

TEST(local_cores)
{
	struct client_config cfg;

	config_defaults(&cfg);
	CHECK_INT(dcc_local_cores(&cfg), sysconf(_SC_NPROCESSORS_ONLN));
	cfg.cores = 7;
	CHECK_INT(dcc_local_cores(&cfg), 7);
	config_free(&cfg);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	unsetenv("DCC_LOG");
	unsetenv("DCC_VERBOSE");
	RUN(paths);
	RUN(load_picks_the_fresher);
	RUN(failure_record_and_hold);
	RUN(refresh_is_one_at_a_time);
	RUN(unusable_cache_dir);
	RUN(local_cores);
	test_rmtree(dir);
	return test_summary();
}

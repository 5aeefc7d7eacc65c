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
	CHECK_STR(p.compilers, "/x/cache/dyndistcc/compilers");
	dcc_paths_free(&p);
	setenv("XDG_CACHE_HOME", "relative", 1);	/* ignored, as the spec says */
	setenv("HOME", "/home/u", 1);
	dcc_paths_init(&p, &cfg);
	CHECK_STR(p.cache_dir, "/home/u/.cache/dyndistcc");
	dcc_paths_free(&p);
	config_free(&cfg);
}

/* The best list for a compiler at time now; its line into *line. */
static const struct dcc_list *
best(struct dcc_lists *l, struct dcc_paths *p, struct client_config *cfg,
    const char *fp, double now, int fresh, const char **line)
{
	const struct dcc_list *b;

	dcc_lists_free(l);
	dcc_lists_load(l, p, cfg, now);
	b = dcc_lists_best(l, p, cfg, fp, now, fresh);
	*line = b != NULL ? dcc_list_line(b, fp) : NULL;
	return b;
}

TEST(load_picks_the_fresher)
{
	struct client_config cfg;
	struct dcc_paths p;
	struct dcc_lists l;
	const struct dcc_list *b;
	const char *line;
	double now = now_wall();

	setup(&cfg, &p);
	memset(&l, 0, sizeof(l));
	CHECK(best(&l, &p, &cfg, NULL, now, 0, &line) == NULL);
	CHECK(!dcc_list_fresh(&l.sys, now));

	write_list(p.system_hosts, "fw", now - 100, "localhost/1 10.0.0.1/2");
	write_list(p.user_hosts, "fw", now - 50, "localhost/1 10.0.0.2/2");
	CHECK(best(&l, &p, &cfg, NULL, now, 1, &line) == NULL);	/* none fresh */
	b = best(&l, &p, &cfg, NULL, now, 0, &line);
	CHECK(b != NULL && b->source == SOURCE_USER);
	CHECK_STR(line, "localhost/1 10.0.0.2/2");

	write_list(p.system_hosts, "fw", now - 2, "localhost/1 10.0.0.1/2");
	b = best(&l, &p, &cfg, NULL, now, 1, &line);
	CHECK(b != NULL && b->source == SOURCE_SYSTEM);
	CHECK(!l.usr_read);	/* a fresh system list: one read */
	CHECK(dcc_list_fresh(b, now));
	CHECK(!dcc_list_fresh(b, now + 14));
	CHECK(dcc_list_fresh(b, now + 12));

	/* a list stamped in the future counts as very old */
	write_list(p.system_hosts, "fw", now + 3600, "localhost/1 10.0.0.1/2");
	b = best(&l, &p, &cfg, NULL, now, 0, &line);
	CHECK(b != NULL && b->source == SOURCE_USER);
	CHECK_STR(line, "localhost/1 10.0.0.2/2");
	unlink(p.user_hosts);
	b = best(&l, &p, &cfg, NULL, now, 0, &line);
	CHECK(b != NULL && b->source == SOURCE_SYSTEM);
	CHECK(!dcc_list_fresh(b, now));
	write_list(p.user_hosts, "fw", now - 50, "localhost/1 10.0.0.2/2");

	/* another project's list is never used */
	write_list(p.system_hosts, "other", now, "localhost/1 10.0.0.3/2");
	b = best(&l, &p, &cfg, NULL, now, 0, &line);
	CHECK(b != NULL && b->source == SOURCE_USER);

	/* a corrupt cache is as good as none */
	CHECK_INT(file_write_atomic(p.user_hosts, "junk\n", 5, 0644, NULL), 0);
	CHECK(best(&l, &p, &cfg, NULL, now, 0, &line) == NULL);
	dcc_lists_free(&l);
	unlink(p.system_hosts);
	unlink(p.user_hosts);
	dcc_paths_free(&p);
	config_free(&cfg);
}

#define FPA	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FPB	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void
write_list11(const char *path, double fetched, const char *fps)
{
	char *text = xasprintf("# dyndistcc project=fw refresh_after=15 heartbeat=10 "
	    "ttl=30 pool_threads=4 pool_busy=0 compilers=1 fetched=%lld\n%s"
	    "localhost/1 10.0.0.9/3\n", (long long)fetched, fps);

	CHECK_INT(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
	free(text);
}

/* A 1.1 list: a compiler's line is its fingerprint's; a compiler with no
 * line (or no fingerprint) gets none from it, and a fresher list without it
 * does not hide an older one with it. */
TEST(picks_by_fingerprint)
{
	struct client_config cfg;
	struct dcc_paths p;
	struct dcc_lists l;
	const struct dcc_list *b;
	const char *line;
	double now = now_wall();

	setup(&cfg, &p);
	memset(&l, 0, sizeof(l));
	write_list11(p.system_hosts, now - 1,
	    "# dyndistcc-fp " FPA " threads=3 localhost/1 10.0.0.1/2\n");
	write_list11(p.user_hosts, now - 5,
	    "# dyndistcc-fp " FPB " threads=5 localhost/1 10.0.0.2/4\n");
	b = best(&l, &p, &cfg, FPA, now, 1, &line);
	CHECK(b != NULL && b->source == SOURCE_SYSTEM);
	CHECK_STR(line, "localhost/1 10.0.0.1/2");
	b = best(&l, &p, &cfg, FPB, now, 1, &line);
	CHECK(b != NULL && b->source == SOURCE_USER);
	CHECK_STR(line, "localhost/1 10.0.0.2/4");
	CHECK(best(&l, &p, &cfg, NULL, now, 0, &line) == NULL);
	CHECK(best(&l, &p, &cfg, "cccccccccccccccccccccccccccccccc", now, 0,
	    &line) == NULL);
	/* stale: only when asked for */
	CHECK(best(&l, &p, &cfg, FPB, now + 100, 1, &line) == NULL);
	b = best(&l, &p, &cfg, FPB, now + 100, 0, &line);
	CHECK(b != NULL && b->source == SOURCE_USER);
	/* a 1.0 server's list serves every compiler alike */
	write_list(p.user_hosts, "fw", now - 5, "localhost/1 10.0.0.5/2");
	b = best(&l, &p, &cfg, FPB, now, 1, &line);
	CHECK(b != NULL && b->source == SOURCE_USER);
	CHECK_STR(line, "localhost/1 10.0.0.5/2");
	dcc_lists_free(&l);
	unlink(p.system_hosts);
	unlink(p.user_hosts);
	dcc_paths_free(&p);
	config_free(&cfg);
}

/* Issue 15: a cache directory that is not this user's own, or that others
 * may write to, is neither read nor written. */
TEST(cache_dir_ownership)
{
	struct client_config cfg;
	struct dcc_paths p;
	struct dcc_lists l;
	char err[ERR_MAX], *cache = xasprintf("%s/shared", dir), *dd;

	config_defaults(&cfg);
	config_set(&cfg, "project", "fw", NULL);
	mkdir(cache, 0755);
	setenv("XDG_CACHE_HOME", cache, 1);
	dcc_paths_init(&p, &cfg);
	CHECK_INT(dcc_cache_dir_ok(&p, err), 0);	/* created 0700, ours */
	dcc_paths_free(&p);
	dd = xasprintf("%s/dyndistcc", cache);
	chmod(dd, 0777);
	dcc_paths_init(&p, &cfg);
	CHECK_INT(dcc_cache_dir_ok(&p, err), -1);
	CHECK(strstr(err, "writable by others") != NULL);
	write_list(p.user_hosts, "fw", now_wall(), "localhost/1 10.0.0.7/2");
	memset(&l, 0, sizeof(l));
	dcc_lists_user(&l, &p, &cfg, now_wall());
	CHECK_INT(l.usr.source, SOURCE_NONE);
	CHECK_INT(dcc_stamp_write(&p, p.failed, "x"), -1);
	dcc_lists_free(&l);
	dcc_paths_free(&p);
	if (geteuid() == 0) {	/* another user's directory */
		chmod(dd, 0700);
		CHECK_INT(chown(dd, 65534, 65534), 0);
		dcc_paths_init(&p, &cfg);
		CHECK_INT(dcc_cache_dir_ok(&p, err), -1);
		CHECK(strstr(err, "belongs to uid 65534") != NULL);
		dcc_paths_free(&p);
	}
	free(dd);
	free(cache);
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
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, NULL, 0, 0, err), -1);
	CHECK(strstr(err, "no server") != NULL);
	age = dcc_stamp_age(p.failed, now_wall(), text, sizeof(text));
	CHECK(age >= 0 && age < 2);
	CHECK_STR(text, err);
	/* within the hold nobody tries again */
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, NULL, 0, 0, err), 0);
	CHECK(strstr(err, "failed") != NULL);
	/* --refresh (force) tries anyway */
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, NULL, 0, 1, err), -1);
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
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, NULL, 0, 0, err), 0);
	CHECK(strstr(err, "another dcc") != NULL);
	CHECK(dcc_stamp_age(p.failed, now_wall(), NULL, 0) < 0);
	close(fd);
	/* a refresh finished just before we got the lock: take its list */
	write_list(p.user_hosts, "fw", now_wall(), "localhost/1 10.0.0.9/4");
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, NULL, 0, 0, err), 1);
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
	CHECK_INT(dcc_list_refresh(&list, &p, &cfg, NULL, 0, 0, err), 0);
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
	RUN(picks_by_fingerprint);
	RUN(cache_dir_ownership);
	RUN(failure_record_and_hold);
	RUN(refresh_is_one_at_a_time);
	RUN(unusable_cache_dir);
	RUN(local_cores);
	test_rmtree(dir);
	return test_summary();
}

/* Unit tests for shim/cache.c. */
#include <sys/stat.h>

#include <stdlib.h>
#include <unistd.h>

#include "client.h"
#include "test.h"

static char dir[] = "/tmp/test_cache.XXXXXX";

static void
sample(struct hostlist *hl)
{
	memset(hl, 0, sizeof(*hl));
	hl->project = xstrdup("fw");
	hl->heartbeat = 10;
	hl->refresh_after = 15;
	hl->ttl = 30;
	hl->pool_threads = 28;
	hl->distcc_hosts = xstrdup("localhost/4 10.0.0.7/16 10.0.0.9:3700/8");
}

TEST(roundtrip)
{
	struct hostlist hl, back;
	char *path = xasprintf("%s/hosts", dir), err[ERR_MAX] = "", *text;
	double fetched, t0 = now_wall();
	struct stat st;

	sample(&hl);
	CHECK_INT(cache_write(path, &hl, err), 0);
	CHECK_STR(err, "");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	text = file_read(path, 4096, NULL, err);
	CHECK(text != NULL && strncmp(text, "# dyndistcc project=fw refresh_after=15 "
	    "heartbeat=10 ttl=30 pool_threads=28 fetched=", 78) == 0);
	CHECK(text != NULL && strstr(text, "\nlocalhost/4 10.0.0.7/16 10.0.0.9:3700/8\n") != NULL);
	free(text);
	CHECK_INT(cache_read(path, &back, &fetched, err), 0);
	CHECK_STR(back.project, "fw");
	CHECK_INT(back.heartbeat, 10);
	CHECK_INT(back.refresh_after, 15);
	CHECK_INT(back.ttl, 30);
	CHECK_INT(back.pool_threads, 28);
	CHECK_STR(back.distcc_hosts, hl.distcc_hosts);
	CHECK_INT(back.nmembers, 0);
	CHECK(fetched >= (double)(long long)t0 && fetched <= now_wall());
	hostlist_free(&back);
	hostlist_free(&hl);
	free(path);
}

TEST(refuses_to_write_junk)
{
	struct hostlist hl;
	char *path = xasprintf("%s/junk", dir), err[ERR_MAX];

	sample(&hl);
	free(hl.distcc_hosts);
	hl.distcc_hosts = xstrdup("");
	CHECK_INT(cache_write(path, &hl, err), -1);
	CHECK(access(path, F_OK) == -1);
	hostlist_free(&hl);
	free(path);
}

TEST(rejects_corrupt_files)
{
	static const char *const bad[] = {
		"",
		"localhost/4\n",
		"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000\n",
		"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000\n\n",
		"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000\nlocalhost/4",
		"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28\nlocalhost/4\n",
		"# dyndistcc project=fw refresh_after=0 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000\nlocalhost/4\n",
		"# dyndistcc project=fw refresh_after=15 refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000\nlocalhost/4\n",
		"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000 x=1\nlocalhost/4\n",
		"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000\nlocalhost/4,lzo\n",
		"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000\nlocalhost/4\nextra\n",
		"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000\nlocal\0host/4\n",
		"# dyndistcc project=a/b refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000\nlocalhost/4\n",
	};
	struct hostlist hl;
	char *path = xasprintf("%s/bad", dir), err[ERR_MAX];
	double fetched;
	size_t i, len;

	for (i = 0; i < NELEM(bad); i++) {
		len = strlen(bad[i]);
		if (i == 11)
			len = strlen(bad[i]) + 1 + strlen(bad[i] + strlen(bad[i]) + 1);
		CHECK_INT(file_write_atomic(path, bad[i], len, 0644, err), 0);
		err[0] = '\0';
		if (cache_read(path, &hl, &fetched, err) != -1)
			fprintf(stderr, "accepted case %zu\n", i);
		CHECK(hl.distcc_hosts == NULL && hl.project == NULL);
		CHECK(strstr(err, "not a dyndistcc host-list file") != NULL);
	}
	CHECK_INT(cache_read("/nonexistent/hosts", &hl, &fetched, err), -1);
	free(path);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(roundtrip);
	RUN(refuses_to_write_junk);
	RUN(rejects_corrupt_files);
	test_rmtree(dir);
	return test_summary();
}

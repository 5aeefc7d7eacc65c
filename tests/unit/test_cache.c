/* Unit tests for shim/cache.c. */
#include <sys/stat.h>

#include <stdlib.h>
#include <unistd.h>

#include "client.h"
#include "test.h"

static char dir[] = "/tmp/test_cache.XXXXXX";

#define FP1	"0123456789abcdef0123456789abcdef"
#define FP2	"fedcba9876543210fedcba9876543210"
#define M11	"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 " \
		"pool_threads=28 pool_busy=3 compilers=1 fetched=1764161000\n"
#define FPL	"# dyndistcc-fp " FP1 " "

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
	CHECK_INT(cache_write(path, &hl, NULL, NULL, err), 0);
	CHECK_STR(err, "");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	text = file_read(path, 4096, NULL, err);
	CHECK(text != NULL && strncmp(text, "# dyndistcc project=fw refresh_after=15 "
	    "heartbeat=10 ttl=30 pool_threads=28 pool_busy=0 compilers=0 fetched=",
	    101) == 0);
	CHECK(text != NULL && strstr(text, "\nlocalhost/4 10.0.0.7/16 10.0.0.9:3700/8\n") != NULL);
	free(text);
	CHECK_INT(cache_read(path, &back, &fetched, NULL, err), 0);
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
	CHECK_INT(cache_write(path, &hl, NULL, NULL, err), -1);
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
		/* 1.1: per-compiler lines get the same checks as the last line */
		M11 FPL "threads=4 --randomize localhost/4\nlocalhost/4\n",
		M11 FPL "threads=4 localhost/100000\nlocalhost/4\n",
		M11 FPL "threads=4 localhost/4,lzo\nlocalhost/4\n",
		M11 FPL "threads=4 \nlocalhost/4\n",
		M11 FPL "threads=99999 localhost/4\nlocalhost/4\n",
		M11 FPL "localhost/4\nlocalhost/4\n",
		M11 "# dyndistcc-fp 0123456789ABCDEF0123456789abcdef threads=4 localhost/4\nlocalhost/4\n",
		M11 "# dyndistcc-fp 0123456789abcdef threads=4 localhost/4\nlocalhost/4\n",
		M11 FPL "threads=4 localhost/4\n" FPL "threads=4 localhost/4\nlocalhost/4\n",
		M11 "# dyndistcc-bin 0123456789abcdef0123456789abcdef gcc 1:2:3 /usr/bin/gcc\nlocalhost/4\n",
		M11 "# dyndistcc-bin 0123456789abcdef0123456789abcdef gcc 1:2:3:4 usr/bin/gcc\nlocalhost/4\n",
		M11 "# dyndistcc-bin 0123456789abcdef0123456789abcdef -gcc 1:2:3:4 /usr/bin/gcc\nlocalhost/4\n",
		M11 "# dyndistcc-bin 0123456789abcdef0123456789abcdef gcc 1:2:x:4 /usr/bin/gcc\nlocalhost/4\n",
		M11 "# dyndistcc-other\nlocalhost/4\n",
		"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 pool_busy=0 compilers=0 fetched=1764161000\n" FPL "threads=4 localhost/4\nlocalhost/4\n",
		"# dyndistcc project=fw refresh_after=15 heartbeat=86400 ttl=30 pool_threads=28 pool_busy=0 compilers=1 fetched=1764161000\nlocalhost/4\n",
		"# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 pool_busy=0 compilers=2 fetched=1764161000\nlocalhost/4\n",
	};
	struct hostlist hl;
	char *path = xasprintf("%s/bad", dir), err[ERR_MAX];
	double fetched;
	size_t i, len;

	for (i = 0; i < NELEM(bad); i++) {
		len = strlen(bad[i]);
		if (i == 11)	/* a NUL inside */
			len = strlen(bad[i]) + 1 + strlen(bad[i] + strlen(bad[i]) + 1);
		CHECK_INT(file_write_atomic(path, bad[i], len, 0644, err), 0);
		err[0] = '\0';
		if (cache_read(path, &hl, &fetched, NULL, err) != -1)
			fprintf(stderr, "accepted case %zu\n", i);
		CHECK(hl.distcc_hosts == NULL && hl.project == NULL);
		CHECK(strstr(err, "not a dyndistcc host-list file") != NULL);
	}
	CHECK_INT(cache_read("/nonexistent/hosts", &hl, &fetched, NULL, err), -1);
	free(path);
}

/* A 1.1 list: per-compiler lines, the heartbeat's binaries, and cc's line
 * last for plain distcc. */
TEST(compilers_roundtrip)
{
	struct hostlist hl, back;
	struct fp_table bins = { NULL, 0 }, bback;
	char *path = xasprintf("%s/hosts11", dir), err[ERR_MAX] = "", *text;
	const struct hostlist_fp *f;
	double fetched;

	sample(&hl);
	hl.compilers = 1;
	hl.pool_busy = 9;
	hostlist_add_fp(&hl, FP1, "localhost/4 10.0.0.7/16", 20);
	hostlist_add_fp(&hl, FP2, "localhost/4", 4);
	fp_table_add(&bins, FP1, "x86_64-linux-gnu-gcc", "2049:12:1150456:1700000000123456789",
	    "/usr/bin/x86_64-linux-gnu-gcc-12");
	fp_table_add(&bins, FP2, "arm-none-eabi-gcc", "2049:13:99:1", "/opt/my arm/bin/arm-none-eabi-gcc");
	CHECK_INT(cache_write(path, &hl, &bins, FP1, err), 0);
	text = file_read(path, 65536, NULL, err);
	CHECK(text != NULL && strstr(text, " pool_busy=9 compilers=1 ") != NULL);
	CHECK(text != NULL && strstr(text, "\n# dyndistcc-fp " FP1
	    " threads=20 localhost/4 10.0.0.7/16\n") != NULL);
	CHECK(text != NULL && strstr(text, "\n# dyndistcc-bin " FP2
	    " arm-none-eabi-gcc 2049:13:99:1 /opt/my arm/bin/arm-none-eabi-gcc\n") != NULL);
	/* the last line, for plain distcc, is cc's list */
	CHECK(text != NULL && strlen(text) > 25 &&
	    strcmp(text + strlen(text) - 25, "\nlocalhost/4 10.0.0.7/16\n") == 0);
	free(text);
	CHECK_INT(cache_read(path, &back, &fetched, &bback, err), 0);
	CHECK_INT(back.compilers, 1);
	CHECK_INT(back.pool_busy, 9);
	CHECK_INT(back.nfps, 2);
	CHECK((f = hostlist_fp(&back, FP2)) != NULL && strcmp(f->hosts, "localhost/4") == 0);
	CHECK(f != NULL && f->threads == 4);
	CHECK_INT(bback.n, 2);
	CHECK_STR(fp_table_find(&bback, "arm-none-eabi-gcc", "2049:13:99:1"), FP2);
	CHECK(fp_table_find(&bback, "arm-none-eabi-gcc", "2049:13:99:2") == NULL);
	CHECK(fp_table_find(&bback, "gcc", "2049:13:99:1") == NULL);
	hostlist_free(&back);
	fp_table_free(&bback);

	/* without cc's fingerprint, the compiler-blind line is last */
	CHECK_INT(cache_write(path, &hl, NULL, NULL, err), 0);
	CHECK_INT(cache_read(path, &back, &fetched, NULL, err), 0);
	CHECK_STR(back.distcc_hosts, hl.distcc_hosts);
	hostlist_free(&back);
	hostlist_free(&hl);
	fp_table_free(&bins);
	free(path);
}

/* A 1.0 heartbeat's file reads as a compiler-blind list. */
TEST(reads_1_0_files)
{
	struct hostlist hl;
	char *path = xasprintf("%s/hosts10", dir), err[ERR_MAX];
	const char *text = "# dyndistcc project=fw refresh_after=15 heartbeat=10 "
	    "ttl=30 pool_threads=28 fetched=1764161000\nlocalhost/4 10.0.0.7/16\n";
	double fetched;

	CHECK_INT(file_write_atomic(path, text, strlen(text), 0644, err), 0);
	CHECK_INT(cache_read(path, &hl, &fetched, NULL, err), 0);
	CHECK_INT(hl.compilers, 0);
	CHECK_INT(hl.nfps, 0);
	CHECK_STR(hl.distcc_hosts, "localhost/4 10.0.0.7/16");
	hostlist_free(&hl);
	free(path);
}

/* dcc's own table of fingerprinted compilers */
TEST(bins_table)
{
	struct fp_table t = { NULL, 0 }, back;
	char *path = xasprintf("%s/compilers", dir), err[ERR_MAX];
	char id[32];
	int i;

	CHECK_INT(cache_read_bins(path, &back, err), -1);
	CHECK_INT(cache_write_bins(path, &t, err), 0);
	CHECK_INT(cache_read_bins(path, &back, err), 0);
	CHECK_INT(back.n, 0);
	for (i = 0; i < FP_TABLE_MAX + 5; i++) {
		snprintf(id, sizeof(id), "1:%d:3:4", i);
		fp_table_add(&t, FP1, "gcc", id, "/usr/bin/gcc");
	}
	CHECK_INT(t.n, FP_TABLE_MAX);	/* the oldest went */
	CHECK(fp_table_find(&t, "gcc", "1:0:3:4") == NULL);
	CHECK(fp_table_find(&t, "gcc", "1:5:3:4") != NULL);
	fp_table_add(&t, FP2, "gcc", "1:5:3:4", "/usr/bin/gcc");	/* replaces */
	CHECK_INT(t.n, FP_TABLE_MAX);
	CHECK_STR(fp_table_find(&t, "gcc", "1:5:3:4"), FP2);
	CHECK_INT(cache_write_bins(path, &t, err), 0);
	CHECK_INT(cache_read_bins(path, &back, err), 0);
	CHECK_INT(back.n, FP_TABLE_MAX);
	CHECK_STR(fp_table_find(&back, "gcc", "1:5:3:4"), FP2);
	fp_table_free(&back);
	fp_table_free(&t);
	CHECK_INT(file_write_atomic(path, "# dyndistcc-compilers\nbad line\n", 31, 0644, err), 0);
	CHECK_INT(cache_read_bins(path, &back, err), -1);
	CHECK_INT(back.n, 0);
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
	RUN(compilers_roundtrip);
	RUN(reads_1_0_files);
	RUN(bins_table);
	test_rmtree(dir);
	return test_summary();
}

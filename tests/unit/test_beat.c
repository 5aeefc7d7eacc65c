/* Unit tests for shim/beat.c: jitter stays within 80-100 % of the
 * heartbeat, retries back off
 * to the heartbeat and no further, a config needs server and project; and
 * the temporary directory distccd is given (jobs.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "test.h"
#include "heartbeat.h"

TEST(jitter_bounds)
{
	CHECK(beat_jitter(10, 0) >= 8.0 - 1e-9);
	CHECK(beat_jitter(10, 0.999999) <= 10.0);
	CHECK(beat_jitter(10, 0.5) > 8.99 && beat_jitter(10, 0.5) < 9.01);
	for (int i = 0; i < 1000; i++) {
		double j = beat_jitter(30, drand48());
		CHECK(j >= 24 && j <= 30);
	}
}

TEST(backoff_capped)
{
	double d = 0;
	double want[] = { 1, 2, 4, 8, 10, 10 };

	for (size_t i = 0; i < NELEM(want); i++) {
		d = beat_backoff(d, 10);
		CHECK(d == want[i]);
	}
	CHECK(beat_backoff(0, 1) == 1);
}

TEST(config_needs_server_and_project)
{
	char path[] = "/tmp/test_beat.XXXXXX", err[ERR_MAX] = "";
	struct client_config cfg;
	int fd = mkstemp(path);

	CHECK(fd != -1);
	CHECK(write(fd, "project fw\n", 11) == 11);
	close(fd);
	CHECK_INT(beat_config(&cfg, path, err), -1);
	CHECK(strstr(err, "no server") != NULL);
	config_free(&cfg);
	CHECK_INT(file_write_atomic(path, "server http://127.0.0.1:1\n", 26,
	    0600, err), 0);
	CHECK_INT(beat_config(&cfg, path, err), -1);
	CHECK(strstr(err, "no project") != NULL);
	config_free(&cfg);
	CHECK_INT(file_write_atomic(path,
	    "server http://127.0.0.1:1\nproject fw\nnice 7\n", 44, 0600, err), 0);
	CHECK_INT(beat_config(&cfg, path, err), 0);
	CHECK_INT(cfg.nice, 7);
	CHECK_INT(cfg.manage_distccd, 1);
	CHECK_INT(cfg.distccd_port, 3632);
	config_free(&cfg);
	unlink(path);
}

/* Started as root, distccd becomes user distccd and chdirs to its TMPDIR
 * (exit 107 when it cannot): a private directory of root's will not do,
 * one like /tmp will. Anyone else's distccd runs as them: any will do. */
TEST(jobs_tmpdir_check)
{
	char dir[] = "/tmp/test_jobs.XXXXXX", err[ERR_MAX] = "";
	char *file;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(chmod(dir, 0700), 0);
	if (geteuid() == 0) {
		CHECK_INT(jobs_tmpdir_check(dir, err), -1);
		CHECK(strstr(err, "mode 0700") != NULL);
		CHECK_INT(chmod(dir, 01777), 0);
		CHECK_INT(jobs_tmpdir_check(dir, err), 0);
		file = xasprintf("%s/f", dir);
		CHECK(fclose(fopen(file, "w")) == 0);
		CHECK_INT(jobs_tmpdir_check(file, err), -1);
		CHECK(strstr(err, "not a directory") != NULL);
		unlink(file);
		free(file);
	} else
		CHECK_INT(jobs_tmpdir_check(dir, err), 0);
	CHECK_INT(jobs_tmpdir_check("/tmp", err), 0);
	rmdir(dir);
}

int
main(void)
{
	RUN(jitter_bounds);
	RUN(backoff_capped);
	RUN(config_needs_server_and_project);
	RUN(jobs_tmpdir_check);
	return test_summary();
}

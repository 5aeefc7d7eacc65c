/* Unit tests for shim/beat.c: jitter stays within 80-100 % of the
 * heartbeat, retries back off
 * to the heartbeat and no further, a config needs server and project. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int
main(void)
{
	RUN(jitter_bounds);
	RUN(backoff_capped);
	RUN(config_needs_server_and_project);
	return test_summary();
}

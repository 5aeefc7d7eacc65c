/* Unit tests for shim/beat.c: jitter stays within 80-100 % of the
 * heartbeat, retries back off
 * to the heartbeat and no further, a config needs server and project; and
 * of jobs_ready, which the beat's health check asks, and of the temporary
 * directory distccd is given (jobs.c). */
#include <sys/wait.h>

#include <signal.h>
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

/* jobs_ready(j) once it gives want, or after 5 s (a signal takes effect
 * when the target next runs). */
static int
ready_becomes(const struct jobs *j, int want, char *err)
{
	int i, r = -1;

	for (i = 0; i < 500 && (r = jobs_ready(j, 100, err)) != want; i++)
		usleep(10000);
	return r;
}

/* A distccd that waits for its backoff, or is stopped with all of its
 * children, takes no job; a running one, or one starting now, does. */
TEST(engine_ready)
{
	struct jobs j;
	char err[ERR_MAX] = "", c;
	int fds[2], status;
	pid_t pid;

	memset(&j, 0, sizeof(j));
	CHECK_INT(jobs_ready(&j, 100, err), 1);	/* starting now */
	j.next_start = 130;
	CHECK_INT(jobs_ready(&j, 100, err), 0);
	CHECK(strstr(err, "not running (next start in 30 s)") != NULL);
	CHECK_INT(pipe(fds), 0);
	if ((pid = fork()) == 0) {	/* a "distccd" and its one child */
		setsid();
		if (fork() == 0) {
			(void)!write(fds[1], "x", 1);
			pause();
		}
		pause();
		_exit(0);
	}
	CHECK(pid > 0);
	CHECK(read(fds[0], &c, 1) == 1);
	close(fds[0]);
	close(fds[1]);
	j.e[0].pid = pid;
	j.next_start = 0;
	CHECK_INT(jobs_ready(&j, 100, err), 1);
	kill(pid, SIGSTOP);
	usleep(100000);
	CHECK_INT(jobs_ready(&j, 100, err), 1);	/* its child takes jobs */
	kill(-pid, SIGSTOP);
	CHECK_INT(ready_becomes(&j, 0, err), 0);
	CHECK(strstr(err, "is stopped") != NULL);
	kill(-pid, SIGCONT);
	CHECK_INT(ready_becomes(&j, 1, err), 1);
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1)
		;
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
	RUN(engine_ready);
	RUN(jobs_tmpdir_check);
	return test_summary();
}

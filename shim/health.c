/*
 * health.c — the node's self-check, reported with every check-in so the
 * server can leave a broken node out of every list:
 *
 *  - the job port accepts a connection (jobport_probe) and its distccd
 *    takes jobs: it runs, and is not stopped (jobs_ready): every heartbeat;
 *  - the jobs' temporary directory has jobs_tmp_min_free MiB free (every
 *    heartbeat);
 *  - a canary compile per offered compiler, sent through the node's own job
 *    port by the real distcc client exactly as a member's job travels, with
 *    fallback and local retry off: at start, after any change (config,
 *    compiler binaries, the engine), every canary_interval seconds, and
 *    every heartbeat while one fails, so a repaired node returns quickly.
 *
 * Canaries run one at a time as child processes; the heartbeat's loop reaps
 * them (health_exited) and never waits for one.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heartbeat.h"

#define CANARY_TIMEOUT	120.0	/* seconds one canary compile may take */
#define CANARY_SOURCE	"int dyndistcc_canary(void) { return 42; }\n"
#define MIB		(1024LL * 1024)

/* Prepares h; dir is where the canaries run (<state_dir>/canary). */
void
health_init(struct health *h, const char *dir)
{
	memset(h, 0, sizeof(*h));
	h->dir = xstrdup(dir);
	h->canary_ok = -1;
	h->tmp_ok = 1;
	h->due = 1;
}

/* Sets the jobs' temporary directory, the free space it needs (MiB) and
 * the seconds between canaries while they pass; a change runs them again. */
void
health_configure(struct health *h, const char *tmpdir, int min_free_mib,
    int interval)
{
	if (h->tmpdir == NULL || strcmp(h->tmpdir, tmpdir) != 0)
		h->due = 1;
	free(h->tmpdir);
	h->tmpdir = xstrdup(tmpdir);
	h->min_free = min_free_mib * MIB;
	h->interval = interval;
}

/* Sets the compilers the canaries check (their masquerade names); a change
 * of the set runs them again. */
void
health_compilers(struct health *h, const struct compilers *cs)
{
	size_t i;
	int same = cs->n == h->n;

	for (i = 0; same && i < cs->n; i++)
		same = strcmp(cs->v[i].name, h->names[i]) == 0;
	if (same)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->names[i]);
		free(h->ids[i]);
	}
	free(h->names);
	free(h->ids);
	h->n = cs->n;
	h->names = xcalloc(h->n + 1, sizeof(char *));
	h->ids = xcalloc(h->n + 1, sizeof(char *));
	for (i = 0; i < h->n; i++)
		h->names[i] = xstrdup(cs->v[i].name);
	h->due = 1;
}

/* The identity of what name runs on path: the binary it resolves to and
 * its inode, size and times, or "missing". The caller frees. */
static char *
identity(const char *name, const char *path)
{
	char *bin = compilers_which(name, path), *real = NULL, *id;
	struct stat st;

	if (bin != NULL)
		real = realpath(bin, NULL);
	if (real == NULL || stat(real, &st) == -1)
		id = xstrdup("missing");
	else
		id = xasprintf("%s %lu:%lu:%lld:%lld.%09ld:%lld.%09ld", real,
		    (unsigned long)st.st_dev, (unsigned long)st.st_ino,
		    (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		    st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
		    st.st_ctim.tv_nsec);
	free(bin);
	free(real);
	return id;
}

/* Looks at the compilers' binaries on path (cheap: a lookup and a stat
 * each); any change since the last look runs the canaries again. Returns 1
 * when something changed. */
int
health_watch(struct health *h, const char *path)
{
	int changed = 0;
	size_t i;

	for (i = 0; i < h->n; i++) {
		char *id = identity(h->names[i], path);

		if (h->ids[i] == NULL || strcmp(id, h->ids[i]) != 0) {
			if (h->ids[i] != NULL) {
				log_info("compiler %s changed: %s", h->names[i],
				    id);
				changed = 1;
			}
			free(h->ids[i]);
			h->ids[i] = id;
		} else
			free(id);
	}
	if (changed)
		h->due = 1;
	return changed;
}

/* Checks the free space of the jobs' temporary directory, and that
 * distccd can work there. */
void
health_tmp(struct health *h)
{
	struct statvfs sv;
	long long avail;
	char err[ERR_MAX];

	if (statvfs(h->tmpdir, &sv) == -1) {
		h->tmp_ok = 0;
		seterr(h->tmp_err, "temporary directory %s: %s", h->tmpdir,
		    strerror(errno));
		return;
	}
	avail = (long long)sv.f_bavail * (long long)sv.f_frsize;
	if (avail < h->min_free) {
		h->tmp_ok = 0;
		seterr(h->tmp_err, "temporary directory %s has %lld MiB free, "
		    "less than %lld", h->tmpdir, avail / MIB, h->min_free / MIB);
	} else if (jobs_tmpdir_check(h->tmpdir, err) == -1) {
		h->tmp_ok = 0;
		seterr(h->tmp_err, "temporary directory %s", err);
	} else
		h->tmp_ok = 1;
}

/* Removes distcc's backoff marks of earlier canaries: a failed canary must
 * not make the next one skip the host. */
static void
clear_backoff(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/distcc/lock", dir);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "backoff_", 8) == 0) {
			char f[PATH_MAX * 2];

			snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
			unlink(f);
		}
	closedir(d);
}

/* Starts the canary of compiler h->names[h->next]: `distcc NAME -c
 * canary.c` with DISTCC_HOSTS=hosts (the job port), PATH=path. */
static void
canary_start(struct health *h, const char *hosts, const char *path, double now)
{
	char err[ERR_MAX], *src, *log, *obj, *distcc, *ddir;
	char *av[7], *env[12];
	size_t n = 0;
	pid_t pid;
	int fd;

	ddir = xasprintf("%s/distcc", h->dir);
	if (mkdir_p(ddir, 0755, err) == -1) {
		h->canary_ok = 0;
		seterr(h->canary_err, "canary: %s", err);
		free(ddir);
		return;
	}
	free(ddir);
	if ((distcc = compilers_which("distcc", path)) == NULL) {
		h->canary_ok = 0;
		seterr(h->canary_err, "canary: distcc is not installed");
		return;
	}
	src = xasprintf("%s/canary.c", h->dir);
	log = xasprintf("%s/canary.log", h->dir);
	obj = xasprintf("%s/canary.o", h->dir);
	if (file_write_atomic(src, CANARY_SOURCE, strlen(CANARY_SOURCE), 0644,
	    err) == -1)
		log_warn("%s", err);
	unlink(obj);
	clear_backoff(h->dir);
	av[0] = distcc;
	av[1] = h->names[h->next];
	av[2] = "-c";
	av[3] = "canary.c";
	av[4] = "-o";
	av[5] = "canary.o";
	av[6] = NULL;
	env[n++] = xasprintf("PATH=%s", path);
	env[n++] = xasprintf("DISTCC_HOSTS=%s", hosts);
	env[n++] = xstrdup("DISTCC_FALLBACK=0");
	env[n++] = xstrdup("DISTCC_SKIP_LOCAL_RETRY=1");
	env[n++] = xasprintf("DISTCC_DIR=%s/distcc", h->dir);
	env[n++] = xstrdup("DISTCC_IO_TIMEOUT=60");
	env[n++] = xasprintf("TMPDIR=%s", h->tmpdir);
	env[n++] = xasprintf("HOME=%s", h->dir);
	env[n++] = xstrdup("LC_ALL=C");
	env[n] = NULL;
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (chdir(h->dir) == -1)
			_exit(127);
		if (fd != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execve(distcc, av, env);
		_exit(127);
	}
	if (fd != -1)
		close(fd);
	if (pid == -1) {
		h->canary_ok = 0;
		seterr(h->canary_err, "canary: fork: %s", strerror(errno));
	} else {
		h->pid = pid;
		h->started = now;
	}
	while (n > 0)
		free(env[--n]);
	free(distcc);
	free(src);
	free(log);
	free(obj);
}

/* The last line of the canary's output, cleaned for a reason text. */
static void
last_line(const char *dir, char *out, size_t size)
{
	char err[ERR_MAX], *path = xasprintf("%s/canary.log", dir), *text, *p;
	size_t len;

	out[0] = '\0';
	if ((text = file_read(path, 64 * 1024, &len, err)) != NULL) {
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
			text[--len] = '\0';
		p = strrchr(text, '\n');
		p = p ? p + 1 : text;
		/* "distcc[123] (dcc_x) ERROR: what": the what */
		if (strncmp(p, "distcc[", 7) == 0 && strstr(p, "] ") != NULL)
			p = strstr(p, "] ") + 2;
		if (*p == '(' && strstr(p, ") ") != NULL)
			p = strstr(p, ") ") + 2;
		str_copy(out, p, size);
		for (p = out; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		free(text);
	}
	free(path);
}

/* Tells h that child pid exited with status; returns 1 when it was the
 * running canary. A failure ends the round; a success goes on with the
 * next compiler. */
int
health_exited(struct health *h, pid_t pid, int status, double now)
{
	char line[96], *obj;
	struct stat st;

	if (pid <= 0 || pid != h->pid)
		return 0;
	h->pid = 0;
	obj = xasprintf("%s/canary.o", h->dir);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    stat(obj, &st) == 0 && st.st_size > 0) {
		free(obj);
		log_debug("canary compile of %s passed in %.2f s",
		    h->names[h->next], now - h->started);
		if (++h->next < h->n)
			return 1;	/* the next compiler at the next step */
		if (h->canary_ok != 1)
			log_info("canary compiles passed (%zu compiler%s)", h->n,
			    h->n == 1 ? "" : "s");
		h->canary_ok = 1;
		h->running = 0;
		h->next_run = now + h->interval;
		return 1;
	}
	free(obj);
	last_line(h->dir, line, sizeof(line));
	if (WIFSIGNALED(status))
		seterr(h->canary_err, "canary compile of %s failed: %s",
		    h->names[h->next], WTERMSIG(status) == SIGKILL &&
		    now - h->started >= CANARY_TIMEOUT ? "timed out" : "killed");
	else
		seterr(h->canary_err, "canary compile of %s failed (exit %d)%s%s",
		    h->names[h->next], WIFEXITED(status) ? WEXITSTATUS(status) :
		    -1, line[0] ? ": " : "", line);
	h->canary_ok = 0;
	h->running = 0;
	h->next_run = now + h->retry;
	return 1;
}

/* Runs what is due: the next canary of a round, a new round when one is
 * due (and the job port and the temporary directory are fine, without
 * which a canary could only fail), and the timeout of a canary that hangs.
 * hosts is the job port as distcc names it ("127.0.0.1:3632/1"), path the
 * PATH of the compilers, retry the seconds between rounds while one fails.
 * Returns the seconds until it wants to be called again, or -1. */
double
health_step(struct health *h, const char *hosts, const char *path, int retry,
    int port_ok, double now)
{
	h->retry = retry;
	if (h->pid > 0) {
		if (now - h->started >= CANARY_TIMEOUT)
			kill(h->pid, SIGKILL);
		return 1;
	}
	if (!h->running && (h->due || (h->next_run > 0 && now >= h->next_run))) {
		if (!port_ok || !h->tmp_ok)
			return retry;
		h->due = 0;
		h->running = 1;
		h->next = 0;
	}
	if (h->running) {
		if (h->next >= h->n) {	/* nothing to compile */
			h->running = 0;
			h->canary_ok = 1;
			h->next_run = now + h->interval;
			return -1;
		}
		canary_start(h, hosts, path, now);
		if (h->pid == 0) {	/* could not start */
			h->running = 0;
			h->next_run = now + retry;
		}
		return 1;
	}
	return h->next_run > 0 ? h->next_run - now : -1;
}

/* Runs the canaries again at the next step (after a change elsewhere). */
void
health_again(struct health *h)
{
	h->due = 1;
}

/* The verdict: ok, or the first failing check as the reason (at most
 * WIRE_REASON_MAX bytes): the job port, then the temporary directory, then
 * the canaries; "self-check running" until the first round has passed. */
void
health_verdict(const struct health *h, int port_ok, const char *port_err,
    int *ok, char *reason, size_t size)
{
	const char *r = NULL;

	if (!port_ok)
		r = port_err;
	else if (!h->tmp_ok)
		r = h->tmp_err;
	else if (h->canary_ok == 0)
		r = h->canary_err;
	else if (h->canary_ok < 0)
		r = "self-check running";
	*ok = r == NULL;
	str_copy(reason, r ? r : "", size);
	for (; *reason != '\0'; reason++)	/* the wire wants printable text */
		if ((unsigned char)*reason < 0x20 || (unsigned char)*reason >= 0x7f)
			*reason = '?';
}

/* Kills a running canary; frees h. */
void
health_free(struct health *h)
{
	size_t i;

	if (h->pid > 0)
		kill(h->pid, SIGKILL);
	for (i = 0; i < h->n; i++) {
		free(h->names[i]);
		free(h->ids[i]);
	}
	free(h->names);
	free(h->ids);
	free(h->dir);
	free(h->tmpdir);
	memset(h, 0, sizeof(*h));
}

/*
 * compilers.c — which compilers this machine can run for the pool: one per
 * name in the masquerade directory (gcc, cc, arm-none-eabi-gcc, …), with the
 * version (-dumpfullversion, or -dumpversion for clang) and target
 * (-dumpmachine) of the real compiler that distccd would run for that name.
 * Anything that does not answer like a compiler, quickly, is skipped.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heartbeat.h"

#define PROBE_OUT_MAX	128	/* a version or a target triple */
#define PROBE_MAX	64	/* names probed in one directory */

/* PATH without the masquerade directory and without distcc's own masquerade
 * directories (…/distcc), so a name resolves to the real compiler, as
 * distccd sees it. The caller frees. */
char *
compilers_search_path(const char *path, const char *masq_dir)
{
	char *out = xmalloc(strlen(path) + 1), *o = out;
	const char *p = path;

	*out = '\0';
	while (*p != '\0') {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		size_t mlen = masq_dir ? strlen(masq_dir) : 0;
		int skip = len == 0;

		if (masq_dir != NULL) {
			/* "/usr/lib/dyndistcc" and "/usr/lib/dyndistcc/" */
			while (mlen > 1 && masq_dir[mlen - 1] == '/')
				mlen--;
			size_t l = len;
			while (l > 1 && p[l - 1] == '/')
				l--;
			if (l == mlen && strncmp(p, masq_dir, l) == 0)
				skip = 1;
		}
		if (len >= 7 && strncmp(p + len - 7, "/distcc", 7) == 0)
			skip = 1;
		if (!skip) {
			if (o != out)
				*o++ = ':';
			memcpy(o, p, len);
			o += len;
			*o = '\0';
		}
		p += len;
		if (*p == ':')
			p++;
	}
	return out;
}

/* The first executable regular file called name in search (a PATH
 * string); the caller frees. NULL when there is none. */
char *
compilers_which(const char *name, const char *search)
{
	const char *p = search;

	while (*p != '\0') {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		char *cand = xasprintf("%.*s/%s", (int)len, p, name);
		struct stat st;

		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += len;
		if (*p == ':')
			p++;
	}
	return NULL;
}

/* Runs argv (argv[0] an absolute path) with stdin and stderr on /dev/null and
 * captures the first line of its stdout into out. Gives up after timeout_ms,
 * killing the child. 0 when it exited 0 with a line, -1 otherwise. */
static int
run_line(char *const argv[], int timeout_ms, char *out, size_t size)
{
	int pfd[2], status, rc = -1;
	size_t len = 0;
	double deadline = now_monotonic() + timeout_ms / 1000.0;
	sigset_t none;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	pid = fork();
	if (pid == -1) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* The daemon blocks its signals for signalfd; a compiler
		 * must not inherit that. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (null != -1) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		dup2(pfd[1], STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		int left = (int)((deadline - now_monotonic()) * 1000);
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		ssize_t r;

		if (left <= 0)
			break;
		if (poll(&p, 1, left) <= 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (len + 1 >= size)
			break;	/* enough: anything longer is not ours */
		r = read(pfd[0], out + len, size - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = 0;	/* EOF */
			break;
		}
		len += (size_t)r;
	}
	close(pfd[0]);
	if (rc == -1)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = -1;
	out[len] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	if (rc == 0 && out[0] == '\0')
		rc = -1;
	return rc;
}

/* 1 when s looks like a version ("12.2.0", "14.0.6") or a target triple
 * ("x86_64-linux-gnu"): short, one word, a safe alphabet. */
static int
plausible(const char *s, int triple)
{
	size_t i;

	if (s[0] == '\0' || strlen(s) > 64)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
		    c == '_' || c == '+' || c == '~'))
			return 0;
	}
	return triple ? strchr(s, '-') != NULL : s[0] >= '0' && s[0] <= '9';
}

/* Probes one compiler at path; 0 and fills c, or -1 when it is not one. */
static int
probe_one(const char *name, const char *path, int timeout_ms,
    struct compiler *c)
{
	char version[PROBE_OUT_MAX], target[PROBE_OUT_MAX];
	char *av[3] = { (char *)path, NULL, NULL };

	av[1] = "-dumpmachine";
	if (run_line(av, timeout_ms, target, sizeof(target)) == -1 ||
	    !plausible(target, 1))
		return -1;
	av[1] = "-dumpfullversion";
	if (run_line(av, timeout_ms, version, sizeof(version)) == -1 ||
	    !plausible(version, 0)) {
		av[1] = "-dumpversion";	/* clang knows only this one */
		if (run_line(av, timeout_ms, version, sizeof(version)) == -1 ||
		    !plausible(version, 0))
			return -1;
	}
	c->name = xstrdup(name);
	c->version = xstrdup(version);
	c->target = xstrdup(target);
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Probes every name in dir (the masquerade directory) against search (a PATH
 * string already stripped by compilers_search_path), giving each probe
 * timeout_ms. Names with no real compiler behind them are left out. An absent
 * directory yields an empty list. 0, or -1 with err set when dir cannot be
 * read; the caller frees *out with compilers_free. */
int
compilers_probe(const char *dir, const char *search, int timeout_ms,
    struct compilers *out, char *err)
{
	char *names[PROBE_MAX];
	size_t nnames = 0, i;
	struct dirent *de;
	DIR *d;

	out->v = NULL;
	out->n = 0;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		seterr(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL && nnames < PROBE_MAX) {
		if (de->d_name[0] == '.')
			continue;
		names[nnames++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, nnames, sizeof(names[0]), cmp_name);
	out->v = xcalloc(nnames, sizeof(*out->v));
	for (i = 0; i < nnames; i++) {
		char *real = compilers_which(names[i], search);

		if (real != NULL &&
		    probe_one(names[i], real, timeout_ms, &out->v[out->n]) == 0)
			out->n++;
		free(real);
		free(names[i]);
	}
	return 0;
}

/* Frees what compilers_probe allocated; accepts an empty list. */
void
compilers_free(struct compilers *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].version);
		free(c->v[i].target);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

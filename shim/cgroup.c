/*
 * cgroup.c — a memory cgroup for the pool's jobs, so a burst of big
 * compiles is cut off before it pushes the owner's programs out of memory.
 *
 * cgroup v2: the jobs' group is a child of the heartbeat's own cgroup. The
 * memory controller reaches a child only when the parent has no processes
 * of its own, so the heartbeat first moves itself into a leaf next to it;
 * it does that only when it is alone in its cgroup (a systemd unit with
 * Delegate=yes), never in a shared one such as a login session.
 * cgroup v1: a child of its cgroup in the memory hierarchy.
 * Anything else (read-only /sys/fs/cgroup, no memory controller) is
 * reported once and the jobs run without the cap.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heartbeat.h"

#define CG_FILE_MAX	(64 * 1024)

/* Writes text to dir/name. 0, or -1 with err. */
static int
cg_write(const char *dir, const char *name, const char *text, char *err)
{
	char *path = xasprintf("%s/%s", dir, name);
	ssize_t len = (ssize_t)strlen(text);
	int fd, rc = -1;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		seterr(err, "%s: %s", path, strerror(errno));
	else if (write(fd, text, (size_t)len) != len)
		seterr(err, "writing '%.*s' to %s: %s", (int)strcspn(text, "\n"),
		    text, path, strerror(errno));
	else
		rc = 0;
	if (fd != -1)
		close(fd);
	free(path);
	return rc;
}

/* The text of dir/name, or NULL; the caller frees. */
static char *
cg_read(const char *dir, const char *name)
{
	char err[ERR_MAX], *path = xasprintf("%s/%s", dir, name), *text;

	text = file_read(path, CG_FILE_MAX, NULL, err);
	free(path);
	return text;
}

/* 1 when the blank-separated list text holds word. */
static int
has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *p = text;

	while (p != NULL && (p = strstr(p, word)) != NULL) {
		if ((p == text || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return 1;
		p += n;
	}
	return 0;
}

/* The path of this process in the hierarchy of /proc/self/cgroup's text
 * whose controllers field is want ("" for v2) or names it among others;
 * into out. 0, or -1 when there is none. */
static int
cg_path(const char *proc_cgroup, const char *want, char *out, size_t size)
{
	const char *line = proc_cgroup;

	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[PATH_MAX], *ctl, *path, *tok, *save;
		int match = 0;

		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			/* "hierarchy-id:controllers:path" */
			if ((ctl = strchr(buf, ':')) != NULL &&
			    (path = strchr(ctl + 1, ':')) != NULL) {
				*path++ = '\0';
				ctl++;
				if (*want == '\0')
					match = *ctl == '\0' && strcmp(buf, "0") == 0;
				else
					for (tok = strtok_r(ctl, ",", &save);
					    tok != NULL && !match;
					    tok = strtok_r(NULL, ",", &save))
						match = strcmp(tok, want) == 0;
				if (match) {
					str_copy(out, path, size);
					return 0;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -1;
}

/* The memory limit as a cgroup file wants it. */
static void
limit_text(long long max, int v2, char *buf, size_t size)
{
	if (max > 0)
		snprintf(buf, size, "%lld\n", max);
	else
		snprintf(buf, size, "%s\n", v2 ? "max" : "-1");
}

/* Sets the memory cap (bytes, 0: none) of the jobs' cgroup cg. 0, or -1
 * with err. */
int
cgroup_limit(struct cgroup *cg, long long max, char *err)
{
	char text[32];

	limit_text(max, cg->v2, text, sizeof(text));
	if (cg_write(cg->dir, cg->v2 ? "memory.max" : "memory.limit_in_bytes",
	    text, err) == -1)
		return -1;
	cg->max = max;
	return 0;
}

/* Enables the memory controller for the children of the v2 cgroup dir
 * (the heartbeat's own, at rel under the mount), moving the heartbeat into
 * the leaf dir/dyndistcc-heartbeat first when dir is not the root. 0, or
 * -1 with err. */
static int
v2_delegate(const char *dir, const char *rel, char *err)
{
	char *sub = cg_read(dir, "cgroup.subtree_control"), *procs, *p, *leaf;
	char pid[32];
	int rc;

	if (sub != NULL && has_word(sub, "memory")) {
		free(sub);
		return 0;
	}
	free(sub);
	if (strcmp(rel, "/") != 0) {
		/* Alone in it (a unit with Delegate=yes), or hands off. */
		if ((procs = cg_read(dir, "cgroup.procs")) == NULL) {
			seterr(err, "cannot read %s/cgroup.procs", dir);
			return -1;
		}
		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		for (p = strtok(procs, "\n"); p != NULL; p = strtok(NULL, "\n"))
			if (strcmp(p, pid) != 0) {
				seterr(err, "cgroup %s holds other processes "
				    "(run dcc-heartbeat as its systemd unit, which "
				    "has Delegate=yes)", rel);
				free(procs);
				return -1;
			}
		free(procs);
		leaf = xasprintf("%s/dyndistcc-heartbeat", dir);
		strcat(pid, "\n");
		if (mkdir(leaf, 0755) == -1 && errno != EEXIST) {
			seterr(err, "mkdir %s: %s", leaf, strerror(errno));
			rc = -1;
		} else
			rc = cg_write(leaf, "cgroup.procs", pid, err);
		free(leaf);
		if (rc == -1)
			return -1;
	}
	return cg_write(dir, "cgroup.subtree_control", "+memory\n", err);
}

/* Creates (or reuses) the cgroup v2 group for the jobs. */
static int
setup_v2(const char *root, const char *proc_cgroup, const char *name,
    struct cgroup *cg, char *err)
{
	char rel[PATH_MAX], *ctl, *dir, *job = NULL;
	int rc = -1;

	if (cg_path(proc_cgroup, "", rel, sizeof(rel)) == -1) {
		seterr(err, "no cgroup v2 hierarchy");
		return -1;
	}
	/* pure v2 at root; a hybrid machine mounts it at root/unified */
	if ((ctl = cg_read(root, "cgroup.controllers")) != NULL)
		dir = xasprintf("%s%s", root, strcmp(rel, "/") == 0 ? "" : rel);
	else
		dir = xasprintf("%s/unified%s", root, strcmp(rel, "/") == 0 ? "" :
		    rel);
	free(ctl);
	if ((ctl = cg_read(dir, "cgroup.controllers")) == NULL)
		seterr(err, "no cgroup v2 at %s", dir);
	else if (!has_word(ctl, "memory"))
		seterr(err, "cgroup v2 at %s has no memory controller", dir);
	else if (v2_delegate(dir, rel, err) == 0) {
		job = xasprintf("%s/dyndistcc-%s", dir, name);
		if (mkdir(job, 0755) == -1 && errno != EEXIST)
			seterr(err, "mkdir %s: %s", job, strerror(errno));
		else {
			cg->dir = job;
			cg->v2 = 1;
			job = NULL;
			rc = 0;
		}
	}
	free(ctl);
	free(dir);
	free(job);
	return rc;
}

/* Creates (or reuses) the cgroup v1 group for the jobs in the memory
 * hierarchy. */
static int
setup_v1(const char *root, const char *proc_cgroup, const char *name,
    struct cgroup *cg, char *err)
{
	char rel[PATH_MAX], *dir, *limit, *job = NULL;
	int rc = -1;

	if (cg_path(proc_cgroup, "memory", rel, sizeof(rel)) == -1) {
		seterr(err, "no cgroup v1 memory hierarchy");
		return -1;
	}
	dir = xasprintf("%s/memory%s", root, strcmp(rel, "/") == 0 ? "" : rel);
	if ((limit = cg_read(dir, "memory.limit_in_bytes")) == NULL)
		seterr(err, "no cgroup v1 memory controller at %s", dir);
	else {
		job = xasprintf("%s/dyndistcc-%s", dir, name);
		if (mkdir(job, 0755) == -1 && errno != EEXIST)
			seterr(err, "mkdir %s: %s", job, strerror(errno));
		else {
			cg->dir = job;
			cg->v2 = 0;
			job = NULL;
			rc = 0;
		}
	}
	free(limit);
	free(dir);
	free(job);
	return rc;
}

/* Creates the jobs' cgroup "dyndistcc-<name>" with memory cap max (bytes)
 * for this process, whose /proc/self/cgroup text is proc_cgroup, with the
 * cgroup file systems under root ("/sys/fs/cgroup"; tests pass a fake
 * tree): v2 when it offers the memory controller, else v1. Opens its
 * cgroup.procs for the engine to join. 0, or -1 with err (both reasons when
 * neither works); cg is the caller's, freed with cgroup_free. */
int
cgroup_setup(const char *root, const char *proc_cgroup, const char *name,
    long long max, struct cgroup *cg, char *err)
{
	char e2[ERR_MAX], e1[ERR_MAX], *path;

	memset(cg, 0, sizeof(*cg));
	cg->fd = -1;
	if (setup_v2(root, proc_cgroup, name, cg, e2) == -1 &&
	    setup_v1(root, proc_cgroup, name, cg, e1) == -1) {
		seterr(err, "%s; %s", e2, e1);
		return -1;
	}
	path = xasprintf("%s/cgroup.procs", cg->dir);
	if ((cg->fd = open(path, O_WRONLY | O_CLOEXEC)) == -1) {
		seterr(err, "%s: %s", path, strerror(errno));
		free(path);
		cgroup_remove(cg);
		return -1;
	}
	free(path);
	if (cgroup_limit(cg, max, err) == -1) {
		cgroup_remove(cg);
		return -1;
	}
	return 0;
}

/* Bytes the jobs' cgroup uses now, or -1. */
long long
cgroup_usage(const struct cgroup *cg)
{
	char *text;
	long long v = -1;

	if (cg->dir == NULL)
		return -1;
	text = cg_read(cg->dir, cg->v2 ? "memory.current" :
	    "memory.usage_in_bytes");
	if (text != NULL)
		v = strtoll(text, NULL, 10);
	free(text);
	return v;
}

/* Removes the jobs' cgroup (it must be empty: call after the engines are
 * gone) and frees cg. */
void
cgroup_remove(struct cgroup *cg)
{
	if (cg->fd != -1)
		close(cg->fd);
	if (cg->dir != NULL && rmdir(cg->dir) == -1 && errno != ENOENT)
		log_warn("cannot remove cgroup %s: %s", cg->dir, strerror(errno));
	free(cg->dir);
	memset(cg, 0, sizeof(*cg));
	cg->fd = -1;
}

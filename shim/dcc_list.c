/*
 * dcc_list.c — where dcc's host list comes from.
 *
 * Two caches hold a list: the heartbeat's system one (<state_dir>/hosts,
 * rewritten at every check-in) and the user's own (~/.cache/dyndistcc/hosts).
 * dcc takes the fresher. A list is fresh while younger than the server's
 * refresh_after; a compile with a fresh list costs a stat-and-read or two.
 *
 * A list holds a hosts line per compiler fingerprint (1.1 servers) and the
 * compiler-blind distcc_hosts (what a 1.0 server sends); a compile takes
 * the line of its compiler's fingerprint from the freshest list that has
 * one, and with none, fetches one (asking for that fingerprint).
 *
 * A stale list is refreshed by exactly one process: the one that wins a
 * non-blocking flock on <cache_dir>/lock fetches (connect 250 ms, total 1 s)
 * while every other dcc goes on at once with the list it has. The winner
 * checks again under the lock, so a process that lost the race to a refresh
 * that just ended does not fetch a second time. A failed fetch leaves
 * <cache_dir>/failed behind (its text is the error, its mtime the time), and
 * for DCC_FAILURE_HOLD seconds nobody tries again: a build against a dead
 * or hanging server pays the timeout once, not once per file.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcc.h"

#define LOCK_WAIT_S	3.0	/* dcc --refresh waits this long for the lock */

/* Fills p from cfg and the environment: $XDG_CACHE_HOME/dyndistcc, else
 * $HOME/.cache/dyndistcc, else the passwd entry's home. Strings are owned by
 * p (dcc_paths_free); cache_dir and its files are NULL with no home at all. */
void
dcc_paths_init(struct dcc_paths *p, const struct client_config *cfg)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	struct passwd *pw;

	memset(p, 0, sizeof(*p));
	p->system_hosts = xasprintf("%s/hosts", cfg->state_dir);
	p->node_id = xasprintf("%s/node-id", cfg->state_dir);
	if (xdg != NULL && xdg[0] == '/')
		p->cache_dir = xasprintf("%s/dyndistcc", xdg);
	else if (home != NULL && home[0] == '/')
		p->cache_dir = xasprintf("%s/.cache/dyndistcc", home);
	else if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir[0] == '/')
		p->cache_dir = xasprintf("%s/.cache/dyndistcc", pw->pw_dir);
	if (p->cache_dir != NULL) {
		p->user_hosts = xasprintf("%s/hosts", p->cache_dir);
		p->lock = xasprintf("%s/lock", p->cache_dir);
		p->failed = xasprintf("%s/failed", p->cache_dir);
		p->warned = xasprintf("%s/warned", p->cache_dir);
		p->compilers = xasprintf("%s/compilers", p->cache_dir);
		p->compilers_lock = xasprintf("%s/compilers.lock", p->cache_dir);
	}
}

/* Is the cache directory ours to use: a directory owned by this user,
 * writable by nobody else? It is created (0700) when missing. Anything else
 * (root running a build with a user's HOME, a directory others can plant
 * links in) is refused with err: dcc then does without its own caches. The
 * answer is remembered in p. 0, or -1. */
int
dcc_cache_dir_ok(struct dcc_paths *p, char *err)
{
	struct stat st;

	if (p->cache_state == 0) {
		p->cache_state = -1;
		if (p->cache_dir == NULL)
			seterr(p->cache_why, "no home directory for a cache");
		else if (mkdir_p(p->cache_dir, 0700, p->cache_why) == 0) {
			if (stat(p->cache_dir, &st) == -1)
				seterr(p->cache_why, "%s: %s", p->cache_dir,
				    strerror(errno));
			else if (!S_ISDIR(st.st_mode))
				seterr(p->cache_why, "%s: not a directory",
				    p->cache_dir);
			else if (st.st_uid != geteuid())
				seterr(p->cache_why, "%s belongs to uid %ld, not "
				    "to this user (%ld)", p->cache_dir,
				    (long)st.st_uid, (long)geteuid());
			else if (st.st_mode & 022)
				seterr(p->cache_why, "%s is writable by others "
				    "(mode %03o)", p->cache_dir, st.st_mode & 0777);
			else
				p->cache_state = 1;
		}
	}
	if (p->cache_state == -1)
		seterr(err, "%s", p->cache_why);
	return p->cache_state == 1 ? 0 : -1;
}

/* Frees p's strings; p itself belongs to the caller. */
void
dcc_paths_free(struct dcc_paths *p)
{
	free(p->system_hosts);
	free(p->node_id);
	free(p->cache_dir);
	free(p->user_hosts);
	free(p->lock);
	free(p->failed);
	free(p->warned);
	free(p->compilers);
	free(p->compilers_lock);
	memset(p, 0, sizeof(*p));
}

/* A word for where a list came from, for --status and the debug log. */
const char *
dcc_source_name(enum dcc_source s)
{
	static const char *const names[] = {
		[SOURCE_NONE] = "none", [SOURCE_SYSTEM] = "system cache",
		[SOURCE_USER] = "user cache", [SOURCE_SERVER] = "server",
	};

	return names[s];
}

/* Frees what list holds and empties it. */
void
dcc_list_free(struct dcc_list *list)
{
	hostlist_free(&list->hl);
	fp_table_free(&list->bins);
	list->source = SOURCE_NONE;
	list->fetched = 0;
}

/* Is the list younger than its refresh_after at time now? */
int
dcc_list_fresh(const struct dcc_list *list, double now)
{
	double age = now - list->fetched;

	return list->source != SOURCE_NONE && age > -2.0 &&
	    age < (double)list->hl.refresh_after;
}

/* The hosts line list holds for the compiler of fingerprint fp (NULL: not
 * known): its per-compiler line, or for a 1.0 server's list the
 * compiler-blind one. NULL when the list has none for it. */
const char *
dcc_list_line(const struct dcc_list *list, const char *fp)
{
	const struct hostlist_fp *f;

	if (list->source == SOURCE_NONE)
		return NULL;
	if (!list->hl.compilers)
		return list->hl.distcc_hosts;
	return (f = hostlist_fp(&list->hl, fp)) != NULL ? f->hosts : NULL;
}

/* Reads one cache file into list (emptied first) if it is a valid list for
 * our project. A list stamped in the future (the clock was set back) counts
 * as very old: still usable, never fresher than a real one. Returns 1 when
 * it read one. */
int
dcc_list_read(struct dcc_list *list, const char *path, enum dcc_source source,
    const struct client_config *cfg, double now)
{
	struct hostlist hl;
	struct fp_table bins;
	double fetched;
	char err[ERR_MAX];

	memset(list, 0, sizeof(*list));
	if (path == NULL)
		return 0;
	if (cache_read(path, &hl, &fetched, &bins, err) == -1) {
		dcc_debug("no list from %s", err);
		return 0;
	}
	if (cfg->project != NULL && strcmp(hl.project, cfg->project) != 0) {
		dcc_debug("ignoring %s: it is for project %s, not %s", path,
		    hl.project, cfg->project);
		hostlist_free(&hl);
		fp_table_free(&bins);
		return 0;
	}
	list->hl = hl;
	list->bins = bins;
	list->source = source;
	list->fetched = fetched > now + 1 ? 0 : fetched;
	return 1;
}

/* Reads the system list (the heartbeat's) into lists; the user's is read
 * when needed (dcc_lists_user). */
void
dcc_lists_load(struct dcc_lists *lists, struct dcc_paths *paths,
    const struct client_config *cfg, double now)
{
	memset(lists, 0, sizeof(*lists));
	dcc_list_read(&lists->sys, paths->system_hosts, SOURCE_SYSTEM, cfg, now);
}

/* Reads the user's list into lists, once; not from a cache directory
 * that is not this user's own (dcc_cache_dir_ok). */
void
dcc_lists_user(struct dcc_lists *lists, struct dcc_paths *paths,
    const struct client_config *cfg, double now)
{
	char err[ERR_MAX];

	if (lists->usr_read)
		return;
	lists->usr_read = 1;
	if (dcc_cache_dir_ok(paths, err) == -1) {
		dcc_debug("no user cache: %s", err);
		return;
	}
	dcc_list_read(&lists->usr, paths->user_hosts, SOURCE_USER, cfg, now);
}

/* Frees both lists. */
void
dcc_lists_free(struct dcc_lists *lists)
{
	dcc_list_free(&lists->sys);
	dcc_list_free(&lists->usr);
	lists->usr_read = 0;
}

/* The list with a line for fp, fresh ones first, then the most recent: the
 * system list when it is fresh and has one (a compile's usual case: one
 * read), else the user's. NULL when neither has one. */
const struct dcc_list *
dcc_lists_best(struct dcc_lists *lists, struct dcc_paths *paths,
    const struct client_config *cfg, const char *fp, double now, int fresh)
{
	const struct dcc_list *s = &lists->sys, *u = &lists->usr;
	int sok, uok;

	if (dcc_list_fresh(s, now) && dcc_list_line(s, fp) != NULL)
		return s;
	dcc_lists_user(lists, paths, cfg, now);
	sok = dcc_list_line(s, fp) != NULL && (!fresh || dcc_list_fresh(s, now));
	uok = dcc_list_line(u, fp) != NULL && (!fresh || dcc_list_fresh(u, now));
	if (sok && uok)
		return u->fetched > s->fetched ? u : s;
	return sok ? s : uok ? u : NULL;
}

/* How many seconds ago the stamp file (paths->failed, paths->warned) was
 * written, or -1 when there is none. Its text goes into text (of size
 * bytes) when text is not NULL. */
double
dcc_stamp_age(const char *stamp, double now, char *text, size_t size)
{
	struct stat st;
	char *buf;
	size_t len;

	if (stamp == NULL || stat(stamp, &st) == -1)
		return -1;
	if (text != NULL && size > 0) {
		text[0] = '\0';
		if ((buf = file_read_nofollow(stamp, 4096, &len, NULL)) != NULL) {
			while (len > 0 && buf[len - 1] == '\n')
				buf[--len] = '\0';
			str_copy(text, buf, size);
			free(buf);
		}
	}
	return now - ((double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9);
}

/* Is the server on hold (it failed less than DCC_FAILURE_HOLD s ago)? Then
 * says so in err. The stamp's text is read only for the debug output, so a
 * build with the server down pays one stat per compile. */
static int
on_hold(struct dcc_paths *paths, char *err)
{
	char why[ERR_MAX] = "";
	double age;

	age = dcc_stamp_age(paths->failed, now_wall(),
	    dcc_verbose() ? why : NULL, sizeof(why));
	if (age < 0 || age >= DCC_FAILURE_HOLD)
		return 0;
	seterr(err, "not asking the server: it failed %.1f s ago%s%s%s", age,
	    *why ? " (" : "", why, *why ? ")" : "");
	return 1;
}

/* Writes a stamp file in the cache directory: its text, and the time as
 * its mtime. paths->failed stops fetches and their warning for
 * DCC_FAILURE_HOLD s; paths->warned does the same for other warnings.
 * 0, or -1 when the cache directory is not usable. */
int
dcc_stamp_write(struct dcc_paths *paths, const char *stamp, const char *text)
{
	char e[ERR_MAX], *line;
	int rc;

	if (stamp == NULL || dcc_cache_dir_ok(paths, e) == -1)
		return -1;
	line = xasprintf("%s\n", text);
	if ((rc = file_write_atomic(stamp, line, strlen(line), 0644, e)) == -1)
		dcc_debug("cannot write a stamp: %s", e);
	free(line);
	return rc;
}

/* The number of cores this machine offers itself: cfg's, else what it may
 * really use (affinity mask, cgroup quota), as the heartbeat counts them. */
int
dcc_local_cores(const struct client_config *cfg)
{
	return cfg->cores > 0 ? cfg->cores : sysinfo_cores();
}

/* Turns a non-200 reply into a sentence, with the server's own "error". */
static void
reply_error(const struct http_response *resp, const char *project, char *err)
{
	char why[ERR_MAX / 2];

	hostlist_error(resp->body, resp->len, why, sizeof(why));
	switch (resp->status) {
	case 401:
		seterr(err, "the server refused the key for project %s (401)%s%s",
		    project, *why ? ": " : "", why);
		break;
	case 404:
		seterr(err, "the server has no project %s (404)", project);
		break;
	default:
		seterr(err, "the server answered %ld%s%s", resp->status,
		    *why ? ": " : "", why);
		break;
	}
}

/* The value of ?fp= for a fetch: fp first, then the other fingerprints
 * old holds (so its lines stay cached), WIRE_FPS_MAX at most. NULL
 * when fp is NULL: the server then sends the lines of every compiler in
 * the project. The caller frees. */
static char *
fp_query(const char *fp, const struct hostlist *old)
{
	char *q, *more;
	size_t i, n = 1;

	if (fp == NULL)
		return NULL;
	q = xstrdup(fp);
	for (i = 0; old != NULL && i < old->nfps && n < WIRE_FPS_MAX; i++) {
		if (strcmp(old->fps[i].fp, fp) == 0)
			continue;
		more = xasprintf("%s,%s", q, old->fps[i].fp);
		free(q);
		q = more;
		n++;
	}
	return q;
}

/* Asks the server for this machine's host list: GET
 * /api/v1/projects/{project}/hosts?cores=N[&node=ID][&fp=…] with the
 * project key, connect 250 ms, total 1 s; fps is the list of compiler
 * fingerprints to ask for (NULL: all the project has). 0 with hl filled (hl
 * owns its strings), or -1 with err. */
int
dcc_list_fetch(const struct client_config *cfg, const struct dcc_paths *paths,
    const char *fps, struct hostlist *hl, char *err)
{
	struct http_request req = { 0 };
	struct http_response resp;
	char id[WIRE_NODE_ID_LEN + 1], *url, *full, e[ERR_MAX];
	size_t slen;
	int rc = -1;

	memset(hl, 0, sizeof(*hl));
	if (cfg->server == NULL || cfg->project == NULL) {
		seterr(err, "no server or project configured");
		return -1;
	}
	slen = strlen(cfg->server);
	while (slen > 0 && cfg->server[slen - 1] == '/')
		slen--;
	if (nodeid_read(paths->node_id, id, e) == 0)
		url = xasprintf("%.*s/api/v1/projects/%s/hosts?cores=%d&node=%s",
		    (int)slen, cfg->server, cfg->project, dcc_local_cores(cfg), id);
	else
		url = xasprintf("%.*s/api/v1/projects/%s/hosts?cores=%d",
		    (int)slen, cfg->server, cfg->project, dcc_local_cores(cfg));
	if (fps != NULL) {
		full = xasprintf("%s&fp=%s", url, fps);
		free(url);
		url = full;
	}
	req.method = "GET";
	req.url = url;
	req.key = cfg->key;
	req.accept = "application/json";
	req.source = cfg->source;
	req.ca = cfg->server_ca;
	req.pin = cfg->server_pin;
	req.connect_ms = DCC_CONNECT_MS;
	req.total_ms = DCC_TOTAL_MS;
	dcc_debug("fetching %s", url);
	if (http_request(&req, &resp, err) == -1)
		goto done;
	if (resp.status != 200)
		reply_error(&resp, cfg->project, err);
	else if (hostlist_parse(resp.body, resp.len, hl, e) == -1)
		seterr(err, "%s", e);
	else if (strcmp(hl->project, cfg->project) != 0) {
		seterr(err, "the server sent the list of project %s", hl->project);
		hostlist_free(hl);
	} else
		rc = 0;
	http_response_free(&resp);
done:
	free(url);
	return rc;
}

/* Takes <cache_dir>/lock: without waiting, or polling for up to wait
 * seconds. The fd, or -1 (err empty when someone else holds it). */
static int
take_lock(struct dcc_paths *paths, double wait, char *err)
{
	double deadline = now_monotonic() + wait;

	err[0] = '\0';
	if (dcc_cache_dir_ok(paths, err) == -1)
		return -1;
	return dcc_flock(paths->lock, deadline, err);
}

/* Opens lock (created 0600; never through a link, never anything but a
 * regular file) and takes an exclusive flock on it, polling until deadline
 * (monotonic) while another process holds it. The fd, or -1: err says why,
 * or is empty when the lock is still someone else's at the deadline. */
int
dcc_flock(const char *lock, double deadline, char *err)
{
	struct stat st;
	int fd;

	err[0] = '\0';
	if ((fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC, 0600)) == -1) {
		seterr(err, "%s: %s", lock, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		seterr(err, "%s: not a regular file", lock);
		close(fd);
		return -1;
	}
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			seterr(err, "flock %s: %s", lock, strerror(errno));
			break;
		}
		if (now_monotonic() > deadline)
			break;
		usleep(20 * 1000);
	}
	close(fd);
	return -1;
}

/* Refreshes the user's list, at most one process at a time (see the top of
 * the file), so that it holds a line for fingerprint fp (NULL: any fresh
 * list will do, and the server is asked for every compiler). wait is how
 * long to wait for another dcc's refresh (0: not at all); force (dcc
 * --refresh) waits LOCK_WAIT_S and ignores a recent failure. Returns 1 when
 * list now holds a fresh list with that line (fetched here, or by a
 * racing process), 0 when this process did not fetch (another one is
 * fetching, or a fetch failed less than DCC_FAILURE_HOLD s ago: err says
 * which), -1 when the fetch failed: err says why, and the failure is on
 * record for the next DCC_FAILURE_HOLD s. On 0 and -1 list is unchanged. */
int
dcc_list_refresh(struct dcc_list *list, struct dcc_paths *paths,
    const struct client_config *cfg, const char *fp, double wait, int force,
    char *err)
{
	struct dcc_list got;
	struct hostlist hl;
	char e[ERR_MAX], *fps;
	double now;
	int fd;

	if (!force && on_hold(paths, err))
		return 0;
	if ((fd = take_lock(paths, force ? LOCK_WAIT_S : wait, e)) == -1) {
		if (e[0] != '\0')
			seterr(err, "cannot refresh: %s", e);
		else
			seterr(err, "another dcc is refreshing the list");
		return 0;
	}
	/* Under the lock: did another dcc refresh, or fail, meanwhile? */
	now = now_wall();
	if (!force && dcc_list_read(&got, paths->user_hosts, SOURCE_USER, cfg,
	    now)) {
		if (dcc_list_fresh(&got, now) && (fp == NULL ||
		    dcc_list_line(&got, fp) != NULL)) {
			dcc_list_free(list);
			*list = got;
			close(fd);
			return 1;
		}
		dcc_list_free(&got);
	}
	if (!force && on_hold(paths, err)) {
		close(fd);
		return 0;
	}
	fps = fp_query(fp, list->source != SOURCE_NONE ? &list->hl : NULL);
	if (dcc_list_fetch(cfg, paths, fps, &hl, err) == -1) {
		free(fps);
		dcc_stamp_write(paths, paths->failed, err);
		close(fd);
		return -1;
	}
	free(fps);
	if (cache_write(paths->user_hosts, &hl, NULL, NULL, e) == -1)
		dcc_debug("cannot write the cache: %s", e);
	unlink(paths->failed);
	dcc_list_free(list);
	list->hl = hl;
	list->source = SOURCE_SERVER;
	list->fetched = now_wall();
	close(fd);
	return 1;
}

/*
 * beat.c — dcc-heartbeat's life: check in every heartbeat (jittered), write
 * the reply's host list for dcc and distcc, turn the project's members into
 * distccd's allow list, ride out server outages, and leave cleanly.
 *
 * One thread, one poll(2) on a signalfd: signal handlers do nothing, every
 * decision is taken in the loop. Check-ins are synchronous with short
 * timeouts, so a signal waits at most one request.
 */
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heartbeat.h"

#define CHECKIN_TIMEOUT_MS	5000	/* one check-in, connect included */
#define CHECKOUT_TIMEOUT_MS	1000	/* leaving must not hold up a shutdown */
#define PROBE_TIMEOUT_MS	2000	/* one compiler probe */
#define REJECTED_RETRY		60	/* seconds between tries after 401/404 */
#define SHUTDOWN_GRACE		10.0	/* seconds running jobs get on SIGTERM */
#define HEARTBEAT_DEFAULT	10

/* A check-in interval spread over 80–100 % of the heartbeat, so a hundred
 * machines started together do not beat in step (the same 20 % spread as
 * ±10 %), yet a member never waits longer than one heartbeat to see a change
 * of its pool; r is uniform in [0, 1). */
double
beat_jitter(int interval, double r)
{
	return interval * (0.8 + 0.2 * r);
}

/* The next retry delay after a failed check-in: 1, 2, 4 … seconds, capped at
 * max (the heartbeat: an outage must not keep a node away longer). */
double
beat_backoff(double prev, int max)
{
	double next = prev <= 0 ? 1 : prev * 2;

	return next > max ? max : next;
}

/* Reads, validates and completes a client config: server and project are
 * required. 0, or -1 with err set. cfg is the caller's (config_free). */
int
beat_config(struct client_config *cfg, const char *path, char *err)
{
	config_defaults(cfg);
	if (config_load(cfg, path, 0, err) == -1)
		return -1;
	if (cfg->server == NULL) {
		seterr(err, "%s: no server configured", path);
		return -1;
	}
	if (cfg->project == NULL) {
		seterr(err, "%s: no project configured", path);
		return -1;
	}
	return 0;
}

/* Probes this machine's facts that change only on SIGHUP: cores, hostname,
 * owner, compilers. */
static void
beat_probe(struct beat *b)
{
	b->cores = b->cfg.cores > 0 ? b->cfg.cores : sysinfo_cores();
	free(b->hostname);
	b->hostname = sysinfo_hostname();
	free(b->owner);
	b->owner = b->cfg.owner ? xstrdup(b->cfg.owner) : sysinfo_owner();
	free(b->search);
	b->search = compilers_distccd_path(b->cfg.masquerade_dir);
	compilers_free(&b->compilers);
	compilers_refresh(&b->compilers, b->cfg.masquerade_dir, b->search,
	    PROBE_TIMEOUT_MS);
	log_info("%d core%s, nice %d, %zu compiler%s in %s", b->cores,
	    b->cores == 1 ? "" : "s", b->cfg.nice, b->compilers.n,
	    b->compilers.n == 1 ? "" : "s", b->cfg.masquerade_dir);
	if (b->cfg.manage_distccd)
		distccd_want(&b->distccd, b->cfg.distccd_listen,
		    b->cfg.distccd_port, b->cores, b->cfg.nice);
}

/* Sets up b from cfg (which b takes over): node id, probes, distccd.
 * 0, or -1 with err set. */
int
beat_init(struct beat *b, struct client_config *cfg, const char *cfgpath,
    char *err)
{
	char *pidfile, *path;

	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	b->cfgpath = cfgpath;
	b->heartbeat = HEARTBEAT_DEFAULT;
	b->sfd = -1;
	if (nodeid_load(b->cfg.state_dir, b->node, err) == -1)
		return -1;
	b->hosts_path = xasprintf("%s/hosts", b->cfg.state_dir);
	pidfile = xasprintf("%s/distccd.pid", b->cfg.state_dir);
	path = compilers_search_path(getenv("PATH") ? getenv("PATH") :
	    "/usr/bin:/bin", b->cfg.masquerade_dir);
	distccd_init(&b->distccd, pidfile, path);
	free(pidfile);
	free(path);
	beat_probe(b);
	return 0;
}

/* Frees what b holds. */
void
beat_free(struct beat *b)
{
	distccd_free(&b->distccd);
	compilers_free(&b->compilers);
	config_free(&b->cfg);
	free(b->hostname);
	free(b->owner);
	free(b->search);
	free(b->hosts_path);
	free(b->last_hosts);
	if (b->sfd != -1)
		close(b->sfd);
}

/* Writes a fresh reply where dcc and distcc read it. */
static void
write_lists(struct beat *b, const struct hostlist *hl)
{
	char err[ERR_MAX];

	const char *cc = compilers_fp(&b->compilers, "cc");

	if (cache_write(b->hosts_path, hl, &b->compilers.bins, cc, err) == -1)
		log_error("%s", err);
	if (b->cfg.distcc_hosts_file != NULL) {
		/* distcc's own file: just the hosts line (never empty: an
		 * empty file makes distcc compile everything locally). */
		const struct hostlist_fp *f = hostlist_fp(hl, cc);
		char *hosts = hostlist_options(f ? f->hosts : hl->distcc_hosts,
		    b->cfg.compression);
		char *line = xasprintf("%s\n", hosts);

		if (file_write_atomic(b->cfg.distcc_hosts_file, line,
		    strlen(line), 0644, err) == -1)
			log_error("%s", err);
		free(line);
		free(hosts);
	}
}

/* Posts one check-in with this machine's current facts; see checkin_post. */
static int
post(struct beat *b, struct hostlist *hl, long *status, char *err)
{
	struct checkin ci = {
		.project = b->cfg.project, .node = b->node,
		.hostname = b->hostname, .owner = b->owner,
		.version = DYNDISTCC_VERSION, .addr = b->cfg.advertise,
		.cores = b->cores, .nice = b->cfg.nice,
		.port = b->cfg.distccd_port, .compilers = &b->compilers,
	};
	char *body;
	int rc;

	compilers_refresh(&b->compilers, b->cfg.masquerade_dir, b->search,
	    PROBE_TIMEOUT_MS);
	sysinfo_load(ci.load);
	body = checkin_body(&ci);
	rc = checkin_post(&b->cfg, body, CHECKIN_TIMEOUT_MS, hl, status, err);
	free(body);
	return rc;
}

/* Checks in once and acts on the reply. Returns 0 on success, -1 on failure
 * (logged once per outage), and sets b->next_checkin either way. */
static int
checkin(struct beat *b)
{
	struct hostlist hl;
	char err[ERR_MAX];
	long status;
	int rc = post(b, &hl, &status, err);
	double now = now_monotonic();

	if (rc == -1) {
		int rejected = status == 400 || status == 401 || status == 403 ||
		    status == 404;

		if (b->outage_since == 0 || status != b->last_status) {
			if (status == 401 || status == 403)
				log_error("%s: the server refuses project \"%s\"'s "
				    "key; fix `key` in %s (retrying every %d s)",
				    err, b->cfg.project, b->cfgpath, REJECTED_RETRY);
			else if (status == 404)
				log_error("%s: project \"%s\" does not exist on %s "
				    "(deleted?); retrying every %d s", err,
				    b->cfg.project, b->cfg.server, REJECTED_RETRY);
			else if (rejected)
				log_error("%s (retrying every %d s)", err,
				    REJECTED_RETRY);
			else if (status == 0 || status >= 500)
				log_warn("server unreachable: %s; distccd keeps "
				    "its last allow list, retrying", err);
			else
				log_warn("check-in failed: %s; distccd keeps "
				    "its last allow list, retrying", err);
		}
		if (b->outage_since == 0)
			b->outage_since = now;
		b->last_status = status;
		b->retry = rejected ? REJECTED_RETRY :
		    beat_backoff(b->retry, b->heartbeat);
		b->next_checkin = now + b->retry;
		return -1;
	}
	if (b->outage_since != 0)
		log_info("server answers again after %.0f s", now - b->outage_since);
	else if (b->checkins == 0)
		log_info("checked in to %s as node %s, project %s",
		    b->cfg.server, b->node, b->cfg.project);
	b->outage_since = 0;
	b->last_status = 0;
	b->retry = 0;
	b->checkins++;
	b->heartbeat = hl.heartbeat;
	if (b->last_hosts == NULL || strcmp(b->last_hosts, hl.distcc_hosts) != 0) {
		log_info("%zu member%s, %d threads: %s", hl.nmembers,
		    hl.nmembers == 1 ? "" : "s", hl.pool_threads,
		    hl.distcc_hosts);
		free(b->last_hosts);
		b->last_hosts = xstrdup(hl.distcc_hosts);
	}
	write_lists(b, &hl);
	if (b->cfg.manage_distccd)
		distccd_allow(&b->distccd, hl.members, hl.nmembers);
	b->next_checkin = now + beat_jitter(b->heartbeat, drand48());
	log_debug("checked in: %zu member%s, %d threads; next in %.1f s",
	    hl.nmembers, hl.nmembers == 1 ? "" : "s", hl.pool_threads,
	    b->next_checkin - now);
	hostlist_free(&hl);
	return 0;
}

/* Checks in once, writes the lists and prints the result: for --once (the
 * installer's test of a new config). 0 on success, -1 with err set. */
int
beat_once(struct beat *b, char *err)
{
	struct hostlist hl;
	long status;

	if (post(b, &hl, &status, err) == -1)
		return -1;
	write_lists(b, &hl);
	printf("checked in to %s as node %s: project %s, %zu member%s, "
	    "%d threads\n%s\n", b->cfg.server, b->node, hl.project,
	    hl.nmembers, hl.nmembers == 1 ? "" : "s", hl.pool_threads,
	    hl.distcc_hosts);
	hostlist_free(&hl);
	return 0;
}

/* SIGHUP: re-reads the config (keeping the old one if the new one is bad)
 * and re-probes the machine; distccd restarts at its next idle moment if
 * its command line changed. */
static void
reload(struct beat *b)
{
	struct client_config cfg;
	char err[ERR_MAX];

	log_info("SIGHUP: re-reading %s", b->cfgpath);
	if (beat_config(&cfg, b->cfgpath, err) == -1) {
		log_error("%s; keeping the old configuration", err);
		config_free(&cfg);
		return;
	}
	if (strcmp(cfg.state_dir, b->cfg.state_dir) != 0)
		log_warn("state_dir changes take effect at the next start");
	free(cfg.state_dir);
	cfg.state_dir = xstrdup(b->cfg.state_dir);
	if (!cfg.manage_distccd && b->cfg.manage_distccd)
		distccd_stop(&b->distccd);
	config_free(&b->cfg);
	b->cfg = cfg;
	beat_probe(b);
}

/* Reaps every exited child; distccd's death schedules its restart. */
static void
reap(struct beat *b)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		distccd_exited(&b->distccd, pid, status, now_monotonic());
}

/* Blocks the signals the loop handles (and SIGPIPE) and opens a signalfd
 * for them; call it before distccd starts and before the daemon detaches
 * (both keep the mask and the fd), so no signal is lost before the loop
 * runs. Children unblock everything before exec. 0, or -1 with err. */
int
beat_signals(struct beat *b, char *err)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
		seterr(err, "sigprocmask: %s", strerror(errno));
		return -1;
	}
	sigdelset(&set, SIGPIPE);
	if ((b->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1) {
		seterr(err, "signalfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The daemon: loops until SIGTERM or SIGINT, then checks out and stops
 * distccd. Returns the exit status. */
int
beat_run(struct beat *b)
{
	char err[ERR_MAX];
	int quit = 0;

	srand48((long)getpid() ^ (long)(now_wall() * 1000));
	if (b->cfg.manage_distccd)
		distccd_stop_stale(&b->distccd);
	log_sys("node %s (%s), project %s on %s, ready", b->node, b->hostname,
	    b->cfg.project, b->cfg.server);
	b->next_checkin = now_monotonic();
	while (!quit) {
		struct signalfd_siginfo si;
		struct pollfd pfd = { .fd = b->sfd, .events = POLLIN };
		double now = now_monotonic(), wait;
		int hup = 0;

		if (now >= b->next_checkin) {
			checkin(b);
			now = now_monotonic();
		}
		wait = b->next_checkin - now;
		if (b->cfg.manage_distccd) {
			double d = distccd_step(&b->distccd, now);
			if (d >= 0 && d < wait)
				wait = d;
		}
		if (wait < 0)
			wait = 0;
		if (poll(&pfd, 1, (int)(wait * 1000) + 1) == -1 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		while (read(b->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGTERM:
			case SIGINT:
				quit = 1;
				break;
			case SIGHUP:
				hup = 1;
				break;
			case SIGCHLD:
				reap(b);
				break;
			}
		}
		if (hup && !quit) {
			reload(b);
			b->next_checkin = now_monotonic();
		}
	}
	log_sys("shutting down");
	if (checkin_checkout(&b->cfg, b->node, CHECKOUT_TIMEOUT_MS, err) == -1)
		log_warn("%s; the server drops this node after its ttl", err);
	else
		log_info("checked out of project %s", b->cfg.project);
	if (b->cfg.manage_distccd) {
		reap(b);
		distccd_shutdown(&b->distccd, SHUTDOWN_GRACE);
	}
	log_sys("stopped");
	return 0;
}

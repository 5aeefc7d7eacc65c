/*
 * beat.c — dcc-heartbeat's life: check in every heartbeat (jittered), write
 * the reply's host list for dcc and distcc, keep the job port's member set
 * current, offer the slots the lending policy allows, check the node's
 * health, ride out server outages, and leave cleanly.
 *
 * One loop, one poll(2): the signalfd (handlers do nothing; every decision
 * is taken in the loop), the check-in thread's eventfd, a netlink socket
 * for address changes, and the job port's sockets. Check-ins run in their
 * own thread, so jobs are relayed while the server is slow or away. Besides
 * the regular one, a check-in goes out as soon as something the server must
 * know changes — the slots offered, the health verdict, this machine's
 * address — or the job port meets an address it does not know; at most one
 * a second.
 */
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

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
#define REFRESH_DEFAULT		15
#define SOON_MIN		1.0	/* seconds from one check-in to the next */
#define LIVE_GAP		0.1	/* the same when an address waits, at first */
#define ADDR_SETTLE		0.2	/* seconds for an address change to settle */
#define TICK			1.0	/* seconds between samples of the owner */
#define GRACE_SLACK		2.0	/* seconds on top of a member's list age */
#define HOLD_MAX		10.0	/* seconds an unknown address may wait */

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

/* The jobs' memory cap in bytes from jobs_memory_max (0: none). */
static long long
memory_cap(const struct beat *b)
{
	char err[ERR_MAX];
	long long bytes;
	int pct;

	if (config_memory_parse(b->cfg.jobs_memory_max, &bytes, &pct, err) == -1)
		return 0;
	return pct > 0 ? b->mem_total / 100 * pct : bytes;
}

/* Applies the configuration: probes this machine's facts that change only
 * on SIGHUP (cores, hostname, owner, compilers) and hands the settings to
 * the job port, the engine, the health checks and the lending policy. */
static void
apply_config(struct beat *b)
{
	char how[32], err[ERR_MAX];
	const char *tmp = getenv("TMPDIR");
	int idle = strcmp(b->cfg.sched, "idle") == 0;

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
	free(b->tmpdir);
	if (b->cfg.jobs_tmpdir != NULL) {
		b->tmpdir = xstrdup(b->cfg.jobs_tmpdir);
		if (jobs_tmpdir_check(b->tmpdir, err) == -1)
			log_warn("jobs_tmpdir %s; set one it can use, such as "
			    "/tmp", err);
	} else if (tmp != NULL && *tmp == '/' &&
	    jobs_tmpdir_check(tmp, err) == 0)
		b->tmpdir = xstrdup(tmp);
	else {
		/* A private TMPDIR (pam_tmpdir's, a test's) of root's
		 * would make a root-started distccd exit 107. */
		if (tmp != NULL && *tmp == '/')
			log_info("jobs use /tmp, not TMPDIR %s", err);
		b->tmpdir = xstrdup("/tmp");
	}
	sysinfo_memory(&b->mem_total, &b->mem_avail);
	b->mem_cap = memory_cap(b);
	lend_configure(&b->lend, strcmp(b->cfg.lend, "idle") == 0,
	    b->cfg.lend_idle_cpu, b->cfg.lend_idle_after);
	if (idle)
		snprintf(how, sizeof(how), "under SCHED_IDLE");
	else
		snprintf(how, sizeof(how), "at nice %d", b->cfg.nice);
	log_info("%d core%s, jobs run %s, lend %s, %zu compiler%s in %s",
	    b->cores, b->cores == 1 ? "" : "s", how, b->cfg.lend,
	    b->compilers.n, b->compilers.n == 1 ? "" : "s",
	    b->cfg.masquerade_dir);
	if (!b->port_on)
		return;
	jobport_configure(&b->jp, b->cfg.distccd_listen, b->cfg.distccd_port);
	/* Room for every slot, and for the canaries, which never wait. */
	jobs_want(&b->jobs, idle, b->cfg.nice, b->cores + 2, b->tmpdir);
	health_configure(&b->health, b->tmpdir, b->cfg.jobs_tmp_min_free,
	    b->cfg.canary_interval);
	health_compilers(&b->health, &b->compilers);
	health_again(&b->health);
}

/* Puts the jobs in a memory cgroup capped at mem_cap, or changes the cap;
 * says once, clearly, when this machine does not allow it. */
static void
setup_cgroup(struct beat *b)
{
	char err[ERR_MAX], *proc;

	if (!b->port_on)
		return;
	if (b->jobs.cg.dir != NULL) {
		if (b->mem_cap != b->jobs.cg.max &&
		    cgroup_limit(&b->jobs.cg, b->mem_cap, err) == -1)
			log_warn("jobs' memory cap: %s", err);
		return;
	}
	if (b->mem_cap == 0)
		return;
	if ((proc = file_read("/proc/self/cgroup", 64 * 1024, NULL, err)) == NULL ||
	    cgroup_setup("/sys/fs/cgroup", proc, b->node, b->mem_cap,
	    &b->jobs.cg, err) == -1)
		log_warn("the jobs' memory is not capped (%s): set MemoryMax= "
		    "for dcc-heartbeat.service instead (README.md, \"Lending\")",
		    err);
	else
		log_info("jobs run in cgroup %s, memory capped at %lld MiB",
		    b->jobs.cg.dir, b->mem_cap >> 20);
	free(proc);
}

/* Sets up b from cfg (which b takes over): node id and secret, probes, the
 * job port's parts (nothing listens or runs yet). 0, or -1 with err set. */
int
beat_init(struct beat *b, struct client_config *cfg, const char *cfgpath,
    char *err)
{
	char *pidfile, *path, *dir;

	memset(b, 0, sizeof(*b));
	b->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	b->cfgpath = cfgpath;
	b->heartbeat = HEARTBEAT_DEFAULT;
	b->refresh_after = REFRESH_DEFAULT;
	b->sfd = b->nlfd = -1;
	b->sent_slots = -1;
	b->sent_ok = -1;
	b->live_gap = LIVE_GAP;
	b->engine_ok = 1;
	b->port_on = b->cfg.manage_distccd;
	if (nodeid_load(b->cfg.state_dir, b->node, err) == -1)
		return -1;
	if (nodeid_secret_read(b->cfg.state_dir, b->secret, err) == -1)
		return -1;
	b->hosts_path = xasprintf("%s/hosts", b->cfg.state_dir);
	pidfile = xasprintf("%s/distccd.pid", b->cfg.state_dir);
	path = compilers_search_path(getenv("PATH") ? getenv("PATH") :
	    "/usr/bin:/bin", b->cfg.masquerade_dir);
	dir = xasprintf("%s/canary", b->cfg.state_dir);
	jobs_init(&b->jobs, pidfile, path);
	jobport_init(&b->jp, b->cfg.distccd_listen, b->cfg.distccd_port);
	health_init(&b->health, dir);
	free(pidfile);
	free(path);
	free(dir);
	apply_config(b);
	return 0;
}

/* Frees what b holds. */
void
beat_free(struct beat *b)
{
	jobport_free(&b->jp);
	jobs_free(&b->jobs);
	health_free(&b->health);
	compilers_free(&b->compilers);
	config_free(&b->cfg);
	free(b->hostname);
	free(b->owner);
	free(b->search);
	free(b->hosts_path);
	free(b->last_hosts);
	free(b->tmpdir);
	if (b->sfd != -1)
		close(b->sfd);
	if (b->nlfd != -1)
		close(b->nlfd);
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

/* The slots to offer now, from the lending policy and the memory rule of
 * the last beat. */
static int
offer(const struct beat *b)
{
	return lend_slots(b->cores, b->cfg.lend_share, b->cfg.lend_floor,
	    b->lend.owner_busy, b->mem_slots);
}

/* Re-evaluates the slots and the job port's limit. Fewer slots take
 * effect in the lists at the next check-in (sent at once), but members may
 * hold older lists for one heartbeat and one refresh longer: until then the
 * job port keeps serving as many jobs as it offered before, so no job a
 * member sends on an old list is refused. */
static void
update_slots(struct beat *b, double now)
{
	int s = offer(b), limit;

	if (s < b->slots) {
		if (now >= b->grace_until || b->grace_slots < b->slots)
			b->grace_slots = b->slots;
		b->grace_until = now + b->heartbeat + b->refresh_after +
		    GRACE_SLACK;
	}
	if (s != b->slots)
		log_info("offering %d slot%s%s", s, s == 1 ? "" : "s",
		    b->lend.owner_busy ? " (the owner is busy)" : "");
	b->slots = s;
	limit = s;
	if (now < b->grace_until && b->grace_slots > limit)
		limit = b->grace_slots;
	b->jp.limit = limit;
	if (b->slots != b->sent_slots)
		b->soon = 1;
}

/* The job port as distcc names it, for the canaries. */
static void
canary_hosts(const struct beat *b, char *out, size_t size)
{
	const char *a = b->cfg.distccd_listen ? b->cfg.distccd_listen :
	    "127.0.0.1";

	snprintf(out, size, strchr(a, ':') ? "[%s]:%d/1" : "%s:%d/1", a,
	    b->cfg.distccd_port);
}

/* Does the job port take jobs: it accepts (the self-probe) and its distccd
 * takes what it relays? The reason in *why when not. */
static int
port_ok(const struct beat *b, const char **why)
{
	*why = "";
	if (b->jp.probe_ok == 0)
		*why = b->jp.probe_err;
	else if (!b->engine_ok)
		*why = b->engine_err;
	return (*why)[0] == '\0';
}

/* Takes the health verdict; a change is logged once and reported at once. */
static void
update_health(struct beat *b)
{
	char reason[WIRE_REASON_MAX + 1];
	const char *why;
	int ok, pok = port_ok(b, &why);

	health_verdict(&b->health, pok, why, &ok, reason, sizeof(reason));
	if (ok == b->health_ok && strcmp(reason, b->health_reason) == 0)
		return;
	if (ok)
		log_info("healthy: the job port, the temporary directory and "
		    "the canary compiles pass");
	else if (strcmp(reason, "self-check running") != 0)
		log_warn("unhealthy, leaving the lists: %s", reason);
	b->health_ok = ok;
	str_copy(b->health_reason, reason, sizeof(b->health_reason));
	if (ok != b->sent_ok || strcmp(reason, b->sent_reason) != 0)
		b->soon = 1;
}

/* What a regular beat looks at besides checking in: memory (the memory
 * rule of the slots) and, with the job port running (port), the temporary
 * directory, the job port and the compilers' binaries. The jobs that keep
 * their slots in the memory rule are the members' only: this machine's
 * own (the canaries) hold no slot, and counting one that happens to run
 * at the beat would offer a slot more until the next. */
static void
beat_checks(struct beat *b, double now, int port)
{
	sysinfo_memory(&b->mem_total, &b->mem_avail);
	b->mem_cap = memory_cap(b);
	b->mem_slots = lend_mem_slots(b->mem_avail, b->mem_cap,
	    b->cfg.job_memory, b->port_on ? b->jp.running : 0);
	if (port && b->port_on) {
		health_tmp(&b->health);
		health_watch(&b->health, b->search);
		jobport_probe(&b->jp, now);
		b->engine_ok = jobs_ready(&b->jobs, now, b->engine_err);
		update_health(b);
	}
	update_slots(b, now);
}

/* The check-in body with this machine's current facts; the caller frees. */
static char *
body(struct beat *b, int full)
{
	struct sender senders[WIRE_SENDERS_MAX];
	struct checkin ci = {
		.project = b->cfg.project, .node = b->node,
		.secret = b->secret,
		.hostname = b->hostname, .owner = b->owner,
		.version = DYNDISTCC_VERSION, .addr = b->cfg.advertise,
		.cores = b->cores, .nice = b->cfg.nice,
		.port = b->cfg.distccd_port, .compilers = &b->compilers,
		.slots_set = 1, .slots = b->slots,
		.admission = b->port_on ? "live" : "allow",
	};

	/* a changed compiler is re-fingerprinted and reported now */
	if (compilers_refresh(&b->compilers, b->cfg.masquerade_dir, b->search,
	    PROBE_TIMEOUT_MS) > 0 && b->port_on)
		health_compilers(&b->health, &b->compilers);
	sysinfo_load(ci.load);
	if (b->port_on && full) {
		ci.sched = b->cfg.sched;
		ci.health_set = 1;
		ci.health_ok = b->health_ok;
		ci.health_reason = b->health_reason;
		ci.jobs_set = 1;
		ci.running = b->jp.all_running;
		ci.served = b->jp.served;
		ci.senders = senders;
		ci.nsenders = jobport_senders(&b->jp, senders, NELEM(senders));
	}
	return checkin_body(&ci);
}

/* Hands a check-in to the thread; a regular one runs the beat's checks
 * first. */
static void
start_checkin(struct beat *b, double now, int regular)
{
	struct checkin_call *c = &b->call;

	if (regular)
		beat_checks(b, now, 1);
	memset(c, 0, sizeof(*c));
	c->cfg.server = xstrdup(b->cfg.server);
	c->cfg.key = b->cfg.key ? xstrdup(b->cfg.key) : NULL;
	c->cfg.source = b->cfg.source ? xstrdup(b->cfg.source) : NULL;
	c->cfg.server_ca = b->cfg.server_ca ? xstrdup(b->cfg.server_ca) : NULL;
	c->cfg.server_pin = b->cfg.server_pin ? xstrdup(b->cfg.server_pin) : NULL;
	c->body = body(b, 1);
	c->timeout_ms = CHECKIN_TIMEOUT_MS;
	c->started = now;
	b->sent_slots = b->slots;
	b->sent_ok = b->health_ok;
	str_copy(b->sent_reason, b->health_reason, sizeof(b->sent_reason));
	b->inflight = 1;
	b->soon = 0;
	b->addr_at = 0;
	b->last_start = now;
	if (regular)	/* the next regular one is set by the reply */
		b->next_checkin = now + CHECKIN_TIMEOUT_MS / 1000.0 + 1;
	checkin_worker_submit(&b->worker, c);
}

/* Stores the secret a reply bound to this node. */
static void
store_secret(struct beat *b, const char *secret)
{
	char err[ERR_MAX];

	if (secret[0] == '\0' || strcmp(secret, b->secret) == 0)
		return;
	if (nodeid_secret_write(b->cfg.state_dir, secret, err) == -1) {
		log_error("cannot store the node's secret: %s", err);
		return;
	}
	str_copy(b->secret, secret, sizeof(b->secret));
	log_info("node %s is bound to this machine; its secret is in "
	    "%s/node-secret", b->node, b->cfg.state_dir);
}

/* The server refused the node's secret (403). Another process of this
 * machine (dcc-heartbeat --once) may have stored one meanwhile: then use
 * it. With no secret at all the node id is someone else's (a copied disk,
 * a restored backup): start over with a new id. A secret that does not
 * match is an error for the admin. Returns 1 to retry at once. */
static int
secret_refused(struct beat *b, const char *err)
{
	char secret[WIRE_SECRET_LEN + 1], e[ERR_MAX];
	char old[WIRE_NODE_ID_LEN + 1];

	if (nodeid_secret_read(b->cfg.state_dir, secret, e) == 0 &&
	    strcmp(secret, b->secret) != 0) {
		str_copy(b->secret, secret, sizeof(b->secret));
		return 1;
	}
	if (b->secret[0] != '\0') {
		if (b->last_status != 403)
			log_error("%s: the secret in %s/node-secret does not "
			    "match; if this machine really is node %s, ask the "
			    "admin to expunge it, else remove node-id and "
			    "node-secret to start over (retrying every %d s)",
			    err, b->cfg.state_dir, b->node, REJECTED_RETRY);
		return 0;
	}
	str_copy(old, b->node, sizeof(old));
	if (nodeid_renew(b->cfg.state_dir, b->node, e) == -1) {
		log_error("%s; cannot start over: %s", err, e);
		return 0;
	}
	log_warn("the server says node %s belongs to another machine, and this "
	    "one holds no secret for it: starting over as node %s", old,
	    b->node);
	return 1;
}

/* Acts on a finished check-in. */
static void
checkin_done(struct beat *b, struct checkin_call *c, double now)
{
	struct hostlist *hl = &c->hl;

	b->inflight = 0;
	if (c->rc == -1) {
		long status = c->status;
		int rejected = status == 400 || status == 401 || status == 403 ||
		    status == 404;

		if (checkin_secret_refused(status, c->err) &&
		    secret_refused(b, c->err)) {
			b->last_status = 0;
			b->soon = 1;
			b->next_checkin = now;
			if (b->port_on)
				jobport_checkin_failed(&b->jp, c->started, now);
			checkin_call_free(c);
			return;
		}
		if (b->outage_since == 0 || status != b->last_status) {
			if (checkin_secret_refused(status, c->err))
				;	/* said by secret_refused */
			else if (status == 401 || status == 403)
				log_error("%s: the server refuses project \"%s\"'s "
				    "key; fix `key` in %s (retrying every %d s)",
				    c->err, b->cfg.project, b->cfgpath,
				    REJECTED_RETRY);
			else if (status == 404)
				log_error("%s: project \"%s\" does not exist on %s "
				    "(deleted?); retrying every %d s", c->err,
				    b->cfg.project, b->cfg.server, REJECTED_RETRY);
			else if (rejected)
				log_error("%s (retrying every %d s)", c->err,
				    REJECTED_RETRY);
			else if (status == 0 || status >= 500)
				log_warn("server unreachable: %s; the job port "
				    "keeps its last member set, retrying", c->err);
			else
				log_warn("check-in failed: %s; the job port "
				    "keeps its last member set, retrying", c->err);
		}
		if (b->outage_since == 0)
			b->outage_since = now;
		b->last_status = status;
		b->retry = rejected ? REJECTED_RETRY :
		    beat_backoff(b->retry, b->heartbeat);
		b->next_checkin = now + b->retry;
		if (b->port_on)
			jobport_checkin_failed(&b->jp, c->started, now);
		checkin_call_free(c);
		return;
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
	b->heartbeat = hl->heartbeat;
	b->refresh_after = hl->refresh_after;
	store_secret(b, c->secret);
	if (b->last_hosts == NULL || strcmp(b->last_hosts, hl->distcc_hosts) != 0) {
		log_info("%zu member%s, %d threads: %s", hl->nmembers,
		    hl->nmembers == 1 ? "" : "s", hl->pool_threads,
		    hl->distcc_hosts);
		free(b->last_hosts);
		b->last_hosts = xstrdup(hl->distcc_hosts);
	}
	write_lists(b, hl);
	if (b->port_on) {
		double hold = b->heartbeat + GRACE_SLACK;

		b->jp.hold = hold > HOLD_MAX ? HOLD_MAX : hold;
		jobport_members(&b->jp, hl->members, hl->nmembers, c->started,
		    now);
	}
	b->next_checkin = now + beat_jitter(b->heartbeat, drand48());
	log_debug("checked in (%.3f s): %zu member%s, %d threads, %d slots "
	    "offered; next in %.1f s", now - c->started, hl->nmembers,
	    hl->nmembers == 1 ? "" : "s", hl->pool_threads, b->slots,
	    b->next_checkin - now);
	checkin_call_free(c);
}

/* Checks in once, writes the lists and prints the result: for --once (the
 * installer's test of a new config). It sends what a check-in without the
 * running daemon knows: no health and no jobs. 0 on success, -1 with err
 * set. */
int
beat_once(struct beat *b, char *err)
{
	char secret[WIRE_SECRET_LEN + 1], *text;
	struct hostlist hl;
	long status;
	int rc, tries;

	beat_checks(b, now_monotonic(), 0);
	for (tries = 0; tries < 2; tries++) {
		text = body(b, 0);
		rc = checkin_post(&b->cfg, text, CHECKIN_TIMEOUT_MS, &hl, &status,
		    secret, err);
		free(text);
		/* The daemon may have bound the secret a moment ago. */
		if (rc == -1 && checkin_secret_refused(status, err) &&
		    nodeid_secret_read(b->cfg.state_dir, secret, err) == 0 &&
		    strcmp(secret, b->secret) != 0) {
			str_copy(b->secret, secret, sizeof(b->secret));
			continue;
		}
		break;
	}
	if (rc == -1)
		return -1;
	store_secret(b, secret);
	write_lists(b, &hl);
	printf("checked in to %s as node %s: project %s, %zu member%s, "
	    "%d threads\n%s\n", b->cfg.server, b->node, hl.project,
	    hl.nmembers, hl.nmembers == 1 ? "" : "s", hl.pool_threads,
	    hl.distcc_hosts);
	hostlist_free(&hl);
	return 0;
}

/* SIGHUP: re-reads the config (keeping the old one if the new one is bad)
 * and applies it; a change of how jobs run starts a new engine, and the
 * running jobs finish on the old one. */
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
	if (cfg.manage_distccd != b->port_on)
		log_warn("manage_distccd changes take effect at the next start");
	config_free(&b->cfg);
	b->cfg = cfg;
	apply_config(b);
	setup_cgroup(b);
	beat_checks(b, now_monotonic(), 1);
}

/* Samples the owner's CPU use (lend idle) and re-evaluates the slots. */
static void
tick(struct beat *b, double now)
{
	unsigned long long busy, total, jobs = 0;
	struct rusage ru;

	b->next_tick = now + TICK;
	if (!b->lend.idle_mode || sysinfo_cpu_ticks(&busy, &total) == -1) {
		update_slots(b, now);	/* the end of a grace period */
		return;
	}
	if (b->port_on)
		jobs = jobs_cpu(&b->jobs);
	/* The heartbeat's own time (relaying, canaries) is the pool's too. */
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		jobs += (unsigned long long)((ru.ru_utime.tv_sec +
		    ru.ru_stime.tv_sec) * sysconf(_SC_CLK_TCK));
	if (lend_sample(&b->lend, busy, total, jobs, now))
		log_info("the owner is %s (%.0f %% of the CPUs besides the "
		    "pool's jobs)", b->lend.owner_busy ? "busy" : "idle again",
		    b->lend.owner_pct);
	update_slots(b, now);
}

/* Reaps every exited child: the engines and the canaries. */
static void
reap(struct beat *b)
{
	struct rusage ru;
	int status;
	pid_t pid;

	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
		double now = now_monotonic();

		if (!jobs_exited(&b->jobs, pid, status, &ru, now))
			health_exited(&b->health, pid, status, now);
	}
}

/* A netlink socket that becomes readable when an address of this machine
 * changes (a new DHCP lease, a moved laptop), or -1: the server must learn
 * the new address before the members' jobs come from it. */
static int
addr_watch(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);

	if (fd == -1)
		return -1;
	sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Blocks the signals the loop handles (and SIGPIPE) and opens a signalfd
 * for them; call it before any child starts and before the daemon
 * detaches (both keep the mask and the fd), so no signal is lost before
 * the loop runs. Children unblock everything before exec. 0, or -1 with
 * err. */
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

/* When the next check-in out of turn may start, or a day from now: one a
 * second for a change of the slots or the health, after a short settling
 * time for an address change, and quickly (LIVE_GAP, doubling while it
 * lasts) when the job port waits to learn whether an address is a member. */
static double
soon_due(struct beat *b)
{
	double due = now_monotonic() + 86400, d;

	if (b->soon && b->last_start + SOON_MIN < due)
		due = b->last_start + SOON_MIN;
	if (b->port_on && b->jp.want_checkin == 0)
		b->live_gap = LIVE_GAP;
	else if (b->port_on && b->last_start + b->live_gap < due)
		due = b->last_start + b->live_gap;
	if (b->addr_at > 0) {
		d = b->addr_at + ADDR_SETTLE;
		if (d < b->last_start + LIVE_GAP)
			d = b->last_start + LIVE_GAP;
		if (d < due)
			due = d;
	}
	return due;
}

static double
sooner(double wait, double d)
{
	return d >= 0 && d < wait ? d : wait;
}

/* The daemon: loops until SIGTERM or SIGINT, then checks out, lets the
 * running jobs finish (up to SHUTDOWN_GRACE seconds) and stops the engine.
 * Returns the exit status. */
int
beat_run(struct beat *b)
{
	struct pollfd *pfd = xcalloc(4 + JOBPORT_POLL_MAX, sizeof(*pfd));
	char err[ERR_MAX], hosts[WIRE_ADDR_MAX + 16];
	int quit = 0, left = 0;
	double drain_until = 0;
	pid_t engine_seen = 0;

	srand48((long)getpid() ^ (long)(now_wall() * 1000));
	if (checkin_worker_start(&b->worker, err) == -1) {
		log_error("%s", err);
		free(pfd);
		return 1;
	}
	if (b->port_on) {
		jobs_stop_stale(&b->jobs);
		setup_cgroup(b);
	}
	b->nlfd = addr_watch();
	log_sys("node %s (%s), project %s on %s, ready", b->node, b->hostname,
	    b->cfg.project, b->cfg.server);
	b->next_checkin = b->next_tick = now_monotonic();
	for (;;) {
		struct signalfd_siginfo si;
		double now = now_monotonic(), wait = 60;
		size_t n = 0, base;
		int hup = 0, pw, pn = -1;
		pid_t engine = 0;

		if (b->port_on) {
			if (!left)
				wait = sooner(wait, jobs_step(&b->jobs, now));
			wait = sooner(wait, jobport_step(&b->jp, &b->jobs, now));
			if (jobs_port(&b->jobs, &engine) >= 0 &&
			    engine != engine_seen) {
				engine_seen = engine;
				health_again(&b->health);	/* a new engine */
			}
		}
		if (!quit) {
			if (now >= b->next_tick)
				tick(b, now);
			double due = soon_due(b);

			if (!b->inflight && (now >= b->next_checkin || now >= due)) {
				if (b->port_on && b->jp.want_checkin != 0)
					b->live_gap = b->live_gap * 2 >
					    b->heartbeat ? b->heartbeat :
					    b->live_gap * 2;
				start_checkin(b, now, now >= b->next_checkin);
			}
			wait = sooner(wait, b->next_tick - now);
			if (!b->inflight) {
				wait = sooner(wait, b->next_checkin - now);
				wait = sooner(wait, soon_due(b) - now);
			}
			if (b->port_on) {
				const char *why;

				canary_hosts(b, hosts, sizeof(hosts));
				wait = sooner(wait, health_step(&b->health, hosts,
				    b->search, b->heartbeat, port_ok(b, &why),
				    now));
				update_health(b);
			}
		}
		if (quit && !b->inflight) {
			if (!left) {
				if (checkin_checkout(&b->cfg, b->node, b->secret,
				    CHECKOUT_TIMEOUT_MS, err) == -1)
					log_warn("%s; the server drops this node "
					    "after its ttl", err);
				else
					log_info("checked out of project %s",
					    b->cfg.project);
				left = 1;
				now = now_monotonic();
				drain_until = now + SHUTDOWN_GRACE;
				if (b->port_on)
					jobport_close(&b->jp, now);
			}
			if (!b->port_on || b->jp.all_running == 0 ||
			    now >= drain_until)
				break;
			wait = sooner(wait, drain_until - now);
		}
		pfd[n++] = (struct pollfd){ .fd = b->sfd, .events = POLLIN };
		pw = (int)n;
		pfd[n++] = (struct pollfd){ .fd = b->worker.efd, .events = POLLIN };
		if (b->nlfd != -1) {
			pn = (int)n;
			pfd[n++] = (struct pollfd){ .fd = b->nlfd, .events = POLLIN };
		}
		base = n;
		if (b->port_on)
			n += jobport_pollfds(&b->jp, pfd + n, JOBPORT_POLL_MAX);
		if (wait < 0)
			wait = 0;
		if (poll(pfd, n, (int)(wait * 1000) + 1) == -1 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		now = now_monotonic();
		while (read(b->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			switch (si.ssi_signo) {
			case SIGTERM:
			case SIGINT:
				if (!quit)
					log_sys("shutting down");
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
		if (pfd[pw].revents & POLLIN) {
			struct checkin_call *c = checkin_worker_result(&b->worker);

			if (c != NULL)
				checkin_done(b, c, now);
		}
		if (pn >= 0 && (pfd[pn].revents & POLLIN)) {
			char buf[8192];

			while (recv(b->nlfd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
			log_debug("an address of this machine changed");
			b->addr_at = now;
		}
		if (b->port_on)
			jobport_handle(&b->jp, &b->jobs, pfd + base, now);
		if (hup && !quit) {
			reload(b);
			b->soon = 1;
		}
	}
	if (b->port_on) {
		if (b->jp.all_running > 0)
			log_warn("%d job%s still running after %.0f s; stopping "
			    "them", b->jp.all_running, b->jp.all_running == 1 ?
			    "" : "s", SHUTDOWN_GRACE);
		jobport_free(&b->jp);
		jobs_shutdown(&b->jobs);
		if (b->jobs.cg.dir != NULL)
			cgroup_remove(&b->jobs.cg);
	}
	checkin_worker_stop(&b->worker);
	free(pfd);
	log_sys("stopped");
	return 0;
}

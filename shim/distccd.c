/*
 * distccd.c — runs and supervises this machine's distccd for dcc-heartbeat.
 *
 * distccd cannot reload its --allow list: SIGHUP kills it and SIGTERM drops
 * the jobs it is running (README.md, "distcc facts"). So the daemon is restarted
 * only when its command line must change (the project's members, cores,
 * nice, port), and only once it is idle — no TCP connection open on its
 * port — or after a bounded wait. It is never started without --allow, and
 * restarted with backoff when it dies.
 *
 * The heartbeat loop calls distccd_step() whenever it wakes and
 * distccd_exited() for every child it reaps; nothing here blocks for long
 * except distccd_stop(), which waits for the old daemon to be gone so the
 * new one can bind the port.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heartbeat.h"

#define BACKOFF_MAX	60.0	/* seconds between restarts of a crashing distccd */
#define STABLE_AFTER	60.0	/* a run this long resets the backoff */
#define STOP_WAIT	5.0	/* seconds for distccd to exit after SIGTERM */
#define BUSY_POLL	0.25	/* seconds between idleness probes */

/* Sleeps for ms milliseconds. */
static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Turns a member address ("10.0.0.7", "::1", "[::1]:3632", "10.0.0.7:3700")
 * into distccd's --allow form ("10.0.0.7/32", "::1/128") in out. 0, or -1
 * when it is not an IP address (distccd would exit on it). */
int
distccd_allow_entry(const char *member, char *out, size_t size)
{
	char addr[WIRE_ADDR_MAX];
	int port;

	if (wire_addr_port(member, addr, &port) == -1)
		return -1;
	return snprintf(out, size, "%s/%d", addr, strchr(addr, ':') ? 128 : 32) <
	    (int)size ? 0 : -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Prepares d; nothing runs until distccd_step. pidfile records the running
 * distccd so a successor can stop one left behind; path is the PATH distccd
 * gets (without the masquerade directory, or jobs would loop through dcc). */
void
distccd_init(struct distccd *d, const char *pidfile, const char *path)
{
	static const char *const loopback = "127.0.0.1";

	memset(d, 0, sizeof(*d));
	d->pidfile = xstrdup(pidfile);
	d->path = xstrdup(path);
	d->port = WIRE_DISTCC_PORT;
	d->jobs = 1;
	d->idle_wait = DISTCCD_IDLE_WAIT;
	d->backoff = 1;
	distccd_allow(d, (char *const *)&loopback, 1);
}

/* Sets what distccd should run with. A change takes effect at the next
 * idle moment (see distccd_step). */
void
distccd_want(struct distccd *d, const char *listen, int port, int jobs,
    int nice)
{
	free(d->listen);
	d->listen = listen != NULL ? xstrdup(listen) : NULL;
	d->port = port;
	d->jobs = jobs < 1 ? 1 : jobs > 200 ? 200 : jobs;
	d->nice = nice;
}

/* Sets the allow list from the project's members; loopback is always
 * allowed. Addresses that are not IPs are logged and left out, so a bad
 * entry can never make distccd refuse to start. */
void
distccd_allow(struct distccd *d, char *const *members, size_t n)
{
	char entry[INET6_ADDRSTRLEN + 8];
	char **v = xcalloc(n + 1, sizeof(*v));
	size_t nv = 0, i, j;

	v[nv++] = xstrdup("127.0.0.1/32");
	for (i = 0; i < n; i++) {
		if (distccd_allow_entry(members[i], entry, sizeof(entry)) == -1) {
			log_warn("ignoring member \"%s\": not an IP address",
			    members[i]);
			continue;
		}
		v[nv++] = xstrdup(entry);
	}
	qsort(v, nv, sizeof(*v), cmp_str);
	for (i = j = 0; i < nv; i++) {	/* the same list in any order is the same list */
		if (j > 0 && strcmp(v[j - 1], v[i]) == 0)
			free(v[i]);
		else
			v[j++] = v[i];
	}
	strv_free(d->allow, d->nallow);
	d->allow = v;
	d->nallow = j;
}

/* The niceness increment that gives distccd an absolute nice of `nice`:
 * --nice adds to our own. Raising priority needs root; otherwise 0. */
static int
nice_increment(int nice)
{
	int ours, inc;

	errno = 0;
	ours = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		ours = 0;
	inc = nice - ours;
	if (inc < 0 && geteuid() != 0)
		inc = 0;
	return inc;
}

/* The command line distccd runs with for the current settings, NULL
 * terminated; the caller frees with distccd_argv_free. */
char **
distccd_argv(const struct distccd *d)
{
	size_t n = 0, i, max = 16 + 2 * d->nallow;
	char **av = xcalloc(max, sizeof(*av));

	av[n++] = xstrdup("distccd");
	av[n++] = xstrdup("--no-detach");
	av[n++] = xstrdup("--daemon");
	if (d->listen != NULL) {
		av[n++] = xstrdup("--listen");
		av[n++] = xstrdup(d->listen);
	}
	av[n++] = xstrdup("--port");
	av[n++] = xasprintf("%d", d->port);
	av[n++] = xstrdup("--jobs");
	av[n++] = xasprintf("%d", d->jobs);
	av[n++] = xstrdup("--nice");
	av[n++] = xasprintf("%d", nice_increment(d->nice));
	av[n++] = xstrdup("--log-stderr");
	av[n++] = xstrdup("--log-level");
	av[n++] = xstrdup("notice");
	for (i = 0; i < d->nallow; i++) {
		av[n++] = xstrdup("--allow");
		av[n++] = xstrdup(d->allow[i]);
	}
	av[n] = NULL;
	return av;
}

/* Frees a NULL-terminated vector of strings, as distccd_argv returns. */
void
distccd_argv_free(char **av)
{
	size_t i;

	for (i = 0; av != NULL && av[i] != NULL; i++)
		free(av[i]);
	free(av);
}

/* av as one string, for comparing command lines; without the --allow
 * pairs when allow is 0. The caller frees. */
static char *
argv_join(char **av, int allow)
{
	size_t len = 1, i;
	char *s;

	for (i = 0; av[i] != NULL; i++)
		len += strlen(av[i]) + 1;
	s = xmalloc(len);
	s[0] = '\0';
	for (i = 0; av[i] != NULL; i++) {
		if (!allow && strcmp(av[i], "--allow") == 0 && av[i + 1] != NULL) {
			i++;
			continue;
		}
		if (s[0] != '\0')
			strcat(s, " ");
		strcat(s, av[i]);
	}
	return s;
}

/* 1 when the running distccd already allows every address wanted now and
 * differs only in allowing more (members left): worth a restart when it is
 * idle, never worth dropping a job for. */
static int
only_removals(const struct distccd *d, const char *want_base)
{
	size_t i;

	if (strcmp(want_base, d->running_base) != 0)
		return 0;
	for (i = 0; i < d->nallow; i++) {
		char *tok = xasprintf(" --allow %s", d->allow[i]);
		const char *p = d->running;
		size_t n = strlen(tok);
		int found = 0;

		while ((p = strstr(p, tok)) != NULL && !found) {
			found = p[n] == ' ' || p[n] == '\0';
			p += n;
		}
		free(tok);
		if (!found)
			return 0;
	}
	return 1;
}

/* Parses one address field of /proc/net/tcp{,6} (hex words of the address
 * in host order) into buf; returns its length in bytes, or 0. */
static size_t
proc_addr(const char *hex, unsigned char *buf)
{
	size_t len = strlen(hex), i;

	if (len != 8 && len != 32)
		return 0;
	for (i = 0; i < len / 8; i++) {
		char word[9];
		uint32_t w;

		memcpy(word, hex + 8 * i, 8);
		word[8] = '\0';
		w = (uint32_t)strtoul(word, NULL, 16);
		memcpy(buf + 4 * i, &w, 4);
	}
	return len / 2;
}

/* Number of connections open to a local TCP listen:port (any address when
 * listen is NULL): jobs being received, compiled or answered, and those
 * queued for a free distccd child. -1 when /proc cannot be read. */
int
distccd_connections(const char *listen, int port)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	unsigned char want[16], have[16];
	size_t wantlen = 0, i;
	int count = 0, readable = 0;

	if (listen != NULL) {
		if (inet_pton(AF_INET, listen, want) == 1)
			wantlen = 4;
		else if (inet_pton(AF_INET6, listen, want) == 1)
			wantlen = 16;
	}
	for (i = 0; i < NELEM(files); i++) {
		char line[512];
		FILE *f = fopen(files[i], "re");

		if (f == NULL)
			continue;
		readable = 1;
		while (fgets(line, sizeof(line), f) != NULL) {
			char laddr[40];
			unsigned lport, state;

			if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %*39[0-9A-Fa-f]:%*x %x",
			    laddr, &lport, &state) != 3)
				continue;	/* the header */
			if ((int)lport != port)
				continue;
			/* ESTABLISHED, SYN_RECV, CLOSE_WAIT: a client is there;
			 * LISTEN and the closing states are not jobs. */
			if (state != 0x01 && state != 0x03 && state != 0x08)
				continue;
			if (wantlen != 0 && (proc_addr(laddr, have) != wantlen ||
			    memcmp(have, want, wantlen) != 0))
				continue;
			count++;
		}
		fclose(f);
	}
	return readable ? count : -1;
}

/* Waits until no process of group pgid is left, up to secs; then kills
 * what remains. */
static void
wait_group_gone(pid_t pgid, double secs)
{
	double deadline = now_monotonic() + secs;

	while (kill(-pgid, 0) == 0 && now_monotonic() < deadline)
		nap(10);
	if (kill(-pgid, 0) == 0) {
		kill(-pgid, SIGKILL);
		while (kill(-pgid, 0) == 0 && now_monotonic() < deadline + 2)
			nap(10);
	}
}

/* 1 when listen:port (any address when listen is NULL) can be bound again:
 * the old distccd and all its children have let go of it. Zombies and
 * orphaned compilers do not hold it, so this is quicker than waiting for
 * the process group to vanish. */
static int
port_free(const char *listen, int port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr *sa = (struct sockaddr *)&s4;
	socklen_t len = sizeof(s4);
	int fd, one = 1, ok;

	s4.sin_port = htons((uint16_t)port);
	s4.sin_addr.s_addr = htonl(INADDR_ANY);
	if (listen != NULL && inet_pton(AF_INET, listen, &s4.sin_addr) != 1) {
		if (inet_pton(AF_INET6, listen, &s6.sin6_addr) != 1)
			return 1;	/* a name: distccd will tell */
		s6.sin6_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&s6;
		len = sizeof(s6);
	}
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(fd, sa, len) == 0;
	close(fd);
	return ok;
}

/* Waits up to secs for distccd's port to be free after its parent exited;
 * then kills whatever of its group still holds it. */
static void
wait_port_free(const struct distccd *d, pid_t pgid, double secs)
{
	double deadline = now_monotonic() + secs;

	while (!port_free(d->listen, d->port)) {
		if (now_monotonic() > deadline) {
			log_warn("distccd's port %d is still taken; killing "
			    "process group %ld", d->port, (long)pgid);
			wait_group_gone(pgid, 0);
			return;
		}
		nap(10);
	}
}

/* Stops a distccd that an earlier dcc-heartbeat left running (it was killed
 * with SIGKILL): it still holds the port and an outdated allow list. Only a
 * process that is still distccd and leads its own group is touched. Waits
 * until d's port is free. */
void
distccd_stop_stale(struct distccd *d)
{
	char err[ERR_MAX], path[64];
	char *text, *cmd;
	size_t len;
	long pid;

	if ((text = file_read(d->pidfile, 64, NULL, err)) == NULL)
		return;
	text[strcspn(text, "\n")] = '\0';
	if (str_to_long(text, 2, INT_MAX, &pid) == 0) {
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		cmd = file_read(path, 65536, &len, err);
		if (cmd != NULL && len > 0 && getpgid((pid_t)pid) == pid) {
			const char *base = strrchr(cmd, '/');
			base = base ? base + 1 : cmd;
			if (strcmp(base, "distccd") == 0) {
				log_warn("stopping distccd %ld left running by an "
				    "earlier dcc-heartbeat", pid);
				kill((pid_t)-pid, SIGTERM);
				wait_port_free(d, (pid_t)pid, STOP_WAIT);
			}
		}
		free(cmd);
	}
	free(text);
	unlink(d->pidfile);
}

/* The environment distccd runs with, built before fork so the child only
 * execs: ours, with PATH = d->path, and without a TMPDIR that distccd could
 * not enter (started as root it becomes user distccd and chdirs there; a
 * private one, a test's or a root shell's, makes it exit 107). The caller
 * frees with distccd_argv_free. */
static char **
child_env(const struct distccd *d)
{
	extern char **environ;
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	size_t n = 0, i;
	char **env;
	int drop_tmp;

	drop_tmp = tmp != NULL && geteuid() == 0 &&
	    (stat(tmp, &st) == -1 || (st.st_mode & 0003) != 0003);
	for (i = 0; environ[i] != NULL; i++)
		;
	env = xcalloc(i + 2, sizeof(*env));
	for (i = 0; environ[i] != NULL; i++) {
		if (strncmp(environ[i], "PATH=", 5) == 0 ||
		    (drop_tmp && strncmp(environ[i], "TMPDIR=", 7) == 0))
			continue;
		env[n++] = xstrdup(environ[i]);
	}
	env[n++] = xasprintf("PATH=%s", d->path);
	env[n] = NULL;
	return env;
}

/* Starts distccd with the current settings. */
static void
start(struct distccd *d, double now)
{
	char pidtext[32], err[ERR_MAX];
	char **av, **env, *bin;
	sigset_t none;
	pid_t pid;

	if ((bin = compilers_which("distccd", d->path)) == NULL) {
		log_error("cannot start distccd: not found on %s; retrying in "
		    "%.0f s", d->path, d->backoff);
		d->next_start = now + d->backoff;
		d->backoff = d->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
		    d->backoff * 2;
		return;
	}
	av = distccd_argv(d);
	env = child_env(d);
	sigemptyset(&none);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* Signals are blocked in the daemon (signalfd); distccd must
		 * see its own SIGTERM. */
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (null != -1)
			dup2(null, STDIN_FILENO);
		execve(bin, av, env);
		_exit(127);
	}
	distccd_argv_free(env);
	free(bin);
	if (pid == -1) {
		log_error("cannot start distccd: fork: %s", strerror(errno));
		d->next_start = now + d->backoff;
		distccd_argv_free(av);
		return;
	}
	free(d->running);
	free(d->running_base);
	d->running = argv_join(av, 1);
	d->running_base = argv_join(av, 0);
	d->pid = pid;
	d->started = now;
	d->change_since = 0;
	snprintf(pidtext, sizeof(pidtext), "%ld\n", (long)pid);
	if (file_write_atomic(d->pidfile, pidtext, strlen(pidtext), 0644,
	    err) == -1)
		log_warn("%s", err);
	log_info("distccd started: pid %ld, %s:%d, %d jobs, nice %d, %zu "
	    "allowed address%s", (long)pid, d->listen ? d->listen : "*",
	    d->port, d->jobs, d->nice, d->nallow, d->nallow == 1 ? "" : "es");
	distccd_argv_free(av);
}

/* Stops distccd now: SIGTERM (it takes its process group down, dropping any
 * job: clients recompile those locally), then waits until every process of
 * its group is gone so the port is free again. */
void
distccd_stop(struct distccd *d)
{
	double deadline;
	int status;
	pid_t pid = d->pid;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	deadline = now_monotonic() + STOP_WAIT;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_monotonic() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		nap(10);
	}
	wait_port_free(d, pid, STOP_WAIT);
	unlink(d->pidfile);
	d->pid = 0;
	free(d->running);
	free(d->running_base);
	d->running = d->running_base = NULL;
	log_info("distccd stopped (pid %ld)", (long)pid);
}

/* Does what is due: starts distccd when it is not running (respecting the
 * crash backoff), or restarts it when its command line must change and it
 * is idle. A change that adds an address (a new member would be refused) or
 * a setting waits at most idle_wait seconds for idleness; one that only
 * removes addresses waits for as long as it takes. Returns the seconds until
 * it wants to be called again, or -1 when nothing is pending. */
double
distccd_step(struct distccd *d, double now)
{
	if (d->pid > 0) {
		char **av = distccd_argv(d);
		char *want = argv_join(av, 1), *base = argv_join(av, 0);
		int same = strcmp(want, d->running) == 0, busy, patient;

		patient = !same && only_removals(d, base);
		distccd_argv_free(av);
		free(want);
		free(base);
		if (same) {
			d->change_since = 0;
			return -1;
		}
		if (d->change_since == 0) {
			d->change_since = now;
			if (patient)
				log_info("distccd will restart when idle, to "
				    "drop members that left");
			else
				log_info("distccd must restart (new members or "
				    "settings); waiting until it is idle, at "
				    "most %d s", d->idle_wait);
		}
		busy = distccd_connections(d->listen, d->port);
		if (busy > 0 && (patient || now - d->change_since < d->idle_wait))
			return BUSY_POLL;
		if (busy > 0)
			log_warn("distccd still has %d connection%s after %d s; "
			    "restarting anyway (those jobs recompile locally)",
			    busy, busy == 1 ? "" : "s", d->idle_wait);
		distccd_stop(d);
		d->next_start = now;
	}
	if (now < d->next_start)
		return d->next_start - now;
	start(d, now);
	return -1;
}

/* Tells d that child pid exited with status; returns 1 when it was
 * distccd (which is then restarted by distccd_step after a backoff). */
int
distccd_exited(struct distccd *d, pid_t pid, int status, double now)
{
	if (pid <= 0 || pid != d->pid)
		return 0;
	if (now - d->started >= STABLE_AFTER)
		d->backoff = 1;
	if (WIFEXITED(status))
		log_warn("distccd exited with status %d; restarting in %.0f s",
		    WEXITSTATUS(status), d->backoff);
	else
		log_warn("distccd killed by signal %d; restarting in %.0f s",
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0, d->backoff);
	/* Its preforked children may still hold the port for a moment. */
	wait_port_free(d, pid, 1);
	unlink(d->pidfile);
	d->pid = 0;
	free(d->running);
	free(d->running_base);
	d->running = d->running_base = NULL;
	d->next_start = now + d->backoff;
	d->backoff = d->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : d->backoff * 2;
	return 1;
}

/* Waits up to secs for distccd to be idle, so running jobs finish, then
 * stops it. For shutdown. */
void
distccd_shutdown(struct distccd *d, double secs)
{
	double deadline = now_monotonic() + secs;

	if (d->pid <= 0)
		return;
	while (distccd_connections(d->listen, d->port) > 0 &&
	    now_monotonic() < deadline)
		nap(50);
	distccd_stop(d);
}

/* Frees d's memory; distccd_stop first if it runs. */
void
distccd_free(struct distccd *d)
{
	free(d->pidfile);
	free(d->path);
	free(d->listen);
	free(d->running);
	free(d->running_base);
	strv_free(d->allow, d->nallow);
	memset(d, 0, sizeof(*d));
}

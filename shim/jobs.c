/*
 * jobs.c — the compile engine behind the job port: one distccd that listens
 * on 127.0.0.1 only, on a port of its own, and compiles what the job port
 * (jobport.c) relays to it. Members never reach it directly; admission and
 * the slot limit are the job port's.
 *
 * Why not one `distccd --inetd` per job, the way inetd would run it: distccd
 * 3.4 in inetd mode waits for the compiler in a loop of one-second select()
 * calls that no SIGCHLD interrupts (it installs no handler in that mode), so
 * every job took up to a second longer — a 40 ms compile took 1.02 s here.
 * The daemon's preforked children have the handler and answer at once.
 *
 * The engine runs in its own session, under SCHED_IDLE or at the configured
 * nice value, and in the jobs' memory cgroup when there is one: all of it is
 * inherited by every process a job starts. A change of those settings
 * starts a new engine on a new port; new jobs go there, and the old one is
 * stopped once its last job has finished, so no job is ever cut off.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heartbeat.h"

#define BACKOFF_MAX	60.0	/* seconds between starts of a crashing engine */
#define STABLE_AFTER	60.0	/* a run this long resets the backoff */
#define STOP_WAIT	5.0	/* seconds an engine gets to exit after SIGTERM */

/* Sleeps for ms milliseconds. */
static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Frees a NULL-terminated vector of strings. */
void
strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Prepares j; no engine runs until jobs_step. pidfile names the running
 * engine so a successor can stop one left behind; path is the PATH it runs
 * with (without the masquerade directory, or jobs would loop through dcc). */
void
jobs_init(struct jobs *j, const char *pidfile, const char *path)
{
	memset(j, 0, sizeof(*j));
	j->pidfile = xstrdup(pidfile);
	j->path = xstrdup(path);
	j->idle = 1;
	j->max = 1;
	j->backoff = 1;
	j->cg.fd = -1;
}

/* Sets how jobs run: under SCHED_IDLE (idle) or at nice value nice, at most
 * max at once (distccd --jobs, 1..200), with TMPDIR tmpdir (NULL: ours). A
 * change starts a new engine at the next jobs_step. */
void
jobs_want(struct jobs *j, int idle, int nice, int max, const char *tmpdir)
{
	j->idle = idle;
	j->nice = nice;
	j->max = max < 1 ? 1 : max > 200 ? 200 : max;
	free(j->tmpdir);
	j->tmpdir = tmpdir != NULL ? xstrdup(tmpdir) : NULL;
}

/* The settings an engine started now would run with, as one string. */
static char *
signature(const struct jobs *j)
{
	return xasprintf("%s nice=%d jobs=%d tmp=%s path=%s cg=%s",
	    j->idle ? "idle" : "nice", j->nice, j->max,
	    j->tmpdir ? j->tmpdir : "-", j->path, j->cg.dir ? j->cg.dir : "-");
}

/* The engine's command line for port, NULL terminated; free with
 * strv_free. */
char **
jobs_argv(const struct jobs *j, int port)
{
	char **av = xcalloc(24, sizeof(*av));
	size_t n = 0;

	av[n++] = xstrdup("distccd");
	av[n++] = xstrdup("--no-detach");
	av[n++] = xstrdup("--daemon");
	av[n++] = xstrdup("--listen");
	av[n++] = xstrdup("127.0.0.1");
	av[n++] = xstrdup("--port");
	av[n++] = xasprintf("%d", port);
	av[n++] = xstrdup("--jobs");
	av[n++] = xasprintf("%d", j->max);
	/* The priority is set before exec; distccd's default --nice 5 would
	 * add to it. */
	av[n++] = xstrdup("--nice");
	av[n++] = xstrdup("0");
	av[n++] = xstrdup("--log-stderr");
	/* The job port logs every job with its real sender; distccd's own
	 * summary would name 127.0.0.1. Its errors still show. */
	av[n++] = xstrdup("--log-level");
	av[n++] = xstrdup("warning");
	av[n++] = xstrdup("--allow");
	av[n++] = xstrdup("127.0.0.1/32");
	av[n] = NULL;
	return av;
}

/* Whether the engine can work in dir as its TMPDIR: distccd chdirs there
 * at start and exits 107 when it cannot. Started by anyone but root it runs
 * as that user; started as root it becomes its own user (distccd on
 * Debian, distcc upstream), so dir must let others in and write, as /tmp
 * does, or belong to that user. 0, or -1 with the reason in err. */
int
jobs_tmpdir_check(const char *dir, char *err)
{
	struct passwd *pw;
	struct stat st;

	if (geteuid() != 0)
		return 0;
	if (stat(dir, &st) == -1) {
		seterr(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		seterr(err, "%s: not a directory", dir);
		return -1;
	}
	if ((st.st_mode & 0003) == 0003)
		return 0;
	if (((pw = getpwnam("distccd")) != NULL ||
	    (pw = getpwnam("distcc")) != NULL) && pw->pw_uid == st.st_uid &&
	    (st.st_mode & 0300) == 0300)
		return 0;
	seterr(err, "%s: mode %04o, owner uid %ld: distccd, started as root, "
	    "runs as its own user and could not work there", dir,
	    (unsigned)(st.st_mode & 07777), (long)st.st_uid);
	return -1;
}

/* The environment the engine runs with, built before fork so the child
 * only execs: ours, with PATH = j->path and TMPDIR = j->tmpdir; without a
 * TMPDIR of ours that distccd could not use (jobs_tmpdir_check). Free with
 * strv_free. */
static char **
child_env(const struct jobs *j)
{
	extern char **environ;
	const char *tmp = getenv("TMPDIR");
	char err[ERR_MAX];
	size_t n = 0, i;
	char **env;
	int drop_tmp;

	drop_tmp = j->tmpdir != NULL ||
	    (tmp != NULL && jobs_tmpdir_check(tmp, err) == -1);
	for (i = 0; environ[i] != NULL; i++)
		;
	env = xcalloc(i + 3, sizeof(*env));
	for (i = 0; environ[i] != NULL; i++) {
		if (strncmp(environ[i], "PATH=", 5) == 0 ||
		    (drop_tmp && strncmp(environ[i], "TMPDIR=", 7) == 0))
			continue;
		env[n++] = xstrdup(environ[i]);
	}
	env[n++] = xasprintf("PATH=%s", j->path);
	if (j->tmpdir != NULL)
		env[n++] = xasprintf("TMPDIR=%s", j->tmpdir);
	env[n] = NULL;
	return env;
}

/* A TCP port on 127.0.0.1 that nothing uses now, from the kernel; 0 when
 * none can be had. */
static int
loopback_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd, port = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void
schedule_retry(struct jobs *j, double now)
{
	j->next_start = now + j->backoff;
	j->backoff = j->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : j->backoff * 2;
}

/* Starts a new engine as e[0] (the caller made room). */
static void
engine_start(struct jobs *j, double now)
{
	char pidtext[32], err[ERR_MAX];
	char **av, **env, *bin;
	struct sched_param sp = { 0 };
	sigset_t none;
	int port, idle = j->idle, nice = j->nice, cg = j->cg.fd;
	pid_t pid;

	if ((bin = compilers_which("distccd", j->path)) == NULL) {
		log_error("cannot start distccd: not found on %s; retrying in "
		    "%.0f s", j->path, j->backoff);
		schedule_retry(j, now);
		return;
	}
	if ((port = loopback_port()) == 0) {
		log_error("cannot start distccd: no free port on 127.0.0.1");
		free(bin);
		schedule_retry(j, now);
		return;
	}
	av = jobs_argv(j, port);
	env = child_env(j);
	sigemptyset(&none);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* Only async-signal-safe calls from here: the heartbeat has a
		 * check-in thread. Its own session, so every process of every
		 * job can be found and stopped; the scheduling and the cgroup
		 * are inherited by all of them. */
		setsid();
		if (idle)
			sched_setscheduler(0, SCHED_IDLE, &sp);
		setpriority(PRIO_PROCESS, 0, nice);
		if (cg != -1)
			(void)!write(cg, "0\n", 2);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (null != -1)
			dup2(null, STDIN_FILENO);
		execve(bin, av, env);
		_exit(127);
	}
	strv_free(env);
	free(bin);
	if (pid == -1) {
		log_error("cannot start distccd: fork: %s", strerror(errno));
		strv_free(av);
		schedule_retry(j, now);
		return;
	}
	strv_free(av);
	j->e[0].pid = pid;
	j->e[0].port = port;
	j->e[0].sig = signature(j);
	j->e[0].started = now;
	j->e[0].conns = 0;
	j->e[0].stopping = 0;
	snprintf(pidtext, sizeof(pidtext), "%ld\n", (long)pid);
	if (file_write_atomic(j->pidfile, pidtext, strlen(pidtext), 0644,
	    err) == -1)
		log_warn("%s", err);
	if (idle)
		snprintf(pidtext, sizeof(pidtext), "SCHED_IDLE");
	else
		snprintf(pidtext, sizeof(pidtext), "nice %d", nice);
	log_info("distccd started: pid %ld on 127.0.0.1:%d, %d jobs, %s",
	    (long)pid, port, j->max, pidtext);
}

/* The port of the engine new jobs go to and its pid in *pid, or -1 when
 * none runs (it is starting, or waits to be restarted). */
int
jobs_port(const struct jobs *j, pid_t *pid)
{
	if (j->e[0].pid <= 0 || j->e[0].stopping)
		return -1;
	if (pid != NULL)
		*pid = j->e[0].pid;
	return j->e[0].port;
}

/* Seconds since the engine new jobs go to started; -1 when there is none. */
double
jobs_age(const struct jobs *j, double now)
{
	return j->e[0].pid > 0 ? now - j->e[0].started : -1;
}

/* Counts a job connection to (delta 1) or from (-1) the engine pid. */
void
jobs_conn(struct jobs *j, pid_t pid, int delta)
{
	size_t i;

	for (i = 0; i < JOBS_ENGINES; i++)
		if (j->e[i].pid == pid && pid > 0) {
			j->e[i].conns += delta;
			return;
		}
}

/* Number of job connections all engines serve now. */
int
jobs_conns(const struct jobs *j)
{
	int n = 0;
	size_t i;

	for (i = 0; i < JOBS_ENGINES; i++)
		n += j->e[i].pid > 0 ? j->e[i].conns : 0;
	return n;
}

static void
engine_clear(struct engine *e)
{
	free(e->sig);
	memset(e, 0, sizeof(*e));
}

/* Asks engine e to stop: SIGTERM to distccd, which takes its preforked
 * children with it; only called once it serves no job. */
static void
engine_stop(struct engine *e)
{
	if (e->pid > 0 && !e->stopping) {
		kill(e->pid, SIGTERM);
		e->stopping = 1;
	}
}

/* Does what is due: starts an engine when none runs (after the crash
 * backoff), replaces it when the settings changed, stops replaced engines
 * that finished their last job. Returns the seconds until it wants to be
 * called again, or -1. */
double
jobs_step(struct jobs *j, double now)
{
	double wake = -1;
	size_t i;

	if (j->e[0].pid > 0 && !j->e[0].stopping) {
		char *want = signature(j);
		int same = strcmp(want, j->e[0].sig) == 0;

		free(want);
		if (!same) {
			/* Make room: the oldest draining engine goes at once. */
			for (i = JOBS_ENGINES - 1; i > 0 && j->e[i].pid > 0; i--)
				;
			if (i == 0) {
				i = JOBS_ENGINES - 1;
				log_warn("distccd %ld replaced while still busy",
				    (long)j->e[i].pid);
				engine_stop(&j->e[i]);
				j->e[i].pid = -j->e[i].pid;	/* reaped later */
			}
			memmove(&j->e[1], &j->e[0], i * sizeof(j->e[0]));
			memset(&j->e[0], 0, sizeof(j->e[0]));
			log_info("settings changed: a new distccd takes new jobs; "
			    "distccd %ld stops after its last one",
			    (long)j->e[1].pid);
			j->next_start = now;
		}
	}
	for (i = 1; i < JOBS_ENGINES; i++)
		if (j->e[i].pid > 0 && j->e[i].conns <= 0)
			engine_stop(&j->e[i]);
	if (j->e[0].pid == 0) {
		if (now >= j->next_start)
			engine_start(j, now);
		else
			wake = j->next_start - now;
	}
	return wake;
}

/* Tells j that child pid exited with status (its resource use in ru, or
 * NULL); returns 1 when it was an engine. A crashed engine is restarted by
 * jobs_step after a backoff. */
int
jobs_exited(struct jobs *j, pid_t pid, int status, const struct rusage *ru,
    double now)
{
	size_t i;

	for (i = 0; i < JOBS_ENGINES; i++)
		if (pid > 0 && (j->e[i].pid == pid || j->e[i].pid == -pid))
			break;
	if (i == JOBS_ENGINES)
		return 0;
	if (ru != NULL)
		j->cpu_done += (unsigned long long)((ru->ru_utime.tv_sec +
		    ru->ru_stime.tv_sec) * sysconf(_SC_CLK_TCK) +
		    (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) *
		    sysconf(_SC_CLK_TCK) / 1000000);
	if (i == 0 && !j->e[0].stopping) {
		if (now - j->e[0].started >= STABLE_AFTER)
			j->backoff = 1;
		if (WIFEXITED(status))
			log_warn("distccd exited with status %d; restarting in "
			    "%.0f s", WEXITSTATUS(status), j->backoff);
		else
			log_warn("distccd killed by signal %d; restarting in "
			    "%.0f s", WIFSIGNALED(status) ? WTERMSIG(status) : 0,
			    j->backoff);
		unlink(j->pidfile);
		schedule_retry(j, now);
	} else
		log_info("distccd %ld stopped", (long)pid);
	engine_clear(&j->e[i]);
	if (i > 0) {	/* keep the draining ones packed */
		memmove(&j->e[i], &j->e[i + 1],
		    (JOBS_ENGINES - 1 - i) * sizeof(j->e[0]));
		memset(&j->e[JOBS_ENGINES - 1], 0, sizeof(j->e[0]));
	}
	return 1;
}

/* Calls fn(pid, arg) for every process whose session is sid. */
static void
each_in_session(pid_t sid, void (*fn)(pid_t, const char *, void *), void *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[64], buf[1024], *p;
		long pid;
		int fd;
		ssize_t n;

		if (str_to_long(de->d_name, 1, INT_MAX, &pid) == -1)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* "pid (comm) state ppid pgrp session ...": comm may hold
		 * anything, so go from its last ')'. */
		if ((p = strrchr(buf, ')')) == NULL)
			continue;
		long ppid, pgrp, session;
		if (sscanf(p + 1, " %*c %ld %ld %ld", &ppid, &pgrp, &session) != 3)
			continue;
		if (session == sid)
			fn((pid_t)pid, p + 1, arg);
	}
	closedir(d);
}

static void
add_cpu(pid_t pid, const char *stat, void *arg)
{
	unsigned long long *sum = arg, ut, st;
	long long cut, cst;

	(void)pid;
	/* after ')': state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime */
	if (sscanf(stat, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
	    "%llu %lld %lld", &ut, &st, &cut, &cst) == 4)
		*sum += ut + st + (unsigned long long)(cut > 0 ? cut : 0) +
		    (unsigned long long)(cst > 0 ? cst : 0);
}

/* CPU time the jobs have used, in clock ticks (as /proc/stat counts): every
 * process of every engine's session, the ones they have reaped, and the
 * engines already gone. Reads /proc; for the lending policy. */
unsigned long long
jobs_cpu(const struct jobs *j)
{
	unsigned long long sum = j->cpu_done;
	size_t i;

	for (i = 0; i < JOBS_ENGINES; i++)
		if (j->e[i].pid != 0)
			each_in_session(j->e[i].pid > 0 ? j->e[i].pid :
			    -j->e[i].pid, add_cpu, &sum);
	return sum;
}

static void
count_pids(pid_t pid, const char *stat, void *arg)
{
	char state;

	(void)pid;
	if (sscanf(stat, " %c", &state) == 1 && state != 'Z')
		(*(int *)arg)++;
}

static void
kill_pid(pid_t pid, const char *stat, void *arg)
{
	(void)stat;
	kill(pid, *(int *)arg);
}

/* Processes left in session sid, zombies not counted. */
static int
session_size(pid_t sid)
{
	int n = 0;

	each_in_session(sid, count_pids, &n);
	return n;
}

/* Stops every process of session sid: SIGTERM, then SIGKILL after secs. */
static void
stop_session(pid_t sid, double secs)
{
	double deadline = now_monotonic() + secs;
	int sig = SIGTERM;

	each_in_session(sid, kill_pid, &sig);
	while (session_size(sid) > 0 && now_monotonic() < deadline)
		nap(20);
	sig = SIGKILL;
	each_in_session(sid, kill_pid, &sig);
}

struct engine_state {
	pid_t	 leader;
	int	 procs, stopped;	/* the leader and its preforked children */
};

static void
count_stopped(pid_t pid, const char *stat, void *arg)
{
	struct engine_state *es = arg;
	long ppid;
	char state;

	if (sscanf(stat, " %c %ld", &state, &ppid) != 2 || state == 'Z' ||
	    (pid != es->leader && ppid != es->leader))
		return;
	es->procs++;
	if (state == 'T' || state == 't')
		es->stopped++;
}

/* Can the engine new jobs go to take them? Not when none runs and the next
 * start waits for the crash backoff, nor when distccd and every child it
 * preforked are stopped (SIGSTOP, a debugger): jobs would wait without an
 * end. (A stopped child takes no connection; a live one takes them all.)
 * Reads /proc. 1, or 0 with the reason in err. */
int
jobs_ready(const struct jobs *j, double now, char *err)
{
	struct engine_state es = { 0 };

	if (j->e[0].pid == 0 && j->next_start > now) {
		seterr(err, "distccd is not running (next start in %.0f s)",
		    j->next_start - now);
		return 0;
	}
	if (j->e[0].pid <= 0 || j->e[0].stopping)
		return 1;	/* starting now */
	es.leader = j->e[0].pid;
	each_in_session(es.leader, count_stopped, &es);
	if (es.procs > 0 && es.stopped == es.procs) {
		seterr(err, "distccd (pid %ld) is stopped and takes no job",
		    (long)es.leader);
		return 0;
	}
	return 1;
}

/* Stops an engine that an earlier dcc-heartbeat left running (it was killed
 * with SIGKILL), and every job process of it. Only a process that is still
 * distccd and leads its own session is touched. */
void
jobs_stop_stale(struct jobs *j)
{
	char err[ERR_MAX], path[64];
	char *text, *cmd;
	size_t len;
	long pid;

	if ((text = file_read(j->pidfile, 64, NULL, err)) == NULL)
		return;
	text[strcspn(text, "\n")] = '\0';
	if (str_to_long(text, 2, INT_MAX, &pid) == 0) {
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		cmd = file_read(path, 65536, &len, err);
		if (cmd != NULL && len > 0 && getsid((pid_t)pid) == pid) {
			const char *base = strrchr(cmd, '/');
			base = base ? base + 1 : cmd;
			if (strcmp(base, "distccd") == 0) {
				log_warn("stopping distccd %ld left running by an "
				    "earlier dcc-heartbeat", pid);
				stop_session((pid_t)pid, STOP_WAIT);
			}
		}
		free(cmd);
	}
	free(text);
	unlink(j->pidfile);
}

/* Stops every engine and every process of their jobs, and reaps the
 * engines; for shutdown, once the job port has let its jobs finish. */
void
jobs_shutdown(struct jobs *j)
{
	size_t i;

	for (i = 0; i < JOBS_ENGINES; i++) {
		pid_t pid = j->e[i].pid > 0 ? j->e[i].pid : -j->e[i].pid;
		double deadline = now_monotonic() + STOP_WAIT;
		int status, gone = 0;

		if (pid == 0)
			continue;
		/* distccd takes its preforked children down with it; the
		 * compilers of cut-off jobs are stopped with the session. */
		kill(pid, SIGTERM);
		while (!(gone = waitpid(pid, &status, WNOHANG) == pid) &&
		    now_monotonic() < deadline)
			nap(10);
		stop_session(pid, gone ? 1 : 0);
		if (gone || waitpid(pid, &status, 0) == pid)
			log_info("distccd %ld stopped", (long)pid);
		engine_clear(&j->e[i]);
	}
	unlink(j->pidfile);
}

/* Frees j's memory; jobs_shutdown first if engines run. */
void
jobs_free(struct jobs *j)
{
	size_t i;

	for (i = 0; i < JOBS_ENGINES; i++)
		free(j->e[i].sig);
	if (j->cg.dir != NULL)
		cgroup_remove(&j->cg);
	free(j->pidfile);
	free(j->path);
	free(j->tmpdir);
	memset(j, 0, sizeof(*j));
	j->cg.fd = -1;
}

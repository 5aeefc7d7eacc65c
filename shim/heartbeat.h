/*
 * heartbeat.h — dcc-heartbeat's own code, grouped by the file that defines
 * it; the code it shares with dcc is in client.h.
 */
#ifndef DYNDISTCC_HEARTBEAT_H
#define DYNDISTCC_HEARTBEAT_H

#include <sys/resource.h>
#include <sys/types.h>

#include <pthread.h>

#include "client.h"

/* compilers.c — the compilers behind the masquerade directory's names */
#define DISTCC_WHITELIST_DIR	"/usr/lib/distcc"	/* distccd runs only these names */
struct compiler {
	char	*name;			/* "gcc", "arm-none-eabi-gcc" */
	char	*version;		/* "12.2.0"; NULL: no compiler */
	char	*target;		/* "x86_64-linux-gnu" */
	char	 fp[WIRE_FP_LEN + 1];	/* "" when distccd refuses the name */
	struct fp_target t;		/* what a job under the name runs */
	char	*tools[FP_TOOLS_MAX];	/* cc1, cc1plus, as it hashed */
	char	*sig;			/* stat signature when probed */
};
struct compilers {
	struct compiler	*v;		/* the compilers reported */
	size_t		 n;
	struct compiler	*off;		/* names with no compiler behind them */
	size_t		 noff;
	struct fp_table	 bins;		/* the binaries fingerprinted */
	const char	*whitelist;	/* DISTCC_WHITELIST_DIR, or a test's */
};
char	*compilers_search_path(const char *, const char *);
char	*compilers_distccd_path(const char *);
char	*compilers_which(const char *, const char *);
int	compilers_update(struct compilers *, const char *, const char *, int,
	    char *);
int	compilers_probe(const char *, const char *, int, struct compilers *,
	    char *);
int	compilers_refresh(struct compilers *, const char *, const char *, int);
const char *compilers_fp(const struct compilers *, const char *);
void	compilers_free(struct compilers *);

/* cgroup.c — a memory cgroup for the jobs */
struct cgroup {
	char		*dir;		/* the jobs' cgroup, or NULL */
	int		 v2;		/* cgroup v2, else v1 */
	int		 fd;		/* its cgroup.procs, for the engine */
	long long	 max;		/* its memory cap in bytes, 0: none */
};
int	cgroup_setup(const char *, const char *, const char *, long long,
	    struct cgroup *, char *);
int	cgroup_limit(struct cgroup *, long long, char *);
long long cgroup_usage(const struct cgroup *);
void	cgroup_remove(struct cgroup *);

/* jobs.c — the compile engine: a private distccd on 127.0.0.1 */
#define JOBS_ENGINES	4		/* one taking new jobs, the rest draining */
struct engine {
	pid_t		 pid;		/* 0: none; < 0: stopped, not reaped */
	int		 port;		/* on 127.0.0.1 */
	char		*sig;		/* the settings it runs with */
	double		 started;	/* monotonic */
	int		 conns;		/* job connections it serves */
	int		 stopping;	/* SIGTERM sent */
};
struct jobs {
	char		*pidfile;	/* <state_dir>/distccd.pid */
	char		*path;		/* PATH the engine runs with */
	char		*tmpdir;	/* TMPDIR of the jobs, or NULL: ours */
	int		 idle;		/* SCHED_IDLE, else nice */
	int		 nice;		/* absolute */
	int		 max;		/* distccd --jobs */
	struct engine	 e[JOBS_ENGINES];	/* e[0] takes new jobs */
	double		 next_start, backoff;
	unsigned long long cpu_done;	/* clock ticks of reaped engines */
	struct cgroup	 cg;		/* the jobs' memory cgroup */
};
void	strv_free(char **);
void	jobs_init(struct jobs *, const char *, const char *);
void	jobs_want(struct jobs *, int, int, int, const char *);
int	jobs_tmpdir_check(const char *, char *);
char	**jobs_argv(const struct jobs *, int);
int	jobs_port(const struct jobs *, pid_t *);
double	jobs_age(const struct jobs *, double);
int	jobs_ready(const struct jobs *, double, char *);
void	jobs_conn(struct jobs *, pid_t, int);
int	jobs_conns(const struct jobs *);
double	jobs_step(struct jobs *, double);
int	jobs_exited(struct jobs *, pid_t, int, const struct rusage *, double);
unsigned long long jobs_cpu(const struct jobs *);
void	jobs_stop_stale(struct jobs *);
void	jobs_shutdown(struct jobs *);
void	jobs_free(struct jobs *);

/* jobport.c — the job port: admission by member address, slots, relay */
struct conn;
struct pollfd;
struct sender {
	char		 addr[WIRE_ADDR_MAX];
	int		 running;
};
struct jobport {
	char		*listen;	/* address, or NULL for all */
	int		 port;
	int		 fd;		/* the listening socket, or -1 */
	int		 closed;	/* shutting down: no more listening */
	char		 error[ERR_MAX];	/* why it does not listen */
	double		 next_bind;
	char		**members;	/* canonical addresses, sorted */
	size_t		 nmembers;
	int		 limit;		/* jobs at once from other machines */
	double		 hold;		/* seconds an unknown address waits */
	struct conn	*conns;		/* in arrival order */
	int		 nconns, nunknown;
	int		 running;	/* relayed jobs from other machines */
	int		 all_running;	/* relayed jobs, these included */
	int		 peak;		/* most of `running` at once */
	unsigned long long served, refused;
	double		 want_checkin;	/* an unknown address waits, or 0 */
	int		 pl;		/* poll slot of the listening socket */
	int		 probe_fd, probe_pi;	/* the self-probe's connect */
	double		 probe_since;
	int		 probe_ports[4];	/* local ports of recent probes */
	unsigned	 probe_next;
	int		 probe_ok;	/* 1 accepted, 0 failed, -1 not yet */
	char		 probe_err[ERR_MAX];
	double		 log_window;	/* refusals logged in this minute */
	int		 log_count, log_suppressed;
};
void	jobport_init(struct jobport *, const char *, int);
void	jobport_configure(struct jobport *, const char *, int);
void	jobport_members(struct jobport *, char *const *, size_t, double,
	    double);
void	jobport_checkin_failed(struct jobport *, double, double);
size_t	jobport_pollfds(struct jobport *, struct pollfd *, size_t);
void	jobport_handle(struct jobport *, struct jobs *, const struct pollfd *,
	    double);
double	jobport_step(struct jobport *, struct jobs *, double);
void	jobport_probe(struct jobport *, double);
size_t	jobport_senders(const struct jobport *, struct sender *, size_t);
void	jobport_close(struct jobport *, double);
void	jobport_free(struct jobport *);
void	jobport_request(const char *, size_t, char *, size_t, char *, size_t);
#define JOBPORT_REQ_MAX		2048	/* request bytes kept for the log */
#define JOBPORT_POLL_MAX	(2 + 2 * 512)	/* entries jobport_pollfds adds */

/* health.c — the node's self-check */
struct health {
	char		*dir;		/* where canaries run */
	char		*tmpdir;	/* the jobs' temporary directory */
	long long	 min_free;	/* bytes it must have free */
	int		 interval;	/* seconds between passing rounds */
	int		 retry;		/* seconds between failing rounds */
	char		**names;	/* compilers to check */
	char		**ids;		/* what each resolves to, for changes */
	size_t		 n;
	pid_t		 pid;		/* the running canary, or 0 */
	size_t		 next;		/* the compiler it checks */
	int		 running;	/* a round is under way */
	int		 due;		/* start a round at the next chance */
	double		 started, next_run;
	int		 canary_ok;	/* 1 passed, 0 failed, -1 not yet */
	char		 canary_err[ERR_MAX];
	int		 tmp_ok;
	char		 tmp_err[ERR_MAX];
};
void	health_init(struct health *, const char *);
void	health_configure(struct health *, const char *, int, int);
void	health_compilers(struct health *, const struct compilers *);
int	health_watch(struct health *, const char *);
void	health_tmp(struct health *);
double	health_step(struct health *, const char *, const char *, int, int,
	    double);
int	health_exited(struct health *, pid_t, int, double);
void	health_again(struct health *);
void	health_verdict(const struct health *, int, const char *, int *, char *,
	    size_t);
void	health_free(struct health *);

/* lend.c — the slots this machine offers now */
struct lend {
	int		 idle_mode;	/* lend only while the owner is idle */
	int		 threshold;	/* owner busy above this % of all CPUs */
	int		 after;		/* seconds idle before lending again */
	unsigned long long busy, total, jobs;	/* the last sample, ticks */
	int		 have;		/* there is a last sample */
	double		 prev;		/* its time */
	double		 busy_since, idle_since;
	int		 owner_busy;
	double		 owner_pct;	/* the owner's use, % of all CPUs */
};
void	lend_configure(struct lend *, int, int, int);
int	lend_sample(struct lend *, unsigned long long, unsigned long long,
	    unsigned long long, double);
int	lend_mem_slots(long long, long long, int, int);
int	lend_slots(int, int, int, int, int);

/* checkin.c — check-in and check-out */
struct checkin {
	const char	*project, *node, *secret, *hostname, *owner, *version;
	const char	*addr;		/* advertised "ADDR[:PORT]", or NULL */
	int		 cores, nice, port;
	int		 slots_set, slots;	/* offered now */
	const char	*sched;		/* "idle", "nice", or NULL */
	const char	*admission;	/* "live", "allow", or NULL */
	double		 load[3];
	const struct compilers *compilers;
	int		 health_set, health_ok;
	const char	*health_reason;
	int		 jobs_set, running;
	unsigned long long served;
	const struct sender *senders;
	size_t		 nsenders;
};
/* One check-in for the worker thread: the request, then the result. */
struct checkin_call {
	struct client_config cfg;	/* server, key, source, CA and pin only */
	char		*body;
	long		 timeout_ms;
	double		 started;	/* monotonic, when handed over */
	int		 rc;
	long		 status;
	struct hostlist	 hl;
	char		 secret[WIRE_SECRET_LEN + 1];
	char		 err[ERR_MAX];
};
struct checkin_worker {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 efd;		/* readable when a call is done */
	struct checkin_call *call, *done;
	int		 busy, quit, started;
};
char	*checkin_url(const char *, const char *);
char	*checkin_body(const struct checkin *);
int	checkin_post(const struct client_config *, const char *, long,
	    struct hostlist *, long *, char *, char *);
int	checkin_secret_refused(long, const char *);
int	checkin_checkout(const struct client_config *, const char *,
	    const char *, long, char *);
int	checkin_worker_start(struct checkin_worker *, char *);
void	checkin_worker_submit(struct checkin_worker *, struct checkin_call *);
struct checkin_call *checkin_worker_result(struct checkin_worker *);
void	checkin_worker_stop(struct checkin_worker *);
void	checkin_call_free(struct checkin_call *);

/* beat.c — dcc-heartbeat's loop */
struct beat {
	struct client_config cfg;
	const char	*cfgpath;
	char		 node[WIRE_NODE_ID_LEN + 1];
	char		 secret[WIRE_SECRET_LEN + 1];	/* "" until bound */
	char		*hostname, *owner;
	char		*search;	/* PATH without the masquerade dir */
	char		*hosts_path;	/* <state_dir>/hosts */
	char		*last_hosts;	/* last distcc_hosts line, for logging */
	char		*tmpdir;	/* the jobs' temporary directory */
	int		 cores;
	struct compilers compilers;
	int		 port_on;	/* the job port runs (manage_distccd) */
	struct jobport	 jp;
	struct jobs	 jobs;
	struct health	 health;
	struct lend	 lend;
	struct checkin_worker worker;
	struct checkin_call call;	/* the one in flight */
	int		 inflight;
	int		 heartbeat;	/* seconds, from the last reply */
	int		 refresh_after;	/* seconds, from the last reply */
	double		 next_checkin;	/* the regular one, monotonic */
	double		 last_start;	/* of the last check-in */
	int		 soon;		/* check in again as soon as allowed */
	double		 live_gap;	/* seconds between check-ins for the port */
	double		 addr_at;	/* an address changed then, or 0 */
	double		 next_tick;	/* the once-a-second sampling */
	double		 outage_since;	/* first failed check-in, or 0 */
	double		 retry;		/* current retry delay */
	long		 last_status;	/* HTTP status of the last failure */
	unsigned long	 checkins;	/* successful ones */
	long long	 mem_avail, mem_total, mem_cap;	/* bytes */
	int		 slots;		/* offered now */
	int		 mem_slots;	/* the memory rule's part, every beat */
	int		 sent_slots;	/* in the last check-in, -1 none */
	int		 sent_ok;	/* health in the last check-in */
	char		 sent_reason[WIRE_REASON_MAX + 1];
	int		 health_ok;
	char		 health_reason[WIRE_REASON_MAX + 1];
	int		 engine_ok;	/* distccd takes jobs (jobs_ready) */
	char		 engine_err[ERR_MAX];
	double		 grace_until;	/* members may hold older lists */
	int		 grace_slots;	/* the most slots they may have seen */
	int		 sfd;		/* signalfd */
	int		 nlfd;		/* netlink: address changes, or -1 */
};
double	beat_jitter(int, double);
double	beat_backoff(double, int);
int	beat_config(struct client_config *, const char *, char *);
int	beat_init(struct beat *, struct client_config *, const char *, char *);
int	beat_signals(struct beat *, char *);
int	beat_once(struct beat *, char *);
int	beat_run(struct beat *);
void	beat_free(struct beat *);

#endif

/*
 * heartbeat.h — dcc-heartbeat's own code, grouped by the file that defines
 * it; the code it shares with dcc is in client.h.
 */
#ifndef DYNDISTCC_HEARTBEAT_H
#define DYNDISTCC_HEARTBEAT_H

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

/* distccd.c — run and supervise distccd */
#define DISTCCD_IDLE_WAIT	30	/* seconds a restart waits for idle */
struct distccd {
	char	*pidfile;		/* <state_dir>/distccd.pid */
	char	*path;			/* PATH distccd runs with */
	char	*listen;		/* --listen, or NULL for all */
	int	 port, jobs, nice;	/* nice is absolute */
	char	**allow;		/* "ADDR/BITS", sorted, unique */
	size_t	 nallow;
	int	 idle_wait;		/* DISTCCD_IDLE_WAIT */
	pid_t	 pid;			/* running distccd, or 0 */
	char	*running;		/* its command line */
	char	*running_base;		/* the same without --allow pairs */
	double	 started;		/* monotonic */
	double	 change_since;		/* a restart has waited since, or 0 */
	double	 next_start;		/* no start before (crash backoff) */
	double	 backoff;		/* seconds, doubling up to 60 */
};
int	distccd_allow_entry(const char *, char *, size_t);
void	distccd_init(struct distccd *, const char *, const char *);
void	distccd_want(struct distccd *, const char *, int, int, int);
void	distccd_allow(struct distccd *, char *const *, size_t);
char	**distccd_argv(const struct distccd *);
void	distccd_argv_free(char **);
int	distccd_connections(const char *, int);
void	distccd_stop_stale(struct distccd *);
double	distccd_step(struct distccd *, double);
int	distccd_exited(struct distccd *, pid_t, int, double);
void	distccd_stop(struct distccd *);
void	distccd_shutdown(struct distccd *, double);
void	distccd_free(struct distccd *);

/* checkin.c — check-in and check-out */
struct checkin {
	const char	*project, *node, *hostname, *owner, *version;
	const char	*addr;		/* advertised "ADDR[:PORT]", or NULL */
	int		 cores, nice, port;
	double		 load[3];
	const struct compilers *compilers;
};
char	*checkin_url(const char *, const char *);
char	*checkin_body(const struct checkin *);
int	checkin_post(const struct client_config *, const char *, long,
	    struct hostlist *, long *, char *);
int	checkin_checkout(const struct client_config *, const char *, long,
	    char *);

/* beat.c — dcc-heartbeat's loop */
struct beat {
	struct client_config cfg;
	const char	*cfgpath;
	char		 node[WIRE_NODE_ID_LEN + 1];
	char		*hostname, *owner;
	char		*search;	/* PATH without the masquerade dir */
	char		*hosts_path;	/* <state_dir>/hosts */
	char		*last_hosts;	/* last distcc_hosts line, for logging */
	int		 cores;
	struct compilers compilers;
	struct distccd	 distccd;
	int		 heartbeat;	/* seconds, from the last reply */
	double		 next_checkin;	/* monotonic */
	double		 outage_since;	/* first failed check-in, or 0 */
	double		 retry;		/* current retry delay */
	long		 last_status;	/* HTTP status of the last failure */
	unsigned long	 checkins;	/* successful ones */
	int		 sfd;		/* signalfd */
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

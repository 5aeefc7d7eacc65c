/*
 * shim.h — internal interfaces of the clients, dcc and dcc-heartbeat,
 * grouped by file.
 */
#ifndef DYNDISTCC_SHIM_H
#define DYNDISTCC_SHIM_H

#include <sys/types.h>

#include <stddef.h>

#include "util.h"

#define CLIENT_CONFIG_PATH "/etc/dyndistcc/client.conf"
#define DEFAULT_STATE_DIR "/var/lib/dyndistcc"
#define DEFAULT_MASQUERADE_DIR "/usr/lib/dyndistcc"
#define DEFAULT_SERVER_PORT 33333
#define DISTCCD_DEFAULT_PORT 3632

/* Client configuration: /etc/dyndistcc/client.conf, `key value` lines. */
struct client_config {
	char	*server;		/* URL, "http://10.0.0.2:33333" */
	char	*project;
	char	*key;			/* the project's join key, or NULL */
	int	 nice;			/* distccd --nice, -20..19 (default 10) */
	int	 cores;			/* 0: what the machine really has */
	char	*state_dir;		/* node-id and hosts (DEFAULT_STATE_DIR) */
	char	*source;		/* local address to check in from, or NULL */
	char	*advertise;		/* "ADDR[:PORT]" for NAT, or NULL */
	int	 distccd_port;		/* 3632 */
	char	*distccd_listen;	/* address distccd binds, or NULL for all */
	int	 manage_distccd;	/* run and supervise distccd (default 1) */
	char	*masquerade_dir;	/* DEFAULT_MASQUERADE_DIR */
	char	*distcc_hosts_file;	/* also keep this distcc hosts file, or NULL */
	char	*owner;			/* shown on the panel (default: login name) */
};

/* The server's reply to a check-in or a host-list request (DESIGN.md). */
struct hostlist {
	char	*project;
	int	 heartbeat;		/* seconds between check-ins */
	int	 refresh_after;		/* seconds a cached list stays fresh */
	int	 ttl;			/* seconds until a silent node drops out */
	char	*distcc_hosts;		/* "localhost/4 10.0.0.7/16 …" */
	int	 pool_threads;
	char	**members;		/* addresses of the online members */
	size_t	 nmembers;
};

struct http_request {
	const char	*method;	/* "GET", "POST" */
	const char	*url;
	const char	*key;		/* sent as Authorization: Bearer, or NULL */
	const char	*body;		/* JSON body, or NULL */
	const char	*source;	/* local address to bind, or NULL */
	const char	*accept;	/* Accept header, or NULL */
	long		 connect_ms;
	long		 total_ms;
};

struct http_response {
	long	 status;
	char	*body;			/* NUL-terminated */
	size_t	 len;
};

/* config.c */
void	config_defaults(struct client_config *);
int	config_load(struct client_config *, const char *, int, char *);
void	config_apply_env(struct client_config *);
void	config_free(struct client_config *);
/* Sets one key from its text value (as in the file); 0, or -1 with err. */
int	config_set(struct client_config *, const char *, const char *, char *);
/* Does the string match [A-Za-z0-9._-]{1,64}, the shape of project names? */
int	config_valid_name(const char *);

/* http.c */
int	http_request(const struct http_request *, struct http_response *, char *);
void	http_response_free(struct http_response *);

/* lazylib.c — shared libraries loaded on first use (libcurl, libcjson), so
 * a dcc that never talks to the server never pays for them */
struct lazylib_sym {
	const char	*name;
	void		**fn;		/* where the symbol's address goes */
};
int	lazylib_load(const char *, const struct lazylib_sym *, size_t, char *);

/* hostlist.c */
int	hostlist_parse(const char *, size_t, struct hostlist *, char *);
void	hostlist_free(struct hostlist *);
/* Is the string a safe distcc hosts line: at most HOSTS_MAX bytes of
 * [A-Za-z0-9.:/_[]-] and spaces, at least one host, each word localhost[/N],
 * HOST[:PORT][/N] or [IPv6][:PORT][/N]? Nothing else may reach distcc. */
int	hostlist_hosts_valid(const char *);
/* The pool size of a hosts line, as `distcc -j` counts it; -1 if invalid. */
long	hostlist_threads(const char *);
/* Copies the "error" text of a JSON error reply into out (empty if none). */
void	hostlist_error(const char *, size_t, char *, size_t);
#define HOSTS_MAX	(32 * 1024)

/* cache.c — host-list files in distcc's own syntax, with one metadata line:
 *   # dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000
 *   localhost/4 10.0.0.7/16 10.0.0.9:3700/8
 * so plain distcc (DISTCC_DIR) reads them too. */
int	cache_write(const char *, const struct hostlist *, char *);
int	cache_read(const char *, struct hostlist *, double *, char *);

/* sysinfo.c — what this machine can lend */
int	sysinfo_affinity_cpus(void);
int	sysinfo_cpu_max_parse(const char *, int *);
int	sysinfo_cgroup_cpus(const char *, const char *);
int	sysinfo_cores(void);
void	sysinfo_load(double[3]);
char	*sysinfo_hostname(void);
char	*sysinfo_owner(void);

/* nodeid.c — <state_dir>/node-id, 32 lowercase hex, created once */
#define NODEID_LEN	32
int	nodeid_valid(const char *);
int	nodeid_generate(char[NODEID_LEN + 1], char *);
int	nodeid_load(const char *, char[NODEID_LEN + 1], char *);

/* compilers.c — the compilers behind the masquerade directory's names */
struct compiler {
	char	*name;			/* "gcc", "arm-none-eabi-gcc" */
	char	*version;		/* "12.2.0" */
	char	*target;		/* "x86_64-linux-gnu" */
};
struct compilers {
	struct compiler	*v;
	size_t		 n;
};
char	*compilers_search_path(const char *, const char *);
char	*compilers_which(const char *, const char *);
int	compilers_probe(const char *, const char *, int, struct compilers *,
	    char *);
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
	char		 node[NODEID_LEN + 1];
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

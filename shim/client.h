/*
 * client.h — the code both clients share, dcc and dcc-heartbeat, grouped by
 * the file that defines it. The heartbeat's own code is in heartbeat.h,
 * dcc's in dcc.h; what all three programs share is in util.h and wire.h.
 */
#ifndef DYNDISTCC_CLIENT_H
#define DYNDISTCC_CLIENT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>

#include "util.h"
#include "wire.h"

#define CLIENT_CONFIG_PATH "/etc/dyndistcc/client.conf"
#define DEFAULT_STATE_DIR "/var/lib/dyndistcc"
#define DEFAULT_MASQUERADE_DIR "/usr/lib/dyndistcc"

/* config.c — /etc/dyndistcc/client.conf, `key value` lines. */
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

void	config_defaults(struct client_config *);
int	config_load(struct client_config *, const char *, int, char *);
int	config_parse(struct client_config *, char *, const char *, char *);
void	config_apply_env(struct client_config *);
void	config_free(struct client_config *);
/* Sets one key from its text value (as in the file); 0, or -1 with err. */
int	config_set(struct client_config *, const char *, const char *, char *);
void	config_print(FILE *, struct client_config *);

/* http.c — one bounded HTTP request with libcurl. */
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

int	http_request(const struct http_request *, struct http_response *, char *);
void	http_response_free(struct http_response *);

/* lazylib.c — shared libraries loaded on first use (libcurl, libcjson), so
 * a dcc that never talks to the server never pays for them */
struct lazylib_sym {
	const char	*name;
	void		**fn;		/* where the symbol's address goes */
};
int	lazylib_load(const char *, const struct lazylib_sym *, size_t, char *);

/* hostlist.c — the server's reply to a check-in or a host-list request
 * (README.md, "API"). */
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

int	hostlist_parse(const char *, size_t, struct hostlist *, char *);
void	hostlist_free(struct hostlist *);
/* Copies the "error" text of a JSON error reply into out (empty if none). */
void	hostlist_error(const char *, size_t, char *, size_t);

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

/* nodeid.c — <state_dir>/node-id, 32 hex digits, created once by the
 * heartbeat and read by dcc */
int	nodeid_generate(char[WIRE_NODE_ID_LEN + 1], char *);
int	nodeid_read(const char *, char[WIRE_NODE_ID_LEN + 1], char *);
int	nodeid_load(const char *, char[WIRE_NODE_ID_LEN + 1], char *);

#endif

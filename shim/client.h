/*
 * client.h — the code both clients share, dcc and dcc-heartbeat, grouped by
 * the file that defines it. The heartbeat's own code is in heartbeat.h,
 * dcc's in dcc.h; what all three programs share is in util.h and wire.h.
 */
#ifndef DYNDISTCC_CLIENT_H
#define DYNDISTCC_CLIENT_H

#include <sys/stat.h>
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
	int	 nice;			/* jobs' nice with sched nice, -20..19 (10) */
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
	char	*server_ca;		/* PEM file that verifies the server */
	char	*server_pin;		/* "sha256//<base64>" of its public key */
	char	*compression;		/* "none" or "lzo": distcc's ,lzo */
	char	*sched;			/* how jobs run: "idle" or "nice" */
	char	*lend;			/* "always" or "idle" (while the owner is) */
	int	 lend_share;		/* % of the cores lent at most */
	int	 lend_floor;		/* slots still lent while the owner is busy */
	int	 lend_idle_cpu;		/* owner busy above this % of all CPUs */
	int	 lend_idle_after;	/* seconds idle before lending again */
	int	 job_memory;		/* MiB a job may need; 0: no memory rule */
	char	*jobs_memory_max;	/* cap of all jobs: "75%", "8G", "none" */
	char	*jobs_tmpdir;		/* where jobs write temporary files */
	int	 jobs_tmp_min_free;	/* MiB free there for a healthy node */
	int	 canary_interval;	/* seconds between canary compiles */
};

void	config_defaults(struct client_config *);
int	config_load(struct client_config *, const char *, int, char *);
int	config_parse(struct client_config *, char *, const char *, char *);
void	config_apply_env(struct client_config *);
void	config_free(struct client_config *);
/* Sets one key from its text value (as in the file); 0, or -1 with err. */
int	config_set(struct client_config *, const char *, const char *, char *);
void	config_print(FILE *, struct client_config *);
int	config_memory_parse(const char *, long long *, int *, char *);

/* http.c — one bounded HTTP request with libcurl. */
struct http_request {
	const char	*method;	/* "GET", "POST" */
	const char	*url;
	const char	*key;		/* sent as Authorization: Bearer, or NULL */
	const char	*body;		/* JSON body, or NULL */
	const char	*source;	/* local address to bind, or NULL */
	const char	*accept;	/* Accept header, or NULL */
	const char	*ca;		/* CA file for https://, or NULL */
	const char	*pin;		/* pinned server key, or NULL */
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

/* fingerprint.c — what runs when a job is sent under a compiler name, and
 * its fingerprint (README.md, "Compilers"). */
#ifndef DISTCC_GNU_HOST		/* the GNU triple distcc was built for */
#define DISTCC_GNU_HOST	"x86_64-pc-linux-gnu"
#endif
#define FP_WIRE_MAX	160	/* a compiler name as distcc sends it */
#define FP_ID_MAX	96	/* "dev:ino:size:mtime_ns" of a binary */
#define FP_TOOLS_MAX	3	/* cc1, cc1plus, as */
#define FP_TABLE_MAX	64	/* binaries in one table */

struct fp_target {		/* what a name runs here */
	char	 wire[FP_WIRE_MAX];	/* the name distcc sends */
	char	*path;			/* the binary it resolves to */
	char	 id[FP_ID_MAX];		/* that binary's identity */
	int	 norewrite;		/* distcc's rewrite must be off */
};
struct fp_result {
	char	 fp[WIRE_FP_LEN + 1];
	char	*tools[FP_TOOLS_MAX];	/* cc1, cc1plus, as it hashed, or NULL */
};
struct fp_bin {			/* one fingerprinted binary */
	char	 fp[WIRE_FP_LEN + 1];
	char	 wire[FP_WIRE_MAX];
	char	 id[FP_ID_MAX];
	char	*path;
};
struct fp_table {
	struct fp_bin	*v;
	size_t		 n;
};

int	fp_identity(const char *, char *, struct stat *);
int	fp_identity_valid(const char *);
char	*fp_which(const char *, const char *);
int	fp_target(const char *, const char *, int, struct fp_target *,
	    char *);
void	fp_target_free(struct fp_target *);
int	fp_run(char *const[], const char *, int, int, char *, size_t);
int	fp_describe(const char *, const char *, int, char *, char *);
int	fp_compute(const struct fp_target *, const char *, int,
	    struct fp_result *, char *);
void	fp_result_free(struct fp_result *);
void	fp_hash_buffer(const void *, size_t, char *);
int	fp_bin_parse(char *, struct fp_bin *);
void	fp_table_add(struct fp_table *, const char *, const char *,
	    const char *, const char *);
const char *fp_table_find(const struct fp_table *, const char *, const char *);
void	fp_table_free(struct fp_table *);

/* hostlist.c — the server's reply to a check-in or a host-list request
 * (README.md, "API"). */
struct hostlist_fp {		/* the hosts line of one compiler */
	char	 fp[WIRE_FP_LEN + 1];
	char	*hosts;
	int	 threads;
};

struct hostlist {
	char	*project;
	int	 heartbeat;		/* seconds between check-ins */
	int	 refresh_after;		/* seconds a cached list stays fresh */
	int	 ttl;			/* seconds until a silent node drops out */
	char	*distcc_hosts;		/* "localhost/4 10.0.0.7/16 …" */
	int	 pool_threads;
	int	 pool_busy;		/* jobs running on them now (1.1) */
	char	**members;		/* addresses of the online members */
	size_t	 nmembers;
	int	 compilers;		/* the server sent per-compiler lists */
	struct hostlist_fp *fps;
	size_t	 nfps;
};

int	hostlist_parse(const char *, size_t, struct hostlist *, char *);
void	hostlist_free(struct hostlist *);
const struct hostlist_fp *hostlist_fp(const struct hostlist *, const char *);
void	hostlist_add_fp(struct hostlist *, const char *, const char *, int);
char	*hostlist_options(const char *, const char *);
struct member_compiler {	/* one compiler a member reported */
	char	*name, *version, *target;
	char	 fp[WIRE_FP_LEN + 1];	/* "" when it reported none */
};
struct member {			/* a node of GET /api/v1/nodes */
	char	*id, *hostname, *owner, *addr, *state, *version;
	int	 port;
	int	 healthy;		/* its self-check passes (or it sent none) */
	char	*reason;		/* why not, or "" */
	struct member_compiler *compilers;
	size_t	 ncompilers;
};
int	hostlist_members(const char *, size_t, struct member **, size_t *,
	    char *);
void	hostlist_members_free(struct member *, size_t);
/* Copies the "error" text of a JSON error reply into out (empty if none). */
void	hostlist_error(const char *, size_t, char *, size_t);

/* cache.c — host-list files in distcc's own syntax, with metadata comments
 * first (README.md, "Files"):
 *   # dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=40 pool_busy=9 compilers=1 fetched=1764161000
 *   # dyndistcc-fp <fp> threads=32 localhost/16 10.0.0.7/16
 *   # dyndistcc-bin <fp> x86_64-linux-gnu-gcc <dev:ino:size:mtime_ns> /usr/bin/x86_64-linux-gnu-gcc-12
 *   localhost/16 10.0.0.7/16 10.0.0.9:3700/8
 * so plain distcc (DISTCC_DIR) reads them too; and dcc's own table of the
 * compilers it fingerprinted (<cache_dir>/compilers). */
int	cache_write(const char *, const struct hostlist *,
	    const struct fp_table *, const char *, char *);
int	cache_read(const char *, struct hostlist *, double *, struct fp_table *,
	    char *);
int	cache_write_bins(const char *, const struct fp_table *, char *);
int	cache_read_bins(const char *, struct fp_table *, char *);

/* sysinfo.c — what this machine can lend */
int	sysinfo_affinity_cpus(void);
int	sysinfo_cpu_max_parse(const char *, int *);
int	sysinfo_cgroup_cpus(const char *, const char *);
int	sysinfo_cores(void);
void	sysinfo_load(double[3]);
char	*sysinfo_hostname(void);
char	*sysinfo_owner(void);
int	sysinfo_memory(long long *, long long *);
int	sysinfo_cpu_ticks(unsigned long long *, unsigned long long *);

/* nodeid.c — <state_dir>/node-id, 32 hex digits, created once by the
 * heartbeat and read by dcc; <state_dir>/node-secret (0600), the secret the
 * server bound to that id */
int	nodeid_generate(char[WIRE_NODE_ID_LEN + 1], char *);
int	nodeid_read(const char *, char[WIRE_NODE_ID_LEN + 1], char *);
int	nodeid_load(const char *, char[WIRE_NODE_ID_LEN + 1], char *);
int	nodeid_renew(const char *, char[WIRE_NODE_ID_LEN + 1], char *);
int	nodeid_secret_read(const char *, char *, char *);
int	nodeid_secret_write(const char *, const char *, char *);

#endif

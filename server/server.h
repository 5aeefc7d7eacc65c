/*
 * server.h — internal interfaces of dyndistcc-server, grouped by file.
 *
 * Concurrency: the HTTP handlers run on libmicrohttpd's worker threads; the
 * main thread runs the once-a-second sweep. Every piece of shared state (the
 * in-memory registry and the one SQLite connection) is behind the single
 * lock in store.c, held only for a few microseconds per request.
 */
#ifndef DYNDISTCC_SERVER_H
#define DYNDISTCC_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../shim/util.h"
#include "../shim/wire.h"

/* A file of the control panel, built into the binary (see www-embed.sh). */
struct asset {
	const char *name;
	const char *start;
	const char *end;
};

/* assets.c (generated) */
extern const struct asset assets[];

/* buf.c — a growing byte string; `s` is always NUL-terminated. */
struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};
void	buf_init(struct buf *);
void	buf_free(struct buf *);
void	buf_add(struct buf *, const char *, size_t);
void	buf_puts(struct buf *, const char *);
void	buf_printf(struct buf *, const char *, ...) ATTR_PRINTF(2, 3);
void	buf_json_str(struct buf *, const char *);
char   *buf_take(struct buf *, size_t *);

/* conf.c — server.conf; flags win over the file. */
struct server_config {
	char	*listen;
	int	 port;
	char	*db;
	char	*admin_token;
	int	 heartbeat;
	int	 ttl;
	int	 refresh_after;
	int	 legacy_ttl;
	int	 purge_after;
	int	 max_nodes;		/* per project */
	int	 threads;
	int	 max_connections;
	int	 max_connections_per_ip;
	int	 connection_timeout;
	int	 request_timeout;
	char	*server_names;		/* blank-separated, or NULL */
	char	*tls_cert, *tls_key;	/* PEM files, or NULL: plain HTTP */
	char	*pid_file;
};
void	conf_defaults(struct server_config *);
int	conf_set(struct server_config *, const char *, const char *, char *);
int	conf_load(struct server_config *, const char *, char *);
int	conf_parse(struct server_config *, char *, const char *, char *);
int	conf_check(const struct server_config *, char *);
void	conf_print(FILE *, struct server_config *);
void	conf_free(struct server_config *);
int	conf_restart_keys(const struct server_config *,
	    const struct server_config *, char *, size_t);

/* validate.c — everything a client sends is checked here first. */
struct compiler {
	char	name[WIRE_TEXT_MAX + 1];
	char	version[WIRE_TEXT_MAX + 1];
	char	target[WIRE_TEXT_MAX + 1];
};
struct checkin {
	char	project[WIRE_NAME_MAX + 1];
	char	node[WIRE_NODE_ID_LEN + 1];
	char	hostname[WIRE_TEXT_MAX + 1];
	char	owner[WIRE_TEXT_MAX + 1];
	char	version[WIRE_TEXT_MAX + 1];
	char	addr[WIRE_ADDR_MAX];	/* canonical; "" = use the peer's */
	int	cores;
	int	nice;
	int	port;
	double	load[3];
	int	ncompilers;
	struct compiler compilers[WIRE_COMPILERS_MAX];
};
int	checkin_parse(const char *, size_t, struct checkin *, char *);
int	checkout_parse(const char *, size_t, char *, char *, char *);
int	project_parse(const char *, size_t, char *, int *, char *);
char   *compilers_json(const struct checkin *);

/* auth.c */
#define ADMIN_TOKEN_LEN	64		/* hex digits of a generated one */
void	auth_new_key(char *);
int	auth_equal(const char *, const char *);
char   *auth_admin_token(const struct server_config *, int *, char *);

/* tls.c — the certificate and its pin. */
#define TLS_PIN_MAX	64		/* "sha256//" + 44 base64 + NUL */
struct tls_files {
	char	*cert, *key;		/* PEM text, or NULL: plain HTTP */
	char	 pin[TLS_PIN_MAX];
	int64_t	 not_after;
};
void	tls_sha256(const void *, size_t, unsigned char[32]);
void	tls_base64(const unsigned char *, size_t, char *);
int	tls_cert_parse(const unsigned char *, size_t, const unsigned char **,
	    size_t *, int64_t *, int64_t *, char *);
int	tls_pem_pin(const char *, char *, int64_t *, int64_t *, char *);
int	tls_load(const struct server_config *, struct tls_files *, char *);
void	tls_files_free(struct tls_files *);

/* conns.c — open connections: request deadlines, fair limits. */
struct conn;
void	conns_configure(int, int, int);
struct conn *conns_open(int, uint64_t, double);
void	conns_busy(struct conn *);
void	conns_idle(struct conn *, double);
void	conns_close(struct conn *);
int	conns_sweep(double);
void	conns_stats(int *, unsigned long *, unsigned long *, unsigned long *);

/* hosts.c — the distcc hosts line, from validated numbers only. */
struct host_entry {
	const void *who;		/* identity of the node (opaque) */
	char	addr[WIRE_ADDR_MAX];
	int	port;
	int	cores;
	double	spare;			/* cores − load, the sort key */
	int	loopback;
	int	addr_first;		/* set by hosts_sort: lists the address */
	const void *alias;		/* set by hosts_sort on dropped entries */
	size_t	off[2], len[2];		/* set by hosts_prerender */
};
struct host_lines {			/* [0]: remote, [1]: loopback requesters */
	struct buf line[2];
	struct buf members[2];
	int	threads[2];
};
struct host_self {
	const void *who;		/* NULL when the requester is no node */
	const char *addr;		/* may be NULL */
	int	port;
	int	cores;
	int	loopback_ok;		/* requester is on loopback itself */
};
size_t	hosts_sort(struct host_entry *, size_t);
void	hosts_prerender(struct host_entry *, size_t, struct host_lines *);
int	hosts_splice(const struct host_entry *, const struct host_lines *, long,
	    int, int, struct buf *, struct buf *);
void	host_lines_free(struct host_lines *);
int	hosts_render(const struct host_entry *, size_t, const struct host_self *,
	    struct buf *, struct buf *);

/* history.c — pool size samples per project for the panel's chart. */
#define HISTORY_WINDOW	3600
#define HISTORY_MAX	720
struct history_sample {
	int64_t	t;
	int	threads;
	int	nodes;
};
struct history {
	struct history_sample *v;	/* ring buffer */
	size_t	head, n, cap;
};
void	history_add(struct history *, int64_t, int, int);
void	history_json(const struct history *, int64_t, struct buf *);
void	history_free(struct history *);

/* db.c — SQLite: schema, migrations, prepared statements. */
struct db_node {
	int64_t	project_id;
	const char *id, *addr, *hostname, *owner, *version, *compilers;
	int	port, cores, nice, legacy;
	int64_t	first_seen, last_seen;
	int	gone;			/* offline at the last shutdown */
};
struct db_project {
	int64_t	id;
	const char *name;
	const char *key;		/* NULL for open projects */
	int64_t	created;
};
enum db_status { DB_OK = 0, DB_BUSY = -2, DB_EXISTS = -3, DB_ERROR = -1 };
int	db_open(const char *, char *);
void	db_close(void);
int	db_ping(void);
int	db_load(void (*)(const struct db_project *, void *),
	    void (*)(const struct db_node *, void *), void *, char *);
int	db_project_insert(const char *, const char *, int64_t, int64_t *, char *);
int	db_project_delete(int64_t, char *);
int	db_node_upsert(const struct db_node *, char *);
int	db_node_delete(int64_t, const char *, char *);
int	db_begin(char *);
int	db_commit(char *);
void	db_rollback(void);
int	db_node_touch(int64_t, const char *, int64_t, int, char *);
char   *db_setting_get(const char *, char *);
int	db_setting_put(const char *, const char *, char *);

/* legacy.c — the predecessor's API, for its bash client. */
struct legacy_query {
	char	hash[WIRE_NAME_MAX + 1];
	char	project[WIRE_NAME_MAX + 1];
	char	username[WIRE_TEXT_MAX + 1];
	char	version[WIRE_TEXT_MAX + 1];
	char	name[WIRE_NAME_MAX + 1];
	int	threads;
	unsigned present;		/* LQ_* bits */
};
#define LQ_HASH		0x01
#define LQ_PROJECT	0x02
#define LQ_USERNAME	0x04
#define LQ_VERSION	0x08
#define LQ_THREADS	0x10
#define LQ_NAME		0x20
int	legacy_parse(const char *, struct legacy_query *, char *);
void	legacy_node_id(const char *, char *);

/* store.c — the registry: projects and nodes in memory, written through. */
enum store_result {
	ST_OK = 0, ST_INVALID, ST_UNAUTHORIZED, ST_FORBIDDEN, ST_NOT_FOUND,
	ST_EXISTS, ST_BUSY, ST_ERROR
};
struct store_auth {
	const char *bearer;		/* Authorization: Bearer value or NULL */
	int	admin;			/* bearer is the admin token: opens all */
};
struct hosts_reply {
	char	project[WIRE_NAME_MAX + 1];
	struct buf line;		/* distcc hosts line, no newline */
	struct buf members;		/* JSON array body: "a","b" */
	int	threads;
};
int	store_open(const struct server_config *, char *);
void	store_close(void);
int	store_ping(void);
enum store_result store_checkin(const struct checkin *, const char *,
	    const struct store_auth *, int, struct hosts_reply *, char *);
enum store_result store_checkout(const char *, const char *,
	    const struct store_auth *, char *);
enum store_result store_hosts(const char *, const char *, int, int,
	    const struct store_auth *, struct hosts_reply *, char *);
enum store_result store_project_create(const char *, int, char *, char *);
enum store_result store_project_delete(const char *, int, char *);
enum store_result store_node_delete(const char *, int, char *);
enum store_result store_legacy_checkin(const struct legacy_query *,
	    const char *, struct hosts_reply *, char *);
void	hosts_reply_init(struct hosts_reply *);
void	hosts_reply_free(struct hosts_reply *);

/* store.c — the registry's internals, for view.c and sweep.c. Use them
 * only between store_lock() and store_unlock(). */
struct project;
struct node {
	struct project *proj;
	struct node *hnext;		/* hash chain */
	size_t	 idx;			/* in proj->nodes */
	char	 id[WIRE_NODE_ID_LEN + 1];
	char	 addr[WIRE_ADDR_MAX];
	int	 port, cores, nice, legacy;
	double	 load[3];
	char	*hostname, *owner, *version, *compilers;
	int64_t	 first_seen, last_seen;	/* wall clock, seconds */
	double	 seen;			/* monotonic; < 0: not since start */
	int	 online;		/* as last reported */
	long	 cache_idx;		/* its entry in proj->cache, or -1 */
};

struct project {
	struct project *next;
	int64_t	 id;
	char	 name[WIRE_NAME_MAX + 1];
	char	 key[WIRE_KEY_LEN + 1];	/* "" for open projects */
	int64_t	 created;
	struct node **nodes;
	size_t	 n, cap;
	struct node **tab;		/* hash of nodes by id */
	size_t	 tabsize;
	struct host_entry *cache;	/* online members, sorted */
	size_t	 ncache, cachecap;
	struct host_lines lines;	/* the cache, rendered */
	double	 cache_built;
	int	 cache_valid;
	struct history hist;
	int	 hist_threads, hist_nodes;
	int64_t	 hist_t;
};
void	store_lock(void);
void	store_unlock(void);
struct project *store_projects(void);
size_t	store_nprojects(void);
const struct server_config *store_config(void);
struct project *store_find(const char *);
int	store_node_online(const struct node *, double);
void	store_project_counts(const struct project *, double, int *, int *);
void	store_node_remove(struct node *);
int	store_db_usable(double, char *);
enum store_result store_db_result(int, double);

/* view.c — the registry rendered for readers (JSON lists, gauges). */
void	view_projects_json(struct buf *);
enum store_result view_nodes_json(const char *, struct buf *, char *);
enum store_result view_history_json(const char *, struct buf *, char *);
void	view_metrics(struct buf *);
void	view_legacy_projects_json(struct buf *);
void	view_legacy_hosts_json(struct buf *);

/* sweep.c — the once-a-second sweep: timeouts, history, purges. */
void	sweep_run(void);

/* metrics.c — counters; the registry adds its gauges. */
enum checkin_result { CR_OK, CR_INVALID, CR_UNAUTHORIZED, CR_NOT_FOUND, CR_ERROR, CR_MAX };
void	metrics_init(void);
void	metrics_request(int, double);
void	metrics_checkin(enum checkin_result);
void	metrics_hosts(enum checkin_result);
void	metrics_render(struct buf *);
enum checkin_result metrics_result(enum store_result);

/* web.c — libmicrohttpd: daemon, requests, replies. */
struct req;
typedef void (*handler_fn)(struct req *);
struct req {
	void	*conn;			/* struct MHD_Connection */
	const char *method;
	const char *path;		/* decoded path, no query */
	const char *raw_uri;		/* as received, with query */
	const char *body;
	size_t	 body_len;
	char	 arg[WIRE_NAME_MAX * 2 + 1];	/* the {name}/{id} segment */
	char	 peer[WIRE_ADDR_MAX];
	int	 peer_loopback;
	/* reply */
	int	 status;
	const char *ctype;
	struct buf out;
	const char *static_body;	/* instead of out, not freed */
	size_t	 static_len;
	int	 page;			/* add the page security headers */
	const char *cache;		/* Cache-Control value or NULL */
	const char *allow;		/* Allow header for 405 */
	const char *etag;		/* ETag header or NULL */
};
int	web_start(const struct server_config *, const char *,
	    const struct tls_files *, char *);
void	web_reconfigure(const struct server_config *, const char *);
void	web_sweep(void);
void	web_stop(void);
void	web_server_info(struct req *);
const struct server_config *web_config(void);
void	req_store_auth(struct req *, struct store_auth *);
const char *req_header(struct req *, const char *);
const char *req_query(struct req *, const char *);
const char *req_bearer(struct req *);
int	req_is_admin(struct req *);
void	reply_json(struct req *, int, struct buf *);
void	reply_error(struct req *, int, const char *, ...) ATTR_PRINTF(3, 4);
void	reply_text(struct req *, int, const char *);
void	reply_store_error(struct req *, enum store_result, const char *);
void	warn_limited(const char *, ...) ATTR_PRINTF(1, 2);

/* routes.c — the route table */
void	routes_dispatch(struct req *);

/* api.c — the v1 handlers. */
void	api_checkin(struct req *);
void	api_checkout(struct req *);
void	api_hosts(struct req *);
void	api_projects_list(struct req *);
void	api_project_create(struct req *);
void	api_project_delete(struct req *);
void	api_project_history(struct req *);
void	api_nodes_list(struct req *);
void	api_node_delete(struct req *);
void	api_metrics(struct req *);
void	api_healthz(struct req *);

/* legacy.c — the predecessor's handlers */
void	legacy_checkin(struct req *);
void	legacy_project_list(struct req *);
void	legacy_all_hosts(struct req *);
void	legacy_create_project(struct req *);
void	legacy_delete_project(struct req *);
void	legacy_delete_host(struct req *);

/* panel.c — the control panel's embedded files. */
void	panel_init(void);
int	panel_serve(struct req *);

#endif

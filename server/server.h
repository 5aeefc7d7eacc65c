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

#include <pthread.h>
#include <stdatomic.h>
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
void	buf_reserve(struct buf *, size_t);
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
	int	 max_nodes;		/* online nodes per project */
	int	 max_cores;		/* the /N of one host in a list */
	int	 allow_grace;		/* s an `allow` node needs to admit */
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
	char	fp[WIRE_FP_LEN + 1];	/* "" for a 1.0 node */
};
struct sender {				/* who sent a node's running jobs */
	char	addr[WIRE_ADDR_MAX];	/* canonical */
	int	running;
};
struct checkin {
	char	project[WIRE_NAME_MAX + 1];
	char	node[WIRE_NODE_ID_LEN + 1];
	char	secret[WIRE_SECRET_LEN + 1];	/* lowercase; "" = none sent */
	char	hostname[WIRE_TEXT_MAX + 1];
	char	owner[WIRE_TEXT_MAX + 1];
	char	version[WIRE_TEXT_MAX + 1];
	char	addr[WIRE_ADDR_MAX];	/* canonical; "" = use the peer's */
	int	cores;
	int	slots;			/* 0..cores; cores when absent */
	int	sched_idle;		/* "sched": "idle" */
	int	live;			/* "admission": "live" */
	int	nice;
	int	port;
	double	load[3];
	int	healthy;		/* no "health", or health.ok */
	char	reason[WIRE_REASON_MAX + 1];
	int	has_jobs;		/* "jobs" was sent */
	int	running;
	double	served;			/* 0..2^53, integral */
	int	nsenders;
	struct sender senders[WIRE_SENDERS_MAX];
	int	ncompilers;
	struct compiler compilers[WIRE_COMPILERS_MAX];
};
int	checkin_parse(const char *, size_t, struct checkin *, char *);
int	checkout_parse(const char *, size_t, char *, char *, char *, char *);
int	project_parse(const char *, size_t, char *, int *, char *);
int	project_patch_parse(const char *, size_t, int *, char *);
int	fp_list_parse(const char *, char (*)[WIRE_FP_LEN + 1], int, char *);
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

/* hosts.c — host lists, from validated numbers and addresses only. */
struct host_cand {			/* an online node, for hostset_build */
	const char *id;			/* node id: ties of `held` */
	const char *addr;		/* listed address (canonical) */
	const char *conn;		/* connection address (members) */
	int	 port;
	double	 held;			/* holds addr:port since (monotonic) */
	uint64_t hash;			/* hosts_hash(id) */
	int	 slots;			/* offered now */
	double	 busy;			/* jobs running, or load for 1.0 */
	int	 running;		/* jobs running (0 when unknown) */
	int	 healthy;
	double	 confirmed;		/* see host_entry */
	char	(*fps)[WIRE_FP_LEN + 1];
	int	 nfps;
	long	 entry;			/* set by hostset_build */
};
struct host_entry {			/* one listable addr:port */
	uint64_t hash;			/* of the node id */
	double	 inv_weight;		/* 1 / spare slots (at least an
					 * epsilon): keys multiply by it */
	double	 confirmed;		/* `allow` node: its latest check-in at
					 * least ALLOW_GRACE old; `live`: +inf */
	int	 slots;			/* the /N: slots capped by max_cores */
	int	 running;
	int	 loopback;
	unsigned fp_off, nfp;		/* its fps: fpidx[fp_off .. + nfp) */
	unsigned char toklen;
	char	 tok[64];		/* " ADDR[:PORT]/N" */
};
#define HOSTSET_MEMO	8		/* replies a hostset remembers */
#define HOSTSET_MEMO_MAX (64 * 1024)	/* the largest one it remembers */
struct host_req {			/* who asks */
	long	 self;			/* entry of its own addr:port, or -1 */
	double	 since;			/* its address online since (monotonic):
					 * `allow` hosts confirmed before that
					 * are left out */
	uint64_t who;			/* hash of identity and time bucket */
	int	 cores;			/* localhost/N */
	int	 loopback_ok;		/* may be handed loopback hosts */
};
struct host_memo {			/* a host-list reply rendered earlier */
	struct host_req req;
	int	 text;			/* Accept: text/plain */
	char	*query;			/* its ?fp= value ("" for none) */
	char	*body;			/* NULL: an empty slot */
	size_t	 len;
};
struct hostset {			/* immutable once built, but for memo */
	atomic_int refs;
	struct host_entry *v;
	size_t	 n;
	char	(*fps)[WIRE_FP_LEN + 1]; /* distinct fingerprints */
	size_t	 nfps;
	unsigned *fpidx;		/* entries' fps, as indices into fps */
	size_t	 nfpidx;
	int	*fpcount;		/* entries with each fp */
	size_t	 shadowed;		/* claimants of a held addr:port */
	int	 members_cut;		/* members did not fit a reply */
	struct buf members[2];		/* JSON strings: [0] no loopback */
	pthread_mutex_t memo_lock;	/* guards memo, memo_next */
	struct host_memo memo[HOSTSET_MEMO];
	unsigned memo_next;		/* the slot to fill next */
};
struct host_line {
	struct buf line;
	int	 threads;		/* slots of the line, localhost too */
	int	 busy;			/* jobs running on its hosts */
};
struct host_lists {			/* one requester's lists */
	uint32_t *order;		/* its order of the entries */
	size_t	 n;
	struct host_line all;		/* distcc_hosts */
};
uint64_t hosts_hash(const char *);
struct hostset *hostset_build(struct host_cand *, size_t, int);
struct hostset *hostset_ref(struct hostset *);
void	hostset_unref(struct hostset *);
long	hostset_fp(const struct hostset *, const char *);
size_t	hosts_order(const struct hostset *, const struct host_req *, uint32_t *);
void	hosts_line(const struct hostset *, const struct host_req *,
	    const uint32_t *, size_t, long, size_t, struct host_line *);
size_t	hosts_top_fps(const struct hostset *, const uint32_t *, size_t, size_t,
	    long *);
void	host_lists_make(const struct hostset *, const struct host_req *,
	    struct host_lists *);
void	host_lists_free(struct host_lists *);
int	hostset_memo_get(struct hostset *, const struct host_req *, int,
	    const char *, struct buf *);
void	hostset_memo_put(struct hostset *, const struct host_req *, int,
	    const char *, const char *, size_t);

/* history.c — pool size samples per project for the panel's chart. */
#define HISTORY_WINDOW	3600
#define HISTORY_MAX	720
struct history_sample {
	int64_t	t;
	int	threads;
	int	nodes;
	int	busy;			/* jobs running on the online nodes */
};
struct history {
	struct history_sample *v;	/* ring buffer */
	size_t	head, n, cap;
};
void	history_add(struct history *, int64_t, int, int, int);
void	history_json(const struct history *, int64_t, struct buf *);
void	history_free(struct history *);

/* db.c — SQLite: schema, migrations, prepared statements. */
struct db_node {
	int64_t	project_id;
	const char *id, *addr, *hostname, *owner, *version, *compilers;
	const char *conn;		/* connection address; "" = addr */
	const char *secret;		/* "" or NULL: not bound */
	int	port, cores, nice, legacy;
	int64_t	first_seen, last_seen;
	int	gone;			/* offline at the last shutdown */
};
struct db_project {
	int64_t	id;
	const char *name;
	const char *key;		/* NULL for open projects */
	int64_t	created;
	int	advertise;
};
enum db_status { DB_OK = 0, DB_BUSY = -2, DB_EXISTS = -3, DB_ERROR = -1 };
int	db_open(const char *, char *);
void	db_close(void);
int	db_ping(void);
int	db_load(void (*)(const struct db_project *, void *),
	    void (*)(const struct db_node *, void *), void *, char *);
int	db_project_insert(const char *, const char *, int64_t, int64_t *, char *);
int	db_project_delete(int64_t, char *);
int	db_project_advertise(int64_t, int, char *);
int	db_file_ok(char *);
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
struct hosts_reply {			/* what a host list is made from */
	char	project[WIRE_NAME_MAX + 1];
	struct hostset *set;		/* a reference, dropped by _free */
	struct host_req req;
	char	secret[WIRE_SECRET_LEN + 1];	/* bound by this check-in */
	int	nfps;			/* a check-in: the node's fps */
	char	fps[WIRE_COMPILERS_MAX][WIRE_FP_LEN + 1];
};
int	store_open(const struct server_config *, char *);
void	store_close(void);
int	store_ping(char *);
void	store_db_check(void);
enum store_result store_checkin(const struct checkin *, const char *,
	    const struct store_auth *, int, struct hosts_reply *, char *);
enum store_result store_checkout(const char *, const char *, const char *,
	    const struct store_auth *, char *);
enum store_result store_hosts(const char *, const char *, int, const char *,
	    int, const struct store_auth *, struct hosts_reply *, char *);
enum store_result store_project_create(const char *, int, char *, char *);
enum store_result store_project_delete(const char *, int, char *);
enum store_result store_project_patch(const char *, int, char *);
enum store_result store_project_purge(const char *, int *, char *);
enum store_result store_node_delete(const char *, int, char *);
enum store_result store_legacy_checkin(const struct legacy_query *,
	    const char *, struct hosts_reply *, char *);
void	hosts_reply_init(struct hosts_reply *);
void	hosts_reply_free(struct hosts_reply *);

/* store.c — the registry's internals, for view.c and sweep.c. Use them
 * only between store_lock() and store_unlock(). */
struct project;
struct compset {			/* a node's compilers, shared by every
					 * node that reports the same ones */
	struct compset *next;		/* hash chain */
	int	 refs;
	char	*json;			/* the compilers array, as stored */
	char	(*fps)[WIRE_FP_LEN + 1];	/* distinct, from json */
	int	 nfps;
};
struct node {
	struct project *proj;
	struct node *hnext;		/* hash chain */
	size_t	 idx;			/* in proj->nodes */
	char	 id[WIRE_NODE_ID_LEN + 1];
	char	 addr[WIRE_ADDR_MAX];	/* listed at */
	char	 conn[WIRE_ADDR_MAX];	/* checks in from (members) */
	char	 secret[WIRE_SECRET_LEN + 1];	/* "" while not bound */
	int	 port, cores, nice, legacy;
	int	 slots, sched_idle, live, healthy;
	int	 has_jobs, running;	/* jobs running (when reported) */
	double	 served;		/* jobs.served as last reported */
	double	 served_base;		/* served by earlier heartbeat runs */
	double	 load[3];
	char	*hostname, *owner, *version, *reason;
	struct compset *comp;		/* a reference */
	struct sender *senders;
	int	 nsenders;
	int64_t	 first_seen, last_seen;	/* wall clock, seconds */
	double	 seen;			/* monotonic; < 0: not since start */
	double	 held;			/* holds addr:port since (monotonic) */
	double	 addr_online;		/* conn online since (monotonic) */
	double	 pend[4];		/* recent check-ins not yet ALLOW_GRACE old */
	int	 npend;
	double	 confirmed;		/* latest check-in at least that old */
	int	 online;		/* as last reported */
	int	 gone_db;		/* its row says gone (checked out) */
	long	 entry;			/* its addr:port in proj->set, or -1 */
};

struct project {
	struct project *next;
	int64_t	 id;
	char	 name[WIRE_NAME_MAX + 1];
	char	 key[WIRE_KEY_LEN + 1];	/* "" for open projects */
	int64_t	 created;
	int	 advertise;		/* lists advertised addresses */
	double	 served_total;		/* jobs served, since start */
	struct node **nodes;
	size_t	 n, cap;
	struct node **tab;		/* hash of nodes by id */
	size_t	 tabsize;
	struct hostset *set;		/* listable hosts, or NULL */
	double	 set_built;
	int	 set_valid;
	struct history hist;
	int	 hist_threads, hist_nodes, hist_busy;
	int64_t	 hist_t;
};
void	store_lock(void);
void	store_unlock(void);
struct project *store_projects(void);
size_t	store_nprojects(void);
const struct server_config *store_config(void);
struct project *store_find(const char *);
struct project *store_project_for(const char *, const struct store_auth *,
	    enum store_result *, char *);
int	store_authorized(const struct project *, const struct store_auth *);
int	store_node_online(const struct node *, double);
int	store_node_slots(const struct node *);
void	store_project_counts(const struct project *, double, int *, int *);
void	store_node_remove(struct node *);
int	store_db_usable(double, char *);
enum store_result store_db_result(int, double);
void	store_log_node(const char *, ...) ATTR_PRINTF(1, 2);
void	store_log_flush(void);

/* view.c — the registry rendered for readers (JSON lists, gauges). */
void	view_projects_json(struct buf *);
enum store_result view_nodes_json(const char *, const struct store_auth *,
	    struct buf *, char *);
enum store_result view_history_json(const char *, const struct store_auth *,
	    struct buf *, char *);
enum store_result view_activity_json(const char *, const struct store_auth *,
	    struct buf *, char *);
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
void	api_project_patch(struct req *);
void	api_project_purge(struct req *);
void	api_project_history(struct req *);
void	api_project_activity(struct req *);
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

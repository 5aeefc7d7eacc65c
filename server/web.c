/*
 * web.c — libmicrohttpd: the daemon, per-request state, bounded request
 * bodies, replies, and the small helpers handlers use (headers, query
 * arguments, auth). Handlers never see MHD types.
 */
#include <arpa/inet.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

#include "server.h"

/* What a connection accumulates for its current request. */
struct reqstate {
	char	*raw_uri;
	struct buf body;
	int	 started;
	int	 too_large;
	double	 t0;			/* request line arrived */
};

static struct MHD_Daemon *daemon_;
static const struct server_config *cfg;

/* What SIGHUP may change while requests run (web_reconfigure), behind a
 * read-write lock: the admin token and the names the Host header may carry. */
static pthread_rwlock_t edge_lock = PTHREAD_RWLOCK_INITIALIZER;
static char *admin_token;
static char *names;			/* server_names, blank-separated */
static char hostname[256];		/* this machine's, from gethostname */
static int tls_on;
static char tls_pin[TLS_PIN_MAX];

/* The running configuration (for handlers that echo it to clients). */
const struct server_config *
web_config(void)
{
	return cfg;
}

/* A [WARN] log line, at most a burst of 20 per 10 s, so a flood of bad
 * requests cannot fill the disk; the number dropped is reported later. */
void
warn_limited(const char *fmt, ...)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static double window;
	static unsigned int count, dropped;
	double now = now_monotonic();
	unsigned int report = 0;
	va_list ap;
	int ok;

	pthread_mutex_lock(&mu);
	if (now - window >= 10) {
		window = now;
		report = dropped;
		count = dropped = 0;
	}
	ok = count++ < 20;
	if (!ok)
		dropped++;
	pthread_mutex_unlock(&mu);
	if (report)
		log_warn("%u warnings suppressed", report);
	if (!ok)
		return;
	va_start(ap, fmt);
	log_vmsg(LL_WARN, fmt, ap);
	va_end(ap);
}

/* Value of a request header, or NULL. */
const char *
req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Value of a query argument (decoded), or NULL. */
const char *
req_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* The token of "Authorization: Bearer <token>", or NULL. */
const char *
req_bearer(struct req *r)
{
	const char *h = req_header(r, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return h;
}

/* True when a browser says this request comes from another site's page;
 * such a request never gets admin rights (no CSRF through loopback). */
static int
req_cross_site(struct req *r)
{
	const char *site = req_header(r, "Sec-Fetch-Site");
	const char *origin = req_header(r, "Origin");
	const char *host = req_header(r, "Host");

	if (site != NULL && (strcmp(site, "cross-site") == 0 ||
	    strcmp(site, "same-site") == 0))
		return 1;
	if (origin != NULL) {
		if (strncmp(origin, "http://", 7) == 0)
			origin += 7;
		else if (strncmp(origin, "https://", 8) == 0)
			origin += 8;
		else
			return 1;
		return host == NULL || strcmp(origin, host) != 0;
	}
	return 0;
}

static int
is_admin_token(const char *bearer)
{
	int ok;

	pthread_rwlock_rdlock(&edge_lock);
	ok = admin_token != NULL && auth_equal(admin_token, bearer);
	pthread_rwlock_unlock(&edge_lock);
	return ok;
}

/* True when the caller may create and delete projects and expunge nodes:
 * it presents the admin token. Where the request comes from never counts
 * (a page rebinding its name to 127.0.0.1, or a proxy on this machine,
 * would otherwise be admin); a request a browser marks as cross-site never
 * is, even with the token. */
int
req_is_admin(struct req *r)
{
	if (req_cross_site(r))
		return 0;
	return is_admin_token(req_bearer(r));
}

/* Fills the key check of the registry: the bearer token, and whether it is
 * the admin token (which opens every project). */
void
req_store_auth(struct req *r, struct store_auth *a)
{
	a->bearer = req_bearer(r);
	a->admin = is_admin_token(a->bearer);
}

/* True when name (no port, any case) is in the blank-separated list. */
static int
name_listed(const char *list, const char *name, size_t len)
{
	const char *p = list;
	size_t n;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if ((n == 1 && *p == '*') ||
		    (n == len && n > 0 && strncasecmp(p, name, n) == 0))
			return 1;
		p += n;
	}
	return 0;
}

/* The Host check against DNS rebinding: a page on evil.example whose name
 * now resolves to this server must not be served as if it were ours. An IP
 * literal, localhost (and *.localhost, which browsers keep on loopback),
 * this machine's host name (full or its first label) and the names of
 * server_names pass. A request without Host (HTTP/1.0) comes from no
 * browser and passes. 0, or -1 with the name in bad. */
static int
host_allowed(const char *host, char *bad, size_t badsize)
{
	char name[256], tmp[sizeof(struct in6_addr)];
	size_t len, hl;
	const char *colon;
	int ok;

	if (host == NULL)
		return 0;
	len = strlen(host);
	if (host[0] == '[') {		/* [v6] or [v6]:port */
		const char *end = strchr(host, ']');

		len = end != NULL ? (size_t)(end - host - 1) : 0;
		if (len > 0 && len < sizeof(name)) {
			memcpy(name, host + 1, len);
			name[len] = '\0';
			if (inet_pton(AF_INET6, name, tmp) == 1 &&
			    (end[1] == '\0' || end[1] == ':'))
				return 0;
		}
		goto refuse;
	}
	if ((colon = strchr(host, ':')) != NULL && strchr(colon + 1, ':') == NULL)
		len = (size_t)(colon - host);
	if (len == 0 || len >= sizeof(name))
		goto refuse;
	memcpy(name, host, len);
	name[len] = '\0';
	if (len > 1 && name[len - 1] == '.')	/* the root's dot */
		name[--len] = '\0';
	if (inet_pton(AF_INET, name, tmp) == 1 ||
	    inet_pton(AF_INET6, name, tmp) == 1)
		return 0;
	if (strcasecmp(name, "localhost") == 0 ||
	    (len > 10 && strcasecmp(name + len - 10, ".localhost") == 0))
		return 0;
	hl = strcspn(hostname, ".");
	if (hostname[0] != '\0' && (strcasecmp(name, hostname) == 0 ||
	    (hl == len && strncasecmp(name, hostname, hl) == 0)))
		return 0;
	pthread_rwlock_rdlock(&edge_lock);
	ok = name_listed(names, name, len);
	pthread_rwlock_unlock(&edge_lock);
	if (ok)
		return 0;
refuse:
	snprintf(bad, badsize, "%.*s", (int)(strlen(host) > 100 ? 100 :
	    strlen(host)), host);
	return -1;
}

/* Replies with a JSON body (taken from b). */
void
reply_json(struct req *r, int status, struct buf *b)
{
	r->status = status;
	r->ctype = "application/json";
	buf_free(&r->out);
	r->out = *b;
	buf_init(b);
}

/* Replies {"error": "<message>"} with status. */
void
reply_error(struct req *r, int status, const char *fmt, ...)
{
	char msg[ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_free(&r->out);
	buf_puts(&r->out, "{\"error\":");
	buf_json_str(&r->out, msg);
	buf_puts(&r->out, "}\n");
	r->status = status;
	r->ctype = "application/json";
	if (status != 404 && status != 503) {
		char path[101];
		size_t i;

		/* a path can carry any byte; keep the log line one line */
		for (i = 0; r->path && r->path[i] && i < sizeof(path) - 1; i++)
			path[i] = r->path[i] >= 0x20 && r->path[i] < 0x7f ?
			    r->path[i] : '?';
		path[i] = '\0';
		warn_limited("%s %s from %s: %d %s", r->method, path, r->peer,
		    status, msg);
	}
}

/* Replies with plain text. */
void
reply_text(struct req *r, int status, const char *text)
{
	buf_free(&r->out);
	buf_puts(&r->out, text);
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
}

/* Replies with the status that stands for a registry result. */
void
reply_store_error(struct req *r, enum store_result res, const char *err)
{
	static const int status[] = {
		[ST_OK] = 200, [ST_INVALID] = 400, [ST_UNAUTHORIZED] = 401,
		[ST_FORBIDDEN] = 403, [ST_NOT_FOUND] = 404, [ST_EXISTS] = 409,
		[ST_BUSY] = 503, [ST_ERROR] = 500,
	};

	if (res == ST_ERROR)
		log_error("%s %s: %s", r->method, r->path, err);
	reply_error(r, status[res], "%s", err);
}

static void
peer_address(struct MHD_Connection *conn, char *out)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	char tmp[WIRE_ADDR_MAX];

	str_copy(out, "?", WIRE_ADDR_MAX);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    tmp, sizeof(tmp));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    tmp, sizeof(tmp));
	else
		return;
	wire_addr_canonical(tmp, out);
}

/* The connection's entry in conns.c (set when it opened). */
static struct conn *
conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct req *r, double t0)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;
	size_t len;
	char *body;

	if (r->static_body != NULL)
		resp = MHD_create_response_from_buffer(r->static_len,
		    (void *)(uintptr_t)r->static_body, MHD_RESPMEM_PERSISTENT);
	else {
		body = buf_take(&r->out, &len);
		resp = MHD_create_response_from_buffer(len, body,
		    MHD_RESPMEM_MUST_FREE);
	}
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type",
	    r->ctype ? r->ctype : "application/json");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Cache-Control",
	    r->cache ? r->cache : "no-store");
	if (r->page) {
		MHD_add_response_header(resp, "Content-Security-Policy",
		    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
		    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	}
	if (r->allow != NULL)
		MHD_add_response_header(resp, "Allow", r->allow);
	if (r->status == 503)
		MHD_add_response_header(resp, "Retry-After", "1");
	if (r->etag != NULL)
		MHD_add_response_header(resp, "ETag", r->etag);
	ok = MHD_queue_response(conn, (unsigned int)r->status, resp);
	MHD_destroy_response(resp);
	metrics_request(r->status, now_monotonic() - t0);
	return ok;
}

/* Answers early (before the body) with an error status. */
static enum MHD_Result ATTR_PRINTF(6, 7)
early_error(struct MHD_Connection *conn, double t0, const char *method,
    const char *url, int status, const char *fmt, ...)
{
	char msg[ERR_MAX];
	struct req r;
	enum MHD_Result ok;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memset(&r, 0, sizeof(r));
	buf_init(&r.out);
	r.conn = conn;
	r.method = method;
	r.path = url;
	peer_address(conn, r.peer);
	reply_error(&r, status, "%s", msg);
	conns_busy(conn_of(conn));
	ok = send_reply(conn, &r, t0);
	buf_free(&r.out);
	return ok;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct reqstate *st = *con_cls;
	struct req r;
	enum MHD_Result ok;
	const char *cl;
	long len;

	(void)cls;
	(void)version;
	if (st == NULL)		/* no URI callback ran: cannot happen */
		return MHD_NO;
	if (!st->started) {
		char bad[128];

		st->started = 1;
		if (st->raw_uri == NULL || strlen(st->raw_uri) > WIRE_URL_MAX)
			return early_error(conn, st->t0, method, url, 414,
			    "URL longer than %d bytes", WIRE_URL_MAX);
		/* a decoded NUL would cut the path or a value short unseen */
		if (strcasestr(st->raw_uri, "%00") != NULL)
			return early_error(conn, st->t0, method, url, 400,
			    "URL contains an encoded NUL byte");
		if (host_allowed(MHD_lookup_connection_value(conn,
		    MHD_HEADER_KIND, "Host"), bad, sizeof(bad)) == -1)
			return early_error(conn, st->t0, method, url, 421,
			    "Host '%s' is not a name of this server; if clients "
			    "reach it by that name, add it to server_names in "
			    "server.conf (server_names NAME) and reload the "
			    "server (systemctl reload dyndistcc-server)", bad);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Content-Length");
		if (cl != NULL && (str_to_long(cl, 0, WIRE_BODY_MAX, &len) == -1))
			return early_error(conn, st->t0, method, url, 413,
			    "body larger than %d bytes", WIRE_BODY_MAX);
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (st->body.len + *upload_size > WIRE_BODY_MAX) {
			st->too_large = 1;
			buf_free(&st->body);
		} else if (!st->too_large)
			buf_add(&st->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (st->too_large)
		return early_error(conn, st->t0, method, url, 413,
		    "body larger than %d bytes", WIRE_BODY_MAX);
	conns_busy(conn_of(conn));
	memset(&r, 0, sizeof(r));
	buf_init(&r.out);
	r.conn = conn;
	r.method = method;
	r.path = url;
	r.raw_uri = st->raw_uri;
	r.body = st->body.s;
	r.body_len = st->body.len;
	peer_address(conn, r.peer);
	r.peer_loopback = wire_addr_is_loopback(r.peer);
	routes_dispatch(&r);
	ok = send_reply(conn, &r, st->t0);
	buf_free(&r.out);
	return ok;
}

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct reqstate *st = xcalloc(1, sizeof(*st));

	(void)cls;
	(void)conn;
	/* keep only what the limit needs to see; longer is refused anyway */
	st->raw_uri = xstrndup(uri, WIRE_URL_MAX + 1);
	buf_init(&st->body);
	st->t0 = now_monotonic();
	return st;
}

/* The 64-bit key conns.c counts connections by: an IPv4 address (also
 * when mapped into IPv6), or the /64 of an IPv6 address, since one host
 * may hold a whole /64. */
static uint64_t
addr_key(const struct sockaddr *sa)
{
	const unsigned char *b;
	uint64_t k = 0;
	int i;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		b = (const unsigned char *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
		return 0xffffffff00000000ULL | (uint64_t)b[0] << 24 |
		    (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)(const void *)b))
		return 0xffffffff00000000ULL | (uint64_t)b[12] << 24 |
		    (uint64_t)b[13] << 16 | (uint64_t)b[14] << 8 | b[15];
	for (i = 0; i < 8; i++)
		k = k << 8 | b[i];
	return k;
}

/* libmicrohttpd opened or is about to close a connection's socket. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **ctx,
    enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *fd, *ca;

	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		fd = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		ca = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (fd != NULL)
			*ctx = conns_open(fd->connect_fd,
			    addr_key(ca != NULL ? ca->client_addr : NULL),
			    now_monotonic());
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		conns_close(*ctx);
		*ctx = NULL;
	}
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct reqstate *st = *con_cls;

	(void)cls;
	(void)toe;
	conns_idle(conn_of(conn), now_monotonic());
	if (st == NULL)
		return;
	free(st->raw_uri);
	buf_free(&st->body);
	free(st);
	*con_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* a client that hangs up, or one conns.c cut, is no news */
	if (strstr(msg, "closed when reading request") != NULL ||
	    strstr(msg, "disconnected when reading request") != NULL)
		return;
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	warn_limited("http: %s", msg);
}

/* Applies what SIGHUP may change while requests run: the admin token,
 * server_names and the connection limits (web.c's comment on edge_lock). */
void
web_reconfigure(const struct server_config *c, const char *token)
{
	char *t = xstrdup(token), *n = c->server_names ?
	    xstrdup(c->server_names) : NULL, *old_t, *old_n;

	pthread_rwlock_wrlock(&edge_lock);
	old_t = admin_token;
	old_n = names;
	admin_token = t;
	names = n;
	pthread_rwlock_unlock(&edge_lock);
	if (old_t != NULL)
		explicit_bzero(old_t, strlen(old_t));
	free(old_t);
	free(old_n);
	conns_configure(c->max_connections, c->max_connections_per_ip,
	    c->request_timeout);
}

/* Starts the HTTP daemon on c->listen:c->port with c's limits, serving
 * HTTPS when tls holds a certificate. token is the admin token. Returns 0
 * once the port is bound, or -1 with err set. */
int
web_start(const struct server_config *c, const char *token,
    const struct tls_files *tls, char *err)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tlsopt[3];

	cfg = c;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, c->listen, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)c->port);
	} else if (inet_pton(AF_INET6, c->listen, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)c->port);
		flags |= MHD_USE_IPv6;
		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			flags |= MHD_USE_DUAL_STACK;
	} else {
		seterr(err, "listen: '%s' is not an IP address", c->listen);
		return -1;
	}
	flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ?
	    MHD_USE_EPOLL : MHD_USE_POLL;
	memset(tlsopt, 0, sizeof(tlsopt));
	tlsopt[0].option = MHD_OPTION_END;
	if (tls->cert != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			seterr(err, "tls_cert: this libmicrohttpd has no TLS "
			    "(Debian's is built with GnuTLS)");
			return -1;
		}
		flags |= MHD_USE_TLS;
		tlsopt[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT,
		    0, tls->cert };
		tlsopt[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY,
		    0, tls->key };
		tlsopt[2] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
		tls_on = 1;
		str_copy(tls_pin, tls->pin, sizeof(tls_pin));
	}
	if (gethostname(hostname, sizeof(hostname) - 1) == -1)
		hostname[0] = '\0';
	web_reconfigure(c, token);
	panel_init();
	/* conns.c keeps the limits and makes room; libmicrohttpd's own limit
	 * is higher, for the connections being cut but not yet closed. */
	daemon_ = MHD_start_daemon(flags, (uint16_t)c->port, NULL, NULL,
	    on_request, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c->threads,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)(c->max_connections + c->max_connections / 4 + 64),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->connection_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(48 * 1024),
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
	    MHD_OPTION_ARRAY, tlsopt,
	    MHD_OPTION_END);
	if (daemon_ == NULL) {
		seterr(err, "cannot listen on %s port %d (in use, or no such "
		    "address%s?)", c->listen, c->port, tls->cert ?
		    ", or a certificate and key that do not match" : "");
		return -1;
	}
	return 0;
}

/* Cuts the connections whose request is overdue (once a second). */
void
web_sweep(void)
{
	conns_sweep(now_monotonic());
}

/* Stops accepting, finishes the running requests, and stops the threads. */
void
web_stop(void)
{
	if (daemon_ != NULL)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	pthread_rwlock_wrlock(&edge_lock);
	if (admin_token != NULL)
		explicit_bzero(admin_token, strlen(admin_token));
	free(admin_token);
	free(names);
	admin_token = names = NULL;
	pthread_rwlock_unlock(&edge_lock);
}

/* GET /api/v1/server: what a client or the panel needs to know before it
 * trusts this server: {"version", "tls", "pin"} (pin null without TLS). */
void
web_server_info(struct req *r)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{\"version\":");
	buf_json_str(&b, DYNDISTCC_VERSION);
	buf_printf(&b, ",\"tls\":%s,\"pin\":", tls_on ? "true" : "false");
	if (tls_on)
		buf_json_str(&b, tls_pin);
	else
		buf_puts(&b, "null");
	buf_puts(&b, "}\n");
	reply_json(r, 200, &b);
}

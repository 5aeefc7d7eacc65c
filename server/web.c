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

#include <microhttpd.h>

#include "server.h"

/* What a connection accumulates for its current request. */
struct reqstate {
	char	*raw_uri;
	struct buf body;
	int	 started;
	int	 too_large;
};

static struct MHD_Daemon *daemon_;
static const struct server_config *cfg;

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

/* True when the caller may create and delete projects and expunge nodes:
 * it presents the admin token, or none is configured and it is on loopback. */
int
req_is_admin(struct req *r)
{
	if (req_cross_site(r))
		return 0;
	if (cfg->admin_token != NULL)
		return auth_equal(cfg->admin_token, req_bearer(r));
	return r->peer_loopback;
}

/* Fills the key check of the registry: the bearer token, and whether it is
 * the admin token (which opens every project). */
void
req_store_auth(struct req *r, struct store_auth *a)
{
	a->bearer = req_bearer(r);
	a->admin = cfg->admin_token != NULL &&
	    auth_equal(cfg->admin_token, a->bearer);
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

static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct req *r)
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
	metrics_request(r->status);
	return ok;
}

/* Answers early (before the body) with an error status. */
static enum MHD_Result ATTR_PRINTF(5, 6)
early_error(struct MHD_Connection *conn, const char *method, const char *url,
    int status, const char *fmt, ...)
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
	ok = send_reply(conn, &r);
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
		st->started = 1;
		if (st->raw_uri == NULL || strlen(st->raw_uri) > WIRE_URL_MAX)
			return early_error(conn, method, url, 414,
			    "URL longer than %d bytes", WIRE_URL_MAX);
		/* a decoded NUL would cut the path or a value short unseen */
		if (strcasestr(st->raw_uri, "%00") != NULL)
			return early_error(conn, method, url, 400,
			    "URL contains an encoded NUL byte");
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Content-Length");
		if (cl != NULL && (str_to_long(cl, 0, WIRE_BODY_MAX, &len) == -1))
			return early_error(conn, method, url, 413,
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
		return early_error(conn, method, url, 413,
		    "body larger than %d bytes", WIRE_BODY_MAX);
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
	ok = send_reply(conn, &r);
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
	return st;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct reqstate *st = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
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
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	warn_limited("http: %s", msg);
}

/* Starts the HTTP daemon on cfg->listen:cfg->port with cfg's limits.
 * Returns 0 once the port is bound, or -1 with err set. */
int
web_start(const struct server_config *c, char *err)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

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
	panel_init();
	daemon_ = MHD_start_daemon(flags, (uint16_t)c->port, NULL, NULL,
	    on_request, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c->threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)c->max_connections_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->connection_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(48 * 1024),
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (daemon_ == NULL) {
		seterr(err, "cannot listen on %s port %d (in use, or no such "
		    "address?)", c->listen, c->port);
		return -1;
	}
	return 0;
}

/* Stops accepting, finishes the running requests, and stops the threads. */
void
web_stop(void)
{
	if (daemon_ != NULL)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
}

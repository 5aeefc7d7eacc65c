/*
 * checkin.c — dcc-heartbeat's side of the wire: the check-in body
 * (README.md, "API"), POST /api/v1/checkin and its host-list reply, and
 * POST /api/v1/checkout when the node leaves. Check-ins of the running
 * daemon go through a thread of their own (checkin_worker_*), so the job
 * port relays jobs while the server is slow or away.
 */
#include <sys/eventfd.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "heartbeat.h"

/* server + path without a doubled slash; the caller frees. */
char *
checkin_url(const char *server, const char *path)
{
	size_t len = strlen(server);

	while (len > 0 && server[len - 1] == '/')
		len--;
	return xasprintf("%.*s%s", (int)len, server, path);
}

/* The JSON body of a check-in; the caller frees. */
char *
checkin_body(const struct checkin *ci)
{
	cJSON *root = cJSON_CreateObject(), *load, *list;
	char *text;
	size_t i;

	cJSON_AddStringToObject(root, "project", ci->project);
	cJSON_AddStringToObject(root, "node", ci->node);
	if (ci->secret != NULL && ci->secret[0] != '\0')
		cJSON_AddStringToObject(root, "secret", ci->secret);
	cJSON_AddStringToObject(root, "hostname", ci->hostname);
	cJSON_AddStringToObject(root, "owner", ci->owner);
	cJSON_AddNumberToObject(root, "cores", ci->cores);
	if (ci->slots_set)
		cJSON_AddNumberToObject(root, "slots", ci->slots < 0 ? 0 :
		    ci->slots > ci->cores ? ci->cores : ci->slots);
	cJSON_AddNumberToObject(root, "nice", ci->nice);
	if (ci->sched != NULL)
		cJSON_AddStringToObject(root, "sched", ci->sched);
	cJSON_AddNumberToObject(root, "port", ci->port);
	load = cJSON_AddArrayToObject(root, "load");
	for (i = 0; i < 3; i++)	/* two decimals are all anyone reads */
		cJSON_AddItemToArray(load,
		    cJSON_CreateNumber(round(ci->load[i] * 100) / 100));
	cJSON_AddStringToObject(root, "version", ci->version);
	if (ci->addr != NULL)
		cJSON_AddStringToObject(root, "addr", ci->addr);
	else
		cJSON_AddNullToObject(root, "addr");
	list = cJSON_AddArrayToObject(root, "compilers");
	for (i = 0; ci->compilers != NULL && i < ci->compilers->n; i++) {
		const struct compiler *c = &ci->compilers->v[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", c->name);
		cJSON_AddStringToObject(o, "version", c->version);
		cJSON_AddStringToObject(o, "target", c->target);
		if (wire_fp_valid(c->fp))	/* none: distccd refuses the name */
			cJSON_AddStringToObject(o, "fp", c->fp);
		cJSON_AddItemToArray(list, o);
	}
	if (ci->admission != NULL)
		cJSON_AddStringToObject(root, "admission", ci->admission);
	if (ci->health_set) {
		cJSON *h = cJSON_AddObjectToObject(root, "health");

		cJSON_AddBoolToObject(h, "ok", ci->health_ok);
		if (!ci->health_ok && ci->health_reason != NULL)
			cJSON_AddStringToObject(h, "reason", ci->health_reason);
	}
	if (ci->jobs_set) {
		cJSON *j = cJSON_AddObjectToObject(root, "jobs"), *senders;

		cJSON_AddNumberToObject(j, "running", ci->running > WIRE_JOBS_MAX ?
		    WIRE_JOBS_MAX : ci->running);
		cJSON_AddNumberToObject(j, "served", (double)ci->served);
		senders = cJSON_AddArrayToObject(j, "senders");
		for (i = 0; i < ci->nsenders && i < WIRE_SENDERS_MAX; i++) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "addr", ci->senders[i].addr);
			cJSON_AddNumberToObject(o, "running",
			    ci->senders[i].running > WIRE_JOBS_MAX ?
			    WIRE_JOBS_MAX : ci->senders[i].running);
			cJSON_AddItemToArray(senders, o);
		}
	}
	if ((text = cJSON_PrintUnformatted(root)) == NULL)
		fatal("out of memory (check-in body)");
	cJSON_Delete(root);
	/* cJSON allocates with malloc: hand the caller our own copy so one
	 * free() is always right. */
	char *copy = xstrdup(text);
	cJSON_free(text);
	return copy;
}

/* The "error" of a JSON error reply, or the HTTP status; into err. */
static void
reply_error(const struct http_response *resp, const char *what, char *err)
{
	char why[161];

	hostlist_error(resp->body, resp->len, why, sizeof(why));
	if (why[0] != '\0')
		seterr(err, "%s: HTTP %ld: %s", what, resp->status, why);
	else
		seterr(err, "%s: HTTP %ld", what, resp->status);
}

/* The "secret" a reply binds (32 hex digits, lowercase into secret), or
 * an empty string when it has none or a malformed one. */
static void
reply_secret(const struct http_response *resp, char *secret)
{
	cJSON *root = cJSON_ParseWithLength(resp->body, resp->len);
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "secret");
	size_t i;

	secret[0] = '\0';
	if (cJSON_IsString(s) && strlen(s->valuestring) == WIRE_SECRET_LEN) {
		for (i = 0; i < WIRE_SECRET_LEN; i++) {
			if (!isxdigit((unsigned char)s->valuestring[i]))
				break;
			secret[i] = (char)tolower((unsigned char)s->valuestring[i]);
		}
		secret[i == WIRE_SECRET_LEN ? i : 0] = '\0';
	}
	cJSON_Delete(root);
}

/* 1 when a refused check-in or check-out (err holds the server's message)
 * was refused for the node's secret, not the project key. */
int
checkin_secret_refused(long status, const char *err)
{
	return status == 403 && strstr(err, "secret") != NULL;
}

/* Posts a check-in body to cfg's server, from cfg->source when set, and
 * parses the host-list reply into hl (the caller frees it with
 * hostlist_free). *status is the HTTP status, 0 when no reply came; secret
 * (WIRE_SECRET_LEN + 1 bytes) gets the secret the reply binds, or "". 0, or
 * -1 with err set. */
int
checkin_post(const struct client_config *cfg, const char *body,
    long timeout_ms, struct hostlist *hl, long *status, char *secret,
    char *err)
{
	struct http_response resp;
	char *url = checkin_url(cfg->server, "/api/v1/checkin");
	struct http_request req = {
		.method = "POST", .url = url, .key = cfg->key, .body = body,
		.source = cfg->source, .accept = "application/json",
		.ca = cfg->server_ca, .pin = cfg->server_pin,
		.connect_ms = timeout_ms < 2000 ? timeout_ms : 2000,
		.total_ms = timeout_ms,
	};
	int rc = -1;

	*status = 0;
	secret[0] = '\0';
	memset(hl, 0, sizeof(*hl));
	if (http_request(&req, &resp, err) == -1) {
		free(url);
		return -1;
	}
	*status = resp.status;
	if (resp.status != 200)
		reply_error(&resp, "check-in", err);
	else if (hostlist_parse(resp.body, resp.len, hl, err) == 0) {
		reply_secret(&resp, secret);
		rc = 0;
	}
	http_response_free(&resp);
	free(url);
	return rc;
}

/* Tells the server this node leaves now, so it drops out of every list at
 * once instead of after ttl. 0, or -1 with err set. */
int
checkin_checkout(const struct client_config *cfg, const char *node,
    const char *secret, long timeout_ms, char *err)
{
	struct http_response resp;
	char *url = checkin_url(cfg->server, "/api/v1/checkout");
	cJSON *root = cJSON_CreateObject();
	char *body;
	int rc = -1;

	cJSON_AddStringToObject(root, "project", cfg->project);
	cJSON_AddStringToObject(root, "node", node);
	if (secret != NULL && secret[0] != '\0')
		cJSON_AddStringToObject(root, "secret", secret);
	body = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (body == NULL)
		fatal("out of memory (check-out body)");
	struct http_request req = {
		.method = "POST", .url = url, .key = cfg->key, .body = body,
		.source = cfg->source, .accept = "application/json",
		.ca = cfg->server_ca, .pin = cfg->server_pin,
		.connect_ms = timeout_ms, .total_ms = timeout_ms,
	};
	if (http_request(&req, &resp, err) == 0) {
		if (resp.status == 200)
			rc = 0;
		else
			reply_error(&resp, "check-out", err);
		http_response_free(&resp);
	}
	cJSON_free(body);
	free(url);
	return rc;
}

/* The worker: waits for a request, posts it, hands the result back. */
static void *
worker_main(void *arg)
{
	struct checkin_worker *w = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct checkin_call *c;

		while (w->call == NULL && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->quit)
			break;
		c = w->call;
		pthread_mutex_unlock(&w->mu);
		c->rc = checkin_post(&c->cfg, c->body, c->timeout_ms, &c->hl,
		    &c->status, c->secret, c->err);
		pthread_mutex_lock(&w->mu);
		w->call = NULL;
		w->done = c;
		(void)!write(w->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Starts the check-in thread; its results are announced on w->efd. Call it
 * with the signals blocked (the thread keeps the mask). 0, or -1 with err. */
int
checkin_worker_start(struct checkin_worker *w, char *err)
{
	int e;

	memset(w, 0, sizeof(*w));
	if ((w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		seterr(err, "eventfd: %s", strerror(errno));
		return -1;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((e = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
		seterr(err, "pthread_create: %s", strerror(e));
		close(w->efd);
		w->efd = -1;
		return -1;
	}
	w->started = 1;
	return 0;
}

/* Hands call (the caller's, with body, cfg and timeout set) to the thread;
 * it must not be touched until checkin_worker_result returns it. */
void
checkin_worker_submit(struct checkin_worker *w, struct checkin_call *call)
{
	pthread_mutex_lock(&w->mu);
	w->call = call;
	w->busy = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* The finished call, once w->efd has become readable, or NULL. */
struct checkin_call *
checkin_worker_result(struct checkin_worker *w)
{
	struct checkin_call *c;
	uint64_t n;

	(void)!read(w->efd, &n, sizeof(n));
	pthread_mutex_lock(&w->mu);
	c = w->done;
	w->done = NULL;
	if (c != NULL)
		w->busy = 0;
	pthread_mutex_unlock(&w->mu);
	return c;
}

/* Stops the thread, after the call it is making (bounded by its timeout). */
void
checkin_worker_stop(struct checkin_worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	close(w->efd);
	w->started = 0;
}

/* Frees what a call holds (not the call itself). */
void
checkin_call_free(struct checkin_call *c)
{
	free(c->body);
	config_free(&c->cfg);
	hostlist_free(&c->hl);
	memset(c, 0, sizeof(*c));
}

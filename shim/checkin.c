/*
 * checkin.c — dcc-heartbeat's side of the wire: the check-in body
 * (README.md, "API"), POST /api/v1/checkin and its host-list reply, and
 * POST /api/v1/checkout when the node leaves.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
	cJSON_AddStringToObject(root, "hostname", ci->hostname);
	cJSON_AddStringToObject(root, "owner", ci->owner);
	cJSON_AddNumberToObject(root, "cores", ci->cores);
	cJSON_AddNumberToObject(root, "nice", ci->nice);
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
	cJSON *root = cJSON_ParseWithLength(resp->body, resp->len);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");

	if (cJSON_IsString(e))
		seterr(err, "%s: HTTP %ld: %.160s", what, resp->status,
		    e->valuestring);
	else
		seterr(err, "%s: HTTP %ld", what, resp->status);
	cJSON_Delete(root);
}

/* Posts a check-in body to cfg's server, from cfg->source when set, and
 * parses the host-list reply into hl (the caller frees it with
 * hostlist_free). *status is the HTTP status, 0 when no reply came. 0, or -1
 * with err set. */
int
checkin_post(const struct client_config *cfg, const char *body,
    long timeout_ms, struct hostlist *hl, long *status, char *err)
{
	struct http_response resp;
	char *url = checkin_url(cfg->server, "/api/v1/checkin");
	struct http_request req = {
		.method = "POST", .url = url, .key = cfg->key, .body = body,
		.source = cfg->source, .accept = "application/json",
		.connect_ms = timeout_ms < 2000 ? timeout_ms : 2000,
		.total_ms = timeout_ms,
	};
	int rc = -1;

	*status = 0;
	memset(hl, 0, sizeof(*hl));
	if (http_request(&req, &resp, err) == -1) {
		free(url);
		return -1;
	}
	*status = resp.status;
	if (resp.status != 200)
		reply_error(&resp, "check-in", err);
	else if (hostlist_parse(resp.body, resp.len, hl, err) == 0)
		rc = 0;
	http_response_free(&resp);
	free(url);
	return rc;
}

/* Tells the server this node leaves now, so it drops out of every list at
 * once instead of after ttl. 0, or -1 with err set. */
int
checkin_checkout(const struct client_config *cfg, const char *node,
    long timeout_ms, char *err)
{
	struct http_response resp;
	char *url = checkin_url(cfg->server, "/api/v1/checkout");
	cJSON *root = cJSON_CreateObject();
	char *body;
	int rc = -1;

	cJSON_AddStringToObject(root, "project", cfg->project);
	cJSON_AddStringToObject(root, "node", node);
	body = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (body == NULL)
		fatal("out of memory (check-out body)");
	struct http_request req = {
		.method = "POST", .url = url, .key = cfg->key, .body = body,
		.source = cfg->source, .accept = "application/json",
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

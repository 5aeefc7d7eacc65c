/*
 * api.c — the handlers of API v1 (README.md, "API"). Each one
 * validates first, then calls the registry once, then replies.
 */
#include <ctype.h>
#include <string.h>

#include "server.h"

/* {"project","heartbeat","refresh_after","ttl","distcc_hosts",
 *  "pool_threads","members"} */
static void
reply_hosts(struct req *r, struct hosts_reply *h)
{
	const struct server_config *c = web_config();
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "{\"project\":");
	buf_json_str(&b, h->project);
	buf_printf(&b, ",\"heartbeat\":%d,\"refresh_after\":%d,\"ttl\":%d,"
	    "\"distcc_hosts\":\"", c->heartbeat, c->refresh_after, c->ttl);
	/* the line holds only addresses, digits, ':', '/', '[', ']' and
	 * spaces: nothing to escape */
	buf_add(&b, h->line.s, h->line.len);
	buf_printf(&b, "\",\"pool_threads\":%d,\"members\":[", h->threads);
	if (h->members.len)
		buf_add(&b, h->members.s, h->members.len);
	buf_puts(&b, "]}\n");
	reply_json(r, 200, &b);
}

static int
require_admin(struct req *r)
{
	if (req_is_admin(r))
		return 1;
	reply_error(r, 403, "admin token required (Authorization: Bearer "
	    "<token>; dyndistcc-server --print-admin-token shows it)");
	return 0;
}

/* POST /api/v1/checkin */
void
api_checkin(struct req *r)
{
	struct hosts_reply h;
	struct store_auth a;
	struct checkin c;
	enum store_result res;
	char err[ERR_MAX];

	if (checkin_parse(r->body, r->body_len, &c, err) == -1) {
		metrics_checkin(CR_INVALID);
		reply_error(r, 400, "%s", err);
		return;
	}
	req_store_auth(r, &a);
	hosts_reply_init(&h);
	res = store_checkin(&c, r->peer, &a, r->peer_loopback, &h, err);
	metrics_checkin(metrics_result(res));
	if (res == ST_OK)
		reply_hosts(r, &h);
	else
		reply_store_error(r, res, err);
	hosts_reply_free(&h);
}

/* POST /api/v1/checkout */
void
api_checkout(struct req *r)
{
	char project[WIRE_NAME_MAX + 1], node[WIRE_NODE_ID_LEN + 1], err[ERR_MAX];
	struct store_auth a;
	enum store_result res;
	struct buf b;

	if (checkout_parse(r->body, r->body_len, project, node, err) == -1) {
		reply_error(r, 400, "%s", err);
		return;
	}
	req_store_auth(r, &a);
	if ((res = store_checkout(project, node, &a, err)) != ST_OK) {
		reply_store_error(r, res, err);
		return;
	}
	buf_init(&b);
	buf_puts(&b, "{\"ok\":true}\n");
	reply_json(r, 200, &b);
}

static int
wants_text(struct req *r)
{
	const char *acc = req_header(r, "Accept");

	return acc != NULL && strstr(acc, "text/plain") != NULL &&
	    strstr(acc, "application/json") == NULL;
}

/* GET /api/v1/projects/{name}/hosts?node=ID&cores=N */
void
api_hosts(struct req *r)
{
	const char *node = req_query(r, "node"), *cores_s = req_query(r, "cores");
	char id[WIRE_NODE_ID_LEN + 1], err[ERR_MAX];
	struct hosts_reply h;
	struct store_auth a;
	enum store_result res;
	long cores = 0;

	if (!wire_name_valid(r->arg)) {
		metrics_hosts(CR_INVALID);
		reply_error(r, 400, "project must be " WIRE_NAME_RULE);
		return;
	}
	if (node != NULL && *node != '\0') {
		if (wire_node_id(node, id) == -1) {
			metrics_hosts(CR_INVALID);
			reply_error(r, 400, "node must be " WIRE_NODE_ID_RULE);
			return;
		}
		node = id;
	} else
		node = NULL;
	if (cores_s != NULL && *cores_s != '\0' &&
	    str_to_long(cores_s, WIRE_CORES_MIN, WIRE_CORES_MAX, &cores) == -1) {
		metrics_hosts(CR_INVALID);
		reply_error(r, 400, "cores must be an integer %d..%d",
		    WIRE_CORES_MIN, WIRE_CORES_MAX);
		return;
	}
	req_store_auth(r, &a);
	hosts_reply_init(&h);
	res = store_hosts(r->arg, node, (int)cores, r->peer_loopback, &a, &h, err);
	metrics_hosts(metrics_result(res));
	if (res != ST_OK)
		reply_store_error(r, res, err);
	else if (wants_text(r)) {
		buf_add(&h.line, "\n", 1);
		reply_text(r, 200, h.line.s);
	} else
		reply_hosts(r, &h);
	hosts_reply_free(&h);
}

/* GET /api/v1/projects */
void
api_projects_list(struct req *r)
{
	struct buf b;

	buf_init(&b);
	view_projects_json(&b);
	reply_json(r, 200, &b);
}

/* POST /api/v1/projects (admin) */
void
api_project_create(struct req *r)
{
	char name[WIRE_NAME_MAX + 1], key[WIRE_KEY_LEN + 1], err[ERR_MAX];
	enum store_result res;
	struct buf b;
	int keyed;

	if (!require_admin(r))
		return;
	if (project_parse(r->body, r->body_len, name, &keyed, err) == -1) {
		reply_error(r, 400, "%s", err);
		return;
	}
	if ((res = store_project_create(name, keyed, key, err)) != ST_OK) {
		reply_store_error(r, res, err);
		return;
	}
	buf_init(&b);
	buf_puts(&b, "{\"name\":");
	buf_json_str(&b, name);
	if (keyed)
		buf_printf(&b, ",\"key\":\"%s\"}\n", key);
	else
		buf_puts(&b, ",\"key\":null}\n");
	reply_json(r, 201, &b);
}

/* DELETE /api/v1/projects/{name} (admin) */
void
api_project_delete(struct req *r)
{
	enum store_result res;
	char err[ERR_MAX];
	struct buf b;

	if (!require_admin(r))
		return;
	if (!wire_name_valid(r->arg)) {
		reply_error(r, 400, "project must be " WIRE_NAME_RULE);
		return;
	}
	if ((res = store_project_delete(r->arg, 0, err)) != ST_OK) {
		reply_store_error(r, res, err);
		return;
	}
	buf_init(&b);
	buf_puts(&b, "{\"deleted\":");
	buf_json_str(&b, r->arg);
	buf_puts(&b, "}\n");
	reply_json(r, 200, &b);
}

/* GET /api/v1/projects/{name}/history */
void
api_project_history(struct req *r)
{
	enum store_result res;
	char err[ERR_MAX];
	struct buf b;

	if (!wire_name_valid(r->arg)) {
		reply_error(r, 400, "project must be " WIRE_NAME_RULE);
		return;
	}
	buf_init(&b);
	if ((res = view_history_json(r->arg, &b, err)) != ST_OK) {
		buf_free(&b);
		reply_store_error(r, res, err);
		return;
	}
	reply_json(r, 200, &b);
}

/* GET /api/v1/nodes[?project=NAME] */
void
api_nodes_list(struct req *r)
{
	const char *project = req_query(r, "project");
	enum store_result res;
	char err[ERR_MAX];
	struct buf b;

	if (project != NULL && *project == '\0')
		project = NULL;
	if (project != NULL && !wire_name_valid(project)) {
		reply_error(r, 400, "project must be " WIRE_NAME_RULE);
		return;
	}
	buf_init(&b);
	if ((res = view_nodes_json(project, &b, err)) != ST_OK) {
		buf_free(&b);
		reply_store_error(r, res, err);
		return;
	}
	reply_json(r, 200, &b);
}

/* DELETE /api/v1/nodes/{id} (admin) */
void
api_node_delete(struct req *r)
{
	enum store_result res;
	char err[ERR_MAX], id[WIRE_NODE_ID_LEN + 1];
	struct buf b;

	if (!require_admin(r))
		return;
	if (wire_node_id(r->arg, id) == -1) {
		reply_error(r, 400, "node must be " WIRE_NODE_ID_RULE);
		return;
	}
	if ((res = store_node_delete(id, 0, err)) != ST_OK) {
		reply_store_error(r, res, err);
		return;
	}
	buf_init(&b);
	buf_printf(&b, "{\"deleted\":\"%s\"}\n", id);
	reply_json(r, 200, &b);
}

/* GET /metrics (Prometheus text format 0.0.4) */
void
api_metrics(struct req *r)
{
	buf_free(&r->out);
	metrics_render(&r->out);
	view_metrics(&r->out);
	r->status = 200;
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

/* GET /healthz: 200 "ok" when the database answers. */
void
api_healthz(struct req *r)
{
	if (store_ping())
		reply_text(r, 200, "ok\n");
	else
		reply_error(r, 503, "database not answering");
}

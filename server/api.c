/*
 * api.c — the handlers of API v1 (README.md, "API"). Each one
 * validates first, then calls the registry once, then replies.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define REPLY_FIXED	1024	/* a reply's bytes besides lines and members */
#define TOP_FPS		64	/* fps a hosts reply without ?fp= lists */

/* The line of fingerprint fp (localhost alone when no host has it), in at
 * most maxlen bytes. */
static void
fp_line(const struct hosts_reply *h, const struct host_lists *l, const char *fp,
    size_t maxlen, struct host_line *out)
{
	long idx = hostset_fp(h->set, fp);

	buf_init(&out->line);
	hosts_line(h->set, &h->req, l->order, idx < 0 ? 0 : l->n, idx, maxlen,
	    out);
}

/* {"project","heartbeat","refresh_after","ttl","distcc_hosts",
 *  "pool_threads","pool_busy","members","compilers"[,"secret"]}; the
 * compilers object holds the nfps lines of fps, each within its share of
 * what a client reads (WIRE_REPLY_MAX). */
static void
reply_hosts(struct req *r, const struct hosts_reply *h, const struct host_lists *l,
    char (*fps)[WIRE_FP_LEN + 1], int nfps)
{
	const struct server_config *c = web_config();
	const struct buf *members = &h->set->members[h->req.loopback_ok ? 1 : 0];
	struct host_line fl;
	struct buf b;
	size_t left;
	int i;

	buf_init(&b);
	/* room for the common reply (one fp) at once: no copies as it grows */
	buf_reserve(&b, REPLY_FIXED + members->len +
	    (nfps > 0 ? 2 : 1) * l->all.line.len);
	buf_puts(&b, "{\"project\":");
	buf_json_str(&b, h->project);
	buf_printf(&b, ",\"heartbeat\":%d,\"refresh_after\":%d,\"ttl\":%d,"
	    "\"distcc_hosts\":\"", c->heartbeat, c->refresh_after, c->ttl);
	/* a line holds only addresses, digits, ':', '/', '[', ']' and
	 * spaces: nothing to escape */
	buf_add(&b, l->all.line.s, l->all.line.len);
	buf_printf(&b, "\",\"pool_threads\":%d,\"pool_busy\":%d,\"members\":[",
	    l->all.threads, l->all.busy);
	buf_add(&b, members->s, members->len);
	buf_puts(&b, "],\"compilers\":{");
	left = WIRE_REPLY_MAX - REPLY_FIXED;
	left = left > b.len ? left - b.len : 0;
	for (i = 0; i < nfps; i++) {
		fp_line(h, l, fps[i], left / (size_t)(nfps - i), &fl);
		buf_printf(&b, "%s\"%s\":{\"hosts\":\"", i ? "," : "", fps[i]);
		buf_add(&b, fl.line.s, fl.line.len);
		buf_printf(&b, "\",\"threads\":%d}", fl.threads);
		left = left > fl.line.len + 64 ? left - fl.line.len - 64 : 0;
		buf_free(&fl.line);
	}
	buf_puts(&b, "}");
	if (h->secret[0] != '\0')
		buf_printf(&b, ",\"secret\":\"%s\"", h->secret);
	buf_puts(&b, "}\n");
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

/* An admin call on the project named in the path: false once it has
 * replied (no admin rights, or not a project name). */
static int
admin_project(struct req *r)
{
	if (!require_admin(r))
		return 0;
	if (!wire_name_valid(r->arg)) {
		reply_error(r, 400, "project must be " WIRE_NAME_RULE);
		return 0;
	}
	return 1;
}

/* POST /api/v1/checkin */
void
api_checkin(struct req *r)
{
	struct hosts_reply h;
	struct store_auth a;
	struct checkin c;
	enum store_result res;
	struct host_lists l;
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
	if (res == ST_OK) {
		host_lists_make(h.set, &h.req, &l);
		reply_hosts(r, &h, &l, h.fps, h.nfps);
		host_lists_free(&l);
	}
	else
		reply_store_error(r, res, err);
	hosts_reply_free(&h);
}

/* POST /api/v1/checkout */
void
api_checkout(struct req *r)
{
	char project[WIRE_NAME_MAX + 1], node[WIRE_NODE_ID_LEN + 1], err[ERR_MAX];
	char secret[WIRE_SECRET_LEN + 1];
	struct store_auth a;
	enum store_result res;
	struct buf b;

	if (checkout_parse(r->body, r->body_len, project, node, secret,
	    err) == -1) {
		reply_error(r, 400, "%s", err);
		return;
	}
	req_store_auth(r, &a);
	if ((res = store_checkout(project, node, secret, &a, err)) != ST_OK) {
		reply_store_error(r, res, err);
		return;
	}
	buf_init(&b);
	buf_puts(&b, "{\"ok\":true}\n");
	reply_json(r, 200, &b);
}

/* A 400 for a host-list request, counted. */
static void
err_invalid(struct req *r, const char *msg)
{
	metrics_hosts(CR_INVALID);
	reply_error(r, 400, "%s", msg);
}

static int
wants_text(struct req *r)
{
	const char *acc = req_header(r, "Accept");

	return acc != NULL && strstr(acc, "text/plain") != NULL &&
	    strstr(acc, "application/json") == NULL;
}

/* The reply of GET .../hosts: JSON, or with Accept: text/plain one line. */
static void
hosts_list_reply(struct req *r, const struct hosts_reply *h,
    struct host_lists *l, char (*fps)[WIRE_FP_LEN + 1], int nfps)
{
	char (*top)[WIRE_FP_LEN + 1];
	struct host_line fl;
	long idx[TOP_FPS];
	int i;

	if (wants_text(r)) {
		if (nfps == 1) {
			fp_line(h, l, fps[0], WIRE_HOSTS_MAX - 1, &fl);
			buf_add(&fl.line, "\n", 1);
			reply_text(r, 200, fl.line.s);
			buf_free(&fl.line);
		} else {
			buf_add(&l->all.line, "\n", 1);
			reply_text(r, 200, l->all.line.s);
		}
		return;
	}
	if (fps != NULL) {
		reply_hosts(r, h, l, fps, nfps);
		return;
	}
	/* no ?fp=: every fp among the requester's hosts, most common first */
	nfps = (int)hosts_top_fps(h->set, l->order, l->n, TOP_FPS, idx);
	top = xcalloc(nfps ? (size_t)nfps : 1, sizeof(*top));
	for (i = 0; i < nfps; i++)
		memcpy(top[i], h->set->fps[idx[i]], WIRE_FP_LEN + 1);
	reply_hosts(r, h, l, top, nfps);
	free(top);
}

/* Replies what the hostset rendered for the same request before, if it
 * remembers it (query: the ?fp= value); false when it does not. */
static int
memo_reply(struct req *r, const struct hosts_reply *h, const char *query)
{
	int text = wants_text(r);
	struct buf b;

	buf_init(&b);
	if (!hostset_memo_get(h->set, &h->req, text, query, &b))
		return 0;
	if (text) {
		reply_text(r, 200, b.s);
		buf_free(&b);
	} else
		reply_json(r, 200, &b);
	return 1;
}

/* GET /api/v1/projects/{name}/hosts?node=ID&cores=N&fp=A,B */
void
api_hosts(struct req *r)
{
	const char *node = req_query(r, "node"), *cores_s = req_query(r, "cores");
	const char *fp_s = req_query(r, "fp");
	char id[WIRE_NODE_ID_LEN + 1], err[ERR_MAX];
	char (*fps)[WIRE_FP_LEN + 1] = NULL;
	struct hosts_reply h;
	struct store_auth a;
	enum store_result res;
	struct host_lists l;
	long cores = 0;
	int nfps = 0;

	if (!wire_name_valid(r->arg)) {
		err_invalid(r, "project must be " WIRE_NAME_RULE);
		return;
	}
	if (node != NULL && *node != '\0') {
		if (wire_node_id(node, id) == -1) {
			err_invalid(r, "node must be " WIRE_NODE_ID_RULE);
			return;
		}
		node = id;
	} else
		node = NULL;
	if (cores_s != NULL && *cores_s != '\0' &&
	    str_to_long(cores_s, WIRE_CORES_MIN, WIRE_CORES_MAX, &cores) == -1) {
		seterr(err, "cores must be an integer %d..%d", WIRE_CORES_MIN,
		    WIRE_CORES_MAX);
		err_invalid(r, err);
		return;
	}
	if (fp_s != NULL && *fp_s != '\0') {
		fps = xcalloc(WIRE_FPS_MAX, sizeof(*fps));
		if ((nfps = fp_list_parse(fp_s, fps, WIRE_FPS_MAX, err)) == -1) {
			free(fps);
			err_invalid(r, err);
			return;
		}
		if (nfps > 1 && wants_text(r)) {
			free(fps);
			err_invalid(r, "text/plain takes one fp");
			return;
		}
	}
	req_store_auth(r, &a);
	hosts_reply_init(&h);
	res = store_hosts(r->arg, node, (int)cores, r->peer, r->peer_loopback,
	    &a, &h, err);
	metrics_hosts(metrics_result(res));
	if (res != ST_OK)
		reply_store_error(r, res, err);
	else if (!memo_reply(r, &h, fps != NULL ? fp_s : "")) {
		host_lists_make(h.set, &h.req, &l);
		hosts_list_reply(r, &h, &l, fps, nfps);
		host_lists_free(&l);
		hostset_memo_put(h.set, &h.req, wants_text(r),
		    fps != NULL ? fp_s : "", r->out.s, r->out.len);
	}
	free(fps);
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

	if (!admin_project(r))
		return;
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

/* PATCH /api/v1/projects/{name} (admin): {"advertise": bool} */
void
api_project_patch(struct req *r)
{
	enum store_result res;
	char err[ERR_MAX];
	struct buf b;
	int advertise;

	if (!admin_project(r))
		return;
	if (project_patch_parse(r->body, r->body_len, &advertise, err) == -1) {
		reply_error(r, 400, "%s", err);
		return;
	}
	if ((res = store_project_patch(r->arg, advertise, err)) != ST_OK) {
		reply_store_error(r, res, err);
		return;
	}
	buf_init(&b);
	buf_puts(&b, "{\"name\":");
	buf_json_str(&b, r->arg);
	buf_printf(&b, ",\"advertise\":%s}\n", advertise ? "true" : "false");
	reply_json(r, 200, &b);
}

/* DELETE /api/v1/projects/{name}/nodes?state=offline (admin) */
void
api_project_purge(struct req *r)
{
	const char *state = req_query(r, "state");
	enum store_result res;
	char err[ERR_MAX];
	struct buf b;
	int deleted;

	if (!admin_project(r))
		return;
	if (state == NULL || strcmp(state, "offline") != 0) {
		reply_error(r, 400, "state=offline is required (only offline "
		    "nodes are purged)");
		return;
	}
	if ((res = store_project_purge(r->arg, &deleted, err)) != ST_OK) {
		reply_store_error(r, res, err);
		return;
	}
	buf_init(&b);
	buf_printf(&b, "{\"deleted\":%d}\n", deleted);
	reply_json(r, 200, &b);
}

/* A project's view for readers with its key or the admin token. */
static void
project_view(struct req *r, enum store_result (*view)(const char *,
    const struct store_auth *, struct buf *, char *))
{
	enum store_result res;
	struct store_auth a;
	char err[ERR_MAX];
	struct buf b;

	if (!wire_name_valid(r->arg)) {
		reply_error(r, 400, "project must be " WIRE_NAME_RULE);
		return;
	}
	req_store_auth(r, &a);
	buf_init(&b);
	if ((res = view(r->arg, &a, &b, err)) != ST_OK) {
		buf_free(&b);
		reply_store_error(r, res, err);
		return;
	}
	reply_json(r, 200, &b);
}

/* GET /api/v1/projects/{name}/history (key) */
void
api_project_history(struct req *r)
{
	project_view(r, view_history_json);
}

/* GET /api/v1/projects/{name}/activity (key) */
void
api_project_activity(struct req *r)
{
	project_view(r, view_activity_json);
}

/* GET /api/v1/nodes[?project=NAME]: a keyed project's with its key; all
 * open projects' without a project, every project's for the admin. */
void
api_nodes_list(struct req *r)
{
	const char *project = req_query(r, "project");
	enum store_result res;
	struct store_auth a;
	char err[ERR_MAX];
	struct buf b;

	if (project != NULL && *project == '\0')
		project = NULL;
	if (project != NULL && !wire_name_valid(project)) {
		reply_error(r, 400, "project must be " WIRE_NAME_RULE);
		return;
	}
	req_store_auth(r, &a);
	buf_init(&b);
	if ((res = view_nodes_json(project, &a, &b, err)) != ST_OK) {
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

/* GET /healthz: 200 "ok" when the database answers and is still the
 * file the server opened. */
void
api_healthz(struct req *r)
{
	char err[ERR_MAX];

	if (store_ping(err))
		reply_text(r, 200, "ok\n");
	else
		reply_error(r, 503, "%s", err);
}

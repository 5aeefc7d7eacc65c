/*
 * routes.c — the route table: method and path pattern to handler. A '*'
 * in a pattern matches one non-empty path segment, which the handler finds
 * in req->arg. Anything else GET may fetch is an embedded panel file.
 */
#include <string.h>

#include "server.h"

static const struct route {
	const char *method;		/* "GET" also answers HEAD */
	const char *pattern;
	handler_fn fn;
} routes[] = {
	{ "POST",   "/api/v1/checkin",		api_checkin },
	{ "POST",   "/api/v1/checkout",		api_checkout },
	{ "GET",    "/api/v1/projects",		api_projects_list },
	{ "POST",   "/api/v1/projects",		api_project_create },
	{ "DELETE", "/api/v1/projects/*",	api_project_delete },
	{ "GET",    "/api/v1/projects/*/hosts",	api_hosts },
	{ "GET",    "/api/v1/projects/*/history", api_project_history },
	{ "GET",    "/api/v1/nodes",		api_nodes_list },
	{ "DELETE", "/api/v1/nodes/*",		api_node_delete },
	{ "GET",    "/api/v1/server",		web_server_info },
	{ "GET",    "/metrics",			api_metrics },
	{ "GET",    "/healthz",			api_healthz },
	/* the predecessor's API, for machines running its client */
	{ "GET",    "/api/checkin",		legacy_checkin },
	{ "GET",    "/api/getProjectList",	legacy_project_list },
	{ "GET",    "/api/getAllHosts",		legacy_all_hosts },
	{ "GET",    "/api/createProject",	legacy_create_project },
	{ "GET",    "/api/deleteProject",	legacy_delete_project },
	{ "GET",    "/api/deleteHost",		legacy_delete_host },
};

/* Matches path against pattern; the '*' segment is copied to arg (empty
 * when it does not fit, which every handler rejects as invalid). */
static int
match(const char *pattern, const char *path, char *arg, size_t argsize)
{
	const char *seg;
	size_t n;

	while (*pattern) {
		if (*pattern == '*') {
			seg = path;
			while (*path && *path != '/')
				path++;
			n = (size_t)(path - seg);
			if (n == 0)
				return 0;
			if (n < argsize) {
				memcpy(arg, seg, n);
				arg[n] = '\0';
			} else
				arg[0] = '\0';
			pattern++;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *path == '\0';
}

static int
method_is(const char *want, const char *method)
{
	return strcmp(want, method) == 0 ||
	    (strcmp(want, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

/* Runs the handler the request's method and path name, or answers 404/405. */
void
routes_dispatch(struct req *r)
{
	static const char *const allow[] = {
		"GET, HEAD", "POST", "DELETE", "GET, HEAD, POST",
	};
	int get = 0, post = 0, del = 0;
	size_t i;

	for (i = 0; i < NELEM(routes); i++) {
		if (!match(routes[i].pattern, r->path, r->arg, sizeof(r->arg)))
			continue;
		if (method_is(routes[i].method, r->method)) {
			routes[i].fn(r);
			return;
		}
		get |= strcmp(routes[i].method, "GET") == 0;
		post |= strcmp(routes[i].method, "POST") == 0;
		del |= strcmp(routes[i].method, "DELETE") == 0;
	}
	if (get || post || del) {
		r->allow = get && post ? allow[3] : get ? allow[0] :
		    post ? allow[1] : allow[2];
		reply_error(r, 405, "method %s not allowed here (allowed: %s)",
		    r->method, r->allow);
		return;
	}
	if (method_is("GET", r->method) && panel_serve(r))
		return;
	reply_error(r, 404, "not found");
}

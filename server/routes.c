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
	{ "PATCH",  "/api/v1/projects/*",	api_project_patch },
	{ "GET",    "/api/v1/projects/*/hosts",	api_hosts },
	{ "GET",    "/api/v1/projects/*/history", api_project_history },
	{ "GET",    "/api/v1/projects/*/activity", api_project_activity },
	{ "DELETE", "/api/v1/projects/*/nodes",	api_project_purge },
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

/* Runs the handler the request's method and path name, or answers 404 or
 * 405 (with Allow: the methods the path has). */
void
routes_dispatch(struct req *r)
{
	static const char *const methods[] = { "GET", "POST", "PATCH", "DELETE" };
	/* the Allow header outlives this call: the reply goes out from this
	 * thread right after it */
	static _Thread_local char allow[64];
	unsigned have = 0;
	size_t i, k;

	for (i = 0; i < NELEM(routes); i++) {
		if (!match(routes[i].pattern, r->path, r->arg, sizeof(r->arg)))
			continue;
		if (method_is(routes[i].method, r->method)) {
			routes[i].fn(r);
			return;
		}
		for (k = 0; k < NELEM(methods); k++)
			if (strcmp(routes[i].method, methods[k]) == 0)
				have |= 1u << k;
	}
	if (have != 0) {
		allow[0] = '\0';
		for (k = 0; k < NELEM(methods); k++)
			if (have & (1u << k)) {
				if (allow[0] != '\0')
					strcat(allow, ", ");
				strcat(allow, methods[k]);
				if (k == 0)
					strcat(allow, ", HEAD");
			}
		r->allow = allow;
		reply_error(r, 405, "method %s not allowed here (allowed: %s)",
		    r->method, allow);
		return;
	}
	if (method_is("GET", r->method) && panel_serve(r))
		return;
	reply_error(r, 404, "not found");
}

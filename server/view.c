/*
 * view.c — the registry rendered for readers: the project and node lists,
 * a project's history, the Prometheus gauges, and the predecessor's lists.
 * Each takes the registry lock for the time of one rendering.
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

/* Appends {"projects":[…]} (GET /api/v1/projects). */
void
view_projects_json(struct buf *b)
{
	struct project *p;
	double now = now_monotonic();
	int nodes, threads;

	buf_puts(b, "{\"projects\":[");
	store_lock();
	for (p = store_projects(); p; p = p->next) {
		store_project_counts(p, now, &nodes, &threads);
		buf_puts(b, p == store_projects() ? "{\"name\":" : ",{\"name\":");
		buf_json_str(b, p->name);
		buf_printf(b, ",\"keyed\":%s,\"nodes_online\":%d,"
		    "\"threads_online\":%d,\"created\":%lld}",
		    p->key[0] ? "true" : "false", nodes, threads,
		    (long long)p->created);
	}
	store_unlock();
	buf_puts(b, "]}\n");
}

static void
node_json(struct buf *b, const struct node *n, double now, int64_t wall)
{
	buf_puts(b, "{\"id\":\"");
	buf_puts(b, n->id);
	buf_puts(b, "\",\"project\":");
	buf_json_str(b, n->proj->name);
	buf_puts(b, ",\"hostname\":");
	buf_json_str(b, n->hostname);
	buf_puts(b, ",\"owner\":");
	buf_json_str(b, n->owner);
	buf_printf(b, ",\"addr\":\"%s\",\"port\":%d,\"cores\":%d,\"nice\":%d,"
	    "\"load\":[%.2f,%.2f,%.2f],\"version\":", n->addr, n->port,
	    n->cores, n->nice, n->load[0], n->load[1], n->load[2]);
	buf_json_str(b, n->version);
	buf_printf(b, ",\"compilers\":%s,\"legacy\":%s,\"state\":\"%s\","
	    "\"last_seen\":%lld,\"age\":%lld}", n->compilers,
	    n->legacy ? "true" : "false",
	    store_node_online(n, now) ? "online" : "offline", (long long)n->last_seen,
	    (long long)(wall - n->last_seen < 0 ? 0 : wall - n->last_seen));
}

/* Appends {"nodes":[…]} of one project (or all when project is NULL). */
enum store_result
view_nodes_json(const char *project, struct buf *b, char *err)
{
	struct project *p, *only = NULL;
	double now = now_monotonic();
	int64_t wall = (int64_t)now_wall();
	int first = 1;
	size_t i;

	store_lock();
	if (project != NULL && (only = store_find(project)) == NULL) {
		store_unlock();
		seterr(err, "no project '%s'", project);
		return ST_NOT_FOUND;
	}
	buf_puts(b, "{\"nodes\":[");
	for (p = store_projects(); p; p = p->next) {
		if (only != NULL && p != only)
			continue;
		for (i = 0; i < p->n; i++) {
			if (!first)
				buf_puts(b, ",");
			first = 0;
			node_json(b, p->nodes[i], now, wall);
		}
	}
	store_unlock();
	buf_puts(b, "]}\n");
	return ST_OK;
}

/* Appends a project's pool-size history. */
enum store_result
view_history_json(const char *name, struct buf *b, char *err)
{
	struct project *p;
	int64_t wall = (int64_t)now_wall();

	store_lock();
	if ((p = store_find(name)) == NULL) {
		store_unlock();
		seterr(err, "no project '%s'", name);
		return ST_NOT_FOUND;
	}
	buf_puts(b, "{\"project\":");
	buf_json_str(b, p->name);
	buf_printf(b, ",\"now\":%lld,\"window\":%d,\"samples\":",
	    (long long)wall, HISTORY_WINDOW);
	history_json(&p->hist, wall, b);
	store_unlock();
	buf_puts(b, "}\n");
	return ST_OK;
}

/* Appends the registry's gauges in Prometheus text format. */
void
view_metrics(struct buf *b)
{
	struct project *p;
	double now = now_monotonic();
	int nodes, threads;
	struct buf t;

	buf_init(&t);
	store_lock();
	buf_printf(b, "# HELP dyndistcc_projects Projects.\n"
	    "# TYPE dyndistcc_projects gauge\ndyndistcc_projects %zu\n", store_nprojects());
	buf_puts(b, "# HELP dyndistcc_nodes_online Nodes seen within ttl, per project.\n"
	    "# TYPE dyndistcc_nodes_online gauge\n");
	buf_puts(&t, "# HELP dyndistcc_threads_online Cores of the online nodes, per project.\n"
	    "# TYPE dyndistcc_threads_online gauge\n");
	for (p = store_projects(); p; p = p->next) {
		store_project_counts(p, now, &nodes, &threads);
		buf_printf(b, "dyndistcc_nodes_online{project=\"%s\"} %d\n",
		    p->name, nodes);
		buf_printf(&t, "dyndistcc_threads_online{project=\"%s\"} %d\n",
		    p->name, threads);
	}
	store_unlock();
	buf_add(b, t.s, t.len);
	buf_free(&t);
}

/* The predecessor's getProjectList: [{"projectID":1,"name":"p"}], open
 * projects only. */
void
view_legacy_projects_json(struct buf *b)
{
	struct project *p;
	int first = 1;

	buf_puts(b, "[");
	store_lock();
	for (p = store_projects(); p; p = p->next) {
		if (p->key[0] != '\0')
			continue;
		buf_printf(b, "%s{\"projectID\":%lld,\"name\":", first ? "" : ",",
		    (long long)p->id);
		buf_json_str(b, p->name);
		buf_puts(b, "}");
		first = 0;
	}
	store_unlock();
	buf_puts(b, "]");
}

/* The predecessor's getAllHosts, for the nodes of open projects. */
void
view_legacy_hosts_json(struct buf *b)
{
	struct project *p;
	const struct node *n;
	int first = 1, id = 0;
	size_t i;

	buf_puts(b, "[");
	store_lock();
	for (p = store_projects(); p; p = p->next) {
		if (p->key[0] != '\0')
			continue;
		for (i = 0; i < p->n; i++) {
			n = p->nodes[i];
			buf_printf(b, "%s{\"hostID\":%d,\"hash\":\"%s\","
			    "\"ipAddr\":\"%s\",\"projectID\":%lld,\"ownerName\":",
			    first ? "" : ",", ++id, n->id, n->addr,
			    (long long)p->id);
			buf_json_str(b, n->owner);
			buf_printf(b, ",\"lastContact\":%lld,\"swVersion\":",
			    (long long)n->last_seen * 1000);
			buf_json_str(b, n->version);
			buf_printf(b, ",\"threads\":%d}", n->cores);
			first = 0;
		}
	}
	store_unlock();
	buf_puts(b, "]");
}

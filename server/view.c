/*
 * view.c — the registry rendered for readers: the project and node lists,
 * a project's history, the Prometheus gauges, and the predecessor's lists.
 * Each takes the registry lock for the time of one rendering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

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
		buf_printf(b, ",\"keyed\":%s,\"advertise\":%s,"
		    "\"nodes_online\":%d,\"threads_online\":%d,"
		    "\"created\":%lld}", p->key[0] ? "true" : "false",
		    p->advertise ? "true" : "false", nodes, threads,
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
	buf_printf(b, ",\"addr\":\"%s\",\"advertised\":%s,\"port\":%d,"
	    "\"cores\":%d,\"slots\":%d,\"nice\":%d,\"sched\":\"%s\","
	    "\"admission\":\"%s\",\"load\":[%.2f,%.2f,%.2f],\"version\":",
	    n->addr, strcmp(n->addr, n->conn) != 0 ? "true" : "false", n->port,
	    n->cores, n->slots, n->nice, n->sched_idle ? "idle" : "nice",
	    n->live ? "live" : "allow", n->load[0], n->load[1], n->load[2]);
	buf_json_str(b, n->version);
	buf_printf(b, ",\"health\":{\"ok\":%s,\"reason\":",
	    n->healthy ? "true" : "false");
	buf_json_str(b, n->reason);
	buf_printf(b, "},\"jobs\":{\"running\":%d,\"served\":%.0f},"
	    "\"compilers\":%s,\"legacy\":%s,\"state\":\"%s\","
	    "\"last_seen\":%lld,\"age\":%lld}", n->running,
	    n->served_base + n->served, n->comp->json,
	    n->legacy ? "true" : "false",
	    store_node_online(n, now) ? "online" : "offline", (long long)n->last_seen,
	    (long long)(wall - n->last_seen < 0 ? 0 : wall - n->last_seen));
}

/* Appends {"nodes":[…]} of one project, which the key must open; without a
 * project, of every open project, and of every project for the admin. */
enum store_result
view_nodes_json(const char *project, const struct store_auth *a,
    struct buf *b, char *err)
{
	struct project *p, *only = NULL;
	enum store_result res;
	double now = now_monotonic();
	int64_t wall = (int64_t)now_wall();
	int first = 1;
	size_t i;

	store_lock();
	if (project != NULL &&
	    (only = store_project_for(project, a, &res, err)) == NULL) {
		store_unlock();
		return res;
	}
	buf_puts(b, "{\"nodes\":[");
	for (p = store_projects(); p; p = p->next) {
		if ((only != NULL && p != only) ||
		    (only == NULL && p->key[0] != '\0' && !a->admin))
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

/* Appends a project's pool-size history (key). */
enum store_result
view_history_json(const char *name, const struct store_auth *a,
    struct buf *b, char *err)
{
	struct project *p;
	enum store_result res;
	int64_t wall = (int64_t)now_wall();

	store_lock();
	if ((p = store_project_for(name, a, &res, err)) == NULL) {
		store_unlock();
		return res;
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

struct building {			/* one sender of running jobs */
	const char *addr;
	const struct node *node;	/* the member at addr, or NULL */
	int	 jobs;
};

static int
building_cmp(const void *a, const void *b)
{
	const struct building *x = a, *y = b;

	if (x->jobs != y->jobs)
		return x->jobs > y->jobs ? -1 : 1;
	return strcmp(x->addr, y->addr);
}

static int
addr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct building *)a)->addr,
	    ((const struct building *)b)->addr);
}

/* "building": the senders of the jobs running on the online nodes, summed
 * per address, each with the member node checking in from it. */
static void
activity_building(const struct project *p, double now, struct buf *b)
{
	struct building *v = NULL, *m = NULL, key, *hit;
	const struct node *n;
	size_t nv = 0, nm = 0, i, k;
	int j;

	for (i = 0; i < p->n; i++) {
		n = p->nodes[i];
		if (!store_node_online(n, now))
			continue;
		m = xreallocarray(m, nm + 1, sizeof(*m));
		m[nm].addr = n->conn;
		m[nm++].node = n;
		for (j = 0; j < n->nsenders; j++) {
			v = xreallocarray(v, nv + 1, sizeof(*v));
			v[nv].addr = n->senders[j].addr;
			v[nv].node = NULL;
			v[nv++].jobs = n->senders[j].running;
		}
	}
	/* sum per address */
	if (nv > 0)		/* v is NULL when empty, which qsort may not get */
		qsort(v, nv, sizeof(*v), addr_cmp);
	for (i = 0, k = 0; i < nv; i++) {
		if (k > 0 && strcmp(v[k - 1].addr, v[i].addr) == 0)
			v[k - 1].jobs += v[i].jobs;
		else
			v[k++] = v[i];
	}
	nv = k;
	if (nm > 0)
		qsort(m, nm, sizeof(*m), addr_cmp);
	for (i = 0; i < nv; i++) {
		key.addr = v[i].addr;
		if ((hit = bsearch(&key, m, nm, sizeof(*m), addr_cmp)) != NULL)
			v[i].node = hit->node;
	}
	if (nv > 0)
		qsort(v, nv, sizeof(*v), building_cmp);
	buf_puts(b, "\"building\":[");
	for (i = 0; i < nv; i++) {
		n = v[i].node;
		buf_printf(b, "%s{\"addr\":\"%s\",\"node\":", i ? "," : "",
		    v[i].addr);
		if (n != NULL) {
			buf_printf(b, "\"%s\",\"hostname\":", n->id);
			buf_json_str(b, n->hostname);
			buf_puts(b, ",\"owner\":");
			buf_json_str(b, n->owner);
		} else
			buf_puts(b, "null,\"hostname\":null,\"owner\":null");
		buf_printf(b, ",\"jobs\":%d}", v[i].jobs);
	}
	buf_puts(b, "]");
	free(v);
	free(m);
}

struct comp_row {			/* one compiler of one online node */
	const char *name, *fp, *version, *target;
	const char *node;
};

static int
comp_cmp(const void *a, const void *b)
{
	const struct comp_row *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0 ||
	    (c = strcmp(x->fp, y->fp)) != 0 ||
	    (c = strcmp(x->version, y->version)) != 0 ||
	    (c = strcmp(x->target, y->target)) != 0)
		return c;
	return strcmp(x->node, y->node);
}

static const char *
json_str(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : "";
}

/* "compilers": the online nodes' compilers grouped by name, then
 * fingerprint (then version and target: 1.0 nodes have no fingerprint),
 * each group with its nodes, so a mismatch shows as two groups of a name. */
static void
activity_compilers(const struct project *p, double now, struct buf *b)
{
	struct comp_row *v = NULL, *r;
	cJSON **parsed = xcalloc(p->n ? p->n : 1, sizeof(*parsed));
	const cJSON *it;
	size_t nv = 0, i, np = 0;
	int open = 0;

	for (i = 0; i < p->n; i++) {
		if (!store_node_online(p->nodes[i], now))
			continue;
		if ((parsed[np] = cJSON_Parse(p->nodes[i]->comp->json)) == NULL)
			continue;
		cJSON_ArrayForEach(it, parsed[np]) {
			v = xreallocarray(v, nv + 1, sizeof(*v));
			r = &v[nv++];
			r->name = json_str(it, "name");
			r->fp = json_str(it, "fp");
			r->version = json_str(it, "version");
			r->target = json_str(it, "target");
			r->node = p->nodes[i]->id;
		}
		np++;
	}
	if (nv > 0)
		qsort(v, nv, sizeof(*v), comp_cmp);
	buf_puts(b, "\"compilers\":[");
	for (i = 0; i < nv; i++) {
		r = &v[i];
		if (i == 0 || strcmp(r->name, v[i - 1].name) != 0 ||
		    strcmp(r->fp, v[i - 1].fp) != 0 ||
		    strcmp(r->version, v[i - 1].version) != 0 ||
		    strcmp(r->target, v[i - 1].target) != 0) {
			if (open)
				buf_puts(b, "]},");
			buf_puts(b, "{\"name\":");
			buf_json_str(b, r->name);
			if (r->fp[0] != '\0')
				buf_printf(b, ",\"fp\":\"%s\"", r->fp);
			else
				buf_puts(b, ",\"fp\":null");
			buf_puts(b, ",\"version\":");
			buf_json_str(b, r->version);
			buf_puts(b, ",\"target\":");
			buf_json_str(b, r->target);
			buf_printf(b, ",\"nodes\":[\"%s\"", r->node);
			open = 1;
		} else
			buf_printf(b, ",\"%s\"", r->node);
	}
	buf_puts(b, open ? "]}]" : "]");
	free(v);
	for (i = 0; i < np; i++)
		cJSON_Delete(parsed[i]);
	free(parsed);
}

/* Appends what a project is doing now (key): its slots and jobs, who is
 * building on it, and its compilers. */
enum store_result
view_activity_json(const char *name, const struct store_auth *a,
    struct buf *b, char *err)
{
	struct project *p;
	enum store_result res;
	double now = now_monotonic();
	int slots = 0, busy = 0;
	size_t i;

	store_lock();
	if ((p = store_project_for(name, a, &res, err)) == NULL) {
		store_unlock();
		return res;
	}
	for (i = 0; i < p->n; i++)
		if (store_node_online(p->nodes[i], now)) {
			slots += store_node_slots(p->nodes[i]);
			busy += p->nodes[i]->running;
		}
	buf_puts(b, "{\"project\":");
	buf_json_str(b, p->name);
	buf_printf(b, ",\"slots\":%d,\"busy\":%d,", slots, busy);
	activity_building(p, now, b);
	buf_puts(b, ",");
	activity_compilers(p, now, b);
	store_unlock();
	buf_puts(b, "}\n");
	return ST_OK;
}

enum {
	F_NODES_ONLINE, F_THREADS, F_NODES, F_PROJ_RUNNING, F_PROJ_SERVED,
	F_PROJ_SLOTS, F_NODE_RUNNING, F_NODE_SERVED, F_NODE_SLOTS,
	F_NODE_HEALTHY, F_NODE_REASON, F_MAX
};

static void
label_value(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_add(b, "\\", 1);
		buf_add(b, s, 1);
	}
}

static int
version_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* dyndistcc_nodes{project,version}: online nodes per version. */
static void
metrics_versions(const struct project *p, double now, struct buf *b)
{
	const char **v = xcalloc(p->n ? p->n : 1, sizeof(*v));
	size_t i, j, n = 0;

	for (i = 0; i < p->n; i++)
		if (store_node_online(p->nodes[i], now))
			v[n++] = p->nodes[i]->version;
	qsort(v, n, sizeof(*v), version_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(v[j], v[i]) == 0; j++)
			;
		buf_printf(b, "dyndistcc_nodes{project=\"%s\",version=\"",
		    p->name);
		label_value(b, v[i]);
		buf_printf(b, "\"} %zu\n", j - i);
	}
	free(v);
}

/* Appends the sample of unhealthy node n of project name, its reason as a
 * label value (Prometheus escapes backslash, quote and newline; the server
 * keeps printable text only). */
static void
metrics_reason(struct buf *b, const char *name, const struct node *n)
{
	const char *r;

	buf_printf(b, "dyndistcc_node_health_reason{project=\"%s\",node=\"%s\","
	    "reason=\"", name, n->id);
	for (r = n->reason; *r != '\0'; r++) {
		if (*r == '\\' || *r == '"')
			buf_add(b, "\\", 1);
		buf_add(b, r, 1);
	}
	buf_puts(b, "\"} 1\n");
}

/* Appends the registry's gauges in Prometheus text format: per project,
 * and per online node (label `node`: its id). */
void
view_metrics(struct buf *b)
{
	static const struct { const char *name, *type, *help; } fams[F_MAX] = {
		[F_NODES_ONLINE] = { "dyndistcc_nodes_online", "gauge",
		    "Nodes seen within ttl, per project." },
		[F_THREADS] = { "dyndistcc_threads_online", "gauge",
		    "Cores of the online nodes, per project." },
		[F_NODES] = { "dyndistcc_nodes", "gauge",
		    "Online nodes per project and dyndistcc version." },
		[F_PROJ_RUNNING] = { "dyndistcc_project_jobs_running", "gauge",
		    "Jobs running on the online nodes, per project." },
		[F_PROJ_SERVED] = { "dyndistcc_project_jobs_served_total",
		    "counter", "Jobs the nodes finished, per project, "
		    "since the server started." },
		[F_PROJ_SLOTS] = { "dyndistcc_project_slots", "gauge",
		    "Slots the host lists offer (healthy online nodes, each "
		    "at most max_cores), per project." },
		[F_NODE_RUNNING] = { "dyndistcc_node_jobs_running", "gauge",
		    "Jobs running on a node." },
		[F_NODE_SERVED] = { "dyndistcc_node_jobs_served_total",
		    "counter", "Jobs a node finished, summed over its "
		    "heartbeat's restarts." },
		[F_NODE_SLOTS] = { "dyndistcc_node_slots", "gauge",
		    "Slots a node offers now." },
		[F_NODE_HEALTHY] = { "dyndistcc_node_healthy", "gauge",
		    "1 when a node's self-check passes." },
		[F_NODE_REASON] = { "dyndistcc_node_health_reason", "gauge",
		    "1 for each unhealthy node, with the reason it gave." },
	};
	struct buf f[F_MAX];
	const struct project *p;
	const struct node *n;
	double now = now_monotonic();
	int nodes, threads, running, slots;
	size_t i, k;

	for (k = 0; k < F_MAX; k++) {
		buf_init(&f[k]);
		buf_printf(&f[k], "# HELP %s %s\n# TYPE %s %s\n", fams[k].name,
		    fams[k].help, fams[k].name, fams[k].type);
	}
	store_lock();
	buf_printf(b, "# HELP dyndistcc_projects Projects.\n"
	    "# TYPE dyndistcc_projects gauge\ndyndistcc_projects %zu\n",
	    store_nprojects());
	for (p = store_projects(); p; p = p->next) {
		store_project_counts(p, now, &nodes, &threads);
		running = slots = 0;
		for (i = 0; i < p->n; i++) {
			n = p->nodes[i];
			if (!store_node_online(n, now))
				continue;
			running += n->running;
			slots += store_node_slots(n);
			buf_printf(&f[F_NODE_RUNNING], "dyndistcc_node_jobs_running"
			    "{project=\"%s\",node=\"%s\"} %d\n", p->name, n->id,
			    n->running);
			buf_printf(&f[F_NODE_SERVED], "dyndistcc_node_jobs_served_"
			    "total{project=\"%s\",node=\"%s\"} %.0f\n", p->name,
			    n->id, n->served_base + n->served);
			buf_printf(&f[F_NODE_SLOTS], "dyndistcc_node_slots"
			    "{project=\"%s\",node=\"%s\"} %d\n", p->name, n->id,
			    n->slots);
			buf_printf(&f[F_NODE_HEALTHY], "dyndistcc_node_healthy"
			    "{project=\"%s\",node=\"%s\"} %d\n", p->name, n->id,
			    n->healthy);
			if (!n->healthy)
				metrics_reason(&f[F_NODE_REASON], p->name, n);
		}
		buf_printf(&f[F_NODES_ONLINE], "dyndistcc_nodes_online"
		    "{project=\"%s\"} %d\n", p->name, nodes);
		buf_printf(&f[F_THREADS], "dyndistcc_threads_online"
		    "{project=\"%s\"} %d\n", p->name, threads);
		metrics_versions(p, now, &f[F_NODES]);
		buf_printf(&f[F_PROJ_RUNNING], "dyndistcc_project_jobs_running"
		    "{project=\"%s\"} %d\n", p->name, running);
		buf_printf(&f[F_PROJ_SERVED], "dyndistcc_project_jobs_served_total"
		    "{project=\"%s\"} %.0f\n", p->name, p->served_total);
		buf_printf(&f[F_PROJ_SLOTS], "dyndistcc_project_slots"
		    "{project=\"%s\"} %d\n", p->name, slots);
	}
	store_unlock();
	for (k = 0; k < F_MAX; k++) {
		buf_add(b, f[k].s, f[k].len);
		buf_free(&f[k]);
	}
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

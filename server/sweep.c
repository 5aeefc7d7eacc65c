/*
 * sweep.c — the once-a-second sweep of the registry: nodes that stopped
 * checking in go offline (and are logged once), each project's pool size
 * is sampled for its history, long-gone nodes are purged, and a database
 * file deleted under the server is noticed.
 */
#include <string.h>

#include "server.h"

static double last_purge;	/* monotonic time of the last purge pass */

/* Expunges nodes not seen for purge_after seconds, in one transaction. */
static void
purge(int64_t wall, double now)
{
	const struct server_config *cfg = store_config();
	struct project *p;
	char err[ERR_MAX];
	size_t i;
	int rc, any = 0;

	if (cfg->purge_after == 0 || !store_db_usable(now, err))
		return;
	for (p = store_projects(); p && !any; p = p->next)
		for (i = 0; i < p->n && !any; i++)
			any = p->nodes[i]->seen < 0 &&
			    wall - p->nodes[i]->last_seen > cfg->purge_after;
	if (!any)
		return;
	if ((rc = db_begin(err)) != DB_OK)
		goto bad;
	for (p = store_projects(); p && rc == DB_OK; p = p->next)
		for (i = 0; i < p->n && rc == DB_OK; i++)
			if (p->nodes[i]->seen < 0 &&
			    wall - p->nodes[i]->last_seen > cfg->purge_after)
				rc = db_node_delete(p->id, p->nodes[i]->id, err);
	if (rc == DB_OK && (rc = db_commit(err)) == DB_OK) {
		for (p = store_projects(); p; p = p->next)
			for (i = p->n; i-- > 0;)
				if (p->nodes[i]->seen < 0 && wall -
				    p->nodes[i]->last_seen > cfg->purge_after) {
					store_log_node("node %s expunged from project %s "
					    "(not seen for %d s)", p->nodes[i]->id,
					    p->name, cfg->purge_after);
					store_node_remove(p->nodes[i]);
				}
		return;
	}
	db_rollback();
bad:
	store_db_result(rc, now);
	log_warn("purging old nodes: %s", err);
}

/* Once a second: notices nodes that stopped checking in, samples the pool
 * size for the history, and now and then purges long-gone nodes. */
void
sweep_run(void)
{
	const struct server_config *cfg = store_config();
	struct project *p;
	struct node *n;
	double now = now_monotonic();
	int64_t wall = (int64_t)now_wall();
	int nodes, threads, busy;
	size_t i;

	store_lock();
	store_db_check();
	for (p = store_projects(); p; p = p->next) {
		nodes = threads = busy = 0;
		for (i = 0; i < p->n; i++) {
			n = p->nodes[i];
			if (store_node_online(n, now)) {
				nodes++;
				threads += n->cores;
				busy += n->running;
				n->online = 1;
			} else if (n->online) {
				n->online = 0;
				if (n->seen >= 0)
					n->seen = -1;
				p->set_valid = 0;
				store_log_node("node %s (%s) left project %s (no "
				    "check-in for %d s)", n->id, n->hostname[0] ?
				    n->hostname : n->addr, p->name,
				    n->legacy ? cfg->legacy_ttl : cfg->ttl);
			}
		}
		/* busy moves all the time: at most every 5 s, so the
		 * ring (HISTORY_MAX) still spans the hour */
		if (threads != p->hist_threads || nodes != p->hist_nodes ||
		    (busy != p->hist_busy && wall - p->hist_t >= 5) ||
		    wall - p->hist_t >= 60) {
			history_add(&p->hist, wall, threads, nodes, busy);
			p->hist_threads = threads;
			p->hist_nodes = nodes;
			p->hist_busy = busy;
			p->hist_t = wall;
		}
	}
	store_log_flush();
	if (last_purge == 0)
		last_purge = now;
	if (now - last_purge >= (cfg->purge_after > 0 && cfg->purge_after < 60 ?
	    cfg->purge_after : 60)) {
		last_purge = now;
		purge(wall, now);
	}
	store_unlock();
}


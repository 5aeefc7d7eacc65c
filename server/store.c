/*
 * store.c — the registry. Projects and nodes live in memory, guarded by one
 * mutex; SQLite is written through only when something durable changes (a
 * project, or a node's identity: address, port, cores, nice, names,
 * compilers). A heartbeat that changes nothing but liveness and load costs
 * a hash lookup and no disk write, which is what keeps check-ins fast.
 * Liveness is soft state: after a crash, nodes are online again as soon as
 * they check in.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "server.h"

#define CACHE_MAX_AGE	1.0	/* seconds a sorted host list is reused */
#define BUSY_BACKOFF	1.0	/* seconds to fail fast after SQLITE_BUSY */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct server_config *cfg;
static struct project *projects;
static size_t nprojects;
static double busy_until;

/* Takes the registry lock: every registry call holds it, and view.c and
 * sweep.c hold it around their walks. */
void
store_lock(void)
{
	pthread_mutex_lock(&lock);
}

/* Releases the registry lock. */
void
store_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

/* The first project of the registry (they are linked by `next`). */
struct project *
store_projects(void)
{
	return projects;
}

/* How many projects there are. */
size_t
store_nprojects(void)
{
	return nprojects;
}

/* The configuration the registry was opened with. */
const struct server_config *
store_config(void)
{
	return cfg;
}

static size_t
id_hash(const char *id)
{
	return (size_t)hash_fnv1a(id, strlen(id), HASH_FNV_SEED);
}

/* The project named name, or NULL. */
struct project *
store_find(const char *name)
{
	struct project *p;

	for (p = projects; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static struct project *
project_find_id(int64_t id)
{
	struct project *p;

	for (p = projects; p; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

static struct project *
project_add(int64_t id, const char *name, const char *key, int64_t created)
{
	struct project *p = xcalloc(1, sizeof(*p)), **pp;

	p->id = id;
	str_copy(p->name, name, sizeof(p->name));
	str_copy(p->key, key ? key : "", sizeof(p->key));
	p->created = created;
	p->hist_threads = -1;
	for (pp = &projects; *pp; pp = &(*pp)->next)
		;
	*pp = p;
	nprojects++;
	return p;
}

static struct node *
node_find(const struct project *p, const char *id)
{
	struct node *n;

	if (p->tabsize == 0)
		return NULL;
	for (n = p->tab[id_hash(id) & (p->tabsize - 1)]; n; n = n->hnext)
		if (strcmp(n->id, id) == 0)
			return n;
	return NULL;
}

static void
tab_rehash(struct project *p, size_t size)
{
	struct node **tab = xcalloc(size, sizeof(*tab));
	size_t i, h;

	for (i = 0; i < p->n; i++) {
		h = id_hash(p->nodes[i]->id) & (size - 1);
		p->nodes[i]->hnext = tab[h];
		tab[h] = p->nodes[i];
	}
	free(p->tab);
	p->tab = tab;
	p->tabsize = size;
}

static struct node *
node_add(struct project *p, const char *id)
{
	struct node *n = xcalloc(1, sizeof(*n));
	size_t h;

	n->proj = p;
	str_copy(n->id, id, sizeof(n->id));
	n->seen = -1;
	n->cache_idx = -1;
	n->hostname = xstrdup("");
	n->owner = xstrdup("");
	n->version = xstrdup("");
	n->compilers = xstrdup("[]");
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->nodes = xreallocarray(p->nodes, p->cap, sizeof(*p->nodes));
	}
	n->idx = p->n;
	p->nodes[p->n++] = n;
	if (p->n > p->tabsize)
		tab_rehash(p, p->tabsize ? p->tabsize * 2 : 16);
	else {
		h = id_hash(id) & (p->tabsize - 1);
		n->hnext = p->tab[h];
		p->tab[h] = n;
	}
	return n;
}

static void
node_free(struct node *n)
{
	free(n->hostname);
	free(n->owner);
	free(n->version);
	free(n->compilers);
	free(n);
}

/* Unlinks and frees a node (the caller has deleted its row). */
void
store_node_remove(struct node *n)
{
	struct project *p = n->proj;
	struct node **np;

	for (np = &p->tab[id_hash(n->id) & (p->tabsize - 1)]; *np; np = &(*np)->hnext)
		if (*np == n) {
			*np = n->hnext;
			break;
		}
	p->nodes[n->idx] = p->nodes[--p->n];
	p->nodes[n->idx]->idx = n->idx;
	p->cache_valid = 0;
	node_free(n);
}

static void
project_free(struct project *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		node_free(p->nodes[i]);
	free(p->nodes);
	free(p->tab);
	free(p->cache);
	host_lines_free(&p->lines);
	history_free(&p->hist);
	free(p);
}

static void
project_remove(struct project *p)
{
	struct project **pp;

	for (pp = &projects; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	nprojects--;
	project_free(p);
}

/* True when the node checked in within its ttl (legacy_ttl for the
 * predecessor's clients) before monotonic time now. */
int
store_node_online(const struct node *n, double now)
{
	return n->seen >= 0 &&
	    now - n->seen <= (n->legacy ? cfg->legacy_ttl : cfg->ttl);
}

/* Counts a project's online nodes and their cores. */
void
store_project_counts(const struct project *p, double now, int *nodes,
    int *threads)
{
	size_t i;

	*nodes = *threads = 0;
	for (i = 0; i < p->n; i++)
		if (store_node_online(p->nodes[i], now)) {
			(*nodes)++;
			*threads += p->nodes[i]->cores;
		}
}

static struct node *
entry_node(const void *who)
{
	return (struct node *)(uintptr_t)who;
}

/* Rebuilds and renders the sorted list of online members when it is stale
 * (membership changed, or a second passed and loads moved). */
static void
cache_update(struct project *p, double now)
{
	struct host_entry *e;
	struct node *n;
	size_t i, total = 0;

	if (p->cache_valid && now - p->cache_built < CACHE_MAX_AGE)
		return;
	if (p->cachecap < p->n) {
		p->cachecap = p->n;
		p->cache = xreallocarray(p->cache, p->cachecap, sizeof(*p->cache));
	}
	for (i = 0; i < p->n; i++) {
		n = p->nodes[i];
		n->cache_idx = -1;
		if (!store_node_online(n, now))
			continue;
		e = &p->cache[total++];
		memset(e, 0, sizeof(*e));
		e->who = n;
		memcpy(e->addr, n->addr, sizeof(e->addr));
		e->port = n->port;
		e->cores = n->cores;
		e->spare = n->cores - n->load[0];
		e->loopback = wire_addr_is_loopback(n->addr);
	}
	p->ncache = hosts_sort(p->cache, total);
	hosts_prerender(p->cache, p->ncache, &p->lines);
	for (i = 0; i < p->ncache; i++)
		entry_node(p->cache[i].who)->cache_idx = (long)i;
	/* a node sharing addr:port with a kept one is that one, for itself */
	for (i = p->ncache; i < total; i++)
		entry_node(p->cache[i].who)->cache_idx =
		    entry_node(p->cache[i].alias)->cache_idx;
	p->cache_built = now;
	p->cache_valid = 1;
}

/* Initializes an empty reply. */
void
hosts_reply_init(struct hosts_reply *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->line);
	buf_init(&r->members);
}

/* Frees a reply's buffers. */
void
hosts_reply_free(struct hosts_reply *r)
{
	buf_free(&r->line);
	buf_free(&r->members);
}

static void
hosts_for(struct project *p, const struct node *self, int cores,
    int loopback_ok, double now, struct hosts_reply *r)
{
	cache_update(p, now);
	str_copy(r->project, p->name, sizeof(r->project));
	r->threads = hosts_splice(p->cache, &p->lines,
	    self ? self->cache_idx : -1, cores, loopback_ok, &r->line,
	    &r->members);
}

static int
authorized(const struct project *p, const struct store_auth *a)
{
	return p->key[0] == '\0' || a->admin || auth_equal(p->key, a->bearer);
}

/* The project a keyed call names, or NULL with *res and err saying why
 * (unknown, or the key does not open it). Called locked. */
static struct project *
project_for(const char *name, const struct store_auth *a,
    enum store_result *res, char *err)
{
	struct project *p = store_find(name);

	if (p == NULL) {
		seterr(err, "no project '%s'", name);
		*res = ST_NOT_FOUND;
	} else if (!authorized(p, a)) {
		seterr(err, "missing or wrong key for project '%s'", p->name);
		*res = ST_UNAUTHORIZED;
		p = NULL;
	}
	return p;
}

/* Maps a db.c status onto a registry result, and opens the fail-fast window
 * after a busy database so one locked file cannot queue every request. */
enum store_result
store_db_result(int rc, double now)
{
	if (rc == DB_OK)
		return ST_OK;
	if (rc == DB_BUSY) {
		busy_until = now + BUSY_BACKOFF;
		return ST_BUSY;
	}
	return rc == DB_EXISTS ? ST_EXISTS : ST_ERROR;
}

/* False (with err set) during the fail-fast window after a busy database. */
int
store_db_usable(double now, char *err)
{
	if (now < busy_until) {
		seterr(err, "database busy, try again shortly");
		return 0;
	}
	return 1;
}

static void
set_str(char **dst, const char *src)
{
	if (strcmp(*dst, src) != 0) {
		free(*dst);
		*dst = xstrdup(src);
	}
}

/* The shared check-in path of v1 and legacy. Called locked. */
static enum store_result
checkin_locked(struct project *p, const struct checkin *c, const char *addr,
    int legacy, int loopback_ok, struct hosts_reply *r, char *err)
{
	struct db_node d;
	struct node *n;
	double now = now_monotonic();
	int64_t wall = (int64_t)now_wall();
	char *comp = compilers_json(c);
	int rc, changed, was_online;

	n = node_find(p, c->node);
	changed = n == NULL || strcmp(n->addr, addr) != 0 || n->port != c->port ||
	    n->cores != c->cores || n->nice != c->nice || n->legacy != legacy ||
	    strcmp(n->hostname, c->hostname) != 0 ||
	    strcmp(n->owner, c->owner) != 0 ||
	    strcmp(n->version, c->version) != 0 ||
	    strcmp(n->compilers, comp) != 0;
	if (n == NULL && p->n >= (size_t)cfg->max_nodes) {
		seterr(err, "project '%s' is full (%d nodes); expunge old ones "
		    "or raise max_nodes", p->name, cfg->max_nodes);
		free(comp);
		return ST_EXISTS;
	}
	if (changed) {
		if (!store_db_usable(now, err)) {
			free(comp);
			return ST_BUSY;
		}
		d.project_id = p->id;
		d.id = c->node;
		d.addr = addr;
		d.port = c->port;
		d.cores = c->cores;
		d.nice = c->nice;
		d.hostname = c->hostname;
		d.owner = c->owner;
		d.version = c->version;
		d.compilers = comp;
		d.legacy = legacy;
		d.first_seen = n ? n->first_seen : wall;
		d.last_seen = wall;
		if ((rc = db_node_upsert(&d, err)) != DB_OK) {
			free(comp);
			return store_db_result(rc, now) == ST_BUSY ? ST_BUSY : ST_ERROR;
		}
	}
	if (n == NULL) {
		n = node_add(p, c->node);
		n->first_seen = wall;
	}
	if (changed) {
		if (strcmp(n->addr, addr) != 0 || n->port != c->port ||
		    n->cores != c->cores)
			p->cache_valid = 0;
		memcpy(n->addr, addr, sizeof(n->addr));
		n->port = c->port;
		n->cores = c->cores;
		n->nice = c->nice;
		n->legacy = legacy;
		set_str(&n->hostname, c->hostname);
		set_str(&n->owner, c->owner);
		set_str(&n->version, c->version);
		set_str(&n->compilers, comp);
	}
	free(comp);
	was_online = store_node_online(n, now);
	memcpy(n->load, c->load, sizeof(n->load));
	n->seen = now;
	n->last_seen = wall;
	if (!was_online) {
		n->online = 1;
		p->cache_valid = 0;
		log_info("node %s (%s, %s:%d, %d cores) joined project %s",
		    n->id, n->hostname[0] ? n->hostname : "-", n->addr, n->port,
		    n->cores, p->name);
	}
	hosts_for(p, n, n->cores, loopback_ok, now, r);
	return ST_OK;
}

/* Registers or refreshes a node from a validated check-in; `peer` is the
 * connection's address. Fills r with the node's host list. */
enum store_result
store_checkin(const struct checkin *c, const char *peer,
    const struct store_auth *a, int peer_loopback, struct hosts_reply *r,
    char *err)
{
	enum store_result res;
	struct project *p;
	const char *addr = c->addr[0] ? c->addr : peer;

	if (wire_addr_is_loopback(addr) && !peer_loopback) {
		seterr(err, "addr: a loopback address can only be advertised "
		    "from loopback");
		return ST_INVALID;
	}
	store_lock();
	if ((p = project_for(c->project, a, &res, err)) != NULL)
		res = checkin_locked(p, c, addr, 0, peer_loopback, r, err);
	store_unlock();
	return res;
}

/* Takes a node offline at once (it stays known, offline). */
enum store_result
store_checkout(const char *project, const char *node,
    const struct store_auth *a, char *err)
{
	enum store_result res = ST_OK;
	struct project *p;
	struct node *n;

	store_lock();
	if ((p = project_for(project, a, &res, err)) == NULL) {
		store_unlock();
		return res;
	}
	if ((n = node_find(p, node)) == NULL) {
		seterr(err, "no node %s in project '%s'", node, project);
		res = ST_NOT_FOUND;
	} else {
		if (store_node_online(n, now_monotonic()))
			log_info("node %s (%s) left project %s (checked out)",
			    n->id, n->hostname[0] ? n->hostname : n->addr, p->name);
		n->seen = -1;
		n->online = 0;
		p->cache_valid = 0;
	}
	store_unlock();
	return res;
}

/* The host list of a project for a requester that may or may not be a node
 * (node NULL or unknown); cores 0 means "the node's, or 2". */
enum store_result
store_hosts(const char *project, const char *node, int cores, int loopback_ok,
    const struct store_auth *a, struct hosts_reply *r, char *err)
{
	enum store_result res = ST_OK;
	struct project *p;
	const struct node *n = NULL;

	store_lock();
	if ((p = project_for(project, a, &res, err)) != NULL) {
		if (node != NULL)
			n = node_find(p, node);
		if (cores == 0)
			cores = n ? n->cores : 2;
		hosts_for(p, n, cores, loopback_ok, now_monotonic(), r);
	}
	store_unlock();
	return res;
}

/* Creates a project; key_out (WIRE_KEY_LEN + 1 bytes) receives its join key,
 * or "" for an open project. */
enum store_result
store_project_create(const char *name, int keyed, char *key_out, char *err)
{
	enum store_result res;
	double now = now_monotonic();
	int64_t id, created = (int64_t)now_wall();
	int rc;

	key_out[0] = '\0';
	if (keyed)
		auth_new_key(key_out);
	store_lock();
	if (store_find(name) != NULL) {
		seterr(err, "project '%s' exists", name);
		res = ST_EXISTS;
	} else if (!store_db_usable(now, err))
		res = ST_BUSY;
	else if ((rc = db_project_insert(name, keyed ? key_out : NULL, created,
	    &id, err)) != DB_OK) {
		res = store_db_result(rc, now);
		if (res == ST_EXISTS)
			seterr(err, "project '%s' exists", name);
	} else {
		project_add(id, name, keyed ? key_out : NULL, created);
		log_info("project %s created (%s)", name, keyed ? "keyed" : "open");
		res = ST_OK;
	}
	store_unlock();
	return res;
}

/* Deletes a project and its nodes; with open_only, only an open one. */
enum store_result
store_project_delete(const char *name, int open_only, char *err)
{
	enum store_result res = ST_OK;
	struct project *p;
	double now = now_monotonic();
	int rc;

	store_lock();
	if ((p = store_find(name)) == NULL) {
		seterr(err, "no project '%s'", name);
		res = ST_NOT_FOUND;
	} else if (open_only && p->key[0] != '\0') {
		seterr(err, "project '%s' has a key; delete it with the v1 API",
		    name);
		res = ST_FORBIDDEN;
	} else if (!store_db_usable(now, err))
		res = ST_BUSY;
	else if ((rc = db_project_delete(p->id, err)) != DB_OK)
		res = store_db_result(rc, now);
	else {
		log_info("project %s deleted (%zu nodes)", name, p->n);
		project_remove(p);
	}
	store_unlock();
	return res;
}

/* Expunges a node from every project it is in (in one transaction). With
 * open_only, only from open projects (the legacy API). */
enum store_result
store_node_delete(const char *id, int open_only, char *err)
{
	enum store_result res = ST_OK;
	struct project *p;
	struct node *n;
	double now = now_monotonic();
	int rc = DB_OK, found = 0;

	store_lock();
	if (!store_db_usable(now, err)) {
		store_unlock();
		return ST_BUSY;
	}
	if ((rc = db_begin(err)) != DB_OK)
		goto out;
	for (p = projects; p && rc == DB_OK; p = p->next)
		if ((!open_only || p->key[0] == '\0') && node_find(p, id)) {
			found = 1;
			rc = db_node_delete(p->id, id, err);
		}
	if (rc == DB_OK)
		rc = db_commit(err);
	if (rc != DB_OK) {
		db_rollback();
		goto out;
	}
	for (p = projects; p; p = p->next)
		if ((!open_only || p->key[0] == '\0') &&
		    (n = node_find(p, id)) != NULL) {
			log_info("node %s (%s) expunged from project %s", n->id,
			    n->hostname[0] ? n->hostname : n->addr, p->name);
			store_node_remove(n);
		}
out:
	if (rc != DB_OK)
		res = store_db_result(rc, now);
	else if (!found) {
		seterr(err, "no node %s", id);
		res = ST_NOT_FOUND;
	}
	store_unlock();
	return res;
}

static void
load_project(const struct db_project *dp, void *arg)
{
	(void)arg;
	if (!wire_name_valid(dp->name) ||
	    (dp->key && strlen(dp->key) != WIRE_KEY_LEN)) {
		log_warn("database: skipping project %lld with an invalid name "
		    "or key", (long long)dp->id);
		return;
	}
	project_add(dp->id, dp->name, dp->key, dp->created);
}

static void
load_node(const struct db_node *dn, void *arg)
{
	struct project *p = project_find_id(dn->project_id);
	char addr[WIRE_ADDR_MAX];
	struct node *n;
	cJSON *comp;
	double now = *(double *)arg, age;

	if (p == NULL)
		return;
	comp = cJSON_Parse(dn->compilers);
	if (wire_node_id(dn->id, NULL) == -1 || wire_addr_canonical(dn->addr, addr) == -1 ||
	    dn->port < WIRE_PORT_MIN || dn->port > WIRE_PORT_MAX ||
	    dn->cores < WIRE_CORES_MIN || dn->cores > WIRE_CORES_MAX ||
	    dn->nice < WIRE_NICE_MIN || dn->nice > WIRE_NICE_MAX ||
	    !wire_text_valid(dn->hostname, WIRE_TEXT_MAX) ||
	    !wire_text_valid(dn->owner, WIRE_TEXT_MAX) ||
	    !wire_text_valid(dn->version, WIRE_TEXT_MAX) || !cJSON_IsArray(comp)) {
		log_warn("database: skipping invalid node %.40s of project %s",
		    dn->id, p->name);
		cJSON_Delete(comp);
		return;
	}
	cJSON_Delete(comp);
	n = node_add(p, dn->id);
	memcpy(n->addr, addr, sizeof(n->addr));
	n->port = dn->port;
	n->cores = dn->cores;
	n->nice = dn->nice;
	n->legacy = dn->legacy != 0;
	set_str(&n->hostname, dn->hostname);
	set_str(&n->owner, dn->owner);
	set_str(&n->version, dn->version);
	set_str(&n->compilers, dn->compilers);
	n->first_seen = dn->first_seen;
	n->last_seen = dn->last_seen;
	/* keep the node's age across a restart, so a clean restart does not
	 * empty every host list until the next heartbeats; a node that was
	 * offline (checked out) at shutdown stays offline */
	age = now_wall() - (double)dn->last_seen;
	n->seen = !dn->gone && age >= 0 &&
	    age < (n->legacy ? cfg->legacy_ttl : cfg->ttl) ? now - age : -1;
	n->online = store_node_online(n, now);
}

/* Opens the database and loads the registry. */
int
store_open(const struct server_config *c, char *err)
{
	double now = now_monotonic();
	size_t nodes = 0;
	struct project *p;

	cfg = c;
	if (db_open(c->db, err) == -1)
		return -1;
	if (db_load(load_project, load_node, &now, err) != DB_OK) {
		db_close();
		return -1;
	}
	for (p = projects; p; p = p->next)
		nodes += p->n;
	log_sys("database %s: %zu projects, %zu nodes", c->db, nprojects, nodes);
	return 0;
}

/* Saves when each node was last seen, then closes the database. */
void
store_close(void)
{
	struct project *p;
	char err[ERR_MAX];
	size_t i;
	int rc;

	store_lock();
	if ((rc = db_begin(err)) == DB_OK) {
		for (p = projects; p && rc == DB_OK; p = p->next)
			for (i = 0; i < p->n && rc == DB_OK; i++)
				rc = db_node_touch(p->id, p->nodes[i]->id,
				    p->nodes[i]->last_seen,
				    !store_node_online(p->nodes[i], now_monotonic()), err);
		if (rc == DB_OK)
			rc = db_commit(err);
		if (rc != DB_OK)
			db_rollback();
	}
	if (rc != DB_OK)
		log_warn("saving last-seen times: %s", err);
	db_close();
	while (projects) {
		p = projects;
		projects = p->next;
		project_free(p);
	}
	nprojects = 0;
	store_unlock();
}

/* True when the database answers. */
int
store_ping(void)
{
	int ok;

	store_lock();
	ok = db_ping();
	store_unlock();
	return ok;
}

/* A check-in of the predecessor's client: open projects only. */
enum store_result
store_legacy_checkin(const struct legacy_query *q, const char *peer,
    struct hosts_reply *r, char *err)
{
	enum store_result res;
	struct checkin c;
	struct project *p;

	memset(&c, 0, sizeof(c));
	str_copy(c.project, q->project, sizeof(c.project));
	legacy_node_id(q->hash, c.node);
	str_copy(c.owner, q->username, sizeof(c.owner));
	str_copy(c.version, q->version, sizeof(c.version));
	c.cores = q->threads;
	c.port = WIRE_DISTCC_PORT;
	store_lock();
	if ((p = store_find(q->project)) == NULL) {
		seterr(err, "no project '%s'", q->project);
		res = ST_NOT_FOUND;
	} else if (p->key[0] != '\0') {
		seterr(err, "project '%s' needs a key; the legacy API serves "
		    "only open projects", p->name);
		res = ST_UNAUTHORIZED;
	} else
		res = checkin_locked(p, &c, peer, 1, wire_addr_is_loopback(peer), r,
		    err);
	store_unlock();
	return res;
}

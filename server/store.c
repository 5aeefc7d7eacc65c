/*
 * store.c — the registry. Projects and nodes live in memory, guarded by one
 * mutex; SQLite is written through only when something durable changes (a
 * project, or a node's identity: addresses, port, cores, nice, names,
 * compilers, secret; a check-out). A heartbeat that changes nothing but
 * liveness, load, slots, health and jobs costs a hash lookup and no disk
 * write, which is what keeps check-ins fast. Liveness is soft state: after
 * a crash, nodes are online again as soon as they check in.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "server.h"

#define CACHE_MAX_AGE	1.0	/* seconds a hostset is reused */
#define BUSY_BACKOFF	1.0	/* seconds to fail fast after SQLITE_BUSY */
#define LONG_AGO	(-1e18)	/* monotonic time before this process */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* "" of a node's text fields: most are empty (reason) or alike, and an
 * allocation per empty string costs more than the string */
static char empty[1];
static struct compset *compsets[256];	/* hash of the shared compiler sets */
static const struct server_config *cfg;
static struct project *projects;
static size_t nprojects;
static double busy_until;
static int db_lost;			/* the database file was deleted */
static char db_lost_why[ERR_MAX];
/* join and leave lines: a check-in/check-out loop must not flood the log */
static struct ratelimit node_log = { 100, 10, 0, 0, 0 };

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
project_add(int64_t id, const char *name, const char *key, int64_t created,
    int advertise)
{
	struct project *p = xcalloc(1, sizeof(*p)), **pp;

	p->id = id;
	str_copy(p->name, name, sizeof(p->name));
	str_copy(p->key, key ? key : "", sizeof(p->key));
	p->created = created;
	p->advertise = advertise != 0;
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

/* Sets a node's text field to src (a copy; "" is not allocated). */
static void
set_str(char **dst, const char *src)
{
	if (strcmp(*dst, src) == 0)
		return;
	if (*dst != empty)
		free(*dst);
	*dst = src[0] != '\0' ? xstrdup(src) : empty;
}

static void
str_free(char *s)
{
	if (s != empty)
		free(s);
}

/* The shared compiler set of json, one more reference to it; made when
 * new, its fingerprints the distinct ones of c's compilers (NULL: none). */
static struct compset *
compset_get(const char *json, const struct checkin *c)
{
	struct compset **head = &compsets[id_hash(json) & (NELEM(compsets) - 1)];
	struct compset *s;
	int i, j;

	for (s = *head; s != NULL; s = s->next)
		if (strcmp(s->json, json) == 0) {
			s->refs++;
			return s;
		}
	s = xcalloc(1, sizeof(*s));
	s->refs = 1;
	s->json = xstrdup(json);
	for (i = 0; c != NULL && i < c->ncompilers; i++) {
		if (c->compilers[i].fp[0] == '\0')
			continue;
		for (j = 0; j < s->nfps; j++)
			if (strcmp(s->fps[j], c->compilers[i].fp) == 0)
				break;
		if (j < s->nfps)
			continue;
		s->fps = xreallocarray(s->fps, (size_t)s->nfps + 1,
		    sizeof(*s->fps));
		memcpy(s->fps[s->nfps++], c->compilers[i].fp, WIRE_FP_LEN + 1);
	}
	s->next = *head;
	*head = s;
	return s;
}

/* Drops a reference to a compiler set; the last one frees it. */
static void
compset_put(struct compset *s)
{
	struct compset **sp;

	if (s == NULL || --s->refs > 0)
		return;
	for (sp = &compsets[id_hash(s->json) & (NELEM(compsets) - 1)]; *sp;
	    sp = &(*sp)->next)
		if (*sp == s) {
			*sp = s->next;
			break;
		}
	free(s->json);
	free(s->fps);
	free(s);
}

static struct node *
node_add(struct project *p, const char *id)
{
	struct node *n = xcalloc(1, sizeof(*n));
	size_t h;

	n->proj = p;
	str_copy(n->id, id, sizeof(n->id));
	n->seen = -1;
	n->entry = -1;
	n->healthy = 1;
	n->confirmed = LONG_AGO;
	n->hostname = n->owner = n->version = n->reason = empty;
	n->comp = compset_get("[]", NULL);
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
	str_free(n->hostname);
	str_free(n->owner);
	str_free(n->version);
	str_free(n->reason);
	compset_put(n->comp);
	free(n->senders);
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
	p->set_valid = 0;
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
	hostset_unref(p->set);
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

/* An [INFO] line about a node joining or leaving, at most a burst of 100
 * per 10 s; how many were left out is logged when the next period starts. */
void
store_log_node(const char *fmt, ...)
{
	unsigned int dropped;
	va_list ap;
	int ok;

	ok = ratelimit_pass(&node_log, now_monotonic(), &dropped);
	if (dropped)
		log_info("%u join/leave lines suppressed", dropped);
	if (!ok)
		return;
	va_start(ap, fmt);
	log_vmsg(LL_INFO, fmt, ap);
	va_end(ap);
}

/* Reports the join/leave lines left out, once their period is over (the
 * sweep calls this, so a flood that stops is still counted). */
void
store_log_flush(void)
{
	double now = now_monotonic();

	if (node_log.dropped && now - node_log.start >= node_log.period) {
		log_info("%u join/leave lines suppressed", node_log.dropped);
		node_log.dropped = node_log.count = 0;
		node_log.start = now;
	}
}

/* True when the node checked in within its ttl (legacy_ttl for the
 * predecessor's clients) before monotonic time now. */
int
store_node_online(const struct node *n, double now)
{
	return n->seen >= 0 &&
	    now - n->seen <= (n->legacy ? cfg->legacy_ttl : cfg->ttl);
}

/* The slots a node offers in host lists: what it reports, at most
 * max_cores; 0 while it is unhealthy. */
int
store_node_slots(const struct node *n)
{
	if (!n->healthy)
		return 0;
	return n->slots < cfg->max_cores ? n->slots : cfg->max_cores;
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

/* The latest check-in of an `allow` node that is at least allow_grace old
 * at now: the member list it had then is in its distccd's --allow by now
 * (a 1.0 heartbeat restarts distccd within 30 s of a change). */
static double
node_confirmed(struct node *n, double now)
{
	int i, k = 0;

	for (i = 0; i < n->npend; i++) {
		if (now - n->pend[i] >= cfg->allow_grace) {
			if (n->pend[i] > n->confirmed)
				n->confirmed = n->pend[i];
		} else
			n->pend[k++] = n->pend[i];
	}
	n->npend = k;
	return n->confirmed;
}

/* Notes a check-in at now for node_confirmed. With no room left the newest
 * pending time stands for this one: it confirms later, never earlier. */
static void
node_confirm_push(struct node *n, double now)
{
	node_confirmed(n, now);
	if (n->npend < (int)NELEM(n->pend))
		n->pend[n->npend++] = now;
}

/* Rebuilds the project's hostset when it is stale (membership changed, or
 * a second passed and slots and jobs moved). */
static void
set_update(struct project *p, double now)
{
	struct host_cand *c, *k;
	struct node *n;
	size_t i, total = 0;

	if (p->set != NULL && p->set_valid && now - p->set_built < CACHE_MAX_AGE)
		return;
	c = xcalloc(p->n ? p->n : 1, sizeof(*c));
	for (i = 0; i < p->n; i++) {
		n = p->nodes[i];
		n->entry = -1;
		if (!store_node_online(n, now))
			continue;
		k = &c[total++];
		k->id = n->id;
		k->addr = n->addr;
		k->conn = n->conn;
		k->port = n->port;
		k->held = n->held;
		k->hash = hosts_hash(n->id);
		k->slots = n->slots;
		k->busy = n->has_jobs ? n->running : n->load[0];
		k->running = n->running;
		k->healthy = n->healthy;
		/* the predecessor's clients never change their distccd */
		k->confirmed = n->live || n->legacy ? INFINITY :
		    node_confirmed(n, now);
		k->fps = n->comp->fps;
		k->nfps = n->comp->nfps;
	}
	hostset_unref(p->set);
	p->set = hostset_build(c, total, cfg->max_cores);
	for (i = 0, total = 0; i < p->n; i++)
		if (store_node_online(p->nodes[i], now))
			p->nodes[i]->entry = c[total++].entry;
	if (p->set->shadowed)
		warn_limited("project %s: %zu nodes claim an address and port "
		    "another node holds; they are not listed", p->name,
		    p->set->shadowed);
	if (p->set->members_cut)
		warn_limited("project %s: too many members for one reply; "
		    "some are left out", p->name);
	free(c);
	p->set_built = now;
	p->set_valid = 1;
}

/* Initializes an empty reply. */
void
hosts_reply_init(struct hosts_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->req.self = -1;
}

/* Drops a reply's reference to its hostset. */
void
hosts_reply_free(struct hosts_reply *r)
{
	hostset_unref(r->set);
	r->set = NULL;
}

/* When the requester's address came online: its node's, else that of the
 * earliest online node checking in from peer; +inf for a stranger (whom no
 * `allow` node admits). */
static double
requester_since(const struct project *p, const struct node *self,
    const char *peer, double now)
{
	double since = INFINITY;
	size_t i;

	if (self != NULL && store_node_online(self, now))
		return self->addr_online;
	for (i = 0; i < p->n; i++)
		if (p->nodes[i]->addr_online < since &&
		    strcmp(p->nodes[i]->conn, peer) == 0 &&
		    store_node_online(p->nodes[i], now))
			since = p->nodes[i]->addr_online;
	return since;
}

/* Fills r with what the requester's lists are made from: a reference to
 * the project's hostset and who asks. Called locked; the lines are
 * rendered after the lock is dropped. */
static void
hosts_for(struct project *p, const struct node *self, int cores,
    int loopback_ok, const char *peer, double now, struct hosts_reply *r)
{
	uint64_t bucket = (uint64_t)(now_wall() / cfg->refresh_after);

	set_update(p, now);
	str_copy(r->project, p->name, sizeof(r->project));
	r->set = hostset_ref(p->set);
	r->req.self = self != NULL ? self->entry : -1;
	r->req.since = requester_since(p, self, peer, now);
	/* the order changes every refresh_after, differently per requester */
	r->req.who = hosts_hash(self != NULL ? self->id : peer) ^
	    (bucket * 0x9e3779b97f4a7c15ULL);
	r->req.cores = cores;	/* its own, not capped: a pool of one */
	r->req.loopback_ok = loopback_ok;
}

/* True when the bearer opens project p. */
int
store_authorized(const struct project *p, const struct store_auth *a)
{
	return p->key[0] == '\0' || a->admin || auth_equal(p->key, a->bearer);
}

/* The project a keyed call names, or NULL with *res and err saying why
 * (unknown, or the key does not open it). Called locked. */
struct project *
store_project_for(const char *name, const struct store_auth *a,
    enum store_result *res, char *err)
{
	struct project *p = store_find(name);

	if (p == NULL) {
		seterr(err, "no project '%s'", name);
		*res = ST_NOT_FOUND;
	} else if (!store_authorized(p, a)) {
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

/* False (with err set) during the fail-fast window after a busy database,
 * and while the database file is gone. */
int
store_db_usable(double now, char *err)
{
	if (db_lost) {
		seterr(err, "%s; refusing changes until the server is "
		    "restarted", db_lost_why);
		return 0;
	}
	if (now < busy_until) {
		seterr(err, "database busy, try again shortly");
		return 0;
	}
	return 1;
}

/* Notices a database file deleted or replaced under the server (and one
 * put back): logs it once and refuses changes meanwhile. Called locked,
 * once a second. */
void
store_db_check(void)
{
	char err[ERR_MAX];
	int ok = db_file_ok(err);

	if (!ok && !db_lost) {
		str_copy(db_lost_why, err, sizeof(db_lost_why));
		log_error("%s; refusing changes and reporting unhealthy until "
		    "it is restored or the server restarts", err);
	} else if (ok && db_lost)
		log_sys("database file is back; accepting changes again");
	db_lost = !ok;
}

/* Does a client of this version keep the secret it is handed? 1.1 and
 * later do; a 1.0 heartbeat would drop it and be refused at its next
 * check-in, so its node stays unbound (as every node was in 1.0). */
static int
speaks_secrets(const char *version)
{
	long major, minor;
	char *end;

	major = strtol(version, &end, 10);
	if (end == version || *end != '.')
		return 0;
	minor = strtol(end + 1, &end, 10);
	return major > 1 || (major == 1 && minor >= 1);
}

/* The reported soft state: slots, scheduling, admission, health, jobs. */
static void
node_set_soft(struct project *p, struct node *n, const struct checkin *c)
{
	double delta;

	if (n->slots != c->slots || n->healthy != c->healthy ||
	    n->live != c->live)
		p->set_valid = 0;	/* listable or not: at once */
	n->slots = c->slots;
	n->sched_idle = c->sched_idle;
	n->live = c->live;
	n->healthy = c->healthy;
	set_str(&n->reason, c->reason);
	memcpy(n->load, c->load, sizeof(n->load));
	n->has_jobs = c->has_jobs;
	n->running = c->running;
	if (c->has_jobs) {
		/* a count lower than the last is a restarted heartbeat */
		if (c->served < n->served) {
			n->served_base += n->served;
			delta = c->served;
		} else
			delta = c->served - n->served;
		p->served_total += delta;
		n->served = c->served;
	}
	if (n->nsenders != c->nsenders) {
		free(n->senders);
		n->senders = c->nsenders ? xcalloc((size_t)c->nsenders,
		    sizeof(*n->senders)) : NULL;
		n->nsenders = c->nsenders;
	}
	if (c->nsenders)
		memcpy(n->senders, c->senders, (size_t)c->nsenders *
		    sizeof(*n->senders));
}

/* Makes room for a new node: refuses when max_nodes are online; with
 * twice that many known, expunges the offline node seen longest ago (its
 * row in the caller's transaction). Called locked. */
static enum store_result
node_room(struct project *p, double now, struct node **evict, char *err)
{
	struct node *old = NULL;
	int online, threads;
	size_t i;

	*evict = NULL;
	store_project_counts(p, now, &online, &threads);
	if (online >= cfg->max_nodes) {
		seterr(err, "project '%s' is full (%d nodes online); raise "
		    "max_nodes", p->name, cfg->max_nodes);
		return ST_EXISTS;
	}
	if (p->n < 2 * (size_t)cfg->max_nodes)
		return ST_OK;
	for (i = 0; i < p->n; i++)
		if (!store_node_online(p->nodes[i], now) &&
		    (old == NULL || p->nodes[i]->last_seen < old->last_seen))
			old = p->nodes[i];
	*evict = old;
	return ST_OK;
}

/* The shared check-in path of v1 and legacy. Called locked. */
static enum store_result
checkin_locked(struct project *p, const struct checkin *c, const char *peer,
    int legacy, int loopback_ok, struct hosts_reply *r, char *err)
{
	const char *addr = c->addr[0] ? c->addr : peer;
	struct node *n, *evict = NULL;
	struct db_node d;
	double now = now_monotonic();
	int64_t wall = (int64_t)now_wall();
	char secret[WIRE_SECRET_LEN + 1] = "", *comp;
	enum store_result res;
	int rc, changed, was_online, moved, bind;

	n = node_find(p, c->node);
	if (n != NULL && n->secret[0] != '\0' &&
	    !auth_equal(n->secret, c->secret)) {
		seterr(err, "node %s belongs to another machine (wrong or "
		    "missing secret); if that machine is gone, expunge the node "
		    "(DELETE /api/v1/nodes/%s), else give this machine a new "
		    "node id", c->node, c->node);
		return ST_FORBIDDEN;
	}
	if (n == NULL && (res = node_room(p, now, &evict, err)) != ST_OK)
		return res;
	bind = !legacy && (n == NULL || n->secret[0] == '\0') &&
	    speaks_secrets(c->version);
	if (bind)
		auth_new_key(secret);
	comp = compilers_json(c);
	changed = n == NULL || bind || n->gone_db ||
	    strcmp(n->addr, addr) != 0 || strcmp(n->conn, peer) != 0 ||
	    n->port != c->port || n->cores != c->cores || n->nice != c->nice ||
	    n->legacy != legacy || strcmp(n->hostname, c->hostname) != 0 ||
	    strcmp(n->owner, c->owner) != 0 ||
	    strcmp(n->version, c->version) != 0 ||
	    strcmp(n->comp->json, comp) != 0;
	if (changed) {
		if (!store_db_usable(now, err)) {
			free(comp);
			return ST_BUSY;
		}
		d.project_id = p->id;
		d.id = c->node;
		d.addr = addr;
		d.conn = peer;
		d.secret = bind ? secret : n != NULL ? n->secret : "";
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
		rc = evict ? db_begin(err) : DB_OK;
		if (rc == DB_OK && evict)
			rc = db_node_delete(p->id, evict->id, err);
		if (rc == DB_OK)
			rc = db_node_upsert(&d, err);
		if (rc == DB_OK && evict)
			rc = db_commit(err);
		if (rc != DB_OK) {
			db_rollback();
			free(comp);
			return store_db_result(rc, now) == ST_BUSY ? ST_BUSY : ST_ERROR;
		}
	}
	if (evict != NULL) {
		log_info("node %s expunged from project %s to make room (offline "
		    "since %lld)", evict->id, p->name, (long long)evict->last_seen);
		store_node_remove(evict);
	}
	if (n == NULL) {
		n = node_add(p, c->node);
		n->first_seen = wall;
	}
	was_online = store_node_online(n, now);
	if (changed) {
		moved = strcmp(n->addr, addr) != 0 || n->port != c->port;
		if (moved || strcmp(n->conn, peer) != 0 || n->cores != c->cores)
			p->set_valid = 0;
		if (moved)
			n->held = now;		/* claims this addr:port anew */
		if (strcmp(n->conn, peer) != 0)
			n->addr_online = now;
		memcpy(n->addr, addr, sizeof(n->addr));
		memcpy(n->conn, peer, sizeof(n->conn));
		if (bind)
			memcpy(n->secret, secret, sizeof(n->secret));
		n->port = c->port;
		n->cores = c->cores;
		n->nice = c->nice;
		n->legacy = legacy;
		n->gone_db = 0;
		set_str(&n->hostname, c->hostname);
		set_str(&n->owner, c->owner);
		set_str(&n->version, c->version);
		if (strcmp(n->comp->json, comp) != 0) {
			compset_put(n->comp);
			n->comp = compset_get(comp, c);
			p->set_valid = 0;
		}
	}
	free(comp);
	node_set_soft(p, n, c);
	n->seen = now;
	n->last_seen = wall;
	if (!was_online) {
		n->online = 1;
		n->held = n->addr_online = now;
		n->npend = 0;
		n->confirmed = LONG_AGO;
		p->set_valid = 0;
		store_log_node("node %s (%s, %s:%d, %d cores) joined project %s",
		    n->id, n->hostname[0] ? n->hostname : "-", n->addr, n->port,
		    n->cores, p->name);
	}
	node_confirm_push(n, now);
	hosts_for(p, n, n->cores, loopback_ok, peer, now, r);
	if (bind)
		memcpy(r->secret, secret, sizeof(r->secret));
	for (r->nfps = 0; r->nfps < n->comp->nfps; r->nfps++)
		memcpy(r->fps[r->nfps], n->comp->fps[r->nfps], WIRE_FP_LEN + 1);
	return ST_OK;
}

/* Registers or refreshes a node from a validated check-in; `peer` is the
 * connection's address. Fills r with what the node's lists are made of. */
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
	if ((p = store_project_for(c->project, a, &res, err)) != NULL) {
		if (!p->advertise && strcmp(addr, peer) != 0) {
			seterr(err, "addr: project '%s' lists nodes at the address "
			    "they connect from (%s), not %s; an admin can allow "
			    "advertised addresses with PATCH /api/v1/projects/%s "
			    "{\"advertise\": true}", p->name, peer, addr, p->name);
			res = ST_INVALID;
		} else
			res = checkin_locked(p, c, peer, 0, peer_loopback, r, err);
	}
	store_unlock();
	return res;
}

/* Takes a node offline at once (it stays known, offline); the row says so
 * before the reply, so a crash cannot bring the node back. */
enum store_result
store_checkout(const char *project, const char *node, const char *secret,
    const struct store_auth *a, char *err)
{
	enum store_result res = ST_OK;
	struct project *p;
	struct node *n;
	double now = now_monotonic();
	int rc;

	store_lock();
	if ((p = store_project_for(project, a, &res, err)) == NULL)
		goto out;
	if ((n = node_find(p, node)) == NULL) {
		seterr(err, "no node %s in project '%s'", node, project);
		res = ST_NOT_FOUND;
	} else if (n->secret[0] != '\0' && !auth_equal(n->secret, secret)) {
		seterr(err, "node %s belongs to another machine (wrong or "
		    "missing secret)", node);
		res = ST_FORBIDDEN;
	} else if (!n->gone_db && !store_db_usable(now, err))
		res = ST_BUSY;
	else if (!n->gone_db && (rc = db_node_touch(p->id, n->id, n->last_seen,
	    1, err)) != DB_OK)
		res = store_db_result(rc, now);
	else {
		if (store_node_online(n, now))
			store_log_node("node %s (%s) left project %s (checked "
			    "out)", n->id, n->hostname[0] ? n->hostname :
			    n->addr, p->name);
		n->gone_db = 1;
		n->seen = -1;
		n->online = 0;
		p->set_valid = 0;
	}
out:
	store_unlock();
	return res;
}

/* The host lists of a project for a requester that may or may not be a
 * node (node NULL or unknown); cores 0 means "the node's, or 2". */
enum store_result
store_hosts(const char *project, const char *node, int cores, const char *peer,
    int loopback_ok, const struct store_auth *a, struct hosts_reply *r,
    char *err)
{
	enum store_result res = ST_OK;
	struct project *p;
	const struct node *n = NULL;

	store_lock();
	if ((p = store_project_for(project, a, &res, err)) != NULL) {
		if (node != NULL)
			n = node_find(p, node);
		if (cores == 0)
			cores = n ? n->cores : 2;
		hosts_for(p, n, cores, loopback_ok, peer, now_monotonic(), r);
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
		project_add(id, name, keyed ? key_out : NULL, created, 0);
		log_info("project %s created (%s)", name, keyed ? "keyed" : "open");
		res = ST_OK;
	}
	store_unlock();
	return res;
}

/* For a change to project name, with the store locked: the project, or
 * NULL with *res and err saying why (no such project, or the database
 * cannot take writes now). */
static struct project *
project_for_write(const char *name, double now, enum store_result *res,
    char *err)
{
	struct project *p;

	if ((p = store_find(name)) == NULL) {
		seterr(err, "no project '%s'", name);
		*res = ST_NOT_FOUND;
	} else if (!store_db_usable(now, err)) {
		*res = ST_BUSY;
		p = NULL;
	}
	return p;
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
	p = project_for_write(name, now, &res, err);
	if (p == NULL)
		goto out;
	if (open_only && p->key[0] != '\0') {
		seterr(err, "project '%s' has a key; delete it with the v1 API",
		    name);
		res = ST_FORBIDDEN;
	} else if ((rc = db_project_delete(p->id, err)) != DB_OK)
		res = store_db_result(rc, now);
	else {
		log_info("project %s deleted (%zu nodes)", name, p->n);
		project_remove(p);
	}
out:
	store_unlock();
	return res;
}

/* Sets whether a project lists the addresses its nodes advertise. */
enum store_result
store_project_patch(const char *name, int advertise, char *err)
{
	enum store_result res = ST_OK;
	struct project *p;
	double now = now_monotonic();
	int rc;

	store_lock();
	if ((p = project_for_write(name, now, &res, err)) == NULL)
		goto out;
	if ((rc = db_project_advertise(p->id, advertise, err)) != DB_OK)
		res = store_db_result(rc, now);
	else {
		if (p->advertise != advertise)
			log_info("project %s: advertised addresses %s", name,
			    advertise ? "allowed" : "refused");
		p->advertise = advertise;
	}
out:
	store_unlock();
	return res;
}

/* Expunges every offline node of a project (in one transaction); *deleted
 * gets how many. */
enum store_result
store_project_purge(const char *name, int *deleted, char *err)
{
	enum store_result res = ST_OK;
	struct project *p;
	double now = now_monotonic();
	size_t i;
	int rc;

	*deleted = 0;
	store_lock();
	if ((p = project_for_write(name, now, &res, err)) == NULL)
		goto out;
	rc = db_begin(err);
	for (i = 0; i < p->n && rc == DB_OK; i++)
		if (!store_node_online(p->nodes[i], now))
			rc = db_node_delete(p->id, p->nodes[i]->id, err);
	if (rc == DB_OK)
		rc = db_commit(err);
	if (rc != DB_OK) {
		db_rollback();
		res = store_db_result(rc, now);
		goto out;
	}
	for (i = p->n; i-- > 0;)
		if (!store_node_online(p->nodes[i], now)) {
			store_node_remove(p->nodes[i]);
			(*deleted)++;
		}
	log_info("project %s: %d offline nodes expunged", name, *deleted);
out:
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
	project_add(dp->id, dp->name, dp->key, dp->created, dp->advertise);
}

/* The compiler set of a stored compilers array (json, parsed: comp) for
 * n; invalid fingerprints are left out (the node re-sends its own at its
 * next check-in). */
static void
load_comp(struct node *n, const char *json, const cJSON *comp)
{
	struct checkin *c = xcalloc(1, sizeof(*c));
	const cJSON *it, *fp;

	cJSON_ArrayForEach(it, comp) {
		fp = cJSON_GetObjectItemCaseSensitive(it, "fp");
		if (c->ncompilers < WIRE_COMPILERS_MAX && cJSON_IsString(fp) &&
		    wire_fp_valid(fp->valuestring))
			memcpy(c->compilers[c->ncompilers++].fp, fp->valuestring,
			    WIRE_FP_LEN + 1);
	}
	compset_put(n->comp);
	n->comp = compset_get(json, c);
	free(c);
}

static void
load_node(const struct db_node *dn, void *arg)
{
	struct project *p = project_find_id(dn->project_id);
	char addr[WIRE_ADDR_MAX], conn[WIRE_ADDR_MAX];
	char secret[WIRE_SECRET_LEN + 1] = "";
	struct node *n;
	cJSON *comp;
	double now = *(double *)arg, age;

	if (p == NULL)
		return;
	comp = cJSON_Parse(dn->compilers);
	if (wire_node_id(dn->id, NULL) == -1 || wire_addr_canonical(dn->addr, addr) == -1 ||
	    wire_addr_canonical(dn->conn[0] ? dn->conn : dn->addr, conn) == -1 ||
	    (dn->secret[0] != '\0' && wire_node_id(dn->secret, secret) == -1) ||
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
	n = node_add(p, dn->id);
	load_comp(n, dn->compilers, comp);
	cJSON_Delete(comp);
	memcpy(n->addr, addr, sizeof(n->addr));
	memcpy(n->conn, conn, sizeof(n->conn));
	memcpy(n->secret, secret, sizeof(n->secret));
	n->port = dn->port;
	n->cores = n->slots = dn->cores;
	n->nice = dn->nice;
	n->legacy = dn->legacy != 0;
	n->gone_db = dn->gone != 0;
	set_str(&n->hostname, dn->hostname);
	set_str(&n->owner, dn->owner);
	set_str(&n->version, dn->version);
	n->first_seen = dn->first_seen;
	n->last_seen = dn->last_seen;
	/* keep the node's age across a restart, so a clean restart does not
	 * empty every host list until the next heartbeats; a node that was
	 * offline (checked out) at shutdown stays offline */
	age = now_wall() - (double)dn->last_seen;
	n->seen = !dn->gone && age >= 0 &&
	    age < (n->legacy ? cfg->legacy_ttl : cfg->ttl) ? now - age : -1;
	n->online = store_node_online(n, now);
	/* its members have long admitted it, and it them */
	n->held = now - (now_wall() - (double)dn->first_seen);
	n->addr_online = LONG_AGO;
	n->confirmed = n->seen;
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

/* True when the database answers and its file is still the one opened;
 * else false with err saying why. */
int
store_ping(char *err)
{
	int ok;

	store_lock();
	if (db_lost) {
		seterr(err, "%s", db_lost_why);
		ok = 0;
	} else if (!(ok = db_ping()))
		seterr(err, "database not answering");
	store_unlock();
	return ok;
}

/* A check-in of the predecessor's client: open projects only. */
enum store_result
store_legacy_checkin(const struct legacy_query *q, const char *peer,
    struct hosts_reply *r, char *err)
{
	enum store_result res;
	struct checkin *c = xcalloc(1, sizeof(*c));
	struct project *p;

	str_copy(c->project, q->project, sizeof(c->project));
	legacy_node_id(q->hash, c->node);
	str_copy(c->owner, q->username, sizeof(c->owner));
	str_copy(c->version, q->version, sizeof(c->version));
	c->cores = c->slots = q->threads;
	c->healthy = 1;
	c->port = WIRE_DISTCC_PORT;
	store_lock();
	if ((p = store_find(q->project)) == NULL) {
		seterr(err, "no project '%s'", q->project);
		res = ST_NOT_FOUND;
	} else if (p->key[0] != '\0') {
		seterr(err, "project '%s' needs a key; the legacy API serves "
		    "only open projects", p->name);
		res = ST_UNAUTHORIZED;
	} else
		res = checkin_locked(p, c, peer, 1, wire_addr_is_loopback(peer), r,
		    err);
	store_unlock();
	free(c);
	return res;
}

/*
 * db.c — the SQLite store: schema with versioned migrations (PRAGMA
 * user_version), WAL, foreign keys with cascades. Every statement is
 * prepared once at open and only bound and reset afterwards. The caller
 * (store.c) serializes access.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "server.h"

#define APPLICATION_ID	0x64796e64	/* "dynd" */

/* Migration i takes the schema from user_version i to i + 1. */
static const char *const migrations[] = {
	"CREATE TABLE projects ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  key TEXT,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE nodes ("
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  id TEXT NOT NULL,"
	"  addr TEXT NOT NULL,"
	"  port INTEGER NOT NULL,"
	"  cores INTEGER NOT NULL,"
	"  nice INTEGER NOT NULL,"
	"  hostname TEXT NOT NULL DEFAULT '',"
	"  owner TEXT NOT NULL DEFAULT '',"
	"  version TEXT NOT NULL DEFAULT '',"
	"  compilers TEXT NOT NULL DEFAULT '[]',"
	"  legacy INTEGER NOT NULL DEFAULT 0,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  PRIMARY KEY (project_id, id)) WITHOUT ROWID;"
	"CREATE INDEX nodes_by_id ON nodes(id);",
	/* 2: a node offline at shutdown (checked out, or silent) stays offline
	 * after a restart, whatever its last_seen */
	"ALTER TABLE nodes ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;",
	/* 3 (1.1): a node's secret binds its id; a project may allow
	 * advertised addresses (NAT); server-wide settings such as the
	 * generated admin token */
	"ALTER TABLE nodes ADD COLUMN secret TEXT;"
	"ALTER TABLE projects ADD COLUMN advertise INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE settings ("
	"  name TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL) WITHOUT ROWID;",
	/* 4 (1.1): the connection address a node checked in from, apart
	 * from the address it is listed at ('' in older rows: the same) */
	"ALTER TABLE nodes ADD COLUMN conn TEXT NOT NULL DEFAULT '';",
};

enum {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_PING, S_PROJECT_INSERT,
	S_PROJECT_DELETE, S_PROJECT_ADVERTISE, S_NODE_UPSERT, S_NODE_DELETE,
	S_NODE_TOUCH, S_SETTING_GET, S_SETTING_PUT, S_MAX
};
static const char *const statements[S_MAX] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_PING] = "SELECT count(*) FROM projects",
	[S_PROJECT_INSERT] = "INSERT INTO projects (name, key, created) VALUES (?, ?, ?)",
	[S_PROJECT_DELETE] = "DELETE FROM projects WHERE id = ?",
	[S_PROJECT_ADVERTISE] = "UPDATE projects SET advertise = ? WHERE id = ?",
	[S_NODE_UPSERT] =
	    "INSERT INTO nodes (project_id, id, addr, port, cores, nice, hostname,"
	    " owner, version, compilers, legacy, first_seen, last_seen, conn,"
	    " secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (project_id, id) DO UPDATE SET addr = excluded.addr,"
	    " port = excluded.port, cores = excluded.cores, nice = excluded.nice,"
	    " hostname = excluded.hostname, owner = excluded.owner,"
	    " version = excluded.version, compilers = excluded.compilers,"
	    " legacy = excluded.legacy, last_seen = excluded.last_seen, gone = 0,"
	    " conn = excluded.conn, secret = excluded.secret",
	[S_NODE_DELETE] = "DELETE FROM nodes WHERE project_id = ? AND id = ?",
	[S_NODE_TOUCH] = "UPDATE nodes SET last_seen = ?, gone = ?"
	    " WHERE project_id = ? AND id = ?",
	[S_SETTING_GET] = "SELECT value FROM settings WHERE name = ?",
	[S_SETTING_PUT] = "INSERT INTO settings (name, value) VALUES (?, ?)"
	    " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
};

static sqlite3 *db;
static sqlite3_stmt *stmts[S_MAX];
static char *db_path;		/* as opened */
static dev_t db_dev;		/* the file opened: a file put in its place */
static ino_t db_ino;		/* (or none) is not our database */

static int
db_status(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return DB_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	case SQLITE_CONSTRAINT:
		return DB_EXISTS;
	default:
		return DB_ERROR;
	}
}

static int
fail(int rc, const char *what, char *err)
{
	seterr(err, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	return db_status(rc) == DB_OK ? DB_ERROR : db_status(rc);
}

/* Runs one prepared statement that returns no rows, then resets it. */
static int
run(sqlite3_stmt *st, const char *what, char *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(rc, what, err);
	return DB_OK;
}

static int
pragma_int(const char *sql, int64_t *out, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return fail(rc, sql, err);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(rc, sql, err);
	return DB_OK;
}

static int
exec(const char *sql, char *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		seterr(err, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Brings the schema up to date, one transaction per migration. */
static int
migrate(const char *path, char *err)
{
	int64_t appid, version, tables;
	char e[ERR_MAX], sql[128];
	size_t v;

	if (pragma_int("PRAGMA application_id", &appid, e) != DB_OK ||
	    pragma_int("PRAGMA user_version", &version, e) != DB_OK ||
	    pragma_int("SELECT count(*) FROM sqlite_master", &tables, e) != DB_OK) {
		seterr(err, "%s: cannot read the database (%s); not an SQLite "
		    "database, or damaged", path, e);
		return -1;
	}
	if (appid != APPLICATION_ID && (appid != 0 || version != 0 || tables != 0)) {
		seterr(err, "%s: not a dyndistcc database (application_id %lld, "
		    "%lld tables); refusing to touch it", path, (long long)appid,
		    (long long)tables);
		return -1;
	}
	if (version > (int64_t)NELEM(migrations)) {
		seterr(err, "%s: schema version %lld is newer than this server "
		    "knows (%zu); upgrade dyndistcc-server", path,
		    (long long)version, NELEM(migrations));
		return -1;
	}
	for (v = (size_t)version; v < NELEM(migrations); v++) {
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; "
		    "PRAGMA user_version = %zu;", APPLICATION_ID, v + 1);
		if (exec("BEGIN IMMEDIATE", e) == -1 ||
		    exec(migrations[v], e) == -1 || exec(sql, e) == -1 ||
		    exec("COMMIT", e) == -1) {
			exec("ROLLBACK", sql);
			seterr(err, "%s: migration to schema %zu failed: %s",
			    path, v + 1, e);
			return -1;
		}
		log_info("database %s: schema upgraded to version %zu", path, v + 1);
	}
	return 0;
}

/* Opens (creating if absent) and migrates the database, and prepares every
 * statement. A zero-byte, foreign or newer database is refused. */
int
db_open(const char *path, char *err)
{
	struct stat st;
	char e[ERR_MAX], mode[32];
	sqlite3_stmt *s;
	int rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	size_t i;

	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			seterr(err, "%s: not a regular file", path);
			return -1;
		}
		if (st.st_size == 0) {
			seterr(err, "%s: zero-byte database file (truncated?); "
			    "restore it or remove it to start empty", path);
			return -1;
		}
	} else if (errno == ENOENT) {
		/* like systemd's StateDirectory=: a first start makes its home */
		char *dir = xstrdup(path), *slash = strrchr(dir, '/');

		if (slash != NULL && slash != dir) {
			*slash = '\0';
			if (mkdir_p(dir, 0750, err) == -1) {
				free(dir);
				return -1;
			}
		}
		free(dir);
		flags |= SQLITE_OPEN_CREATE;
	} else {
		seterr(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((rc = sqlite3_open_v2(path, &db, flags, NULL)) != SQLITE_OK) {
		seterr(err, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		db_close();
		return -1;
	}
	sqlite3_extended_result_codes(db, 0);
	sqlite3_busy_timeout(db, 250);
	if (migrate(path, err) == -1)
		goto bad;
	if ((rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &s,
	    NULL)) != SQLITE_OK) {
		fail(rc, "journal_mode", e);
		seterr(err, "%s: %s", path, e);
		goto bad;
	}
	mode[0] = '\0';
	if (sqlite3_step(s) == SQLITE_ROW)
		str_copy(mode, (const char *)sqlite3_column_text(s, 0), sizeof(mode));
	sqlite3_finalize(s);
	if (strcmp(mode, "wal") != 0) {
		seterr(err, "%s: cannot switch to WAL mode (%s)", path,
		    mode[0] ? mode : sqlite3_errmsg(db));
		goto bad;
	}
	if (exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
	    " PRAGMA cache_size = -1024", e) == -1) {
		seterr(err, "%s: %s", path, e);
		goto bad;
	}
	for (i = 0; i < S_MAX; i++) {
		if ((rc = sqlite3_prepare_v3(db, statements[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &stmts[i], NULL)) != SQLITE_OK) {
			seterr(err, "%s: preparing \"%s\": %s", path, statements[i],
			    sqlite3_errmsg(db));
			goto bad;
		}
	}
	if (stat(path, &st) == -1) {
		seterr(err, "%s: %s", path, strerror(errno));
		goto bad;
	}
	db_dev = st.st_dev;
	db_ino = st.st_ino;
	free(db_path);
	db_path = xstrdup(path);
	return 0;
bad:
	db_close();
	return -1;
}

/* Finalizes every statement and closes the database. */
void
db_close(void)
{
	size_t i;

	for (i = 0; i < S_MAX; i++) {
		sqlite3_finalize(stmts[i]);
		stmts[i] = NULL;
	}
	if (db != NULL)
		sqlite3_close(db);
	db = NULL;
	free(db_path);
	db_path = NULL;
}

/* True while the path opened still names the file opened. A database
 * deleted or replaced under the running server would take every later
 * write with it (into an unlinked file) or split the state in two. */
int
db_file_ok(char *err)
{
	struct stat st;

	if (db_path == NULL)
		return 1;
	if (stat(db_path, &st) == -1) {
		seterr(err, "database %s: %s", db_path, strerror(errno));
		return 0;
	}
	if (st.st_dev != db_dev || st.st_ino != db_ino) {
		seterr(err, "database %s was replaced by another file", db_path);
		return 0;
	}
	return 1;
}

/* True when the database answers a query. */
int
db_ping(void)
{
	sqlite3_stmt *st = stmts[S_PING];
	int rc;

	if (st == NULL)
		return 0;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

/* Calls project_cb for every project, then node_cb for every node. */
int
db_load(void (*project_cb)(const struct db_project *, void *),
    void (*node_cb)(const struct db_node *, void *), void *arg, char *err)
{
	struct db_project p;
	struct db_node n;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT id, name, key, created, advertise"
	    " FROM projects ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(rc, "loading projects", err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p.id = sqlite3_column_int64(st, 0);
		p.name = col(st, 1);
		p.key = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : col(st, 2);
		p.created = sqlite3_column_int64(st, 3);
		p.advertise = sqlite3_column_int(st, 4) != 0;
		project_cb(&p, arg);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(rc, "loading projects", err);
	rc = sqlite3_prepare_v2(db, "SELECT project_id, id, addr, port, cores,"
	    " nice, hostname, owner, version, compilers, legacy, first_seen,"
	    " last_seen, gone, conn, secret FROM nodes", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(rc, "loading nodes", err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n.project_id = sqlite3_column_int64(st, 0);
		n.id = col(st, 1);
		n.addr = col(st, 2);
		n.port = sqlite3_column_int(st, 3);
		n.cores = sqlite3_column_int(st, 4);
		n.nice = sqlite3_column_int(st, 5);
		n.hostname = col(st, 6);
		n.owner = col(st, 7);
		n.version = col(st, 8);
		n.compilers = col(st, 9);
		n.legacy = sqlite3_column_int(st, 10);
		n.first_seen = sqlite3_column_int64(st, 11);
		n.last_seen = sqlite3_column_int64(st, 12);
		n.gone = sqlite3_column_int(st, 13);
		n.conn = col(st, 14);
		n.secret = col(st, 15);
		node_cb(&n, arg);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(rc, "loading nodes", err);
	return DB_OK;
}

/* Inserts a project; key NULL makes an open one. Writes its row id. */
int
db_project_insert(const char *name, const char *key, int64_t created,
    int64_t *id, char *err)
{
	sqlite3_stmt *st = stmts[S_PROJECT_INSERT];
	int rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (key)
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, created);
	if ((rc = run(st, "insert project", err)) == DB_OK)
		*id = sqlite3_last_insert_rowid(db);
	return rc;
}

/* Deletes a project; its nodes go with it (ON DELETE CASCADE). */
int
db_project_delete(int64_t id, char *err)
{
	sqlite3_stmt *st = stmts[S_PROJECT_DELETE];

	sqlite3_bind_int64(st, 1, id);
	return run(st, "delete project", err);
}

/* Sets whether a project lists advertised addresses. */
int
db_project_advertise(int64_t id, int advertise, char *err)
{
	sqlite3_stmt *st = stmts[S_PROJECT_ADVERTISE];

	sqlite3_bind_int(st, 1, advertise != 0);
	sqlite3_bind_int64(st, 2, id);
	return run(st, "save project", err);
}

/* Inserts a node or updates its identity fields (and its secret, which
 * NULL or "" clears). */
int
db_node_upsert(const struct db_node *n, char *err)
{
	sqlite3_stmt *st = stmts[S_NODE_UPSERT];

	sqlite3_bind_int64(st, 1, n->project_id);
	sqlite3_bind_text(st, 2, n->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->addr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, n->port);
	sqlite3_bind_int(st, 5, n->cores);
	sqlite3_bind_int(st, 6, n->nice);
	sqlite3_bind_text(st, 7, n->hostname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, n->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, n->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, n->compilers, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, n->legacy);
	sqlite3_bind_int64(st, 12, n->first_seen);
	sqlite3_bind_int64(st, 13, n->last_seen);
	sqlite3_bind_text(st, 14, n->conn, -1, SQLITE_STATIC);
	if (n->secret != NULL && n->secret[0] != '\0')
		sqlite3_bind_text(st, 15, n->secret, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 15);
	return run(st, "save node", err);
}

/* Deletes one node of one project. */
int
db_node_delete(int64_t project_id, const char *id, char *err)
{
	sqlite3_stmt *st = stmts[S_NODE_DELETE];

	sqlite3_bind_int64(st, 1, project_id);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	return run(st, "delete node", err);
}

/* Records when a node was last seen and whether it is offline (written at
 * a check-out, a return after one, and at shutdown; not per beat). */
int
db_node_touch(int64_t project_id, const char *id, int64_t last_seen, int gone,
    char *err)
{
	sqlite3_stmt *st = stmts[S_NODE_TOUCH];

	sqlite3_bind_int64(st, 1, last_seen);
	sqlite3_bind_int(st, 2, gone != 0);
	sqlite3_bind_int64(st, 3, project_id);
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	return run(st, "touch node", err);
}

/* Reads the server-wide setting name into a new string (the caller frees);
 * NULL when it is not set or on error (err says which: empty when unset). */
char *
db_setting_get(const char *name, char *err)
{
	sqlite3_stmt *st = stmts[S_SETTING_GET];
	char *value = NULL;
	int rc;

	err[0] = '\0';
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		value = xstrdup(col(st, 0));
	else if (rc != SQLITE_DONE)
		fail(rc, "read setting", err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return value;
}

/* Stores the server-wide setting name = value. */
int
db_setting_put(const char *name, const char *value, char *err)
{
	sqlite3_stmt *st = stmts[S_SETTING_PUT];

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return run(st, "save setting", err);
}

/* Starts a write transaction (takes the write lock now, or fails busy). */
int
db_begin(char *err)
{
	return run(stmts[S_BEGIN], "begin", err);
}

/* Commits the transaction. */
int
db_commit(char *err)
{
	return run(stmts[S_COMMIT], "commit", err);
}

/* Rolls back the transaction, if one is open. */
void
db_rollback(void)
{
	char err[ERR_MAX];

	if (db != NULL && !sqlite3_get_autocommit(db))
		run(stmts[S_ROLLBACK], "rollback", err);
}

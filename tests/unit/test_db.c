/*
 * test_db.c — the SQLite store (db.c) on a temporary database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "server.h"

static char dir[64], path[128];
static int projects_seen, nodes_seen;
static char last_node[128];

static void
on_project(const struct db_project *p, void *arg)
{
	(void)arg;
	projects_seen++;
	CHECK(p->id > 0);
}

static void
on_node(const struct db_node *n, void *arg)
{
	(void)arg;
	nodes_seen++;
	snprintf(last_node, sizeof(last_node), "%s %s:%d/%d seen %lld%s conn %s "
	    "secret %s", n->id, n->addr, n->port, n->cores,
	    (long long)n->last_seen, n->gone ? " gone" : "", n->conn,
	    n->secret[0] ? n->secret : "-");
}

static int advertised;

static void
on_project_adv(const struct db_project *p, void *arg)
{
	(void)arg;
	advertised = p->advertise;
}

static struct db_node
node(int64_t project, const char *id, int cores)
{
	struct db_node n = {
		.project_id = project, .id = id, .addr = "10.0.0.1",
		.hostname = "h", .owner = "o", .version = "1",
		.compilers = "[]", .conn = "10.0.0.1", .secret = NULL,
		.port = 3632, .cores = cores, .first_seen = 1, .last_seen = 2,
	};
	return n;
}

TEST(schema_and_rows)
{
	struct db_node n;
	int64_t fw, os;
	char err[ERR_MAX];

	CHECK_INT(db_open(path, err), 0);
	CHECK(db_ping());
	CHECK_INT(db_project_insert("fw", "00112233445566778899aabbccddeeff", 1, &fw, err), DB_OK);
	CHECK_INT(db_project_insert("os", NULL, 1, &os, err), DB_OK);
	CHECK_INT(db_project_insert("fw", NULL, 1, &os, err), DB_EXISTS);
	n = node(fw, "0123456789abcdef0123456789abcdef", 8);
	CHECK_INT(db_node_upsert(&n, err), DB_OK);
	n.cores = 16;
	CHECK_INT(db_node_upsert(&n, err), DB_OK);	/* update, not a second row */
	n = node(os, "0123456789abcdef0123456789abcdef", 2);
	CHECK_INT(db_node_upsert(&n, err), DB_OK);	/* same id, other project */
	n = node(999, "ffffffffffffffffffffffffffffffff", 2);
	CHECK(db_node_upsert(&n, err) != DB_OK);	/* foreign key */
	CHECK_INT(db_project_delete(os, err), DB_OK);	/* cascades */
	CHECK_INT(db_begin(err), DB_OK);
	CHECK_INT(db_node_touch(fw, "0123456789abcdef0123456789abcdef", 99, 1, err), DB_OK);
	CHECK_INT(db_commit(err), DB_OK);
	db_close();

	CHECK_INT(db_open(path, err), 0);
	projects_seen = nodes_seen = 0;
	CHECK_INT(db_load(on_project, on_node, NULL, err), DB_OK);
	CHECK_INT(projects_seen, 1);
	CHECK_INT(nodes_seen, 1);
	/* the touch wrote both last_seen and the offline mark */
	CHECK_STR(last_node, "0123456789abcdef0123456789abcdef 10.0.0.1:3632/16 "
	    "seen 99 gone conn 10.0.0.1 secret -");
	CHECK_INT(db_begin(err), DB_OK);
	CHECK_INT(db_node_delete(fw, "0123456789abcdef0123456789abcdef", err), DB_OK);
	db_rollback();					/* undone */
	db_close();
	CHECK_INT(db_open(path, err), 0);
	nodes_seen = 0;
	CHECK_INT(db_load(on_project, on_node, NULL, err), DB_OK);
	CHECK_INT(nodes_seen, 1);
	/* a new check-in (upsert) clears the offline mark */
	n = node(fw, "0123456789abcdef0123456789abcdef", 16);
	CHECK_INT(db_node_upsert(&n, err), DB_OK);
	nodes_seen = 0;
	CHECK_INT(db_load(on_project, on_node, NULL, err), DB_OK);
	CHECK(strstr(last_node, " gone") == NULL);
	db_close();
}

/* Schema 4: a node's connection address and secret, a project's
 * advertise setting survive a reopen. */
TEST(identity_and_addresses)
{
	struct db_node n;
	char err[ERR_MAX];
	int64_t id;

	CHECK_INT(db_open(path, err), 0);
	CHECK_INT(db_project_insert("nat", NULL, 1, &id, err), DB_OK);
	CHECK_INT(db_project_advertise(id, 1, err), DB_OK);
	n = node(id, "00000000000000000000000000000abc", 4);
	n.addr = "192.0.2.7";
	n.conn = "10.9.9.9";
	n.secret = "ffeeddccbbaa99887766554433221100";
	CHECK_INT(db_node_upsert(&n, err), DB_OK);
	db_close();
	CHECK_INT(db_open(path, err), 0);
	CHECK_INT(db_load(on_project_adv, on_node, NULL, err), DB_OK);
	CHECK_INT(advertised, 1);
	CHECK(strstr(last_node, "192.0.2.7:3632/4 seen 2 conn 10.9.9.9 secret "
	    "ffeeddccbbaa99887766554433221100") != NULL);
	/* an upsert without a secret clears it (an expunged, rebound node) */
	n.secret = "";
	CHECK_INT(db_node_upsert(&n, err), DB_OK);
	CHECK_INT(db_load(on_project_adv, on_node, NULL, err), DB_OK);
	CHECK(strstr(last_node, "secret -") != NULL);
	CHECK_INT(db_project_delete(id, err), DB_OK);
	db_close();
}

/* A database file deleted or replaced under the open database is noticed;
 * one put back is fine again. */
TEST(file_replaced)
{
	char err[ERR_MAX], moved[160];
	FILE *f;

	CHECK_INT(db_open(path, err), 0);
	CHECK(db_file_ok(err));
	snprintf(moved, sizeof(moved), "%s.moved", path);
	CHECK_INT(rename(path, moved), 0);
	CHECK(!db_file_ok(err));
	CHECK(strstr(err, "No such file") != NULL);
	f = fopen(path, "w");
	fputs("x", f);
	fclose(f);
	CHECK(!db_file_ok(err));
	CHECK(strstr(err, "replaced") != NULL);
	CHECK_INT(rename(moved, path), 0);
	CHECK(db_file_ok(err));
	db_close();
}

/* Server-wide settings survive a reopen; an unset one is NULL, no error. */
TEST(settings)
{
	char err[ERR_MAX], *v;

	CHECK_INT(db_open(path, err), 0);
	v = db_setting_get("admin_token", err);
	CHECK(v == NULL && err[0] == '\0');
	CHECK_INT(db_setting_put("admin_token", "first", err), DB_OK);
	CHECK_INT(db_setting_put("admin_token", "second", err), DB_OK);
	db_close();
	CHECK_INT(db_open(path, err), 0);
	v = db_setting_get("admin_token", err);
	CHECK(v != NULL);
	if (v != NULL)
		CHECK_STR(v, "second");
	free(v);
	db_close();
}

TEST(refuses_bad_files)
{
	char p[160], err[ERR_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/zero.db", dir);
	fclose(fopen(p, "w"));
	CHECK_INT(db_open(p, err), -1);
	CHECK(strstr(err, "zero-byte") != NULL);
	unlink(p);
	snprintf(p, sizeof(p), "%s/text.db", dir);
	f = fopen(p, "w");
	fputs("not a database, not at all; just some text that is long enough\n", f);
	fclose(f);
	CHECK_INT(db_open(p, err), -1);
	CHECK(strstr(err, p) != NULL);
	unlink(p);
	/* a missing directory is created, as on a first start */
	snprintf(p, sizeof(p), "%s/none/x.db", dir);
	CHECK_INT(db_open(p, err), 0);
	db_close();
	CHECK_INT(access(p, F_OK), 0);
	unlink(p);
	snprintf(p, sizeof(p), "%s/none", dir);
	rmdir(p);
	/* one that cannot be a directory is refused */
	snprintf(p, sizeof(p), "%s/file", dir);
	f = fopen(p, "w");
	fclose(f);
	snprintf(p, sizeof(p), "%s/file/x.db", dir);
	CHECK_INT(db_open(p, err), -1);
	CHECK(strstr(err, "Not a directory") != NULL);
	snprintf(p, sizeof(p), "%s/file", dir);
	unlink(p);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_db.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	RUN(schema_and_rows);
	RUN(identity_and_addresses);
	RUN(file_replaced);
	RUN(settings);
	RUN(refuses_bad_files);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return test_summary();
}

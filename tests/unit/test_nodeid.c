/* Unit tests for shim/nodeid.c: the node id is created once, kept, and a
 * damaged file is reported rather than silently replaced. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "client.h"

static char dir[64];

static int
valid(const char *id)
{
	return wire_node_id(id, NULL) == 0;
}

/* A node-id file written in upper case (by hand, or another tool) is the
 * same id, lowercase: 1.0's client refused it while the server took it. */
TEST(upper_case_file)
{
	char id[WIRE_NODE_ID_LEN + 1], err[ERR_MAX], path[128];

	snprintf(path, sizeof(path), "%s/upper", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/upper/node-id", dir);
	CHECK_INT(file_write_atomic(path, "0123456789ABCDEF0123456789ABCDEF\n",
	    33, 0644, err), 0);
	CHECK_INT(nodeid_read(path, id, err), 0);
	CHECK_STR(id, "0123456789abcdef0123456789abcdef");
	snprintf(path, sizeof(path), "%s/upper", dir);
	CHECK_INT(nodeid_load(path, id, err), 0);
	CHECK_STR(id, "0123456789abcdef0123456789abcdef");
	snprintf(path, sizeof(path), "%s/upper/none", dir);
	CHECK_INT(nodeid_read(path, id, err), 1);
}

TEST(generate_is_random)
{
	char a[WIRE_NODE_ID_LEN + 1], b[WIRE_NODE_ID_LEN + 1], err[ERR_MAX];

	CHECK_INT(nodeid_generate(a, err), 0);
	CHECK_INT(nodeid_generate(b, err), 0);
	CHECK(valid(a));
	CHECK(valid(b));
	CHECK(strcmp(a, b) != 0);
}

TEST(created_once)
{
	char a[WIRE_NODE_ID_LEN + 1], b[WIRE_NODE_ID_LEN + 1], err[ERR_MAX], path[128];
	struct stat st;
	char *text;

	/* the state directory itself is created too */
	snprintf(path, sizeof(path), "%s/state", dir);
	CHECK_INT(nodeid_load(path, a, err), 0);
	CHECK(valid(a));
	CHECK_INT(nodeid_load(path, b, err), 0);
	CHECK_STR(b, a);
	snprintf(path, sizeof(path), "%s/state/node-id", dir);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	text = file_read(path, 100, NULL, err);
	CHECK(text != NULL && strlen(text) == WIRE_NODE_ID_LEN + 1 &&
	    strncmp(text, a, WIRE_NODE_ID_LEN) == 0 && text[WIRE_NODE_ID_LEN] == '\n');
	free(text);
}

TEST(damaged_file_is_an_error)
{
	char id[WIRE_NODE_ID_LEN + 1], err[ERR_MAX] = "", path[128];

	snprintf(path, sizeof(path), "%s/bad", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/bad/node-id", dir);
	CHECK_INT(file_write_atomic(path, "hello\n", 6, 0644, err), 0);
	snprintf(path, sizeof(path), "%s/bad", dir);
	CHECK_INT(nodeid_load(path, id, err), -1);
	CHECK(strstr(err, "not a node id") != NULL);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_nodeid.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(upper_case_file);
	RUN(generate_is_random);
	RUN(created_once);
	RUN(damaged_file_is_an_error);
	test_rmtree(dir);
	return test_summary();
}

/* Unit tests for shim/nodeid.c: the node id is created once, kept, and a
 * damaged file is reported rather than silently replaced. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "shim.h"

static char dir[64];

TEST(valid)
{
	CHECK(nodeid_valid("0123456789abcdef0123456789abcdef"));
	CHECK(!nodeid_valid("0123456789ABCDEF0123456789abcdef"));
	CHECK(!nodeid_valid("0123456789abcdef0123456789abcde"));
	CHECK(!nodeid_valid("0123456789abcdef0123456789abcdef0"));
	CHECK(!nodeid_valid("0123456789abcdef0123456789abcdeg"));
	CHECK(!nodeid_valid(""));
}

TEST(generate_is_random)
{
	char a[NODEID_LEN + 1], b[NODEID_LEN + 1], err[ERR_MAX];

	CHECK_INT(nodeid_generate(a, err), 0);
	CHECK_INT(nodeid_generate(b, err), 0);
	CHECK(nodeid_valid(a));
	CHECK(nodeid_valid(b));
	CHECK(strcmp(a, b) != 0);
}

TEST(created_once)
{
	char a[NODEID_LEN + 1], b[NODEID_LEN + 1], err[ERR_MAX], path[128];
	struct stat st;
	char *text;

	/* the state directory itself is created too */
	snprintf(path, sizeof(path), "%s/state", dir);
	CHECK_INT(nodeid_load(path, a, err), 0);
	CHECK(nodeid_valid(a));
	CHECK_INT(nodeid_load(path, b, err), 0);
	CHECK_STR(b, a);
	snprintf(path, sizeof(path), "%s/state/node-id", dir);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	text = file_read(path, 100, NULL, err);
	CHECK(text != NULL && strlen(text) == NODEID_LEN + 1 &&
	    strncmp(text, a, NODEID_LEN) == 0 && text[NODEID_LEN] == '\n');
	free(text);
}

TEST(damaged_file_is_an_error)
{
	char id[NODEID_LEN + 1], err[ERR_MAX] = "", path[128];

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
	RUN(valid);
	RUN(generate_is_random);
	RUN(created_once);
	RUN(damaged_file_is_an_error);
	test_rmtree(dir);
	return test_summary();
}

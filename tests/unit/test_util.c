/* Unit tests for shim/util.c. */
#include <sys/stat.h>

#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "util.h"

TEST(str_copy_truncates)
{
	char buf[4];

	CHECK_INT(str_copy(buf, "abcdef", sizeof(buf)), 6);
	CHECK_STR(buf, "abc");
	CHECK_INT(str_copy(buf, "ab", sizeof(buf)), 2);
	CHECK_STR(buf, "ab");
}

TEST(str_to_long_bounds)
{
	long v = 0;

	CHECK_INT(str_to_long("42", 1, 4096, &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(str_to_long("0", 1, 4096, &v), -1);
	CHECK_INT(str_to_long("4097", 1, 4096, &v), -1);
	CHECK_INT(str_to_long("12abc", 1, 4096, &v), -1);
	CHECK_INT(str_to_long("", 1, 4096, &v), -1);
	CHECK_INT(str_to_long(NULL, 1, 4096, &v), -1);
	CHECK_INT(str_to_long("-20", -20, 19, &v), 0);
	CHECK_INT(v, -20);
	CHECK_INT(str_to_long("99999999999999999999999", 0, 10, &v), -1);
}

TEST(seterr_formats_and_accepts_null)
{
	char err[ERR_MAX];

	seterr(err, "bad %s %d", "cores", 0);
	CHECK_STR(err, "bad cores 0");
	seterr(NULL, "ignored");
}

TEST(file_write_atomic_roundtrip)
{
	char dir[] = "/tmp/test_util.XXXXXX", path[64], err[ERR_MAX];
	struct stat st;
	size_t len = 0;
	char *back;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/hosts", dir);
	CHECK_INT(file_write_atomic(path, "localhost/4\n", 12, 0644, err), 0);
	back = file_read(path, 1024, &len, err);
	CHECK_STR(back, "localhost/4\n");
	CHECK_INT(len, 12);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	free(back);
	CHECK(file_read(path, 4, NULL, err) == NULL);
	CHECK(strstr(err, "larger than") != NULL);
	CHECK(file_read("/nonexistent/x", 4, NULL, err) == NULL);
	CHECK_INT(file_write_atomic("/nonexistent/dir/x", "a", 1, 0644, err), -1);
	unlink(path);
	rmdir(dir);
}

TEST(random_hex_digits)
{
	char a[33], b[33], err[ERR_MAX], big[200];
	size_t i;

	CHECK_INT(random_hex(a, 16, err), 0);
	CHECK_INT(random_hex(b, 16, err), 0);
	CHECK_INT(strlen(a), 32);
	for (i = 0; i < 32; i++)
		CHECK(strchr("0123456789abcdef", a[i]) != NULL);
	CHECK(strcmp(a, b) != 0);
	CHECK_INT(random_hex(big, 65, err), -1);
}

TEST(mkdir_p_makes_parents)
{
	char dir[] = "/tmp/test_util_mk.XXXXXX", path[96], err[ERR_MAX];
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	CHECK_INT(mkdir_p(path, 0750, err), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(mkdir_p(path, 0750, err), 0);		/* exists: fine */
	snprintf(path, sizeof(path), "%s/a/b/c/f", dir);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/a/b/c/f/g", dir);
	CHECK_INT(mkdir_p(path, 0750, err), -1);	/* under a file */
	CHECK(strstr(err, "mkdir") != NULL);
	test_rmtree(dir);
}

TEST(xasprintf_formats)
{
	char *s = xasprintf("%s/%d", "localhost", 4);

	CHECK_STR(s, "localhost/4");
	free(s);
}

int
main(void)
{
	RUN(str_copy_truncates);
	RUN(str_to_long_bounds);
	RUN(seterr_formats_and_accepts_null);
	RUN(file_write_atomic_roundtrip);
	RUN(xasprintf_formats);
	RUN(random_hex_digits);
	RUN(mkdir_p_makes_parents);
	return test_summary();
}

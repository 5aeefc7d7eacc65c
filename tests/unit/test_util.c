/* Unit tests for shim/util.c. */
#include <sys/stat.h>

#include <dirent.h>
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

/* Issue 15: the temp file is never opened through something planted at a
 * name an attacker can predict (1.0 used <file>.tmp.<pid>), and a link at
 * the file's own name is replaced, not followed; reading refuses links
 * where asked and never blocks on a FIFO. */
TEST(file_write_atomic_plants)
{
	char dir[] = "/tmp/test_util.XXXXXX", path[64], victim[64], plant[96];
	char err[ERR_MAX], *back;
	struct stat st;
	int i, n;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/failed", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	CHECK_INT(file_write_atomic(victim, "secret\n", 7, 0600, err), 0);
	for (i = 0; i < 4; i++) {
		snprintf(plant, sizeof(plant), "%s.tmp.%ld", path, (long)getpid() + i);
		CHECK_INT(symlink(victim, plant), 0);
	}
	CHECK_INT(symlink(victim, path), 0);
	CHECK_INT(file_write_atomic(path, "boom\n", 5, 0644, err), 0);
	back = file_read(victim, 64, NULL, err);
	CHECK_STR(back, "secret\n");
	free(back);
	CHECK_INT(lstat(path, &st), 0);
	CHECK(S_ISREG(st.st_mode));	/* the link itself was replaced */
	/* a link where a cache is read: refused */
	snprintf(plant, sizeof(plant), "%s/link", dir);
	CHECK_INT(symlink(victim, plant), 0);
	CHECK(file_read_nofollow(plant, 64, NULL, err) == NULL);
	CHECK(strstr(err, "symbolic link") != NULL);
	CHECK((back = file_read_nofollow(path, 64, NULL, err)) != NULL);
	free(back);
	/* a FIFO: refused at once */
	snprintf(plant, sizeof(plant), "%s/fifo", dir);
	CHECK_INT(mkfifo(plant, 0600), 0);
	CHECK(file_read_nofollow(plant, 64, NULL, err) == NULL);
	CHECK(file_read(plant, 64, NULL, err) == NULL);
	/* only what was made and planted is left: no temp files */
	n = 0;
	{
		DIR *d = opendir(dir);
		struct dirent *de;

		while (d != NULL && (de = readdir(d)) != NULL)
			n += de->d_name[0] != '.';
		if (d != NULL)
			closedir(d);
	}
	CHECK_INT(n, 8);
	test_rmtree(dir);
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
	RUN(file_write_atomic_plants);
	RUN(xasprintf_formats);
	RUN(random_hex_digits);
	RUN(mkdir_p_makes_parents);
	return test_summary();
}

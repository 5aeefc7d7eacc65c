/* Unit tests for shim/dcc_exec.c: PATH cleaning, program lookup, implicit
 * compiler detection. (The execs themselves run in tests/integration.) */
#include <sys/stat.h>

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "dcc.h"
#include "test.h"

static char dir[] = "/tmp/test_dcc_exec.XXXXXX";

TEST(source_or_object)
{
	CHECK(dcc_is_source_or_object("x.c"));
	CHECK(dcc_is_source_or_object("dir/x.cpp"));
	CHECK(dcc_is_source_or_object("x.C"));
	CHECK(dcc_is_source_or_object("x.ii"));
	CHECK(dcc_is_source_or_object("x.o"));
	CHECK(!dcc_is_source_or_object("gcc"));
	CHECK(!dcc_is_source_or_object("arm-none-eabi-gcc"));
	CHECK(!dcc_is_source_or_object("gcc-12"));
	CHECK(!dcc_is_source_or_object("x."));
	CHECK(!dcc_is_source_or_object("x.h"));
	CHECK(!dcc_is_source_or_object("x.s"));	/* distcc 3.4 keeps .s local */
}

TEST(clean_path_drops_masquerade_dir)
{
	char *p;

	p = dcc_clean_path("/usr/lib/dyndistcc:/usr/bin:/bin", "gcc", "/usr/lib/dyndistcc");
	CHECK_STR(p, "/usr/bin:/bin");
	free(p);
	p = dcc_clean_path("/a:/usr/lib/dyndistcc/:/b", "gcc", "/usr/lib/dyndistcc");
	CHECK_STR(p, "/a:/b");
	free(p);
	p = dcc_clean_path("/usr/lib/dyndistcc", "gcc", "/usr/lib/dyndistcc/");
	CHECK_STR(p, "");
	free(p);
	p = dcc_clean_path("/usr/bin::/bin", "gcc", NULL);
	CHECK_STR(p, "/usr/bin::/bin");
	free(p);
	p = dcc_clean_path("/usr/lib/dyndistccx:/bin", "gcc", "/usr/lib/dyndistcc");
	CHECK_STR(p, "/usr/lib/dyndistccx:/bin");
	free(p);
}

TEST(clean_path_drops_dirs_holding_this_binary)
{
	char self[PATH_MAX], link[PATH_MAX + 32], other[PATH_MAX + 32], *path, *p;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	CHECK(n > 0);
	self[n > 0 ? n : 0] = '\0';
	snprintf(link, sizeof(link), "%s/masq", dir);
	CHECK_INT(mkdir(link, 0755), 0);
	snprintf(link, sizeof(link), "%s/masq/cc", dir);
	CHECK_INT(symlink(self, link), 0);
	snprintf(other, sizeof(other), "%s/other", dir);
	CHECK_INT(mkdir(other, 0755), 0);
	snprintf(other, sizeof(other), "%s/other/cc", dir);
	CHECK_INT(symlink("/usr/bin/true", other), 0);
	path = xasprintf("%s/masq:%s/other:/usr/bin", dir, dir);
	p = dcc_clean_path(path, "cc", NULL);
	{
		char *want = xasprintf("%s/other:/usr/bin", dir);
		CHECK_STR(p, want);
		free(want);
	}
	free(p);
	/* another name: the directory holds no link by that name, it stays */
	p = dcc_clean_path(path, "gcc", NULL);
	CHECK_STR(p, path);
	free(p);
	free(path);
}

TEST(find_program)
{
	char *p, *file = xasprintf("%s/tool", dir), *path;

	CHECK_INT(file_write_atomic(file, "#!/bin/sh\n", 10, 0755, NULL), 0);
	path = xasprintf("/nonexistent:%s:/usr/bin", dir);
	p = dcc_find_program("tool", path);
	CHECK_STR(p, file);
	free(p);
	CHECK(dcc_find_program("no-such-tool-xyz", path) == NULL);
	CHECK(dcc_find_program(dir, path) == NULL);	/* a directory */
	p = dcc_find_program("/bin/sh", "");
	CHECK_STR(p, "/bin/sh");
	free(p);
	CHECK(dcc_find_program("/nonexistent/sh", "/bin") == NULL);
	chmod(file, 0644);
	p = dcc_find_program("tool", path);
	CHECK(p == NULL || strcmp(p, file) != 0);	/* not executable */
	free(p);
	free(path);
	free(file);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(source_or_object);
	RUN(clean_path_drops_masquerade_dir);
	RUN(clean_path_drops_dirs_holding_this_binary);
	RUN(find_program);
	test_rmtree(dir);
	return test_summary();
}

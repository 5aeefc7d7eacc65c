/* Unit tests for shim/compilers.c: names in a masquerade directory resolve
 * to the real compilers behind them; non-compilers and hanging programs are
 * skipped, quickly. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "heartbeat.h"

static char dir[64];

static void
script(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, 0755);
}

/* The first line gcc prints for opt. */
static void
gcc_says(const char *opt, char *out, size_t size)
{
	char cmd[64];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "gcc %s", opt);
	out[0] = '\0';
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(out, (int)size, p) == NULL)
			out[0] = '\0';
		pclose(p);
	}
	out[strcspn(out, "\n")] = '\0';
}

TEST(search_path)
{
	char *p = compilers_search_path(
	    "/usr/lib/dyndistcc:/usr/local/bin:/usr/lib/distcc:/usr/bin::/bin",
	    "/usr/lib/dyndistcc/");

	CHECK_STR(p, "/usr/local/bin:/usr/bin:/bin");
	free(p);
	p = compilers_search_path("/a/:/b", "/a");
	CHECK_STR(p, "/b");
	free(p);
	p = compilers_search_path("", "/a");
	CHECK_STR(p, "");
	free(p);
}

TEST(probe)
{
	char masq[128], bin[128], search[512], err[ERR_MAX] = "";
	char version[64], target[64];
	struct compilers c;
	double t0;

	snprintf(masq, sizeof(masq), "%s/masq", dir);
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	mkdir(masq, 0755);
	mkdir(bin, 0755);
	/* masquerade entries: what they are does not matter, only their names */
	script("masq/gcc", "#!/bin/sh\nexit 99\n");
	script("masq/fakecc", "#!/bin/sh\nexit 99\n");
	script("masq/hangcc", "#!/bin/sh\nexit 99\n");
	script("masq/notcc", "#!/bin/sh\nexit 99\n");
	script("masq/nowhere-gcc", "#!/bin/sh\nexit 99\n");
	/* the real programs behind the names */
	script("bin/fakecc", "#!/bin/sh\ncase $1 in\n"
	    "-dumpmachine) echo arm-none-eabi ;;\n"
	    "-dumpfullversion) exit 1 ;;\n"	/* like clang */
	    "-dumpversion) echo 14.0.6 ;;\nesac\n");
	script("bin/hangcc", "#!/bin/sh\nexec sleep 30\n");
	script("bin/notcc", "#!/bin/sh\necho 'hello world; rm -rf /'\n");
	snprintf(search, sizeof(search), "%s:/usr/bin:/bin", bin);

	t0 = now_monotonic();
	CHECK_INT(compilers_probe(masq, search, 300, &c, err), 0);
	CHECK(now_monotonic() - t0 < 5);	/* the hanging one was cut off */
	CHECK_INT(c.n, 2);
	if (c.n == 2) {
		gcc_says("-dumpfullversion", version, sizeof(version));
		gcc_says("-dumpmachine", target, sizeof(target));
		CHECK_STR(c.v[0].name, "fakecc");
		CHECK_STR(c.v[0].version, "14.0.6");
		CHECK_STR(c.v[0].target, "arm-none-eabi");
		CHECK_STR(c.v[1].name, "gcc");
		CHECK_STR(c.v[1].version, version);
		CHECK_STR(c.v[1].target, target);
	}
	compilers_free(&c);
	CHECK_INT(c.n, 0);
}

/* A stand-in compiler: version, and cc1 in the same directory. */
static void
fake(const char *rel, const char *version)
{
	char text[1024];

	snprintf(text, sizeof(text), "#!/bin/sh\ncase $1 in\n"
	    "-v) echo 'gcc version %s (test)' >&2 ;;\n"
	    "-dumpmachine) echo x86_64-linux-gnu ;;\n"
	    "-dumpfullversion) echo %s ;;\n"
	    "-print-prog-name=cc1) echo \"${0%%/*}/cc1\" ;;\n"
	    "esac\n", version, version);
	script(rel, text);
}

/* Each beat only stats; what changed is probed again and counted. */
TEST(changes)
{
	struct compilers c;
	char masq[128], bin[128], pre[128], wl[128], search[512], err[ERR_MAX];
	char fp1[WIRE_FP_LEN + 1];

	snprintf(masq, sizeof(masq), "%s/masq2", dir);
	snprintf(bin, sizeof(bin), "%s/bin2", dir);
	snprintf(pre, sizeof(pre), "%s/pre2", dir);
	snprintf(wl, sizeof(wl), "%s/wl", dir);
	mkdir(masq, 0755);
	mkdir(bin, 0755);
	mkdir(pre, 0755);
	mkdir(wl, 0755);
	script("masq2/xcc", "#!/bin/sh\nexit 99\n");
	script("masq2/ycc", "#!/bin/sh\nexit 99\n");
	script("wl/xcc", "#!/bin/sh\nexit 99\n");
	fake("bin2/xcc", "1.0");
	script("bin2/cc1", "cc1 one\n");
	snprintf(search, sizeof(search), "%s:%s", pre, bin);
	memset(&c, 0, sizeof(c));
	c.whitelist = wl;

	CHECK_INT(compilers_update(&c, masq, search, 2000, err), 1);
	CHECK_INT(c.n, 1);
	CHECK_INT(c.noff, 1);		/* ycc: nothing behind it yet */
	CHECK(wire_fp_valid(c.v[0].fp));
	str_copy(fp1, c.v[0].fp, sizeof(fp1));
	CHECK_STR(compilers_fp(&c, "xcc"), fp1);
	CHECK_INT(c.bins.n, 1);
	CHECK(c.bins.n == 1 && strcmp(c.bins.v[0].wire, "xcc") == 0);
	/* nothing changed: nothing to report */
	CHECK_INT(compilers_update(&c, masq, search, 2000, err), 0);
	CHECK_STR(c.v[0].fp, fp1);
	/* the compiler proper changes: a new fingerprint */
	script("bin2/cc1", "cc1 two\n");
	CHECK_INT(compilers_update(&c, masq, search, 2000, err), 1);
	CHECK(strcmp(c.v[0].fp, fp1) != 0);
	/* touched but the same: probed again, nothing to report */
	script("bin2/cc1", "cc1 two\n");
	CHECK_INT(compilers_update(&c, masq, search, 2000, err), 0);
	/* upgraded */
	fake("bin2/xcc", "2.0");
	CHECK_INT(compilers_update(&c, masq, search, 2000, err), 1);
	CHECK_STR(c.v[0].version, "2.0");
	/* a compiler appears for ycc; distccd does not take it yet: no fp */
	fake("bin2/ycc", "2.0");
	CHECK_INT(compilers_update(&c, masq, search, 2000, err), 1);
	CHECK_INT(c.n, 2);
	CHECK(compilers_fp(&c, "ycc") == NULL);
	script("wl/ycc", "#!/bin/sh\nexit 99\n");
	CHECK_INT(compilers_update(&c, masq, search, 2000, err), 1);
	CHECK(compilers_fp(&c, "ycc") != NULL);
	CHECK_INT(c.bins.n, 2);
	/* another xcc first on PATH shadows the old one */
	fake("pre2/xcc", "3.0");
	CHECK_INT(compilers_update(&c, masq, search, 2000, err), 1);
	CHECK_STR(c.v[0].version, "3.0");
	/* a name leaves the masquerade directory */
	{
		char gone[160];

		snprintf(gone, sizeof(gone), "%s/ycc", masq);
		unlink(gone);
	}
	CHECK_INT(compilers_update(&c, masq, search, 2000, err), 1);
	CHECK_INT(c.n, 1);
	CHECK(compilers_fp(&c, "ycc") == NULL);
	compilers_free(&c);
}

TEST(missing_directory)
{
	struct compilers c;
	char err[ERR_MAX];

	CHECK_INT(compilers_probe("/nonexistent/masq", "/usr/bin", 300, &c, err), 0);
	CHECK_INT(c.n, 0);
	compilers_free(&c);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_compilers.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(search_path);
	RUN(probe);
	RUN(changes);
	RUN(missing_directory);
	test_rmtree(dir);
	return test_summary();
}

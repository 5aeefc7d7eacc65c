/* Unit tests for shim/fingerprint.c: distcc's compiler-name rewrite as dcc
 * and the heartbeat repeat it, and fingerprints that are equal for
 * identical installs and differ when the version, the target or the build
 * differ. Stand-in compilers are shell scripts in a temp dir; the real gcc
 * is fingerprinted too. */
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "client.h"

static char dir[64];
static char triple[64];		/* what distcc turns gcc into: <triple>-gcc */

static char *
at(const char *rel)
{
	static char path[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, rel);
	return path[i];
}

static void
script(const char *rel, const char *text)
{
	FILE *f;

	if ((f = fopen(at(rel), "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
	chmod(at(rel), 0755);
}

/* A stand-in gcc that answers -v, -dumpmachine, -dumpfullversion and
 * -print-prog-name=cc1 (a file in its directory) like gcc. */
static void
fake_gcc(const char *rel, const char *version, const char *target,
    const char *cc1)
{
	char text[2048];

	snprintf(text, sizeof(text), "#!/bin/sh\n"
	    "case $1 in\n"
	    "-v) echo 'Using built-in specs.' >&2\n"
	    "    echo \"COLLECT_GCC=$0\" >&2\n"
	    "    echo 'Target: %s' >&2\n"
	    "    echo 'Configured with: ../src/configure --prefix=/usr' >&2\n"
	    "    echo 'gcc version %s (test)' >&2 ;;\n"
	    "-dumpmachine) echo %s ;;\n"
	    "-dumpfullversion) echo %s ;;\n"
	    "-print-prog-name=cc1) echo %s ;;\n"
	    "-print-prog-name=*) echo ${1#-print-prog-name=} ;;\n"
	    "esac\n", target, version, target, version, cc1 ? cc1 : "cc1");
	script(rel, text);
}

static int
fp_of(const char *name, const char *search, char *fp)
{
	struct fp_target t;
	struct fp_result r;
	char err[ERR_MAX];
	int rc;

	fp[0] = '\0';
	if (fp_target(name, search, 1, &t, err) == -1)
		return -1;
	rc = fp_compute(&t, search, 3000, &r, err);
	if (rc == 0)
		str_copy(fp, r.fp, WIRE_FP_LEN + 1);
	fp_result_free(&r);
	fp_target_free(&t);
	return rc;
}

TEST(hash)
{
	char a[WIRE_FP_LEN + 1], b[WIRE_FP_LEN + 1], big[1000];
	size_t i;

	fp_hash_buffer("", 0, a);
	CHECK(wire_fp_valid(a));
	fp_hash_buffer("", 0, b);
	CHECK_STR(a, b);
	fp_hash_buffer("a", 1, b);
	CHECK(strcmp(a, b) != 0);
	memset(big, 'x', sizeof(big));
	fp_hash_buffer(big, sizeof(big), a);
	for (i = 0; i < sizeof(big); i += 97) {	/* one bit anywhere shows */
		big[i] ^= 1;
		fp_hash_buffer(big, sizeof(big), b);
		CHECK(strcmp(a, b) != 0);
		big[i] ^= 1;
	}
	fp_hash_buffer(big, sizeof(big) - 1, b);	/* and the length */
	CHECK(strcmp(a, b) != 0);
}

TEST(rewrite)
{
	struct fp_target t;
	char search[PATH_MAX * 2], err[ERR_MAX], name[128];

	mkdir(at("a"), 0755);
	mkdir(at("b"), 0755);
	fake_gcc("a/gcc", "12.2.0", "x86_64-linux-gnu", NULL);
	snprintf(name, sizeof(name), "a/%s-gcc", triple);
	fake_gcc(name, "12.2.0", "x86_64-linux-gnu", NULL);
	fake_gcc("a/gcc-12", "12.2.0", "x86_64-linux-gnu", NULL);
	snprintf(name, sizeof(name), "a/%s-gcc-12", triple);
	fake_gcc(name, "12.2.0", "x86_64-linux-gnu", NULL);
	fake_gcc("a/clang", "14.0.6", "x86_64-pc-linux-gnu", NULL);
	symlink("gcc", at("a/cc"));
	symlink("clang", at("a/c++"));
	snprintf(search, sizeof(search), "%s:/nonexistent", at("a"));
	unsetenv("DISTCC_NO_REWRITE_CROSS");

	/* gcc -> <triple>-gcc, found on PATH */
	CHECK_INT(fp_target("gcc", search, 1, &t, err), 0);
	snprintf(name, sizeof(name), "%s-gcc", triple);
	CHECK_STR(t.wire, name);
	CHECK(!t.norewrite);
	CHECK(t.path != NULL && strcmp(t.path, at(name + 0)) != 0);
	CHECK(fp_identity_valid(t.id));
	fp_target_free(&t);
	CHECK_INT(fp_target("gcc-12", search, 1, &t, err), 0);
	snprintf(name, sizeof(name), "%s-gcc-12", triple);
	CHECK_STR(t.wire, name);
	fp_target_free(&t);
	/* cc, a link to gcc, -> gcc -> <triple>-gcc */
	CHECK_INT(fp_target("cc", search, 1, &t, err), 0);
	snprintf(name, sizeof(name), "%s-gcc", triple);
	CHECK_STR(t.wire, name);
	fp_target_free(&t);
	/* c++, a link to clang: not clang++, so distcc leaves it */
	CHECK_INT(fp_target("c++", search, 1, &t, err), 0);
	CHECK_STR(t.wire, "c++");
	fp_target_free(&t);
	/* clang is sent as it is */
	CHECK_INT(fp_target("clang", search, 1, &t, err), 0);
	CHECK_STR(t.wire, "clang");
	fp_target_free(&t);
	/* DISTCC_NO_REWRITE_CROSS turns it all off */
	setenv("DISTCC_NO_REWRITE_CROSS", "1", 1);
	CHECK_INT(fp_target("gcc", search, 1, &t, err), 0);
	CHECK_STR(t.wire, "gcc");
	fp_target_free(&t);
	unsetenv("DISTCC_NO_REWRITE_CROSS");
	/* no such compiler */
	CHECK_INT(fp_target("nosuchcc", search, 1, &t, err), -1);
	CHECK(strstr(err, "no nosuchcc") != NULL);
	CHECK_INT(fp_target("/usr/bin/gcc", search, 1, &t, err), -1);

	/* distcc looks cc up skipping every entry while "distcc" is in the
	 * rest of PATH: a cc in such a directory is not the one it rewrites */
	mkdir(at("x-distcc-y"), 0755);
	snprintf(name, sizeof(name), "a/%s-gcc", triple);
	unlink(at(name));
	CHECK_INT(link(at("a/gcc"), at(name)), 0);
	CHECK_INT(link(at("a/gcc"), at("x-distcc-y/cc")), 0);	/* not a link */
	snprintf(search, sizeof(search), "%s:%s", at("x-distcc-y"), at("a"));
	CHECK_INT(fp_target("cc", search, 1, &t, err), 0);
	snprintf(name, sizeof(name), "%s-gcc", triple);
	CHECK_STR(t.wire, name);
	fp_target_free(&t);

	/* the rewrite would swap an /opt gcc for another directory's
	 * <triple>-gcc: keep the name, and say distcc must not rewrite */
	fake_gcc("b/gcc", "13.1.0", "x86_64-linux-gnu", NULL);
	snprintf(search, sizeof(search), "%s:%s", at("b"), at("a"));
	CHECK_INT(fp_target("gcc", search, 1, &t, err), 0);
	CHECK_STR(t.wire, "gcc");
	CHECK(t.norewrite);
	CHECK_STR(t.path, at("b/gcc"));
	fp_target_free(&t);
	/* a node judges gcc by what its distccd runs for a standard client's
	 * job: <triple>-gcc */
	CHECK_INT(fp_target("gcc", search, 0, &t, err), 0);
	snprintf(name, sizeof(name), "%s-gcc", triple);
	CHECK_STR(t.wire, name);
	CHECK(!t.norewrite);
	fp_target_free(&t);
	/* unless it is the same binary */
	unlink(at("b/gcc"));
	CHECK_INT(link(at("a/gcc"), at("b/gcc")), 0);
	CHECK_INT(fp_target("gcc", search, 1, &t, err), 0);
	snprintf(name, sizeof(name), "%s-gcc", triple);
	CHECK_STR(t.wire, name);
	CHECK(!t.norewrite);
	fp_target_free(&t);
}

TEST(fingerprints)
{
	char search[PATH_MAX * 3], fa[40], fb[40], fc[40];

	mkdir(at("p"), 0755);
	mkdir(at("q"), 0755);
	mkdir(at("r"), 0755);
	snprintf(search, sizeof(search), "%s", at("p"));
	/* identical installs in two places: equal (the scripts print the
	 * same cc1, so their contents are the same too) */
	script("p/cc1", "cc1 v1\n");
	fake_gcc("p/xcc", "12.2.0", "x86_64-linux-gnu", at("p/cc1"));
	fake_gcc("r/xcc", "12.2.0", "x86_64-linux-gnu", at("p/cc1"));
	CHECK_INT(fp_of("xcc", at("p"), fa), 0);
	CHECK(wire_fp_valid(fa));
	CHECK_INT(fp_of("xcc", at("r"), fc), 0);
	CHECK_STR(fa, fc);
	/* a driver that differs in the least (a comment): another build */
	script("q/xcc", "#!/bin/sh\n# rebuilt\nexec \"${0%/*}/../p/xcc\" \"$@\"\n");
	CHECK_INT(fp_of("xcc", at("q"), fb), 0);
	CHECK(strcmp(fa, fb) != 0);
	/* another compiler proper: different */
	script("p/cc1", "cc1 v2\n");
	CHECK_INT(fp_of("xcc", search, fb), 0);
	CHECK(strcmp(fa, fb) != 0);
	script("p/cc1", "cc1 v1\n");
	CHECK_INT(fp_of("xcc", search, fb), 0);
	CHECK_STR(fa, fb);
	/* another version */
	fake_gcc("r/xcc", "12.3.0", "x86_64-linux-gnu", at("p/cc1"));
	CHECK_INT(fp_of("xcc", at("r"), fc), 0);
	CHECK(strcmp(fa, fc) != 0);
	/* another target */
	fake_gcc("r/xcc", "12.2.0", "arm-none-eabi", at("p/cc1"));
	CHECK_INT(fp_of("xcc", at("r"), fc), 0);
	CHECK(strcmp(fa, fc) != 0);
	/* another name on the wire */
	fake_gcc("r/ycc", "12.2.0", "x86_64-linux-gnu", at("p/cc1"));
	CHECK_INT(fp_of("ycc", at("r"), fc), 0);
	CHECK(strcmp(fa, fc) != 0);
	/* not a compiler */
	script("r/notcc", "#!/bin/sh\nexit 1\n");
	CHECK_INT(fp_of("notcc", at("r"), fc), -1);
}

/* The real gcc: stable, and blind to the user's language. */
TEST(real_gcc)
{
	char a[40], b[40], name[128];

	if (access("/usr/bin/gcc", X_OK) != 0)
		return;
	snprintf(name, sizeof(name), "%s-gcc", triple);
	CHECK_INT(fp_of("gcc", "/usr/bin:/bin", a), 0);
	setenv("LANG", "de_DE.UTF-8", 1);
	setenv("LC_ALL", "de_DE.UTF-8", 1);
	CHECK_INT(fp_of("gcc", "/usr/bin:/bin", b), 0);
	unsetenv("LANG");
	unsetenv("LC_ALL");
	CHECK_STR(a, b);
	/* gcc and cc are one compiler on the wire */
	CHECK_INT(fp_of("cc", "/usr/bin:/bin", b), 0);
	CHECK_STR(a, b);
}

TEST(run_is_bounded)
{
	char *argv[] = { NULL, NULL }, out[64];
	double t0 = now_monotonic();

	script("hang", "#!/bin/sh\nexec sleep 30\n");
	argv[0] = at("hang");
	CHECK_INT(fp_run(argv, "/usr/bin:/bin", 200, 0, out, sizeof(out)), -1);
	CHECK(now_monotonic() - t0 < 5);
	script("talk", "#!/bin/sh\necho out; echo err >&2; yes | head -c 100000; exit 3\n");
	argv[0] = at("talk");
	CHECK_INT(fp_run(argv, "/usr/bin:/bin", 3000, 1, out, sizeof(out)), 3);
	CHECK(strncmp(out, "out\nerr\ny", 9) == 0);
	CHECK_INT(strlen(out), sizeof(out) - 1);
}

TEST(bin_lines)
{
	struct fp_bin b;
	char line[256];

	snprintf(line, sizeof(line), "0123456789abcdef0123456789abcdef gcc "
	    "1:2:3:4 /usr/bin/my gcc");
	CHECK_INT(fp_bin_parse(line, &b), 0);
	CHECK_STR(b.wire, "gcc");
	CHECK_STR(b.id, "1:2:3:4");
	CHECK_STR(b.path, "/usr/bin/my gcc");
	free(b.path);
	snprintf(line, sizeof(line), "0123456789abcdef0123456789abcdef gcc 1:2:3:4");
	CHECK_INT(fp_bin_parse(line, &b), -1);
	snprintf(line, sizeof(line), "0123456789abcdef gcc 1:2:3:4 /x");
	CHECK_INT(fp_bin_parse(line, &b), -1);
	CHECK(!fp_identity_valid("1:2:3"));
	CHECK(!fp_identity_valid("1:2::3"));
	CHECK(!fp_identity_valid("1:2:3:4:5"));
	CHECK(!fp_identity_valid("1:2:3:-4"));
	CHECK(fp_identity_valid("2049:1234567:1150456:1700000000123456789"));
}

int
main(void)
{
	char *pc;

	snprintf(dir, sizeof(dir), "/tmp/test_fingerprint.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	str_copy(triple, DISTCC_GNU_HOST, sizeof(triple));
	if ((pc = strstr(triple, "-pc-")) != NULL)
		memmove(pc, pc + 3, strlen(pc + 3) + 1);
	RUN(hash);
	RUN(rewrite);
	RUN(fingerprints);
	RUN(real_gcc);
	RUN(run_is_bounded);
	RUN(bin_lines);
	test_rmtree(dir);
	return test_summary();
}

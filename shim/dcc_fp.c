/*
 * dcc_fp.c — which real compiler a command runs, and its fingerprint.
 *
 * A compiler given with a directory (`dcc /opt/arm/bin/arm-none-eabi-gcc`,
 * as CMake's CMAKE_C_COMPILER_LAUNCHER passes it) is run by its name with
 * that directory first on PATH: distccd refuses absolute compiler names
 * (outside /usr/bin), so this is what lets such a compiler distribute.
 *
 * The fingerprint comes from the first place that has it: the heartbeat's
 * table in the system list (a stat and a look-up: the common case), dcc's
 * own table in the cache directory, or, once per compiler change, from
 * running the compiler here (fingerprint.c), one dcc at a time, the others
 * waiting for its answer. All three are keyed by the name distcc will send
 * and the identity (dev:ino:size:mtime) of the binary it resolves to.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcc.h"

#define FP_RUN_MS	5000	/* one run of the compiler while fingerprinting */
#define FP_LOCK_WAIT	30.0	/* s to wait for another dcc's fingerprint */

/* Sets c up for compiler (a name, or a path) with the user's PATH env_path:
 * the name distcc gets and the PATH it runs with (the compiler's directory
 * first, dcc's own directories gone). The caller frees c with
 * dcc_compiler_free. */
void
dcc_compiler_init(struct dcc_compiler *c, const char *compiler,
    const char *env_path, const char *masq_dir)
{
	const char *slash = strrchr(compiler, '/');
	char cwd[PATH_MAX], *full;

	memset(c, 0, sizeof(*c));
	if (slash == NULL) {
		c->name = xstrdup(compiler);
		full = xstrdup(env_path);
	} else {
		c->name = xstrdup(slash + 1);
		if (slash == compiler)
			full = xasprintf("/:%s", env_path);
		else if (compiler[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
			full = xasprintf("%.*s:%s", (int)(slash - compiler),
			    compiler, env_path);
		else
			full = xasprintf("%s/%.*s:%s", cwd,
			    (int)(slash - compiler), compiler, env_path);
	}
	c->path = dcc_clean_path(full, c->name, masq_dir);
	free(full);
}

/* Finds the fingerprint of c's compiler (see the top of the file); bins is
 * the heartbeat's table (may be empty). 0 with c->fp and c->fp_from set,
 * or -1 with the reason in c->why: the compiler is then compiled locally. */
int
dcc_compiler_fp(struct dcc_compiler *c, const struct fp_table *bins,
    struct dcc_paths *paths)
{
	struct fp_table mine;
	struct fp_result r;
	const char *fp;
	char e[ERR_MAX];
	int fd;

	c->fp[0] = '\0';
	if (c->t.path == NULL && fp_target(c->name, c->path, 1, &c->t, e) == -1) {
		seterr(c->why, "%s", e);
		return -1;
	}
	if ((fp = fp_table_find(bins, c->t.wire, c->t.id)) != NULL) {
		str_copy(c->fp, fp, sizeof(c->fp));
		c->fp_from = "the heartbeat's table";
		return 0;
	}
	if (dcc_cache_dir_ok(paths, e) == -1) {
		seterr(c->why, "%s is not in the heartbeat's table and there is "
		    "no cache to fingerprint it into: %s", c->t.path, e);
		return -1;
	}
	cache_read_bins(paths->compilers, &mine, e);
	if ((fp = fp_table_find(&mine, c->t.wire, c->t.id)) != NULL) {
		str_copy(c->fp, fp, sizeof(c->fp));
		c->fp_from = "dcc's cache";
		fp_table_free(&mine);
		return 0;
	}
	fp_table_free(&mine);
	/* one dcc fingerprints; the others of a parallel build wait for it */
	if ((fd = dcc_flock(paths->compilers_lock, now_monotonic() +
	    FP_LOCK_WAIT, e)) == -1) {
		seterr(c->why, "cannot fingerprint %s: %s", c->t.path,
		    e[0] ? e : "another dcc is still at it");
		return -1;
	}
	cache_read_bins(paths->compilers, &mine, e);
	if ((fp = fp_table_find(&mine, c->t.wire, c->t.id)) != NULL) {
		str_copy(c->fp, fp, sizeof(c->fp));
		c->fp_from = "dcc's cache";
	} else if (fp_compute(&c->t, c->path, FP_RUN_MS, &r, e) == -1)
		seterr(c->why, "cannot fingerprint: %s", e);
	else {
		dcc_debug("fingerprinted %s (%s): %s", c->t.path, c->t.wire, r.fp);
		str_copy(c->fp, r.fp, sizeof(c->fp));
		c->fp_from = "computed here";
		fp_table_add(&mine, r.fp, c->t.wire, c->t.id, c->t.path);
		fp_result_free(&r);
		if (cache_write_bins(paths->compilers, &mine, e) == -1)
			dcc_debug("cannot keep the fingerprint: %s", e);
	}
	fp_table_free(&mine);
	close(fd);
	return c->fp[0] != '\0' ? 0 : -1;
}

/* Frees what c holds. */
void
dcc_compiler_free(struct dcc_compiler *c)
{
	free(c->name);
	free(c->path);
	fp_target_free(&c->t);
	memset(c, 0, sizeof(*c));
}

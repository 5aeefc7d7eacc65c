/*
 * dcc_exec.c — the last step of every compile: exec distcc with the compiler
 * named explicitly, or the real compiler when distcc cannot run.
 *
 * Before either, dcc's own directories leave PATH. Otherwise distcc finds
 * dcc again when it looks for `cc` or `arm-none-eabi-gcc` and exits with
 * "invoked itself recursively" (README.md, "distcc facts"). A directory is dcc's
 * when it is the configured masquerade directory, or when <dir>/<compiler>
 * is this very binary (same device and inode, so any link or copy counts).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcc.h"

/* Extensions distcc takes for a source or object file in argv[1]. */
static const char *const source_exts[] = {
	"c", "cc", "cpp", "cxx", "cp", "c++", "C", "i", "ii",
	"m", "mm", "mi", "mii", "M", "o",
};

/* Is arg a source or object file by its extension? Decides, as distcc does,
 * that `dcc x.c …` means `dcc cc x.c …`. */
int
dcc_is_source_or_object(const char *arg)
{
	const char *dot = strrchr(arg, '.');
	size_t i;

	if (dot == NULL || dot[1] == '\0')
		return 0;
	for (i = 0; i < NELEM(source_exts); i++)
		if (strcmp(dot + 1, source_exts[i]) == 0)
			return 1;
	return 0;
}

/* Are a and b the same directory name, trailing slashes aside? */
static int
same_dir(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	while (alen > 1 && a[alen - 1] == '/')
		alen--;
	while (blen > 1 && b[blen - 1] == '/')
		blen--;
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Is <dir>/<name> this binary? */
static int
is_self(const char *dir, size_t dlen, const char *name, const struct stat *self)
{
	char file[PATH_MAX];
	struct stat st;

	if (dlen == 0) {
		dir = ".";
		dlen = 1;
	}
	if (snprintf(file, sizeof(file), "%.*s/%s", (int)dlen, dir, name) >=
	    (int)sizeof(file))
		return 0;
	return stat(file, &st) == 0 && st.st_dev == self->st_dev &&
	    st.st_ino == self->st_ino;
}

/* Returns path without dcc's own directories: masq_dir (may be NULL) and
 * every entry holding this binary under the compiler's name. The caller
 * frees the result. */
char *
dcc_clean_path(const char *path, const char *compiler, const char *masq_dir)
{
	const char *p, *end, *name = strrchr(compiler, '/');
	struct stat self;
	char *out, *o;
	int have_self;
	size_t len;

	name = name != NULL ? name + 1 : compiler;
	have_self = stat("/proc/self/exe", &self) == 0 && *name != '\0';
	o = out = xmalloc(strlen(path) + 1);
	for (p = path;; p = end + 1) {
		end = strchr(p, ':');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (!(masq_dir != NULL && same_dir(p, len, masq_dir)) &&
		    !(have_self && is_self(p, len, name, &self))) {
			if (o != out)
				*o++ = ':';
			memcpy(o, p, len);
			o += len;
		}
		if (end == NULL)
			break;
	}
	*o = '\0';
	return out;
}

/* Finds name on path the way execvp(3) would: the first regular executable
 * file. A name with a slash is taken as it is. The caller frees the result;
 * NULL when there is none. */
char *
dcc_find_program(const char *name, const char *path)
{
	struct stat st;

	if (strchr(name, '/') == NULL)
		return fp_which(name, path);
	return stat(name, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(name, X_OK) == 0 ? xstrdup(name) : NULL;
}

/* A new argv: the given head words, then cmd's arguments; the caller frees
 * the array (not the strings). */
static char **
make_argv(const char *a0, const char *a1, const struct dcc_command *cmd)
{
	size_t n = 0, i = 0;
	char **argv;

	while (cmd->args[n] != NULL)
		n++;
	argv = xcalloc(n + 3, sizeof(char *));
	argv[i++] = (char *)a0;
	if (a1 != NULL)
		argv[i++] = (char *)a1;
	memcpy(argv + i, cmd->args, n * sizeof(char *));
	return argv;
}

/* Runs the real compiler found on path (dcc's directories already gone
 * from it), replacing this process. Never returns: when the compiler cannot
 * run either, exits with DCC_EXIT_NO_COMPILER. */
void
dcc_exec_compiler(const struct dcc_command *cmd, const char *path)
{
	char *file, **argv;

	if (setenv("PATH", path, 1) == -1) {
		dcc_warn("cannot compile: setenv: %s", strerror(errno));
		exit(DCC_EXIT_NO_COMPILER);
	}
	if ((file = dcc_find_program(cmd->compiler, path)) == NULL) {
		dcc_warn("cannot compile: no %s on PATH (%s)", cmd->compiler, path);
		exit(DCC_EXIT_NO_COMPILER);
	}
	dcc_debug("exec %s (local)", file);
	argv = make_argv(cmd->compiler, NULL, cmd);
	execv(file, argv);
	dcc_warn("cannot compile: exec %s: %s", file, strerror(errno));
	exit(DCC_EXIT_NO_COMPILER);
}

/* Runs distcc (or $DCC_DISTCC) as `distcc <compiler> <args>` with PATH set to
 * path and DISTCC_HOSTS to hosts (never empty), and DISTCC_NO_REWRITE_CROSS
 * when cmd says, replacing this process. Every other DISTCC_* variable
 * passes through. When distcc is missing or does not start, runs the
 * compiler itself. Never returns. */
void
dcc_exec_distcc(const struct dcc_command *cmd, const char *path,
    const char *hosts)
{
	const char *want = getenv("DCC_DISTCC");
	char *file, **argv;

	if (want == NULL || *want == '\0')
		want = "distcc";
	if (hosts == NULL || *hosts == '\0') {
		/* distcc would then read no other source: never hand it that */
		dcc_debug("no host list: compiling locally");
		dcc_exec_compiler(cmd, path);
	}
	if ((file = dcc_find_program(want, path)) == NULL) {
		dcc_debug("no %s on PATH: compiling locally", want);
		dcc_exec_compiler(cmd, path);
	}
	if (setenv("PATH", path, 1) == -1 || setenv("DISTCC_HOSTS", hosts, 1) == -1 ||
	    (cmd->norewrite && setenv("DISTCC_NO_REWRITE_CROSS", "1", 1) == -1)) {
		dcc_debug("setenv: %s: compiling locally", strerror(errno));
		dcc_exec_compiler(cmd, path);
	}
	dcc_debug("exec %s %s with DISTCC_HOSTS=\"%s\"", file, cmd->compiler, hosts);
	argv = make_argv("distcc", cmd->compiler, cmd);
	execv(file, argv);
	dcc_debug("exec %s: %s: compiling locally", file, strerror(errno));
	free(argv);
	free(file);
	dcc_exec_compiler(cmd, path);
}

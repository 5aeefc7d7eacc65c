/*
 * fingerprint.c — what really runs when a job is sent under a compiler
 * name, and a fingerprint of it (README.md, "Compilers"). dcc and
 * dcc-heartbeat both use it, so a node and a client can only agree when
 * the same compiler would run on both.
 *
 * The wire name. distcc 3.4 does not send the name it was given: `cc` and
 * `c++` become `gcc`/`g++` (or clang/clang++) when they are links to them,
 * through Debian's /etc/alternatives; then `gcc`, `gcc-*`, `g++`, `g++-*`
 * become `<triple>-<name>` when that name is on PATH, the triple being the
 * one distcc was built for without "-pc" (x86_64-linux-gnu). distccd runs
 * what it receives from its own PATH. fp_target() repeats that; for a
 * client (dcc) with one guard: when the rewrite would swap the compiler the
 * user's PATH names for another one in another directory (a gcc in
 * /opt/gcc13/bin first on PATH, rewritten to /usr/bin/x86_64-linux-gnu-gcc),
 * the name stays as given and dcc turns the rewrite off for distcc
 * (DISTCC_NO_REWRITE_CROSS). A node (dcc-heartbeat) judges a name by what
 * its distccd runs for the name a client's distcc sends, so no guard.
 *
 * The fingerprint: a 128-bit hash over the wire name, the compiler's `-v`
 * output (vendor version string, configure options, target), and the
 * contents of the driver binary and of the programs it runs for a compile
 * (-print-prog-name=cc1, cc1plus and as). Equal for identical installs,
 * different when the version, the target or the build differ. Computed once
 * per compiler change: callers key it by the binary's identity
 * (dev:ino:size:mtime), which a stat(2) re-checks.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

extern char **environ;

#define VERBOSE_MAX	(64 * 1024)	/* -v output we hash */
#define FP_VERSION	"dyndistcc-fp 1"	/* changes every fingerprint when the recipe does */

static const char *const fp_tools[FP_TOOLS_MAX] = { "cc1", "cc1plus", "as" };

/* The hash: four lanes over 8-byte words, folded into two 64-bit halves.
 * Fast enough for a 30 MB cc1 in a few milliseconds; not for secrets. */
#define K1	0x9e3779b97f4a7c15ULL	/* 2^64 / golden ratio */
#define K2	0xbf58476d1ce4e5b9ULL	/* splitmix64's multipliers */
#define K3	0x94d049bb133111ebULL

struct fphash {
	uint64_t	 lane[4];
	uint64_t	 len;
	unsigned char	 buf[32];
	size_t		 nbuf;
};

static uint64_t
rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* The 64-bit finaliser of splitmix64: every input bit flips about half of
 * the output bits. */
static uint64_t
avalanche(uint64_t x)
{
	x ^= x >> 30;
	x *= K2;
	x ^= x >> 27;
	x *= K3;
	x ^= x >> 31;
	return x;
}

static uint64_t
load64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void
hash_init(struct fphash *h)
{
	memset(h, 0, sizeof(*h));
	h->lane[0] = K1;
	h->lane[1] = K2;
	h->lane[2] = K3;
	h->lane[3] = K1 ^ K2;
}

static void
hash_stripe(struct fphash *h, const unsigned char *p)
{
	int i;

	for (i = 0; i < 4; i++)
		h->lane[i] = rotl64(h->lane[i] + load64(p + 8 * i) * K2, 31) * K1;
}

static void
hash_update(struct fphash *h, const void *data, size_t len)
{
	const unsigned char *p = data;

	h->len += len;
	if (h->nbuf > 0) {
		size_t take = sizeof(h->buf) - h->nbuf < len ?
		    sizeof(h->buf) - h->nbuf : len;

		memcpy(h->buf + h->nbuf, p, take);
		h->nbuf += take;
		p += take;
		len -= take;
		if (h->nbuf < sizeof(h->buf))
			return;
		hash_stripe(h, h->buf);
		h->nbuf = 0;
	}
	for (; len >= sizeof(h->buf); p += sizeof(h->buf), len -= sizeof(h->buf))
		hash_stripe(h, p);
	memcpy(h->buf, p, len);
	h->nbuf = len;
}

/* A string and its terminating NUL, so "ab","c" and "a","bc" differ. */
static void
hash_str(struct fphash *h, const char *s)
{
	hash_update(h, s, strlen(s) + 1);
}

/* Writes the 32 hex digits of the hash into out (WIRE_FP_LEN + 1 bytes). */
static void
hash_final(struct fphash *h, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char tail[32] = { 0 };
	uint64_t a, b, half[2];
	int i;

	memcpy(tail, h->buf, h->nbuf);
	tail[31] = (unsigned char)h->nbuf;
	hash_stripe(h, tail);
	a = rotl64(h->lane[0], 1) + rotl64(h->lane[1], 7) +
	    rotl64(h->lane[2], 12) + rotl64(h->lane[3], 18);
	b = h->lane[0] ^ rotl64(h->lane[1], 23) ^ rotl64(h->lane[2], 41) ^
	    rotl64(h->lane[3], 53);
	half[0] = avalanche(a ^ h->len * K3);
	half[1] = avalanche(b + half[0] + h->len);
	for (i = 0; i < 16; i++) {
		unsigned v = (unsigned)(half[i / 8] >> (56 - 8 * (i % 8))) & 0xff;

		out[2 * i] = hex[v >> 4];
		out[2 * i + 1] = hex[v & 15];
	}
	out[WIRE_FP_LEN] = '\0';
}

/* Hashes a label, then the contents of the file at path. 0, or -1 with err. */
static int
hash_file(struct fphash *h, const char *label, const char *path, char *err)
{
	unsigned char buf[64 * 1024];
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		seterr(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	hash_str(h, label);
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			seterr(err, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		hash_update(h, buf, (size_t)r);
	}
	close(fd);
	return 0;
}

/* Writes the identity of the file at path, "dev:ino:size:mtime_ns", into
 * id (FP_ID_MAX bytes); st gets its stat when not NULL. 0, or -1 when it
 * is not a regular file. */
int
fp_identity(const char *path, char *id, struct stat *st)
{
	struct stat s;

	if (stat(path, &s) == -1 || !S_ISREG(s.st_mode))
		return -1;
	snprintf(id, FP_ID_MAX, "%ju:%ju:%jd:%jd", (uintmax_t)s.st_dev,
	    (uintmax_t)s.st_ino, (intmax_t)s.st_size,
	    (intmax_t)s.st_mtim.tv_sec * 1000000000 + s.st_mtim.tv_nsec);
	if (st != NULL)
		*st = s;
	return 0;
}

/* Is s an identity as fp_identity writes it? */
int
fp_identity_valid(const char *s)
{
	int fields = 1;
	size_t n;

	if (s[0] == '\0' || s[0] == ':')
		return 0;
	for (n = 0; s[n] != '\0'; n++) {
		if (n >= FP_ID_MAX - 1)
			return 0;
		if (s[n] == ':') {
			if (s[n + 1] == ':' || s[n + 1] == '\0')
				return 0;
			fields++;
		} else if (s[n] < '0' || s[n] > '9')
			return 0;
	}
	return fields == 4;
}

/* Is <dir>/<name> (dir of dlen bytes; "" is the current directory) a file
 * we may execute? Writes the path into out (PATH_MAX bytes) when it is. */
static int
executable_in(const char *dir, size_t dlen, const char *name, char *out,
    int regular)
{
	struct stat st;

	if (snprintf(out, PATH_MAX, "%.*s%s%s", (int)dlen, dir,
	    dlen > 0 ? "/" : "./", name) >= PATH_MAX)
		return 0;
	if (regular && (stat(out, &st) == -1 || !S_ISREG(st.st_mode)))
		return 0;
	return access(out, X_OK) == 0;
}

#define SEARCH_REGULAR	1	/* a regular file, as execvp(3) takes */
#define SEARCH_DISTCC	2	/* skip entries as distcc's lookup of cc does */

/* The first executable file called name in search (a PATH string; an
 * empty entry is the current directory). With SEARCH_DISTCC an entry is
 * skipped while the rest of PATH from it on contains "distcc" anywhere,
 * as distcc 3.4 looks up `cc` and `c++` before it rewrites them (so a
 * masquerade directory, and everything before it, never count). The
 * caller frees; NULL when there is none. */
static char *
path_find(const char *name, const char *path, int how)
{
	char file[PATH_MAX];
	const char *p, *end;
	size_t len;

	for (p = path;; p = end + 1) {
		end = strchr(p, ':');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (!((how & SEARCH_DISTCC) && strstr(p, "distcc") != NULL) &&
		    executable_in(p, len, name, file, how & SEARCH_REGULAR))
			return xstrdup(file);
		if (end == NULL)
			return NULL;
	}
}

/* The first regular executable file called name in search, as execvp(3)
 * finds it. The caller frees; NULL when there is none. */
char *
fp_which(const char *name, const char *path)
{
	return path_find(name, path, SEARCH_REGULAR);
}

/* distcc's cc/c++ rewrite: when `cc` on search is a link to gcc or clang
 * (through /etc/alternatives/cc on Debian), the name becomes "gcc" or
 * "clang" (g++, clang++ for c++). Writes the new name into out (of size
 * bytes) and returns 1, or 0 when distcc keeps the name. */
static int
rewrite_generic(const char *name, const char *search, char *out, size_t size)
{
	char target[PATH_MAX], *found, *slash;
	const char *base, *alt;
	struct stat st;
	int dir = -1, rc = 0, cpp;
	ssize_t n;

	if (strcmp(name, "cc") == 0)
		cpp = 0;
	else if (strcmp(name, "c++") == 0)
		cpp = 1;
	else
		return 0;
	alt = cpp ? "/etc/alternatives/c++" : "/etc/alternatives/cc";
	if ((found = path_find(name, search, SEARCH_DISTCC)) == NULL)
		return 0;
	/* links are read relative to the directory the name was found in */
	slash = strrchr(found, '/');
	*slash = '\0';
	dir = open(found[0] != '\0' ? found : "/", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	*slash = '/';
	if (dir == -1 || fstatat(dir, slash + 1, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISLNK(st.st_mode) ||
	    (n = readlinkat(dir, slash + 1, target, sizeof(target) - 1)) <= 0)
		goto done;
	target[n] = '\0';
	/* Debian: /usr/bin/cc -> /etc/alternatives/cc -> /usr/bin/gcc */
	if (strcmp(target, alt) == 0 && lstat(alt, &st) == 0 &&
	    S_ISLNK(st.st_mode)) {
		if ((n = readlink(alt, target, sizeof(target) - 1)) <= 0)
			goto done;
		target[n] = '\0';
	}
	if (faccessat(dir, target, X_OK, 0) == -1)
		goto done;
	base = (base = strrchr(target, '/')) != NULL ? base + 1 : target;
	if (strcmp(base, cpp ? "clang++" : "clang") == 0 ||
	    strcmp(base, cpp ? "g++" : "gcc") == 0) {
		str_copy(out, base, size);
		rc = 1;
	}
done:
	if (dir != -1)
		close(dir);
	free(found);
	return rc;
}

/* distcc's cross rewrite: gcc, gcc-*, g++, g++-* become <triple>-<name>
 * when that name is on search. The search stops at an empty entry, as
 * distcc's does. 1 with the new name in out (of size bytes), or 0. */
static int
rewrite_fqn(const char *name, const char *search, char *out, size_t size)
{
	char want[FP_WIRE_MAX], file[PATH_MAX], triple[FP_WIRE_MAX], *pc;
	const char *p, *end;
	size_t len;

	if (strcmp(name, "gcc") != 0 && strncmp(name, "gcc-", 4) != 0 &&
	    strcmp(name, "g++") != 0 && strncmp(name, "g++-", 4) != 0)
		return 0;
	str_copy(triple, DISTCC_GNU_HOST, sizeof(triple));
	if ((pc = strstr(triple, "-pc-")) != NULL)
		memmove(pc, pc + 3, strlen(pc + 3) + 1);
	if (snprintf(want, sizeof(want), "%s-%s", triple, name) >=
	    (int)sizeof(want))
		return 0;
	for (p = search; *p != '\0'; p = end + 1) {
		end = strchr(p, ':');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			break;
		if (executable_in(p, len, want, file, 0)) {
			str_copy(out, want, size);
			return 1;
		}
		if (end == NULL)
			break;
	}
	return 0;
}

static int
same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa != NULL && sb != NULL && sa - a == sb - b &&
	    strncmp(a, b, (size_t)(sa - a)) == 0;
}

/* Works out what distcc sends, and what runs, for compiler name (no
 * slash) with PATH search: the wire name, the binary it resolves to on
 * search and that binary's identity. With guard (a client), t->norewrite
 * is set when distcc's rewrite must be turned off because it would swap
 * the compiler for one from another directory; the name is then sent as
 * it is. 0, or -1 with err when the name resolves to nothing. t->path is
 * the caller's (fp_target_free). */
int
fp_target(const char *name, const char *search, int guard,
    struct fp_target *t, char *err)
{
	char step[FP_WIRE_MAX], *orig;
	const char *no = getenv("DISTCC_NO_REWRITE_CROSS");
	int rewritten = 0;

	memset(t, 0, sizeof(*t));
	if (strchr(name, '/') != NULL || strlen(name) >= sizeof(t->wire)) {
		seterr(err, "%s: not a compiler name", name);
		return -1;
	}
	str_copy(t->wire, name, sizeof(t->wire));
	if (no == NULL) {
		if (rewrite_generic(t->wire, search, step, sizeof(step))) {
			str_copy(t->wire, step, sizeof(t->wire));
			rewritten = 1;
		}
		if (rewrite_fqn(t->wire, search, step, sizeof(step))) {
			str_copy(t->wire, step, sizeof(t->wire));
			rewritten = 1;
		}
	}
	t->path = fp_which(t->wire, search);
	if (guard && rewritten && (orig = fp_which(name, search)) != NULL) {
		char a[FP_ID_MAX], b[FP_ID_MAX];

		if (t->path == NULL || (!same_dir(orig, t->path) &&
		    (fp_identity(orig, a, NULL) == -1 ||
		    fp_identity(t->path, b, NULL) == -1 || strcmp(a, b) != 0))) {
			free(t->path);
			t->path = orig;
			str_copy(t->wire, name, sizeof(t->wire));
			t->norewrite = 1;
		} else
			free(orig);
	}
	if (t->path == NULL) {
		seterr(err, "no %s on PATH", t->wire);
		return -1;
	}
	if (fp_identity(t->path, t->id, NULL) == -1) {
		seterr(err, "%s: not a regular file", t->path);
		fp_target_free(t);
		return -1;
	}
	return 0;
}

/* Frees what fp_target allocated; safe on a zeroed or freed target. */
void
fp_target_free(struct fp_target *t)
{
	free(t->path);
	t->path = NULL;
}

/* The environment for a compiler we run: ours, with PATH set to search and
 * the C locale, so the output does not depend on the user's language.
 * Free it with env_free. */
static char **
env_make(const char *search)
{
	size_t n = 0, i, o = 2;
	char **env;

	while (environ[n] != NULL)
		n++;
	env = xcalloc(n + 3, sizeof(char *));
	env[0] = xasprintf("PATH=%s", search);
	env[1] = xstrdup("LC_ALL=C");
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "PATH=", 5) != 0 &&
		    strncmp(environ[i], "LC_", 3) != 0 &&
		    strncmp(environ[i], "LANG", 4) != 0)
			env[o++] = environ[i];
	return env;
}

static void
env_free(char **env)
{
	free(env[0]);
	free(env[1]);
	free(env);
}

/* Runs argv (argv[0] a path) with PATH=search and LC_ALL=C, stdin on
 * /dev/null, and captures its stdout (and its stderr too when both is set)
 * into out (of size bytes, NUL-terminated; more output is read and
 * dropped). Gives up after timeout_ms, killing the child. Returns its exit
 * status, or -1 when it could not run, was killed or timed out. */
int
fp_run(char *const argv[], const char *search, int timeout_ms, int both,
    char *out, size_t size)
{
	double deadline = now_monotonic() + timeout_ms / 1000.0;
	char **env, drop[4096];
	int pfd[2], status, done = 0;
	size_t len = 0;
	sigset_t none;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	env = env_make(search);
	if ((pid = fork()) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		env_free(env);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* dcc-heartbeat blocks its signals for signalfd; a compiler
		 * must not inherit that */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (null != -1) {
			dup2(null, STDIN_FILENO);
			dup2(both ? pfd[1] : null, STDERR_FILENO);
		}
		dup2(pfd[1], STDOUT_FILENO);
		execve(argv[0], argv, env);
		_exit(127);
	}
	close(pfd[1]);
	env_free(env);
	for (;;) {
		int left = (int)((deadline - now_monotonic()) * 1000), ready;
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int keep = len + 1 < size;
		ssize_t r;

		if (left <= 0)
			break;
		if ((ready = poll(&p, 1, left)) <= 0) {
			if (ready == -1 && errno == EINTR)
				continue;
			break;
		}
		r = keep ? read(pfd[0], out + len, size - 1 - len) :
		    read(pfd[0], drop, sizeof(drop));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			done = r == 0;
			break;
		}
		if (keep)
			len += (size_t)r;
	}
	close(pfd[0]);
	out[len] = '\0';
	if (!done)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!done || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The first line of what path prints for opt, into out (of size bytes); 0
 * when it exited 0 with a line, -1 otherwise. */
static int
first_line(const char *path, const char *opt, const char *search,
    int timeout_ms, char *out, size_t size)
{
	char *argv[3] = { (char *)path, (char *)opt, NULL };

	if (fp_run(argv, search, timeout_ms, 0, out, size) != 0)
		return -1;
	out[strcspn(out, "\r\n")] = '\0';
	return out[0] != '\0' ? 0 : -1;
}

/* 1 when s looks like a version ("12.2.0", "14.0.6") or a target triple
 * ("x86_64-linux-gnu"): short, one word, a safe alphabet. */
static int
plausible(const char *s, int triple)
{
	size_t i;

	if (s[0] == '\0' || strlen(s) > WIRE_TEXT_MAX)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
		    c == '_' || c == '+' || c == '~'))
			return 0;
	}
	return triple ? strchr(s, '-') != NULL : s[0] >= '0' && s[0] <= '9';
}

/* The version (-dumpfullversion, or clang's -dumpversion) and target
 * (-dumpmachine) of the compiler at path, each into a buffer of
 * WIRE_TEXT_MAX + 1 bytes. 0, or -1 when it does not answer like a
 * compiler. */
int
fp_describe(const char *path, const char *search, int timeout_ms,
    char *version, char *target)
{
	char buf[128];

	if (first_line(path, "-dumpmachine", search, timeout_ms, buf,
	    sizeof(buf)) == -1 || !plausible(buf, 1))
		return -1;
	str_copy(target, buf, WIRE_TEXT_MAX + 1);
	if (first_line(path, "-dumpfullversion", search, timeout_ms, buf,
	    sizeof(buf)) == -1 || !plausible(buf, 0)) {
		/* clang knows only this one */
		if (first_line(path, "-dumpversion", search, timeout_ms, buf,
		    sizeof(buf)) == -1 || !plausible(buf, 0))
			return -1;
	}
	str_copy(version, buf, WIRE_TEXT_MAX + 1);
	return 0;
}

/* Hashes the lines of a compiler's -v output that describe the compiler,
 * not where it was run from: everything but COLLECT_GCC=, COLLECT_LTO_WRAPPER=
 * (gcc) and InstalledDir: (clang), which name its directory. */
static void
hash_verbose(struct fphash *h, char *text)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		if (strncmp(line, "COLLECT_", 8) == 0 ||
		    strncmp(line, "InstalledDir:", 13) == 0)
			continue;
		hash_str(h, line);
	}
}

/* Where the compiler at path finds tool (-print-prog-name): an absolute
 * path as it prints it, or a bare name looked up on search as the driver
 * would. NULL when it has none; the caller frees. */
static char *
tool_path(const char *path, const char *tool, const char *search,
    int timeout_ms)
{
	char opt[64], out[PATH_MAX], *argv[3];
	struct stat st;

	snprintf(opt, sizeof(opt), "-print-prog-name=%s", tool);
	argv[0] = (char *)path;
	argv[1] = opt;
	argv[2] = NULL;
	if (fp_run(argv, search, timeout_ms, 0, out, sizeof(out)) != 0)
		return NULL;
	out[strcspn(out, "\r\n")] = '\0';
	if (out[0] == '/')
		return stat(out, &st) == 0 && S_ISREG(st.st_mode) ?
		    xstrdup(out) : NULL;
	if (out[0] == '\0' || strchr(out, '/') != NULL)
		return NULL;
	return fp_which(out, search);
}

/* Fingerprints the compiler t resolved (fp_target) against search, giving
 * each run of it timeout_ms: see the top of the file. Fills r: the
 * fingerprint, and the paths of the tools it hashed (the caller re-checks
 * them for changes; fp_result_free). 0, or -1 with err when the program
 * does not answer -v like a compiler. */
int
fp_compute(const struct fp_target *t, const char *search, int timeout_ms,
    struct fp_result *r, char *err)
{
	char *verbose = xmalloc(VERBOSE_MAX), *argv[3], e[ERR_MAX];
	struct fphash h;
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	argv[0] = t->path;
	argv[1] = "-v";
	argv[2] = NULL;
	if ((rc = fp_run(argv, search, timeout_ms, 1, verbose, VERBOSE_MAX)) != 0 ||
	    verbose[0] == '\0') {
		seterr(err, "%s -v %s", t->path, rc == -1 ?
		    "did not finish" : "failed: not a compiler?");
		free(verbose);
		return -1;
	}
	hash_init(&h);
	hash_str(&h, FP_VERSION);
	hash_str(&h, t->wire);
	hash_verbose(&h, verbose);
	free(verbose);
	if (hash_file(&h, "driver", t->path, err) == -1)
		return -1;
	for (i = 0; i < FP_TOOLS_MAX; i++) {
		if ((r->tools[i] = tool_path(t->path, fp_tools[i], search,
		    timeout_ms)) == NULL)
			continue;
		if (hash_file(&h, fp_tools[i], r->tools[i], e) == -1) {
			free(r->tools[i]);	/* unreadable: as if absent */
			r->tools[i] = NULL;
		}
	}
	hash_final(&h, r->fp);
	return 0;
}

/* Frees what fp_compute allocated. */
void
fp_result_free(struct fp_result *r)
{
	size_t i;

	for (i = 0; i < FP_TOOLS_MAX; i++) {
		free(r->tools[i]);
		r->tools[i] = NULL;
	}
}

/* Fingerprints data (for tests and checks of the hash alone). */
void
fp_hash_buffer(const void *data, size_t len, char *out)
{
	struct fphash h;

	hash_init(&h);
	hash_update(&h, data, len);
	hash_final(&h, out);
}

/* A line of a fingerprint table: "<fp> <wire> <identity> <path>" (the
 * dyndistcc-bin lines of the heartbeat's list, dcc's own cache). Parses
 * line (modified) into b; 0, or -1 when it is not exactly that. */
int
fp_bin_parse(char *line, struct fp_bin *b)
{
	char *fp = line, *wire, *id, *path;

	memset(b, 0, sizeof(*b));
	if ((wire = strchr(fp, ' ')) == NULL)
		return -1;
	*wire++ = '\0';
	if ((id = strchr(wire, ' ')) == NULL)
		return -1;
	*id++ = '\0';
	if ((path = strchr(id, ' ')) == NULL)
		return -1;
	*path++ = '\0';
	if (!wire_fp_valid(fp) || strlen(wire) >= sizeof(b->wire) ||
	    wire[0] == '-' || wire[0] == '\0' ||
	    strspn(wire, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._+-") != strlen(wire) || !fp_identity_valid(id) ||
	    path[0] != '/' || !wire_text_valid(path, PATH_MAX - 1))
		return -1;
	str_copy(b->fp, fp, sizeof(b->fp));
	str_copy(b->wire, wire, sizeof(b->wire));
	str_copy(b->id, id, sizeof(b->id));
	b->path = xstrdup(path);
	return 0;
}

/* Adds a binary to table, replacing the entry of the same wire name and
 * identity; the strings are copied. At most FP_TABLE_MAX entries: beyond,
 * the oldest goes. */
void
fp_table_add(struct fp_table *table, const char *fp, const char *wire,
    const char *id, const char *path)
{
	struct fp_bin *b;
	size_t i;

	for (i = 0; i < table->n; i++)
		if (strcmp(table->v[i].wire, wire) == 0 &&
		    strcmp(table->v[i].id, id) == 0)
			break;
	if (i == table->n) {
		if (table->n == FP_TABLE_MAX) {
			free(table->v[0].path);
			memmove(table->v, table->v + 1,
			    (table->n - 1) * sizeof(*table->v));
			table->n--;
		}
		table->v = xreallocarray(table->v, table->n + 1,
		    sizeof(*table->v));
		i = table->n++;
	} else
		free(table->v[i].path);
	b = &table->v[i];
	str_copy(b->fp, fp, sizeof(b->fp));
	str_copy(b->wire, wire, sizeof(b->wire));
	str_copy(b->id, id, sizeof(b->id));
	b->path = xstrdup(path);
}

/* The fingerprint of the binary with that wire name and identity, or NULL. */
const char *
fp_table_find(const struct fp_table *table, const char *wire, const char *id)
{
	size_t i;

	for (i = 0; i < table->n; i++)
		if (strcmp(table->v[i].wire, wire) == 0 &&
		    strcmp(table->v[i].id, id) == 0)
			return table->v[i].fp;
	return NULL;
}

/* Frees what table holds and empties it; NULL is fine. */
void
fp_table_free(struct fp_table *table)
{
	size_t i;

	if (table == NULL)
		return;
	for (i = 0; i < table->n; i++)
		free(table->v[i].path);
	free(table->v);
	table->v = NULL;
	table->n = 0;
}

/*
 * util.c — allocation, errors, logging, small string and file helpers.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static const char *log_prog = "dyndistcc";
static int log_verbose;
static int log_journal;		/* stderr is journald's: "<N>" prefixes */

/* Prints a message to stderr and exits with status 1. For programming errors
 * and allocation failure only; everything else reports through err buffers. */
void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

/* malloc that never returns NULL. */
void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", size);
	return p;
}

/* calloc that never returns NULL and checks the multiplication. */
void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

/* realloc that never returns NULL. */
void *
xrealloc(void *old, size_t size)
{
	void *p = realloc(old, size ? size : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", size);
	return p;
}

/* realloc of an array of n elements of size bytes that never returns NULL
 * and dies rather than let n * size overflow. */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		fatal("out of memory (%zu x %zu bytes overflows)", n, size);
	return xrealloc(old, n * size);
}

/* strdup that never returns NULL; the caller frees. */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* Copies at most n bytes of s into a new NUL-terminated string; the caller frees. */
char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* printf into a new string; the caller frees. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatal("out of memory (asprintf)");
	va_end(ap);
	return s;
}

/* Writes a message into a caller's ERR_MAX buffer; err may be NULL. */
void
seterr(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err, ERR_MAX, fmt, ap);
	va_end(ap);
}

/* strlcpy: copies src into dst of the given size, always terminated;
 * returns strlen(src) so truncation shows as a result >= size. */
size_t
str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* Replaces, in place, every byte of s that is not printable ASCII with
 * '?', so text from elsewhere (a server, a job's arguments) can go to a
 * terminal or a log without escape sequences; returns s. */
char *
str_printable(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return s;
}

/* Parses a whole decimal integer in [min, max]; 0 on success, -1 otherwise. */
int
str_to_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* True when standard error is the stream systemd set up for journald
 * (JOURNAL_STREAM names its device and inode), or when systemd supervises
 * us (NOTIFY_SOCKET): journald then stamps each line itself and reads a
 * "<N>" prefix as its syslog priority. */
static int
log_to_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		return 1;
	return getenv("NOTIFY_SOCKET") != NULL;
}

/* Names the program in log lines; verbose enables LL_DEBUG. Under systemd
 * (see log_to_journal) lines carry syslog priorities and no timestamp, so
 * `journalctl -p warning` shows the warnings and errors. */
void
log_init(const char *prog, int verbose)
{
	log_prog = prog;
	log_verbose = verbose;
	log_journal = log_to_journal();
}

static const char *const log_tags[] = {
	[LL_SYS] = "SYS", [LL_INFO] = "INFO", [LL_WARN] = "WARN",
	[LL_ERROR] = "ERROR", [LL_DEBUG] = "DEBUG",
};

/* syslog(3) priorities: notice, info, warning, err, debug. */
static const char log_prio[] = {
	[LL_SYS] = '5', [LL_INFO] = '6', [LL_WARN] = '4', [LL_ERROR] = '3',
	[LL_DEBUG] = '7',
};

/* Logs one line: "2026-11-26 13:40:01 dcc-heartbeat[123]: [INFO] message",
 * or under systemd "<6>[INFO] message" (journald adds time and process).
 * One write(2) per line, so lines from threads never interleave. */
void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	struct tm tm;
	time_t t;
	size_t n;
	int r;

	if (level == LL_DEBUG && !log_verbose)
		return;
	if (log_journal)
		r = snprintf(line, sizeof(line), "<%c>[%s] ", log_prio[level],
		    log_tags[level]);
	else {
		t = time(NULL);
		localtime_r(&t, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S ", &tm);
		r = snprintf(line + n, sizeof(line) - n, "%s[%ld]: [%s] ",
		    log_prog, (long)getpid(), log_tags[level]);
		r = r > 0 ? r + (int)n : r;
	}
	n = 0;
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to report it */
	}
}

/* Logs one line with the level's tag; see log_vmsg. */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* Tells systemd about our state ("READY=1", "STOPPING=1", "RELOADING=1")
 * with one datagram to $NOTIFY_SOCKET, as sd_notify(3) does; nothing when
 * systemd did not ask (the variable is unset). 0, or -1 with err set. */
int
systemd_notify(const char *state, char *err)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	size_t plen;
	int fd, rc;

	if (path == NULL || *path == '\0')
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof(sa.sun_path)) {
		seterr(err, "NOTIFY_SOCKET: '%s' is not a socket path", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, plen);
	if (path[0] == '@')		/* an abstract socket: leading NUL */
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		seterr(err, "NOTIFY_SOCKET: socket: %s", strerror(errno));
		return -1;
	}
	rc = (int)sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sa, len);
	if (rc < 0)
		seterr(err, "NOTIFY_SOCKET %s: %s", path, strerror(errno));
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* Replaces path with data atomically: a temp file in the same directory,
 * fsync-free (the content is soft state), then rename(2). Readers see the old
 * file or the new one, never a mix. The temp file gets a random name and is
 * created exclusively, so nothing planted in the directory (a link to a
 * file of root's, a FIFO) is ever opened; rename replaces a link at path
 * itself, never its target. 0 on success, -1 with err set. */
int
file_write_atomic(const char *path, const void *data, size_t len, int mode,
    char *err)
{
	char tmp[PATH_MAX];
	const char *p = data;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
		seterr(err, "%s: path too long", path);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		seterr(err, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, (mode_t)mode) == -1)
		goto fail;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		seterr(err, "rename %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
fail:
	seterr(err, "%s: %s", tmp, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

/* Writes nbytes random bytes from getrandom(2) to out as 2 * nbytes
 * lowercase hex digits and a NUL (keys, node ids). 0, or -1 with err set. */
int
random_hex(char *out, size_t nbytes, char *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t got = 0, i;

	if (nbytes > sizeof(raw)) {
		seterr(err, "random_hex: %zu bytes asked, %zu at most", nbytes,
		    sizeof(raw));
		return -1;
	}
	while (got < nbytes) {
		ssize_t r = getrandom(raw + got, nbytes - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			seterr(err, "getrandom: %s", strerror(errno));
			return -1;
		}
		got += (size_t)r;
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * nbytes] = '\0';
	return 0;
}

/* mkdir -p: creates dir and any missing parents with the given mode.
 * 0 on success (also when it already exists), -1 with err set. */
int
mkdir_p(const char *dir, int mode, char *err)
{
	char *p = xstrdup(dir), *s, c;
	int rc = 0;

	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) == -1 && errno != EEXIST) {
			seterr(err, "mkdir %s: %s", p, strerror(errno));
			rc = -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/* Reads what fd (open on path) holds, at most max bytes, into a new
 * NUL-terminated buffer, and closes fd; see file_read. */
static char *
read_fd(int fd, const char *path, size_t max, size_t *lenp, char *err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	if (fstat(fd, &st) == -1 || !(S_ISREG(st.st_mode) ||
	    (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))) {
		seterr(err, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			seterr(err, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			seterr(err, "%s: larger than %zu bytes", path, max);
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* Reads a whole regular file of at most max bytes into a new NUL-terminated
 * buffer; the caller frees. NULL with err set on error, when the file is
 * larger, or when it is not a regular file (/dev/null reads as empty): it
 * is opened without blocking, so a FIFO or a device in its place cannot
 * hang the caller. */
char *
file_read(const char *path, size_t max, size_t *lenp, char *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd == -1) {
		seterr(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	return read_fd(fd, path, max, lenp, err);
}

/* file_read, but a symbolic link at path is refused, not followed: for
 * files in directories others may have prepared (caches, state). */
char *
file_read_nofollow(const char *path, size_t max, size_t *lenp, char *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);

	if (fd == -1) {
		seterr(err, "%s: %s", path, errno == ELOOP ?
		    "a symbolic link, refused" : strerror(errno));
		return NULL;
	}
	return read_fd(fd, path, max, lenp, err);
}

/* Seconds on the monotonic clock, for intervals. */
double
now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds since the epoch, for timestamps that cross processes. */
double
now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* FNV-1a over len bytes, continuing from seed (HASH_FNV_SEED to start): a
 * fast, well-spread hash for tables and derived ids, not for secrets. */
uint64_t
hash_fnv1a(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed;

	while (len-- > 0)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

/* A burst limit for log lines: true when one more line may go out at
 * monotonic time now (at most rl->burst per rl->period seconds). When a
 * new period starts, *dropped gets the number refused in the last one, for
 * the caller to report. The caller serializes calls on one limiter. */
int
ratelimit_pass(struct ratelimit *rl, double now, unsigned int *dropped)
{
	*dropped = 0;
	if (now - rl->start >= rl->period) {
		rl->start = now;
		*dropped = rl->dropped;
		rl->count = rl->dropped = 0;
	}
	if (rl->count < rl->burst) {
		rl->count++;
		return 1;
	}
	rl->dropped++;
	return 0;
}

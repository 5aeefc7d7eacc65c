/*
 * dcc_note.c — dcc's messages. dcc runs inside other people's builds, so it
 * says nothing unless asked: debug lines go to the file named by $DCC_LOG
 * and, with $DCC_VERBOSE set, to stderr; warnings go to stderr, and the
 * caller decides how rarely (once per failure period).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dcc.h"

static int note_verbose;
static int note_fd = -1;	/* $DCC_LOG, or -1 */

/* Reads DCC_VERBOSE and DCC_LOG; call once, first thing. The log is a
 * regular file, opened without following a link at its name and without
 * blocking: a FIFO or a device there must not hang a build, nor a link
 * make root append to a file the link's owner chose. Anything else is
 * refused, once, on stderr. */
void
dcc_note_init(void)
{
	const char *v = getenv("DCC_VERBOSE"), *log = getenv("DCC_LOG");
	struct stat st;
	int fd, fl;

	note_verbose = v != NULL && *v != '\0' && strcmp(v, "0") != 0;
	if (log == NULL || *log == '\0')
		return;
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC, 0644);
	if (fd != -1 && (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
		errno = EINVAL;
	}
	if (fd == -1) {
		dcc_warn("DCC_LOG=%s: %s; not logging", log, errno == ELOOP ?
		    "a symbolic link" : errno == EINVAL || errno == ENXIO ?
		    "not a regular file" : strerror(errno));
		return;
	}
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	note_fd = fd;
}

/* Does debug output go anywhere (DCC_VERBOSE or DCC_LOG)? Lets callers
 * skip work whose only use is a dcc_debug line. */
int
dcc_verbose(void)
{
	return note_verbose || note_fd != -1;
}

/* One line, "dcc[pid]: message\n", in a single write(2) so lines from a
 * parallel build never interleave; the log file gets a timestamp too. */
static void
note_line(int to_stderr, const char *fmt, va_list ap)
{
	char msg[1024], line[1200];
	struct timespec ts;
	struct tm tm;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (to_stderr) {
		n = snprintf(line, sizeof(line), "dcc[%ld]: %s\n", (long)getpid(), msg);
		if (n > 0 && write(STDERR_FILENO, line, (size_t)n < sizeof(line) ?
		    (size_t)n : sizeof(line) - 1) < 0) {
			/* nowhere left to report it */
		}
	}
	if (note_fd != -1) {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof(line), "%04d-%02d-%02d %02d:%02d:%02d.%03ld "
		    "dcc[%ld]: %s\n", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L,
		    (long)getpid(), msg);
		if (n > 0 && write(note_fd, line, (size_t)n < sizeof(line) ?
		    (size_t)n : sizeof(line) - 1) < 0) {
			/* nowhere left to report it */
		}
	}
}

/* A line for DCC_LOG, and for stderr when DCC_VERBOSE is set. */
void
dcc_debug(const char *fmt, ...)
{
	va_list ap;

	if (!note_verbose && note_fd == -1)
		return;
	va_start(ap, fmt);
	note_line(note_verbose, fmt, ap);
	va_end(ap);
}

/* A line for stderr (and DCC_LOG). */
void
dcc_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note_line(1, fmt, ap);
	va_end(ap);
}

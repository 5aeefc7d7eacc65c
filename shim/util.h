/*
 * util.h — the few helpers every dyndistcc program uses: allocation that dies
 * in one place, error buffers, logging in the [SYS]/[INFO]/[WARN]/[ERROR]
 * style, small string and file helpers. Shared by shim/ and server/ (the only
 * code they share besides the wire format).
 */
#ifndef DYNDISTCC_UTIL_H
#define DYNDISTCC_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifndef DYNDISTCC_VERSION
#define DYNDISTCC_VERSION "0"
#endif

/* Size of every caller-supplied `char *err` buffer. */
#define ERR_MAX 256

#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ATTR_NORETURN __attribute__((noreturn))
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum log_level { LOG_SYS, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_DEBUG };

/* util.c */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *, ...) ATTR_PRINTF(1, 2);
void fatal(const char *, ...) ATTR_PRINTF(1, 2) ATTR_NORETURN;
void seterr(char *, const char *, ...) ATTR_PRINTF(2, 3);
size_t str_copy(char *, const char *, size_t);
int str_to_long(const char *, long, long, long *);
void log_init(const char *, int);
void log_msg(enum log_level, const char *, ...) ATTR_PRINTF(2, 3);
void log_vmsg(enum log_level, const char *, va_list) ATTR_PRINTF(2, 0);
int file_write_atomic(const char *, const void *, size_t, int, char *);
int mkdir_p(const char *, int, char *);
int random_hex(char *, size_t, char *);
char *file_read(const char *, size_t, size_t *, char *);
double now_monotonic(void);
double now_wall(void);

#define log_sys(...)   log_msg(LOG_SYS, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif

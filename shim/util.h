/*
 * util.h — the code all three programs share (dyndistcc-server, dcc and
 * dcc-heartbeat link it from shim/): allocation that dies in one place,
 * error buffers, logging in the [SYS]/[INFO]/[WARN]/[ERROR] style, small
 * string and file helpers (util.c), and the `key value` config reader
 * (kv.c). The wire format's rules are in wire.h, shared the same way.
 */
#ifndef DYNDISTCC_UTIL_H
#define DYNDISTCC_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef DYNDISTCC_VERSION
#define DYNDISTCC_VERSION "0"
#endif

/* Size of every caller-supplied `char *err` buffer. */
#define ERR_MAX 256

#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ATTR_NORETURN __attribute__((noreturn))
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Log levels; not LOG_* so they never meet <syslog.h>'s macros. */
enum log_level { LL_SYS, LL_INFO, LL_WARN, LL_ERROR, LL_DEBUG };

/* util.c */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
void *xreallocarray(void *, size_t, size_t);
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
int systemd_notify(const char *, char *);
int file_write_atomic(const char *, const void *, size_t, int, char *);
int mkdir_p(const char *, int, char *);
int random_hex(char *, size_t, char *);
char *file_read(const char *, size_t, size_t *, char *);
char *file_read_nofollow(const char *, size_t, size_t *, char *);
double now_monotonic(void);
double now_wall(void);
uint64_t hash_fnv1a(const void *, size_t, uint64_t);
struct ratelimit {
	unsigned int burst;		/* lines per period */
	double	 period;		/* seconds */
	double	 start;			/* of the current period (monotonic) */
	unsigned int count, dropped;
};
int ratelimit_pass(struct ratelimit *, double, unsigned int *);
#define HASH_FNV_SEED	0xcbf29ce484222325ULL	/* FNV-1a's offset basis */

/* kv.c — `key value` config files, described by a table per program. */
enum kv_type { KV_STR, KV_INT, KV_BOOL };
struct kv_key {
	const char	*name;
	enum kv_type	 type;
	size_t		 off;		/* of a char * or an int in the config */
	long		 min, max;	/* KV_INT */
	int		(*check)(const char *, char *);	/* KV_STR rule, or NULL */
	const char	*def;		/* default as text, or NULL for none */
	int		 secret;	/* never printed */
	const char	*help;
};
struct kv_table {
	const struct kv_key *keys;
	size_t		 n;
};
int kv_check_word(const char *, char *);
int kv_check_path(const char *, char *);
int kv_set(void *, const struct kv_table *, const char *, const char *, char *);
void kv_defaults(void *, const struct kv_table *);
int kv_parse(void *, const struct kv_table *, char *, const char *, char *);
int kv_load(void *, const struct kv_table *, const char *, int, char *);
void kv_free(void *, const struct kv_table *);
void kv_print(FILE *, void *, const struct kv_table *);

#define log_sys(...)   log_msg(LL_SYS, __VA_ARGS__)
#define log_info(...)  log_msg(LL_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LL_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LL_DEBUG, __VA_ARGS__)

#endif

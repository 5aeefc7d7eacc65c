/*
 * dcc.h — internal interfaces of dcc alone (the compiler shim), grouped by
 * file. The code dcc shares with dcc-heartbeat is declared in client.h; these
 * files serve dcc only, so they keep their own header.
 */
#ifndef DYNDISTCC_DCC_H
#define DYNDISTCC_DCC_H

#include "client.h"

/* dcc's own exit codes, used only when no compiler can run at all; they
 * are distcc's for the same failures (its EXIT_BAD_ARGUMENTS and
 * EXIT_COMPILER_MISSING), so a build log reads the same whichever of the
 * two gave up, and never look like a compiler's. */
#define DCC_EXIT_USAGE		101	/* dcc called with nothing to run */
#define DCC_EXIT_NO_COMPILER	110	/* neither distcc nor the compiler runs */

#define DCC_FAILURE_HOLD	10	/* s a failed fetch stops further tries */
#define DCC_CONNECT_MS		250
#define DCC_TOTAL_MS		1000

/* dcc_note.c — dcc is quiet: debug lines go to $DCC_LOG (and stderr with
 * $DCC_VERBOSE); warnings go to stderr, and callers decide how rarely. */
void	dcc_note_init(void);
int	dcc_verbose(void);
void	dcc_debug(const char *, ...) ATTR_PRINTF(1, 2);
void	dcc_warn(const char *, ...) ATTR_PRINTF(1, 2);

/* dcc_list.c — where dcc's host list comes from: the heartbeat's system
 * cache, the user's own cache, or the server (one process at a time). */
enum dcc_source { SOURCE_NONE, SOURCE_SYSTEM, SOURCE_USER, SOURCE_SERVER };

struct dcc_paths {
	char	*system_hosts;		/* <state_dir>/hosts */
	char	*node_id;		/* <state_dir>/node-id */
	char	*cache_dir;		/* ~/.cache/dyndistcc, or NULL */
	char	*user_hosts;		/* <cache_dir>/hosts */
	char	*lock;			/* <cache_dir>/lock */
	char	*failed;		/* <cache_dir>/failed: the last failed fetch */
	char	*warned;		/* <cache_dir>/warned: the last other warning */
	char	*compilers;		/* <cache_dir>/compilers: dcc's fingerprints */
	char	*compilers_lock;	/* <cache_dir>/compilers.lock */
	int	 cache_state;		/* 0 unchecked, 1 usable, -1 refused */
	char	 cache_why[ERR_MAX];	/* why it was refused */
};

struct dcc_list {
	struct hostlist	 hl;		/* empty when source is SOURCE_NONE */
	struct fp_table	 bins;		/* the heartbeat's fingerprinted binaries */
	enum dcc_source	 source;
	double		 fetched;	/* epoch s */
};

struct dcc_lists {			/* the lists one run of dcc read */
	struct dcc_list	 sys;		/* the heartbeat's */
	struct dcc_list	 usr;		/* the user's, read on demand */
	int		 usr_read;
};

void	dcc_paths_init(struct dcc_paths *, const struct client_config *);
void	dcc_paths_free(struct dcc_paths *);
int	dcc_cache_dir_ok(struct dcc_paths *, char *);
const char *dcc_source_name(enum dcc_source);
int	dcc_list_fresh(const struct dcc_list *, double);
const char *dcc_list_line(const struct dcc_list *, const char *);
int	dcc_list_read(struct dcc_list *, const char *, enum dcc_source,
	    const struct client_config *, double);
void	dcc_list_free(struct dcc_list *);
void	dcc_lists_load(struct dcc_lists *, struct dcc_paths *,
	    const struct client_config *, double);
void	dcc_lists_user(struct dcc_lists *, struct dcc_paths *,
	    const struct client_config *, double);
const struct dcc_list *dcc_lists_best(struct dcc_lists *, struct dcc_paths *,
	    const struct client_config *, const char *, double, int);
void	dcc_lists_free(struct dcc_lists *);
int	dcc_list_refresh(struct dcc_list *, struct dcc_paths *,
	    const struct client_config *, const char *, double, int, char *);
int	dcc_list_fetch(const struct client_config *, const struct dcc_paths *,
	    const char *, struct hostlist *, char *);
int	dcc_flock(const char *, double, char *);
double	dcc_stamp_age(const char *, double, char *, size_t);
int	dcc_stamp_write(struct dcc_paths *, const char *, const char *);
int	dcc_local_cores(const struct client_config *);

/* dcc_fp.c — which compiler a command runs, and its fingerprint: from the
 * heartbeat's table, dcc's own cache, or (once per compiler change)
 * computed here. */
struct dcc_compiler {
	char		*name;		/* as distcc gets it: no directory */
	char		*path;		/* PATH for distcc and the compiler */
	struct fp_target t;		/* what it runs; t.path NULL: nothing */
	char		 fp[WIRE_FP_LEN + 1];	/* "" when not known */
	const char	*fp_from;	/* where fp came from, in words */
	char		 why[ERR_MAX];	/* why fp is not known */
};

void	dcc_compiler_init(struct dcc_compiler *, const char *, const char *,
	    const char *);
int	dcc_compiler_fp(struct dcc_compiler *, const struct fp_table *,
	    struct dcc_paths *);
void	dcc_compiler_free(struct dcc_compiler *);

/* dcc_exec.c — turning a command line into an exec of distcc or the real
 * compiler, with dcc's own directories gone from PATH. */
struct dcc_command {
	const char	 *compiler;	/* "gcc", "cc", "arm-none-eabi-gcc", … */
	char		**args;		/* its arguments, NULL-terminated */
	int		  norewrite;	/* set DISTCC_NO_REWRITE_CROSS */
};

int	dcc_is_source_or_object(const char *);
char	*dcc_clean_path(const char *, const char *, const char *);
char	*dcc_find_program(const char *, const char *);
void	dcc_exec_compiler(const struct dcc_command *, const char *)
	    ATTR_NORETURN;
void	dcc_exec_distcc(const struct dcc_command *, const char *, const char *)
	    ATTR_NORETURN;

/* dcc.c — one run of dcc: what it read and chose */
struct dcc {
	struct client_config	 cfg;
	const char		*cfg_path;
	char			 cfg_err[ERR_MAX];	/* empty when it loaded */
	int			 cfg_private;	/* exists, but not for this user */
	struct dcc_paths	 paths;
	struct dcc_lists	 lists;
	struct dcc_compiler	 comp;		/* the compiler of this run */
	const struct dcc_list	*used;		/* the hosts line's list, or NULL */
	char			 list_err[ERR_MAX];	/* why it is not fresh */
};

/* dcc_status.c — dcc --status */
int	dcc_status(struct dcc *, const char *);
const char *dcc_status_compare(const struct member_compiler *,
	    const struct member_compiler *, char *, size_t);

#endif

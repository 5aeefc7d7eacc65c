/*
 * dcc.h — internal interfaces of dcc alone (the compiler shim), grouped by
 * file. The code dcc shares with dcc-heartbeat is declared in client.h; these
 * files serve dcc only, so they keep their own header.
 */
#ifndef DYNDISTCC_DCC_H
#define DYNDISTCC_DCC_H

#include "client.h"

/* dcc's own exit codes, used only when no compiler can run at all; they
 * start at 100 so they never look like a compiler's. */
#define DCC_EXIT_USAGE		100	/* dcc called with nothing to run */
#define DCC_EXIT_NO_COMPILER	101	/* neither distcc nor the compiler runs */

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
};

struct dcc_list {
	struct hostlist	 hl;		/* empty when source is SOURCE_NONE */
	enum dcc_source	 source;
	double		 fetched;	/* epoch s */
};

void	dcc_paths_init(struct dcc_paths *, const struct client_config *);
void	dcc_paths_free(struct dcc_paths *);
const char *dcc_source_name(enum dcc_source);
int	dcc_list_fresh(const struct dcc_list *, double);
void	dcc_list_load(struct dcc_list *, const struct dcc_paths *,
	    const struct client_config *, double);
int	dcc_list_refresh(struct dcc_list *, const struct dcc_paths *,
	    const struct client_config *, int, char *);
int	dcc_list_fetch(const struct client_config *, const struct dcc_paths *,
	    struct hostlist *, char *);
double	dcc_stamp_age(const char *, double, char *, size_t);
int	dcc_stamp_write(const struct dcc_paths *, const char *, const char *);
void	dcc_list_free(struct dcc_list *);
int	dcc_local_cores(const struct client_config *);

/* dcc_exec.c — turning a command line into an exec of distcc or the real
 * compiler, with dcc's own directories gone from PATH. */
struct dcc_command {
	const char	 *compiler;	/* "gcc", "cc", "/usr/bin/clang", … */
	char		**args;		/* its arguments, NULL-terminated */
};

int	dcc_is_source_or_object(const char *);
char	*dcc_clean_path(const char *, const char *, const char *);
char	*dcc_find_program(const char *, const char *);
void	dcc_exec_compiler(const struct dcc_command *, const char *)
	    ATTR_NORETURN;
void	dcc_exec_distcc(const struct dcc_command *, const char *, const char *)
	    ATTR_NORETURN;

#endif

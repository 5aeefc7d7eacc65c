/*
 * dcc.c — dcc, the compiler shim: `make CC=dcc`, `dcc gcc -c x.c`, or a link
 * named gcc, cc, arm-none-eabi-gcc… in a masquerade directory. It finds a
 * host list (dcc_list.c), then execs distcc with that list and the compiler
 * named explicitly (dcc_exec.c). Whatever goes wrong, it ends in a compile:
 * on this machine alone if it must.
 *
 * A compile with a fresh list reads the config and the list, stats each
 * PATH entry, and execs; no fork, no JSON, no libcurl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcc.h"

#define DEFAULT_PATH	"/usr/local/bin:/usr/bin:/bin"
#define DISTCC_LOCALSLOTS_CPP	8	/* distcc's default --localslots_cpp */

struct dcc {
	struct client_config	 cfg;
	const char		*cfg_path;
	char			 cfg_err[ERR_MAX];	/* empty when it loaded */
	int			 cfg_private;	/* exists, but not for this user */
	struct dcc_paths	 paths;
	struct dcc_list		 list;
	char			 list_err[ERR_MAX];	/* why it is not fresh */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dcc [compiler] [compiler-args ...]\n"
	    "       dcc -j | --show-hosts | --refresh | --status | --help | --version\n"
	    "       <link named like a compiler> [compiler-args ...]\n"
	    "\n"
	    "  -j            print the pool size, for make -j$(dcc -j)\n"
	    "  --show-hosts  print the host list, one host a line\n"
	    "  --refresh     fetch the host list from the server now\n"
	    "  --status      show server, project, list age, last error, pool\n"
	    "\n"
	    "Config: %s or $DCC_CONFIG; DCC_SERVER, DCC_PROJECT, DCC_KEY override it.\n"
	    "DCC_VERBOSE=1 explains each step on stderr, DCC_LOG=file logs them,\n"
	    "DCC_DISTCC=path runs another distcc. See dcc(1).\n", CLIENT_CONFIG_PATH);
}

/* Loads the config; a broken one leaves the defaults (plus DCC_*) and a
 * note in d->cfg_err, because a build must not stop over it. The installed
 * config holds the project key and is readable by root only: for any other
 * user that is normal, not an error (d->cfg_private), and dcc lives on the
 * heartbeat's world-readable list. */
static void
setup_config(struct dcc *d)
{
	const char *env = getenv("DCC_CONFIG");

	d->cfg_path = env != NULL && *env != '\0' ? env : CLIENT_CONFIG_PATH;
	config_defaults(&d->cfg);
	if (config_load(&d->cfg, d->cfg_path, env == NULL || *env == '\0',
	    d->cfg_err) == -1) {
		d->cfg_private = access(d->cfg_path, R_OK) == -1 && errno == EACCES;
		config_free(&d->cfg);
		config_defaults(&d->cfg);
	}
	config_apply_env(&d->cfg);
}

/* Says msg on stderr once per DCC_FAILURE_HOLD seconds (paths.warned
 * remembers when); in between only DCC_VERBOSE and DCC_LOG see it. */
static void
warn_once(struct dcc *d, const char *msg)
{
	double age = dcc_stamp_age(d->paths.warned, now_wall(), NULL, 0);

	if (age >= 0 && age < DCC_FAILURE_HOLD) {
		dcc_debug("%s", msg);
		return;
	}
	dcc_stamp_write(&d->paths, d->paths.warned, msg);
	dcc_warn("%s", msg);
}

/* Finds the list for this run: the best cache, refreshed by this process if
 * it is stale and nobody else is on it. Quiet unless the refresh failed. */
static void
setup_list(struct dcc *d)
{
	double now = now_wall();
	char err[ERR_MAX], msg[2 * ERR_MAX];
	int rc;

	dcc_paths_init(&d->paths, &d->cfg);
	if (d->cfg_private)
		dcc_debug("%s is not readable by this user (it holds the key): "
		    "using the heartbeat's list", d->cfg_path);
	else if (d->cfg_err[0] != '\0') {
		snprintf(msg, sizeof(msg), "ignoring the config: %s", d->cfg_err);
		warn_once(d, msg);
	}
	dcc_list_load(&d->list, &d->paths, &d->cfg, now);
	if (dcc_list_fresh(&d->list, now)) {
		dcc_debug("list from the %s, %.0f s old", dcc_source_name(d->list.source),
		    now - d->list.fetched);
		return;
	}
	rc = dcc_list_refresh(&d->list, &d->paths, &d->cfg, 0, err);
	if (rc == 1) {
		dcc_debug("fresh list from the %s", dcc_source_name(d->list.source));
		return;
	}
	str_copy(d->list_err, err, sizeof(d->list_err));
	if (rc == 0) {
		dcc_debug("%s; using the %s", err, d->list.source != SOURCE_NONE ?
		    "old list" : "local machine only");
		return;
	}
	if (d->list.source != SOURCE_NONE && d->cfg_private)
		snprintf(msg, sizeof(msg), "the heartbeat's host list is %.0f s "
		    "old (is dcc-heartbeat running?); using it", now - d->list.fetched);
	else if (d->list.source != SOURCE_NONE)
		snprintf(msg, sizeof(msg), "cannot refresh the host list: %s; "
		    "using the one from %.0f s ago", err, now - d->list.fetched);
	else
		snprintf(msg, sizeof(msg), "cannot get a host list: %s%s; "
		    "compiling on this machine only", err, d->cfg_private ?
		    " (the config is root's and the heartbeat wrote no list)" : "");
	/* dcc_list_refresh recorded the failure: say it once, here */
	dcc_warn("%s", msg);
}

/* The hosts line to hand distcc: the list's, or this machine alone. Never
 * empty. The caller frees. */
static char *
hosts_line(const struct dcc *d)
{
	if (d->list.source != SOURCE_NONE)
		return xstrdup(d->list.hl.distcc_hosts);
	return xasprintf("localhost/%d", dcc_local_cores(&d->cfg));
}

static const char *
env_path(void)
{
	const char *path = getenv("PATH");

	return path != NULL && *path != '\0' ? path : DEFAULT_PATH;
}

/* distcc's defaults starve a wide pool, so a compile gets two of its own
 * unless the user set them. Local preprocessing and the localhost/N compile
 * slots share distcc's cpu_localhost_<n> lock files: with the default 8
 * preprocessing slots, a job that already holds a remote slot waits for a
 * local compile to finish before it may preprocess, and it waits in whole
 * DISTCC_PAUSE_TIME_MSEC steps (1000 ms). Allowing as many preprocessors as
 * the pool has slots, and polling every 100 ms, measured 76 % -> 96 % of the
 * ideal speedup on 5 nodes x 4 slots (tests/bench/bench_pool.sh). Returns the
 * hosts line to exec with; the caller frees. */
static char *
tune_for_pool(char *hosts)
{
	long pool = wire_hosts_threads(hosts);
	char *tuned;

	setenv("DISTCC_PAUSE_TIME_MSEC", "100", 0);	/* unless the user's */
	if (pool <= DISTCC_LOCALSLOTS_CPP || strchr(hosts, ' ') == NULL)
		return hosts;	/* distcc's default is enough, or one host only */
	tuned = xasprintf("--localslots_cpp=%ld %s", pool, hosts);
	free(hosts);
	return tuned;
}

/* Compiles: argv[0] named the compiler (masquerade) or dcc did. */
static int
compile(struct dcc *d, const char *compiler, char **args)
{
	struct dcc_command cmd = { compiler, args };
	char *path;

	setup_config(d);
	path = dcc_clean_path(env_path(), compiler, d->cfg.masquerade_dir);
	dcc_debug("compiler %s, PATH=%s", compiler, path);
	if (getenv("_DISTCC_SAFEGUARD") != NULL) {
		/* distcc runs us as "the real compiler": be it */
		dcc_debug("_DISTCC_SAFEGUARD is set: running %s", compiler);
		dcc_exec_compiler(&cmd, path);
	}
	setup_list(d);
	dcc_exec_distcc(&cmd, path, tune_for_pool(hosts_line(d)));
}

static int
cmd_jobs(struct dcc *d)
{
	char *hosts;

	setup_config(d);
	setup_list(d);
	hosts = hosts_line(d);
	printf("%ld\n", wire_hosts_threads(hosts));
	free(hosts);
	return 0;
}

static int
cmd_show_hosts(struct dcc *d)
{
	char *hosts, *word, *save = NULL;

	setup_config(d);
	setup_list(d);
	hosts = hosts_line(d);
	for (word = strtok_r(hosts, " ", &save); word != NULL;
	    word = strtok_r(NULL, " ", &save))
		printf("%s\n", word);
	free(hosts);
	return 0;
}

static int
cmd_refresh(struct dcc *d)
{
	char err[ERR_MAX];

	setup_config(d);
	if (d->cfg_private) {
		fprintf(stderr, "dcc: %s holds the project key and is not readable "
		    "by this user; the heartbeat refreshes the list (or: sudo dcc "
		    "--refresh)\n", d->cfg_path);
		return 1;
	}
	if (d->cfg_err[0] != '\0')
		fprintf(stderr, "dcc: ignoring the config: %s\n", d->cfg_err);
	dcc_paths_init(&d->paths, &d->cfg);
	if (dcc_list_refresh(&d->list, &d->paths, &d->cfg, 1, err) != 1) {
		fprintf(stderr, "dcc: %s\n", err);
		return 1;
	}
	printf("%s\n", d->list.hl.distcc_hosts);
	return 0;
}

static void
status_cache(const char *what, const char *path, double now)
{
	struct hostlist hl;
	double fetched;
	char err[ERR_MAX];

	if (path == NULL)
		printf("%-13s (no home directory)\n", what);
	else if (cache_read(path, &hl, &fetched, err) == -1)
		printf("%-13s %s: %s\n", what, path,
		    access(path, F_OK) == 0 ? "not a host-list file" : "none");
	else {
		printf("%-13s %s: project %s, %.0f s old\n", what, path,
		    hl.project, now - fetched);
		hostlist_free(&hl);
	}
}

static int
cmd_status(struct dcc *d)
{
	double now = now_wall(), age;
	char text[ERR_MAX], *distcc, *path, *hosts;

	setup_config(d);
	dcc_paths_init(&d->paths, &d->cfg);
	dcc_list_load(&d->list, &d->paths, &d->cfg, now);
	if (d->cfg_private)
		printf("%-13s %s: not readable by this user (it holds the key); "
		    "the heartbeat's list is used\n", "config:", d->cfg_path);
	else
		printf("%-13s %s%s%s\n", "config:", d->cfg_path,
		    d->cfg_err[0] != '\0' ? ": IGNORED: " : "", d->cfg_err);
	printf("%-13s %s\n", "server:", d->cfg.server ? d->cfg.server : "(none)");
	printf("%-13s %s\n", "project:", d->cfg.project ? d->cfg.project : "(none)");
	printf("%-13s %s\n", "key:", d->cfg.key ? "set" : "(none)");
	status_cache("system list:", d->paths.system_hosts, now);
	status_cache("user list:", d->paths.user_hosts, now);
	if (d->list.source == SOURCE_NONE)
		printf("%-13s none: compiling on this machine only\n", "using:");
	else
		printf("%-13s the %s, %.0f s old, %s (refresh after %d s)\n",
		    "using:", dcc_source_name(d->list.source), now - d->list.fetched,
		    dcc_list_fresh(&d->list, now) ? "fresh" : "stale",
		    d->list.hl.refresh_after);
	hosts = hosts_line(d);
	printf("%-13s %s\n", "hosts:", hosts);
	printf("%-13s %ld threads\n", "pool:", wire_hosts_threads(hosts));
	free(hosts);
	if ((age = dcc_stamp_age(d->paths.failed, now, text, sizeof(text))) < 0)
		printf("%-13s none\n", "last error:");
	else
		printf("%-13s %.0f s ago: %s\n", "last error:", age, text);
	path = dcc_clean_path(env_path(), "distcc", d->cfg.masquerade_dir);
	distcc = dcc_find_program(getenv("DCC_DISTCC") && *getenv("DCC_DISTCC") ?
	    getenv("DCC_DISTCC") : "distcc", path);
	printf("%-13s %s\n", "distcc:", distcc ? distcc :
	    "NOT FOUND: compiling on this machine only");
	free(distcc);
	free(path);
	return 0;
}

static int
cmd_help(struct dcc *d)
{
	(void)d;
	usage(stdout);
	return 0;
}

static int
cmd_version(struct dcc *d)
{
	(void)d;
	printf("dcc %s\n", DYNDISTCC_VERSION);
	return 0;
}

/* dcc's own options; only ever argv[1] of a program called "dcc". */
static const struct {
	const char	*name;
	int		(*run)(struct dcc *);
} commands[] = {
	{ "-j", cmd_jobs },
	{ "--show-hosts", cmd_show_hosts },
	{ "--refresh", cmd_refresh },
	{ "--status", cmd_status },
	{ "--help", cmd_help },
	{ "--version", cmd_version },
};

int
main(int argc, char **argv)
{
	static struct dcc d;
	const char *name;
	size_t i;

	if (argc < 1) {
		usage(stderr);
		return DCC_EXIT_USAGE;
	}
	name = (name = strrchr(argv[0], '/')) != NULL ? name + 1 : argv[0];
	dcc_note_init();
	if (strcmp(name, "dcc") != 0)
		return compile(&d, name, argv + 1);
	if (argc < 2) {
		usage(stderr);
		return DCC_EXIT_USAGE;
	}
	for (i = 0; i < NELEM(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(&d);
	if (argv[1][0] == '-' || dcc_is_source_or_object(argv[1]))
		return compile(&d, "cc", argv + 1);
	return compile(&d, argv[1], argv + 2);
}

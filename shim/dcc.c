/*
 * dcc.c — dcc, the compiler shim: `make CC=dcc`, `dcc gcc -c x.c`, or a link
 * named gcc, cc, arm-none-eabi-gcc… in a masquerade directory. It works out
 * which real compiler the command runs and that compiler's fingerprint
 * (dcc_fp.c), finds the hosts line of that fingerprint (dcc_list.c): the
 * members that run the very same compiler, then execs distcc with that line
 * and the compiler named explicitly (dcc_exec.c). Whatever goes wrong, it
 * ends in a compile: on this machine alone if it must.
 *
 * A compile with a fresh list reads the config and the list, stats a few
 * files along PATH, and execs; no fork, no JSON, no libcurl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcc.h"

#define DEFAULT_PATH	"/usr/local/bin:/usr/bin:/bin"
#define DISTCC_LOCALSLOTS_CPP	8	/* distcc's default --localslots_cpp */
#define REFRESH_WAIT	1.5	/* s to wait for another dcc's fetch when
				   there is no line at all for a compiler */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dcc [compiler] [compiler-args ...]\n"
	    "       dcc -j [compiler] | --show-hosts [compiler] | --fingerprint [compiler]\n"
	    "       dcc --refresh | --status | --help | --version\n"
	    "       <link named like a compiler> [compiler-args ...]\n"
	    "\n"
	    "  -j            print the pool size for the compiler (default cc),\n"
	    "                for make -j$(dcc -j)\n"
	    "  --show-hosts  print its host list, one host a line\n"
	    "  --fingerprint print its fingerprint, the name distcc sends, the binary\n"
	    "  --refresh     fetch the host list from the server now\n"
	    "  --status      show server, project, lists, this machine's compilers\n"
	    "                and which members run the same ones\n"
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
	dcc_paths_init(&d->paths, &d->cfg);
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

static const char *
env_path(void)
{
	const char *path = getenv("PATH");

	return path != NULL && *path != '\0' ? path : DEFAULT_PATH;
}

/* This machine alone; the caller frees. */
static char *
local_line(const struct dcc *d)
{
	return xasprintf("localhost/%d", dcc_local_cores(&d->cfg));
}

/* Takes the line for fp from list, remembering where it came from. The
 * caller frees the result. */
static char *
use_line(struct dcc *d, const struct dcc_list *list, const char *fp,
    double now, const char *how)
{
	d->used = list;
	dcc_debug("%s list from the %s, %.0f s old", how,
	    dcc_source_name(list->source), now - list->fetched);
	return xstrdup(dcc_list_line(list, fp));
}

/* Says why a stale or no list is used (the refresh failed: err), once. */
static void
warn_refresh(struct dcc *d, const struct dcc_list *stale, const char *err,
    double now)
{
	char msg[2 * ERR_MAX];

	if (stale != NULL && d->cfg_private)
		snprintf(msg, sizeof(msg), "the heartbeat's host list is %.0f s "
		    "old (is dcc-heartbeat running?); using it",
		    now - stale->fetched);
	else if (stale != NULL)
		snprintf(msg, sizeof(msg), "cannot refresh the host list: %s; "
		    "using the one from %.0f s ago", err, now - stale->fetched);
	else
		snprintf(msg, sizeof(msg), "cannot get a host list: %s%s; "
		    "compiling on this machine only", err, d->cfg_private ?
		    " (the config is root's and the heartbeat wrote no list)" : "");
	/* dcc_list_refresh recorded the failure: say it once, here */
	dcc_warn("%s", msg);
}

/* The hosts line for this run's compiler (d->comp, set up by the caller):
 * the members that run the same compiler, from the best list, refreshed by
 * this process if it is stale and nobody else is on it; this machine alone
 * when the compiler has no fingerprint or no line can be had. Never empty;
 * the caller frees. Quiet unless a refresh failed. */
static char *
setup_hosts(struct dcc *d)
{
	const struct dcc_list *l;
	double now = now_wall();
	const char *fp = NULL;
	char err[ERR_MAX], msg[2 * ERR_MAX];
	int rc;

	if (d->cfg_private)
		dcc_debug("%s is not readable by this user (it holds the key): "
		    "using the heartbeat's list", d->cfg_path);
	else if (d->cfg_err[0] != '\0') {
		snprintf(msg, sizeof(msg), "ignoring the config: %s", d->cfg_err);
		warn_once(d, msg);
	}
	dcc_lists_load(&d->lists, &d->paths, &d->cfg, now);
	/* a 1.0 server's list is compiler-blind: no fingerprint needed */
	if (!(dcc_list_fresh(&d->lists.sys, now) && !d->lists.sys.hl.compilers)) {
		if (dcc_compiler_fp(&d->comp, &d->lists.sys.bins, &d->paths) == 0) {
			fp = d->comp.fp;
			dcc_debug("%s runs %s (%s), fingerprint %s from %s",
			    d->comp.name, d->comp.t.path, d->comp.t.wire, fp,
			    d->comp.fp_from);
		} else
			dcc_debug("%s: %s", d->comp.name, d->comp.why);
	}
	if ((l = dcc_lists_best(&d->lists, &d->paths, &d->cfg, fp, now, 1)) != NULL)
		return use_line(d, l, fp, now, "fresh");
	if (fp == NULL && (d->lists.sys.hl.compilers || d->lists.usr.hl.compilers)) {
		dcc_debug("no fingerprint: compiling on this machine only");
		return local_line(d);
	}
	l = dcc_lists_best(&d->lists, &d->paths, &d->cfg, fp, now, 0);
	rc = dcc_list_refresh(&d->lists.usr, &d->paths, &d->cfg, fp,
	    l == NULL ? REFRESH_WAIT : 0, 0, err);
	if (rc == 1 && dcc_list_line(&d->lists.usr, fp) != NULL)
		return use_line(d, &d->lists.usr, fp, now_wall(), "refreshed");
	if (rc == 1)
		str_copy(err, "the server sent no line for it", sizeof(err));
	str_copy(d->list_err, err, sizeof(d->list_err));
	l = dcc_lists_best(&d->lists, &d->paths, &d->cfg, fp, now, 0);
	if (rc == -1)
		warn_refresh(d, l, err, now);
	else
		dcc_debug("%s; using the %s", err, l != NULL ? "old list" :
		    "local machine only");
	return l != NULL ? use_line(d, l, fp, now, "stale") : local_line(d);
}

/* distcc's defaults starve a wide pool, so a compile gets two of its own
 * unless the user set them. Local preprocessing and the localhost/N compile
 * slots share distcc's cpu_localhost_<n> lock files: with the default 8
 * preprocessing slots, a job that already holds a remote slot waits for a
 * local compile to finish before it may preprocess, and it waits in whole
 * DISTCC_PAUSE_TIME_MSEC steps (1000 ms). Allowing as many preprocessors as
 * the pool has slots, and polling every 100 ms, measured 76 % -> 96 % of the
 * ideal speedup on 5 nodes x 4 slots (tests/bench/bench_pool.sh). Returns the
 * hosts line to exec with, with the config's host options (",lzo"); the
 * caller frees. */
static char *
tune_for_pool(const struct dcc *d, char *hosts)
{
	long pool = wire_hosts_threads(hosts);
	char *tuned = hostlist_options(hosts, d->cfg.compression), *more;

	free(hosts);
	setenv("DISTCC_PAUSE_TIME_MSEC", "100", 0);	/* unless the user's */
	if (pool <= DISTCC_LOCALSLOTS_CPP || strchr(tuned, ' ') == NULL)
		return tuned;	/* distcc's default is enough, or one host only */
	more = xasprintf("--localslots_cpp=%ld %s", pool, tuned);
	free(tuned);
	return more;
}

/* Compiles: argv[0] named the compiler (masquerade) or dcc did. */
static int
compile(struct dcc *d, const char *compiler, char **args)
{
	struct dcc_command cmd = { NULL, args, 0 };
	char *hosts;

	setup_config(d);
	dcc_compiler_init(&d->comp, compiler, env_path(), d->cfg.masquerade_dir);
	cmd.compiler = d->comp.name;
	dcc_debug("compiler %s, PATH=%s", compiler, d->comp.path);
	if (getenv("_DISTCC_SAFEGUARD") != NULL) {
		/* distcc runs us as "the real compiler": be it */
		dcc_debug("_DISTCC_SAFEGUARD is set: running %s", cmd.compiler);
		dcc_exec_compiler(&cmd, d->comp.path);
	}
	hosts = setup_hosts(d);
	/* distcc must not swap the compiler for a namesake elsewhere on PATH */
	cmd.norewrite = d->comp.t.norewrite;
	dcc_exec_distcc(&cmd, d->comp.path, tune_for_pool(d, hosts));
}

/* Sets d up for the compiler named by argv[2] (cc when none), for the
 * options that take one; -1 after a usage message when there are more
 * arguments. */
static int
command_compiler(struct dcc *d, int argc, char **argv)
{
	if (argc > 3) {
		usage(stderr);
		return -1;
	}
	setup_config(d);
	dcc_compiler_init(&d->comp, argc == 3 ? argv[2] : "cc", env_path(),
	    d->cfg.masquerade_dir);
	return 0;
}

/* The hosts line of that compiler, for -j and --show-hosts; NULL after a
 * usage message. The caller frees. */
static char *
command_hosts(struct dcc *d, int argc, char **argv)
{
	return command_compiler(d, argc, argv) == -1 ? NULL : setup_hosts(d);
}

static int
cmd_jobs(struct dcc *d, int argc, char **argv)
{
	char *hosts;

	if ((hosts = command_hosts(d, argc, argv)) == NULL)
		return DCC_EXIT_USAGE;
	printf("%ld\n", wire_hosts_threads(hosts));
	free(hosts);
	return 0;
}

static int
cmd_show_hosts(struct dcc *d, int argc, char **argv)
{
	char *hosts, *opts, *word, *save = NULL;

	if ((hosts = command_hosts(d, argc, argv)) == NULL)
		return DCC_EXIT_USAGE;
	opts = hostlist_options(hosts, d->cfg.compression);
	for (word = strtok_r(opts, " ", &save); word != NULL;
	    word = strtok_r(NULL, " ", &save))
		printf("%s\n", word);
	free(opts);
	free(hosts);
	return 0;
}

/* dcc --fingerprint [compiler]: what the compiler (cc by default) is to the
 * pool, as "<fp> <wire name> <binary>", to compare machines by hand. */
static int
cmd_fingerprint(struct dcc *d, int argc, char **argv)
{
	if (command_compiler(d, argc, argv) == -1)
		return DCC_EXIT_USAGE;
	dcc_lists_load(&d->lists, &d->paths, &d->cfg, now_wall());
	if (dcc_compiler_fp(&d->comp, &d->lists.sys.bins, &d->paths) == -1) {
		fprintf(stderr, "dcc: %s: %s\n", d->comp.name, d->comp.why);
		return 1;
	}
	printf("%s %s %s\n", d->comp.fp, d->comp.t.wire, d->comp.t.path);
	return 0;
}

static int
cmd_refresh(struct dcc *d, int argc, char **argv)
{
	char err[ERR_MAX];

	(void)argv;
	if (argc > 2) {
		usage(stderr);
		return DCC_EXIT_USAGE;
	}
	setup_config(d);
	if (d->cfg_private) {
		fprintf(stderr, "dcc: %s holds the project key and is not readable "
		    "by this user; the heartbeat refreshes the list (or: sudo dcc "
		    "--refresh)\n", d->cfg_path);
		return 1;
	}
	if (d->cfg_err[0] != '\0')
		fprintf(stderr, "dcc: ignoring the config: %s\n", d->cfg_err);
	if (dcc_list_refresh(&d->lists.usr, &d->paths, &d->cfg, NULL, 0, 1,
	    err) != 1) {
		fprintf(stderr, "dcc: %s\n", err);
		return 1;
	}
	printf("%s\n", d->lists.usr.hl.distcc_hosts);
	return 0;
}

static int
cmd_status(struct dcc *d, int argc, char **argv)
{
	(void)argv;
	if (argc > 2) {
		usage(stderr);
		return DCC_EXIT_USAGE;
	}
	setup_config(d);
	return dcc_status(d, env_path());
}

static int
cmd_help(struct dcc *d, int argc, char **argv)
{
	(void)d, (void)argc, (void)argv;
	usage(stdout);
	return 0;
}

static int
cmd_version(struct dcc *d, int argc, char **argv)
{
	(void)d, (void)argc, (void)argv;
	printf("dcc %s\n", DYNDISTCC_VERSION);
	return 0;
}

/* dcc's own options; only ever argv[1] of a program called "dcc". */
static const struct {
	const char	*name;
	int		(*run)(struct dcc *, int, char **);
} commands[] = {
	{ "-j", cmd_jobs },
	{ "--show-hosts", cmd_show_hosts },
	{ "--fingerprint", cmd_fingerprint },
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
			return commands[i].run(&d, argc, argv);
	if (argv[1][0] == '-' || dcc_is_source_or_object(argv[1]))
		return compile(&d, "cc", argv + 1);
	return compile(&d, argv[1], argv + 2);
}

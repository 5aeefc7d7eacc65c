/*
 * main.c — dyndistcc-server: options, configuration, start and shutdown.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

#define DEFAULT_CONFIG	"/etc/dyndistcc/server.conf"

/* Options that set a config key; flags win over the file. */
static const struct flag {
	int	 ch;
	const char *key;
} flag_keys[] = {
	{ 'p', "port" },
	{ 'l', "listen" },
	{ 1000, "db" },
	{ 1001, "admin_token" },
	{ 1002, "heartbeat" },
	{ 1003, "ttl" },
	{ 1004, "refresh_after" },
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "foreground", no_argument, NULL, 'd' },
	{ "check", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "config", required_argument, NULL, 'f' },
	{ "port", required_argument, NULL, 'p' },
	{ "listen", required_argument, NULL, 'l' },
	{ "db", required_argument, NULL, 1000 },
	{ "admin-token", required_argument, NULL, 1001 },
	{ "heartbeat", required_argument, NULL, 1002 },
	{ "ttl", required_argument, NULL, 1003 },
	{ "refresh-after", required_argument, NULL, 1004 },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dyndistcc-server [-dnv] [-f config] [-p port] [-l addr] [--db path]\n"
	    "                        [--admin-token token] [--heartbeat s] [--ttl s]\n"
	    "                        [--refresh-after s]\n"
	    "       dyndistcc-server --help | --version\n");
}

/* The database path made absolute, so a daemon that changed to / still
 * finds it (the predecessor created a fresh database in whatever its
 * current directory was). */
static int
absolute_db(struct server_config *c, char *err)
{
	char cwd[PATH_MAX];
	char *abs;

	if (c->db[0] == '/')
		return 0;
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		seterr(err, "getcwd: %s", strerror(errno));
		return -1;
	}
	abs = xasprintf("%s/%s", cwd, c->db);
	free(c->db);
	c->db = abs;
	return 0;
}

/* Forks; the parent waits until the child says it is ready (bound and
 * serving) and exits 0, or exits 1 when the child failed. Returns the
 * descriptor the child writes its one byte to. */
static int
daemonize(void)
{
	int fds[2], null;
	char ok;
	pid_t pid;

	if (pipe(fds) == -1)
		fatal("pipe: %s", strerror(errno));
	if ((pid = fork()) == -1)
		fatal("fork: %s", strerror(errno));
	if (pid > 0) {
		close(fds[1]);
		_exit(read(fds[0], &ok, 1) == 1 ? 0 : 1);
	}
	close(fds[0]);
	setsid();
	if (chdir("/") == -1)
		log_warn("chdir /: %s", strerror(errno));
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	return fds[1];
}

/* What the command line asked for. */
struct opts {
	int	 foreground;
	int	 check;
	int	 verbose;		/* -n: print the effective config */
	const char *conf_path;
	const char **key, **val;	/* flags that set config keys, in order */
	int	 n;
};

/* Parses the command line. Returns -1 to go on, or the exit status. */
static int
parse_options(int argc, char **argv, struct opts *o)
{
	size_t i;
	int ch;

	while ((ch = getopt_long(argc, argv, "hVdnvf:p:l:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dyndistcc-server %s\n", DYNDISTCC_VERSION);
			return 0;
		case 'd':
			o->foreground = 1;
			break;
		case 'n':
			o->check = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'f':
			o->conf_path = optarg;
			break;
		default:
			for (i = 0; i < NELEM(flag_keys); i++)
				if (flag_keys[i].ch == ch)
					break;
			if (i == NELEM(flag_keys)) {
				usage(stderr);
				return 2;
			}
			o->key[o->n] = flag_keys[i].key;
			o->val[o->n++] = optarg;
			break;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* Builds the configuration: defaults, then the file, then the flags.
 * Returns 0, or -1 after logging why. */
static int
configure(struct server_config *c, const struct opts *o)
{
	const char *path = o->conf_path;
	char err[ERR_MAX];
	int i;

	conf_defaults(c);
	if (path == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
		path = DEFAULT_CONFIG;
	if (path != NULL && conf_load(c, path, err) == -1) {
		log_error("%s", err);
		return -1;
	}
	for (i = 0; i < o->n; i++)
		if (conf_set(c, o->key[i], o->val[i], err) == -1) {
			log_error("option: %s", err);
			return -1;
		}
	if (conf_check(c, err) == -1 || absolute_db(c, err) == -1) {
		log_error("%s%s%s", path ? path : "", path ? ": " : "", err);
		return -1;
	}
	return 0;
}

/* Opens the store, starts serving, and runs the sweep once a second until
 * SIGTERM or SIGINT; then shuts down in order. Returns the exit status. */
static int
serve(struct server_config *c, int foreground)
{
	struct timespec tick = { 1, 0 };
	char err[ERR_MAX];
	int ready_fd = -1, sig;
	sigset_t sigs;

	/* The HTTP threads inherit this mask; only the main thread takes
	 * the signals, synchronously, between sweeps. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!foreground)
		ready_fd = daemonize();
	log_sys("dyndistcc-server %s starting", DYNDISTCC_VERSION);
	if (store_open(c, err) == -1) {
		log_error("%s", err);
		return 1;
	}
	if (web_start(c, err) == -1) {
		log_error("%s", err);
		store_close();
		return 1;
	}
	log_sys("ready: listening on %s port %d (heartbeat %d s, ttl %d s, "
	    "admin %s)", c->listen, c->port, c->heartbeat, c->ttl,
	    c->admin_token ? "by token" : "from loopback only");
	if (ready_fd != -1) {
		if (write(ready_fd, "1", 1) != 1)
			log_warn("telling the parent we are ready: %s",
			    strerror(errno));
		close(ready_fd);
	}

	for (;;) {
		sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			log_info("SIGHUP ignored; restart to reload the config");
		sweep_run();
	}
	log_sys("%s received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	web_stop();
	store_close();
	log_sys("stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	struct server_config cfg;
	struct opts o;
	int rc;

	log_init("dyndistcc-server", 0);
	memset(&o, 0, sizeof(o));
	o.key = xcalloc((size_t)argc, sizeof(*o.key));
	o.val = xcalloc((size_t)argc, sizeof(*o.val));
	rc = parse_options(argc, argv, &o);
	if (rc < 0) {
		if (configure(&cfg, &o) == -1)
			rc = 1;
		else if (o.check) {
			if (o.verbose)
				conf_print(stdout, &cfg);
			printf("configuration ok\n");
			rc = 0;
		} else
			rc = serve(&cfg, o.foreground);
		conf_free(&cfg);
	}
	free(o.key);
	free(o.val);
	return rc;
}

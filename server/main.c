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
	    "usage: dyndistcc-server [-dn] [-f config] [-p port] [-l addr] [--db path]\n"
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

int
main(int argc, char **argv)
{
	struct server_config cfg;
	const char *conf_path = NULL, **set_key, **set_val;
	char err[ERR_MAX];
	int ch, foreground = 0, check = 0, nset = 0, ready_fd = -1, sig;
	sigset_t sigs;
	size_t i;
	struct timespec tick = { 1, 0 };

	log_init("dyndistcc-server", 0);
	/* flags are applied after the file, in order; one slot per argument */
	set_key = xcalloc((size_t)argc, sizeof(*set_key));
	set_val = xcalloc((size_t)argc, sizeof(*set_val));
	while ((ch = getopt_long(argc, argv, "hVdnf:p:l:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dyndistcc-server %s\n", DYNDISTCC_VERSION);
			return 0;
		case 'd':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'f':
			conf_path = optarg;
			break;
		default:
			for (i = 0; i < NELEM(flag_keys); i++)
				if (flag_keys[i].ch == ch)
					break;
			if (i == NELEM(flag_keys)) {
				usage(stderr);
				return 2;
			}
			set_key[nset] = flag_keys[i].key;
			set_val[nset++] = optarg;
			break;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	conf_defaults(&cfg);
	if (conf_path == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
		conf_path = DEFAULT_CONFIG;
	if (conf_path != NULL && conf_load(&cfg, conf_path, err) == -1) {
		log_error("%s", err);
		return 1;
	}
	for (i = 0; i < (size_t)nset; i++)
		if (conf_set(&cfg, set_key[i], set_val[i], err) == -1) {
			log_error("option: %s", err);
			return 1;
		}
	if (conf_check(&cfg, err) == -1 || absolute_db(&cfg, err) == -1) {
		log_error("%s%s%s", conf_path ? conf_path : "", conf_path ? ": " : "",
		    err);
		return 1;
	}
	free(set_key);
	free(set_val);
	if (check) {
		printf("configuration ok\n");
		conf_free(&cfg);
		return 0;
	}

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
	if (store_open(&cfg, err) == -1) {
		log_error("%s", err);
		return 1;
	}
	if (web_start(&cfg, err) == -1) {
		log_error("%s", err);
		store_close();
		return 1;
	}
	log_sys("ready: listening on %s port %d (heartbeat %d s, ttl %d s, "
	    "admin %s)", cfg.listen, cfg.port, cfg.heartbeat, cfg.ttl,
	    cfg.admin_token ? "by token" : "from loopback only");
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
		store_sweep();
	}
	log_sys("%s received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	web_stop();
	store_close();
	log_sys("stopped");
	conf_free(&cfg);
	return 0;
}

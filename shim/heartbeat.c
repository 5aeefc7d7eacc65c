/*
 * heartbeat.c — dcc-heartbeat: keeps this machine registered in its
 * dyndistcc project and runs its distccd. See dcc-heartbeat(8); the loop is
 * in beat.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heartbeat.h"

static const struct option options[] = {
	{ "foreground",	no_argument,		NULL, 'd' },
	{ "check",	no_argument,		NULL, 'n' },
	{ "config",	required_argument,	NULL, 'f' },
	{ "once",	no_argument,		NULL, 'o' },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dcc-heartbeat [-dnv] [-f config] [--once]\n"
	    "       dcc-heartbeat --help | --version\n"
	    "\n"
	    "  -d, --foreground  stay in the foreground (for systemd)\n"
	    "  -n, --check       check the config and exit\n"
	    "  -f, --config F    the config file (default %s)\n"
	    "      --once        check in once, write the host list, exit\n"
	    "  -v, --verbose     log each check-in and distccd decision\n",
	    CLIENT_CONFIG_PATH);
}

/* Detaches from the terminal: stdin and stdout go to /dev/null; stderr, where
 * the log goes, stays as it is (redirect it, or run with -d under systemd). */
static int
daemonize(char *err)
{
	int fd;

	if (daemon(0, 1) == -1) {
		seterr(err, "daemon: %s", strerror(errno));
		return -1;
	}
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = CLIENT_CONFIG_PATH;
	int foreground = 0, check = 0, once = 0, verbose = 0, c, rc;
	struct client_config cfg;
	char err[ERR_MAX];
	char *abspath = NULL;
	struct beat b;

	while ((c = getopt_long(argc, argv, "dnf:vhV", options, NULL)) != -1) {
		switch (c) {
		case 'd': foreground = 1; break;
		case 'n': check = 1; break;
		case 'f': path = optarg; break;
		case 'o': once = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("dcc-heartbeat %s\n", DYNDISTCC_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("dcc-heartbeat", verbose);
	/* daemon(3) moves to /; SIGHUP must still find a relative -f file. */
	if ((abspath = realpath(path, NULL)) != NULL)
		path = abspath;
	rc = 1;
	if (beat_config(&cfg, path, err) == -1) {
		log_error("%s", err);
		config_free(&cfg);
		goto out;
	}
	if (check) {
		printf("%s: configuration OK (project %s on %s)\n", path,
		    cfg.project, cfg.server);
		config_free(&cfg);
		rc = 0;
		goto out;
	}
	/* Everything that can fail at start fails before the detach, so the
	 * exit status tells (daemon(3) keeps the signal mask and signalfd). */
	if (beat_init(&b, &cfg, path, err) == -1 ||
	    (!once && beat_signals(&b, err) == -1) ||
	    (!once && !foreground && daemonize(err) == -1))
		log_error("%s", err);
	else if (once) {
		if ((rc = beat_once(&b, err) == 0 ? 0 : 1) != 0)
			log_error("%s", err);
	} else {
		/* Type=notify: systemd counts the start done from here */
		if (systemd_notify("READY=1", err) == -1)
			log_warn("%s", err);
		rc = beat_run(&b);
		systemd_notify("STOPPING=1", NULL);
	}
	beat_free(&b);
out:
	free(abspath);
	return rc;
}

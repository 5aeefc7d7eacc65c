/*
 * main.c — dyndistcc-server: options, configuration, start and shutdown.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
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
	{ 1005, "pid_file" },
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "daemon", no_argument, NULL, 'd' },
	{ "print-admin-token", no_argument, NULL, 1100 },
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
	{ "pid-file", required_argument, NULL, 1005 },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dyndistcc-server [-dnv] [-f config] [-p port] [-l addr] [--db path]\n"
	    "                        [--admin-token token] [--heartbeat s] [--ttl s]\n"
	    "                        [--refresh-after s] [--pid-file path]\n"
	    "       dyndistcc-server [-f config] --print-admin-token\n"
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
	int	 daemon;		/* -d: detach once ready */
	int	 print_token;
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
			o->daemon = 1;
			break;
		case 1100:
			o->print_token = 1;
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

/* Raises the soft limit on open files to what max_connections needs (the
 * hard limit allows it on Debian; a shell's default of 1024 does not). */
static void
raise_nofile(const struct server_config *c)
{
	rlim_t need = (rlim_t)c->max_connections + c->max_connections / 4 + 256;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ?
	    need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < need)
		log_warn("open files limited to %llu: max_connections %d needs "
		    "%llu (LimitNOFILE= in the unit, ulimit -n)",
		    (unsigned long long)rl.rlim_cur, c->max_connections,
		    (unsigned long long)need);
}

/* SIGHUP: reads the configuration again and applies what can change while
 * requests run (admin_token, server_names, request_timeout,
 * max_connections_per_ip); names the changed keys that need a restart. The
 * old configuration stays when the new one is bad. */
static void
reload(const struct server_config *c, const struct opts *o)
{
	struct server_config nc;
	char err[ERR_MAX], restart[512];
	char *token;
	int made;

	systemd_notify("RELOADING=1", NULL);
	log_sys("SIGHUP: reading the configuration again");
	if (configure(&nc, o) == -1)
		log_error("keeping the running configuration");
	else {
		store_lock();
		token = auth_admin_token(&nc, &made, err);
		store_unlock();
		if (token == NULL)
			log_error("admin token: %s; keeping the running "
			    "configuration", err);
		else {
			web_reconfigure(&nc, token);
			explicit_bzero(token, strlen(token));
			free(token);
			if (made)
				log_sys("admin token (new, kept in the database): "
				    "dyndistcc-server --print-admin-token shows it");
			log_sys("applied admin_token, server_names, "
			    "request_timeout, max_connections_per_ip");
			if (conf_restart_keys(c, &nc, restart, sizeof(restart)) > 0)
				log_warn("changed, but only a restart applies "
				    "them: %s", restart);
		}
	}
	conf_free(&nc);
	systemd_notify("READY=1", NULL);
}

/* Writes our process id to c->pid_file, when set. */
static void
pid_file_write(const struct server_config *c)
{
	char line[32], err[ERR_MAX];
	int n;

	if (c->pid_file == NULL)
		return;
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (file_write_atomic(c->pid_file, line, (size_t)n, 0644, err) == -1)
		log_warn("pid_file: %s", err);
}

/* Opens the store, starts serving, and runs the sweep once a second until
 * SIGTERM or SIGINT; SIGHUP reloads. Then shuts down in order. Returns the
 * exit status. */
static int
serve(struct server_config *c, const struct opts *o)
{
	struct timespec tick = { 1, 0 };
	struct tls_files tls;
	char err[ERR_MAX], *token;
	int ready_fd = -1, sig, made;
	sigset_t sigs;

	/* The HTTP threads inherit this mask; only the main thread takes
	 * the signals, synchronously, between sweeps. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o->daemon)
		ready_fd = daemonize();
	metrics_init();
	raise_nofile(c);
#ifdef M_MMAP_THRESHOLD
	/* A large reply (the node list of a big registry is megabytes) goes
	 * back to the system when it is sent. glibc would otherwise raise its
	 * mmap threshold to the largest block freed, and the next such reply
	 * would stay in the heap: 5 MB more resident with 10,000 nodes. The
	 * few hundred KiB a request of a 1000-node project takes and gives
	 * back do stay: handing them back after each request and faulting
	 * them in at the next cost a tenth of a check-in. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
#endif
	log_sys("dyndistcc-server %s starting", DYNDISTCC_VERSION);
	if (tls_load(c, &tls, err) == -1) {
		log_error("%s", err);
		return 1;
	}
	if (store_open(c, err) == -1) {
		log_error("%s", err);
		tls_files_free(&tls);
		return 1;
	}
	if ((token = auth_admin_token(c, &made, err)) == NULL) {
		log_error("admin token: %s", err);
		goto fail;
	}
	if (made)
		log_sys("admin token (made now, kept in the database; shown "
		    "only this once, `dyndistcc-server --print-admin-token` "
		    "prints it again): %s", token);
	if (web_start(c, token, &tls, err) == -1) {
		log_error("%s", err);
		goto fail;
	}
	explicit_bzero(token, strlen(token));
	free(token);
	pid_file_write(c);
	log_sys("ready: listening on %s port %d, %s (heartbeat %d s, ttl %d s)",
	    c->listen, c->port, tls.cert ? "HTTPS" : "plain HTTP",
	    c->heartbeat, c->ttl);
	if (tls.cert)
		log_sys("certificate pin %s", tls.pin);
	if (systemd_notify("READY=1", err) == -1)
		log_warn("%s", err);
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
			reload(c, o);
		sweep_run();
		web_sweep();
	}
	systemd_notify("STOPPING=1", NULL);
	log_sys("%s received, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	web_stop();
	store_close();
	tls_files_free(&tls);
	if (c->pid_file != NULL)
		unlink(c->pid_file);
	log_sys("stopped");
	return 0;
fail:
	free(token);
	store_close();
	tls_files_free(&tls);
	return 1;
}

/* --print-admin-token: the token admin calls need (for root and the
 * service user: it reads server.conf or the database). Never creates the
 * database, which the service user must own. */
static int
print_admin_token(const struct server_config *c)
{
	char err[ERR_MAX], *token;
	int made;

	if (c->admin_token == NULL) {
		if (access(c->db, F_OK) == -1) {
			log_error("no database at %s yet: the server makes the "
			    "admin token at its first start", c->db);
			return 1;
		}
		if (db_open(c->db, err) == -1) {
			log_error("%s", err);
			return 1;
		}
	}
	token = auth_admin_token(c, &made, err);
	if (c->admin_token == NULL)
		db_close();
	if (token == NULL) {
		log_error("admin token: %s", err);
		return 1;
	}
	printf("%s\n", token);
	free(token);
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
		else if (o.print_token)
			rc = print_admin_token(&cfg);
		else if (o.check) {
			if (o.verbose)
				conf_print(stdout, &cfg);
			printf("configuration ok\n");
			rc = 0;
		} else
			rc = serve(&cfg, &o);
		conf_free(&cfg);
	}
	free(o.key);
	free(o.val);
	return rc;
}

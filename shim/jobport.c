/*
 * jobport.c — the job port: dcc-heartbeat listens on distccd_listen:
 * distccd_port itself, admits each connection by its address against the
 * project's current members, and relays admitted jobs to the compile engine
 * (jobs.c), at most `limit` at once.
 *
 * Admission is live: the member set is replaced with every check-in reply,
 * with no restart, and a connection from an address not (yet) in it is
 * held while the heartbeat checks in at once, then decided with the fresh
 * set. A new member's first job is therefore accepted even when its
 * check-in reached the server a moment before this node last heard from it.
 * Connections from this machine (127.0.0.1, ::1 or the port's own address:
 * the canary compiles) are always admitted and never wait for a slot.
 *
 * Jobs beyond the limit wait here, in arrival order; a running job is never
 * cut off, whatever happens to the member set or the limit. Every finished
 * job is logged with its sender and outcome, which the engine's own log
 * could not do (it sees only the relay at 127.0.0.1).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heartbeat.h"

#define BUF_SIZE	16384	/* relay buffer, each direction */
#define CONNS_MAX	512	/* held at once; beyond, the kernel's backlog */
#define UNKNOWN_MAX	64	/* unknown addresses waiting for a check-in */
#define CONNECT_RETRY	0.05	/* seconds between tries of a starting engine */
#define ENGINE_WAIT	10.0	/* seconds a job waits for an engine */
#define PROBE_TIMEOUT	3.0	/* seconds for the self-probe's connect */
#define BIND_RETRY	5.0	/* seconds between tries to listen */
#define PUMP_ROUNDS	16	/* relay rounds per event, so no job starves */
#define REFUSALS_LOGGED	10	/* refusals logged a minute */

enum conn_state { CONN_UNKNOWN, CONN_QUEUED, CONN_CONNECTING, CONN_RUNNING };

struct relay {
	char	*buf;
	size_t	 off, len;
	int	 eof;
};

struct conn {
	struct conn	*next;
	int		 cfd, bfd;	/* the client; the engine */
	enum conn_state	 state;
	char		 peer[WIRE_ADDR_MAX];
	int		 self;		/* from this machine */
	double		 since;		/* accepted */
	double		 started;	/* relayed since */
	double		 retry_at;	/* next try to reach the engine */
	pid_t		 engine;
	struct relay	 up, down;	/* client to engine, engine to client */
	unsigned char	 head[24];	/* the reply's start: DONE, STAT */
	size_t		 headlen;
	char		*req;		/* the request's start, for the log */
	size_t		 reqlen;
	int		 pc, pb;	/* poll slots of cfd, bfd, or -1 */
};

/* Prepares jp; nothing listens until jobport_step. */
void
jobport_init(struct jobport *jp, const char *listen, int port)
{
	memset(jp, 0, sizeof(*jp));
	jp->fd = jp->probe_fd = -1;
	jp->pl = jp->probe_pi = -1;
	jp->probe_ok = -1;
	jp->limit = 1;
	jp->hold = 12;
	jobport_configure(jp, listen, port);
}

/* Sets the address and port to listen on (listen NULL: all addresses); a
 * change re-opens the listening socket, and running jobs go on. */
void
jobport_configure(struct jobport *jp, const char *listen, int port)
{
	if (jp->port == port && ((listen == NULL && jp->listen == NULL) ||
	    (listen != NULL && jp->listen != NULL &&
	    strcmp(listen, jp->listen) == 0)))
		return;
	free(jp->listen);
	jp->listen = listen != NULL ? xstrdup(listen) : NULL;
	jp->port = port;
	if (jp->fd != -1) {
		close(jp->fd);
		jp->fd = -1;
	}
	jp->next_bind = 0;
	jp->error[0] = '\0';
}

/* The canonical text of a socket address and its port. */
static void
sa_text(const struct sockaddr_storage *ss, char *out, int *port)
{
	char buf[INET6_ADDRSTRLEN];

	out[0] = '\0';
	*port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof(buf));
		*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf));
		*port = ntohs(s6->sin6_port);
	} else
		return;
	if (wire_addr_canonical(buf, out) == -1)
		out[0] = '\0';
}

/* Opens the listening socket: listen:port, or every address (IPv6 and
 * IPv4) when listen is NULL. 0, or -1 with err. */
static int
open_listener(const struct jobport *jp, char *err)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len;
	int fd, one = 1, zero = 0;

	memset(&ss, 0, sizeof(ss));
	if (jp->listen == NULL) {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons((uint16_t)jp->port);
		len = sizeof(*s6);
	} else if (inet_pton(AF_INET, jp->listen, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)jp->port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, jp->listen, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)jp->port);
		len = sizeof(*s6);
	} else {
		seterr(err, "distccd_listen %s is not an IP address", jp->listen);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 && jp->listen == NULL && errno == EAFNOSUPPORT) {
		/* no IPv6 here: IPv4 alone */
		memset(&ss, 0, sizeof(ss));
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		s4->sin_port = htons((uint16_t)jp->port);
		len = sizeof(*s4);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd == -1) {
		seterr(err, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 && jp->listen == NULL)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		seterr(err, "cannot listen on %s:%d: %s",
		    jp->listen ? jp->listen : "*", jp->port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* 1 when addr (canonical) is a current member. */
static int
is_member(const struct jobport *jp, const char *addr)
{
	size_t lo = 0, hi = jp->nmembers;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(addr, jp->members[mid]);

		if (c == 0)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
relay_free(struct relay *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* Unlinks c from jp's list and frees it, closing its sockets. */
static void
conn_free(struct jobport *jp, struct conn *c)
{
	struct conn **pp;

	for (pp = &jp->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->state == CONN_UNKNOWN)
		jp->nunknown--;
	if (c->cfd != -1)
		close(c->cfd);
	if (c->bfd != -1)
		close(c->bfd);
	relay_free(&c->up);
	relay_free(&c->down);
	free(c->req);
	free(c);
	jp->nconns--;
}

/* Closes a connection that will not be served: the client sees the
 * connection close without an answer, compiles the file itself and avoids
 * this host for a while (distcc's backoff). Logged, at most
 * REFUSALS_LOGGED times a minute. */
static void
refuse(struct jobport *jp, struct conn *c, const char *why, double now)
{
	jp->refused++;
	if (now - jp->log_window >= 60) {
		if (jp->log_suppressed > 0)
			log_info("job port: %d more refusal%s not logged",
			    jp->log_suppressed, jp->log_suppressed == 1 ? "" :
			    "s");
		jp->log_window = now;
		jp->log_count = jp->log_suppressed = 0;
	}
	if (jp->log_count++ < REFUSALS_LOGGED)
		log_info("job port: refused a job from %s: %s", c->peer, why);
	else
		jp->log_suppressed++;
	conn_free(jp, c);
}

/* Replaces the member set with the addresses of a check-in reply (any
 * "ADDR[:PORT]" form), and decides the connections that waited for it: a
 * check-in that started at `started` knows of every member that had
 * checked in by then. */
void
jobport_members(struct jobport *jp, char *const *members, size_t n,
    double started, double now)
{
	char addr[WIRE_ADDR_MAX], logged[WIRE_ADDR_MAX] = "";
	size_t i, j;
	int port;
	struct conn *c, *next;

	for (i = 0; i < jp->nmembers; i++)
		free(jp->members[i]);
	free(jp->members);
	jp->members = xcalloc(n + 1, sizeof(char *));
	for (i = j = 0; i < n; i++)
		if (wire_addr_port(members[i], addr, &port) == 0)
			jp->members[j++] = xstrdup(addr);
	qsort(jp->members, j, sizeof(char *), cmp_str);
	jp->nmembers = 0;
	for (i = 0; i < j; i++) {	/* unique */
		if (jp->nmembers > 0 &&
		    strcmp(jp->members[jp->nmembers - 1], jp->members[i]) == 0)
			free(jp->members[i]);
		else
			jp->members[jp->nmembers++] = jp->members[i];
	}
	jp->want_checkin = 0;
	for (c = jp->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state != CONN_UNKNOWN)
			continue;
		if (is_member(jp, c->peer)) {
			if (strcmp(c->peer, logged) != 0)
				log_info("job port: %s is a member now (admitted "
				    "after %.2f s)", c->peer, now - c->since);
			str_copy(logged, c->peer, sizeof(logged));
			c->state = CONN_QUEUED;
			jp->nunknown--;
		} else if (c->since <= started && now - c->since >= jp->hold)
			refuse(jp, c, "not a member of the project", now);
		else
			jp->want_checkin = now;
	}
}

/* A check-in that started at `started` failed: connections from unknown
 * addresses that waited long enough are refused, the others wait for the
 * next one. */
void
jobport_checkin_failed(struct jobport *jp, double started, double now)
{
	struct conn *c, *next;

	(void)started;
	jp->want_checkin = 0;
	for (c = jp->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state != CONN_UNKNOWN)
			continue;
		if (now - c->since >= jp->hold)
			refuse(jp, c, "membership unknown (the server does "
			    "not answer)", now);
		else
			jp->want_checkin = now;
	}
}

/* Accepts what waits on the listening socket. */
static void
accept_all(struct jobport *jp, double now)
{
	while (jp->nconns < CONNS_MAX) {
		struct sockaddr_storage ss, ls;
		socklen_t len = sizeof(ss), llen = sizeof(ls);
		char local[WIRE_ADDR_MAX];
		int fd, port, lport, probe = 0;
		struct conn *c, **pp;
		size_t i;

		fd = accept4(jp->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("job port: accept: %s", strerror(errno));
			return;
		}
		c = xcalloc(1, sizeof(*c));
		c->cfd = fd;
		c->bfd = -1;
		c->pc = c->pb = -1;
		c->since = now;
		sa_text(&ss, c->peer, &port);
		if (getsockname(fd, (struct sockaddr *)&ls, &llen) == -1)
			memset(&ls, 0, sizeof(ls));
		sa_text(&ls, local, &lport);
		for (i = 0; i < NELEM(jp->probe_ports); i++)
			probe |= jp->probe_ports[i] == port && port != 0;
		c->self = strcmp(c->peer, local) == 0 ||
		    strcmp(c->peer, "127.0.0.1") == 0 ||
		    strcmp(c->peer, "::1") == 0;
		if (probe && c->self) {	/* our own probe: nothing to serve */
			close(fd);
			free(c);
			continue;
		}
		for (pp = &jp->conns; *pp != NULL; pp = &(*pp)->next)
			;
		*pp = c;
		jp->nconns++;
		if (c->peer[0] == '\0') {
			refuse(jp, c, "not an IP connection", now);
			continue;
		}
		if (c->self || is_member(jp, c->peer)) {
			c->state = CONN_QUEUED;
			continue;
		}
		if (jp->nunknown >= UNKNOWN_MAX) {
			refuse(jp, c, "too many unknown addresses waiting", now);
			continue;
		}
		c->state = CONN_UNKNOWN;
		jp->nunknown++;
		if (jp->want_checkin == 0)
			jp->want_checkin = now;
		log_debug("job port: %s is not a known member; asking the "
		    "server", c->peer);
	}
}

/* Reads a 32-bit hex count after a 4-letter token at p (distcc's protocol:
 * "ARGC0000000a"); -1 when it is not there. */
static long
token(const char *p, const char *end, const char *name)
{
	char hex[9];
	char *e;
	long v;

	if (end - p < 12 || memcmp(p, name, 4) != 0)
		return -1;
	memcpy(hex, p + 4, 8);
	hex[8] = '\0';
	v = strtol(hex, &e, 16);
	return *e == '\0' && v >= 0 ? v : -1;
}

/* Copies an argument for the log: printable, cut to size. */
static void
arg_copy(char *out, size_t size, const char *p, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	str_printable(out);
}

/* The compiler and the source file of a distcc request from its first
 * bytes (DIST, ARGC, then ARGV tokens), for the log: "?" for what is not
 * there. The file is the last argument that is not an option or an
 * option's value. */
void
jobport_request(const char *req, size_t len, char *compiler, size_t csize,
    char *file, size_t fsize)
{
	static const char *const with_value[] = { "-o", "-MF", "-MT", "-MQ",
	    "-x", "-include", "-I", "-D", "-U", "-isystem", "-iquote",
	    "-target", "-arch", "-Xclang", "-Xassembler", "-Xlinker",
	    "-Xpreprocessor", "-imacros", "-idirafter", "-iprefix" };
	const char *p = req, *end = req + len;
	long argc, i, n;
	int value = 0;
	size_t k;

	str_copy(compiler, "?", csize);
	str_copy(file, "?", fsize);
	if (req == NULL || token(p, end, "DIST") < 0)
		return;
	p += 12;
	if ((argc = token(p, end, "ARGC")) < 0)
		return;
	p += 12;
	for (i = 0; i < argc; i++) {
		if ((n = token(p, end, "ARGV")) < 0 || end - p - 12 < n)
			return;
		p += 12;
		if (i == 0)
			arg_copy(compiler, csize, p, (size_t)n);
		else if (value)
			value = 0;
		else if (n > 0 && p[0] == '-') {
			for (k = 0; k < NELEM(with_value); k++)
				if (strlen(with_value[k]) == (size_t)n &&
				    memcmp(p, with_value[k], (size_t)n) == 0)
					value = 1;
		} else
			arg_copy(file, fsize, p, (size_t)n);
		p += n;
	}
}

/* The outcome of a finished job from the start of its reply: "ok", "exit
 * N" (the compiler failed), or what went wrong. */
static void
outcome(const struct conn *c, char *out, size_t size, int *done)
{
	unsigned long status;
	char hex[9];

	*done = 0;
	if (c->headlen == 0) {
		snprintf(out, size, "no answer from distccd (see its "
		    "messages above)");
		return;
	}
	if (c->headlen < 24 || memcmp(c->head, "DONE", 4) != 0 ||
	    memcmp(c->head + 12, "STAT", 4) != 0) {
		snprintf(out, size, "incomplete answer");
		return;
	}
	memcpy(hex, c->head + 16, 8);
	hex[8] = '\0';
	status = strtoul(hex, NULL, 16);
	*done = 1;
	if (status == 0)
		snprintf(out, size, "ok");
	else if ((status & 0x7f) != 0)
		snprintf(out, size, "compiler killed by signal %lu",
		    status & 0x7f);
	else
		snprintf(out, size, "compiler exit %lu", (status >> 8) & 0xff);
}

/* Ends a relayed job: logs its outcome and frees it. */
static void
conn_end(struct jobport *jp, struct jobs *jobs, struct conn *c, double now,
    const char *error)
{
	char what[96], compiler[64], file[128];
	int done;

	outcome(c, what, sizeof(what), &done);
	if (error != NULL && !done)
		snprintf(what, sizeof(what), "%s", error);
	jobport_request(c->req, c->reqlen, compiler, sizeof(compiler), file,
	    sizeof(file));
	if (done)
		jp->served++;
	if (!c->self)
		jp->running--;
	jp->all_running--;
	jobs_conn(jobs, c->engine, -1);
	log_info("job from %s: %s %s: %s, %.2f s", c->peer, compiler, file, what,
	    now - c->started);
	conn_free(jp, c);
}

/* Starts relaying c to the engine at port (pid engine). 0, or -1 when the
 * engine refused and the caller should try again later. */
static int
dispatch(struct jobport *jp, struct jobs *jobs, struct conn *c, int port,
    pid_t engine, double now)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char peek;
	int fd;

	/* A client that gave up while it waited: nothing to relay. */
	if (recv(c->cfd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
		log_debug("job port: %s hung up while it waited", c->peer);
		conn_free(jp, c);
		return 0;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	c->bfd = fd;
	c->engine = engine;
	c->state = CONN_CONNECTING;
	c->started = now;
	if (!c->self)
		jp->running++;
	jp->all_running++;
	if (jp->running > jp->peak)
		jp->peak = jp->running;
	jobs_conn(jobs, engine, 1);
	log_debug("job from %s started after %.2f s: %d running, limit %d",
	    c->peer, now - c->since, jp->running, jp->limit);
	return 0;
}

/* The engine did not take c (it is still starting): back to the queue. */
static void
requeue(struct jobport *jp, struct jobs *jobs, struct conn *c, double now)
{
	close(c->bfd);
	c->bfd = -1;
	c->state = CONN_QUEUED;
	c->retry_at = now + CONNECT_RETRY;
	if (!c->self)
		jp->running--;
	jp->all_running--;
	jobs_conn(jobs, c->engine, -1);
}

/* Relays what can be relayed now, both ways. Returns 1 when the job is
 * over (the engine answered and closed, or either side failed), with
 * *error set for a failure. */
static int
pump(struct conn *c, const char **error)
{
	int round;

	*error = NULL;
	for (round = 0; round < PUMP_ROUNDS; round++) {
		int progress = 0;
		ssize_t n;

		if (!c->up.eof && c->up.len == 0) {
			n = read(c->cfd, c->up.buf, BUF_SIZE);
			if (n > 0) {
				size_t take = JOBPORT_REQ_MAX - c->reqlen;

				if (take > (size_t)n)
					take = (size_t)n;
				memcpy(c->req + c->reqlen, c->up.buf, take);
				c->reqlen += take;
				c->up.off = 0;
				c->up.len = (size_t)n;
				progress = 1;
			} else if (n == 0) {
				/* the client is done sending, or gone */
				c->up.eof = 1;
				shutdown(c->bfd, SHUT_WR);
				progress = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				*error = "the client went away";
				return 1;
			}
		}
		if (c->up.len > 0) {
			n = send(c->bfd, c->up.buf + c->up.off, c->up.len,
			    MSG_NOSIGNAL);
			if (n > 0) {
				c->up.off += (size_t)n;
				c->up.len -= (size_t)n;
				progress = 1;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				*error = "distccd closed the connection early";
				return 1;
			}
		}
		if (!c->down.eof && c->down.len == 0) {
			n = read(c->bfd, c->down.buf, BUF_SIZE);
			if (n > 0) {
				size_t take = sizeof(c->head) - c->headlen;

				if (take > (size_t)n)
					take = (size_t)n;
				memcpy(c->head + c->headlen, c->down.buf, take);
				c->headlen += take;
				c->down.off = 0;
				c->down.len = (size_t)n;
				progress = 1;
			} else if (n == 0) {
				c->down.eof = 1;
				progress = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				*error = "distccd failed";
				return 1;
			}
		}
		if (c->down.len > 0) {
			n = send(c->cfd, c->down.buf + c->down.off, c->down.len,
			    MSG_NOSIGNAL);
			if (n > 0) {
				c->down.off += (size_t)n;
				c->down.len -= (size_t)n;
				progress = 1;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				*error = "the client went away";
				return 1;
			}
		}
		if (c->down.eof && c->down.len == 0)
			return 1;
		if (!progress)
			break;
	}
	return 0;
}

/* Adds the sockets jp waits on to pfd (at most max entries) and returns how
 * many it added; jobport_handle reads their results. */
size_t
jobport_pollfds(struct jobport *jp, struct pollfd *pfd, size_t max)
{
	struct conn *c;
	size_t n = 0;

	jp->pl = jp->probe_pi = -1;
	if (jp->fd != -1 && jp->nconns < CONNS_MAX && n < max) {
		jp->pl = (int)n;
		pfd[n++] = (struct pollfd){ .fd = jp->fd, .events = POLLIN };
	}
	if (jp->probe_fd != -1 && n < max) {
		jp->probe_pi = (int)n;
		pfd[n++] = (struct pollfd){ .fd = jp->probe_fd, .events = POLLOUT };
	}
	for (c = jp->conns; c != NULL; c = c->next) {
		short ce = 0, be = 0;

		c->pc = c->pb = -1;
		if (c->state == CONN_CONNECTING)
			be = POLLOUT;
		else if (c->state == CONN_RUNNING) {
			if (!c->up.eof && c->up.len == 0)
				ce |= POLLIN;
			if (c->up.len > 0)
				be |= POLLOUT;
			if (!c->down.eof && c->down.len == 0)
				be |= POLLIN;
			if (c->down.len > 0)
				ce |= POLLOUT;
		}
		if (ce != 0 && n < max) {
			c->pc = (int)n;
			pfd[n++] = (struct pollfd){ .fd = c->cfd, .events = ce };
		}
		if (be != 0 && n < max) {
			c->pb = (int)n;
			pfd[n++] = (struct pollfd){ .fd = c->bfd, .events = be };
		}
	}
	return n;
}

/* The self-probe's connect finished (or failed). */
static void
probe_done(struct jobport *jp, const char *error)
{
	if (error != NULL) {
		jp->probe_ok = 0;
		seterr(jp->probe_err, "the job port does not accept "
		    "connections: %s", error);
	} else {
		jp->probe_ok = 1;
		jp->probe_err[0] = '\0';
	}
	close(jp->probe_fd);
	jp->probe_fd = -1;
}

/* Acts on the results of poll for the entries jobport_pollfds added. */
void
jobport_handle(struct jobport *jp, struct jobs *jobs, const struct pollfd *pfd,
    double now)
{
	struct conn *c, *next;

	if (jp->probe_pi >= 0 && pfd[jp->probe_pi].revents != 0) {
		int e = 0;
		socklen_t len = sizeof(e);

		getsockopt(jp->probe_fd, SOL_SOCKET, SO_ERROR, &e, &len);
		probe_done(jp, e != 0 ? strerror(e) : NULL);
	}
	for (c = jp->conns; c != NULL; c = next) {
		const char *error;
		short rc = c->pc >= 0 ? pfd[c->pc].revents : 0;
		short rb = c->pb >= 0 ? pfd[c->pb].revents : 0;

		next = c->next;
		if (rc == 0 && rb == 0)
			continue;
		if (c->state == CONN_CONNECTING) {
			int e = 0;
			socklen_t len = sizeof(e);

			getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &e, &len);
			if (e == ECONNREFUSED) {
				requeue(jp, jobs, c, now);
				continue;
			}
			if (e != 0) {
				conn_end(jp, jobs, c, now, "cannot reach distccd");
				continue;
			}
			c->state = CONN_RUNNING;
			c->up.buf = xmalloc(BUF_SIZE);
			c->down.buf = xmalloc(BUF_SIZE);
			c->req = xmalloc(JOBPORT_REQ_MAX);
		}
		if (pump(c, &error))
			conn_end(jp, jobs, c, now, error);
	}
	if (jp->pl >= 0 && (pfd[jp->pl].revents & POLLIN))
		accept_all(jp, now);
}

/* Does what is due: listens when not listening yet, starts queued jobs
 * while fewer than the limit run (connections from this machine do not
 * count and never wait), refuses queued jobs when the limit is 0, and ends
 * a self-probe that takes too long. Returns the seconds until it wants to
 * be called again, or -1. */
double
jobport_step(struct jobport *jp, struct jobs *jobs, double now)
{
	struct conn *c, *next;
	double wake = -1;
	pid_t engine = 0;
	int port;

	if (jp->fd == -1 && !jp->closed) {
		if (now >= jp->next_bind) {
			char err[ERR_MAX];

			if ((jp->fd = open_listener(jp, err)) == -1) {
				if (strcmp(err, jp->error) != 0)
					log_error("job port: %s; retrying every "
					    "%.0f s", err, BIND_RETRY);
				str_copy(jp->error, err, sizeof(jp->error));
				jp->next_bind = now + BIND_RETRY;
			} else {
				if (jp->error[0] != '\0')
					log_info("job port: listening now");
				jp->error[0] = '\0';
				log_info("job port listening on %s:%d",
				    jp->listen ? jp->listen : "*", jp->port);
			}
		}
		if (jp->fd == -1)
			wake = jp->next_bind - now;
	}
	if (jp->probe_fd != -1 && now - jp->probe_since > PROBE_TIMEOUT)
		probe_done(jp, "connect timed out");
	port = jobs_port(jobs, &engine);
	for (c = jp->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state != CONN_QUEUED)
			continue;
		if (!c->self && jp->running >= jp->limit) {
			if (jp->limit == 0)
				refuse(jp, c, "this node lends no slots now", now);
			continue;
		}
		if (now < c->retry_at) {
			double d = c->retry_at - now;
			if (wake < 0 || d < wake)
				wake = d;
			continue;
		}
		if (port < 0 || dispatch(jp, jobs, c, port, engine, now) == -1) {
			if (now - c->since > ENGINE_WAIT) {
				refuse(jp, c, "distccd is not running", now);
				continue;
			}
			c->retry_at = now + CONNECT_RETRY;
			if (wake < 0 || CONNECT_RETRY < wake)
				wake = CONNECT_RETRY;
		}
	}
	if (jp->probe_fd != -1) {
		double d = jp->probe_since + PROBE_TIMEOUT - now;
		if (wake < 0 || d < wake)
			wake = d < 0 ? 0 : d;
	}
	return wake;
}

/* Starts the self-probe: a connection to the job port from this machine,
 * as a member's would come (the address it listens on, or 127.0.0.1). Its
 * result is in probe_ok and probe_err once the connect finishes. */
void
jobport_probe(struct jobport *jp, double now)
{
	struct sockaddr_storage ss, ls;
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len, llen = sizeof(ls);
	char local[WIRE_ADDR_MAX];
	int fd, lport;

	if (jp->probe_fd != -1)
		return;
	if (jp->fd == -1) {
		jp->probe_ok = 0;
		seterr(jp->probe_err, "the job port is not listening: %s",
		    jp->error[0] ? jp->error : "closed");
		return;
	}
	memset(&ss, 0, sizeof(ss));
	if (jp->listen != NULL && inet_pton(AF_INET6, jp->listen,
	    &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)jp->port);
		len = sizeof(*s6);
	} else {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)jp->port);
		if (jp->listen == NULL ||
		    inet_pton(AF_INET, jp->listen, &s4->sin_addr) != 1)
			s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		jp->probe_ok = 0;
		seterr(jp->probe_err, "self-probe: socket: %s", strerror(errno));
		return;
	}
	jp->probe_fd = fd;
	jp->probe_since = now;
	if (connect(fd, (struct sockaddr *)&ss, len) == -1 &&
	    errno != EINPROGRESS) {
		probe_done(jp, strerror(errno));
		return;
	}
	/* Remember its port: accept_all drops it instead of relaying it. */
	if (getsockname(fd, (struct sockaddr *)&ls, &llen) == 0) {
		sa_text(&ls, local, &lport);
		jp->probe_ports[jp->probe_next++ % NELEM(jp->probe_ports)] =
		    lport;
	}
}

/* Fills out with the senders of the jobs running now (at most max, most
 * jobs first) and returns how many. */
size_t
jobport_senders(const struct jobport *jp, struct sender *out, size_t max)
{
	const struct conn *c;
	size_t n = 0, i;

	for (c = jp->conns; c != NULL; c = c->next) {
		if (c->state != CONN_RUNNING && c->state != CONN_CONNECTING)
			continue;
		for (i = 0; i < n && strcmp(out[i].addr, c->peer) != 0; i++)
			;
		if (i == n) {
			if (n == max)
				continue;
			str_copy(out[n].addr, c->peer, sizeof(out[n].addr));
			out[n++].running = 0;
		}
		out[i].running++;
	}
	for (i = 1; i < n; i++) {	/* insertion sort: n is small */
		struct sender s = out[i];
		size_t k = i;

		while (k > 0 && out[k - 1].running < s.running) {
			out[k] = out[k - 1];
			k--;
		}
		out[k] = s;
	}
	return n;
}

/* Stops taking jobs, for shutdown: the listening socket closes, and jobs
 * that were not started yet are refused (their clients compile them
 * themselves); running ones go on. */
void
jobport_close(struct jobport *jp, double now)
{
	struct conn *c, *next;

	if (jp->fd != -1)
		close(jp->fd);
	jp->fd = -1;
	jp->closed = 1;
	for (c = jp->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == CONN_UNKNOWN || c->state == CONN_QUEUED)
			refuse(jp, c, "this node is shutting down", now);
	}
}

/* Frees jp, closing every connection. */
void
jobport_free(struct jobport *jp)
{
	size_t i;

	while (jp->conns != NULL)
		conn_free(jp, jp->conns);
	if (jp->fd != -1)
		close(jp->fd);
	if (jp->probe_fd != -1)
		close(jp->probe_fd);
	for (i = 0; i < jp->nmembers; i++)
		free(jp->members[i]);
	free(jp->members);
	free(jp->listen);
	memset(jp, 0, sizeof(*jp));
	jp->fd = jp->probe_fd = -1;
}

/*
 * wire.h — the rules of the wire format that the server and both clients
 * check (README.md, "API"): one copy of every limit and shape, used by
 * dyndistcc-server, dcc, dcc-heartbeat and the fuzz targets alike.
 */
#ifndef DYNDISTCC_WIRE_H
#define DYNDISTCC_WIRE_H

#include <stddef.h>

#define WIRE_SERVER_PORT	33333	/* the server's default port */
#define WIRE_DISTCC_PORT	3632	/* distccd's port; omitted from host lines */

#define WIRE_NAME_MAX		64	/* project names: [A-Za-z0-9._-] */
#define WIRE_NAME_RULE		"1..64 characters of A-Z a-z 0-9 . _ -, not . or .."
#define WIRE_NODE_ID_LEN	32	/* hex digits, any case; lowercase on the wire */
#define WIRE_NODE_ID_RULE	"32 hex digits"
#define WIRE_KEY_LEN		32	/* join keys: 128 bits in hex */
#define WIRE_TEXT_MAX		64	/* hostname, owner, version, compiler fields */
#define WIRE_ADDR_MAX		46	/* INET6_ADDRSTRLEN: a canonical address */
#define WIRE_COMPILERS_MAX	32	/* compilers in one check-in */
#define WIRE_COMPILER_RULE	"1..64 characters of A-Z a-z 0-9 . _ + -"
#define WIRE_SECRET_LEN		32	/* a node's secret: 128 bits in hex */
#define WIRE_FP_LEN		32	/* a compiler fingerprint: [0-9a-f]{32} */
#define WIRE_FPS_MAX		32	/* fingerprints one ?fp= may name */
#define WIRE_REASON_MAX		128	/* health.reason, bytes */
#define WIRE_JOBS_MAX		4096	/* jobs.running, senders[].running */
#define WIRE_SENDERS_MAX	64	/* jobs.senders entries */
#define WIRE_SERVED_MAX		9007199254740992.0	/* 2^53: jobs.served */
#define WIRE_FP_REPLY_MAX	64	/* per-compiler lines in one reply */

#define WIRE_CORES_MIN		1
#define WIRE_CORES_MAX		4096	/* cores a check-in may report */
#define WIRE_NICE_MIN		(-20)
#define WIRE_NICE_MAX		19
#define WIRE_PORT_MIN		1
#define WIRE_PORT_MAX		65535

#define WIRE_POOL_MAX		16384	/* slots of a whole hosts line */

/* The timers a reply carries; a client believes no more (a hostile reply
 * cannot silence a node for a day). The server's settings stay within. */
#define WIRE_HEARTBEAT_MAX	300
#define WIRE_REFRESH_MAX	300
#define WIRE_TTL_MAX		3600

#define WIRE_BODY_MAX		(64 * 1024)	/* a request body */
#define WIRE_URL_MAX		4096		/* a request URL */
#define WIRE_REPLY_MAX		(1024 * 1024)	/* a reply the clients read */
#define WIRE_HOSTS_MAX		(32 * 1024)	/* a distcc hosts line, in bytes */

/* wire.c */
int	wire_name_valid(const char *);
int	wire_node_id(const char *, char *);
int	wire_text_valid(const char *, size_t);
int	wire_compiler_valid(const char *);
int	wire_fp_valid(const char *);
int	wire_addr_canonical(const char *, char *);
int	wire_addr_port(const char *, char *, int *);
int	wire_addr_is_loopback(const char *);
long	wire_hosts_threads(const char *);
int	wire_hosts_valid(const char *);

#endif

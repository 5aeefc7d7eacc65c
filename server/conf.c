/*
 * conf.c — server.conf: the table of its keys, read by the shared `key
 * value` reader (shim/kv.c); errors name file:line. main.c applies flags
 * after the file.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "server.h"

#define OFF(k)	offsetof(struct server_config, k)

/* server_names: blank-separated host names, or "*". */
static int
check_names(const char *v, char *err)
{
	const char *p = v;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n == 0)
			break;
		if (!(n == 1 && *p == '*') && (n > 253 ||
		    strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789.-") < n)) {
			seterr(err, "'%.*s' is not a host name ([A-Za-z0-9.-]) or *",
			    (int)(n > 64 ? 64 : n), p);
			return -1;
		}
		p += n;
	}
	return 0;
}

/* Every key of server.conf: type, range, default and what it is for. The
 * README's table and server.conf.example say the same. */
static const struct kv_key conf_keys[] = {
	{ "listen", KV_STR, OFF(listen), 0, 0, kv_check_word, "0.0.0.0", 0,
	    "address to listen on; :: takes IPv6 and IPv4" },
	{ "port", KV_INT, OFF(port), WIRE_PORT_MIN, WIRE_PORT_MAX, NULL,
	    "33333", 0, "TCP port" },
	{ "db", KV_STR, OFF(db), 0, 0, kv_check_word,
	    "/var/lib/dyndistcc/server/dyndistcc.db", 0,
	    "SQLite database; relative to the starting directory" },
	{ "admin_token", KV_STR, OFF(admin_token), 0, 0, kv_check_word, NULL, 1,
	    "bearer token for admin calls (at least 16 characters)" },
	{ "heartbeat", KV_INT, OFF(heartbeat), 1, WIRE_HEARTBEAT_MAX, NULL,
	    "10", 0,
	    "seconds between a node's check-ins" },
	{ "ttl", KV_INT, OFF(ttl), 2, WIRE_TTL_MAX, NULL, "30", 0,
	    "seconds a node stays online without a check-in" },
	{ "refresh_after", KV_INT, OFF(refresh_after), 1, WIRE_REFRESH_MAX,
	    NULL, "15", 0,
	    "age at which dcc refreshes its cached host list" },
	{ "legacy_ttl", KV_INT, OFF(legacy_ttl), 2, 86400, NULL, "660", 0,
	    "ttl of the predecessor's clients (they check in every 5 min)" },
	{ "purge_after", KV_INT, OFF(purge_after), 0, 365 * 86400, NULL,
	    "604800", 0, "expunge nodes not seen for this long; 0 keeps them" },
	{ "max_nodes", KV_INT, OFF(max_nodes), 1, 1000000, NULL, "10000", 0,
	    "online nodes per project" },
	{ "max_cores", KV_INT, OFF(max_cores), 1, WIRE_CORES_MAX, NULL, "256", 0,
	    "slots one host may offer in a host list (its /N)" },
	{ "allow_grace", KV_INT, OFF(allow_grace), 0, 600, NULL, "30", 0,
	    "seconds a 1.0 node (static --allow) gets to admit a new member" },
	{ "threads", KV_INT, OFF(threads), 1, 64, NULL, "2", 0,
	    "HTTP worker threads" },
	{ "max_connections", KV_INT, OFF(max_connections), 1, 100000, NULL,
	    "1000", 0, "connections open at once" },
	{ "max_connections_per_ip", KV_INT, OFF(max_connections_per_ip), 1,
	    100000, NULL, "32", 0,
	    "connections open at once from one address (IPv6: one /64)" },
	{ "connection_timeout", KV_INT, OFF(connection_timeout), 1, 3600, NULL,
	    "15", 0, "seconds a reply may stall, or a connection idle" },
	{ "request_timeout", KV_INT, OFF(request_timeout), 1, 3600, NULL,
	    "10", 0, "seconds a request may take to arrive, headers and body" },
	{ "server_names", KV_STR, OFF(server_names), 0, 0, check_names, NULL, 0,
	    "host names clients use for this server, besides IP addresses, "
	    "localhost and its own host name; * allows any" },
	{ "tls_cert", KV_STR, OFF(tls_cert), 0, 0, kv_check_path, NULL, 0,
	    "PEM certificate (chain) to serve HTTPS with; with tls_key" },
	{ "tls_key", KV_STR, OFF(tls_key), 0, 0, kv_check_path, NULL, 0,
	    "PEM private key of tls_cert" },
	{ "pid_file", KV_STR, OFF(pid_file), 0, 0, kv_check_path, NULL, 0,
	    "write the process id here (e.g. /run/dyndistcc/server.pid)" },
};

static const struct kv_table conf_table = { conf_keys, NELEM(conf_keys) };

/* Fills in the defaults of conf_keys; strings are owned by the config. */
void
conf_defaults(struct server_config *c)
{
	memset(c, 0, sizeof(*c));
	kv_defaults(c, &conf_table);
}

/* Sets one key from its text value (a line of the file, or a flag).
 * Returns 0, or -1 with err set. */
int
conf_set(struct server_config *c, const char *key, const char *value, char *err)
{
	return kv_set(c, &conf_table, key, value, err);
}

/* Reads a config file over the current values. Returns 0, or -1 with err
 * naming file:line. */
int
conf_load(struct server_config *c, const char *path, char *err)
{
	return kv_load(c, &conf_table, path, 0, err);
}

/* Reads config text (modified) over the current values; name is where it
 * came from, for errors. For conf_load and the fuzz target. */
int
conf_parse(struct server_config *c, char *text, const char *name, char *err)
{
	return kv_parse(c, &conf_table, text, name, err);
}

/* Prints the effective configuration (dyndistcc-server -n). */
void
conf_print(FILE *f, struct server_config *c)
{
	kv_print(f, c, &conf_table);
}

/* Checks what single keys cannot: the relations between them. */
int
conf_check(const struct server_config *c, char *err)
{
	char a[WIRE_ADDR_MAX];

	if (wire_addr_canonical(c->listen, a) == -1) {
		seterr(err, "listen: '%s' is not an IPv4 or IPv6 address", c->listen);
		return -1;
	}
	if (c->ttl <= c->heartbeat) {
		seterr(err, "ttl (%d) must be longer than heartbeat (%d)",
		    c->ttl, c->heartbeat);
		return -1;
	}
	if (c->admin_token != NULL && strlen(c->admin_token) < 16) {
		seterr(err, "admin_token must be at least 16 characters");
		return -1;
	}
	return 0;
}

/* Keys SIGHUP applies while the server runs (main.c, web_reconfigure). */
static const char *const reloadable[] = {
	"admin_token", "server_names", "request_timeout",
	"max_connections_per_ip",
};

/* Writes into out the blank-separated names of the keys whose values
 * differ between a and b and that only a restart applies. Returns how
 * many there are. */
int
conf_restart_keys(const struct server_config *a, const struct server_config *b,
    char *out, size_t size)
{
	const struct kv_key *k;
	const char *sa, *sb;
	size_t i, j, len = 0;
	int n = 0, same;

	out[0] = '\0';
	for (i = 0; i < NELEM(conf_keys); i++) {
		k = &conf_keys[i];
		if (k->type == KV_STR) {
			sa = *(char *const *)(const void *)((const char *)a + k->off);
			sb = *(char *const *)(const void *)((const char *)b + k->off);
			same = (sa == NULL && sb == NULL) ||
			    (sa != NULL && sb != NULL && strcmp(sa, sb) == 0);
		} else
			same = *(const int *)(const void *)((const char *)a + k->off) ==
			    *(const int *)(const void *)((const char *)b + k->off);
		for (j = 0; j < NELEM(reloadable); j++)
			if (strcmp(reloadable[j], k->name) == 0)
				same = 1;
		if (same)
			continue;
		n++;
		if (len + strlen(k->name) + 2 < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s",
			    len ? " " : "", k->name);
	}
	return n;
}

/* Frees the strings of a config. */
void
conf_free(struct server_config *c)
{
	kv_free(c, &conf_table);
	memset(c, 0, sizeof(*c));
}

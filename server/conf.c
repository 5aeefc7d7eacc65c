/*
 * conf.c — server.conf: `key value` lines, `#` comments. One table names
 * every key; errors name file:line. main.c applies flags after the file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

enum conf_type { CT_STR, CT_INT };

static const struct conf_key {
	const char *name;
	enum conf_type type;
	size_t	 off;
	long	 min, max;
} conf_keys[] = {
	{ "listen", CT_STR, offsetof(struct server_config, listen), 0, 0 },
	{ "port", CT_INT, offsetof(struct server_config, port), 1, 65535 },
	{ "db", CT_STR, offsetof(struct server_config, db), 0, 0 },
	{ "admin_token", CT_STR, offsetof(struct server_config, admin_token), 0, 0 },
	{ "heartbeat", CT_INT, offsetof(struct server_config, heartbeat), 1, 3600 },
	{ "ttl", CT_INT, offsetof(struct server_config, ttl), 2, 86400 },
	{ "refresh_after", CT_INT, offsetof(struct server_config, refresh_after), 1, 86400 },
	{ "legacy_ttl", CT_INT, offsetof(struct server_config, legacy_ttl), 2, 86400 },
	{ "purge_after", CT_INT, offsetof(struct server_config, purge_after), 0, 365 * 86400 },
	{ "max_nodes", CT_INT, offsetof(struct server_config, max_nodes), 1, 1000000 },
	{ "threads", CT_INT, offsetof(struct server_config, threads), 1, 64 },
	{ "max_connections", CT_INT, offsetof(struct server_config, max_connections), 1, 100000 },
	{ "max_connections_per_ip", CT_INT, offsetof(struct server_config, max_connections_per_ip), 1, 100000 },
	{ "connection_timeout", CT_INT, offsetof(struct server_config, connection_timeout), 1, 3600 },
};

/* Fills in the defaults (DESIGN.md); strings are owned by the config. */
void
conf_defaults(struct server_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = xstrdup("0.0.0.0");
	c->port = 33333;
	c->db = xstrdup("/var/lib/dyndistcc/server/dyndistcc.db");
	c->admin_token = NULL;
	c->heartbeat = 10;
	c->ttl = 30;
	c->refresh_after = 15;
	c->legacy_ttl = 660;
	c->purge_after = 7 * 86400;
	c->max_nodes = 10000;
	c->threads = 2;
	c->max_connections = 1000;
	c->max_connections_per_ip = 200;
	c->connection_timeout = 15;
}

/* Sets one key from its text value. Returns 0, or -1 with err set. */
int
conf_set(struct server_config *c, const char *key, const char *value, char *err)
{
	const struct conf_key *k;
	long v;
	size_t i;

	for (i = 0; i < NELEM(conf_keys); i++) {
		k = &conf_keys[i];
		if (strcmp(k->name, key) != 0)
			continue;
		if (k->type == CT_STR) {
			char **sp = (char **)((char *)c + k->off);

			if (*value == '\0' || strlen(value) > 1024) {
				seterr(err, "%s: needs a value of 1..1024 characters", key);
				return -1;
			}
			free(*sp);
			*sp = xstrdup(value);
			return 0;
		}
		if (str_to_long(value, k->min, k->max, &v) == -1) {
			seterr(err, "%s: '%s' is not an integer in %ld..%ld",
			    key, value, k->min, k->max);
			return -1;
		}
		*(int *)((char *)c + k->off) = (int)v;
		return 0;
	}
	seterr(err, "unknown key '%s'", key);
	return -1;
}

/* Reads a config file over the current values. Returns 0, or -1 with err
 * naming file:line. */
int
conf_load(struct server_config *c, const char *path, char *err)
{
	char line[2048], e[ERR_MAX], *p, *key, *value, *end;
	FILE *f;
	int n = 0;

	if ((f = fopen(path, "r")) == NULL) {
		seterr(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			seterr(err, "%s:%d: line too long", path, n);
			fclose(f);
			return -1;
		}
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		key = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		value = p;
		end = value + strlen(value);
		while (end > value && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (conf_set(c, key, value, e) == -1) {
			seterr(err, "%s:%d: %s", path, n, e);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* Checks what single keys cannot: the relations between them. */
int
conf_check(const struct server_config *c, char *err)
{
	char a[ADDR_MAX_LEN];

	if (addr_canonical(c->listen, a) == -1) {
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

/* Frees the strings of a config. */
void
conf_free(struct server_config *c)
{
	free(c->listen);
	free(c->db);
	free(c->admin_token);
	memset(c, 0, sizeof(*c));
}

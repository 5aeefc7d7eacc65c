/*
 * fuzz_config.c — libFuzzer target: the `key value` reader (shim/kv.c)
 * through both key tables, server.conf's and client.conf's. Whatever it
 * accepts must hold every key's rule: integers within their ranges, strings
 * without control characters, the client's names and URLs well formed.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "../../shim/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
no_controls(const char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s))
			abort();
}

static void
server_conf(const char *data, size_t size)
{
	struct server_config c;
	char err[ERR_MAX] = "", *text = xstrndup(data, size);

	conf_defaults(&c);
	if (conf_parse(&c, text, "fuzz", err) == 0) {
		if (c.port < WIRE_PORT_MIN || c.port > WIRE_PORT_MAX ||
		    c.heartbeat < 1 || c.heartbeat > WIRE_HEARTBEAT_MAX ||
		    c.ttl < 2 || c.ttl > WIRE_TTL_MAX ||
		    c.refresh_after < 1 || c.refresh_after > WIRE_REFRESH_MAX)
			abort();
		no_controls(c.listen);
		no_controls(c.db);
		no_controls(c.admin_token);
		if (c.admin_token != NULL && strpbrk(c.admin_token, " \t"))
			abort();
	} else if (strncmp(err, "fuzz:", 5) != 0)
		abort();	/* every error names file:line */
	conf_free(&c);
	free(text);
}

static void
client_conf(const char *data, size_t size)
{
	struct client_config c;
	char err[ERR_MAX] = "", *text = xstrndup(data, size);

	config_defaults(&c);
	if (config_parse(&c, text, "fuzz", err) == 0) {
		if (c.nice < WIRE_NICE_MIN || c.nice > WIRE_NICE_MAX ||
		    c.cores < 0 || c.cores > WIRE_CORES_MAX ||
		    c.distccd_port < WIRE_PORT_MIN ||
		    c.distccd_port > WIRE_PORT_MAX ||
		    (c.project != NULL && !wire_name_valid(c.project)) ||
		    (c.server != NULL && strncmp(c.server, "http://", 7) != 0 &&
		    strncmp(c.server, "https://", 8) != 0) ||
		    c.state_dir == NULL || c.state_dir[0] != '/')
			abort();
		no_controls(c.owner);
		no_controls(c.key);
	} else if (strncmp(err, "fuzz:", 5) != 0)
		abort();
	config_free(&c);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	server_conf((const char *)data, size);
	client_conf((const char *)data, size);
	return 0;
}

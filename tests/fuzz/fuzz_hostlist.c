/*
 * fuzz_hostlist.c — libFuzzer target: what a server (or a man in the
 * middle) can send a client: the JSON host-list reply (shim/hostlist.c) and
 * a bare distcc hosts line (shim/wire.c). Whatever is accepted must be safe
 * to hand distcc: every rule of the hosts line, bounded timers and pool.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../shim/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostlist hl;
	char err[ERR_MAX] = "", *line;
	long threads;
	size_t i;

	if (hostlist_parse((const char *)data, size, &hl, err) == 0) {
		threads = wire_hosts_threads(hl.distcc_hosts);
		if (!wire_name_valid(hl.project) ||
		    !wire_hosts_valid(hl.distcc_hosts) || threads < 1 ||
		    threads > WIRE_POOL_MAX || hl.distcc_hosts[0] == '-' ||
		    strstr(hl.distcc_hosts, " -") != NULL ||
		    hl.heartbeat < 1 || hl.heartbeat > WIRE_HEARTBEAT_MAX ||
		    hl.refresh_after < 1 || hl.refresh_after > WIRE_REFRESH_MAX ||
		    hl.ttl < 1 || hl.ttl > WIRE_TTL_MAX)
			abort();
		for (i = 0; i < hl.nmembers; i++)
			if (hl.members[i] == NULL || hl.members[i][0] == '\0')
				abort();
		hostlist_free(&hl);
	} else if (err[0] == '\0' || hl.distcc_hosts != NULL)
		abort();
	/* the same bytes as a bare hosts line */
	line = malloc(size + 1);
	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (strlen(line) == size && wire_hosts_valid(line)) {
		threads = wire_hosts_threads(line);
		if (threads < 1 || threads > WIRE_POOL_MAX || line[0] == '-' ||
		    strstr(line, " -") != NULL || strpbrk(line, "#,@\n\t") != NULL)
			abort();
	}
	free(line);
	return 0;
}

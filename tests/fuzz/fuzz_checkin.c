/*
 * fuzz_checkin.c — libFuzzer target: the JSON bodies a client can send
 * (check-in, check-out, project creation) through their parsers and
 * validators. Anything accepted must satisfy every rule of the edge.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ERR_MAX], name[NAME_MAX_LEN + 1], node[NODE_ID_LEN + 1];
	struct checkin c;
	char addr[ADDR_MAX_LEN];
	char *comp;
	int keyed, port, i;

	if (checkin_parse((const char *)data, size, &c, err) == 0) {
		if (!valid_name(c.project) || !valid_node_id(c.node) ||
		    c.cores < 1 || c.cores > 4096 || c.nice < -20 || c.nice > 19 ||
		    c.port < 1 || c.port > 65535 ||
		    !valid_text(c.hostname, TEXT_MAX_LEN) ||
		    !valid_text(c.owner, TEXT_MAX_LEN) ||
		    !valid_text(c.version, TEXT_MAX_LEN) ||
		    c.ncompilers < 0 || c.ncompilers > MAX_COMPILERS)
			abort();
		for (i = 0; i < 3; i++)
			if (!isfinite(c.load[i]) || c.load[i] < 0)
				abort();
		if (c.addr[0] != '\0' && (valid_addr(c.addr, addr, &port) != 0 ||
		    strcmp(addr, c.addr) != 0))
			abort();
		comp = compilers_json(&c);
		free(comp);
	} else if (err[0] == '\0')
		abort();
	checkout_parse((const char *)data, size, name, node, err);
	project_parse((const char *)data, size, name, &keyed, err);
	return 0;
}

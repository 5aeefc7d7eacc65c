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
	char err[ERR_MAX], name[WIRE_NAME_MAX + 1], node[WIRE_NODE_ID_LEN + 1];
	struct checkin c;
	char addr[WIRE_ADDR_MAX], canon[WIRE_NODE_ID_LEN + 1];
	char *comp;
	int keyed, port, i;

	if (checkin_parse((const char *)data, size, &c, err) == 0) {
		if (!wire_name_valid(c.project) ||
		    wire_node_id(c.node, canon) != 0 || strcmp(canon, c.node) != 0 ||
		    c.cores < WIRE_CORES_MIN || c.cores > WIRE_CORES_MAX ||
		    c.nice < WIRE_NICE_MIN || c.nice > WIRE_NICE_MAX ||
		    c.port < WIRE_PORT_MIN || c.port > WIRE_PORT_MAX ||
		    !wire_text_valid(c.hostname, WIRE_TEXT_MAX) ||
		    !wire_text_valid(c.owner, WIRE_TEXT_MAX) ||
		    !wire_text_valid(c.version, WIRE_TEXT_MAX) ||
		    c.ncompilers < 0 || c.ncompilers > WIRE_COMPILERS_MAX)
			abort();
		for (i = 0; i < 3; i++)
			if (!isfinite(c.load[i]) || c.load[i] < 0)
				abort();
		if (c.addr[0] != '\0' && (wire_addr_port(c.addr, addr, &port) != 0 ||
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

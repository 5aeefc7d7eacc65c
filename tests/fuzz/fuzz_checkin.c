/*
 * fuzz_checkin.c — libFuzzer target: the JSON bodies a client can send
 * (check-in, check-out, project creation and change) and ?fp= lists
 * through their parsers and validators. Anything accepted must satisfy
 * every rule of the edge.
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
	char secret[WIRE_SECRET_LEN + 1], fps[WIRE_FPS_MAX][WIRE_FP_LEN + 1];
	static struct checkin c;
	char addr[WIRE_ADDR_MAX], canon[WIRE_NODE_ID_LEN + 1], *text;
	char *comp;
	int keyed, port, i, j, n;

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
		/* 1.1: secret, slots, sched, admission, health, jobs, fps */
		if ((c.secret[0] != '\0' && (wire_node_id(c.secret, canon) != 0 ||
		    strcmp(canon, c.secret) != 0)) ||
		    c.slots < 0 || c.slots > c.cores ||
		    (c.sched_idle != 0 && c.sched_idle != 1) ||
		    (c.live != 0 && c.live != 1) ||
		    (c.healthy != 0 && c.healthy != 1) ||
		    !wire_text_valid(c.reason, WIRE_REASON_MAX) ||
		    c.running < 0 || c.running > WIRE_JOBS_MAX ||
		    !(c.served >= 0 && c.served <= WIRE_SERVED_MAX) ||
		    c.served != floor(c.served) ||
		    c.nsenders < 0 || c.nsenders > WIRE_SENDERS_MAX ||
		    (!c.has_jobs && (c.running || c.served || c.nsenders)))
			abort();
		for (i = 0; i < c.nsenders; i++)
			if (wire_addr_canonical(c.senders[i].addr, addr) != 0 ||
			    strcmp(addr, c.senders[i].addr) != 0 ||
			    c.senders[i].running < 1 ||
			    c.senders[i].running > WIRE_JOBS_MAX)
				abort();
		for (i = 0; i < c.ncompilers; i++) {
			if (!wire_compiler_valid(c.compilers[i].name) ||
			    !wire_text_valid(c.compilers[i].version, WIRE_TEXT_MAX) ||
			    !wire_text_valid(c.compilers[i].target, WIRE_TEXT_MAX) ||
			    (c.compilers[i].fp[0] != '\0' &&
			    !wire_fp_valid(c.compilers[i].fp)))
				abort();
			for (j = 0; j < i; j++)
				if (strcmp(c.compilers[i].name,
				    c.compilers[j].name) == 0)
					abort();
		}
		if (c.addr[0] != '\0' && (wire_addr_port(c.addr, addr, &port) != 0 ||
		    strcmp(addr, c.addr) != 0))
			abort();
		comp = compilers_json(&c);
		free(comp);
	} else if (err[0] == '\0')
		abort();
	if (checkout_parse((const char *)data, size, name, node, secret,
	    err) == 0 && (!wire_name_valid(name) ||
	    wire_node_id(node, canon) != 0 || strcmp(canon, node) != 0 ||
	    (secret[0] != '\0' && (wire_node_id(secret, canon) != 0 ||
	    strcmp(canon, secret) != 0))))
		abort();
	project_parse((const char *)data, size, name, &keyed, err);
	if (project_patch_parse((const char *)data, size, &keyed, err) == 0 &&
	    keyed != 0 && keyed != 1)
		abort();
	/* the same bytes as a ?fp= query */
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if ((n = fp_list_parse(text, fps, WIRE_FPS_MAX, err)) >= 0) {
		if (n < 1 || n > WIRE_FPS_MAX)
			abort();
		for (i = 0; i < n; i++) {
			if (!wire_fp_valid(fps[i]))
				abort();
			for (j = 0; j < i; j++)
				if (strcmp(fps[i], fps[j]) == 0)
					abort();
		}
	} else if (err[0] == '\0')
		abort();
	free(text);
	return 0;
}

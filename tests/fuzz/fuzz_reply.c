/*
 * fuzz_reply.c — libFuzzer target: the server's other replies as a client
 * reads them (shim/hostlist.c): the node list of GET /api/v1/nodes (dcc
 * --status, --show-hosts) and the {"error": …} of a refused request. What
 * is kept must be printable (a hostile server cannot write to the
 * terminal) and within its bounds. The host-list reply itself is
 * fuzz_hostlist's.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../shim/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
printable(const char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct member *m;
	char err[ERR_MAX] = "", msg[ERR_MAX];
	size_t n, i, j;

	if (hostlist_members((const char *)data, size, &m, &n, err) == 0) {
		for (i = 0; i < n; i++) {
			printable(m[i].id);
			printable(m[i].hostname);
			printable(m[i].owner);
			printable(m[i].addr);
			printable(m[i].state);
			printable(m[i].version);
			printable(m[i].reason);	/* dcc --status prints it */
			if (m[i].port < 0 || m[i].port > WIRE_PORT_MAX ||
			    m[i].ncompilers > WIRE_COMPILERS_MAX)
				abort();
			for (j = 0; j < m[i].ncompilers; j++) {
				printable(m[i].compilers[j].name);
				printable(m[i].compilers[j].version);
				printable(m[i].compilers[j].target);
				if (m[i].compilers[j].fp[0] != '\0' &&
				    !wire_fp_valid(m[i].compilers[j].fp))
					abort();
			}
		}
		hostlist_members_free(m, n);
	} else if (err[0] == '\0' || m != NULL || n != 0)
		abort();

	memset(msg, 'x', sizeof(msg));
	hostlist_error((const char *)data, size, msg, sizeof(msg));
	if (memchr(msg, '\0', sizeof(msg)) == NULL)
		abort();
	hostlist_error((const char *)data, size, msg, 1);
	if (msg[0] != '\0')
		abort();
	return 0;
}

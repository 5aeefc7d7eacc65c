/*
 * fuzz_legacy.c — libFuzzer target: the predecessor's query strings
 * through legacy_parse. Anything accepted must be valid.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct legacy_query q;
	char err[ERR_MAX], id[WIRE_NODE_ID_LEN + 1];
	char *uri;

	if (size > WIRE_URL_MAX + 1)
		return 0;
	uri = malloc(size + 1);
	memcpy(uri, data, size);
	uri[size] = '\0';
	err[0] = '\0';
	if (legacy_parse(uri, &q, err) == 0) {
		if (((q.present & LQ_HASH) && !wire_name_valid(q.hash)) ||
		    ((q.present & LQ_PROJECT) && !wire_name_valid(q.project)) ||
		    ((q.present & LQ_NAME) && !wire_name_valid(q.name)) ||
		    ((q.present & LQ_THREADS) && (q.threads < WIRE_CORES_MIN ||
		    q.threads > WIRE_CORES_MAX)) ||
		    !wire_text_valid(q.username, WIRE_TEXT_MAX) ||
		    !wire_text_valid(q.version, WIRE_TEXT_MAX))
			abort();
		if (q.present & LQ_HASH) {
			legacy_node_id(q.hash, id);
			if (wire_node_id(id, NULL) != 0)
				abort();
		}
	} else if (err[0] == '\0')
		abort();
	free(uri);
	return 0;
}

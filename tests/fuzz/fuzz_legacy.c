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
	char err[ERR_MAX], id[NODE_ID_LEN + 1];
	char *uri;

	if (size > URL_MAX + 1)
		return 0;
	uri = malloc(size + 1);
	memcpy(uri, data, size);
	uri[size] = '\0';
	err[0] = '\0';
	if (legacy_parse(uri, &q, err) == 0) {
		if (((q.present & LQ_HASH) && !valid_name(q.hash)) ||
		    ((q.present & LQ_PROJECT) && !valid_name(q.project)) ||
		    ((q.present & LQ_NAME) && !valid_name(q.name)) ||
		    ((q.present & LQ_THREADS) && (q.threads < 1 || q.threads > 4096)) ||
		    !valid_text(q.username, TEXT_MAX_LEN) ||
		    !valid_text(q.version, TEXT_MAX_LEN))
			abort();
		if (q.present & LQ_HASH) {
			legacy_node_id(q.hash, id);
			if (!valid_node_id(id))
				abort();
		}
	} else if (err[0] == '\0')
		abort();
	free(uri);
	return 0;
}

/*
 * panel.c — serves the control panel's files, which are built into the
 * binary (assets[]). A URL selects an asset by its exact name; no URL is
 * ever turned into a file-system path.
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

static const struct mime {
	const char *ext;
	const char *type;
} mimes[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".json", "application/json" },
	{ ".txt", "text/plain; charset=utf-8" },
};

#define MAX_ASSETS 64
static char etags[MAX_ASSETS][24];

/* Computes each asset's ETag once, before the HTTP threads start. */
void
panel_init(void)
{
	uint64_t h;
	size_t i;

	for (i = 0; assets[i].name != NULL && i < MAX_ASSETS; i++) {
		h = hash_fnv1a(assets[i].start,
		    (size_t)(assets[i].end - assets[i].start), HASH_FNV_SEED);
		snprintf(etags[i], sizeof(etags[i]), "\"%016llx\"",
		    (unsigned long long)h);
	}
}

static const char *
mime_type(const char *name)
{
	size_t i, n = strlen(name), e;

	for (i = 0; i < NELEM(mimes); i++) {
		e = strlen(mimes[i].ext);
		if (n > e && strcmp(name + n - e, mimes[i].ext) == 0)
			return mimes[i].type;
	}
	return "application/octet-stream";
}

/* Answers GET / and GET /<asset>; returns 0 when no asset has that name. */
int
panel_serve(struct req *r)
{
	const char *name = strcmp(r->path, "/") == 0 ? "index.html" : r->path + 1;
	const char *inm;
	size_t i;

	if (r->path[0] != '/')
		return 0;
	for (i = 0; assets[i].name != NULL && i < MAX_ASSETS; i++) {
		if (strcmp(assets[i].name, name) != 0)
			continue;
		r->ctype = mime_type(name);
		r->page = 1;
		r->cache = "no-cache";
		r->etag = etags[i];
		inm = req_header(r, "If-None-Match");
		if (inm != NULL && strcmp(inm, etags[i]) == 0) {
			r->status = 304;
			r->static_body = "";
			r->static_len = 0;
			return 1;
		}
		r->status = 200;
		r->static_body = assets[i].start;
		r->static_len = (size_t)(assets[i].end - assets[i].start);
		return 1;
	}
	return 0;
}

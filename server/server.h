/*
 * server.h — internal interfaces of dyndistcc-server, grouped by file.
 */
#ifndef DYNDISTCC_SERVER_H
#define DYNDISTCC_SERVER_H

#include "../shim/util.h"

/* A file of the control panel, built into the binary (see www-embed.sh). */
struct asset {
	const char *name;
	const char *start;
	const char *end;
};

/* assets.c (generated) */
extern const struct asset assets[];

#endif

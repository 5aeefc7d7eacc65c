/*
 * main.c — dyndistcc-server: options, configuration, start and shutdown.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "server.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dyndistcc-server [-dnhV] [-f config] [-p port] [-l addr] [--db path]\n"
	    "                        [--admin-token token]\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	log_init("dyndistcc-server", 0);
	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dyndistcc-server %s\n", DYNDISTCC_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	return 0;
}

/*
 * dcc.c — dcc.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "shim.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: dcc [--help] [--version]\n");
}

int
main(int argc, char **argv)
{
	log_init("dcc", 0);
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("dcc %s\n", DYNDISTCC_VERSION);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}

/* main.c — calc [--self-test] [-v] [--stats] [-e LINE]…: reads stdin otherwise. */
#include <stdio.h>
#include <string.h>

#include "calc.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: calc [--self-test] [-v] [--stats] [-e LINE]...\n");
}

int
main(int argc, char **argv)
{
	struct env	*env;
	struct strbuf	 sb;
	double		 v;
	int		 i, verbose = 0, stats = 0, failed = 0, exprs = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[i], "--stats") == 0)
			stats = 1;
		else if (strcmp(argv[i], "--self-test") == 0)
			return self_test(verbose) == 0 ? 0 : 1;
		else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc)
			exprs++, i++;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (exprs == 0)
		return repl(stdin, stdout, stats) == 0 ? 0 : 1;
	env = env_new();
	sb_init(&sb);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-e") != 0)
			continue;
		sb.len = 0;
		sb.s[0] = '\0';
		if (calc_line(env, argv[++i], &sb, &v) == -1)
			failed++;
		printf("%s\n", sb.s);
	}
	sb_free(&sb);
	env_free(env);
	return failed == 0 ? 0 : 1;
}

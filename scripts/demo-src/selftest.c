/* selftest.c — known lines and their answers; `calc --self-test` runs them. */
#include <string.h>

#include "calc.h"

static const struct {
	const char	*line;
	const char	*want;		/* answer, or start of the error */
} cases[] = {
	{ "1 + 2 * 3", "7" },
	{ "(1 + 2) * 3", "9" },
	{ "2 ^ 3 ^ 2", "512" },
	{ "-2 ^ 2", "-4" },
	{ "10 % 4", "2" },
	{ "7 / 2", "3.5" },
	{ "x = 6", "6" },
	{ "y = x * 7", "42" },
	{ "y - x", "36" },
	{ "sqrt(2) * sqrt(2)", "2" },
	{ "min(4, 2, 8) + max(1, 9)", "11" },
	{ "gcd(84, 36)", "12" },
	{ "fact(10)", "3628800" },
	{ "round(2.5) + floor(-1.5)", "1" },
	{ "abs(-3) # a comment", "3" },
	{ "1 / 3", "0.333333333333" },
	{ "1 / 0", "error at column 3: division by zero" },
	{ "z + 1", "error at column 1: z is not set" },
	{ "2 * (3 + 4", "error at column 11: expected ')'" },
	{ "sqrt(1, 2)", "error at column 1: sqrt takes 1 argument, not 2" },
	{ "nosuch(1)", "error at column 1: unknown function nosuch" },
	{ "3 $ 4", "error at column 3: unexpected bad character" },
	{ "fact(2.5)", "error at column 1: fact needs whole numbers" },
	{ "10 ^ 400", "error at column 4: result out of range" },
	{ "max()", "error at column 1: max takes 1 to 8 arguments, not 0" },
};

/* Runs every case in one environment; returns the number that failed. */
int
self_test(int verbose)
{
	struct env	*env = env_new();
	struct strbuf	 sb;
	size_t		 i, n = sizeof(cases) / sizeof(cases[0]);
	double		 v;
	int		 failed = 0;

	sb_init(&sb);
	for (i = 0; i < n; i++) {
		sb.len = 0;
		sb.s[0] = '\0';
		calc_line(env, cases[i].line, &sb, &v);
		if (strncmp(sb.s, cases[i].want, strlen(cases[i].want)) != 0) {
			printf("FAIL %-28s got \"%s\", want \"%s\"\n",
			    cases[i].line, sb.s, cases[i].want);
			failed++;
		} else if (verbose)
			printf("ok   %-28s %s\n", cases[i].line, sb.s);
	}
	printf("self-test: %zu cases, %d failed\n", n, failed);
	sb_free(&sb);
	env_free(env);
	return failed;
}

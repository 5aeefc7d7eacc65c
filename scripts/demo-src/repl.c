/* repl.c — one line in, one answer (or error with a caret) out. */
#include <string.h>

#include "calc.h"

/* Evaluates line. Returns 1 with the formatted answer in out and the value in
 * *value, 0 for an empty line, -1 with the error message in out. */
int
calc_line(struct env *env, const char *line, struct strbuf *out, double *value)
{
	struct arena	 a = { NULL };
	struct node	*n;
	const char	*p = line;
	int		 rc = -1;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == '#')
		return 0;
	error_clear();
	if ((n = parse_line(&a, line)) != NULL) {
		n = fold(&a, n);
		if (eval(n, env, value) == 0) {
			num_format(*value, out);
			rc = 1;
		}
	}
	if (rc == -1)
		sb_printf(out, "error at column %d: %s", error_column(),
		    error_message());
	arena_free(&a);
	return rc;
}

/* Reads lines from in until EOF; returns the number of lines that failed. */
int
repl(FILE *in, FILE *out, int with_stats)
{
	struct env	*env = env_new();
	struct stats	 st = { 0, 0, 0, 0 };
	struct strbuf	 sb;
	char		 line[1024];
	double		 v;
	int		 failed = 0, rc;

	sb_init(&sb);
	while (fgets(line, sizeof(line), in) != NULL) {
		sb.len = 0;
		sb.s[0] = '\0';
		rc = calc_line(env, line, &sb, &v);
		if (rc == 0)
			continue;
		if (rc == 1)
			stats_add(&st, v);
		else
			failed++;
		fprintf(out, "%s\n", sb.s);
	}
	if (with_stats) {
		sb.len = 0;
		sb.s[0] = '\0';
		stats_print(&st, &sb);
		fprintf(out, "%s; %zu variables\n", sb.s, env_count(env));
	}
	sb_free(&sb);
	env_free(env);
	return failed;
}

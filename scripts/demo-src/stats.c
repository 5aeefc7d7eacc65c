/* stats.c — count, sum, mean, smallest and largest answer of a session. */
#include "calc.h"

void
stats_add(struct stats *st, double v)
{
	if (st->n == 0 || v < st->min)
		st->min = v;
	if (st->n == 0 || v > st->max)
		st->max = v;
	st->sum += v;
	st->n++;
}

/* Appends "answers 3, sum 6, mean 2, min 1, max 3" (or "no answers"). */
void
stats_print(const struct stats *st, struct strbuf *sb)
{
	if (st->n == 0) {
		sb_puts(sb, "no answers");
		return;
	}
	sb_printf(sb, "answers %ld, sum ", st->n);
	num_format(st->sum, sb);
	sb_puts(sb, ", mean ");
	num_format(st->sum / (double)st->n, sb);
	sb_puts(sb, ", min ");
	num_format(st->min, sb);
	sb_puts(sb, ", max ");
	num_format(st->max, sb);
}

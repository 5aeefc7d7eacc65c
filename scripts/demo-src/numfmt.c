/* numfmt.c — whole numbers without a decimal point, others with 12 digits. */
#include <math.h>

#include "calc.h"

void
num_format(double v, struct strbuf *sb)
{
	if (v == 0)
		v = 0;			/* no "-0" */
	if (v == floor(v) && fabs(v) < 1e15)
		sb_printf(sb, "%.0f", v);
	else
		sb_printf(sb, "%.12g", v);
}

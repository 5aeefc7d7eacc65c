/* error.c — the calculator reports one error per line, with its column. */
#include <stdarg.h>
#include <stdio.h>

#include "calc.h"

static char	msg[128];
static int	col;
static int	pending;

/* Records an error unless one is already pending: the first cause wins. */
void
error_set(int column, const char *fmt, ...)
{
	va_list ap;

	if (pending)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	col = column;
	pending = 1;
}

int
error_column(void)
{
	return col;
}

const char *
error_message(void)
{
	return pending ? msg : "";
}

void
error_clear(void)
{
	pending = 0;
	msg[0] = '\0';
	col = 0;
}

int
error_pending(void)
{
	return pending;
}

/* builtins.c — the functions a calculation can call, in one table. */
#include <math.h>
#include <string.h>

#include "calc.h"

typedef int (*builtin_fn)(const double *, int, double *, int);

static int
fn_sqrt(const double *v, int n, double *r, int col)
{
	(void)n;
	if (v[0] < 0) {
		error_set(col, "sqrt of a negative number");
		return -1;
	}
	*r = sqrt(v[0]);
	return 0;
}

static int
fn_abs(const double *v, int n, double *r, int col)
{
	(void)n, (void)col;
	*r = fabs(v[0]);
	return 0;
}

static int
fn_min(const double *v, int n, double *r, int col)
{
	int i;

	(void)col;
	*r = v[0];
	for (i = 1; i < n; i++)
		if (v[i] < *r)
			*r = v[i];
	return 0;
}

static int
fn_max(const double *v, int n, double *r, int col)
{
	int i;

	(void)col;
	*r = v[0];
	for (i = 1; i < n; i++)
		if (v[i] > *r)
			*r = v[i];
	return 0;
}

static int
fn_floor(const double *v, int n, double *r, int col)
{
	(void)n, (void)col;
	*r = floor(v[0]);
	return 0;
}

static int
fn_round(const double *v, int n, double *r, int col)
{
	(void)n, (void)col;
	*r = round(v[0]);
	return 0;
}

static int
whole(double x, int col, const char *what)
{
	if (x != floor(x) || x < 0 || x > 1e15) {
		error_set(col, "%s needs whole numbers from 0 to 1e15", what);
		return -1;
	}
	return 0;
}

static int
fn_gcd(const double *v, int n, double *r, int col)
{
	unsigned long long	a, b, t;

	(void)n;
	if (whole(v[0], col, "gcd") == -1 || whole(v[1], col, "gcd") == -1)
		return -1;
	a = (unsigned long long)v[0];
	b = (unsigned long long)v[1];
	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	*r = (double)a;
	return 0;
}

static int
fn_fact(const double *v, int n, double *r, int col)
{
	double	f = 1;
	int	i;

	(void)n;
	if (whole(v[0], col, "fact") == -1)
		return -1;
	if (v[0] > 170) {
		error_set(col, "fact(%g) does not fit a double", v[0]);
		return -1;
	}
	for (i = 2; i <= (int)v[0]; i++)
		f *= i;
	*r = f;
	return 0;
}

static const struct {
	const char	*name;
	int		 min_args, max_args;
	builtin_fn	 fn;
} builtins[] = {
	{ "sqrt", 1, 1, fn_sqrt },
	{ "abs", 1, 1, fn_abs },
	{ "min", 1, 8, fn_min },
	{ "max", 1, 8, fn_max },
	{ "floor", 1, 1, fn_floor },
	{ "round", 1, 1, fn_round },
	{ "gcd", 2, 2, fn_gcd },
	{ "fact", 1, 1, fn_fact },
};

static int
find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
builtin_exists(const char *name)
{
	return find(name) != -1;
}

/* Calls name with n arguments; -1 with error_set() on a bad name, count or value. */
int
builtin_call(const char *name, const double *args, int n, double *r, int col)
{
	int i = find(name);

	if (i == -1) {
		error_set(col, "unknown function %s", name);
		return -1;
	}
	if (n < builtins[i].min_args || n > builtins[i].max_args) {
		if (builtins[i].min_args == builtins[i].max_args)
			error_set(col, "%s takes %d argument%s, not %d", name,
			    builtins[i].min_args,
			    builtins[i].min_args == 1 ? "" : "s", n);
		else
			error_set(col, "%s takes %d to %d arguments, not %d",
			    name, builtins[i].min_args, builtins[i].max_args, n);
		return -1;
	}
	return builtins[i].fn(args, n, r, col);
}

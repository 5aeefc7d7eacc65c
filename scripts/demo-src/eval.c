/* eval.c — computes a tree's value; assignments change the environment. */
#include <math.h>

#include "calc.h"

static int
binary(char op, double x, double y, double *r, int col)
{
	switch (op) {
	case '+': *r = x + y; break;
	case '-': *r = x - y; break;
	case '*': *r = x * y; break;
	case '/':
		if (y == 0) {
			error_set(col, "division by zero");
			return -1;
		}
		*r = x / y;
		break;
	case '%':
		if (y == 0) {
			error_set(col, "modulo by zero");
			return -1;
		}
		*r = fmod(x, y);
		break;
	case '^': *r = pow(x, y); break;
	default:
		error_set(col, "unknown operator %c", op);
		return -1;
	}
	if (!isfinite(*r)) {
		error_set(col, "result out of range");
		return -1;
	}
	return 0;
}

/* 0 and the value in *r, or -1 with error_set(). env may be NULL (constants only). */
int
eval(const struct node *n, struct env *env, double *r)
{
	double	x, y, args[8];
	int	i;

	switch (n->kind) {
	case N_NUM:
		*r = n->num;
		return 0;
	case N_VAR:
		if (env_get(env, n->name, r) == -1) {
			error_set(n->col, "%s is not set", n->name);
			return -1;
		}
		return 0;
	case N_NEG:
		if (eval(n->a, env, &x) == -1)
			return -1;
		*r = -x;
		return 0;
	case N_BIN:
		if (eval(n->a, env, &x) == -1 || eval(n->b, env, &y) == -1)
			return -1;
		return binary(n->op, x, y, r, n->col);
	case N_CALL:
		for (i = 0; i < n->nargs; i++)
			if (eval(n->args[i], env, &args[i]) == -1)
				return -1;
		return builtin_call(n->name, args, n->nargs, r, n->col);
	case N_ASSIGN:
		if (env == NULL) {
			error_set(n->col, "no variables here");
			return -1;
		}
		if (eval(n->a, env, r) == -1)
			return -1;
		env_set(env, n->name, *r);
		return 0;
	}
	return -1;
}

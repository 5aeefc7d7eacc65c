/* fold.c — replaces constant subtrees by their value before evaluation. */
#include "calc.h"

/* A subtree is folded only when evaluating it cannot fail, so errors keep
 * their column and message. */
static int
foldable(const struct node *n, double *v)
{
	if (n->kind != N_NUM)
		return 0;
	*v = n->num;
	return 1;
}

/* Returns the folded tree (new nodes come from a, unchanged ones are reused). */
struct node *
fold(struct arena *a, struct node *n)
{
	double	x, y, r;
	int	i;

	switch (n->kind) {
	case N_NUM:
	case N_VAR:
		return n;
	case N_NEG:
		n->a = fold(a, n->a);
		if (foldable(n->a, &x))
			return node_num(a, -x, n->col);
		return n;
	case N_BIN:
		n->a = fold(a, n->a);
		n->b = fold(a, n->b);
		if (!foldable(n->a, &x) || !foldable(n->b, &y))
			return n;
		if ((n->op == '/' || n->op == '%') && y == 0)
			return n;	/* leave the error to eval */
		if (eval(n, NULL, &r) == -1) {
			error_clear();
			return n;
		}
		return node_num(a, r, n->col);
	case N_CALL:
		for (i = 0; i < n->nargs; i++)
			n->args[i] = fold(a, n->args[i]);
		return n;
	case N_ASSIGN:
		n->a = fold(a, n->a);
		return n;
	}
	return n;
}

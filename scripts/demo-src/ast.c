/* ast.c — parse-tree nodes and their fully parenthesised printed form. */
#include <string.h>

#include "calc.h"

static struct node *
node_new(struct arena *a, enum node_kind kind, int col)
{
	struct node *n = arena_alloc(a, sizeof(*n));

	n->kind = kind;
	n->col = col;
	return n;
}

static void
set_name(struct node *n, const char *name)
{
	strncpy(n->name, name, sizeof(n->name) - 1);
}

struct node *
node_num(struct arena *a, double v, int col)
{
	struct node *n = node_new(a, N_NUM, col);

	n->num = v;
	return n;
}

struct node *
node_var(struct arena *a, const char *name, int col)
{
	struct node *n = node_new(a, N_VAR, col);

	set_name(n, name);
	return n;
}

struct node *
node_neg(struct arena *a, struct node *operand, int col)
{
	struct node *n = node_new(a, N_NEG, col);

	n->a = operand;
	return n;
}

struct node *
node_bin(struct arena *a, char op, struct node *l, struct node *r, int col)
{
	struct node *n = node_new(a, N_BIN, col);

	n->op = op;
	n->a = l;
	n->b = r;
	return n;
}

struct node *
node_call(struct arena *a, const char *name, struct node **args, int nargs,
    int col)
{
	struct node *n = node_new(a, N_CALL, col);

	set_name(n, name);
	n->args = args;
	n->nargs = nargs;
	return n;
}

struct node *
node_assign(struct arena *a, const char *name, struct node *value, int col)
{
	struct node *n = node_new(a, N_ASSIGN, col);

	set_name(n, name);
	n->a = value;
	return n;
}

/* Appends the tree with every operation in parentheses: "(1 + (2 * x))". */
void
node_print(const struct node *n, struct strbuf *sb)
{
	int i;

	switch (n->kind) {
	case N_NUM:
		num_format(n->num, sb);
		break;
	case N_VAR:
		sb_puts(sb, n->name);
		break;
	case N_NEG:
		sb_puts(sb, "(-");
		node_print(n->a, sb);
		sb_putc(sb, ')');
		break;
	case N_BIN:
		sb_putc(sb, '(');
		node_print(n->a, sb);
		sb_printf(sb, " %c ", n->op);
		node_print(n->b, sb);
		sb_putc(sb, ')');
		break;
	case N_CALL:
		sb_printf(sb, "%s(", n->name);
		for (i = 0; i < n->nargs; i++) {
			if (i > 0)
				sb_puts(sb, ", ");
			node_print(n->args[i], sb);
		}
		sb_putc(sb, ')');
		break;
	case N_ASSIGN:
		sb_printf(sb, "%s = ", n->name);
		node_print(n->a, sb);
		break;
	}
}

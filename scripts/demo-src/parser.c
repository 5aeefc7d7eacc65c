/*
 * parser.c — precedence climbing over the lexer's tokens.
 *
 *   line   := NAME '=' expr | expr
 *   binary operators by binding power: + - (10), * / % (20), ^ (30, right)
 *   unary minus binds tighter than * but looser than ^: -2^2 is -4.
 */
#include <string.h>

#include "calc.h"

#define MAX_ARGS 8

static const struct {
	enum tok_kind	kind;
	char		op;
	int		power;
	int		right;
} binops[] = {
	{ TOK_PLUS, '+', 10, 0 }, { TOK_MINUS, '-', 10, 0 },
	{ TOK_STAR, '*', 20, 0 }, { TOK_SLASH, '/', 20, 0 },
	{ TOK_PERCENT, '%', 20, 0 }, { TOK_CARET, '^', 30, 1 },
};

#define UNARY_POWER 25

static struct node	*expr(struct arena *, struct lexer *, int);

static int
expect(struct lexer *lx, enum tok_kind kind)
{
	if (lx->cur.kind != kind) {
		error_set(lx->cur.col, "expected %s, found %s", tok_name(kind),
		    tok_name(lx->cur.kind));
		return -1;
	}
	lex_next(lx);
	return 0;
}

static struct node *
call(struct arena *a, struct lexer *lx, const char *name, int col)
{
	struct node	**args = arena_alloc(a, MAX_ARGS * sizeof(*args));
	int		  n = 0;

	lex_next(lx);			/* '(' */
	if (lx->cur.kind != TOK_RPAREN) {
		for (;;) {
			if (n == MAX_ARGS) {
				error_set(lx->cur.col, "more than %d arguments",
				    MAX_ARGS);
				return NULL;
			}
			if ((args[n++] = expr(a, lx, 0)) == NULL)
				return NULL;
			if (lx->cur.kind != TOK_COMMA)
				break;
			lex_next(lx);
		}
	}
	if (expect(lx, TOK_RPAREN) == -1)
		return NULL;
	return node_call(a, name, args, n, col);
}

static struct node *
primary(struct arena *a, struct lexer *lx)
{
	struct token	 t = lx->cur;
	struct node	*n;

	switch (t.kind) {
	case TOK_NUM:
		lex_next(lx);
		return node_num(a, t.num, t.col);
	case TOK_IDENT:
		lex_next(lx);
		if (lx->cur.kind == TOK_LPAREN)
			return call(a, lx, t.name, t.col);
		return node_var(a, t.name, t.col);
	case TOK_MINUS:
		lex_next(lx);
		if ((n = expr(a, lx, UNARY_POWER)) == NULL)
			return NULL;
		return node_neg(a, n, t.col);
	case TOK_LPAREN:
		lex_next(lx);
		if ((n = expr(a, lx, 0)) == NULL || expect(lx, TOK_RPAREN) == -1)
			return NULL;
		return n;
	default:
		error_set(t.col, "unexpected %s", tok_name(t.kind));
		return NULL;
	}
}

static struct node *
expr(struct arena *a, struct lexer *lx, int min_power)
{
	struct node	*left, *right;
	size_t		 i;

	if ((left = primary(a, lx)) == NULL)
		return NULL;
	for (;;) {
		for (i = 0; i < sizeof(binops) / sizeof(binops[0]); i++)
			if (binops[i].kind == lx->cur.kind)
				break;
		if (i == sizeof(binops) / sizeof(binops[0]) ||
		    binops[i].power <= min_power)
			return left;
		int col = lx->cur.col;
		lex_next(lx);
		right = expr(a, lx, binops[i].power - binops[i].right);
		if (right == NULL)
			return NULL;
		left = node_bin(a, binops[i].op, left, right, col);
	}
}

/* Parses one line; NULL with error_set() on a syntax error. The tree lives in a. */
struct node *
parse_line(struct arena *a, const char *line)
{
	struct lexer	 lx;
	struct node	*n;

	lex_init(&lx, line);
	if (lx.cur.kind == TOK_IDENT) {
		struct lexer peek = lx;

		lex_next(&peek);
		if (peek.cur.kind == TOK_ASSIGN) {
			struct token name = lx.cur;

			lex_next(&peek);
			lx = peek;
			if ((n = expr(a, &lx, 0)) == NULL)
				return NULL;
			n = node_assign(a, name.name, n, name.col);
			goto end;
		}
	}
	if ((n = expr(a, &lx, 0)) == NULL)
		return NULL;
end:
	if (lx.cur.kind != TOK_END) {
		error_set(lx.cur.col, "unexpected %s", tok_name(lx.cur.kind));
		return NULL;
	}
	return n;
}

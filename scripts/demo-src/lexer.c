/* lexer.c — turns a line into numbers, names and operators. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"

static const struct {
	char		c;
	enum tok_kind	kind;
} single[] = {
	{ '+', TOK_PLUS }, { '-', TOK_MINUS }, { '*', TOK_STAR },
	{ '/', TOK_SLASH }, { '%', TOK_PERCENT }, { '^', TOK_CARET },
	{ '(', TOK_LPAREN }, { ')', TOK_RPAREN }, { ',', TOK_COMMA },
	{ '=', TOK_ASSIGN },
};

static const char *names[] = {
	[TOK_END] = "end of line", [TOK_NUM] = "number", [TOK_IDENT] = "name",
	[TOK_PLUS] = "'+'", [TOK_MINUS] = "'-'", [TOK_STAR] = "'*'",
	[TOK_SLASH] = "'/'", [TOK_PERCENT] = "'%'", [TOK_CARET] = "'^'",
	[TOK_LPAREN] = "'('", [TOK_RPAREN] = "')'", [TOK_COMMA] = "','",
	[TOK_ASSIGN] = "'='", [TOK_BAD] = "bad character",
};

/* A token's name for error messages. */
const char *
tok_name(enum tok_kind k)
{
	return names[k];
}

void
lex_init(struct lexer *lx, const char *src)
{
	lx->src = src;
	lx->pos = 0;
	lex_next(lx);
}

/* Reads the next token into lx->cur. */
void
lex_next(struct lexer *lx)
{
	const char	*s = lx->src;
	struct token	*t = &lx->cur;
	size_t		 i;

	while (s[lx->pos] == ' ' || s[lx->pos] == '\t')
		lx->pos++;
	memset(t, 0, sizeof(*t));
	t->col = (int)lx->pos + 1;
	if (s[lx->pos] == '\0' || s[lx->pos] == '\n' || s[lx->pos] == '#') {
		t->kind = TOK_END;
		return;
	}
	if (isdigit((unsigned char)s[lx->pos]) || s[lx->pos] == '.') {
		char *end;

		t->num = strtod(s + lx->pos, &end);
		if (end == s + lx->pos) {
			t->kind = TOK_BAD;
			lx->pos++;
			return;
		}
		t->kind = TOK_NUM;
		lx->pos = (size_t)(end - s);
		return;
	}
	if (isalpha((unsigned char)s[lx->pos]) || s[lx->pos] == '_') {
		size_t n = 0;

		while (isalnum((unsigned char)s[lx->pos]) || s[lx->pos] == '_') {
			if (n < sizeof(t->name) - 1)
				t->name[n++] = s[lx->pos];
			lx->pos++;
		}
		t->kind = TOK_IDENT;
		return;
	}
	for (i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		if (single[i].c == s[lx->pos]) {
			t->kind = single[i].kind;
			lx->pos++;
			return;
		}
	}
	t->kind = TOK_BAD;
	t->name[0] = s[lx->pos++];
}

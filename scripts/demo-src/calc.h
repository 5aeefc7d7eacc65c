/*
 * calc.h — a small infix calculator: lexer, Pratt parser, constant folder,
 * evaluator with variables and built-in functions. The dyndistcc demo
 * compiles it across the pool; `calc --self-test` checks the result.
 */
#ifndef CALC_H
#define CALC_H

#include <stddef.h>
#include <stdio.h>

/* arena.c — bump allocator; everything is freed at once. */
struct arena {
	struct arena_block	*head;
};
void	*arena_alloc(struct arena *, size_t);
void	 arena_free(struct arena *);

/* strbuf.c — growable NUL-terminated string. */
struct strbuf {
	char	*s;
	size_t	 len, cap;
};
void	 sb_init(struct strbuf *);
void	 sb_putc(struct strbuf *, char);
void	 sb_puts(struct strbuf *, const char *);
void	 sb_printf(struct strbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 sb_free(struct strbuf *);

/* error.c — the last error, with the column it refers to. */
void		 error_set(int, const char *, ...) __attribute__((format(printf, 2, 3)));
int		 error_column(void);
const char	*error_message(void);
void		 error_clear(void);
int		 error_pending(void);

/* lexer.c */
enum tok_kind {
	TOK_END, TOK_NUM, TOK_IDENT, TOK_PLUS, TOK_MINUS, TOK_STAR, TOK_SLASH,
	TOK_PERCENT, TOK_CARET, TOK_LPAREN, TOK_RPAREN, TOK_COMMA, TOK_ASSIGN,
	TOK_BAD
};
struct token {
	enum tok_kind	 kind;
	double		 num;
	char		 name[32];
	int		 col;		/* 1-based */
};
struct lexer {
	const char	*src;
	size_t		 pos;
	struct token	 cur;
};
void		 lex_init(struct lexer *, const char *);
void		 lex_next(struct lexer *);
const char	*tok_name(enum tok_kind);

/* ast.c */
enum node_kind { N_NUM, N_VAR, N_NEG, N_BIN, N_CALL, N_ASSIGN };
struct node {
	enum node_kind	 kind;
	int		 col;
	double		 num;		/* N_NUM */
	char		 name[32];	/* N_VAR, N_CALL, N_ASSIGN */
	char		 op;		/* N_BIN: + - * / % ^ */
	struct node	*a, *b;		/* operands; N_ASSIGN: a is the value */
	struct node	**args;		/* N_CALL */
	int		 nargs;
};
struct node	*node_num(struct arena *, double, int);
struct node	*node_var(struct arena *, const char *, int);
struct node	*node_neg(struct arena *, struct node *, int);
struct node	*node_bin(struct arena *, char, struct node *, struct node *, int);
struct node	*node_call(struct arena *, const char *, struct node **, int, int);
struct node	*node_assign(struct arena *, const char *, struct node *, int);
void		 node_print(const struct node *, struct strbuf *);

/* parser.c */
struct node	*parse_line(struct arena *, const char *);

/* fold.c — folds constant subtrees; never folds what would fail. */
struct node	*fold(struct arena *, struct node *);

/* hash.c */
unsigned	 hash_str(const char *);

/* env.c — variables. */
struct env;
struct env	*env_new(void);
int		 env_get(const struct env *, const char *, double *);
void		 env_set(struct env *, const char *, double);
size_t		 env_count(const struct env *);
void		 env_free(struct env *);

/* builtins.c — functions callable by name. */
int		 builtin_call(const char *, const double *, int, double *, int);
int		 builtin_exists(const char *);

/* eval.c */
int		 eval(const struct node *, struct env *, double *);

/* numfmt.c */
void		 num_format(double, struct strbuf *);

/* stats.c — running figures over the results of a session. */
struct stats {
	long	 n;
	double	 sum, min, max;
};
void		 stats_add(struct stats *, double);
void		 stats_print(const struct stats *, struct strbuf *);

/* repl.c — evaluates one line; fills out with the answer or the error. */
int		 calc_line(struct env *, const char *, struct strbuf *, double *);
int		 repl(FILE *, FILE *, int);

/* selftest.c */
int		 self_test(int verbose);

#endif

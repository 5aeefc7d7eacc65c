/*
 * buf.c — a growing byte string for building replies.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* Makes an empty buffer; nothing is allocated until the first add. */
void
buf_init(struct buf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
}

/* Frees the buffer's storage; accepts an initialized empty buffer. */
void
buf_free(struct buf *b)
{
	free(b->s);
	buf_init(b);
}

/* Makes room for more bytes (and the NUL) after the current ones. */
void
buf_reserve(struct buf *b, size_t more)
{
	size_t want = b->len + more + 1;

	if (want <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < want)
		b->cap *= 2;
	b->s = xrealloc(b->s, b->cap);
}

/* Appends n bytes. */
void
buf_add(struct buf *b, const char *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Appends a NUL-terminated string. */
void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Appends formatted text. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Appends s as a JSON string literal, quotes included. Bytes >= 0x80 are
 * copied (the server only stores valid UTF-8); control characters, quotes,
 * backslashes and '<' ,'>', '&' are escaped so no value can end a string or
 * look like markup when a page embeds the JSON. */
void
buf_json_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p, *run;
	char esc[6];

	buf_add(b, "\"", 1);
	for (p = run = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p != 0x7f && *p != '"' && *p != '\\' &&
		    *p != '<' && *p != '>' && *p != '&')
			continue;	/* copied with its run */
		buf_add(b, (const char *)run, (size_t)(p - run));
		run = p + 1;
		switch (*p) {
		case '"':  buf_add(b, "\\\"", 2); continue;
		case '\\': buf_add(b, "\\\\", 2); continue;
		case '\n': buf_add(b, "\\n", 2); continue;
		case '\t': buf_add(b, "\\t", 2); continue;
		case '\r': buf_add(b, "\\r", 2); continue;
		default: break;
		}
		memcpy(esc, "\\u00", 4);
		esc[4] = hex[*p >> 4];
		esc[5] = hex[*p & 15];
		buf_add(b, esc, 6);
	}
	buf_add(b, (const char *)run, (size_t)(p - run));
	buf_add(b, "\"", 1);
}

/* Hands the storage to the caller (who frees it) and empties the buffer. */
char *
buf_take(struct buf *b, size_t *lenp)
{
	char *s;

	if (b->s == NULL)
		buf_add(b, "", 0);
	s = b->s;
	if (lenp)
		*lenp = b->len;
	buf_init(b);
	return s;
}

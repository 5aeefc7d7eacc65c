/*
 * auth.c — join keys: generated from the kernel's random source, compared
 * in constant time.
 */

#include <errno.h>
#include <string.h>

#include "server.h"

/* Writes a new 128-bit key as 32 lowercase hex digits plus NUL to out. */
void
auth_new_key(char *out)
{
	char err[ERR_MAX];

	if (random_hex(out, WIRE_KEY_LEN / 2, err) == -1)
		fatal("%s", err);
}

/* True when the secret `want` equals the presented `got`. The time taken
 * depends only on the length of `got`, never on where they differ. */
int
auth_equal(const char *want, const char *got)
{
	size_t wl, gl, i;
	unsigned char d;

	if (want == NULL || got == NULL)
		return 0;
	wl = strlen(want);
	gl = strlen(got);
	d = (unsigned char)(wl != gl);
	for (i = 0; i < gl; i++)
		d |= (unsigned char)got[i] ^ (unsigned char)(wl ? want[i % wl] : 0);
	return d == 0;
}

/* The admin token: admin_token of server.conf when set; else the one kept
 * in the database, made (256 random bits, in hex) and stored there on the
 * first start. *made tells that it is new. The database must be open.
 * Returns a new string (the caller frees), or NULL with err set. */
char *
auth_admin_token(const struct server_config *c, int *made, char *err)
{
	char tok[ADMIN_TOKEN_LEN + 1], *t;

	*made = 0;
	if (c->admin_token != NULL)
		return xstrdup(c->admin_token);
	if ((t = db_setting_get("admin_token", err)) != NULL)
		return t;
	if (err[0] != '\0')
		return NULL;
	if (random_hex(tok, ADMIN_TOKEN_LEN / 2, err) == -1 ||
	    db_setting_put("admin_token", tok, err) == -1)
		return NULL;
	*made = 1;
	return xstrdup(tok);
}

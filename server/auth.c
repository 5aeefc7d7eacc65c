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

/*
 * auth.c — join keys: generated from the kernel's random source, compared
 * in constant time.
 */
#include <sys/random.h>

#include <errno.h>
#include <string.h>

#include "server.h"

/* Writes a new 128-bit key as 32 lowercase hex digits plus NUL to out. */
void
auth_new_key(char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[KEY_HEX_LEN / 2];
	size_t got = 0;
	ssize_t n;
	int i;

	while (got < sizeof(raw)) {
		n = getrandom(raw + got, sizeof(raw) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("getrandom: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	for (i = 0; i < (int)sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[KEY_HEX_LEN] = '\0';
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

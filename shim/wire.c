/*
 * wire.c — the shapes both sides of the wire check (wire.h). The server
 * validates what clients send with these; the clients validate what the
 * server (or a cache file, or a man in the middle) hands them with the same
 * functions, so the two can never disagree about what is valid.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "wire.h"

/* Project names: 1..WIRE_NAME_MAX of [A-Za-z0-9._-], but not "." or "..",
 * which URLs and browsers normalise away. */
int
wire_name_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '.' &&
		    s[n] != '_' && s[n] != '-')
			return 0;
	return n >= 1 && n <= WIRE_NAME_MAX && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0;
}

/* Node ids: exactly WIRE_NODE_ID_LEN hex digits in either case. Writes the
 * canonical (lowercase) form to out (WIRE_NODE_ID_LEN + 1 bytes) when out is
 * not NULL. 0, or -1 when s is not a node id. */
int
wire_node_id(const char *s, char *out)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= WIRE_NODE_ID_LEN || !isxdigit((unsigned char)s[n]))
			return -1;
	if (n != WIRE_NODE_ID_LEN)
		return -1;
	if (out != NULL) {
		for (n = 0; n < WIRE_NODE_ID_LEN; n++)
			out[n] = (char)tolower((unsigned char)s[n]);
		out[n] = '\0';
	}
	return 0;
}

/* Compiler names (masquerade names such as gcc, g++, arm-none-eabi-gcc):
 * 1..WIRE_TEXT_MAX of [A-Za-z0-9._+-]. */
int
wire_compiler_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= WIRE_TEXT_MAX || (!isalnum((unsigned char)s[n]) &&
		    strchr("._+-", s[n]) == NULL))
			return 0;
	return n >= 1;
}

/* Compiler fingerprints: exactly WIRE_FP_LEN of [0-9a-f] (lowercase only:
 * one fingerprint has one spelling, so equal means equal). */
int
wire_fp_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= WIRE_FP_LEN || !((s[n] >= '0' && s[n] <= '9') ||
		    (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n == WIRE_FP_LEN;
}

/* Free text (hostname, owner, version, compilers): valid UTF-8 without
 * control characters, at most max bytes. */
int
wire_text_valid(const char *s, size_t max)
{
	static const unsigned int min[4] = { 0, 0x80, 0x800, 0x10000 };
	const unsigned char *p = (const unsigned char *)s;
	unsigned int c;
	int more, n;

	if (strlen(s) > max)
		return 0;
	while (*p) {
		c = *p++;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1; c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2; c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3; c &= 0x07;
		} else
			return 0;
		for (more = n; more > 0; more--) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (*p++ & 0x3f);
		}
		/* overlong, surrogates, beyond Unicode, C1 controls */
		if (c < min[n] || (c >= 0xd800 && c <= 0xdfff) ||
		    c > 0x10ffff || c <= 0x9f)
			return 0;
	}
	return 1;
}

/* Parses an IPv4 or IPv6 address and writes its canonical text to out
 * (WIRE_ADDR_MAX bytes); IPv4-mapped IPv6 becomes plain IPv4. 0, or -1. */
int
wire_addr_canonical(const char *s, char *out)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strlen(s) >= WIRE_ADDR_MAX)
		return -1;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		inet_ntop(AF_INET, &a4, out, WIRE_ADDR_MAX);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], 4);
		inet_ntop(AF_INET, &a4, out, WIRE_ADDR_MAX);
	} else
		inet_ntop(AF_INET6, &a6, out, WIRE_ADDR_MAX);
	return 0;
}

/* True for 127.0.0.0/8 and ::1 (canonical text, see wire_addr_canonical). */
int
wire_addr_is_loopback(const char *a)
{
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0;
}

/* Addresses a node may stand for: unicast, not unspecified. */
static int
addr_usable(const char *a)
{
	struct in6_addr a6;
	struct in_addr a4;
	uint32_t h;

	if (inet_pton(AF_INET, a, &a4) == 1) {
		h = ntohl(a4.s_addr);
		return h != 0 && (h >> 28) != 0xe && h != 0xffffffffu;
	}
	if (inet_pton(AF_INET6, a, &a6) != 1)
		return 0;
	return !IN6_IS_ADDR_UNSPECIFIED(&a6) && !IN6_IS_ADDR_MULTICAST(&a6);
}

/* Parses "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address
 * (a member address, an advertised address). Writes the canonical unicast
 * address to out (WIRE_ADDR_MAX bytes) and the port to *port (0 when none
 * was given). 0, or -1 when it is not one. */
int
wire_addr_port(const char *s, char *out, int *port)
{
	char host[WIRE_ADDR_MAX + 2];
	const char *p, *colon;
	long v;
	size_t n;

	*port = 0;
	if (s[0] == '[') {
		if ((p = strchr(s, ']')) == NULL)
			return -1;
		n = (size_t)(p - s - 1);
		colon = p[1] == ':' ? p + 1 : NULL;
		if (p[1] != '\0' && colon == NULL)
			return -1;
		s++;
	} else {
		colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;		/* bare IPv6 */
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (wire_addr_canonical(host, out) == -1 || !addr_usable(out))
		return -1;
	if (colon != NULL) {
		if (str_to_long(colon + 1, WIRE_PORT_MIN, WIRE_PORT_MAX, &v) == -1)
			return -1;
		*port = (int)v;
	}
	return 0;
}

/* Is c allowed in a distcc hosts line? [A-Za-z0-9.:/_[]-] and space. */
static int
hosts_char(int c)
{
	return isalnum(c) || (c != '\0' && strchr(".:/_[]- ", c) != NULL);
}

/* Parses the digits at *p (up to the next ':', '/' or end of token) as a
 * number in 1..max and moves *p past them; -1 when there is none. */
static long
token_number(const char **p, const char *end, long max)
{
	long v = 0;

	if (*p == end || !isdigit((unsigned char)**p))
		return -1;
	for (; *p < end && isdigit((unsigned char)**p); (*p)++)
		if ((v = v * 10 + (**p - '0')) > max)
			return -1;
	return v >= 1 ? v : -1;
}

/* The slots one distcc host token offers, as distcc -j counts them:
 * localhost[/N] (default 2), HOST[:PORT][/N] or HOST/N:PORT (default 4),
 * HOST a name, an IPv4 address or [IPv6]. -1 for anything else. */
static long
token_slots(const char *p, const char *end)
{
	const char *host = p;
	long slots = -1, port = -1;

	/* "--randomize" and its kind are options to distcc, not hosts */
	if (!isalnum((unsigned char)*p) && *p != '[')
		return -1;
	if (*p == '[') {
		while (++p < end && *p != ']')
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return -1;
		if (p == end || p == host + 1)
			return -1;
		p++;
	} else {
		while (p < end && (isalnum((unsigned char)*p) || strchr("._-", *p)))
			p++;
		if (p == host)
			return -1;
	}
	if (p == end && (size_t)(p - host) == 9 && strncmp(host, "localhost", 9) == 0)
		return 2;
	while (p < end) {
		if (*p == ':' && port == -1) {
			p++;
			if ((port = token_number(&p, end, WIRE_PORT_MAX)) == -1)
				return -1;
		} else if (*p == '/' && slots == -1) {
			p++;
			if ((slots = token_number(&p, end, WIRE_CORES_MAX)) == -1)
				return -1;
		} else
			return -1;
	}
	return slots != -1 ? slots : 4;
}

/* The pool size of a distcc hosts line: the sum of every host's slots, the
 * number `distcc -j` prints for it. -1 when any token is not a host we
 * accept, or the sum exceeds WIRE_POOL_MAX (see wire_hosts_valid). */
long
wire_hosts_threads(const char *hosts)
{
	const char *p = hosts, *end;
	long sum = 0, n;

	for (;;) {
		p += strspn(p, " ");
		if (*p == '\0')
			return sum;
		end = p + strcspn(p, " ");
		if ((n = token_slots(p, end)) == -1 || (sum += n) > WIRE_POOL_MAX)
			return -1;
		p = end;
	}
}

/* Is s a distcc hosts line that may reach distcc: 1..WIRE_HOSTS_MAX bytes of
 * safe characters, at least one host, every word a plain host of at most
 * WIRE_CORES_MAX slots, WIRE_POOL_MAX in all? Nothing else (an option, a
 * comment, an ssh host, a pool that would make `make -j` fork without
 * bound) ever does. */
int
wire_hosts_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= WIRE_HOSTS_MAX || !hosts_char((unsigned char)s[n]))
			return 0;
	return wire_hosts_threads(s) > 0;
}

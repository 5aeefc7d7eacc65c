/*
 * validate.c — the edge: every value a client sends is checked here before
 * anything else looks at it. Messages say what was wrong, for the client.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "server.h"

/* Project names: [A-Za-z0-9._-]{1,64}. */
int
valid_name(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '.' &&
		    s[n] != '_' && s[n] != '-')
			return 0;
	return n >= 1 && n <= NAME_MAX_LEN;
}

/* Node ids: exactly 32 hex digits. */
int
valid_node_id(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return 0;
	return n == NODE_ID_LEN;
}

/* Free text (hostname, owner, version, compilers): valid UTF-8 without
 * control characters, at most max bytes. */
int
valid_text(const char *s, size_t max)
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
 * (ADDR_MAX_LEN bytes); IPv4-mapped IPv6 becomes plain IPv4. */
int
addr_canonical(const char *s, char *out)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (strlen(s) >= ADDR_MAX_LEN)
		return -1;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		inet_ntop(AF_INET, &a4, out, ADDR_MAX_LEN);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], 4);
		inet_ntop(AF_INET, &a4, out, ADDR_MAX_LEN);
	} else
		inet_ntop(AF_INET6, &a6, out, ADDR_MAX_LEN);
	return 0;
}

/* True for 127.0.0.0/8 and ::1 (canonical text, see addr_canonical). */
int
addr_is_loopback(const char *a)
{
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0;
}

/* Addresses a node may advertise: unicast, not unspecified. */
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

/* Parses an advertised address: "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT".
 * Writes the canonical address and the port (0 when none was given). */
int
valid_addr(const char *s, char *out, int *port)
{
	char host[ADDR_MAX_LEN + 2];
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
	if (addr_canonical(host, out) == -1 || !addr_usable(out))
		return -1;
	if (colon != NULL) {
		if (str_to_long(colon + 1, 1, 65535, &v) == -1)
			return -1;
		*port = (int)v;
	}
	return 0;
}

/* Reads an integral JSON number in [min, max]. */
static int
json_int(const cJSON *it, long min, long max, int *out)
{
	double d;

	if (!cJSON_IsNumber(it))
		return -1;
	d = it->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max)
		return -1;
	*out = (int)d;
	return 0;
}

/* Copies an optional JSON text field ("" when absent or null). */
static int
json_text(const cJSON *obj, const char *key, char *out, size_t max,
    int required, char *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	out[0] = '\0';
	if (it == NULL || cJSON_IsNull(it)) {
		if (required) {
			seterr(err, "%s is required", key);
			return -1;
		}
		return 0;
	}
	if (!cJSON_IsString(it) || !valid_text(it->valuestring, max) ||
	    (required && it->valuestring[0] == '\0')) {
		seterr(err, "%s must be a string of at most %zu printable "
		    "characters", key, max);
		return -1;
	}
	memcpy(out, it->valuestring, strlen(it->valuestring) + 1);
	return 0;
}

static int
parse_name(const cJSON *obj, char *out, char *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, "project");

	if (!cJSON_IsString(it) || !valid_name(it->valuestring)) {
		seterr(err, "project must be 1..64 characters of A-Z a-z 0-9 . _ -");
		return -1;
	}
	memcpy(out, it->valuestring, strlen(it->valuestring) + 1);
	return 0;
}

static int
parse_node(const cJSON *obj, char *out, char *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, "node");
	size_t i;

	if (!cJSON_IsString(it) || !valid_node_id(it->valuestring)) {
		seterr(err, "node must be 32 hex digits");
		return -1;
	}
	for (i = 0; i <= NODE_ID_LEN; i++)
		out[i] = (char)tolower((unsigned char)it->valuestring[i]);
	return 0;
}

static int
parse_compilers(const cJSON *obj, struct checkin *c, char *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "compilers");
	const cJSON *it;
	struct compiler *k;

	c->ncompilers = 0;
	if (arr == NULL || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > MAX_COMPILERS) {
		seterr(err, "compilers must be an array of at most %d objects",
		    MAX_COMPILERS);
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		k = &c->compilers[c->ncompilers];
		if (!cJSON_IsObject(it)) {
			seterr(err, "compilers[%d] must be an object", c->ncompilers);
			return -1;
		}
		if (json_text(it, "name", k->name, TEXT_MAX_LEN, 1, err) == -1 ||
		    json_text(it, "version", k->version, TEXT_MAX_LEN, 0, err) == -1 ||
		    json_text(it, "target", k->target, TEXT_MAX_LEN, 0, err) == -1) {
			char e[ERR_MAX];

			snprintf(e, sizeof(e), "compilers[%d].%s", c->ncompilers, err);
			str_copy(err, e, ERR_MAX);
			return -1;
		}
		c->ncompilers++;
	}
	return 0;
}

static int
parse_load(const cJSON *obj, struct checkin *c, char *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "load");
	const cJSON *it;
	int i = 0;

	c->load[0] = c->load[1] = c->load[2] = 0;
	if (arr == NULL || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
	    cJSON_GetArraySize(arr) > 3)
		goto bad;
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) ||
		    it->valuedouble < 0 || it->valuedouble > 1e6)
			goto bad;
		c->load[i++] = it->valuedouble;
	}
	return 0;
bad:
	seterr(err, "load must be an array of 1..3 finite numbers >= 0");
	return -1;
}

static cJSON *
parse_object(const char *body, size_t len, char *err)
{
	cJSON *obj;

	if (body == NULL || len == 0) {
		seterr(err, "a JSON body is required");
		return NULL;
	}
	if (len > BODY_MAX) {
		seterr(err, "body larger than %d bytes", BODY_MAX);
		return NULL;
	}
	obj = cJSON_ParseWithLength(body, len);
	if (obj == NULL) {
		seterr(err, "body is not valid JSON");
		return NULL;
	}
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		seterr(err, "body must be a JSON object");
		return NULL;
	}
	return obj;
}

/* Parses and validates a check-in body (DESIGN.md). Returns 0, or -1 with
 * err saying which field was wrong. */
int
checkin_parse(const char *body, size_t len, struct checkin *c, char *err)
{
	const cJSON *it;
	cJSON *obj;
	int port = 0, rc = -1;

	memset(c, 0, sizeof(*c));
	if ((obj = parse_object(body, len, err)) == NULL)
		return -1;
	if (parse_name(obj, c->project, err) == -1 ||
	    parse_node(obj, c->node, err) == -1)
		goto out;
	if (json_int(cJSON_GetObjectItemCaseSensitive(obj, "cores"), 1, 4096,
	    &c->cores) == -1) {
		seterr(err, "cores must be an integer 1..4096");
		goto out;
	}
	c->nice = 0;
	it = cJSON_GetObjectItemCaseSensitive(obj, "nice");
	if (it != NULL && !cJSON_IsNull(it) &&
	    json_int(it, -20, 19, &c->nice) == -1) {
		seterr(err, "nice must be an integer -20..19");
		goto out;
	}
	c->port = DISTCC_PORT;
	it = cJSON_GetObjectItemCaseSensitive(obj, "port");
	if (it != NULL && !cJSON_IsNull(it) &&
	    json_int(it, 1, 65535, &c->port) == -1) {
		seterr(err, "port must be an integer 1..65535");
		goto out;
	}
	if (parse_load(obj, c, err) == -1 ||
	    json_text(obj, "hostname", c->hostname, TEXT_MAX_LEN, 0, err) == -1 ||
	    json_text(obj, "owner", c->owner, TEXT_MAX_LEN, 0, err) == -1 ||
	    json_text(obj, "version", c->version, TEXT_MAX_LEN, 0, err) == -1 ||
	    parse_compilers(obj, c, err) == -1)
		goto out;
	it = cJSON_GetObjectItemCaseSensitive(obj, "addr");
	if (it != NULL && !cJSON_IsNull(it)) {
		if (!cJSON_IsString(it) ||
		    valid_addr(it->valuestring, c->addr, &port) == -1) {
			seterr(err, "addr must be null, \"ADDR\" or \"ADDR:PORT\" "
			    "with a unicast IP address");
			goto out;
		}
		if (port != 0)
			c->port = port;
	}
	rc = 0;
out:
	cJSON_Delete(obj);
	return rc;
}

/* Parses {"project","node"} of a check-out into project and node
 * (NAME_MAX_LEN + 1 and NODE_ID_LEN + 1 bytes). */
int
checkout_parse(const char *body, size_t len, char *project, char *node,
    char *err)
{
	cJSON *obj;
	int rc = -1;

	if ((obj = parse_object(body, len, err)) == NULL)
		return -1;
	if (parse_name(obj, project, err) == 0 && parse_node(obj, node, err) == 0)
		rc = 0;
	cJSON_Delete(obj);
	return rc;
}

/* Parses {"name":"fw"} or {"name":"fw","key":false} of a project creation;
 * *keyed is 0 only for an explicit "key": false. */
int
project_parse(const char *body, size_t len, char *name, int *keyed, char *err)
{
	const cJSON *it;
	cJSON *obj;
	int rc = -1;

	if ((obj = parse_object(body, len, err)) == NULL)
		return -1;
	it = cJSON_GetObjectItemCaseSensitive(obj, "name");
	if (!cJSON_IsString(it) || !valid_name(it->valuestring)) {
		seterr(err, "name must be 1..64 characters of A-Z a-z 0-9 . _ -");
		goto out;
	}
	memcpy(name, it->valuestring, strlen(it->valuestring) + 1);
	*keyed = 1;
	it = cJSON_GetObjectItemCaseSensitive(obj, "key");
	if (it != NULL && !cJSON_IsNull(it)) {
		if (!cJSON_IsBool(it)) {
			seterr(err, "key must be true or false");
			goto out;
		}
		*keyed = cJSON_IsTrue(it);
	}
	rc = 0;
out:
	cJSON_Delete(obj);
	return rc;
}

/* The validated compilers as a compact JSON array; the caller frees it. */
char *
compilers_json(const struct checkin *c)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_puts(&b, "[");
	for (i = 0; i < c->ncompilers; i++) {
		buf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
		buf_json_str(&b, c->compilers[i].name);
		buf_puts(&b, ",\"version\":");
		buf_json_str(&b, c->compilers[i].version);
		buf_puts(&b, ",\"target\":");
		buf_json_str(&b, c->compilers[i].target);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "]");
	return buf_take(&b, NULL);
}

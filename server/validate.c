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
	if (!cJSON_IsString(it) || !wire_text_valid(it->valuestring, max) ||
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

	if (!cJSON_IsString(it) || !wire_name_valid(it->valuestring)) {
		seterr(err, "project must be " WIRE_NAME_RULE);
		return -1;
	}
	memcpy(out, it->valuestring, strlen(it->valuestring) + 1);
	return 0;
}

static int
parse_node(const cJSON *obj, char *out, char *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, "node");

	if (!cJSON_IsString(it) || wire_node_id(it->valuestring, out) == -1) {
		seterr(err, "node must be " WIRE_NODE_ID_RULE);
		return -1;
	}
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
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > WIRE_COMPILERS_MAX) {
		seterr(err, "compilers must be an array of at most %d objects",
		    WIRE_COMPILERS_MAX);
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		k = &c->compilers[c->ncompilers];
		if (!cJSON_IsObject(it)) {
			seterr(err, "compilers[%d] must be an object", c->ncompilers);
			return -1;
		}
		if (json_text(it, "name", k->name, WIRE_TEXT_MAX, 1, err) == -1 ||
		    json_text(it, "version", k->version, WIRE_TEXT_MAX, 0, err) == -1 ||
		    json_text(it, "target", k->target, WIRE_TEXT_MAX, 0, err) == -1) {
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
	if (len > WIRE_BODY_MAX) {
		seterr(err, "body larger than %d bytes", WIRE_BODY_MAX);
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

/* Parses and validates a check-in body (README.md, "API"). Returns 0, or -1 with
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
	if (json_int(cJSON_GetObjectItemCaseSensitive(obj, "cores"),
	    WIRE_CORES_MIN, WIRE_CORES_MAX, &c->cores) == -1) {
		seterr(err, "cores must be an integer %d..%d", WIRE_CORES_MIN,
		    WIRE_CORES_MAX);
		goto out;
	}
	c->nice = 0;
	it = cJSON_GetObjectItemCaseSensitive(obj, "nice");
	if (it != NULL && !cJSON_IsNull(it) &&
	    json_int(it, WIRE_NICE_MIN, WIRE_NICE_MAX, &c->nice) == -1) {
		seterr(err, "nice must be an integer %d..%d", WIRE_NICE_MIN,
		    WIRE_NICE_MAX);
		goto out;
	}
	c->port = WIRE_DISTCC_PORT;
	it = cJSON_GetObjectItemCaseSensitive(obj, "port");
	if (it != NULL && !cJSON_IsNull(it) &&
	    json_int(it, WIRE_PORT_MIN, WIRE_PORT_MAX, &c->port) == -1) {
		seterr(err, "port must be an integer %d..%d", WIRE_PORT_MIN,
		    WIRE_PORT_MAX);
		goto out;
	}
	if (parse_load(obj, c, err) == -1 ||
	    json_text(obj, "hostname", c->hostname, WIRE_TEXT_MAX, 0, err) == -1 ||
	    json_text(obj, "owner", c->owner, WIRE_TEXT_MAX, 0, err) == -1 ||
	    json_text(obj, "version", c->version, WIRE_TEXT_MAX, 0, err) == -1 ||
	    parse_compilers(obj, c, err) == -1)
		goto out;
	it = cJSON_GetObjectItemCaseSensitive(obj, "addr");
	if (it != NULL && !cJSON_IsNull(it)) {
		if (!cJSON_IsString(it) ||
		    wire_addr_port(it->valuestring, c->addr, &port) == -1) {
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
 * (WIRE_NAME_MAX + 1 and WIRE_NODE_ID_LEN + 1 bytes). */
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
	if (!cJSON_IsString(it) || !wire_name_valid(it->valuestring)) {
		seterr(err, "name must be " WIRE_NAME_RULE);
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

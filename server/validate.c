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
	const cJSON *it, *name, *fp;
	struct compiler *k;
	char e[ERR_MAX];
	int i;

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
		name = cJSON_GetObjectItemCaseSensitive(it, "name");
		if (!cJSON_IsString(name) || !wire_compiler_valid(name->valuestring)) {
			seterr(err, "compilers[%d].name must be " WIRE_COMPILER_RULE,
			    c->ncompilers);
			return -1;
		}
		memcpy(k->name, name->valuestring, strlen(name->valuestring) + 1);
		for (i = 0; i < c->ncompilers; i++)
			if (strcmp(c->compilers[i].name, k->name) == 0) {
				seterr(err, "compilers[%d].name: '%s' is listed twice",
				    c->ncompilers, k->name);
				return -1;
			}
		if (json_text(it, "version", k->version, WIRE_TEXT_MAX, 0, e) == -1 ||
		    json_text(it, "target", k->target, WIRE_TEXT_MAX, 0, e) == -1) {
			seterr(err, "compilers[%d].%s", c->ncompilers, e);
			return -1;
		}
		k->fp[0] = '\0';
		fp = cJSON_GetObjectItemCaseSensitive(it, "fp");
		if (fp != NULL && !cJSON_IsNull(fp)) {
			if (!cJSON_IsString(fp) || !wire_fp_valid(fp->valuestring)) {
				seterr(err, "compilers[%d].fp must be %d characters "
				    "of 0-9 a-f", c->ncompilers, WIRE_FP_LEN);
				return -1;
			}
			memcpy(k->fp, fp->valuestring, WIRE_FP_LEN + 1);
		}
		c->ncompilers++;
	}
	return 0;
}

/* "key": one of two words; *out = 1 for the second. Absent or null: 0. */
static int
json_choice(const cJSON *obj, const char *key, const char *w0,
    const char *w1, int *out, char *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = 0;
	if (it == NULL || cJSON_IsNull(it))
		return 0;
	if (cJSON_IsString(it) && strcmp(it->valuestring, w0) == 0)
		return 0;
	if (cJSON_IsString(it) && strcmp(it->valuestring, w1) == 0) {
		*out = 1;
		return 0;
	}
	seterr(err, "%s must be \"%s\" or \"%s\"", key, w0, w1);
	return -1;
}

/* "health": {"ok": bool, "reason": text}; absent or null is healthy. */
static int
parse_health(const cJSON *obj, struct checkin *c, char *err)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(obj, "health");
	const cJSON *ok;
	char e[ERR_MAX];

	c->healthy = 1;
	c->reason[0] = '\0';
	if (h == NULL || cJSON_IsNull(h))
		return 0;
	ok = cJSON_GetObjectItemCaseSensitive(h, "ok");
	if (!cJSON_IsObject(h) || !cJSON_IsBool(ok)) {
		seterr(err, "health must be an object with \"ok\": true or false");
		return -1;
	}
	c->healthy = cJSON_IsTrue(ok);
	if (json_text(h, "reason", c->reason, WIRE_REASON_MAX, 0, e) == -1) {
		seterr(err, "health.reason must be a string of at most %d "
		    "printable bytes", WIRE_REASON_MAX);
		return -1;
	}
	return 0;
}

/* "jobs": {"running", "served", "senders": [{"addr", "running"}]}. */
static int
parse_jobs(const cJSON *obj, struct checkin *c, char *err)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, "jobs");
	const cJSON *it, *arr, *a;
	struct sender *s;
	double d;

	c->has_jobs = 0;
	c->running = c->nsenders = 0;
	c->served = 0;
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsObject(j)) {
		seterr(err, "jobs must be an object");
		return -1;
	}
	c->has_jobs = 1;
	it = cJSON_GetObjectItemCaseSensitive(j, "running");
	if (it != NULL && !cJSON_IsNull(it) &&
	    json_int(it, 0, WIRE_JOBS_MAX, &c->running) == -1) {
		seterr(err, "jobs.running must be an integer 0..%d", WIRE_JOBS_MAX);
		return -1;
	}
	it = cJSON_GetObjectItemCaseSensitive(j, "served");
	if (it != NULL && !cJSON_IsNull(it)) {
		d = cJSON_IsNumber(it) ? it->valuedouble : -1;
		if (!isfinite(d) || d != floor(d) || d < 0 || d > WIRE_SERVED_MAX) {
			seterr(err, "jobs.served must be an integer 0..2^53");
			return -1;
		}
		c->served = d;
	}
	arr = cJSON_GetObjectItemCaseSensitive(j, "senders");
	if (arr == NULL || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > WIRE_SENDERS_MAX) {
		seterr(err, "jobs.senders must be an array of at most %d objects",
		    WIRE_SENDERS_MAX);
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		s = &c->senders[c->nsenders];
		a = cJSON_GetObjectItemCaseSensitive(it, "addr");
		if (!cJSON_IsObject(it) || !cJSON_IsString(a) ||
		    wire_addr_canonical(a->valuestring, s->addr) == -1) {
			seterr(err, "jobs.senders[%d].addr must be an IP address",
			    c->nsenders);
			return -1;
		}
		if (json_int(cJSON_GetObjectItemCaseSensitive(it, "running"), 1,
		    WIRE_JOBS_MAX, &s->running) == -1) {
			seterr(err, "jobs.senders[%d].running must be an integer "
			    "1..%d", c->nsenders, WIRE_JOBS_MAX);
			return -1;
		}
		c->nsenders++;
	}
	return 0;
}

/* An optional 32-hex-digit "secret", lowercased into out. */
static int
parse_secret(const cJSON *obj, char *out, char *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, "secret");

	out[0] = '\0';
	if (it == NULL || cJSON_IsNull(it))
		return 0;
	/* a secret has the shape of a node id: 32 hex digits */
	if (!cJSON_IsString(it) || wire_node_id(it->valuestring, out) == -1) {
		seterr(err, "secret must be %d hex digits", WIRE_SECRET_LEN);
		return -1;
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
	long lport;

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
	    parse_secret(obj, c->secret, err) == -1 ||
	    json_text(obj, "hostname", c->hostname, WIRE_TEXT_MAX, 0, err) == -1 ||
	    json_text(obj, "owner", c->owner, WIRE_TEXT_MAX, 0, err) == -1 ||
	    json_text(obj, "version", c->version, WIRE_TEXT_MAX, 0, err) == -1 ||
	    parse_compilers(obj, c, err) == -1 ||
	    json_choice(obj, "sched", "nice", "idle", &c->sched_idle, err) == -1 ||
	    json_choice(obj, "admission", "allow", "live", &c->live, err) == -1 ||
	    parse_health(obj, c, err) == -1 || parse_jobs(obj, c, err) == -1)
		goto out;
	c->slots = c->cores;
	it = cJSON_GetObjectItemCaseSensitive(obj, "slots");
	if (it != NULL && !cJSON_IsNull(it) &&
	    json_int(it, 0, c->cores, &c->slots) == -1) {
		seterr(err, "slots must be an integer 0..cores (%d)", c->cores);
		goto out;
	}
	it = cJSON_GetObjectItemCaseSensitive(obj, "addr");
	if (it != NULL && !cJSON_IsNull(it)) {
		/* ":PORT" keeps the connection's address */
		if (cJSON_IsString(it) && it->valuestring[0] == ':' &&
		    str_to_long(it->valuestring + 1, WIRE_PORT_MIN,
		    WIRE_PORT_MAX, &lport) == 0)
			port = (int)lport;
		else if (!cJSON_IsString(it) ||
		    wire_addr_port(it->valuestring, c->addr, &port) == -1) {
			seterr(err, "addr must be null, \"ADDR\", \"ADDR:PORT\" "
			    "or \":PORT\" with a unicast IP address");
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

/* Parses {"project","node"[,"secret"]} of a check-out into project, node
 * and secret (WIRE_NAME_MAX + 1, WIRE_NODE_ID_LEN + 1 and WIRE_SECRET_LEN
 * + 1 bytes; secret "" when none was sent). */
int
checkout_parse(const char *body, size_t len, char *project, char *node,
    char *secret, char *err)
{
	cJSON *obj;
	int rc = -1;

	if ((obj = parse_object(body, len, err)) == NULL)
		return -1;
	if (parse_name(obj, project, err) == 0 && parse_node(obj, node, err) == 0 &&
	    parse_secret(obj, secret, err) == 0)
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

/* Parses {"advertise": bool} of PATCH /api/v1/projects/{name}. */
int
project_patch_parse(const char *body, size_t len, int *advertise, char *err)
{
	const cJSON *it;
	cJSON *obj;
	int rc = -1;

	if ((obj = parse_object(body, len, err)) == NULL)
		return -1;
	it = cJSON_GetObjectItemCaseSensitive(obj, "advertise");
	if (!cJSON_IsBool(it))
		seterr(err, "advertise must be true or false");
	else {
		*advertise = cJSON_IsTrue(it);
		rc = 0;
	}
	cJSON_Delete(obj);
	return rc;
}

/* Parses "fp1,fp2,..." (a ?fp= query) into out, at most max distinct
 * fingerprints. Returns how many, or -1 with err. */
int
fp_list_parse(const char *s, char (*out)[WIRE_FP_LEN + 1], int max, char *err)
{
	char fp[WIRE_FP_LEN + 1];
	const char *comma;
	size_t n;
	int k = 0, i;

	for (;;) {
		comma = strchr(s, ',');
		n = comma ? (size_t)(comma - s) : strlen(s);
		if (n != WIRE_FP_LEN)
			goto bad;
		memcpy(fp, s, n);
		fp[n] = '\0';
		if (!wire_fp_valid(fp))
			goto bad;
		for (i = 0; i < k && strcmp(out[i], fp) != 0; i++)
			;
		if (i == k) {
			if (k == max) {
				seterr(err, "fp: at most %d fingerprints", max);
				return -1;
			}
			memcpy(out[k++], fp, sizeof(fp));
		}
		if (comma == NULL)
			return k;
		s = comma + 1;
	}
bad:
	seterr(err, "fp must be a comma-separated list of fingerprints of %d "
	    "characters of 0-9 a-f", WIRE_FP_LEN);
	return -1;
}

/* The validated compilers as a compact JSON array (with "fp" when the node
 * sent one); the caller frees it. */
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
		if (c->compilers[i].fp[0] != '\0')
			buf_printf(&b, ",\"fp\":\"%s\"", c->compilers[i].fp);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "]");
	return buf_take(&b, NULL);
}

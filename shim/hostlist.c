/*
 * hostlist.c — parses and validates the server's host-list reply. The server
 * builds distcc_hosts from validated numbers and addresses; the client checks
 * again, so even a compromised server cannot hand distcc an option, a
 * comment, an ssh host or an empty list.
 *
 * libcjson is loaded on first use (lazylib.c): dcc parses JSON only when it
 * refreshes its list, and must not map the library at every compile. Only
 * the parser and the destructor come from the library; walking the tree
 * uses cJSON's public struct.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "client.h"

#define LIBCJSON_SONAME	"libcjson.so.1"

static struct {
	cJSON	*(*parse)(const char *, size_t);
	void	 (*delete)(cJSON *);
} json;

static const struct lazylib_sym json_syms[] = {
	{ "cJSON_ParseWithLength", (void **)&json.parse },
	{ "cJSON_Delete", (void **)&json.delete },
};

static pthread_once_t json_once = PTHREAD_ONCE_INIT;
static char json_init_err[ERR_MAX];	/* empty when libcjson is ready */

static void
json_init(void)
{
	lazylib_load(LIBCJSON_SONAME, json_syms, NELEM(json_syms), json_init_err);
}

/* Parses text into a tree (free with json.delete); NULL with err. */
static cJSON *
json_parse(const char *text, size_t len, char *err)
{
	cJSON *root;

	pthread_once(&json_once, json_init);
	if (json_init_err[0] != '\0') {
		seterr(err, "%s", json_init_err);
		return NULL;
	}
	if ((root = json.parse(text, len)) == NULL)
		seterr(err, "host list: not valid JSON");
	return root;
}

/* The member name of object obj, or NULL. */
static const cJSON *
json_get(const cJSON *obj, const char *name)
{
	const cJSON *c;

	for (c = obj->child; c != NULL; c = c->next)
		if (c->string != NULL && strcmp(c->string, name) == 0)
			return c;
	return NULL;
}

/* Is item (may be NULL) of cJSON type t (cJSON_Number, cJSON_String, …)? */
static int
json_is(const cJSON *item, int t)
{
	return item != NULL && (item->type & 0xFF) == t;
}

#define MEMBERS_MAX	100000
#define ADDR_MAX	64

/* Is s a member address: 1..ADDR_MAX of [A-Za-z0-9.:[]-] (IPv4, IPv6)? */
static int
addr_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && strchr(".:[]-", s[n]) == NULL)
			return 0;
	return n >= 1 && n <= ADDR_MAX;
}

static int
get_int(const cJSON *obj, const char *name, long min, long max, int *out,
    char *err)
{
	const cJSON *v = json_get(obj, name);
	double d;

	if (!json_is(v, cJSON_Number)) {
		seterr(err, "host list: '%s' missing or not a number", name);
		return -1;
	}
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max) {
		seterr(err, "host list: '%s' not an integer in %ld..%ld", name,
		    min, max);
		return -1;
	}
	*out = (int)d;
	return 0;
}

static const char *
get_str(const cJSON *obj, const char *name, char *err)
{
	const cJSON *v = json_get(obj, name);

	if (!json_is(v, cJSON_String) || v->valuestring == NULL) {
		seterr(err, "host list: '%s' missing or not a string", name);
		return NULL;
	}
	return v->valuestring;
}

static int
get_members(const cJSON *obj, struct hostlist *hl, char *err)
{
	const cJSON *arr = json_get(obj, "members");
	const cJSON *m;
	size_t n = 0;

	if (arr == NULL || json_is(arr, cJSON_NULL))
		return 0;
	if (!json_is(arr, cJSON_Array)) {
		seterr(err, "host list: 'members' is not an array");
		return -1;
	}
	for (m = arr->child; m != NULL; m = m->next)
		if (++n > MEMBERS_MAX) {
			seterr(err, "host list: more than %d members", MEMBERS_MAX);
			return -1;
		}
	hl->members = xcalloc(n + 1, sizeof(char *));
	for (m = arr->child; m != NULL; m = m->next) {
		if (!json_is(m, cJSON_String) || !addr_valid(m->valuestring)) {
			seterr(err, "host list: member %zu is not an address",
			    hl->nmembers);
			return -1;
		}
		hl->members[hl->nmembers++] = xstrdup(m->valuestring);
	}
	return 0;
}

/* Parses the JSON reply of len bytes into hl, checking every field's type
 * and range. 0 on success (hl's strings are owned by hl: hostlist_free), -1
 * with err otherwise (hl is then empty, still safe to free). */
int
hostlist_parse(const char *text, size_t len, struct hostlist *hl, char *err)
{
	cJSON *root;
	const char *project, *hosts;
	int rc = -1;

	memset(hl, 0, sizeof(*hl));
	if ((root = json_parse(text, len, err)) == NULL)
		return -1;
	if (!json_is(root, cJSON_Object)) {
		seterr(err, "host list: not a JSON object");
		goto done;
	}
	if ((project = get_str(root, "project", err)) == NULL)
		goto done;
	if (!wire_name_valid(project)) {
		seterr(err, "host list: bad project name");
		goto done;
	}
	if ((hosts = get_str(root, "distcc_hosts", err)) == NULL)
		goto done;
	if (!wire_hosts_valid(hosts)) {
		seterr(err, "host list: distcc_hosts is empty or has unsafe characters");
		goto done;
	}
	if (get_int(root, "heartbeat", 1, WIRE_HEARTBEAT_MAX, &hl->heartbeat,
	    err) == -1 ||
	    get_int(root, "refresh_after", 1, WIRE_REFRESH_MAX,
	    &hl->refresh_after, err) == -1 ||
	    get_int(root, "ttl", 1, WIRE_TTL_MAX, &hl->ttl, err) == -1 ||
	    get_int(root, "pool_threads", 0, WIRE_POOL_MAX, &hl->pool_threads,
	    err) == -1)
		goto done;
	hl->project = xstrdup(project);
	hl->distcc_hosts = xstrdup(hosts);
	if (get_members(root, hl, err) == -1)
		goto done;
	rc = 0;
done:
	json.delete(root);
	if (rc == -1)
		hostlist_free(hl);
	return rc;
}

/* Copies the "error" member of a JSON error reply ({"error": "…"}) into
 * out of size bytes; out is empty when there is none. */
void
hostlist_error(const char *text, size_t len, char *out, size_t size)
{
	const cJSON *e;
	cJSON *root;

	if (size > 0)
		out[0] = '\0';
	if ((root = json_parse(text, len, NULL)) == NULL)
		return;
	if (json_is(root, cJSON_Object) && json_is(e = json_get(root, "error"),
	    cJSON_String) && e->valuestring != NULL && size > 0)
		str_copy(out, e->valuestring, size);
	json.delete(root);
}

/* Frees what hl holds and empties it; hl itself belongs to the caller. */
void
hostlist_free(struct hostlist *hl)
{
	size_t i;

	if (hl == NULL)
		return;
	free(hl->project);
	free(hl->distcc_hosts);
	for (i = 0; i < hl->nmembers; i++)
		free(hl->members[i]);
	free(hl->members);
	memset(hl, 0, sizeof(*hl));
}

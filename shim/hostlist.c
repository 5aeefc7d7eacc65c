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

/* pool_busy: jobs running on the hosts of a line, each host running at
 * most WIRE_CORES_MAX of them. */
#define BUSY_MAX	((long)WIRE_POOL_MAX * WIRE_CORES_MAX)

static int
get_busy(const cJSON *obj, struct hostlist *hl, char *err)
{
	const cJSON *v = json_get(obj, "pool_busy");

	if (v == NULL || json_is(v, cJSON_NULL))
		return 0;
	return get_int(obj, "pool_busy", 0, BUSY_MAX, &hl->pool_busy, err);
}

/* The optional "compilers" object of a 1.1 server: {"<fp>": {"hosts":
 * "localhost/16 10.0.0.7/16", "threads": 32}, …}. Every line passes the
 * same checks as distcc_hosts; one bad entry refuses the whole reply. */
static int
get_compilers(const cJSON *obj, struct hostlist *hl, char *err)
{
	const cJSON *all = json_get(obj, "compilers"), *c, *hosts, *threads;
	size_t n = 0;

	if (all == NULL || json_is(all, cJSON_NULL))
		return 0;
	if (!json_is(all, cJSON_Object)) {
		seterr(err, "host list: 'compilers' is not an object");
		return -1;
	}
	for (c = all->child; c != NULL; c = c->next) {
		if (++n > WIRE_FP_REPLY_MAX) {
			seterr(err, "host list: more than %d compilers",
			    WIRE_FP_REPLY_MAX);
			return -1;
		}
		if (c->string == NULL || !wire_fp_valid(c->string) ||
		    hostlist_fp(hl, c->string) != NULL) {
			seterr(err, "host list: compiler %zu: not a fingerprint "
			    "(%d lowercase hex digits) or listed twice", n,
			    WIRE_FP_LEN);
			return -1;
		}
		if (!json_is(c, cJSON_Object) ||
		    !json_is(hosts = json_get(c, "hosts"), cJSON_String) ||
		    hosts->valuestring == NULL ||
		    !wire_hosts_valid(hosts->valuestring)) {
			seterr(err, "host list: compilers.%.8s…: hosts missing, "
			    "empty or unsafe", c->string);
			return -1;
		}
		threads = json_get(c, "threads");
		if (threads != NULL && (!json_is(threads, cJSON_Number) ||
		    threads->valuedouble < 0 ||
		    threads->valuedouble > WIRE_POOL_MAX)) {
			seterr(err, "host list: compilers.%.8s…: threads not in "
			    "0..%d", c->string, WIRE_POOL_MAX);
			return -1;
		}
		hostlist_add_fp(hl, c->string, hosts->valuestring,
		    (int)wire_hosts_threads(hosts->valuestring));
	}
	hl->compilers = 1;
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
	if (get_members(root, hl, err) == -1 || get_busy(root, hl, err) == -1 ||
	    get_compilers(root, hl, err) == -1)
		goto done;
	rc = 0;
done:
	json.delete(root);
	if (rc == -1)
		hostlist_free(hl);
	return rc;
}

/* A text field of a member for printing: the string, or "?" when it is
 * missing or not printable text of at most WIRE_TEXT_MAX bytes. */
static char *
member_text(const cJSON *obj, const char *name)
{
	const cJSON *v = json_get(obj, name);

	if (json_is(v, cJSON_String) && v->valuestring != NULL &&
	    wire_text_valid(v->valuestring, WIRE_TEXT_MAX))
		return xstrdup(v->valuestring);
	return xstrdup("?");
}

/* The node's "health": absent or not an object is healthy (an older
 * server); the reason is kept only when it is clean text. */
static void
member_health(const cJSON *node, struct member *m)
{
	const cJSON *h = json_get(node, "health"), *r = NULL;

	m->healthy = 1;
	if (json_is(h, cJSON_Object)) {
		m->healthy = !json_is(json_get(h, "ok"), cJSON_False);
		r = json_get(h, "reason");
	}
	m->reason = xstrdup(!m->healthy && json_is(r, cJSON_String) &&
	    r->valuestring != NULL && wire_text_valid(r->valuestring,
	    WIRE_REASON_MAX) ? r->valuestring : "");
}

static void
member_compilers(const cJSON *node, struct member *m)
{
	const cJSON *arr = json_get(node, "compilers"), *c, *fp;
	size_t n = 0;

	if (!json_is(arr, cJSON_Array))
		return;
	for (c = arr->child; c != NULL && n < WIRE_COMPILERS_MAX; c = c->next)
		n++;
	m->compilers = xcalloc(n, sizeof(*m->compilers));
	for (c = arr->child; c != NULL && m->ncompilers < n; c = c->next) {
		struct member_compiler *k = &m->compilers[m->ncompilers];

		if (!json_is(c, cJSON_Object))
			continue;
		k->name = member_text(c, "name");
		k->version = member_text(c, "version");
		k->target = member_text(c, "target");
		fp = json_get(c, "fp");
		if (json_is(fp, cJSON_String) && fp->valuestring != NULL &&
		    wire_fp_valid(fp->valuestring))
			str_copy(k->fp, fp->valuestring, sizeof(k->fp));
		m->ncompilers++;
	}
}

/* Parses the reply of GET /api/v1/nodes (len bytes of text) into *out, an
 * array of *n members with their compilers; text that is not printable
 * shows as "?". 0 (free *out with hostlist_members_free), or -1 with err. */
int
hostlist_members(const char *text, size_t len, struct member **out,
    size_t *n, char *err)
{
	const cJSON *arr, *node, *port;
	cJSON *root;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if ((root = json_parse(text, len, err)) == NULL)
		return -1;
	if (!json_is(root, cJSON_Object) ||
	    !json_is(arr = json_get(root, "nodes"), cJSON_Array)) {
		seterr(err, "nodes: no \"nodes\" array");
		json.delete(root);
		return -1;
	}
	for (node = arr->child; node != NULL && count < MEMBERS_MAX;
	    node = node->next)
		count++;
	*out = xcalloc(count, sizeof(**out));
	for (node = arr->child; node != NULL && *n < count; node = node->next) {
		struct member *m = &(*out)[*n];

		if (!json_is(node, cJSON_Object))
			continue;
		m->id = member_text(node, "id");
		m->hostname = member_text(node, "hostname");
		m->owner = member_text(node, "owner");
		m->addr = member_text(node, "addr");
		m->state = member_text(node, "state");
		m->version = member_text(node, "version");
		port = json_get(node, "port");
		m->port = json_is(port, cJSON_Number) && port->valuedouble >= 1 &&
		    port->valuedouble <= WIRE_PORT_MAX ? (int)port->valuedouble : 0;
		member_health(node, m);
		member_compilers(node, m);
		(*n)++;
	}
	json.delete(root);
	return 0;
}

/* Frees n members of v and v. */
void
hostlist_members_free(struct member *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < v[i].ncompilers; j++) {
			free(v[i].compilers[j].name);
			free(v[i].compilers[j].version);
			free(v[i].compilers[j].target);
		}
		free(v[i].compilers);
		free(v[i].id);
		free(v[i].hostname);
		free(v[i].owner);
		free(v[i].addr);
		free(v[i].state);
		free(v[i].version);
		free(v[i].reason);
	}
	free(v);
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

/* The hosts line of compiler fingerprint fp in hl, or NULL. */
const struct hostlist_fp *
hostlist_fp(const struct hostlist *hl, const char *fp)
{
	size_t i;

	for (i = 0; fp != NULL && i < hl->nfps; i++)
		if (strcmp(hl->fps[i].fp, fp) == 0)
			return &hl->fps[i];
	return NULL;
}

/* Adds the hosts line of fingerprint fp to hl (both strings copied; the
 * caller has validated them). */
void
hostlist_add_fp(struct hostlist *hl, const char *fp, const char *hosts,
    int threads)
{
	struct hostlist_fp *e;

	hl->fps = xreallocarray(hl->fps, hl->nfps + 1, sizeof(*hl->fps));
	e = &hl->fps[hl->nfps++];
	str_copy(e->fp, fp, sizeof(e->fp));
	e->hosts = xstrdup(hosts);
	e->threads = threads;
}

/* The hosts line distcc gets: hosts (validated) with distcc's options for
 * the remote hosts appended, ",lzo" when compression is "lzo"; localhost
 * takes none. The caller frees. */
char *
hostlist_options(const char *hosts, const char *compression)
{
	const char *p = hosts, *end;
	char *out, *o;

	if (compression == NULL || strcmp(compression, "lzo") != 0)
		return xstrdup(hosts);
	/* a host is at least one character: ",lzo" at most quintuples it */
	o = out = xmalloc(strlen(hosts) * 5 + 1);
	while (*p != '\0') {
		size_t len;

		end = p + strcspn(p, " ");
		len = (size_t)(end - p);
		memcpy(o, p, len);
		o += len;
		/* "localhost" and "localhost/N" run here; "localhost:3632"
		 * is a TCP host to distcc */
		if (len > 0 && !(strncmp(p, "localhost", 9) == 0 &&
		    (len == 9 || p[9] == '/'))) {
			memcpy(o, ",lzo", 4);
			o += 4;
		}
		p = end + strspn(end, " ");
		if (*p != '\0')
			*o++ = ' ';
	}
	*o = '\0';
	return out;
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
	for (i = 0; i < hl->nfps; i++)
		free(hl->fps[i].hosts);
	free(hl->fps);
	memset(hl, 0, sizeof(*hl));
}

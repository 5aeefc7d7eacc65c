/*
 * legacy.c — the predecessor's API (dyndistcc 0.0.6), so machines running
 * its bash client keep working. Its client sends values unencoded:
 *   /api/checkin?hash=H&project=P&username=U&swVersion=0.0.6&threads=8
 * Only open projects (created without a key) are served; the mutations
 * need the admin rights of v1. Unlike the predecessor, every error is a
 * 4xx or 5xx (wget then keeps the old hosts file) and a repeated parameter is an
 * error, not a silent pick.
 */
#include <ctype.h>
#include <string.h>

#include "server.h"

static const struct legacy_param {
	const char *name;
	unsigned bit;
	size_t	 off;
	size_t	 size;
} params[] = {
	{ "hash", LQ_HASH, offsetof(struct legacy_query, hash), WIRE_NAME_MAX + 1 },
	{ "project", LQ_PROJECT, offsetof(struct legacy_query, project), WIRE_NAME_MAX + 1 },
	{ "username", LQ_USERNAME, offsetof(struct legacy_query, username), WIRE_TEXT_MAX + 1 },
	{ "swVersion", LQ_VERSION, offsetof(struct legacy_query, version), WIRE_TEXT_MAX + 1 },
	{ "name", LQ_NAME, offsetof(struct legacy_query, name), WIRE_NAME_MAX + 1 },
	{ "threads", LQ_THREADS, 0, 16 },
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..n) into out (size bytes, NUL-terminated); '+' is a
 * space. Fails on bad escapes, NUL bytes and overflow. */
static int
decode(const char *s, size_t n, char *out, size_t size)
{
	size_t i, k = 0;
	int hi, lo, c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (c == 0 || k + 1 >= size)
			return -1;
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return 0;
}

/* Parses the query of a legacy URL (everything after the first '?' of uri;
 * uri may have none) into q, validating every value it knows. Unknown
 * parameters are ignored; a known one given twice is an error. */
int
legacy_parse(const char *uri, struct legacy_query *q, char *err)
{
	const char *p, *amp, *eq;
	char key[32], val[WIRE_TEXT_MAX + 1];
	const struct legacy_param *lp;
	size_t i, klen;
	long v;

	memset(q, 0, sizeof(*q));
	if ((p = strchr(uri, '?')) == NULL)
		return 0;
	for (p++; *p; p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		if (amp == p)
			continue;
		eq = memchr(p, '=', (size_t)(amp - p));
		klen = (size_t)((eq ? eq : amp) - p);
		if (decode(p, klen, key, sizeof(key)) == -1)
			continue;		/* not one of ours */
		lp = NULL;
		for (i = 0; i < NELEM(params); i++)
			if (strcmp(params[i].name, key) == 0)
				lp = &params[i];
		if (lp == NULL)
			continue;
		if (q->present & lp->bit) {
			seterr(err, "parameter '%s' given more than once", key);
			return -1;
		}
		if (decode(eq ? eq + 1 : amp, eq ? (size_t)(amp - eq - 1) : 0,
		    val, lp->size) == -1) {
			seterr(err, "parameter '%s': bad encoding or longer than "
			    "%zu characters", key, lp->size - 1);
			return -1;
		}
		if (lp->bit == LQ_THREADS) {
			if (str_to_long(val, WIRE_CORES_MIN, WIRE_CORES_MAX,
			    &v) == -1) {
				seterr(err, "threads must be an integer %d..%d",
				    WIRE_CORES_MIN, WIRE_CORES_MAX);
				return -1;
			}
			q->threads = (int)v;
		} else if (lp->bit == LQ_USERNAME || lp->bit == LQ_VERSION) {
			if (!wire_text_valid(val, WIRE_TEXT_MAX)) {
				seterr(err, "%s must be at most %d printable "
				    "characters", key, WIRE_TEXT_MAX);
				return -1;
			}
			memcpy((char *)q + lp->off, val, strlen(val) + 1);
		} else {
			if (!wire_name_valid(val)) {
				seterr(err, "%s must be " WIRE_NAME_RULE, key);
				return -1;
			}
			memcpy((char *)q + lp->off, val, strlen(val) + 1);
		}
		q->present |= lp->bit;
	}
	return 0;
}

/* The node id (WIRE_NODE_ID_LEN + 1 bytes) standing for a legacy client's hash:
 * the hash itself when it already is 32 hex digits, else a 128-bit digest of
 * it: two FNV-1a lanes over "legacy:" and the hash, the second with every
 * byte of the hash plus one (kept exactly as 1.0 derived it, so old clients'
 * nodes keep their ids across an upgrade). Ids are not secrets: the old
 * client's hash never was. */
void
legacy_node_id(const char *hash, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char shifted[WIRE_NAME_MAX];
	size_t n = strlen(hash), i;
	uint64_t h[2];
	int k;

	if (wire_node_id(hash, out) == 0)
		return;
	if (n > sizeof(shifted))
		n = sizeof(shifted);	/* cannot happen: hashes are names */
	for (i = 0; i < n; i++)		/* names are ASCII: no byte wraps */
		shifted[i] = (unsigned char)(hash[i] + 1);
	h[0] = hash_fnv1a(hash, n, hash_fnv1a("legacy:", 7, HASH_FNV_SEED));
	h[1] = hash_fnv1a(shifted, n, hash_fnv1a("legacy:", 7,
	    0x84222325cbf29ce4ULL));
	for (k = 0; k < 2; k++)
		for (i = 0; i < 16; i++)
			out[k * 16 + i] = hex[(h[k] >> (60 - 4 * i)) & 15];
	out[WIRE_NODE_ID_LEN] = '\0';
}

static int
parse_or_reply(struct req *r, struct legacy_query *q, unsigned need)
{
	static const char *const names[] = {
		"hash", "project", "username", "swVersion", "threads", "name",
	};
	char err[ERR_MAX];
	int i;

	if (legacy_parse(r->raw_uri, q, err) == -1) {
		reply_error(r, 400, "%s", err);
		return -1;
	}
	for (i = 0; i < 6; i++)
		if ((need & (1u << i)) && !(q->present & (1u << i))) {
			reply_error(r, 400, "missing parameter '%s'", names[i]);
			return -1;
		}
	return 0;
}

/* GET /api/checkin?hash&project&username&swVersion&threads → a distcc
 * hosts line in text/plain. */
void
legacy_checkin(struct req *r)
{
	struct legacy_query q;
	struct hosts_reply h;
	struct host_lists l;
	enum store_result res;
	char err[ERR_MAX];

	if (parse_or_reply(r, &q, LQ_HASH | LQ_PROJECT | LQ_USERNAME |
	    LQ_VERSION | LQ_THREADS) == -1) {
		metrics_checkin(CR_INVALID);
		return;
	}
	hosts_reply_init(&h);
	res = store_legacy_checkin(&q, r->peer, &h, err);
	metrics_checkin(metrics_result(res));
	if (res == ST_OK) {
		host_lists_make(h.set, &h.req, &l);
		buf_add(&l.all.line, "\n", 1);
		reply_text(r, 200, l.all.line.s);
		host_lists_free(&l);
	} else
		reply_store_error(r, res, err);
	hosts_reply_free(&h);
}

/* GET /api/getProjectList */
void
legacy_project_list(struct req *r)
{
	struct buf b;

	buf_init(&b);
	view_legacy_projects_json(&b);
	reply_json(r, 200, &b);
}

/* GET /api/getAllHosts */
void
legacy_all_hosts(struct req *r)
{
	struct buf b;

	buf_init(&b);
	view_legacy_hosts_json(&b);
	reply_json(r, 200, &b);
}

static int
legacy_admin(struct req *r)
{
	if (req_is_admin(r))
		return 1;
	reply_error(r, 403, "admin rights required");
	return 0;
}

/* GET /api/createProject?name= (admin): creates an open project. */
void
legacy_create_project(struct req *r)
{
	struct legacy_query q;
	enum store_result res;
	char err[ERR_MAX], key[WIRE_KEY_LEN + 1];

	if (!legacy_admin(r) || parse_or_reply(r, &q, LQ_NAME) == -1)
		return;
	if ((res = store_project_create(q.name, 0, key, err)) != ST_OK)
		reply_store_error(r, res, err);
	else
		reply_text(r, 200, "success");
}

/* GET /api/deleteProject?name= (admin): open projects only. */
void
legacy_delete_project(struct req *r)
{
	struct legacy_query q;
	enum store_result res;
	char err[ERR_MAX];

	if (!legacy_admin(r) || parse_or_reply(r, &q, LQ_NAME) == -1)
		return;
	if ((res = store_project_delete(q.name, 1, err)) != ST_OK)
		reply_store_error(r, res, err);
	else
		reply_text(r, 200, "success");
}

/* GET /api/deleteHost?hash= (admin): from open projects only. */
void
legacy_delete_host(struct req *r)
{
	char err[ERR_MAX], id[WIRE_NODE_ID_LEN + 1];
	struct legacy_query q;
	enum store_result res;

	if (!legacy_admin(r) || parse_or_reply(r, &q, LQ_HASH) == -1)
		return;
	legacy_node_id(q.hash, id);
	if ((res = store_node_delete(id, 1, err)) != ST_OK)
		reply_store_error(r, res, err);
	else
		reply_text(r, 200, "success");
}

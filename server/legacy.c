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
	{ "hash", LQ_HASH, offsetof(struct legacy_query, hash), NAME_MAX_LEN + 1 },
	{ "project", LQ_PROJECT, offsetof(struct legacy_query, project), NAME_MAX_LEN + 1 },
	{ "username", LQ_USERNAME, offsetof(struct legacy_query, username), TEXT_MAX_LEN + 1 },
	{ "swVersion", LQ_VERSION, offsetof(struct legacy_query, version), TEXT_MAX_LEN + 1 },
	{ "name", LQ_NAME, offsetof(struct legacy_query, name), NAME_MAX_LEN + 1 },
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
	char key[32], val[TEXT_MAX_LEN + 1];
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
			if (str_to_long(val, 1, 4096, &v) == -1) {
				seterr(err, "threads must be an integer 1..4096");
				return -1;
			}
			q->threads = (int)v;
		} else if (lp->bit == LQ_USERNAME || lp->bit == LQ_VERSION) {
			if (!valid_text(val, TEXT_MAX_LEN)) {
				seterr(err, "%s must be at most %d printable "
				    "characters", key, TEXT_MAX_LEN);
				return -1;
			}
			memcpy((char *)q + lp->off, val, strlen(val) + 1);
		} else {
			if (!valid_name(val)) {
				seterr(err, "%s must be 1..64 characters of "
				    "A-Z a-z 0-9 . _ -", key);
				return -1;
			}
			memcpy((char *)q + lp->off, val, strlen(val) + 1);
		}
		q->present |= lp->bit;
	}
	return 0;
}

/* The node id (NODE_ID_LEN + 1 bytes) standing for a legacy client's hash:
 * the hash itself when it already is 32 hex digits, else a 128-bit FNV-1a
 * digest of it (ids are not secrets: the old client's hash never was). */
void
legacy_node_id(const char *hash, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h[2] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	const unsigned char *p;
	int i, k;

	if (valid_node_id(hash)) {
		for (i = 0; i <= NODE_ID_LEN; i++)
			out[i] = (char)tolower((unsigned char)hash[i]);
		return;
	}
	for (k = 0; k < 2; k++) {
		for (p = (const unsigned char *)"legacy:"; *p; p++)
			h[k] = (h[k] ^ *p) * 0x100000001b3ULL;
		for (p = (const unsigned char *)hash; *p; p++)
			h[k] = (h[k] ^ (*p + (unsigned)k)) * 0x100000001b3ULL;
	}
	for (k = 0; k < 2; k++)
		for (i = 0; i < 16; i++)
			out[k * 16 + i] = hex[(h[k] >> (60 - 4 * i)) & 15];
	out[NODE_ID_LEN] = '\0';
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
		buf_add(&h.line, "\n", 1);
		reply_text(r, 200, h.line.s);
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
	store_legacy_projects_json(&b);
	reply_json(r, 200, &b);
}

/* GET /api/getAllHosts */
void
legacy_all_hosts(struct req *r)
{
	struct buf b;

	buf_init(&b);
	store_legacy_hosts_json(&b);
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
	char err[ERR_MAX], key[KEY_HEX_LEN + 1];

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
	char err[ERR_MAX], id[NODE_ID_LEN + 1];
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

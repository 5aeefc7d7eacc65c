/*
 * cache.c — host-list cache files. Each is a distcc hosts file (so plain
 * distcc can read it through DISTCC_DIR) with one metadata comment first:
 *
 *   # dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=28 fetched=1764161000
 *   localhost/4 10.0.0.7/16 10.0.0.9:3700/8
 *
 * dcc-heartbeat writes the system one (<state_dir>/hosts), dcc its own per
 * user. Writers replace the file atomically; readers reject anything that is
 * not exactly this shape, so a torn or tampered file is never used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

#define CACHE_MAGIC	"# dyndistcc "
#define CACHE_MAX	(WIRE_HOSTS_MAX + 1024)
#define FETCHED_MAX	4102444800L	/* 2100-01-01 */

/* Writes hl to path atomically (temp file + rename, mode 0644), stamped with
 * the current time as fetched=. 0, or -1 with err. */
int
cache_write(const char *path, const struct hostlist *hl, char *err)
{
	char *text;
	int rc;

	if (hl->project == NULL || !wire_name_valid(hl->project) ||
	    hl->distcc_hosts == NULL || !wire_hosts_valid(hl->distcc_hosts)) {
		seterr(err, "%s: refusing to write an invalid host list", path);
		return -1;
	}
	text = xasprintf(CACHE_MAGIC "project=%s refresh_after=%d heartbeat=%d "
	    "ttl=%d pool_threads=%d fetched=%lld\n%s\n", hl->project,
	    hl->refresh_after, hl->heartbeat, hl->ttl, hl->pool_threads,
	    (long long)now_wall(), hl->distcc_hosts);
	rc = file_write_atomic(path, text, strlen(text), 0644, err);
	free(text);
	return rc;
}

struct cache_field {
	const char	*name;
	size_t		 offset;	/* of an int in struct hostlist, or -1 */
	long		 min, max;
};

static const struct cache_field cache_fields[] = {
	{ "refresh_after", offsetof(struct hostlist, refresh_after), 1,
	    WIRE_REFRESH_MAX },
	{ "heartbeat", offsetof(struct hostlist, heartbeat), 1,
	    WIRE_HEARTBEAT_MAX },
	{ "ttl", offsetof(struct hostlist, ttl), 1, WIRE_TTL_MAX },
	{ "pool_threads", offsetof(struct hostlist, pool_threads), 0,
	    WIRE_POOL_MAX },
	{ "fetched", (size_t)-1, 0, FETCHED_MAX },
};

/* Parses the words of the metadata line after the magic; every field must be
 * present exactly once. */
static int
parse_meta(char *meta, struct hostlist *hl, double *fetched, char *err)
{
	unsigned seen = 0;
	char *word, *save = NULL, *eq;
	size_t i;
	long v;

	for (word = strtok_r(meta, " ", &save); word != NULL;
	    word = strtok_r(NULL, " ", &save)) {
		if ((eq = strchr(word, '=')) == NULL)
			return -1;
		*eq++ = '\0';
		if (strcmp(word, "project") == 0) {
			if (hl->project != NULL || !wire_name_valid(eq))
				return -1;
			hl->project = xstrdup(eq);
			continue;
		}
		for (i = 0; i < NELEM(cache_fields); i++)
			if (strcmp(word, cache_fields[i].name) == 0)
				break;
		if (i == NELEM(cache_fields) || (seen & (1u << i)) ||
		    str_to_long(eq, cache_fields[i].min, cache_fields[i].max, &v) == -1)
			return -1;
		seen |= 1u << i;
		if (cache_fields[i].offset == (size_t)-1)
			*fetched = (double)v;
		else
			*(int *)((char *)hl + cache_fields[i].offset) = (int)v;
	}
	if (hl->project == NULL || seen != (1u << NELEM(cache_fields)) - 1) {
		seterr(err, "missing fields");
		return -1;
	}
	return 0;
}

/* Reads a cache file into hl (members are not stored: nmembers is 0) and the
 * time it was fetched (epoch seconds) into *fetched. 0, or -1 with err when
 * the file is missing, unreadable or not exactly a cache file; hl is then
 * empty. hl's strings are owned by hl (hostlist_free). */
int
cache_read(const char *path, struct hostlist *hl, double *fetched, char *err)
{
	char *buf, *meta, *hosts, *end, e[ERR_MAX];
	size_t len;

	memset(hl, 0, sizeof(*hl));
	*fetched = 0;
	if ((buf = file_read(path, CACHE_MAX, &len, e)) == NULL) {
		seterr(err, "%s", e);
		return -1;
	}
	if (strlen(buf) != len || strncmp(buf, CACHE_MAGIC, strlen(CACHE_MAGIC)) != 0)
		goto corrupt;
	meta = buf + strlen(CACHE_MAGIC);
	if ((hosts = strchr(meta, '\n')) == NULL)
		goto corrupt;
	*hosts++ = '\0';
	if ((end = strchr(hosts, '\n')) == NULL || end[1] != '\0')
		goto corrupt;
	*end = '\0';
	if (!wire_hosts_valid(hosts) || parse_meta(meta, hl, fetched, e) == -1)
		goto corrupt;
	hl->distcc_hosts = xstrdup(hosts);
	free(buf);
	return 0;
corrupt:
	seterr(err, "%s: not a dyndistcc host-list file", path);
	hostlist_free(hl);
	*fetched = 0;
	free(buf);
	return -1;
}

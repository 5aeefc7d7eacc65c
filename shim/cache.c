/*
 * cache.c — host-list cache files. Each is a distcc hosts file (so plain
 * distcc can read it through DISTCC_DIR: '#' starts a comment there) whose
 * comment lines carry what dcc needs:
 *
 *   # dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=40 pool_busy=9 compilers=1 fetched=1764161000
 *   # dyndistcc-fp 0123456789abcdef0123456789abcdef threads=32 localhost/16 10.0.0.7/16
 *   # dyndistcc-bin 0123456789abcdef0123456789abcdef x86_64-linux-gnu-gcc 2049:1234567:1150456:1700000000123456789 /usr/bin/x86_64-linux-gnu-gcc-12
 *   localhost/16 10.0.0.7/16 10.0.0.9:3700/8
 *
 * The metadata first; a dyndistcc-fp line per compiler fingerprint the
 * server listed (its hosts line); a dyndistcc-bin line per binary the
 * heartbeat fingerprinted (its fingerprint, the name distcc sends for it,
 * its identity and path: dcc finds its compiler's fingerprint there with a
 * stat); and last the line plain distcc uses: cc's list when the writer
 * knows cc's fingerprint, else the compiler-blind distcc_hosts. A 1.0 file
 * (no pool_busy, no compilers, two lines) reads as a list without
 * per-compiler lines.
 *
 * dcc-heartbeat writes the system one (<state_dir>/hosts), dcc its own per
 * user. Writers replace the file atomically; readers reject anything that
 * is not exactly this shape, so a torn or tampered file is never used.
 *
 * dcc's table of the compilers it fingerprinted itself (<cache_dir>/
 * compilers) has the same bin lines after a "# dyndistcc-compilers" line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

#define CACHE_MAGIC	"# dyndistcc "
#define FP_MAGIC	"# dyndistcc-fp "
#define BIN_MAGIC	"# dyndistcc-bin "
#define BINS_MAGIC	"# dyndistcc-compilers"
/* distcc refuses a hosts file over 1 MiB; the writer keeps within it */
#define CACHE_MAX	(1024 * 1024)
#define FETCHED_MAX	4102444800L	/* 2100-01-01 */
#define BUSY_MAX	((long)WIRE_POOL_MAX * WIRE_CORES_MAX)

/* Appends "# dyndistcc-bin …" lines (or bare bin lines with prefix "") of
 * table to *text. */
static void
append_bins(char **text, const char *prefix, const struct fp_table *table)
{
	size_t i;
	char *more;

	for (i = 0; table != NULL && i < table->n; i++) {
		const struct fp_bin *b = &table->v[i];

		if (!wire_fp_valid(b->fp) || b->path == NULL ||
		    !fp_identity_valid(b->id) || strchr(b->path, '\n') != NULL)
			continue;
		more = xasprintf("%s%s%s %s %s %s\n", *text, prefix, b->fp,
		    b->wire, b->id, b->path);
		free(*text);
		*text = more;
	}
}

/* Writes hl to path atomically (temp file + rename, mode 0644), stamped with
 * the current time as fetched=, with the binaries of bins (may be NULL) and,
 * as the line for plain distcc, the list of fingerprint cc_fp when hl has
 * one (cc_fp may be NULL). Per-compiler lines that would take the file over
 * distcc's 1 MiB are left out. 0, or -1 with err. */
int
cache_write(const char *path, const struct hostlist *hl,
    const struct fp_table *bins, const char *cc_fp, char *err)
{
	const struct hostlist_fp *cc = hostlist_fp(hl, cc_fp);
	const char *last;
	char *text, *more;
	size_t i;
	int rc;

	if (hl->project == NULL || !wire_name_valid(hl->project) ||
	    hl->distcc_hosts == NULL || !wire_hosts_valid(hl->distcc_hosts)) {
		seterr(err, "%s: refusing to write an invalid host list", path);
		return -1;
	}
	last = cc != NULL ? cc->hosts : hl->distcc_hosts;
	text = xasprintf(CACHE_MAGIC "project=%s refresh_after=%d heartbeat=%d "
	    "ttl=%d pool_threads=%d pool_busy=%d compilers=%d fetched=%lld\n",
	    hl->project, hl->refresh_after, hl->heartbeat, hl->ttl,
	    hl->pool_threads, hl->pool_busy, hl->compilers ? 1 : 0,
	    (long long)now_wall());
	append_bins(&text, BIN_MAGIC, bins);
	for (i = 0; i < hl->nfps; i++) {
		const struct hostlist_fp *f = &hl->fps[i];

		if (!wire_fp_valid(f->fp) || !wire_hosts_valid(f->hosts) ||
		    strlen(text) + strlen(f->hosts) + strlen(last) + 128 >
		    CACHE_MAX)
			continue;
		more = xasprintf("%s" FP_MAGIC "%s threads=%ld %s\n", text,
		    f->fp, wire_hosts_threads(f->hosts), f->hosts);
		free(text);
		text = more;
	}
	more = xasprintf("%s%s\n", text, last);
	free(text);
	text = more;
	rc = file_write_atomic(path, text, strlen(text), 0644, err);
	free(text);
	return rc;
}

struct cache_field {
	const char	*name;
	size_t		 offset;	/* of an int in struct hostlist, or -1 */
	long		 min, max;
	int		 optional;	/* absent from a 1.0 file */
};

static const struct cache_field cache_fields[] = {
	{ "refresh_after", offsetof(struct hostlist, refresh_after), 1,
	    WIRE_REFRESH_MAX, 0 },
	{ "heartbeat", offsetof(struct hostlist, heartbeat), 1,
	    WIRE_HEARTBEAT_MAX, 0 },
	{ "ttl", offsetof(struct hostlist, ttl), 1, WIRE_TTL_MAX, 0 },
	{ "pool_threads", offsetof(struct hostlist, pool_threads), 0,
	    WIRE_POOL_MAX, 0 },
	{ "pool_busy", offsetof(struct hostlist, pool_busy), 0, BUSY_MAX, 1 },
	{ "compilers", offsetof(struct hostlist, compilers), 0, 1, 1 },
	{ "fetched", (size_t)-1, 0, FETCHED_MAX, 0 },
};

/* Parses the words of the metadata line after the magic; every field must be
 * present exactly once (the optional ones at most once). */
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
	for (i = 0; i < NELEM(cache_fields); i++)
		if (!cache_fields[i].optional && !(seen & (1u << i)))
			break;
	if (hl->project == NULL || i < NELEM(cache_fields)) {
		seterr(err, "missing fields");
		return -1;
	}
	return 0;
}

/* Parses "<fp> threads=N <hosts…>" into hl. */
static int
parse_fp(char *line, struct hostlist *hl)
{
	char *threads, *hosts;
	long v;

	if ((threads = strchr(line, ' ')) == NULL)
		return -1;
	*threads++ = '\0';
	if ((hosts = strchr(threads, ' ')) == NULL)
		return -1;
	*hosts++ = '\0';
	if (!wire_fp_valid(line) || hostlist_fp(hl, line) != NULL ||
	    hl->nfps >= WIRE_FP_REPLY_MAX || strncmp(threads, "threads=", 8) != 0 ||
	    str_to_long(threads + 8, 0, WIRE_POOL_MAX, &v) == -1 ||
	    !wire_hosts_valid(hosts))
		return -1;
	hostlist_add_fp(hl, line, hosts, (int)wire_hosts_threads(hosts));
	return 0;
}

/* Parses one bin line (without its prefix) into table. */
static int
parse_bin(char *line, struct fp_table *table)
{
	struct fp_bin b;

	if (table->n >= FP_TABLE_MAX || fp_bin_parse(line, &b) == -1)
		return -1;
	fp_table_add(table, b.fp, b.wire, b.id, b.path);
	free(b.path);
	return 0;
}

/* Reads path, a file of lines that starts with magic, into a new buffer;
 * the caller frees. NULL with err when it cannot be read, or is not that
 * shape (empty, a NUL inside, no final newline, another magic: err says it
 * is not a dyndistcc "what"). */
static char *
read_lines(const char *path, const char *magic, const char *what, char *err)
{
	char *buf;
	size_t len;

	if ((buf = file_read_nofollow(path, CACHE_MAX, &len, err)) == NULL)
		return NULL;
	if (strlen(buf) != len || len == 0 || buf[len - 1] != '\n' ||
	    strncmp(buf, magic, strlen(magic)) != 0) {
		seterr(err, "%s: not a dyndistcc %s", path, what);
		free(buf);
		return NULL;
	}
	return buf;
}

/* Reads a cache file into hl (members are not stored: nmembers is 0), the
 * time it was fetched (epoch seconds) into *fetched and, when bins is not
 * NULL, its dyndistcc-bin lines into bins. 0, or -1 with err when the file
 * is missing, unreadable or not exactly a cache file; hl and bins are then
 * empty. hl's strings are owned by hl (hostlist_free), bins' by bins
 * (fp_table_free). */
int
cache_read(const char *path, struct hostlist *hl, double *fetched,
    struct fp_table *bins, char *err)
{
	struct fp_table ignored = { NULL, 0 };
	char *buf, *line, *next, *hosts, e[ERR_MAX];

	memset(hl, 0, sizeof(*hl));
	*fetched = 0;
	if (bins == NULL)
		bins = &ignored;
	else
		memset(bins, 0, sizeof(*bins));
	if ((buf = read_lines(path, CACHE_MAGIC, "host-list file", err)) == NULL)
		return -1;
	buf[strlen(buf) - 1] = '\0';
	if ((hosts = strrchr(buf, '\n')) == NULL)
		goto corrupt;
	*hosts++ = '\0';
	if (!wire_hosts_valid(hosts))
		goto corrupt;
	next = strchr(buf, '\n');
	if (next != NULL)
		*next++ = '\0';
	if (parse_meta(buf + strlen(CACHE_MAGIC), hl, fetched, e) == -1)
		goto corrupt;
	for (line = next; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, FP_MAGIC, strlen(FP_MAGIC)) == 0) {
			if (parse_fp(line + strlen(FP_MAGIC), hl) == -1)
				goto corrupt;
		} else if (strncmp(line, BIN_MAGIC, strlen(BIN_MAGIC)) == 0) {
			if (parse_bin(line + strlen(BIN_MAGIC), bins) == -1)
				goto corrupt;
		} else
			goto corrupt;
	}
	if (hl->nfps > 0 && !hl->compilers)
		goto corrupt;
	hl->distcc_hosts = xstrdup(hosts);
	fp_table_free(&ignored);
	free(buf);
	return 0;
corrupt:
	seterr(err, "%s: not a dyndistcc host-list file", path);
	hostlist_free(hl);
	fp_table_free(bins);
	*fetched = 0;
	free(buf);
	return -1;
}

/* Writes dcc's own table of fingerprinted compilers to path atomically
 * (mode 0644). 0, or -1 with err. */
int
cache_write_bins(const char *path, const struct fp_table *table, char *err)
{
	char *text = xstrdup(BINS_MAGIC "\n");
	int rc;

	append_bins(&text, "", table);
	rc = file_write_atomic(path, text, strlen(text), 0644, err);
	free(text);
	return rc;
}

/* Reads dcc's table of fingerprinted compilers into table (which owns what
 * it gets: fp_table_free). 0, or -1 with err when it is missing or not
 * exactly such a table; table is then empty. */
int
cache_read_bins(const char *path, struct fp_table *table, char *err)
{
	char *buf, *line, *next;

	memset(table, 0, sizeof(*table));
	if ((buf = read_lines(path, BINS_MAGIC "\n", "compiler table",
	    err)) == NULL)
		return -1;
	/* every line ends in '\n' */
	for (line = buf + strlen(BINS_MAGIC) + 1; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (parse_bin(line, table) == -1) {
			seterr(err, "%s: not a dyndistcc compiler table", path);
			fp_table_free(table);
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

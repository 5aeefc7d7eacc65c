/*
 * compilers.c — which compilers this machine runs for the pool: one per
 * name in the masquerade directory (gcc, cc, arm-none-eabi-gcc, …), with
 * the version (-dumpfullversion, or -dumpversion for clang) and target
 * (-dumpmachine) of the real compiler that distccd would run for a job sent
 * under that name, and its fingerprint (fingerprint.c) when distccd would
 * accept the name at all (an executable entry in its whitelist directory).
 * Anything that does not answer like a compiler, quickly, is skipped.
 *
 * Probing runs compilers; the heartbeat does it once per compiler change.
 * Every beat, compilers_update() only stats: for each name it works out the
 * wire name again, where it resolves, the whitelist entry, and the
 * identity (dev, ino, size, mtime, ctime) of the binary and of the cc1,
 * cc1plus and as it hashed. A name whose signature moved is probed again;
 * names that came or went in the directory are added or dropped.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heartbeat.h"

#define PROBE_MAX	64	/* names probed in one directory */

/* PATH without the masquerade directory and without distcc's own masquerade
 * directories (…/distcc), so a name resolves to the real compiler, as
 * distccd sees it. The caller frees. */
char *
compilers_search_path(const char *path, const char *masq_dir)
{
	char *out = xmalloc(strlen(path) + 1), *o = out;
	const char *p = path;

	*out = '\0';
	while (*p != '\0') {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		size_t mlen = masq_dir ? strlen(masq_dir) : 0;
		int skip = len == 0;

		if (masq_dir != NULL) {
			/* "/usr/lib/dyndistcc" and "/usr/lib/dyndistcc/" */
			while (mlen > 1 && masq_dir[mlen - 1] == '/')
				mlen--;
			size_t l = len;
			while (l > 1 && p[l - 1] == '/')
				l--;
			if (l == mlen && strncmp(p, masq_dir, l) == 0)
				skip = 1;
		}
		if (len >= 7 && strncmp(p + len - 7, "/distcc", 7) == 0)
			skip = 1;
		if (!skip) {
			if (o != out)
				*o++ = ':';
			memcpy(o, p, len);
			o += len;
			*o = '\0';
		}
		p += len;
		if (*p == ':')
			p++;
	}
	return out;
}

/* The PATH the job port's distccd runs compilers from: DISTCCD_PATH when
 * set (distccd takes it over PATH), else PATH, without masq_dir (see
 * compilers_search_path). The caller frees. */
char *
compilers_distccd_path(const char *masq_dir)
{
	const char *p = getenv("DISTCCD_PATH");

	if (p == NULL || *p == '\0')
		p = getenv("PATH");
	return compilers_search_path(p != NULL && *p != '\0' ? p :
	    "/usr/bin:/bin", masq_dir);
}

/* The first executable regular file called name in search (a PATH
 * string); the caller frees. NULL when there is none. */
char *
compilers_which(const char *name, const char *search)
{
	return fp_which(name, search);
}

/* Asks the compiler at path its version and target; 0 and fills c, or -1
 * when it does not answer like a compiler. */
static int
probe_version(const char *path, const char *search, int timeout_ms,
    struct compiler *c)
{
	char version[WIRE_TEXT_MAX + 1], target[WIRE_TEXT_MAX + 1];

	if (fp_describe(path, search, timeout_ms, version, target) == -1)
		return -1;
	c->version = xstrdup(version);
	c->target = xstrdup(target);
	return 0;
}

/* Appends the identity of path, with its ctime, to the signature in buf. */
static void
sign_file(char *buf, size_t size, const char *path)
{
	char id[FP_ID_MAX];
	struct stat st;
	size_t len = strlen(buf);

	if (path == NULL || fp_identity(path, id, &st) == -1)
		snprintf(buf + len, size - len, "|-");
	else
		snprintf(buf + len, size - len, "|%s:%jd", id,
		    (intmax_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec);
}

/* Is wire in distccd's whitelist (an executable entry in its directory)? */
static int
whitelisted(const char *dir, const char *wire)
{
	char path[PATH_MAX];

	return snprintf(path, sizeof(path), "%s/%s", dir, wire) <
	    (int)sizeof(path) && access(path, X_OK) == 0;
}

/* The signature of name now: its wire name, whether distccd accepts it,
 * what it resolves to, and the identities of that binary and of the
 * tools a previous probe hashed (tools may be NULL). Into buf. */
static void
signature(const struct compilers *cs, const char *name, const char *search,
    char *const *tools, struct fp_target *t, char *buf, size_t size)
{
	size_t i;

	if (fp_target(name, search, 0, t, NULL) == -1) {
		snprintf(buf, size, "%s|none", name);
		return;
	}
	snprintf(buf, size, "%s|%s|%d", t->wire, t->path,
	    whitelisted(cs->whitelist, t->wire));
	sign_file(buf, size, t->path);
	for (i = 0; tools != NULL && i < FP_TOOLS_MAX; i++)
		if (tools[i] != NULL) {
			size_t len = strlen(buf);

			snprintf(buf + len, size - len, "|%s", tools[i]);
			sign_file(buf, size, tools[i]);
		}
}

/* Frees what c holds and empties it. */
static void
compiler_free(struct compiler *c)
{
	size_t i;

	free(c->name);
	free(c->version);
	free(c->target);
	free(c->sig);
	for (i = 0; i < FP_TOOLS_MAX; i++)
		free(c->tools[i]);
	fp_target_free(&c->t);
	memset(c, 0, sizeof(*c));
}

/* An entry already probed in cs, or in the new list so far, with the same
 * wire name, binary and tools as t: its fingerprint can be reused (gcc and
 * cc are usually one compiler). */
static const struct compiler *
same_binary(const struct compiler *v, size_t n, const struct fp_target *t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].version != NULL && strcmp(v[i].t.wire, t->wire) == 0 &&
		    strcmp(v[i].t.id, t->id) == 0 && v[i].t.path != NULL &&
		    strcmp(v[i].t.path, t->path) == 0)
			return &v[i];
	return NULL;
}

/* Probes name afresh into c (t is what it resolves to; c takes it over). */
static void
probe_one(struct compilers *cs, const struct compiler *done, size_t ndone,
    const char *name, const char *search, int timeout_ms,
    struct fp_target *t, struct compiler *c)
{
	const struct compiler *twin;
	struct fp_result r;
	char err[ERR_MAX], sig[2048];
	size_t i;

	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->t = *t;
	memset(t, 0, sizeof(*t));
	if (c->t.path == NULL || probe_version(c->t.path, search, timeout_ms,
	    c) == -1)
		goto sign;
	if (!whitelisted(cs->whitelist, c->t.wire)) {
		log_debug("compiler %s: distccd does not accept %s (no %s/%s)",
		    name, c->t.wire, cs->whitelist, c->t.wire);
		goto sign;
	}
	if ((twin = same_binary(done, ndone, &c->t)) != NULL && twin->fp[0]) {
		str_copy(c->fp, twin->fp, sizeof(c->fp));
		for (i = 0; i < FP_TOOLS_MAX; i++)
			c->tools[i] = twin->tools[i] ? xstrdup(twin->tools[i]) : NULL;
		goto sign;
	}
	if (fp_compute(&c->t, search, timeout_ms, &r, err) == -1) {
		log_warn("compiler %s: cannot fingerprint %s: %s", name,
		    c->t.path, err);
		goto sign;
	}
	str_copy(c->fp, r.fp, sizeof(c->fp));
	memcpy(c->tools, r.tools, sizeof(c->tools));
sign:
	{
		struct fp_target again;

		/* a binary replaced while it was probed: probe again next time */
		signature(cs, name, search, c->tools, &again, sig, sizeof(sig));
		if ((again.path == NULL) != (c->t.path == NULL) ||
		    strcmp(again.wire, c->t.wire) != 0 ||
		    strcmp(again.id, c->t.id) != 0)
			sig[0] = '\0';
		fp_target_free(&again);
	}
	c->sig = xstrdup(sig);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rebuilds cs->bins, the fingerprinted binaries the cache file lists. */
static void
rebuild_bins(struct compilers *cs)
{
	size_t i;

	fp_table_free(&cs->bins);
	for (i = 0; i < cs->n; i++)
		if (cs->v[i].fp[0] != '\0')
			fp_table_add(&cs->bins, cs->v[i].fp, cs->v[i].t.wire,
			    cs->v[i].t.id, cs->v[i].t.path);
}

/* Did what the check-in reports for a name change from a to b (either may
 * be NULL: no compiler)? */
static int
reported_change(const struct compiler *a, const struct compiler *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a->fp, b->fp) != 0 || strcmp(a->version, b->version) != 0 ||
	    strcmp(a->target, b->target) != 0;
}

/* Finds the entry for name in v (n entries), or NULL. */
static struct compiler *
find(struct compiler *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].name != NULL && strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

/* Frees n entries of v, and v. */
static void
free_entries(struct compiler *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		compiler_free(&v[i]);
	free(v);
}

/* Brings cs up to date with dir (the masquerade directory) against search
 * (a PATH already stripped by compilers_search_path): names added to or
 * removed from dir, and names whose signature changed (see the top of the
 * file), are probed again, each run of a compiler getting timeout_ms; the
 * rest costs a few stats a name. Returns how many reported compilers
 * changed (0: nothing new to report), or -1 with err when dir cannot be
 * read (cs is then unchanged). An absent directory means no compilers. */
int
compilers_update(struct compilers *cs, const char *dir, const char *search,
    int timeout_ms, char *err)
{
	char *names[PROBE_MAX], sig[2048];
	struct compiler *nv, *noff, *old, *fresh;
	size_t nnames = 0, i, nn = 0, nf = 0;
	int changed = 0, reported;
	struct dirent *de;
	DIR *d;

	if (cs->whitelist == NULL)
		cs->whitelist = DISTCC_WHITELIST_DIR;
	if ((d = opendir(dir)) == NULL && errno != ENOENT) {
		seterr(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while (d != NULL && (de = readdir(d)) != NULL && nnames < PROBE_MAX) {
		if (de->d_name[0] == '.')
			continue;
		names[nnames++] = xstrdup(de->d_name);
	}
	if (d != NULL)
		closedir(d);
	qsort(names, nnames, sizeof(names[0]), cmp_name);
	nv = xcalloc(nnames, sizeof(*nv));
	noff = xcalloc(nnames, sizeof(*noff));
	for (i = 0; i < nnames; i++) {
		struct fp_target t;

		reported = 1;
		if ((old = find(cs->v, cs->n, names[i])) == NULL) {
			reported = 0;
			old = find(cs->off, cs->noff, names[i]);
		}
		signature(cs, names[i], search, old ? old->tools : NULL, &t,
		    sig, sizeof(sig));
		if (old != NULL && strcmp(old->sig, sig) == 0) {
			fp_target_free(&t);
			fresh = reported ? &nv[nn++] : &noff[nf++];
			*fresh = *old;
			memset(old, 0, sizeof(*old));	/* moved */
			continue;
		}
		fresh = &nv[nn];
		probe_one(cs, nv, nn, names[i], search, timeout_ms, &t, fresh);
		fp_target_free(&t);
		if (fresh->version == NULL) {
			noff[nf] = *fresh;
			memset(fresh, 0, sizeof(*fresh));
			fresh = &noff[nf++];
		} else
			nn++;
		changed += reported_change(reported ? old : NULL,
		    fresh->version != NULL ? fresh : NULL);
		if (old != NULL)
			compiler_free(old);	/* replaced */
	}
	for (i = 0; i < cs->n; i++)
		changed += cs->v[i].name != NULL;	/* not moved: gone */
	free_entries(cs->v, cs->n);
	free_entries(cs->off, cs->noff);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	cs->v = nv;
	cs->n = nn;
	cs->off = noff;
	cs->noff = nf;
	rebuild_bins(cs);
	return changed;
}

/* Probes every name in dir afresh (see compilers_update); out is emptied
 * first. 0, or -1 with err set when dir cannot be read; the caller frees
 * *out with compilers_free. */
int
compilers_probe(const char *dir, const char *search, int timeout_ms,
    struct compilers *out, char *err)
{
	memset(out, 0, sizeof(*out));
	return compilers_update(out, dir, search, timeout_ms, err) == -1 ? -1 : 0;
}

/* Logs what cs reports, one line a compiler. */
static void
log_compilers(const struct compilers *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		const struct compiler *c = &cs->v[i];

		if (c->fp[0] != '\0')
			log_info("compiler %s: %s %s for %s (%s), fingerprint %s",
			    c->name, c->t.wire, c->version, c->target, c->t.path,
			    c->fp);
		else
			log_info("compiler %s: %s %s for %s (%s), not served: "
			    "no %s/%s or no fingerprint", c->name, c->t.wire,
			    c->version, c->target, c->t.path, cs->whitelist,
			    c->t.wire);
	}
}

/* The heartbeat's check before each check-in: compilers_update, logging
 * what changed. Returns what compilers_update returned. */
int
compilers_refresh(struct compilers *cs, const char *dir, const char *search,
    int timeout_ms)
{
	char err[ERR_MAX];
	int changed;

	if ((changed = compilers_update(cs, dir, search, timeout_ms, err)) == -1)
		log_warn("compilers: %s", err);
	else if (changed > 0) {
		log_info("compilers changed: %zu compiler%s in %s now", cs->n,
		    cs->n == 1 ? "" : "s", dir);
		log_compilers(cs);
	}
	return changed;
}

/* The fingerprint reported for name, or NULL. */
const char *
compilers_fp(const struct compilers *cs, const char *name)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->v[i].name, name) == 0 && cs->v[i].fp[0] != '\0')
			return cs->v[i].fp;
	return NULL;
}

/* Frees what compilers_probe allocated; accepts an empty list. */
void
compilers_free(struct compilers *cs)
{
	free_entries(cs->v, cs->n);
	free_entries(cs->off, cs->noff);
	fp_table_free(&cs->bins);
	cs->v = cs->off = NULL;
	cs->n = cs->noff = 0;
}

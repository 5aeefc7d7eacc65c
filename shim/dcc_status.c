/*
 * dcc_status.c — dcc --status: the config, the lists and their age, this
 * machine's compilers with their fingerprints and pools, and, asked of the
 * server (GET /api/v1/nodes?project=P with the key), which members run the
 * same compilers and why the others do not (version, target, build).
 * Interactive: it may fingerprint compilers and talk to the server.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcc.h"

#define STATUS_CONNECT_MS	1000
#define STATUS_TOTAL_MS		3000
#define STATUS_NAMES_MAX	64

struct mine {			/* one of this machine's compilers */
	struct member_compiler	 mc;	/* name, version, target, fp */
	struct dcc_compiler	 c;
	char			*line;	/* its hosts line, or NULL */
};

static void
status_cache(const char *what, const char *path, double now)
{
	struct hostlist hl;
	struct fp_table bins;
	double fetched;
	char err[ERR_MAX];

	if (path == NULL)
		printf("%-13s (no home directory)\n", what);
	else if (cache_read(path, &hl, &fetched, &bins, err) == -1)
		printf("%-13s %s: %s\n", what, path,
		    access(path, F_OK) == 0 ? "not a host-list file" : "none");
	else {
		printf("%-13s %s: project %s, %.0f s old, ", what, path,
		    hl.project, now - fetched);
		if (hl.compilers)
			printf("%zu compiler list%s, %zu fingerprinted binar%s\n",
			    hl.nfps, hl.nfps == 1 ? "" : "s", bins.n,
			    bins.n == 1 ? "y" : "ies");
		else
			printf("compiler-blind (a 1.0 server)\n");
		hostlist_free(&hl);
		fp_table_free(&bins);
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of this machine's compilers: those in the masquerade directory,
 * else cc alone. Into names (STATUS_NAMES_MAX); returns how many. */
static size_t
compiler_names(const char *masq, char **names)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if (masq != NULL && (d = opendir(masq)) != NULL) {
		while ((de = readdir(d)) != NULL && n < STATUS_NAMES_MAX)
			if (de->d_name[0] != '.' &&
			    wire_compiler_valid(de->d_name))
				names[n++] = xstrdup(de->d_name);
		closedir(d);
	}
	if (n == 0)
		names[n++] = xstrdup("cc");
	qsort(names, n, sizeof(names[0]), cmp_str);
	return n;
}

/* Compares one of our compilers with the member's entry of that name
 * (NULL: it has none), in words, into buf (of size bytes); returns buf.
 * "same compiler" only when the fingerprints are equal. */
const char *
dcc_status_compare(const struct member_compiler *mine,
    const struct member_compiler *theirs, char *buf, size_t size)
{
	if (theirs == NULL)
		snprintf(buf, size, "no %s there", mine->name);
	else if (theirs->fp[0] == '\0')
		snprintf(buf, size, "does not serve %s (no fingerprint: "
		    "dyndistcc 1.0, or its distccd refuses the name)", mine->name);
	else if (mine->fp[0] == '\0')
		snprintf(buf, size, "cannot compare: no fingerprint here");
	else if (strcmp(mine->fp, theirs->fp) == 0)
		snprintf(buf, size, "same compiler");
	else if (strcmp(mine->version, theirs->version) != 0)
		snprintf(buf, size, "differs: version %s there, %s here",
		    theirs->version, mine->version);
	else if (strcmp(mine->target, theirs->target) != 0)
		snprintf(buf, size, "differs: target %s there, %s here",
		    theirs->target, mine->target);
	else
		snprintf(buf, size, "differs: build (same version %s and target "
		    "%s, another binary)", mine->version, mine->target);
	return buf;
}

/* Works out our compilers, their fingerprints and lines; prints them. */
static size_t
status_compilers(struct dcc *d, const char *env_path, struct mine *v,
    double now)
{
	char *names[STATUS_NAMES_MAX], version[WIRE_TEXT_MAX + 1];
	char target[WIRE_TEXT_MAX + 1];
	const struct dcc_list *l;
	size_t n = compiler_names(d->cfg.masquerade_dir, names), i;

	printf("compilers:    (the fingerprint must match a member's for a job to go there)\n");
	for (i = 0; i < n; i++) {
		struct mine *m = &v[i];

		m->mc.name = names[i];
		dcc_compiler_init(&m->c, names[i], env_path,
		    d->cfg.masquerade_dir);
		dcc_compiler_fp(&m->c, &d->lists.sys.bins, &d->paths);
		if (m->c.t.path != NULL && fp_describe(m->c.t.path, m->c.path,
		    STATUS_TOTAL_MS, version, target) == 0) {
			m->mc.version = xstrdup(version);
			m->mc.target = xstrdup(target);
		} else {
			m->mc.version = xstrdup("?");
			m->mc.target = xstrdup("?");
		}
		str_copy(m->mc.fp, m->c.fp, sizeof(m->mc.fp));
		if (m->c.t.path == NULL) {
			printf("  %-18s not found: %s\n", names[i], m->c.why);
			continue;
		}
		printf("  %-18s %s %s for %s: %s%s\n", names[i], m->c.t.wire,
		    m->mc.version, m->mc.target, m->c.t.path, m->c.t.norewrite ?
		    " (kept by name: distcc's rewrite would run another one)" : "");
		if (m->c.fp[0] == '\0') {
			printf("  %-18s no fingerprint (%s): compiles here only\n",
			    "", m->c.why);
			continue;
		}
		l = dcc_lists_best(&d->lists, &d->paths, &d->cfg, m->c.fp, now, 0);
		m->line = l != NULL ? xstrdup(dcc_list_line(l, m->c.fp)) : NULL;
		printf("  %-18s fingerprint %s (%s); ", "", m->c.fp, m->c.fp_from);
		if (m->line != NULL)
			printf("pool %ld: %s\n", wire_hosts_threads(m->line),
			    m->line);
		else
			printf("no list yet (the next compile asks the server)\n");
	}
	return n;
}

/* The list cc's compiles use now (as a compile would pick it, without
 * refreshing it). */
static void
status_using(struct dcc *d, const char *env_path, double now)
{
	const struct dcc_list *l;
	const char *fp = NULL;
	char *hosts;

	dcc_compiler_init(&d->comp, "cc", env_path, d->cfg.masquerade_dir);
	if (dcc_compiler_fp(&d->comp, &d->lists.sys.bins, &d->paths) == 0)
		fp = d->comp.fp;
	if ((l = dcc_lists_best(&d->lists, &d->paths, &d->cfg, fp, now, 1)) == NULL)
		l = dcc_lists_best(&d->lists, &d->paths, &d->cfg, fp, now, 0);
	if (l == NULL) {
		printf("%-13s none for cc: compiling on this machine only\n",
		    "using:");
		hosts = xasprintf("localhost/%d", dcc_local_cores(&d->cfg));
	} else {
		printf("%-13s the %s, %.0f s old, %s (refresh after %d s)\n",
		    "using:", dcc_source_name(l->source), now - l->fetched,
		    dcc_list_fresh(l, now) ? "fresh" : "stale",
		    l->hl.refresh_after);
		hosts = xstrdup(dcc_list_line(l, fp));
	}
	printf("%-13s %s\n", "hosts:", hosts);
	printf("%-13s %ld threads\n", "pool:", wire_hosts_threads(hosts));
	free(hosts);
}

/* Asks the server for the project's members and compares each online one's
 * compilers with ours. */
static void
status_members(struct dcc *d, const struct mine *v, size_t n)
{
	struct http_request req = { 0 };
	struct http_response resp;
	struct member *mv;
	char *url, err[ERR_MAX], why[ERR_MAX], self[WIRE_NODE_ID_LEN + 1];
	size_t nm, i, j, k, offline = 0, len;

	if (d->cfg.server == NULL || d->cfg.project == NULL) {
		printf("%-13s no server or project configured\n", "members:");
		return;
	}
	if (d->cfg_private) {
		printf("%-13s need the project key (sudo dcc --status)\n",
		    "members:");
		return;
	}
	len = strlen(d->cfg.server);
	while (len > 0 && d->cfg.server[len - 1] == '/')
		len--;
	url = xasprintf("%.*s/api/v1/nodes?project=%s", (int)len,
	    d->cfg.server, d->cfg.project);
	req.method = "GET";
	req.url = url;
	req.key = d->cfg.key;
	req.accept = "application/json";
	req.source = d->cfg.source;
	req.connect_ms = STATUS_CONNECT_MS;
	req.total_ms = STATUS_TOTAL_MS;
	if (http_request(&req, &resp, err) == -1) {
		printf("%-13s cannot ask the server: %s\n", "members:", err);
		free(url);
		return;
	}
	free(url);
	if (resp.status != 200 || hostlist_members(resp.body, resp.len, &mv,
	    &nm, err) == -1) {
		if (resp.status != 200)
			hostlist_error(resp.body, resp.len, err, sizeof(err));
		printf("%-13s the server answered %ld%s%s\n", "members:",
		    resp.status, err[0] ? ": " : "", err);
		http_response_free(&resp);
		return;
	}
	http_response_free(&resp);
	if (nodeid_read(d->paths.node_id, self, err) == -1)
		self[0] = '\0';
	printf("%-13s (online; compared with this machine's compilers)\n",
	    "members:");
	for (i = 0; i < nm; i++) {
		const struct member *m = &mv[i];

		if (strcmp(m->state, "online") != 0) {
			offline++;
			continue;
		}
		printf("  %s (%s:%d, %s, dyndistcc %s)%s\n", m->hostname, m->addr,
		    m->port, m->owner, m->version, strcmp(m->id, self) == 0 ?
		    " this machine" : "");
		if (!m->healthy)
			printf("    unhealthy: %s (left out of every list)\n",
			    m->reason[0] ? m->reason : "no reason given");
		for (j = 0; j < n; j++) {
			const struct member_compiler *theirs = NULL;

			for (k = 0; k < m->ncompilers; k++)
				if (strcmp(m->compilers[k].name, v[j].mc.name) == 0)
					theirs = &m->compilers[k];
			printf("    %-18s %s\n", v[j].mc.name,
			    dcc_status_compare(&v[j].mc, theirs, why, sizeof(why)));
		}
	}
	if (offline > 0)
		printf("  (%zu offline member%s not shown)\n", offline,
		    offline == 1 ? "" : "s");
	hostlist_members_free(mv, nm);
}

/* dcc --status; d has its config (setup_config). Returns the exit status. */
int
dcc_status(struct dcc *d, const char *env_path)
{
	struct mine v[STATUS_NAMES_MAX];
	double now = now_wall(), age;
	char text[ERR_MAX], *distcc, *path;
	size_t n, i;

	memset(v, 0, sizeof(v));
	dcc_lists_load(&d->lists, &d->paths, &d->cfg, now);
	dcc_lists_user(&d->lists, &d->paths, &d->cfg, now);
	if (d->cfg_private)
		printf("%-13s %s: not readable by this user (it holds the key); "
		    "the heartbeat's list is used\n", "config:", d->cfg_path);
	else
		printf("%-13s %s%s%s\n", "config:", d->cfg_path,
		    d->cfg_err[0] != '\0' ? ": IGNORED: " : "", d->cfg_err);
	printf("%-13s %s\n", "server:", d->cfg.server ? d->cfg.server : "(none)");
	printf("%-13s %s\n", "project:", d->cfg.project ? d->cfg.project : "(none)");
	printf("%-13s %s\n", "key:", d->cfg.key ? "set" : "(none)");
	printf("%-13s %s\n", "compression:", d->cfg.compression);
	status_cache("system list:", d->paths.system_hosts, now);
	if (dcc_cache_dir_ok(&d->paths, text) == -1)
		printf("%-13s not used: %s\n", "user list:", text);
	else
		status_cache("user list:", d->paths.user_hosts, now);
	n = status_compilers(d, env_path, v, now);
	status_using(d, env_path, now);
	if ((age = dcc_stamp_age(d->paths.failed, now, text, sizeof(text))) < 0)
		printf("%-13s none\n", "last error:");
	else
		printf("%-13s %.0f s ago: %s\n", "last error:", age, text);
	path = dcc_clean_path(env_path, "distcc", d->cfg.masquerade_dir);
	distcc = dcc_find_program(getenv("DCC_DISTCC") && *getenv("DCC_DISTCC") ?
	    getenv("DCC_DISTCC") : "distcc", path);
	printf("%-13s %s\n", "distcc:", distcc ? distcc :
	    "NOT FOUND: compiling on this machine only");
	free(distcc);
	free(path);
	status_members(d, v, n);
	for (i = 0; i < n; i++) {
		free(v[i].mc.name);
		free(v[i].mc.version);
		free(v[i].mc.target);
		free(v[i].line);
		dcc_compiler_free(&v[i].c);
	}
	return 0;
}

/*
 * fuzz_cache.c — libFuzzer target: the files a client reads back from disk
 * (shim/cache.c, shim/nodeid.c): a host-list cache with its "# dyndistcc",
 * "# dyndistcc-fp" and "# dyndistcc-bin" lines, dcc's compiler table, a
 * node-id file. Whatever a reader accepts must hold every rule of the hosts
 * line and the fingerprint table, and written back it must read the same;
 * whatever it refuses leaves nothing behind and says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../shim/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char dir[64], in[96], out[96];

static void
put(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
}

static void
bins_valid(const struct fp_table *t)
{
	size_t i;

	if (t->n > FP_TABLE_MAX)
		abort();
	for (i = 0; i < t->n; i++)
		if (!wire_fp_valid(t->v[i].fp) || t->v[i].wire[0] == '\0' ||
		    !fp_identity_valid(t->v[i].id) || t->v[i].path == NULL ||
		    t->v[i].path[0] != '/' || strchr(t->v[i].path, '\n') != NULL)
			abort();
}

static int
bins_equal(const struct fp_table *a, const struct fp_table *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].fp, b->v[i].fp) != 0 ||
		    strcmp(a->v[i].wire, b->v[i].wire) != 0 ||
		    strcmp(a->v[i].id, b->v[i].id) != 0 ||
		    strcmp(a->v[i].path, b->v[i].path) != 0)
			return 0;
	return 1;
}

static void
hosts_valid(const struct hostlist *hl)
{
	size_t i;

	if (hl->project == NULL || !wire_name_valid(hl->project) ||
	    hl->distcc_hosts == NULL || !wire_hosts_valid(hl->distcc_hosts) ||
	    hl->heartbeat < 1 || hl->heartbeat > WIRE_HEARTBEAT_MAX ||
	    hl->refresh_after < 1 || hl->refresh_after > WIRE_REFRESH_MAX ||
	    hl->ttl < 1 || hl->ttl > WIRE_TTL_MAX ||
	    hl->pool_threads < 0 || hl->pool_threads > WIRE_POOL_MAX ||
	    hl->pool_busy < 0 || (hl->compilers != 0 && hl->compilers != 1) ||
	    hl->nmembers != 0 || hl->nfps > WIRE_FP_REPLY_MAX)
		abort();
	for (i = 0; i < hl->nfps; i++)
		if (!wire_fp_valid(hl->fps[i].fp) ||
		    !wire_hosts_valid(hl->fps[i].hosts) ||
		    hl->fps[i].threads != wire_hosts_threads(hl->fps[i].hosts))
			abort();
}

/* a host-list cache; written back with cache_write, read again: the same */
static void
host_cache(size_t size)
{
	struct hostlist hl, again;
	struct fp_table bins, bins2;
	char err[ERR_MAX] = "";
	double fetched, fetched2;
	size_t i;

	if (cache_read(in, &hl, &fetched, &bins, err) == -1) {
		if (err[0] == '\0' || hl.project != NULL ||
		    hl.distcc_hosts != NULL || hl.nfps != 0 || bins.n != 0)
			abort();
		return;
	}
	hosts_valid(&hl);
	bins_valid(&bins);
	if (fetched < 0)
		abort();
	/* near distcc's 1 MiB, the writer may leave per-compiler lines out */
	if (size > 512 * 1024)
		goto done;
	if (cache_write(out, &hl, &bins, NULL, err) == -1 ||
	    cache_read(out, &again, &fetched2, &bins2, err) == -1)
		abort();
	if (strcmp(hl.project, again.project) != 0 ||
	    strcmp(hl.distcc_hosts, again.distcc_hosts) != 0 ||
	    hl.heartbeat != again.heartbeat || hl.ttl != again.ttl ||
	    hl.refresh_after != again.refresh_after ||
	    hl.pool_threads != again.pool_threads ||
	    hl.pool_busy != again.pool_busy || hl.compilers != again.compilers ||
	    hl.nfps != again.nfps || !bins_equal(&bins, &bins2))
		abort();
	for (i = 0; i < hl.nfps; i++)
		if (strcmp(hl.fps[i].fp, again.fps[i].fp) != 0 ||
		    strcmp(hl.fps[i].hosts, again.fps[i].hosts) != 0)
			abort();
	hostlist_free(&again);
	fp_table_free(&bins2);
done:
	hostlist_free(&hl);
	fp_table_free(&bins);
}

/* dcc's compiler table; written back with cache_write_bins: the same */
static void
compiler_table(void)
{
	struct fp_table t, again;
	char err[ERR_MAX] = "";

	if (cache_read_bins(in, &t, err) == -1) {
		if (err[0] == '\0' || t.n != 0)
			abort();
		return;
	}
	bins_valid(&t);
	if (cache_write_bins(out, &t, err) == -1 ||
	    cache_read_bins(out, &again, err) == -1 || !bins_equal(&t, &again))
		abort();
	fp_table_free(&again);
	fp_table_free(&t);
}

static void
node_id(void)
{
	char id[WIRE_NODE_ID_LEN + 1], canon[WIRE_NODE_ID_LEN + 1];
	char err[ERR_MAX] = "";

	switch (nodeid_read(in, id, err)) {
	case 0:
		if (wire_node_id(id, canon) != 0 || strcmp(id, canon) != 0)
			abort();
		break;
	case -1:
		if (err[0] == '\0')
			abort();
		break;
	default:
		abort();	/* the file exists */
	}
}

static void
remove_dir(void)
{
	unlink(in);
	unlink(out);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/fuzz_cache.XXXXXX",
		    getenv("TMPDIR") != NULL && strlen(getenv("TMPDIR")) < 32 ?
		    getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(in, sizeof(in), "%s/in", dir);
		snprintf(out, sizeof(out), "%s/out", dir);
		atexit(remove_dir);
	}
	put(in, data, size);
	host_cache(size);
	compiler_table();
	node_id();
	unlink(in);
	unlink(out);
	return 0;
}

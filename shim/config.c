/*
 * config.c — the client configuration (/etc/dyndistcc/client.conf), shared
 * by dcc and dcc-heartbeat: the table of its keys, read by the shared `key
 * value` reader (kv.c). dcc reads it on every compile, so loading is one
 * read(2) and a scan; nothing here touches the network or NSS.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static int
check_url(const char *v, char *err)
{
	if (kv_check_word(v, err) == -1)
		return -1;
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
		seterr(err, "'%s' is not an http:// or https:// URL", v);
		return -1;
	}
	return 0;
}

static int
check_name(const char *v, char *err)
{
	if (!wire_name_valid(v)) {
		seterr(err, "'%s' is not a project name (%s)", v, WIRE_NAME_RULE);
		return -1;
	}
	return 0;
}

/* The key travels in a header: keep it to a plain token. */
static int
check_key(const char *v, char *err)
{
	size_t n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-");

	if (v[n] != '\0' || n > 256) {
		seterr(err, "must be 1-256 of [A-Za-z0-9._-]");
		return -1;
	}
	return 0;
}

static int
check_owner(const char *v, char *err)
{
	if (!wire_text_valid(v, WIRE_TEXT_MAX)) {
		seterr(err, "must be at most %d printable characters",
		    WIRE_TEXT_MAX);
		return -1;
	}
	return 0;
}

/* CURLOPT_PINNEDPUBLICKEY's form: sha256// and the base64 of a SHA-256
 * digest (44 characters); several joined by ';' (a key change). */
static int
check_pin(const char *v, char *err)
{
	const char *p = v;
	size_t n;

	do {
		n = strcspn(p, ";");
		if (n != 52 || strncmp(p, "sha256//", 8) != 0 ||
		    strspn(p + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/") != 43 || p[51] != '=') {
			seterr(err, "'%s' is not sha256//<44 characters of base64> "
			    "(dyndistcc-server logs its pin; GET /api/v1/server "
			    "shows it)", v);
			return -1;
		}
		p += n;
	} while (*p++ == ';');
	return 0;
}

static int
check_compression(const char *v, char *err)
{
	if (strcmp(v, "none") != 0 && strcmp(v, "lzo") != 0) {
		seterr(err, "'%s' is not none or lzo", v);
		return -1;
	}
	return 0;
}

static int
check_sched(const char *v, char *err)
{
	if (strcmp(v, "idle") != 0 && strcmp(v, "nice") != 0) {
		seterr(err, "'%s' is not idle or nice", v);
		return -1;
	}
	return 0;
}

static int
check_lend(const char *v, char *err)
{
	if (strcmp(v, "always") != 0 && strcmp(v, "idle") != 0) {
		seterr(err, "'%s' is not always or idle", v);
		return -1;
	}
	return 0;
}

static int
check_memory_max(const char *v, char *err)
{
	long long bytes;
	int pct;

	return config_memory_parse(v, &bytes, &pct, err);
}

#define OFF(k)	offsetof(struct client_config, k)

/* Every key of client.conf: type, range, default and what it is for. The
 * README's table and client.conf.example say the same. */
static const struct kv_key config_keys[] = {
	{ "server", KV_STR, OFF(server), 0, 0, check_url, NULL, 0,
	    "the server's URL, http://10.0.0.2:33333" },
	{ "project", KV_STR, OFF(project), 0, 0, check_name, NULL, 0,
	    "the project this machine belongs to" },
	{ "key", KV_STR, OFF(key), 0, 0, check_key, NULL, 1,
	    "the project's join key; open projects have none" },
	{ "nice", KV_INT, OFF(nice), WIRE_NICE_MIN, WIRE_NICE_MAX, NULL, "10", 0,
	    "nice value of the pool's jobs with sched nice" },
	{ "cores", KV_INT, OFF(cores), 0, WIRE_CORES_MAX, NULL, "0", 0,
	    "cores to lend; 0: what this machine may use" },
	{ "state_dir", KV_STR, OFF(state_dir), 0, 0, kv_check_path,
	    DEFAULT_STATE_DIR, 0, "node id and host list" },
	{ "source", KV_STR, OFF(source), 0, 0, kv_check_word, NULL, 0,
	    "local address to check in from" },
	{ "advertise", KV_STR, OFF(advertise), 0, 0, kv_check_word, NULL, 0,
	    "ADDR[:PORT] the other members should use (NAT)" },
	{ "distccd_port", KV_INT, OFF(distccd_port), WIRE_PORT_MIN,
	    WIRE_PORT_MAX, NULL, "3632", 0, "the job port" },
	{ "distccd_listen", KV_STR, OFF(distccd_listen), 0, 0, kv_check_word, NULL,
	    0, "address the job port listens on; all when unset" },
	{ "manage_distccd", KV_BOOL, OFF(manage_distccd), 0, 1, NULL, "yes", 0,
	    "run and supervise distccd" },
	{ "masquerade_dir", KV_STR, OFF(masquerade_dir), 0, 0, kv_check_path,
	    DEFAULT_MASQUERADE_DIR, 0, "the compiler links to dcc" },
	{ "distcc_hosts_file", KV_STR, OFF(distcc_hosts_file), 0, 0,
	    kv_check_path, NULL, 0, "also write the bare hosts line here" },
	{ "owner", KV_STR, OFF(owner), 0, 0, check_owner, NULL, 0,
	    "the name shown for this machine; default: the login name" },
	{ "server_ca", KV_STR, OFF(server_ca), 0, 0, kv_check_path, NULL, 0,
	    "PEM file of the CA (or the certificate) that verifies an https:// "
	    "server" },
	{ "server_pin", KV_STR, OFF(server_pin), 0, 0, check_pin, NULL, 0,
	    "the https:// server's key: sha256//BASE64, as the panel shows it" },
	{ "compression", KV_STR, OFF(compression), 0, 0, check_compression,
	    "none", 0, "lzo: distcc compresses jobs to other hosts (,lzo)" },
	{ "sched", KV_STR, OFF(sched), 0, 0, check_sched, "idle", 0,
	    "how jobs run: idle (SCHED_IDLE) or nice (at `nice`)" },
	{ "lend", KV_STR, OFF(lend), 0, 0, check_lend, "always", 0,
	    "always, or idle: only while the owner's CPU use is low" },
	{ "lend_share", KV_INT, OFF(lend_share), 1, 100, NULL, "100", 0,
	    "per cent of the cores lent at most" },
	{ "lend_floor", KV_INT, OFF(lend_floor), 0, WIRE_CORES_MAX, NULL, "0", 0,
	    "slots still lent while the owner is busy (lend idle)" },
	{ "lend_idle_cpu", KV_INT, OFF(lend_idle_cpu), 1, 100, NULL, "25", 0,
	    "the owner is busy above this per cent of all CPUs (lend idle)" },
	{ "lend_idle_after", KV_INT, OFF(lend_idle_after), 1, 3600, NULL, "30", 0,
	    "seconds the owner must be idle before lending again" },
	{ "job_memory", KV_INT, OFF(job_memory), 0, 1048576, NULL, "1024", 0,
	    "MiB of memory a job may need (slots <= available / this); 0: off" },
	{ "jobs_memory_max", KV_STR, OFF(jobs_memory_max), 0, 0,
	    check_memory_max, "75%", 0,
	    "memory cap of all jobs together: N%, N[KMG] or none" },
	{ "jobs_tmpdir", KV_STR, OFF(jobs_tmpdir), 0, 0, kv_check_path, NULL, 0,
	    "where jobs write temporary files; default TMPDIR or /tmp" },
	{ "jobs_tmp_min_free", KV_INT, OFF(jobs_tmp_min_free), 0, 1048576, NULL,
	    "1024", 0, "MiB that must be free there, or the node is unhealthy" },
	{ "canary_interval", KV_INT, OFF(canary_interval), 10, 86400, NULL, "300",
	    0, "seconds between canary compiles through the job port" },
};

static const struct kv_table config_table = { config_keys, NELEM(config_keys) };

/* Parses a memory size for jobs_memory_max: "none" (both 0), "N%" of the
 * machine's memory (1..100 into *pct), or N with an optional K, M, G or T
 * suffix (bytes into *bytes, at least 1 MiB). 0, or -1 with err. */
int
config_memory_parse(const char *v, long long *bytes, int *pct, char *err)
{
	static const char units[] = "KMGT";
	const char *u;
	char *end;
	long long n;

	*bytes = 0;
	*pct = 0;
	if (strcmp(v, "none") == 0)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || errno != 0 || n <= 0)
		goto bad;
	if (strcmp(end, "%") == 0) {
		if (n > 100)
			goto bad;
		*pct = (int)n;
		return 0;
	}
	if (*end != '\0') {
		if ((u = strchr(units, *end)) == NULL || end[1] != '\0')
			goto bad;
		for (int i = 0; i <= u - units; i++) {
			if (n > (1LL << 50))
				goto bad;
			n *= 1024;
		}
	}
	if (n < 1024 * 1024)
		goto bad;
	*bytes = n;
	return 0;
bad:
	seterr(err, "'%s' is not none, N%% (1..100) or a size of at least 1M "
	    "(N with K, M, G or T)", v);
	return -1;
}

/* Sets every field to its default. Strings are owned by cfg (config_free);
 * owner stays NULL, meaning "the login name", which dcc-heartbeat resolves. */
void
config_defaults(struct client_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	kv_defaults(cfg, &config_table);
}

/* Sets one key from its text value; 0, or -1 with err (without file:line). */
int
config_set(struct client_config *cfg, const char *name, const char *value,
    char *err)
{
	return kv_set(cfg, &config_table, name, value, err);
}

/* Reads `key value` lines from path over what cfg holds. A missing file is
 * fine when missing_ok. On any error returns -1 with "path:line: reason" in
 * err; keys before the bad line stay applied, so callers treat -1 as fatal
 * (daemons) or fall back to defaults (dcc). */
int
config_load(struct client_config *cfg, const char *path, int missing_ok,
    char *err)
{
	if (kv_load(cfg, &config_table, path, missing_ok, err) == -1)
		return -1;
	if ((cfg->server_pin != NULL || cfg->server_ca != NULL) &&
	    cfg->server != NULL && strncmp(cfg->server, "https://", 8) != 0) {
		seterr(err, "%s: server %s is plain http:// but server_%s is "
		    "set: the key would travel unencrypted; use https://", path,
		    cfg->server, cfg->server_pin != NULL ? "pin" : "ca");
		return -1;
	}
	return 0;
}

/* Reads config text (modified) over what cfg holds; name is where it came
 * from, for errors. For config_load and the fuzz target. */
int
config_parse(struct client_config *cfg, char *text, const char *name,
    char *err)
{
	return kv_parse(cfg, &config_table, text, name, err);
}

/* Prints the effective configuration, the key masked (dcc-heartbeat -n -v). */
void
config_print(FILE *f, struct client_config *cfg)
{
	kv_print(f, cfg, &config_table);
}

static void
env_override(char **field, const char *name)
{
	const char *v = getenv(name);

	if (v == NULL)
		return;
	free(*field);
	*field = *v != '\0' ? xstrdup(v) : NULL;
}

/* Applies DCC_SERVER, DCC_PROJECT and DCC_KEY over the file's values; an
 * empty variable clears the field (DCC_KEY= for an open project). */
void
config_apply_env(struct client_config *cfg)
{
	env_override(&cfg->server, "DCC_SERVER");
	env_override(&cfg->project, "DCC_PROJECT");
	env_override(&cfg->key, "DCC_KEY");
}

/* Frees every string in cfg; cfg itself belongs to the caller. NULL is fine. */
void
config_free(struct client_config *cfg)
{
	kv_free(cfg, &config_table);
}

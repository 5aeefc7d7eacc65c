/*
 * config.c — the client configuration (/etc/dyndistcc/client.conf), shared
 * by dcc and dcc-heartbeat: `key value` lines, `#` comments, one table of
 * keys. dcc reads it on every compile, so loading is one read(2) and a scan;
 * nothing here touches the network or NSS.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

#define CONFIG_MAX	(64 * 1024)	/* a config file is a few lines */

enum conf_type { CONF_STR, CONF_INT, CONF_BOOL };

/* What a string value must look like, beyond "printable, no spaces". */
enum conf_check { CHECK_NONE, CHECK_URL, CHECK_NAME, CHECK_KEY, CHECK_PATH };

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 offset;
	long		 min, max;	/* CONF_INT */
	enum conf_check	 check;		/* CONF_STR */
};

#define STR(k, c)	{ #k, CONF_STR, offsetof(struct client_config, k), 0, 0, c }
#define INT(k, lo, hi)	{ #k, CONF_INT, offsetof(struct client_config, k), lo, hi, CHECK_NONE }
#define BOOL(k)		{ #k, CONF_BOOL, offsetof(struct client_config, k), 0, 1, CHECK_NONE }

static const struct conf_key conf_keys[] = {
	STR(server, CHECK_URL),
	STR(project, CHECK_NAME),
	STR(key, CHECK_KEY),
	INT(nice, -20, 19),
	INT(cores, 0, 4096),
	STR(state_dir, CHECK_PATH),
	STR(source, CHECK_NONE),
	STR(advertise, CHECK_NONE),
	INT(distccd_port, 1, 65535),
	STR(distccd_listen, CHECK_NONE),
	BOOL(manage_distccd),
	STR(masquerade_dir, CHECK_PATH),
	STR(distcc_hosts_file, CHECK_PATH),
	STR(owner, CHECK_NONE),
};

static char **
conf_str(struct client_config *cfg, const struct conf_key *k)
{
	return (char **)((char *)cfg + k->offset);
}

static int *
conf_int(struct client_config *cfg, const struct conf_key *k)
{
	return (int *)((char *)cfg + k->offset);
}

/* Sets every field to its default. Strings are owned by cfg (config_free);
 * owner stays NULL, meaning "the login name", which dcc-heartbeat resolves. */
void
config_defaults(struct client_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nice = 10;
	cfg->cores = 0;
	cfg->state_dir = xstrdup(DEFAULT_STATE_DIR);
	cfg->distccd_port = DISTCCD_DEFAULT_PORT;
	cfg->manage_distccd = 1;
	cfg->masquerade_dir = xstrdup(DEFAULT_MASQUERADE_DIR);
}

/* Is s 1..max characters of [A-Za-z0-9._-]? */
static int
valid_token(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && strchr("._-", s[n]) == NULL)
			return 0;
	return n >= 1 && n <= max;
}

/* Does name match [A-Za-z0-9._-]{1,64}, the shape of project names? */
int
config_valid_name(const char *name)
{
	return valid_token(name, 64);
}

static int
check_string(const struct conf_key *k, const char *v, char *err)
{
	const char *p;

	for (p = v; *p != '\0'; p++)
		if (!isgraph((unsigned char)*p)) {
			seterr(err, "%s: value must be printable without spaces",
			    k->name);
			return -1;
		}
	switch (k->check) {
	case CHECK_URL:
		if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
			seterr(err, "server: '%s' is not an http:// or https:// URL", v);
			return -1;
		}
		break;
	case CHECK_NAME:
		if (!config_valid_name(v)) {
			seterr(err, "%s: '%s' is not 1-64 of [A-Za-z0-9._-]", k->name, v);
			return -1;
		}
		break;
	case CHECK_KEY:
		/* It travels in a header: keep it to a plain token. */
		if (!valid_token(v, 256)) {
			seterr(err, "key: must be 1-256 of [A-Za-z0-9._-]");
			return -1;
		}
		break;
	case CHECK_PATH:
		if (v[0] != '/') {
			seterr(err, "%s: '%s' is not an absolute path", k->name, v);
			return -1;
		}
		break;
	case CHECK_NONE:
		break;
	}
	return 0;
}

/* Sets one key from its text value; 0, or -1 with err (without file:line). */
int
config_set(struct client_config *cfg, const char *name, const char *value,
    char *err)
{
	const struct conf_key *k;
	size_t i;
	long v;

	for (i = 0; i < NELEM(conf_keys); i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			break;
	if (i == NELEM(conf_keys)) {
		seterr(err, "unknown key '%s'", name);
		return -1;
	}
	k = &conf_keys[i];
	switch (k->type) {
	case CONF_STR:
		if (check_string(k, value, err) == -1)
			return -1;
		free(*conf_str(cfg, k));
		*conf_str(cfg, k) = xstrdup(value);
		break;
	case CONF_INT:
		if (str_to_long(value, k->min, k->max, &v) == -1) {
			seterr(err, "%s: '%s' is not a number in %ld..%ld", name,
			    value, k->min, k->max);
			return -1;
		}
		*conf_int(cfg, k) = (int)v;
		break;
	case CONF_BOOL:
		if (strcmp(value, "yes") == 0)
			*conf_int(cfg, k) = 1;
		else if (strcmp(value, "no") == 0)
			*conf_int(cfg, k) = 0;
		else {
			seterr(err, "%s: '%s' is not yes or no", name, value);
			return -1;
		}
		break;
	}
	return 0;
}

/* Reads `key value` lines from path over what cfg holds. A missing file is
 * fine when missing_ok. On any error returns -1 with "path:line: reason" in
 * err; keys before the bad line stay applied, so callers treat -1 as fatal
 * (daemons) or fall back to defaults (dcc). */
int
config_load(struct client_config *cfg, const char *path, int missing_ok,
    char *err)
{
	char *buf, *line, *next, e[ERR_MAX];
	int lineno = 0, rc = 0;

	if ((buf = file_read(path, CONFIG_MAX, NULL, e)) == NULL) {
		if (missing_ok && access(path, F_OK) == -1)
			return 0;
		seterr(err, "%s", e);
		return -1;
	}
	for (line = buf; line != NULL && rc == 0; line = next) {
		char *key, *value, *end, *hash;

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		/* a '#' that starts a word starts a comment */
		for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++)
			if (hash == line || isspace((unsigned char)hash[-1])) {
				*hash = '\0';
				break;
			}
		key = line + strspn(line, " \t\r");
		if (*key == '\0')
			continue;
		end = key + strcspn(key, " \t\r");
		value = end + strspn(end, " \t\r");
		*end = '\0';
		end = value + strlen(value);
		while (end > value && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*value == '\0') {
			seterr(err, "%s:%d: %s: missing value", path, lineno, key);
			rc = -1;
		} else if (config_set(cfg, key, value, e) == -1) {
			seterr(err, "%s:%d: %s", path, lineno, e);
			rc = -1;
		}
	}
	free(buf);
	return rc;
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
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < NELEM(conf_keys); i++)
		if (conf_keys[i].type == CONF_STR) {
			free(*conf_str(cfg, &conf_keys[i]));
			*conf_str(cfg, &conf_keys[i]) = NULL;
		}
}

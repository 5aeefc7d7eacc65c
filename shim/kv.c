/*
 * kv.c — the one reader of `key value` config files, for server.conf and
 * client.conf alike. Each program describes its keys in a table (name,
 * type, where the value goes, range, default, help); this file reads lines,
 * strips comments and blanks, and sets fields through the table.
 *
 * Syntax: one `key value` per line; the value is the rest of the line with
 * surrounding blanks removed; a `#` at the start of a line or after a blank
 * starts a comment (so `admin_token abc # x` sets "abc", and `a#b` keeps its
 * `#`). A later line wins. Errors name file:line.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define KV_FILE_MAX	(64 * 1024)	/* a config file is a few lines */
#define KV_VALUE_MAX	1024

/* A KV_STR rule for values that must be one word, without blanks: an
 * address, a path, a token. */
int
kv_check_word(const char *v, char *err)
{
	if (v[strcspn(v, " \t")] != '\0') {
		seterr(err, "'%s' must be one word, without blanks", v);
		return -1;
	}
	return 0;
}

/* A KV_STR rule for paths: one word, absolute (a daemon's starting
 * directory is no place to resolve a relative one against). */
int
kv_check_path(const char *v, char *err)
{
	if (kv_check_word(v, err) == -1)
		return -1;
	if (v[0] != '/') {
		seterr(err, "'%s' is not an absolute path", v);
		return -1;
	}
	return 0;
}

static char **
field_str(void *cfg, const struct kv_key *k)
{
	return (char **)(void *)((char *)cfg + k->off);
}

static int *
field_int(void *cfg, const struct kv_key *k)
{
	return (int *)(void *)((char *)cfg + k->off);
}

static const struct kv_key *
find(const struct kv_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->keys[i].name, name) == 0)
			return &t->keys[i];
	return NULL;
}

/* Sets one key from its text value, checking its type, range and rule.
 * 0, or -1 with err (without file:line); the field is unchanged then. */
int
kv_set(void *cfg, const struct kv_table *t, const char *name,
    const char *value, char *err)
{
	const struct kv_key *k = find(t, name);
	char e[ERR_MAX];
	const char *p;
	long v;

	if (k == NULL) {
		seterr(err, "unknown key '%s'", name);
		return -1;
	}
	switch (k->type) {
	case KV_STR:
		if (*value == '\0' || strlen(value) > KV_VALUE_MAX) {
			seterr(err, "%s: needs a value of 1..%d characters", name,
			    KV_VALUE_MAX);
			return -1;
		}
		for (p = value; *p != '\0'; p++)
			if (iscntrl((unsigned char)*p)) {
				seterr(err, "%s: control characters are not allowed",
				    name);
				return -1;
			}
		if (k->check != NULL && k->check(value, e) == -1) {
			seterr(err, "%s: %s", name, e);
			return -1;
		}
		free(*field_str(cfg, k));
		*field_str(cfg, k) = xstrdup(value);
		return 0;
	case KV_INT:
		if (str_to_long(value, k->min, k->max, &v) == -1) {
			seterr(err, "%s: '%s' is not an integer in %ld..%ld", name,
			    value, k->min, k->max);
			return -1;
		}
		*field_int(cfg, k) = (int)v;
		return 0;
	case KV_BOOL:
		if (strcmp(value, "yes") == 0)
			*field_int(cfg, k) = 1;
		else if (strcmp(value, "no") == 0)
			*field_int(cfg, k) = 0;
		else {
			seterr(err, "%s: '%s' is not yes or no", name, value);
			return -1;
		}
		return 0;
	}
	seterr(err, "%s: bad key type", name);
	return -1;
}

/* Sets every key of t to its default (strings duplicated, owned by cfg;
 * keys without a default are NULL or 0). The caller zeroed cfg or freed it
 * with kv_free. */
void
kv_defaults(void *cfg, const struct kv_table *t)
{
	char err[ERR_MAX];
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct kv_key *k = &t->keys[i];

		if (k->type == KV_STR)
			*field_str(cfg, k) = NULL;
		else
			*field_int(cfg, k) = 0;
		if (k->def != NULL && kv_set(cfg, t, k->name, k->def, err) == -1)
			fatal("default of %s: %s", k->name, err);
	}
}

/* Reads `key value` lines from text (name says where they came from, for
 * errors) over what cfg holds. 0, or -1 with "name:line: reason" in err;
 * keys before the bad line stay applied, so callers treat -1 as fatal
 * (daemons) or fall back to defaults (dcc). text is modified. */
int
kv_parse(void *cfg, const struct kv_table *t, char *text, const char *name,
    char *err)
{
	char *line, *next, *key, *value, *end, *hash, e[ERR_MAX];
	int lineno = 0;

	for (line = text; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
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
			seterr(err, "%s:%d: %s: missing value", name, lineno, key);
			return -1;
		}
		if (kv_set(cfg, t, key, value, e) == -1) {
			seterr(err, "%s:%d: %s", name, lineno, e);
			return -1;
		}
	}
	return 0;
}

/* Reads the file at path with kv_parse. A missing file is fine (0) when
 * missing_ok. The file must be a regular file; it is opened without
 * blocking, so a FIFO in its place cannot hang the caller. */
int
kv_load(void *cfg, const struct kv_table *t, const char *path, int missing_ok,
    char *err)
{
	char *text, e[ERR_MAX];
	int rc;

	if ((text = file_read(path, KV_FILE_MAX, NULL, e)) == NULL) {
		if (missing_ok && access(path, F_OK) == -1)
			return 0;
		seterr(err, "%s", e);
		return -1;
	}
	rc = kv_parse(cfg, t, text, path, err);
	free(text);
	return rc;
}

/* Frees the strings of cfg that t describes; cfg itself is the caller's. */
void
kv_free(void *cfg, const struct kv_table *t)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < t->n; i++)
		if (t->keys[i].type == KV_STR) {
			free(*field_str(cfg, &t->keys[i]));
			*field_str(cfg, &t->keys[i]) = NULL;
		}
}

/* Prints the effective configuration, one `key value  # help` line a key
 * (secrets shown as "(set)"), for the -n check of the daemons. */
void
kv_print(FILE *f, void *cfg, const struct kv_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct kv_key *k = &t->keys[i];
		char val[64];
		const char *v = val;

		if (k->type == KV_STR) {
			v = *field_str(cfg, k);
			if (v == NULL)
				v = "(none)";
			else if (k->secret)
				v = "(set)";
		} else if (k->type == KV_BOOL)
			v = *field_int(cfg, k) ? "yes" : "no";
		else
			snprintf(val, sizeof(val), "%d", *field_int(cfg, k));
		fprintf(f, "%-24s %-32s # %s\n", k->name, v, k->help);
	}
}

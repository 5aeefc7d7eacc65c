/*
 * nodeid.c — this machine's node id: 32 lowercase hex digits from
 * getrandom(2), created once in <state_dir>/node-id and kept for the life of
 * the machine, so a node keeps its identity across address changes and
 * reboots.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

/* Fills id with a fresh random id. 0, or -1 with err set. */
int
nodeid_generate(char id[WIRE_NODE_ID_LEN + 1], char *err)
{
	return random_hex(id, WIRE_NODE_ID_LEN / 2, err);
}

/* Reads a node-id file into id (WIRE_NODE_ID_LEN + 1 bytes, lowercase):
 * 32 hex digits in either case, then blanks. 0, 1 when the file does not
 * exist, -1 with err on a bad or unreadable file. dcc reads the heartbeat's
 * with it. */
int
nodeid_read(const char *path, char id[WIRE_NODE_ID_LEN + 1], char *err)
{
	size_t len;
	char *text;

	if (access(path, F_OK) == -1 && errno == ENOENT)
		return 1;
	if ((text = file_read(path, 256, &len, err)) == NULL)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	    text[len - 1] == ' '))
		text[--len] = '\0';
	if (wire_node_id(text, id) == -1) {
		seterr(err, "%s: not a node id (%s)", path, WIRE_NODE_ID_RULE);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

/* Loads this machine's node id from <state_dir>/node-id, creating the
 * directory (0755) and the file (0644) the first time. Concurrent first
 * starts agree on one id: the file appears with link(2), which never
 * replaces an existing one. 0, or -1 with err set. */
int
nodeid_load(const char *state_dir, char id[WIRE_NODE_ID_LEN + 1], char *err)
{
	char path[PATH_MAX], tmp[PATH_MAX], line[WIRE_NODE_ID_LEN + 2];
	int fd, r;

	if (snprintf(path, sizeof(path), "%s/node-id", state_dir) >=
	    (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.node-id.%ld", state_dir,
	    (long)getpid()) >= (int)sizeof(tmp)) {
		seterr(err, "%s: path too long", state_dir);
		return -1;
	}
	if ((r = nodeid_read(path, id, err)) <= 0)
		return r;
	if (mkdir_p(state_dir, 0755, err) == -1)
		return -1;
	if (nodeid_generate(id, err) == -1)
		return -1;
	snprintf(line, sizeof(line), "%s\n", id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		seterr(err, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write(fd, line, WIRE_NODE_ID_LEN + 1) != WIRE_NODE_ID_LEN + 1 ||
	    fsync(fd) == -1) {
		seterr(err, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	r = link(tmp, path);
	unlink(tmp);
	if (r == -1 && errno != EEXIST) {
		seterr(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Whoever linked first won; everyone uses the id on disk. */
	return nodeid_read(path, id, err) == 0 ? 0 : -1;
}

/* Gives this machine a new node id, replacing <state_dir>/node-id (for a
 * node whose id the server says belongs to another machine). 0, or -1 with
 * err set. */
int
nodeid_renew(const char *state_dir, char id[WIRE_NODE_ID_LEN + 1], char *err)
{
	char path[PATH_MAX], line[WIRE_NODE_ID_LEN + 2];

	if (snprintf(path, sizeof(path), "%s/node-id", state_dir) >=
	    (int)sizeof(path)) {
		seterr(err, "%s: path too long", state_dir);
		return -1;
	}
	if (nodeid_generate(id, err) == -1)
		return -1;
	snprintf(line, sizeof(line), "%s\n", id);
	return file_write_atomic(path, line, strlen(line), 0644, err);
}

/* Reads <state_dir>/node-secret into secret (WIRE_SECRET_LEN + 1 bytes,
 * lowercase). 0, 1 when there is none, -1 with err when it is unreadable
 * or not a secret. */
int
nodeid_secret_read(const char *state_dir, char *secret, char *err)
{
	char path[PATH_MAX];
	size_t len, i;
	char *text;

	snprintf(path, sizeof(path), "%s/node-secret", state_dir);
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return 1;
	if ((text = file_read(path, 256, &len, err)) == NULL)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	for (i = 0; i < len && isxdigit((unsigned char)text[i]); i++)
		;
	if (len != WIRE_SECRET_LEN || i != len) {
		seterr(err, "%s: not a node secret (%d hex digits)", path,
		    WIRE_SECRET_LEN);
		free(text);
		return -1;
	}
	for (i = 0; i < len; i++)
		secret[i] = (char)tolower((unsigned char)text[i]);
	secret[len] = '\0';
	free(text);
	return 0;
}

/* Stores the secret the server bound to this node in
 * <state_dir>/node-secret, mode 0600: written to a file created
 * exclusively (O_EXCL, never through a link someone planted), synced, then
 * renamed over any old one. 0, or -1 with err set. */
int
nodeid_secret_write(const char *state_dir, const char *secret, char *err)
{
	char path[PATH_MAX], tmp[PATH_MAX], line[WIRE_SECRET_LEN + 2];
	size_t len;
	int fd;

	if (snprintf(path, sizeof(path), "%s/node-secret", state_dir) >=
	    (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.node-secret.%ld", state_dir,
	    (long)getpid()) >= (int)sizeof(tmp)) {
		seterr(err, "%s: path too long", state_dir);
		return -1;
	}
	len = (size_t)snprintf(line, sizeof(line), "%s\n", secret);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		seterr(err, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) == -1) {
		seterr(err, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		seterr(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

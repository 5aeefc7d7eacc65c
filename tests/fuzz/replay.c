/*
 * replay.c — a main() for the libFuzzer targets without libFuzzer: feeds
 * LLVMFuzzerTestOneInput every file of the directories (or the files) on
 * its command line, whole and cut short at a few points, so make check
 * replays the seed corpora with the ordinary compiler and under the
 * sanitizers. A target that rejects an input aborts; so does this.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define CUTS	16	/* prefixes of each input also tried */

static size_t runs;

static void
replay(const char *path)
{
	uint8_t *buf, *copy;
	size_t len = 0, cap = 4096, n, i, cut;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL || (buf = malloc(cap)) == NULL) {
		perror(path);
		exit(2);
	}
	while ((n = fread(buf + len, 1, cap - len, f)) > 0)
		if ((len += n) == cap && (buf = realloc(buf, cap *= 2)) == NULL) {
			perror(path);
			exit(2);
		}
	fclose(f);
	/* each run gets a buffer of exactly its size, so reading past the
	 * end is caught under ASan */
	for (i = 0; i <= CUTS; i++) {
		cut = i == CUTS ? len : len * i / CUTS;
		if (i > 0 && i < CUTS && cut == len * (i - 1) / CUTS)
			continue;
		if ((copy = malloc(cut > 0 ? cut : 1)) == NULL)
			exit(2);
		memcpy(copy, buf, cut);
		LLVMFuzzerTestOneInput(copy, cut);
		free(copy);
		runs++;
	}
	free(buf);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	struct dirent *e;
	struct stat st;
	char **names, path[4096];
	size_t n, cap, i;
	DIR *d;
	int arg;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (arg = 1; arg < argc; arg++) {
		if (stat(argv[arg], &st) == -1) {
			perror(argv[arg]);
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			replay(argv[arg]);
			continue;
		}
		if ((d = opendir(argv[arg])) == NULL) {
			perror(argv[arg]);
			return 2;
		}
		n = 0;
		cap = 16;
		names = malloc(cap * sizeof(*names));
		while (names != NULL && (e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			if (n == cap)
				names = reallocarray(names, cap *= 2, sizeof(*names));
			if (names != NULL && (names[n++] = strdup(e->d_name)) == NULL)
				return 2;
		}
		closedir(d);
		if (names == NULL)
			return 2;
		qsort(names, n, sizeof(*names), by_name);	/* same order everywhere */
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s", argv[arg], names[i]);
			printf("%s\n", path);
			fflush(stdout);
			replay(path);
			free(names[i]);
		}
		free(names);
	}
	printf("%zu runs\n", runs);
	return 0;
}

/* Unit tests for shim/jobport.c: what the job port logs of a distcc
 * request, the compiler and the source file, read from its first bytes. */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "heartbeat.h"

/* Builds a distcc request (DIST 1, ARGC, ARGV tokens) of argv into buf. */
static size_t
request(char *buf, size_t size, const char *const *argv, int argc)
{
	size_t len;
	int i;

	len = (size_t)snprintf(buf, size, "DIST%08xARGC%08x", 1, argc);
	for (i = 0; i < argc && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "ARGV%08zx%s",
		    strlen(argv[i]), argv[i]);
	return len;
}

static char compiler[64], file[64];

/* What the job port logs of a request of argv, cut to len bytes (0: all):
 * into compiler and file. */
static void
logged(const char *const *argv, int argc, size_t len)
{
	char buf[512];
	size_t all = request(buf, sizeof(buf), argv, argc);

	jobport_request(buf, len ? len : all, compiler, sizeof(compiler), file,
	    sizeof(file));
}

/* The file is the last argument that is neither an option nor the value of
 * one: clang's -target TRIPLE is a value (the canary's log once named the
 * triple as its file). */
TEST(compiler_and_file)
{
	static const char *const gcc[] = { "x86_64-linux-gnu-gcc", "-O2", "-c",
	    "parser.c", "-o", "parser.o" };
	static const char *const clang[] = { "clang", "-c", "canary.c",
	    "-target", "x86_64-pc-linux-gnu", "-o", "canary.o" };
	static const char *const none[] = { "cc", "-c", "-o", "x.o" };

	logged(gcc, 6, 0);
	CHECK_STR(compiler, "x86_64-linux-gnu-gcc");
	CHECK_STR(file, "parser.c");
	logged(clang, 7, 0);
	CHECK_STR(compiler, "clang");
	CHECK_STR(file, "canary.c");
	logged(none, 4, 0);
	CHECK_STR(file, "?");
	logged(gcc, 6, 30);	/* cut short: what is there, "?" for the rest */
	CHECK_STR(file, "?");
	jobport_request(NULL, 0, compiler, sizeof(compiler), file, sizeof(file));
	CHECK_STR(compiler, "?");
}

/* Bytes that are not printable reach the log as '?'. */
TEST(printable)
{
	static const char *const evil[] = { "gcc\033[2J", "-c", "a\nb.c" };

	logged(evil, 3, 0);
	CHECK_STR(compiler, "gcc?[2J");
	CHECK_STR(file, "a?b.c");
}

int
main(void)
{
	RUN(compiler_and_file);
	RUN(printable);
	return test_summary();
}

/*
 * test.h — a tiny unit-test harness. Each tests/unit/test_<file>.c is one
 * program: write TEST(name) { … CHECK(…); … } functions, then
 *     int main(void) { RUN(name); …; return test_summary(); }
 * A failed CHECK prints file:line and the expression and the test goes on.
 */
#ifndef DYNDISTCC_TEST_H
#define DYNDISTCC_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <string.h>

static int test_checks, test_failures, test_current_failed;
static const char *test_current;

#define TEST(name) static void test_##name(void)

#define RUN(name) do {							\
	test_current = #name;						\
	test_current_failed = 0;					\
	test_##name();							\
	printf("%s %s\n", test_current_failed ? "FAIL" : "ok  ", #name); \
} while (0)

#define CHECK(cond) do {						\
	test_checks++;							\
	if (!(cond)) {							\
		test_failures++;					\
		test_current_failed = 1;				\
		fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n",	\
		    __FILE__, __LINE__, test_current, #cond);		\
	}								\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	test_checks++;							\
	if (a_ != b_) {							\
		test_failures++;					\
		test_current_failed = 1;				\
		fprintf(stderr, "%s:%d: %s: %s == %lld, expected %lld\n", \
		    __FILE__, __LINE__, test_current, #a, a_, b_);	\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	test_checks++;							\
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {		\
		test_failures++;					\
		test_current_failed = 1;				\
		fprintf(stderr, "%s:%d: %s: %s == \"%s\", expected \"%s\"\n", \
		    __FILE__, __LINE__, test_current, #a,		\
		    a_ ? a_ : "(null)", b_ ? b_ : "(null)");		\
	}								\
} while (0)

static int
test_rmtree_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

/* rm -rf dir, for a test's temp dir; a failure is a failed check. */
static inline void
test_rmtree(const char *dir)
{
	test_checks++;
	if (nftw(dir, test_rmtree_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
		test_failures++;
		fprintf(stderr, "could not remove %s\n", dir);
	}
}

static inline int
test_summary(void)
{
	printf("%d checks, %d failed\n", test_checks, test_failures);
	return test_failures ? 1 : 0;
}

#endif

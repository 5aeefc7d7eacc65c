/* Unit tests for shim/dcc_status.c: how dcc --status explains that a
 * member's compiler differs from this machine's. */
#include <stdlib.h>

#include "dcc.h"
#include "test.h"

TEST(compare)
{
	struct member_compiler mine = { "gcc", "12.2.0", "x86_64-linux-gnu",
	    "0123456789abcdef0123456789abcdef" };
	struct member_compiler theirs = mine;
	char buf[ERR_MAX];

	CHECK_STR(dcc_status_compare(&mine, &theirs, buf, sizeof(buf)),
	    "same compiler");
	CHECK_STR(dcc_status_compare(&mine, NULL, buf, sizeof(buf)),
	    "no gcc there");
	theirs.version = "13.1.0";
	str_copy(theirs.fp, "fedcba9876543210fedcba9876543210", sizeof(theirs.fp));
	CHECK_STR(dcc_status_compare(&mine, &theirs, buf, sizeof(buf)),
	    "differs: version 13.1.0 there, 12.2.0 here");
	theirs.version = "12.2.0";
	theirs.target = "arm-none-eabi";
	CHECK_STR(dcc_status_compare(&mine, &theirs, buf, sizeof(buf)),
	    "differs: target arm-none-eabi there, x86_64-linux-gnu here");
	theirs.target = "x86_64-linux-gnu";
	CHECK(strncmp(dcc_status_compare(&mine, &theirs, buf, sizeof(buf)),
	    "differs: build", 14) == 0);
	theirs.fp[0] = '\0';
	CHECK(strncmp(dcc_status_compare(&mine, &theirs, buf, sizeof(buf)),
	    "does not serve gcc", 18) == 0);
	str_copy(theirs.fp, mine.fp, sizeof(theirs.fp));
	mine.fp[0] = '\0';
	CHECK(strncmp(dcc_status_compare(&mine, &theirs, buf, sizeof(buf)),
	    "cannot compare", 14) == 0);
}

int
main(void)
{
	RUN(compare);
	return test_summary();
}

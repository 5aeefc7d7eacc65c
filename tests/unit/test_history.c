/*
 * test_history.c — the bounded pool-size history (history.c).
 */
#include "test.h"
#include "server.h"

TEST(window_and_bound)
{
	struct history h;
	struct buf b;
	int i;

	memset(&h, 0, sizeof(h));
	buf_init(&b);
	history_json(&h, 1000, &b);
	CHECK_STR(b.s, "[]");
	buf_free(&b);
	history_add(&h, 100, 4, 1, 0);		/* older than the window */
	history_add(&h, 5000, 8, 2, 3);
	history_json(&h, 5000, &b);
	CHECK_STR(b.s, "[{\"t\":5000,\"threads\":8,\"nodes\":2,\"busy\":3}]");
	buf_free(&b);
	for (i = 0; i < 3 * HISTORY_MAX; i++)
		history_add(&h, 6000 + i, i, 1, 0);
	CHECK_INT(h.n, HISTORY_MAX);
	CHECK(h.cap <= HISTORY_MAX);
	history_json(&h, 6000 + 3 * HISTORY_MAX, &b);
	/* the newest sample is last, the oldest kept is 3*MAX-MAX */
	CHECK(strstr(b.s, "\"threads\":2159") != NULL);
	CHECK(strstr(b.s, "{\"t\":7440,\"threads\":1440,") == b.s + 1);
	buf_free(&b);
	history_free(&h);
	history_free(&h);
}

int
main(void)
{
	RUN(window_and_bound);
	return test_summary();
}

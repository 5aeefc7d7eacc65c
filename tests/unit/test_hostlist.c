/* Unit tests for shim/hostlist.c. */
#include <stdlib.h>

#include "client.h"
#include "test.h"

static int
parse(const char *json, struct hostlist *hl, char *err)
{
	return hostlist_parse(json, strlen(json), hl, err);
}

TEST(good_reply)
{
	struct hostlist hl;
	char err[ERR_MAX] = "";

	CHECK_INT(parse("{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,"
	    "\"ttl\":30,\"distcc_hosts\":\"localhost/4 10.0.0.7/16 10.0.0.9:3700/8 [::1]:3632/2\","
	    "\"pool_threads\":28,\"members\":[\"10.0.0.7\",\"10.0.0.9\",\"::1\"]}",
	    &hl, err), 0);
	CHECK_STR(err, "");
	CHECK_STR(hl.project, "fw");
	CHECK_INT(hl.heartbeat, 10);
	CHECK_INT(hl.refresh_after, 15);
	CHECK_INT(hl.ttl, 30);
	CHECK_INT(hl.pool_threads, 28);
	CHECK_STR(hl.distcc_hosts, "localhost/4 10.0.0.7/16 10.0.0.9:3700/8 [::1]:3632/2");
	CHECK_INT(hl.nmembers, 3);
	CHECK_STR(hl.members[2], "::1");
	hostlist_free(&hl);
	CHECK(hl.project == NULL);
	hostlist_free(NULL);
}

TEST(members_optional)
{
	struct hostlist hl;
	char err[ERR_MAX];

	CHECK_INT(parse("{\"project\":\"fw\",\"heartbeat\":1,\"refresh_after\":300,"
	    "\"ttl\":3,\"distcc_hosts\":\"localhost/2\",\"pool_threads\":0}",
	    &hl, err), 0);
	CHECK_INT(hl.nmembers, 0);
	hostlist_free(&hl);
}

TEST(rejects_junk)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"project\":\"fw\"",
		/* missing fields */
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"pool_threads\":1}",
		"{\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"localhost\",\"pool_threads\":1}",
		/* ranges and types */
		"{\"project\":\"fw\",\"heartbeat\":0,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"localhost\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":86401,\"ttl\":30,\"distcc_hosts\":\"localhost\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":1.5,\"ttl\":30,\"distcc_hosts\":\"localhost\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":\"30\",\"distcc_hosts\":\"localhost\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"localhost\",\"pool_threads\":-1}",
		"{\"project\":\"f w\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"localhost\",\"pool_threads\":1}",
		/* a hostile server: timers that silence a node for a day, an
		 * option that looks like a host, a pool without bound */
		"{\"project\":\"fw\",\"heartbeat\":86400,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"localhost\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":301,\"ttl\":30,\"distcc_hosts\":\"localhost\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":3601,\"distcc_hosts\":\"localhost\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"localhost/2 --randomize\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"localhost/100000 localhost/100000\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"localhost/4096 a/4096 b/4096 c/4096 d/4096\",\"pool_threads\":1}",
		/* what must never reach distcc */
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"   \",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"--localslots=99 a\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"a/4,lzo,cpp\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"evil@host\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"a#b\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"a\\nb\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"+zeroconf\",\"pool_threads\":1}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"a\",\"pool_threads\":1,\"members\":{}}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"a\",\"pool_threads\":1,\"members\":[\"a b\"]}",
		"{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30,\"distcc_hosts\":\"a\",\"pool_threads\":1,\"members\":[1]}",
	};
	struct hostlist hl;
	char err[ERR_MAX];
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		err[0] = '\0';
		if (parse(bad[i], &hl, err) != -1)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK(hl.project == NULL && hl.distcc_hosts == NULL && hl.members == NULL);
		CHECK(err[0] != '\0');
		hostlist_free(&hl);
	}
}

int
main(void)
{
	RUN(good_reply);
	RUN(members_optional);
	RUN(rejects_junk);
	return test_summary();
}

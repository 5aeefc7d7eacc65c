/* Unit tests for shim/hostlist.c. */
#include <stdlib.h>

#include "shim.h"
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

	CHECK_INT(parse("{\"project\":\"fw\",\"heartbeat\":1,\"refresh_after\":86400,"
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

TEST(hosts_valid)
{
	char *big;

	CHECK(hostlist_hosts_valid("localhost"));
	CHECK(hostlist_hosts_valid(" localhost/4 127.0.0.2:3700/2 "));
	CHECK(hostlist_hosts_valid("[fe80::1]:3632/8 host-name.example_x/2"));
	CHECK(!hostlist_hosts_valid(""));
	CHECK(!hostlist_hosts_valid(" "));
	CHECK(!hostlist_hosts_valid("a\tb"));
	CHECK(!hostlist_hosts_valid("a,lzo"));
	CHECK(!hostlist_hosts_valid("a/0"));
	CHECK(!hostlist_hosts_valid("a/x"));
	CHECK(!hostlist_hosts_valid("a:0"));
	CHECK(!hostlist_hosts_valid("a:65536"));
	CHECK(!hostlist_hosts_valid("a/2/3"));
	CHECK(!hostlist_hosts_valid("a:1:2"));
	CHECK(!hostlist_hosts_valid("::1/2"));
	CHECK(!hostlist_hosts_valid("[]/2"));
	CHECK(!hostlist_hosts_valid("[x]/2"));
	CHECK(!hostlist_hosts_valid("/4"));
	CHECK(!hostlist_hosts_valid("a/100001"));
	big = xmalloc(HOSTS_MAX + 2);
	memset(big, 'a', HOSTS_MAX + 1);
	big[HOSTS_MAX + 1] = '\0';
	CHECK(!hostlist_hosts_valid(big));
	big[HOSTS_MAX] = '\0';
	CHECK(hostlist_hosts_valid(big));
	free(big);
}

/* The same lines were given to distcc 3.4 -j (see distcc-facts.md §2). */
TEST(threads_like_distcc)
{
	CHECK_INT(hostlist_threads("localhost/4 127.0.0.2/8 127.0.0.3/16"), 28);
	CHECK_INT(hostlist_threads("localhost"), 2);
	CHECK_INT(hostlist_threads("127.0.0.2"), 4);
	CHECK_INT(hostlist_threads("localhost 127.0.0.2 127.0.0.3:4000 host.example"), 14);
	CHECK_INT(hostlist_threads("127.0.0.2:3700/6 127.0.0.3/7:3701"), 13);
	CHECK_INT(hostlist_threads("localhost:3632"), 4);
	CHECK_INT(hostlist_threads("[::1]:3632/3 [fe80::1]"), 7);
	CHECK_INT(hostlist_threads("  localhost/1  "), 1);
	CHECK_INT(hostlist_threads(""), 0);
	CHECK_INT(hostlist_threads("a/0"), -1);
}

int
main(void)
{
	RUN(good_reply);
	RUN(members_optional);
	RUN(rejects_junk);
	RUN(hosts_valid);
	RUN(threads_like_distcc);
	return test_summary();
}

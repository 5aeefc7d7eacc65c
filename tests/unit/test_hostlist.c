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

#define HEAD "{\"project\":\"fw\",\"heartbeat\":10,\"refresh_after\":15,\"ttl\":30," \
	"\"distcc_hosts\":\"localhost/4 10.0.0.7/16\",\"pool_threads\":20,"
#define FP1 "0123456789abcdef0123456789abcdef"
#define FP2 "fedcba9876543210fedcba9876543210"

/* 1.1: per-compiler lines, each held to distcc_hosts' rules. */
TEST(compilers)
{
	static const char *const bad[] = {
		HEAD "\"compilers\":[]}",
		HEAD "\"compilers\":{\"" FP1 "\":\"localhost/4\"}}",
		HEAD "\"compilers\":{\"" FP1 "\":{\"threads\":4}}}",
		HEAD "\"compilers\":{\"" FP1 "\":{\"hosts\":\"--randomize localhost/4\"}}}",
		HEAD "\"compilers\":{\"" FP1 "\":{\"hosts\":\"localhost/100000 localhost/100000\"}}}",
		HEAD "\"compilers\":{\"" FP1 "\":{\"hosts\":\"10.0.0.7/4096 10.0.0.8/4096 10.0.0.9/4096 10.0.0.10/4096 10.0.0.11/4096\"}}}",
		HEAD "\"compilers\":{\"" FP1 "\":{\"hosts\":\"localhost/4,lzo\"}}}",
		HEAD "\"compilers\":{\"" FP1 "\":{\"hosts\":\"\"}}}",
		HEAD "\"compilers\":{\"" FP1 "\":{\"hosts\":\"localhost/4\",\"threads\":-1}}}",
		HEAD "\"compilers\":{\"0123456789ABCDEF0123456789abcdef\":{\"hosts\":\"localhost/4\"}}}",
		HEAD "\"compilers\":{\"0123\":{\"hosts\":\"localhost/4\"}}}",
		HEAD "\"compilers\":{\"" FP1 "\":{\"hosts\":\"localhost/4\"},\"" FP1 "\":{\"hosts\":\"localhost/4\"}}}",
		HEAD "\"compilers\":{}, \"pool_busy\":-1}",
		HEAD "\"compilers\":{}, \"pool_busy\":\"9\"}",
	};
	struct hostlist hl;
	const struct hostlist_fp *f;
	char err[ERR_MAX] = "", *many;
	size_t i;

	CHECK_INT(parse(HEAD "\"pool_busy\":9,\"compilers\":{\"" FP1 "\":{\"hosts\":"
	    "\"localhost/4 10.0.0.7/16\",\"threads\":20},\"" FP2 "\":{\"hosts\":"
	    "\"localhost/4\",\"threads\":4}}}", &hl, err), 0);
	CHECK_STR(err, "");
	CHECK_INT(hl.compilers, 1);
	CHECK_INT(hl.pool_busy, 9);
	CHECK_INT(hl.nfps, 2);
	CHECK((f = hostlist_fp(&hl, FP1)) != NULL && f->threads == 20);
	CHECK(f != NULL && strcmp(f->hosts, "localhost/4 10.0.0.7/16") == 0);
	CHECK(hostlist_fp(&hl, "00000000000000000000000000000000") == NULL);
	CHECK(hostlist_fp(&hl, NULL) == NULL);
	hostlist_free(&hl);
	/* a 1.0 server: no compilers at all; null is the same */
	CHECK_INT(parse(HEAD "\"compilers\":null}", &hl, err), 0);
	CHECK_INT(hl.compilers, 0);
	hostlist_free(&hl);
	CHECK_INT(parse(HEAD "\"compilers\":{}}", &hl, err), 0);
	CHECK_INT(hl.compilers, 1);
	hostlist_free(&hl);
	for (i = 0; i < NELEM(bad); i++) {
		if (parse(bad[i], &hl, err) != -1)
			fprintf(stderr, "accepted compilers case %zu\n", i);
		CHECK(hl.project == NULL && hl.nfps == 0);
	}
	/* at most WIRE_FP_REPLY_MAX lists */
	many = xstrdup(HEAD "\"compilers\":{");
	for (i = 0; i <= WIRE_FP_REPLY_MAX; i++) {
		char *more = xasprintf("%s%s\"%032zx\":{\"hosts\":\"localhost/1\"}",
		    many, i ? "," : "", i);
		free(many);
		many = more;
	}
	{
		char *done = xasprintf("%s}}", many);

		CHECK_INT(parse(done, &hl, err), -1);
		CHECK(strstr(err, "more than") != NULL);
		free(done);
	}
	free(many);
}

TEST(options)
{
	char *s;

	s = hostlist_options("localhost/4 10.0.0.7/16 10.0.0.9:3700/8 localhost:3632/2 [::1]/3", "lzo");
	CHECK_STR(s, "localhost/4 10.0.0.7/16,lzo 10.0.0.9:3700/8,lzo localhost:3632/2,lzo [::1]/3,lzo");
	free(s);
	s = hostlist_options("localhost", "lzo");
	CHECK_STR(s, "localhost");
	free(s);
	s = hostlist_options("a b", "lzo");
	CHECK_STR(s, "a,lzo b,lzo");
	free(s);
	s = hostlist_options("localhost/4 10.0.0.7/16", "none");
	CHECK_STR(s, "localhost/4 10.0.0.7/16");
	free(s);
	s = hostlist_options("localhost/4 10.0.0.7/16", NULL);
	CHECK_STR(s, "localhost/4 10.0.0.7/16");
	free(s);
}

TEST(members)
{
	const char *json = "{\"nodes\":[{\"id\":\"a1\",\"hostname\":\"volta\","
	    "\"owner\":\"mark\",\"addr\":\"10.0.0.7\",\"port\":3632,\"state\":\"online\","
	    "\"version\":\"1.1.0\",\"compilers\":[{\"name\":\"gcc\",\"version\":\"12.2.0\","
	    "\"target\":\"x86_64-linux-gnu\",\"fp\":\"" FP1 "\"},{\"name\":\"cc\","
	    "\"version\":\"12.2.0\",\"target\":\"x86_64-linux-gnu\",\"fp\":\"NOTHEX\"}]},"
	    "{\"id\":\"b2\",\"hostname\":\"\\u0007bell\",\"state\":\"offline\",\"port\":70000,"
	    "\"health\":{\"ok\":false,\"reason\":\"temporary directory /tmp has 3 MiB free\"}}]}";
	struct member *v;
	size_t n;
	char err[ERR_MAX];

	CHECK_INT(hostlist_members(json, strlen(json), &v, &n, err), 0);
	CHECK_INT(n, 2);
	CHECK_STR(v[0].hostname, "volta");
	CHECK_INT(v[0].port, 3632);
	CHECK_INT(v[0].ncompilers, 2);
	CHECK_STR(v[0].compilers[0].fp, FP1);
	CHECK_STR(v[0].compilers[1].fp, "");
	CHECK_STR(v[1].hostname, "?");
	CHECK_STR(v[1].addr, "?");
	CHECK_INT(v[1].port, 0);
	CHECK_INT(v[0].healthy, 1);	/* no "health": an older server */
	CHECK_STR(v[0].reason, "");
	CHECK_INT(v[1].healthy, 0);
	CHECK_STR(v[1].reason, "temporary directory /tmp has 3 MiB free");
	hostlist_members_free(v, n);
	CHECK_INT(hostlist_members("{}", 2, &v, &n, err), -1);
}

int
main(void)
{
	RUN(good_reply);
	RUN(members_optional);
	RUN(rejects_junk);
	RUN(compilers);
	RUN(options);
	RUN(members);
	return test_summary();
}

/*
 * test_legacy.c — the predecessor's query parser (legacy.c).
 */
#include "test.h"
#include "server.h"

TEST(client_url)
{
	struct legacy_query q;
	char err[ERR_MAX];

	CHECK_INT(legacy_parse("/api/checkin?hash=aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE"
	    "&project=fw&username=mark&swVersion=0.0.6&threads=8", &q, err), 0);
	CHECK_STR(q.hash, "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE");
	CHECK_STR(q.project, "fw");
	CHECK_STR(q.username, "mark");
	CHECK_STR(q.version, "0.0.6");
	CHECK_INT(q.threads, 8);
	CHECK_INT(q.present, LQ_HASH | LQ_PROJECT | LQ_USERNAME | LQ_VERSION | LQ_THREADS);
	CHECK_INT(legacy_parse("/api/createProject?name=a%2Eb&x&=&&y=1", &q, err), 0);
	CHECK_STR(q.name, "a.b");
	CHECK_INT(q.present, LQ_NAME);
	CHECK_INT(legacy_parse("/api/getProjectList", &q, err), 0);
	CHECK_INT(q.present, 0);
	CHECK_INT(legacy_parse("/api/checkin?username=mark+smith", &q, err), 0);
	CHECK_STR(q.username, "mark smith");
}

TEST(refused)
{
	static const char *const bad[] = {
		"/?hash=a&hash=b",
		"/?project=p&project=p",
		"/?threads=8%206.6.6.6/64",
		"/?threads=8 6.6.6.6/64",
		"/?threads=-5",
		"/?threads=abc",
		"/?threads=1e20",
		"/?threads=",
		"/?threads=4097",
		"/?project=C++",
		"/?project=a%26b",
		"/?username=%ZZ",
		"/?username=%E0%A4%A",
		"/?username=a%00b",
		"/?username=a%0Ab",
		"/?name=",
		"/?hash=x'y",
		"/?swVersion=%",
	};
	struct legacy_query q;
	char err[ERR_MAX];
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		err[0] = '\0';
		CHECK_INT(legacy_parse(bad[i], &q, err), -1);
		CHECK(err[0] != '\0');
	}
}

TEST(node_ids)
{
	char a[WIRE_NODE_ID_LEN + 1], b[WIRE_NODE_ID_LEN + 1];

	legacy_node_id("0123456789ABCDEF0123456789abcdef", a);
	CHECK_STR(a, "0123456789abcdef0123456789abcdef");
	legacy_node_id("h9", a);
	CHECK(wire_node_id(a, NULL) == 0);
	legacy_node_id("h9", b);
	CHECK_STR(a, b);
	legacy_node_id("h8", b);
	CHECK(strcmp(a, b) != 0);
}

int
main(void)
{
	RUN(client_url);
	RUN(refused);
	RUN(node_ids);
	return test_summary();
}

/*
 * test_validate.c — the edge checks of validate.c.
 */
#include <stdlib.h>

#include "test.h"
#include "server.h"

#define NODE "0123456789abcdef0123456789ABCDEF"

static int
parse(const char *json, struct checkin *c, char *err)
{
	return checkin_parse(json, strlen(json), c, err);
}

TEST(checkin_good)
{
	struct checkin c;
	char err[ERR_MAX];
	char *comp;

	CHECK_INT(parse("{\"project\":\"fw\",\"node\":\"" NODE "\",\"hostname\":"
	    "\"volta\",\"owner\":\"mark\",\"cores\":16,\"nice\":10,\"port\":3700,"
	    "\"load\":[0.5,0.4,0.3],\"version\":\"1.0.0\",\"addr\":null,\"extra\":"
	    "{\"ignored\":[1,2]},\"compilers\":[{\"name\":\"gcc\",\"version\":"
	    "\"12.2.0\",\"target\":\"x86_64-linux-gnu\"}]}", &c, err), 0);
	CHECK_STR(c.project, "fw");
	CHECK_STR(c.node, "0123456789abcdef0123456789abcdef");	/* lowercased */
	CHECK_STR(c.hostname, "volta");
	CHECK_INT(c.cores, 16);
	CHECK_INT(c.nice, 10);
	CHECK_INT(c.port, 3700);
	CHECK(c.load[1] == 0.4);
	CHECK_STR(c.addr, "");
	CHECK_INT(c.ncompilers, 1);
	comp = compilers_json(&c);
	CHECK_STR(comp, "[{\"name\":\"gcc\",\"version\":\"12.2.0\",\"target\":"
	    "\"x86_64-linux-gnu\"}]");
	free(comp);
}

TEST(checkin_defaults_and_addr)
{
	struct checkin c;
	char err[ERR_MAX];

	CHECK_INT(parse("{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,"
	    "\"addr\":\"10.1.2.3:4000\"}", &c, err), 0);
	CHECK_INT(c.nice, 0);
	CHECK_INT(c.port, 4000);	/* the address's port wins */
	CHECK_STR(c.addr, "10.1.2.3");
	CHECK(c.load[0] == 0);
	CHECK_INT(c.ncompilers, 0);
}

TEST(checkin_bad)
{
	static const struct {
		const char *json;
		const char *word;
	} bad[] = {
		{ "", "JSON body" },
		{ "{", "not valid JSON" },
		{ "[]", "object" },
		{ "{\"node\":\"" NODE "\",\"cores\":2}", "project" },
		{ "{\"project\":\"C++\",\"node\":\"" NODE "\",\"cores\":2}", "project" },
		{ "{\"project\":\"fw\",\"node\":\"abc\",\"cores\":2}", "node" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\"}", "cores" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":0}", "cores" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":4097}", "cores" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2.5}", "cores" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":\"2\"}", "cores" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":1e300}", "cores" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"nice\":20}", "nice" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"nice\":-21}", "nice" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"port\":0}", "port" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"load\":[-1]}", "load" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"load\":[1e999]}", "load" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"load\":[1,2,3,4]}", "load" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"hostname\":\"a\\nb\"}", "hostname" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"owner\":7}", "owner" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"addr\":\"x\"}", "addr" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"compilers\":[7]}", "compilers" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"compilers\":[{}]}", "compilers[0].name" },
	};
	struct checkin c;
	char err[ERR_MAX];
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		err[0] = '\0';
		CHECK_INT(parse(bad[i].json, &c, err), -1);
		if (strstr(err, bad[i].word) == NULL)
			fprintf(stderr, "  %s: error '%s' lacks '%s'\n", bad[i].json,
			    err, bad[i].word);
		CHECK(strstr(err, bad[i].word) != NULL);
	}
}

TEST(project_and_checkout)
{
	char name[WIRE_NAME_MAX + 1], node[WIRE_NODE_ID_LEN + 1], err[ERR_MAX];
	int keyed;

	CHECK_INT(project_parse("{\"name\":\"fw\"}", 13, name, &keyed, err), 0);
	CHECK_STR(name, "fw");
	CHECK_INT(keyed, 1);
	CHECK_INT(project_parse("{\"name\":\"os\",\"key\":false}", 25, name, &keyed, err), 0);
	CHECK_INT(keyed, 0);
	CHECK_INT(project_parse("{\"name\":\"a&b\"}", 14, name, &keyed, err), -1);
	CHECK_INT(project_parse("{\"name\":\"x\",\"key\":1}", 20, name, &keyed, err), -1);
	CHECK_INT(checkout_parse("{\"project\":\"fw\",\"node\":\"" NODE "\"}", 58,
	    name, node, err), 0);
	CHECK_STR(node, "0123456789abcdef0123456789abcdef");
	CHECK_INT(checkout_parse("{\"project\":\"fw\"}", 16, name, node, err), -1);
}

int
main(void)
{
	RUN(checkin_good);
	RUN(checkin_defaults_and_addr);
	RUN(checkin_bad);
	RUN(project_and_checkout);
	return test_summary();
}

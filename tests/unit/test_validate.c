/*
 * test_validate.c — the edge checks of validate.c.
 */
#include <stdlib.h>

#include "test.h"
#include "server.h"

#define NODE "0123456789abcdef0123456789ABCDEF"
#define NC "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2"
#define LONG129 "0123456789012345678901234567890123456789012345678901234567890123" \
    "01234567890123456789012345678901234567890123456789012345678901234"

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

/* The 1.1 fields (PROTOCOL: secret, slots, sched, fp, admission, health,
 * jobs) and their defaults. */
TEST(checkin_v11)
{
	struct checkin c;
	char err[ERR_MAX];
	char *comp;

	CHECK_INT(parse("{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":16,"
	    "\"secret\":\"00112233445566778899AABBCCDDEEFF\",\"slots\":12,"
	    "\"sched\":\"idle\",\"admission\":\"live\",\"health\":{\"ok\":false,"
	    "\"reason\":\"canary compile of gcc failed: exit 1\"},\"jobs\":"
	    "{\"running\":3,\"served\":9007199254740992,\"senders\":[{\"addr\":"
	    "\"::ffff:10.0.0.7\",\"running\":2},{\"addr\":\"fe80::1\",\"running\":1}]},"
	    "\"compilers\":[{\"name\":\"g++\",\"fp\":\"0123456789abcdef0123456789abcdef\"},"
	    "{\"name\":\"arm-none-eabi-gcc\"}]}", &c, err), 0);
	CHECK_STR(c.secret, "00112233445566778899aabbccddeeff");
	CHECK_INT(c.slots, 12);
	CHECK_INT(c.sched_idle, 1);
	CHECK_INT(c.live, 1);
	CHECK_INT(c.healthy, 0);
	CHECK_STR(c.reason, "canary compile of gcc failed: exit 1");
	CHECK_INT(c.has_jobs, 1);
	CHECK_INT(c.running, 3);
	CHECK(c.served == 9007199254740992.0);
	CHECK_INT(c.nsenders, 2);
	CHECK_STR(c.senders[0].addr, "10.0.0.7");	/* canonical */
	CHECK_INT(c.senders[1].running, 1);
	CHECK_STR(c.compilers[0].fp, "0123456789abcdef0123456789abcdef");
	CHECK_STR(c.compilers[1].fp, "");
	comp = compilers_json(&c);
	CHECK_STR(comp, "[{\"name\":\"g++\",\"version\":\"\",\"target\":\"\","
	    "\"fp\":\"0123456789abcdef0123456789abcdef\"},{\"name\":"
	    "\"arm-none-eabi-gcc\",\"version\":\"\",\"target\":\"\"}]");
	free(comp);
	/* absent: 1.0 defaults */
	CHECK_INT(parse("{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":6,"
	    "\"secret\":null,\"health\":null,\"jobs\":null}", &c, err), 0);
	CHECK_STR(c.secret, "");
	CHECK_INT(c.slots, 6);
	CHECK_INT(c.sched_idle, 0);
	CHECK_INT(c.live, 0);
	CHECK_INT(c.healthy, 1);
	CHECK_INT(c.has_jobs, 0);
	CHECK_INT(parse("{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":6,"
	    "\"slots\":0,\"jobs\":{},\"health\":{\"ok\":true}}", &c, err), 0);
	CHECK_INT(c.slots, 0);
	CHECK_INT(c.has_jobs, 1);
	CHECK_INT(c.running, 0);
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
	/* ":PORT": the connection's address with this port */
	CHECK_INT(parse("{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,"
	    "\"addr\":\":3700\"}", &c, err), 0);
	CHECK_STR(c.addr, "");
	CHECK_INT(c.port, 3700);
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
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"addr\":\":0\"}", "addr" },
		{ "{\"project\":\"fw\",\"node\":\"" NODE "\",\"cores\":2,\"addr\":\":\"}", "addr" },
		/* 1.1 */
		{ NC ",\"secret\":\"abc\"}", "secret" },
		{ NC ",\"secret\":7}", "secret" },
		{ NC ",\"slots\":3}", "slots" },
		{ NC ",\"slots\":-1}", "slots" },
		{ NC ",\"slots\":1.5}", "slots" },
		{ NC ",\"sched\":\"batch\"}", "sched" },
		{ NC ",\"sched\":1}", "sched" },
		{ NC ",\"admission\":\"open\"}", "admission" },
		{ NC ",\"health\":true}", "health" },
		{ NC ",\"health\":{}}", "health" },
		{ NC ",\"health\":{\"ok\":1}}", "health" },
		{ NC ",\"health\":{\"ok\":false,\"reason\":\"a\\u0007b\"}}", "health.reason" },
		{ NC ",\"health\":{\"ok\":false,\"reason\":\"" LONG129 "\"}}", "health.reason" },
		{ NC ",\"jobs\":[]}", "jobs" },
		{ NC ",\"jobs\":{\"running\":4097}}", "jobs.running" },
		{ NC ",\"jobs\":{\"running\":-1}}", "jobs.running" },
		{ NC ",\"jobs\":{\"served\":-1}}", "jobs.served" },
		{ NC ",\"jobs\":{\"served\":1.5}}", "jobs.served" },
		{ NC ",\"jobs\":{\"served\":9007199254740994}}", "jobs.served" },
		{ NC ",\"jobs\":{\"senders\":{}}}", "jobs.senders" },
		{ NC ",\"jobs\":{\"senders\":[{\"addr\":\"x\",\"running\":1}]}}", "jobs.senders[0].addr" },
		{ NC ",\"jobs\":{\"senders\":[{\"addr\":\"10.0.0.1:5\",\"running\":1}]}}", "jobs.senders[0].addr" },
		{ NC ",\"jobs\":{\"senders\":[{\"addr\":\"10.0.0.1\",\"running\":0}]}}", "jobs.senders[0].running" },
		{ NC ",\"jobs\":{\"senders\":[{\"addr\":\"10.0.0.1\"}]}}", "jobs.senders[0].running" },
		{ NC ",\"compilers\":[{\"name\":\"gcc\",\"fp\":\"0123456789ABCDEF0123456789abcdef\"}]}", "compilers[0].fp" },
		{ NC ",\"compilers\":[{\"name\":\"gcc\",\"fp\":\"0123456789abcdef0123456789abcde\"}]}", "compilers[0].fp" },
		{ NC ",\"compilers\":[{\"name\":\"gcc\",\"fp\":\"0123456789abcdef0123456789abcdefa\"}]}", "compilers[0].fp" },
		{ NC ",\"compilers\":[{\"name\":\"gcc\",\"fp\":\"0123456789abcdef0123456789abcdeg\"}]}", "compilers[0].fp" },
		{ NC ",\"compilers\":[{\"name\":\"gcc\",\"fp\":1}]}", "compilers[0].fp" },
		{ NC ",\"compilers\":[{\"name\":\"gcc\"},{\"name\":\"gcc\"}]}", "compilers[1].name" },
		{ NC ",\"compilers\":[{\"name\":\"gcc 12\"}]}", "compilers[0].name" },
		{ NC ",\"compilers\":[{\"name\":\"gcc/x\"}]}", "compilers[0].name" },
		{ NC ",\"compilers\":[{\"name\":\"\"}]}", "compilers[0].name" },
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
	char secret[WIRE_SECRET_LEN + 1];
	const char *s;
	int keyed;

	CHECK_INT(project_parse("{\"name\":\"fw\"}", 13, name, &keyed, err), 0);
	CHECK_STR(name, "fw");
	CHECK_INT(keyed, 1);
	CHECK_INT(project_parse("{\"name\":\"os\",\"key\":false}", 25, name, &keyed, err), 0);
	CHECK_INT(keyed, 0);
	CHECK_INT(project_parse("{\"name\":\"a&b\"}", 14, name, &keyed, err), -1);
	CHECK_INT(project_parse("{\"name\":\"x\",\"key\":1}", 20, name, &keyed, err), -1);
	CHECK_INT(checkout_parse("{\"project\":\"fw\",\"node\":\"" NODE "\"}", 58,
	    name, node, secret, err), 0);
	CHECK_STR(node, "0123456789abcdef0123456789abcdef");
	CHECK_STR(secret, "");
	CHECK_INT(checkout_parse("{\"project\":\"fw\"}", 16, name, node, secret,
	    err), -1);
	s = "{\"project\":\"fw\",\"node\":\"" NODE "\",\"secret\":\"" NODE "\"}";
	CHECK_INT(checkout_parse(s, strlen(s), name, node, secret, err), 0);
	CHECK_STR(secret, "0123456789abcdef0123456789abcdef");
	s = "{\"project\":\"fw\",\"node\":\"" NODE "\",\"secret\":\"x\"}";
	CHECK_INT(checkout_parse(s, strlen(s), name, node, secret, err), -1);
	CHECK(strstr(err, "secret") != NULL);
}

TEST(project_patch_and_fps)
{
	char fps[WIRE_FPS_MAX][WIRE_FP_LEN + 1], err[ERR_MAX], many[40 * 33];
	int adv = -1, i;

	CHECK_INT(project_patch_parse("{\"advertise\":true}", 19, &adv, err), 0);
	CHECK_INT(adv, 1);
	CHECK_INT(project_patch_parse("{\"advertise\":false}", 20, &adv, err), 0);
	CHECK_INT(adv, 0);
	CHECK_INT(project_patch_parse("{\"advertise\":1}", 16, &adv, err), -1);
	CHECK(strstr(err, "advertise") != NULL);
	CHECK_INT(project_patch_parse("{}", 2, &adv, err), -1);
	CHECK_INT(fp_list_parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,"
	    "0123456789abcdef0123456789abcdef,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    fps, WIRE_FPS_MAX, err), 2);	/* duplicates once */
	CHECK_STR(fps[1], "0123456789abcdef0123456789abcdef");
	CHECK_INT(fp_list_parse("", fps, WIRE_FPS_MAX, err), -1);
	CHECK_INT(fp_list_parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,", fps,
	    WIRE_FPS_MAX, err), -1);
	CHECK_INT(fp_list_parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", fps,
	    WIRE_FPS_MAX, err), -1);
	CHECK(strstr(err, "fp") != NULL);
	many[0] = '\0';
	for (i = 0; i < 33; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "%s%032x", i ? "," : "", i);
	CHECK_INT(fp_list_parse(many, fps, WIRE_FPS_MAX, err), -1);
	CHECK(strstr(err, "at most 32") != NULL);
}

TEST(wire_rules)
{
	CHECK(wire_compiler_valid("gcc"));
	CHECK(wire_compiler_valid("g++-12"));
	CHECK(wire_compiler_valid("arm-none-eabi-gcc"));
	CHECK(wire_compiler_valid("x86_64-linux-gnu-gcc-12.2"));
	CHECK(!wire_compiler_valid(""));
	CHECK(!wire_compiler_valid("gcc 12"));
	CHECK(!wire_compiler_valid("/usr/bin/gcc"));
	CHECK(!wire_compiler_valid("g\xc3\xa9" "cc"));
	CHECK(wire_compiler_valid("0123456789012345678901234567890123456789"
	    "012345678901234567890123"));		/* 64 */
	CHECK(!wire_compiler_valid("0123456789012345678901234567890123456789"
	    "0123456789012345678901234"));		/* 65 */
	CHECK(wire_fp_valid("0123456789abcdef0123456789abcdef"));
	CHECK(!wire_fp_valid("0123456789ABCDEF0123456789abcdef"));
	CHECK(!wire_fp_valid("0123456789abcdef0123456789abcde"));
	CHECK(!wire_fp_valid("0123456789abcdef0123456789abcdef0"));
	CHECK(!wire_fp_valid(""));
}

int
main(void)
{
	RUN(checkin_good);
	RUN(checkin_v11);
	RUN(checkin_defaults_and_addr);
	RUN(checkin_bad);
	RUN(project_and_checkout);
	RUN(project_patch_and_fps);
	RUN(wire_rules);
	return test_summary();
}

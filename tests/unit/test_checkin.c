/* Unit tests for shim/checkin.c: the check-in body carries every field of
 * README.md ("API") with the right types; URLs join without doubled slashes. */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "test.h"
#include "heartbeat.h"

TEST(url_join)
{
	char *u = checkin_url("http://10.0.0.2:33333/", "/api/v1/checkin");

	CHECK_STR(u, "http://10.0.0.2:33333/api/v1/checkin");
	free(u);
	u = checkin_url("http://h:1", "/api/v1/checkout");
	CHECK_STR(u, "http://h:1/api/v1/checkout");
	free(u);
}

TEST(body_fields)
{
	struct compiler cv[2] = {
		{ .name = "gcc", .version = "12.2.0", .target = "x86_64-linux-gnu",
		    .fp = "0123456789abcdef0123456789abcdef" },
		{ .name = "arm-none-eabi-gcc", .version = "12.2.1",
		    .target = "arm-none-eabi" },	/* distccd refuses it: no fp */
	};
	struct compilers cl = { .v = cv, .n = 2 };
	struct checkin ci = {
		.project = "fw", .node = "0123456789abcdef0123456789abcdef",
		.hostname = "volta", .owner = "mark \"the\" dev",
		.version = "1.0.0", .addr = NULL, .cores = 16, .nice = 10,
		.port = 3632, .load = { 0.523, 0.4, 0.31 }, .compilers = &cl,
	};
	char *body = checkin_body(&ci);
	cJSON *r = cJSON_Parse(body), *x;

	CHECK(r != NULL);
	CHECK_STR(cJSON_GetObjectItem(r, "project")->valuestring, "fw");
	CHECK_STR(cJSON_GetObjectItem(r, "node")->valuestring, ci.node);
	CHECK_STR(cJSON_GetObjectItem(r, "hostname")->valuestring, "volta");
	CHECK_STR(cJSON_GetObjectItem(r, "owner")->valuestring, "mark \"the\" dev");
	CHECK_STR(cJSON_GetObjectItem(r, "version")->valuestring, "1.0.0");
	CHECK_INT(cJSON_GetObjectItem(r, "cores")->valueint, 16);
	CHECK_INT(cJSON_GetObjectItem(r, "nice")->valueint, 10);
	CHECK_INT(cJSON_GetObjectItem(r, "port")->valueint, 3632);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(r, "addr")));
	x = cJSON_GetObjectItem(r, "load");
	CHECK_INT(cJSON_GetArraySize(x), 3);
	CHECK(cJSON_GetArrayItem(x, 0)->valuedouble == 0.52);
	x = cJSON_GetObjectItem(r, "compilers");
	CHECK_INT(cJSON_GetArraySize(x), 2);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 1), "target")->valuestring,
	    "arm-none-eabi");
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 0), "version")->valuestring,
	    "12.2.0");
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 0), "fp")->valuestring,
	    "0123456789abcdef0123456789abcdef");
	CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 1), "fp") == NULL);
	cJSON_Delete(r);
	free(body);

	ci.addr = "203.0.113.7:3700";
	ci.compilers = NULL;
	body = checkin_body(&ci);
	r = cJSON_Parse(body);
	CHECK_STR(cJSON_GetObjectItem(r, "addr")->valuestring, "203.0.113.7:3700");
	CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItem(r, "compilers")), 0);
	/* a 1.0 body: none of 1.1's fields */
	CHECK(cJSON_GetObjectItem(r, "secret") == NULL);
	CHECK(cJSON_GetObjectItem(r, "slots") == NULL);
	CHECK(cJSON_GetObjectItem(r, "sched") == NULL);
	CHECK(cJSON_GetObjectItem(r, "admission") == NULL);
	CHECK(cJSON_GetObjectItem(r, "health") == NULL);
	CHECK(cJSON_GetObjectItem(r, "jobs") == NULL);
	cJSON_Delete(r);
	free(body);
}

/* 1.1's fields (PROTOCOL: secret, slots, sched, admission, health, jobs). */
TEST(body_1_1)
{
	struct sender s[2] = { { "10.0.0.7", 2 }, { "fe80::1", 1 } };
	struct checkin ci = {
		.project = "fw", .node = "0123456789abcdef0123456789abcdef",
		.secret = "00112233445566778899aabbccddeeff",
		.hostname = "volta", .owner = "mark", .version = "1.1.0",
		.cores = 8, .nice = 10, .port = 3632, .slots_set = 1, .slots = 6,
		.sched = "idle", .admission = "live",
		.health_set = 1, .health_ok = 0,
		.health_reason = "canary compile of gcc failed (exit 1)",
		.jobs_set = 1, .running = 3, .served = 1234, .senders = s,
		.nsenders = 2,
	};
	char *body = checkin_body(&ci);
	cJSON *r = cJSON_Parse(body), *h, *j, *x;

	CHECK_STR(cJSON_GetObjectItem(r, "secret")->valuestring, ci.secret);
	CHECK_INT(cJSON_GetObjectItem(r, "slots")->valueint, 6);
	CHECK_STR(cJSON_GetObjectItem(r, "sched")->valuestring, "idle");
	CHECK_STR(cJSON_GetObjectItem(r, "admission")->valuestring, "live");
	h = cJSON_GetObjectItem(r, "health");
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(h, "ok")));
	CHECK_STR(cJSON_GetObjectItem(h, "reason")->valuestring, ci.health_reason);
	j = cJSON_GetObjectItem(r, "jobs");
	CHECK_INT(cJSON_GetObjectItem(j, "running")->valueint, 3);
	CHECK(cJSON_GetObjectItem(j, "served")->valuedouble == 1234);
	x = cJSON_GetObjectItem(j, "senders");
	CHECK_INT(cJSON_GetArraySize(x), 2);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 1), "addr")->valuestring,
	    "fe80::1");
	CHECK_INT(cJSON_GetObjectItem(cJSON_GetArrayItem(x, 0), "running")->valueint,
	    2);
	cJSON_Delete(r);
	free(body);

	/* healthy: no reason; slots never above cores */
	ci.health_ok = 1;
	ci.slots = 99;
	body = checkin_body(&ci);
	r = cJSON_Parse(body);
	h = cJSON_GetObjectItem(r, "health");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(h, "ok")));
	CHECK(cJSON_GetObjectItem(h, "reason") == NULL);
	CHECK_INT(cJSON_GetObjectItem(r, "slots")->valueint, 8);
	cJSON_Delete(r);
	free(body);
}

TEST(secret_refused)
{
	CHECK(checkin_secret_refused(403, "check-in: HTTP 403: node 0123 "
	    "belongs to another machine (wrong or missing secret); ..."));
	CHECK(!checkin_secret_refused(403, "check-in: HTTP 403: forbidden"));
	CHECK(!checkin_secret_refused(401, "check-in: HTTP 401: wrong secret"));
}

TEST(unreachable_server)
{
	struct client_config cfg;
	struct hostlist hl;
	char err[ERR_MAX] = "";
	long status = -1;
	char secret[WIRE_SECRET_LEN + 1] = "x";

	config_defaults(&cfg);
	/* port 1 on loopback: refused at once */
	cfg.server = xstrdup("http://127.0.0.1:1");
	cfg.project = xstrdup("fw");
	CHECK_INT(checkin_post(&cfg, "{}", 1000, &hl, &status, secret, err), -1);
	CHECK_INT(status, 0);
	CHECK_STR(secret, "");
	CHECK(err[0] != '\0');
	hostlist_free(&hl);
	CHECK_INT(checkin_checkout(&cfg, "0123456789abcdef0123456789abcdef",
	    NULL, 500, err), -1);
	config_free(&cfg);
}

int
main(void)
{
	RUN(url_join);
	RUN(body_fields);
	RUN(body_1_1);
	RUN(secret_refused);
	RUN(unreachable_server);
	return test_summary();
}

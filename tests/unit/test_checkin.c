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
	cJSON_Delete(r);
	free(body);
}

TEST(unreachable_server)
{
	struct client_config cfg;
	struct hostlist hl;
	char err[ERR_MAX] = "";
	long status = -1;

	config_defaults(&cfg);
	/* port 1 on loopback: refused at once */
	cfg.server = xstrdup("http://127.0.0.1:1");
	cfg.project = xstrdup("fw");
	CHECK_INT(checkin_post(&cfg, "{}", 1000, &hl, &status, err), -1);
	CHECK_INT(status, 0);
	CHECK(err[0] != '\0');
	hostlist_free(&hl);
	CHECK_INT(checkin_checkout(&cfg, "0123456789abcdef0123456789abcdef",
	    500, err), -1);
	config_free(&cfg);
}

int
main(void)
{
	RUN(url_join);
	RUN(body_fields);
	RUN(unreachable_server);
	return test_summary();
}

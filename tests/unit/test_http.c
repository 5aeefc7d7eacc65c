/* Unit tests for shim/http.c against a tiny HTTP responder in a child process. */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "client.h"
#include "test.h"

static pid_t child;
static int port;

static void
reply(int fd, const char *status, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, len);

	if (write(fd, head, (size_t)n) < 0 || write(fd, body, len) < 0)
		return;
}

/* Answers by path: /echo returns the request head, /404, /big (2 MiB),
 * /silent accepts and never answers. */
static void
serve(int lfd)
{
	for (;;) {
		char req[8192];
		ssize_t n;
		int fd = accept(lfd, NULL, NULL);

		if (fd == -1)
			continue;
		n = read(fd, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = '\0';
		if (strncmp(req, "GET /silent", 11) == 0) {
			sleep(5);
		} else if (strstr(req, " /404 ") != NULL) {
			reply(fd, "404 Not Found", "{\"error\":\"no\"}", 14);
		} else if (strstr(req, " /big ") != NULL) {
			size_t len = 2 * 1024 * 1024;
			char *big = malloc(len);
			memset(big, 'x', len);
			reply(fd, "200 OK", big, len);
			free(big);
		} else {
			reply(fd, "200 OK", req, strlen(req));
		}
		close(fd);
	}
}

static void
start(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 16) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		exit(1);
	port = ntohs(sin.sin_port);
	if ((child = fork()) == 0) {
		serve(lfd);
		_exit(0);
	}
	close(lfd);
}

static int
get(const char *path, const char *method, const char *body,
    struct http_response *resp, char *err)
{
	char *url = xasprintf("http://127.0.0.1:%d%s", port, path);
	struct http_request req = {
		.method = method, .url = url, .key = "k3y", .body = body,
		.accept = "application/json", .source = "127.0.0.1",
		.connect_ms = 250, .total_ms = 1000,
	};
	int rc = http_request(&req, resp, err);

	free(url);
	return rc;
}

TEST(get_sends_headers)
{
	struct http_response resp;
	char err[ERR_MAX] = "";

	setenv("http_proxy", "http://127.0.0.1:1", 1);	/* must be ignored */
	CHECK_INT(get("/echo", "GET", NULL, &resp, err), 0);
	CHECK_STR(err, "");
	CHECK_INT(resp.status, 200);
	CHECK(resp.body != NULL && strncmp(resp.body, "GET /echo HTTP/1.1", 18) == 0);
	CHECK(resp.body != NULL && strstr(resp.body, "Authorization: Bearer k3y\r\n") != NULL);
	CHECK(resp.body != NULL && strstr(resp.body, "Accept: application/json\r\n") != NULL);
	CHECK_INT(resp.len, strlen(resp.body));
	http_response_free(&resp);
	http_response_free(NULL);
	unsetenv("http_proxy");
}

TEST(post_and_delete)
{
	struct http_response resp;
	char err[ERR_MAX] = "";

	CHECK_INT(get("/echo", "POST", "{\"a\":1}", &resp, err), 0);
	CHECK(strncmp(resp.body, "POST /echo", 10) == 0);
	CHECK(strstr(resp.body, "Content-Type: application/json\r\n") != NULL);
	CHECK(strstr(resp.body, "Content-Length: 7\r\n") != NULL);
	http_response_free(&resp);
	CHECK_INT(get("/echo", "DELETE", NULL, &resp, err), 0);
	CHECK(strncmp(resp.body, "DELETE /echo", 12) == 0);
	http_response_free(&resp);
}

TEST(status_is_not_an_error)
{
	struct http_response resp;
	char err[ERR_MAX] = "";

	CHECK_INT(get("/404", "GET", NULL, &resp, err), 0);
	CHECK_INT(resp.status, 404);
	CHECK_STR(resp.body, "{\"error\":\"no\"}");
	http_response_free(&resp);
}

TEST(transport_errors)
{
	struct http_response resp;
	char err[ERR_MAX] = "";
	double t0;

	CHECK_INT(get("/big", "GET", NULL, &resp, err), -1);
	CHECK(strstr(err, "larger than") != NULL);
	CHECK(resp.body == NULL);
	t0 = now_monotonic();
	CHECK_INT(get("/silent", "GET", NULL, &resp, err), -1);
	CHECK(now_monotonic() - t0 < 3.0);	/* total_ms bounds it (1 s) */
	CHECK(strstr(err, "/silent") != NULL);
	{
		struct http_request req = { .method = "GET",
		    .url = "http://127.0.0.1:1/", .connect_ms = 250, .total_ms = 1000 };
		CHECK_INT(http_request(&req, &resp, err), -1);
		CHECK(strstr(err, "127.0.0.1:1") != NULL);
	}
}

int
main(void)
{
	start();
	RUN(get_sends_headers);
	RUN(post_and_delete);
	RUN(status_is_not_an_error);
	RUN(transport_errors);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return test_summary();
}

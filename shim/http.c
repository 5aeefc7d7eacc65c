/*
 * http.c — one HTTP request with libcurl, for dcc and dcc-heartbeat.
 *
 * Every request is bounded: a connect and a total timeout from the caller,
 * a 1 MiB cap on the body, no redirects, no proxy from the environment (a
 * build must never depend on the user's proxy settings), and no signals.
 *
 * libcurl is loaded (lazylib.c) when the first request is made. Linked
 * normally it drags some 30 shared libraries into every process, which costs
 * about 4 ms at each start; dcc starts once per compile and almost never
 * makes a request, so it must not pay that. Without libcurl a request fails
 * like any other transport error.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CURL_DISABLE_TYPECHECK	/* we call through pointers, not macros */
#include <curl/curl.h>

#include "client.h"

#define HTTP_BODY_MAX	(1024 * 1024)
#define LIBCURL_SONAME	"libcurl.so.4"

/* The libcurl functions we use, resolved once. */
static struct {
	CURLcode	 (*global_init)(long);
	CURL		*(*easy_init)(void);
	CURLcode	 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*easy_perform)(CURL *);
	CURLcode	 (*easy_getinfo)(CURL *, CURLINFO, ...);
	void		 (*easy_cleanup)(CURL *);
	const char	*(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		 (*slist_free_all)(struct curl_slist *);
} curl;

static const struct lazylib_sym curl_syms[] = {
	{ "curl_global_init", (void **)&curl.global_init },
	{ "curl_easy_init", (void **)&curl.easy_init },
	{ "curl_easy_setopt", (void **)&curl.easy_setopt },
	{ "curl_easy_perform", (void **)&curl.easy_perform },
	{ "curl_easy_getinfo", (void **)&curl.easy_getinfo },
	{ "curl_easy_cleanup", (void **)&curl.easy_cleanup },
	{ "curl_easy_strerror", (void **)&curl.easy_strerror },
	{ "curl_slist_append", (void **)&curl.slist_append },
	{ "curl_slist_free_all", (void **)&curl.slist_free_all },
};

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static char http_init_err[ERR_MAX];	/* empty when libcurl is ready */

static void
http_global_init(void)
{
	CURLcode rc;

	if (lazylib_load(LIBCURL_SONAME, curl_syms, NELEM(curl_syms),
	    http_init_err) == -1)
		return;
	if ((rc = curl.global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		seterr(http_init_err, "curl_global_init: %s", curl.easy_strerror(rc));
}

struct http_sink {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	int	 too_big;
};

static size_t
http_write(char *data, size_t size, size_t n, void *arg)
{
	struct http_sink *s = arg;
	size_t bytes = size * n;

	if (s->len + bytes > HTTP_BODY_MAX) {
		s->too_big = 1;
		return 0;	/* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (s->len + bytes + 1 > s->cap) {
		s->cap = s->cap ? s->cap : 4096;
		while (s->cap < s->len + bytes + 1)
			s->cap *= 2;
		s->buf = xrealloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, data, bytes);
	s->len += bytes;
	s->buf[s->len] = '\0';
	return bytes;
}

/* Sends req and waits for the whole reply. Returns 0 when an HTTP response
 * arrived, whatever its status (resp->status; resp->body is NUL-terminated
 * and owned by resp: http_response_free). Returns -1 with err on transport
 * errors: no connection, timeout, a body over 1 MiB. */
int
http_request(const struct http_request *req, struct http_response *resp,
    char *err)
{
	struct curl_slist *headers = NULL;
	struct http_sink sink = { NULL, 0, 0, 0 };
	char errbuf[CURL_ERROR_SIZE] = "", *hdr, *iface = NULL;
	CURL *c;
	CURLcode rc;
	int ret = -1;

	memset(resp, 0, sizeof(*resp));
	if ((req->ca != NULL || req->pin != NULL) &&
	    strncmp(req->url, "https://", 8) != 0) {
		seterr(err, "%s: refusing plain http:// to a server whose key "
		    "or CA is configured (server_%s): use https://", req->url,
		    req->pin != NULL ? "pin" : "ca");
		return -1;
	}
	pthread_once(&http_once, http_global_init);
	if (http_init_err[0] != '\0') {
		seterr(err, "%s", http_init_err);
		return -1;
	}
	if ((c = curl.easy_init()) == NULL) {
		seterr(err, "curl_easy_init failed");
		return -1;
	}
	curl.easy_setopt(c, CURLOPT_URL, req->url);
	curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl.easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl.easy_setopt(c, CURLOPT_PROXY, "");
	curl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req->connect_ms);
	curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, req->total_ms);
	curl.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
	curl.easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl.easy_setopt(c, CURLOPT_USERAGENT, "dyndistcc/" DYNDISTCC_VERSION);
	/* https:// is verified against the system's CAs, or server_ca; with
	 * server_pin, the key itself is what is trusted (like an SSH host
	 * key): its certificate's names and dates are checked only when
	 * server_ca is given too. */
	if (req->ca != NULL)
		curl.easy_setopt(c, CURLOPT_CAINFO, req->ca);
	if (req->pin != NULL) {
		curl.easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, req->pin);
		if (req->ca == NULL)
			curl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (req->source != NULL) {
		/* "host!" makes curl take it as an address, never an interface name */
		iface = xasprintf("host!%s", req->source);
		curl.easy_setopt(c, CURLOPT_INTERFACE, iface);
	}
	if (req->key != NULL) {
		hdr = xasprintf("Authorization: Bearer %s", req->key);
		headers = curl.slist_append(headers, hdr);
		free(hdr);
	}
	if (req->accept != NULL) {
		hdr = xasprintf("Accept: %s", req->accept);
		headers = curl.slist_append(headers, hdr);
		free(hdr);
	}
	if (req->body != NULL) {
		headers = curl.slist_append(headers, "Content-Type: application/json");
		curl.easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
	}
	/* curl would otherwise wait for "100 Continue" on larger bodies */
	headers = curl.slist_append(headers, "Expect:");
	curl.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	if (req->method != NULL && strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "POST") != 0)
		curl.easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	else if (req->method != NULL && strcmp(req->method, "POST") == 0 &&
	    req->body == NULL)
		curl.easy_setopt(c, CURLOPT_POSTFIELDS, "");

	rc = curl.easy_perform(c);
	if (rc != CURLE_OK) {
		if (sink.too_big)
			seterr(err, "%s: reply larger than %d bytes", req->url,
			    HTTP_BODY_MAX);
		else
			seterr(err, "%s: %s", req->url,
			    errbuf[0] != '\0' ? errbuf : curl.easy_strerror(rc));
		free(sink.buf);
		goto done;
	}
	curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->body = sink.buf != NULL ? sink.buf : xstrdup("");
	resp->len = sink.len;
	ret = 0;
done:
	curl.slist_free_all(headers);
	curl.easy_cleanup(c);
	free(iface);
	return ret;
}

/* Frees the body of resp (not resp itself); NULL is fine. */
void
http_response_free(struct http_response *resp)
{
	if (resp == NULL)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

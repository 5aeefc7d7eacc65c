/*
 * metrics.c — request and check-in counters for /metrics (Prometheus text
 * format). Counters are atomics: no lock on the hot path.
 */
#include <stdatomic.h>

#include "server.h"

static const int codes[] = {
	200, 201, 204, 301, 304, 400, 401, 403, 404, 405, 409, 413, 414, 431,
	500, 503,
};
static atomic_ulong requests[NELEM(codes) + 1];	/* last: other codes */
static atomic_ulong checkins[CR_MAX];
static atomic_ulong hosts[CR_MAX];
static const char *const result_names[CR_MAX] = {
	"ok", "invalid", "unauthorized", "not_found", "error",
};

/* Counts one answered request by status code. */
void
metrics_request(int code)
{
	size_t i;

	for (i = 0; i < NELEM(codes); i++)
		if (codes[i] == code)
			break;
	atomic_fetch_add_explicit(&requests[i], 1, memory_order_relaxed);
}

/* Counts one check-in (v1 or legacy) by result. */
void
metrics_checkin(enum checkin_result r)
{
	atomic_fetch_add_explicit(&checkins[r], 1, memory_order_relaxed);
}

/* Counts one host-list fetch (GET …/hosts) by result. */
void
metrics_hosts(enum checkin_result r)
{
	atomic_fetch_add_explicit(&hosts[r], 1, memory_order_relaxed);
}

/* Maps a registry result onto the metrics' result label. */
enum checkin_result
metrics_result(enum store_result r)
{
	switch (r) {
	case ST_OK: return CR_OK;
	case ST_INVALID: return CR_INVALID;
	case ST_UNAUTHORIZED: case ST_FORBIDDEN: return CR_UNAUTHORIZED;
	case ST_NOT_FOUND: return CR_NOT_FOUND;
	default: return CR_ERROR;
	}
}

/* Appends the counters in Prometheus text format. */
void
metrics_render(struct buf *b)
{
	size_t i;

	buf_puts(b, "# HELP dyndistcc_requests_total HTTP requests answered, by status code.\n"
	    "# TYPE dyndistcc_requests_total counter\n");
	for (i = 0; i <= NELEM(codes); i++) {
		unsigned long v = atomic_load(&requests[i]);

		if (i < NELEM(codes))
			buf_printf(b, "dyndistcc_requests_total{code=\"%d\"} %lu\n",
			    codes[i], v);
		else
			buf_printf(b, "dyndistcc_requests_total{code=\"other\"} %lu\n", v);
	}
	buf_puts(b, "# HELP dyndistcc_checkins_total Check-ins (v1 and legacy), by result.\n"
	    "# TYPE dyndistcc_checkins_total counter\n");
	for (i = 0; i < CR_MAX; i++)
		buf_printf(b, "dyndistcc_checkins_total{result=\"%s\"} %lu\n",
		    result_names[i], atomic_load(&checkins[i]));
	buf_puts(b, "# HELP dyndistcc_hosts_requests_total Host-list fetches (refreshes), by result.\n"
	    "# TYPE dyndistcc_hosts_requests_total counter\n");
	for (i = 0; i < CR_MAX; i++)
		buf_printf(b, "dyndistcc_hosts_requests_total{result=\"%s\"} %lu\n",
		    result_names[i], atomic_load(&hosts[i]));
}

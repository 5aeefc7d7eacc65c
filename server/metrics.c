/*
 * metrics.c — request and check-in counters for /metrics (Prometheus text
 * format, names after Prometheus' conventions: base units, _total for
 * counters, _seconds for time). Counters are atomics: no lock on the hot
 * path.
 */
#include <stdatomic.h>

#include "server.h"

static const int codes[] = {
	200, 201, 204, 301, 304, 400, 401, 403, 404, 405, 409, 413, 414, 421,
	431, 500, 503,
};
static atomic_ulong requests[NELEM(codes) + 1];	/* last: other codes */
static atomic_ulong checkins[CR_MAX];
static atomic_ulong hosts[CR_MAX];
static const char *const result_names[CR_MAX] = {
	"ok", "invalid", "unauthorized", "not_found", "error",
};

/* Upper bounds of the request-duration histogram, in seconds: from a
 * check-in answered from memory (well under a millisecond) to a client
 * that took seconds to send its request. */
static const double le[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
static atomic_ulong dur_bucket[NELEM(le) + 1];	/* last: +Inf */
static atomic_ulong dur_sum_us;			/* microseconds */
static double started;				/* wall clock, seconds */

/* Remembers when the process started (process_start_time_seconds). */
void
metrics_init(void)
{
	started = now_wall();
}

/* Counts one answered request by status code, and how long it took from
 * its request line to its reply (seconds). */
void
metrics_request(int code, double secs)
{
	size_t i;

	for (i = 0; i < NELEM(codes); i++)
		if (codes[i] == code)
			break;
	atomic_fetch_add_explicit(&requests[i], 1, memory_order_relaxed);
	if (secs < 0)
		secs = 0;
	for (i = 0; i < NELEM(le); i++)
		if (secs <= le[i])
			break;
	atomic_fetch_add_explicit(&dur_bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&dur_sum_us, (unsigned long)(secs * 1e6),
	    memory_order_relaxed);
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
	unsigned long cum = 0, deadline, evicted, refused;
	int open;
	size_t i;

	buf_printf(b, "# HELP dyndistcc_build_info The running version.\n"
	    "# TYPE dyndistcc_build_info gauge\n"
	    "dyndistcc_build_info{version=\"%s\"} 1\n", DYNDISTCC_VERSION);
	buf_printf(b, "# HELP process_start_time_seconds Start time of the "
	    "process since the epoch, in seconds.\n"
	    "# TYPE process_start_time_seconds gauge\n"
	    "process_start_time_seconds %.3f\n", started);
	buf_puts(b, "# HELP dyndistcc_http_request_duration_seconds Time from "
	    "a request's first line to its reply.\n"
	    "# TYPE dyndistcc_http_request_duration_seconds histogram\n");
	for (i = 0; i <= NELEM(le); i++) {
		cum += atomic_load(&dur_bucket[i]);
		if (i < NELEM(le))
			buf_printf(b, "dyndistcc_http_request_duration_seconds_bucket"
			    "{le=\"%g\"} %lu\n", le[i], cum);
		else
			buf_printf(b, "dyndistcc_http_request_duration_seconds_bucket"
			    "{le=\"+Inf\"} %lu\n", cum);
	}
	buf_printf(b, "dyndistcc_http_request_duration_seconds_sum %.6f\n"
	    "dyndistcc_http_request_duration_seconds_count %lu\n",
	    (double)atomic_load(&dur_sum_us) / 1e6, cum);
	conns_stats(&open, &deadline, &evicted, &refused);
	buf_printf(b, "# HELP dyndistcc_http_connections Connections open now.\n"
	    "# TYPE dyndistcc_http_connections gauge\n"
	    "dyndistcc_http_connections %d\n", open);
	buf_printf(b, "# HELP dyndistcc_http_connections_cut_total Connections "
	    "the server closed: request overdue (request_timeout), evicted to "
	    "make room, or refused when nothing could make room.\n"
	    "# TYPE dyndistcc_http_connections_cut_total counter\n"
	    "dyndistcc_http_connections_cut_total{reason=\"deadline\"} %lu\n"
	    "dyndistcc_http_connections_cut_total{reason=\"evicted\"} %lu\n"
	    "dyndistcc_http_connections_cut_total{reason=\"refused\"} %lu\n",
	    deadline, evicted, refused);

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

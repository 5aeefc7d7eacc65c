# bench_tls.sh — what HTTPS costs the server (issue 15): check-ins of a
# 1000-node project over HTTPS (tls_cert/tls_key, a self-signed P-256 pair
# as the server installer makes) against plain HTTP, two servers side by
# side in the same run, each with its own database, measured in turns
# (plain, TLS, TLS, plain: the machine is shared, so each figure is the
# mean of its two turns).
#
#  1. keep-alive: wrk -t2 -c32, each connection sends check-in after
#     check-in (a heartbeat's libcurl keeps its connection between
#     check-ins when it can);
#  2. a new connection per check-in: the same with "Connection: close",
#     so every check-in pays a TCP (and TLS) handshake; wrk's latency
#     starts once the connection is up, so
#  3. one check-in at a time on a fresh connection, by curl: its whole
#     time, connect and handshake included (p50, p99 of BENCH_CURL, 200).
#
# BENCH_SECONDS (default 5) is each wrk run's length.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/wrk.bash"

LUA=$TOP/tests/bench/checkin.lua
DUR=${BENCH_SECONDS:-5}
CURLS=${BENCH_CURL:-200}
NODES=1000
command -v wrk >/dev/null || fail "wrk is not installed (scripts/deps.sh bench)"

cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
    -out server.pem -days 30 -subj /CN=dyndistcc -addext "subjectAltName=IP:127.0.0.1" \
    2>/dev/null || fail "openssl could not make a certificate"
cd - >/dev/null
# one loopback client stands for many machines: lift the per-address cap
# on connections (32), which connections closed by the server but not yet
# released would otherwise hit in part 2
echo "max_connections_per_ip 1024" >"$T/plain.conf"
printf 'tls_cert %s\ntls_key %s\n' "$T/server.pem" "$T/server.key" | cat - "$T/plain.conf" >"$T/tls.conf"

# the plain server (lib.sh's), then the TLS one
start_server -f "$T/plain.conf"
PLAIN_URL=$SERVER_URL
TLS_PORT=$(free_port)
TLS_URL=https://127.0.0.1:$TLS_PORT
spawn tls-server "$BIN/dyndistcc-server" -f "$T/tls.conf" -l 127.0.0.1 -p "$TLS_PORT" \
    --db "$T/tls.db" --admin-token "$ADMIN_TOKEN"
wait_until 10 curl -fsSk "$TLS_URL/healthz" || fail "no HTTPS server on $TLS_URL"
[ "$(curl -fsSk "$TLS_URL/api/v1/server" | jq -r .tls)" = true ] || fail "$TLS_URL does not say tls"

declare -A KEY=()
for url in "$PLAIN_URL" "$TLS_URL"; do
	out=$(curl -fsSk -H "Authorization: Bearer $ADMIN_TOKEN" -X POST \
	    -d '{"name":"big"}' "$url/api/v1/projects") || fail "creating the project at $url"
	KEY[$url]=$(jq -r .key <<<"$out")
	# the bench's nodes advertise 10.x addresses, one loopback client
	# standing for many machines
	curl -fsSk -o /dev/null -H "Authorization: Bearer $ADMIN_TOKEN" -X PATCH \
	    -d '{"advertise":true}' "$url/api/v1/projects/big" || fail "allowing advertised addresses at $url"
	# every node checked in once (a loaded machine may need more turns)
	for _ in 1 2 3 4 5; do
		BENCH_PROJECT=big BENCH_KEY=${KEY[$url]} BENCH_NODES=$NODES \
		    wrk -t2 -c8 -d2s -s "$LUA" "$url" >/dev/null
		n=$(curl -fsSk -H "Authorization: Bearer ${KEY[$url]}" "$url/api/v1/nodes?project=big" |
		    jq '.nodes | length')
		[ "$n" -lt $NODES ] || break
	done
	assert_eq "$n" $NODES "nodes prefilled at $url"
done

declare -A SUM_RPS=() SUM_P50=() SUM_P99=()
# run MODE URL: one wrk run; adds its figures to MODE's sums for URL.
run() {
	local mode=$1 url=$2 hdr=() rps p50 p99 bad err
	[ "$mode" = close ] && hdr=(-H "Connection: close")
	BENCH_PROJECT=big BENCH_KEY=${KEY[$url]} BENCH_NODES=$NODES \
	    wrk -t2 -c32 "-d${DUR}s" --latency "${hdr[@]}" -s "$LUA" "$url" >"$T/wrk.out"
	read -r rps p50 p99 bad err < <(wrk_parse "$T/wrk.out")
	[ "$bad" -eq 0 ] || { cat "$T/wrk.out"; fail "$mode $url: $bad check-ins failed"; }
	[ "$err" -eq 0 ] || echo "   ($mode $url: $err socket errors)"
	SUM_RPS[$mode$url]=$(awk -v a="${SUM_RPS[$mode$url]:-0}" -v b="$rps" 'BEGIN { print a + b }')
	SUM_P50[$mode$url]=$(awk -v a="${SUM_P50[$mode$url]:-0}" -v b="$p50" 'BEGIN { print a + b }')
	SUM_P99[$mode$url]=$(awk -v a="${SUM_P99[$mode$url]:-0}" -v b="$p99" 'BEGIN { print a + b }')
}

# row LABEL MODE: the mean of MODE's two turns, plain and TLS, and ratios.
row() {
	awk -v l="$1" -v pr="${SUM_RPS[$2$PLAIN_URL]}" -v tr="${SUM_RPS[$2$TLS_URL]}" \
	    -v p5="${SUM_P50[$2$PLAIN_URL]}" -v t5="${SUM_P50[$2$TLS_URL]}" \
	    -v p9="${SUM_P99[$2$PLAIN_URL]}" -v t9="${SUM_P99[$2$TLS_URL]}" 'BEGIN {
		printf "   %s\n", l
		printf "     %-8s %8d req/s   p50 %7.2f ms   p99 %7.2f ms\n", "HTTP", pr / 2, p5 / 2, p9 / 2
		printf "     %-8s %8d req/s   p50 %7.2f ms   p99 %7.2f ms\n", "HTTPS", tr / 2, t5 / 2, t9 / 2
		printf "     HTTPS/HTTP: rate %.2f, p99 %.2fx\n", tr / pr, t9 / p9
	}'
}

echo "check-ins of a $NODES-node project, HTTPS (P-256 certificate) against HTTP,"
echo "wrk -t2 -c32 -d${DUR}s per turn, two turns each; $(nproc) CPUs shared with wrk, load $(cut -d' ' -f1 /proc/loadavg)"
for mode in keepalive close; do
	run "$mode" "$PLAIN_URL"
	run "$mode" "$TLS_URL"
	run "$mode" "$TLS_URL"
	run "$mode" "$PLAIN_URL"
done
row "1. keep-alive (32 connections)" keepalive
row "2. a new connection per check-in (32 at a time; latency after the handshake)" close

# curl_times URL: CURLS check-ins one at a time, each by a new curl on a
# new connection; prints each one's total seconds.
curl_times() {
	local url=$1 i body
	for ((i = 0; i < CURLS; i++)); do
		body=$(printf '{"project":"big","node":"%032x","hostname":"c%d","owner":"bench","cores":4,"port":3632,"version":"1.0.0","addr":"10.9.0.%d","admission":"live"}' \
		    $((i % 20 + 100000)) "$i" $((i % 20 + 1)))
		curl -sSk -o /dev/null -w '%{http_code} %{time_total}\n' \
		    -H "Authorization: Bearer ${KEY[$url]}" -H 'Content-Type: application/json' \
		    --data-binary "$body" "$url/api/v1/checkin"
	done
}
# pct FILE P: the P-th percentile of the times in FILE, in ms.
pct() {
	awk '{ print $2 }' "$1" | sort -g | awk -v p="$2" '{ v[NR] = $1 }
	    END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; printf "%.2f", v[i] * 1000 }'
}
curl_times "$PLAIN_URL" >"$T/curl-plain"
curl_times "$TLS_URL" >"$T/curl-tls"
for f in curl-plain curl-tls; do
	bad=$(awk '$1 != 200' "$T/$f" | wc -l)
	[ "$bad" -eq 0 ] || fail "$f: $bad check-ins by curl failed"
done
echo "   3. one check-in at a time, a new curl and connection each ($CURLS each), handshake included"
printf '     %-8s p50 %7s ms   p99 %7s ms\n' HTTP "$(pct "$T/curl-plain" 50)" "$(pct "$T/curl-plain" 99)"
printf '     %-8s p50 %7s ms   p99 %7s ms\n' HTTPS "$(pct "$T/curl-tls" 50)" "$(pct "$T/curl-tls" 99)"
awk -v a="$(pct "$T/curl-tls" 50)" -v b="$(pct "$T/curl-plain" 50)" \
    -v c="$(pct "$T/curl-tls" 99)" -v d="$(pct "$T/curl-plain" 99)" \
    'BEGIN { printf "     HTTPS/HTTP: p50 %.2fx, p99 %.2fx\n", a / b, c / d }'

# bench_server.sh — dyndistcc-server under wrk on loopback: check-ins of a
# 1000-node project (the predecessor's workload: ~300/s, p99 ~650 ms) and of
# a 20-node project, host-list fetches against nginx serving a file of the
# same size (measured in the same run), and resident memory with 10,000
# nodes in 100 projects. Figures are printed with their ratios.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/wrk.bash"

LUA=$TOP/tests/bench/checkin.lua
DUR=${BENCH_SECONDS:-5}
WRK=(wrk -t2 -c32 "-d${DUR}s" --latency)
command -v wrk >/dev/null || fail "wrk is not installed (scripts/deps.sh bench)"
command -v nginx >/dev/null || fail "nginx is not installed (scripts/deps.sh bench)"

report() {	# report WHAT FILE
	read -r rps p50 p99 bad _ < <(wrk_parse "$2")
	printf '  %-44s %8d req/s   p50 %7.2f ms   p99 %7.2f ms%s\n' "$1" "$rps" "$p50" "$p99" \
	    "$([ "$bad" -gt 0 ] && echo "   ($bad non-2xx!)")"
	RPS=$rps P99=$p99
	[ "$bad" -eq 0 ] || fail "$1: $bad requests failed"
}

# advertise PROJECT: lets the bench's nodes advertise their addresses
advertise() {
	api PATCH "/api/v1/projects/$1" '{"advertise":true}' >/dev/null
	assert_eq "$STATUS" 200 "advertise $1"
}

# one loopback client stands for many machines: no cap on its connections
echo "max_connections_per_ip 1024" >"$T/server.conf"
start_server -f "$T/server.conf"
create_project big
KEY_big=$KEY
advertise big
create_project small
KEY_small=$KEY
advertise small

echo "check-ins (wrk -t2 -c32 -d${DUR}s, loopback, $(nproc) cores shared with wrk)"
# prefill WANT METRIC-LABELS WRK-ENV...: check-ins until the labelled
# projects' nodes_online add up to WANT (a loaded machine may need turns).
prefill() {
	local want=$1 labels=$2 got l
	shift 2
	for _ in 1 2 3 4 5 6; do
		env "$@" wrk -t2 -c16 -d3s -s "$LUA" "$SERVER_URL" >/dev/null
		got=0
		for l in $labels; do got=$((got + $(metric dyndistcc_nodes_online "$l"))); done
		[ "$got" -lt "$want" ] || break
	done
	assert_eq "$got" "$want" "prefilled nodes ($labels)"
}
prefill 1000 'project="big"' BENCH_PROJECT=big BENCH_KEY="$KEY_big" BENCH_NODES=1000
BENCH_PROJECT=big BENCH_KEY=$KEY_big BENCH_NODES=1000 "${WRK[@]}" -s "$LUA" "$SERVER_URL" >"$T/big"
report "1000-node project, 32 connections" "$T/big"
BIG=$RPS BIG99=$P99
BENCH_PROJECT=big BENCH_KEY=$KEY_big BENCH_NODES=1000 BENCH_DELAY_MS=12 wrk -t1 -c4 "-d${DUR}s" --latency -s "$LUA" "$SERVER_URL" >"$T/big2"
report "1000-node project, the predecessor's rate" "$T/big2"
BIG2=$RPS BIG2_99=$P99
reply=$(curl -fsS -H "Authorization: Bearer $KEY_big" "$SERVER_URL/api/v1/projects/big/hosts?fp=$(printf '%032x' 1)" | wc -c)
echo "  (a 1000-node host-list reply is $reply bytes)"
"${WRK[@]}" -H "Authorization: Bearer $KEY_big" "$SERVER_URL/api/v1/projects/big/hosts?fp=$(printf '%032x' 1)" >"$T/bighosts"
report "GET hosts, 1000-node project, one fp ($reply B)" "$T/bighosts"
BIGH=$RPS
BENCH_PROJECT=small BENCH_KEY=$KEY_small BENCH_NODES=20 "${WRK[@]}" -s "$LUA" "$SERVER_URL" >"$T/small"
report "20-node project, 32 connections" "$T/small"
assert_eq "$(metric dyndistcc_nodes_online 'project="small"')" 20 "small project nodes"

echo "host-list fetches against nginx serving a file of the same size"
curl -fsS -H "Authorization: Bearer $KEY_small" "$SERVER_URL/api/v1/projects/small/hosts" >"$T/reply.json"
size=$(wc -c <"$T/reply.json")
"${WRK[@]}" -H "Authorization: Bearer $KEY_small" "$SERVER_URL/api/v1/projects/small/hosts" >"$T/hosts"
report "GET /api/v1/projects/small/hosts ($size B)" "$T/hosts"
HOSTS=$RPS
mkdir -p "$T/www"
cp "$T/reply.json" "$T/www/hosts.json"
curl -fsS -H "Authorization: Bearer $KEY_big" "$SERVER_URL/api/v1/projects/big/hosts?fp=$(printf '%032x' 1)" \
    >"$T/www/big.json"
NPORT=$(free_port)
cat >"$T/nginx.conf" <<CONF
user root;
daemon off;
worker_processes 2;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	server {
		listen 127.0.0.1:$NPORT;
		root $T/www;
	}
}
CONF
spawn nginx nginx -c "$T/nginx.conf" -p "$T"
wait_until 10 curl -fsS -o /dev/null "http://127.0.0.1:$NPORT/hosts.json" || fail "nginx did not start"
assert_eq "$(curl -fsS "http://127.0.0.1:$NPORT/hosts.json" | wc -c)" "$size" "nginx file size"
"${WRK[@]}" "http://127.0.0.1:$NPORT/hosts.json" >"$T/nginx"
report "nginx, static file ($size B, 2 workers)" "$T/nginx"
NGINX=$RPS
"${WRK[@]}" "http://127.0.0.1:$NPORT/big.json" >"$T/nginxbig"
report "nginx, static file ($(wc -c <"$T/www/big.json") B, 2 workers)" "$T/nginxbig"
NGINXBIG=$RPS

echo "memory with 10,000 nodes in 100 projects"
stop_server
SERVER_DB=$T/mem.db SERVER_PORT=$(free_port) start_server -f "$T/server.conf"
for i in $(seq 0 99); do
	create_project "p$i" open
	advertise "p$i"
done
prefill 300 'project="p0" project="p1" project="p99"' BENCH_PROJECT=p BENCH_PROJECTS=100 BENCH_NODES=10000
nodes=$(curl -fsS "$SERVER_URL/api/v1/nodes" | jq '.nodes | length')
assert_eq "$nodes" 10000 "nodes"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
printf '  %-44s %8d kB (peak %d kB)\n' "RSS, 10,000 nodes in 100 projects" "$rss" "$hwm"

echo "ratios"
awk -v big="$BIG" -v big99="$BIG99" -v big2="$BIG2" -v big2_99="$BIG2_99" \
    -v hosts="$HOSTS" -v nginx="$NGINX" -v rss="$rss" -v bighosts="$BIGH" -v nginxbig="$NGINXBIG" 'BEGIN {
	printf "  check-ins vs. predecessor (300/s):            %6.1fx  (aim >= 50x)\n", big / 300
	printf "  p99 vs. predecessor (650 ms), 32 connections: %6.1fx lower (%.2f ms)\n", 650 / big99, big99
	printf "  p99 at %d/s (4 connections, 12 ms apart):    %6.2f ms   (aim < 10 ms)\n", big2, big2_99
	printf "  host lists vs. nginx, same size:              %6.2f   (aim >= 0.5)\n", hosts / nginx
	printf "  1000-node host lists vs. nginx, same size:    %6.2f\n", bighosts / nginxbig
	printf "  1000-node host lists vs. 1000-node check-ins: %6.2f\n", bighosts / big
	printf "  RSS vs. aim (20 MB):                          %6.2f   (aim < 1)\n", rss / 20480
}'

#!/usr/bin/env bash
# bench_compilers.sh — how fast the pool follows a compiler change, with the
# server's default heartbeat (10 s): node b's gcc is replaced by another
# compiler (a wrapper first on its PATH under x86_64-linux-gnu-gcc, the
# name distccd runs for a gcc job), then put back, ROUNDS times (3):
#   change -> b leaves / joins the server's list for gcc's fingerprint (what
#             any refresh gets); aim: within one heartbeat;
#   change -> the same in node a's host-list file (what a's dcc reads);
#             at most one heartbeat more.
# Figures are seconds and their ratio to the heartbeat.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
rounds=${ROUNDS:-3}
TRIPLE=$(gcc -dumpmachine)

mkdir -m 755 "$T/wrap"
chmod 0711 "$T"
start_server
HB=10	# the server's default heartbeat
create_project bench
pool_node a 127.0.0.2 bench "$KEY" 2
PATH=$T/wrap:$PATH pool_node b 127.0.0.3 bench "$KEY" 2
fp=$(DCC_CONFIG=/dev/null HOME=$T "$BIN/dcc" --fingerprint gcc | cut -d' ' -f1)

server_lists_b() {
	case " $(curl -fsS -H 'Accept: text/plain' -H "Authorization: Bearer $KEY" \
	    "$SERVER_URL/api/v1/projects/bench/hosts?cores=1&fp=$fp") " in
	*" 127.0.0.3:${POOL_PORT[b]}/"*) return 0 ;;
	esac
	return 1
}
file_lists_b() {
	grep -q "^# dyndistcc-fp $fp .* 127.0.0.3:${POOL_PORT[b]}/" "$T/a/state/hosts" 2>/dev/null
}
server_lacks_b() { ! server_lists_b; }
file_lacks_b() { ! file_lists_b; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

wait_until 60 file_lists_b || fail "a's list never held b"
leave_srv=() leave_file=() join_srv=() join_file=()
for _ in $(seq 1 "$rounds"); do
	# another compiler under the name distccd runs: b must leave gcc's list
	printf '#!/bin/sh\nexec /usr/bin/%s-gcc "$@" -O0\n' "$TRIPLE" >"$T/wrap/$TRIPLE-gcc.new"
	chmod 0755 "$T/wrap/$TRIPLE-gcc.new"
	t0=$(date +%s%N)
	mv "$T/wrap/$TRIPLE-gcc.new" "$T/wrap/$TRIPLE-gcc"
	wait_until 60 server_lacks_b || fail "b stayed in gcc's list"
	leave_srv+=("$(ms_since "$t0")")
	wait_until 60 file_lacks_b || fail "b stayed in a's file"
	leave_file+=("$(ms_since "$t0")")
	# the right one again: b must join
	t0=$(date +%s%N)
	rm "$T/wrap/$TRIPLE-gcc"
	wait_until 60 server_lists_b || fail "b did not join gcc's list"
	join_srv+=("$(ms_since "$t0")")
	wait_until 60 file_lists_b || fail "b did not join a's file"
	join_file+=("$(ms_since "$t0")")
done

# report WHAT MS...: median and max in seconds, max as heartbeats.
report() {
	local what=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v w="$what" -v hb="$HB" '
	    { v[NR] = $1 } END {
		med = v[int((NR + 1) / 2)] / 1000; max = v[NR] / 1000
		printf "  %-40s median %5.2f s, max %5.2f s = %.2f heartbeats\n", w, med, max, max / hb }'
}
echo "compiler changes on b, $rounds rounds each way, heartbeat $HB s:"
report "changed -> b leaves the server's list" "${leave_srv[@]}"
report "changed -> b leaves a's file" "${leave_file[@]}"
report "fixed -> b joins the server's list" "${join_srv[@]}"
report "fixed -> b joins a's file" "${join_file[@]}"
echo "  (aim: the server's list within one heartbeat; a's file one heartbeat more)"

#!/usr/bin/env bash
# bench_heartbeat.sh — how fast the pool notices a machine, with the server's
# default settings (heartbeat 10 s, ttl 30 s), two real heartbeats with their
# distccds on 127.0.0.2 (A) and 127.0.0.3 (B):
#   join:    B starts -> B is in the list the server hands A (what any refresh
#            gets), and -> B is in A's host-list file (what A's dcc reads);
#            aim: under one heartbeat;
#   leave:   SIGTERM to B -> B gone from the server's list for A; aim < 1 s;
#            and -> gone from A's file (at A's next heartbeat);
#   crash:   kill -9 to B -> gone from the server's list; aim < ttl + 1 heartbeat.
# ROUNDS=3 join/leave rounds by default (each may take up to 2 heartbeats).
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/heartbeat_common.bash"
rounds=${ROUNDS:-3}

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
a_server_lists_b() { listed_by 127.0.0.2 127.0.0.3; }
a_file_lists_b() { file_lists "$A_DIR/hosts" 127.0.0.3; }
a_server_lacks_b() { ! listed_by 127.0.0.2 127.0.0.3; }
a_file_lacks_b() { ! file_lists "$A_DIR/hosts" 127.0.0.3; }

start_server
create_project fw
start_node 127.0.0.2
A_DIR=$NODE_DIR

join_srv=() join_file=() leave_srv=() leave_file=()
for _ in $(seq 1 "$rounds"); do
	t0=$(date +%s%N)
	start_node 127.0.0.3
	wait_until 30 a_server_lists_b || fail "B not in A's list"
	join_srv+=("$(ms_since "$t0")")
	wait_until 30 a_file_lists_b || fail "B not in A's file"
	join_file+=("$(ms_since "$t0")")
	t0=$(date +%s%N)
	kill -TERM "$NODE_PID"
	wait_until 30 a_server_lacks_b || fail "B still in A's list"
	leave_srv+=("$(ms_since "$t0")")
	wait_until 30 a_file_lacks_b || fail "B still in A's file"
	leave_file+=("$(ms_since "$t0")")
	wait "$NODE_PID" || true
done

start_node 127.0.0.3
wait_until 30 a_server_lists_b || fail "B not in A's list"
orphan=$(engine_pid)
PIDS+=("$orphan")
t0=$(date +%s%N)
kill -KILL "$NODE_PID"
wait_until 60 a_server_lacks_b || fail "B still in A's list a minute after kill -9"
crash_srv=$(ms_since "$t0")
kill -TERM "$orphan" 2>/dev/null || true

stats() {	# name aim_ms values...: min/median/max in seconds and the aim
	local name=$1 aim=$2; shift 2
	printf '%s\n' "$@" | sort -n | awk -v n="$name" -v aim="$aim" '
	    { v[NR] = $1 } END {
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%-44s min %6.2f  median %6.2f  max %6.2f s   aim < %s s: %s\n",
		    n, v[1] / 1000, med / 1000, v[NR] / 1000, aim / 1000,
		    (v[NR] < aim) ? "met" : "MISSED"
	    }'
}
echo "heartbeat 10 s, ttl 30 s (server defaults), $rounds rounds"
stats "start -> in the server's list for A" 10000 "${join_srv[@]}"
stats "start -> in A's host-list file" 10000 "${join_file[@]}"
stats "SIGTERM -> gone from the server's list for A" 1000 "${leave_srv[@]}"
stats "SIGTERM -> gone from A's host-list file" 10000 "${leave_file[@]}"
stats "kill -9 -> gone from the server's list for A" 40000 "$crash_srv"

# Nodes leave and come back: SIGTERM removes a node from the other members'
# lists at once; kill -9 removes it after ttl; a distccd left behind by a
# killed heartbeat is replaced at the next start; a server restart (same
# database) brings every node back without anyone touching it, the outage
# is logged once, and the job ports serve on throughout.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/heartbeat_common.bash"

start_server --heartbeat 1 --ttl 3
create_project fw

start_node 127.0.0.2
A_DIR=$NODE_DIR A_LOG=$T/node-127.0.0.2.log A_PORT=$NODE_PORT
start_node 127.0.0.3
B_PID=$NODE_PID
wait_until 10 listed_by 127.0.0.2 127.0.0.3 || fail "A's list lacks B"
wait_until 10 file_lists "$A_DIR/hosts" 127.0.0.3 || fail "A's hosts file lacks B"

say "SIGTERM: B leaves A's list at once, its distccd stops"
b_distccd=$(engine_pid)
t0=$(date +%s%N)
kill -TERM "$B_PID"
wait_until 5 unlisted_by 127.0.0.2 127.0.0.3 || fail "B still listed"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
say "  gone from A's list after $ms ms"
# Gone because it checked out, not because its ttl ran out on a slow machine.
grep -q "left project .* (checked out)" "$T/server.log" || fail "B did not check out"
grep -q "left project .* (no check-in" "$T/server.log" && fail "B expired instead of checking out"
rc=0; wait "$B_PID" || rc=$?
assert_eq "$rc" 0 "B's exit status"
kill -0 "$b_distccd" 2>/dev/null && fail "B's distccd still runs"
wait_until 5 sh -c "! grep -q 127.0.0.3 '$A_DIR/hosts'" || fail "A's hosts file still lists B"

say "kill -9: B is listed until ttl, gone after it; its distccd is orphaned"
start_node 127.0.0.3
B_PID=$NODE_PID
wait_until 10 listed_by 127.0.0.2 127.0.0.3 || fail "A's list lacks B again"
wait_until 10 test -s "$NODE_DIR/distccd.pid" || fail "B has no distccd"
orphan=$(engine_pid)
PIDS+=("$orphan")	# cleanup stops it if this test fails
t0=$(date +%s%N)
kill -KILL "$B_PID"
wait "$B_PID" 2>/dev/null || true
listed_by 127.0.0.2 127.0.0.3 || fail "B dropped before its ttl"
wait_until 10 unlisted_by 127.0.0.2 127.0.0.3 || fail "B still listed long after ttl"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
say "  gone from A's list after $ms ms (ttl 3 s)"
[ "$ms" -ge 2000 ] || fail "B dropped after only $ms ms"
wait_until 10 grep -q "left project .* (no check-in" "$T/server.log" || fail "B's ttl did not expire it"
kill -0 "$orphan" || fail "expected B's distccd to outlive a kill -9"

say "B restarts: the orphaned distccd is replaced, B is back"
spawn node-127.0.0.3 "$BIN/dcc-heartbeat" -d -f "$NODE_DIR/client.conf"
B_PID=$SPAWNED_PID
wait_until 10 grep -q "stopping distccd $orphan left running" "$T/node-127.0.0.3.log" ||
	fail "the orphaned distccd was not stopped"
wait_until 5 sh -c "! kill -0 $orphan 2>/dev/null" || fail "orphan $orphan still runs"
wait_until 10 node_online 127.0.0.3 "$NODE_PORT" || fail "B did not come back"
wait_until 10 new_engine "$NODE_DIR" "$orphan" || fail "no new distccd"
wait_until 10 port_busy 127.0.0.3 "$NODE_PORT" || fail "B's job port not listening"
assert_eq "$(distcc_job 127.0.0.2 127.0.0.3 "$NODE_PORT")" ok "job from A on B's new distccd"

say "server restart (same database): both nodes come back untouched"
a_distccd=$(cat "$A_DIR/distccd.pid")
stop_server
wait_until 10 grep -q "server unreachable" "$A_LOG" || fail "A did not notice the outage"
before=$(nodes_json 2>/dev/null || true)
[ -z "$before" ] || fail "server still answers"
start_server --heartbeat 1 --ttl 3
wait_until 10 node_online 127.0.0.2 || fail "A did not come back"
wait_until 10 node_online 127.0.0.3 || fail "B did not come back"
wait_until 10 grep -q "server answers again" "$A_LOG" || fail "A did not log the recovery"
assert_eq "$(grep -c "server unreachable" "$A_LOG")" 1 "outage warnings in A's log"
# distccd kept running through the outage, and A serves B as before
assert_eq "$(cat "$A_DIR/distccd.pid")" "$a_distccd" "A's distccd pid"
assert_eq "$(distcc_job 127.0.0.3 127.0.0.2 "$A_PORT")" ok "job from B on A"
echo "heartbeat_leave: ok"

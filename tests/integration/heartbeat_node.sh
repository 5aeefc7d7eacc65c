# A node appears with the right cores, nice, port, compilers and version;
# the heartbeat itself listens on its job port, and the distccd behind it
# listens on 127.0.0.1 only; jobs run under SCHED_IDLE by default, or at the
# configured nice: every process of every job of a saturated node, a
# compiler's own child included (read from /proc); a non-member is refused, a member and loopback are
# served; the host list is written world-readable; cores honour CPU
# affinity; a crashed distccd is restarted with a backoff.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/heartbeat_common.bash"

start_server --heartbeat 2 --ttl 6
create_project fw
busy_compiler

say "a node with nice 7 and 3 cores appears with its facts"
start_node 127.0.0.2 "nice 7" "cores 3" "owner alice"
assert_eq "$(online_field 127.0.0.2 .cores)" 3 "cores"
assert_eq "$(online_field 127.0.0.2 .nice)" 7 "nice"
assert_eq "$(online_field 127.0.0.2 .port)" "$NODE_PORT" "port"
assert_eq "$(online_field 127.0.0.2 .owner)" '"alice"' "owner"
assert_eq "$(online_field 127.0.0.2 .version)" "\"$VERSION\"" "version"
assert_eq "$(online_field 127.0.0.2 .hostname)" "\"$(hostname)\"" "hostname"
assert_eq "$(online_field 127.0.0.2 .id)" "\"$(cat "$NODE_DIR/node-id")\"" "node id"
want=$(jq -cn --arg v "$(gcc -dumpfullversion)" --arg t "$(gcc -dumpmachine)" \
    '[{name:"cc",version:$v,target:$t},{name:"gcc",version:$v,target:$t}]')
assert_eq "$(online_field 127.0.0.2 '.compilers | map(del(.fp)) | sort_by(.name)')" "$want" "compilers"

say "the heartbeat owns the job port; distccd listens on loopback only"
wait_until 10 test -s "$NODE_DIR/distccd.pid" || fail "no distccd pid file"
pid=$(engine_pid)
wait_until 10 port_busy 127.0.0.2 "$NODE_PORT" || fail "job port not listening"
assert_eq "$(port_owner 127.0.0.2 "$NODE_PORT")" "$NODE_PID" "job port's owner"
assert_eq "$(engine_opt "$pid" --listen)" 127.0.0.1 "distccd --listen"
assert_eq "$(engine_opt "$pid" --jobs)" 5 "distccd --jobs (3 slots and 2 for canaries)"
assert_eq "$(engine_opt "$pid" --allow)" 127.0.0.1/32 "distccd --allow"
assert_eq "$(port_owner 127.0.0.1 "$(engine_opt "$pid" --port)")" "$pid" "distccd's port"

say "jobs run under SCHED_IDLE: distccd and every process it starts"
assert_eq "$(proc_policy "$pid")" 5 "distccd's policy (/proc/$pid/stat)"
for c in $(session_pids "$pid"); do
	assert_eq "$(proc_policy "$c")" 5 "policy of $c in distccd's session"
done

say "a saturated node: all 3 slots busy; every job process runs under SCHED_IDLE"
busy_jobs 127.0.0.2 127.0.0.2 "$NODE_PORT" 3
tree=$(tree_pids "$pid")
for c in $(busy_loops); do
	assert_contains " ${tree//$'\n'/ } " " $c " "busy loop $c in distccd's process tree"
done
[ "$(echo "$tree" | wc -l)" -ge 7 ] || fail "distccd's tree is too small for 3 jobs: ${tree//$'\n'/ }"
for c in $tree; do
	s=$(proc_sched "$c")
	[ -z "$s" ] || assert_eq "${s%% *}" 5 "policy of $c: $s"
done
busy_stop
assert_eq "$BUSY_RESULT" okx3 "the busy jobs' outcomes"

say "a non-member is refused after the job port asked, members and loopback are served"
assert_eq "$(distcc_job 127.0.0.9 127.0.0.2 "$NODE_PORT")" refused "job from 127.0.0.9"
grep -q "job port: refused a job from 127.0.0.9: not a member" "$T/node-127.0.0.2.log" ||
	fail "the refusal was not logged"
assert_eq "$(distcc_job 127.0.0.2 127.0.0.2 "$NODE_PORT")" ok "job from the member 127.0.0.2"
assert_eq "$(distcc_job 127.0.0.1 127.0.0.2 "$NODE_PORT")" ok "job from loopback"
wait_until 5 grep -q "job from 127.0.0.1: gcc job.c: ok" "$T/node-127.0.0.2.log" ||
	fail "the job was not logged with its sender, compiler and file"

say "the host list is written world-readable, with its metadata line"
assert_eq "$(stat -c %a "$NODE_DIR/hosts")" 644 "hosts mode"
assert_eq "$(tail -n 1 "$NODE_DIR/hosts")" "localhost/3" "hosts line"
# gcc and cc are one compiler on the wire (distcc sends x86_64-linux-gnu-gcc
# for both): one fingerprinted binary, listed for dcc
grep -Eq "^# dyndistcc-bin [0-9a-f]{32} $(gcc -dumpmachine)-gcc [0-9]+:[0-9]+:[0-9]+:[0-9]+ /" \
    "$NODE_DIR/hosts" || fail "no fingerprinted gcc in $(cat "$NODE_DIR/hosts")"
assert_contains "$(head -1 "$NODE_DIR/hosts")" "# dyndistcc project=fw " "metadata"
assert_eq "$(stat -c %a "$NODE_DIR/node-id")" 644 "node-id mode"
grep -qE '^[0-9a-f]{32}$' "$NODE_DIR/node-id" || fail "node-id is not 32 hex"

say "-n checks the config; --once checks in and prints the list"
out=$("$BIN/dcc-heartbeat" -n -f "$NODE_DIR/client.conf")
assert_contains "$out" "configuration OK" "-n"
printf 'server %s\nnice 5\n' "$SERVER_URL" >"$T/noproject.conf"
rc=0; "$BIN/dcc-heartbeat" -n -f "$T/noproject.conf" 2>"$T/err" || rc=$?
assert_eq "$rc" 1 "-n without a project"
assert_contains "$(cat "$T/err")" "no project" "-n error"

say "cores honour CPU affinity: pinned to one CPU, a node lends one core"
mkdir -p "$T/pinned"
conf_like "$NODE_DIR/client.conf" "$T/pinned.conf" state_dir "$T/pinned" cores "" source ""
echo "source 127.0.0.4" >>"$T/pinned.conf"
out=$(taskset -c 0 "$BIN/dcc-heartbeat" --once -f "$T/pinned.conf" 2>/dev/null)
assert_contains "$out" "checked in to $SERVER_URL" "--once output"
assert_eq "$(online_field 127.0.0.4 .cores)" 1 "pinned node's cores"
assert_eq "$(tail -n 1 "$T/pinned/hosts" | cut -d' ' -f1)" "localhost/1" "pinned node's list"
assert_eq "$(online_field 127.0.0.4 .compilers | jq length)" 2 "pinned node's compilers"
# --once never starts distccd
[ -e "$T/pinned/distccd.pid" ] && fail "--once started distccd"

say "sched nice: distccd and its jobs run at nice 7, not SCHED_IDLE"
mkdir -p "$T/nice"
port=$(free_port 127.0.0.7)
conf_like "$NODE_DIR/client.conf" "$T/nice.conf" state_dir "$T/nice" source 127.0.0.7 \
    distccd_listen 127.0.0.7 distccd_port "$port"
echo "sched nice" >>"$T/nice.conf"
spawn nice "$BIN/dcc-heartbeat" -d -f "$T/nice.conf"
wait_until 10 test -s "$T/nice/distccd.pid" || fail "no distccd with sched nice"
npid=$(cat "$T/nice/distccd.pid")
wait_until 5 test -e "/proc/$npid/stat" || fail "distccd $npid is gone"
assert_eq "$(proc_policy "$npid")" 0 "policy with sched nice"
assert_eq "$(proc_nice "$npid")" 7 "distccd's nice"
assert_eq "$(engine_opt "$npid" --nice)" 0 "distccd --nice (no increment on top)"
wait_until 10 port_busy 127.0.0.7 "$port" || fail "the nice node's job port is not listening"
busy_jobs 127.0.0.7 127.0.0.7 "$port" 3
tree=$(tree_pids "$npid")
for c in $(busy_loops); do
	assert_contains " ${tree//$'\n'/ } " " $c " "busy loop $c in distccd's process tree"
done
for c in $tree; do
	s=$(proc_sched "$c")
	[ -z "$s" ] || assert_eq "$(echo "$s" | cut -d' ' -f1,2)" "0 7" "policy and nice of $c: $s"
done
busy_stop
assert_eq "$BUSY_RESULT" okx3 "the busy jobs' outcomes at nice 7"
kill -TERM "$SPAWNED_PID"

say "distccd dies: restarted after 1 s, then 2 s (backoff)"
pid=$(engine_pid)
kill -KILL -- "-$pid"
wait_until 10 grep -q "distccd killed by signal 9; restarting in 1 s" "$T/node-127.0.0.2.log" ||
	fail "no restart after distccd died"
wait_until 10 new_engine "$NODE_DIR" "$pid" || fail "distccd not restarted"
pid=$(engine_pid)
assert_eq "$(distcc_job 127.0.0.2 127.0.0.2 "$NODE_PORT")" ok "job on the restarted distccd"
kill -KILL -- "-$pid"
wait_until 10 grep -q "distccd killed by signal 9; restarting in 2 s" "$T/node-127.0.0.2.log" ||
	fail "no backoff on the second death"
wait_until 10 new_engine "$NODE_DIR" "$pid" || fail "distccd not restarted again"
pid=$(engine_pid)

say "SIGTERM: checks out, stops distccd, exits 0"
kill -TERM "$NODE_PID"
rc=0; wait "$NODE_PID" || rc=$?
assert_eq "$rc" 0 "exit status"
kill -0 "$pid" 2>/dev/null && fail "distccd $pid still runs"
[ -e "$NODE_DIR/distccd.pid" ] && fail "pid file left behind"
port_busy 127.0.0.2 "$NODE_PORT" && fail "the job port still listens"
assert_eq "$(online_field 127.0.0.2 .id)" "" "node still online after check-out"

say "without -d it detaches, and still reloads its (relative) config"
mkdir -p "$T/daemon"
port=$(free_port 127.0.0.6)
conf_like "$NODE_DIR/client.conf" "$T/daemon/client.conf" state_dir "$T/daemon" \
    source 127.0.0.6 distccd_listen 127.0.0.6 distccd_port "$port"
rc=0; (cd "$T" && "$BIN/dcc-heartbeat" -f daemon/client.conf 2>>"$T/daemon.log") || rc=$?
assert_eq "$rc" 0 "exit status of the detaching parent"
wait_until 15 node_online 127.0.0.6 "$port" || fail "the daemon did not check in"
dpid=$(pgrep -f "dcc-heartbeat -f daemon/client.conf" | head -1)
[ -n "$dpid" ] || fail "no daemon process"
PIDS+=("$dpid")
assert_eq "$(awk '{ print $4 }' "/proc/$dpid/stat")" 1 "daemon's parent"
echo "nice 3" >>"$T/daemon/client.conf"
kill -HUP "$dpid"
nice_is() { [ "$(online_field 127.0.0.6 .nice)" = "$1" ]; }
wait_until 10 nice_is 3 || fail "the daemon did not re-read its config"
kill -TERM "$dpid"
wait_until 10 sh -c "! kill -0 $dpid 2>/dev/null" || fail "the daemon did not stop"
assert_contains "$(cat "$T/daemon.log")" "[SYS] stopped" "daemon log"
echo "heartbeat_node: ok"

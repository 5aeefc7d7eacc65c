# A node appears with the right cores, nice, port, compilers and version;
# its distccd runs at the configured nice with one --allow per member plus
# loopback; a non-member is refused ("denied"), a member is served; the
# host list is written world-readable; cores honour CPU affinity.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/heartbeat_common.bash"

start_server
create_fw

say "a node with nice 7 and 3 cores appears with its facts"
start_node 127.0.0.2 "nice 7" "cores 3" "owner alice"
assert_eq "$(node_field 127.0.0.2 .cores)" 3 "cores"
assert_eq "$(node_field 127.0.0.2 .nice)" 7 "nice"
assert_eq "$(node_field 127.0.0.2 .port)" "$NODE_PORT" "port"
assert_eq "$(node_field 127.0.0.2 .owner)" '"alice"' "owner"
assert_eq "$(node_field 127.0.0.2 .version)" "\"$VERSION\"" "version"
assert_eq "$(node_field 127.0.0.2 .hostname)" "\"$(hostname)\"" "hostname"
assert_eq "$(node_field 127.0.0.2 .id)" "\"$(cat "$NODE_DIR/node-id")\"" "node id"
want=$(jq -cn --arg v "$(gcc -dumpfullversion)" --arg t "$(gcc -dumpmachine)" \
    '[{name:"cc",version:$v,target:$t},{name:"gcc",version:$v,target:$t}]')
assert_eq "$(node_field 127.0.0.2 '.compilers | map(del(.fp)) | sort_by(.name)')" "$want" "compilers"

say "distccd runs at nice 7 with --jobs 3, --allow per member and loopback"
wait_until 10 test -s "$NODE_DIR/distccd.pid" || fail "no distccd pid file"
pid=$(distccd_pid)
wait_until 10 port_busy 127.0.0.2 "$NODE_PORT" || fail "distccd not listening"
assert_eq "$(proc_nice "$pid")" 7 "distccd nice (/proc/$pid/stat)"
assert_eq "$(distccd_opt "$pid" --jobs)" 3 "distccd --jobs"
assert_eq "$(distccd_opt "$pid" --listen)" 127.0.0.2 "distccd --listen"
assert_eq "$(distccd_opt "$pid" --port)" "$NODE_PORT" "distccd --port"
assert_eq "$(distccd_allows "$pid" | tr '\n' ' ')" "127.0.0.1/32 127.0.0.2/32 " "allow list"
assert_eq "$(tr '\0' '\n' <"/proc/$pid/cmdline" | grep -c -- '^--allow$')" 2 "--allow count"
# its preforked children too (they run the compilers)
for c in $(pgrep -g "$pid"); do
	assert_eq "$(proc_nice "$c")" 7 "distccd child $c nice"
done

say "a non-member is refused, members and loopback are served"
assert_eq "$(distcc_job 127.0.0.9 127.0.0.2 "$NODE_PORT")" refused "job from 127.0.0.9"
wait_until 5 grep -q "client '127.0.0.9:[0-9]*' denied" "$T/node-127.0.0.2.log" ||
	fail "distccd did not log the denial"
assert_eq "$(distcc_job 127.0.0.2 127.0.0.2 "$NODE_PORT")" ok "job from the member 127.0.0.2"
assert_eq "$(distcc_job 127.0.0.1 127.0.0.2 "$NODE_PORT")" ok "job from loopback"
assert_contains "$(cat "$T/node-127.0.0.2.log")" COMPILE_OK "distccd log"

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
sed -e "s|^state_dir .*|state_dir $T/pinned|" -e '/^cores /d' -e '/^source /d' \
    "$NODE_DIR/client.conf" >"$T/pinned.conf"
echo "source 127.0.0.4" >>"$T/pinned.conf"
out=$(taskset -c 0 "$BIN/dcc-heartbeat" --once -f "$T/pinned.conf" 2>/dev/null)
assert_contains "$out" "checked in to $SERVER_URL" "--once output"
assert_eq "$(node_field 127.0.0.4 .cores)" 1 "pinned node's cores"
assert_eq "$(tail -n 1 "$T/pinned/hosts" | cut -d' ' -f1)" "localhost/1" "pinned node's list"
assert_eq "$(node_field 127.0.0.4 .compilers | jq length)" 2 "pinned node's compilers"
# --once never starts distccd
[ -e "$T/pinned/distccd.pid" ] && fail "--once started distccd"

say "distccd dies: restarted after 1 s, then 2 s (backoff)"
kill -KILL -- "-$pid"
wait_until 10 grep -q "distccd killed by signal 9; restarting in 1 s" "$T/node-127.0.0.2.log" ||
	fail "no restart after distccd died"
wait_until 10 new_distccd "$NODE_DIR" "$pid" || fail "distccd not restarted"
pid=$(distccd_pid)
wait_until 10 port_busy 127.0.0.2 "$NODE_PORT" || fail "restarted distccd not listening"
assert_eq "$(distccd_allows "$pid" | tr '\n' ' ')" "127.0.0.1/32 127.0.0.2/32 " "allow list after restart"
assert_eq "$(distcc_job 127.0.0.2 127.0.0.2 "$NODE_PORT")" ok "job on the restarted distccd"
kill -KILL -- "-$pid"
wait_until 10 grep -q "distccd killed by signal 9; restarting in 2 s" "$T/node-127.0.0.2.log" ||
	fail "no backoff on the second death"
wait_until 10 new_distccd "$NODE_DIR" "$pid" || fail "distccd not restarted again"
pid=$(distccd_pid)

say "SIGTERM: checks out, stops distccd, exits 0"
kill -TERM "$NODE_PID"
rc=0; wait "$NODE_PID" || rc=$?
assert_eq "$rc" 0 "exit status"
kill -0 "$pid" 2>/dev/null && fail "distccd $pid still runs"
[ -e "$NODE_DIR/distccd.pid" ] && fail "pid file left behind"
assert_eq "$(node_field 127.0.0.2 .id)" "" "node still online after check-out"

say "without -d it detaches, and still reloads its (relative) config"
mkdir -p "$T/daemon"
port=$(free_port 127.0.0.6)
sed -e "s|^state_dir .*|state_dir $T/daemon|" -e "s|^source .*|source 127.0.0.6|" \
    -e "s|^distccd_listen .*|distccd_listen 127.0.0.6|" -e "s|^distccd_port .*|distccd_port $port|" \
    "$NODE_DIR/client.conf" >"$T/daemon/client.conf"
rc=0; (cd "$T" && "$BIN/dcc-heartbeat" -f daemon/client.conf 2>>"$T/daemon.log") || rc=$?
assert_eq "$rc" 0 "exit status of the detaching parent"
wait_until 15 node_online 127.0.0.6 "$port" || fail "the daemon did not check in"
dpid=$(pgrep -f "dcc-heartbeat -f daemon/client.conf" | head -1)
[ -n "$dpid" ] || fail "no daemon process"
PIDS+=("$dpid")
assert_eq "$(awk '{ print $4 }' "/proc/$dpid/stat")" 1 "daemon's parent"
echo "nice 3" >>"$T/daemon/client.conf"
kill -HUP "$dpid"
nice_is() { [ "$(node_field 127.0.0.6 .nice)" = "$1" ]; }
wait_until 10 nice_is 3 || fail "the daemon did not re-read its config"
kill -TERM "$dpid"
wait_until 10 sh -c "! kill -0 $dpid 2>/dev/null" || fail "the daemon did not stop"
assert_contains "$(cat "$T/daemon.log")" "[SYS] stopped" "daemon log"
echo "heartbeat_node: ok"

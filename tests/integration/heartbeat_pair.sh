# Two heartbeats on 127.0.0.2 and 127.0.0.3 see each other; the host list
# each writes is what dcc -j and dcc --show-hosts read, and with
# distcc_hosts_file what plain distcc reads; SIGHUP re-reads the config
# (sched nice and a new nice: a new distccd takes the jobs, the old one
# stops); a wrong key is reported clearly and the node never appears;
# --once reports failure with exit 1.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/heartbeat_common.bash"

start_server --heartbeat 1 --ttl 3
create_project fw

say "two nodes see each other"
mkdir -p "$T/distcc-A"
start_node 127.0.0.2 "cores 3" "distcc_hosts_file $T/distcc-A/hosts"
A_DIR=$NODE_DIR A_PORT=$NODE_PORT A_PID=$NODE_PID A_LOG=$T/node-127.0.0.2.log
start_node 127.0.0.3 "cores 2"
B_DIR=$NODE_DIR B_PORT=$NODE_PORT
wait_until 10 file_lists "$A_DIR/hosts" 127.0.0.3 || fail "A's list lacks B"
wait_until 10 file_lists "$B_DIR/hosts" 127.0.0.2 || fail "B's list lacks A"
assert_eq "$(grep -v '^#' "$A_DIR/hosts")" "localhost/3 127.0.0.3:$B_PORT/2" "A's list"
assert_eq "$(grep -v '^#' "$B_DIR/hosts")" "localhost/2 127.0.0.2:$A_PORT/3" "B's list"

say "dcc -j and dcc --show-hosts read the heartbeat's list"
for n in A B; do
	dir=${n}_DIR
	dir=${!dir}
	line=$(grep -v '^#' "$dir/hosts")
	want=$(DISTCC_HOSTS="$line" distcc -j)
	assert_eq "$want" 5 "distcc -j of $n's list"
	got=$(XDG_CACHE_HOME=$T/cache-$n HOME=$T/home-$n DCC_CONFIG=$dir/client.conf "$BIN/dcc" -j)
	assert_eq "$got" "$want" "dcc -j on $n"
	got=$(XDG_CACHE_HOME=$T/cache-$n HOME=$T/home-$n DCC_CONFIG=$dir/client.conf "$BIN/dcc" --show-hosts | tr '\n' ' ')
	assert_eq "$got" "$(tr ' ' '\n' <<<"$line" | tr '\n' ' ')" "dcc --show-hosts on $n"
done

say "distcc_hosts_file: plain distcc reads the same list"
assert_eq "$(cat "$T/distcc-A/hosts")" "localhost/3 127.0.0.3:$B_PORT/2" "distcc hosts file"
assert_eq "$(stat -c %a "$T/distcc-A/hosts")" 644 "distcc hosts file mode"
assert_eq "$(env -u DISTCC_HOSTS DISTCC_DIR="$T/distcc-A" distcc --show-hosts | tr '\n' ' ')" \
    "localhost/3 127.0.0.3:$B_PORT/2 " "distcc --show-hosts"

say "a real compile through B's list lands on A's distccd"
printf 'int f(void) { return 1; }\n' >"$T/f.c"
(cd "$T" && DISTCC_HOSTS="$(grep -v '^#' "$B_DIR/hosts" | sed 's/localhost\/[0-9]* //')" \
    DISTCC_FALLBACK=0 DISTCC_DIR=$T/distcc-A distcc gcc -c f.c -o f.o) ||
	fail "compile through B's list"
wait_until 5 grep -q "job from 127.0.0.1: x86_64-linux-gnu-gcc f.c: ok" "$A_LOG" ||
	fail "the job did not run on A"

say "SIGHUP: sched nice and a new nice value reach the server and a new distccd"
pid1=$(cat "$A_DIR/distccd.pid")
printf 'sched nice\nnice 12\n' >>"$A_DIR/client.conf"
kill -HUP "$A_PID"
nice_is() { [ "$(online_field 127.0.0.2 .nice)" = "$1" ]; }
wait_until 10 nice_is 12 ||
	fail "the server did not get nice 12"
wait_until 10 new_engine "$A_DIR" "$pid1" ||
	fail "no new distccd"
pid2=$(cat "$A_DIR/distccd.pid")
assert_eq "$(proc_nice "$pid2")" 12 "new distccd's nice"
assert_eq "$(proc_policy "$pid2")" 0 "new distccd's policy"
wait_until 10 sh -c "! kill -0 $pid1 2>/dev/null" || fail "the old distccd $pid1 still runs"
kill -0 "$A_PID" || fail "SIGHUP killed the heartbeat"
say "SIGHUP with a broken config keeps the old one"
echo "nice lots" >>"$A_DIR/client.conf"
kill -HUP "$A_PID"
wait_until 10 grep -q "keeping the old configuration" "$A_LOG" || fail "no complaint about the bad config"
kill -0 "$A_PID" || fail "a bad config killed the heartbeat"
assert_eq "$(cat "$A_DIR/distccd.pid")" "$pid2" "distccd after a bad reload"

say "a wrong key: logged clearly, the node never appears"
mkdir -p "$T/badkey"
conf_like "$B_DIR/client.conf" "$T/badkey.conf" key 0123456789abcdef0123456789abcdef \
    state_dir "$T/badkey" source 127.0.0.5 distccd_listen 127.0.0.5
spawn badkey "$BIN/dcc-heartbeat" -d -f "$T/badkey.conf"
wait_until 10 grep -q "refuses project \"fw\"'s key" "$T/badkey.log" || fail "no clear error for a bad key"
node_online 127.0.0.5 >/dev/null && fail "a node with a bad key appeared"
assert_eq "$(grep -c "refuses" "$T/badkey.log")" 1 "bad-key errors logged"
rc=0; "$BIN/dcc-heartbeat" --once -f "$T/badkey.conf" >"$T/once.out" 2>"$T/once.err" || rc=$?
assert_eq "$rc" 1 "--once with a bad key"
assert_contains "$(cat "$T/once.err")" "401" "--once error"

say "advertise: the server hands out the advertised address and port"
api PATCH /api/v1/projects/fw '{"advertise":true}' >/dev/null	# for a member behind NAT
assert_eq "$STATUS" 200 "allow advertised addresses"
mkdir -p "$T/adv"
conf_like "$B_DIR/client.conf" "$T/adv.conf" state_dir "$T/adv" source 127.0.0.8
echo "advertise 127.0.0.7:4000" >>"$T/adv.conf"
"$BIN/dcc-heartbeat" --once -f "$T/adv.conf" >/dev/null 2>&1 || fail "--once with advertise"
assert_eq "$(online_field 127.0.0.7 .port)" 4000 "advertised port"
listed_by 127.0.0.2 127.0.0.7:4000 || fail "A's list lacks the advertised address"

say "the project is deleted: nodes say so clearly and keep running"
api DELETE /api/v1/projects/fw >/dev/null
assert_eq "$STATUS" 200 "delete project"
wait_until 10 grep -q 'project "fw" does not exist' "$A_LOG" || fail "A did not report the deleted project"
kill -0 "$A_PID" || fail "A died"

say "after all that, SIGTERM still ends A cleanly (exit 0, sanitizers quiet)"
kill -TERM "$A_PID"
rc=0; wait "$A_PID" || rc=$?
assert_eq "$rc" 0 "A's exit status"
echo "heartbeat_pair: ok"

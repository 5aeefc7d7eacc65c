# distccd's allow list follows the project's members: a machine that is not
# a member is refused; once it joins, the member's distccd restarts (when
# idle) and serves it; a job running when the member joins still completes
# remotely, because the restart waits for it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/heartbeat_common.bash"

start_server --heartbeat 1 --ttl 3
create_fw

# slowcc: a compiler that takes 4 s on the server side (gcc -E stays fast,
# for distcc's local preprocessing). distccd (user distccd) finds it through
# DISTCC_CMDLIST, which it inherits from the heartbeat.
mkdir -p "$T/bin" "$T/mark" "$T/distcc-client"
chmod 0755 "$T/bin"
chmod 1777 "$T/mark"
cat >"$T/bin/slowcc" <<SH
#!/bin/sh
case " \$* " in *" -E "*) exec gcc "\$@" ;; esac
touch "$T/mark/running"
sleep 4
exec gcc "\$@"
SH
chmod 0755 "$T/bin/slowcc"
printf "%s\n" "$T/bin/slowcc" /usr/bin/gcc >"$T/cmdlist"
chmod 0644 "$T/cmdlist"
export DISTCC_CMDLIST=$T/cmdlist

say "node A on 127.0.0.2; 127.0.0.3 is not a member yet and is refused"
start_node 127.0.0.2
A_DIR=$NODE_DIR A_PORT=$NODE_PORT A_LOG=$T/node-127.0.0.2.log
unset DISTCC_CMDLIST
wait_until 10 port_busy 127.0.0.2 "$A_PORT" || fail "A's distccd not listening"
pid1=$(cat "$A_DIR/distccd.pid")
assert_eq "$(distcc_job 127.0.0.3 127.0.0.2 "$A_PORT")" refused "job from 127.0.0.3 before it joins"
wait_until 5 grep -q "client '127.0.0.3:[0-9]*' denied" "$A_LOG" || fail "no denial logged"

say "a slow job from loopback is running on A when 127.0.0.3 joins"
printf 'int slow(void) { return 7; }\n' >"$T/slow.c"
(cd "$T" && PATH=$T/bin:$PATH DISTCC_HOSTS="127.0.0.2:$A_PORT/1" DISTCC_FALLBACK=0 \
    DISTCC_DIR=$T/distcc-client distcc slowcc -c slow.c -o slow.o) \
    >"$T/job.log" 2>&1 &
job=$!
wait_until 10 test -e "$T/mark/running" || fail "the slow job did not start on A"
start_node 127.0.0.3
wait_until 10 grep -q "distccd must restart" "$A_LOG" || fail "A did not notice the new member"
rc=0; wait "$job" || rc=$?
assert_eq "$rc" 0 "slow job (DISTCC_FALLBACK=0: remote or nothing) $(cat "$T/job.log")"
[ -s "$T/slow.o" ] || fail "no object file"
# distccd logs the job after the client has its object: wait for the line.
wait_until 5 grep -q "COMPILE_OK.*slow" "$A_LOG" || fail "the slow job did not complete on A"

say "A restarted only after the job, and now allows 127.0.0.3"
wait_until 15 grep -q "distccd stopped (pid $pid1)" "$A_LOG" || fail "A's distccd did not restart"
ok_line=$(grep -n "COMPILE_OK.*slow" "$A_LOG" | head -1 | cut -d: -f1)
stop_line=$(grep -n "distccd stopped (pid $pid1)" "$A_LOG" | cut -d: -f1)
[ "$ok_line" -lt "$stop_line" ] || fail "distccd restarted while the job ran"
wait_until 10 new_distccd "$A_DIR" "$pid1" || fail "no new distccd"
pid2=$(cat "$A_DIR/distccd.pid")
assert_eq "$(distccd_allows "$pid2" | tr '\n' ' ')" "127.0.0.1/32 127.0.0.2/32 127.0.0.3/32 " "allow list"
wait_until 10 port_busy 127.0.0.2 "$A_PORT" || fail "A's new distccd not listening"
assert_eq "$(distcc_job 127.0.0.3 127.0.0.2 "$A_PORT")" ok "job from the new member 127.0.0.3"
assert_eq "$(distcc_job 127.0.0.9 127.0.0.2 "$A_PORT")" refused "job from a non-member"
assert_eq "$(grep -c "distccd started" "$A_LOG")" 2 "restarts of A's distccd"

say "the member leaves: A drops it at its next idle moment"
kill -TERM "$NODE_PID"
wait "$NODE_PID" || true
wait_until 10 grep -q "drop members that left" "$A_LOG" || fail "A kept the departed member"
wait_until 10 new_distccd "$A_DIR" "$pid2" || fail "A's distccd not restarted"
wait_until 10 port_busy 127.0.0.2 "$A_PORT" || fail "A's distccd not listening"
pid3=$(cat "$A_DIR/distccd.pid")
assert_eq "$(distccd_allows "$pid3" | tr '\n' ' ')" "127.0.0.1/32 127.0.0.2/32 " "allow list"
assert_eq "$(distcc_job 127.0.0.3 127.0.0.2 "$A_PORT")" refused "job from the departed member"
echo "heartbeat_allow: ok"

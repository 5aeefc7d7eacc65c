# The job port's member set follows the project's members with no restart
# and no dropped job: a machine that is not a member is refused; one that
# joins is served at once, before the node's next regular check-in (the
# heartbeat is 30 s: the job port asks the server when the unknown address
# knocks); a job running while members come and go completes remotely; a
# departed member is refused again; distccd is started once, never again.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/heartbeat_common.bash"

start_server --heartbeat 30 --ttl 90
create_project fw

# slowcc: a compiler that takes 4 s on the server side (gcc -E stays fast).
# distccd (user distccd) finds it through DISTCC_CMDLIST, which it inherits
# from the heartbeat.
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
printf "%s\n" "$T/bin/slowcc" /usr/bin/gcc /usr/bin/x86_64-linux-gnu-gcc >"$T/cmdlist"
chmod 0644 "$T/cmdlist"
export DISTCC_CMDLIST=$T/cmdlist

say "node A on 127.0.0.2; 127.0.0.3 is not a member yet and is refused"
start_node 127.0.0.2
A_DIR=$NODE_DIR A_PORT=$NODE_PORT A_PID=$NODE_PID A_LOG=$T/node-127.0.0.2.log
unset DISTCC_CMDLIST
wait_until 10 port_busy 127.0.0.2 "$A_PORT" || fail "A's job port not listening"
engine=$(cat "$A_DIR/distccd.pid")
assert_eq "$(distcc_job 127.0.0.3 127.0.0.2 "$A_PORT")" refused "job from 127.0.0.3 before it joins"
grep -q "refused a job from 127.0.0.3: not a member" "$A_LOG" || fail "no refusal logged"

say "a slow job from loopback runs on A while 127.0.0.3 joins and is served at once"
printf 'int slow(void) { return 7; }\n' >"$T/slow.c"
(cd "$T" && PATH=$T/bin:$PATH DISTCC_HOSTS="127.0.0.2:$A_PORT/1" DISTCC_FALLBACK=0 \
    DISTCC_DIR=$T/distcc-client distcc slowcc -c slow.c -o slow.o) \
    >"$T/job.log" 2>&1 &
job=$!
wait_until 10 test -e "$T/mark/running" || fail "the slow job did not start on A"
start_node 127.0.0.3
B_PID=$NODE_PID
assert_eq "$(distcc_job 127.0.0.3 127.0.0.2 "$A_PORT")" ok "job from the new member 127.0.0.3"
grep -q "job port: 127.0.0.3 is a member now" "$A_LOG" ||
	fail "A admitted 127.0.0.3 without asking the server (the test proves nothing)"
rc=0; wait "$job" || rc=$?
assert_eq "$rc" 0 "slow job (DISTCC_FALLBACK=0: remote or nothing) $(cat "$T/job.log")"
[ -s "$T/slow.o" ] || fail "no object file"
wait_until 5 grep -q "job from 127.0.0.1: slowcc slow.c: ok" "$A_LOG" ||
	fail "the slow job did not complete on A"

say "a job of 127.0.0.3 runs while it leaves; it completes, then 127.0.0.3 is refused"
rm -f "$T/mark/running"
distcc_job 127.0.0.3 127.0.0.2 "$A_PORT" slowcc >"$T/job2.out" &
job=$!
wait_until 10 test -e "$T/mark/running" || fail "the job of 127.0.0.3 did not start"
kill -TERM "$B_PID"
wait "$B_PID" || true
kill -HUP "$A_PID"	# A checks in at once and learns that B left
wait "$job" || true
assert_eq "$(cat "$T/job2.out")" ok "the job of the departing member"
assert_eq "$(distcc_job 127.0.0.3 127.0.0.2 "$A_PORT")" refused "job from the departed member"

say "distccd never restarted"
assert_eq "$(cat "$A_DIR/distccd.pid")" "$engine" "A's distccd"
assert_eq "$(grep -c "distccd started" "$A_LOG")" 1 "distccd starts"
echo "heartbeat_allow: ok"

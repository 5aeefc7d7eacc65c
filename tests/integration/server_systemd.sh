# systemd: the server and the heartbeat say READY=1 on $NOTIFY_SOCKET (the
# server only once its port answers), the server RELOADING=1 and READY=1
# around a SIGHUP and STOPPING=1 at the stop; under systemd (NOTIFY_SOCKET,
# or JOURNAL_STREAM naming standard error) log lines carry syslog priorities
# and no timestamp of their own, so journalctl -p filters them.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

# listen SOCKET OUT: a datagram socket like systemd's; each message
# received is appended to OUT as one line.
listen() {
	python3 - "$1" "$2" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    m = s.recv(4096).decode()
    with open(sys.argv[2], 'a') as f:
        f.write(m.replace('\n', ' ') + '\n')
EOF
	PIDS+=($!)
	wait_until 5 test -S "$1" || fail "no notify socket"
}

say "the server: READY=1 once the port answers"
listen "$T/notify.sock" "$T/notify.out"
P=$(free_port)
NOTIFY_SOCKET=$T/notify.sock spawn sd "$BIN/dyndistcc-server" -f /dev/null -l 127.0.0.1 -p "$P" \
    --db "$T/sd.db" --admin-token "$(new_token)"
SDPID=$SPAWNED_PID
wait_until 10 grep -qx 'READY=1' "$T/notify.out" || fail "no READY=1: $(cat "$T/notify.out" 2>/dev/null)"
curl -fsS "http://127.0.0.1:$P/healthz" >/dev/null || fail "READY=1 came before the port answered"

say "its log: syslog priorities, no timestamp"
head -1 "$T/sd.log" | grep -Eq '^<5>\[SYS\] dyndistcc-server ' || fail "first line: $(head -1 "$T/sd.log")"
grep -Eq '^[0-9]{4}-' "$T/sd.log" && fail "a timestamp under systemd: $(grep -E '^[0-9]{4}-' "$T/sd.log" | head -1)"
curl -s -o /dev/null -H 'Host: evil.example' "http://127.0.0.1:$P/api/v1/projects"
wait_until 5 grep -q '^<4>\[WARN\] .*421' "$T/sd.log" || fail "a warning without <4>: $(tail -2 "$T/sd.log")"

say "SIGHUP: RELOADING=1 then READY=1; SIGTERM: STOPPING=1"
kill -HUP "$SDPID"
wait_until 10 sh -c "grep -qx 'RELOADING=1' '$T/notify.out' && [ \$(grep -cx 'READY=1' '$T/notify.out') -ge 2 ]" ||
	fail "reload not told: $(cat "$T/notify.out")"
assert_eq "$(grep -x 'RELOADING=1\|READY=1' "$T/notify.out" | tail -2 | xargs)" "RELOADING=1 READY=1" "order around SIGHUP"
kill -TERM "$SDPID"
wait "$SDPID" || fail "exit status after SIGTERM"
assert_eq "$(tail -1 "$T/notify.out")" "STOPPING=1" "last message"

say "JOURNAL_STREAM naming standard error: priorities; naming another file: timestamps"
P=$(free_port)
: >"$T/js.log"
# stat reads the log's inode, not its contents
# shellcheck disable=SC2094
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/js.log") "$BIN/dyndistcc-server" -f /dev/null -l 127.0.0.1 \
    -p "$P" --db "$T/js.db" --ttl 1 2>>"$T/js.log" || true
head -1 "$T/js.log" | grep -Eq '^<3>\[ERROR\] ' || fail "JOURNAL_STREAM of stderr: $(head -1 "$T/js.log")"
JOURNAL_STREAM=1:2 "$BIN/dyndistcc-server" -f /dev/null -l 127.0.0.1 -p "$P" --db "$T/js.db" \
    --ttl 1 2>"$T/js2.log" || true
head -1 "$T/js2.log" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} .*\[ERROR\] ' ||
	fail "JOURNAL_STREAM of another file: $(head -1 "$T/js2.log")"

say "the heartbeat: READY=1 once it runs, its log with priorities"
start_server
create_project fw
listen "$T/hb.sock" "$T/hb.out"
mkdir -p "$T/hb"
printf 'server %s\nproject fw\nkey %s\nstate_dir %s\nmanage_distccd no\n' "$SERVER_URL" "$KEY" \
    "$T/hb" >"$T/hb.conf"
NOTIFY_SOCKET=$T/hb.sock spawn hb "$BIN/dcc-heartbeat" -d -f "$T/hb.conf"
HBPID=$SPAWNED_PID
wait_until 10 grep -qx 'READY=1' "$T/hb.out" || fail "no READY=1 from the heartbeat"
checked_in() { [ "$(api GET /api/v1/nodes?project=fw "" "$KEY" | jq '.nodes | length')" = 1 ]; }
wait_until 10 checked_in || fail "no check-in"
grep -Eq '^[0-9]{4}-' "$T/hb.log" && fail "a timestamp in the heartbeat's log: $(head -1 "$T/hb.log")"
grep -Eq '^<[3-7]>\[(SYS|INFO|WARN|ERROR|DEBUG)\] ' "$T/hb.log" || fail "heartbeat log: $(head -2 "$T/hb.log")"
kill -TERM "$HBPID"
wait "$HBPID" || true
assert_eq "$(tail -1 "$T/hb.out")" "STOPPING=1" "the heartbeat's last message"

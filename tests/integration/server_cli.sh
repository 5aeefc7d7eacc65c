# The command line and server.conf: -n checks the config, errors name
# file:line, flags win over the file, without -d it daemonizes and returns
# once it is ready, "ready" is logged only once the port answers, a port in
# use is a clear error, SIGTERM and SIGINT stop it cleanly with status 0.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

S=$BIN/dyndistcc-server

say "-n: a good config passes, bad ones name file:line"
cat >"$T/good.conf" <<CONF
# comment
listen 127.0.0.1
port 40000
db $T/x.db
admin_token abcdefghijklmnopqrstuvwxyz
heartbeat 7
ttl 21
refresh_after 9
connection_timeout 5
CONF
assert_eq "$("$S" -n -f "$T/good.conf")" "configuration ok" "-n good"
printf 'port 1\nnosuchkey 5\n' >"$T/bad1.conf"
printf 'port 1\n\nttl abc\n' >"$T/bad2.conf"
printf 'port 70000\n' >"$T/bad3.conf"
printf 'heartbeat 10\nttl 5\n' >"$T/bad4.conf"
printf 'admin_token short\n' >"$T/bad5.conf"
for c in "bad1.conf:2:nosuchkey" "bad2.conf:3:ttl" "bad3.conf:1:port" "bad4.conf::ttl" "bad5.conf::admin_token"; do
	f=${c%%:*}; rest=${c#*:}; line=${rest%%:*}; word=${rest#*:}
	rc=0; "$S" -n -f "$T/$f" >"$T/out" 2>&1 || rc=$?
	[ $rc -ne 0 ] || fail "$f accepted"
	assert_contains "$(cat "$T/out")" "[ERROR]" "$f"
	assert_contains "$(cat "$T/out")" "$T/$f${line:+:$line}" "$f names the file and line"
	assert_contains "$(cat "$T/out")" "$word" "$f names the key"
done
rc=0; "$S" -n -f "$T/nonexistent.conf" >"$T/out" 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -q nonexistent.conf "$T/out" || fail "missing config file"
rc=0; "$S" -n -p 0 >"$T/out" 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "port 0 accepted"
rc=0; "$S" -n --ttl x >"$T/out" 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "--ttl x accepted"
flags=()
for i in $(seq 30); do flags+=(-p "$i" --ttl "$((i + 20))"); done
assert_eq "$("$S" -n "${flags[@]}")" "configuration ok" "repeated flags"
rc=0; "$S" -n stray-argument >"$T/out" 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "a stray argument accepted"

say "the shipped example config passes -n, the man page renders cleanly, usage matches it"
assert_eq "$("$S" -n -f "$TOP/server/server.conf.example")" "configuration ok" "server.conf.example"
warn=$(MANWIDTH=80 man --warnings -l "$TOP/server/dyndistcc-server.8" 2>&1 >/dev/null)
assert_eq "$warn" "" "man --warnings"
assert_contains "$("$S" --help)" "[-dnv]" "usage"
out=$("$S" -n -v -f "$TOP/server/server.conf.example")
assert_contains "$out" "configuration ok" "-n -v"
mapfile -t keys < <(awk '$1 !~ /^#/ && NF == 2 {print $1}' "$TOP/server/server.conf.example")
for key in "${keys[@]}"; do
	grep -q "^$key " <<<"$out" || fail "-n -v does not print $key"
done
for opt in -f -p -l --db --admin-token --heartbeat --ttl --refresh-after; do
	assert_contains "$("$S" --help)" "$opt" "usage"
	MANWIDTH=200 man -l "$TOP/server/dyndistcc-server.8" 2>/dev/null | grep -q -- "$opt" || fail "man page lacks $opt"
done
for key in "${keys[@]}"; do
	MANWIDTH=200 man -l "$TOP/server/dyndistcc-server.8" 2>/dev/null | grep -qw -- "$key" || fail "man page lacks key $key"
done

say "the file's values are used; flags win over the file"
P=$(free_port)
# the token flag start_server passes is the file's own, so -f alone would do
ADMIN_TOKEN=abcdefghijklmnopqrstuvwxyz start_server -f "$T/good.conf" --heartbeat 3
create_project_token() { call POST /api/v1/projects "{\"name\":\"$1\"}" abcdefghijklmnopqrstuvwxyz; }
create_project_token fw
assert_eq "$STATUS" 201 "admin_token from the file"
KEY=$(jq -r .key <<<"$out")
checkin fw "$(node_id 1)" 2 "$KEY"
assert_eq "$(jq -c '[.heartbeat, .ttl, .refresh_after]' <<<"$out")" '[3,21,9]' "heartbeat from the flag, the rest from the file"
assert_eq "$SERVER_DB" "$T/dyndistcc.db"
[ -f "$T/dyndistcc.db" ] && [ ! -e "$T/x.db" ] || fail "--db did not win over the file's db"
stop_server
rc=0; wait "$SERVER_PID" 2>/dev/null || rc=$?

say "SIGTERM and SIGINT: clean stop, exit status 0"
for sig in TERM INT; do
	P=$(free_port)
	"$S" -l 127.0.0.1 -p "$P" --db "$T/sig.db" >"$T/sig.log" 2>&1 &
	pid=$!
	wait_until 10 curl -fsS "http://127.0.0.1:$P/healthz" || fail "server for SIG$sig did not start"
	kill -"$sig" $pid
	rc=0; wait $pid || rc=$?
	assert_eq "$rc" 0 "exit status after SIG$sig"
	assert_contains "$(cat "$T/sig.log")" "SIG$sig received" "SIG$sig log"
	assert_contains "$(tail -1 "$T/sig.log")" "[SYS] stopped" "SIG$sig last line"
done
[ "$(sqlite3 "$T/sig.db" 'PRAGMA integrity_check')" = ok ] || fail "database after signals"

say "ready is said only once the port answers"
P=$(free_port)
spawn ready "$S" -l 127.0.0.1 -p "$P" --db "$T/ready.db"
wait_until 10 grep -q '\[SYS\] ready' "$T/ready.log" || fail "no ready line"
curl -fsS "http://127.0.0.1:$P/healthz" >/dev/null || fail "ready was logged before the port answered"
grep -q '\[SYS\] ready: listening on 127.0.0.1 port '"$P" "$T/ready.log" || fail "ready line: $(cat "$T/ready.log")"

say "a port in use: a clear error, non-zero exit"
rc=0; timeout 10 "$S" -l 127.0.0.1 -p "$P" --db "$T/busy.db" >"$T/out" 2>&1 || rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "second server on a busy port: rc $rc"
assert_contains "$(grep '\[ERROR\]' "$T/out")" "port $P" "busy port error"

say "-d: daemonizes, returns once ready, writes --pid-file, a relative --db is kept absolute"
P=$(free_port)
mkdir "$T/run"
(cd "$T/run" && "$S" -d -l 127.0.0.1 -p "$P" --db rel.db --pid-file "$T/run/server.pid" 2>"$T/daemon.log")
rc=$?
assert_eq "$rc" 0 "parent exit status"
curl -fsS "http://127.0.0.1:$P/healthz" >/dev/null || fail "daemon not answering right after the parent returned"
dpid=$(cat "$T/run/server.pid")
[ -n "$dpid" ] && kill -0 "$dpid" || fail "no daemon process named by the pid file"
PIDS+=("$dpid")
assert_contains "$(tr '\0' ' ' </proc/"$dpid"/cmdline)" "-p $P --db rel.db" "the pid file's process"
[ -f "$T/run/rel.db" ] || fail "relative --db not created where the daemon was started"
[ "$(readlink "/proc/$dpid/cwd")" = / ] || fail "daemon did not change to /"
[ "$(ps -o sid= -p "$dpid" | tr -d ' ')" = "$dpid" ] || fail "daemon is not a session leader"
kill -TERM "$dpid"
wait_until 5 sh -c "! kill -0 $dpid 2>/dev/null" || fail "daemon did not stop on SIGTERM"
wait_until 5 sh -c "[ ! -e '$T/run/server.pid' ]" || fail "pid file left after the stop"
: >"$T/zero.db"
rc=0; "$S" -l 127.0.0.1 -p "$(free_port)" --db "$T/zero.db" 2>"$T/daemon-fail.log" || rc=$?
[ $rc -ne 0 ] || fail "daemon parent returned 0 though the daemon failed"
grep -q '\[ERROR\]' "$T/daemon-fail.log" || fail "daemon failure not reported"

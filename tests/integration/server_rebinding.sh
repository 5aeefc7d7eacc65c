# DNS rebinding and proxies get no admin: a request from loopback is not
# admin (admin is by token only, generated at the first start when none is
# configured, logged once, printed by --print-admin-token), and a Host
# header that names no name of this server gets 421. server_names allows
# more names, and SIGHUP applies it.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

SERVER_PORT=$(free_port)
SERVER_URL=http://127.0.0.1:$SERVER_PORT
SERVER_DB=$T/dyndistcc.db
P=$SERVER_PORT
S=$BIN/dyndistcc-server
printf 'max_nodes 100\n' >"$T/server.conf"
spawn server "$S" -f "$T/server.conf" -l 127.0.0.1 -p "$P" --db "$SERVER_DB"
SERVER_PID=$SPAWNED_PID
wait_until 10 curl -fsS "$SERVER_URL/healthz" || fail "server did not start"

# as_page HOST METHOD PATH [BODY]: what a page on HOST, whose name now
# resolves to 127.0.0.1, can make the browser send: no credentials.
as_page() {
	curl -s -o "$T/page.body" -w '%{http_code}' -H "Host: $1" -X "$2" \
	    ${4:+-H 'Content-Type: application/json' --data-binary "$4"} "$SERVER_URL$3"
}

say "a rebinding page cannot create, read or delete anything"
code=$(as_page "evil.example:$P" POST /api/v1/projects '{"name":"pwned"}')
assert_eq "$code" 421 "POST /api/v1/projects from a rebinding page"
assert_contains "$(cat "$T/page.body")" "server_names" "421 says how to allow a name"
TOKEN=$("$S" -f "$T/server.conf" --db "$SERVER_DB" --print-admin-token)
ADMIN_TOKEN=$TOKEN create_project fw
assert_eq "$(as_page "evil.example:$P" DELETE /api/v1/projects/fw)" 421 "DELETE from a rebinding page"
assert_eq "$(as_page "evil.example" GET /api/v1/projects)" 421 "GET from a rebinding page"
assert_eq "$(api GET /api/v1/projects | jq -c '[.projects[].name]')" '["fw"]' "projects after the page's requests"

say "a proxy on this machine (loopback peer, the server's own Host) is no admin"
ADMIN_TOKEN='' call POST /api/v1/projects '{"name":"pwned"}'
assert_eq "$STATUS" 403 "loopback without a token"
assert_contains "$out" "--print-admin-token" "403 says where the token is"
ADMIN_TOKEN='' call DELETE /api/v1/projects/fw
assert_eq "$STATUS" 403 "delete from loopback without a token"
assert_eq "$(api GET /api/v1/projects | jq -c '[.projects[].name]')" '["fw"]' "nothing created or deleted"

say "the generated token: 256 bits, logged once, printed on demand, kept across restarts"
[[ $TOKEN =~ ^[0-9a-f]{64}$ ]] || fail "printed token: '$TOKEN'"
assert_eq "$(grep -c "\[SYS\] admin token .*$TOKEN" "$T/server.log")" 1 "the token in the start's [SYS] log"
ADMIN_TOKEN=$TOKEN call POST /api/v1/projects '{"name":"p2"}'
assert_eq "$STATUS" 201 "the generated token is admin"
stop_server
: >"$T/server.log"
spawn server "$S" -f "$T/server.conf" -l 127.0.0.1 -p "$P" --db "$SERVER_DB"
SERVER_PID=$SPAWNED_PID
wait_until 10 curl -fsS "$SERVER_URL/healthz" || fail "server did not restart"
assert_eq "$("$S" -f "$T/server.conf" --db "$SERVER_DB" --print-admin-token)" "$TOKEN" "token after a restart"
assert_not_contains "$(cat "$T/server.log")" "$TOKEN" "the restart's log"
ADMIN_TOKEN=$TOKEN call DELETE /api/v1/projects/p2
assert_eq "$STATUS" 200 "the token after a restart"
rc=0; "$S" -f /dev/null --db "$T/none/x.db" --print-admin-token >"$T/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "--print-admin-token without a database"
assert_contains "$(cat "$T/out")" "first start" "--print-admin-token without a database"
[ ! -e "$T/none" ] || fail "--print-admin-token created a database"
assert_eq "$("$S" -f /dev/null --db "$SERVER_DB" --admin-token abcdefghijklmnopqrstuvwxyz --print-admin-token)" \
    abcdefghijklmnopqrstuvwxyz "a configured token wins"

say "Host: IP literals, localhost, this machine's name pass"
for h in "127.0.0.1:$P" "127.0.0.1" "[::1]:$P" "[::1]" "localhost:$P" LOCALHOST "app.localhost:$P" \
    "$(hostname):$P" "$(hostname | cut -d. -f1)." "10.1.2.3:$P"; do
	assert_eq "$(as_page "$h" GET /api/v1/projects)" 200 "Host: $h"
done
for h in evil.example "evil.example:$P" "127.0.0.1.evil.example" "localhost.evil.example" \
    "[::1" "[evil.example]:$P" "$(hostname)x"; do
	assert_eq "$(as_page "$h" GET /api/v1/projects)" 421 "Host: $h"
done

say "server_names: SIGHUP allows a name, and names the keys that need a restart"
assert_eq "$(as_page "build.example:$P" GET /api/v1/projects)" 421 "build.example before"
printf 'max_nodes 100\nserver_names dyndistcc Build.Example\nthreads 3\n' >"$T/server.conf"
kill -HUP "$SERVER_PID"
wait_until 10 grep -q 'only a restart applies' "$T/server.log" || fail "no reload logged"
assert_contains "$(grep 'only a restart applies' "$T/server.log")" "threads" "keys that need a restart"
assert_eq "$(as_page "build.example:$P" GET /api/v1/projects)" 200 "build.example after SIGHUP"
assert_eq "$(as_page "DYNDISTCC" GET /api/v1/projects)" 200 "dyndistcc after SIGHUP (any case)"
assert_eq "$(as_page "evil.example" GET /api/v1/projects)" 421 "evil.example after SIGHUP"
printf 'max_nodes 100\nserver_names bad_name!\n' >"$T/server.conf"
kill -HUP "$SERVER_PID"
wait_until 10 grep -q 'keeping the running configuration' "$T/server.log" || fail "a bad file was not refused"
assert_eq "$(as_page "build.example:$P" GET /api/v1/projects)" 200 "a bad file changes nothing"
printf 'max_nodes 100\nserver_names *\n' >"$T/server.conf"
kill -HUP "$SERVER_PID"
wait_until 10 sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: anything.example' $SERVER_URL/api/v1/projects) = 200 ]" ||
	fail "server_names * did not allow every name"
server_alive || fail "server died"

# Every auth rule: project keys on check-in, check-out and hosts; admin by
# token only, configured or generated, never by coming from loopback; no
# admin for cross-site browser requests; loopback addresses only for
# loopback peers.
# The server runs in a private network namespace so a client can come from a
# non-loopback address (10.77.0.1) as well as from 127.0.0.1.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

netns_setup
curl() { ip netns exec "$NS" curl "$@"; }	# api and call use it
LOOP=http://127.0.0.1:33333
REMOTE=http://10.77.0.1:33333
SERVER_DB=$T/a.db

start_ns_server() {	# start_ns_server [args...]
	spawn "server$#" ip netns exec "$NS" "$BIN/dyndistcc-server" -f /dev/null -l 0.0.0.0 \
	    -p 33333 --db "$SERVER_DB" "$@"
	SERVER_PID=$SPAWNED_PID
	wait_until 10 curl -fsS "$LOOP/healthz" || fail "server did not start"
}

say "no admin_token configured: a generated one, and no admin for loopback"
start_ns_server
ADMIN_TOKEN=$(ip netns exec "$NS" "$BIN/dyndistcc-server" -f /dev/null --db "$SERVER_DB" --print-admin-token)
SERVER_URL=$REMOTE
ADMIN_TOKEN='' call POST /api/v1/projects '{"name":"fw"}'
assert_eq "$STATUS" 403 "create from 10.77.0.1"
assert_contains "$out" "admin token required"
SERVER_URL=$LOOP
ADMIN_TOKEN='' call POST /api/v1/projects '{"name":"fw"}'
assert_eq "$STATUS" 403 "create from loopback without the token"
create_project fw; FW=$KEY
create_project other; OTHER=$KEY
[ "$FW" != "$OTHER" ] || fail "two projects got the same key"
create_project oss open

say "cross-site browser requests get no admin rights, same-origin ones do"
API_OPTS="-H Sec-Fetch-Site:cross-site" call POST /api/v1/projects '{"name":"x1"}'
assert_eq "$STATUS" 403 "Sec-Fetch-Site: cross-site"
API_OPTS="-H Origin:http://evil.example" call POST /api/v1/projects '{"name":"x2"}'
assert_eq "$STATUS" 403 "foreign Origin"
API_OPTS="-H Origin:http://127.0.0.1:33333 -H Sec-Fetch-Site:same-origin" call POST /api/v1/projects '{"name":"x3"}'
assert_eq "$STATUS" 201 "same-origin panel request"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Sec-Fetch-Site: cross-site' "$LOOP/api/createProject?name=x4")
assert_eq "$code" 403 "legacy createProject from another site"

say "project keys: check-in, hosts, check-out"
A=$(node_id 1); B=$(node_id 2)
checkin fw "$A" 4 ""
assert_eq "$STATUS" 401 "check-in without key"
jq -e .error <<<"$out" >/dev/null || fail "401 without {error}"
checkin fw "$A" 4 "$OTHER"
assert_eq "$STATUS" 401 "check-in with another project's key"
WRONG=${FW%?}$([ "${FW: -1}" = 0 ] && echo 1 || echo 0)	# one digit off
checkin fw "$A" 4 "$WRONG"
assert_eq "$STATUS" 401 "check-in with a wrong key"
assert_eq "$(node_count fw "$FW")" 0 "nothing stored by refused check-ins"
checkin fw "$A" 4 "$FW"
assert_eq "$STATUS" 200 "check-in with the key"
call GET /api/v1/projects/fw/hosts
assert_eq "$STATUS" 401 "hosts without key"
call GET /api/v1/projects/fw/hosts "" "$OTHER"
assert_eq "$STATUS" 401 "hosts with another key"
call GET /api/v1/projects/fw/hosts "" "$FW"
assert_eq "$STATUS" 200 "hosts with the key"
call POST /api/v1/checkout "{\"project\":\"fw\",\"node\":\"$A\"}" "$OTHER"
assert_eq "$STATUS" 401 "checkout with another key"
assert_eq "$(node_field fw "$FW" "$A" .state)" online "refused checkout changed nothing"
call POST /api/v1/checkout "{\"project\":\"fw\",\"node\":\"$A\"}" "$FW"
assert_eq "$STATUS" 200 "checkout with the key"
checkin oss "$B" 4 ""
assert_eq "$STATUS" 200 "open project needs no key"

say "loopback addresses go only to loopback requesters"
checkin fw "$A" 4 "$FW"		# from 127.0.0.1: addr 127.0.0.1
SERVER_URL=$REMOTE
checkin fw "$B" 8 "$FW"		# from 10.77.0.1
assert_eq "$(jq -r .distcc_hosts <<<"$out")" "localhost/8" "remote requester sees no loopback host"
assert_not_contains "$(jq -c .members <<<"$out")" "127.0.0.1" "members for a remote requester"
checkin fw "$(node_id 3)" 2 "$FW" '"addr":"127.0.0.5"'
assert_eq "$STATUS" 400 "advertising a loopback address from 10.77.0.1"
SERVER_URL=$LOOP
checkin fw "$A" 4 "$FW"
assert_eq "$(jq -r .distcc_hosts <<<"$out")" "localhost/4 10.77.0.1/8" "loopback requester sees everyone"

say "admin calls without the token from a non-loopback peer are refused"
SERVER_URL=$REMOTE
for req in "DELETE /api/v1/projects/fw" "DELETE /api/v1/nodes/$A" ; do
	read -ra r <<<"$req"
	ADMIN_TOKEN='' call "${r[@]}"
	assert_eq "$STATUS" 403 "$req from 10.77.0.1"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$REMOTE/api/createProject?name=legacy1")
assert_eq "$code" 403 "legacy createProject from 10.77.0.1"
code=$(curl -s -o /dev/null -w '%{http_code}' "$REMOTE/api/deleteProject?name=oss")
assert_eq "$code" 403 "legacy deleteProject from 10.77.0.1"
call GET /api/v1/projects
assert_eq "$STATUS" 200 "reading from 10.77.0.1"
assert_eq "$(jq -c '[.projects[].name]' <<<"$out")" '["fw","other","oss","x3"]' "nothing deleted"
SERVER_URL=$LOOP
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

say "with an admin token: the token is required, from anywhere"
TOKEN=0123456789abcdef0123456789abcdef
start_ns_server --admin-token "$TOKEN"
ADMIN_TOKEN='' call POST /api/v1/projects '{"name":"t1"}'
assert_eq "$STATUS" 403 "loopback without the token"
call POST /api/v1/projects '{"name":"t1"}' "wrong-token-wrong-token"
assert_eq "$STATUS" 403 "wrong token"
call POST /api/v1/projects '{"name":"t1"}' "$TOKEN"
assert_eq "$STATUS" 201 "token from loopback"
SERVER_URL=$REMOTE
call POST /api/v1/projects '{"name":"t2"}' "$TOKEN"
assert_eq "$STATUS" 201 "token from 10.77.0.1"
call DELETE /api/v1/projects/t2 "" "$TOKEN"
assert_eq "$STATUS" 200 "delete with token from 10.77.0.1"
call GET /api/v1/projects/fw/hosts "" "$TOKEN"
assert_eq "$STATUS" 200 "the admin token opens every project"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$REMOTE/api/createProject?name=legacy2")
assert_eq "$code" 200 "legacy createProject with the token"
server_alive || fail "server died"

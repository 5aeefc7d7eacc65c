# Issue 15, durability. An acknowledged check-out is on disk at once: after
# kill -9 and a restart the node is not back in every list for up to ttl.
# A database file deleted (or replaced) under the running server is
# noticed: /healthz answers 503, one [ERROR] is logged, and changes are
# refused with 503 instead of being acknowledged into a file that is gone
# (new projects' keys would vanish at the next restart).
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server
create_project fw; FW=$KEY
A=$(node_id 1); B=$(node_id 2)

say "a check-out survives kill -9"
from 127.0.0.2 checkin fw "$A" 4 "$FW"
from 127.0.0.3 checkin fw "$B" 4 "$FW"
api POST /api/v1/checkout "{\"project\":\"fw\",\"node\":\"$A\"}" "$FW" >/dev/null
assert_eq "$STATUS" 200 "check-out"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PORT=$(free_port) start_server
assert_eq "$(node_field fw "$FW" "$A" .state)" offline "checked-out node after kill -9"
assert_eq "$(node_field fw "$FW" "$B" .state)" online "the other node after kill -9"
call GET /api/v1/projects/fw/hosts "" "$FW"
assert_not_contains "$(jq -r .distcc_hosts <<<"$out")" "127.0.0.2" "hosts after kill -9"
assert_not_contains "$(jq -c .members <<<"$out")" "127.0.0.2" "members after kill -9"
# it comes back with its next check-in, and that is on disk too
from 127.0.0.2 checkin fw "$A" 4 "$FW"
assert_eq "$(db_rows "SELECT gone FROM nodes WHERE id='$A'")" 0 "back: gone cleared"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PORT=$(free_port) start_server
assert_eq "$(node_field fw "$FW" "$A" .state)" online "returned node after kill -9"

say "a deleted database is noticed"
rm -f "$SERVER_DB" "$SERVER_DB-wal" "$SERVER_DB-shm"
wait_until 5 sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' '$SERVER_URL/healthz') = 503 ]" ||
    fail "healthz still ok with the database deleted"
call GET /healthz
assert_contains "$(jq -r .error <<<"$out")" "$SERVER_DB" "healthz says which file"
call POST /api/v1/projects '{"name":"lost"}'
assert_eq "$STATUS" 503 "a new project is refused, not acknowledged"
call GET /api/v1/projects
assert_not_contains "$out" '"lost"' "no project lost"
from 127.0.0.9 checkin fw "$(node_id 9)" 4 "$FW"
assert_eq "$STATUS" 503 "a new node is refused"
from 127.0.0.3 checkin fw "$B" 4 "$FW"
assert_eq "$STATUS" 200 "a known node's heartbeat (no write) still works"
sleep 2
assert_eq "$(grep -c '\[ERROR\].*refusing changes' "$T/server.log")" 1 "one [ERROR] line"
server_alive || fail "server died"

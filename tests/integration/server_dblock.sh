# D5: another process holds the database's write lock, for as long as this
# test wants. Every request is still answered while it holds it: reads and
# heartbeats of known nodes from memory (200), writes with 503 and
# {"error"}; after the lock is gone, writes work again.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server
create_project fw; FW=$KEY
create_project p open
A=$(node_id 1)
checkin fw "$A" 4 "$FW"

say "hold an exclusive lock from a second process"
touch "$T/hold"	# the locker lets go when this file goes
spawn locker sh -c "{ echo 'BEGIN EXCLUSIVE;'; echo \"INSERT INTO projects (name, created) VALUES ('lockholder', 0);\"; echo \"SELECT 'locked';\"; while [ -e '$T/hold' ]; do sleep 0.1; done; echo 'ROLLBACK;'; } | sqlite3 '$SERVER_DB'"
LOCKER=$SPAWNED_PID
wait_until 5 grep -q locked "$T/locker.log" || fail "could not take the lock"

# timed CODES-ALLOWED METHOD PATH [BODY] [KEY]: the request is answered,
# while the lock is still held, with one of the allowed codes (a|b|c).
timed() {
	local allowed=$1; shift
	call "$@"
	kill -0 "$LOCKER" 2>/dev/null || fail "the locker let go before $1 $2 was answered"
	[[ $STATUS =~ ^($allowed)$ ]] || fail "$1 $2 answered $STATUS ($out)"
	[ "$STATUS" != 503 ] || jq -e .error <<<"$out" >/dev/null || fail "503 without {error}"
}

say "reads and known heartbeats: 200; writes: 503, all while the lock is held"
timed 200 GET /api/v1/projects
timed 200 GET /api/v1/nodes
timed 200 GET /api/getProjectList
timed 200 GET /api/getAllHosts
timed 200 GET /healthz
timed 200 GET /metrics
timed 200 POST /api/v1/checkin "$(checkin_json fw "$A" 4)" "$FW"
timed 200 GET /api/v1/projects/fw/hosts "" "$FW"
timed 503 POST /api/v1/checkin "$(checkin_json fw "$(node_id 2)" 4)" "$FW"
timed 503 POST /api/v1/projects '{"name":"new"}'
timed 503 DELETE /api/v1/projects/p
timed 503 DELETE "/api/v1/nodes/$A"
timed 503 GET "/api/checkin?hash=abc&project=p&username=u&swVersion=1&threads=2"
hdr=$(curl -sS -D - -o /dev/null -H "Authorization: Bearer $ADMIN_TOKEN" -X POST -d '{"name":"new2"}' "$SERVER_URL/api/v1/projects")
assert_contains "$hdr" "Retry-After" "503 says when to retry"

say "20 concurrent new nodes during the lock: every one answered"
pids=()
for i in $(seq 20); do
	checkin_json fw "$(node_id $((100 + i)))" 2 >"$T/b.$i"
	curl -s -o /dev/null -m 120 -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $FW" \
	    --data-binary @"$T/b.$i" "$SERVER_URL/api/v1/checkin" >"$T/r.$i" &
	pids+=($!)
done
wait "${pids[@]}"
cat "$T"/r.* | awk '$1 != 503 && $1 != 200 { print "bad code: " $0; bad=1 } END { exit bad }' ||
    fail "requests during the lock"
kill -0 "$LOCKER" 2>/dev/null || fail "the locker let go during the concurrent check-ins"
server_alive || fail "server died"

say "after the lock: writes work again"
rm -f "$T/hold"
wait_until 30 sh -c "! kill -0 $LOCKER 2>/dev/null" || fail "locker did not finish"
wait_until 5 sh -c "curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $ADMIN_TOKEN' -X POST -d '{\"name\":\"after\"}' $SERVER_URL/api/v1/projects | grep -q 201" ||
    fail "project creation after the lock"
checkin fw "$(node_id 2)" 4 "$FW"
assert_eq "$STATUS" 200 "new node after the lock"
assert_eq "$(db_rows "SELECT count(*) FROM projects WHERE name='lockholder'")" 0 "the locker's rollback"
stop_server
db_sane

# Races (predecessor D2, D3): many concurrent first check-ins of one new node;
# check-ins racing project deletion and node deletion. No crash, every
# request answered, no orphan rows, the database consistent afterwards.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server
create_project fw; FW=$KEY

say "D2a: 50 concurrent first check-ins of one new node: one row, all 200"
N=$(node_id 4242)
checkin_json fw "$N" 8 >"$T/body"
pids=()
for i in $(seq 50); do
	curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $FW" \
	    --data-binary @"$T/body" "$SERVER_URL/api/v1/checkin" >"$T/code.$i" &
	pids+=($!)
done
wait "${pids[@]}"	# not the server
codes=$(cat "$T"/code.* | sort | uniq -c | awk '{print $2 "x" $1}')
assert_eq "$codes" "200x50" "status codes"
assert_eq "$(db_rows "SELECT count(*) FROM nodes WHERE id='$N'")" 1 "rows for the node"
assert_eq "$(grep -c "node $N .*joined" "$T/server.log")" 1 "joined logged once"

# hammer SECONDS PROJECT KEY FIRST: check-ins of 20 nodes in a loop, 4 at a
# time; writes each status code to $T/hammer.FIRST.
hammer() {
	local end=$(( $(date +%s) + $1 )) i pids
	checkin_json "$2" "$(node_id "$4")" 4 >"$T/hb.$4"
	while [ "$(date +%s)" -lt $end ]; do
		pids=()
		for i in 0 1 2 3; do
			checkin_json "$2" "$(node_id $(( $4 + RANDOM % 20 )))" 4 >"$T/hb.$4.$i"
			curl -s -o /dev/null -w '%{http_code}\n' -m 5 -H "Authorization: Bearer $3" \
			    --interface "127.0.0.$((RANDOM % 200 + 1))" \
			    --data-binary @"$T/hb.$4.$i" "$SERVER_URL/api/v1/checkin" >>"$T/hammer.$4" &
			pids+=($!)
		done
		wait "${pids[@]}"
	done
}

say "D2c: check-ins racing project deletion and re-creation"
create_project churn open
hammer 4 churn "" 1000 &
HPID=$!
deadline=$(( $(date +%s) + 4 ))
while [ "$(date +%s)" -lt $deadline ]; do
	api DELETE /api/v1/projects/churn >/dev/null
	api POST /api/v1/projects '{"name":"churn","key":false}' >/dev/null
done
wait $HPID
server_alive || fail "server died during project churn"
bad=$(grep -Ev '^(200|404)$' "$T/hammer.1000" | sort | uniq -c || true)
assert_eq "$bad" "" "check-in codes other than 200/404 while the project churns"
[ "$(wc -l <"$T/hammer.1000")" -gt 20 ] || fail "too few check-ins ran"

say "D3: check-ins racing node deletion"
hammer 4 fw "$FW" 2000 &
HPID=$!
deadline=$(( $(date +%s) + 4 ))
deletes=0
while [ "$(date +%s)" -lt $deadline ]; do
	api DELETE "/api/v1/nodes/$(node_id $(( 2000 + RANDOM % 20 )))" >/dev/null
	case $STATUS in 200|404) ;; *) fail "expunge answered $STATUS" ;; esac
	deletes=$((deletes + 1))
	curl -fsS "$SERVER_URL/api/deleteHost?hash=$(node_id $(( 2000 + RANDOM % 20 )))" -o /dev/null 2>/dev/null || true
done
wait $HPID
server_alive || fail "server died during node deletion"
bad=$(grep -Ev '^200$' "$T/hammer.2000" | sort | uniq -c || true)
assert_eq "$bad" "" "check-in codes other than 200 while nodes are expunged"
[ "$deletes" -gt 10 ] || fail "too few deletions ran ($deletes)"

say "memory and database agree, no orphans"
# a keyed project's nodes are listed with its key; churn is open (or gone)
mem=$(( $(node_count fw "$FW") + $(node_count churn) ))
stop_server
db_sane
assert_eq "$(db_rows 'SELECT count(*) FROM nodes WHERE project_id NOT IN (SELECT id FROM projects)')" 0 "orphan nodes"
assert_eq "$(db_rows 'SELECT count(*) FROM nodes')" "$mem" "nodes in the database vs. served"
grep -q '\[ERROR\]' "$T/server.log" && fail "errors logged: $(grep '\[ERROR\]' "$T/server.log" | head -3)"
true

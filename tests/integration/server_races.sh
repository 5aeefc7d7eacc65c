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

# The races are counted, not timed: each side goes on until both have
# done their share (RACE_CHECKINS check-ins, RACE_OPS deletions), however
# slow the machine; RACE_LIMIT seconds is only the bound for a hung server.
RACE_CHECKINS=${RACE_CHECKINS:-80} RACE_OPS=${RACE_OPS:-20} RACE_LIMIT=${RACE_LIMIT:-300}

# hammer PROJECT KEY FIRST: check-ins of 20 nodes in rounds of 4 at a time
# until $T/stop.FIRST exists (or RACE_LIMIT passes); writes each status
# code to $T/hammer.FIRST.
hammer() {
	local end=$(( $(date +%s) + RACE_LIMIT )) i pids
	: >"$T/hammer.$3"
	while [ ! -e "$T/stop.$3" ] && [ "$(date +%s)" -lt $end ]; do
		pids=()
		for i in 0 1 2 3; do
			checkin_json "$1" "$(node_id $(( $3 + RANDOM % 20 )))" 4 >"$T/hb.$3.$i"
			curl -s -o /dev/null -w '%{http_code}\n' -m 30 -H "Authorization: Bearer $2" \
			    --interface "127.0.0.$((RANDOM % 200 + 1))" \
			    --data-binary @"$T/hb.$3.$i" "$SERVER_URL/api/v1/checkin" >>"$T/hammer.$3" &
			pids+=($!)
		done
		wait "${pids[@]}"
	done
}

# racing FIRST OPS: true while the hammer FIRST or the other side (OPS done)
# has yet to do its share; fails the scenario past RACE_LIMIT.
racing() {
	local did; did=$(wc -l <"$T/hammer.$1" 2>/dev/null || echo 0)
	[ "$did" -ge "$RACE_CHECKINS" ] && [ "$2" -ge "$RACE_OPS" ] && return 1
	[ "$(date +%s)" -lt "$RACE_END" ] ||
		fail "the race did not finish in ${RACE_LIMIT} s: $did check-ins, $2 deletions"
}

say "D2c: check-ins racing project deletion and re-creation"
create_project churn open
hammer churn "" 1000 &
HPID=$!
RACE_END=$(( $(date +%s) + RACE_LIMIT ))
churns=0
while racing 1000 $churns; do
	api DELETE /api/v1/projects/churn >/dev/null
	api POST /api/v1/projects '{"name":"churn","key":false}' >/dev/null
	churns=$((churns + 1))
done
touch "$T/stop.1000"
wait $HPID
server_alive || fail "server died during project churn"
bad=$(grep -Ev '^(200|404)$' "$T/hammer.1000" | sort | uniq -c || true)
assert_eq "$bad" "" "check-in codes other than 200/404 while the project churns"
say "  $(wc -l <"$T/hammer.1000") check-ins, $churns deletions and re-creations"

say "D3: check-ins racing node deletion"
hammer fw "$FW" 2000 &
HPID=$!
RACE_END=$(( $(date +%s) + RACE_LIMIT ))
deletes=0
while racing 2000 $deletes; do
	api DELETE "/api/v1/nodes/$(node_id $(( 2000 + RANDOM % 20 )))" >/dev/null
	case $STATUS in 200|404) ;; *) fail "expunge answered $STATUS" ;; esac
	deletes=$((deletes + 1))
	curl -fsS "$SERVER_URL/api/deleteHost?hash=$(node_id $(( 2000 + RANDOM % 20 )))" -o /dev/null 2>/dev/null || true
done
touch "$T/stop.2000"
wait $HPID
server_alive || fail "server died during node deletion"
bad=$(grep -Ev '^200$' "$T/hammer.2000" | sort | uniq -c || true)
assert_eq "$bad" "" "check-in codes other than 200 while nodes are expunged"
say "  $(wc -l <"$T/hammer.2000") check-ins, $deletes deletions"

say "memory and database agree, no orphans"
# a keyed project's nodes are listed with its key; churn is open (or gone)
mem=$(( $(node_count fw "$FW") + $(node_count churn) ))
stop_server
db_sane
assert_eq "$(db_rows 'SELECT count(*) FROM nodes WHERE project_id NOT IN (SELECT id FROM projects)')" 0 "orphan nodes"
assert_eq "$(db_rows 'SELECT count(*) FROM nodes')" "$mem" "nodes in the database vs. served"
grep -q '\[ERROR\]' "$T/server.log" && fail "errors logged: $(grep '\[ERROR\]' "$T/server.log" | head -3)"
true

# Stale nodes are purged (the predecessor kept them forever): a node not seen
# for purge_after seconds is expunged from memory and database; a node that
# keeps checking in stays.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

printf 'purge_after 3\n' >"$T/purge.conf"
start_server -f "$T/purge.conf" --heartbeat 1 --ttl 2
create_project fw; FW=$KEY
GONE=$(node_id 1); STAY=$(node_id 2)
checkin fw "$GONE" 2 "$FW"
checkin fw "$STAY" 2 "$FW"
assert_eq "$(db_rows 'SELECT count(*) FROM nodes')" 2 "rows"

purged() { ! curl -fsS -H "Authorization: Bearer $FW" "$SERVER_URL/api/v1/nodes?project=fw" | jq -e ".nodes[] | select(.id==\"$GONE\")" >/dev/null; }
deadline=$(( $(date +%s) + 15 ))
until purged; do
	[ "$(date +%s)" -lt $deadline ] || fail "stale node not purged within 15 s"
	checkin fw "$STAY" 2 "$FW"
	assert_eq "$STATUS" 200
	sleep 0.5
done
assert_eq "$(db_rows "SELECT count(*) FROM nodes WHERE id='$GONE'")" 0 "purged row"
assert_eq "$(db_rows "SELECT count(*) FROM nodes WHERE id='$STAY'")" 1 "active node kept"
grep -q "node $GONE expunged from project fw (not seen for 3 s)" "$T/server.log" || fail "no purge log line"
grep -q "node $GONE .*left project fw (no check-in" "$T/server.log" || fail "no left log line"

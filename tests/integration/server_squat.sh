# Issue 15, squatting: 10,000 junk node ids used to fill max_nodes for a
# week (purge_after). Only online nodes count against max_nodes; past twice
# that many known nodes the offline one seen longest ago makes room; an
# admin purges a project's offline nodes at once.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

printf 'max_nodes 5\n' >"$T/sq.conf"
start_server -f "$T/sq.conf"

say "only online nodes count against max_nodes (5)"
create_project sq; SQ=$KEY
for i in 1 2 3 4 5; do
	checkin sq "$(node_id $((100 + i)))" 2 "$SQ"
	assert_eq "$STATUS" 200 "node $i"
done
checkin sq "$(node_id 106)" 2 "$SQ"
assert_eq "$STATUS" 409 "a sixth online node"
assert_contains "$(jq -r .error <<<"$out")" "full"
for i in 1 2 3 4 5; do
	api POST /api/v1/checkout "{\"project\":\"sq\",\"node\":\"$(node_id $((100 + i)))\"}" "$SQ" >/dev/null
done
checkin sq "$(node_id 106)" 2 "$SQ"
assert_eq "$STATUS" 200 "a new node while five are offline"
# known nodes stop at twice max_nodes: the offline node seen longest ago goes
for i in $(seq 107 115); do
	checkin sq "$(node_id "$i")" 2 "$SQ"
	assert_eq "$STATUS" 200 "node $i"
	api POST /api/v1/checkout "{\"project\":\"sq\",\"node\":\"$(node_id "$i")\"}" "$SQ" >/dev/null
done
assert_eq "$(node_count sq "$SQ")" 10 "nodes kept"
assert_eq "$(db_rows "SELECT count(*) FROM nodes n JOIN projects p ON p.id = n.project_id WHERE p.name='sq'")" 10 "rows kept"
grep -q "expunged from project sq to make room" "$T/server.log" || fail "no eviction logged"

say "an admin purges a project's offline nodes at once"
checkin sq "$(node_id 120)" 2 "$SQ"
call DELETE /api/v1/projects/sq/nodes
assert_eq "$STATUS" 400 "purge without state=offline"
API_OPTS="-H Sec-Fetch-Site:cross-site" call DELETE "/api/v1/projects/sq/nodes?state=offline"
assert_eq "$STATUS" 403 "purge without admin rights"
call DELETE "/api/v1/projects/sq/nodes?state=offline" "" "$SQ"
assert_eq "$STATUS" 403 "purge with the project's key"
call DELETE "/api/v1/projects/sq/nodes?state=offline"
assert_eq "$STATUS" 200 "purge"
# 10 known before 120 came (106 online), one more evicted for it
assert_eq "$(jq -c . <<<"$out")" '{"deleted":8}' "purge reply"
assert_eq "$(node_count sq "$SQ")" 2 "the online nodes stay"
assert_eq "$(db_rows "SELECT count(*) FROM nodes n JOIN projects p ON p.id = n.project_id WHERE p.name='sq'")" 2 "rows after the purge"
call DELETE "/api/v1/projects/nosuch/nodes?state=offline"
assert_eq "$STATUS" 404 "purge of an unknown project"
server_alive || fail "server died"

# Issue 15, addresses. `members` (what job ports admit) are connection
# addresses only, never an advertised one; a project lists advertised
# addresses only when an admin allows it (PATCH advertise), else such a
# check-in is a 400. Pool inflation: a member claiming another member's
# addr:port with 4096 cores does not replace it (the node that held it
# longest is listed), and no host offers more than max_cores slots, so
# `dcc -j` cannot print 4100.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server
create_project fw; FW=$KEY
V=$(node_id 1); M=$(node_id 2)

say "advertise off (the default): an advertised address is refused"
from 127.0.0.5 checkin fw "$V" 4 "$FW"
assert_eq "$STATUS" 200 "victim from 127.0.0.5"
from 127.0.0.6 checkin fw "$M" 4 "$FW" '"addr":"10.9.9.9"'
assert_eq "$STATUS" 400 "advertising 10.9.9.9 from 127.0.0.6"
assert_contains "$(jq -r .error <<<"$out")" "advertise"
from 127.0.0.6 checkin fw "$M" 4 "$FW" '"addr":"127.0.0.6:3700"'
assert_eq "$STATUS" 200 "its own address, another port"
from 127.0.0.6 checkin fw "$M" 4 "$FW" '"addr":":3701"'
assert_eq "$STATUS" 200 "only a port"
assert_eq "$(node_field fw "$FW" "$M" '[.addr, .port, .advertised] | @tsv')" "$(printf '127.0.0.6\t3701\tfalse')" "listed at its connection address"
call GET /api/v1/projects
assert_eq "$(jq '.projects[] | select(.name=="fw") | .advertise' <<<"$out")" false "advertise in the project list"

say "PATCH advertise: admin only, validated"
API_OPTS="-H Sec-Fetch-Site:cross-site" call PATCH /api/v1/projects/fw '{"advertise":true}'
assert_eq "$STATUS" 403 "PATCH without admin rights"
for body in '{"advertise":"yes"}' '{}' '[]' ''; do
	call PATCH /api/v1/projects/fw "$body"
	assert_eq "$STATUS" 400 "PATCH $body"
done
call PATCH /api/v1/projects/nosuch '{"advertise":true}'
assert_eq "$STATUS" 404 "PATCH of an unknown project"
call PATCH /api/v1/projects/fw '{"advertise":true}'
assert_eq "$STATUS" 200 "PATCH advertise"
assert_eq "$(jq -c . <<<"$out")" '{"name":"fw","advertise":true}' "PATCH reply"
assert_eq "$(db_rows "SELECT advertise FROM projects WHERE name='fw'")" 1 "stored"
api PUT /api/v1/projects/fw >/dev/null
assert_eq "$STATUS" 405 "PUT"
assert_contains "$(curl -sS -D - -o /dev/null -X PUT "$SERVER_URL/api/v1/projects/fw")" "Allow: PATCH, DELETE" "Allow header"

say "advertise on: the line has the advertised address, members never"
from 127.0.0.6 checkin fw "$M" 4 "$FW" '"addr":"10.9.9.9"'
assert_eq "$STATUS" 200 "advertising 10.9.9.9"
assert_eq "$(jq -c '.members | sort' <<<"$out")" '["127.0.0.5","127.0.0.6"]' "members: connection addresses"
from 127.0.0.5 checkin fw "$V" 4 "$FW"
assert_contains "$(jq -r .distcc_hosts <<<"$out")" " 10.9.9.9/4" "the advertised address in the line"
assert_not_contains "$(jq -c .members <<<"$out")" "10.9.9.9" "members"
assert_eq "$(node_field fw "$FW" "$M" '[.addr, .advertised] | @tsv')" "$(printf '10.9.9.9\ttrue')" "advertised in the node list"

say "pool inflation: a claim on another member's addr:port does not replace it"
from 127.0.0.6 checkin fw "$M" 4096 "$FW" '"addr":"127.0.0.5"'
assert_eq "$STATUS" 200 "the claim itself is a check-in"
from 127.0.0.7 checkin fw "$(node_id 3)" 4 "$FW"
line=$(jq -r .distcc_hosts <<<"$out")
assert_contains "$line" " 127.0.0.5/4" "the holder is listed: $line"
assert_not_contains "$line" "4096" "the claimant is not: $line"
assert_eq "$(jq -r .pool_threads <<<"$out")" 8 "pool_threads"
# the holder leaves: the claimant gets the address, at most max_cores
api POST /api/v1/checkout "{\"project\":\"fw\",\"node\":\"$V\"}" "$FW" >/dev/null
from 127.0.0.7 checkin fw "$(node_id 3)" 4 "$FW"
assert_eq "$(jq -r .distcc_hosts <<<"$out")" "localhost/4 127.0.0.5/256" "capped at max_cores"
assert_eq "$(jq -r .pool_threads <<<"$out")" 260 "pool_threads"
server_alive || fail "server died"

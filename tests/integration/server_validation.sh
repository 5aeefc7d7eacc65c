# Every validation rule at the edge: each bad value gets a 400 with
# {"error": "..."} naming what was wrong, and nothing is stored.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server
create_project fw; FW=$KEY
N=$(node_id 7)
L65=$(printf 'x%.0s' $(seq 65))

# bad BODY WORD: a check-in with BODY is refused with 400 and an error
# message containing WORD.
bad() {
	call POST /api/v1/checkin "$1" "$FW"
	assert_eq "$STATUS" 400 "check-in $1"
	assert_contains "$(jq -r .error <<<"$out")" "$2" "error for $1"
}
# with FIELD VALUE WORD: a good check-in with FIELD replaced by VALUE.
with() {
	bad "$(jq -c --argjson v "$2" ". + {\"$1\": \$v}" <<<"$(checkin_json fw "$N" 4)")" "$3"
}

say "body"
bad '' "JSON body"
bad '{' "not valid JSON"
bad '[1,2]' "object"
bad '"fw"' "object"
say "project"
for v in '""' '"C++"' '"a&b"' '"a/b"' '"a b"' "\"$L65\"" '123' 'null' '"ü"'; do
	with project "$v" project
done
bad "{\"node\":\"$N\",\"cores\":4}" project
say "node"
for v in "\"${N%?}\"" "\"${N}0\"" '"gggggggggggggggggggggggggggggggg"' '7' '""' 'null'; do
	with node "$v" node
done
say "cores"
for v in 0 -1 4097 1.5 '"8"' 1e20 '"8 6.6.6.6/64"' 'null' 'true' '[8]'; do
	with cores "$v" cores
done
bad "{\"project\":\"fw\",\"node\":\"$N\"}" cores
say "nice"
for v in -21 20 1.5 '"x"' '[]'; do with nice "$v" nice; done
say "port"
for v in 0 65536 -1 1.5 '"3632"'; do with port "$v" port; done
say "load"
for v in '[-1]' '[1,2,3,4]' '[]' '"1.0"' '[1e400]' '["x"]' '1'; do with load "$v" load; done
say "hostname, owner, version: printable, at most 64"
for f in hostname owner version; do
	for v in "\"$L65\"" '"a\u0001b"' '"a\nb"' '"a\u007fb"' '5' '["x"]'; do
		with "$f" "$v" "$f"
	done
done
say "addr"
for v in '"999.1.1.1"' '"host.example"' '"1.2.3.4:0"' '"1.2.3.4:70000"' '"0.0.0.0"' \
    '"224.0.0.1"' '"1.2.3.4 6.6.6.6"' '"1.2.3.4/8"' '"[::1"' '5' '""'; do
	with addr "$v" addr
done
say "compilers"
many=$(jq -c -n '[range(33) | {name: "gcc"}]')
for v in '"gcc"' "$many" '["gcc"]' '[{"version":"12"}]' "[{\"name\":\"$L65\"}]" \
    '[{"name":"gcc","target":"a\nb"}]'; do
	with compilers "$v" compilers
done
say "1.1 fields: secret, slots, sched, fingerprints, admission, health, jobs"
FP=0123456789abcdef0123456789abcdef
for v in '"abc"' "\"${FP}0\"" '7'; do with secret "$v" secret; done
for v in 5 -1 1.5 '"2"'; do with slots "$v" slots; done
for v in '"batch"' '1' '"IDLE"'; do with sched "$v" sched; done
for v in '"open"' 'true'; do with admission "$v" admission; done
for v in 'true' '{}' '{"ok":"yes"}' "{\"ok\":false,\"reason\":\"$(printf 'r%.0s' $(seq 129))\"}" \
    '{"ok":false,"reason":"a\nb"}'; do
	with health "$v" health
done
for v in '[]' '{"running":4097}' '{"running":-1}' '{"served":-1}' '{"served":1.5}' \
    '{"served":1e300}' '{"senders":{}}' '{"senders":[{"addr":"x","running":1}]}' \
    '{"senders":[{"addr":"10.0.0.1","running":0}]}' \
    "{\"senders\":$(jq -c -n '[range(65) | {addr: "10.0.0.1", running: 1}]')}"; do
	with jobs "$v" jobs
done
for v in "[{\"name\":\"gcc\",\"fp\":\"${FP^^}\"}]" "[{\"name\":\"gcc\",\"fp\":\"${FP%?}\"}]" \
    "[{\"name\":\"gcc\",\"fp\":\"${FP%?}g\"}]" '[{"name":"gcc"},{"name":"gcc"}]' \
    '[{"name":"gcc 12"}]' '[{"name":"/usr/bin/gcc"}]'; do
	with compilers "$v" compilers
done

assert_eq "$(node_count fw "$FW")" 0 "nodes after refused check-ins"
assert_eq "$(db_rows 'SELECT count(*) FROM nodes')" 0 "node rows after refused check-ins"
[ "$(metric dyndistcc_checkins_total 'result="invalid"')" -ge 80 ] || fail "invalid check-ins not counted"

say "a good check-in with every field at its limits is accepted"
L64=${L65%?}
call PATCH /api/v1/projects/fw '{"advertise":true}'	# for "addr"
assert_eq "$STATUS" 200 "advertise"
checkin fw "$N" 4096 "$FW" "\"nice\":-20,\"port\":65535,\"load\":[0,0,1e6],\"hostname\":\"$L64\",\"addr\":\"[::1]:1\",\"compilers\":$(jq -c -n --arg fp "$FP" '[range(32) | {name: "gcc\(.)", fp: $fp}]'),\"slots\":4096,\"sched\":\"idle\",\"health\":{\"ok\":true,\"reason\":\"$(printf 'r%.0s' $(seq 128))\"},\"jobs\":{\"running\":4096,\"served\":9007199254740992,\"senders\":$(jq -c -n '[range(64) | {addr: "10.0.0.1", running: 4096}]')}"
assert_eq "$STATUS" 200 "limits ($out)"
assert_eq "$(jq -r .distcc_hosts <<<"$out")" "localhost/4096" "own entry"
call GET "/api/v1/projects/fw/hosts?cores=1" "" "$FW"
# at most max_cores (256) slots per host
assert_eq "$(jq -r .distcc_hosts <<<"$out")" "localhost/1 [::1]:1/256" "IPv6 entry (the port in addr wins)"

say "hosts, nodes, projects, expunge: names and ids in URLs"
for q in "C%2B%2B/hosts" "a%26b/hosts" "$L65/hosts"; do
	call GET "/api/v1/projects/$q" "" "$FW"
	assert_eq "$STATUS" 400 "hosts of $q"
done
for q in "node=xyz" "node=${N}0" "cores=0" "cores=4097" "cores=abc" "cores=8%206.6.6.6/64"; do
	call GET "/api/v1/projects/fw/hosts?$q" "" "$FW"
	assert_eq "$STATUS" 400 "hosts?$q"
	jq -e .error <<<"$out" >/dev/null || fail "hosts?$q: no error message"
done
call GET "/api/v1/nodes?project=C%2B%2B"; assert_eq "$STATUS" 400 "nodes?project=C++"
call DELETE /api/v1/nodes/xyz; assert_eq "$STATUS" 400 "expunge xyz"
call DELETE /api/v1/projects/a%26b; assert_eq "$STATUS" 400 "delete a&b"
for body in '{"name":"C++"}' '{"name":"a&b"}' '{"name":""}' "{\"name\":\"$L65\"}" \
    '{"name":"x","key":"yes"}' '{}' '{"name":7}' 'name=x'; do
	call POST /api/v1/projects "$body"
	assert_eq "$STATUS" 400 "create $body"
done
assert_eq "$(api GET /api/v1/projects | jq -c '[.projects[].name]')" '["fw"]' "projects after refused creations"
call POST /api/v1/checkout '{"project":"fw","node":"xyz"}' "$FW"; assert_eq "$STATUS" 400 "checkout bad node"
call POST /api/v1/checkout '{"project":"C++","node":"'"$N"'"}' "$FW"; assert_eq "$STATUS" 400 "checkout bad project"

say "markup is stored as text and served only as escaped JSON"
X=$(node_id 8)
checkin fw "$X" 2 "$FW" '"hostname":"<img src=x onerror=alert(1)>","owner":"<script>x</script>"'
assert_eq "$STATUS" 200
raw=$(curl -fsS -D "$T/h" -H "Authorization: Bearer $FW" "$SERVER_URL/api/v1/nodes?project=fw")
assert_not_contains "$raw" "<img" "raw JSON"
assert_contains "$raw" '\u003cimg src=x onerror=alert(1)\u003e' "escaped JSON"
assert_eq "$(jq -r ".nodes[] | select(.id==\"$X\") | .hostname" <<<"$raw")" "<img src=x onerror=alert(1)>" "value kept"
assert_contains "$(cat "$T/h")" "Content-Type: application/json"
assert_contains "$(cat "$T/h")" "X-Content-Type-Options: nosniff"
server_alive || fail "server died"

# 1.1 host lists and the views built on the registry: per-fingerprint
# lines (check-in and ?fp=, JSON and text), who is listed (health, slots,
# admission: a 1.0 `allow` node only once it can have admitted the
# requester), pool_busy, the node list's new fields, keyed read access
# (nodes, history, activity), activity (building now, compilers grouped by
# name and fingerprint), history `busy`, and the per-node and per-project
# gauges with served totals summed over heartbeat restarts.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

printf 'allow_grace 3\n' >"$T/l.conf"
# ttl far beyond the scenario's length: no node may drop out on a slow
# machine (or under ThreadSanitizer) before the last check
start_server -f "$T/l.conf" --heartbeat 1 --ttl 600
create_project fw; FW=$KEY
GCC=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa GXX=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb OLD=cccccccccccccccccccccccccccccccc
A=$(node_id 1); B=$(node_id 2); C=$(node_id 3); D=$(node_id 4)
comp() {	# comp NAME:FP...: a compilers array
	local c out=
	for c in "$@"; do out+="${out:+,}{\"name\":\"${c%%:*}\",\"version\":\"12.2.0\",\"target\":\"x86_64-linux-gnu\",\"fp\":\"${c#*:}\"}"; done
	echo "[$out]"
}

# what each node reports with every check-in (a check-in carries it all)
BX="\"compilers\":$(comp gcc:$GCC g++:$OLD)"
CX='"compilers":[{"name":"gcc","version":"12.2.0","target":"x86_64-linux-gnu"}]'

say "per-fingerprint lines: each node's check-in gets one per fp it has"
from 127.0.0.2 checkin fw "$A" 8 "$FW" "\"compilers\":$(comp gcc:$GCC g++:$GXX cc:$GCC),\"jobs\":{\"running\":3,\"served\":10,\"senders\":[{\"addr\":\"127.0.0.3\",\"running\":2},{\"addr\":\"10.1.1.1\",\"running\":1}]}"
assert_eq "$STATUS" 200
from 127.0.0.3 checkin fw "$B" 4 "$FW" "$BX,\"slots\":2"
from 127.0.0.4 checkin fw "$C" 2 "$FW" "$CX"
assert_eq "$(jq -c '.compilers | keys' <<<"$out")" '[]' "a node without fps gets no fp lines"
from 127.0.0.3 checkin fw "$B" 4 "$FW" "$BX,\"slots\":2"
assert_eq "$(jq -c '.compilers | keys' <<<"$out")" "[\"$GCC\",\"$OLD\"]" "B's fps"
assert_eq "$(sorted_line "$(jq -r ".compilers[\"$GCC\"].hosts" <<<"$out")")" "localhost/4 127.0.0.2/8" "B's gcc line"
assert_eq "$(jq -r ".compilers[\"$GCC\"].threads" <<<"$out")" 12 "B's gcc threads"
assert_eq "$(jq -r ".compilers[\"$OLD\"].hosts" <<<"$out")" "localhost/4" "B's g++: nobody else has it"
assert_eq "$(sorted_line "$(jq -r .distcc_hosts <<<"$out")")" "localhost/4 127.0.0.2/8 127.0.0.4/2" "distcc_hosts is compiler-blind"
assert_eq "$(jq -r .pool_busy <<<"$out")" 3 "pool_busy: jobs on the line's hosts"

say "GET hosts: ?fp= names the lines; without it, the common ones first"
call GET "/api/v1/projects/fw/hosts?node=$C&fp=$GXX,$OLD,$GXX" "" "$FW"
assert_eq "$(jq -c '.compilers | keys' <<<"$out")" "[\"$GXX\",\"$OLD\"]" "?fp= lines"
assert_eq "$(jq -r ".compilers[\"$GXX\"].hosts" <<<"$out")" "localhost/2 127.0.0.2/8" "g++ line for C"
call GET "/api/v1/projects/fw/hosts?cores=3" "" "$FW"
assert_eq "$(jq -c '.compilers | keys_unsorted' <<<"$out")" "[\"$GCC\",\"$GXX\",\"$OLD\"]" "every fp, the most common first"
API_OPTS="-H Accept:text/plain" call GET "/api/v1/projects/fw/hosts?cores=3&fp=$GXX" "" "$FW"
assert_eq "$out" "localhost/3 127.0.0.2/8" "text/plain with fp"
API_OPTS="-H Accept:text/plain" call GET "/api/v1/projects/fw/hosts?cores=3&fp=dddddddddddddddddddddddddddddddd" "" "$FW"
assert_eq "$out" "localhost/3" "text/plain with an fp nobody has"
API_OPTS="-H Accept:text/plain" call GET "/api/v1/projects/fw/hosts?fp=$GXX,$GCC" "" "$FW"
assert_eq "$STATUS" 400 "text/plain with two fps"
for q in "fp=" "fp=${GCC^^}" "fp=$GCC," "fp=x" "fp=$(printf "%032x," $(seq 33) | sed 's/,$//')"; do
	call GET "/api/v1/projects/fw/hosts?$q" "" "$FW"
	if [ "$q" = "fp=" ]; then assert_eq "$STATUS" 200 "?fp= empty"; continue; fi
	assert_eq "$STATUS" 400 "hosts?${q:0:40}"
done

say "health and slots: unhealthy nodes and nodes lending nothing are not listed"
from 127.0.0.3 checkin fw "$B" 4 "$FW" "$BX,\"health\":{\"ok\":false,\"reason\":\"canary compile of gcc failed: exit 1\"}"
from 127.0.0.4 checkin fw "$C" 2 "$FW" "$CX,\"slots\":0"
call GET "/api/v1/projects/fw/hosts?cores=1" "" "$FW"
assert_eq "$(jq -r .distcc_hosts <<<"$out")" "localhost/1 127.0.0.2/8" "only A"
assert_eq "$(jq -c '.members | sort' <<<"$out")" '["127.0.0.2","127.0.0.3","127.0.0.4"]' "members: every online node"
assert_eq "$(node_field fw "$FW" "$B" '.health | [.ok, .reason] | @tsv')" "$(printf 'false\tcanary compile of gcc failed: exit 1')" "health in the node list"
n=$(api GET "/api/v1/nodes?project=fw" "" "$FW" | jq ".nodes[] | select(.id==\"$A\")")
assert_eq "$(jq -c '[.slots, .sched, .admission, .advertised, .jobs.running, .jobs.served, .compilers[0].fp]' <<<"$n")" \
    "[8,\"nice\",\"live\",false,3,10,\"$GCC\"]" "A's new fields"
from 127.0.0.3 checkin fw "$B" 4 "$FW" "$BX,\"slots\":2,\"sched\":\"idle\""
from 127.0.0.4 checkin fw "$C" 2 "$FW" "$CX"

say "admission: a 1.0 node (allow) admits a new member only after allow_grace"
from 127.0.0.5 checkin fw "$D" 4 "$FW" '"admission":"allow"'
assert_eq "$(sorted_line "$(jq -r .distcc_hosts <<<"$out")")" "localhost/4 127.0.0.2/8 127.0.0.3/2 127.0.0.4/2" "D lists the live nodes at once"
from 127.0.0.3 checkin fw "$B" 4 "$FW" "$BX,\"slots\":2"
assert_not_contains "$(jq -r .distcc_hosts <<<"$out")" "127.0.0.5" "B: D has not restarted its distccd yet"
# D checks in after B came online long ago: once that check-in is
# allow_grace (3 s) old, D's distccd admits B
for _ in 1 2 3 4 5; do from 127.0.0.5 checkin fw "$D" 4 "$FW" '"admission":"allow"'; sleep 1; done
from 127.0.0.3 checkin fw "$B" 4 "$FW" "$BX,\"slots\":2"
assert_contains "$(jq -r .distcc_hosts <<<"$out")" " 127.0.0.5/4" "B lists D once confirmed"
# a member that joins now is not admitted by D yet
E=$(node_id 5)
from 127.0.0.6 checkin fw "$E" 2 "$FW"
assert_not_contains "$(jq -r .distcc_hosts <<<"$out")" "127.0.0.5" "a newer member: not yet"
call GET "/api/v1/projects/fw/hosts" "" "$FW"	# from 127.0.0.1: no member
assert_not_contains "$(jq -r .distcc_hosts <<<"$out")" "127.0.0.5" "a stranger: never by an allow node"
assert_contains "$(jq -r .distcc_hosts <<<"$out")" "127.0.0.2/8" "a stranger: live nodes (they ask the server)"

say "keyed projects: nodes, history and activity need the key"
for path in "/api/v1/nodes?project=fw" /api/v1/projects/fw/history /api/v1/projects/fw/activity; do
	call GET "$path"
	assert_eq "$STATUS" 401 "$path without the key"
	call GET "$path" "" "$FW"
	assert_eq "$STATUS" 200 "$path with the key"
done
create_project oss open
from 127.0.0.9 checkin oss "$(node_id 9)" 2 ""
call GET /api/v1/nodes
assert_eq "$(jq -c '[.nodes[].project] | unique' <<<"$out")" '["oss"]' "without a project: open projects only"
call GET /api/v1/projects/oss/activity
assert_eq "$STATUS" 200 "an open project's activity"
call GET /api/v1/projects/nosuch/activity
assert_eq "$STATUS" 404 "activity of an unknown project"

say "activity: who builds now, and the compiler table"
call GET /api/v1/projects/fw/activity "" "$FW"
assert_eq "$(jq -c '[.slots, .busy]' <<<"$out")" "[18,3]" "slots and busy"
assert_eq "$(jq -c '.building' <<<"$out")" \
    "[{\"addr\":\"127.0.0.3\",\"node\":\"$B\",\"hostname\":\"h-000002\",\"owner\":\"t\",\"jobs\":2},{\"addr\":\"10.1.1.1\",\"node\":null,\"hostname\":null,\"owner\":null,\"jobs\":1}]" "building"
assert_eq "$(jq -c "[.compilers[] | select(.name==\"g++\") | {fp, nodes}]" <<<"$out")" \
    "[{\"fp\":\"$GXX\",\"nodes\":[\"$A\"]},{\"fp\":\"$OLD\",\"nodes\":[\"$B\"]}]" "a g++ mismatch shows as two groups"
assert_eq "$(jq -c "[.compilers[] | select(.name==\"gcc\") | .fp]" <<<"$out")" "[null,\"$GCC\"]" "gcc: one without fp (1.0), one with"
assert_eq "$(jq -c "[.compilers[] | select(.name==\"gcc\" and .fp==\"$GCC\") | .nodes[]] | sort" <<<"$out")" "[\"$A\",\"$B\"]" "gcc nodes"

say "history samples carry busy"
wait_until 10 sh -c "curl -fsS -H 'Authorization: Bearer $FW' '$SERVER_URL/api/v1/projects/fw/history' | jq -e '.samples[-1].busy == 3'" ||
    fail "no history sample with busy 3"

say "gauges: per node, per project, by version; served across restarts"
from 127.0.0.2 checkin fw "$A" 8 "$FW" '"jobs":{"running":1,"served":25}'
from 127.0.0.2 checkin fw "$A" 8 "$FW" '"jobs":{"running":1,"served":4}'	# restarted
assert_eq "$(metric dyndistcc_node_jobs_served_total "project=\"fw\",node=\"$A\"")" 29 "node served_total"
assert_eq "$(metric dyndistcc_project_jobs_served_total 'project="fw"')" 29 "project served_total"
assert_eq "$(metric dyndistcc_node_jobs_running "project=\"fw\",node=\"$A\"")" 1 "node jobs running"
assert_eq "$(metric dyndistcc_project_jobs_running 'project="fw"')" 1 "project jobs running"
assert_eq "$(metric dyndistcc_node_slots "project=\"fw\",node=\"$B\"")" 2 "node slots"
assert_eq "$(metric dyndistcc_project_slots 'project="fw"')" 18 "project slots"
assert_eq "$(metric dyndistcc_node_healthy "project=\"fw\",node=\"$B\"")" 1 "node healthy"
assert_eq "$(metric dyndistcc_nodes 'project="fw",version="1.0.0"')" 5 "nodes by version"
from 127.0.0.4 checkin fw "$C" 2 "$FW" "$CX"',"version":"1.1.0-\"x\\y\""'
assert_eq "$(metric dyndistcc_nodes 'project="fw",version="1.1.0-\"x\\y\""')" 1 "a version label, escaped"
m=$(curl -fsS "$SERVER_URL/metrics")
for f in dyndistcc_nodes dyndistcc_node_jobs_running dyndistcc_node_slots dyndistcc_node_healthy \
    dyndistcc_project_jobs_running dyndistcc_project_slots; do
	assert_contains "$m" "# TYPE $f gauge" "TYPE of $f"
	assert_contains "$m" "# HELP $f " "HELP of $f"
done
for f in dyndistcc_node_jobs_served_total dyndistcc_project_jobs_served_total; do
	assert_contains "$m" "# TYPE $f counter" "TYPE of $f"
done
# every sample of a family follows its own TYPE line (a histogram's samples
# are its name with _bucket, _sum and _count)
awk '/^# TYPE/ { fam = $3; type = $4; seen[fam]++ }
    !/^#/ { split($1, a, "{"); n = a[1]
	if (type == "histogram" && (n == fam "_bucket" || n == fam "_sum" || n == fam "_count")) n = fam
	if (n != fam) { print "stray " $1; exit 1 } }
    END { for (f in seen) if (seen[f] > 1) { print "twice " f; exit 1 } }' <<<"$m" || fail "metric families interleaved"
server_alive || fail "server died"

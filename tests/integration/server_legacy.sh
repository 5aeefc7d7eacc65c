# The predecessor's API, spoken the way its bash client speaks it: wget with
# unencoded values, replies that are distcc hosts lines; its project and host
# management calls; open projects only; every error a 4xx so wget keeps the
# old hosts file.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server --heartbeat 1 --ttl 3
URL=$SERVER_URL

# old_client ADDR HASH PROJECT THREADS: the old cron job, verbatim but for
# the source address: wget -O hosts.tmp URL, then mv on success.
old_client() {
	local dir=$T/client-$1
	mkdir -p "$dir"
	(cd "$dir" && wget -q --bind-address="$1" -O hosts.tmp \
	    "$URL/api/checkin?hash=$2&project=$3&username=user-$1&swVersion=0.0.6&threads=$4" &&
	    mv hosts.tmp hosts)
}

say "createProject (admin token) makes an open project"
assert_eq "$(curl -H "Authorization: Bearer $ADMIN_TOKEN" -fsS "$URL/api/createProject?name=p")" success "createProject"
assert_eq "$(api GET /api/v1/projects | jq -c '.projects[0] | [.name, .keyed]')" '["p",false]' "open project"
code=$(curl -H "Authorization: Bearer $ADMIN_TOKEN" -s -o /dev/null -w '%{http_code}' "$URL/api/createProject?name=p")
assert_eq "$code" 409 "duplicate createProject"

say "the old client's exact request; the reply is a distcc hosts line"
H1=aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE	# 32 [a-zA-Z0-9] like the old client's
H2=Zz9yY8xX7wW6vV5uU4tT3sS2rR1qQ0pP
old_client 127.0.0.1 "$H1" p 8 || fail "wget from 127.0.0.1 failed"	# D1: 127.0.0.1 works
assert_eq "$(cat "$T/client-127.0.0.1/hosts")" "localhost/8" "first host"
old_client 127.0.0.2 "$H2" p 4 || fail "wget from 127.0.0.2 failed"
assert_eq "$(cat "$T/client-127.0.0.2/hosts")" "localhost/4 127.0.0.1/8" "second host"
old_client 127.0.0.1 "$H1" p 8
assert_eq "$(cat "$T/client-127.0.0.1/hosts")" "localhost/8 127.0.0.2/4" "first host again"
[ "$(tail -c1 "$T/client-127.0.0.1/hosts" | od -An -c | tr -d ' ')" = '\n' ] || fail "no newline at the end"
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$URL/api/checkin?hash=$H1&project=p&username=u&swVersion=0.0.6&threads=8")
assert_contains "$ctype" "text/plain"

say "legacy nodes are nodes: v1 sees them, they see v1 nodes"
call GET "/api/v1/nodes?project=p"
assert_eq "$(jq '[.nodes[] | select(.legacy)] | length' <<<"$out")" 2 "legacy nodes in v1"
assert_eq "$(jq -r '[.nodes[] | select(.addr=="127.0.0.2")][0] | [.owner, .version, .cores] | @tsv' <<<"$out")" \
    "$(printf 'user-127.0.0.2\t0.0.6\t4')" "legacy fields"
V=$(node_id 42)
from 127.0.0.3 checkin p "$V" 6 ""
assert_eq "$STATUS" 200
old_client 127.0.0.2 "$H2" p 4
assert_eq "$(sorted_line "$(cat "$T/client-127.0.0.2/hosts")")" "localhost/4 127.0.0.1/8 127.0.0.3/6" "v1 node in the legacy line"

say "errors are 4xx; wget fails and the old hosts file stays"
cp "$T/client-127.0.0.2/hosts" "$T/before"
old_client 127.0.0.2 "$H2" nosuchproject 4 && fail "wget succeeded for an unknown project"
cmp -s "$T/before" "$T/client-127.0.0.2/hosts" || fail "hosts file replaced after an error"
create_project keyed
code=$(curl -s -o "$T/b" -w '%{http_code}' "$URL/api/checkin?hash=$H2&project=keyed&username=u&swVersion=0.0.6&threads=4")
assert_eq "$code" 401 "legacy check-in to a keyed project"
assert_contains "$(cat "$T/b")" "key"
assert_eq "$(node_count keyed "$KEY")" 0 "nothing stored in the keyed project"
q="hash=$H2&project=p&username=u&swVersion=0.0.6&threads=4"
for bad in "${q/&threads=4/}" "${q/hash=$H2&/}" "${q/username=u&/}" "${q/swVersion=0.0.6&/}" "${q/project=p&/}" \
    "${q/threads=4/threads=}" "${q/threads=4/threads=0}" "${q/threads=4/threads=-5}" "${q/threads=4/threads=abc}" \
    "${q/threads=4/threads=1e20}" "${q/threads=4/threads=8%206.6.6.6\/64%0A--randomize}" "$q&threads=2" \
    "$q&hash=other" "$q&project=p" "${q/project=p/project=C++}" "${q/project=p/project=a%26b}" \
    "${q/username=u/username=%ZZ}" "${q/username=u/username=a%00b}" "${q/username=u/username=%E0%A4%A}" \
    "${q/hash=$H2/hash=$(printf 'h%.0s' $(seq 65))}" "${q/hash=$H2/hash=x\'y}"; do
	code=$(curl -s -o "$T/b" -w '%{http_code}' "$URL/api/checkin?$bad")
	assert_eq "$code" 400 "legacy check-in ?$bad"
	jq -e .error "$T/b" >/dev/null || fail "no {error} for ?$bad"
done
assert_eq "$(node_count p)" 3 "nothing stored by refused legacy check-ins"

say "getProjectList and getAllHosts: open projects only"
l=$(curl -fsS "$URL/api/getProjectList")
assert_eq "$(jq -c '[.[] | .name]' <<<"$l")" '["p"]' "getProjectList"
jq -e '.[0].projectID | numbers' <<<"$l" >/dev/null || fail "projectID: $l"
h=$(curl -fsS "$URL/api/getAllHosts")
assert_eq "$(jq 'length' <<<"$h")" 3 "getAllHosts"
jq -e 'all(.[]; has("hostID") and has("hash") and has("ipAddr") and has("projectID") and has("ownerName") and has("lastContact") and has("swVersion") and has("threads"))' <<<"$h" >/dev/null ||
    fail "getAllHosts fields: $h"
assert_eq "$(jq -r '[.[] | select(.ipAddr=="127.0.0.2")][0].threads' <<<"$h")" 4 "threads"

say "legacy nodes outlive the v1 ttl (the old client checks in every 5 minutes)"
wait_until 10 sh -c "curl -fsS '$URL/api/v1/nodes' | jq -e '.nodes[] | select(.id==\"$V\") | .state == \"offline\"'" ||
    fail "v1 node did not go offline after ttl"
assert_eq "$(api GET /api/v1/nodes | jq '[.nodes[] | select(.legacy and .state=="online")] | length')" 2 "legacy nodes still online"

say "deleteHost, deleteProject: admin, open projects only"
ID1=$(curl -fsS "$URL/api/getAllHosts" | jq -r '.[] | select(.ipAddr=="127.0.0.1") | .hash')
assert_eq "$(curl -H "Authorization: Bearer $ADMIN_TOKEN" -fsS "$URL/api/deleteHost?hash=$H1")" success "deleteHost by the old hash"
assert_eq "$(api GET /api/v1/nodes | jq "[.nodes[] | select(.id==\"$ID1\")] | length")" 0 "host deleted"
code=$(curl -H "Authorization: Bearer $ADMIN_TOKEN" -s -o /dev/null -w '%{http_code}' "$URL/api/deleteHost?hash=$H1")
assert_eq "$code" 404 "deleteHost twice"
assert_eq "$(curl -H "Authorization: Bearer $ADMIN_TOKEN" -fsS "$URL/api/deleteHost?hash=$V")" success "deleteHost by the listed hash (a v1 id)"
code=$(curl -H "Authorization: Bearer $ADMIN_TOKEN" -s -o /dev/null -w '%{http_code}' "$URL/api/deleteProject?name=keyed")
assert_eq "$code" 403 "legacy deleteProject of a keyed project"
assert_eq "$(curl -H "Authorization: Bearer $ADMIN_TOKEN" -fsS "$URL/api/deleteProject?name=p")" success "deleteProject"
code=$(curl -H "Authorization: Bearer $ADMIN_TOKEN" -s -o /dev/null -w '%{http_code}' "$URL/api/deleteProject?name=p")
assert_eq "$code" 404 "deleteProject of an unknown project"
assert_eq "$(db_rows 'SELECT count(*) FROM nodes')" 0 "node rows gone with the project"
for p in createProject deleteProject deleteHost; do
	code=$(curl -H "Authorization: Bearer $ADMIN_TOKEN" -s -o /dev/null -w "%{http_code}" "$URL/api/$p")
	assert_eq "$code" 400 "$p without its parameter"
done
code=$(curl -H "Authorization: Bearer $ADMIN_TOKEN" -s -o /dev/null -w '%{http_code}' "$URL/api/createProject?name=C++")
assert_eq "$code" 400 "createProject C++"
server_alive || fail "server died"

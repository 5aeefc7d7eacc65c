# Every endpoint of API v1, used the way its clients use it: projects, check-in
# and the host list it answers, hosts (JSON and text), check-out, nodes,
# expunge, history, metrics, healthz, the panel and its headers.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server --heartbeat 5 --ttl 20 --refresh-after 7

say "projects: create (keyed, open), duplicate, list"
create_project fw
[[ $KEY =~ ^[0-9a-f]{32}$ ]] || fail "key '$KEY' is not 32 hex digits"
FW=$KEY
create_project oss open
assert_eq "$KEY" "" "open project key"
call POST /api/v1/projects '{"name":"fw"}'
assert_eq "$STATUS" 409 "duplicate project"
assert_contains "$(jq -r .error <<<"$out")" "exists"
call GET /api/v1/projects
assert_eq "$(jq -c '[.projects[] | {name, keyed}]' <<<"$out")" \
    '[{"name":"fw","keyed":true},{"name":"oss","keyed":false}]' "project list"
jq -e '.projects[0] | has("nodes_online") and has("threads_online") and (.created > 1600000000)' <<<"$out" >/dev/null ||
    fail "project list fields: $out"

say "check-in: the reply is the node's host list, itself first as localhost"
A=$(node_id 10); B=$(node_id 11); C=$(node_id 12)
from 127.0.0.7 checkin fw "$A" 16 "$FW" '"load":[2,1,1]'
assert_eq "$STATUS" 200 "first check-in"
assert_eq "$(jq -c . <<<"$out")" \
    '{"project":"fw","heartbeat":5,"refresh_after":7,"ttl":20,"distcc_hosts":"localhost/16","pool_threads":16,"pool_busy":0,"members":["127.0.0.7"],"compilers":{}}' \
    "first reply"
from 127.0.0.8 checkin fw "$B" 8 "$FW" '"port":3700,"load":[0,0,0]' >/dev/null
from 127.0.0.9 checkin fw "$C" 4 "$FW" '"load":[0.5,0,0]'
# every other member (the order is the requester's own); B has its port;
# C is localhost
assert_eq "$(sorted_line "$(jq -r .distcc_hosts <<<"$out")")" "localhost/4 127.0.0.7/16 127.0.0.8:3700/8" "hosts line"
assert_eq "$(jq -r .pool_threads <<<"$out")" 28 "pool_threads"
assert_eq "$(jq -c '.members | sort' <<<"$out")" '["127.0.0.7","127.0.0.8","127.0.0.9"]' "members"
# the address defaults to the connection's
D=$(node_id 13)
checkin fw "$D" 2 "$FW" >/dev/null
assert_eq "$(node_field fw "$FW" "$D" .addr)" 127.0.0.1 "peer address"

say "hosts: JSON and text/plain, with and without a node"
call GET "/api/v1/projects/fw/hosts?node=$A&cores=3" "" "$FW"
assert_eq "$STATUS" 200
assert_eq "$(sorted_line "$(jq -r .distcc_hosts <<<"$out")")" "localhost/3 127.0.0.1/2 127.0.0.8:3700/8 127.0.0.9/4" "hosts for A"
API_OPTS="-H Accept:text/plain" call GET "/api/v1/projects/fw/hosts?cores=6" "" "$FW"
assert_eq "$(sorted_line "$out")" "localhost/6 127.0.0.1/2 127.0.0.7/16 127.0.0.8:3700/8 127.0.0.9/4" "text hosts without node"
ctype=$(curl -s -o /dev/null -w '%{content_type}' -H 'Accept: text/plain' -H "Authorization: Bearer $FW" "$SERVER_URL/api/v1/projects/fw/hosts")
assert_contains "$ctype" "text/plain"
[ "$(curl -s -H 'Accept: text/plain' -H "Authorization: Bearer $FW" "$SERVER_URL/api/v1/projects/fw/hosts" | tail -c1 | od -An -c | tr -d ' ')" = '\n' ] ||
    fail "text hosts line does not end in a newline"
before=$(node_count fw "$FW")
api GET "/api/v1/projects/fw/hosts?node=$(node_id 99)&cores=2" "" "$FW" >/dev/null
assert_eq "$STATUS" 200
assert_eq "$(node_count fw "$FW")" "$before" "hosts does not register a node"

say "nodes: every field"
call GET "/api/v1/nodes?project=fw" "" "$FW"
n=$(jq ".nodes[] | select(.id==\"$B\")" <<<"$out")
assert_eq "$(jq -c '[.project,.hostname,.owner,.addr,.port,.cores,.nice,.version,.state]' <<<"$n")" \
    "[\"fw\",\"h-${B: -6}\",\"t\",\"127.0.0.8\",3700,8,0,\"1.0.0\",\"online\"]" "node fields"
jq -e '(.load | length) == 3 and (.compilers | type) == "array" and .age >= 0 and .last_seen > 1600000000' <<<"$n" >/dev/null ||
    fail "node load/compilers/age: $n"
from 127.0.0.7 checkin fw "$A" 16 "$FW" '"compilers":[{"name":"gcc","version":"12.2.0","target":"x86_64-linux-gnu"}]' >/dev/null
assert_eq "$(node_field fw "$FW" "$A" '.compilers | tojson')" \
    '[{"name":"gcc","version":"12.2.0","target":"x86_64-linux-gnu"}]' "compilers"
api GET "/api/v1/nodes?project=nosuch" >/dev/null
assert_eq "$STATUS" 404 "nodes of an unknown project"

say "check-out removes a node from every list at once"
api POST /api/v1/checkout "{\"project\":\"fw\",\"node\":\"$B\"}" "$FW" >/dev/null
assert_eq "$STATUS" 200 "checkout"
call GET "/api/v1/projects/fw/hosts?node=$C" "" "$FW"
assert_not_contains "$(jq -r .distcc_hosts <<<"$out")" "127.0.0.8" "hosts after checkout"
assert_eq "$(node_field fw "$FW" "$B" .state)" offline "state after checkout"
api POST /api/v1/checkout "{\"project\":\"fw\",\"node\":\"$(node_id 98)\"}" "$FW" >/dev/null
assert_eq "$STATUS" 404 "checkout of an unknown node"

say "history: samples of the pool size"
wait_until 5 sh -c "curl -fsS -H 'Authorization: Bearer $FW' $SERVER_URL/api/v1/projects/fw/history | jq -e '.samples | length >= 1'"
call GET /api/v1/projects/fw/history "" "$FW"
jq -e '.project == "fw" and .window == 3600 and (.now > 1600000000) and (.samples[-1] | has("nodes") and has("t"))' <<<"$out" >/dev/null ||
    fail "history: $out"
# the latest sample is the pool size now (a sample is taken on each change)
now_threads=$(api GET /api/v1/projects | jq '.projects[] | select(.name == "fw") | .threads_online')
[ "$now_threads" -gt 0 ] || fail "fw has no threads online"
wait_until 5 sh -c "curl -fsS -H 'Authorization: Bearer $FW' $SERVER_URL/api/v1/projects/fw/history |
    jq -e '.samples[-1].threads == $now_threads and .samples[-1].busy == 0'" ||
    fail "history's latest sample is not $now_threads threads: $(curl -fsS -H "Authorization: Bearer $FW" "$SERVER_URL/api/v1/projects/fw/history")"
api GET /api/v1/projects/nosuch/history >/dev/null
assert_eq "$STATUS" 404

say "metrics and healthz"
m=$(curl -fsS "$SERVER_URL/metrics")
for name in 'dyndistcc_requests_total{code="200"}' 'dyndistcc_checkins_total{result="ok"}' \
    'dyndistcc_hosts_requests_total{result="ok"}' 'dyndistcc_nodes_online{project="fw"}' \
    'dyndistcc_threads_online{project="fw"}' 'dyndistcc_projects'; do
	assert_contains "$m" "$name" "metrics"
done
assert_eq "$(metric dyndistcc_nodes_online 'project="fw"')" 3 "nodes online"
assert_eq "$(metric dyndistcc_threads_online 'project="fw"')" 22 "threads online"
assert_eq "$(metric dyndistcc_projects)" 2 "projects"
h=$(metric dyndistcc_hosts_requests_total 'result="ok"')
api GET "/api/v1/projects/fw/hosts" "" "$FW" >/dev/null
assert_eq "$(metric dyndistcc_hosts_requests_total 'result="ok"')" $((h + 1)) "refresh counter"
assert_eq "$(curl -fsS "$SERVER_URL/healthz")" ok "healthz"

say "expunge a node, delete a project"
call DELETE "/api/v1/nodes/$A"
assert_eq "$STATUS" 200; assert_eq "$(jq -r .deleted <<<"$out")" "$A"
assert_eq "$(api GET /api/v1/nodes?project=fw "" "$FW" | jq "[.nodes[] | select(.id==\"$A\")] | length")" 0 "expunged node"
api DELETE "/api/v1/nodes/$A" >/dev/null; assert_eq "$STATUS" 404 "expunge twice"
call DELETE /api/v1/projects/fw
assert_eq "$STATUS" 200; assert_eq "$(jq -r .deleted <<<"$out")" fw
api DELETE /api/v1/projects/fw >/dev/null; assert_eq "$STATUS" 404 "delete twice"
assert_eq "$(node_count)" 0 "nodes gone with their project"
assert_eq "$(db_rows 'SELECT count(*) FROM nodes')" 0 "node rows gone with their project"

say "panel: built-in files, types, security headers; 405 and 404"
hdr=$(curl -sS -D - -o "$T/index" "$SERVER_URL/")
assert_contains "$hdr" "200"
assert_contains "$hdr" "Content-Type: text/html"
assert_contains "$hdr" "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
assert_contains "$hdr" "X-Content-Type-Options: nosniff"
assert_contains "$hdr" "Cache-Control: no-cache"
cmp -s "$T/index" "$TOP/server/www/index.html" || fail "GET / is not index.html"
for f in "$TOP"/server/www/*; do
	name=$(basename "$f")
	curl -fsS -o "$T/asset" "$SERVER_URL/$name" || fail "GET /$name"
	cmp -s "$T/asset" "$f" || fail "/$name differs from the file (byte for byte)"
	case $name in
	*.js) want=text/javascript ;; *.css) want=text/css ;; *.svg) want=image/svg+xml ;;
	*.png) want=image/png ;; *.ico) want=image/x-icon ;; *.html) want=text/html ;; *) continue ;;
	esac
	assert_contains "$(curl -sS -o /dev/null -w '%{content_type}' "$SERVER_URL/$name")" "$want" "type of /$name"
done
etag=$(curl -sS -D - -o /dev/null "$SERVER_URL/" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$SERVER_URL/")" 304 "ETag revalidation"
api PUT /api/v1/projects >/dev/null; assert_eq "$STATUS" 405 "PUT projects"
api GET /api/v1/checkin >/dev/null; assert_eq "$STATUS" 405 "GET checkin"
api GET /api/v1/nosuch >/dev/null; assert_eq "$STATUS" 404 "unknown API path"
jq -e .error "$T/api.body" >/dev/null || fail "404 body is not {\"error\"}"
api GET /nosuch.html >/dev/null; assert_eq "$STATUS" 404 "unknown page"
server_alive || fail "server died"

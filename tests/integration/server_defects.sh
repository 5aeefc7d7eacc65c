# The defects of the predecessor (dyndistcc 0.0.6, the server this one
# replaces; its API is the README's "Legacy API"), numbered D1-D15 and each
# named in its `say` line below, tried the way it was found; every check
# fails if the defect comes back. D2, D3 (races) are
# in server_races.sh, D4 in server_startup.sh, D5 in server_dblock.sh, D10
# and D13 in server_validation.sh, D14 in server_api.sh.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server --ttl 2 --heartbeat 1
URL=$SERVER_URL
create_project fw; FW=$KEY
create_project p open

say "D1: check-ins from 127.0.0.1 (and for unknown projects) are answered, the server lives"
checkin fw "$(node_id 1)" 4 "$FW"
assert_eq "$STATUS" 200 "v1 check-in from 127.0.0.1"
code=$(curl -s -o "$T/b" -w '%{http_code}' "$URL/api/checkin?hash=h9&project=p&username=u&swVersion=0.0.6&threads=8")
assert_eq "$code" 200 "legacy check-in from 127.0.0.1"
assert_eq "$(cat "$T/b")" "localhost/8" "its hosts line"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/checkin?hash=h9&project=nosuchproject&username=u&swVersion=0.0.6&threads=8")
assert_eq "$code" 404 "unknown project"
assert_eq "$(curl -fsS "$URL/healthz")" ok "alive after D1"

say "D6: no URL reaches the file system"
for path in /../db.js /../dyndistcc.db /../../../../etc/passwd /%2e%2e/%2e%2e/etc/passwd \
    /..%2f..%2fetc%2fpasswd "/$(basename "$SERVER_DB")" /index.html/../../../etc/passwd \
    //etc/passwd /./index.html/. "/$T/dyndistcc.db" /server.h /main.c; do
	code=$(curl -s --path-as-is -o "$T/b" -w '%{http_code}' "$URL$path")
	assert_eq "$code" 404 "GET $path"
	assert_not_contains "$(cat "$T/b")" "root:" "GET $path"
done
code=$(curl -s -o "$T/b" -w '%{http_code}' --request-target 'http://x/../../../../etc/hostname' "$URL/")
[ "$code" = 404 ] || [ "$code" = 400 ] || fail "absolute-form traversal: $code"
assert_not_contains "$(cat "$T/b")" "$(hostname)" "absolute-form traversal"

for path in "/index.html%00.png" "/api/v1/nodes?project=%00" "/api/v1/projects/fw%00x/hosts"; do
	code=$(curl -s -o "$T/b" -w '%{http_code}' "$URL$path")
	assert_eq "$code" 400 "GET $path (encoded NUL)"
done

say "D7: /dev/zero cannot eat memory"
rss0=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
for path in /../../../../dev/zero /dev/zero /%2e%2e/dev/zero /proc/self/mem; do
	code=$(curl -s --path-as-is -m 5 -o /dev/null -w '%{http_code}' "$URL$path")
	assert_eq "$code" 404 "GET $path"
done
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
[ "$rss1" -lt $((rss0 + 16384)) ] || fail "RSS grew from $rss0 kB to $rss1 kB"

say "D8: nothing a client sends is copied into a hosts line"
for q in "threads=8%206.6.6.6/64%0A--randomize" "threads=8+6.6.6.6/64" "threads=-5" "threads=abc" "threads=1e20" "threads=1&threads=2"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/checkin?hash=evil&project=p&username=u&swVersion=0.0.6&$q")
	assert_eq "$code" 400 "legacy $q"
done
for extra in '"cores":"8 6.6.6.6/64"' '"port":"1 6.6.6.6"' '"addr":"6.6.6.6/64 --randomize"' \
    '"addr":"1.2.3.4:5 6.6.6.6"'; do
	call POST /api/v1/checkin "$(checkin_json fw "$(node_id 66)" 4 "$extra")" "$FW"
	assert_eq "$STATUS" 400 "v1 $extra"
done
checkin fw "$(node_id 67)" 4 "$FW" '"hostname":"6.6.6.6/64","owner":"--randomize 6.6.6.6/64","version":"x/64"'
assert_eq "$STATUS" 200 "names are free text"
out=$(curl -fsS -H "Authorization: Bearer $FW" -H 'Accept: text/plain' "$URL/api/v1/projects/fw/hosts")
assert_not_contains "$out" "6.6.6.6" "hosts line"
assert_not_contains "$out" "randomize" "hosts line"
grep -Eqx 'localhost/[0-9]+( (\[[0-9a-f:]+\]|[0-9.]+)(:[0-9]+)?/[0-9]+)*' <<<"$out" || fail "hosts line shape: $out"
l=$(curl -fsS "$URL/api/checkin?hash=h9&project=p&username=u&swVersion=0.0.6&threads=8")
grep -Eqx 'localhost/[0-9]+( [0-9.]+(:[0-9]+)?/[0-9]+)*' <<<"$l" || fail "legacy line shape: $l"

say "D9: identity: no cross-project takeover, a moved node leaves its old project, one entry per address"
create_project other; OTHER=$KEY
N=$(node_id 90)
from 127.0.0.20 checkin fw "$N" 8 "$FW"
from 127.0.0.99 checkin other "$N" 64 "$OTHER"
assert_eq "$STATUS" 200
assert_eq "$(node_field fw "$FW" "$N" '[.addr, .cores] | @tsv')" \
    "$(printf '127.0.0.20\t8')" "a check-in to another project changes nothing in the first"
# the machine was re-installed into "other": after it stops checking in to fw
# it drops out of fw within ttl, while other's members get it
wait_until 10 sh -c "curl -fsS -H 'Authorization: Bearer $FW' -H 'Accept: text/plain' '$URL/api/v1/projects/fw/hosts' | grep -vq 127.0.0.20" ||
    fail "the moved node stays in its old project's list"
# two node ids on one address and port (a re-installed machine): listed once
from 127.0.0.30 checkin fw "$(node_id 91)" 4 "$FW"
from 127.0.0.30 checkin fw "$(node_id 92)" 4 "$FW"
from 127.0.0.31 checkin fw "$(node_id 93)" 4 "$FW"
line=$(jq -r .distcc_hosts <<<"$out")
assert_eq "$(grep -o '127.0.0.30' <<<"$line" | wc -l)" 1 "one entry per address: $line"

say "D11: GET never changes state"
before=$(db_rows 'SELECT count(*) FROM projects'):$(db_rows 'SELECT count(*) FROM nodes')
for path in /api/v1/checkin /api/v1/checkout "/api/v1/nodes/$(node_id 93)"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$URL$path")
	[ "$code" = 405 ] || [ "$code" = 404 ] || fail "GET $path: $code"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/projects/fw")
assert_eq "$code" 405 "GET /api/v1/projects/fw"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Sec-Fetch-Site: cross-site' "$URL/api/deleteProject?name=p")
assert_eq "$code" 403 "cross-site legacy deleteProject"
assert_eq "$(db_rows 'SELECT count(*) FROM projects'):$(db_rows 'SELECT count(*) FROM nodes')" "$before" "rows after GETs"

say "D12: SQL stays data"
checkin fw "$(node_id 120)" 2 "$FW" "\"hostname\":\"x'); DROP TABLE nodes;--\",\"owner\":\"' OR '1'='1\""
assert_eq "$STATUS" 200
assert_eq "$(db_rows "SELECT hostname FROM nodes WHERE id='$(node_id 120)'")" "x'); DROP TABLE nodes;--" "stored literally"
assert_eq "$(db_rows "SELECT count(*) FROM sqlite_master WHERE name IN ('nodes','projects')")" 2 "tables intact"

say "D15: IPv6 and v4-mapped peers, :port, limits, shutdown"
P6=$(free_port)
spawn server6 "$BIN/dyndistcc-server" -f /dev/null -l :: -p "$P6" --db "$T/v6.db" --admin-token "$ADMIN_TOKEN"
wait_until 10 curl -fsS "http://[::1]:$P6/healthz" || fail "no IPv6 server"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" -X POST -d '{"name":"six"}' "http://[::1]:$P6/api/v1/projects")
assert_eq "$code" 201 "admin from ::1 (Host [::1]:port)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" -X POST -d '{"name":"four","key":false}' "http://127.0.0.1:$P6/api/v1/projects")
assert_eq "$code" 201 "admin from ::ffff:127.0.0.1 (dual stack)"
l=$(curl -fsS "http://127.0.0.1:$P6/api/checkin?hash=h4&project=four&username=u&swVersion=1&threads=2")
assert_eq "$l" "localhost/2" "v4 check-in through a dual-stack socket"
assert_eq "$(curl -fsS "http://[::1]:$P6/api/v1/nodes" | jq -r '.nodes[0].addr')" 127.0.0.1 "v4-mapped peer stored as IPv4"
from 127.0.0.40 checkin fw "$(node_id 150)" 2 "$FW" '"port":3700'
api GET "/api/v1/projects/fw/hosts?node=$(node_id 93)" "" "$FW" >/dev/null
assert_contains "$(jq -r .distcc_hosts "$T/api.body")" "127.0.0.40:3700/2" "port in the hosts line"
# Only this node's lines count: the sweep may log other nodes expiring meanwhile.
lines0=$(grep -c "$(node_id 150)" "$T/server.log")
for _ in 1 2 3 4 5; do from 127.0.0.40 checkin fw "$(node_id 150)" 2 "$FW" '"port":3700'; done
assert_eq "$(grep -c "$(node_id 150)" "$T/server.log")" "$lines0" "a heartbeat of a known node writes no log line"
stop_server
rc=0; wait "$SERVER_PID" 2>/dev/null || rc=$?
assert_contains "$(tail -2 "$T/server.log")" "[SYS] stopped" "clean shutdown"

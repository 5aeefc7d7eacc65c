# Issue 15, node identity. A 1.1 node's first check-in binds its id to a
# secret the server makes and returns once; later check-ins and the
# check-out need it (403 otherwise, changing nothing), across a restart; an
# expunged node binds anew; a 1.0 row binds at its first 1.1 check-in
# (trust on first use); 1.0 clients, which drop the secret, stay unbound;
# the legacy API cannot take over a bound id.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server
create_project fw; FW=$KEY
V11='"version":"1.1.0"'

say "the first check-in of a 1.1 node returns its secret, once"
A=$(node_id 1)
checkin fw "$A" 4 "$FW" "$V11,\"hostname\":\"first\""
assert_eq "$STATUS" 200 "first check-in"
S=$(jq -r .secret <<<"$out")
[[ $S =~ ^[0-9a-f]{32}$ ]] || fail "secret '$S'"
assert_eq "$(db_rows "SELECT secret FROM nodes WHERE id='$A'")" "$S" "secret stored"
checkin fw "$A" 4 "$FW" "$V11,\"secret\":\"$S\",\"hostname\":\"first\""
assert_eq "$STATUS" 200 "check-in with the secret"
assert_eq "$(jq 'has("secret")' <<<"$out")" false "the secret is sent only once"

say "without it, or with another, the node is someone else's: 403, nothing changes"
for s in '' ',"secret":null' ",\"secret\":\"${S%?}$([ "${S: -1}" = 0 ] && echo 1 || echo 0)\"" \
    ",\"secret\":\"${S^^}0\""; do
	checkin fw "$A" 64 "$FW" "$V11,\"hostname\":\"thief\"$s"
	[ "$STATUS" = 403 ] || [ "$STATUS" = 400 ] || fail "check-in with secret '$s': $STATUS"
done
checkin fw "$A" 64 "$FW" "$V11,\"hostname\":\"thief\""
assert_eq "$STATUS" 403 "no secret"
assert_contains "$(jq -r .error <<<"$out")" "belongs to another machine"
checkin fw "$A" 4 "$FW" "$V11,\"secret\":\"${S^^}\",\"hostname\":\"first\""
assert_eq "$STATUS" 200 "the secret in upper case is the secret"
assert_eq "$(node_field fw "$FW" "$A" '[.hostname, .cores] | @tsv')" "$(printf 'first\t4')" "refused check-ins changed nothing"
call POST /api/v1/checkout "{\"project\":\"fw\",\"node\":\"$A\"}" "$FW"
assert_eq "$STATUS" 403 "check-out without the secret"
assert_eq "$(node_field fw "$FW" "$A" .state)" online "refused check-out changed nothing"

say "the binding survives a restart"
stop_server
start_server
checkin fw "$A" 4 "$FW" "$V11"
assert_eq "$STATUS" 403 "no secret after a restart"
call POST /api/v1/checkout "{\"project\":\"fw\",\"node\":\"$A\",\"secret\":\"$S\"}" "$FW"
assert_eq "$STATUS" 200 "check-out with the secret"
assert_eq "$(node_field fw "$FW" "$A" .state)" offline "checked out"

say "an expunged node binds anew"
call DELETE "/api/v1/nodes/$A"
assert_eq "$STATUS" 200 "expunge"
checkin fw "$A" 4 "$FW" "$V11,\"secret\":\"$S\""
assert_eq "$STATUS" 200 "check-in after the expunge"
S2=$(jq -r .secret <<<"$out")
[[ $S2 =~ ^[0-9a-f]{32}$ ]] && [ "$S2" != "$S" ] || fail "new secret '$S2'"

say "1.0 clients drop the secret: their nodes stay unbound; a 1.1 check-in binds them"
O=$(node_id 2)
for i in 1 2 3; do
	checkin fw "$O" 2 "$FW" '"version":"1.0.0"'
	assert_eq "$STATUS" 200 "1.0 check-in $i"
	assert_eq "$(jq 'has("secret")' <<<"$out")" false "no secret for a 1.0 client"
done
assert_eq "$(db_rows "SELECT count(*) FROM nodes WHERE id='$O' AND secret IS NULL")" 1 "unbound row"
checkin fw "$O" 2 "$FW" "$V11"
assert_eq "$STATUS" 200 "upgraded to 1.1"
SO=$(jq -r .secret <<<"$out")
[[ $SO =~ ^[0-9a-f]{32}$ ]] || fail "TOFU secret '$SO'"
checkin fw "$O" 2 "$FW" '"version":"1.0.0"'
assert_eq "$STATUS" 403 "bound: a 1.0 client without the secret"

say "the legacy API cannot check in as a bound node"
create_project oss open
L=$(node_id 3)
checkin oss "$L" 2 "" "$V11"
assert_eq "$STATUS" 200 "1.1 node in an open project"
code=$(curl -s -o "$T/b" -w '%{http_code}' "$SERVER_URL/api/checkin?hash=$L&project=oss&username=u&swVersion=0.0.6&threads=64")
assert_eq "$code" 403 "legacy check-in as a bound node ($(cat "$T/b"))"

server_alive || fail "server died"

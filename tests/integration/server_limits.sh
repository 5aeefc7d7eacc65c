# Limits: body at most 64 KiB (413), URL at most 4 KiB (414), slow clients
# are cut off after connection_timeout and cannot hold the server, a per-IP
# connection limit, and a flood of bad requests cannot flood the log.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

printf 'connection_timeout 2\nmax_connections_per_ip 8\nmax_nodes 3\n' >"$T/lim.conf"
start_server -f "$T/lim.conf"
create_project fw; FW=$KEY

# padded_checkin SIZE: a valid check-in body of exactly SIZE bytes.
padded_checkin() {
	local base pad
	base=$(checkin_json fw "$(node_id 1)" 4 '"pad":""')
	pad=$(( $1 - ${#base} ))
	jq -c --arg p "$(head -c "$pad" /dev/zero | tr '\0' x)" '.pad = $p' <<<"$base"
}

say "body: 65536 bytes pass, 65537 get 413 (with and without Content-Length)"
padded_checkin 65536 | tr -d '\n' >"$T/ok.json"
assert_eq "$(wc -c <"$T/ok.json")" 65536
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $FW" --data-binary @"$T/ok.json" "$SERVER_URL/api/v1/checkin")
assert_eq "$code" 200 "64 KiB body"
padded_checkin 65537 | tr -d '\n' >"$T/big.json"
code=$(curl -s -o "$T/b" -w '%{http_code}' -H "Authorization: Bearer $FW" --data-binary @"$T/big.json" "$SERVER_URL/api/v1/checkin")
assert_eq "$code" 413 "64 KiB + 1 body"
jq -e .error "$T/b" >/dev/null || fail "413 without {error}"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' -H "Authorization: Bearer $FW" \
    --data-binary @"$T/big.json" "$SERVER_URL/api/v1/checkin")
assert_eq "$code" 413 "chunked 64 KiB + 1 body"
head -c 10000000 /dev/zero >"$T/huge"
code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 --data-binary @"$T/huge" "$SERVER_URL/api/v1/projects")
assert_eq "$code" 413 "10 MB body"

say "URL: 4096 bytes pass, 4097 get 414"
base="/api/v1/nodes?project=fw&x="
u=$base$(head -c $((4096 - ${#base})) /dev/zero | tr '\0' a)
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $FW" "$SERVER_URL$u")" 200 "4096-byte URL"
assert_eq "$(curl -s -o "$T/b" -w '%{http_code}' "$SERVER_URL${u}a")" 414 "4097-byte URL"
jq -e .error "$T/b" >/dev/null || fail "414 without {error}"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL$base$(head -c 100000 /dev/zero | tr '\0' a)")
[ "$code" = 414 ] || [ "$code" = 431 ] || fail "100 KB URL: $code"

say "slow clients: the server answers others meanwhile and cuts them off"
for fd in 3 4 5 6 7; do
	eval "exec $fd<>/dev/tcp/127.0.0.1/$SERVER_PORT"
	printf 'POST /api/v1/checkin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"pro' >&$fd
done
t0=$(date +%s%N)
curl -fsS -m 2 "$SERVER_URL/healthz" >/dev/null || fail "server held by slow clients"
[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 2000 ] || fail "healthz slow while slow clients wait"
t0=$(date +%s)
for fd in 3 4 5 6 7; do
	timeout 8 cat <&$fd >/dev/null || fail "slow connection $fd not closed within 8 s"
	eval "exec $fd<&-"
done
[ $(( $(date +%s) - t0 )) -le 8 ] || fail "slow connections held too long"

say "per-IP connection limit: a 9th connection from one address takes the place of the oldest idle one"
for fd in 3 4 5 6 7 8 9 10; do
	eval "exec $fd<>/dev/tcp/127.0.0.1/$SERVER_PORT"
	sleep 0.05	# so fd 3 is the oldest
done
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$SERVER_URL/healthz")" 200 "a 9th connection from 127.0.0.1"
timeout 2 cat <&3 >/dev/null || fail "the oldest idle connection (fd 3) was not closed for it"
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&10
assert_contains "$(timeout 2 head -1 <&10)" "200" "the newest idle connection (fd 10) kept"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -m 2 --interface 127.0.0.2 "$SERVER_URL/healthz")" 200 "127.0.0.2 meanwhile"
for fd in 3 4 5 6 7 8 9 10; do eval "exec $fd<&-"; done
wait_until 5 curl -fsS "$SERVER_URL/healthz" || fail "127.0.0.1 not served after closing"

say "malformed requests are refused or closed; the server lives"
# raw REQUEST: sends REQUEST (printf %b escapes) on a fresh connection and
# prints the status code of the reply, or "closed".
raw() {
	local line
	line=$( set +e +o pipefail
		exec 3<>"/dev/tcp/127.0.0.1/$SERVER_PORT" || exit 0
		printf '%b' "$1" >&3
		timeout 3 head -1 <&3 | tr -d '\r' ) 2>/dev/null || true
	read -r _ code _ <<<"$line"
	echo "${code:-closed}"
}
H='Host: 127.0.0.1\r\n'
for c in "HELLO\r\n\r\n:400|closed" "GET * HTTP/1.1\r\n$H\r\n:404" "OPTIONS * HTTP/1.1\r\n$H\r\n:404" \
    "CONNECT x:80 HTTP/1.1\r\n$H\r\n:404|405|400" \
    "GET / HTTP/9.9\r\n$H\r\n:505|closed" "GET /healthz HTTP/1.1\r\nBadHeader\r\n\r\n:400" \
    "POST /api/v1/checkin HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n:400|closed" \
    "POST /api/v1/checkin HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n:400|413" \
    "GET //api/v1/projects HTTP/1.1\r\n$H\r\n:404" "GET /?a=b HTTP/1.1\r\n$H\r\n:200"; do
	req=${c%:*}; want=${c##*:}
	got=$(raw "$req")
	[[ $got =~ ^($want)$ ]] || fail "$(printf '%q' "$req"): got $got, expected $want"
done
assert_eq "$(curl -fsS "$SERVER_URL/healthz")" ok "alive after malformed requests"

say "a flood of bad requests writes a bounded number of log lines"
before=$(grep -c '\[WARN\]' "$T/server.log" || true)
urls=()
for i in $(seq 300); do urls+=("$SERVER_URL/api/v1/nodes?project=C%2B%2B$i"); done
t0=$(date +%s)
curl -s "${urls[@]}" >/dev/null
t1=$(date +%s)
after=$(grep -c '\[WARN\]' "$T/server.log" || true)
# a burst of 20 and a "suppressed" line per 10 s window, for each window
# the flood touched (however slowly the machine sent it): far below 300
windows=$(( (t1 - t0) / 10 + 2 ))
[ $((after - before)) -le $((21 * windows)) ] ||
	fail "$((after - before)) warnings for 300 bad requests in $((t1 - t0)) s"
[ $((after - before)) -ge 1 ] || fail "no warning at all for bad requests"

say "a project holds at most max_nodes nodes online"
checkin fw "$(node_id 2)" 2 "$FW"; assert_eq "$STATUS" 200 "node 2"
checkin fw "$(node_id 3)" 2 "$FW"; assert_eq "$STATUS" 200 "node 3"
checkin fw "$(node_id 4)" 2 "$FW"
assert_eq "$STATUS" 409 "node 4 of 3"
assert_contains "$(jq -r .error <<<"$out")" "full"
checkin fw "$(node_id 3)" 4 "$FW"; assert_eq "$STATUS" 200 "a known node still checks in"
assert_eq "$(db_rows 'SELECT count(*) FROM nodes')" 3 "rows"
server_alive || fail "server died"

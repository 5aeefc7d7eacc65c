# HTTPS: the server serves its certificate (tls_cert, tls_key) and shows its
# pin; clients verify it by server_pin or server_ca and refuse a wrong pin,
# an expired certificate, and plain http:// once a pin or CA is configured
# (no key ever leaves over plain HTTP). A pool (server, two heartbeats,
# dcc compiling through them) works over HTTPS.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"
. "$(dirname "$0")/../lib/pool.bash"

say "certificates: a CA, a server certificate it signed, an expired one"
cd "$T"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -days 30 -subj /CN=test-ca 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
    -subj /CN=dyndistcc 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile san.ext -out server.pem 2>/dev/null
# expired: signed by the same CA with dates in the past (openssl ca takes them)
mkdir -p ca/new && : >ca/index.txt && echo 01 >ca/serial
cat >ca.cnf <<EOF
[ca]
default_ca = d
[d]
dir = $T/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = p
copy_extensions = copy
[p]
commonName = supplied
EOF
openssl req -new -key server.key -subj /CN=dyndistcc -addext "subjectAltName=IP:127.0.0.1" \
    -out old.csr 2>/dev/null
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in old.csr -out expired.pem \
    -startdate 20200101000000Z -enddate 20200201000000Z >/dev/null 2>&1 || fail "openssl ca"
cd - >/dev/null
PIN=sha256//$(openssl x509 -in "$T/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64)
export CURL_CA_BUNDLE=$T/ca.pem	# the test's own curl calls verify with the CA
ADMIN_TOKEN=$(new_token)

# start_tls_server CERT [args...]: the server with CERT and server.key on a
# free port; sets SERVER_URL (https://), SERVER_PORT, SERVER_PID.
start_tls_server() {
	printf 'tls_cert %s\ntls_key %s\n' "$1" "$T/server.key" >"$T/tls.conf"
	shift
	SERVER_PORT=$(free_port)
	SERVER_URL=https://127.0.0.1:$SERVER_PORT
	spawn server "$BIN/dyndistcc-server" -f "$T/tls.conf" -l 127.0.0.1 -p "$SERVER_PORT" \
	    --db "$T/dyndistcc.db" --admin-token "$ADMIN_TOKEN" "$@"
	SERVER_PID=$SPAWNED_PID
	wait_until 10 curl -sSk "$SERVER_URL/healthz" || fail "no HTTPS server on $SERVER_URL"
}

say "the server speaks HTTPS and shows its pin, as openssl computes it"
start_tls_server "$T/server.pem"
assert_eq "$(curl -fsS "$SERVER_URL/api/v1/server" | jq -c '[.tls, .pin]')" "[true,\"$PIN\"]" "/api/v1/server"
assert_contains "$(cat "$T/server.log")" "certificate pin $PIN" "the pin in the log"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVER_PORT/healthz") || true
[ "$code" != 200 ] || fail "plain HTTP answered on the HTTPS port"
create_project fw; FW=$KEY

# once NAME [config lines...]: one check-in of a heartbeat with that config.
once() {
	local name=$1; shift
	mkdir -p "$T/$name"
	SERVER_URL=${ONCE_URL:-$SERVER_URL} client_conf "$T/$name/client.conf" fw "$FW" \
	    "state_dir $T/$name" "manage_distccd no" "$@"
	"$BIN/dcc-heartbeat" --once -f "$T/$name/client.conf" >"$T/$name.out" 2>&1
}

say "a heartbeat checks in with the pin, or with the CA"
once pinned "server_pin $PIN" || { cat "$T/pinned.out"; fail "check-in with the right pin"; }
once ca "server_ca $T/ca.pem" || { cat "$T/ca.out"; fail "check-in with the CA"; }
once both "server_ca $T/ca.pem" "server_pin $PIN" || { cat "$T/both.out"; fail "check-in with both"; }

say "a wrong pin, or no way to verify, is refused before anything is sent"
before=$(metric dyndistcc_checkins_total 'result="ok"')
! once wrongpin "server_pin sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" || fail "a wrong pin was accepted"
assert_contains "$(cat "$T/wrongpin.out")" "public key" "the wrong pin's error"
! once nothing || fail "an unknown self-signed CA was accepted without a pin or CA"
other=$(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
    -days 1 -subj /CN=other 2>/dev/null)
printf '%s\n' "$other" >"$T/other.pem"
! once otherca "server_ca $T/other.pem" || fail "a certificate of another CA was accepted"
assert_eq "$(metric dyndistcc_checkins_total 'result="ok"')" "$before" "check-ins that reached the server"

say "plain http:// with a pin or CA: the heartbeat does not start, dcc sends nothing"
ONCE_URL=http://127.0.0.1:$SERVER_PORT
rc=0; once downgrade "server_pin $PIN" || rc=$?
assert_eq "$rc" 1 "heartbeat with http:// and a pin"
assert_contains "$(cat "$T/downgrade.out")" "use https://" "the downgrade's error"
rc=0; "$BIN/dcc-heartbeat" -n -f "$T/downgrade/client.conf" >"$T/n.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "dcc-heartbeat -n with http:// and a pin"
unset ONCE_URL
# dcc told by its environment to use plain HTTP: a plain server counts
# every request it gets, and gets none
PLAIN_PORT=$(free_port)
spawn plain "$BIN/dyndistcc-server" -f /dev/null -l 127.0.0.1 -p "$PLAIN_PORT" --db "$T/plain.db" \
    --admin-token "$ADMIN_TOKEN"
wait_until 10 curl -fsS "http://127.0.0.1:$PLAIN_PORT/healthz" || fail "plain server"
printf 'server %s\nproject fw\nkey %s\nserver_pin %s\nstate_dir %s\n' "$SERVER_URL" "$FW" "$PIN" \
    "$T/pinned" >"$T/dcc.conf"
DCC_CONFIG=$T/dcc.conf DCC_SERVER=http://127.0.0.1:$PLAIN_PORT XDG_CACHE_HOME=$T/dcc-cache \
    "$BIN/dcc" --refresh >"$T/dcc.out" 2>&1 || true
assert_contains "$(cat "$T/dcc.out")" "refusing plain http://" "dcc's error"
assert_eq "$(curl -fsS "http://127.0.0.1:$PLAIN_PORT/metrics" | awk '$1 ~ /^dyndistcc_requests_total/ { n += $2 } END { print n }')" \
    1 "requests the plain server got (this one)"

say "an expired certificate is refused"
stop_server
: >"$T/server.log"
start_tls_server "$T/expired.pem"
assert_contains "$(cat "$T/server.log")" "has EXPIRED" "the server warns"
! once expired "server_ca $T/ca.pem" || fail "an expired certificate was accepted"
assert_contains "$(cat "$T/expired.out")" "expired" "the expired certificate's error"
! once expiredboth "server_ca $T/ca.pem" "server_pin $PIN" || fail "an expired certificate with the right pin and the CA"
stop_server

say "a pool over HTTPS: two heartbeats, dcc compiling through them"
start_tls_server "$T/server.pem" --heartbeat 2 --ttl 6 --refresh-after 2
create_project pool; PK=$KEY
pool_node n1 127.0.0.2 pool "$PK" 2 "server_pin $PIN"
pool_node n2 127.0.0.3 pool "$PK" 2 "server_ca $T/ca.pem"
pool_client dev pool "$PK" 1
echo "server_pin $PIN" >>"$T/dev/client.conf"
pool_wait_settled 30 n1 n2 || fail "the nodes did not settle over HTTPS"
pool_sources "$T/src" tls 12
pool_run dev dcc --refresh >/dev/null 2>&1 || true
assert_contains "$(pool_run dev dcc --show-hosts)" "127.0.0.2:${POOL_PORT[n1]}" "dev's list over HTTPS"
(cd "$T/src" && pool_run dev make -s -j6 CC="dcc gcc" check) >"$T/build.log" 2>&1 ||
	{ cat "$T/build.log"; fail "the build through the pool"; }
jobs=$(( $(pool_jobs n1) + $(pool_jobs n2) ))
[ "$jobs" -ge 1 ] || fail "no job ran on the pool's distccds"
say "  $jobs of 12 compiles ran on the two nodes"
server_alive || fail "server died"

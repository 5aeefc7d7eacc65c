# Issue 15: a project bigger than one hosts line. Clients refuse a line over
# WIRE_HOSTS_MAX (32 KiB, about 2,400 IPv4 hosts) or WIRE_POOL_MAX (16384)
# slots; the server keeps up to max_nodes (10,000) nodes. With 3,200 members
# of 8 slots (51 KB, 25,600 slots) every reply still holds a line the real
# clients accept: the best hosts that fit. A member's check-in through
# dcc-heartbeat --once and a refresh through dcc --refresh (the hosts
# endpoint) both succeed, and every line obeys the same rules.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server --ttl 600 --heartbeat 300
create_project big; BIG=$KEY

say "3,200 nodes check in, each from its own address"
# they run this machine's cc: a 1.1 dcc sends jobs only to the same compiler
mkdir -p "$T/home"
fp=$(DCC_CONFIG=/dev/null HOME=$T/home "$BIN/dcc" --fingerprint cc | cut -d' ' -f1)
n=$(bulk_checkins big "$BIG" 3200 8 \
    "\"compilers\": [{\"name\": \"cc\", \"version\": \"12\", \"target\": \"t\", \"fp\": \"$fp\"}]")
assert_eq "$n" 3200 "check-ins answered 200"
assert_eq "$(metric dyndistcc_nodes_online 'project="big"')" 3200 "nodes online"

# valid_line LINE: what the clients check (shim/wire.c): at most 32767
# bytes of host tokens, at most 16384 slots, and the pool it claims.
valid_line() {
	local line=$1 sum
	[ "${#line}" -lt 32768 ] || fail "line of ${#line} bytes"
	grep -Eqx 'localhost/[0-9]+( [0-9.]+(:[0-9]+)?/[0-9]+)*' <<<"$line" || fail "line shape: ${line:0:200}"
	sum=$(tr ' ' '\n' <<<"$line" | awk -F/ '{ s += $2 } END { print s }')
	[ "$sum" -le 16384 ] || fail "$sum slots in one line"
	echo "$sum"
}

say "a member's check-in reply: a line the clients take, filled"
checkin big "$(node_id 1000005)" 8 "$BIG"	# from 127.0.0.1, a new member
assert_eq "$STATUS" 200 "member check-in"
line=$(jq -r .distcc_hosts <<<"$out")
sum=$(valid_line "$line")
assert_eq "$(jq -r .pool_threads <<<"$out")" "$sum" "pool_threads is the line's sum"
[ "$sum" -gt 16000 ] || fail "the line holds only $sum slots"
[ "$(wc -w <<<"$line")" -gt 2000 ] || fail "the line holds only $(wc -w <<<"$line") hosts"

say "the hosts endpoint, JSON and text"
call GET "/api/v1/projects/big/hosts?cores=4" "" "$BIG"
valid_line "$(jq -r .distcc_hosts <<<"$out")" >/dev/null
API_OPTS="-H Accept:text/plain" call GET "/api/v1/projects/big/hosts?cores=4" "" "$BIG"
valid_line "$out" >/dev/null

say "the real clients accept them"
mkdir -p "$T/node"
client_conf "$T/node/client.conf" big "$BIG" "state_dir $T/node" "source 127.0.0.9" \
    "cores 4" "manage_distccd no"
rc=0; "$BIN/dcc-heartbeat" --once -f "$T/node/client.conf" >"$T/once.out" 2>&1 || rc=$?
assert_eq "$rc" 0 "dcc-heartbeat --once ($(cat "$T/once.out"))"
file=$(grep -v '^#' "$T/node/hosts")
valid_line "$file" >/dev/null
[ "$(wc -w <<<"$file")" -gt 2000 ] || fail "the heartbeat's file holds $(wc -w <<<"$file") hosts"
rc=0; XDG_CACHE_HOME=$T/cache HOME=$T/home DCC_CONFIG=$T/node/client.conf \
    "$BIN/dcc" --refresh >"$T/refresh.out" 2>&1 || rc=$?
assert_eq "$rc" 0 "dcc --refresh ($(cat "$T/refresh.out"))"
j=$(XDG_CACHE_HOME=$T/cache HOME=$T/home DCC_CONFIG=$T/node/client.conf "$BIN/dcc" -j)
[ "$j" -gt 16000 ] && [ "$j" -le 16384 ] || fail "dcc -j: $j"
server_alive || fail "server died"

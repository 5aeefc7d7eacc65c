# Separate hosts in network namespaces: a server and three nodes, each in a
# namespace of its own, joined by veth links to a bridge that lives in one
# more namespace (nothing is added to the machine's own network). The nodes
# set no `source`, so the server takes their address from the connection.
# Then one node's address changes, as with a new DHCP lease, and the other
# members must use the new address within one heartbeat plus one refresh:
# their host lists show it and a build from another node sends it jobs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pool.bash"

HB=2 SLACK=1.5
P=dd-$$
NET=10.$(( 64 + $$ % 64 )).$(( 1 + RANDOM % 250 ))
ALL_NS=("$P-br" "$P-srv" "$P-n1" "$P-n2" "$P-n3")
declare -A HOST=([srv]=$NET.1 [n1]=$NET.11 [n2]=$NET.12 [n3]=$NET.13)
NEW_N3=$NET.23

need_root "network namespaces (ip netns)"
command -v ip >/dev/null || fail "ip (iproute2) is not installed"
ip netns add "$P-br" 2>"$T/netns.err" ||
	fail "ip netns is not available here: $(cat "$T/netns.err")"

# At exit (before pool.bash's pool_exit, which then finds nothing left to
# stop and scans the logs for sanitizer reports): nodes check out, then
# everything still running in our namespaces is stopped and they are removed.
netns_exit() {
	pool_stop_nodes
	pool_stop_server
	local ns pids
	for ns in "${ALL_NS[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	done
	for ns in "${ALL_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
}
at_exit netns_exit

say "namespaces $P-*: bridge and 4 hosts on $NET.0/24"
ip -n "$P-br" link add br0 type bridge
ip -n "$P-br" link set br0 up
for h in srv n1 n2 n3; do
	ip netns add "$P-$h"
	ip -n "$P-$h" link set lo up
	ip link add eth0 netns "$P-$h" type veth peer name "v-$h" netns "$P-br"
	ip -n "$P-br" link set "v-$h" master br0 up
	ip -n "$P-$h" addr add "${HOST[$h]}/24" dev eth0
	ip -n "$P-$h" link set eth0 up
done
in_ns() { local h=$1; shift; ip netns exec "$P-$h" "$@"; }

TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
SERVER_URL=http://${HOST[srv]}:33333
spawn server ip netns exec "$P-srv" "$BIN/dyndistcc-server" -f /dev/null -d -l "${HOST[srv]}" \
    -p 33333 --db "$T/dyndistcc.db" --admin-token "$TOKEN" \
    --heartbeat $HB --ttl $((3 * HB)) --refresh-after $HB
SERVER_PID=$SPAWNED_PID
wait_until 10 in_ns n1 curl -fsS "$SERVER_URL/healthz" ||
	fail "the server in $P-srv does not answer from $P-n1 at $SERVER_URL"
in_ns n1 curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data '{"name":"lan"}' "$SERVER_URL/api/v1/projects" >"$T/project.json" ||
	fail "creating the project failed"
KEY=$(jq -r .key "$T/project.json")

# A node: dcc-heartbeat with no source address and distccd on every address
# of its namespace, port 3632 (each namespace has its own ports).
netns_node() {
	local name=$1 dir=$T/$1
	mkdir -p "$dir/state" "$dir/cache" "$dir/distcc"
	cat >"$dir/client.conf" <<-EOF
	server $SERVER_URL
	project lan
	key $KEY
	cores 2
	nice 0
	state_dir $dir/state
	owner $name
	EOF
	spawn "$name" ip netns exec "$P-$name" "$BIN/dcc-heartbeat" -d \
	    -f "$dir/client.conf"
	POOL_PID[$name]=$SPAWNED_PID
	POOL_NAMES+=("$name")
}
for n in n1 n2 n3; do netns_node "$n"; done

has() { case " $(pool_hosts "$1") " in *" $2/"*) return 0 ;; esac; return 1; }
all_see() {
	has n1 "${HOST[n2]}" && has n1 "${HOST[n3]}" && has n2 "${HOST[n1]}" &&
	    has n2 "${HOST[n3]}" && has n3 "${HOST[n1]}" && has n3 "${HOST[n2]}"
}
wait_until 30 all_see || fail "the nodes did not see each other: $(pool_hosts n1)"
for n in n1 n2 n3; do echo "  $n: $(pool_hosts "$n")"; done

# build_from NODE DIR: builds DIR's program in NODE's namespace with dcc.
build_from() {
	in_ns "$1" env DCC_CONFIG="$T/$1/client.conf" XDG_CACHE_HOME="$T/$1/cache" \
	    DISTCC_DIR="$T/$1/distcc" PATH="$BIN:$PATH" \
	    sh -c 'cd "$1" && make -s clean && make -s -j"$(dcc -j)" CC=dcc && make -s check CC=dcc' \
	    sh "$2"
}
jobs_from() {	# jobs_from NODE CLIENT_ADDR: NODE's distccd jobs from that client
	grep 'COMPILE_OK' "$T/$1.log" | grep -c "client: $2:" || true
}
allows() {	# allows NODE ADDR: NODE's running distccd has --allow ADDR/32
	tr '\0' '\n' <"/proc/$(cat "$T/$1/state/distccd.pid")/cmdline" | grep -qx "$2/32"
}
pool_sources "$T/src" lan 24
# The allow lists change as members join; build once n3's has settled.
wait_until 15 allows n3 "${HOST[n1]}" || fail "n3's distccd does not allow n1"
build_from n1 "$T/src" >"$T/build1.log" 2>&1 || { cat "$T/build1.log"; fail "build from n1 failed"; }
before=$(jobs_from n3 "${HOST[n1]}")
[ "$before" -gt 0 ] || fail "n3 ran no jobs of n1's first build"
echo "  n1's build: n3 ran $before jobs at ${HOST[n3]}"

say "n3's address changes: ${HOST[n3]} -> $NEW_N3"
t0=$(date +%s%N)
ip -n "$P-n3" addr del "${HOST[n3]}/24" dev eth0
ip -n "$P-n3" addr add "$NEW_N3/24" dev eth0
bound=$(awk -v h=$HB -v k=$SLACK 'BEGIN { printf "%d", (2 * h * 1.1 + k) * 1000 }')
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
server_has() {
	in_ns n1 curl -fsS -H "Authorization: Bearer $KEY" "$SERVER_URL/api/v1/nodes?project=lan" |
	    jq -e --arg a "$NEW_N3" '[.nodes[] | select(.owner == "n3" and .addr == $a and .state == "online")] | length == 1'
}
moved() { has "$1" "$NEW_N3" && ! has "$1" "${HOST[n3]}"; }
wait_until 15 server_has || fail "the server never saw n3's new address"
printf '  %-30s %5d ms\n' "at the server:" "$(ms_since "$t0")"
for n in n1 n2; do
	wait_until 15 moved "$n" || fail "$n's list never moved to $NEW_N3: $(pool_hosts "$n")"
	ms=$(ms_since "$t0")
	printf '  %-30s %5d ms (bound %d ms: one heartbeat + one refresh)\n' "in $n's list:" "$ms" "$bound"
	[ "$ms" -le "$bound" ] || fail "$n took $ms ms to use n3's new address"
done
line=$(in_ns n1 env DCC_CONFIG="$T/n1/client.conf" XDG_CACHE_HOME="$T/n1/cache" \
    "$BIN/dcc" --show-hosts | tr '\n' ' ')
assert_contains "$line" "$NEW_N3" "dcc --show-hosts on n1"
assert_not_contains "$line" "${HOST[n3]}/" "dcc --show-hosts on n1"

say "a build from n1 reaches n3 at its new address"
wait_until 15 allows n3 "${HOST[n1]}" || fail "n3's distccd no longer allows n1"
n3_before=$(pool_jobs n3)
build_from n1 "$T/src" >"$T/build2.log" 2>&1 || { cat "$T/build2.log"; fail "build from n1 failed"; }
after=$(( $(pool_jobs n3) - n3_before ))
[ "$after" -gt 0 ] || fail "n3 ran no jobs of n1's build after the address change"
! grep -F "${HOST[n3]}" "$T/build2.log" || fail "n1's build still tried ${HOST[n3]}"
echo "  n3 ran $after jobs for n1 after the change"
echo "ok"

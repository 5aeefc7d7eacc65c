# netns.bash — separate hosts in network namespaces, for the scenarios and
# benchmarks where a connection must come from a member's own address (on
# loopback every distcc client connects from 127.0.0.1). Source it after
# lib.sh and pool.bash.
#
# One namespace holds a bridge; each host is a namespace of its own with
# lo and eth0, a veth into the bridge, on a random 10.x.y.0/24 (nothing is
# added to the machine's own network). Names carry $$ and $RANDOM, so tests
# running at once never meet.
#
#   netns_init NAME...           the bridge and one host per NAME; HOST[NAME]
#                                is its address ($NET.11, .12, ...; srv: .1)
#   in_ns NAME command...        runs command in NAME's namespace
#   netns_server [args...]       dyndistcc-server in host srv, project "lan";
#                                sets SERVER_URL, PROJECT, KEY, TOKEN
#   netns_node NAME [lines...]   dcc-heartbeat in NAME's namespace (no
#                                `source`: the server sees the connection's
#                                address), state in $T/NAME/
#   netns_build NAME DIR [make args...]   builds DIR in NAME's namespace with
#                                dcc, make -j$(dcc -j); output to the caller
#   netns_move NAME ADDR         replaces NAME's address (a new DHCP lease)

declare -A HOST=()
NETNS_P=dd$$r$RANDOM
NET=10.$(( 64 + $$ % 64 )).$(( 1 + RANDOM % 250 ))
NETNS_ALL=()

in_ns() { local h=$1; shift; ip netns exec "$NETNS_P-$h" "$@"; }

netns_init() {
	local h i=11
	[ "$(id -u)" = 0 ] || { echo "SKIP: ip netns needs root"; exit 77; }
	command -v ip >/dev/null || fail "ip (iproute2) is not installed"
	ip netns add "$NETNS_P-br" 2>"$T/netns.err" ||
		{ echo "SKIP: ip netns is not available here: $(cat "$T/netns.err")"; exit 77; }
	NETNS_ALL+=("$NETNS_P-br")
	at_exit netns_exit
	ip -n "$NETNS_P-br" link add br0 type bridge
	ip -n "$NETNS_P-br" link set br0 up
	for h; do
		if [ "$h" = srv ]; then HOST[$h]=$NET.1; else HOST[$h]=$NET.$i; i=$((i + 1)); fi
		ip netns add "$NETNS_P-$h"
		NETNS_ALL+=("$NETNS_P-$h")
		ip -n "$NETNS_P-$h" link set lo up
		ip link add eth0 netns "$NETNS_P-$h" type veth peer name "v-$h" netns "$NETNS_P-br"
		ip -n "$NETNS_P-br" link set "v-$h" master br0 up
		ip -n "$NETNS_P-$h" addr add "${HOST[$h]}/24" dev eth0
		ip -n "$NETNS_P-$h" link set eth0 up
	done
}

# At exit (before pool.bash's pool_exit, which then finds nothing left to
# stop, and lib.sh's scan of the logs for sanitizer reports): nodes check out, then
# everything still running in our namespaces is stopped and they go.
netns_exit() {
	local ns pids
	pool_stop_nodes
	pool_stop_server
	for ns in "${NETNS_ALL[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && xargs kill -KILL <<<"$pids" 2>/dev/null
	done
	for ns in "${NETNS_ALL[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
}

netns_server() {
	TOKEN=$(new_token)
	SERVER_URL=http://${HOST[srv]}:33333
	spawn server ip netns exec "$NETNS_P-srv" "$BIN/dyndistcc-server" -f /dev/null \
	    -l "${HOST[srv]}" -p 33333 --db "$T/dyndistcc.db" --admin-token "$TOKEN" "$@"
	# shellcheck disable=SC2034	# pool.bash's pool_stop_server stops it
	SERVER_PID=$SPAWNED_PID
	local any
	for any in "${!HOST[@]}"; do [ "$any" != srv ] && break; done
	wait_until 10 in_ns "$any" curl -fsS "$SERVER_URL/healthz" ||
		fail "the server in $NETNS_P-srv does not answer at $SERVER_URL"
	API_NS=$NETNS_P-$any ADMIN_TOKEN=$TOKEN create_project lan
}

netns_node() {
	local name=$1 dir=$T/$1
	shift
	mkdir -p "$dir/state" "$dir/cache" "$dir/distcc"
	# CC=dcc compiles are cc's; pool_sleepcc's compiler, when there is one
	NODE_NS=$NETNS_P-$name HEARTBEAT_OPTS=-v spawn_node "$name" "$dir" lan "$KEY" \
	    "gcc cc ${SLEEPCC:-}" "cores 2" "state_dir $dir/state" "owner $name" \
	    "job_memory 0" "jobs_memory_max none" "$@"
	pool_register "$name" "${HOST[$name]}" "" "$SPAWNED_PID"
}

netns_build() {
	local name=$1 dir=$2
	shift 2
	pool_run "$name" in_ns "$name" \
	    sh -c 'cd "$1" && shift && make -s clean && make -s -j"$(dcc -j)" CC=dcc "$@"' \
	    sh "$dir" "$@"
}

netns_move() {
	ip -n "$NETNS_P-$1" addr del "${HOST[$1]}/24" dev eth0
	ip -n "$NETNS_P-$1" addr add "$2/24" dev eth0
	HOST[$1]=$2
	pool_register "$1" "$2" "${POOL_PORT[$1]}" "${POOL_PID[$1]}"
}

# refusals NAME: connections NAME's job port refused.
refusals() {
	grep -c "job port: refused" "$T/$1.log" 2>/dev/null || true
}

# backoff_files NAME: hosts NAME's distcc has backed off now.
backoff_files() {
	find "$T/$1/distcc/lock" -maxdepth 1 -name 'backoff*' 2>/dev/null | wc -l
}

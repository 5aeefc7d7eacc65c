# health.bash — a pool with one node that can be broken and repaired, for
# the scenarios about the nodes' self-check (tests/integration/
# health_faults.sh, tests/bench/bench_health.sh). Source it after lib.sh and
# pool.bash; it needs root (a whitelist entry in /usr/lib/distcc, a tmpfs).
#
# Nodes a (127.0.0.2), b (.3) and c (.4), 2 slots each; c is the one that
# breaks. The compiler is $SLEEPCC (pool_sleepcc): on a and b from $T/bin,
# on c from a directory of its own first on its distccd's PATH ($T/c-bin),
# so it can disappear from c alone. c's jobs write their temporary files to
# a 16 MiB tmpfs of its own ($T/c-tmp, 8 MiB must be free).
#
#   health_pool HB [JOB_SECONDS [LINES...]]  the server (heartbeat HB s)
#                       and the three nodes (LINES added to each config),
#                       settled; sets KEY
#   health_break FAULT / health_repair FAULT    FAULT is compiler (c's
#                       compiler binary goes), tmp (c's temporary directory
#                       fills up) or port (c's distccd is stopped: SIGSTOP
#                       to every process of it)
#   health_reason FAULT what a's `dcc --status` says about c for FAULT
#   listed MEMBER NODE [FP]  a line of MEMBER's host-list file names NODE
#                       (with FP: the line of that compiler fingerprint)
#   health_left NODE [FP]  no other node's file names NODE (in FP's line)
#   health_back NODE [FP]  every other node's file names NODE again
#   health_fp NODE NAME the fingerprint NODE reports for compiler NAME
#   node_health NODE    "ok" or c's reason, from /api/v1/nodes

HEALTH_NODES=(a b c)

health_pool() {
	need_root "a tmpfs for c's temporary directory"
	local hb=$1
	start_server --heartbeat "$hb" --ttl $((3 * hb)) --refresh-after "$hb"
	create_project health
	pool_sleepcc "${2:-1}"
	mkdir -m 755 "$T/c-bin" "$T/c-tmp"
	cp "$T/bin/$SLEEPCC" "$T/c-bin/$SLEEPCC"
	mount -t tmpfs -o size=16m,mode=1777 dyndistcc-test "$T/c-tmp" ||
		fail "cannot mount a tmpfs on $T/c-tmp"
	# after the nodes: c's distccd works in there
	at_exit 'pool_stop_nodes; umount "$T/c-tmp" 2>/dev/null'
	shift $(($# < 2 ? $# : 2))
	pool_node a 127.0.0.2 health "$KEY" 2 "$@"
	pool_node b 127.0.0.3 health "$KEY" 2 "$@"
	DISTCCD_PATH=$T/c-bin:/usr/bin:/bin pool_node c 127.0.0.4 health "$KEY" 2 \
	    "jobs_tmpdir $T/c-tmp" "jobs_tmp_min_free 8" "$@"
	pool_wait_settled 40 a b c || fail "the pool did not settle"
	wait_until 40 health_back c || fail "c is not in every list"
}

health_break() {
	case $1 in
	compiler) rm "$T/c-bin/$SLEEPCC" ;;
	tmp) dd if=/dev/zero of="$T/c-tmp/fill" bs=1M count=12 status=none ;;
	port) health_signal STOP ;;
	esac
}

health_repair() {
	case $1 in
	compiler) cp "$T/bin/$SLEEPCC" "$T/c-bin/$SLEEPCC.new" &&
		mv "$T/c-bin/$SLEEPCC.new" "$T/c-bin/$SLEEPCC" ;;
	tmp) rm -f "$T/c-tmp/fill" ;;
	port) health_signal CONT ;;
	esac
}

health_reason() {
	case $1 in
	compiler) echo "no $SLEEPCC there" ;;
	tmp) echo "unhealthy: temporary directory $T/c-tmp has" ;;
	port) echo "unhealthy: distccd (pid" ;;
	esac
}

# health_signal SIG: SIG to every process of c's distccd (its own session).
health_signal() {
	local sid p
	sid=$(cat "$T/c/state/distccd.pid")
	for p in $(ps -o pid= -s "$sid"); do
		kill "-$1" "$p" 2>/dev/null || true
	done
}

listed() {
	local lines='^([^#]|# dyndistcc-fp )'	# every hosts line
	[ -z "${3:-}" ] || lines="^# dyndistcc-fp $3 "
	grep -E "$lines" "$T/$1/state/hosts" 2>/dev/null |
	    grep -q " ${POOL_ADDR[$2]}:${POOL_PORT[$2]}/"
}

health_left() {
	local m
	for m in "${HEALTH_NODES[@]}"; do
		[ "$m" = "$1" ] && continue
		! listed "$m" "$1" "${2:-}" || return 1
	done
}

health_back() {
	local m
	for m in "${HEALTH_NODES[@]}"; do
		[ "$m" = "$1" ] && continue
		listed "$m" "$1" "${2:-}" || return 1
	done
}

# health_fp NODE NAME: the fingerprint NODE reports for compiler NAME.
health_fp() {
	curl -fsS -H "Authorization: Bearer $KEY" "$SERVER_URL/api/v1/nodes?project=health" |
	    jq -r --arg o "$1" --arg n "$2" '.nodes[] | select(.owner == $o) |
	    .compilers[] | select(.name == $n) | .fp'
}

node_health() {
	curl -fsS -H "Authorization: Bearer $KEY" "$SERVER_URL/api/v1/nodes?project=health" |
	    jq -r --arg o "$1" '.nodes[] | select(.owner == $o) |
	    if .health.ok then "ok" else .health.reason end'
}

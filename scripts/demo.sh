#!/usr/bin/env bash
# demo.sh BUILD — the whole system on one machine (make demo).
#
# Starts a dyndistcc server with a temporary database, a project, and three
# nodes (dcc-heartbeat, each running its own distccd) on 127.0.0.2-127.0.0.4,
# then builds a real 16-file C program through a masquerade directory with
# make -j$(dcc -j), runs its self-test, and reports the pool size, the jobs
# each node's distccd ran, and the control panel's URL. The pool keeps
# running until Ctrl-C (or SIGTERM): the heartbeats then check out, their
# distccds stop, and every temporary file is removed.
#
#   scripts/demo.sh [--no-wait] [BUILD]     (DEMO_EXIT=1 is --no-wait)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

top=$(cd "$(dirname "$0")/.." && pwd)
nowait=${DEMO_EXIT:-0} build=build
for arg; do
	case $arg in
	--no-wait) nowait=1 ;;
	-h|--help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "usage: $0 [--no-wait] [BUILD]" >&2; exit 2 ;;
	*) build=$arg ;;
	esac
done
case $build in /*) ;; *) build=$top/$build ;; esac
export DYNDISTCC_BUILD=$build DYNDISTCC_TOP=$top
for p in dyndistcc-server dcc dcc-heartbeat; do
	[ -x "$build/$p" ] || { echo "demo: $build/$p is missing; run make first" >&2; exit 1; }
done

# lib.sh gives us $T (removed at exit), free_port, spawn, wait_until, api,
# start_server and a cleanup that stops everything spawned.
. "$top/tests/lib/lib.sh"
. "$top/tests/lib/pool.bash"

PROJECT=demo
NODES=(node1 node2 node3)

# Heartbeats first, while the server still answers, so each checks out and
# stops its distccd; lib.sh's cleanup then stops the server and removes $T.
demo_stop() {
	[ "${POOL_UP:-0}" = 1 ] || return 0
	echo
	say "stopping: the nodes check out, their distccds stop"
	pool_stop_nodes
	local online n left=
	for n in "${NODES[@]}"; do
		[ -n "${POOL_PORT[$n]:-}" ] || continue
		pool_listening "${POOL_ADDR[$n]}" "${POOL_PORT[$n]}" && left="$left $n"
	done
	[ -z "$left" ] || say "warning: distccd still listening for:$left"
	online=$(curl -fsS "$SERVER_URL/api/v1/projects" 2>/dev/null |
	    jq -r --arg p "$PROJECT" '.projects[] | select(.name == $p) | .nodes_online' || true)
	say "nodes online after check-out: ${online:-?}"
	pool_stop_server
	say "server stopped, $T removed"
}
# Replaces pool.bash's exit hook (lib.sh's cleanup runs it, then stops the rest).
pool_exit() {
	trap - INT TERM
	demo_stop
}
trap 'exit 0' INT TERM
# Job control puts every process we start into a process group of its own,
# so Ctrl-C reaches only this script, which then stops them in order.
set -m

say "server: temporary database in $T"
start_server --heartbeat 2 --ttl 6 --refresh-after 2
PANEL=$SERVER_URL/

say "project '$PROJECT'"
create_project "$PROJECT"

# One masquerade directory (links named like compilers, pointing at dcc):
# the developer's builds go through it, and each node reports the
# compilers it finds there to the panel.
MASQ=$T/masq
mkdir -p "$MASQ"
sh "$BIN/dyndistcc-masquerade" --dir "$MASQ" --dcc "$BIN/dcc" \
    --no-distccd -q

POOL_UP=1
i=2
for n in "${NODES[@]}"; do
	pool_node "$n" "127.0.0.$i" "$PROJECT" "$KEY" 2 "masquerade_dir $MASQ"
	say "$n: dcc-heartbeat + distccd on ${POOL_ADDR[$n]}:${POOL_PORT[$n]}"
	i=$((i + 1))
done
# A node is listed once its canary compiles (one per compiler in $MASQ)
# have passed: seconds on a busy machine.
pool_wait_settled 90 "${NODES[@]}" ||
	fail "the nodes did not all see each other within 90 s"

# The developer's machine: not a node, just dcc with the project's key,
# one core of its own, and the masquerade directory first on PATH.
pool_client developer "$PROJECT" "$KEY" 1
dev=$T/developer
echo "masquerade_dir $MASQ" >>"$dev/client.conf"
export DCC_CONFIG=$dev/client.conf XDG_CACHE_HOME=$dev/cache DISTCC_DIR=$dev/distcc
export PATH=$MASQ:$BIN:$PATH

POOL=$(dcc -j)
say "dcc --show-hosts: $(dcc --show-hosts | tr '\n' ' ')"
cp -r "$top/scripts/demo-src" "$T/src"
say "building the calculator: make -j$POOL (cc is $(command -v cc) -> dcc)"
t0=$(date +%s.%N)
make -C "$T/src" -s -j"$POOL" >"$T/build.log" 2>&1 ||
	{ cat "$T/build.log"; fail "the build failed"; }
t1=$(date +%s.%N)
# The jobs of the build, counted before the self-test compiles its own.
declare -A JOBS
for n in "${NODES[@]}"; do JOBS[$n]=$(pool_jobs "$n"); done
make -C "$T/src" -s check >>"$T/build.log" 2>&1 ||
	{ cat "$T/build.log"; fail "the program's self-test failed"; }
objects=$(find "$T/src" -maxdepth 1 -name '*.o' | wc -l)

remote=0
echo
echo "dyndistcc demo: a 3-node pool on loopback"
threads=$(pool_threads node1)
printf '  %-22s %s\n' "pool size (dcc -j):" \
    "$POOL threads ($threads offered by the 3 nodes, $((POOL - threads)) on this machine)"
printf '  %-22s %d objects in %.1f s, self-test passed\n' "built:" "$objects" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
for n in "${NODES[@]}"; do
	j=${JOBS[$n]}
	remote=$((remote + j))
	printf '  %-22s %d jobs (distccd on %s:%s)\n' "$n:" "$j" "${POOL_ADDR[$n]}" "${POOL_PORT[$n]}"
done
printf '  %-22s %d jobs\n' "this machine:" $((objects - remote))
printf '  %-22s %s\n' "control panel:" "$PANEL"
# the project has a key: its node list is for members (and the admin) only
printf '  %-22s %s\n' "API:" \
    "curl -s -H 'Authorization: Bearer $KEY' '$SERVER_URL/api/v1/nodes?project=$PROJECT' | jq"
echo
if [ "$nowait" = 1 ]; then
	exit 0
fi
echo "The pool keeps running. Press Ctrl-C (or kill -TERM $$) to stop it."
while :; do
	sleep 1 &
	wait $! || true
done

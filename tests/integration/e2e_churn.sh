# Churn during a build: one node shuts down cleanly (SIGTERM to its
# heartbeat), one dies (kill -9 of its heartbeat and its distccd), one new
# node starts. The build succeeds and gives the right program, and every
# member's host list file follows each change, with the server's
# --heartbeat 2 --ttl 6. The times are printed against what the design
# promises (clean shutdown: gone from the server at once, from each member's
# file within one heartbeat; kill -9: within ttl + one heartbeat; new node:
# within one heartbeat), but only a change that never comes fails: this
# machine may be loaded, and bench_heartbeat.sh measures the times.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"

HB=2 TTL=6
# A change not seen within this many seconds is a failure, whatever the load.
NEVER=60
JOB_SECONDS=1 FILES=120

start_server --heartbeat $HB --ttl $TTL --refresh-after $HB
create_project churn
pool_sleepcc $JOB_SECONDS
pool_node n1 127.0.0.2 churn "$KEY" 2
pool_node n2 127.0.0.3 churn "$KEY" 2
pool_node n3 127.0.0.4 churn "$KEY" 2
pool_client dev churn "$KEY" 1
pool_wait_settled 30 n1 n2 n3 || fail "the nodes did not settle"

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
lists() { case " $(pool_hosts "$1") " in *" ${POOL_ADDR[$2]}:${POOL_PORT[$2]}/"*) return 0 ;; esac; return 1; }
not_lists() { ! lists "$@"; }
online() {
	curl -fsS -H "Authorization: Bearer $KEY" "$SERVER_URL/api/v1/nodes?project=churn" |
	    jq -e --arg o "$1" '[.nodes[] | select(.owner == $o and .state == "online")] | length == 1'
}
not_online() { ! online "$1"; }

# measure WHAT T0 PROMISE_S CHECK NODE MEMBER...: waits until CHECK MEMBER
# NODE holds for every member; prints the time from T0 for each against the
# design's promise.
measure() {
	local what=$1 t0=$2 promise=$3 check=$4 node=$5 m
	shift 5
	for m; do
		wait_until $NEVER "$check" "$m" "$node" ||
			fail "$what: $m's list still wrong after $(ms_since "$t0") ms"
		printf '  %-34s %5d ms (promised %d ms)\n' "$what, in $m's list:" \
		    "$(ms_since "$t0")" $((promise * 1000))
	done
}

pool_sources "$T/src" churn $FILES
pool=$(pool_run dev dcc -j)
say "build: $FILES compiles of $JOB_SECONDS s each, make -j$pool through the pool"
(cd "$T/src" && pool_run dev make -s -j"$pool" CC="dcc $SLEEPCC") >"$T/build.log" 2>&1 &
build=$!
PIDS+=("$build")
tb=$(date +%s%N)
wait_until 20 grep -q "job from .*$SLEEPCC" "$T/n1.log" "$T/n2.log" "$T/n3.log" ||
	fail "no remote job started"
building() { kill -0 "$build" 2>/dev/null || fail "the build ended before the churn did"; }

say "n1: SIGTERM to its heartbeat (clean shutdown)"
t0=$(date +%s%N)
kill -TERM "${POOL_PID[n1]}"
wait_until $NEVER not_online n1 || fail "n1 still online $NEVER s after SIGTERM"
printf '  %-34s %5d ms (promised: at once)\n' "checked out, at the server:" "$(ms_since "$t0")"
measure "n1 gone" "$t0" $HB not_lists n1 n2 n3
building

say "n2: kill -9 of its heartbeat and its distccd"
d2=$(cat "$T/n2/state/distccd.pid")
t0=$(date +%s%N)
disown "${POOL_PID[n2]}"	# no "Killed" notice from bash
kill -KILL "${POOL_PID[n2]}"
kill -KILL -- "-$d2"	# distccd leads its own process group (and session)
measure "n2 gone" "$t0" $((TTL + HB)) not_lists n2 n3
building

say "n4: a new node starts"
t0=$(date +%s%N)
pool_node n4 127.0.0.5 churn "$KEY" 2
measure "n4 joined" "$t0" $HB lists n4 n3
wait_until $NEVER pool_lists_all n4 n3 ||
	fail "n4's own list does not show n3"
building

say "the build finishes"
wait "$build" || { cat "$T/build.log"; fail "the build failed"; }
echo "  built in $(ms_since "$tb") ms"
(cd "$T/src" && pool_run dev make -s check CC="dcc $SLEEPCC") ||
	fail "the program built during the churn gives the wrong answer"
objects=$(find "$T/src" -maxdepth 1 -name '*.o' | wc -l)
assert_eq "$objects" $((FILES + 1)) "objects built"
for n in n1 n2 n3 n4; do
	echo "  $n: $(pool_jobs "$n") jobs"
done
[ "$(pool_jobs n4)" -gt 0 ] || fail "the new node n4 received no jobs"
echo "ok"

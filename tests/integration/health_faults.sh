# Broken nodes leave every list by themselves (issue 13, part 3). A pool of
# three nodes with real heartbeats, job ports and distccds (server
# heartbeat 2 s); node a builds while node c breaks, three times:
#   compiler  the compiler c's distccd runs disappears from c;
#   tmp       c's temporary directory (a tmpfs) fills up;
#   port      c's distccd stops answering (SIGSTOP to all of it).
# Each time c leaves a's and b's host-list files within one heartbeat and
# one check (asserted with a generous bound; tests/bench/bench_health.sh
# measures it): for tmp and port every list, unhealthy, with the reason on
# /api/v1/nodes, /metrics and a's `dcc --status`; for compiler the lists of
# that compiler (c no longer offers it: `dcc --status` says "no NAME
# there"), while c stays healthy in the lists of the compilers it still
# has. a's build succeeds, no job goes to c once it has left (counted from
# distcc's own log on a), and repaired, c returns to every list.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/health.bash"

HB=2 JOB_SECONDS=1 FILES=120
# one heartbeat, one check and the check-in that reports it, for a shared
# machine: generous
BOUND=$((6 * HB + 10))
# what c's reason on /api/v1/nodes says
declare -A HEALTH_WHY=([tmp]="temporary directory $T/c-tmp has" [port]="is stopped and takes no job")

health_pool $HB $JOB_SECONDS "canary_interval 10"
cid=$(curl -fsS -H "Authorization: Bearer $KEY" "$SERVER_URL/api/v1/nodes?project=health" |
    jq -r '.nodes[] | select(.owner == "c") | .id')
c_at="${POOL_ADDR[c]}:${POOL_PORT[c]}"
pool_sources "$T/src" hf $FILES

# sent_after LOG MARK HOST: connections distcc on a opened to HOST after the
# line MARK in LOG, by distcc processes that started after it (a dcc that
# read its list a moment before MARK may still connect: not counted).
sent_after() {
	awk -v mark="$2" -v host="$3" '
	$0 == mark { after = 1; next }
	match($0, /^distcc\[[0-9]+\]/) {
		pid = substr($0, 8, RLENGTH - 8)
		if (!(pid in seen)) seen[pid] = after
		if (seen[pid] && index($0, "started connecting to " host) > 0) n++
	}
	END { print n + 0 }' "$1"
}

# (wait_until runs these again each time; a "$(...)" in its arguments would
# be worked out once, before the wait)
sent_to_b_after_c_left() {
	[ "$(sent_after "$log" "= c left 1 s ago" "${POOL_ADDR[b]}:")" -gt 0 ]
}
c_healthy() { [ "$(node_health c)" = ok ]; }

# start_build: a's build from scratch in the background ($build), its
# distcc log in $log, its output in $T/build-$fault.log.
start_build() {
	(cd "$T/src" && make -s clean && DISTCC_LOG=$log DISTCC_VERBOSE=1 \
	    pool_run a make -s -j6 CC="dcc $SLEEPCC") >"$T/build-$fault.log" 2>&1 &
	build=$!
	PIDS+=("$build")
}

fp=$(health_fp c "$SLEEPCC")
[ -n "$fp" ] || fail "c reports no $SLEEPCC"
for fault in compiler tmp port; do
	# A compiler that is gone is no longer offered: c leaves that
	# compiler's lists and stays in the others, healthy. The other faults
	# take c out of every list.
	only=
	[ $fault = compiler ] && only=$fp
	say "$fault: c breaks while a builds"
	log=$T/distcc-$fault.log
	: >"$log"
	start_build
	wait_until 30 grep -q "started connecting to $c_at" "$log" ||
		fail "$fault: no job went to c before the fault"
	health_break $fault
	wait_until "$BOUND" health_left c ${only:+"$only"} ||
		fail "$fault: c is still listed $BOUND s after the fault: $(grep -h " $c_at/" "$T"/[ab]/state/hosts | head -2)"
	echo "= c left" >>"$log"
	sleep 1
	echo "= c left 1 s ago" >>"$log"
	# On a slow machine the build may be over by now: another one then
	# shows where jobs go while c is out.
	if ! kill -0 "$build" 2>/dev/null; then
		wait "$build" || { tail -n 20 "$T/build-$fault.log"; fail "$fault: the build failed"; }
		start_build
	fi
	st=$(pool_run a dcc --status)
	assert_contains "$st" "$(health_reason $fault)" "$fault: dcc --status on a"
	if [ $fault = compiler ]; then
		assert_eq "$(health_fp c "$SLEEPCC")" "" "$fault: c's $SLEEPCC on /api/v1/nodes"
		assert_eq "$(node_health c)" ok "$fault: c's health"
		listed a c || fail "$fault: c left the lists of the compilers it still has"
	else
		reason=$(node_health c)
		assert_contains "$reason" "${HEALTH_WHY[$fault]}" "$fault: c's reason on /api/v1/nodes"
		echo "  reason: $reason"
		assert_eq "$(metric dyndistcc_node_healthy "project=\"health\",node=\"$cid\"")" 0 \
		    "$fault: dyndistcc_node_healthy of c"
		curl -fsS "$SERVER_URL/metrics" | grep -qF \
		    "dyndistcc_node_health_reason{project=\"health\",node=\"$cid\",reason=\"$reason\"} 1" ||
			fail "$fault: /metrics does not carry c's reason"
		assert_contains "$st" "unhealthy: $reason" "$fault: dcc --status on a"
	fi
	# the build goes on without c for a while, then c is repaired
	wait_until 30 sent_to_b_after_c_left ||
		fail "$fault: no job went to b after c left: the test proves nothing"
	echo "= repair" >>"$log"
	health_repair $fault
	wait_until "$BOUND" health_back c ${only:+"$only"} || fail "$fault: c did not return to every list"
	wait_until $BOUND c_healthy || fail "$fault: c is not healthy again"
	wait "$build" || { tail -n 20 "$T/build-$fault.log"; fail "$fault: the build failed"; }
	(cd "$T/src" && pool_run a make -s check CC="dcc $SLEEPCC") ||
		fail "$fault: the program built gives the wrong answer"
	awk '/^= repair$/ { exit } { print }' "$log" >"$T/window.log"
	after=$(sent_after "$T/window.log" "= c left 1 s ago" "$c_at")
	printf '  jobs sent: to c %d before it left, %d while it was out; to b %d while c was out\n' \
	    "$(awk '/^= c left$/ { exit } { print }' "$log" | grep -c "started connecting to $c_at")" \
	    "$after" "$(sent_after "$T/window.log" "= c left 1 s ago" "${POOL_ADDR[b]}:")"
	assert_eq "$after" 0 "$fault: jobs sent to c after it left every list"
done
echo "ok"

# Lending without hurting the owner. Memory-aware slots follow a change of
# job_memory (client.conf, SIGHUP): slots = min(cores, MemAvailable /
# job_memory). With `lend idle`, busy owner processes (not pool jobs) make
# the node offer only lend_floor slots within seconds, reported at once
# (the heartbeat is 120 s: no regular check-in comes in between), and
# another member's list follows; the slots come back lend_idle_after
# seconds after the owner stops; busy pool jobs are not the owner's. On a
# machine that other work keeps busy no owner is ever idle: the scenario
# then skips, saying so.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/heartbeat_common.bash"

# The owner's threshold is a share of the whole machine's CPU time, and the
# tests beside this one use it too: the owner here keeps every CPU busy,
# and counts as busy only above 80 %.
CPUS=$(nproc)
start_server --heartbeat 120 --ttl 360
create_project fw

# slots_of ADDR: the slots the server has for the online node at ADDR.
slots_of() { online_field "$1" .slots; }
# slots_are ADDR N: a slow poll (the test's own CPU use is the owner's too).
slots_are() { sleep 0.2; [ "$(slots_of "$1")" = "$2" ]; }

# others_pct SECS PID: the share (%) of the machine's CPU time that neither
# PID's process tree (a node's jobs) nor idle took in the next SECS seconds.
cpu_ticks() { awk '$1 == "cpu" { b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6; exit }' /proc/stat; }
tree_ticks() {
	local p
	for p in $(tree_pids "$1"); do
		sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null
	done | awk '{ s += $12 + $13 + $14 + $15 } END { print s + 0 }'
}
others_pct() {
	local b0 t0 j0 b1 t1 j1
	read -r b0 t0 < <(cpu_ticks); j0=$(tree_ticks "$2")
	sleep "$1"
	read -r b1 t1 < <(cpu_ticks); j1=$(tree_ticks "$2")
	echo $(( 100 * ((b1 - b0) - (j1 - j0)) / (t1 - t0) ))
}

# skip_if_busy PID WHAT: the node could not see an idle owner because
# other work (the tests beside this one) keeps this machine's CPUs busy:
# exit 77 saying so; else return 1 (the caller fails).
skip_if_busy() {
	local pct
	pct=$(others_pct 3 "$1")
	[ "$pct" -gt 80 ] || return 1
	echo "skipped: $2, but other work keeps $pct % of this machine's CPUs busy (the owner's threshold is 80 %)"
	exit 77
}

# list_for ADDR: the distcc hosts line the server hands the node at ADDR.
list_for() {
	local id
	id=$(online_field "$1" .id | tr -d '"')
	curl -fsS -H "Authorization: Bearer $KEY" -H 'Accept: text/plain' \
	    "$SERVER_URL/api/v1/projects/$PROJECT/hosts?node=$id"
}
lists() { case " $(list_for "$1") " in *" $2 "*) return 0 ;; esac; return 1; }

# owner_busy N: N busy processes of the owner's (not the pool's); sets
# OWNER_PIDS.
OWNER_PIDS=()
owner_busy() {
	local i
	for ((i = 0; i < $1; i++)); do
		sh -c 'while :; do :; done' &
		OWNER_PIDS+=($!)
		PIDS+=($!)
	done
}
owner_stop() {
	kill -TERM "${OWNER_PIDS[@]}" 2>/dev/null || true
	wait "${OWNER_PIDS[@]}" 2>/dev/null || true
	OWNER_PIDS=()
}

say "memory-aware slots: min(cores, MemAvailable / job_memory), after a change and SIGHUP"
avail_mib() { awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo; }
# mem_slots_ok ADDR CORES JOB_MIB: the node's slots are what the memory
# rule gives with MemAvailable read just before or just after.
mem_slots_ok() {
	local before after s
	before=$(( $(avail_mib) / $3 ))
	s=$(slots_of "$1")
	after=$(( $(avail_mib) / $3 ))
	[ "$before" -le "$2" ] || before=$2
	[ "$after" -le "$2" ] || after=$2
	echo "slots $s, memory allows $before..$after" >"$T/mem.last"
	[ "$s" = "$before" ] || [ "$s" = "$after" ]
}
j1=$(( $(avail_mib) * 2 / 5 ))	# 2.5 jobs' worth: 2 slots
start_node 127.0.0.4 "cores 16" "job_memory $j1"
C_PID=$NODE_PID C_DIR=$NODE_DIR
wait_until 15 mem_slots_ok 127.0.0.4 16 "$j1" || fail "job_memory $j1: $(cat "$T/mem.last")"
echo "job_memory $j1 MiB: $(cat "$T/mem.last")"
j2=$(( $(avail_mib) * 2 / 9 ))	# 4.5 jobs' worth: 4 slots
sed -i "s/^job_memory .*/job_memory $j2/" "$C_DIR/client.conf"
kill -HUP "$C_PID"
wait_until 15 mem_slots_ok 127.0.0.4 16 "$j2" || fail "job_memory $j2: $(cat "$T/mem.last")"
echo "job_memory $j2 MiB: $(cat "$T/mem.last")"
[ "$(slots_of 127.0.0.4)" -gt 2 ] || fail "a smaller allowance did not raise the slots"
sed -i "s/^job_memory .*/job_memory 0/" "$C_DIR/client.conf"
kill -HUP "$C_PID"
wait_until 15 slots_are 127.0.0.4 16 || fail "job_memory 0: $(slots_of 127.0.0.4) slots, not all 16 cores"
kill -TERM "$C_PID"
wait "$C_PID" 2>/dev/null || true

say "node A lends 3 cores while its owner is idle (lend idle, floor 1); B lists A/3"
start_node 127.0.0.2 "cores 3" "lend idle" "lend_floor 1" "lend_idle_cpu 80" \
    "lend_idle_after 3" "job_memory 0" "owner alice"
A_PORT=$NODE_PORT A_PID=$NODE_PID A_DIR=$NODE_DIR A_LOG=$T/node-127.0.0.2.log
start_node 127.0.0.3 "cores 2" "job_memory 0"
wait_until 90 slots_are 127.0.0.2 3 || skip_if_busy "$(cat "$A_DIR/distccd.pid")" "A never saw its owner idle" ||
	fail "A offers $(slots_of 127.0.0.2) slots, not 3, while its owner is idle"
wait_until 10 lists 127.0.0.3 "127.0.0.2:$A_PORT/3" || fail "B's list: $(list_for 127.0.0.3)"

say "the owner keeps the CPUs busy: A offers its floor within seconds, B's list follows"
t0=$(date +%s)
owner_busy "$CPUS"
wait_until 30 slots_are 127.0.0.2 1 ||
	fail "A still offers $(slots_of 127.0.0.2) slots with its owner busy for 30 s"
t1=$(date +%s)
echo "slots withdrawn after $((t1 - t0)) s (heartbeat 120 s)"
grep -q "the owner is busy" "$A_LOG" || fail "A did not log the busy owner"
grep -q "offering 1 slot (the owner is busy)" "$A_LOG" || fail "A did not log its floor"
assert_eq "$(list_for 127.0.0.3 | grep -o " 127.0.0.2:$A_PORT/[0-9]*")" " 127.0.0.2:$A_PORT/1" \
    "A in B's list while A's owner is busy"
sleep 3
assert_eq "$(slots_of 127.0.0.2)" 1 "A's slots while its owner stays busy"

say "the owner stops: the slots come back after lend_idle_after"
owner_stop
t0=$(date +%s)
wait_until 90 slots_are 127.0.0.2 3 || skip_if_busy "$(cat "$A_DIR/distccd.pid")" "A never saw its owner idle again" ||
	fail "A offers $(slots_of 127.0.0.2) slots, not 3, 90 s after its owner stopped"
t1=$(date +%s)
echo "slots back after $((t1 - t0)) s (lend_idle_after 3 s)"
grep -q "the owner is idle again" "$A_LOG" || fail "A did not log the idle owner"
wait_until 10 lists 127.0.0.3 "127.0.0.2:$A_PORT/3" || fail "B's list after: $(list_for 127.0.0.3)"

say "pool jobs are not the owner's: A saturated with busy jobs keeps lending"
# the jobs come from B's address, a member, as a pool's jobs do
busy_compiler
kill -TERM "$A_PID"
wait "$A_PID" 2>/dev/null || true
start_node 127.0.0.2 "cores 3" "lend idle" "lend_floor 1" "lend_idle_cpu 80" \
    "lend_idle_after 3" "job_memory 0"
A_PORT=$NODE_PORT A_LOG=$T/node-127.0.0.2.log
wait_until 90 slots_are 127.0.0.2 3 || skip_if_busy "$(cat "$A_DIR/distccd.pid")" "the restarted A never saw its owner idle" ||
	fail "the restarted A offers $(slots_of 127.0.0.2) slots, not 3"
wait_until 10 port_busy 127.0.0.2 "$A_PORT" || fail "A's job port is not listening"
seen=$(wc -l <"$A_LOG")
busy_jobs 127.0.0.3 127.0.0.2 "$A_PORT" "$CPUS"
pct=$(others_pct 5 "$(cat "$A_DIR/distccd.pid")")
s=$(slots_of 127.0.0.2)
if [ "$s" != 3 ] && [ "$pct" -gt 80 ]; then
	busy_stop
	echo "skipped: A offers $s slots with busy pool jobs, but other work keeps $pct % of this machine's CPUs busy"
	exit 77
fi
assert_eq "$s" 3 "A's slots with $CPUS busy pool jobs and an idle owner (others: $pct %)"
tail -n +"$((seen + 1))" "$A_LOG" | grep -q "the owner is busy" &&
	fail "A took its busy pool jobs for the owner's"
busy_stop
assert_eq "$BUSY_RESULT" "okx$CPUS" "the busy jobs' outcomes"

echo "heartbeat_lend: ok"

#!/usr/bin/env bash
# bench_owner.sh — what lending costs the machine's owner, with real
# heartbeats and their distccds on loopback: node N (127.0.0.2) lends
# $SLOTS cores, member M (127.0.0.3) sends it busy jobs through N's job
# port (a compiler whose own child keeps a CPU busy, as cc1 does).
#   slowdown: an owner task of $OWNER_PROCS CPU-bound processes, timed alone
#             and with $SLOTS busy pool jobs running, under each policy
#             (sched nice at nice 0 and nice 10, sched idle: SCHED_IDLE);
#             as ratios to alone, measured right before (aim under SCHED_IDLE:
#             within 5 % of alone);
#   lend idle: owner busy -> N's slots at lend_floor on the server, as a
#             ratio to the heartbeat (reported at once: aim well under 1);
#             owner stops -> slots back, as a ratio to lend_idle_after
#             (aim about 1: it waits that long on purpose).
# Knobs: ROUNDS (3), OWNER_WORK (awk loop iterations per process, 150000000:
# a few seconds; with well under a second the owner's start-up and wake-ups,
# not its share of the CPUs, decide the ratio),
# OWNER_PROCS (the CPUs), SLOTS (twice the CPUs), HEARTBEAT (10),
# LEND_AFTER (5), LEND_CPU (50).
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/heartbeat_common.bash"
rounds=${ROUNDS:-3}
work=${OWNER_WORK:-150000000}
procs=${OWNER_PROCS:-$(nproc)}
slots=${SLOTS:-$(( 2 * $(nproc) ))}
heartbeat=${HEARTBEAT:-10}
lend_after=${LEND_AFTER:-5}
lend_cpu=${LEND_CPU:-50}

# owner_task: runs the owner's processes to the end; prints milliseconds.
owner_task() {
	local t0 i p=()
	t0=$(date +%s%N)
	for ((i = 0; i < procs; i++)); do
		awk -v n="$work" 'BEGIN { for (i = 0; i < n; i++) s += i * 2 }' &
		p+=($!)
	done
	wait "${p[@]}"
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

# policy LABEL LINES...: N's client.conf gets LINES in place of its sched
# and nice lines; SIGHUP; waits for the new engine.
policy() {
	local old
	old=$(cat "$N_DIR/distccd.pid")
	sed -i -e '/^sched /d' -e '/^nice /d' "$N_DIR/client.conf"
	printf '%s\n' "${@:2}" >>"$N_DIR/client.conf"
	kill -HUP "$N_PID"
	wait_until 30 new_engine "$N_DIR" "$old" || fail "no new engine for $1"
	wait_until 30 grep -q "jobs run ${1}" "$T/node-127.0.0.2.log" || fail "N does not run jobs $1"
}

slots_of() { online_field 127.0.0.2 .slots; }
# Polled every half second: curl and jq every 0.1 s were a quarter of this
# machine's CPUs, which N rightly took for a busy owner.
slots_are() { sleep 0.5; [ "$(slots_of)" = "$1" ]; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

start_server --heartbeat "$heartbeat" --ttl $(( 3 * heartbeat ))
create_project fw
busy_compiler
start_node 127.0.0.2 "cores $slots" "job_memory 0"
N_DIR=$NODE_DIR N_PORT=$NODE_PORT N_PID=$NODE_PID
start_node 127.0.0.3 "cores 1" "job_memory 0"
wait_until 30 port_busy 127.0.0.2 "$N_PORT" || fail "N's job port is not listening"
echo "owner task: $procs processes x $work iterations; $slots busy pool jobs; $(nproc) CPUs; $rounds rounds"

declare -A ratio=()
for spec in "at nice 0|sched nice|nice 0" "at nice 10|sched nice|nice 10" "under SCHED_IDLE|sched idle|nice 10"; do
	IFS='|' read -r label l1 l2 <<<"$spec"
	policy "$label" "$l1" "$l2"
	r=()
	for ((i = 0; i < rounds; i++)); do
		alone=$(owner_task)
		busy_jobs 127.0.0.3 127.0.0.2 "$N_PORT" "$slots"
		loaded=$(owner_task)
		busy_stop
		[ "$BUSY_RESULT" = "okx$slots" ] || fail "busy jobs $label: $BUSY_RESULT"
		r+=("$(awk -v a="$alone" -v b="$loaded" 'BEGIN { printf "%.3f", b / a }')")
	done
	ratio[$label]=$(median "${r[@]}")
	printf 'owner slowdown, jobs run %-17s median %5.2f x alone   (rounds: %s)\n' \
	    "$label:" "${ratio[$label]}" "${r[*]}"
done

# lend idle: N withdraws to its floor while the owner is busy
sed -i -e '/^lend/d' "$N_DIR/client.conf"
printf '%s\n' "lend idle" "lend_floor 0" "lend_idle_cpu $lend_cpu" "lend_idle_after $lend_after" \
    >>"$N_DIR/client.conf"
kill -HUP "$N_PID"
wait_until 120 slots_are "$slots" || fail "N never offers $slots slots (is the machine busy with other work?)"
down=() up=()
for ((i = 0; i < rounds; i++)); do
	own=()
	t0=$(date +%s%N)
	for ((k = 0; k < procs; k++)); do
		sh -c 'while :; do :; done' &
		own+=($!)
		PIDS+=($!)
	done
	wait_until 60 slots_are 0 || fail "N still offers $(slots_of) slots with its owner busy"
	down+=("$(ms_since "$t0")")
	kill -TERM "${own[@]}"
	wait "${own[@]}" 2>/dev/null || true
	t0=$(date +%s%N)
	wait_until 120 slots_are "$slots" || fail "N offers $(slots_of) slots after its owner stopped"
	up+=("$(ms_since "$t0")")
done
d=$(median "${down[@]}") u=$(median "${up[@]}")
awk -v d="$d" -v h="$heartbeat" -v all="${down[*]}" 'BEGIN {
    printf "lend idle: owner busy -> slots withdrawn  median %5.2f s = %4.2f x heartbeat (%d s)   (ms: %s)\n",
	d / 1000, d / 1000 / h, h, all }'
awk -v u="$u" -v a="$lend_after" -v all="${up[*]}" 'BEGIN {
    printf "lend idle: owner stops -> slots back      median %5.2f s = %4.2f x lend_idle_after (%d s)   (ms: %s)\n",
	u / 1000, u / 1000 / a, a, all }'

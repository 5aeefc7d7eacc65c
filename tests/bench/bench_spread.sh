# bench_spread.sh — several developers sharing one pool: 3 developers start
# `make -j8` builds of 24 fixed-time compiles at the same moment on a
# 5-node x 4-slot pool, each from a node of its own, so each is a distinct
# requester and gets its own order of the pool (the server orders each
# requester's list by a weighted random permutation, weights the hosts'
# spare slots). Reported: each build's time against the same build run
# alone (measured first, in the same run), the jobs each node ran, and the
# most jobs a node held at once against its 4 slots.
#
# The nodes are hosts in network namespaces (netns.bash): on loopback every
# job would come from 127.0.0.1, which a job port takes for its own
# machine's and never holds to its limit.
#
# A compile is modelled as fixed time (pool_sleepcc: JOB_SECONDS of sleep,
# then a one-line gcc compile). Every compile appends its start and end to
# its machine's job log: a node's heartbeat (so its distccd's jobs) and the
# builds run on it share one file, so "held at once" counts the node's own
# local compiles and the jobs it serves for others together.
#
# Ideal figures: alone, 24 jobs 8 at a time are 3 rounds; together, 72 jobs
# on 20 slots need at least 72/20 = 3.6 rounds of work, so a build can
# take no less than about 1.2x its time alone. Five machines share this
# machine's CPUs here: preprocessing and the one-line compiles of a round
# land on its 2 CPUs at once. JOB_SECONDS (default 4) and SPREAD_JOBS
# (compiles per build, default 24) can be set in the environment.
set -euo pipefail
TOP=${DYNDISTCC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/lib.sh"
. "$TOP/tests/lib/pool.bash"
. "$TOP/tests/lib/netns.bash"

JOB_SECONDS=${JOB_SECONDS:-4}
JOBS=${SPREAD_JOBS:-24}
MAKE_J=8
DEVS=(n1 n2 n3)
NODES=(n1 n2 n3 n4 n5)
SLOTS=4

now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

pool_sleepcc "$JOB_SECONDS"
mkdir -m 1777 "$T/joblog"	# distccd writes there as its own user
netns_init srv "${NODES[@]}"
netns_server --heartbeat 2 --ttl 6 --refresh-after 2

for n in "${NODES[@]}"; do
	: >"$T/joblog/$n"
	chmod 666 "$T/joblog/$n"
	POOL_JOBLOG=$T/joblog/$n POOL_JOBWHO=remote netns_node "$n" "cores $SLOTS"
done
sees() { case " $(pool_hosts "$1") " in *" $2/"*|*" $2:"*) return 0 ;; esac; return 1; }
settled() {
	local n o
	for n in "${NODES[@]}"; do
		for o in "${NODES[@]}"; do
			[ "$n" = "$o" ] || sees "$n" "${HOST[$o]}" || return 1
		done
	done
}
wait_until 30 settled || fail "the 5 nodes did not settle"
# the heartbeats' first canary compiles (through their own job ports) are
# done before the builds start; the job logs mark any later ones
canaried() {
	local n
	for n in "${NODES[@]}"; do grep -q ' canary$' "$T/joblog/$n" || return 1; done
}
wait_until 60 canaried || echo "(not every node logged its first canary compile)"

# in_node NAME command...: runs command in NAME's namespace as its user of
# dcc, its compiles logged to its job log.
in_node() {
	local n=$1
	shift
	in_ns "$n" env DCC_CONFIG="$T/$n/client.conf" XDG_CACHE_HOME="$T/$n/cache" \
	    DISTCC_DIR="$T/$n/distcc" PATH="$BIN:$PATH" POOL_JOBLOG="$T/joblog/$n" \
	    POOL_JOBWHO=local "$@"
}
for d in "${DEVS[@]}"; do
	pool_sources "$T/src-$d" "$d" $((JOBS - 1))	# + the main file
	assert_eq "$(in_node "$d" dcc -j)" $((SLOTS * ${#NODES[@]})) "dcc -j on $d"
done

# build DEV: DEV's make -j8 from scratch; prints its wall time in seconds.
build() {
	local d=$1 t0 t1
	make -s -C "$T/src-$d" clean >/dev/null
	t0=$(now)
	in_node "$d" make -s -C "$T/src-$d" objects -j$MAKE_J CC="dcc $SLEEPCC" \
	    >>"$T/build-$d.log" 2>&1 || { tail -n 20 "$T/build-$d.log"; return 1; }
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

# quiet: waits until no node reports a running job (a heartbeat or two
# after a build, so the next starts from the same spare slots).
quiet() {
	in_ns n1 curl -fsS -H "Authorization: Bearer $KEY" \
	    "$SERVER_URL/api/v1/nodes?project=lan" |
	    jq -e '[.nodes[] | .jobs.running // 0] | add == 0' >/dev/null
}

# window FILE FROM TO: the job log lines (not canaries) that started in
# [FROM, TO].
window() {
	awk -v a="$2" -v b="$3" '$3 != "canary" && $1 >= a && $1 <= b' "$1"
}

# peak: the most lines of a job log (on stdin) running at once.
peak() {
	awk '{ print $1, 1; print $2, -1 }' | sort -k1,1g -k2,2n |
	    awk '{ n += $2; if (n > m) m = n } END { print m + 0 }'
}

load() { cut -d' ' -f1 /proc/loadavg; }

echo "${#DEVS[@]} developers x make -j$MAKE_J, $JOBS compiles of $JOB_SECONDS s each (+ a one-line gcc compile)"
echo "on ${#NODES[@]} nodes x $SLOTS slots; $(nproc) CPUs here, load $(load)"

declare -A ALONE=() TOGETHER=()
a0=$(now)
for d in "${DEVS[@]}"; do
	wait_until 20 quiet || true
	ALONE[$d]=$(build "$d") || fail "$d's build alone failed"
done
a1=$(now)
wait_until 20 quiet || true

for d in "${DEVS[@]}"; do
	echo "  $d's list: $(pool_hosts "$d" | sed "s/:[0-9]*\//\//g")"
done
w0=$(now)
pids=()
for d in "${DEVS[@]}"; do
	build "$d" >"$T/together-$d" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a build run together failed"; done
w1=$(now)
for d in "${DEVS[@]}"; do TOGETHER[$d]=$(cat "$T/together-$d"); done

echo
printf '   %-10s %9s %10s %7s\n' build alone together ratio
for d in "${DEVS[@]}"; do
	printf '   %-10s %7s s %8s s %7s\n' "$d" "${ALONE[$d]}" "${TOGETHER[$d]}" \
	    "$(ratio "${TOGETHER[$d]}" "${ALONE[$d]}")"
done
worst=$(for d in "${DEVS[@]}"; do ratio "${TOGETHER[$d]}" "${ALONE[$d]}"; echo; done | sort -g | tail -n 1)
awk -v w="$worst" -v j="$JOBS" -v d="${#DEVS[@]}" -v s=$((SLOTS * ${#NODES[@]})) -v m="$MAKE_J" 'BEGIN {
	alone = int((j + m - 1) / m); all = j * d / s; ideal = all / alone
	if (ideal < 1) ideal = 1
	printf "   worst ratio %s; ideal %.2f (%d jobs on %d slots are %.1f rounds, one build alone %d)\n",
	    w, ideal, j * d, s, all, alone }'

echo
echo "   jobs per node, and the most it held at once (its own builds' local"
echo "   compiles and the jobs it served), against its $SLOTS slots:"
printf '   %-6s %13s %10s %15s %12s\n' node "jobs together" "of them local" "peak together" "peak alone"
maxpeak=0
for n in "${NODES[@]}"; do
	j=$(window "$T/joblog/$n" "$w0" "$w1" | wc -l)
	l=$(window "$T/joblog/$n" "$w0" "$w1" | grep -c ' local$' || true)
	p=$(window "$T/joblog/$n" "$w0" "$w1" | peak)
	pa=$(window "$T/joblog/$n" "$a0" "$a1" | peak)
	printf '   %-6s %13s %10s %15s %12s\n' "$n" "$j" "$l" "$p/$SLOTS" "$pa/$SLOTS"
	[ "$p" -gt "$maxpeak" ] && maxpeak=$p
done
total=$(cat "${NODES[@]/#/$T/joblog/}" | awk -v a="$w0" -v b="$w1" '$3 != "canary" && $1 >= a && $1 <= b' | wc -l)
assert_eq "$total" $((JOBS * ${#DEVS[@]})) "compiles logged while the builds ran together"
echo "   most jobs any node held at once: $maxpeak against $SLOTS slots ($(ratio "$maxpeak" "$SLOTS")x)"
canaries=$(cat "${NODES[@]/#/$T/joblog/}" | awk -v a="$a0" -v b="$w1" '$3 == "canary" && $1 >= a && $1 <= b' | wc -l)
[ "$canaries" -eq 0 ] || echo "   ($canaries canary compiles ran during the builds)"
echo "   load at the end: $(load)"

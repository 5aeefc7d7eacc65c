# bench_pool.sh — the speedup the pool promises ("5 workstations x 4 cores is
# about 5x"), measured on one 2-core machine by modelling a compile as fixed
# time: a compiler wrapper that sleeps JOB_SECONDS per compile and then
# compiles a one-line file, so the sleep, not this machine's CPU, is the work.
#
# 1. 5 nodes x 4 slots (127.0.0.2-6): 100 compiles with make -j$(dcc -j) from
#    one of the nodes, against make -j4 with no distcc at all. Ideal: 5x.
# 2. 3 nodes x 16 slots (distccd --jobs 16, `cores 16`): plain distcc given
#    the host names only (distcc then assumes 4 slots a host) against
#    dyndistcc's list with each node's real cores. Ideal: 9 rounds of
#    compiles against 3 (100 jobs over 12 slots, over 48).
#
# Each pool is also run "tuned": the same host list handed to distcc with
# --localslots_cpp=<pool size> and DISTCC_PAUSE_TIME_MSEC=100. distcc takes a
# cpu_localhost_* lock to preprocess, from the same lock files as the
# localhost/N compile slots (8 of them unless --localslots_cpp says more),
# and a distcc that finds no free slot sleeps DISTCC_PAUSE_TIME_MSEC (1000 ms
# by default) before it looks again; with localhost/N first in the list,
# both cost whole seconds per round of jobs.
#
# Five machines share this machine's CPUs here, so the preprocessing and
# the one-line compiles of a whole round of jobs land on 2 CPUs at once;
# that burst, not the network, is what separates a run from the ideal.
# Figures are ratios of times measured in this run. JOB_SECONDS (default 4)
# can be set in the environment; longer jobs hide more of that overhead.
set -euo pipefail
TOP=${DYNDISTCC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pool.bash"

JOB_SECONDS=${JOB_SECONDS:-4}
JOBS=100

# seconds CMD...: runs CMD quietly, prints its wall time in seconds.
seconds() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >>"$T/bench.log" 2>&1 || { tail -n 20 "$T/bench.log"; fail "failed: $*"; }
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 100 * a / b }'; }
clean() { make -s -C "$T/src" clean >/dev/null; }

# compile_in NAME MAKE-ARGS...: make objects in $T/src as NAME's user.
compile_in() {
	local who=$1
	shift
	clean
	pool_run "$who" make -s -C "$T/src" objects "$@"
}

pool_sleepcc "$JOB_SECONDS"
pool_sources "$T/src" job $((JOBS - 1))	# + job_main.c = $JOBS compiles
start_server --heartbeat 2 --ttl 6 --refresh-after 2
for p in five wide; do
	api POST /api/v1/projects "{\"name\":\"$p\"}" >"$T/$p.json"
	assert_eq "$STATUS" 201 "creating project $p"
done

load() { cut -d' ' -f1 /proc/loadavg; }
echo "$JOBS compiles of $JOB_SECONDS s each (+ a one-line gcc compile), $(nproc) CPUs here, load $(load)"
echo
echo "1. 5 nodes x 4 slots against one machine's make -j4"
nodes=()
for i in 1 2 3 4 5; do
	pool_node "f$i" "127.0.0.$((i + 1))" five "$(jq -r .key "$T/five.json")" 4
	nodes+=("f$i")
done
pool_wait_settled 30 "${nodes[@]}" || fail "the 5 nodes did not settle"
clean
local_s=$(seconds make -s -C "$T/src" objects -j4 CC="$SLEEPCC")
slots=$(pool_run f1 dcc -j)
assert_eq "$slots" 20 "dcc -j on a node of the 5-node pool"
pool_s=$(seconds compile_in f1 -j"$slots" CC="dcc $SLEEPCC")
hosts=$(pool_run f1 dcc --show-hosts | tr '\n' ' ')
cpp_s=$(DISTCC_PAUSE_TIME_MSEC=100 seconds compile_in f1 -j"$slots" \
    CC="distcc $SLEEPCC" DISTCC_HOSTS="--localslots_cpp=$slots $hosts")
speed=$(ratio "$local_s" "$pool_s")
printf '   %-44s %7s s\n' "local, make -j4:" "$local_s"
printf '   %-44s %7s s   speedup %sx = %s %% of the ideal 5x\n' \
    "dyndistcc, make -j$slots (dcc -j):" "$pool_s" "$speed" "$(pct "$speed" 5)"
printf '   %-44s %7s s   speedup %sx = %s %% of the ideal 5x\n' \
    "tuned (same list, see above):" "$cpp_s" \
    "$(ratio "$local_s" "$cpp_s")" "$(pct "$(ratio "$local_s" "$cpp_s")" 5)"
jobs=
for n in "${nodes[@]}"; do jobs="$jobs $n=$(pool_jobs "$n")"; done
echo "   distccd jobs over both pool runs:$jobs (f1 builds; its share runs as localhost)"
pool_stop_nodes "${nodes[@]}"

echo
echo "2. 3 nodes x 16 slots: plain distcc with host names against dyndistcc's cores"
nodes=()
for i in 1 2 3; do
	pool_node "w$i" "127.0.0.$((i + 1))" wide "$(jq -r .key "$T/wide.json")" 16
	nodes+=("w$i")
done
pool_wait_settled 30 "${nodes[@]}" || fail "the 3 nodes did not settle"
plain_hosts="127.0.0.2:${POOL_PORT[w1]} 127.0.0.3:${POOL_PORT[w2]} 127.0.0.4:${POOL_PORT[w3]}"
plain_slots=$(DISTCC_HOSTS=$plain_hosts distcc -j)
plain_s=$(seconds compile_in w1 -j"$plain_slots" CC="distcc $SLEEPCC" DISTCC_HOSTS="$plain_hosts")
slots=$(pool_run w1 dcc -j)
assert_eq "$slots" 48 "dcc -j on a node of the 16-slot pool"
dyn_s=$(seconds compile_in w1 -j"$slots" CC="dcc $SLEEPCC")
hosts=$(pool_run w1 dcc --show-hosts | tr '\n' ' ')
cpp_s=$(DISTCC_PAUSE_TIME_MSEC=100 seconds compile_in w1 -j"$slots" \
    CC="distcc $SLEEPCC" DISTCC_HOSTS="--localslots_cpp=$slots $hosts")
rounds() { awk -v j=$JOBS -v s="$1" 'BEGIN { r = j / s; print (r == int(r)) ? r : int(r) + 1 }'; }
ideal=$(ratio "$(rounds "$plain_slots")" "$(rounds "$slots")")
printf '   %-44s %7s s\n' "plain distcc, 3 names, make -j$plain_slots:" "$plain_s"
printf '   %-44s %7s s   %sx faster (ideal %sx)\n' "dyndistcc, cores 16, make -j$slots:" \
    "$dyn_s" "$(ratio "$plain_s" "$dyn_s")" "$ideal"
printf '   %-44s %7s s   %sx faster (ideal %sx)\n' \
    "tuned (same list, see above):" "$cpp_s" \
    "$(ratio "$plain_s" "$cpp_s")" "$ideal"
jobs=
for n in "${nodes[@]}"; do jobs="$jobs $n=$(pool_jobs "$n")"; done
echo "   distccd jobs over the three runs:$jobs (w1 builds; plain distcc sends it jobs)"
echo "   load at the end: $(load)"

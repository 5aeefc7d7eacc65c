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
# Each pool also runs the same list through plain distcc with its defaults.
# distcc takes a cpu_localhost_* lock to preprocess, from the same lock files
# as the localhost/N compile slots (8 of them unless --localslots_cpp says
# more), and a distcc that finds no free slot sleeps DISTCC_PAUSE_TIME_MSEC
# (1000 ms by default) before it looks again. With localhost/N first in the
# list, remote jobs wait on local compiles for their preprocessing, and lose
# up to a second each time; dcc therefore sets both (see README).
#
# Five machines share this machine's CPUs here, so the preprocessing and
# the one-line compiles of a whole round of jobs land on 2 CPUs at once;
# that burst, not the network, is what still separates the last row from
# the ideal. Figures are ratios of times measured in this run (about 5 min
# in all). JOB_SECONDS (default 4) can be set in the environment; longer
# jobs hide more of that overhead.
set -euo pipefail
TOP=${DYNDISTCC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/lib.sh"
. "$TOP/tests/lib/pool.bash"

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
create_project five
KEY_five=$KEY
create_project wide
KEY_wide=$KEY

load() { cut -d' ' -f1 /proc/loadavg; }

# row LABEL SECONDS BASELINE IDEAL: a time, its speedup over BASELINE, and
# that speedup's share of IDEAL.
row() {
	local r
	r=$(ratio "$3" "$2")
	printf '   %-46s %7s s  %5sx = %3s %% of the ideal %sx\n' "$1" "$2" "$r" \
	    "$(pct "$r" "$4")" "$4"
}

# variants NAME SLOTS BASELINE IDEAL: builds from node NAME two ways:
# dyndistcc as it is (make -jSLOTS CC="dcc …"), and the same list handed to
# plain distcc with distcc's own defaults, which is what dcc did before it
# tuned them (DISTCC_PAUSE_TIME_MSEC=100, --localslots_cpp=SLOTS).
variants() {
	local who=$1 slots=$2 base=$3 ideal=$4 s hosts
	hosts=$(pool_run "$who" dcc --show-hosts | tr '\n' ' ')
	s=$(seconds compile_in "$who" -j"$slots" CC="dcc $SLEEPCC")
	row "dyndistcc, make -j$slots (dcc -j):" "$s" "$base" "$ideal"
	s=$(seconds compile_in "$who" -j"$slots" CC="distcc $SLEEPCC" \
	    DISTCC_HOSTS="$hosts")
	row "  same list, distcc's defaults (1 s poll, 8 cpp):" "$s" "$base" "$ideal"
}

# node_jobs NAME...: " NAME=jobs" for each node's distccd.
node_jobs() {
	local n
	for n; do printf ' %s=%s' "$n" "$(pool_jobs "$n")"; done
}

echo "$JOBS compiles of $JOB_SECONDS s each (+ a one-line gcc compile), $(nproc) CPUs here, load $(load)"
echo
echo "1. 5 nodes x 4 slots against one machine's make -j4"
nodes=()
for i in 1 2 3 4 5; do
	pool_node "f$i" "127.0.0.$((i + 1))" five "$KEY_five" 4
	nodes+=("f$i")
done
pool_wait_settled 30 "${nodes[@]}" || fail "the 5 nodes did not settle"
clean
local_s=$(seconds make -s -C "$T/src" objects -j4 CC="$SLEEPCC")
printf '   %-46s %7s s\n' "local, make -j4, no distcc:" "$local_s"
slots=$(pool_run f1 dcc -j)
assert_eq "$slots" 20 "dcc -j on a node of the 5-node pool"
variants f1 "$slots" "$local_s" 5
echo "   distccd jobs:$(node_jobs "${nodes[@]}") (f1 builds: its share runs as localhost)"
pool_stop_nodes "${nodes[@]}"

echo
echo "2. 3 nodes x 16 slots: plain distcc with host names against dyndistcc's cores"
nodes=()
for i in 1 2 3; do
	pool_node "w$i" "127.0.0.$((i + 1))" wide "$KEY_wide" 16
	nodes+=("w$i")
done
pool_wait_settled 30 "${nodes[@]}" || fail "the 3 nodes did not settle"
plain_hosts="127.0.0.2:${POOL_PORT[w1]} 127.0.0.3:${POOL_PORT[w2]} 127.0.0.4:${POOL_PORT[w3]}"
plain_slots=$(DISTCC_HOSTS=$plain_hosts distcc -j)
plain_s=$(seconds compile_in w1 -j"$plain_slots" CC="distcc $SLEEPCC" DISTCC_HOSTS="$plain_hosts")
printf '   %-46s %7s s\n' "plain distcc, 3 names, make -j$plain_slots:" "$plain_s"
slots=$(pool_run w1 dcc -j)
assert_eq "$slots" 48 "dcc -j on a node of the 16-slot pool"
rounds() { awk -v j=$JOBS -v s="$1" 'BEGIN { r = j / s; print (r == int(r)) ? r : int(r) + 1 }'; }
variants w1 "$slots" "$plain_s" "$(ratio "$(rounds "$plain_slots")" "$(rounds "$slots")")"
echo "   distccd jobs:$(node_jobs "${nodes[@]}") (w1 builds; plain distcc sends it jobs too)"
echo "   load at the end: $(load)"

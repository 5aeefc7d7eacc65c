# bench_join.sh — how soon a machine that joins the pool, or whose address
# changes, has its jobs run by the others, and what the change costs them
# (issue 13 §1): hosts in network namespaces, so every job comes from its
# member's own address, as on a LAN.
#
# Three members (2 slots each) serve; the server's heartbeat is 30 s, so no
# member can learn of a newcomer from its own check-in in time: their job
# ports must admit it as it knocks. Then, JOIN_ROUNDS times (default 3), a
# new member starts its heartbeat and at once builds through dcc
# (make -j$(dcc -j) of 12 compiles of JOB_SECONDS each, default 1, modelled
# by pool_sleepcc); after that build its address changes and it builds
# again at once. Reported, with their ratios to the same time for a member
# that has been in the pool all along (measured first, in this run):
#  - from the heartbeat's start (or the new address) to the first of its
#    jobs that another member starts (from the members' job logs);
#  - refused connections (the job ports' "refused" lines, distcc's
#    "Connection refused"), local fallbacks and backoffs (distcc's warnings
#    in the build's output, its backoff files). The aim for each is 0.
set -euo pipefail
TOP=${DYNDISTCC_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/lib.sh"
. "$TOP/tests/lib/pool.bash"
. "$TOP/tests/lib/netns.bash"

JOB_SECONDS=${JOB_SECONDS:-1}
ROUNDS=${JOIN_ROUNDS:-3}
FILES=12
MEMBERS=(n1 n2 n3)
JOINERS=()
for ((r = 1; r <= ROUNDS; r++)); do JOINERS+=("j$r"); done

now() { date +%s.%N; }

pool_sleepcc "$JOB_SECONDS"
mkdir -m 1777 "$T/joblog"	# distccd writes there as its own user
netns_init srv "${MEMBERS[@]}" "${JOINERS[@]}"
netns_server --heartbeat 30 --ttl 90 --refresh-after 30

# member NAME: starts NAME's heartbeat; its jobs (and builds) log to
# $T/joblog/NAME.
member() {
	: >"$T/joblog/$1"
	chmod 666 "$T/joblog/$1"
	POOL_JOBLOG=$T/joblog/$1 POOL_JOBWHO=remote netns_node "$1"
}
sees() { case " $(pool_hosts "$1") " in *" $2/"*|*" $2:"*) return 0 ;; esac; return 1; }
for m in "${MEMBERS[@]}"; do member "$m"; done
# (a member learns of those that joined after it at its next heartbeat)
for m in "${MEMBERS[@]}"; do
	for o in "${MEMBERS[@]}"; do
		[ "$m" = "$o" ] && continue
		wait_until 70 sees "$m" "${HOST[$o]}" || fail "$m does not list $o: $(pool_hosts "$m")"
	done
done

# build NAME LOG: NAME builds its sources at once, output to LOG.
build() {
	[ -d "$T/src-$1" ] || pool_sources "$T/src-$1" "$1" $((FILES - 1))
	POOL_JOBLOG=$T/joblog/$1 POOL_JOBWHO=local \
	    netns_build "$1" "$T/src-$1" objects CC="dcc $SLEEPCC" >"$2" 2>&1 ||
		{ tail -n 20 "$2"; fail "$1's build failed"; }
}

# first_remote SINCE: seconds from SINCE to the first job another machine
# started after it (every member's job log but the builder's), or "none".
first_remote() {
	local since=$1 m
	for m in "${MEMBERS[@]}"; do
		awk -v a="$since" '$3 == "remote" && $1 >= a { print $1 }' "$T/joblog/$m"
	done | sort -g | head -n 1 |
	    awk -v a="$since" '{ printf "%.2f", $1 - a; found = 1 } END { if (!found) print "none" }'
}

# remote_jobs SINCE: jobs the members started after SINCE.
remote_jobs() {
	local m
	for m in "${MEMBERS[@]}"; do
		awk -v a="$1" '$3 == "remote" && $1 >= a' "$T/joblog/$m"
	done | wc -l
}

REFUSED=0 FALLBACKS=0 BACKOFFS=0
# tally LOG NAME: adds up the refusals, fallbacks and backoffs so far.
tally() {
	local fb m r=0
	fb=$(fallbacks "$1")
	FALLBACKS=$((FALLBACKS + ${fb% *}))
	BACKOFFS=$((BACKOFFS + ${fb#* } + $(backoff_files "$2")))
	REFUSED=$((REFUSED + $(grep -c 'Connection refused' "$1" || true)))
	for m in "${MEMBERS[@]}"; do r=$((r + $(refusals "$m"))); done
	JOBPORT_REFUSED=$r
}

echo "${#MEMBERS[@]} members x 2 slots in network namespaces, heartbeat 30 s; builds of $FILES compiles of $JOB_SECONDS s"
# the baseline: a member of long standing builds (its list is settled)
wait_until 20 sees n1 "${HOST[n2]}"
t0=$(now)
build n1 "$T/base.log"
base=$(first_remote "$t0")
[ "$base" != none ] || fail "n1's build sent no job to n2 or n3"
tally "$T/base.log" n1
printf '   %-48s %6s s\n' "member of long standing: build start to first remote job" "$base"

declare -a JOIN=() MOVE=()
for j in "${JOINERS[@]}"; do
	t0=$(now)
	member "$j"
	build "$j" "$T/join-$j.log"
	JOIN+=("$(first_remote "$t0")")
	n=$(remote_jobs "$t0")
	tally "$T/join-$j.log" "$j"
	old=${HOST[$j]}
	new=${old%.*}.$(( ${old##*.} + 100 ))
	t0=$(now)
	netns_move "$j" "$new"
	build "$j" "$T/move-$j.log"
	MOVE+=("$(first_remote "$t0")")
	tally "$T/move-$j.log" "$j"
	printf '   %-48s %6s s  (%d of %d jobs remote)\n' "$j joins: heartbeat start to first remote job" \
	    "${JOIN[-1]}" "$n" "$FILES"
	printf '   %-48s %6s s  (%d of %d jobs remote)\n' "   address $old -> $new: to first remote job" \
	    "${MOVE[-1]}" "$(remote_jobs "$t0")" "$FILES"
done

# median of the numbers given (none counts as a failure to go remote)
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
jm=$(median "${JOIN[@]}")
mm=$(median "${MOVE[@]}")
echo "ratios (median of $ROUNDS) against the member of long standing:"
for v in "$jm" "$mm"; do
	case $v in none) fail "a build after a join or a move ran no job remotely" ;; esac
done
awk -v j="$jm" -v m="$mm" -v b="$base" 'BEGIN {
	printf "   join to first remote job:           %6.2f s = %5.1fx\n", j, j / b
	printf "   address change to first remote job: %6.2f s = %5.1fx\n", m, m / b
}'
echo "   refused connections: $JOBPORT_REFUSED at the job ports, $REFUSED in distcc's output (aim 0)"
echo "   local fallbacks: $FALLBACKS, backoffs: $BACKOFFS (aim 0)"
admitted=0
for m in "${MEMBERS[@]}"; do
	admitted=$((admitted + $(grep -c 'is a member now' "$T/$m.log" || true)))
done
echo "   (the job ports asked the server about $admitted new addresses)"

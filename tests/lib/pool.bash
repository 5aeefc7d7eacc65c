# pool.bash — a pool of dyndistcc nodes on one machine, for the end-to-end
# scenarios, the demo and the benchmark. Source it after lib.sh.
#
# A node is dcc-heartbeat with its own config and state dir in $T/NAME/,
# checking in from its own address, its job port there on a free port; the
# heartbeat logs every job it serves into $T/NAME.log.
#
#   pool_node NAME ADDR PROJECT KEY CORES [config lines...]
#   pool_wait_settled SECONDS NAME...   every node lists every other, job ports up
#   pool_hosts NAME                     the distcc hosts line NAME's heartbeat wrote
#   pool_threads NAME                   pool_threads from that file's metadata
#   pool_jobs NAME [FROM]               jobs NAME's job port served (from FROM)
#   fallbacks LOG                       a build's local fallbacks and backoffs
#   pool_stop_nodes [NAME...]           SIGTERM (check out), wait for the exit
#   pool_stop_server                    SIGTERM, wait (bounded) for the exit
#   pool_client NAME PROJECT KEY CORES  a developer machine: dcc only, no node
#   pool_run NAME command...            runs command with NAME's dcc config,
#                                       caches and distcc dir; $BIN on PATH
#   pool_sources DIR PREFIX N           N small C files and a Makefile (CC)
#   pool_sleepcc SECONDS                a compiler that takes SECONDS per compile,
#                                       whitelisted for distccd; sets SLEEPCC

declare -A POOL_ADDR=() POOL_PORT=() POOL_PID=()
POOL_NAMES=()
POOL_WHITELIST=()

# pool_node NAME ADDR PROJECT KEY CORES [config lines...]: writes NAME's
# client.conf (extra lines are appended; a later key wins) and starts its
# dcc-heartbeat, with cc, gcc, c++, g++ (and $SLEEPCC and the names in
# $POOL_COMPILERS) in its masquerade directory $T/NAME/masq. Returns at
# once; see pool_wait_settled.
pool_node() {
	local name=$1 addr=$2 project=$3 key=$4 cores=$5
	shift 5
	local dir=$T/$name port
	port=$(free_port "$addr")
	mkdir -p "$dir/state" "$dir/cache" "$dir/distcc"
	# the compilers it serves: a job goes only to a node that reports the
	# requester's compiler (by fingerprint); every core is lent whatever
	# memory the test machine has free
	spawn_node "$name" "$dir" "$project" "$key" \
	    "cc gcc c++ g++ ${SLEEPCC:-} ${POOL_COMPILERS:-}" "cores $cores" \
	    "nice 0" "state_dir $dir/state" "source $addr" "distccd_listen $addr" \
	    "distccd_port $port" "owner $name" "job_memory 0" \
	    "jobs_memory_max none" "$@"
	pool_register "$name" "$addr" "$port" "$SPAWNED_PID"
}

# pool_register NAME ADDR PORT PID: node NAME (its heartbeat PID, its job
# port ADDR:PORT) is one of the pool's: pool_stop_nodes stops it, the
# helpers below find it.
pool_register() {
	[ -n "${POOL_PID[$1]:-}" ] || POOL_NAMES+=("$1")
	POOL_ADDR[$1]=$2
	POOL_PORT[$1]=$3
	POOL_PID[$1]=$4
}

# pool_hosts NAME: the hosts line (without the metadata comment), or nothing.
pool_hosts() {
	grep -v '^#' "$T/$1/state/hosts" 2>/dev/null || true
}

# pool_threads NAME: pool_threads from the metadata line of NAME's list.
pool_threads() {
	sed -n '1s/.* pool_threads=\([0-9]*\).*/\1/p' "$T/$1/state/hosts" 2>/dev/null
}

# pool_jobs NAME [FROM]: how many jobs NAME's job port served (compiled
# ok; not its own health checks), of those from address FROM.
pool_jobs() {
	# canary.c: the heartbeat's own health check through its job port
	grep "job from ${2:-[^ ]*}: .*: ok, " "$T/$1.log" 2>/dev/null |
	    grep -vc ' canary\.c: ' || true
}

# fallbacks LOG: jobs a build's distcc ran locally because a host failed or
# was backed off, and the hosts it backed off, from the build's output
# (distcc's warnings) or its DISTCC_LOG — "FALLBACKS BACKOFFS".
fallbacks() {
	local f b
	f=$(grep -c 'running locally instead\|failed to distribute' "$1" || true)
	b=$(grep -c 'backoff\|backed off' "$1" || true)
	echo "$f $b"
}

# pool_listening ADDR PORT: something listens there (asked of the kernel,
# so the job port does not relay a probe as a job).
pool_listening() {
	[ -n "$(ss -Hltn "src $1:$2")" ]
}

# pool_lists_all NAME OTHER...: NAME's list has every OTHER at its address.
pool_lists_all() {
	local me=$1 line m
	shift
	line=" $(pool_hosts "$me") "
	case $line in *" localhost/"*) ;; *) return 1 ;; esac
	for m; do
		[ "$m" = "$me" ] && continue
		case $line in *" ${POOL_ADDR[$m]}:${POOL_PORT[$m]}/"*) ;; *) return 1 ;; esac
	done
}

# pool_settled NAME...: every node lists all others and its job port
# listens.
pool_settled() {
	local n
	for n; do
		pool_lists_all "$n" "$@" || return 1
		pool_listening "${POOL_ADDR[$n]}" "${POOL_PORT[$n]}" || return 1
	done
}

pool_wait_settled() {
	local limit=$1
	shift
	wait_until "$limit" pool_settled "$@"
}

# pool_wait_exit PID SECONDS: waits up to SECONDS for PID to exit and reaps
# it; one still running is left to lib.sh's cleanup, which kills it.
pool_wait_exit() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null || wait "$1" 2>/dev/null || true
}

# pool_stop_nodes [NAME...]: SIGTERM to each heartbeat (it checks out, lets
# running jobs finish and stops its distccd), then waits up to 15 s for
# each to exit.
pool_stop_nodes() {
	local n
	[ $# -gt 0 ] || set -- "${POOL_NAMES[@]}"
	for n; do
		kill -TERM "${POOL_PID[$n]}" 2>/dev/null || true
	done
	for n; do
		pool_wait_exit "${POOL_PID[$n]}" 15
	done
}

pool_stop_server() {
	[ -n "${SERVER_PID:-}" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || return 0
	pool_wait_exit "$SERVER_PID" 10
}

# pool_client NAME PROJECT KEY CORES: a machine that builds but lends no
# cores: it has no node id, so the server's list for it is localhost/CORES
# followed by every online member.
pool_client() {
	local dir=$T/$1
	mkdir -p "$dir/state" "$dir/cache" "$dir/distcc"
	client_conf "$dir/client.conf" "$2" "$3" "cores $4" "state_dir $dir/state"
}

# pool_run NAME command...: runs command as NAME's user of dcc.
pool_run() {
	local dir=$T/$1
	shift
	DCC_CONFIG=$dir/client.conf XDG_CACHE_HOME=$dir/cache DISTCC_DIR=$dir/distcc \
	    PATH=$BIN:$PATH "$@"
}

# pool_sources DIR PREFIX N: DIR/PREFIX_1.c … PREFIX_N.c, each one function,
# a main that adds their results, and a Makefile that honours CC. `make
# objects` only compiles; `make check` runs the program and checks the sum.
pool_sources() {
	local dir=$1 prefix=$2 n=$3 i sum=0
	mkdir -p "$dir"
	for i in $(seq "$n"); do
		printf 'int %s_%d(int x);\nint %s_%d(int x) { return x * %d + %d; }\n' \
		    "$prefix" "$i" "$prefix" "$i" "$i" $((i % 7)) >"$dir/${prefix}_$i.c"
		sum=$((sum + i * 3 + i % 7))
	done
	{
		echo '#include <stdio.h>'
		for i in $(seq "$n"); do echo "int ${prefix}_$i(int x);"; done
		echo 'int main(void) { long s = 0;'
		for i in $(seq "$n"); do echo "s += ${prefix}_$i(3);"; done
		printf '%s\n' 'printf("%ld\n", s); return 0; }'
	} >"$dir/${prefix}_main.c"
	cat >"$dir/Makefile" <<EOF
OBJ = \$(patsubst %.c,%.o,\$(sort \$(wildcard *.c)))
${prefix}: \$(OBJ)
	\$(CC) -o \$@ \$(OBJ)
%.o: %.c
	\$(CC) -O2 -c -o \$@ \$<
objects: \$(OBJ)
check: ${prefix}
	test "\$\$(./${prefix})" = $sum
clean:
	rm -f ${prefix} *.o
EOF
}

# pool_sleepcc SECONDS: models a compile as fixed time. $SLEEPCC (a name on
# PATH, so distcc sends it as is) runs gcc at once for preprocessing (-E),
# which distcc does on the client, and sleeps SECONDS before a compile (-c).
# distccd accepts it through an executable file of that name in
# /usr/lib/distcc (removed at exit) and finds it through DISTCCD_PATH, so
# start the nodes after this. $T becomes traversable for user distccd.
#
# A compile whose environment has POOL_JOBLOG appends "START END WHO" to
# that file (epoch seconds, nanoseconds; WHO is $POOL_JOBWHO, or "canary"
# for a heartbeat's canary compile), so a benchmark can count the jobs a
# machine held at once: give a node's heartbeat and a build run on it the
# same file (its distccd passes its environment on to the compiler).
pool_sleepcc() {
	need_root "whitelisting the test compiler for distccd in /usr/lib/distcc"
	SLEEPCC=dyndistcc-sleepcc-$$
	chmod 711 "$T"
	mkdir -p "$T/bin"
	chmod 755 "$T/bin"
	cat >"$T/bin/$SLEEPCC" <<EOF
#!/bin/sh
# dyndistcc test compiler: $1 s per compile (-c); preprocessing (-E) and
# linking run at once.
compile=0
for a; do
	case \$a in
	-E) exec gcc "\$@" ;;
	-c) compile=1 ;;
	esac
done
if [ \$compile = 0 ] || [ -z "\${POOL_JOBLOG:-}" ]; then
	[ \$compile = 0 ] || sleep $1
	exec gcc "\$@"
fi
who=\${POOL_JOBWHO:-?}
for a; do
	case \$a in
	*.i | *.c) ! grep -qs dyndistcc_canary "\$a" || who=canary ;;
	esac
done
t0=\$(date +%s.%N)
sleep $1
rc=0
gcc "\$@" || rc=\$?
echo "\$t0 \$(date +%s.%N) \$who" >>"\$POOL_JOBLOG"
exit \$rc
EOF
	chmod 755 "$T/bin/$SLEEPCC"
	POOL_WHITELIST+=("/usr/lib/distcc/$SLEEPCC")
	install -m 755 "$T/bin/$SLEEPCC" "/usr/lib/distcc/$SLEEPCC" ||
		fail "cannot whitelist $SLEEPCC for distccd in /usr/lib/distcc"
	export DISTCCD_PATH=$T/bin:/usr/bin:/bin
	export PATH=$T/bin:$PATH
}

# At exit, stop the nodes while the server still answers, so they check out
# and stop their distccds; then lib.sh's cleanup stops the rest and fails
# the scenario on a sanitizer report in any log.
pool_exit() {
	pool_stop_nodes
	[ ${#POOL_WHITELIST[@]} -eq 0 ] || rm -f "${POOL_WHITELIST[@]}"
	pool_stop_server
}

at_exit pool_exit

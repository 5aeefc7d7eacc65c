# dcc_common.bash — helpers shared by the dcc_*.sh scenarios (sourced after
# lib.sh). Everything lives under $T: HOME, the client config, DISTCC_DIR.

# dcc_setup [server args...]: a server with project "fw", a client config
# pointing at it, and a private HOME. Sets PROJECT and KEY, and exports HOME, DCC_CONFIG
# and DISTCC_DIR so no test touches the real user's files.
dcc_setup() {
	start_server "$@"
	create_project fw
	mkdir -p "$T/home" "$T/state" "$T/masq" "$T/distcc"
	export HOME=$T/home DCC_CONFIG=$T/client.conf DISTCC_DIR=$T/distcc
	unset DCC_SERVER DCC_PROJECT DCC_KEY DCC_VERBOSE DCC_LOG DCC_DISTCC \
	    XDG_CACHE_HOME DISTCC_HOSTS _DISTCC_SAFEGUARD
	write_client_conf
	# shellcheck disable=SC2034	# the scenarios' dcc cache
	CACHE=$HOME/.cache/dyndistcc
}

# write_client_conf [extra lines...]: the client config for this test.
write_client_conf() {
	client_conf "$T/client.conf" fw "$KEY" "cores 1" "state_dir $T/state" \
	    "masquerade_dir $T/masq" "$@"
}

# local_fp [COMPILER]: this machine's fingerprint of COMPILER (gcc), as dcc
# computes it (the fake nodes below run the very same compiler).
local_fp() {
	local fp
	fp=$(DCC_CONFIG=/dev/null "$BIN/dcc" --fingerprint "${1:-gcc}" | cut -d' ' -f1)
	[ -n "$fp" ] || fail "no fingerprint for ${1:-gcc}"
	echo "$fp"
}

# node_id_at ADDR PORT: the node id checkin_node gives the node at ADDR:PORT.
node_id_at() {
	printf '%s' "$1:$2" | md5sum | cut -c1-32
}

# checkin_node ADDR PORT CORES: registers a node whose distccd is
# ADDR:PORT: a 1.1 node with live admission checking in from ADDR, whose
# compilers named in $COMPILERS (default gcc cc g++) are this machine's, by
# their fingerprints (local_fp). It keeps the secret the server binds, so it
# can check in again.
checkin_node() {
	local id secret name comps=
	id=$(node_id_at "$1" "$2")
	secret=$(cat "$T/secret-$id" 2>/dev/null || true)
	for name in ${COMPILERS:-gcc cc g++}; do
		comps="$comps{\"name\":\"$name\",\"version\":\"$(gcc -dumpfullversion)\",
		    \"target\":\"$(gcc -dumpmachine)\",\"fp\":\"$(local_fp "$name")\"},"
	done
	from "$1" checkin fw "$id" "$3" "$KEY" "\"hostname\":\"n-$1\",\"owner\":\"test\",
	    \"nice\":10,\"port\":$2,\"load\":[0,0,0],\"version\":\"1.1.0\",\"addr\":null,
	    \"compilers\":[${comps%,}]${secret:+,\"secret\":\"$secret\"}"
	assert_eq "$STATUS" 200 "check-in of $1:$2"
	secret=$(jq -r '.secret // empty' "$T/api.body")
	[ -z "$secret" ] || echo "$secret" >"$T/secret-$id"
}

# checkout_node ADDR PORT: the node checkin_node registered leaves.
checkout_node() {
	local id
	id=$(node_id_at "$1" "$2")
	api POST /api/v1/checkout "{\"project\":\"fw\",\"node\":\"$id\",
	    \"secret\":\"$(cat "$T/secret-$id")\"}" "$KEY" >/dev/null
	assert_eq "$STATUS" 200 "check-out of $1:$2"
}

# make_stale FILE: ages a host-list cache file by an hour.
make_stale() {
	local old=$(( $(date +%s) - 3600 ))
	sed -i "1s/fetched=[0-9]*/fetched=$old/" "$1"
}

# hold_slots NAME...: holds distcc slots by their lock names (fcntl locks on
# $DISTCC_DIR/lock/NAME: cpu_localhost_0, cpu_tcp_127.0.0.2_PORT_0, …), so
# distcc sends jobs elsewhere and the distccd logs prove where. Released at
# exit. Sets HOLD_PID.
hold_slots() {
	local name files=()
	if [ ! -x "$T/holdlock" ]; then
		cat >"$T/holdlock.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int
main(int argc, char **argv)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int i, fd;

	for (i = 1; i < argc; i++)
		if ((fd = open(argv[i], O_RDWR | O_CREAT, 0644)) == -1 ||
		    fcntl(fd, F_SETLK, &fl) == -1)
			return 1;
	printf("locked\n");
	fflush(stdout);
	pause();
	return 0;
}
C
		/usr/bin/gcc -o "$T/holdlock" "$T/holdlock.c" || fail "cannot build holdlock"
	fi
	mkdir -p "$DISTCC_DIR/lock"
	for name in "$@"; do
		files+=("$DISTCC_DIR/lock/$name")
	done
	: >"$T/holdlock.log"
	spawn holdlock "$T/holdlock" "${files[@]}"
	# shellcheck disable=SC2034	# for the scenario to release them early
	HOLD_PID=$SPAWNED_PID
	wait_until 5 grep -q locked "$T/holdlock.log" || fail "holdlock did not lock"
}

# make_sources DIR N: a program of N functions in N files plus main.c, and a
# Makefile that builds it with $(CC). Running it prints the sum 1+…+N.
make_sources() {
	local dir=$1 n=$2 i
	mkdir -p "$dir"
	for i in $(seq 1 "$n"); do
		printf 'int f%d(void);\nint f%d(void) { return %d; }\n' "$i" "$i" "$i" \
		    >"$dir/f$i.c"
	done
	{
		echo '#include <stdio.h>'
		for i in $(seq 1 "$n"); do echo "int f$i(void);"; done
		echo 'int main(void) { long s = 0;'
		for i in $(seq 1 "$n"); do echo "s += f$i();"; done
		printf '%s\n' 'printf("%ld\n", s); return 0; }'
	} >"$dir/main.c"
	{
		printf 'OBJS = main.o'
		for i in $(seq 1 "$n"); do printf ' f%d.o' "$i"; done
		printf '\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n'
		printf '%%.o: %%.c\n\t$(CC) -O2 -c $< -o $@\n'
		printf 'clean:\n\trm -f prog *.o\n'
	} >"$dir/Makefile"
}

# remote_jobs: how many jobs the test's distccds completed.
remote_jobs() {
	cat "$T"/distccd-*.log 2>/dev/null | grep -c 'COMPILE_OK' || true
}

# more_remote_jobs_than N: true once the distccds logged more than N jobs
# (distccd logs a job just after the client has its result: poll for it).
more_remote_jobs_than() {
	[ "$(remote_jobs)" -gt "$1" ]
}

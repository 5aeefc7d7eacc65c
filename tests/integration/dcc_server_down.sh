# Server stopped, and server that accepts but never answers: a 50-file build
# still succeeds, pays the fetch timeout once (not per file), says so once,
# and takes at most about 1 s longer than with a fresh list.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dcc_common.bash"

dcc_setup
write_client_conf "cores 2"
make_sources "$T/src" 49
PATH=$BIN:$PATH

build() {	# NAME: a clean 50-file build with dcc; sets SECS
	make -s -C "$T/src" clean >/dev/null
	: >"$T/dcc-$1.log"
	local t0 t1
	t0=$(date +%s%N)
	DCC_LOG=$T/dcc-$1.log make -s -C "$T/src" CC=dcc -j2 >"$T/make-$1.out" 2>&1 ||
	    { cat "$T/make-$1.out"; fail "$1: build failed"; }
	t1=$(date +%s%N)
	SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	assert_eq "$("$T/src/prog")" 1225 "$1: program output"
	say "$1: ${SECS} s"
}

within() {	# SECS BASE MAX_EXTRA
	awk -v s="$1" -v b="$2" -v m="$3" 'BEGIN { exit !(s - b <= m) }'
}

say "baseline with a fresh list"
dcc --refresh >/dev/null
build warmup
build fresh
BASE=$SECS
assert_eq "$(grep -c fetching "$T/dcc-fresh.log" || true)" 0 "fetches with a fresh list"

say "server stopped"
stop_server
make_stale "$CACHE/hosts"
build stopped
assert_eq "$(grep -c fetching "$T/dcc-stopped.log" || true)" 1 "fetch attempts"
assert_eq "$(grep -c 'cannot refresh' "$T/make-stopped.out" || true)" 1 "warnings"
within "$SECS" "$BASE" 1.5 || fail "server stopped: ${SECS} s against ${BASE} s"

say "server accepts but never answers (stopped with SIGSTOP)"
start_server
rm -f "$CACHE/failed"
dcc --refresh >/dev/null
build fresh-again
BASE=$SECS
kill -STOP "$SERVER_PID"
at_exit 'kill -CONT "$SERVER_PID" 2>/dev/null'
rm -f "$CACHE/failed"
make_stale "$CACHE/hosts"
build hanging
assert_eq "$(grep -c fetching "$T/dcc-hanging.log" || true)" 1 "fetch attempts"
assert_eq "$(grep -c 'cannot refresh' "$T/make-hanging.out" || true)" 1 "warnings"
assert_contains "$(cat "$CACHE/failed")" "timed out" "recorded failure"
within "$SECS" "$BASE" 2.0 || fail "hanging server: ${SECS} s against ${BASE} s"
kill -CONT "$SERVER_PID"

say "after the failure period the next dcc asks again and recovers"
touch -d '-30 seconds' "$CACHE/failed"
dcc -j >/dev/null
[ ! -e "$CACHE/failed" ] || fail "the failure stamp is still there"
age=$(( $(date +%s) - $(sed -n '1s/.*fetched=\([0-9]*\).*/\1/p' "$CACHE/hosts") ))
[ "$age" -le 5 ] || fail "the cache was not refreshed (age $age s)"

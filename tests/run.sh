#!/usr/bin/env bash
# Runs dyndistcc's tests and prints one PASS/FAIL/SKIP line per test, then
# "N passed, N failed" (", N skipped" when a test exited 77: it cannot run
# on this machine, and its last line says why). Logs are kept only for
# failures, in <build>/test-logs/.
#
#   tests/run.sh --build build [--san-build build-san] [--tsan-build build-tsan]
#                [--only unit|integration|browser|fuzz] [--filter REGEX]
#
# With --tsan-build, the scenarios that hammer the threaded server with
# concurrent requests run again against that ThreadSanitizer build, as
# integration-tsan/NAME; a race report fails them.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=build san='' tsan='' only='' filter=''
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--san-build) san=$2; shift ;;
	--tsan-build) tsan=$2; shift ;;
	--only) only=$2; shift ;;
	--filter) filter=$2; shift ;;
	*) echo "usage: $0 --build DIR [--san-build DIR] [--tsan-build DIR] [--only KIND] [--filter RE]" >&2; exit 2 ;;
	esac
	shift
done
case $build in /*) ;; *) build=$top/$build ;; esac
[ -n "$san" ] && case $san in /*) ;; *) san=$top/$san ;; esac
[ -n "$tsan" ] && case $tsan in /*) ;; *) tsan=$top/$tsan ;; esac
logs=$build/test-logs
rm -rf "$logs" && mkdir -p "$logs"
passed=0 failed=0 skipped=0 failures=()

# Every test finds the programs here; integration tests source tests/lib/lib.sh.
export DYNDISTCC_BUILD=$build DYNDISTCC_TOP=$top
ASAN_BASE=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
UBSAN_BASE=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# tests/tsan.supp: reports inside uninstrumented libraries, each with its reason
TSAN_BASE=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66:second_deadlock_stack=1}
[ -f "$top/tests/tsan.supp" ] && TSAN_BASE=$TSAN_BASE:suppressions=$top/tests/tsan.supp
# The sanitizers write their reports into a directory of each test's own
# (log_path), so a report from any program the test ran, also one whose
# output the test swallowed, fails the test; lib.sh's cleanup looks there
# too. Open to all: some scenarios run the programs as another user.
san_root=$(mktemp -d "${TMPDIR:-/tmp}/dyndistcc-san.XXXXXX")
chmod 0755 "$san_root"
san_report='(ERROR|WARNING): [A-Za-z]+Sanitizer|runtime error:'
trap 'rm -rf "$san_root"' EXIT

run_one() {	# name timeout command...
	local name=$1 limit=$2; shift 2
	local log=$logs/${name//\//_}.log t0 t1 rc
	if [ -n "$filter" ] && ! [[ $name =~ $filter ]]; then return; fi
	local san=$san_root/${name//\//_}
	mkdir -m 1777 "$san"
	t0=$(date +%s.%N)
	DYNDISTCC_SAN_LOGS=$san \
	ASAN_OPTIONS=$ASAN_BASE:log_path=$san/asan \
	UBSAN_OPTIONS=$UBSAN_BASE:log_path=$san/ubsan \
	TSAN_OPTIONS=$TSAN_BASE:log_path=$san/tsan \
	    timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1 </dev/null
	rc=$?
	# a report, maybe from a late exit; GCC's UBSan ignores log_path and
	# writes to stderr, which may be the test's own output
	if [ -n "$(ls -A "$san")" ] || grep -Eq "$san_report" "$log"; then
		for f in "$san"/*; do
			[ -f "$f" ] || continue
			echo "---- sanitizer report $(basename "$f")"
			head -n 60 "$f"
		done >>"$log"
		echo "FAIL: sanitizer report" >>"$log"
		[ $rc -eq 0 ] || [ $rc -eq 77 ] && rc=1
	fi
	rm -rf "$san"
	t1=$(date +%s.%N)
	local secs; secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	if [ $rc -eq 0 ]; then
		printf 'PASS %-44s %6ss\n' "$name" "$secs"
		passed=$((passed + 1))
		rm -f "$log"
	elif [ $rc -eq 77 ]; then	# the test cannot run here, and says why
		printf 'SKIP %-44s %6ss  (%s)\n' "$name" "$secs" "$(tail -n 1 "$log")"
		skipped=$((skipped + 1))
		rm -f "$log"
	else
		[ $rc -eq 124 ] && echo "(timed out after ${limit}s)" >>"$log"
		printf 'FAIL %-44s %6ss  (exit %d, log: %s)\n' "$name" "$secs" "$rc" "$log"
		tail -n 25 "$log" | sed 's/^/     | /'
		failed=$((failed + 1))
		failures+=("$name")
	fi
}

if [ -z "$only" ] || [ "$only" = unit ]; then
	# Go by the sources, so a stale binary of a removed test never runs and
	# a test that failed to build counts as a failure.
	for src in "$top"/tests/unit/test_*.c; do
		[ -f "$src" ] || continue
		name=$(basename "$src" .c)
		run_one "unit/$name" 120 "$build/tests/$name"
		if [ -n "$san" ] && [ "$san" != "$build" ]; then
			run_one "unit-san/$name" 300 "$san/tests/$name"
		fi
	done
fi
if [ -z "$only" ] || [ "$only" = fuzz ]; then
	# Each fuzz target (tests/fuzz/fuzz_*.c, linked with replay.c's main)
	# on its seed corpus, whole and cut short; again under the sanitizers.
	for src in "$top"/tests/fuzz/fuzz_*.c; do
		[ -f "$src" ] || continue
		name=$(basename "$src" .c)
		seeds=$top/tests/fuzz/seeds-$name
		[ -d "$seeds" ] || { run_one "fuzz/${name#fuzz_}" 10 sh -c "echo 'no seeds: $seeds'; exit 1"; continue; }
		run_one "fuzz/${name#fuzz_}" 120 "$build/tests/$name" "$seeds"
		if [ -n "$san" ] && [ "$san" != "$build" ]; then
			run_one "fuzz-san/${name#fuzz_}" 300 "$san/tests/$name" "$seeds"
		fi
	done
fi
if [ -z "$only" ] || [ "$only" = integration ]; then
	for t in "$top"/tests/integration/*.sh; do
		run_one "integration/$(basename "$t" .sh)" 600 bash "$t"
	done
	# The server's HTTP thread pool, its sweeper and SQLite under
	# concurrent check-ins, project and node deletion, a locked database,
	# a log flood and a crash mid-write. Few, as TSan is slow.
	if [ -n "$tsan" ]; then
		for t in server_races server_dblock server_flood server_startup; do
			run_one "integration-tsan/$t" 900 env DYNDISTCC_BUILD="$tsan" \
			    bash "$top/tests/integration/$t.sh"
		done
	fi
fi
if [ -z "$only" ] || [ "$only" = browser ]; then
	for t in "$top"/tests/browser/*.test.mjs; do
		[ -f "$t" ] && run_one "browser/$(basename "$t" .test.mjs)" 300 node "$t"
	done
fi

[ $failed -gt 0 ] && printf 'failed: %s\n' "${failures[*]}"
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ] && [ $passed -gt 0 ]

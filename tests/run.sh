#!/usr/bin/env bash
# Runs dyndistcc's tests and prints one PASS/FAIL/SKIP line per test, then
# "N passed, N failed" (", N skipped" when a test exited 77: it cannot run
# on this machine, and its last line says why). Logs are kept only for
# failures, in <build>/test-logs/.
#
#   tests/run.sh --build build [--san-build build-san] [--only unit|integration|browser]
#                [--filter REGEX]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=build san='' only='' filter=''
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--san-build) san=$2; shift ;;
	--only) only=$2; shift ;;
	--filter) filter=$2; shift ;;
	*) echo "usage: $0 --build DIR [--san-build DIR] [--only KIND] [--filter RE]" >&2; exit 2 ;;
	esac
	shift
done
case $build in /*) ;; *) build=$top/$build ;; esac
[ -n "$san" ] && case $san in /*) ;; *) san=$top/$san ;; esac
logs=$build/test-logs
rm -rf "$logs" && mkdir -p "$logs"
passed=0 failed=0 skipped=0 failures=()

# Every test finds the programs here; integration tests source tests/lib/lib.sh.
export DYNDISTCC_BUILD=$build DYNDISTCC_TOP=$top
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {	# name timeout command...
	local name=$1 limit=$2; shift 2
	local log=$logs/${name//\//_}.log t0 t1 rc
	if [ -n "$filter" ] && ! [[ $name =~ $filter ]]; then return; fi
	t0=$(date +%s.%N)
	timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1 </dev/null
	rc=$?
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
if [ -z "$only" ] || [ "$only" = integration ]; then
	for t in "$top"/tests/integration/*.sh; do
		run_one "integration/$(basename "$t" .sh)" 600 bash "$t"
	done
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

#!/usr/bin/env bash
# Runs every tests/bench/bench_*.sh in turn. Each prints its figures as ratios
# against a baseline measured in the same run.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
export DYNDISTCC_BUILD=$build DYNDISTCC_TOP=$top
sh "$top/scripts/deps.sh" bench || exit 1
rc=0
for b in "$top"/tests/bench/bench_*.sh; do
	[ -f "$b" ] || continue
	echo "### $(basename "$b" .sh)"
	bash "$b" || { echo "($(basename "$b") failed)"; rc=1; }
	echo
done
exit $rc

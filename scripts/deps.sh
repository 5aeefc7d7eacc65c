#!/bin/sh
# deps.sh — installs what dyndistcc needs from Debian's packages, skipping
# what is already there. As non-root it prints the exact command to run.
#
#   scripts/deps.sh [build] [run] [test] [bench] [fuzz]   (default: build run test)
set -eu

build="gcc make pkg-config libmicrohttpd-dev libsqlite3-dev libcurl4-openssl-dev libcjson-dev"
run="distcc curl ca-certificates openssl"
test="g++ jq sqlite3 iproute2 procps psmisc man-db systemd chromium dpkg-dev python3 wget"
bench="wrk nginx-light hyperfine"
fuzz="clang libclang-rt-14-dev"

groups=${*:-build run test}
want=
for g in $groups; do
	case $g in
	build) want="$want $build" ;;
	run) want="$want $run" ;;
	test) want="$want $test" ;;
	bench) want="$want $bench" ;;
	fuzz) want="$want $fuzz" ;;
	*) echo "deps.sh: unknown group '$g' (build run test bench fuzz)" >&2; exit 2 ;;
	esac
done

# Node.js may come from another packaging (nodesource bundles npm); only ask
# Debian for it when the commands are absent.
case " $groups " in *" test "*)
	command -v node >/dev/null 2>&1 || want="$want nodejs"
	command -v npm >/dev/null 2>&1 || want="$want npm"
esac

missing=
for p in $want; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "dyndistcc needs these Debian packages:$missing" >&2
		echo "run: sudo apt-get update && sudo apt-get install -y$missing" >&2
		exit 1
	fi
	echo "  DEPS   $missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The browser test drives Debian's chromium with playwright-core from npm.
case " $groups " in *" test "*)
	# playwright-core is pinned to a release that runs on Debian 12's Node 18;
	# reinstall whenever the lockfile changes.
	dir=$(dirname "$0")/../tests/browser
	if [ -f "$dir/package-lock.json" ] &&
	    ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.dyndistcc-lock"; then
		echo "  NPM     playwright-core"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null &&
		    cp package-lock.json node_modules/.dyndistcc-lock)
	fi
esac
exit 0

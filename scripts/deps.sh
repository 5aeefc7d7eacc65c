#!/bin/sh
# deps.sh — installs what dyndistcc needs from Debian's packages, skipping
# what is already there. It names every package before apt-get runs; as
# non-root it changes nothing and prints the command to run instead. With
# everything present it needs no root and installs nothing.
#
#   scripts/deps.sh [-n] [build] [run] [test] [deb] [bench] [fuzz]   (default: build run test)
#
#   -n   only list the missing packages (exit 1 when some are missing)
set -eu

build="gcc make pkg-config libmicrohttpd-dev libsqlite3-dev libcurl4-openssl-dev libcjson-dev"
run="distcc curl ca-certificates openssl"
# make deb: Debian's own packaging tools.
deb="dpkg-dev debhelper fakeroot lintian"
# The tests: the browser test's chromium, the C++ and build-system tests'
# compilers and tools (CMake, Ninja, Meson, ccache, autotools), the bash
# completion test's bash-completion, the shell scripts' lint (shellcheck),
# and the package test's $deb.
test="g++ jq sqlite3 iproute2 procps psmisc man-db systemd chromium python3 wget
      cmake ninja-build meson ccache autoconf automake bash-completion shellcheck $deb"
bench="wrk nginx-light hyperfine"
fuzz="clang libclang-rt-14-dev"

list=0
if [ "${1:-}" = -n ]; then list=1; shift; fi
groups=${*:-build run test}
want=
for g in $groups; do
	case $g in
	build) want="$want $build" ;;
	run) want="$want $run" ;;
	test) want="$want $test" ;;
	deb) want="$want $deb" ;;
	bench) want="$want $bench" ;;
	fuzz) want="$want $fuzz" ;;
	*) echo "deps.sh: unknown group '$g' (build run test deb bench fuzz)" >&2; exit 2 ;;
	esac
done

# Node.js may come from another packaging (nodesource bundles npm); only ask
# Debian for it when the commands are absent.
case " $groups " in *" test "*)
	command -v node >/dev/null 2>&1 || want="$want nodejs"
	command -v npm >/dev/null 2>&1 || want="$want npm"
esac

missing=
for p in $(echo "$want" | xargs -n 1 | sort -u); do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	n=$(echo "$missing" | wc -w)
	if [ "$list" = 1 ]; then
		echo "deps.sh: $n missing ($groups):$missing"
		exit 1
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: dyndistcc needs $n more Debian packages ($groups):$missing" >&2
		echo "deps.sh: run as root: apt-get update && apt-get install --no-install-recommends$missing" >&2
		exit 1
	fi
	# Say what is about to change before it changes, so nobody finds
	# packages on the machine they did not know make would install.
	echo "deps.sh: installing $n Debian packages ($groups) with apt-get:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	echo "deps.sh: installed:$missing"
fi
[ "$list" = 1 ] && exit 0

# The browser test drives Debian's chromium with playwright-core from npm.
case " $groups " in *" test "*)
	# playwright-core is pinned to a release that runs on Debian 12's Node 18;
	# reinstall whenever the lockfile changes.
	dir=$(dirname "$0")/../tests/browser
	if [ -f "$dir/package-lock.json" ] &&
	    ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.dyndistcc-lock"; then
		echo "deps.sh: installing playwright-core from npm into tests/browser/node_modules (npm ci)"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null &&
		    cp package-lock.json node_modules/.dyndistcc-lock)
	fi
esac
exit 0

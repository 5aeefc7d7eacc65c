# A real code base that is not ours: Debian's zlib source package, built
# across a 3-node pool with make -j$(dcc -j) CC=dcc. The build succeeds, its
# own test suite passes, every node's distccd ran jobs, and every object is
# byte-identical to a local build of the same tree in the same directory.
#
# The source comes from `apt-get source` with a private apt configuration
# (a deb-src line for the machine's own mirror and suite), so the machine's
# apt setup is left untouched. It is kept in $DYNDISTCC_TEST_CACHE
# (/var/cache/dyndistcc-tests, or ~/.cache/dyndistcc-tests for a user other
# than root) so later runs need no network.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"

PKG=zlib
CACHE=${DYNDISTCC_TEST_CACHE:-/var/cache/dyndistcc-tests}
# Not root: /var/cache is not ours to write, the user's own cache is.
[ -n "${DYNDISTCC_TEST_CACHE:-}" ] || [ "$(id -u)" -eq 0 ] ||
	CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/dyndistcc-tests

# mirror_suite: "URI SUITE" of the machine's own Debian archive.
mirror_suite() {
	local f=/etc/apt/sources.list.d/debian.sources uri='' suite=''
	if [ -r "$f" ]; then
		uri=$(awk '$1 == "URIs:" { print $2; exit }' "$f")
		suite=$(awk '$1 == "Suites:" { print $2; exit }' "$f")
	fi
	if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
		read -r uri suite < <(awk '$1 == "deb" && $2 !~ /^\[/ { print $2, $3; exit }' \
		    /etc/apt/sources.list) || true
	fi
	echo "${uri:-http://deb.debian.org/debian} ${suite:-bookworm}"
}

# fetch_source DIR: the package's .dsc and tarballs in DIR, downloaded once.
fetch_source() {
	local dir=$1 apt
	ls "$dir"/${PKG}_*.dsc >/dev/null 2>&1 && return 0
	command -v dpkg-source >/dev/null || fail "dpkg-source missing (scripts/deps.sh test installs dpkg-dev)"
	mkdir -p "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial" "$dir.tmp"
	echo "deb-src $(mirror_suite) main" >"$CACHE/apt/sources.list"
	apt=(-o "Dir::Etc::sourcelist=$CACHE/apt/sources.list" -o Dir::Etc::sourceparts=-
	    -o "Dir::State::Lists=$CACHE/apt/lists" -o "Dir::Cache=$CACHE/apt/cache"
	    -o APT::Sandbox::User=root -q)
	say "downloading the $PKG source package ($(cat "$CACHE/apt/sources.list"))"
	apt-get "${apt[@]}" update >"$T/apt.log" 2>&1 ||
		{ cat "$T/apt.log"; fail "apt-get update (private sources) failed"; }
	(cd "$dir.tmp" && apt-get "${apt[@]}" source --download-only "$PKG") >>"$T/apt.log" 2>&1 ||
		{ cat "$T/apt.log"; fail "apt-get source $PKG failed"; }
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
fetch_source "$CACHE/$PKG"
flock -u 9
dsc=$(find "$CACHE/$PKG" -maxdepth 1 -name "${PKG}_*.dsc" | sort | head -n 1)
say "source: $(basename "$dsc") from $CACHE/$PKG"

start_server --heartbeat 2 --ttl 6 --refresh-after 2
create_project zlib
NODES=(n1 n2 n3)
pool_node n1 127.0.0.2 zlib "$KEY" 2
pool_node n2 127.0.0.3 zlib "$KEY" 2
pool_node n3 127.0.0.4 zlib "$KEY" 2
pool_client dev zlib "$KEY" 1

# Both builds run in the same directory, one after the other, so nothing
# that records the build path can differ.
src=$T/$PKG
dpkg-source -x "$dsc" "$src" >"$T/dpkg-source.log" 2>&1 ||
	{ cat "$T/dpkg-source.log"; fail "dpkg-source -x failed"; }
cd "$src"
# zlib's own flags (-O3, no -g): with -g, gcc's line table for distcc's
# preprocessed (.i) compile can differ from compiling the .c file (an extra
# row for a line of a multi-line macro call in gzlib.c), whoever runs it.
CC=gcc ./configure >"$T/configure.log" 2>&1 || { cat "$T/configure.log"; fail "configure failed"; }
say "local build: make -j2 CC=gcc"
make -s -j2 CC=gcc >"$T/local.log" 2>&1 || { cat "$T/local.log"; fail "local build failed"; }
mkdir "$T/ref"
objects=$(find . \( -name '*.o' -o -name '*.lo' \) -printf '%P\n' | sort)
[ "$(wc -l <<<"$objects")" -ge 20 ] || fail "only $(wc -l <<<"$objects") objects in the local build"
while read -r o; do
	mkdir -p "$T/ref/$(dirname "$o")"
	cp "$o" "$T/ref/$o"
done <<<"$objects"
make -s clean >/dev/null 2>&1
[ -z "$(find . -name '*.o' -o -name '*.lo')" ] || fail "make clean left objects"

pool_wait_settled 30 "${NODES[@]}" || fail "the nodes did not settle"
pool=$(pool_run dev dcc -j)
assert_eq "$pool" 7 "dcc -j (1 local + 3 nodes x 2)"
say "pool build: make -j$pool CC=dcc"
t0=$(date +%s%N)
pool_run dev make -s -j"$pool" CC=dcc >"$T/pool.log" 2>&1 ||
	{ cat "$T/pool.log"; fail "the build through the pool failed"; }
echo "built in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
pool_run dev make -s test CC=dcc >"$T/test.log" 2>&1 ||
	{ cat "$T/test.log"; fail "zlib's make test failed"; }
grep -q '\*\*\* zlib test OK \*\*\*' "$T/test.log" || { cat "$T/test.log"; fail "no 'zlib test OK'"; }
grep -c 'zlib.*test OK' "$T/test.log" | sed 's/^/zlib test suites passed: /'

total=0
for n in "${NODES[@]}"; do
	j=$(pool_jobs "$n")
	[ "$j" -gt 0 ] || fail "$n's distccd ran no jobs"
	echo "$n: $j jobs"
	total=$((total + j))
done
echo "remote jobs: $total"

say "objects against the local build"
same=0
while read -r o; do
	[ -f "$o" ] || fail "$o missing after the pool build"
	cmp -s "$o" "$T/ref/$o" || fail "$o differs from the local build"
	same=$((same + 1))
done <<<"$objects"
echo "$same objects identical"
echo "ok"

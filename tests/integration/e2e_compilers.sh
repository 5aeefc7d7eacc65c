# A pool whose members run different compilers under the same names
# (issue 12). On loopback: a developer machine `dev` and three nodes.
#   a: the same gcc as dev, and the cross compiler;
#   b: another "gcc": a wrapper first on its PATH under the name distccd
#      really runs for a gcc job (x86_64-linux-gnu-gcc: distcc's cross
#      rewrite), which reports another version and builds other code; the
#      same cross compiler as dev;
#   c: the same gcc as dev, and no cross compiler (the name is in its
#      masquerade directory, nothing behind it).
# dev builds a tree of gcc and cross-compiled files through its masquerade
# directory: no gcc job reaches b, no cross job reaches c (distccd's logs on
# the nodes, distcc's own log on dev), no job falls back to local, and every
# object equals a local build byte for byte. dcc -j gcc and dcc -j CROSS
# are the two pools. Then b's wrapper goes: b joins gcc's list within one
# heartbeat, and gets gcc jobs.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/compilers.bash"

HB=2
mkdir -m 755 "$T/wrap"
# b's other gcc
cat >"$T/wrap/$TRIPLE-gcc" <<EOF
#!/bin/sh
# dyndistcc test: another compiler under the name $TRIPLE-gcc. It reports
# another version and builds other code (-O0 after the caller's flags).
for a; do
	case \$a in
	-v) echo "gcc version 99.1.0 (dyndistcc test wrapper)" >&2 ;;
	-dumpfullversion|-dumpversion) echo 99.1.0; exit 0 ;;
	esac
done
exec /usr/bin/$TRIPLE-gcc "\$@" -O0
EOF
chmod 0755 "$T/wrap/$TRIPLE-gcc"

compilers_server $HB
PATH=$T/cross:$PATH mix_node dev 127.0.0.5 1
PATH=$T/cross:$PATH mix_node a 127.0.0.2 2
PATH=$T/wrap:$T/cross:$PATH mix_node b 127.0.0.3 3
mix_node c 127.0.0.4 4

# pools: "gcc's cross's" pool sizes as dev's dcc -j sees them.
pools() { echo "$(as_dev dcc -j gcc) $(as_dev dcc -j "$CROSS")"; }
pools_are() { [ "$(pools)" = "$1" ]; }
# gcc's pool: dev 1 + a 2 + c 4; the cross compiler's: dev 1 + a 2 + b 3
wait_until 40 pools_are "7 6" ||
	fail "pools (gcc cross) are $(pools), not 7 6; dev's list: $(cat "$T/dev/state/hosts")"
wait_until 20 listening dev a b c || fail "the job ports are not all listening"
assert_eq "$(as_dev dcc -j)" 7 "dcc -j (cc: the same compiler as gcc)"
assert_eq "$(as_dev dcc -j "$T/cross/$CROSS")" 6 "dcc -j with the cross compiler's path"

say "the server sees b's gcc for what it is"
nodes=$(curl -fsS -H "Authorization: Bearer $KEY" "$SERVER_URL/api/v1/nodes?project=mix")
bgcc=$(jq -r --arg a 127.0.0.3 '.nodes[] | select(.addr == $a) | .compilers[] |
    select(.name == "gcc") | "\(.version) \(.fp)"' <<<"$nodes")
agcc=$(jq -r --arg a 127.0.0.2 '.nodes[] | select(.addr == $a) | .compilers[] |
    select(.name == "gcc") | "\(.version) \(.fp)"' <<<"$nodes")
assert_eq "${bgcc% *}" 99.1.0 "b's gcc version"
[ "${agcc#* }" != "${bgcc#* }" ] || fail "a and b report the same gcc fingerprint"
assert_eq "$(jq -r --arg a 127.0.0.4 --arg x "$CROSS" '[.nodes[] | select(.addr == $a) |
    .compilers[] | select(.name == $x)] | length' <<<"$nodes")" 0 "c's cross compilers"
st=$(as_dev dcc --status)
assert_contains "$st" "differs: version 99.1.0 there" "dcc --status on b's gcc"
assert_contains "$st" "no $CROSS there" "dcc --status on c"

# The tree: 12 files for gcc, 12 for the cross compiler.
G='g_[0-9]+\.c' X='x_[0-9]+\.c'	# their names, for jobs and sent
src=$T/src
mkdir "$src"
for i in $(seq 12); do
	printf 'int g_%d(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * %d; return s; }\n' \
	    "$i" "$i" >"$src/g_$i.c"
	printf 'int x_%d(int x) { int s = 1; for (int i = 1; i < x; i++) s *= i + %d; return s; }\n' \
	    "$i" "$i" >"$src/x_$i.c"
done
cat >"$src/Makefile" <<EOF
G = \$(patsubst %.c,%.o,\$(sort \$(wildcard g_*.c)))
X = \$(patsubst %.c,%.o,\$(sort \$(wildcard x_*.c)))
all: \$(G) \$(X)
g_%.o: g_%.c
	gcc -O2 -c -o \$@ \$<
x_%.o: x_%.c
	$CROSS -O2 -c -o \$@ \$<
clean:
	rm -f *.o
EOF
cd "$src"
say "local build, for reference"
PATH=$T/cross:$PATH make -s -j2 >"$T/local.log" 2>&1 || { cat "$T/local.log"; fail "local build"; }
mkdir "$T/ref" && mv ./*.o "$T/ref/"

# build N: dev builds the tree through its masquerade directory; checks
# that no job met an incompatible compiler or fell back, and that every
# object is the local build's.
build() {
	: >"$T/distcc.log"
	as_dev make -s -j8 >"$T/build$1.log" 2>&1 || { cat "$T/build$1.log"; fail "build $1"; }
	assert_eq "$(fallbacks "$T/build$1.log") $(fallbacks "$T/distcc.log")" "0 0 0 0" \
	    "build $1: local fallbacks and backoffs (build output, distcc's log)"
	for o in "$T"/ref/*.o; do
		cmp -s "$o" "$(basename "$o")" || fail "build $1: $(basename "$o") differs from the local build"
	done
	# distccd logs a job just after the client has its result
	sleep 1
}

say "dev builds 24 files through its masquerade directory"
build 1
for n in a b c; do
	printf '  %s: %2d gcc jobs, %2d cross jobs (distccd); distcc on dev sent %d and %d\n' "$n" \
	    "$(compiler_jobs "$n" "$TRIPLE-gcc" "$G")" "$(compiler_jobs "$n" "$CROSS" "$X")" \
	    "$(sent "${POOL_ADDR[$n]}" "$G")" "$(sent "${POOL_ADDR[$n]}" "$X")"
done
printf '  dev: %d gcc, %d cross compiled locally by choice\n' \
    "$(grep -c 'compile g_[0-9]*\.c on localhost completed ok' "$T/distcc.log")" \
    "$(grep -c 'compile x_[0-9]*\.c on localhost completed ok' "$T/distcc.log")"
assert_eq "$(compiler_jobs b "$TRIPLE-gcc" "$G") $(sent 127.0.0.3 "$G")" "0 0" "gcc jobs at b (the other gcc)"
assert_eq "$(compiler_jobs c "$CROSS" "$X") $(sent 127.0.0.4 "$X")" "0 0" "cross jobs at c (which has none)"
[ $(( $(compiler_jobs a "$TRIPLE-gcc" "$G") + $(compiler_jobs c "$TRIPLE-gcc" "$G") )) -gt 0 ] ||
	fail "no gcc job left dev: the test proves nothing"
[ $(( $(compiler_jobs a "$CROSS" "$X") + $(compiler_jobs b "$CROSS" "$X") )) -gt 0 ] ||
	fail "no cross job left dev: the test proves nothing"

say "b's wrapper goes: b joins gcc's list within one heartbeat"
gccfp=${agcc#* }
in_gcc_list() {
	case " $(curl -fsS -H 'Accept: text/plain' -H "Authorization: Bearer $KEY" \
	    "$SERVER_URL/api/v1/projects/mix/hosts?cores=1&fp=$gccfp") " in
	*" 127.0.0.3:${POOL_PORT[b]}/"*) return 0 ;;
	esac
	return 1
}
in_gcc_list && fail "b is in gcc's list before the change"
t0=$(date +%s.%N)
rm "$T/wrap/$TRIPLE-gcc"
wait_until 20 in_gcc_list || fail "b did not join gcc's list"
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
echo "  in the server's list after $secs s (heartbeat $HB s)"
# b reports the change with its next check-in: within a heartbeat, plus the
# fingerprinting; the bound leaves room for a loaded machine (the figure
# itself is measured by tests/bench/bench_compilers.sh)
awk -v s="$secs" -v h="$HB" 'BEGIN { exit !(s <= 3 * h) }' ||
	fail "b joined after $secs s, not at its next check-in (heartbeat $HB s)"
wait_until 20 pools_are "10 6" || fail "dev's pools are $(pools), not 10 6"
t2=$(date +%s.%N)
echo "  in dev's list after $(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s"
grep -q "compilers changed" "$T/b.log" || fail "b did not log the change"

say "dev builds again: b takes gcc jobs now"
make -s clean
b_before=$(compiler_jobs b "$TRIPLE-gcc" "$G")
build 2
[ "$(compiler_jobs b "$TRIPLE-gcc" "$G")" -gt "$b_before" ] || fail "b got no gcc job after the change"
assert_eq "$(compiler_jobs c "$CROSS" "$X")" 0 "cross jobs at c"

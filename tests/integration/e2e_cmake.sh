# CMake (Debian's) with CMAKE_C_COMPILER_LAUNCHER=dcc and a compiler given
# by absolute path outside /usr/bin, as a cross toolchain is: CMake runs
# `dcc /…/cross/arm-…-gcc … -c /…/f.c`, dcc runs it by name with its
# directory first on PATH (distccd refuses absolute names), and the jobs go
# to the member with the same cross compiler, never to the one without.
# The objects equal those of the same build without the launcher.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/compilers.bash"

command -v cmake >/dev/null || { echo "no cmake (apt-get install cmake)"; exit 77; }
compilers_server 2
PATH=$T/cross:$PATH mix_node dev 127.0.0.5 1
PATH=$T/cross:$PATH mix_node a 127.0.0.2 3
mix_node c 127.0.0.4 3		# gcc, but no cross compiler
cross_pool() { [ "$(as_dev dcc -j "$T/cross/$CROSS")" = 4 ]; }
wait_until 40 cross_pool ||
	fail "the cross compiler's pool is $(as_dev dcc -j "$T/cross/$CROSS"), not 4 (dev 1 + a 3)"
wait_until 20 listening dev a c || fail "the job ports are not all listening"

src=$T/src
mkdir "$src"
for i in $(seq 10); do
	printf 'int k_%d(int x) { return x * %d + %d; }\n' "$i" "$i" "$((i % 3))" >"$src/k_$i.c"
done
cat >"$src/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.13)
project(launcher C)
file(GLOB SOURCES k_*.c)
add_library(k STATIC ${SOURCES})
EOF

# configure DIR [cmake args...]: a build directory for the cross compiler.
configure() {
	local dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && as_dev cmake -DCMAKE_C_COMPILER="$T/cross/$CROSS" \
	    -DCMAKE_C_FLAGS=-O2 "$@" "$src") >"$T/cmake.log" 2>&1 ||
		{ cat "$T/cmake.log"; fail "cmake $*"; }
}

say "the reference build, without the launcher"
configure "$T/build"
as_dev make -C "$T/build" -s -j2 >"$T/ref.log" 2>&1 || { cat "$T/ref.log"; fail "reference build"; }
mkdir "$T/ref"
(cd "$T/build" && find . -name '*.o' -exec cp --parents {} "$T/ref" \;)

say "CMAKE_C_COMPILER_LAUNCHER=dcc"
rm -rf "$T/build"
configure "$T/build" -DCMAKE_C_COMPILER_LAUNCHER=dcc
grep -q "^CMAKE_C_COMPILER_LAUNCHER:.*=dcc$" "$T/build/CMakeCache.txt" ||
	fail "the launcher is not in CMake's cache"
: >"$T/distcc.log"
as_dev make -C "$T/build" -s -j6 >"$T/build.log" 2>&1 || { cat "$T/build.log"; fail "build with the launcher"; }
grep -q "exec on .*: $CROSS .*k_[0-9]*\\.c" "$T/distcc.log" ||
	fail "distcc never ran $CROSS by name: $(grep -m3 'exec on' "$T/distcc.log")"
sleep 1		# a job's log line comes just after the client has its result
K='[^ ]*k_[0-9]+\.c'
printf '  a: %d jobs (distcc on dev sent %d); c: %d (sent %d); dev compiled %d itself\n' \
    "$(compiler_jobs a "$CROSS" "$K")" "$(sent 127.0.0.2 "$K")" "$(compiler_jobs c "$CROSS" "$K")" \
    "$(sent 127.0.0.4 "$K")" "$(grep -cE "compile $K on localhost completed ok" "$T/distcc.log")"
[ "$(compiler_jobs a "$CROSS" "$K")" -gt 0 ] || fail "no job went to a: the absolute path did not distribute"
assert_eq "$(compiler_jobs c "$CROSS" "$K") $(sent 127.0.0.4 "$K")" "0 0" "jobs at c (no cross compiler)"
assert_eq "$(fallbacks "$T/build.log") $(fallbacks "$T/distcc.log")" "0 0 0 0" \
    "local fallbacks and backoffs (build output, distcc's log)"
(cd "$T/ref" && find . -name '*.o') | while read -r o; do
	cmp -s "$T/ref/$o" "$T/build/$o" || fail "$o differs from the build without the launcher"
done

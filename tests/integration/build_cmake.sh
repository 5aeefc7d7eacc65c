# CMake with dcc as the compiler launcher (README.md, "Build systems"):
# cmake -DCMAKE_C_COMPILER_LAUNCHER=dcc -DCMAKE_CXX_COMPILER_LAUNCHER=dcc,
# then cmake --build -j$(dcc -j). CMake runs "dcc /usr/bin/cc …" for each
# C and C++ compile (links run without it); the program works and some
# compiles ran on the nodes.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/build_common.bash"

command -v cmake >/dev/null || fail "cmake is missing (scripts/deps.sh test installs it)"
cmake --version | head -n 1
build_pool
build_sources "$T/src"
cat >"$T/src/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.13)
project(demo C CXX)
add_executable(demo $BUILD_C $BUILD_CXX)
EOF

say "configure with the launchers"
pool_run dev cmake -S "$T/src" -B "$T/b" -G "Unix Makefiles" \
    -DCMAKE_C_COMPILER_LAUNCHER=dcc -DCMAKE_CXX_COMPILER_LAUNCHER=dcc \
    >"$T/configure.log" 2>&1 || { cat "$T/configure.log"; fail "cmake configure"; }
grep -q '^CMAKE_C_COMPILER_LAUNCHER:.*=dcc$' "$T/b/CMakeCache.txt" || fail "no C launcher in the cache"

say "cmake --build -j$JOBS"
before=$(build_remote_jobs)
pool_run dev cmake --build "$T/b" -j "$JOBS" -- VERBOSE=1 >"$T/build.log" 2>&1 ||
    { cat "$T/build.log"; fail "cmake --build"; }
build_check_program "$T/b/demo"
# Every compile went through dcc, C++ too; the link did not.
grep -Eq '^dcc /usr/bin/(cc|gcc) .*c_1\.c' "$T/build.log" || fail "the C compiles did not run through dcc"
grep -Eq '^dcc /usr/bin/(c\+\+|g\+\+) .*cxx_1\.cpp' "$T/build.log" || fail "the C++ compiles did not run through dcc"
grep -E '^dcc .* -o demo( |$)' "$T/build.log" && fail "the link ran through dcc"
build_check_remote "$before" "cmake $(cmake --version | awk 'NR == 1 { print $3 }')"
say "ok"

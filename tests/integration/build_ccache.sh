# ccache in front of dcc (README.md, "Build systems"): CC="ccache gcc"
# CXX="ccache g++" CCACHE_PREFIX=dcc. ccache looks the object up with the
# real compiler's identity and only on a miss runs "dcc /usr/bin/gcc …", so
# the first build sends compiles to the nodes and the second, after make
# clean, takes every object from the cache and runs no compile through dcc.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/build_common.bash"

command -v ccache >/dev/null || fail "ccache is missing (scripts/deps.sh test installs it)"
ccache --version | head -n 1
build_pool
build_sources "$T/src"
cat >"$T/src/Makefile" <<'EOF'
OBJ = $(patsubst %.c,%.o,$(wildcard *.c)) $(patsubst %.cpp,%.o,$(wildcard *.cpp))
demo: $(OBJ)
	$(CXX) -o $@ $(OBJ)
%.o: %.c
	$(CC) -O2 -c -o $@ $<
%.o: %.cpp
	$(CXX) -O2 -c -o $@ $<
clean:
	rm -f demo *.o
EOF
export CCACHE_DIR=$T/ccache CCACHE_PREFIX=dcc CCACHE_LOGFILE=$T/ccache.log
ccache -z >/dev/null

# stat KEY: one counter of ccache --print-stats.
stat() { ccache --print-stats | awk -v k="$1" '$1 == k { print $2 }'; }
build() { pool_run dev make -s -C "$T/src" -j "$JOBS" CC="ccache gcc" CXX="ccache g++" "$@"; }
objects=$(echo "$BUILD_C $BUILD_CXX" | wc -w)

say "first build: every compile a miss, run through dcc"
before=$(build_remote_jobs)
build >"$T/build1.log" 2>&1 || { cat "$T/build1.log"; fail "first build"; }
build_check_program "$T/src/demo"
assert_eq "$(stat cache_miss)" "$objects" "ccache misses"
grep -Eq "Executing [^ ]*/dcc [^ ]*gcc .* c_1\.c$" "$T/ccache.log" || fail "ccache did not run the compile through dcc"
build_check_remote "$before" "ccache $(ccache --version | awk 'NR == 1 { print $3 }'), CCACHE_PREFIX=dcc"

say "after make clean: every object from the cache, dcc not run for a compile"
build clean >/dev/null
# compiles_through_dcc: the compiles ccache has handed to dcc so far.
compiles_through_dcc() { grep -Ec "Executing [^ ]*/dcc .* -c " "$T/ccache.log" || true; }
before=$(compiles_through_dcc)
assert_eq "$before" "$objects" "compiles handed to dcc by the first build"
build >"$T/build2.log" 2>&1 || { cat "$T/build2.log"; fail "second build"; }
build_check_program "$T/src/demo"
hits=$(( $(stat direct_cache_hit) + $(stat preprocessed_cache_hit) ))
assert_eq "$hits" "$objects" "ccache hits"
assert_eq "$(stat cache_miss)" "$objects" "ccache misses after the second build"
assert_eq "$(compiles_through_dcc)" "$before" "compiles handed to dcc by the cached build"
say "ok"

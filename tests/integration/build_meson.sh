# Meson (README.md, "Build systems"). Meson tells compilers apart by what
# "$CC --version" prints, and dcc --version prints dcc's own version, so
# CC=dcc alone is an "unknown compiler". What works: CC="dcc gcc"
# CXX="dcc g++" (Meson takes a command with arguments), or the masquerade
# directory first on PATH with CC=gcc CXX=g++ (gcc, cc … are links to dcc,
# which runs the real one for --version). Both are built here with -Dbackend_max_links=1 (links
# in a Ninja pool of their own) and ninja -j$(dcc -j); Meson names gcc, the
# program works and some compiles ran on the nodes.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/build_common.bash"

command -v meson >/dev/null || fail "meson is missing (scripts/deps.sh test installs it)"
command -v ninja >/dev/null || fail "ninja is missing (scripts/deps.sh test installs ninja-build)"
echo "meson $(meson --version)"
build_pool
build_sources "$T/src"
{
	echo "project('demo', 'c', 'cpp')"
	echo "executable('demo', '$(echo "$BUILD_C $BUILD_CXX" | sed "s/ /', '/g")')"
} >"$T/src/meson.build"

# setup_and_build DIR WHAT ENV...: meson setup in DIR with ENV, then ninja.
setup_and_build() {
	local dir=$1 what=$2 before
	shift 2
	pool_run dev env "$@" meson setup -Dbackend_max_links=1 "$dir" "$T/src" \
	    >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; fail "meson setup ($what)"; }
	grep -E '^C(\+\+)? compiler for the host machine' "$dir.setup.log"
	grep -q '^C compiler for the host machine: .*(gcc ' "$dir.setup.log" ||
	    fail "Meson did not recognise gcc ($what)"
	grep -A1 '^pool link_pool' "$dir/build.ninja" | grep -q 'depth = 1' ||
	    fail "no link pool of depth 1 in build.ninja ($what)"
	before=$(build_remote_jobs)
	pool_run dev env "$@" ninja -C "$dir" -j "$JOBS" >"$dir.build.log" 2>&1 ||
	    { cat "$dir.build.log"; fail "ninja ($what)"; }
	build_check_program "$dir/demo"
	build_check_remote "$before" "meson $(meson --version), $what"
}

say "CC=\"dcc gcc\" CXX=\"dcc g++\""
setup_and_build "$T/b1" 'CC="dcc gcc"' CC="dcc gcc" CXX="dcc g++"
grep -q "dcc gcc" "$T/b1/build.ninja" || fail "build.ninja does not compile with dcc gcc"

say "the masquerade directory first on PATH"
mkdir "$T/masq"
for c in cc c++ gcc g++; do ln -s "$BIN/dcc" "$T/masq/$c"; done
# CC and CXX set: with neither, Meson puts ccache in front of cc when ccache
# is installed, and ccache would then hash dcc (the link) for the compiler.
setup_and_build "$T/b2" "masquerade PATH, CC=gcc" PATH="$T/masq:$BIN:$PATH" CC=gcc CXX=g++
grep -q ccache "$T/b2.setup.log" && fail "Meson put ccache in front of the masquerade link"
say "ok"

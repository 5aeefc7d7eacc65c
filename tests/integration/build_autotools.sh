# Autotools (README.md, "Build systems"): ./configure CC=dcc CXX="dcc g++",
# then make -j$(dcc -j). configure's compiler checks run through dcc (which
# compiles and links locally what distcc cannot send), its Makefile keeps
# CC=dcc; the program works, make check passes, and some compiles ran on
# the nodes.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/build_common.bash"

for t in autoreconf automake; do
	command -v $t >/dev/null || fail "$t is missing (scripts/deps.sh test installs autoconf and automake)"
done
autoconf --version | head -n 1
automake --version | head -n 1
build_pool
build_sources "$T/src"
cat >"$T/src/configure.ac" <<'EOF'
AC_INIT([demo], [1.0])
AM_INIT_AUTOMAKE([foreign])
AC_PROG_CC
AC_PROG_CXX
AC_CONFIG_FILES([Makefile])
AC_OUTPUT
EOF
cat >"$T/src/Makefile.am" <<EOF
bin_PROGRAMS = demo
demo_SOURCES = $BUILD_C $BUILD_CXX
check-local:
	test "\$\$(./demo)" = $BUILD_SUM
EOF
(cd "$T/src" && autoreconf -i) >"$T/autoreconf.log" 2>&1 || { cat "$T/autoreconf.log"; fail "autoreconf -i"; }

say "./configure CC=dcc CXX=\"dcc g++\""
(cd "$T/src" && pool_run dev ./configure CC=dcc CXX="dcc g++") >"$T/configure.log" 2>&1 ||
    { cat "$T/configure.log"; fail "configure"; }
grep -q '^CC = dcc$' "$T/src/Makefile" || fail "the Makefile does not compile with CC = dcc"
grep -q '^CXX = dcc g++$' "$T/src/Makefile" || fail "the Makefile does not compile with CXX = dcc g++"
grep -q 'checking whether the C compiler works... yes' "$T/configure.log" || fail "configure: C compiler"

say "make -j$JOBS && make check"
before=$(build_remote_jobs)
pool_run dev make -s -C "$T/src" -j "$JOBS" >"$T/build.log" 2>&1 || { cat "$T/build.log"; fail "make"; }
build_check_program "$T/src/demo"
pool_run dev make -s -C "$T/src" check >"$T/check.log" 2>&1 || { cat "$T/check.log"; fail "make check"; }
build_check_remote "$before" "autoconf $(autoconf --version | awk 'NR == 1 { print $4 }'), automake $(automake --version | awk 'NR == 1 { print $4 }'), CC=dcc"
say "ok"

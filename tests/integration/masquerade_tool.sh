# dyndistcc-masquerade: links every compiler found on PATH to dcc (and
# nothing else), keeps names given with --add across runs, honours --remove,
# prints nothing when nothing changed, and compiles through PATH. The
# whitelist part is in masquerade_whitelist.sh.
. "$(dirname "$0")/../lib/lib.sh"

TOOL=$BIN/dyndistcc-masquerade
M=$T/masq
mkdir -p "$T/bin" "$T/cross" "$T/distcc" "$T/home"
export HOME=$T/home XDG_CACHE_HOME=$T/home/.cache DCC_CONFIG=$T/none.conf
unset DCC_SERVER DCC_PROJECT DCC_KEY DISTCC_HOSTS

# Stand-ins: a cross compiler (really gcc) in a directory that is not on PATH
# yet, and a versioned compiler that will disappear.
printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/cross/arm-none-eabi-gcc"
printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/bin/x86_64-test-linux-gnu-gcc-9"
chmod 0755 "$T/cross/arm-none-eabi-gcc" "$T/bin/x86_64-test-linux-gnu-gcc-9"
# /usr/lib/distcc holds distcc's links: the tool must not take them for compilers.
export PATH=$T/bin:/usr/lib/distcc:/usr/bin:/bin

run() {	# run ARGS...: the tool with this test's directories; output in $OUT
	OUT=$("$TOOL" --dir "$M" --dcc "$BIN/dcc" --distcc-dir "$T/distcc" "$@" 2>&1) ||
	    fail "dyndistcc-masquerade $*: $OUT"
}
links() { (cd "$M" && find . -maxdepth 1 -type l | sed 's|^\./||' | LC_ALL=C sort | xargs); }

say "found compilers are linked to dcc, and nothing else"
run --add arm-none-eabi-gcc
# What the tool must find, computed independently: every executable on PATH
# named like a compiler, outside wrapper directories.
expected=$(
	for d in "$T/bin" /usr/bin /bin; do
		ls "$d"
	done | grep -E '^(cc|c\+\+|([A-Za-z0-9_.]+-)*(gcc|g\+\+|clang|clang\+\+)(-[0-9.]+)?)$' |
	    grep -Ev '^c[89]9-' | { cat; echo arm-none-eabi-gcc; } | LC_ALL=C sort -u | xargs
)
got=$(links)
assert_eq "$got" "$expected" "masquerade links"
for n in gcc cc g++ c++ x86_64-linux-gnu-gcc x86_64-test-linux-gnu-gcc-9 arm-none-eabi-gcc; do
	[ "$(realpath "$M/$n")" = "$(realpath "$BIN/dcc")" ] || fail "$M/$n does not lead to dcc"
done
for n in c89-gcc gcc-ar gcc-nm x86_64-linux-gnu-gcc-ar cpp dcc distcc; do
	[ ! -e "$M/$n" ] || fail "$n must not be linked"
done
case $(readlink "$M/gcc") in /*) fail "links must be relative: $(readlink "$M/gcc")" ;; esac

say "a second run changes nothing and says nothing"
run
assert_eq "$OUT" "" "output of an idempotent run"
assert_eq "$(links)" "$expected" "links after a second run"

say "--add is remembered; a compiler gone from PATH loses its link"
rm "$T/bin/x86_64-test-linux-gnu-gcc-9"
run
[ -L "$M/arm-none-eabi-gcc" ] || fail "added name lost on a later run"
[ ! -e "$M/x86_64-test-linux-gnu-gcc-9" ] && [ ! -L "$M/x86_64-test-linux-gnu-gcc-9" ] ||
    fail "link of a vanished compiler kept"
assert_contains "$OUT" "removed $M/x86_64-test-linux-gnu-gcc-9" "run output"

say "--remove of a found compiler sticks until --add"
# a versioned stand-in on PATH, so this holds whatever compilers the machine has
printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/bin/gcc-99"
chmod 0755 "$T/bin/gcc-99"
run
[ -L "$M/gcc-99" ] || fail "gcc-99 on PATH was not linked"
run --remove gcc-99
[ ! -e "$M/gcc-99" ] || fail "gcc-99 still linked after --remove"
run
[ ! -e "$M/gcc-99" ] || fail "gcc-99 came back on a later run"
run --add gcc-99
[ -L "$M/gcc-99" ] || fail "--add gcc-99 did not bring it back"
run --remove arm-none-eabi-gcc
[ ! -e "$M/arm-none-eabi-gcc" ] || fail "--remove of an added name"
run --add arm-none-eabi-gcc

say "--list"
list=$("$TOOL" --dir "$M" --distcc-dir "$T/distcc" --list)
assert_contains "$list" "arm-none-eabi-gcc" "--list"
line=$(printf '%s\n' "$list" | awk '$1 == "arm-none-eabi-gcc"')
assert_contains "$line" "added" "--list origin of arm-none-eabi-gcc"
line=$(printf '%s\n' "$list" | awk '$1 == "gcc"')
assert_contains "$line" "found" "--list origin of gcc"
assert_contains "$line" "/usr/bin/gcc" "--list compiler of gcc"

say "bad input changes nothing"
before=$(ls -la "$M")
for bad in "../evil" "-x" "a/b" "" "dcc"; do
	rc=0; "$TOOL" --dir "$M" --dcc "$BIN/dcc" --distcc-dir "$T/distcc" --add "$bad" >/dev/null 2>&1 || rc=$?
	[ $rc -ne 0 ] || fail "--add '$bad' accepted"
done
rc=0; "$TOOL" --dir relative/dir --dcc "$BIN/dcc" >/dev/null 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "a relative --dir accepted"
rc=0; "$TOOL" --bogus >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "exit status of an unknown option"
assert_eq "$(ls -la "$M")" "$before" "directory after bad input"

say "a file that is not a link is left alone"
echo keep >"$M/notes"
run
assert_eq "$(cat "$M/notes")" keep "foreign file"
rm "$M/notes"

say "compiling through PATH: gcc, cc and the cross compiler, no loop, same objects"
cat >"$T/x.c" <<'EOF'
int answer(void) { return 42; }
EOF
(cd "$T" && gcc -c x.c -o ref.o) || fail "reference compile"
for n in gcc cc arm-none-eabi-gcc; do
	rc=0
	(cd "$T" && PATH=$M:$T/cross:/usr/bin:/bin "$n" -c x.c -o "$n.o") >"$T/compile-$n.log" 2>&1 || rc=$?
	[ $rc -eq 0 ] || { cat "$T/compile-$n.log"; fail "$n through $M exited $rc"; }
	cmp -s "$T/ref.o" "$T/$n.o" || fail "$n through the masquerade directory made a different object"
done

say "--refresh updates an existing directory and creates none"
rm "$M/gcc"
run --refresh
[ -L "$M/gcc" ] || fail "--refresh did not restore gcc"
"$TOOL" --dir "$T/absent" --dcc "$BIN/dcc" --refresh || fail "--refresh on a missing directory"
[ ! -e "$T/absent" ] || fail "--refresh created a directory"

say "--purge removes links, lists and the directory"
run --purge
[ ! -e "$M" ] || fail "$M still exists after --purge: $(ls -A "$M")"
say "ok"

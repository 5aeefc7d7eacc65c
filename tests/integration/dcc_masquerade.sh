# Masquerade links named gcc, cc, g++, a cross compiler (and clang) compile through
# distcc on two real distccds, with no loop; the objects equal local ones.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dcc_common.bash"

need_root "whitelisting a cross compiler for distccd in /usr/lib/distcc"
dcc_setup
# A cross-compiler stand-in (runs gcc) on the client's and distccd's PATH,
# whitelisted for distccd under a name no other test uses.
CROSS=arm-dcctest$$-eabi-gcc
WHITELIST=/usr/lib/distcc/$CROSS
at_exit 'rm -f "$WHITELIST"'
mkdir -p "$T/cross"
printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/cross/$CROSS"
chmod 0755 "$T/cross" "$T/cross/$CROSS"
printf '#!/bin/sh\nexit 1\n' >"$WHITELIST"
chmod 0755 "$WHITELIST"

PATH=$T/cross:$PATH start_distccd 127.0.0.2; P2=$DISTCCD_PORT
PATH=$T/cross:$PATH start_distccd 127.0.0.3; P3=$DISTCCD_PORT
# clang too, when it is here and distccd takes it
NAMES="gcc cc g++ $CROSS"
if command -v clang >/dev/null && [ -x /usr/lib/distcc/clang ]; then
	NAMES="$NAMES clang"
fi
PATH=$T/cross:$PATH COMPILERS=$NAMES checkin_node 127.0.0.2 "$P2" 2
PATH=$T/cross:$PATH COMPILERS=$NAMES checkin_node 127.0.0.3 "$P3" 2

for name in $NAMES; do
	ln -s "$BIN/dcc" "$T/masq/$name"
done
# The only localhost slot (cores 1) is held: every job must go remote.
hold_slots cpu_localhost_0

say "dcc takes the server's list"
want=$(curl -fsS -H 'Accept: text/plain' -H "Authorization: Bearer $KEY" \
    "$SERVER_URL/api/v1/projects/fw/hosts?cores=1")
got=$(PATH=$T/masq:$T/cross:$PATH "$BIN/dcc" --show-hosts | tr '\n' ' ')
assert_eq "${got% }" "$want" "dcc --show-hosts"
assert_contains "$want" "127.0.0.2:$P2/2" "server list"
assert_contains "$want" "127.0.0.3:$P3/2" "server list"

cd "$T"
printf '#include <stdio.h>\nint main(void) { printf("hi %%d\\n", 42); return 0; }\n' >m_gcc.c
cp m_gcc.c m_cc.c
cp m_gcc.c "m_cross.c"
printf '#include <string>\nint len(const std::string &s) { return (int)s.size(); }\n' >m_gxx.cpp

compile() {	# name source object
	local before err
	before=$(remote_jobs)
	: >"$T/dcc.log"
	err=$(PATH=$T/masq:$T/cross:$PATH DCC_LOG=$T/dcc.log "$1" -O2 -c "$2" -o "$3" 2>&1) ||
	    fail "$1 -c $2 failed: $err"
	assert_eq "$err" "" "$1: stderr of a good compile"
	# dcc ran once and distcc never came back into it (no hop, no loop)
	assert_eq "$(grep -c 'exec .*distcc' "$T/dcc.log")" 1 "$1: dcc runs"
	assert_not_contains "$(cat "$T/dcc.log")" "_DISTCC_SAFEGUARD" "$1: dcc log"
	wait_until 5 more_remote_jobs_than "$before" ||
	    fail "$1: no remote job in the distccd logs"
	wait_until 5 grep -q "COMPILE_OK.* $2\$" "$T"/distccd-*.log ||
	    fail "$1: $2 is not in the distccd logs"
}

say "$NAMES through the masquerade directory"
compile gcc m_gcc.c m_gcc.o
compile cc m_cc.c m_cc.o
compile g++ m_gxx.cpp m_gxx.o
compile "$CROSS" m_cross.c m_cross.o
case " $NAMES " in *" clang "*)
	cp m_gcc.c m_clang.c
	compile clang m_clang.c m_clang.o
	# distcc adds -target for clang; the object is the same
	clang -O2 -c m_clang.c -o local_clang.o
	cmp m_clang.o local_clang.o || fail "clang object differs"
esac

say "objects equal those of a local compile"
/usr/bin/gcc -O2 -c m_gcc.c -o local_gcc.o
/usr/bin/gcc -O2 -c m_cc.c -o local_cc.o
/usr/bin/g++ -O2 -c m_gxx.cpp -o local_gxx.o
/usr/bin/gcc -O2 -c m_cross.c -o local_cross.o
cmp m_gcc.o local_gcc.o || fail "gcc object differs"
cmp m_cc.o local_cc.o || fail "cc object differs"
cmp m_gxx.o local_gxx.o || fail "g++ object differs"
cmp m_cross.o local_cross.o || fail "$CROSS object differs"

say "with 127.0.0.2 busy, jobs go to 127.0.0.3"
hold_slots "cpu_tcp_127.0.0.2_${P2}_0" "cpu_tcp_127.0.0.2_${P2}_1"
cp m_gcc.c m_other.c
compile gcc m_other.c m_other.o
wait_until 5 grep -q "COMPILE_OK.* m_other.c\$" "$T/distccd-127.0.0.3.log" ||
    fail "m_other.c did not go to 127.0.0.3"

say "a link and a program: gcc links locally, the program runs"
PATH=$T/masq:$T/cross:$PATH gcc -o m_prog m_gcc.o || fail "link through gcc link"
assert_eq "$(./m_prog)" "hi 42" "program output"

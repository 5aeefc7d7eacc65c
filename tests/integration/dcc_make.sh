# make CC=dcc -j$(dcc -j) builds a multi-file program across the pool;
# dcc -j equals distcc -j on the same list; explicit and implicit forms work.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dcc_common.bash"

dcc_setup
start_distccd 127.0.0.2; P2=$DISTCCD_PORT
start_distccd 127.0.0.3; P3=$DISTCCD_PORT
checkin_node 127.0.0.2 "$P2" 2
checkin_node 127.0.0.3 "$P3" 2
PATH=$BIN:$PATH
export PATH

say "dcc -j equals distcc -j on the same list"
jobs=$(dcc -j)
hosts=$(dcc --show-hosts | tr '\n' ' ')
assert_eq "$jobs" "$(DISTCC_HOSTS="$hosts" distcc -j)" "dcc -j"
assert_eq "$jobs" 5 "pool of localhost/1 and two nodes of 2"
assert_eq "$(api GET /api/v1/projects | jq '.projects[0].threads_online')" 4 "server's count"

say "make CC=dcc -j\$(dcc -j) on a 24-file program"
make_sources "$T/src" 24
before=$(remote_jobs)
make -s -C "$T/src" CC=dcc -j"$(dcc -j)" >"$T/make.out" 2>&1 ||
    { cat "$T/make.out"; fail "make failed"; }
assert_eq "$("$T/src/prog")" 300 "program output"
wait_until 5 more_remote_jobs_than "$before" || fail "no job went to a distccd"
after=$(remote_jobs)
say "$((after - before)) of 25 compiles ran on the distccds"
assert_not_contains "$(cat "$T/make.out")" "recursively" "make output"

say "explicit (dcc gcc) and implicit (dcc -c) compiles equal local ones"
cd "$T/src"
dcc gcc -O2 -c f1.c -o explicit.o
dcc -O2 -c f2.c -o implicit.o
dcc f3.c -O2 -c -o implicit2.o
gcc -O2 -c f1.c -o l1.o; gcc -O2 -c f2.c -o l2.o; gcc -O2 -c f3.c -o l3.o
cmp explicit.o l1.o || fail "dcc gcc object differs"
cmp implicit.o l2.o || fail "dcc -c object differs"
cmp implicit2.o l3.o || fail "dcc f3.c object differs"

say "compiler errors pass through with the compiler's exit status"
printf 'int broken(void) { return }\n' >bad.c
rc=0; dcc gcc -c bad.c -o bad.o 2>"$T/bad.err" || rc=$?
assert_eq "$rc" 1 "exit status of a failed compile"
assert_contains "$(cat "$T/bad.err")" "error" "compiler message"

say "unknown options in compile position are compiler options"
dcc -O2 -Wall -c f4.c -o f4x.o || fail "dcc -O2 -Wall -c"
rc=0; dcc --frobnicate -c f4.c -o f4y.o 2>"$T/frob.err" || rc=$?
assert_eq "$rc" 1 "gcc's status for an unknown option"
assert_contains "$(cat "$T/frob.err")" "frobnicate" "gcc's complaint"

# Host options (issue 16): `compression lzo` in client.conf appends distcc's
# ",lzo" to the remote hosts (never to localhost) of the line dcc hands
# distcc and of the heartbeat's distcc_hosts_file; a real distccd receives
# the jobs compressed (protocol 2, lzo in its debug log). A bad value is
# refused by name.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dcc_common.bash"

dcc_setup
start_distccd 127.0.0.3 --log-level debug
P3=$DISTCCD_PORT
checkin_node 127.0.0.3 "$P3" 2
cd "$T"
printf 'int lz(int x) { return x * 3; }\n' >lz.c
/usr/bin/gcc -O2 -c lz.c -o local.o
# the only local slot is held: the job must go to 127.0.0.3
hold_slots cpu_localhost_0

say "a bad value is refused by name"
write_client_conf "compression zstd"
out=$("$BIN/dcc-heartbeat" -n -f "$T/client.conf" 2>&1) && fail "dcc-heartbeat -n took compression zstd"
assert_contains "$out" "compression" "the error"
assert_contains "$out" "zstd" "the error"

say "dcc hands distcc ,lzo for the remote hosts"
write_client_conf "compression lzo"
assert_eq "$("$BIN/dcc" --show-hosts | tr '\n' ' ')" "localhost/1 127.0.0.3:$P3/2,lzo " "--show-hosts"
assert_eq "$("$BIN/dcc" -j)" 3 "dcc -j"
jobs_before=$(remote_jobs)
"$BIN/dcc" gcc -O2 -c lz.c -o lz.o || fail "compile with lzo"
cmp lz.o local.o || fail "the object differs"
wait_until 5 more_remote_jobs_than "$jobs_before" || fail "the job did not go to 127.0.0.3"
grep -q 'got DIST00000002' "$T/distccd-127.0.0.3.log" || fail "distccd saw no protocol 2 (lzo) job"
grep -q '(dcc_r_bulk_lzo1x) decompressed' "$T/distccd-127.0.0.3.log" ||
	fail "distccd decompressed nothing"

say "and without it, plain jobs"
: >"$T/distccd-127.0.0.3.log"
write_client_conf
assert_eq "$("$BIN/dcc" --show-hosts | tr '\n' ' ')" "localhost/1 127.0.0.3:$P3/2 " "--show-hosts"
jobs_before=$(remote_jobs)
"$BIN/dcc" gcc -O2 -c lz.c -o lz.o || fail "compile without lzo"
wait_until 5 more_remote_jobs_than "$jobs_before" || fail "the job did not go to 127.0.0.3"
grep -q 'got DIST00000001' "$T/distccd-127.0.0.3.log" || fail "not a plain (protocol 1) job"
grep -q 'lzo1x' "$T/distccd-127.0.0.3.log" && fail "lzo without compression lzo"

say "the heartbeat's distcc_hosts_file carries ,lzo too, and plain distcc uses it"
start_node 127.0.0.2 "compression lzo" "distcc_hosts_file $T/distcc-hosts" \
    "job_memory 0" "jobs_memory_max none"
has_remote() { grep -q "127.0.0.3:$P3/2,lzo" "$T/distcc-hosts"; }
wait_until 20 has_remote || fail "distcc_hosts_file: $(cat "$T/distcc-hosts" 2>/dev/null)"
line=$(cat "$T/distcc-hosts")
case $line in localhost/*) ;; *) fail "distcc_hosts_file does not start with localhost/N: $line" ;; esac
grep -q 'localhost[^ ]*,lzo' "$T/distcc-hosts" && fail "localhost with options: $line"
# the node's own list, which dcc reads and checks, stays without options
assert_not_contains "$(tail -n 1 "$NODE_DIR/hosts")" ",lzo" "the node's list"
: >"$T/distccd-127.0.0.3.log"
DISTCC_HOSTS="$(sed 's#localhost/[0-9]*#localhost/1#' "$T/distcc-hosts")" \
    distcc gcc -O2 -c lz.c -o lz2.o || fail "plain distcc with the file's line"
cmp lz2.o local.o || fail "plain distcc: the object differs"
grep -q '(dcc_r_bulk_lzo1x) decompressed' "$T/distccd-127.0.0.3.log" ||
	fail "plain distcc's job reached 127.0.0.3 uncompressed (or not at all)"
kill -TERM "$NODE_PID"
wait_until 15 sh -c "! kill -0 $NODE_PID 2>/dev/null" || fail "the node did not stop"

# make demo's script: it builds the calculator across a 3-node pool, reports
# the pool and each node's jobs, serves the panel while it waits, and stops
# cleanly on SIGTERM (nodes check out, distccds stop, temp files removed).
# With DEMO_EXIT=1 it does the same and exits right after the report.
. "$(dirname "$0")/../lib/lib.sh"

# report_check LOG: the report in LOG is complete; sets DEMO_PANEL, DEMO_TMP
# and DEMO_KEY (the project's key, from the API line).
report_check() {
	local log=$1 n jobs
	grep -q 'self-test passed' "$log" || fail "no passing build in the report"
	grep -Eq 'pool size \(dcc -j\): +7 threads \(6 offered by the 3 nodes' "$log" ||
		fail "pool size is not 7 (3 nodes x 2 + 1): $(grep 'pool size' "$log")"
	for n in node1 node2 node3; do
		jobs=$(sed -n "s/^  $n: *\([0-9]*\) jobs.*/\1/p" "$log")
		[ -n "$jobs" ] && [ "$jobs" -gt 0 ] ||
			fail "$n ran no jobs: $(grep "$n:" "$log")"
	done
	DEMO_PANEL=$(sed -n 's/^  control panel: *\(http[^ ]*\)$/\1/p' "$log")
	DEMO_TMP=$(sed -n 's/^== server: temporary database in //p' "$log")
	DEMO_KEY=$(sed -n "s/^  API: .*'Authorization: Bearer \([0-9a-f]*\)'.*/\1/p" "$log")
	[ -n "$DEMO_PANEL" ] || fail "no panel URL in the report"
	[ -n "$DEMO_KEY" ] || fail "no project key in the report's API line"
	[ -n "$DEMO_TMP" ] || fail "no temp dir in the report"
}

# stopped_check LOG: the nodes checked out and nothing is left behind.
stopped_check() {
	local log=$1
	grep -q 'nodes online after check-out: 0' "$log" ||
		fail "nodes did not check out: $(grep 'after check-out' "$log")"
	assert_not_contains "$(cat "$log")" "still listening" "demo output"
	[ ! -e "$DEMO_TMP" ] || fail "$DEMO_TMP was not removed"
	! curl -fsS -m 2 "$DEMO_PANEL" >/dev/null 2>&1 || fail "the server still answers"
	! pgrep -f -- "$DEMO_TMP/" >/dev/null || fail "processes left running in $DEMO_TMP"
}

say "demo, waiting for SIGTERM"
TMPDIR=$T bash "$TOP/scripts/demo.sh" "$BIN" >"$T/demo.log" 2>&1 &
demo=$!
PIDS+=("$demo")
wait_until 180 grep -q 'keeps running' "$T/demo.log" ||
	{ cat "$T/demo.log"; fail "the demo did not report within 180 s"; }
report_check "$T/demo.log"
page=$(curl -fsS "$DEMO_PANEL") || fail "the panel at $DEMO_PANEL does not answer"
assert_contains "$page" "<html" "panel page"
code=$(curl -sS -o /dev/null -w '%{http_code}' "${DEMO_PANEL}api/v1/nodes?project=demo")
assert_eq "$code" 401 "the demo project's node list without its key"
online=$(curl -fsS -H "Authorization: Bearer $DEMO_KEY" "${DEMO_PANEL}api/v1/nodes?project=demo" |
    jq '[.nodes[] | select(.state == "online" and any(.compilers[]; .name == "gcc"))] | length')
assert_eq "$online" 3 "nodes online, reporting gcc, while the demo waits"
t0=$(date +%s%N)
kill -TERM "$demo"
rc=0; wait "$demo" || rc=$?
assert_eq "$rc" 0 "demo exit status after SIGTERM"
echo "stopped in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
stopped_check "$T/demo.log"
sed -n '/^dyndistcc demo/,/^  API/p' "$T/demo.log"

say "demo on a terminal, stopped with Ctrl-C"
# A pseudo-terminal, so Ctrl-C goes to the foreground process group the way
# it does for a user: typed as ^C, turned into SIGINT by the tty driver.
cat >"$T/ctrl_c.py" <<'EOF'
import os, pty, select, sys, time
log, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b""
def read_for(seconds, until=None):
    global out
    end = time.time() + seconds
    while time.time() < end and (until is None or until not in out):
        if select.select([fd], [], [], 0.2)[0]:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            out += data
read_for(180, b"keeps running")
if b"keeps running" in out:
    os.write(fd, b"\x03")
    read_for(30)
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
open(log, "wb").write(out)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)
EOF
rc=0
TMPDIR=$T python3 "$T/ctrl_c.py" "$T/demo-tty.log" bash "$TOP/scripts/demo.sh" "$BIN" || rc=$?
tr -d '\r' <"$T/demo-tty.log" >"$T/demo-tty.txt"
[ $rc -eq 0 ] || { cat "$T/demo-tty.txt"; fail "demo exited $rc after Ctrl-C"; }
report_check "$T/demo-tty.txt"
stopped_check "$T/demo-tty.txt"

say "demo with DEMO_EXIT=1"
rc=0
DEMO_EXIT=1 TMPDIR=$T timeout 180 bash "$TOP/scripts/demo.sh" "$BIN" >"$T/demo-exit.log" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$T/demo-exit.log"; fail "DEMO_EXIT=1 demo exited $rc"; }
report_check "$T/demo-exit.log"
stopped_check "$T/demo-exit.log"
echo "ok"

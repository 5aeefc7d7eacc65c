# A hostile or broken server (issue 15): a fake one on loopback (python's
# http.server) answers with an option for distcc (--randomize), slots
# beyond every bound (localhost/100000 twice), a heartbeat of a day, and
# the same in the per-compiler lines of a 1.1 reply. dcc -j stays this
# machine's cores (the reply is refused whole, nothing reaches distcc or a
# cache), and dcc-heartbeat is not silenced: it keeps checking in, at most a
# heartbeat apart, and keeps its last good list.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dcc_common.bash"

command -v python3 >/dev/null || { echo "no python3"; exit 77; }
FP=$(local_fp gcc)
PORT=$(free_port)
SERVER_URL=http://127.0.0.1:$PORT
cat >"$T/fake.py" <<'EOF'
# The fake server: every request is logged to requests.log; the reply is
# the JSON in reply.json (re-read each time), 200.
import http.server, os, sys
d = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        with open(os.path.join(d, "requests.log"), "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        with open(os.path.join(d, "reply.json"), "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = answer
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF

# reply HEARTBEAT HOSTS [COMPILERS]: what the fake server says from now on.
reply() {
	jq -cn --argjson hb "$1" --arg h "$2" --argjson c "${3:-null}" \
	    '{project: "fw", heartbeat: $hb, refresh_after: 1, ttl: 30,
	      distcc_hosts: $h, pool_threads: 4, members: ["127.0.0.1"],
	      pool_busy: 0} + (if $c == null then {} else {compilers: $c} end)' \
	    >"$T/reply.json.new"
	mv "$T/reply.json.new" "$T/reply.json"
}
reply 1 "localhost/1 127.0.0.2/3"
spawn fake python3 "$T/fake.py" "$PORT" "$T"
wait_until 10 curl -fsS "$SERVER_URL/" || fail "the fake server did not come up"

mkdir -p "$T/home" "$T/state" "$T/masq"
export HOME=$T/home DCC_CONFIG=$T/client.conf DISTCC_DIR=$T/distcc
unset DCC_SERVER DCC_PROJECT DCC_KEY DCC_VERBOSE DCC_LOG DCC_DISTCC XDG_CACHE_HOME \
    DISTCC_HOSTS _DISTCC_SAFEGUARD
KEY=0123456789abcdef0123456789abcdef
write_client_conf
CACHE=$HOME/.cache/dyndistcc
dcc=$BIN/dcc

# bounded WHAT: dcc, with no list yet, refuses the reply: -j is its cores.
bounded() {
	rm -rf "$CACHE"
	assert_eq "$("$dcc" -j 2>"$T/err.out")" 1 "dcc -j with $1"
	assert_eq "$("$dcc" -j gcc 2>>"$T/err.out")" 1 "dcc -j gcc with $1"
	assert_contains "$(cat "$T/err.out")" "cannot get a host list" "$1: dcc's warning"
	[ ! -e "$CACHE/hosts" ] || fail "$1 went into the cache"
}

say "a sane reply is taken (the fake server works)"
rm -rf "$CACHE"
assert_eq "$("$dcc" -j)" 4 "dcc -j, 1.0 reply"
reply 1 "localhost/1" "{\"$FP\": {\"hosts\": \"localhost/1 127.0.0.2/3\", \"threads\": 4}}"
rm -rf "$CACHE"
assert_eq "$("$dcc" -j gcc)" 4 "dcc -j gcc, 1.1 reply"

say "hostile replies are refused whole"
reply 1 "--randomize localhost/2"
bounded "--randomize"
reply 1 "localhost/100000 localhost/100000"
bounded "localhost/100000 twice"
reply 86400 "localhost/1 127.0.0.2/3"
bounded "a heartbeat of a day"
reply 1 "localhost/1" "{\"$FP\": {\"hosts\": \"--randomize localhost/2\"}}"
bounded "--randomize in a compiler's line"
reply 1 "localhost/1" "{\"$FP\": {\"hosts\": \"localhost/100000 localhost/100000\"}}"
bounded "localhost/100000 in a compiler's line"
reply 1 "localhost/1" "{\"$FP\": {\"hosts\": \"localhost/1 127.0.0.2/4096 127.0.0.3/4096 127.0.0.4/4096 127.0.0.5/4096 127.0.0.6/4096\"}}"
bounded "a compiler's line over 16384 slots"
reply 1 "localhost/1" "{\"$(tr a-f A-F <<<"$FP")\": {\"hosts\": \"localhost/1 127.0.0.2/3\"}}"
bounded "an upper-case fingerprint"

say "dcc-heartbeat is not silenced by a hostile reply"
reply 1 "localhost/1 127.0.0.2/3"
ln -sf "$BIN/dcc" "$T/masq/gcc"
cp "$T/client.conf" "$T/node.conf"
{
	echo "source 127.0.0.2"
	echo "distccd_listen 127.0.0.2"
	echo "distccd_port $(free_port 127.0.0.2)"
	echo "job_memory 0"
	echo "jobs_memory_max none"
} >>"$T/node.conf"
spawn node "$BIN/dcc-heartbeat" -d -f "$T/node.conf"
NODE_PID=$SPAWNED_PID
wait_until 15 grep -q '^localhost/1 127.0.0.2/3$' "$T/state/hosts" ||
	fail "the node did not write the fake server's list"
for bad in "86400|localhost/1 127.0.0.2/3" "1|--randomize localhost/2" \
    "1|localhost/100000 localhost/100000"; do
	reply "${bad%%|*}" "${bad#*|}"
	sleep 0.5
	before=$(grep -c '^POST /api/v1/checkin' "$T/requests.log")
	# retries 1 s, 2 s, … but never more than the last good heartbeat
	# (1 s): 3 more check-ins come within seconds (counted; the bound is
	# for a loaded machine), not after the reply's 86400 s
	wait_until 20 sh -c "[ \$(grep -c '^POST /api/v1/checkin' '$T/requests.log') -ge $((before + 3)) ]" ||
		fail "reply ${bad}: $(( $(grep -c '^POST /api/v1/checkin' "$T/requests.log") - before )) check-ins in 20 s: the node went quiet"
	assert_eq "$(tail -n 1 "$T/state/hosts")" "localhost/1 127.0.0.2/3" "the node's list after ${bad}"
done
assert_contains "$(cat "$T/node.log")" "heartbeat" "the node's log names the bad field"
reply 1 "localhost/1 127.0.0.3/5"
wait_until 10 grep -q '^localhost/1 127.0.0.3/5$' "$T/state/hosts" ||
	fail "the node did not take the next good reply"
kill -TERM "$NODE_PID"
wait_until 15 sh -c "! kill -0 $NODE_PID 2>/dev/null" || fail "the node did not stop"

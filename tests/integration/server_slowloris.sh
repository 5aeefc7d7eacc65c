# Slow clients cannot lock out check-ins: a request has an absolute
# deadline (request_timeout) however slowly its bytes trickle in, and when
# an address or the server is full, a new connection takes the place of the
# oldest one still waiting for its request. An attacker holds 1000
# connections from 5 loopback addresses (headers one byte every 4 s, or
# half a body and then nothing, reconnecting whenever cut) while real
# check-ins come from another address and from one of the attacker's: every
# check-in is answered (counted, not timed), and the attacking connections
# are cut.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

# The attacker: MODE slow (request line, then one header byte every
# INTERVAL s) or half (a check-in's headers and half its body, then
# nothing). PER connections from each of ADDRS, reconnecting when the
# server closes one if RECONNECT; runs SECS seconds, then prints a JSON
# summary: how many the server closed and how long each had lived.
cat >"$T/attack.py" <<'EOF'
import json, resource, selectors, socket, sys, time
mode, port, addrs, per, secs, interval, reconnect = sys.argv[1], int(sys.argv[2]), \
    sys.argv[3].split(','), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), sys.argv[7] == '1'
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
HEAD = b'GET /api/v1/projects HTTP/1.1\r\nHost: 127.0.0.1\r\n'
TRICKLE = b'X-Slow: ' + b'a' * 4000
BODY = b'{"project":"fw","node":"' + b'0' * 32 + b'","cores":4,"pad":"' + b'x' * 380 + b'"}'
HALF = (b'POST /api/v1/checkin HTTP/1.1\r\nHost: 127.0.0.1\r\n'
        b'Content-Type: application/json\r\nContent-Length: %d\r\n\r\n' % len(BODY)) + BODY[:len(BODY) // 2]
sel = selectors.DefaultSelector()
conns = {}
lifetimes, failed = [], 0
def open_one(addr):
    global failed
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
    try:
        s.bind((addr, 0))
        s.connect(('127.0.0.1', port))
        s.setblocking(False)
        s.send(HEAD if mode == 'slow' else HALF)
    except OSError:
        failed += 1
        s.close()
        return
    conns[s] = {'addr': addr, 't0': time.monotonic(), 'next': time.monotonic() + interval, 'i': 0}
    sel.register(s, selectors.EVENT_READ)
def close_one(s, by_server):
    c = conns.pop(s)
    sel.unregister(s)
    s.close()
    if by_server:
        lifetimes.append(time.monotonic() - c['t0'])
        if reconnect and time.monotonic() < end:
            open_one(c['addr'])
end = time.monotonic() + secs
for i in range(per):
    for a in addrs:
        open_one(a)
while time.monotonic() < end:
    for key, _ in sel.select(timeout=0.2):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except OSError:
            data = b''
        if not data or s in conns:
            close_one(s, True)
    now = time.monotonic()
    for s, c in list(conns.items()):
        if mode == 'slow' and now >= c['next']:
            c['next'] = now + interval
            try:
                s.send(TRICKLE[c['i']:c['i'] + 1])
                c['i'] += 1
            except OSError:
                close_one(s, True)
print(json.dumps({'closed': len(lifetimes), 'open': len(conns), 'failed': failed,
                  'min': min(lifetimes, default=0), 'max': max(lifetimes, default=0)}))
EOF

# legit N FROM TRIES: N check-ins from address FROM, one after another,
# each allowed 10 s and TRIES tries; prints how many got 200.
legit() {
	local ok=0 code
	for _ in $(seq "$1"); do
		for _ in $(seq "$3"); do
			code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 --interface "$2" \
			    -H "Authorization: Bearer $FW" --data-binary @"$T/checkin.json" \
			    "$SERVER_URL/api/v1/checkin") || true
			[ "$code" = 200 ] && break
		done
		[ "$code" = 200 ] && ok=$((ok + 1))
		sleep 0.3
	done
	echo "$ok"
}

PHASES=${SLOWLORIS_PHASES:-123}	# to run one attack alone

if [[ $PHASES == *1* ]]; then
say "the deadline: a header byte every second does not keep a request alive"
printf 'request_timeout 3\n' >"$T/d.conf"
start_server -f "$T/d.conf"
python3 "$T/attack.py" slow "$SERVER_PORT" 127.0.0.2 10 12 1 0 >"$T/a1.json"
jq -c . "$T/a1.json"
assert_eq "$(jq .closed "$T/a1.json")" 10 "slow requests the server cut within 12 s"
jq -e '.min >= 2.5 and .max <= 8' "$T/a1.json" >/dev/null ||
	fail "slow requests cut outside 2.5..8 s after they started: $(cat "$T/a1.json")"
assert_eq "$(metric dyndistcc_http_connections_cut_total 'reason="deadline"')" 10 "cuts counted in /metrics"
stop_server
unset SERVER_PORT SERVER_DB
fi

attack() {	# attack MODE: the attack and the check-ins together
	SERVER_DB=$T/$1.db start_server
	create_project fw; FW=$KEY
	checkin_json fw "$(node_id 1)" 4 >"$T/checkin.json"
	python3 "$T/attack.py" "$1" "$SERVER_PORT" 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6 \
	    200 30 4 1 >"$T/a-$1.json" &
	local attacker=$!
	PIDS+=("$attacker")
	wait_until 10 sh -c "[ \$(ss -Htn state established '( dport = :$SERVER_PORT )' | wc -l) -ge 150 ]" ||
		fail "the attack did not start"
	sleep 2
	legit 20 127.0.0.1 1 >"$T/ok1" &
	local l1=$!
	# From an attacker's address, a new connection takes the place of the
	# oldest waiting one; the attacker, reconnecting thousands of times a
	# second, can evict a check-in too before it has been read: a second
	# try (the heartbeat's next beat) gets through.
	legit 10 127.0.0.2 2 >"$T/ok2"
	wait "$l1"
	wait "$attacker" || fail "the attacker failed"
	jq -c . "$T/a-$1.json"
	assert_eq "$(cat "$T/ok1")" 20 "check-ins answered from 127.0.0.1 during the $1 attack"
	assert_eq "$(cat "$T/ok2")" 10 "check-ins answered (in two tries) from 127.0.0.2, an attacker's address, during the $1 attack"
	# cut for their deadline (10 s) or, mostly, evicted by the attacker's
	# own new connections: none outlived the deadline
	jq -e '.closed >= 1000 and .max <= 12' "$T/a-$1.json" >/dev/null ||
		fail "attacking connections not cut, or held past the deadline: $(cat "$T/a-$1.json")"
	[ "$(metric dyndistcc_http_connections_cut_total 'reason="evicted"')" -ge 1000 ] ||
		fail "evictions not counted: $(curl -s "$SERVER_URL/metrics" | grep cut_total)"
	server_alive || fail "server died"
	stop_server
	unset SERVER_PORT SERVER_DB
}

if [[ $PHASES == *2* ]]; then
say "1000 slowloris connections from 5 addresses: check-ins are answered"
attack slow
fi
if [[ $PHASES == *3* ]]; then
say "1000 uploads stalled halfway through their body: check-ins are answered, also from their address"
attack half
fi

# Issue 15, log flood: a check-in/check-out loop from one key holder wrote
# ~95,000 [INFO] lines in 10 s. Join and leave lines are rate-limited like
# the warnings are, and what was left out is counted in the log.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server
create_project fw; FW=$KEY

say "2,000 check-in/check-out pairs of one node"
python3 - "$SERVER_PORT" "$FW" "$(node_id 1)" <<'PY'
import http.client, json, sys
port, key, node = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
h = {"Content-Type": "application/json", "Authorization": "Bearer " + key}
for i in range(2000):
    for path, body in (("/api/v1/checkin", {"project": "fw", "node": node, "cores": 2}),
                       ("/api/v1/checkout", {"project": "fw", "node": node})):
        c.request("POST", path, json.dumps(body), h)
        r = c.getresponse()
        r.read()
        if r.status != 200:
            sys.exit("%s: %d" % (path, r.status))
PY
lines=$(grep -c "\[INFO\] node $(node_id 1) .*\(joined\|left\)" "$T/server.log" || true)
say "$lines join/leave lines for 4,000 events"
[ "$lines" -ge 1 ] || fail "no join/leave line at all"
[ "$lines" -le 400 ] || fail "$lines join/leave lines for 4,000 events"
# the count of what was left out is logged once its period is over
wait_until 15 grep -q "join/leave lines suppressed" "$T/server.log" ||
    fail "the suppressed lines are not counted"
total=$(( lines + $(grep -o '[0-9]* join/leave lines suppressed' "$T/server.log" | awk '{ s += $1 } END { print s }') ))
assert_eq "$total" 4000 "lines written + lines counted as suppressed"
server_alive || fail "server died"

# server_common.bash — helpers for the server_*.sh scenarios (sourced after
# lib.sh, which creates projects and writes check-in bodies): node lists,
# database checks, a network namespace for non-loopback peers, bulk
# check-ins.

# node_count [PROJECT [KEY]]: how many nodes the server reports (a keyed
# project's only with its key).
node_count() {
	api GET "/api/v1/nodes${1:+?project=$1}" "" "${2:-}" | jq '.nodes | length'
}

# node_field PROJECT KEY ID JQ: a field of one node of the node list.
node_field() {
	api GET "/api/v1/nodes?project=$1" "" "$2" | jq -r ".nodes[] | select(.id==\"$3\") | $4"
}

# sorted_line LINE: a hosts line with its hosts after the first sorted, to
# compare lines whose order is per requester.
sorted_line() {
	local first=${1%% *}
	[ "$first" = "$1" ] && { echo "$1"; return; }
	echo "$first $(tr ' ' '\n' <<<"${1#* }" | sort | xargs)"
}

# db_rows SQL: runs a read-only query on the server's database.
db_rows() { sqlite3 -readonly "$SERVER_DB" "$1"; }

# db_sane: the database passes integrity and foreign-key checks.
db_sane() {
	local ic fk
	ic=$(sqlite3 "$SERVER_DB" 'PRAGMA integrity_check')
	assert_eq "$ic" ok "PRAGMA integrity_check"
	fk=$(sqlite3 "$SERVER_DB" 'PRAGMA foreign_key_check')
	assert_eq "$fk" "" "PRAGMA foreign_key_check"
}

# server_alive: the server process still runs.
server_alive() { kill -0 "$SERVER_PID" 2>/dev/null; }

# netns_setup: a private network namespace with lo and 10.77.0.1/24 on one
# end of a veth pair, so a client there has a non-loopback address. Sets NS.
netns_setup() {
	need_root "a network namespace (ip netns)"
	NS=dyndistcc-$$-$RANDOM
	ip netns add "$NS" || fail "cannot create a network namespace"
	at_exit 'ip netns del "$NS" 2>/dev/null'
	ip netns exec "$NS" ip link set lo up
	ip netns exec "$NS" ip link add v0 type veth peer name v1
	ip netns exec "$NS" ip addr add 10.77.0.1/24 dev v0
	ip netns exec "$NS" ip link set v0 up
	ip netns exec "$NS" ip link set v1 up
}

# bulk_checkins PROJECT KEY COUNT CORES [EXTRA]: COUNT nodes check in, node i
# (ids 1,000,000 + i) from its own address 127.1.x.y (the whole 127.0.0.0/8
# is this machine's); EXTRA is more JSON members for every body. Prints how
# many got 200 (the first other reply goes to standard error).
bulk_checkins() {
	python3 - "$SERVER_PORT" "$@" <<'PY'
import http.client, json, sys
port, project, key, count, cores = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
extra = json.loads("{" + (sys.argv[6] if len(sys.argv) > 6 else "") + "}")
ok = 0
for i in range(count):
    addr = "127.1.%d.%d" % (i // 250, i % 250 + 1)
    body = {"project": project, "node": "%032x" % (1000000 + i), "cores": cores,
            "hostname": "bulk%d" % i, "version": "1.0.0", "admission": "live"}
    body.update(extra)
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10, source_address=(addr, 0))
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    c.request("POST", "/api/v1/checkin", json.dumps(body), headers)
    r = c.getresponse()
    data = r.read()
    if r.status == 200:
        ok += 1
    elif ok == i:
        sys.stderr.write("check-in %d: %d %s\n" % (i, r.status, data[:200]))
    c.close()
print(ok)
PY
}

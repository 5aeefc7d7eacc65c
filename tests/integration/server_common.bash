# server_common.bash — helpers for the server_*.sh scenarios (sourced after
# lib.sh): projects, check-in bodies, database checks, a network namespace
# for non-loopback peers.

# call METHOD PATH [BODY] [KEY]: like api, but sets `out` (the body) and
# STATUS in the calling shell instead of printing.
call() {
	api "$@" >/dev/null
	out=$(cat "$T/api.body")
}

# node_id N: a 32-hex-digit node id made from the number N.
node_id() { printf '%032x' "$1"; }

# create_project NAME [open]: creates a project over the admin API (from
# loopback); sets KEY to its join key ("" for an open project).
create_project() {
	local body="{\"name\":\"$1\"}"
	[ "${2:-}" = open ] && body="{\"name\":\"$1\",\"key\":false}"
	API_OPTS=${ADMIN_OPTS:-} call POST /api/v1/projects "$body"
	assert_eq "$STATUS" 201 "create project $1 ($out)"
	KEY=$(jq -r '.key // ""' <<<"$out")
}

# checkin_json PROJECT NODE CORES [EXTRA]: a check-in body; EXTRA is more
# JSON members (e.g. '"port":3700,"load":[1,1,1]').
checkin_json() {
	printf '{"project":"%s","node":"%s","cores":%s,"hostname":"h-%s","owner":"t","version":"1.0.0"}' \
	    "$1" "$2" "$3" "${2: -6}" | jq -c --argjson e "{${4:-}}" '. + $e'
}

# checkin PROJECT NODE CORES KEY [EXTRA]: posts a check-in; sets out, STATUS.
checkin() {
	call POST /api/v1/checkin "$(checkin_json "$1" "$2" "$3" "${5:-}")" "$4"
}

# node_count [PROJECT]: how many nodes the server reports.
node_count() {
	api GET "/api/v1/nodes${1:+?project=$1}" | jq '.nodes | length'
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

# lib.sh — the test library's core, sourced by every tests/integration/*.sh
# scenario, the benchmarks and scripts/demo.sh (tests/lib/ holds the rest).
#
# Each scenario gets its own temp dir ($T), its own server on a free loopback
# port, and a trap that stops everything it started, even when it fails.
# Helpers: start_server, api, call, fail, assert_eq, assert_contains,
# wait_until, free_port, spawn (background process killed at exit), metric;
# one helper for each job the scenarios share:
#   create_project NAME [open]          a project over the admin API
#   node_id N / checkin_json / checkin  check-in bodies and posting them
#   client_conf FILE PROJECT KEY LINES  a client.conf
#   spawn_node NAME DIR PROJECT KEY COMPILERS LINES   a dcc-heartbeat node
#   start_node ADDR LINES               one node of $PROJECT, waited for
set -euo pipefail

TOP=${DYNDISTCC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=${DYNDISTCC_BUILD:-$TOP/build}
# The version the programs report: the Makefile's, its one source.
# shellcheck disable=SC2034	# read by the scenarios
VERSION=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
T=$(mktemp -d "${TMPDIR:-/tmp}/dyndistcc-$(basename "$0" .sh).XXXXXX")
PIDS=()
AT_EXIT=()

# at_exit COMMAND: a shell command for cleanup to run before it stops the
# spawned processes (the last registered runs first), with errexit off. It
# may set EXIT_RC=1 to fail a scenario that had passed. Scenarios add their
# own steps here rather than replacing the EXIT trap.
at_exit() { AT_EXIT=("$1" ${AT_EXIT[@]+"${AT_EXIT[@]}"}); }

cleanup() {
	EXIT_RC=$?
	set +eu
	local rc pid step
	for step in "${AT_EXIT[@]}"; do
		eval "$step"
	done
	rc=$EXIT_RC
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	# the programs have stopped, so their leak reports are written
	sanitizer_reports && [ $rc -ne 77 ] && rc=1
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then	# 77: skipped, see tests/run.sh
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $(basename "$f") (last 30 lines)"
			tail -n 30 "$f"
		done
	fi
	if [ -n "${KEEP_TEST_DIR:-}" ] && [ $rc -ne 0 ]; then
		echo "kept $T (KEEP_TEST_DIR)"
	else
		rm -rf "$T"
	fi
	exit $rc
}
# sanitizer_reports: prints the sanitizers' reports (ASan, LSan, UBSan,
# TSan) found in the logs under $T (a spawned program's output, whatever a
# scenario saved as *.log or *.out) and in $DYNDISTCC_SAN_LOGS, where
# tests/run.sh has the sanitizers write (their log_path); true if any. Under
# a sanitizer build a report fails the scenario even when the program went
# on, or its exit status was not looked at.
SAN_REPORT='(ERROR|WARNING): [A-Za-z]+Sanitizer|runtime error:'
sanitizer_reports() {
	local f found=1
	while IFS= read -r -d '' f; do
		grep -Eq "$SAN_REPORT" "$f" || continue
		echo "FAIL: sanitizer report in ${f#"$T"/}:"
		grep -E -A12 "$SAN_REPORT" "$f" | head -n 40
		found=0
	done < <(find "$T" ${DYNDISTCC_SAN_LOGS:+"$DYNDISTCC_SAN_LOGS"} -type f \
	    \( -name '*.log' -o -name '*.out' -o -path "${DYNDISTCC_SAN_LOGS:-/nonexistent}/*" \) \
	    -print0 2>/dev/null)
	return $found
}

trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# need_root WHAT: a scenario that cannot run without root (WHAT needs it)
# exits 77 here, which tests/run.sh shows as SKIP with this line as reason.
need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	echo "needs root: $*"
	exit 77
}

assert_eq() {	# actual expected [what]
	[ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"
}
assert_contains() {	# haystack needle [what]
	case $1 in *"$2"*) ;; *) fail "${3:-output} does not contain '$2': $1" ;; esac
}
assert_not_contains() {	# haystack needle [what]
	case $1 in *"$2"*) fail "${3:-output} contains '$2': $1" ;; esac
}

# wait_until SECONDS command...: polls every 0.05 s until command succeeds;
# false when it has not after SECONDS times WAIT_SCALE. SECONDS is what the
# change takes on a quiet machine with room to spare; the scale (default 4)
# keeps a loaded CI machine from failing a test whose change does come. A
# passing test waits no longer for it; only one that fails waits it out.
WAIT_SCALE=${WAIT_SCALE:-4}
wait_until() {
	local limit=$1; shift
	local deadline=$(( $(date +%s%N) + limit * WAIT_SCALE * 1000000000 ))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt $deadline ] || return 1
		sleep 0.05
	done
}

# port_busy ADDR PORT: true when something listens there.
port_busy() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# free_port [ADDR]: a TCP port nobody listens on at ADDR (default 127.0.0.1).
# Drawn below the kernel's ephemeral range (ip_local_port_range starts at
# 32768), so no outgoing connection can be holding it.
free_port() {
	local addr=${1:-127.0.0.1} p
	for _ in $(seq 1 100); do
		p=$(( 20000 + RANDOM % 12768 ))
		port_busy "$addr" "$p" || { echo "$p"; return 0; }
	done
	fail "no free port on $addr"
}

# spawn NAME command...: runs command in the background, output to $T/NAME.log,
# and remembers it for cleanup. Sets SPAWNED_PID.
spawn() {
	local name=$1; shift
	"$@" >>"$T/$name.log" 2>&1 &
	SPAWNED_PID=$!
	PIDS+=("$SPAWNED_PID")
}

# new_token: 32 random hex digits, the form of the server's own keys.
new_token() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# start_server [extra args...]: starts dyndistcc-server (in the
# foreground, its default) on a free port on 127.0.0.1 with a database in
# $T, waits until /healthz answers. Admin calls need a token: $ADMIN_TOKEN
# if set, else a new one, exported. Sets SERVER_PORT, SERVER_URL,
# SERVER_PID, SERVER_DB, ADMIN_TOKEN. A later -f or --admin-token wins.
start_server() {
	SERVER_PORT=${SERVER_PORT:-$(free_port)}
	SERVER_DB=${SERVER_DB:-$T/dyndistcc.db}
	SERVER_URL=http://127.0.0.1:$SERVER_PORT
	ADMIN_TOKEN=${ADMIN_TOKEN:-$(new_token)}
	export ADMIN_TOKEN
	# -f /dev/null: never the machine's /etc/dyndistcc/server.conf (a later
	# -f in "$@" wins)
	spawn server "$BIN/dyndistcc-server" -f /dev/null -l 127.0.0.1 \
	    -p "$SERVER_PORT" --db "$SERVER_DB" --admin-token "$ADMIN_TOKEN" "$@"
	SERVER_PID=$SPAWNED_PID
	wait_until 10 curl -fsS "$SERVER_URL/healthz" ||
		fail "server did not come up on $SERVER_URL"
}

# stop_server: SIGTERM and wait for it to exit.
stop_server() {
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
}

# admin_call METHOD PATH: the request needs admin rights.
admin_call() {
	case "$1 ${2%%\?*}" in
	"POST /api/v1/projects" | "PATCH /api/v1/projects/"* | "DELETE /api/v1/projects/"* | "DELETE /api/v1/nodes/"* | \
	    "GET /api/createProject" | "GET /api/deleteProject" | "GET /api/deleteHost")
		return 0 ;;
	esac
	return 1
}

# api METHOD PATH [BODY] [KEY]: calls the server; prints the body and sets
# STATUS to the HTTP status. With no KEY, an admin call carries
# $ADMIN_TOKEN (ADMIN_TOKEN= api ... sends none). Extra curl options may
# follow in $API_OPTS; with $API_NS set, curl runs in that network
# namespace.
api() {
	local method=$1 path=$2 body=${3:-} key=${4:-} opts run=(curl)
	[ -n "$key" ] || ! admin_call "$method" "$path" || key=${ADMIN_TOKEN:-}
	read -ra opts <<<"${API_OPTS:-}"
	local args=(-sS -o "$T/api.body" -w '%{http_code}' -X "$method" ${opts[@]+"${opts[@]}"})
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	[ -n "$key" ] && args+=(-H "Authorization: Bearer $key")
	[ -n "${API_NS:-}" ] && run=(ip netns exec "$API_NS" curl)
	STATUS=$("${run[@]}" "${args[@]}" "$SERVER_URL$path") || STATUS=000
	cat "$T/api.body"
}

# call METHOD PATH [BODY] [KEY]: like api, but sets `out` (the body) and
# STATUS in the calling shell instead of printing.
call() {
	api "$@" >/dev/null
	out=$(cat "$T/api.body")
}

# create_project NAME [open]: creates a project over the admin API and
# checks it was created; sets PROJECT to NAME, KEY to its join key ("" for
# an open project) and out to the server's reply.
create_project() {
	local body="{\"name\":\"$1\"}"
	[ "${2:-}" = open ] && body="{\"name\":\"$1\",\"key\":false}"
	call POST /api/v1/projects "$body"
	assert_eq "$STATUS" 201 "create project $1 ($out)"
	PROJECT=$1
	KEY=$(jq -r '.key // ""' <<<"$out")
}

# node_id N: a 32-hex-digit node id made from the number N.
node_id() { printf '%032x' "$1"; }

# checkin_json PROJECT NODE CORES [EXTRA]: a check-in body; EXTRA is more
# JSON members (e.g. '"port":3700,"load":[1,1,1]'), winning over these. The
# node runs a live job port (admission "live"): it is listed at once; a
# 1.0 node ("admission":"allow") only once it can have learnt a member.
checkin_json() {
	printf '{"project":"%s","node":"%s","cores":%s,"hostname":"h-%s","owner":"t","version":"1.0.0","admission":"live"}' \
	    "$1" "$2" "$3" "${2: -6}" | jq -c --argjson e "{${4:-}}" '. + $e'
}

# checkin PROJECT NODE CORES KEY [EXTRA]: posts a check-in; sets out, STATUS.
checkin() {
	call POST /api/v1/checkin "$(checkin_json "$1" "$2" "$3" "${5:-}")" "$4"
}

# from ADDR COMMAND...: runs an api/call/checkin helper with the request
# sent from ADDR (a loopback address: 127.0.0.0/8 is all this machine's),
# the connection address a node is listed at.
from() {
	local addr=$1; shift
	API_OPTS="${API_OPTS:-} --interface $addr" "$@"
}

# metric NAME [LABELS]: the value of one Prometheus sample from /metrics.
metric() {
	curl -fsS "$SERVER_URL/metrics" |
	    M="$1${2:+"{$2}"}" awk '$1 == ENVIRON["M"] { print $2; found=1 } END { if (!found) print 0 }'
}

# start_distccd ADDR [extra distccd args...]: a real distccd on ADDR and a
# free port, logging jobs to $T/distccd-ADDR.log, killed at exit; waits until
# the port answers. Sets DISTCCD_PORT. distccd started as root drops to its
# own user, so $T becomes traversable (0711) and the log is made its own;
# started by anyone else, it runs as that user.
start_distccd() {
	local addr=$1; shift
	DISTCCD_PORT=$(free_port "$addr")
	chmod 0711 "$T"
	: >"$T/distccd-$addr.log"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$(id -un distccd 2>/dev/null || id -un distcc)" "$T/distccd-$addr.log"
	fi
	spawn "distccd-$addr.out" distccd --no-detach --daemon --listen "$addr" \
	    --port "$DISTCCD_PORT" --allow 127.0.0.0/8 --jobs 2 \
	    --log-file "$T/distccd-$addr.log" --log-level info "$@"
	wait_until 10 port_busy "$addr" "$DISTCCD_PORT" ||
		fail "distccd did not come up on $addr:$DISTCCD_PORT"
}

# client_conf FILE PROJECT KEY [config lines...]: writes a client.conf for
# $SERVER_URL and PROJECT (with KEY unless it is "" or null), then the
# lines (a later key wins).
client_conf() {
	local file=$1 project=$2 key=$3
	shift 3
	{
		echo "server $SERVER_URL"
		echo "project $project"
		if [ -n "$key" ] && [ "$key" != null ]; then echo "key $key"; fi
		printf '%s\n' "$@"
	} >"$file"
}

# spawn_node NAME DIR PROJECT KEY COMPILERS [config lines...]: starts a
# dcc-heartbeat node with DIR/client.conf (client_conf, its masquerade
# directory DIR/masq, then the lines), output to $T/NAME.log. DIR/masq
# holds a link to dcc for each of COMPILERS (space-separated): the
# compilers it serves. With $NODE_NS set it runs in that network
# namespace; $HEARTBEAT_OPTS are more options for it. Returns at once; sets
# SPAWNED_PID.
spawn_node() {
	local name=$1 dir=$2 project=$3 key=$4 c masq_names opts wrap=()
	shift 4
	read -ra masq_names <<<"$1"
	shift
	mkdir -p "$dir/masq"
	chmod 0711 "$T"	# distccd runs as its own user
	for c in "${masq_names[@]}"; do
		ln -sf "$BIN/dcc" "$dir/masq/$c"
	done
	client_conf "$dir/client.conf" "$project" "$key" "masquerade_dir $dir/masq" "$@"
	read -ra opts <<<"${HEARTBEAT_OPTS:-}"
	[ -n "${NODE_NS:-}" ] && wrap=(ip netns exec "$NODE_NS")
	spawn "$name" ${wrap[@]+"${wrap[@]}"} "$BIN/dcc-heartbeat" -d \
	    ${opts[@]+"${opts[@]}"} -f "$dir/client.conf"
}

# start_node ADDR [config lines...]: a dcc-heartbeat node checking in from
# ADDR to $SERVER_URL (project $PROJECT, key $KEY when set), with its state
# in $NODE_DIR=$T/node-ADDR/ and its job port on ADDR:$NODE_PORT (a free
# port); gcc and cc in its masquerade dir. Extra arguments are appended to
# its client.conf (a later key wins). The heartbeat's and its distccd's logs
# go to $T/node-ADDR.log. Waits until the server lists the node online.
# Sets NODE_PID, NODE_DIR, NODE_PORT.
start_node() {
	local addr=$1; shift
	NODE_DIR=$T/node-$addr
	NODE_PORT=$(free_port "$addr")
	# no memory cgroup under the test runner's own
	spawn_node "node-$addr" "$NODE_DIR" "${PROJECT:?start_node needs PROJECT}" \
	    "${KEY:-}" "gcc cc" "state_dir $NODE_DIR" "source $addr" \
	    "distccd_listen $addr" "distccd_port $NODE_PORT" \
	    "jobs_memory_max none" "$@"
	# shellcheck disable=SC2034	# read by the scenarios
	NODE_PID=$SPAWNED_PID
	wait_until 15 node_online "$addr" "$NODE_PORT" ||
		fail "node $addr did not appear on $SERVER_URL"
}

# nodes_json: the server's node list for $PROJECT (read with $KEY: a keyed
# project's members need it).
nodes_json() {
	curl -fsS ${KEY:+-H "Authorization: Bearer $KEY"} "$SERVER_URL/api/v1/nodes?project=$PROJECT"
}

# node_online ADDR [PORT]: the server lists a node of $PROJECT at ADDR (and
# distccd PORT) as online.
node_online() {
	nodes_json | jq -e --arg a "$1" --arg p "${2:-}" '.nodes | any(.addr == $a and
	    .state == "online" and ($p == "" or (.port | tostring) == $p))'
}

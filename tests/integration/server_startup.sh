# D4 and durability: a zero-byte, foreign, damaged or newer database is
# refused at startup with a clear [ERROR] and left untouched; after kill -9
# under load the database is intact and every acknowledged project exists;
# a restart keeps projects, keys and nodes.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

# refused FILE WORDS...: the server exits non-zero on FILE, logs [ERROR]
# with WORDS, and leaves the file as it was.
refused() {
	local db=$1 sum rc=0; shift
	sum=$(md5sum <"$db")
	timeout 10 "$BIN/dyndistcc-server" -f /dev/null -l 127.0.0.1 -p "$(free_port)" --db "$db" >"$T/out" 2>&1 || rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "server accepted $(basename "$db") (rc $rc)"
	grep -q '\[ERROR\]' "$T/out" || fail "no [ERROR] line for $(basename "$db"): $(cat "$T/out")"
	for w in "$@"; do assert_contains "$(grep '\[ERROR\]' "$T/out")" "$w" "error for $(basename "$db")"; done
	assert_eq "$(md5sum <"$db")" "$sum" "$(basename "$db") after refusal"
	ls "$db"-wal >/dev/null 2>&1 && [ -s "$db-wal" ] && fail "wrote a WAL next to $(basename "$db")"
	true
}

say "D4: zero-byte, foreign, damaged, newer databases"
: >"$T/zero.db"
refused "$T/zero.db" "zero-byte"
sqlite3 "$T/foreign.db" 'CREATE TABLE foo (x); INSERT INTO foo VALUES (1);'
refused "$T/foreign.db" "not a dyndistcc database"
sqlite3 "$T/old.db" "CREATE TABLE dyndistcc (version TEXT, dbVersion INTEGER); INSERT INTO dyndistcc VALUES ('0.0.6', 4);
    CREATE TABLE projects (projectID INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE);"
refused "$T/old.db" "not a dyndistcc database"
head -c 4096 /dev/urandom >"$T/random.db"
refused "$T/random.db" "random.db"
printf 'this is not a database\n' >"$T/text.db"
refused "$T/text.db" "text.db"
SERVER_DB=$T/newer.db start_server
stop_server
sqlite3 "$T/newer.db" 'PRAGMA user_version = 99'
refused "$T/newer.db" "newer"
mkdir "$T/dir.db"
rc=0; timeout 10 "$BIN/dyndistcc-server" -f /dev/null -l 127.0.0.1 -p "$(free_port)" --db "$T/dir.db" >"$T/out" 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -q '\[ERROR\]' "$T/out" || fail "a directory as database: rc $rc"
: >"$T/plain"
rc=0; timeout 10 "$BIN/dyndistcc-server" -f /dev/null -l 127.0.0.1 -p "$(free_port)" --db "$T/plain/x.db" >"$T/out" 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -q '\[ERROR\]' "$T/out" || fail "a database under a regular file: rc $rc"
say "a first start creates the database's directory"
SERVER_DB=$T/state/server/dyndistcc.db start_server
[ -f "$T/state/server/dyndistcc.db" ] || fail "no database in the new directory"
[ "$(stat -c %a "$T/state/server")" = 750 ] || fail "database directory mode $(stat -c %a "$T/state/server")"
stop_server
unset SERVER_PORT

say "durability: kill -9 while projects are created and nodes check in"
SERVER_DB=$T/dur.db
unset SERVER_PORT
start_server
create_project fw; FW=$KEY
(
	i=0
	while :; do
		i=$((i + 1))
		code=$(curl -s -o /dev/null -w "%{http_code}" -m 5 -H "Authorization: Bearer $ADMIN_TOKEN" -X POST -d "{\"name\":\"p$i\"}" "$SERVER_URL/api/v1/projects") || exit 0
		[ "$code" = 201 ] && echo "p$i" >>"$T/acked"
	done
) &
CREATOR=$!
(
	while :; do
		checkin_json fw "$(node_id $((RANDOM % 50)))" 4 >"$T/hb"
		curl -s -o /dev/null -m 5 -H "Authorization: Bearer $FW" --interface "127.0.0.$((RANDOM % 50 + 1))" \
		    --data-binary @"$T/hb" "$SERVER_URL/api/v1/checkin" || exit 0
	done
) &
BEATER=$!
# counted, not timed: the bound is for a loaded machine
wait_until 30 sh -c "[ \$(wc -l <'$T/acked' 2>/dev/null || echo 0) -ge 30 ]" || fail "fewer than 30 projects created"
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
wait "$CREATOR" "$BEATER" 2>/dev/null || true
acked=$(wc -l <"$T/acked")
say "killed after $acked acknowledged creations"
db_sane
mapfile -t acked_names <"$T/acked"
for p in "${acked_names[@]}"; do
	[ "$(db_rows "SELECT count(*) FROM projects WHERE name='$p'")" = 1 ] || fail "acknowledged project $p lost"
done
start_server
out=$(api GET /api/v1/projects)
for p in "${acked_names[@]}"; do
	jq -e --arg p "$p" '.projects | any(.name == $p)' <<<"$out" >/dev/null || fail "$p not served after restart"
done
checkin fw "$(node_id 7)" 4 "$FW"
assert_eq "$STATUS" 200 "the key still works after restart"

say "clean restart: nodes, identity and liveness survive"
N=$(node_id 500)
from 127.0.0.77 checkin fw "$N" 12 "$FW" '"port":3999,"hostname":"keeper"'
stop_server
start_server
call GET /api/v1/nodes?project=fw "" "$FW"
assert_eq "$(jq -r ".nodes[] | select(.id==\"$N\") | [.addr, .port, .cores, .hostname, .state] | @tsv" <<<"$out")" \
    "$(printf '127.0.0.77\t3999\t12\tkeeper\tonline')" "node after a clean restart"
api GET /api/v1/projects/fw/hosts "" "$FW" >/dev/null
assert_contains "$(jq -r .distcc_hosts "$T/api.body")" "127.0.0.77:3999/12" "hosts after a clean restart"

say "... but a node that checked out stays offline across it"
G=$(node_id 501)
from 127.0.0.78 checkin fw "$G" 6 "$FW"
api POST /api/v1/checkout "{\"project\":\"fw\",\"node\":\"$G\"}" "$FW" >/dev/null
assert_eq "$STATUS" 200 "check-out"
stop_server
start_server
call GET /api/v1/nodes?project=fw "" "$FW"
assert_eq "$(jq -r ".nodes[] | select(.id==\"$G\") | .state" <<<"$out")" offline "checked-out node after a restart"
api GET /api/v1/projects/fw/hosts "" "$FW" >/dev/null
assert_not_contains "$(jq -r .distcc_hosts "$T/api.body")" "127.0.0.78" "hosts after a restart"

say "... and an old client's node, seen longer ago than ttl, comes back (legacy_ttl)"
stop_server
start_server --heartbeat 1 --ttl 2
create_project legacyp open
curl -fsS "$SERVER_URL/api/checkin?hash=oldclient&project=legacyp&username=u&swVersion=0.0.6&threads=3" >/dev/null ||
    fail "legacy check-in"
sleep 3
stop_server
start_server --heartbeat 1 --ttl 2
call GET /api/v1/nodes?project=legacyp
assert_eq "$(jq -r '.nodes[0].state' <<<"$out")" online "legacy node 3 s after its check-in, ttl 2"

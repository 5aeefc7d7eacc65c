# install-server.sh into a scratch root: config (mode 0640), unit pointing
# at the installed program, the server starts from that config, makes its
# admin token, and the token is required for admin calls; a second run
# keeps the config; --tls makes a self-signed certificate, the server
# speaks HTTPS with it and the pin printed is the server's; uninstall
# keeps the database unless --purge-db; client and server in one root
# uninstall in either order without leaving anything behind.
. "$(dirname "$0")/../lib/lib.sh"

INSTALL=$TOP/scripts/install-server.sh
R=$T/root
mkdir "$R"
PORT=$(free_port)

say "unattended install into a scratch root"
"$INSTALL" --root "$R" --build "$BIN" --listen 127.0.0.1 --port "$PORT" --yes >"$T/install.log" 2>&1 ||
    { cat "$T/install.log"; fail "install-server.sh"; }
log=$(cat "$T/install.log")
assert_contains "$log" "Control panel:  http://127.0.0.1:$PORT/" "installer output"
assert_contains "$log" "--print-admin-token" "installer output says where the token comes from"

conf=$R/etc/dyndistcc/server.conf
assert_eq "$(stat -c %a "$conf")" 640 "server.conf mode"
# (server_names: this machine's full name, when it has one)
assert_eq "$(grep -v '^#\|^server_names' "$conf")" "listen 127.0.0.1
port $PORT
db $R/var/lib/dyndistcc/server/dyndistcc.db" "server.conf"
unit=$R/etc/systemd/system/dyndistcc-server.service
assert_contains "$(cat "$unit")" "ExecStart=$R/usr/local/sbin/dyndistcc-server -f $conf" "unit"
if command -v systemd-analyze >/dev/null 2>&1; then
	# (Documentation= is checked by install_files.sh.)
	grep -v '^Documentation=' "$unit" >"$T/dyndistcc-server.service"
	systemd-analyze verify "$T/dyndistcc-server.service" >"$T/verify.log" 2>&1 ||
	    { cat "$T/verify.log"; fail "systemd-analyze verify of the installed unit"; }
fi
for f in usr/local/bin/dcc usr/local/sbin/dcc-heartbeat; do
	[ ! -e "$R/$f" ] || fail "the server install put $f there"
done

say "the server runs from the installed config; admin calls need the token"
SERVER_URL=http://127.0.0.1:$PORT
spawn server "$R/usr/local/sbin/dyndistcc-server" -f "$conf"
SERVER_PID=$SPAWNED_PID
wait_until 10 curl -fsS "$SERVER_URL/healthz" || fail "installed server did not come up"
token=$("$R/usr/local/sbin/dyndistcc-server" -f "$conf" --print-admin-token)
printf '%s' "$token" | grep -Eq '^[0-9a-f]{64}$' || fail "admin token: '$token'"
assert_contains "$(cat "$T/server.log")" "$token" "the token in the first start's log"
ADMIN_TOKEN='' api POST /api/v1/projects '{"name":"fw"}' >/dev/null
assert_eq "$STATUS" 403 "project creation without the token"
api POST /api/v1/projects '{"name":"fw"}' "$token" >/dev/null
assert_eq "$STATUS" 201 "project creation with the token"
[ -f "$R/var/lib/dyndistcc/server/dyndistcc.db" ] || fail "database not where the config says"
stop_server

say "a second run keeps the token and the config"
cp "$conf" "$T/conf1"
"$INSTALL" --root "$R" --build "$BIN" --yes >"$T/install2.log" 2>&1 ||
    { cat "$T/install2.log"; fail "second install"; }
cmp -s "$conf" "$T/conf1" || { diff "$T/conf1" "$conf"; fail "second install changed server.conf"; }

say "--tls: a self-signed certificate; the server speaks HTTPS; the pin printed is the server's"
"$INSTALL" --root "$R" --build "$BIN" --tls --yes >"$T/install3.log" 2>&1 ||
    { cat "$T/install3.log"; fail "install --tls"; }
pin=$(awk '/Pin:/ { print $2 }' "$T/install3.log")
[[ $pin =~ ^sha256//[A-Za-z0-9+/]{43}=$ ]] || fail "pin printed: '$pin'"
assert_contains "$(cat "$T/install3.log")" "Control panel:  https://127.0.0.1:$PORT/" "installer output with --tls"
assert_contains "$(cat "$T/install3.log")" "--pin $pin" "the client install command carries the pin"
assert_eq "$(stat -c %a "$R/etc/dyndistcc/tls/server.key")" 640 "key mode"
grep -q "^tls_cert $R/etc/dyndistcc/tls/server.crt$" "$conf" || fail "tls_cert in server.conf"
spawn server "$R/usr/local/sbin/dyndistcc-server" -f "$conf"
SERVER_PID=$SPAWNED_PID
wait_until 10 curl -fsS -k --pinnedpubkey "$pin" "https://127.0.0.1:$PORT/healthz" ||
	fail "installed server does not answer HTTPS with the printed pin"
assert_eq "$(curl -fsS --cacert "$R/etc/dyndistcc/tls/server.crt" "https://127.0.0.1:$PORT/api/v1/server" | jq -r .pin)" \
    "$pin" "the server's pin, over the certificate's own verification"
stop_server
cp "$conf" "$T/conf3"
"$INSTALL" --root "$R" --build "$BIN" --yes >"$T/install4.log" 2>&1 || fail "install after --tls"
cmp -s "$conf" "$T/conf3" || { diff "$T/conf3" "$conf"; fail "a run without --tls changed the TLS config"; }

say "uninstall keeps the database; --purge-db deletes it"
"$INSTALL" uninstall --root "$R" --yes >"$T/uninstall.log" 2>&1 || { cat "$T/uninstall.log"; fail "uninstall"; }
left=$(cd "$R" && find . -type f | LC_ALL=C sort | xargs)
assert_eq "$left" "./var/lib/dyndistcc/server/dyndistcc.db" "files left after uninstall"
"$INSTALL" --root "$R" --build "$BIN" --port "$PORT" --yes >/dev/null 2>&1 || fail "reinstall"
"$INSTALL" uninstall --purge-db --root "$R" --yes >/dev/null 2>&1 || fail "uninstall --purge-db"
# Only the directories that were there before this install may stay.
assert_eq "$(cd "$R" && find . | LC_ALL=C sort | xargs)" ". ./var ./var/lib" "root after uninstall --purge-db"

say "client and server in one root: uninstall in either order leaves nothing"
R=$T/root2
mkdir "$R"
start_server
api POST /api/v1/projects '{"name":"p"}' >"$T/p.json"
key=$(jq -r .key "$T/p.json")
for order in "client server" "server client"; do
	"$INSTALL" --root "$R" --build "$BIN" --port "$PORT" --yes >/dev/null 2>&1 || fail "server install"
	"$TOP/scripts/install-client.sh" --root "$R" --build "$BIN" --no-deps --server "$SERVER_URL" \
	    --project p --key "$key" --yes >"$T/client.log" 2>&1 || { cat "$T/client.log"; fail "client install"; }
	for part in $order; do
		extra=
		[ "$part" = server ] && extra=--purge-db
		"$TOP/scripts/install-$part.sh" uninstall $extra --root "$R" --yes >/dev/null 2>&1 ||
		    fail "$part uninstall"
	done
	assert_eq "$(cd "$R" && find . | LC_ALL=C sort | xargs)" "." "root after uninstalling $order"
done
say "ok"

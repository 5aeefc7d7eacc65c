# Both installers for real (--root /), in a private mount namespace whose
# /etc, /usr and /var are overlays, so the machine and the tests running
# beside this one never see a change. Covers what a scratch root cannot:
# the system user, group-readable server.conf, the server running as that
# user, Debian's /usr/lib/distcc whitelist, a user (not root) building
# through /usr/lib/dyndistcc, and an uninstall that restores every file.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/overlay.bash"

if [ "${1:-}" != inner ]; then
	overlay_probe
	start_server
	create_project fw
	# The inner half runs in the namespace with its own $T; the server
	# (outside, same network) stays with this half.
	unshare -m --propagation private env SERVER_URL="$SERVER_URL" KEY="$KEY" \
	    bash "$0" inner || fail "inner part failed"
	assert_eq "$(api GET '/api/v1/nodes?project=fw' "" "$KEY" | jq '.nodes | length')" 1 "nodes that checked in"
	exit 0
fi

overlay_system
chmod 0755 "$T"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
id dyndistcc >/dev/null 2>&1 && fail "user dyndistcc exists before the install"

# snapshot: every path the installers may touch, with mode, owner and content.
# useradd's own backups (/etc/passwd- …) are not the installer's doing.
snapshot() {
	{ LC_ALL=C find /etc /usr/local /usr/lib/distcc /usr/lib/dyndistcc /var/lib/dyndistcc \
	    -path /etc/ld.so.cache -prune -o ! -name '*-' -printf '%y %m %u:%g %p %l\n' 2>/dev/null || true; } |
	    LC_ALL=C sort
	find /etc /usr/local /usr/lib/distcc -type f ! -name '*-' -exec md5sum {} + | LC_ALL=C sort
}
snapshot >"$T/before"

printf '#!/bin/sh\nexec gcc "$@"\n' >/usr/local/bin/arm-none-eabi-gcc
chmod 0755 /usr/local/bin/arm-none-eabi-gcc

say "install-server.sh for real"
"$TOP/scripts/install-server.sh" --build "$BIN" --listen 127.0.0.1 --port "$(free_port)" --yes \
    >"$T/server-install.log" 2>&1 || { cat "$T/server-install.log"; fail "install-server.sh"; }
assert_contains "$(cat "$T/server-install.log")" "systemd is not running here" "server installer output"
id dyndistcc >/dev/null 2>&1 || fail "no system user dyndistcc"
[ "$(id -u dyndistcc)" -lt 1000 ] || fail "dyndistcc is not a system user"
assert_eq "$(getent passwd dyndistcc | cut -d: -f7)" /usr/sbin/nologin "dyndistcc's shell"
assert_eq "$(stat -c '%a %U:%G' /etc/dyndistcc/server.conf)" "640 root:dyndistcc" "server.conf"
assert_eq "$(stat -c '%U' /var/lib/dyndistcc/server)" dyndistcc "database directory owner"
assert_contains "$(cat /etc/systemd/system/dyndistcc-server.service)" \
    "ExecStart=/usr/local/sbin/dyndistcc-server -f /etc/dyndistcc/server.conf" "installed unit"

say "the server runs as user dyndistcc, as the unit has it"
port=$(awk '$1 == "port" { print $2 }' /etc/dyndistcc/server.conf)
spawn server-system runuser -u dyndistcc -- /usr/local/sbin/dyndistcc-server -f /etc/dyndistcc/server.conf
wait_until 10 curl -fsS "http://127.0.0.1:$port/healthz" || fail "server as dyndistcc did not come up"
[ -f /var/lib/dyndistcc/server/dyndistcc.db ] || fail "no database"
assert_eq "$(stat -c %U /var/lib/dyndistcc/server/dyndistcc.db)" dyndistcc "database owner"
kill "$SPAWNED_PID"
wait "$SPAWNED_PID" 2>/dev/null || true

say "install-client.sh for real"
printf '%s\n' "$KEY" | "$TOP/scripts/install-client.sh" --build "$BIN" --server "$SERVER_URL" --project fw \
    --key-file - --nice 3 --owner alice --cross arm-none-eabi-gcc --yes >"$T/client-install.log" 2>&1 ||
    { cat "$T/client-install.log"; fail "install-client.sh"; }
log=$(cat "$T/client-install.log")
assert_contains "$log" "Checked in" "client installer output"
assert_contains "$log" 'export PATH=/usr/lib/dyndistcc:$PATH' "client installer output"
assert_contains "$log" 'make -j$(dcc -j)' "client installer output"
assert_eq "$(stat -c '%a %U:%G' /etc/dyndistcc/client.conf)" "640 root:root" "client.conf"
assert_eq "$(grep -v '^#' /etc/dyndistcc/client.conf | xargs)" \
    "server $SERVER_URL project fw key $KEY nice 3 owner alice" "client.conf"
assert_eq "$(readlink /usr/lib/dyndistcc/gcc)" ../../local/bin/dcc "gcc link"
f=/usr/lib/distcc/arm-none-eabi-gcc
[ -f "$f" ] && [ ! -L "$f" ] && [ -x "$f" ] || fail "no whitelist entry $f"
[ -s /var/lib/dyndistcc/node-id ] || fail "no node id"
[ "$(stat -c %a /var/lib/dyndistcc/hosts)" = 644 ] || fail "hosts list not world-readable"

say "a user builds through /usr/lib/dyndistcc"
mkdir "$T/work-user"
printf 'int user_fn(int x) { return x * 3; }\n' >"$T/work-user/u.c"
chown -R nobody "$T/work-user"
rc=0
(cd "$T/work-user" && runuser -u nobody -- env HOME="$T/work-user" PATH="/usr/lib/dyndistcc:$PATH" \
    sh -c 'gcc -c u.c -o u.o && arm-none-eabi-gcc -c u.c -o cross.o && dcc -j') >"$T/user.log" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$T/user.log"; fail "build as user nobody exited $rc"; }
(cd "$T/work-user" && gcc -c u.c -o ref.o && cmp -s ref.o u.o) || fail "user's object differs"

say "uninstall both: every file as it was"
"$TOP/scripts/install-client.sh" uninstall --yes >"$T/u1.log" 2>&1 || { cat "$T/u1.log"; fail "client uninstall"; }
"$TOP/scripts/install-server.sh" uninstall --purge-db --yes >"$T/u2.log" 2>&1 ||
    { cat "$T/u2.log"; fail "server uninstall"; }
rm /usr/local/bin/arm-none-eabi-gcc
id dyndistcc >/dev/null 2>&1 && fail "user dyndistcc left behind"
snapshot >"$T/after"
diff -u "$T/before" "$T/after" || fail "the system differs after uninstall (- before, + after)"
say "ok"

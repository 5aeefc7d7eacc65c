# make deb's packages, for real: scripts/build-deb.sh builds dyndistcc-server
# and dyndistcc-client with dpkg-buildpackage; lintian finds no error; then,
# in a private mount namespace whose /etc, /usr and /var are overlays (the
# machine and the tests beside this one never see a change), dpkg installs
# both. The scenario checks what the maintainer scripts did (system user,
# conffile modes, the owner sudo named, state directory, masquerade
# directory, units enabled), that an unconfigured heartbeat is skipped, not
# failed; configures both as an
# admin would, runs the server as its user and the heartbeat from the units'
# command lines, builds as an ordinary user through /usr/lib/dyndistcc with a
# second node taking jobs; installs and purges a compiler package (the dpkg
# trigger links it and unlinks it); then removes, and purges, and finds the
# system as it was before.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/overlay.bash"

if [ "${1:-}" != inner ]; then
	overlay_probe
	for t in dpkg-buildpackage dh lintian; do
		command -v $t >/dev/null || fail "$t is missing (scripts/deps.sh test installs it)"
	done

	version=$(make -s -C "$TOP" --no-print-directory version)
	arch=$(dpkg --print-architecture)
	say "build-deb.sh $version (make deb)"
	t0=$(date +%s%N)
	DEB_BUILD_OPTIONS="nocheck parallel=2" sh "$TOP/scripts/build-deb.sh" "$version" "$T/deb" \
	    >"$T/build.out" 2>&1 || { cat "$T/build.out"; fail "build-deb.sh"; }
	echo "built in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	SERVER_DEB=$T/deb/dyndistcc-server_${version}_$arch.deb
	CLIENT_DEB=$T/deb/dyndistcc-client_${version}_$arch.deb
	for d in "$SERVER_DEB" "$CLIENT_DEB"; do
		[ -f "$d" ] || fail "no $d"
		assert_eq "$(dpkg-deb -f "$d" Version)" "$version" "$(basename "$d") version (the Makefile's)"
		echo "$(basename "$d"): Installed-Size $(dpkg-deb -f "$d" Installed-Size) KiB"
	done
	deps=$(dpkg-deb -f "$CLIENT_DEB" Depends)
	for p in distcc libcurl4 libcjson1; do	# dlopen()ed: dpkg-shlibdeps cannot see them
		assert_contains "$deps" "$p" "dyndistcc-client Depends"
	done
	mkdir "$T/ctl"
	dpkg-deb -e "$CLIENT_DEB" "$T/ctl/client"
	dpkg-deb -e "$SERVER_DEB" "$T/ctl/server"
	assert_eq "$(cat "$T/ctl/client/conffiles")" /etc/dyndistcc/client.conf "client conffiles"
	assert_eq "$(cat "$T/ctl/server/conffiles")" /etc/dyndistcc/server.conf "server conffiles"
	for d in /usr/lib/gcc /usr/lib/gcc-cross "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/gcc" /usr/lib/clang; do
		grep -qx "interest-noawait $d" "$T/ctl/client/triggers" || fail "client triggers lack $d"
	done

	say "lintian"
	lintian --display-info --fail-on none "$T/deb"/*.changes >"$T/lintian.out" 2>&1 || { cat "$T/lintian.out"; fail "lintian did not run"; }
	grep -E '^[EWIP]: ' "$T/lintian.out" || true
	for s in E W I P; do printf '%s %s  ' "$s" "$(grep -c "^$s: " "$T/lintian.out")"; done; echo
	grep -q '^E: ' "$T/lintian.out" && fail "lintian reports errors"

	# The inner half runs in the namespace, with its own $T.
	unshare -m --propagation private env SERVER_DEB="$SERVER_DEB" CLIENT_DEB="$CLIENT_DEB" \
	    bash "$0" inner || fail "inner part failed"
	say "ok"
	exit 0
fi

overlay_system
# An empty /run: no maintainer script finds a running systemd to start units in.
mount -t tmpfs tmpfs /run
chmod 0711 "$T"		# distccd runs as its own user
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
id dyndistcc >/dev/null 2>&1 && fail "user dyndistcc exists before the install"

# snapshot: every path the packages may touch, with type, mode, owner and
# link target, and the account files' content. dpkg's own records, logs and
# caches (man-db's index, ld.so.cache), and the *- backups of the account
# files are not the packages' doing.
snapshot() {
	LC_ALL=C find /etc /usr /var \( -path /var/lib/dpkg -o -path /var/log -o -path /var/cache \
	    -o -path /var/backups -o -path /var/tmp -o -path /etc/ld.so.cache \) -prune \
	    -o ! -name '*-' -printf '%y %m %u:%g %p %l\n' | LC_ALL=C sort
	md5sum /etc/passwd /etc/group /etc/shadow /etc/gshadow
}
snapshot >"$T/before"

# unit_cmd UNIT KEY: the command line of KEY= in the installed unit.
unit_cmd() { sed -n "s/^$2=//p" "/lib/systemd/system/$1"; }

say "dpkg -i both packages"
# as an admin does it: through sudo, which names the machine's owner
SUDO_USER=alice dpkg -i "$SERVER_DEB" "$CLIENT_DEB" >"$T/dpkg-i.log" 2>&1 || { cat "$T/dpkg-i.log"; fail "dpkg -i"; }
for p in dyndistcc-server dyndistcc-client; do
	assert_eq "$(dpkg-query -W -f '${Status}' $p)" "install ok installed" "$p status"
done
id dyndistcc >/dev/null 2>&1 || fail "no system user dyndistcc"
[ "$(id -u dyndistcc)" -lt 1000 ] || fail "dyndistcc is not a system user"
assert_eq "$(getent passwd dyndistcc | cut -d: -f6,7)" /var/lib/dyndistcc/server:/usr/sbin/nologin \
    "dyndistcc's home and shell"
assert_eq "$(stat -c '%a %U:%G' /etc/dyndistcc/server.conf)" "640 root:dyndistcc" "server.conf"
assert_eq "$(stat -c '%a %U:%G' /etc/dyndistcc/client.conf)" "640 root:root" "client.conf"
assert_eq "$(grep '^owner' /etc/dyndistcc/client.conf)" "owner alice" "client.conf's owner (the user who ran sudo)"
assert_eq "$(stat -c '%a %U:%G' /var/lib/dyndistcc/server)" "750 dyndistcc:dyndistcc" "database directory"
for u in dyndistcc-server dcc-heartbeat; do
	[ -L "/etc/systemd/system/multi-user.target.wants/$u.service" ] || fail "$u.service is not enabled"
done
assert_eq "$(readlink /usr/lib/dyndistcc/gcc)" ../../bin/dcc "masquerade link gcc"
[ -f /usr/share/bash-completion/completions/dcc ] || fail "no completion for dcc"
assert_eq "$(dcc --version)" "$(dpkg-query -W -f 'dcc ${Version}' dyndistcc-client)" "dcc --version"

say "unconfigured, the heartbeat's ExecCondition skips the start"
rc=0
sh -c "$(unit_cmd dcc-heartbeat.service ExecCondition)" >"$T/cond.log" 2>&1 || rc=$?
[ "$rc" -ge 1 ] && [ "$rc" -le 254 ] ||
    { cat "$T/cond.log"; fail "ExecCondition exited $rc; systemd skips the start only on 1..254"; }
assert_contains "$(cat "$T/cond.log")" "no server configured" "ExecCondition's reason"

say "the admin configures the server; it runs as its user, from the unit's command line"
SERVER_PORT=$(free_port)
SERVER_URL=http://127.0.0.1:$SERVER_PORT
TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
sed -i -e "s/^listen .*/listen 127.0.0.1/" -e "s/^port .*/port $SERVER_PORT/" /etc/dyndistcc/server.conf
echo "admin_token $TOKEN" >>/etc/dyndistcc/server.conf
read -ra cmd <<<"$(unit_cmd dyndistcc-server.service ExecStart)"
spawn server runuser -u "$(unit_cmd dyndistcc-server.service User)" -- "${cmd[@]}"
SERVER_PID=$SPAWNED_PID
wait_until 10 curl -fsS "$SERVER_URL/healthz" || fail "the server did not come up"
[ -f /var/lib/dyndistcc/server/dyndistcc.db ] || fail "no database in /var/lib/dyndistcc/server"
ADMIN_TOKEN=$TOKEN create_project fw	# with the admin token of server.conf

say "the admin configures the client; the heartbeat checks in"
A_PORT=$(free_port 127.0.0.2)
cat >>/etc/dyndistcc/client.conf <<EOC
server $SERVER_URL
project fw
key $KEY
cores 1
source 127.0.0.2
distccd_listen 127.0.0.2
distccd_port $A_PORT
EOC
sh -c "$(unit_cmd dcc-heartbeat.service ExecCondition)" >"$T/cond.log" 2>&1 ||
    { cat "$T/cond.log"; fail "ExecCondition refuses the configured file"; }
read -ra cmd <<<"$(unit_cmd dcc-heartbeat.service ExecStart)"
spawn node-a "${cmd[@]}"
wait_until 15 node_online 127.0.0.2 "$A_PORT" || fail "the installed node did not check in"
[ -s /var/lib/dyndistcc/node-id ] || fail "no node id in /var/lib/dyndistcc"
assert_eq "$(curl -fsS -H "Authorization: Bearer $KEY" "$SERVER_URL/api/v1/nodes?project=fw" |
    jq -r '.nodes[] | select(.addr == "127.0.0.2") | .owner')" alice "the installed node's owner on the server"

say "a second node (the packaged heartbeat, its own config) takes jobs"
mkdir -p "$T/b"
B_PORT=$(free_port 127.0.0.3)
client_conf "$T/b/client.conf" fw "$KEY" "cores 2" "nice 0" "state_dir $T/b" \
    "source 127.0.0.3" "distccd_listen 127.0.0.3" "distccd_port $B_PORT"
spawn node-b /usr/sbin/dcc-heartbeat -d -f "$T/b/client.conf"
wait_until 15 node_online 127.0.0.3 "$B_PORT" || fail "node B did not check in"
wait_until 30 grep -q "127.0.0.3:$B_PORT/2" /var/lib/dyndistcc/hosts || fail "A's list lacks B"
# B's distccd runs with the final allow list once B's list has A.
wait_until 30 grep -q "127.0.0.2:$A_PORT/1" "$T/b/hosts" || fail "B's list lacks A"
wait_until 30 pool_listening 127.0.0.3 "$B_PORT" || fail "B's distccd does not listen"

say "user nobody builds through /usr/lib/dyndistcc (client.conf is not theirs to read)"
pool_sources "$T/user" u 16
chown -R nobody "$T/user"
as_nobody() {
	(cd "$T/user" && runuser -u nobody -- env HOME="$T/user" PATH="/usr/lib/dyndistcc:$PATH" "$@")
}
jobs=$(as_nobody dcc -j)
assert_eq "$jobs" 3 "dcc -j as nobody (localhost/1 and B's 2)"
as_nobody make -s -j"$jobs" check >"$T/user.log" 2>&1 || { cat "$T/user.log"; fail "the user's build"; }
# a job done: distccd's COMPILE_OK (1.0), or the job port's line for it
done_re='COMPILE_OK|job from [^ ]+: .*: ok,'
wait_until 5 grep -qE "$done_re" "$T/node-b.log" || fail "no job ran on node B"
echo "remote jobs on node B: $(grep -cE "$done_re" "$T/node-b.log")"

say "a compiler package comes and goes: the trigger links and unlinks it"
CC_NAME=dyndistcctest-clang
mkdir -p "$T/ccpkg/DEBIAN" "$T/ccpkg/usr/bin" "$T/ccpkg/usr/lib/clang/dyndistcctest"
printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/ccpkg/usr/bin/$CC_NAME"
chmod 0755 "$T/ccpkg/usr/bin/$CC_NAME"
echo "dyndistcc test compiler" >"$T/ccpkg/usr/lib/clang/dyndistcctest/README"
cat >"$T/ccpkg/DEBIAN/control" <<EOC
Package: dyndistcctest-compiler
Version: 1
Architecture: all
Maintainer: dyndistcc tests <tests@dyndistcc.invalid>
Description: stand-in compiler package for dyndistcc's trigger test
EOC
dpkg-deb --root-owner-group -b "$T/ccpkg" "$T/ccpkg.deb" >/dev/null || fail "dpkg-deb -b"
dpkg -i "$T/ccpkg.deb" >"$T/dpkg-cc.log" 2>&1 || { cat "$T/dpkg-cc.log"; fail "installing the compiler package"; }
assert_eq "$(readlink "/usr/lib/dyndistcc/$CC_NAME")" ../../bin/dcc "link for the new compiler"
[ -x "/usr/lib/distcc/$CC_NAME" ] || fail "no whitelist entry for the new compiler"
dpkg --purge dyndistcctest-compiler >>"$T/dpkg-cc.log" 2>&1 || { cat "$T/dpkg-cc.log"; fail "purging it"; }
[ -e "/usr/lib/dyndistcc/$CC_NAME" ] || [ -L "/usr/lib/dyndistcc/$CC_NAME" ] && fail "link left for a removed compiler"
[ -e "/usr/lib/distcc/$CC_NAME" ] && fail "whitelist entry left for a removed compiler"

say "stop the services (systemd would, in prerm): the nodes check out"
for p in "${PIDS[@]}"; do [ "$p" = "$SERVER_PID" ] || kill -TERM "$p" 2>/dev/null || true; done
for p in "${PIDS[@]}"; do [ "$p" = "$SERVER_PID" ] || pool_wait_exit "$p" 15; done
kill -TERM "$SERVER_PID"
pool_wait_exit "$SERVER_PID" 10

say "dpkg -r: programs and links go, configuration and state stay"
dpkg -r dyndistcc-client dyndistcc-server >"$T/dpkg-r.log" 2>&1 || { cat "$T/dpkg-r.log"; fail "dpkg -r"; }
[ -e /usr/bin/dcc ] && fail "dcc left after dpkg -r"
[ -d /usr/lib/dyndistcc ] && fail "/usr/lib/dyndistcc left after dpkg -r"
[ -f /etc/dyndistcc/client.conf ] && [ -f /etc/dyndistcc/server.conf ] || fail "conffiles gone after dpkg -r"
[ -f /var/lib/dyndistcc/server/dyndistcc.db ] || fail "database gone after dpkg -r"

say "dpkg --purge: nothing left"
dpkg --purge dyndistcc-client dyndistcc-server >"$T/dpkg-p.log" 2>&1 || { cat "$T/dpkg-p.log"; fail "dpkg --purge"; }
id dyndistcc >/dev/null 2>&1 && fail "user dyndistcc left after purge"
getent group dyndistcc >/dev/null && fail "group dyndistcc left after purge"
dpkg-statoverride --list /etc/dyndistcc/server.conf >/dev/null && fail "statoverride left after purge"
for p in dyndistcc-server dyndistcc-client; do
	dpkg-query -W -f '${Status}' $p 2>/dev/null | grep -q installed && fail "$p still known to dpkg"
done
snapshot >"$T/after"
diff -u "$T/before" "$T/after" || fail "the system differs after purge (- before, + after)"

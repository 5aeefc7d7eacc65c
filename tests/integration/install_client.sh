# install-client.sh, unattended and interactive, into scratch roots: the
# config is written with the right content and mode, the masquerade links
# lead to the installed dcc, the machine checks in with a real server, a
# build through PATH spreads over the pool (a real distccd) and gives the
# same objects, a second run is harmless, and uninstall leaves the root as
# it was (a config that was there before comes back).
. "$(dirname "$0")/../lib/lib.sh"

INSTALL=$TOP/scripts/install-client.sh
start_server
create_project fw
[ ${#KEY} -ge 32 ] || fail "project key: $out"

# A second member: a real distccd on 127.0.0.2, checked in through the API
# from that address (a node is listed at the address it connects from). It
# reports this machine's gcc and cc by their fingerprints (a 1.1 dcc sends a
# job only to a host with the same compiler), and live admission: its
# distccd admits all of loopback, so any member at once.
mkdir -p "$T/cross" "$T/home"
start_distccd 127.0.0.2
comps=
for name in gcc cc; do
	fp=$(DCC_CONFIG=/dev/null HOME=$T/home "$BIN/dcc" --fingerprint "$name" | cut -d' ' -f1)
	[ -n "$fp" ] || fail "no fingerprint for $name"
	comps="$comps{\"name\":\"$name\",\"version\":\"$(gcc -dumpfullversion)\",\"target\":\"$(gcc -dumpmachine)\",\"fp\":\"$fp\"},"
done
peer='{"project":"fw","node":"0123456789abcdef0123456789abcdef","hostname":"peer","cores":4,
 "nice":0,"port":'$DISTCCD_PORT',"load":[0,0,0],"version":"1.1.0","admission":"live",
 "compilers":['${comps%,}']}'
API_OPTS="--interface 127.0.0.2" api POST /api/v1/checkin "$peer" "$KEY" >/dev/null
assert_eq "$STATUS" 200 "peer check-in"

printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/cross/arm-none-eabi-gcc"
chmod 0755 "$T/cross/arm-none-eabi-gcc"
export HOME=$T/home XDG_CACHE_HOME=$T/home/.cache
unset DCC_SERVER DCC_PROJECT DCC_KEY DCC_CONFIG DISTCC_HOSTS

# snapshot DIR: every path under DIR with type, mode and (for files) content.
snapshot() {
	(cd "$1" && LC_ALL=C find . -printf '%y %m %p %l\n' | LC_ALL=C sort
	 find . -type f -exec md5sum {} + | LC_ALL=C sort)
}

say "unattended install into a scratch root with a config already there"
R=$T/root
mkdir -p "$R/etc/dyndistcc"
printf 'server http://old.example:1\nproject old\n' >"$R/etc/dyndistcc/client.conf"
snapshot "$R" >"$T/before"
rc=0
# A root with a strict umask: what users read must still be readable.
# The key comes on the standard input, as the panel's install command has
# it; sudo names the owner.
(umask 077; printf '%s\n' "$KEY" | SUDO_USER=alice "$INSTALL" --root "$R" --build "$BIN" --server "$SERVER_URL" \
    --project fw --key-file - --nice 7 --cross arm-none-eabi-gcc --yes) >"$T/install.log" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$T/install.log"; fail "install-client.sh exited $rc"; }
log=$(cat "$T/install.log")
assert_contains "$log" "Checked in" "installer output"
assert_contains "$log" "export PATH=$R/usr/lib/dyndistcc:\$PATH" "installer output"
assert_contains "$log" 'make -j$(' "installer output"
assert_contains "$log" "CC=$R/usr/local/bin/dcc" "installer output"

say "client.conf: content and mode"
conf=$R/etc/dyndistcc/client.conf
assert_eq "$(stat -c %a "$conf")" 640 "client.conf mode"
assert_eq "$(grep -v '^#' "$conf")" "server $SERVER_URL
project fw
key $KEY
nice 7
owner alice
state_dir $R/var/lib/dyndistcc
masquerade_dir $R/usr/lib/dyndistcc" "client.conf"

say "masquerade links lead to the installed dcc"
M=$R/usr/lib/dyndistcc
for n in gcc cc g++ c++ arm-none-eabi-gcc; do
	[ -L "$M/$n" ] || fail "no link $M/$n"
	assert_eq "$(realpath "$M/$n")" "$R/usr/local/bin/dcc" "$n link"
done
assert_contains "$(cat "$M/.added")" arm-none-eabi-gcc "remembered cross compilers"
for p in usr/lib/dyndistcc usr/local/bin usr/local/bin/dcc var/lib/dyndistcc etc/dyndistcc; do
	assert_eq "$(stat -c %a "$R/$p")" 755 "mode of $p under umask 077"
done
assert_eq "$(stat -c %a "$R/var/lib/dyndistcc/hosts")" 644 "mode of the host list"

say "the installed programs, unit and man page are there"
for f in usr/local/bin/dcc usr/local/sbin/dcc-heartbeat usr/local/sbin/dyndistcc-masquerade \
    etc/systemd/system/dcc-heartbeat.service usr/local/share/man/man8/dyndistcc-masquerade.8; do
	[ -e "$R/$f" ] || fail "$f not installed"
done
cmp -s "$BIN/dcc" "$R/usr/local/bin/dcc" || fail "installed dcc is not the built one"
assert_contains "$(cat "$R/etc/systemd/system/dcc-heartbeat.service")" \
    "ExecStart=$R/usr/local/sbin/dcc-heartbeat -d -f $R/etc/dyndistcc/client.conf" "unit"
[ ! -e "$R/usr/local/sbin/dyndistcc-server" ] || fail "the client install put the server there"

say "the check-in reached the server"
nodes=$(api GET "/api/v1/nodes?project=fw" "" "$KEY")
id=$(cat "$R/var/lib/dyndistcc/node-id")
assert_eq "$(printf '%s' "$nodes" | jq -r --arg id "$id" '.nodes[] | select(.id == $id) | .nice')" 7 \
    "this node's nice value on the server"
assert_eq "$(printf '%s' "$nodes" | jq -r --arg id "$id" '.nodes[] | select(.id == $id) | .owner')" alice \
    "this node's owner on the server (the user who ran sudo)"

say "a build through PATH spreads over the pool and gives the same objects"
mkdir "$T/src"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	{
		echo "#include <stdio.h>"
		for j in $(seq 1 60); do
			echo "static int f${i}_$j(int x) { int s = 0; for (int k = 0; k < x; k++) s += k * $j; return s; }"
		done
		printf 'int g%s(void) { return 0' "$i"
		for j in $(seq 1 60); do printf ' + f%s_%s(%s)' "$i" "$j" "$j"; done
		echo '; }'
	} >"$T/src/u$i.c"
done
cat >"$T/src/Makefile" <<'EOF'
OBJS = $(patsubst %.c,%.o,$(wildcard u*.c))
all: $(OBJS)
%.o: %.c
	$(CC) -O2 -c $< -o $@
EOF
(cd "$T/src" && make -s CC=gcc >/dev/null && mkdir ref && mv ./*.o ref/) || fail "reference build"
export DCC_CONFIG=$conf
jobs=$("$R/usr/local/bin/dcc" -j) || fail "dcc -j"
[ "$jobs" -ge 6 ] || fail "dcc -j is $jobs: the pool (2 local + 4 peer threads at least) is not in the list"
rc=0
(cd "$T/src" && PATH=$M:$T/cross:/usr/bin:/bin make -s -j"$jobs" CC=gcc) >"$T/build.log" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$T/build.log"; fail "build through $M exited $rc"; }
for o in "$T"/src/ref/*.o; do
	cmp -s "$o" "$T/src/$(basename "$o")" || fail "$(basename "$o") differs from the local build"
done
wait_until 5 grep -q COMPILE_OK "$T/distccd-127.0.0.2.log" ||
    fail "the peer's distccd ran no job: $(cat "$T/build.log")"
say "peer ran $(grep -c COMPILE_OK "$T/distccd-127.0.0.2.log") of 12 jobs"
(cd "$T/src" && PATH=$M:$T/cross:/usr/bin:/bin arm-none-eabi-gcc -c u1.c -o cross.o) ||
    fail "cross compiler through $M"
unset DCC_CONFIG

say "running it again is harmless"
snapshot "$R" | grep -v ' ./var/lib/dyndistcc/hosts' >"$T/after1"
"$INSTALL" --root "$R" --build "$BIN" --yes >"$T/install2.log" 2>&1 ||
    { cat "$T/install2.log"; fail "second install"; }
snapshot "$R" | grep -v ' ./var/lib/dyndistcc/hosts' >"$T/after2"
diff -u "$T/after1" "$T/after2" || fail "a second install (values from the config) changed files"

say "uninstall restores the root as it was"
"$INSTALL" uninstall --root "$R" --yes >"$T/uninstall.log" 2>&1 ||
    { cat "$T/uninstall.log"; fail "uninstall"; }
snapshot "$R" >"$T/after"
diff -u "$T/before" "$T/after" || fail "uninstall left the root changed (- before, + after)"

say "interactive install: answers from stdin"
R2=$T/root2
mkdir "$R2"
# server, port, project, key, nice, cross compilers, confirm
printf '%s\n' "127.0.0.1" "$SERVER_PORT" fw "$KEY" -3 none y |
    "$INSTALL" --root "$R2" --build "$BIN" --owner "Mark Smith" >"$T/interactive.log" 2>&1 ||
    { cat "$T/interactive.log"; fail "interactive install"; }
assert_contains "$(cat "$T/interactive.log")" "Server address" "prompts"
assert_eq "$(grep -E '^(server|project|nice|owner) ' "$R2/etc/dyndistcc/client.conf" | xargs)" \
    "server $SERVER_URL project fw nice -3 owner Mark Smith" "interactive config"
"$INSTALL" uninstall --root "$R2" --yes >/dev/null 2>&1 || fail "uninstall root2"
assert_eq "$(ls -A "$R2")" "" "root2 after uninstall"

say "bad input changes nothing"
R3=$T/root3
mkdir "$R3"
for args in "--project fw" "--server $SERVER_URL --project bad/name" \
    "--server $SERVER_URL --project fw --nice 99" "--server $SERVER_URL --project fw --key a\"b" \
    "--server ftp://x --project fw" "--server $SERVER_URL --project fw --cross ../x" \
    "--server $SERVER_URL --project fw --key-file $T/no-such-file"; do
	rc=0
	read -ra argv <<<"$args"
	"$INSTALL" --root "$R3" --build "$BIN" --yes --no-deps "${argv[@]}" >"$T/bad.log" 2>&1 || rc=$?
	[ $rc -ne 0 ] || fail "accepted: $args"
	assert_eq "$(ls -A "$R3")" "" "root after refused $args"
done

say "without answers (end of input) nothing is installed"
rc=0
"$INSTALL" --root "$R3" --build "$BIN" --no-deps --server "$SERVER_URL" --project fw </dev/null \
    >"$T/eof.log" 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "installed with no answer to the confirmation"
assert_eq "$(ls -A "$R3")" "" "root after a run without answers"

say "--build -: the programs make install put into the prefix"
R5=$T/root5
mkdir "$R5"
make -s -C "$TOP" --no-print-directory -o all install BUILD="$BIN" PREFIX="$R5/usr/local" \
    SYSCONFDIR="$R5/etc" UNITDIR="$R5/lib/systemd/system" >"$T/make.log" 2>&1 ||
    { cat "$T/make.log"; fail "make install"; }
snapshot "$R5" >"$T/before5"
"$INSTALL" --root "$R5" --build - --no-deps --server "$SERVER_URL" --project fw --key "$KEY" --yes \
    >"$T/prefix.log" 2>&1 || { cat "$T/prefix.log"; fail "install with --build -"; }
assert_contains "$(cat "$T/prefix.log")" "using the programs already installed in $R5/usr/local" "output"
assert_eq "$(realpath "$R5/usr/lib/dyndistcc/gcc")" "$R5/usr/local/bin/dcc" "gcc link with --build -"
"$INSTALL" uninstall --root "$R5" --yes >/dev/null 2>&1 || fail "uninstall root5"
snapshot "$R5" >"$T/after5"
diff -u "$T/before5" "$T/after5" || fail "uninstall did not restore the make install tree"

say "a wrong key: installed, but the installer says the check-in failed"
R4=$T/root4
mkdir "$R4"
rc=0
"$INSTALL" --root "$R4" --build "$BIN" --no-deps --server "$SERVER_URL" --project fw \
    --key 00000000000000000000000000000000 --yes >"$T/wrongkey.log" 2>&1 || rc=$?
assert_eq "$rc" 3 "exit status with a wrong key"
assert_contains "$(cat "$T/wrongkey.log")" "CHECK-IN FAILED" "installer output with a wrong key"
"$INSTALL" uninstall --root "$R4" --yes >/dev/null 2>&1
assert_eq "$(ls -A "$R4")" "" "root4 after uninstall"
say "ok"

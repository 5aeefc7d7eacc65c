# Never break a build: corrupt caches, an unwritable cache dir, distcc
# missing, no config, distcc calling back (_DISTCC_SAFEGUARD): the compile
# still succeeds; DISTCC_HOSTS is never empty; own exit codes are distcc's.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dcc_common.bash"

dcc_setup
cd "$T"
printf 'int answer(void) { return 42; }\n' >a.c
/usr/bin/gcc -O2 -c a.c -o local.o
# A stand-in distcc that records its arguments and DISTCC_* variables, then
# compiles locally like distcc would: args are "<compiler> <args...>".
cat >"$T/fake-distcc" <<'SH'
#!/bin/sh
{ echo "argv: $*"; env | grep '^DISTCC_' | sort; } >"$FAKE_OUT"
compiler=$1; shift
exec "$compiler" "$@"
SH
chmod +x "$T/fake-distcc"
export FAKE_OUT=$T/fake.out

hosts_were() {	# LIST: the stand-in distcc got DISTCC_HOSTS=LIST
	grep -qx "DISTCC_HOSTS=$1" "$FAKE_OUT" ||
	    fail "DISTCC_HOSTS was not '$1': $(grep DISTCC_HOSTS "$FAKE_OUT")"
}

check_compile() {	# WHAT [env...]: dcc gcc -O2 -c a.c must equal local.o
	local what=$1; shift
	rm -f a.o
	env "$@" "$BIN/dcc" gcc -O2 -c a.c -o a.o 2>"$T/err.out" ||
	    fail "$what: compile failed: $(cat "$T/err.out")"
	cmp a.o local.o || fail "$what: object differs"
}

say "a normal compile hands distcc the server's list and passes DISTCC_* on"
# A member, so the server's list differs from dcc's local fallback; it
# checks out after this case, as the later cases expect no members.
checkin_node 127.0.0.8 3700 2
check_compile normal DCC_DISTCC="$T/fake-distcc" DISTCC_FOO=bar DISTCC_HOSTS=bogus
assert_contains "$(cat "$FAKE_OUT")" "argv: gcc -O2 -c a.c -o a.o" "distcc argv"
assert_contains "$(cat "$FAKE_OUT")" "DISTCC_FOO=bar" "passed through"
hosts_were "localhost/1 127.0.0.8:3700/2"
checkout_node 127.0.0.8 3700
[ -s "$CACHE/hosts" ] || fail "no user cache written"

say "corrupt caches: the user's and the system's"
printf 'garbage\n--localslots=99\n' >"$CACHE/hosts"
printf '# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=1 fetched=%s\nlocalhost/1,lzo +zeroconf\n' \
    "$(date +%s)" >"$T/state/hosts"
stop_server
check_compile corrupt DCC_DISTCC="$T/fake-distcc"
hosts_were localhost/1
assert_contains "$(cat "$T/err.out")" "cannot get a host list" "one warning"
check_compile "corrupt, again" DCC_DISTCC="$T/fake-distcc"
assert_eq "$(cat "$T/err.out")" "" "no second warning within the failure period"
start_server

say "the system cache is used when it is fresher"
now=$(date +%s)
printf '# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=3 fetched=%s\nlocalhost/1 127.0.0.9:3700/2\n' \
    "$now" >"$T/state/hosts"
check_compile system DCC_DISTCC="$T/fake-distcc"
hosts_were "localhost/1 127.0.0.9:3700/2"
grep -qx "DISTCC_PAUSE_TIME_MSEC=100" "$FAKE_OUT" || fail "no 100 ms lock poll by default"

say "a pool wider than distcc's 8 preprocessing slots gets as many, and the user's poll wins"
printf '# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=17 fetched=%s\nlocalhost/1 127.0.0.9:3700/16\n' \
    "$now" >"$T/state/hosts"
check_compile wide DCC_DISTCC="$T/fake-distcc" DISTCC_PAUSE_TIME_MSEC=250
hosts_were "--localslots_cpp=17 localhost/1 127.0.0.9:3700/16"
grep -qx "DISTCC_PAUSE_TIME_MSEC=250" "$FAKE_OUT" || fail "the user's DISTCC_PAUSE_TIME_MSEC was changed"
assert_eq "$(DCC_DISTCC="$T/fake-distcc" "$BIN/dcc" -j)" 17 "dcc -j with the tuned list"
printf '# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=3 fetched=%s\nlocalhost/1 127.0.0.9:3700/2\n' \
    "$now" >"$T/state/hosts"
say "... but not when it is another project's"
sed -i '1s/project=fw/project=other/' "$T/state/hosts"
rm -f "$CACHE/failed"
check_compile "other project" DCC_DISTCC="$T/fake-distcc"
hosts_were localhost/1
rm -f "$T/state/hosts"

say "unwritable cache directory (a file where the directory should be)"
printf 'not a directory\n' >"$T/cachefile"
check_compile "unwritable cache" XDG_CACHE_HOME="$T/cachefile" DCC_DISTCC="$T/fake-distcc"
hosts_were localhost/1
check_compile "cache under /proc" XDG_CACHE_HOME=/proc/self DCC_DISTCC="$T/fake-distcc"

say "distcc missing: DCC_DISTCC names nothing, or distcc is not on PATH"
check_compile "no DCC_DISTCC" DCC_DISTCC=/nonexistent/distcc
mkdir -p "$T/nodistcc"
for p in gcc as ld cc; do ln -sf "$(command -v $p)" "$T/nodistcc/$p"; done
check_compile "no distcc on PATH" PATH="$T/nodistcc"
rm -f a.o
PATH=$T/nodistcc "$BIN/dcc" -O2 -c a.c -o a.o || fail "implicit cc without distcc"
cmp a.o local.o || fail "implicit cc without distcc: object differs"

say "no config at all, no HOME"
check_compile "no config" DCC_CONFIG=/nonexistent/client.conf DCC_DISTCC="$T/fake-distcc" \
    XDG_CACHE_HOME="$T/empty-cache"
hosts_were "localhost/$(nproc)"
check_compile "broken config" DCC_CONFIG=/etc/passwd DCC_DISTCC="$T/fake-distcc" \
    XDG_CACHE_HOME="$T/other-cache"
assert_contains "$(cat "$T/err.out")" "ignoring the config: /etc/passwd:1:" "warning"
env -u HOME "$BIN/dcc" gcc -O2 -c a.c -o a.o || fail "compile without HOME"

say "_DISTCC_SAFEGUARD: dcc runs the real compiler, not distcc"
ln -sf "$BIN/dcc" "$T/masq/gcc"
rm -f "$FAKE_OUT"
check_compile safeguard PATH="$T/masq:$PATH" _DISTCC_SAFEGUARD=1 DCC_DISTCC="$T/fake-distcc"
[ ! -e "$FAKE_OUT" ] || fail "distcc ran under _DISTCC_SAFEGUARD"
rm -f a.o
PATH=$T/masq:$PATH _DISTCC_SAFEGUARD=1 gcc -O2 -c a.c -o a.o || fail "masquerade + safeguard"
cmp a.o local.o || fail "masquerade + safeguard: object differs"

say "own exit codes are distcc's: 101 bad arguments, 110 no compiler"
rc=0; "$BIN/dcc" 2>/dev/null || rc=$?
assert_eq "$rc" 101 "dcc with no arguments"
rc=0; "$BIN/dcc" -j gcc extra 2>/dev/null || rc=$?
assert_eq "$rc" 101 "dcc -j with two compilers"
rc=0; DCC_DISTCC=/nonexistent "$BIN/dcc" no-such-compiler-xyz -c a.c 2>"$T/err.out" || rc=$?
assert_eq "$rc" 110 "neither distcc nor the compiler"
assert_contains "$(cat "$T/err.out")" "no-such-compiler-xyz" "message"

say "a user who may not read the config (it holds the key) builds quietly on the heartbeat's list"
need_root "this last part (runuser, a mount namespace over /var/lib/dyndistcc)"
# The list must be at the default state_dir, since this user cannot read the
# config that names another: bind it there in a mount namespace of our own.
chmod 0711 "$T"
chmod 0755 "$T/state"
mkdir "$T/user"
# The user's own copy of dcc: the build dir may sit where nobody cannot go.
cp a.c local.o "$T/fake-distcc" "$BIN/dcc" "$T/user/"
chown -R nobody "$T/user"
install -m 0600 "$T/client.conf" "$T/private.conf"
printf '# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=3 fetched=%s\nlocalhost/1 127.0.0.9:3700/2\n' \
    "$(date +%s)" >"$T/state/hosts"
chmod 0644 "$T/state/hosts"
made=0
[ -d /var/lib/dyndistcc ] || { mkdir -p /var/lib/dyndistcc; made=1; }
as_user() {	# command...: as nobody, with the heartbeat's list in place
	unshare -m sh -c 'mount --bind "$0" /var/lib/dyndistcc && exec "$@"' \
	    "$T/state" runuser -u nobody -- env -C "$T/user" HOME="$T/user" \
	    DCC_CONFIG="$T/private.conf" DCC_DISTCC="$T/user/fake-distcc" \
	    FAKE_OUT="$T/user/fake.out" "$@"
}
rc=0; as_user "$T/user/dcc" gcc -O2 -c a.c -o a.o 2>"$T/user.err" || rc=$?
[ $made -eq 1 ] && rmdir /var/lib/dyndistcc
assert_eq "$rc" 0 "the user's compile"
cmp "$T/user/a.o" "$T/user/local.o" || fail "the user's object differs"
assert_eq "$(cat "$T/user.err")" "" "stderr of the user's compile"
grep -qx "DISTCC_HOSTS=localhost/1 127.0.0.9:3700/2" "$T/user/fake.out" ||
    fail "the user's compile did not use the heartbeat's list: $(cat "$T/user/fake.out")"

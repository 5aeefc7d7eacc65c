# dcc's own commands: --refresh, --status, --show-hosts, -j, --help,
# --version, and the DCC_* overrides of the config file.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dcc_common.bash"

dcc_setup
start_distccd 127.0.0.2; P2=$DISTCCD_PORT
checkin_node 127.0.0.2 "$P2" 3
dcc=$BIN/dcc

say "--help and --version"
assert_contains "$("$dcc" --help)" "usage: dcc" "--help"
assert_eq "$("$dcc" --version)" "dcc $VERSION" "--version"

say "with no list, -j is this machine's cores and the list is localhost"
assert_eq "$(DCC_SERVER=http://127.0.0.1:1 "$dcc" -j 2>/dev/null)" 1 "-j without a list (cores 1)"
assert_eq "$(DCC_SERVER=http://127.0.0.1:1 "$dcc" --show-hosts 2>/dev/null)" localhost/1 "--show-hosts"
rm -f "$CACHE/failed"

say "--refresh fetches and prints the list"
out=$("$dcc" --refresh)
assert_eq "$out" "localhost/1 127.0.0.2:$P2/3" "--refresh"
assert_eq "$("$dcc" -j)" 4 "-j"
assert_eq "$("$dcc" --show-hosts | tr '\n' ' ')" "localhost/1 127.0.0.2:$P2/3 " "--show-hosts"
head -1 "$CACHE/hosts" | grep -q '^# dyndistcc project=fw refresh_after=15 heartbeat=10 ttl=30 pool_threads=4 pool_busy=0 compilers=1 fetched=' ||
    fail "cache header: $(head -1 "$CACHE/hosts")"

say "--status tells server, project, list age, pool and last error"
st=$("$dcc" --status)
assert_contains "$st" "$SERVER_URL" "--status"
assert_contains "$st" "project:      fw" "--status"
assert_contains "$st" "using:        the user cache, " "--status"
assert_contains "$st" "fresh (refresh after 15 s)" "--status"
assert_contains "$st" "pool:         4 threads" "--status"
assert_contains "$st" "last error:   none" "--status"

say "a wrong key: --refresh fails with the server's reason, --status shows it"
rc=0; DCC_KEY=0000 "$dcc" --refresh 2>"$T/err" || rc=$?
assert_eq "$rc" 1 "--refresh exit status"
assert_contains "$(cat "$T/err")" "refused the key for project fw (401)" "--refresh error"
assert_contains "$("$dcc" --status)" "s ago: the server refused the key" "--status"

say "DCC_PROJECT and DCC_SERVER override the file"
api POST /api/v1/projects '{"name":"open","key":false}' >/dev/null
assert_eq "$STATUS" 201 "open project"
out=$(DCC_PROJECT=open DCC_KEY='' "$dcc" --refresh)
assert_eq "$out" "localhost/1" "open project's list"
rc=0; DCC_PROJECT=nope "$dcc" --refresh 2>"$T/err" || rc=$?
assert_eq "$rc" 1 "unknown project"
assert_contains "$(cat "$T/err")" "no project nope (404)" "unknown project"
rc=0; DCC_SERVER=http://127.0.0.1:1 "$dcc" --refresh 2>"$T/err" || rc=$?
assert_eq "$rc" 1 "server down"
assert_contains "$(cat "$T/err")" "127.0.0.1:1" "server down error"

say "a stale list is refreshed by -j, a list of another project is not used"
"$dcc" --refresh >/dev/null
make_stale "$CACHE/hosts"
checkin_node 127.0.0.3 "$P2" 2
assert_eq "$("$dcc" -j)" 6 "-j after a refresh"
assert_eq "$(DCC_PROJECT=open "$dcc" -j 2>/dev/null)" 1 "-j of another project"

say "a compiler no member has compiles here, quietly, with no remote attempt"
mkdir -p "$T/own"
printf '#!/bin/sh\n# a compiler of this machine alone\nexec gcc "$@"\n' >"$T/own/owncc$$"
chmod 0755 "$T/own/owncc$$"
printf 'int own(void) { return 7; }\n' >"$T/own.c"
jobs_before=$(remote_jobs)
err=$(cd "$T" && DCC_LOG=$T/own.log PATH=$T/own:$PATH "$dcc" "owncc$$" -c own.c -o own.o 2>&1) ||
	fail "owncc: $err"
assert_eq "$err" "" "owncc: stderr"
[ -s "$T/own.o" ] || fail "owncc built no object"
assert_eq "$(remote_jobs)" "$jobs_before" "remote jobs of owncc"
assert_contains "$(cat "$T/own.log")" 'DISTCC_HOSTS="localhost/1"' "owncc's list"
assert_eq "$(PATH=$T/own:$PATH "$dcc" -j "owncc$$")" 1 "dcc -j owncc"
assert_eq "$(PATH=$T/own:$PATH "$dcc" -j "$T/own/owncc$$")" 1 "dcc -j /path/to/owncc"
assert_eq "$("$dcc" -j gcc)" 6 "dcc -j gcc"
fp=$(PATH=$T/own:$PATH "$dcc" --fingerprint "owncc$$" | cut -d' ' -f1)
grep -q "^# dyndistcc-fp $fp threads=1 localhost/1$" "$CACHE/hosts" ||
	fail "owncc's line is not in the user's list: $(cat "$CACHE/hosts")"
grep -q "^$fp owncc$$ " "$CACHE/compilers" || fail "owncc is not in dcc's own table"

say "--fingerprint names what runs; --status compares members"
out=$("$dcc" --fingerprint gcc)
assert_eq "$(cut -d' ' -f2 <<<"$out")" "$(gcc -dumpmachine)-gcc" "the name distcc sends for gcc"
assert_eq "$("$dcc" --fingerprint cc | cut -d' ' -f1)" "$(cut -d' ' -f1 <<<"$out")" "cc and gcc"
rc=0; "$dcc" --fingerprint no-such-cc 2>"$T/err" || rc=$?
assert_eq "$rc" 1 "--fingerprint of nothing"
assert_contains "$(cat "$T/err")" "no no-such-cc on PATH" "--fingerprint error"
ln -sf "$BIN/dcc" "$T/masq/gcc"
st=$("$dcc" --status)
assert_contains "$st" "fingerprint $(cut -d' ' -f1 <<<"$out")" "--status"
assert_contains "$st" "n-127.0.0.2" "--status members"
assert_contains "$st" "same compiler" "--status members"

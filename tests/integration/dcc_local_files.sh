# dcc and the files it finds (issue 15): a FIFO in place of DCC_LOG, of
# DCC_CONFIG or of a host list never blocks a compile; root running a build
# with a user's HOME (sudo -E make) neither reads nor writes that user's
# cache, however it is prepared; a cache directory others may write to is
# not used; and nothing planted there (links to a root-only file at every
# name dcc could write, in a pid namespace where dcc is pid 1 so the names
# are the ones 1.0 used) changes that file.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dcc_common.bash"

dcc_setup
cd "$T"
printf 'int f(void) { return 1; }\n' >x.c
/usr/bin/gcc -O2 -c x.c -o local.o

# compiles NAME [env...]: dcc gcc -c x.c finishes within 20 s (a blocked
# open would hang it) and builds the object.
compiles() {
	local what=$1 rc=0
	shift
	rm -f x.o
	timeout 20 env "$@" "$BIN/dcc" gcc -O2 -c x.c -o x.o 2>"$T/err.out" || rc=$?
	[ "$rc" != 124 ] || fail "$what: dcc hung (killed after 20 s)"
	assert_eq "$rc" 0 "$what: exit status ($(cat "$T/err.out"))"
	cmp -s x.o local.o || fail "$what: the object differs"
}

say "a FIFO as DCC_LOG, DCC_CONFIG or a host list: the compile goes on"
mkfifo "$T/fifo"
compiles "DCC_LOG=fifo" DCC_LOG="$T/fifo"
assert_contains "$(cat "$T/err.out")" "not a regular file" "DCC_LOG warning"
compiles "DCC_CONFIG=fifo" DCC_CONFIG="$T/fifo" DCC_SERVER=http://127.0.0.1:1 \
    DCC_PROJECT=fw
mkdir -p "$CACHE"
rm -f "$CACHE/hosts" "$T/state/hosts"
mkfifo "$CACHE/hosts" "$T/state/hosts"
compiles "hosts files are FIFOs"
rm -f "$CACHE/hosts" "$T/state/hosts"
ln -s "$T/log.real" "$T/log.link"
compiles "DCC_LOG is a link" DCC_LOG="$T/log.link" DCC_VERBOSE=
[ ! -e "$T/log.real" ] || fail "dcc logged through a symbolic link"

[ "$(id -u)" = 0 ] || { echo "the rest needs root (chown, unshare)"; exit 77; }
command -v unshare >/dev/null || { echo "no unshare"; exit 77; }

# plant DIR: links to $T/victim (root's, 0600) at every name dcc may
# write in DIR, with the temp-file names 1.0 used for pids 1..8.
plant() {
	local n i
	for n in hosts failed warned lock compilers compilers.lock; do
		for i in 1 2 3 4 5 6 7 8; do
			ln -sf "$T/victim" "$1/$n.tmp.$i"
		done
	done
	ln -sf "$T/victim" "$1/lock"
	ln -sf "$T/victim" "$1/compilers.lock"
}

# as_root_in HOME: a compile as root with that HOME and a server that
# fails, so dcc wants to write its failure stamp, the lock and its
# fingerprint table; dcc runs as pid 1 of a new pid namespace.
as_root_in() {
	rm -f x.o
	timeout 30 unshare --pid --fork env HOME="$1" DCC_SERVER=http://127.0.0.1:1 \
	    "$BIN/dcc" gcc -O2 -c x.c -o x.o 2>"$T/err.out" ||
		fail "compile as root with HOME=$1 failed: $(cat "$T/err.out")"
	cmp -s x.o local.o || fail "HOME=$1: the object differs"
}

printf 'secret\n' >"$T/victim"
chmod 0600 "$T/victim"

say "root with a user's HOME: the user's cache is left alone"
user=$(id -un nobody)
mkdir -p "$T/userhome/.cache/dyndistcc"
plant "$T/userhome/.cache/dyndistcc"
chown -R -h "$user" "$T/userhome"
as_root_in "$T/userhome"
assert_eq "$(cat "$T/victim")" secret "the root-only file"
assert_eq "$(find "$T/userhome" -user root | wc -l)" 0 "files root made in the user's cache"
# a fresh list for root there: never read
printf '# dyndistcc project=fw refresh_after=300 heartbeat=10 ttl=30 pool_threads=9 fetched=%s\nlocalhost/1 127.0.0.9/8\n' \
    "$(date +%s)" >"$T/userhome/.cache/dyndistcc/hosts"
chown -h "$user" "$T/userhome/.cache/dyndistcc/hosts"
assert_eq "$(HOME=$T/userhome "$BIN/dcc" -j)" 1 "dcc -j with the user's list"

say "a cache directory others may write to is not used"
mkdir -p "$T/openhome/.cache/dyndistcc"
chmod 0777 "$T/openhome/.cache/dyndistcc"
plant "$T/openhome/.cache/dyndistcc"
as_root_in "$T/openhome"
assert_eq "$(cat "$T/victim")" secret "the root-only file"
assert_eq "$(find "$T/openhome/.cache/dyndistcc" -type f | wc -l)" 0 "files made there"

say "root's own cache is used"
rm -rf "$CACHE"
as_root_in "$T/home"
[ -f "$CACHE/failed" ] || fail "no failure stamp in root's own cache"
[ -f "$CACHE/compilers" ] || fail "no fingerprint table in root's own cache"
assert_eq "$(stat -c %U:%a "$CACHE")" "root:700" "root's cache directory"

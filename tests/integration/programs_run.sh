# The three programs start, answer --help and --version, and refuse a bad option.
. "$(dirname "$0")/../lib/lib.sh"

for p in dyndistcc-server dcc dcc-heartbeat; do
	out=$("$BIN/$p" --version)
	assert_eq "$out" "$p $VERSION" "$p --version"
	out=$("$BIN/$p" --help)
	assert_contains "$out" "usage: $p" "$p --help"
done
# dcc passes unknown options to the compiler; the daemons must refuse them.
for p in dyndistcc-server dcc-heartbeat; do
	rc=0; "$BIN/$p" --no-such-option >/dev/null 2>&1 || rc=$?
	[ $rc -ne 0 ] || fail "$p accepted --no-such-option"
done

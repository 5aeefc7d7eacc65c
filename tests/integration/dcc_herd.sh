# Herd: 100 dcc started at once on a stale list make exactly one request at
# the server; while another process holds the refresh lock, none waits.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dcc_common.bash"

dcc_setup
# A stand-in for distcc that records the host list it was given.
printf '#!/bin/sh\nprintf "%%s\\n" "$DISTCC_HOSTS" >>"%s/seen"\n' "$T" >"$T/fake-distcc"
chmod +x "$T/fake-distcc"
export DCC_DISTCC=$T/fake-distcc

requests() {	# hosts requests the server has answered, whatever the result
	curl -fsS "$SERVER_URL/metrics" |
	    awk '$1 ~ /^dyndistcc_hosts_requests_total/ { n += $2 } END { print n + 0 }'
}

herd() {	# N: starts N dcc at once, waits for all; fails if any fails
	local i pids=() rc=0
	: >"$T/seen"
	for i in $(seq 1 "$1"); do
		"$BIN/dcc" gcc -c x.c -o x.o &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	[ $rc -eq 0 ] || fail "a dcc failed"
	assert_eq "$(wc -l <"$T/seen")" "$1" "stand-in runs"
	assert_not_contains "$(cat "$T/seen")" $'\n\n' "host lists"
	# the server's list, never dcc's local fallback (localhost/1)
	grep -qvx "$WANT" "$T/seen" && fail "unexpected list: $(sort -u "$T/seen")"
	return 0
}

checkin_node 127.0.0.9 3700 2
WANT="localhost/1 127.0.0.9:3700/2"

say "first fetch"
"$BIN/dcc" --refresh >/dev/null
assert_eq "$(requests)" 1 "requests after dcc --refresh"

say "100 dcc at once on a fresh list: no request"
herd 100
assert_eq "$(requests)" 1 "requests with a fresh list"

say "100 dcc at once on a stale list: exactly one request"
make_stale "$CACHE/hosts"
herd 100
assert_eq "$(requests)" 2 "requests after the herd"
age=$(( $(date +%s) - $(sed -n '1s/.*fetched=\([0-9]*\).*/\1/p' "$CACHE/hosts") ))
[ "$age" -le 5 ] || fail "the cache was not refreshed (age $age s)"

say "while another process holds the lock, 100 dcc go on with the old list"
make_stale "$CACHE/hosts"
spawn lockholder flock "$CACHE/lock" sleep 300
wait_until 5 sh -c "! flock -n '$CACHE/lock' true" || fail "lock not taken"
t0=$(date +%s%N)
herd 100
t1=$(date +%s%N)
assert_eq "$(requests)" 2 "requests while the lock is held"
say "100 dcc took $(( (t1 - t0) / 1000000 )) ms with the lock held for 300 s"

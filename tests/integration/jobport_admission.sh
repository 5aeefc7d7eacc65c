# Live admission, on hosts in network namespaces so that every job comes
# from its member's own address: a node that joins builds at once, and a
# node whose address changes builds at once, and neither build meets a
# refused connection, a local fallback or a backoff. The heartbeat is long
# (30 s), so the other members cannot have heard of the change by a regular
# check-in: their job ports must ask the server when the unknown address
# knocks (the logs show it), and admit it.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/netns.bash"

netns_init srv n1 n2 n3
netns_server --heartbeat 30 --ttl 90 --refresh-after 30
netns_node n1
netns_node n2
sees() { case " $(pool_hosts "$1") " in *" $2/"*|*" $2:"*) return 0 ;; esac; return 1; }
wait_until 20 sees n1 "${HOST[n2]}" || fail "n1 does not list n2: $(pool_hosts n1)"
wait_until 20 sees n2 "${HOST[n1]}" || fail "n2 does not list n1: $(pool_hosts n2)"
pool_sources "$T/src" lan 24

# clean BUILDLOG WHO: the build succeeded with every job remote or local
# by choice: no refusal at n1 or n2, no fallback, no backoff.
clean() {
	local n fb
	for n in n1 n2; do
		assert_eq "$(refusals "$n")" 0 "connections $n's job port refused"
	done
	fb=$(fallbacks "$1")
	assert_eq "$fb" "0 0" "local fallbacks and backoffs in $2's build"
	assert_eq "$(backoff_files n3)" 0 "hosts n3's distcc backed off"
}

# n3_builds LOG: n3 builds (output to LOG), some of its jobs run on n1 and
# n2 from its address, which their job ports had to ask the server about,
# and the build is clean. Sets REMOTE to how many ran there.
n3_builds() {
	local from=${HOST[n3]}
	netns_build n3 "$T/src" check >"$1" 2>&1 ||
		{ cat "$1"; fail "n3's build from $from failed"; }
	REMOTE=$(( $(pool_jobs n1 "$from") + $(pool_jobs n2 "$from") ))
	[ "$REMOTE" -gt 0 ] || fail "no job of n3 ran remotely from $from"
	grep -q "job port: $from is a member now" "$T/n1.log" "$T/n2.log" ||
		fail "no job port had to ask the server about $from (the test proves nothing)"
	clean "$1" n3
	grep -h "$from is a member now" "$T/n1.log" "$T/n2.log" |
	    sed 's/^.*job port: /  /' | sort | uniq -c | head -3
}

say "n3 joins and builds at once"
netns_node n3
wait_until 20 sees n3 "${HOST[n1]}" || fail "n3's first list lacks n1"
sees n3 "${HOST[n2]}" || fail "n3's first list lacks n2: $(pool_hosts n3)"
n3_builds "$T/build1.log"
echo "  n1 and n2 ran $REMOTE of n3's 25 jobs; none refused"

say "n3's address changes and it builds at once"
old=${HOST[n3]} new=$NET.23
netns_move n3 "$new"
n3_builds "$T/build2.log"
echo "  n1 and n2 ran $REMOTE of n3's jobs from $new (was $old); none refused"

echo "ok"

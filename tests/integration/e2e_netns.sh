# Separate hosts in network namespaces (netns.bash): a server and three
# nodes, each in a namespace of its own. The nodes set no `source`, so the
# server takes their address from the connection. Then one node's address
# changes, as with a new DHCP lease, and the other members must use the new
# address (one heartbeat plus one refresh, printed): their host lists show it
# and a build from another node sends it jobs.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/netns.bash"

HB=2
netns_init srv n1 n2 n3
NEW_N3=$NET.23
netns_server --heartbeat $HB --ttl $((3 * HB)) --refresh-after $HB
for n in n1 n2 n3; do netns_node "$n"; done

has() { case " $(pool_hosts "$1") " in *" $2/"*) return 0 ;; esac; return 1; }
all_see() {
	has n1 "${HOST[n2]}" && has n1 "${HOST[n3]}" && has n2 "${HOST[n1]}" &&
	    has n2 "${HOST[n3]}" && has n3 "${HOST[n1]}" && has n3 "${HOST[n2]}"
}
wait_until 30 all_see || fail "the nodes did not see each other: $(pool_hosts n1)"
for n in n1 n2 n3; do echo "  $n: $(pool_hosts "$n")"; done

pool_sources "$T/src" lan 24
netns_build n1 "$T/src" check >"$T/build1.log" 2>&1 ||
	{ cat "$T/build1.log"; fail "build from n1 failed"; }
before=$(pool_jobs n3 "${HOST[n1]}")
[ "$before" -gt 0 ] || fail "n3 ran no jobs of n1's first build"
echo "  n1's build: n3 ran $before jobs at ${HOST[n3]}"

say "n3's address changes: ${HOST[n3]} -> $NEW_N3"
old=${HOST[n3]}
t0=$(date +%s%N)
netns_move n3 "$NEW_N3"
promise=$((2 * HB * 1000))	# one heartbeat + one refresh; printed, not enforced
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
server_has() {
	in_ns n1 curl -fsS -H "Authorization: Bearer $KEY" "$SERVER_URL/api/v1/nodes?project=lan" |
	    jq -e --arg a "$NEW_N3" '[.nodes[] | select(.owner == "n3" and .addr == $a and .state == "online")] | length == 1'
}
moved() { has "$1" "$NEW_N3" && ! has "$1" "$old"; }
wait_until 60 server_has || fail "the server never saw n3's new address"
printf '  %-30s %5d ms (n3 checks in when its address changes)\n' "at the server:" "$(ms_since "$t0")"
for n in n1 n2; do
	wait_until 60 moved "$n" || fail "$n's list never moved to $NEW_N3: $(pool_hosts "$n")"
	printf '  %-30s %5d ms (promised %d ms: one heartbeat + one refresh)\n' "in $n's list:" \
	    "$(ms_since "$t0")" "$promise"
done
line=$(pool_run n1 in_ns n1 dcc --show-hosts | tr '\n' ' ')
assert_contains "$line" "$NEW_N3" "dcc --show-hosts on n1"
assert_not_contains "$line" "$old/" "dcc --show-hosts on n1"

say "a build from n1 reaches n3 at its new address"
n3_before=$(pool_jobs n3)
netns_build n1 "$T/src" check >"$T/build2.log" 2>&1 ||
	{ cat "$T/build2.log"; fail "build from n1 failed"; }
after=$(( $(pool_jobs n3) - n3_before ))
[ "$after" -gt 0 ] || fail "n3 ran no jobs of n1's build after the address change"
! grep -F "$old" "$T/build2.log" || fail "n1's build still tried $old"
echo "  n3 ran $after jobs for n1 after the change"
echo "ok"

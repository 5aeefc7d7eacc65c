#!/usr/bin/env bash
# bench_health.sh — how fast a broken node leaves the lists and a repaired
# one returns (issue 13), with the server's default heartbeat (HB=10 s; set
# HB to try another) and the nodes' default canary interval. Pool: nodes
# a, b, c (tests/lib/health.bash), idle; c breaks and is repaired ROUNDS
# times (1) per fault:
#   compiler  c's compiler binary goes: c leaves that compiler's lists;
#   tmp       c's temporary directory fills up: c leaves every list;
#   port      c's distccd is stopped (SIGSTOP): c leaves every list.
# Measured: fault -> c gone from the server's list and from a's and b's
# host-list files; repair -> c back in all of them. Aim: leaving within one
# heartbeat plus one check (the server at once, the members' files at
# their next check-in). Figures are seconds and their ratio to the
# heartbeat, the baseline.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"
. "$(dirname "$0")/../lib/health.bash"
rounds=${ROUNDS:-1}
HB=${HB:-10}

health_pool "$HB" 1
fp=$(health_fp c "$SLEEPCC")
[ -n "$fp" ] || fail "c reports no $SLEEPCC"
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# server_lists [FP]: the server's list for a machine without a node (every
# listable member), or the one of compiler FP, names c
server_lists() {
	case " $(curl -fsS -H 'Accept: text/plain' -H "Authorization: Bearer $KEY" \
	    "$SERVER_URL/api/v1/projects/health/hosts?cores=1${1:+&fp=$1}") " in
	*" ${POOL_ADDR[c]}:${POOL_PORT[c]}/"*) return 0 ;;
	esac
	return 1
}
server_lacks() { ! server_lists "$@"; }
ratio() { awk -v ms="$1" -v hb="$HB" 'BEGIN { printf "%5.2f s  %4.2f HB", ms / 1000, ms / 1000 / hb }'; }
limit=$((6 * HB + 30))

printf '%-9s %-7s %-22s %-22s\n' fault what "server's list" "every member's file"
for fault in compiler tmp port; do
	only=
	[ $fault = compiler ] && only=$fp
	for _ in $(seq "$rounds"); do
		t0=$(date +%s%N)
		health_break "$fault"
		wait_until "$limit" server_lacks ${only:+"$only"} || fail "$fault: c still in the server's list"
		s=$(ms_since "$t0")
		wait_until "$limit" health_left c ${only:+"$only"} || fail "$fault: c still in a member's file"
		f=$(ms_since "$t0")
		printf '%-9s %-7s %-22s %-22s\n' "$fault" leave "$(ratio "$s")" "$(ratio "$f")"
		t0=$(date +%s%N)
		health_repair "$fault"
		wait_until "$limit" server_lists ${only:+"$only"} || fail "$fault: c not back in the server's list"
		s=$(ms_since "$t0")
		wait_until "$limit" health_back c ${only:+"$only"} || fail "$fault: c not back in every member's file"
		f=$(ms_since "$t0")
		printf '%-9s %-7s %-22s %-22s\n' $fault return "$(ratio "$s")" "$(ratio "$f")"
	done
done
echo "heartbeat (HB) $HB s; rounds $rounds"

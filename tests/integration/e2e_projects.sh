# Two projects on one server stay apart: no node of one ever appears in the
# other's host lists, allow lists or node list, and no job of one reaches
# the other's distccds, while both build at the same time.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/pool.bash"

start_server --heartbeat 2 --ttl 6 --refresh-after 2
create_project alpha
KEY_alpha=$KEY
create_project beta
KEY_beta=$KEY

pool_node a1 127.0.0.2 alpha "$KEY_alpha" 2
pool_node a2 127.0.0.3 alpha "$KEY_alpha" 2
pool_node b1 127.0.0.4 beta "$KEY_beta" 2
pool_node b2 127.0.0.5 beta "$KEY_beta" 2
pool_client dev-alpha alpha "$KEY_alpha" 1
pool_client dev-beta beta "$KEY_beta" 1
declare -A PROJ=([a1]=alpha [a2]=alpha [b1]=beta [b2]=beta)
ALPHA=(a1 a2) BETA=(b1 b2)

# From the first check-in to the end, a watcher reads every node's host list
# file ten times a second and records any address of the other project.
watch_lists() {
	local n m line
	while :; do
		for n in "${!PROJ[@]}"; do
			line=" $(pool_hosts "$n") "
			for m in "${!PROJ[@]}"; do
				[ "${PROJ[$m]}" = "${PROJ[$n]}" ] && continue
				case $line in *" ${POOL_ADDR[$m]}:"*)
					echo "$(date +%T.%N) $n lists $m: $line" >>"$T/violations" ;;
				esac
			done
		done
		sleep 0.1
	done
}
watch_lists &
PIDS+=($!)
pool_wait_settled 30 "${ALPHA[@]}" || fail "alpha's nodes did not settle"
pool_wait_settled 30 "${BETA[@]}" || fail "beta's nodes did not settle"

# apart: every list and node list holds only its own project.
apart() {
	local n m line nodes
	for n in "${!PROJ[@]}"; do
		line=" $(pool_hosts "$n") "
		for m in "${!PROJ[@]}"; do
			[ "${PROJ[$m]}" = "${PROJ[$n]}" ] && continue
			assert_not_contains "$line" "${POOL_ADDR[$m]}" "$n's host list"
		done
	done
	for p in alpha beta; do
		k=KEY_$p
		nodes=$(curl -fsS -H "Authorization: Bearer ${!k}" "$SERVER_URL/api/v1/nodes?project=$p" |
		    jq -r '[.nodes[] | select(.state == "online") | .owner] | sort | join(" ")')
		case $p in
		alpha) assert_eq "$nodes" "a1 a2" "online nodes of alpha" ;;
		beta) assert_eq "$nodes" "b1 b2" "online nodes of beta" ;;
		esac
	done
	for p in alpha beta; do
		line=$(pool_run dev-$p dcc --show-hosts | tr '\n' ' ')
		for m in "${!PROJ[@]}"; do
			[ "${PROJ[$m]}" = $p ] && continue
			assert_not_contains "$line" "${POOL_ADDR[$m]}" "dcc --show-hosts of $p"
		done
	done
}

say "lists after joining"
apart
for n in a1 a2 b1 b2; do echo "$n: $(pool_hosts "$n")"; done

say "a key opens only its own project"
api GET "/api/v1/projects/alpha/hosts" "" "$KEY_beta" >/dev/null
assert_eq "$STATUS" 401 "alpha's hosts with beta's key"
api POST /api/v1/checkin "{\"project\":\"alpha\",\"node\":\"$(cat "$T/b1/state/node-id")\",\"cores\":2,\"port\":${POOL_PORT[b1]}}" "$KEY_beta" >/dev/null
assert_eq "$STATUS" 401 "checking in to alpha with beta's key"

say "both projects build at once"
pool_sources "$T/src-alpha" alpha 30
pool_sources "$T/src-beta" beta 30
declare -A build=()
for p in alpha beta; do
	(
		cd "$T/src-$p"
		pool_run "dev-$p" sh -c 'make -s -j"$(dcc -j)" CC=dcc && make -s check CC=dcc'
	) >"$T/build-$p.log" 2>&1 &
	build[$p]=$!
done
wait "${build[alpha]}" || { cat "$T/build-alpha.log"; fail "alpha's build failed"; }
wait "${build[beta]}" || { cat "$T/build-beta.log"; fail "beta's build failed"; }

say "every job stayed in its project"
for n in "${!PROJ[@]}"; do
	p=${PROJ[$n]}
	jobs=$(pool_jobs "$n")
	[ "$jobs" -gt 0 ] || fail "$n ran no jobs of $p"
	foreign=$(grep 'job from .*: ok, ' "$T/$n.log" | grep -v ' canary\.c: ' |
	    grep -vc " ${p}_[0-9a-z]*\.c: " || true)
	assert_eq "$foreign" 0 "jobs on $n that are not $p's"
	echo "$n ($p): $jobs jobs, all $p's"
done
apart
[ ! -s "$T/violations" ] || { cat "$T/violations"; fail "a node listed the other project's node"; }
echo "ok"

# Issue 15: the project names "." and "..", which URLs and browsers
# normalise away (/api/v1/projects/../hosts is /api/v1/hosts to them), are
# no names: creating, listing hosts of and deleting them is a 400, sent
# raw (curl --path-as-is) or percent-encoded, and nothing is stored.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/server_common.bash"

start_server
create_project fw; FW=$KEY

for name in . ..; do
	say "'$name'"
	call POST /api/v1/projects "{\"name\":\"$name\"}"
	assert_eq "$STATUS" 400 "create '$name'"
	assert_contains "$(jq -r .error <<<"$out")" "not . or .." "create '$name'"
	call POST /api/v1/projects "{\"name\":\"$name\",\"key\":false}"
	assert_eq "$STATUS" 400 "create open '$name'"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" \
	    "$SERVER_URL/api/createProject?name=$name")
	assert_eq "$code" 400 "legacy create '$name'"
	enc=${name//./%2e}
	for path in "$name" "$enc"; do
		code=$(curl -s --path-as-is -o "$T/b" -w '%{http_code}' -H "Authorization: Bearer $FW" \
		    "$SERVER_URL/api/v1/projects/$path/hosts")
		assert_eq "$code" 400 "hosts of '$path'"
		code=$(curl -s --path-as-is -o "$T/b" -w '%{http_code}' -X DELETE \
		    -H "Authorization: Bearer $ADMIN_TOKEN" "$SERVER_URL/api/v1/projects/$path")
		assert_eq "$code" 400 "delete '$path'"
		code=$(curl -s --path-as-is -o "$T/b" -w '%{http_code}' -X PATCH \
		    -H "Authorization: Bearer $ADMIN_TOKEN" -d '{"advertise":true}' "$SERVER_URL/api/v1/projects/$path")
		assert_eq "$code" 400 "PATCH '$path'"
	done
	call POST /api/v1/checkin "$(checkin_json "$name" "$(node_id 1)" 2)" "$FW"
	assert_eq "$STATUS" 400 "check-in to '$name'"
	code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL/api/checkin?hash=h&project=$name&username=u&swVersion=0.0.6&threads=2")
	assert_eq "$code" 400 "legacy check-in to '$name'"
done
assert_eq "$(api GET /api/v1/projects | jq -c '[.projects[].name]')" '["fw"]' "projects"
assert_eq "$(db_rows 'SELECT count(*) FROM projects')" 1 "project rows"
server_alive || fail "server died"

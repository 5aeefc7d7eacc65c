# Every shell script of the repository passes shellcheck: scripts/ (the
# installers, the demo, the Debian maintainer scripts, the bash
# completions), the masquerade tool, the build's helper scripts, the test
# runner, the scenarios, the benchmarks and the test library. A file is a
# shell script by its name (*.sh, *.bash), its first line (#!…sh) or its
# place (scripts/completion/). Files without a #! line are bash (the
# library and the scenarios are sourced or run by bash).
#
# The files a script sources are followed (-x, from the script's own
# directory), so a variable set in tests/lib/lib.sh counts as set in the
# scenarios. Checks left out, each a house idiom shellcheck cannot tell
# from a slip:
#   SC2015  `[ a ] && [ b ] || fail ...`: fail exits, so it runs exactly
#           when a test failed — the suite's assertion form
#   SC2016  $ inside single quotes: sh -c scripts, jq programs, Makefile
#           and C text written from the shell, meant to expand later
#   SC2119, SC2120  helpers whose arguments are optional, called without
. "$(dirname "$0")/../lib/lib.sh"

command -v shellcheck >/dev/null ||
	{ echo "shellcheck is not installed (scripts/deps.sh test installs it)"; exit 77; }
EXCLUDE=SC2015,SC2016,SC2119,SC2120

# the repository's files, tracked or new (a copy without git: every file
# below the source folders)
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	mapfile -t files < <(cd "$TOP" && git ls-files --cached --others --exclude-standard)
else
	mapfile -t files < <(cd "$TOP" && find .ci masquerade scripts server shim tests \
	    -name node_modules -prune -o -type f -print | sed 's|^\./||')
fi
bash_files=() sh_files=()
for f in "${files[@]}"; do
	[ -f "$TOP/$f" ] || continue
	case $f in
	*/node_modules/*) continue ;;
	*.sh | *.bash | scripts/completion/*) ;;
	*) head -n 1 "$TOP/$f" | grep -Eq '^#!.*[/ ](ba)?sh( |$)' || continue ;;
	esac
	if head -n 1 "$TOP/$f" | grep -q '^#!'; then
		sh_files+=("$f")	# its shell is the #! line's
	else
		bash_files+=("$f")
	fi
done
total=$(( ${#sh_files[@]} + ${#bash_files[@]} ))
[ "$total" -gt 50 ] || fail "only $total shell scripts found in $TOP"
for must in tests/lib/lib.sh masquerade/dyndistcc-masquerade scripts/completion/dcc \
    scripts/debian/dyndistcc-client.postinst scripts/deps.sh; do
	case " ${sh_files[*]} ${bash_files[*]} " in
	*" $must "*) ;;
	*) fail "$must is not among the files checked" ;;
	esac
done

say "shellcheck $(shellcheck --version | sed -n 's/^version: //p') over $total shell scripts"
cd "$TOP"
# a few files a shellcheck, as many at once as there are CPUs
check() {	# [shellcheck options] -- files...
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	[ $# -eq 0 ] || printf '%s\0' "$@" | xargs -0 -n 8 -P "$(nproc)" \
	    shellcheck -f gcc -x -P SCRIPTDIR -e "$EXCLUDE" ${opts[@]+"${opts[@]}"}
}
rc=0
{
	check -- ${sh_files[@]+"${sh_files[@]}"} || rc=$?
	check -s bash -- ${bash_files[@]+"${bash_files[@]}"} || rc=$?
} >"$T/findings" 2>&1
n=$(grep -c ': \(error\|warning\|note\|style\|info\): ' "$T/findings" || true)
if [ "$rc" -ne 0 ] || [ "$n" -ne 0 ]; then
	cat "$T/findings"
	fail "shellcheck: $n findings (exit $rc)"
fi
echo "ok: no findings"

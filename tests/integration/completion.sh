# bash completion for dcc and dyndistcc-masquerade, as make install puts it
# into share/bash-completion/completions: an interactive bash registers it
# (complete -p), and the completion functions, called with COMP_WORDS and
# COMP_CWORD as bash sets them, offer dcc's own options, the compilers, the
# files, and, with bash-completion loaded, the compiler's own completion.
. "$(dirname "$0")/../lib/lib.sh"

make -s -C "$TOP" --no-print-directory -o all BUILD="$BIN" install DESTDIR="$T/root" PREFIX=/usr \
    >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make install"; }
comp=$T/root/usr/share/bash-completion/completions
[ -f "$comp/dcc" ] && [ -f "$comp/dyndistcc-masquerade" ] || fail "no completion files in $comp"

# A PATH of compilers (and one command that is not a compiler), a
# masquerade directory, and a work directory with a few files.
mkdir -p "$T/bin" "$T/masq" "$T/work/src"
for c in gcc gcc-12 arm-none-eabi-gcc clang++ frobnicate; do
	printf '#!/bin/sh\nexec true\n' >"$T/bin/$c"
	chmod 0755 "$T/bin/$c"
done
ln -s /usr/bin/dcc "$T/masq/gcc"
ln -s /usr/bin/dcc "$T/masq/arm-none-eabi-gcc"
touch "$T/work/foo.c" "$T/work/foo.h" "$T/work/arm.S"

# complete WORDS...: the candidates bash would offer for the command line
# WORDS (the last word is the one being completed), one a line, sorted.
# $PRELUDE runs first in the interactive shell (after the files are read).
complete_line() {
	local words
	printf -v words '%q ' "$@"
	(cd "$T/work" && env -i HOME="$T" TERM=dumb PATH="$T/bin:/usr/bin:/bin" \
	    bash --norc --noprofile -i -c "
		_dcc_masquerade_dir=$T/masq
		${PRELUDE:-. $comp/dcc; . $comp/dyndistcc-masquerade}
		COMP_WORDS=($words)
		COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
		COMP_LINE=\"\${COMP_WORDS[*]}\"
		COMP_POINT=\${#COMP_LINE}
		f=\$(complete -p \"\${COMP_WORDS[0]}\" | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
		\$f \"\${COMP_WORDS[0]}\" \"\${COMP_WORDS[COMP_CWORD]}\" \"\${COMP_WORDS[COMP_CWORD-1]}\"
		printf '%s\n' \"\${COMPREPLY[@]}\"" 2>"$T/bash.err") | sed '/^$/d' | LC_ALL=C sort | xargs
}

say "an interactive bash registers both"
out=$(env -i HOME="$T" TERM=dumb bash --norc --noprofile -i -c ". $comp/dcc; . $comp/dyndistcc-masquerade; complete -p dcc dyndistcc-masquerade" 2>/dev/null)
assert_contains "$out" "-F _dcc dcc" "complete -p dcc"
assert_contains "$out" "-F _dyndistcc_masquerade dyndistcc-masquerade" "complete -p dyndistcc-masquerade"

say "dcc: its own options, compilers, files"
assert_eq "$(complete_line dcc --s)" "--show-hosts --status" "dcc --s"
assert_eq "$(complete_line dcc -)" "--help --refresh --show-hosts --status --version -j" "dcc -"
assert_eq "$(complete_line dcc ar)" "arm-none-eabi-gcc arm.S" "dcc ar (masquerade link and file)"
assert_eq "$(complete_line dcc g)" "gcc" "dcc g (links in the masquerade directory only)"
assert_eq "$(complete_line dcc -j '')" "" "dcc -j takes nothing more"
assert_eq "$(complete_line dcc -c fo)" "foo.c foo.h" "dcc -c fo (implicit: files)"
assert_eq "$(complete_line dcc gcc -c fo)" "foo.c foo.h" "dcc gcc -c fo (no bash-completion: files)"
_dcc_masquerade_dir=$T/nonexistent
PRELUDE="_dcc_masquerade_dir=$T/nonexistent; . $comp/dcc"
got=" $(complete_line dcc '') "
for w in arm-none-eabi-gcc clang++ gcc gcc-12 foo.c src; do
	assert_contains "$got" " $w " "dcc with no masquerade directory (compilers on PATH, files)"
done
for w in frobnicate c89-gcc; do
	assert_not_contains "$got" " $w " "dcc with no masquerade directory"
done
unset PRELUDE

say "dyndistcc-masquerade: options, --add, --remove, --dir"
assert_eq "$(complete_line dyndistcc-masquerade --re)" "--refresh --remove" "--re"
assert_eq "$(complete_line dyndistcc-masquerade --add a)" "arm-none-eabi-gcc" "--add a"
assert_eq "$(complete_line dyndistcc-masquerade --remove '')" "arm-none-eabi-gcc gcc" "--remove"
mkdir "$T/other"
ln -s /usr/bin/dcc "$T/other/cc"
assert_eq "$(complete_line dyndistcc-masquerade --dir "$T/other" --remove '')" "cc" "--dir D --remove"
assert_eq "$(complete_line dyndistcc-masquerade --dir "$T/oth")" "$T/other" "--dir"

say "with bash-completion: found where make install put it; dcc gcc completes as gcc"
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || fail "bash-completion is not installed (scripts/deps.sh test installs it)"
# bash-completion loads a command's file on first use from
# $XDG_DATA_DIRS/bash-completion/completions/.
PRELUDE="PATH=/usr/bin:/bin; XDG_DATA_DIRS=$T/root/usr/share; . $bc; _completion_loader dcc; _completion_loader dyndistcc-masquerade"
assert_eq "$(complete_line dcc --st)" "--status" "dcc --st, loaded by bash-completion"
got=$(complete_line dcc gcc -fno-stack-prot)
assert_contains " $got " " -fno-stack-protector " "dcc gcc -fno-stack-prot (gcc's own completion)"
assert_eq "$(complete_line dyndistcc-masquerade --pu)" "--purge" "dyndistcc-masquerade --pu, loaded by bash-completion"
say "ok"

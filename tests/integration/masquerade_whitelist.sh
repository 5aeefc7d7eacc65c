# dyndistcc-masquerade --add of a cross compiler makes distccd accept jobs
# for it, and the whitelist entry survives Debian's update-distcc-symlinks
# (which deletes symlinks it does not know). Runs the real script against the
# real /usr/lib/distcc, inside a private mount namespace where that directory
# is a copy, so tests running at the same time never see it change; without
# unshare it works on the real directory and restores it at exit.
. "$(dirname "$0")/../lib/lib.sh"

command -v update-distcc-symlinks >/dev/null || [ -x /usr/sbin/update-distcc-symlinks ] ||
    fail "update-distcc-symlinks is missing (Debian's distcc package)"
need_root "writing distccd's whitelist /usr/lib/distcc (or a copy in a mount namespace)"
chmod 0755 "$T"		# distccd runs the stand-in compiler as user distccd
WL=/usr/lib/distcc

if [ "${DYNDISTCC_IN_NS:-}" != 1 ] && unshare -m true 2>/dev/null; then
	say "private mount namespace with a copy of $WL"
	exec unshare -m --propagation private env DYNDISTCC_IN_NS=1 DYNDISTCC_OUTER_T="$T" \
	    bash -c 'mkdir -p "$DYNDISTCC_OUTER_T/wl" && cp -a /usr/lib/distcc/. "$DYNDISTCC_OUTER_T/wl/" &&
	        mount --bind "$DYNDISTCC_OUTER_T/wl" /usr/lib/distcc && exec bash "$0"' "$0"
fi
if [ "${DYNDISTCC_IN_NS:-}" != 1 ]; then
	# No namespaces here: change the real directory, put it back at exit.
	say "no unshare: working on the real $WL, restored at exit"
	mkdir -p "$T/wl-saved"
	cp -a "$WL/." "$T/wl-saved/"
	restore_wl() {
		for f in "$WL"/*; do
			n=$(basename "$f")
			[ -e "$T/wl-saved/$n" ] || [ -L "$T/wl-saved/$n" ] || rm -f "$f"
		done
		cp -a "$T/wl-saved/." "$WL/"
	}
	at_exit restore_wl
fi
[ -z "${DYNDISTCC_OUTER_T:-}" ] || at_exit 'rm -rf "$DYNDISTCC_OUTER_T"'

TOOL=$BIN/dyndistcc-masquerade
mkdir -p "$T/cross" "$T/home" "$T/distcc"
export HOME=$T/home
printf '#!/bin/sh\nexec gcc "$@"\n' >"$T/cross/arm-none-eabi-gcc"
chmod 0755 "$T/cross/arm-none-eabi-gcc"
export PATH=/usr/bin:/bin:/usr/sbin:/sbin
# debian_links_kept: every link to distcc for a compiler in /usr/bin is there.
debian_before=$(cd "$WL" && find . -maxdepth 1 -type l | sed 's|^\./||')
debian_links_kept() {
	for n in $debian_before; do
		[ -e "/usr/bin/$n" ] || continue
		[ -L "$WL/$n" ] || fail "Debian's link $WL/$n is gone ($1)"
	done
}

say "--add arm-none-eabi-gcc whitelists it for distccd"
"$TOOL" -q --dir "$T/masq" --dcc "$BIN/dcc" --distccd --add arm-none-eabi-gcc >"$T/tool.log" 2>&1 ||
    { cat "$T/tool.log"; fail "dyndistcc-masquerade --add"; }
f=$WL/arm-none-eabi-gcc
[ -f "$f" ] && [ ! -L "$f" ] && [ -x "$f" ] || fail "$f is not an executable regular file"
assert_contains "$(cat "$T/masq/.whitelist")" "$f" "the tool's record of its entries"

say "update-distcc-symlinks keeps it (and deletes an unknown symlink)"
ln -s ../../bin/distcc "$WL/zz-unknown-gcc"
update-distcc-symlinks
[ ! -L "$WL/zz-unknown-gcc" ] || fail "update-distcc-symlinks did not run (it keeps unknown symlinks?)"
[ -f "$f" ] && [ -x "$f" ] || fail "$f did not survive update-distcc-symlinks"
debian_links_kept "after update-distcc-symlinks"

say "a real distccd runs an arm-none-eabi-gcc job"
port=$(free_port 127.0.0.1)
spawn distccd env PATH="$T/cross:/usr/bin:/bin" distccd --daemon --no-detach --log-stderr \
    --log-level info --listen 127.0.0.1 --port "$port" --allow 127.0.0.1 --jobs 1
wait_until 10 port_busy 127.0.0.1 "$port" || fail "distccd did not listen"
printf 'int cross(void) { return 7; }\n' >"$T/x.c"
rc=0
(cd "$T" && env PATH="$T/cross:/usr/bin:/bin" DISTCC_DIR="$T/distcc" DISTCC_HOSTS="127.0.0.1:$port/1" \
    DISTCC_FALLBACK=0 DISTCC_SKIP_LOCAL_RETRY=1 distcc arm-none-eabi-gcc -c x.c -o x.o) \
    >"$T/distcc.log" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$T/distcc.log"; fail "remote arm-none-eabi-gcc job refused (exit $rc)"; }
wait_until 5 grep -q 'COMPILE_OK.*arm-none-eabi-gcc' "$T/distccd.log" ||
    fail "distccd's log shows no arm-none-eabi-gcc job"

say "the entry compiles like Debian's links when run from $WL"
(cd "$T" && env PATH="$WL:$T/cross:/usr/bin:/bin" DISTCC_DIR="$T/distcc" DISTCC_HOSTS=localhost \
    "$f" -c x.c -o y.o) >"$T/direct.log" 2>&1 || { cat "$T/direct.log"; fail "running $f"; }
cmp -s "$T/x.o" "$T/y.o" || fail "objects differ"

say "--remove takes away only what the tool added"
"$TOOL" -q --dir "$T/masq" --dcc "$BIN/dcc" --distccd --remove arm-none-eabi-gcc
[ ! -e "$f" ] || fail "$f kept after --remove"
"$TOOL" -q --dir "$T/masq" --dcc "$BIN/dcc" --distccd --add arm-none-eabi-gcc
"$TOOL" -q --dir "$T/masq" --purge
[ ! -e "$f" ] || fail "$f kept after --purge"
debian_links_kept "after --purge"
say "ok"

# compilers.bash — a pool with a cross compiler, for the scenarios about
# compilers (e2e_compilers.sh, e2e_cmake.sh). Source it after lib.sh and
# pool.bash; it needs root (a whitelist entry in /usr/lib/distcc).
#
#   $CROSS, $T/cross    a cross compiler (the real gcc under a cross name, a
#                       link: gcc finds cc1 from where its binary really is)
#                       in a directory of its own, whitelisted for distccd
#                       under a name no other test uses
#   $TRIPLE             distcc sends gcc as $TRIPLE-gcc (its cross rewrite)
#   compilers_server HB project mix on a new server, heartbeat HB; sets
#                       PROJECT and KEY
#   mix_node NAME ADDR CORES  a pool node with the cross name in its
#                       masquerade directory (start it with $T/cross on
#                       PATH to have the compiler too)
#   as_dev COMMAND...   COMMAND as node dev's user: its masquerade directory
#                       and $T/cross first on PATH, distcc logging to
#                       $T/distcc.log
#   compiler_jobs NODE COMPILER FILE  jobs NODE finished for files matching
#                       FILE (a regex) under that compiler name
#   sent HOST FILE      such jobs distcc on dev completed at HOST
#   listening NAME...   every node's job port listens
# (pool.bash's fallbacks counts local fallbacks and backoffs in a log.)

[ "$(id -u)" = 0 ] || { echo "needs root: a whitelist entry in /usr/lib/distcc"; exit 77; }
TRIPLE=$(gcc -dumpmachine)
[ -x "/usr/bin/$TRIPLE-gcc" ] || { echo "no /usr/bin/$TRIPLE-gcc"; exit 77; }
[ -x "/usr/lib/distcc/$TRIPLE-gcc" ] ||
	{ echo "distccd does not take $TRIPLE-gcc here (no /usr/lib/distcc entry)"; exit 77; }

CROSS=arm-dyndistcc$$-eabi-gcc
WHITELIST=/usr/lib/distcc/$CROSS
at_exit 'rm -f "$WHITELIST"'
chmod 0711 "$T"
mkdir -m 755 "$T/cross"
ln -s "$(readlink -f /usr/bin/gcc)" "$T/cross/$CROSS"
printf '#!/bin/sh\nexit 1\n' >"$WHITELIST"
chmod 0755 "$WHITELIST"

compilers_server() {
	start_server --heartbeat "$1" --ttl 8 --refresh-after 3
	create_project mix
}

mix_node() {
	POOL_COMPILERS=$CROSS pool_node "$1" "$2" mix "$KEY" "$3"
}

as_dev() {
	DISTCC_LOG=$T/distcc.log DISTCC_VERBOSE=1 PATH=$T/dev/masq:$T/cross:$PATH \
	    pool_run dev "$@"
}

# distccd's COMPILE_OK summary (a 1.0 node's distccd), or the job port's
# line for the job
compiler_jobs() {
	grep -cE "COMPILE_OK.* $2 $3\$|job from [^ ]+: $2 $3: ok," "$T/$1.log" || true
}

sent() {
	grep -cE "compile $2 on $1[:/].* completed ok" "$T/distcc.log" || true
}

listening() {
	local n
	for n; do
		pool_listening "${POOL_ADDR[$n]}" "${POOL_PORT[$n]}" || return 1
	done
}

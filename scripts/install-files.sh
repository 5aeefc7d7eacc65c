#!/bin/sh
# install-files.sh — copies dyndistcc's files into place; `make install` and
# both installers call it.
#
#   install-files.sh [-n] [-u] [-c all|client|server] BUILD DESTDIR PREFIX SYSCONFDIR UNITDIR
#
#   -n   print the destination paths (with DESTDIR) and change nothing
#   -u   remove the files instead of installing them
#   -c   which part: the client (dcc, dcc-heartbeat, dyndistcc-masquerade),
#        the server (dyndistcc-server), or all (the default)
#   BUILD "-" installs everything but the built programs (they are in place)
#
# Programs: dcc in PREFIX/bin (users run it); dcc-heartbeat, dyndistcc-server
# and dyndistcc-masquerade in PREFIX/sbin (run by root or by systemd). Units
# get their paths rewritten for PREFIX and SYSCONFDIR. A man page or example
# config that does not exist yet is skipped with a warning.
set -eu
umask 022		# what we create is world-readable unless chmod says otherwise

list=0 remove=0 part=all
while getopts nuc: opt; do
	case $opt in
	n) list=1 ;;
	u) remove=1 ;;
	c) part=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 5 ] || {
	echo "usage: install-files.sh [-n] [-u] [-c all|client|server] BUILD DESTDIR PREFIX SYSCONFDIR UNITDIR" >&2
	exit 2
}
case $part in all|client|server) ;; *) echo "install-files.sh: bad part '$part'" >&2; exit 2 ;; esac

build=$1 destdir=$2 prefix=${3%/} sysconfdir=${4%/} unitdir=${5%/}
top=$(cd "$(dirname "$0")/.." && pwd)
case $build in -|/*) ;; *) build=$top/$build ;; esac
bindir=$prefix/bin
sbindir=$prefix/sbin
mandir=$prefix/share/man
docdir=$prefix/share/doc/dyndistcc
compdir=$prefix/share/bash-completion/completions

# The table: part, kind, source, destination directory, mode.
# kind: prog (must exist), opt (warn when missing), unit (paths rewritten).
files() {
	cat <<EOF
client prog $build/dcc $bindir 0755
client prog $build/dcc-heartbeat $sbindir 0755
client prog $build/dyndistcc-masquerade $sbindir 0755
server prog $build/dyndistcc-server $sbindir 0755
client prog $build/man/dcc.1 $mandir/man1 0644
client prog $build/man/dcc-heartbeat.8 $mandir/man8 0644
client prog $build/man/dyndistcc-masquerade.8 $mandir/man8 0644
server prog $build/man/dyndistcc-server.8 $mandir/man8 0644
client unit $top/scripts/dcc-heartbeat.service $unitdir 0644
server unit $top/scripts/dyndistcc-server.service $unitdir 0644
client opt $top/scripts/client.conf.example $docdir 0644
client opt $top/scripts/completion/dcc $compdir 0644
client opt $top/scripts/completion/dyndistcc-masquerade $compdir 0644
server opt $top/server/server.conf.example $docdir 0644
EOF
}

# rewrite: the unit on stdin with its paths moved to PREFIX and SYSCONFDIR.
rewrite() {
	sed -e "s#/usr/local/sbin/#$sbindir/#g" \
	    -e "s#/usr/local/bin/#$bindir/#g" \
	    -e "s#/etc/dyndistcc/#$sysconfdir/dyndistcc/#g"
}

# put KIND SRC DEST MODE: installs one file through a temporary name, so a
# running build never sees a half-written dcc.
put() {
	mkdir -p "$(dirname "$3")"
	if [ "$1" = unit ]; then
		rewrite <"$2" >"$3.new"
		chmod "$4" "$3.new"
	else
		install -m "$4" "$2" "$3.new"
	fi
	mv -f "$3.new" "$3"
}

rc=0
files | while read -r p kind src dir mode; do
	[ "$part" = all ] || [ "$part" = "$p" ] || continue
	# BUILD "-": the built programs are in place already (make install).
	case $src in -/*) continue ;; esac
	dest=$destdir$dir/$(basename "$src")
	if [ $remove = 1 ]; then
		rm -f "$dest"
		continue
	fi
	if [ ! -f "$src" ]; then
		if [ "$kind" = prog ]; then
			echo "install-files.sh: $src is missing (run make first)" >&2
			exit 1
		fi
		[ $list = 1 ] || echo "install-files.sh: warning: $src is missing; not installed" >&2
		continue
	fi
	if [ $list = 1 ]; then
		echo "$dest"
	else
		put "$kind" "$src" "$dest" "$mode"
	fi
done || rc=$?
[ $rc -eq 0 ] || exit $rc

# Our own doc directory goes with its last file.
if [ $remove = 1 ]; then
	rmdir "$destdir$docdir" 2>/dev/null || true
fi
exit 0

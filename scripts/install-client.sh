#!/bin/sh
# install-client.sh — makes this machine a member of a dyndistcc project:
# dependencies, dcc, dcc-heartbeat, /etc/dyndistcc/client.conf, the
# masquerade directory and the dcc-heartbeat service; then it checks in once
# and says how to compile. Running it again updates the installation;
# `install-client.sh uninstall` takes everything away again.
#
#   install-client.sh                    (asks for each setting)
#   install-client.sh --server URL --project P [--key-file F|-] [--nice N]
#                     [--owner NAME] [--pin sha256//...] [--cross NAME]... --yes
#   install-client.sh uninstall [--yes]
#
# Options: --port N (when --server has none; default 33333), --prefix DIR
# (default /usr/local), --build DIR (the programs; default ../build; "-":
# those that make install put into the prefix), --root DIR (relocated
# installation under DIR, see install-lib.sh), --no-deps, --no-start,
# --ca FILE (a CA that verifies an https:// server, instead of a --pin),
# --key-file FILE (the project's key: the first line of FILE, or of the
# standard input with "-", read before any question; --key K still works but
# shows the key to every local user while the install runs), --owner NAME
# (the name the panel shows for this machine; default: the user who ran
# sudo, else the login name; asked only on a terminal).
# See README.md, "Installation".
set -eu
PROG=install-client.sh
. "$(dirname "$0")/install-lib.sh"

MODE=install
SERVER='' PORT='' PROJECT='' KEY='' NICE='' OWNER='' CROSS='' CROSS_SET=0 PIN='' CA=
if [ "${1:-}" = uninstall ]; then MODE=uninstall; shift; fi
while [ $# -gt 0 ]; do
	case $1 in
	--server|--port|--project|--key|--key-file|--nice|--owner|--cross|--prefix|--root|--build|--pin|--ca)
		[ $# -ge 2 ] || die "$1 needs a value" ;;
	esac
	case $1 in
	--server) SERVER=$2; shift ;;
	--port) PORT=$2; shift ;;
	--project) PROJECT=$2; shift ;;
	--key) KEY=$2; shift
		warn "--key shows the key to every local user (ps); --key-file - reads it from the standard input" ;;
	--key-file) KEY=$(read_secret "$2"); shift ;;
	--pin) PIN=$2; shift ;;
	--ca) CA=$2; shift ;;
	--nice) NICE=$2; shift ;;
	--owner) OWNER=$2; shift ;;
	--cross) CROSS="$CROSS $(printf '%s' "$2" | tr ',' ' ')"; CROSS_SET=1; shift ;;
	--prefix) PREFIX=$2; shift ;;
	--root) ROOT=$2; shift ;;
	--build) BUILD=$2; shift ;;
	-y|--yes) YES=1 ;;
	--no-deps) DEPS=0 ;;
	--no-start) START=0 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option $1" ;;
	esac
	shift
done
setup_paths
system && need_root
CONF=$ETC/client.conf

if [ "$MODE" = uninstall ]; then
	confirm "Remove dyndistcc's client from ${R:-this machine}?" || exit 1
	m_undo client
	say "dyndistcc client removed. Per-user caches (~/.cache/dyndistcc) are left to their users."
	exit 0
fi

# conf_get KEY: the value of KEY in the existing config, if any.
conf_get() {
	[ -r "$CONF" ] || return 0
	awk -v k="$1" '$1 == k { v = $2 } END { if (v != "") print v }' "$CONF"
}

# conf_line KEY: the whole value of KEY (blanks and all) in the existing
# config, if any.
conf_line() {
	[ -r "$CONF" ] || return 0
	awk -v k="$1" '$1 == k { v = $0; sub(/^[ \t]*[^ \t]+[ \t]+/, "", v); sub(/[ \t]+$/, "", v) }
	    END { if (v != "") print v }' "$CONF"
}

# default_owner: who this machine belongs to — the user who ran sudo, else
# the login name (the heartbeat runs as root: left to itself, every
# installed machine would show "root").
default_owner() {
	if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
		printf '%s' "$SUDO_USER"
	else
		logname 2>/dev/null || id -un
	fi
}

# split_server: SERVER (host, host:port or URL) into SCHEME, HOST and PORT.
split_server() {
	_s=${SERVER%/}
	SCHEME=http
	case $_s in
	http://*) _s=${_s#http://} ;;
	https://*) _s=${_s#https://}; SCHEME=https ;;
	*://*) die "server: only http:// and https:// URLs" ;;
	esac
	case $_s in */*) die "server: '$SERVER' has a path; give the address only" ;; esac
	case $_s in
	\[*\]:*) HOST=${_s%:*}; _p=${_s##*:} ;;
	\[*\]) HOST=$_s; _p= ;;
	*:*:*) HOST="[$_s]"; _p= ;;	# a bare IPv6 address
	*:*) HOST=${_s%:*}; _p=${_s##*:} ;;
	*) HOST=$_s; _p= ;;
	esac
	[ -n "$PORT" ] || PORT=$_p
}

is_int() { case $1 in ''|*[!0-9-]*|?*-*) return 1 ;; esac; }

# Defaults: the flags, else the existing config, else the usual values.
old_server=$(conf_get server)
[ -n "$SERVER" ] || SERVER=$old_server
[ -n "$PROJECT" ] || PROJECT=$(conf_get project)
[ -n "$KEY" ] || KEY=$(conf_get key)
[ -n "$PIN" ] || PIN=$(conf_get server_pin)
[ -n "$CA" ] || CA=$(conf_get server_ca)
[ -n "$NICE" ] || NICE=$(conf_get nice)
[ -n "$OWNER" ] || OWNER=$(conf_line owner)
[ -n "$OWNER" ] || OWNER=$(default_owner)
if [ "$CROSS_SET" = 0 ] && [ -f "$MASQ/.added" ]; then
	CROSS=$(tr '\n' ' ' <"$MASQ/.added")
fi

if [ "$YES" = 0 ]; then
	say "dyndistcc client setup (Enter keeps the value in brackets)."
fi
ask SERVER "Server address (name, IP or URL)" ""
[ -n "$SERVER" ] || die "a server address is needed (--server)"
split_server
ask PORT "Server port" 33333
ask PROJECT "Project" ""
ask KEY "Project key (empty for an open project)" ""
ask NICE "Nice value for jobs from the pool (-20..19)" 10
# Asked only on a terminal: answers piped in stay the ones above.
if [ -t 0 ]; then
	ask OWNER "Owner's name, shown on the control panel" ""
fi
CROSS=$(printf '%s' "$CROSS" | tr ',' ' ' | xargs)
ask CROSS "Cross compilers to offer, e.g. arm-none-eabi-gcc (space-separated, or none)" ""
[ "$CROSS" = none ] && CROSS=

# Validation, before anything is changed.
{ is_int "$PORT" && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ]; } || die "port: '$PORT' is not 1..65535"
printf '%s' "$PROJECT" | grep -Eq '^[A-Za-z0-9._-]{1,64}$' || die "project: '$PROJECT' is not 1-64 of [A-Za-z0-9._-]"
[ -z "$KEY" ] || printf '%s' "$KEY" | grep -Eq '^[A-Za-z0-9._-]{1,256}$' || die "key: not a key (letters, digits, . _ -)"
{ is_int "$NICE" && [ "$NICE" -ge -20 ] && [ "$NICE" -le 19 ]; } || die "nice: '$NICE' is not -20..19"
[ "${#OWNER}" -ge 1 ] && [ "${#OWNER}" -le 64 ] && ! printf '%s' "$OWNER" | grep -q '[[:cntrl:]#]' ||
    die "owner: '$OWNER' is not 1-64 printable characters without #"
printf '%s' "$HOST" | grep -Eq '^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)$' || die "server: '$HOST' is not a host name or address"
for c in $CROSS; do
	printf '%s' "$c" | grep -Eq '^[A-Za-z0-9_+][A-Za-z0-9_.+-]{0,63}$' || die "cross compiler: bad name '$c'"
done
URL=$SCHEME://$HOST:$PORT
[ -z "$PIN" ] || printf '%s' "$PIN" | grep -Eq '^sha256//[A-Za-z0-9+/]{43}=$' ||
    die "pin: '$PIN' is not sha256//<44 characters of base64> (the control panel shows it)"
[ -z "$CA" ] || [ -r "$CA" ] || die "ca: cannot read $CA"
if { [ -n "$PIN" ] || [ -n "$CA" ]; } && [ "$SCHEME" != https ]; then
	die "server: $URL is plain http://, but a pin or CA is given: the key would travel unencrypted; use https://"
fi

say ""
say "  server          $URL"
say "  project         $PROJECT"
say "  key             $( [ -n "$KEY" ] && echo '(set)' || echo '(none: open project)')"
[ -z "$PIN" ] || say "  server pin      $PIN"
[ -z "$CA" ] || say "  server CA       $CA"
say "  nice            $NICE"
say "  owner           $OWNER"
say "  cross compilers ${CROSS:-(none)}"
say "  install into    ${R:-/} (programs in $P)"
confirm "Install?" || die "nothing changed"

if [ "$DEPS" = 1 ]; then
	say "== dependencies"
	sh "$TOP/scripts/deps.sh" run || die "installing dependencies failed"
fi

say "== programs, man pages, unit"
m_init client
install_part client

say "== $CONF"
{
	echo "# dyndistcc client configuration, written by install-client.sh."
	echo "# Every key is described in client.conf.example (share/doc/dyndistcc)."
	echo "server $URL"
	echo "project $PROJECT"
	[ -z "$KEY" ] || echo "key $KEY"
	[ -z "$PIN" ] || echo "server_pin $PIN"
	[ -z "$CA" ] || echo "server_ca $(cd "$(dirname "$CA")" && pwd)/$(basename "$CA")"
	echo "nice $NICE"
	echo "owner $OWNER"
	if ! system; then
		echo "state_dir $STATE"
		echo "masquerade_dir $MASQ"
	fi
	# Settings added by hand to an earlier file are kept.
	if [ -r "$CONF" ]; then
		awk '$1 !~ /^#/ && NF > 0 && $1 !~ /^(server|project|key|server_pin|server_ca|nice|owner|state_dir|masquerade_dir)$/' "$CONF"
	fi
} | m_write "$CONF" 0640

say "== masquerade directory $MASQ"
set --
for c in $CROSS; do set -- "$@" --add "$c"; done
# A relocated tree without distcc's whitelist directory has no distccd to serve.
system || [ -d "$DISTCC_DIR" ] || set -- "$@" --no-distccd
m_dir "$MASQ"
m_add masq "$MASQ"
"$P/sbin/dyndistcc-masquerade" -q --dir "$MASQ" --dcc "$P/bin/dcc" --distcc-dir "$DISTCC_DIR" "$@" ||
    die "dyndistcc-masquerade failed"
say "linked to dcc: $(cd "$MASQ" && find . -maxdepth 1 -type l | sed 's|^\./||' | sort | xargs)"
m_dir "$STATE"
m_add state "$STATE"

say "== dcc-heartbeat service"
if systemd_up && [ "$START" = 1 ]; then
	systemctl daemon-reload
	systemctl enable dcc-heartbeat.service >/dev/null 2>&1
	m_add unit dcc-heartbeat.service
	if systemctl restart dcc-heartbeat.service; then
		say "dcc-heartbeat is enabled and running (journalctl -u dcc-heartbeat)."
	else
		warn "dcc-heartbeat did not start: see journalctl -u dcc-heartbeat"
	fi
else
	if ! system; then
		say "not started (relocated installation); to run it:"
	elif [ "$START" = 0 ]; then
		say "not started (--no-start); to run it:"
	else
		say "systemd is not running here; start the heartbeat yourself:"
	fi
	say "    $P/sbin/dcc-heartbeat -f $CONF        (-d: stay in the foreground)"
fi

say "== checking in with $URL"
OK=0
if out=$("$P/sbin/dcc-heartbeat" --once -f "$CONF" 2>&1); then
	OK=1
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    /'
	say "Checked in: this machine is a member of project $PROJECT."
else
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    /'
	say "CHECK-IN FAILED: the server did not accept this machine (see above)."
	say "Fix the setting (server address, project, key) and run this installer again,"
	say "or test with: $P/sbin/dcc-heartbeat --once -f $CONF"
fi

DCC=$P/bin/dcc
[ "$P" = /usr/local ] && DCC=dcc
cat <<EOF

dyndistcc is installed. To compile with the pool:

    export PATH=$MASQ:\$PATH
    make -j\$($DCC -j)

or, without changing PATH:

    make -j\$($DCC -j) CC=$DCC

Put the export line in ~/.profile to keep it. To offer a cross compiler:
    $P/sbin/dyndistcc-masquerade --add NAME
Status: $DCC --status    Logs: journalctl -u dcc-heartbeat    Panel: $URL/
Remove everything again: $0 uninstall
EOF
[ "$OK" = 1 ] || exit 3
exit 0

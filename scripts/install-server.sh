#!/bin/sh
# install-server.sh — installs dyndistcc-server as a hardened systemd service:
# the program and its man page, /etc/dyndistcc/server.conf, the system user
# `dyndistcc`, and the unit; with --tls a self-signed certificate and key.
# It starts the server, which makes its admin token at the first start and
# keeps it in its database, and prints the panel URL, the admin token and,
# with TLS, the certificate's pin. Running it again keeps what it does not
# change; `install-server.sh uninstall` takes everything away again (the
# database in /var/lib/dyndistcc/server is kept unless --purge-db is given).
#
#   install-server.sh [--listen ADDR] [--port N] [--tls] [--admin-token-file F|-] [--yes]
#   install-server.sh uninstall [--purge-db] [--yes]
#
# Options: --prefix DIR (default /usr/local), --build DIR (the programs;
# default ../build; "-": those that make install put into the prefix),
# --root DIR (relocated installation under DIR, see install-lib.sh),
# --no-start, --admin-token-file FILE (an admin token of your own: the first
# line of FILE, or of the standard input with "-"; --admin-token T still
# works but shows it to every local user while the install runs).
# See README.md, "Installation".
set -eu
PROG=install-server.sh
. "$(dirname "$0")/install-lib.sh"

MODE=install
LISTEN='' PORT='' TOKEN='' PURGE_DB=0 TLS=
SERVICE_USER=dyndistcc
if [ "${1:-}" = uninstall ]; then MODE=uninstall; shift; fi
while [ $# -gt 0 ]; do
	case $1 in
	--listen|--port|--admin-token|--admin-token-file|--prefix|--root|--build)
		[ $# -ge 2 ] || die "$1 needs a value" ;;
	esac
	case $1 in
	--listen) LISTEN=$2; shift ;;
	--port) PORT=$2; shift ;;
	--admin-token) TOKEN=$2; shift
		warn "--admin-token shows the token to every local user (ps); --admin-token-file - reads it from the standard input" ;;
	--admin-token-file) TOKEN=$(read_secret "$2"); shift ;;
	--prefix) PREFIX=$2; shift ;;
	--root) ROOT=$2; shift ;;
	--build) BUILD=$2; shift ;;
	--purge-db) PURGE_DB=1 ;;
	--tls) TLS=yes ;;
	-y|--yes) YES=1 ;;
	--no-deps) ;;	# accepted for symmetry: the server needs nothing beyond its build
	--no-start) START=0 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option $1" ;;
	esac
	shift
done
setup_paths
system && need_root
CONF=$ETC/server.conf
DBDIR=$STATE/server

if [ "$MODE" = uninstall ]; then
	confirm "Remove dyndistcc's server from ${R:-this machine}?" || exit 1
	[ "$PURGE_DB" = 1 ] && rm -rf -- "$DBDIR"
	m_undo server
	if [ "$PURGE_DB" = 1 ]; then
		rmdir -- "$STATE" 2>/dev/null || true
		say "dyndistcc server removed, database deleted."
	elif [ -d "$DBDIR" ]; then
		say "dyndistcc server removed. The database is kept in $DBDIR (uninstall --purge-db deletes it)."
	else
		say "dyndistcc server removed."
	fi
	exit 0
fi

conf_get() {
	[ -r "$CONF" ] || return 0
	awk -v k="$1" '$1 == k { v = $2 } END { if (v != "") print v }' "$CONF"
}

[ -n "$LISTEN" ] || LISTEN=$(conf_get listen)
[ -n "$PORT" ] || PORT=$(conf_get port)
[ -n "$TOKEN" ] || TOKEN=$(conf_get admin_token)
[ -n "$TLS" ] || [ -z "$(conf_get tls_cert)" ] || TLS=yes
NAMES=$(conf_get server_names)
# A fully qualified name of this machine is a name clients use; the server
# itself knows only its host name (the Host check, server_names).
FQDN=$(hostname -f 2>/dev/null || true)
case " $NAMES " in *" $FQDN "*) ;; *)
	if [ -n "$FQDN" ] && [ "$FQDN" != "$(hostname)" ]; then NAMES="${NAMES:+$NAMES }$FQDN"; fi ;;
esac

[ "$YES" = 1 ] || say "dyndistcc server setup (Enter keeps the value in brackets)."
ask LISTEN "Listen address (0.0.0.0 for every IPv4 address)" 0.0.0.0
ask PORT "Port" 33333
case $PORT in ''|*[!0-9]*) die "port: '$PORT' is not 1..65535" ;; esac
{ [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ]; } || die "port: '$PORT' is not 1..65535"
printf '%s' "$LISTEN" | grep -Eq '^[0-9A-Fa-f.:]+$' || die "listen: '$LISTEN' is not an IP address"
if [ -n "$TOKEN" ]; then
	printf '%s' "$TOKEN" | grep -Eq '^[A-Za-z0-9._-]{32,256}$' ||
	    die "admin token: needs 32-256 of [A-Za-z0-9._-] (128 bits or more)"
fi

say ""
say "  listen          $LISTEN:$PORT"
say "  admin token     $( [ -n "$TOKEN" ] && echo '(given or kept in server.conf)' || echo '(the server makes one: 256 random bits)')"
say "  HTTPS           $( [ "$TLS" = yes ] && echo 'yes (self-signed certificate, pinned by clients)' || echo 'no (--tls turns it on)')"
say "  install into    ${R:-/} (program in $P/sbin)"
confirm "Install?" || die "nothing changed"

say "== program, man page, unit"
m_init server
install_part server
"$P/sbin/dyndistcc-server" --version >/dev/null 2>&1 || die "$P/sbin/dyndistcc-server does not run"

if system; then
	if ! id "$SERVICE_USER" >/dev/null 2>&1; then
		say "== system user $SERVICE_USER"
		useradd --system --user-group --no-create-home --home-dir "$DBDIR" \
		    --shell /usr/sbin/nologin --comment "dyndistcc server" "$SERVICE_USER" ||
		    die "could not create the user $SERVICE_USER"
		m_add user "$SERVICE_USER"
	fi
	GROUP=$SERVICE_USER
else
	GROUP=$(id -gn)
fi

TLSDIR=$ETC/tls
TLSCERT=$(conf_get tls_cert) TLSKEY=$(conf_get tls_key)
if [ "$TLS" = yes ] && [ -z "$TLSCERT" ]; then
	TLSCERT=$TLSDIR/server.crt TLSKEY=$TLSDIR/server.key
	say "== self-signed certificate $TLSCERT"
	command -v openssl >/dev/null 2>&1 || die "--tls needs openssl (apt-get install openssl)"
	san="IP:127.0.0.1,IP:::1,DNS:localhost,DNS:$(hostname)"
	if [ -n "$FQDN" ] && [ "$FQDN" != "$(hostname)" ]; then san="$san,DNS:$FQDN"; fi
	for a in $(hostname -I 2>/dev/null); do san="$san,IP:$a"; done
	case ,$san, in *",IP:$LISTEN,"*) ;; *)
		case $LISTEN in 0.0.0.0|::) ;; *) san="$san,IP:$LISTEN" ;; esac ;;
	esac
	m_file "$TLSKEY"
	m_file "$TLSCERT"
	# An EC P-256 key: small and quick to handshake. Ten years: clients
	# trust its pin, not its dates.
	(umask 077; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$TLSKEY" -out "$TLSCERT" -days 3650 \
	    -subj "/CN=dyndistcc $(hostname)" -addext "subjectAltName=$san" 2>/dev/null) ||
	    die "openssl could not make a certificate"
	chmod 0640 "$TLSKEY"
	chmod 0644 "$TLSCERT"
	chgrp "$GROUP" "$TLSKEY"
fi

say "== $CONF"
{
	echo "# dyndistcc server configuration, written by install-server.sh."
	echo "# Every key is described in server.conf.example (share/doc/dyndistcc)."
	echo "listen $LISTEN"
	echo "port $PORT"
	echo "db $DBDIR/dyndistcc.db"
	[ -z "$TOKEN" ] || echo "admin_token $TOKEN"
	[ -z "$NAMES" ] || echo "server_names $NAMES"
	if [ "$TLS" = yes ]; then
		echo "tls_cert $TLSCERT"
		echo "tls_key $TLSKEY"
	fi
	if [ -r "$CONF" ]; then
		awk '$1 !~ /^#/ && NF > 0 && $1 !~ /^(listen|port|db|admin_token|server_names|tls_cert|tls_key)$/' "$CONF"
	fi
} | m_write "$CONF" 0640
chgrp "$GROUP" "$CONF"

# systemd creates the database directory (StateDirectory=); without it, we do.
if ! systemd_up; then
	m_dir "$DBDIR"
	system && chown "$SERVICE_USER:$SERVICE_USER" "$DBDIR"
	chmod 0750 "$DBDIR"
fi

"$P/sbin/dyndistcc-server" -n -f "$CONF" >/dev/null 2>&1 || {
	"$P/sbin/dyndistcc-server" -n -f "$CONF" || true
	die "the server refuses $CONF (see above)"
}

HOSTADDR=$LISTEN
case $HOSTADDR in 0.0.0.0|::|'') HOSTADDR=$(hostname -I 2>/dev/null | awk '{ print $1 }') ;; esac
[ -n "$HOSTADDR" ] || HOSTADDR=$(hostname)
case $HOSTADDR in *:*) HOSTADDR="[$HOSTADDR]" ;; esac
SCHEME=http CURLTLS='' PIN=''
if [ "$TLS" = yes ]; then
	SCHEME=https
	PIN=sha256//$(openssl x509 -in "$TLSCERT" -pubkey -noout |
	    openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
	CURLTLS="-k --pinnedpubkey $PIN"
fi
URL=$SCHEME://$HOSTADDR:$PORT

say "== dyndistcc-server service"
if systemd_up && [ "$START" = 1 ]; then
	systemctl daemon-reload
	systemctl enable dyndistcc-server.service >/dev/null 2>&1
	m_add unit dyndistcc-server.service
	systemctl restart dyndistcc-server.service || warn "the service did not start: journalctl -u dyndistcc-server"
	up=0
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		# shellcheck disable=SC2086 # CURLTLS is two options, or none
		if curl -fsS --max-time 1 $CURLTLS "$SCHEME://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then up=1; break; fi
		sleep 0.5
	done
	if [ "$up" = 1 ]; then
		say "dyndistcc-server is enabled and running."
		[ -n "$TOKEN" ] || TOKEN=$(runuser -u "$SERVICE_USER" -- "$P/sbin/dyndistcc-server" \
		    -f "$CONF" --print-admin-token 2>/dev/null) || TOKEN=
	else
		warn "the server does not answer on port $PORT yet: journalctl -u dyndistcc-server"
	fi
else
	if ! system; then
		say "not started (relocated installation); to run it:"
	elif [ "$START" = 0 ]; then
		say "not started (--no-start); to run it:"
	else
		say "systemd is not running here; start the server yourself:"
	fi
	if system; then
		say "    runuser -u $SERVICE_USER -- $P/sbin/dyndistcc-server -f $CONF"
	else
		say "    $P/sbin/dyndistcc-server -f $CONF        (-d: detach)"
	fi
fi

if [ -n "$TOKEN" ]; then
	WHERE="The token is also in $CONF (readable by root and the $GROUP group only)."
else
	TOKEN="(made and logged at the server's first start)"
	WHERE="The server makes its admin token at its first start; print it with
    $(if system; then printf 'runuser -u %s -- ' "$SERVICE_USER"; fi)$P/sbin/dyndistcc-server -f $CONF --print-admin-token"
fi
PINOPT=
[ -z "$PIN" ] || PINOPT=" --pin $PIN"

cat <<EOF

dyndistcc-server is installed.

    Control panel:  $URL/
    Admin token:    $TOKEN
${PIN:+    Pin:            $PIN (of $TLSCERT, self-signed; clients check it)
}
$WHERE
Create a project on the panel, or:

    curl ${CURLTLS:+$CURLTLS }-H "Authorization: Bearer TOKEN" -d '{"name":"fw"}' $URL/api/v1/projects

then run on each member machine (with the key from that reply):

    echo KEY | sudo scripts/install-client.sh --server $URL$PINOPT --project fw --key-file - --yes

Logs: journalctl -u dyndistcc-server    Reload: systemctl reload dyndistcc-server
Remove: $0 uninstall
EOF

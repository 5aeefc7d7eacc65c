# install-lib.sh — sourced by install-client.sh and install-server.sh: the
# install manifest (what to take away again), prompts, and systemd calls.
#
# Every change an installer makes goes through this file, so `uninstall` can
# undo exactly that: a file it created is removed, a file it replaced is put
# back from its backup, a directory it created is removed when empty.
# The manifest is $ROOT/var/lib/dyndistcc/install/<part>.manifest, one
# "KIND PATH" a line, in the order things were done:
#   file PATH      created by the installer
#   changed PATH   existed before; original kept in <part>-backup/PATH
#   dir PATH       directory created by (or belonging to) dyndistcc
#   user NAME      system user created by the installer
#   unit NAME      systemd unit enabled by the installer
#   masq DIR       masquerade directory (purged with dyndistcc-masquerade)
#   state DIR      dcc-heartbeat's state directory (its files are removed)

# Directories and files get their modes from here or an explicit chmod,
# never from the caller's umask (a 077 umask would hide the host list).
umask 022
TOP=$(cd "$(dirname "$0")/.." && pwd)
ROOT=/
PREFIX=/usr/local
BUILD=
YES=0
# shellcheck disable=SC2034	# read by install-client.sh and install-server.sh
DEPS=1
# shellcheck disable=SC2034	# likewise
START=1

say() { printf '%s\n' "$*"; }
# usage: the calling installer's synopsis and options, from its header
# comment (the lines from "#   install-..." to the end of the comment).
usage() { sed -n '/^#   install-/,/^[^#]/s/^# \{0,1\}//p' "$0"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }

# setup_paths: derives every path from ROOT and PREFIX. A ROOT other than /
# is a relocated installation (for tests, or to try it without touching the
# system): every path, also those written into configs and units, is under
# ROOT, and systemd and user accounts are left alone.
setup_paths() {
	case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
	ROOT=${ROOT%/}
	case $PREFIX in /*) ;; *) die "--prefix must be an absolute path" ;; esac
	PREFIX=${PREFIX%/}
	R=$ROOT			# prefix for every path ("" for the real system)
	P=$R$PREFIX
	# shellcheck disable=SC2034	# the callers' paths
	ETC=$R/etc/dyndistcc
	STATE=$R/var/lib/dyndistcc
	INSTALL_DIR=$STATE/install
	UNITDIR=$R/etc/systemd/system
	# shellcheck disable=SC2034
	MASQ=$R/usr/lib/dyndistcc
	DISTCC_DIR=$R/usr/lib/distcc
	if [ -z "$BUILD" ] && [ -x "$TOP/build/dcc" ]; then
		BUILD=$TOP/build
	fi
}

# system: true when installing into the running system (ROOT is /).
system() { [ -z "$R" ]; }

# systemd_up: true when systemd runs this machine and we install into it.
systemd_up() { system && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "run me as root (sudo $0 ...), or try it under --root DIR"
}

# ask VAR QUESTION DEFAULT: reads an answer (DEFAULT when empty) into VAR.
# With --yes nothing is asked and VAR keeps its value or gets DEFAULT.
ask() {
	_v=$(eval "printf '%s' \"\${$1:-}\"")
	[ -n "$_v" ] || _v=$3
	if [ "$YES" = 0 ]; then
		if [ -n "$_v" ]; then printf '%s [%s]: ' "$2" "$_v"; else printf '%s: ' "$2"; fi
		IFS= read -r _a || _a=
		[ -z "$_a" ] || _v=$_a
	fi
	eval "$1=\$_v"
}

# confirm QUESTION: true on yes; --yes answers yes. No answer at all (end
# of input) is no, so a run with nothing to read from changes nothing.
confirm() {
	[ "$YES" = 1 ] && return 0
	printf '%s [Y/n]: ' "$1"
	IFS= read -r _a || { echo; return 1; }
	case $_a in ''|[yY]*) return 0 ;; *) return 1 ;; esac
}

# m_init PART: opens (creates) the manifest of PART (client or server).
m_init() {
	MANIFEST=$INSTALL_DIR/$1.manifest
	BACKUP=$INSTALL_DIR/$1-backup
	# The manifest's own directories are recorded once it can be written.
	_new='' _d=$INSTALL_DIR
	while [ ! -d "$_d" ]; do _new="$_d $_new"; _d=$(dirname "$_d"); done
	mkdir -p "$INSTALL_DIR"
	chmod 0700 "$INSTALL_DIR"
	[ -f "$MANIFEST" ] || : >"$MANIFEST"
	for _d in $_new; do m_add dir "$_d"; done
}

m_has() { grep -Fxq -- "$1 $2" "$MANIFEST" 2>/dev/null; }
m_add() { m_has "$1" "$2" || printf '%s %s\n' "$1" "$2" >>"$MANIFEST"; }

# m_dir DIR: creates DIR and its missing parents, recording each one before
# it is created, so an install killed half-way leaves nothing that
# uninstall does not know of.
m_dir() {
	[ -d "$1" ] || m_dir "$(dirname "$1")"
	if [ ! -d "$1" ]; then
		m_add dir "$1"
		mkdir "$1"
	fi
}

# read_secret SOURCE: prints the first line of the file SOURCE, or of the
# standard input when SOURCE is "-". Secrets come this way, not as
# arguments, which every local user can read in ps while the install runs.
read_secret() {
	_s=
	if [ "$1" = - ]; then
		IFS= read -r _s || [ -n "$_s" ] || die "no secret on the standard input"
	else
		[ -f "$1" ] && [ -r "$1" ] || die "cannot read $1"
		IFS= read -r _s <"$1" || [ -n "$_s" ] || die "$1 is empty"
	fi
	printf '%s' "$_s"
}

# m_file PATH: call before writing PATH. Backs up a file that was there
# before the first install; records a new one.
m_file() {
	m_dir "$(dirname "$1")"
	if m_has file "$1" || m_has changed "$1"; then
		return 0
	fi
	if [ -e "$1" ] || [ -L "$1" ]; then
		mkdir -p "$BACKUP$(dirname "$1")"
		cp -a "$1" "$BACKUP$1"
		m_add changed "$1"
	else
		m_add file "$1"
	fi
}

# m_write PATH MODE: writes stdin to PATH (recorded) atomically with MODE.
m_write() {
	m_file "$1"
	(umask 077; cat >"$1.new")
	chmod "$2" "$1.new"
	mv -f "$1.new" "$1"
}

# install_part PART: installs PART's programs, man pages, unit and example
# config (scripts/install-files.sh), each recorded in the manifest.
install_part() {
	if [ -z "$BUILD" ] || [ "$BUILD" = - ]; then
		# No build (or --build -): use what `make install` put into the prefix.
		case $1 in
		client) _progs="$P/bin/dcc $P/sbin/dcc-heartbeat" ;;
		server) _progs="$P/sbin/dyndistcc-server" ;;
		esac
		for _f in $_progs; do
			[ -x "$_f" ] || die "no $_f and no build: run make (or make install PREFIX=...) first, or give --build DIR"
		done
		say "using the programs already installed in $P"
		BUILD=-
	fi
	_files=$(sh "$TOP/scripts/install-files.sh" -n -c "$1" "$BUILD" "" "$P" "$R/etc" "$UNITDIR") ||
	    die "cannot install from $BUILD"
	for _f in $_files; do m_file "$_f"; done
	sh "$TOP/scripts/install-files.sh" -c "$1" "$BUILD" "" "$P" "$R/etc" "$UNITDIR" 2>/dev/null ||
	    die "installing the $1 files failed"
}

# m_undo PART: undoes everything recorded for PART, newest first.
m_undo() {
	MANIFEST=$INSTALL_DIR/$1.manifest
	BACKUP=$INSTALL_DIR/$1-backup
	if [ ! -f "$MANIFEST" ]; then
		say "dyndistcc $1: nothing to uninstall (no $MANIFEST)"
		return 0
	fi
	_entries=$(tac "$MANIFEST")
	printf '%s\n' "$_entries" | while read -r _kind _path; do
		case $_kind in
		unit)
			if systemd_up; then
				systemctl disable --now "$_path" >/dev/null 2>&1 || warn "could not stop $_path"
			fi ;;
		masq)
			"$P/sbin/dyndistcc-masquerade" --purge -q --dir "$_path" --distcc-dir "$DISTCC_DIR" ||
			    warn "could not purge $_path" ;;
		state)
			# What the heartbeat keeps there (node id and secret, host
			# list, distccd's pid file, the canary directory, their temp
			# files): all but the server's database (server/) and these
			# records (install/), as the package's purge does.
			[ ! -d "$_path" ] || find "$_path" -mindepth 1 -maxdepth 1 \
			    ! -name server ! -name install -exec rm -rf -- {} + ||
			    warn "could not empty $_path" ;;
		file)
			rm -f -- "$_path" ;;
		changed)
			if [ -e "$BACKUP$_path" ] || [ -L "$BACKUP$_path" ]; then
				mv -f -- "$BACKUP$_path" "$_path"
			fi ;;
		user)
			if system && id "$_path" >/dev/null 2>&1; then
				userdel "$_path" || warn "could not remove user $_path"
			fi ;;
		esac
	done
	if systemd_up; then
		systemctl daemon-reload || true
	fi
	rm -rf -- "$BACKUP"
	rm -f -- "$MANIFEST"
	# Deepest first. A directory still in use by the other installer (both
	# keep files in /etc/dyndistcc and their manifests here) is handed over
	# to its manifest, so whichever goes last removes it.
	printf '%s\n' "$_entries" | awk '$1 == "dir" { print length($2), $2 }' | sort -rn |
	    cut -d' ' -f2- | while read -r _path; do
		rmdir -- "$_path" 2>/dev/null && continue
		[ -d "$_path" ] || continue
		for _m in "$INSTALL_DIR"/*.manifest; do
			[ -f "$_m" ] || continue
			grep -Fxq -- "dir $_path" "$_m" || printf 'dir %s\n' "$_path" >>"$_m"
		done
	done
}

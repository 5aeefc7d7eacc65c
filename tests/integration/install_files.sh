# make install DESTDIR=… installs exactly the expected files with the
# expected modes; the units pass systemd-analyze verify; every man page
# renders without a warning; make uninstall takes every file away again.
. "$(dirname "$0")/../lib/lib.sh"

# mk TARGET ARGS...: runs the top-level Makefile against the build under
# test. -o all: install what is built (the runner built it), rebuild nothing.
mk() {
	make -s -C "$TOP" --no-print-directory -o all BUILD="$BIN" "$@" >"$T/make.log" 2>&1 ||
	    { cat "$T/make.log"; fail "make $*"; }
}

say "make install DESTDIR=\$T/root (PREFIX=/usr/local)"
mk install DESTDIR="$T/root"
cat >"$T/expected" <<'EOF'
./lib/systemd/system/dcc-heartbeat.service 644
./lib/systemd/system/dyndistcc-server.service 644
./usr/local/bin/dcc 755
./usr/local/sbin/dcc-heartbeat 755
./usr/local/sbin/dyndistcc-masquerade 755
./usr/local/sbin/dyndistcc-server 755
./usr/local/share/bash-completion/completions/dcc 644
./usr/local/share/bash-completion/completions/dyndistcc-masquerade 644
./usr/local/share/doc/dyndistcc/client.conf.example 644
./usr/local/share/doc/dyndistcc/server.conf.example 644
./usr/local/share/man/man1/dcc.1 644
./usr/local/share/man/man8/dcc-heartbeat.8 644
./usr/local/share/man/man8/dyndistcc-masquerade.8 644
./usr/local/share/man/man8/dyndistcc-server.8 644
EOF
(cd "$T/root" && LC_ALL=C find . ! -type d -printf '%p %m\n' | LC_ALL=C sort) >"$T/got"
diff -u "$T/expected" "$T/got" || fail "make install: file list differs (- expected, + installed)"

say "installed programs are the built ones and run"
cmp -s "$BIN/dcc" "$T/root/usr/local/bin/dcc" || fail "dcc differs from $BIN/dcc"
for p in sbin/dcc-heartbeat sbin/dyndistcc-server sbin/dyndistcc-masquerade; do
	out=$("$T/root/usr/local/$p" --version)
	assert_eq "$out" "$(basename "$p") $VERSION" "$p --version"
done

say "units name the installed paths"
unitdir=$T/root/lib/systemd/system
assert_contains "$(cat "$unitdir/dyndistcc-server.service")" \
    "ExecStart=/usr/local/sbin/dyndistcc-server -f /etc/dyndistcc/server.conf" "server unit"
assert_contains "$(cat "$unitdir/dcc-heartbeat.service")" \
    "ExecStart=/usr/local/sbin/dcc-heartbeat -d -f /etc/dyndistcc/client.conf" "heartbeat unit"
for k in User=dyndistcc NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
    StateDirectory=dyndistcc/server; do
	grep -qx "$k" "$unitdir/dyndistcc-server.service" || fail "server unit lacks $k"
done
for k in 'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure After=network-online.target \
    'ExecStartPre=+-/usr/local/sbin/dyndistcc-masquerade --refresh -q' \
    'ExecCondition=/usr/local/sbin/dcc-heartbeat -n -f /etc/dyndistcc/client.conf'; do
	grep -qxF "$k" "$unitdir/dcc-heartbeat.service" || fail "heartbeat unit lacks $k"
done
grep -q '^User=' "$unitdir/dcc-heartbeat.service" && fail "heartbeat unit must run as root (it starts distccd)"

say "units pass systemd-analyze verify"
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants ExecStart's program to exist and Documentation= to
	# resolve: check copies that point into the DESTDIR tree.
	mkdir "$T/verify"
	for u in "$unitdir"/*.service; do
		sed "s#/usr/local/#$T/root/usr/local/#g" "$u" >"$T/verify/$(basename "$u")"
	done
	MANPATH=$T/root/usr/local/share/man systemd-analyze verify "$T/verify"/*.service \
	    >"$T/verify.log" 2>&1 || { cat "$T/verify.log"; fail "systemd-analyze verify"; }
	[ ! -s "$T/verify.log" ] || { cat "$T/verify.log"; fail "systemd-analyze verify printed warnings"; }
	score=$(systemd-analyze security --offline=true "$T/verify/dyndistcc-server.service" 2>/dev/null |
	    awk '/Overall exposure level/ { print $(NF-2) }')
	say "server unit exposure score: ${score:-?} (systemd-analyze security, lower is safer)"
	[ -z "$score" ] || awk -v s="$score" 'BEGIN { exit !(s < 2.0) }' ||
	    fail "server unit exposure $score, want < 2.0"
else
	fail "systemd-analyze is not installed (scripts/deps.sh test installs systemd)"
fi

say "man pages render without warnings"
for m in "$T"/root/usr/local/share/man/man*/*; do
	MANWIDTH=80 man --warnings -l "$m" >"$T/man.out" 2>"$T/man.err" || fail "man -l $m failed"
	[ ! -s "$T/man.err" ] || { cat "$T/man.err"; fail "$(basename "$m") renders with warnings"; }
	grep -q NAME "$T/man.out" || fail "$(basename "$m") has no NAME section"
done

say "PREFIX=/usr SYSCONFDIR=/etc/x: paths rewritten in the units"
mk install DESTDIR="$T/usr-root" PREFIX=/usr SYSCONFDIR=/etc/x
assert_contains "$(cat "$T/usr-root/lib/systemd/system/dyndistcc-server.service")" \
    "ExecStart=/usr/sbin/dyndistcc-server -f /etc/x/dyndistcc/server.conf" "server unit with PREFIX=/usr"
assert_contains "$(cat "$T/usr-root/lib/systemd/system/dcc-heartbeat.service")" \
    "ExecStart=/usr/sbin/dcc-heartbeat -d -f /etc/x/dyndistcc/client.conf" "heartbeat unit with PREFIX=/usr"
[ -x "$T/usr-root/usr/bin/dcc" ] || fail "PREFIX=/usr: no /usr/bin/dcc"

say "make install twice is harmless; make uninstall removes every file"
mk install DESTDIR="$T/root"
(cd "$T/root" && LC_ALL=C find . ! -type d -printf '%p %m\n' | LC_ALL=C sort) >"$T/got2"
diff -u "$T/expected" "$T/got2" || fail "second make install changed the file list"
mk uninstall DESTDIR="$T/root"
left=$(cd "$T/root" && find . ! -type d)
assert_eq "$left" "" "files left after make uninstall"
say "ok"

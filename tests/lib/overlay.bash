# overlay.bash — for the scenarios that install into the machine's own paths
# (install_system, deb_packages; sourced after lib.sh). They run their
# second half in a private mount namespace whose /etc, /usr and /var are
# overlays on the machine's, with the upper layers in $T: the machine and
# the tests running beside never see a change, and it all goes at exit.

# overlay_probe: exits 77 (SKIP) unless this machine lets us make a mount
# namespace and an overlay in it.
overlay_probe() {
	need_root "mount namespaces and overlays of /etc, /usr and /var"
	mkdir -p "$T/probe/lower" "$T/probe/upper" "$T/probe/work" "$T/probe/merged"
	unshare -m --propagation private mount -t overlay overlay \
	    -o "lowerdir=$T/probe/lower,upperdir=$T/probe/upper,workdir=$T/probe/work" \
	    "$T/probe/merged" 2>/dev/null || { echo "no mount namespaces or overlayfs here"; exit 77; }
}

# overlay_system: in the namespace (bash "$0" inner under unshare -m
# --propagation private), overlays /etc, /usr and /var. distccd's whitelist
# /usr/lib/distcc becomes a copy of its own: other tests write to the real
# one, and an overlay shows what changes in its lower layer.
overlay_system() {
	local d n
	for d in /etc /usr /var; do
		n=$(basename "$d")
		mkdir -p "$T/up/$n" "$T/work/$n"
		mount -t overlay overlay -o "lowerdir=$d,upperdir=$T/up/$n,workdir=$T/work/$n" "$d" ||
		    fail "overlay on $d"
	done
	if [ -d /usr/lib/distcc ]; then
		mkdir "$T/distcc-whitelist"
		cp -a /usr/lib/distcc/. "$T/distcc-whitelist/"
		mount --bind "$T/distcc-whitelist" /usr/lib/distcc || fail "bind mount on /usr/lib/distcc"
	fi
}

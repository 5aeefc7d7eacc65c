#!/bin/sh
# build-deb.sh — `make deb`: builds the dyndistcc-server and dyndistcc-client
# Debian packages with dpkg-buildpackage and debhelper.
#
#   build-deb.sh VERSION OUTDIR
#
# The top level has no debian/, so the packages are built from a copy of the
# tree in OUTDIR/dyndistcc-VERSION/ whose debian/ is scripts/debian/. There
# debian/changelog is written from VERSION (the Makefile's, the one place the
# version lives), dated by the last commit rather than the build time (by
# now outside git). The .deb files land in OUTDIR.
set -eu

[ $# -eq 2 ] || { echo "usage: build-deb.sh VERSION OUTDIR" >&2; exit 2; }
version=$1 out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
case $out in /*) ;; *) out=$top/$out ;; esac
for tool in dpkg-buildpackage dh; do
	command -v $tool >/dev/null 2>&1 ||
	    { echo "build-deb.sh: $tool is missing (scripts/deps.sh deb installs it)" >&2; exit 1; }
done

src=$out/dyndistcc-$version
rm -rf "$src" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo "$out/build.log"
mkdir -p "$src"
(cd "$top" && tar -cf - --exclude=node_modules --exclude=test-results \
    Makefile README.md LICENSE shim server masquerade scripts tests) | tar -xf - -C "$src"
cp -R "$top/scripts/debian" "$src/debian"

maint=$(sed -n 's/^Maintainer: *//p' "$src/debian/control")
when=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}
cat >"$src/debian/changelog" <<EOF
dyndistcc ($version) unstable; urgency=medium

  * dyndistcc $version, packaged from its source tree.

 -- $maint  $(LC_ALL=C date -u -R -d "@$when")
EOF

echo "build-deb.sh: dpkg-buildpackage in $src (log: $out/build.log)"
if ! (cd "$src" && dpkg-buildpackage -b --no-sign) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "build-deb.sh: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
fi
for f in "$out"/*.deb; do
	echo "  DEB     ${f#"$top"/}"
done

#!/usr/bin/env bash
# Builds the Debian package into dist/ (release build, Swift runtime linked
# statically) and checks it with lintian: any error or warning that has no override
# fails the build. Prints the .deb's path on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --package
out=$PWD/dist
rm -rf "$out"
mkdir -p "$out"
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
# Everything dpkg-buildpackage writes goes to dist/, not to the parent directory.
PKG_DESTDIR=$out dpkg-buildpackage -b -us -uc \
  --buildinfo-option=-u"$out" --changes-option=-u"$out" \
  --buildinfo-file="$out/superset-websocket_${version}_${arch}.buildinfo" \
  --changes-file="$out/superset-websocket_${version}_${arch}.changes" >&2
deb="$out/superset-websocket_${version}_${arch}.deb"
echo "--- lintian $(basename "$deb")" >&2
# The gate (overridden tags do not count), then the record, overrides and their reasons
# included.
lintian --fail-on error,warning --tag-display-limit 0 "$deb" >&2
lintian --fail-on none --show-overrides --tag-display-limit 0 "$deb" 2>&1 | tee "$out/lintian.txt" >&2
echo "--- lintian: no error, no warning without an override" >&2
echo "$deb"

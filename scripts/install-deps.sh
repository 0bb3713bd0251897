#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and a local run need; with
# `--package`, also those that build the Debian package and prove it under systemd.
# Idempotent: does nothing when they are all present.
set -euo pipefail
packages=(pkg-config libhiredis-dev libsystemd-dev libssl-dev openssl redis-server redis-sentinel redis-tools curl)
if [ "${1:-}" = "--package" ]; then
  # debhelper (13.11 in bookworm) provides dh-sequence-installsysusers; systemd-container
  # is systemd-nspawn; lintian checks the .deb; debootstrap makes the proof's Debian root.
  packages+=(debhelper dpkg-dev lintian debootstrap systemd-container)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

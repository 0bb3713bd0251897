#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test (unit, integration with a
# real redis-server, end-to-end with the real binary); then builds the Debian package
# (lintian-checked) and proves it under a real systemd in a container (as root).
# PROOF_SKIP=1 stops after the Swift tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
[ "${PROOF_SKIP:-}" = 1 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
deb=$(scripts/build-deb.sh | tail -n1)
$sudo scripts/prove-systemd.sh "$deb"

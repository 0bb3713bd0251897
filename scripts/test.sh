#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test (unit, integration with a
# real redis-server, end-to-end with the real binary); then builds the Debian package
# (lintian-checked) and proves it under a real systemd in a container (as root).
# PROOF_SKIP=1 stops after the Swift tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build --skip ChaosTests "$@"
# The chaos test on its own: it loads both cores for about a minute, and the
# end-to-end tests that time heartbeats and reloads must not share the machine with it.
swift test --skip-build --filter ChaosTests
# The benchmark suite in smoke mode (small counts, bounded): it must keep working.
# It fails only when the suite breaks, never on a figure.
scripts/bench.sh smoke
# Every libFuzzer target (Fuzz/) for a few seconds on its seed corpus, under ASan and
# LeakSanitizer: they keep building and their corpora keep passing. The long run is
# `scripts/fuzz.sh long` (README, "Fuzzing").
scripts/fuzz.sh short
# The Debian package, built and proven under a real systemd (PROOF_SKIP=1 skips it).
[ "${PROOF_SKIP:-}" = 1 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
deb=$(scripts/build-deb.sh | tail -n1)
$sudo scripts/prove-systemd.sh "$deb"

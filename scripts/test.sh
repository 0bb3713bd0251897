#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test (unit, integration with a
# real redis-server, end-to-end with the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
# The benchmark suite in smoke mode (small counts, bounded): it must keep working.
# It fails only when the suite breaks, never on a figure.
scripts/bench.sh smoke

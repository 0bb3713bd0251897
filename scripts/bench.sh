#!/usr/bin/env bash
# The benchmark suite (see bench/README.md).
#
#   scripts/bench.sh full [loadgen run options…]   the issue's sizes, release build; writes bench/results/<date>.{json,md}
#   scripts/bench.sh smoke [loadgen run options…]  small counts, under a minute; uses the debug build when one exists
#                                                   (what scripts/test.sh runs); writes bench/tmp/<date>-smoke.{json,md}
#
# It starts its own redis-server and the service (2 workers) and stops both itself.
# It fails only when the suite breaks (a scenario cannot run), never on a number.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-full}
shift || true
scripts/install-deps.sh
# Every client process holds up to ~15,000 sockets.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

case "$mode" in
  smoke)
    bin=$(swift build --show-bin-path)
    if [ ! -x "$bin/loadgen" ] || [ ! -x "$bin/superset-websocket" ]; then
      swift build --product superset-websocket
      swift build --product loadgen
    fi
    out=bench/tmp
    limit=180
    ;;
  full)
    swift build -c release --scratch-path .build-release --product superset-websocket
    swift build -c release --scratch-path .build-release --product loadgen
    bin=$(swift build -c release --scratch-path .build-release --show-bin-path)
    out=bench/results
    limit=1800
    ;;
  *)
    echo "usage: $0 smoke|full [loadgen run options]" >&2
    exit 64
    ;;
esac
mkdir -p bench/tmp "$out"
# Bounded whatever happens: every wait inside is bounded too, this is the backstop.
exec timeout --kill-after=10 "$limit" "$bin/loadgen" run --mode "$mode" --service "$bin/superset-websocket" \
  --out "$out" --tmp bench/tmp "$@"

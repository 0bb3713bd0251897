#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (a separate package: the main build never sees
# them) with AddressSanitizer and libFuzzer into .build-fuzz, and runs each on its committed
# seed corpus (Fuzz/<target>/corpus) plus a working corpus of its own.
#
#   scripts/fuzz.sh short [TARGET...]   a few seconds per target (FUZZ_SECONDS, default 5): CI's run
#   scripts/fuzz.sh long  [TARGET...]   the long run: 10 million executions or 1 hour per target,
#                                       whichever comes first (FUZZ_RUNS, FUZZ_SECONDS)
#   scripts/fuzz.sh build               only builds
#   scripts/fuzz.sh replay FILE...      runs inputs (a reproducer) through the target named
#                                       by FUZZ_TARGET, once each
#
# Exits non-zero on any crash, leak (LeakSanitizer), timeout (one input over
# FUZZ_TIMEOUT seconds, default 10), out-of-memory (FUZZ_RSS_MB, default 2048) or build
# failure. Reproducers are copied to Fuzz/artifacts/<target>/ (git-ignored) and
# named in the output; rerun one with `scripts/fuzz.sh replay`. Per-target figures
# (executions, exec/s, seconds, corpus size) are printed at the end and written to
# .build-fuzz/results/<mode>[.<targets>].txt. `nice -n 19 scripts/fuzz.sh long` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mode=${1:-short}
[ $# -gt 0 ] && shift
scratch="$root/.build-fuzz"
all_targets=(FuzzHTTPHead FuzzCookieHeader FuzzJWT FuzzLastID FuzzEventEncoder FuzzRESP FuzzIPCFrame FuzzConfig FuzzRealtimeEnvelope)

# libFuzzer's runtime without its main(): SwiftPM links each executable with
# `--defsym main=<Module>_main`, which clashes with the main() that -sanitize=fuzzer
# links in, so the targets are compiled with ASan and libFuzzer's coverage (what
# -sanitize=fuzzer turns on) and link the no-main runtime; each target's main.swift
# hands control to LLVMFuzzerRunDriver (Fuzz/Sources/FuzzSupport).
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")
runtime=$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a 2>/dev/null | head -n1 || true)
[ -n "$runtime" ] || { echo "fuzz: libclang_rt.fuzzer_no_main not found in the Swift toolchain ($toolchain)" >&2; exit 1; }
flags=(-c release --package-path Fuzz --scratch-path "$scratch"
  -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,indirect-calls,inline-8bit-counters,pc-table
  -Xswiftc -DFUZZING -Xswiftc -enable-testing
  -Xlinker --whole-archive -Xlinker "$runtime" -Xlinker --no-whole-archive -Xlinker -lstdc++)

build() {
  echo "== building the fuzz targets (release, ASan + libFuzzer coverage) into .build-fuzz" >&2
  local start=$SECONDS
  swift build "${flags[@]}" >&2
  echo "== built in $((SECONDS - start)) s" >&2
  bin=$(swift build "${flags[@]}" --show-bin-path)
}

symbolizer=$(command -v llvm-symbolizer || true)
[ -z "$symbolizer" ] && [ -x /opt/swift/usr/bin/llvm-symbolizer ] && symbolizer=/opt/swift/usr/bin/llvm-symbolizer
# LeakSanitizer on, a crash report on any ASan error; libFuzzer's -error_exitcode
# then makes it a failure.
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# Swift's own crash handler would read memory ASan watches; libFuzzer reports instead.
export SWIFT_BACKTRACE=enable=no
[ -n "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"

case "$mode" in
  short) seconds=${FUZZ_SECONDS:-5}; runs=${FUZZ_RUNS:--1} ;;
  long) seconds=${FUZZ_SECONDS:-3600}; runs=${FUZZ_RUNS:-10000000} ;;
  build) build; exit 0 ;;
  replay)
    build
    "$bin/${FUZZ_TARGET:?set FUZZ_TARGET to the target to replay on}" -runs=1 "$@"
    exit $? ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
build

mkdir -p "$scratch/results"
results="$scratch/results/$mode.txt"
# Targets named on the command line (runs in parallel, one target each) keep their own summary.
[ $# -gt 0 ] && results="$scratch/results/$mode.$(IFS=-; echo "$*").txt"
printf '%-18s %12s %9s %8s %8s  %s\n' target executions exec/s seconds corpus outcome > "$results"
failed=0
for target in "${targets[@]}"; do
  seeds="$root/Fuzz/$target/corpus"
  work="$scratch/corpus/$target"
  artifacts="$root/Fuzz/artifacts/$target"
  log="$scratch/results/$target.$mode.log"
  mkdir -p "$work" "$artifacts"
  echo "== $target: $mode run (${seconds}s, runs ${runs}) on $(ls "$seeds" | wc -l) seeds" >&2
  start=$SECONDS
  status=0
  # New inputs go to the working corpus (the first folder), never to the committed seeds.
  "$bin/$target" "$work" "$seeds" \
    -max_total_time="$seconds" -runs="$runs" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
    -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$artifacts/" -close_fd_mask=1 \
    > "$log" 2>&1 || status=$?
  elapsed=$((SECONDS - start))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  corpus=$(ls "$work" | wc -l)
  outcome=ok
  if [ "$status" -ne 0 ]; then
    failed=1
    outcome="FAILED (exit $status)"
    grep -E '^==[0-9]+==ERROR|^SUMMARY|ALARM|out-of-memory|Test unit written to|deadly signal|Fatal error' "$log" | head -n 20 >&2 || true
    echo "   full log: $log; reproducers: $(ls "$artifacts" | sed "s|^|$artifacts/|" | tr '\n' ' ')" >&2
  fi
  printf '%-18s %12s %9s %8s %8s  %s\n' "$target" "${executions:-?}" "${speed:-?}" "$elapsed" "$corpus" "$outcome" >> "$results"
  rmdir "$artifacts" 2>/dev/null || true
done
cat "$results"
if [ "$failed" -ne 0 ]; then
  echo "fuzz: a target failed (see above)" >&2
  exit 1
fi

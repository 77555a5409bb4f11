#!/bin/sh
# Builds the fuzz targets with libFuzzer and AddressSanitizer, then runs each in turn for
# $FUZZ_SECONDS seconds (default 120) and prints, per target, the executions run, the seconds
# and the crashes found. `make fuzz` runs this; README.md here says more.
#
#   sh Fuzz/run.sh [TARGET...]     (all targets when none is named)
#
# Environment: FUZZ_SECONDS (per target), SWIFT (the swift driver), FUZZ_SCRATCH (the build
# folder, default .build-fuzz at the repository's root), FUZZ_ARGS (more libFuzzer flags).
# Inputs that reach new code go to Fuzz/.work/corpus/TARGET/, crashes to
# Fuzz/.work/crashes/TARGET/, logs to Fuzz/.work/logs/; all git-ignored. Exits 1 when a target
# crashed.
set -eu
FUZZ=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$FUZZ")
SWIFT=${SWIFT:-swift}
EACH=${FUZZ_SECONDS:-120}
SCRATCH=${FUZZ_SCRATCH:-$ROOT/.build-fuzz}
WORK=$FUZZ/.work

if [ $# -gt 0 ]; then
  TARGETS=$*
else
  TARGETS=$(cd "$FUZZ/Sources" && ls -d fuzz-* | sed 's/^fuzz-//')
fi
for target in $TARGETS; do
  if [ ! -d "$FUZZ/Sources/fuzz-$target" ]; then
    echo "run.sh: no fuzz target '$target' (see Fuzz/Sources/fuzz-*)" >&2
    exit 64
  fi
done

# SwiftPM passes each --sanitize to swiftc as a flag of its own, and swiftc keeps only the last
# one: without the -Xswiftc flag, which comes after them, Swift code would get AddressSanitizer
# but no coverage for libFuzzer to follow. C code gets both from --sanitize.
#
# SwiftPM also counts the whole environment in what decides whether the package changed: a run
# with one more variable (FUZZ_SECONDS, make's MAKEFLAGS, the shell's `_`) would rebuild every
# dependency. So it builds with the same few variables every time.
build() {
  env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 \
    ${TMPDIR:+TMPDIR="$TMPDIR"} ${XDG_CACHE_HOME:+XDG_CACHE_HOME="$XDG_CACHE_HOME"} \
    ${http_proxy:+http_proxy="$http_proxy"} ${https_proxy:+https_proxy="$https_proxy"} \
    ${no_proxy:+no_proxy="$no_proxy"} \
    "$SWIFT" build --package-path "$FUZZ" --scratch-path "$SCRATCH" -c release \
    --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address \
    -Xswiftc -enable-testing "$@"
}
# One product at a time, never the package as a whole: a whole build also builds the root
# package's `openledger` executable, whose `main` cannot link beside libFuzzer's ("multiple
# definition of 'main'").
echo "== building the fuzz targets (release, -sanitize=fuzzer,address) in $SCRATCH"
for target in $TARGETS; do
  build --product "fuzz-$target"
done
BIN=$(build --show-bin-path)

# The targets that read files write them under $TMPDIR: in memory when /dev/shm is there, since
# some (the near-duplicate file's merge) sync what they write.
SCRATCH_FILES=${TMPDIR:-/tmp}
if [ -d /dev/shm ] && [ -w /dev/shm ]; then SCRATCH_FILES=/dev/shm; fi

mkdir -p "$WORK/logs"
SUMMARY=$WORK/logs/summary.txt
printf '%-24s %12s %8s %8s  %s\n' target executions seconds crashes "new corpus inputs" >"$SUMMARY"
failed=0
for target in $TARGETS; do
  mkdir -p "$WORK/corpus/$target" "$WORK/crashes/$target"
  log=$WORK/logs/$target.log
  set -- -max_total_time="$EACH" -print_final_stats=1 -timeout=25 -rss_limit_mb=4096 \
    -artifact_prefix="$WORK/crashes/$target/"
  if [ -f "$FUZZ/Dictionaries/$target.dict" ]; then
    set -- "$@" -dict="$FUZZ/Dictionaries/$target.dict"
  fi
  echo "== fuzzing $target for ${EACH}s (log: $log)"
  before=$(ls "$WORK/crashes/$target" | wc -l)
  start=$(date +%s)
  status=0
  # shellcheck disable=SC2086
  TMPDIR=$SCRATCH_FILES "$BIN/fuzz-$target" "$@" ${FUZZ_ARGS:-} "$WORK/corpus/$target" \
    "$FUZZ/Corpus/$target" >"$log" 2>&1 || status=$?
  seconds=$(($(date +%s) - start))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  added=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)
  crashes=$(($(ls "$WORK/crashes/$target" | wc -l) - before))
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  if [ "$crashes" -gt 0 ]; then
    failed=1
    echo "   CRASH: $(grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY|.*property failed|Fatal error|.*deadly signal)' "$log" || echo "exit $status")"
    for artifact in "$WORK/crashes/$target"/*; do
      [ -e "$artifact" ] && echo "   input: $artifact"
    done
  fi
  printf '%-24s %12s %8s %8s  %s\n' "$target" "${executions:-?}" "$seconds" "$crashes" \
    "${added:-?}" >>"$SUMMARY"
done
echo
cat "$SUMMARY"
exit "$failed"

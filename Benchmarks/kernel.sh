#!/bin/sh
# Times the MinHash kernel alone (112 functions, batches of 512 shingles), each path this CPU
# has, in nanoseconds a shingle of thread CPU time:
#
#   Benchmarks/kernel.sh [repeats]
#
# Compiles Sources/CMinHashKernel with Benchmarks/kernel/harness.c (clang -O3, as SwiftPM's
# release build does) into $BENCH_WORK (Benchmarks/.work by default). Docs/Benchmarks.md §1
# quotes it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=${BENCH_WORK:-$here/.work}
mkdir -p "$work"
${CC:-clang} -O3 -I "$root/Sources/CMinHashKernel/include" -o "$work/kernel-harness" \
  "$here/kernel/harness.c" "$root/Sources/CMinHashKernel/MinHashKernel.c"
exec "$work/kernel-harness" "$@"

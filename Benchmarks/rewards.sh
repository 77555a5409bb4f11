#!/bin/sh
# Measures reward manifests with 1,000,000 accounts (figures in Docs/Benchmarks.md): building one,
# exporting it (reading its objects back from a store and writing the files), and verifying it,
# in-process with the release build of the core; then `openledger manifest verify` on the export,
# as a user runs it.
#
#   sh Benchmarks/rewards.sh [ACCOUNTS]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
accounts="${1:-1000000}"
scratch="$(mktemp -d /tmp/rewards-bench.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
cd "$here"
# SwiftPM keeps its build plan for the parent package and can miss source files added to it
# since; dropping the plan makes it look again.
rm -f .build/release/description.json
swift build -c release --product rewards-bench >&2
"$(swift build -c release --show-bin-path)/rewards-bench" manifest --accounts "$accounts" --scratch "$scratch"
cd "$here/.."
swift build -c release --product openledger >&2
openledger="$(swift build -c release --show-bin-path)/openledger"
for run in 1 2 3; do
  start=$(date +%s.%N)
  "$openledger" manifest verify "$scratch/out/manifest.json" --key "$scratch/bench.pub.json" >/dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" -v r="$run" 'BEGIN { printf "openledger manifest verify, run %d: %.3f s\n", r, b - a }' >&2
done

#!/bin/sh
# Builds the benchmarks in release and measures reward manifests: build, export and verify of a
# manifest with 1,000,000 accounts (figures in Docs/Benchmarks.md).
#
#   sh Benchmarks/rewards.sh [ACCOUNTS]
set -eu
cd "$(dirname "$0")"
accounts="${1:-1000000}"
swift build -c release --product rewards-bench >&2
"$(swift build -c release --show-bin-path)/rewards-bench" manifest --accounts "$accounts"

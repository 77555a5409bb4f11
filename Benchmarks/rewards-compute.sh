#!/bin/sh
# Measures `openledger rewards compute` on 10,000 inferences of 200 words over a 100 MB index
# (figures in Docs/Benchmarks.md). The corpus and the outputs come from attribution-bench's
# generator (the same bytes every run): outputs copy one to three runs of 12-40 words from the
# corpus into new text. The corpus is contributed to a Datanet as one record per paragraph,
# accepted and indexed; then the epoch is computed and timed, and its manifest exported and
# verified.
#
#   sh Benchmarks/rewards-compute.sh [MEGABYTES] [INFERENCES]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
megabytes="${1:-100}"
inferences="${2:-10000}"
work="$(mktemp -d /tmp/rewards-compute.XXXXXX)"
trap 'rm -rf "$work"' EXIT

cd "$here"
rm -f .build/release/description.json
swift build -c release --product attribution-bench >&2
bench="$(swift build -c release --show-bin-path)/attribution-bench"
cd "$here/.."
swift build -c release --product openledger >&2
ol="$(swift build -c release --show-bin-path)/openledger"

export XDG_CONFIG_HOME="$work/config"
cd "$work"
"$bench" generate --corpus corpus.txt --megabytes "$megabytes" --vocabulary 200000 \
  --outputs log.jsonl --output-count "$inferences" --output-words 200 >&2
"$ol" init >/dev/null
"$ol" identity new curator >/dev/null
"$ol" identity new writer >/dev/null
"$ol" datanet create bench --as curator --record-format text --split paragraph >/dev/null

# seconds STEP COMMAND...: runs the command, prints its wall and CPU time (user + system of the
# child) as one line on stderr.
seconds() {
  step=$1
  shift
  /usr/bin/time -f "$step: %e s wall, %U s user, %S s system, %M KB peak" "$@"
}
seconds "contribute" "$ol" contribute bench corpus.txt --as writer --quiet --format json > contribution.json
contribution=$(sed -n 's/.*"contribution" *: *"\([0-9a-f]*\)".*/\1/p' contribution.json)
"$ol" review accept "$contribution" --as curator >/dev/null
seconds "index build" "$ol" index build bench --quiet >/dev/null
"$ol" index status bench >&2
echo "load average before compute: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
seconds "rewards compute ($inferences inferences)" "$ol" rewards compute bench \
  --inferences log.jsonl --as curator --format json > epoch.json
echo "load average after compute: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
seconds "manifest export" "$ol" manifest export bench --out out >/dev/null
seconds "manifest verify" "$ol" manifest verify out/manifest.json >/dev/null
seconds "manifest verify --recompute" "$ol" manifest verify out/manifest.json --recompute >/dev/null
"$ol" rewards show bench | head -8 >&2

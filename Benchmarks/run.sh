#!/bin/sh
# Runs every openledger benchmark side by side with its peers, and prints medians and ratios.
#
#   Benchmarks/run.sh [bench.py options]     e.g. --only speed,quality   --megabytes 200
#
# It builds openledger and the fingerprint bench in release, makes a throwaway venv with the
# Python peers (datasketch, rensa) from PyPI, generates the data deterministically, and runs
# Benchmarks/bench.py. Data, venv and results.json go to $BENCH_WORK (Benchmarks/.work by
# default; about 1.2 GB). See Docs/Benchmarks.md for what each figure means.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=${BENCH_WORK:-$here/.work}
swift=${SWIFT:-swift}
python=${PYTHON:-python3}
mkdir -p "$work"

echo "== building openledger and fingerprint-bench in release" >&2
(cd "$root" && $swift build -c release --product openledger >&2)
(cd "$here" && $swift build -c release --product fingerprint-bench >&2)
openledger="$(cd "$root" && $swift build -c release --show-bin-path)/openledger"
bench="$(cd "$here" && $swift build -c release --show-bin-path)/fingerprint-bench"

echo "== making the peers' venv in $work/venv" >&2
if [ ! -x "$work/venv/bin/python" ]; then
  $python -m venv "$work/venv"
fi
"$work/venv/bin/pip" install --quiet --disable-pip-version-check \
  "datasketch==2.0.0" "rensa==0.5.0" >&2

echo "== running (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
exec "$work/venv/bin/python" "$here/bench.py" --work "$work" --openledger "$openledger" \
  --fingerprint-bench "$bench" "$@"

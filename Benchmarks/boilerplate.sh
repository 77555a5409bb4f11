#!/bin/sh
# Measures how credit treats boilerplate, under each credit rule side by side in one run.
#
#   Benchmarks/boilerplate.sh
#
# boilerplate.py builds a corpus from the licence texts on this machine (/usr/share/common-licenses
# and every /usr/share/doc/*/copyright, one record per distinct file) and 600 outputs: 300 that
# quote shared licence passages after varied prefixes, 300 that plant quotes of 8 to 40 words
# of single records' own text in novel text (seeded: the same files give the same bytes); and
# the same with quotes that need only occur once as a whole (outputs-once.jsonl).
# `attribution-bench credit` indexes the corpus and attributes every output under each credit
# rule with the default settings, and prints one JSON line: the share of boilerplate tokens
# credited (by prefix kind), how many boilerplate outputs credit any record, the recall of the
# planted quotes and the false credit outside them. Figures go to Docs/Benchmarks.md by hand.
set -eu
cd "$(dirname "$0")"
WORK="$PWD/.work/boilerplate"
rm -rf "$WORK" && mkdir -p "$WORK"
rm -f .build/release/description.json
swift build -c release --product attribution-bench >&2
BENCH="$(swift build -c release --show-bin-path)/attribution-bench"
echo "== corpus and outputs (quotes of records' own text; quotes occurring once as a whole)"
python3 boilerplate.py "$WORK"
python3 boilerplate.py "$WORK" --quotes once --outputs-name outputs-once.jsonl
sha256sum "$WORK/corpus.jsonl" "$WORK/outputs.jsonl" "$WORK/outputs-once.jsonl"
echo "== credit under each rule (min span 8, max occurrences 10), quotes of own text"
"$BENCH" credit --corpus "$WORK/corpus.jsonl" --outputs "$WORK/outputs.jsonl" --work "$WORK/index"
echo "== the same, quotes occurring once as a whole"
rm -rf "$WORK/index"
"$BENCH" credit --corpus "$WORK/corpus.jsonl" --outputs "$WORK/outputs-once.jsonl" \
  --work "$WORK/index"

#!/bin/sh
# Benchmarks openledger's attribution index side by side with infini-gram (PyPI), in one run.
#
#   Benchmarks/attribution.sh            agreement (10 MB) and speed (100 MB) runs
#   LARGE=1 Benchmarks/attribution.sh    also the 1 GB corpus (openledger only)
#   BUILDS=5 Benchmarks/attribution.sh   builds per corpus, each in its own process (default 5;
#                                        the last line of each build step gives the medians)
#   ROUNDS=3 Benchmarks/attribution.sh   rounds of the before/after attribute timing: the
#                                        segment rewritten in format 1 with credit rule 1, and
#                                        format 2 with rule 2, each run in turn (default 3)
#   BEFORE=path/to/attribution-bench Benchmarks/attribution.sh
#                                        also time another build of attribution-bench (say, of
#                                        the commit before a change to the search) in each round
#
# Both tools index the same token stream: attribution-bench tokenizes the corpus, builds its
# segment, and writes the segment's tokens as infini-gram's tokenized.0/offset.0 (16-bit ids;
# on the 100 MB corpus the rarest words share ids, since its vocabulary is larger than 65,534).
# infini-gram is installed into a throwaway venv under Benchmarks/.work/. Figures go to
# Docs/Benchmarks.md by hand; each step prints one JSON line.
set -eu
cd "$(dirname "$0")"
WORK="$PWD/.work/attribution"
mkdir -p "$WORK"

# SwiftPM keeps its build plan for the parent package and can miss source files added to it
# since; dropping the plan makes it look again (it costs a second).
rm -f .build/release/description.json
swift build -c release --product attribution-bench >&2
BENCH="$(swift build -c release --show-bin-path)/attribution-bench"

if [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet infini-gram numpy
fi
PY="$WORK/venv/bin/python"
BUILDS="${BUILDS:-5}"
ROUNDS="${ROUNDS:-3}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/Mem:/ {print $2}') GiB; infini-gram $("$PY" -m pip show infini-gram | awk '/Version/ {print $2}')"

# medians FILE: the median of each timing over the builds' JSON lines, and tokens per second.
medians() {
  "$PY" - "$1" <<'PYTHON'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
keys = [k for k in runs[0] if k.endswith("_seconds") or k == "peak_memory_mb"]
out = {"builds": len(runs)}
out.update({k: statistics.median(r[k] for r in runs) for k in keys})
out["tokens_per_second"] = runs[0]["tokens"] / out["total_seconds"]
out["cpu_tokens_per_second"] = runs[0]["tokens"] / out["cpu_total_seconds"]
out["cpu_total_seconds_each"] = [r["cpu_total_seconds"] for r in runs]
out["total_seconds_each"] = [r["total_seconds"] for r in runs]
print("medians: " + json.dumps(out, sort_keys=True))
PYTHON
}

# run NAME MEGABYTES VOCABULARY: generate, build both indexes, attribute the same outputs.
run() {
  name=$1
  dir="$WORK/$name"
  rm -rf "$dir" && mkdir -p "$dir"
  "$BENCH" generate --corpus "$dir/corpus.txt" --megabytes "$2" --vocabulary "$3" \
    --outputs "$dir/outputs.jsonl" --output-count 200 --output-words 200
  # The new corpus is written back to disk now, not during the timed builds.
  sync
  echo "== $name: openledger build ($BUILDS runs, each a new process as \`index build\` is)"
  "$BENCH" build "$dir/corpus.txt" --out "$dir/openledger" --infini-gram "$dir/infini-gram" \
    | tee "$dir/builds.jsonl"
  k=1
  while [ "$k" -lt "$BUILDS" ]; do
    "$BENCH" build "$dir/corpus.txt" --out "$dir/again" | tee -a "$dir/builds.jsonl"
    rm -rf "$dir/again"
    k=$((k + 1))
  done
  medians "$dir/builds.jsonl"
  segment=$(ls -d "$dir"/openledger/[0-9a-f]*)
  echo "== $name: openledger suffix sorting alone"
  "$BENCH" sort "$segment" --repeats 3
  echo "== $name: infini-gram build (its indexer, --cpus 1)"
  "$PY" infinigram_peer.py index "$dir/infini-gram"
  echo "== $name: openledger attribute (200-word outputs, min span 8, max occurrences 10)"
  "$BENCH" query "$segment" --outputs "$dir/outputs.jsonl" --spans-out "$dir/ours.spans" \
    --ids-out "$dir/ids.jsonl"
  echo "== $name: infini-gram attribute() (same outputs and settings)"
  "$PY" infinigram_peer.py attribute "$dir/infini-gram" "$dir/ids.jsonl" "$dir/theirs.spans"
  echo "== $name: agreement of maximal spans"
  "$PY" infinigram_peer.py compare "$dir/ours.spans" "$dir/theirs.spans"
  echo "== $name: attribute before and after (format 1 and credit rule 1 against format 2 and"
  echo "   rule 2, and each change alone), alternating, $ROUNDS rounds"
  "$BENCH" downgrade "$segment" --out "$dir/version1" | tee "$dir/version1.json"
  old=$(ls -d "$dir"/version1/[0-9a-f]*)
  k=0
  while [ "$k" -lt "$ROUNDS" ]; do
    for setting in "$old 1" "$segment 1" "$old 2" "$segment 2"; do
      set -- $setting
      if [ -n "${BEFORE:-}" ]; then
        "$BEFORE" query "$1" --outputs "$dir/outputs.jsonl" --credit-rule "$2" \
          | sed 's/^{/{"binary":"before",/'
      fi
      "$BENCH" query "$1" --outputs "$dir/outputs.jsonl" --credit-rule "$2"
    done
    k=$((k + 1))
  done | tee "$dir/before-after.jsonl"
  "$PY" - "$dir/before-after.jsonl" <<'PYTHON'
import collections, json, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs[(r.get("binary", "this"), r["format_version"], r["credit_rule"])].append(r)
for (binary, version, rule), rs in sorted(runs.items()):
    print("before-after: " + json.dumps({
        "binary": binary, "format_version": version, "credit_rule": rule, "rounds": len(rs),
        "median_ms": statistics.median(r["median_ms"] for r in rs),
        "p90_ms": statistics.median(r["p90_ms"] for r in rs),
        "median_ms_each": [r["median_ms"] for r in rs],
        "attributed_share": rs[0]["attributed_share"], "index_bytes": rs[0]["index_bytes"],
    }, sort_keys=True))
PYTHON
  rm -rf "$dir/version1"
  echo "== $name: openledger count and search (1,000 phrases of 1 to 8 tokens, 10 records each)"
  "$BENCH" phrases "$segment" --phrases-out "$dir/phrases.jsonl" --ids-out "$dir/phrase-ids.jsonl"
  echo "== $name: infini-gram count() and search_docs() (same phrases)"
  "$PY" infinigram_peer.py phrases "$dir/infini-gram" "$dir/phrase-ids.jsonl" "$dir/phrases.jsonl"
  rm -f "$dir/corpus.txt"
}

# Agreement: a vocabulary that fits infini-gram's 16-bit ids, so both see identical streams.
run agreement 10 30000
# Speed: 100 MB of text with a 200,000-word vocabulary.
run speed 100 200000

if [ "${LARGE:-0}" = 1 ]; then
  dir="$WORK/large"
  rm -rf "$dir" && mkdir -p "$dir"
  "$BENCH" generate --corpus "$dir/corpus.txt" --megabytes 1000 --vocabulary 1000000 \
    --outputs "$dir/outputs.jsonl" --output-count 200 --output-words 200
  sync
  echo "== large: openledger build (1 GB)"
  "$BENCH" build "$dir/corpus.txt" --out "$dir/openledger"
  segment=$(ls -d "$dir"/openledger/[0-9a-f]*)
  echo "== large: openledger attribute"
  "$BENCH" query "$segment" --outputs "$dir/outputs.jsonl"
  rm -rf "$dir"
fi

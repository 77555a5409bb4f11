#!/bin/sh
# Times two openledger binaries against each other (old and new, say the commit before a change
# and after it) on the same inputs, in alternating turns, and prints medians and ratios new/old.
#
#   Benchmarks/compare.sh OLD NEW     e.g. Benchmarks/compare.sh ../old/openledger ./openledger
#
# Settings (environment):
#   ROUNDS=5          rounds; each runs every command once with each binary, the binary that
#                     goes first alternating from round to round
#   MEGABYTES=200     the JSONL for `contribute` and `fingerprint` (generate_jsonl.py, seed 1)
#   INDEX_MEGABYTES=50  the Datanet indexed for `index build` and queried by `attribute`
#   OUTPUTS=1000      model outputs of 200 words for `attribute --inferences`, each copying one to
#                     three runs of 12 to 40 words of the indexed records (seed 7)
#   ONLY=contribute,fingerprint,index,attribute   the commands to time
#   BENCH_WORK=Benchmarks/.work   data and stores go to $BENCH_WORK/compare (about 1.5 GB)
#
# Each binary gets its own stores and identities, made by itself: nothing a binary writes is
# read by the other, so the two may use different store formats. What is timed is one process:
#   contribute   `contribute` of the JSONL into a fresh, empty Datanet
#   fingerprint  `fingerprint` of the JSONL (no store)
#   index        `index build` of the indexed Datanet, on a fresh copy of its store before any
#                index was built
#   attribute    `attribute --inferences` of the outputs over that Datanet's index
# Set-up (init, identities, Datanet, copies) is outside the timing. Each run's wall-clock time,
# CPU seconds (user + system of the process, from wait4) and peak memory are kept in
# $BENCH_WORK/compare/runs.tsv. The summary gives, per command and binary, the median over the
# rounds, the ratio new/old of the medians, and the median of the rounds' own ratios (the
# figure to read when the machine's speed drifts during the runs).
set -eu

if [ $# -ne 2 ]; then
  sed -n '2,5p' "$0" >&2
  exit 64
fi
here=$(cd "$(dirname "$0")" && pwd)
absolute() { (cd "$(dirname "$1")" && echo "$PWD/$(basename "$1")"); }
old=$(absolute "$1")
new=$(absolute "$2")
for binary in "$old" "$new"; do
  [ -x "$binary" ] || { echo "compare.sh: $binary is not an executable" >&2; exit 66; }
done
rounds=${ROUNDS:-5}
megabytes=${MEGABYTES:-200}
index_megabytes=${INDEX_MEGABYTES:-50}
outputs=${OUTPUTS:-1000}
only=${ONLY:-contribute,fingerprint,index,attribute}
work=${BENCH_WORK:-$here/.work}/compare
python=${PYTHON:-python3}
mkdir -p "$work"

input="$work/input-$megabytes.jsonl"
indexed="$work/indexed-$index_megabytes.jsonl"
log="$work/outputs-$index_megabytes-$outputs.jsonl"
[ -f "$input" ] || "$python" "$here/generate_jsonl.py" "$input" --megabytes "$megabytes"
[ -f "$indexed" ] || "$python" "$here/generate_jsonl.py" "$indexed" --megabytes "$index_megabytes"
if [ ! -f "$log" ]; then
  "$python" - "$indexed" "$log" "$outputs" <<'PYTHON'
import json, random, sys
rng = random.Random(7)
texts = [json.loads(line)["text"].split() for line in open(sys.argv[1])]
vocabulary = [word.strip(".").lower() for text in texts[:2000] for word in text]
with open(sys.argv[2], "w") as out:
    for n in range(int(sys.argv[3])):
        words = []
        for _ in range(rng.randint(1, 3)):
            words += rng.choices(vocabulary, k=rng.randint(10, 40))
            source = rng.choice(texts)
            length = min(len(source), rng.randint(12, 40))
            start = rng.randrange(len(source) - length + 1)
            words += source[start:start + length]
        words += rng.choices(vocabulary, k=max(0, 200 - len(words)))
        line = {"id": f"o{n}", "output": " ".join(words[:200]), "fee": "1000"}
        out.write(json.dumps(line) + "\n")
PYTHON
fi

# openledger NAME ARGS...: runs binary NAME (old or new) with its own identities.
openledger() {
  name=$1
  shift
  eval binary=\"\$$name\"
  XDG_CONFIG_HOME="$work/$name/config" HOME="$work/$name" "$binary" "$@"
}

# fresh NAME STORE: an empty store with the Datanet `bench` (JSONL, text in "text").
fresh() {
  rm -rf "$2"
  openledger "$1" init --store "$2" >/dev/null
  OPENLEDGER_STORE="$2" openledger "$1" datanet create bench --as curator --record-format jsonl \
    --text-field text --require text >/dev/null
}

for name in old new; do
  rm -rf "${work:?}/$name"
  mkdir -p "$work/$name"
  openledger $name identity new curator >/dev/null
  openledger $name identity new writer >/dev/null
  case ",$only," in *,index,* | *,attribute,*)
    # The indexed Datanet: contributed and accepted; a copy without an index for `index build`,
    # and one with its index for `attribute`.
    store="$work/$name/unindexed"
    fresh $name "$store"
    export OPENLEDGER_STORE="$store"
    contribution=$(openledger $name contribute bench "$indexed" --as writer --quiet --format json |
      sed -n 's/.*"contribution" *: *"\([0-9a-f]*\)".*/\1/p')
    openledger $name review accept "$contribution" --as curator >/dev/null
    rm -rf "$work/$name/indexed"
    cp -a "$store" "$work/$name/indexed"
    OPENLEDGER_STORE="$work/$name/indexed" openledger $name index build bench --quiet >/dev/null
    unset OPENLEDGER_STORE
    ;;
  esac
done

# measure TIMES COMMAND...: runs COMMAND and writes its wall-clock, user and system seconds and
# peak resident KB (of that process and the children it waited for) to TIMES.
measure='
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    out.write(f"{wall:.4f}\t{usage.ru_utime:.4f}\t{usage.ru_stime:.4f}\t{usage.ru_maxrss}\n")
sys.exit(os.waitstatus_to_exitcode(status))
'

# timed ROUND NAME COMMAND STORE ARGS...: runs binary NAME once with ARGS on STORE, timed, and
# appends its line to runs.tsv.
runs="$work/runs.tsv"
printf 'round\tbinary\tcommand\twall_s\tuser_s\tsystem_s\tpeak_kb\tload\n' >"$runs"
timed() {
  round=$1 name=$2 command=$3 store=$4
  shift 4
  eval binary=\"\$$name\"
  if ! XDG_CONFIG_HOME="$work/$name/config" HOME="$work/$name" OPENLEDGER_STORE="$store" \
    "$python" -c "$measure" "$work/time" "$binary" "$@" >/dev/null 2>"$work/stderr"
  then
    echo "compare.sh: $name $command failed:" >&2
    cat "$work/time" "$work/stderr" >&2
    exit 70
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$command" "$(tail -1 "$work/time")" \
    "$(cut -d' ' -f1 /proc/loadavg)" >>"$runs"
  echo "  round $round, $name $command: $(tail -1 "$work/time" | cut -f1) s" >&2
}

echo "== $rounds rounds, old and new in turns (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
round=1
while [ "$round" -le "$rounds" ]; do
  if [ $((round % 2)) = 1 ]; then order="old new"; else order="new old"; fi
  for command in $(echo "$only" | tr , ' '); do
    for name in $order; do
      store="$work/$name/run"
      case $command in
        contribute)
          fresh $name "$store"
          sync
          timed $round $name contribute "$store" contribute bench "$input" --as writer --quiet
          rm -rf "$store"
          ;;
        fingerprint)
          timed $round $name fingerprint "$store" fingerprint "$input" --text-field text --quiet
          ;;
        index)
          rm -rf "$store"
          cp -a "$work/$name/unindexed" "$store"
          sync
          timed $round $name index "$store" index build bench --quiet
          rm -rf "$store"
          ;;
        attribute)
          timed $round $name attribute "$work/$name/indexed" attribute bench --inferences "$log" \
            --format json
          ;;
      esac
    done
  done
  round=$((round + 1))
done

"$python" - "$runs" <<'PYTHON'
import collections, csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = collections.defaultdict(dict)
for r in rows:
    by[(r["command"], r["binary"])][r["round"]] = r
print(f"{'command':<12} {'binary':<6} {'wall s':>7} {'CPU s':>7} {'peak MB':>8}"
      f" {'new/old: wall':>13} {'CPU':>6} {'rounds: wall':>12} {'CPU':>6}")
for command in dict.fromkeys(r["command"] for r in rows):
    old, new = by[(command, "old")], by[(command, "new")]
    def medians(runs):
        wall = statistics.median(float(r["wall_s"]) for r in runs.values())
        cpu = statistics.median(float(r["user_s"]) + float(r["system_s"]) for r in runs.values())
        peak = statistics.median(int(r["peak_kb"]) for r in runs.values()) / 1024
        return wall, cpu, peak
    (ow, oc, op), (nw, nc, np) = medians(old), medians(new)
    cpu = lambda r: float(r["user_s"]) + float(r["system_s"])
    walls = [float(new[k]["wall_s"]) / float(old[k]["wall_s"]) for k in old if k in new]
    cpus = [cpu(new[k]) / cpu(old[k]) for k in old if k in new]
    print(f"{command:<12} {'old':<6} {ow:7.3f} {oc:7.3f} {op:8.0f}")
    print(f"{'':<12} {'new':<6} {nw:7.3f} {nc:7.3f} {np:8.0f} {nw / ow:13.3f} {nc / oc:6.3f}"
          f" {statistics.median(walls):12.3f} {statistics.median(cpus):6.3f}")
loads = [float(r["load"]) for r in rows]
print(f"{len(old)} rounds; medians; load average {min(loads):.1f} to {max(loads):.1f}")
print(f"every run: {sys.argv[1]}")
PYTHON

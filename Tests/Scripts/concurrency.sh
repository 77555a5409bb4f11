#!/bin/sh
# Concurrency scenarios of issue 13, against a built binary (the release build by default):
#
#   1. CONTRIBUTORS contributors (3) × ROUNDS rounds (30): in each round every contributor
#      runs `contribute` at the same time into one Datanet, with records of its own and records
#      that the round's other contributors contribute too.
#   2. Two contributors submit the same file at the same time, TRIALS times (10), each trial
#      with new records.
#
# After each scenario: every record must be credited exactly once (the Datanet holds each
# distinct record once, and the contributions' signed record counts add up to exactly that),
# every `contribute` must exit 0, and `validate`, `fsck` and `verify-ledger` must exit 0.
# Prints the figures; exits 1 when any check fails.
#
#   sh Tests/Scripts/concurrency.sh [OPENLEDGER_BINARY]
#   ROUNDS=10 TRIALS=5 sh Tests/Scripts/concurrency.sh .build/debug/openledger
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${ROUNDS:-30}"
contributors="${CONTRIBUTORS:-3}"
trials="${TRIALS:-10}"
if [ $# -ge 1 ]; then
  ol="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
else
  (cd "$root" && swift build -c release --product openledger >&2)
  ol="$(cd "$root" && swift build -c release --show-bin-path)/openledger"
fi
work="$(mktemp -d /tmp/openledger-concurrency.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config"
failed=0

# json PATH: of the JSON on stdin, the value at a dotted PATH, or with PATH `sum:FIELD` the sum
# of FIELD over a list.
json() {
  python3 -c '
import json, sys
value = json.load(sys.stdin)
path = sys.argv[1]
if path.startswith("sum:"):
    print(sum(item[path[4:]] for item in value))
else:
    for key in path.split("."):
        value = value[key]
    print(value)
' "$1"
}

# check NAME COMMAND...: runs a command of the checks, counting a failure when it does not
# exit 0.
check() {
  name=$1
  shift
  if "$@" >"$work/check.out" 2>&1; then
    echo "  $name: exit 0"
  else
    echo "  $name: exit $? (FAILED)"
    sed 's/^/    /' "$work/check.out" | head -20
    failed=1
  fi
}

# verify DATANET EXPECTED FAILURES: the figures and checks of a scenario.
verify() {
  datanet=$1 expected=$2 failures=$3
  held=$("$ol" datanet show "$datanet" --format json | json statistics.records)
  signed=$("$ol" review list "$datanet" --status all --format json | json sum:records)
  contributions=$("$ol" review list "$datanet" --status all --format json \
    | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  echo "  contribute failures: $failures"
  echo "  distinct records contributed: $expected; held by the Datanet: $held;" \
    "signed by its $contributions contributions: $signed"
  lost=$((expected - held))
  echo "  lost records: $lost; records signed but not credited: $((signed - held))"
  if [ "$failures" -ne 0 ] || [ "$lost" -ne 0 ] || [ "$signed" -ne "$held" ]; then failed=1; fi
  check "validate" "$ol" validate
  check "fsck" "$ol" fsck
  check "verify-ledger" "$ol" verify-ledger
}

# line ID: one JSONL record whose text is unique to ID: ID and eight words drawn from its
# SHA-256, so that no two records are near duplicates either.
line() {
  printf '{"text": "%s: %s."}\n' "$1" "$(printf '%s' "$1" | sha256sum | cut -c1-64 | sed 's/......../& /g')"
}

# setup STORE: a new store (which later commands use) with the Datanet `shared`, and the
# contributors' identities c1, c2, ...
setup() {
  export OPENLEDGER_STORE="$1"
  "$ol" init >/dev/null
  i=1
  while [ "$i" -le "$contributors" ]; do
    "$ol" identity new "c$i" >/dev/null 2>&1 || true
    i=$((i + 1))
  done
  "$ol" datanet create shared --as c1 --record-format jsonl \
    --text-field text >/dev/null
}

echo "openledger concurrency scenarios ($ol)"

echo "1. $contributors contributors x $rounds rounds of concurrent contribute into one Datanet"
setup "$work/one/.openledger"
failures=0
start=$(date +%s.%N)
round=1
while [ "$round" -le "$rounds" ]; do
  i=1
  while [ "$i" -le "$contributors" ]; do
    file="$work/r$round-c$i.jsonl"
    : >"$file"
    for n in 1 2 3 4; do line "round $round contributor $i number $n" >>"$file"; done
    for n in 1 2; do line "round $round shared $n" >>"$file"; done
    i=$((i + 1))
  done
  i=1
  while [ "$i" -le "$contributors" ]; do
    ("$ol" contribute shared "$work/r$round-c$i.jsonl" --as "c$i" --quiet \
      >/dev/null 2>"$work/err-$round-$i" || echo "$?" >"$work/status-$round-$i") &
    i=$((i + 1))
  done
  wait
  i=1
  while [ "$i" -le "$contributors" ]; do
    if [ -f "$work/status-$round-$i" ]; then
      failures=$((failures + 1))
      echo "  round $round contributor $i: exit $(cat "$work/status-$round-$i"):" \
        "$(head -c 300 "$work/err-$round-$i")"
    fi
    i=$((i + 1))
  done
  round=$((round + 1))
done
end=$(date +%s.%N)
echo "  wall time: $(echo "$end - $start" | bc) s for $((rounds * contributors)) contributes"
verify shared $((rounds * (contributors * 4 + 2))) "$failures"

echo "2. two contributors submit the same file at once, $trials trials"
setup "$work/two/.openledger"
failures=0
stored=0
duplicates=0
trial=1
while [ "$trial" -le "$trials" ]; do
  file="$work/same-$trial.jsonl"
  for n in 1 2 3; do line "trial $trial same $n" >>"$file"; done
  for i in 1 2; do
    ("$ol" contribute shared "$file" --as "c$i" --format json \
      >"$work/same-$trial-$i.json" 2>"$work/same-err-$trial-$i" \
      || echo "$?" >"$work/same-status-$trial-$i") &
  done
  wait
  for i in 1 2; do
    if [ -f "$work/same-status-$trial-$i" ]; then
      failures=$((failures + 1))
      echo "  trial $trial contributor $i: exit $(cat "$work/same-status-$trial-$i"):" \
        "$(head -c 300 "$work/same-err-$trial-$i")"
    else
      stored=$((stored + $(json report.recordsNew <"$work/same-$trial-$i.json")))
      duplicates=$((duplicates + $(json report.exactDuplicatesInDatanet \
        <"$work/same-$trial-$i.json")))
    fi
  done
  trial=$((trial + 1))
done
echo "  reported: $stored records stored, $duplicates counted as already in the Datanet" \
  "(expected $((trials * 3)) and $((trials * 3)))"
if [ "$stored" -ne $((trials * 3)) ] || [ "$duplicates" -ne $((trials * 3)) ]; then failed=1; fi
verify shared $((trials * 3)) "$failures"

if [ "$failed" -ne 0 ]; then
  echo "FAILED"
  exit 1
fi
echo "passed"

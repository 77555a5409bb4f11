#!/bin/sh
# The whole openledger story, on a throwaway store with throwaway identities:
# a Datanet, contributions (with a duplicate and a near duplicate), review, the attribution
# index, attribution of model outputs, a reward epoch, a signed manifest checked offline, and
# `validate` passing.
#
#   sh Examples/demo.sh path/to/openledger
set -eu
OL=${1:-openledger}
case "$OL" in /*) ;; *) OL="$(pwd)/$OL" ;; esac
EXAMPLES=$(cd "$(dirname "$0")" && pwd)
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/openledger-demo.XXXXXX")
trap 'rm -rf "$DEMO"' EXIT
export XDG_CONFIG_HOME="$DEMO/config" OPENLEDGER_STORE="$DEMO/store"
cp -R "$EXAMPLES/data" "$DEMO/data"
cd "$DEMO"

if [ -t 1 ]; then bold=$(printf '\033[1m'); plain=$(printf '\033[0m'); else bold=; plain=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
say() { printf '%s\n' "$*"; }
run() { printf '$ openledger %s\n' "$*"; "$OL" "$@"; }
# `contribute`, printed as run; the contribution id it reports is left in $DEMO/id.
contribute() {
  printf '$ openledger contribute %s\n' "$*"
  "$OL" contribute "$@" >"$DEMO/out"
  cat "$DEMO/out"
  sed -n 's/^Contribution \([0-9a-f]*\) submitted.*/\1/p' "$DEMO/out" >"$DEMO/id"
}

step "1. A store, and three people: Olivia curates, Carlos and Dana contribute"
run init --store "$DEMO/store"
run identity new olivia
run identity new carlos
run identity new dana

step "2. Olivia creates a Datanet of field notes on urban trees (JSONL, text in 'text')"
run datanet create field-notes --as olivia --license CC-BY-4.0 \
  --description "Field notes on urban trees" --record-format jsonl --text-field text --require text
run datanet show field-notes

step "3. Carlos contributes eight notes"
contribute field-notes data/carlos-notes.jsonl --as carlos
CARLOS=$(cat "$DEMO/id")

step "4. Dana checks her file first: one note copies Carlos's, one nearly does (nothing is written)"
run validate --datanet field-notes data/dana-notes.jsonl

step "5. Dana contributes it anyway, and a second file that is off topic"
say "The exact duplicate is not stored again (Carlos keeps the credit); the near duplicate is flagged."
contribute field-notes data/dana-notes.jsonl --as dana
DANA=$(cat "$DEMO/id")
contribute field-notes data/dana-offtopic.jsonl --as dana
OFFTOPIC=$(cat "$DEMO/id")

step "6. Olivia reviews: accepts the notes, rejects the off-topic file"
run review list field-notes
run review accept "$CARLOS" "$DANA" --as olivia
run review reject "$OFFTOPIC" --as olivia --reason "not about trees"
say "Carlos cannot review: only curators may (exit 77, nothing written)."
printf '$ openledger review accept %s --as carlos\n' "$OFFTOPIC"
"$OL" review accept "$OFFTOPIC" --as carlos || say "(exit $?)"

step "7. The attribution index over the accepted records"
run index build field-notes

step "8. Which contributed notes did a model's output copy?"
run attribute field-notes --file data/outputs.txt

step "9. A reward epoch: five inferences' fees split by attribution, in exact integers"
run rewards compute field-notes --inferences data/inferences.jsonl --as olivia
run rewards show field-notes

step "10. The signed manifest, checked offline, and Carlos's claim proof"
run manifest export field-notes --out manifest-1
run manifest verify manifest-1/manifest.json
printf '$ openledger manifest proof manifest-1/manifest.json carlos > proof.json\n'
"$OL" manifest proof manifest-1/manifest.json carlos >proof.json
say "(the proof is in proof.json: Carlos's leaf, its cumulative amount and the Merkle path)"
if command -v python3 >/dev/null 2>&1; then
  printf '$ python3 Examples/verify_proof.py proof.json --manifest manifest-1/manifest.json\n'
  python3 "$EXAMPLES/verify_proof.py" proof.json --manifest manifest-1/manifest.json
fi

step "11. The accepted records, exported for training with their provenance"
run export field-notes --out field-notes-v1
ls field-notes-v1 field-notes-v1/data

step "12. Every change is a signed event, and the whole store validates"
run log field-notes
run validate
say
say "Done. Next: Docs/Guide.md walks through each role; README.md lists every command."

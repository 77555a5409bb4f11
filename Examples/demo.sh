#!/bin/sh
# The whole openledger story, on a throwaway store with throwaway identities:
# a Datanet, contributions (with a duplicate and a near duplicate), review, the attribution
# index, attribution of model outputs, payout addresses, a model operator's signed inference
# logs, two reward epochs, signed manifests checked offline, `validate` passing, and the
# money path to the wallets: the root and the claims sent, as openledger prints their calldata,
# to the distributor contract on a local EVM (with the venv `make contracts-venv` creates).
#
#   sh Examples/demo.sh path/to/openledger [KEEP]
#
# With KEEP, the two epochs' exports are copied to KEEP/epoch-1 and KEEP/epoch-2 (what
# `make contracts-export-test` pays with the contract tests).
set -eu
OL=${1:-openledger}
KEEP=${2:-}
case "$OL" in /*) ;; *) OL="$(pwd)/$OL" ;; esac
EXAMPLES=$(cd "$(dirname "$0")" && pwd)
REPOSITORY=$(dirname "$EXAMPLES")
VENV_PYTHON="$REPOSITORY/.venv-contracts/bin/python"
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

step "1. A store, and four identities: Olivia curates, Carlos and Dana contribute, treebot serves a model"
run init --store "$DEMO/store"
run identity new olivia
run identity new carlos
run identity new dana
run identity new treebot

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

step "9. Where the money goes: each person names the EVM address that receives their rewards"
run payout set field-notes --address 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed --as carlos
say "A typo in Dana's address is caught by its EIP-55 checksum (exit 65, nothing written):"
printf '$ openledger payout set field-notes --address 0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d358 --as dana\n'
"$OL" payout set field-notes --address 0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d358 --as dana || say "(exit $?)"
run payout set field-notes --address 0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359 --as dana
run payout set field-notes --address 0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB --as olivia
run payout show field-notes

step "10. treebot, the model operator, signs the inference log it owes fees for"
run datanet update field-notes --as olivia --add-operator treebot --require-signed-log
run rewards sign-log field-notes data/inferences.jsonl --as treebot --out inferences.sig
say "Without the signature, the Datanet's policy refuses the log (exit 65):"
printf '$ openledger rewards compute field-notes --inferences data/inferences.jsonl --as olivia\n'
"$OL" rewards compute field-notes --inferences data/inferences.jsonl --as olivia || say "(exit $?)"

step "11. A reward epoch: five inferences' fees split by attribution, in exact integers"
run rewards compute field-notes --inferences data/inferences.jsonl --signed-log inferences.sig --as olivia
run rewards show field-notes

step "12. The signed manifest, checked offline, and Carlos's claim proof"
run manifest export field-notes --out manifest-1
run manifest verify manifest-1/manifest.json
printf '$ openledger manifest proof manifest-1/manifest.json carlos > proof.json\n'
"$OL" manifest proof manifest-1/manifest.json carlos >proof.json
say "(the proof is in proof.json: Carlos's leaf, his payout address, his cumulative amount and the Merkle path)"
if command -v python3 >/dev/null 2>&1; then
  printf '$ python3 Examples/verify_proof.py proof.json --manifest manifest-1/manifest.json --leaves manifest-1/leaves.jsonl\n'
  python3 "$EXAMPLES/verify_proof.py" proof.json --manifest manifest-1/manifest.json --leaves manifest-1/leaves.jsonl
fi

step "13. A second epoch: more inferences, signed again; amounts are cumulative"
run rewards sign-log field-notes data/inferences-2.jsonl --as treebot --out inferences-2.sig
run rewards compute field-notes --inferences data/inferences-2.jsonl --signed-log inferences-2.sig --as olivia
run manifest export field-notes --out manifest-2
run manifest verify manifest-2/manifest.json --recompute

step "14. The calldata a wallet sends: the root (owner or updater), then each claim (anyone)"
run manifest publish-root manifest-2/manifest.json
run manifest proof manifest-2/manifest.json dana --format calldata
say "(send them with any wallet tool, e.g. cast send <distributor> 0x…; Contracts/README.md deploys one)"

step "15. The accepted records, exported for training with their provenance"
run export field-notes --out field-notes-v1
ls field-notes-v1 field-notes-v1/data

step "16. Every change is a signed event, and the whole store validates"
run log field-notes
run validate

if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"
  cp -R manifest-1 "$KEEP/epoch-1"
  cp -R manifest-2 "$KEEP/epoch-2"
fi

step "17. Paid: both roots and every claim sent to the distributor on a local EVM"
if [ -x "$VENV_PYTHON" ]; then
  printf '$ .venv-contracts/bin/python Examples/claim_on_evm.py --openledger openledger manifest-1 manifest-2\n'
  "$VENV_PYTHON" "$EXAMPLES/claim_on_evm.py" --openledger "$OL" manifest-1 manifest-2
else
  say "The local EVM needs the contract tests' venv (titanoboa, from PyPI): run \`make contracts-venv\`"
  say "once, then \`make demo\` again to see these claims paid."
fi
say
say "Done. Next: Docs/Guide.md walks through each role; README.md lists every command."

#!/bin/sh
# The openledger walkthrough, on a throwaway store and throwaway identities.
#   sh Examples/demo.sh path/to/openledger
set -eu
OL=${1:-openledger}
case "$OL" in /*) ;; *) OL="$(pwd)/$OL" ;; esac
EXAMPLES=$(cd "$(dirname "$0")" && pwd)
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/openledger-demo.XXXXXX")
trap 'rm -rf "$DEMO"' EXIT
export XDG_CONFIG_HOME="$DEMO/config" OPENLEDGER_STORE="$DEMO/store"
cd "$DEMO"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ openledger %s\n' "$*"; "$OL" "$@"; }

step "A store and three identities: an owner-curator and two contributors"
run init --store "$DEMO/store"
run identity new olivia
run identity new carlos
run identity new dana

step "A Datanet of JSONL records whose 'text' field is fingerprinted"
run datanet create field-notes --as olivia --license CC-BY-4.0 \
  --description "Field notes on urban trees" --record-format jsonl --text-field text --require text
run datanet show field-notes

step "Every change is a signed event"
run log field-notes
run fsck

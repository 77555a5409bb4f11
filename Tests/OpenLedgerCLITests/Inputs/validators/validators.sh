#!/bin/sh
# The real validators of export formats, from PyPI, in a cached virtual environment.
#
#   validators.sh setup VENV         create VENV once (frictionless, mlcroissant); exit 75 when
#                                    it cannot be had (no python3 venv, PyPI unreachable)
#   validators.sh check VENV DIR     validate the export in DIR; prints a JSON summary,
#                                    exit 0 when valid, 1 when not
set -u
here=$(cd "$(dirname "$0")" && pwd)
requirements='frictionless[json]>=5.17,<6 mlcroissant>=1.0.17,<2'

setup() {
  venv=$1
  stamp="$venv/.openledger-validators"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$requirements" ]; then return 0; fi
  mkdir -p "$(dirname "$venv")"
  # Two test runs may set up at once: one builds, the other waits.
  exec 9>"$venv.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$requirements" ]; then return 0; fi
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >&2; then
    echo "validators: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2
    rm -rf "$venv"
    exit 75
  fi
  # shellcheck disable=SC2086
  if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --timeout 30 --retries 1 $requirements >&2; then
    echo "validators: cannot install $requirements from PyPI (offline?)" >&2
    rm -rf "$venv"
    exit 75
  fi
  echo "$requirements" >"$stamp"
}

case "${1:-}" in
setup)
  setup "$2"
  ;;
check)
  setup "$2"
  exec "$2/bin/python" "$here/check_export.py" "$2" "$3"
  ;;
*)
  echo "usage: validators.sh setup VENV | check VENV EXPORT_DIR" >&2
  exit 64
  ;;
esac

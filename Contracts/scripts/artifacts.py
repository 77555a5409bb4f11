#!/usr/bin/env python3
"""Write (or, with --check, compare) what is derived from the compiled distributor.

    selectors.json                  function selectors and event topics, by canonical signature
    CumulativeDistributor.abi.json  the ABI, for tools that want one

Both come from the Vyper compiler's own output, so the Swift side's calldata constants can be
checked against selectors.json without a compiler. Run `make contracts-artifacts` after changing
the contract; the tests fail while the committed files are stale.
"""

import argparse
import json
import sys
from pathlib import Path

import vyper
from vyper.utils import keccak256

CONTRACTS = Path(__file__).resolve().parent.parent
SOURCE = CONTRACTS / "CumulativeDistributor.vy"


def canonical_type(entry: dict) -> str:
    if entry["type"].startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in entry["components"])
        return f"({inner}){entry['type'][len('tuple') :]}"
    return entry["type"]


def signature(entry: dict) -> str:
    return f"{entry['name']}({','.join(canonical_type(i) for i in entry['inputs'])})"


def render(value) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()


def build() -> dict[Path, bytes]:
    """The files, as they should be, by path."""
    output = vyper.compile_code(
        SOURCE.read_text(),
        contract_path=SOURCE.name,
        output_formats=["abi", "method_identifiers"],
    )
    abi = output["abi"]
    events = {
        signature(e): "0x" + keccak256(signature(e).encode()).hex()
        for e in abi
        if e["type"] == "event"
    }
    functions = dict(output["method_identifiers"])
    # The compiler's selectors must be the ones the canonical signatures hash to.
    for entry in (e for e in abi if e["type"] == "function"):
        expected = "0x" + keccak256(signature(entry).encode())[:4].hex()
        if functions.get(signature(entry)) != expected:
            raise SystemExit(f"the compiler's selector for {signature(entry)} is not {expected}")
    selectors = {
        "compiler": f"vyper {vyper.__version__}",
        "contract": SOURCE.stem,
        "events": events,
        "functions": functions,
    }
    return {
        CONTRACTS / "selectors.json": render(selectors),
        CONTRACTS / f"{SOURCE.stem}.abi.json": render(abi),
    }


def stale() -> list[Path]:
    """The derived files that are missing or differ from what the compiler gives now."""
    return [
        path
        for path, content in build().items()
        if not path.exists() or path.read_bytes() != content
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    if args.check:
        paths = stale()
        for path in paths:
            print(
                f"{path.relative_to(CONTRACTS)} is stale: run `make contracts-artifacts`",
                file=sys.stderr,
            )
        return 1 if paths else 0
    for path, content in build().items():
        path.write_bytes(content)
        print(f"wrote {path.relative_to(CONTRACTS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

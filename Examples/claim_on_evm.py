#!/usr/bin/env python3
"""Pay `openledger manifest export` directories on a local EVM with openledger's own calldata.

    .venv-contracts/bin/python Examples/claim_on_evm.py --openledger .build/debug/openledger \\
        epoch-1/ epoch-2/

For each export, oldest first, it asks the binary for the calldata a wallet would send
(`manifest publish-root --format calldata` and, for every leaf with a payout address,
`manifest proof ACCOUNT --format calldata`), sends those bytes unchanged to the distributor of
Contracts/ on py-evm (titanoboa, from the venv `make contracts-venv` creates), and checks that
every recipient received exactly what its leaf adds to what the account was paid before. A
leaf of the zero address (an account without a payout address) is not claimed: the binary
refuses its calldata, and the script checks that it does. Nothing leaves this machine.

Exit status: 0 when every claim paid exactly its due, 1 when one did not, 2 on bad input.
"""

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

CONTRACTS = Path(__file__).resolve().parent.parent / "Contracts"
TIMELOCK = 3600
ZERO = "0x" + "00" * 20


class Failure(Exception):
    """A claim that did not pay what its leaf says."""


def calldata(openledger, *arguments):
    """The 0x-hex calldata the binary prints for `arguments`, as bytes."""
    done = subprocess.run([openledger, *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        raise Failure(f"openledger {' '.join(arguments)} exited {done.returncode}: {done.stderr}")
    text = done.stdout.strip()
    if not text.startswith("0x"):
        raise Failure(f"openledger {' '.join(arguments)} printed no calldata: {text!r}")
    return bytes.fromhex(text[2:])


def read_export(directory):
    """The manifest's Datanet, epoch and total, and its leaves (account, recipient, amount)."""
    import base64

    envelope = json.loads((directory / "manifest.json").read_bytes())
    predicate = json.loads(base64.b64decode(envelope["payload"]))["predicate"]
    leaves = [json.loads(line) for line in (directory / "leaves.jsonl").read_bytes().splitlines()]
    return predicate, leaves


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--openledger", required=True, help="the openledger binary")
    parser.add_argument("exports", nargs="+", type=Path, help="export directories, oldest first")
    args = parser.parse_args()
    try:
        import boa
    except ImportError:
        print("error: titanoboa is missing; run `make contracts-venv` and use "
              ".venv-contracts/bin/python", file=sys.stderr)
        return 2
    try:
        exports = [(directory, *read_export(directory)) for directory in args.exports]
    except (OSError, ValueError, KeyError) as error:
        print(f"error: cannot read the export: {error}", file=sys.stderr)
        return 2

    datanet = bytes.fromhex(exports[0][1]["datanet"])
    token = boa.load(str(CONTRACTS / "tests" / "tokens" / "TestToken.vy"))
    owner = boa.env.generate_address("the Datanet's curator")
    claimer = boa.env.generate_address("a claims service")
    distributor = boa.load_partial(str(CONTRACTS / "CumulativeDistributor.vy")).deploy(
        datanet, token.address, owner, TIMELOCK)
    paid = {}  # account -> cumulative paid so far
    try:
        for directory, predicate, leaves in exports:
            manifest = str(directory / "manifest.json")
            if bytes.fromhex(predicate["datanet"]) != datanet:
                raise Failure(f"{directory} is of another Datanet")
            # The operator's money arrives: whatever this epoch adds to the pool.
            owed = sum(int(leaf["cumulative"]) - paid.get(leaf["account"], 0)
                       for leaf in leaves if leaf["recipient"] != ZERO)
            token.mint(distributor.address, owed)
            boa.env.raw_call(distributor.address, sender=owner,
                             data=calldata(args.openledger, "manifest", "publish-root", manifest,
                                           "--format", "calldata"))
            boa.env.time_travel(seconds=TIMELOCK)
            distributor.acceptRoot(sender=claimer)
            manifest_id = hashlib.sha256((directory / "manifest.json").read_bytes()).digest()
            if distributor.manifestHash() != manifest_id or distributor.epoch() != predicate["epoch"]:
                raise Failure(f"{directory}: the accepted root is not this manifest's")
            for leaf in leaves:
                account, recipient = leaf["account"], leaf["recipient"]
                cumulative = int(leaf["cumulative"])
                if recipient == ZERO:
                    refused = subprocess.run(
                        [args.openledger, "manifest", "proof", manifest, account, "--format",
                         "calldata"], capture_output=True, text=True)
                    if refused.returncode != 65 or "payout set" not in refused.stderr:
                        raise Failure(f"calldata for {account[:16]}…, who has no payout address, "
                                      f"was not refused: exit {refused.returncode}")
                    print(f"epoch {predicate['epoch']}: {account[:16]}… has no payout address; "
                          "its leaf is not claimed")
                    continue
                due = cumulative - paid.get(account, 0)
                if due == 0:
                    continue
                before = token.balanceOf(recipient)
                boa.env.raw_call(distributor.address, sender=claimer,
                                 data=calldata(args.openledger, "manifest", "proof", manifest,
                                               account, "--format", "calldata"))
                received = token.balanceOf(recipient) - before
                if received != due:
                    raise Failure(f"epoch {predicate['epoch']}: {recipient} received {received} "
                                  f"for {account[:16]}…, not {due}")
                paid[account] = cumulative
                print(f"epoch {predicate['epoch']}: claimed {due} for {account[:16]}… "
                      f"(cumulative {cumulative}), paid to {recipient}")
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    print(f"ok: {sum(paid.values())} paid by openledger's own calldata over "
          f"{len(exports)} epoch(s) of Datanet {datanet.hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

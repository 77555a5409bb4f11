#!/usr/bin/env python3
"""Pay an `openledger manifest export` directory on a local EVM (py-evm), claim by claim.

    .venv-contracts/bin/python Contracts/scripts/pay_export.py epoch-2/

It deploys a test token and the distributor for the export's Datanet, publishes the export's
epochs (the previous one too, when the export has it) through submitRoot, the timelock and
acceptRoot, sends every account's claim, and prints what each recipient received. Every payment
is checked against the leaves. Nothing leaves this machine: the chain is in memory.

Exit status: 0 when every account was paid exactly its due, 1 when a payment was wrong, 2 when the
export cannot be read (a v1 export, a root that does not match its leaves, a missing file).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from eth_utils import to_checksum_address  # noqa: E402
from export import ExportError, read_export  # noqa: E402
from replay import ReplayError, replay  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="a directory written by `openledger manifest export`")
    args = parser.parse_args()
    try:
        epochs = read_export(args.export)
        payments = replay(epochs)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ReplayError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    for payment in payments:
        if payment.amount:
            print(
                f"epoch {payment.epoch}: account {payment.account.hex()[:16]}… claimed "
                f"{payment.amount} (cumulative {payment.cumulative}) to "
                f"{to_checksum_address(payment.recipient)}"
            )
        else:
            print(
                f"epoch {payment.epoch}: account {payment.account.hex()[:16]}… had nothing new "
                f"(cumulative {payment.cumulative}); its claim was refused"
            )
    last = epochs[-1]
    recipients = {p.recipient for p in payments if p.amount}
    numbers = ", ".join(str(e.epoch) for e in epochs)
    print(
        f"ok: {sum(p.amount for p in payments)} paid to {len(recipients)} addresses over "
        f"epoch(s) {numbers} of Datanet {last.datanet.hex()}; root {last.root.hex()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

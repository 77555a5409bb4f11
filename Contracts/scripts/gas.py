#!/usr/bin/env python3
"""Measure the gas of the distributor's transactions on py-evm (Prague rules), for the README.

    make contracts-gas          (or: .venv-contracts/bin/python Contracts/scripts/gas.py)

For trees of several sizes it claims for a few accounts in epoch 1 (their first claim: the
`claimed` slot and the recipient's token balance go from zero to non-zero) and again in epoch 2
(both slots already non-zero). Each figure is what the transaction would cost: 21,000 + calldata
(4 per zero byte, 16 per other byte, and at least EIP-7623's floor) + execution − refund (at most
a fifth), with every account and slot cold at its start, as in a transaction of its own. The token
is Contracts/tests/tokens/TestToken.vy, a plain ERC-20; another token's `transfer` costs what it
costs. Nothing here is timed.
"""

import hashlib
import sys
from pathlib import Path

import boa

CONTRACTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CONTRACTS / "tests"))

from merkle import Leaf, Tree  # noqa: E402

DATANET = hashlib.sha256(b"gas report datanet").digest()
SIZES = (1, 2, 16, 1_000, 100_000)
SAMPLE = 8  # accounts measured per tree


def tx_gas(data: bytes, computation) -> int:
    """What a transaction with this calldata and execution pays, by Prague's rules."""
    zeros = data.count(0)
    nonzeros = len(data) - zeros
    intrinsic = 21_000 + 4 * zeros + 16 * nonzeros
    used = intrinsic + computation.get_gas_used()
    used -= min(computation.get_gas_refund(), used // 5)
    floor = 21_000 + 10 * (zeros + 4 * nonzeros)
    return max(used, floor)


def measure(call, *args, sender=None):
    """Call a contract function as a transaction of its own and return its gas."""
    boa.env.reset_gas_used()  # forget which accounts and slots earlier calls warmed
    kwargs = {"sender": sender} if sender else {}
    call(*args, **kwargs)
    computation = call.contract._computation
    data = call.prepare_calldata(*args)
    return tx_gas(data, computation), len(data)


def leaves(count: int, epoch: int) -> list[Leaf]:
    return [
        Leaf(
            hashlib.sha256(b"account %d" % i).digest(),
            hashlib.sha256(b"recipient %d" % i).digest()[:20],
            1_000_000 * epoch + i,
        )
        for i in range(count)
    ]


def main() -> int:
    distributor_code = boa.load_partial(str(CONTRACTS / "CumulativeDistributor.vy"))
    token_code = boa.load_partial(str(CONTRACTS / "tests" / "tokens" / "TestToken.vy"))
    owner = boa.env.generate_address("owner")
    rows, root_rows = [], []
    for count in SIZES:
        token = token_code.deploy()
        distributor = distributor_code.deploy(DATANET, token.address, owner, 0)
        trees = [Tree(DATANET, epoch, leaves(count, epoch)) for epoch in (1, 2)]
        # One unit more than the claims take: the distributor's balance never reaches zero, which
        # would refund part of the last claim's gas.
        token.mint(distributor.address, sum(leaf.cumulative for leaf in trees[1].leaves) + 1)
        sample = trees[0].leaves[:: max(1, count // SAMPLE)][:SAMPLE]
        figures = []
        for tree in trees:
            submit, _ = measure(
                distributor.submitRoot, tree.root, tree.epoch, bytes(range(32)), sender=owner
            )
            accept, _ = measure(distributor.acceptRoot)
            root_rows.append((tree.epoch, submit, accept))
            claims = []
            for leaf in sample:
                current = tree.leaf_of(leaf.account)
                proof = tree.proof(leaf.account)
                gas, size = measure(
                    distributor.claim,
                    current.account,
                    current.recipient_address,
                    current.cumulative,
                    proof,
                )
                claims.append((gas, len(proof), size))
            figures.append(claims)
        rows.append((count, figures))

    print("| leaves | proof hashes | calldata bytes | first claim (gas) | later claim (gas) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for count, (first, later) in rows:
        hashes = sorted({h for _, h, _ in first})
        sizes = sorted({s for _, _, s in first})

        def span(values):
            low, high = min(values), max(values)
            return f"{low:,}" if low == high else f"{low:,}–{high:,}"

        print(
            f"| {count:,} | {span(hashes)} | {span(sizes)} | {span([g for g, _, _ in first])} "
            f"| {span([g for g, _, _ in later])} |"
        )
    print()
    for epoch, name in ((1, "the first root"), (2, "a later root")):
        submits = {s for e, s, _ in root_rows if e == epoch}
        accepts = {a for e, _, a in root_rows if e == epoch}
        print(
            f"{name}: submitRoot {'/'.join(f'{g:,}' for g in sorted(submits))} gas, "
            f"acceptRoot {'/'.join(f'{g:,}' for g in sorted(accepts))} gas"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

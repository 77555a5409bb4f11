"""Pay an export's epochs on a fresh local EVM, checking every payment against the leaves.

Used by the export tests and by scripts/pay_export.py (which `make demo` can call): it deploys a
test token and a distributor for the export's Datanet, funds it with the last epoch's total,
publishes each epoch's root (submit, wait out the timelock, accept) and sends every leaf's claim
from a stranger's address, as a claims service would.
"""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import boa
from export import Epoch

CONTRACTS = Path(__file__).resolve().parent.parent
TIMELOCK = 3600
NOTHING_TO_CLAIM = "nothing to claim: this cumulative amount is already paid"


class ReplayError(Exception):
    """A claim that did not pay what the leaves say."""


@dataclass(frozen=True)
class Payment:
    epoch: int
    account: bytes
    recipient: str
    amount: int  # 0: the account had nothing new, and its claim was refused as it must be
    cumulative: int
    gas: int  # the claim's execution gas, without the transaction's 21,000 and calldata


def replay(epochs: list[Epoch]) -> list[Payment]:
    distributor_code = boa.load_partial(str(CONTRACTS / "CumulativeDistributor.vy"))
    token = boa.load(str(CONTRACTS / "tests" / "tokens" / "TestToken.vy"))
    owner = boa.env.generate_address("the Datanet's curator")
    sender = boa.env.generate_address("a claims service")
    distributor = distributor_code.deploy(epochs[0].datanet, token.address, owner, TIMELOCK)
    token.mint(distributor.address, sum(leaf.cumulative for leaf in epochs[-1].tree.leaves))
    paid: Counter = Counter()  # account -> cumulative paid so far
    payments = []
    for epoch in epochs:
        distributor.submitRoot(epoch.root, epoch.epoch, epoch.manifest_id, sender=owner)
        boa.env.time_travel(seconds=TIMELOCK)
        distributor.acceptRoot(sender=sender)
        before = {
            leaf.recipient_address: token.balanceOf(leaf.recipient_address)
            for leaf in epoch.tree.leaves
        }
        expected: Counter = Counter()  # recipient -> what this epoch pays it
        for leaf in epoch.tree.leaves:
            owed = leaf.cumulative - paid[leaf.account]
            if owed < 0:
                raise ReplayError(
                    f"epoch {epoch.epoch}: account {leaf.account.hex()}'s cumulative amount "
                    "went down"
                )
            proof = epoch.tree.proof(leaf.account)
            call = (leaf.account, leaf.recipient_address, leaf.cumulative, proof)
            if owed == 0:
                with boa.reverts(NOTHING_TO_CLAIM):
                    distributor.claim(*call, sender=sender)
                got, gas = 0, 0
            else:
                got = distributor.claim(*call, sender=sender)
                gas = distributor._computation.get_gas_used()
            if got != owed:
                raise ReplayError(
                    f"epoch {epoch.epoch}: account {leaf.account.hex()} was paid {got}, not {owed}"
                )
            paid[leaf.account] = leaf.cumulative
            expected[leaf.recipient_address] += owed
            payments.append(
                Payment(
                    epoch.epoch, leaf.account, leaf.recipient_address, got, leaf.cumulative, gas
                )
            )
        # Two accounts may name one payout address: compare per address.
        for address, amount in expected.items():
            if token.balanceOf(address) != before[address] + amount:
                raise ReplayError(f"epoch {epoch.epoch}: {address} did not receive {amount}")
    left = token.balanceOf(distributor.address)
    if left != 0:
        raise ReplayError(f"the distributor holds {left} after every claim, not 0")
    return payments

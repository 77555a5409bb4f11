"""Fixtures: the contracts compiled once per session, deployed afresh for every test.

titanoboa's pytest plugin snapshots the EVM around every fixture and test, so what one test does
to the chain is undone before the next.
"""

import hashlib
from pathlib import Path

import boa
import pytest
from merkle import Leaf, Tree

CONTRACTS = Path(__file__).resolve().parent.parent
TOKENS = Path(__file__).resolve().parent / "tokens"

DATANET = hashlib.sha256(b"a Datanet's create event").digest()
TIMELOCK = 24 * 60 * 60


def account_id(name: str) -> bytes:
    """A stand-in for an Ed25519 public key: the contract treats the account as 32 opaque bytes."""
    return hashlib.sha256(b"account " + name.encode()).digest()


@pytest.fixture(scope="session")
def distributor_code():
    return boa.load_partial(str(CONTRACTS / "CumulativeDistributor.vy"))


@pytest.fixture(scope="session")
def token_code():
    return boa.load_partial(str(TOKENS / "TestToken.vy"))


@pytest.fixture
def owner():
    return boa.env.generate_address("owner")


@pytest.fixture
def updater():
    return boa.env.generate_address("updater")


@pytest.fixture
def stranger():
    return boa.env.generate_address("stranger")


@pytest.fixture
def token(token_code):
    return token_code.deploy()


@pytest.fixture
def distributor(distributor_code, token, owner, updater):
    contract = distributor_code.deploy(DATANET, token.address, owner, TIMELOCK)
    contract.setUpdater(updater, True, sender=owner)
    return contract


class Epochs:
    """Publishes trees on a distributor the way a Datanet's curator would."""

    def __init__(self, distributor, token, submitter):
        self.distributor = distributor
        self.token = token
        self.submitter = submitter

    def fund(self, amount: int):
        self.token.mint(self.distributor.address, amount)

    def publish(self, tree: Tree, manifest_hash: bytes | None = None):
        """Submit the tree's root, wait out the timelock and accept it (as anybody)."""
        manifest_hash = manifest_hash or hashlib.sha256(b"manifest " + tree.root).digest()
        self.distributor.submitRoot(tree.root, tree.epoch, manifest_hash, sender=self.submitter)
        boa.env.time_travel(seconds=self.distributor.timelock())
        self.distributor.acceptRoot()

    def claim(self, tree: Tree, account: bytes, sender=None) -> int:
        leaf = tree.leaf_of(account)
        kwargs = {"sender": sender} if sender is not None else {}
        return self.distributor.claim(
            leaf.account, leaf.recipient_address, leaf.cumulative, tree.proof(account), **kwargs
        )


@pytest.fixture
def epochs(distributor, token, updater):
    return Epochs(distributor, token, updater)


def leaves_for(amounts: dict[str, int], recipients: dict[str, str] | None = None) -> list[Leaf]:
    """Leaves for named accounts; each pays to the address named after it unless told otherwise."""
    recipients = recipients or {}
    return [
        Leaf(
            account=account_id(name),
            recipient=bytes.fromhex(address_of(recipients.get(name, name))[2:]),
            cumulative=amount,
        )
        for name, amount in amounts.items()
    ]


def address_of(name: str) -> str:
    """A fixed EVM payout address per name."""
    return "0x" + hashlib.sha256(b"recipient " + name.encode()).digest()[:20].hex()

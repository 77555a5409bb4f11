"""The reward tree of Docs/Manifest.md over v2 leaves, written from that page alone.

A v2 leaf binds the payout address as well:

    leaf = SHA-256(0x00 ‖ datanet[32] ‖ epoch u64 BE ‖ account[32] ‖ recipient[20]
                   ‖ cumulative u256 BE)

(125 bytes hashed). Nodes, the array layout and proofs are as for v1:
node(a, b) = SHA-256(0x01 ‖ min(a, b) ‖ max(a, b)); leaves sorted by hash fill the array T of
2n − 1 nodes from its end; T[0] is the root; a proof lists the siblings from the leaf upwards.
"""

import hashlib
from dataclasses import dataclass

MAX_U64 = 2**64 - 1
MAX_U256 = 2**256 - 1


@dataclass(frozen=True)
class Leaf:
    """One account's line of a v2 leaves.jsonl."""

    account: bytes  # the raw 32-byte Ed25519 public key
    recipient: bytes  # the 20-byte EVM payout address
    cumulative: int

    @property
    def recipient_address(self) -> str:
        return "0x" + self.recipient.hex()


def leaf_hash(datanet: bytes, epoch: int, leaf: Leaf) -> bytes:
    if len(datanet) != 32 or len(leaf.account) != 32 or len(leaf.recipient) != 20:
        raise ValueError("datanet and account are 32 bytes, recipient 20")
    if not 0 <= epoch <= MAX_U64 or not 0 <= leaf.cumulative <= MAX_U256:
        raise ValueError("epoch is a u64 and cumulative a u256")
    message = (
        b"\x00"
        + datanet
        + epoch.to_bytes(8, "big")
        + leaf.account
        + leaf.recipient
        + leaf.cumulative.to_bytes(32, "big")
    )
    assert len(message) == 125
    return hashlib.sha256(message).digest()


def node_hash(a: bytes, b: bytes) -> bytes:
    # bytes compare lexicographically, which for equal lengths is the big-endian number order.
    low, high = (a, b) if a <= b else (b, a)
    return hashlib.sha256(b"\x01" + low + high).digest()


class Tree:
    """The array-form tree of one epoch: T[2n − 2 − j] is the j-th smallest leaf hash."""

    def __init__(self, datanet: bytes, epoch: int, leaves: list[Leaf]):
        if not leaves:
            raise ValueError("a tree needs at least one leaf")
        if len({leaf.account for leaf in leaves}) != len(leaves):
            raise ValueError("two leaves for one account")
        self.datanet = datanet
        self.epoch = epoch
        hashed = sorted(
            ((leaf_hash(datanet, epoch, leaf), leaf) for leaf in leaves), key=lambda pair: pair[0]
        )
        self.leaves = [leaf for _, leaf in hashed]  # in leaves.jsonl order
        self.hashes = [h for h, _ in hashed]
        n = len(hashed)
        self.nodes: list[bytes] = [b""] * (2 * n - 1)
        for j, h in enumerate(self.hashes):
            self.nodes[2 * n - 2 - j] = h
        for i in range(n - 2, -1, -1):
            self.nodes[i] = node_hash(self.nodes[2 * i + 1], self.nodes[2 * i + 2])

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    def index_of(self, account: bytes) -> int:
        for j, leaf in enumerate(self.leaves):
            if leaf.account == account:
                return j
        raise KeyError(account.hex())

    def leaf_of(self, account: bytes) -> Leaf:
        return self.leaves[self.index_of(account)]

    def proof(self, account: bytes) -> list[bytes]:
        k = len(self.nodes) - 1 - self.index_of(account)
        siblings = []
        while k > 0:
            siblings.append(self.nodes[k + 1] if k % 2 == 1 else self.nodes[k - 1])
            k = (k - 1) // 2
        return siblings


def fold(leaf: bytes, proof: list[bytes]) -> bytes:
    """The root a proof leads to from a leaf hash."""
    current = leaf
    for sibling in proof:
        current = node_hash(current, sibling)
    return current

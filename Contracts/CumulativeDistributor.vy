# pragma version 0.4.3
# pragma evm-version cancun
"""
@title CumulativeDistributor
@license MIT
@notice Pays one Datanet's openledger rewards in one ERC-20 token. Each reward epoch publishes a
        Merkle root over leaves that hold every account's cumulative amount (leaf format v2 of
        Docs/Manifest.md); a claim pays the account's recipient the part of its cumulative amount
        not paid yet. Roots wait in a pending slot for the timelock before anyone may accept them,
        so the owner can revoke a wrong one. See Contracts/README.md.
"""

from ethereum.ercs import IERC20


struct PendingRoot:
    root: bytes32
    epoch: uint64
    manifestHash: bytes32
    submittedAt: uint256


event RootSubmitted:
    submitter: indexed(address)
    root: indexed(bytes32)
    epoch: uint64
    manifestHash: bytes32


event RootAccepted:
    root: indexed(bytes32)
    epoch: uint64
    manifestHash: bytes32
    acceptedBy: address


event RootRevoked:
    revoker: indexed(address)
    root: indexed(bytes32)
    epoch: uint64


event Claimed:
    account: indexed(bytes32)
    recipient: indexed(address)
    amount: uint256
    cumulative: uint256
    epoch: uint64


event OwnerSet:
    previousOwner: indexed(address)
    newOwner: indexed(address)


event UpdaterSet:
    updater: indexed(address)
    active: bool


event TimelockSet:
    timelock: uint256


# A proof has one hash per level of the tree: 64 covers any tree a Datanet can publish.
MAX_PROOF_LENGTH: constant(uint256) = 64

LEAF_DOMAIN: constant(bytes1) = 0x00
NODE_DOMAIN: constant(bytes1) = 0x01

# The Datanet whose manifests this contract pays: the id of its datanet.create event.
datanet: public(immutable(bytes32))
# The ERC-20 token the amounts are in, in its smallest unit.
token: public(immutable(IERC20))

owner: public(address)
isUpdater: public(HashMap[address, bool])
# Seconds a submitted root waits before anyone may accept it.
timelock: public(uint256)

# The accepted root, its epoch and the SHA-256 of its manifest envelope (all zero until the first
# root is accepted).
root: public(bytes32)
epoch: public(uint64)
manifestHash: public(bytes32)

pendingRoot: public(PendingRoot)

# What each account (raw Ed25519 public key) has been paid so far, cumulative over the epochs.
claimed: public(HashMap[bytes32, uint256])


@deploy
def __init__(datanet_: bytes32, token_: IERC20, owner_: address, timelock_: uint256):
    assert datanet_ != empty(bytes32), "the datanet id is zero"
    assert token_.address.is_contract, "the token address holds no contract"
    assert owner_ != empty(address), "the owner is the zero address"
    datanet = datanet_
    token = token_
    self.owner = owner_
    self.timelock = timelock_
    log OwnerSet(previousOwner=empty(address), newOwner=owner_)
    log TimelockSet(timelock=timelock_)


@external
def submitRoot(newRoot: bytes32, newEpoch: uint64, newManifestHash: bytes32):
    """
    @notice Put a manifest's Merkle root in the pending slot, replacing any root pending there and
            starting its timelock now.
    @param newRoot The manifest's merkleRoot.
    @param newEpoch The manifest's epoch: greater than the accepted root's.
    @param newManifestHash The SHA-256 of the manifest envelope (the manifest id).
    """
    assert msg.sender == self.owner or self.isUpdater[msg.sender], \
        "only the owner or an updater may submit a root"
    assert newRoot != empty(bytes32), "the root is zero"
    assert newEpoch > self.epoch, "the epoch is not greater than the accepted root's epoch"
    self.pendingRoot = PendingRoot(
        root=newRoot, epoch=newEpoch, manifestHash=newManifestHash, submittedAt=block.timestamp
    )
    log RootSubmitted(
        submitter=msg.sender, root=newRoot, epoch=newEpoch, manifestHash=newManifestHash
    )


@external
def acceptRoot():
    """
    @notice Make the pending root the one claims are checked against, once the timelock has passed
            since it was submitted. Anybody may call it.
    """
    pending: PendingRoot = self.pendingRoot
    assert pending.root != empty(bytes32), "no root is pending"
    assert block.timestamp - pending.submittedAt >= self.timelock, "the timelock has not passed yet"
    self.root = pending.root
    self.epoch = pending.epoch
    self.manifestHash = pending.manifestHash
    self.pendingRoot = empty(PendingRoot)
    log RootAccepted(
        root=pending.root,
        epoch=pending.epoch,
        manifestHash=pending.manifestHash,
        acceptedBy=msg.sender,
    )


@external
def revokePendingRoot():
    """
    @notice Drop the pending root before anyone accepts it.
    """
    assert msg.sender == self.owner, "only the owner may revoke the pending root"
    pending: PendingRoot = self.pendingRoot
    assert pending.root != empty(bytes32), "no root is pending"
    self.pendingRoot = empty(PendingRoot)
    log RootRevoked(revoker=msg.sender, root=pending.root, epoch=pending.epoch)


@external
def claim(
    account: bytes32,
    recipient: address,
    cumulative: uint256,
    proof: DynArray[bytes32, MAX_PROOF_LENGTH],
) -> uint256:
    """
    @notice Pay `recipient` what the accepted root owes `account` and has not been paid yet.
            Anybody may send the claim: the leaf fixes the recipient.
    @param account The account's raw Ed25519 public key.
    @param recipient The account's payout address, as in its leaf.
    @param cumulative The account's cumulative amount, as in its leaf.
    @param proof The sibling hashes from the leaf up to the root.
    @return The amount paid.
    """
    current: bytes32 = self.root
    assert current != empty(bytes32), "no root has been accepted yet"
    # A leaf without a payout address holds the zero address: paying it would burn the amount
    # with tokens that allow it, and mark it claimed.
    assert recipient != empty(address), "no payout address: the account must set one first"
    epoch_: uint64 = self.epoch
    node: bytes32 = self._leaf(epoch_, account, recipient, cumulative)
    for sibling: bytes32 in proof:
        node = self._node(node, sibling)
    assert node == current, "invalid proof: the leaf is not under the accepted root"
    paid: uint256 = self.claimed[account]
    assert cumulative > paid, "nothing to claim: this cumulative amount is already paid"
    amount: uint256 = cumulative - paid
    self.claimed[account] = cumulative
    assert extcall token.transfer(recipient, amount, default_return_value=True), \
        "the token refused the transfer"
    log Claimed(
        account=account, recipient=recipient, amount=amount, cumulative=cumulative, epoch=epoch_
    )
    return amount


@external
@view
def leafHash(leafEpoch: uint64, account: bytes32, recipient: address, cumulative: uint256) -> bytes32:
    """
    @notice The v2 leaf hash of these fields under this contract's Datanet, as `claim` builds it.
    """
    return self._leaf(leafEpoch, account, recipient, cumulative)


@external
def setOwner(newOwner: address):
    assert msg.sender == self.owner, "only the owner may set the owner"
    assert newOwner != empty(address), "the new owner is the zero address"
    assert newOwner != self.owner, "that address is already the owner"
    log OwnerSet(previousOwner=self.owner, newOwner=newOwner)
    self.owner = newOwner


@external
def setUpdater(updater: address, active: bool):
    assert msg.sender == self.owner, "only the owner may set updaters"
    assert self.isUpdater[updater] != active, "the updater already has that status"
    self.isUpdater[updater] = active
    log UpdaterSet(updater=updater, active=active)


@external
def setTimelock(newTimelock: uint256):
    """
    @notice Set the timelock. It applies to the pending root too: acceptance is checked against
            the timelock in force when it is attempted.
    """
    assert msg.sender == self.owner, "only the owner may set the timelock"
    assert newTimelock != self.timelock, "the timelock already has that value"
    self.timelock = newTimelock
    log TimelockSet(timelock=newTimelock)


@internal
@view
def _leaf(leafEpoch: uint64, account: bytes32, recipient: address, cumulative: uint256) -> bytes32:
    # 0x00 ‖ datanet[32] ‖ epoch u64 BE ‖ account[32] ‖ recipient[20] ‖ cumulative u256 BE
    return sha256(
        concat(
            LEAF_DOMAIN,
            datanet,
            convert(leafEpoch, bytes8),
            account,
            convert(recipient, bytes20),
            convert(cumulative, bytes32),
        )
    )


@internal
@pure
def _node(a: bytes32, b: bytes32) -> bytes32:
    # The pair is hashed in ascending order (as unsigned big-endian numbers), so a proof needs no
    # left/right flags.
    if convert(a, uint256) <= convert(b, uint256):
        return sha256(concat(NODE_DOMAIN, a, b))
    return sha256(concat(NODE_DOMAIN, b, a))

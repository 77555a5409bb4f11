"""CumulativeDistributor on py-evm: claims over two epochs, and everything it must refuse."""

import boa
import pytest
from conftest import DATANET, TIMELOCK, TOKENS, account_id, address_of, leaves_for
from merkle import Leaf, Tree

EPOCH_1 = {"alice": 1_000, "bob": 250, "carol": 0, "dave": 3_000_000, "erin": 7}
EPOCH_2 = {
    "alice": 1_500,
    "bob": 250,  # earned nothing more: nothing to claim in epoch 2
    "carol": 40,
    "dave": 3_000_001,
    "erin": 7 + 10**18,
    "frank": 99,  # new in epoch 2
}
# erin names a new payout address before epoch 2.
RECIPIENTS_2 = {"erin": "erin's new wallet"}


def tree_1():
    return Tree(DATANET, 1, leaves_for(EPOCH_1))


def tree_2():
    return Tree(DATANET, 2, leaves_for(EPOCH_2, RECIPIENTS_2))


def claimed_logs(distributor):
    return [
        log
        for log in distributor.get_logs(include_child_logs=False)
        if type(log).__name__ == "Claimed"
    ]


def test_every_account_claims_its_leaf_then_the_difference(epochs, distributor, token, stranger):
    epochs.fund(sum(EPOCH_2.values()))
    first = tree_1()
    epochs.publish(first)
    assert (distributor.root(), distributor.epoch()) == (first.root, 1)

    for name, amount in EPOCH_1.items():
        account = account_id(name)
        if amount == 0:
            with boa.reverts("nothing to claim: this cumulative amount is already paid"):
                epochs.claim(first, account)
            continue
        assert epochs.claim(first, account, sender=stranger) == amount
        [log] = claimed_logs(distributor)
        assert (log.account, log.recipient.lower(), log.amount, log.cumulative, log.epoch) == (
            account,
            address_of(name),
            amount,
            amount,
            1,
        )
        assert token.balanceOf(address_of(name)) == amount
        assert distributor.claimed(account) == amount
    assert token.balanceOf(stranger) == 0

    second = tree_2()
    epochs.publish(second)
    assert (distributor.root(), distributor.epoch()) == (second.root, 2)
    for name, amount in EPOCH_2.items():
        account = account_id(name)
        recipient = address_of(RECIPIENTS_2.get(name, name))
        before = token.balanceOf(recipient)
        difference = amount - EPOCH_1.get(name, 0)
        if difference == 0:
            with boa.reverts("nothing to claim: this cumulative amount is already paid"):
                epochs.claim(second, account)
            continue
        assert epochs.claim(second, account) == difference
        assert token.balanceOf(recipient) == before + difference
        assert distributor.claimed(account) == amount

    # erin's first payout stays at her old address, the difference went to the new one.
    assert token.balanceOf(address_of("erin")) == EPOCH_1["erin"]
    assert token.balanceOf(address_of("erin's new wallet")) == 10**18
    assert token.balanceOf(distributor.address) == 0


def test_an_account_that_skipped_an_epoch_gets_everything_at_once(epochs, distributor, token):
    epochs.fund(sum(EPOCH_2.values()))
    epochs.publish(tree_1())
    second = tree_2()
    epochs.publish(second)
    assert epochs.claim(second, account_id("alice")) == EPOCH_2["alice"]
    assert token.balanceOf(address_of("alice")) == EPOCH_2["alice"]


MALLORY = bytes.fromhex(address_of("mallory")[2:])


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda leaf: Leaf(leaf.account, leaf.recipient, leaf.cumulative + 1), id="more"
        ),
        pytest.param(
            lambda leaf: Leaf(leaf.account, leaf.recipient, leaf.cumulative - 1), id="less"
        ),
        pytest.param(lambda leaf: Leaf(leaf.account, MALLORY, leaf.cumulative), id="recipient"),
        pytest.param(
            lambda leaf: Leaf(account_id("mallory"), leaf.recipient, leaf.cumulative), id="account"
        ),
    ],
)
def test_a_changed_leaf_is_refused(epochs, distributor, token, change):
    epochs.fund(sum(EPOCH_1.values()))
    first = tree_1()
    epochs.publish(first)
    honest = first.leaf_of(account_id("dave"))
    forged = change(honest)
    with boa.reverts("invalid proof: the leaf is not under the accepted root"):
        distributor.claim(
            forged.account, forged.recipient_address, forged.cumulative, first.proof(honest.account)
        )
    assert token.balanceOf(forged.recipient_address) == 0
    assert distributor.claimed(forged.account) == 0


def test_a_changed_proof_is_refused(epochs, distributor):
    epochs.fund(sum(EPOCH_1.values()))
    first = tree_1()
    epochs.publish(first)
    leaf = first.leaf_of(account_id("dave"))
    proof = first.proof(leaf.account)
    for bad in (proof[:-1], proof + [proof[-1]], [bytes(32)] + proof[1:], list(reversed(proof))):
        with boa.reverts("invalid proof: the leaf is not under the accepted root"):
            distributor.claim(leaf.account, leaf.recipient_address, leaf.cumulative, bad)


def test_a_leaf_of_the_previous_epoch_is_refused(epochs, distributor):
    epochs.fund(sum(EPOCH_2.values()))
    first = tree_1()
    epochs.publish(first)
    epochs.publish(tree_2())
    # dave never claimed in epoch 1; his epoch-1 leaf and proof no longer count.
    with boa.reverts("invalid proof: the leaf is not under the accepted root"):
        epochs.claim(first, account_id("dave"))
    # The same fields hashed as epoch 2 are not in the epoch-2 tree either (the amounts differ).
    leaf = first.leaf_of(account_id("dave"))
    with boa.reverts("invalid proof: the leaf is not under the accepted root"):
        distributor.claim(
            leaf.account, leaf.recipient_address, leaf.cumulative, tree_2().proof(leaf.account)
        )
    assert distributor.claimed(leaf.account) == 0


def test_the_epoch_is_bound_into_the_leaf(epochs, distributor):
    """The same account, recipient and amount in epoch 1 and 2 give different leaves."""
    leaves = leaves_for({"alice": 5, "bob": 6})
    first, second = Tree(DATANET, 1, leaves), Tree(DATANET, 2, leaves)
    assert first.root != second.root
    epochs.fund(11)
    epochs.publish(second)
    with boa.reverts("invalid proof: the leaf is not under the accepted root"):
        epochs.claim(first, account_id("alice"))
    assert epochs.claim(second, account_id("alice")) == 5


def test_a_reused_claim_is_refused(epochs, distributor, token):
    epochs.fund(sum(EPOCH_1.values()))
    first = tree_1()
    epochs.publish(first)
    assert epochs.claim(first, account_id("alice")) == EPOCH_1["alice"]
    with boa.reverts("nothing to claim: this cumulative amount is already paid"):
        epochs.claim(first, account_id("alice"))
    assert token.balanceOf(address_of("alice")) == EPOCH_1["alice"]


def test_a_root_waits_for_its_timelock(distributor, updater, stranger):
    first = tree_1()
    distributor.submitRoot(first.root, 1, bytes(32), sender=updater)
    submitted_at = distributor.pendingRoot().submittedAt
    assert submitted_at == boa.env.timestamp
    with boa.reverts("the timelock has not passed yet"):
        distributor.acceptRoot(sender=stranger)
    boa.env.time_travel(seconds=TIMELOCK - 1)
    with boa.reverts("the timelock has not passed yet"):
        distributor.acceptRoot(sender=stranger)
    assert distributor.root() == bytes(32)
    boa.env.time_travel(seconds=1)
    distributor.acceptRoot(sender=stranger)
    [log] = distributor.get_logs()
    assert type(log).__name__ == "RootAccepted"
    assert (log.root, log.epoch, log.acceptedBy) == (first.root, 1, stranger)
    assert distributor.root() == first.root
    assert distributor.pendingRoot().root == bytes(32)
    with boa.reverts("no root is pending"):
        distributor.acceptRoot()


def test_a_claim_is_refused_while_no_root_is_accepted(epochs, distributor, updater):
    epochs.fund(sum(EPOCH_1.values()))
    first = tree_1()
    with boa.reverts("no root has been accepted yet"):
        epochs.claim(first, account_id("alice"))
    distributor.submitRoot(first.root, 1, bytes(32), sender=updater)
    with boa.reverts("no root has been accepted yet"):  # pending is not accepted
        epochs.claim(first, account_id("alice"))


def test_only_the_owner_revokes_a_pending_root(distributor, owner, updater, stranger):
    first = tree_1()
    distributor.submitRoot(first.root, 1, bytes(32), sender=updater)
    for who in (stranger, updater):
        with boa.reverts("only the owner may revoke the pending root"):
            distributor.revokePendingRoot(sender=who)
    distributor.revokePendingRoot(sender=owner)
    [log] = distributor.get_logs()
    assert type(log).__name__ == "RootRevoked"
    assert (log.revoker, log.root, log.epoch) == (owner, first.root, 1)
    boa.env.time_travel(seconds=TIMELOCK)
    with boa.reverts("no root is pending"):
        distributor.acceptRoot()
    with boa.reverts("no root is pending"):
        distributor.revokePendingRoot(sender=owner)


def test_only_the_owner_or_an_updater_submits(distributor, owner, updater, stranger):
    root = tree_1().root
    with boa.reverts("only the owner or an updater may submit a root"):
        distributor.submitRoot(root, 1, bytes(32), sender=stranger)
    distributor.submitRoot(root, 1, b"\x01" * 32, sender=owner)
    distributor.submitRoot(root, 1, b"\x02" * 32, sender=updater)
    [log] = distributor.get_logs()
    assert type(log).__name__ == "RootSubmitted"
    assert (log.submitter, log.root, log.epoch, log.manifestHash) == (
        updater,
        root,
        1,
        b"\x02" * 32,
    )
    distributor.setUpdater(updater, False, sender=owner)
    with boa.reverts("only the owner or an updater may submit a root"):
        distributor.submitRoot(root, 1, bytes(32), sender=updater)


def test_a_submitted_epoch_must_be_newer_and_the_root_set(epochs, distributor, updater):
    epochs.publish(tree_2())
    for epoch in (1, 2):
        with boa.reverts("the epoch is not greater than the accepted root's epoch"):
            distributor.submitRoot(tree_1().root, epoch, bytes(32), sender=updater)
    with boa.reverts("the root is zero"):
        distributor.submitRoot(bytes(32), 3, bytes(32), sender=updater)


def test_a_new_submission_replaces_the_pending_root_and_restarts_its_timelock(distributor, updater):
    first, second = tree_1(), tree_2()
    distributor.submitRoot(first.root, 1, bytes(32), sender=updater)
    boa.env.time_travel(seconds=TIMELOCK - 10)
    distributor.submitRoot(second.root, 2, b"\x07" * 32, sender=updater)
    boa.env.time_travel(seconds=10)
    with boa.reverts("the timelock has not passed yet"):
        distributor.acceptRoot()
    boa.env.time_travel(seconds=TIMELOCK - 10)
    distributor.acceptRoot()
    assert (distributor.root(), distributor.epoch(), distributor.manifestHash()) == (
        second.root,
        2,
        b"\x07" * 32,
    )


def test_the_timelock_in_force_at_acceptance_applies(distributor, owner, updater):
    distributor.submitRoot(tree_1().root, 1, bytes(32), sender=updater)
    distributor.setTimelock(2 * TIMELOCK, sender=owner)
    boa.env.time_travel(seconds=TIMELOCK)
    with boa.reverts("the timelock has not passed yet"):
        distributor.acceptRoot()
    distributor.setTimelock(0, sender=owner)
    distributor.acceptRoot()
    assert distributor.epoch() == 1


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17])
def test_trees_of_any_size_pay_every_leaf(epochs, distributor, token, count):
    amounts = {f"account {i}": 1 + i * 1_000 for i in range(count)}
    tree = Tree(DATANET, 1, leaves_for(amounts))
    if count == 1:
        assert tree.root == tree.hashes[0]
        assert tree.proof(account_id("account 0")) == []
    epochs.fund(sum(amounts.values()))
    epochs.publish(tree)
    for name, amount in amounts.items():
        assert epochs.claim(tree, account_id(name)) == amount
        assert token.balanceOf(address_of(name)) == amount
    assert token.balanceOf(distributor.address) == 0


def test_a_claim_the_distributor_cannot_fund_changes_nothing(epochs, distributor, token):
    first = tree_1()
    epochs.fund(EPOCH_1["dave"] - 1)
    epochs.publish(first)
    with boa.reverts("balance too low"):
        epochs.claim(first, account_id("dave"))
    assert distributor.claimed(account_id("dave")) == 0
    epochs.fund(1)
    assert epochs.claim(first, account_id("dave")) == EPOCH_1["dave"]


def test_a_leaf_without_a_payout_address_is_not_paid(distributor_code, owner):
    # The token lets anyone receive, the zero address included: the distributor must refuse.
    token = boa.load(str(TOKENS / "NoReturnToken.vy"))
    distributor = distributor_code.deploy(DATANET, token.address, owner, 0)
    token.mint(distributor.address, 10**6)
    leaves = leaves_for({"alice": 1_000}) + [
        Leaf(account=account_id("nobody"), recipient=bytes(20), cumulative=500)
    ]
    tree = Tree(DATANET, 1, leaves)
    distributor.submitRoot(tree.root, 1, bytes(32), sender=owner)
    distributor.acceptRoot()
    with boa.reverts("no payout address: the account must set one first"):
        distributor.claim(
            account_id("nobody"), "0x" + "00" * 20, 500, tree.proof(account_id("nobody"))
        )
    assert distributor.claimed(account_id("nobody")) == 0
    leaf = tree.leaf_of(account_id("alice"))
    assert (
        distributor.claim(leaf.account, leaf.recipient_address, 1_000, tree.proof(leaf.account))
        == 1_000
    )


def test_a_token_that_returns_false_is_refused(distributor_code, owner):
    token = boa.load(str(TOKENS / "FalseToken.vy"))
    distributor = distributor_code.deploy(DATANET, token.address, owner, 0)
    first = tree_1()
    distributor.submitRoot(first.root, 1, bytes(32), sender=owner)
    distributor.acceptRoot()
    leaf = first.leaf_of(account_id("alice"))
    with boa.reverts("the token refused the transfer"):
        distributor.claim(
            leaf.account, leaf.recipient_address, leaf.cumulative, first.proof(leaf.account)
        )
    assert distributor.claimed(leaf.account) == 0


def test_a_token_that_returns_nothing_pays(distributor_code, owner):
    token = boa.load(str(TOKENS / "NoReturnToken.vy"))
    distributor = distributor_code.deploy(DATANET, token.address, owner, 0)
    token.mint(distributor.address, 10**6)
    first = tree_1()
    distributor.submitRoot(first.root, 1, bytes(32), sender=owner)
    distributor.acceptRoot()
    leaf = first.leaf_of(account_id("alice"))
    assert (
        distributor.claim(
            leaf.account, leaf.recipient_address, leaf.cumulative, first.proof(leaf.account)
        )
        == 1_000
    )
    assert token.balanceOf(leaf.recipient_address) == 1_000


def test_the_owner_manages_owner_updaters_and_timelock(distributor, owner, updater, stranger):
    for call, message in (
        (
            lambda who: distributor.setOwner(stranger, sender=who),
            "only the owner may set the owner",
        ),
        (
            lambda who: distributor.setUpdater(stranger, True, sender=who),
            "only the owner may set updaters",
        ),
        (lambda who: distributor.setTimelock(1, sender=who), "only the owner may set the timelock"),
    ):
        for who in (stranger, updater):
            with boa.reverts(message):
                call(who)

    with boa.reverts("the updater already has that status"):
        distributor.setUpdater(updater, True, sender=owner)
    distributor.setUpdater(stranger, True, sender=owner)
    [log] = distributor.get_logs()
    assert (type(log).__name__, log.updater, log.active) == ("UpdaterSet", stranger, True)
    assert distributor.isUpdater(stranger)

    with boa.reverts("the timelock already has that value"):
        distributor.setTimelock(TIMELOCK, sender=owner)
    distributor.setTimelock(60, sender=owner)
    [log] = distributor.get_logs()
    assert (type(log).__name__, log.timelock) == ("TimelockSet", 60)

    with boa.reverts("the new owner is the zero address"):
        distributor.setOwner("0x" + "00" * 20, sender=owner)
    with boa.reverts("that address is already the owner"):
        distributor.setOwner(owner, sender=owner)
    distributor.setOwner(stranger, sender=owner)
    [log] = distributor.get_logs()
    assert (type(log).__name__, log.previousOwner, log.newOwner) == ("OwnerSet", owner, stranger)
    assert distributor.owner() == stranger
    with boa.reverts("only the owner may set the timelock"):
        distributor.setTimelock(1, sender=owner)


def test_the_constructor_refuses_bad_parameters(distributor_code, token, owner):
    zero = "0x" + "00" * 20
    with boa.reverts("the datanet id is zero"):
        distributor_code.deploy(bytes(32), token.address, owner, 0)
    with boa.reverts("the token address holds no contract"):
        distributor_code.deploy(DATANET, address_of("not a contract"), owner, 0)
    with boa.reverts("the owner is the zero address"):
        distributor_code.deploy(DATANET, token.address, zero, 0)
    contract = distributor_code.deploy(DATANET, token.address, owner, 5)
    assert [type(log).__name__ for log in contract.get_logs()] == ["OwnerSet", "TimelockSet"]
    assert (contract.datanet(), contract.token(), contract.owner(), contract.timelock()) == (
        DATANET,
        token.address,
        owner,
        5,
    )

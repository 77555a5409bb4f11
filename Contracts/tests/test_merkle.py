"""The Python tree against Docs/Manifest.md, Examples/verify_proof.py and the contract itself."""

import hashlib
import importlib.util

import pytest
from conftest import CONTRACTS, DATANET, account_id, address_of, leaves_for
from merkle import MAX_U64, MAX_U256, Leaf, Tree, fold, leaf_hash, node_hash


def load_example_verifier():
    path = CONTRACTS.parent / "Examples" / "verify_proof.py"
    spec = importlib.util.spec_from_file_location("verify_proof", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_leaf_is_125_bytes_in_the_documented_order():
    leaf = Leaf(b"\xaa" * 32, b"\xbb" * 20, 0x0102)
    message = b"\x00" + DATANET + (7).to_bytes(8, "big") + b"\xaa" * 32 + b"\xbb" * 20
    message += bytes(30) + b"\x01\x02"
    assert len(message) == 125
    assert leaf_hash(DATANET, 7, leaf) == hashlib.sha256(message).digest()


def test_three_leaves_sit_as_the_manifest_page_draws_them():
    tree = Tree(DATANET, 1, leaves_for({"a": 1, "b": 2, "c": 3}))
    l0, l1, l2 = tree.hashes
    assert l0 < l1 < l2
    assert tree.nodes[2:] == [l2, l1, l0]
    assert tree.root == node_hash(node_hash(l0, l1), l2)


@pytest.mark.parametrize("count", range(1, 34))
def test_the_tree_agrees_with_the_example_verifier_and_every_proof_folds_to_the_root(count):
    example = load_example_verifier()
    tree = Tree(DATANET, 3, leaves_for({f"account {i}": i for i in range(count)}))
    assert tree.root == example.tree_root(tree.hashes)
    for leaf, hashed in zip(tree.leaves, tree.hashes):
        proof = tree.proof(leaf.account)
        assert len(proof) <= count.bit_length()
        assert fold(hashed, proof) == tree.root


def test_a_tree_refuses_two_leaves_for_one_account():
    leaf = Leaf(account_id("a"), bytes(20), 1)
    with pytest.raises(ValueError, match="two leaves for one account"):
        Tree(DATANET, 1, [leaf, Leaf(leaf.account, b"\x01" * 20, 2)])


@pytest.mark.parametrize(
    "epoch, cumulative",
    [(0, 0), (1, 1), (2**32, 2**128 - 1), (MAX_U64, MAX_U256), (0x0102030405060708, 10**30)],
)
def test_the_contract_hashes_the_leaf_as_python_does(distributor, epoch, cumulative):
    leaf = Leaf(account_id("edge"), bytes.fromhex(address_of("edge")[2:]), cumulative)
    assert distributor.leafHash(
        epoch, leaf.account, leaf.recipient_address, cumulative
    ) == leaf_hash(DATANET, epoch, leaf)

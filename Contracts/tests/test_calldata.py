"""The calldata layouts Contracts/README.md gives, byte by byte, and the committed selectors.

openledger's `--format calldata` output is built the same way (in Swift); these tests send such
hand-built calldata to the contract, so the README's layout is the one the contract decodes.
"""

import json
import sys

import boa
from conftest import CONTRACTS, DATANET, account_id, leaves_for
from eth_abi import encode
from merkle import Tree

sys.path.insert(0, str(CONTRACTS / "scripts"))
import artifacts  # noqa: E402

SELECTORS = json.loads((CONTRACTS / "selectors.json").read_text())["functions"]
CLAIM = bytes.fromhex(SELECTORS["claim(bytes32,address,uint256,bytes32[])"][2:])
SUBMIT_ROOT = bytes.fromhex(SELECTORS["submitRoot(bytes32,uint64,bytes32)"][2:])


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def claim_calldata(account: bytes, recipient: bytes, cumulative: int, proof: list[bytes]) -> bytes:
    """selector ‖ account ‖ recipient left-padded ‖ cumulative ‖ 0x80 ‖ len(proof) ‖ proof…"""
    return (
        CLAIM
        + account
        + bytes(12)
        + recipient
        + word(cumulative)
        + word(4 * 32)
        + word(len(proof))
        + b"".join(proof)
    )


def submit_root_calldata(root: bytes, epoch: int, manifest_hash: bytes) -> bytes:
    """selector ‖ root ‖ epoch as a 32-byte word ‖ manifest SHA-256"""
    return SUBMIT_ROOT + root + word(epoch) + manifest_hash


def test_the_committed_selectors_and_abi_are_the_compilers():
    assert artifacts.stale() == [], "run `make contracts-artifacts`"


def test_the_hand_built_layouts_are_the_standard_abi_encoding():
    tree = Tree(DATANET, 4, leaves_for({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}))
    leaf = tree.leaves[2]
    proof = tree.proof(leaf.account)
    assert claim_calldata(leaf.account, leaf.recipient, leaf.cumulative, proof) == CLAIM + encode(
        ["bytes32", "address", "uint256", "bytes32[]"],
        [leaf.account, leaf.recipient_address, leaf.cumulative, proof],
    )
    assert submit_root_calldata(tree.root, 4, b"\x05" * 32) == SUBMIT_ROOT + encode(
        ["bytes32", "uint64", "bytes32"], [tree.root, 4, b"\x05" * 32]
    )


def test_hand_built_calldata_submits_and_claims(epochs, distributor, token, updater, stranger):
    tree = Tree(DATANET, 1, leaves_for({"a": 10, "b": 20, "c": 30}))
    epochs.fund(60)
    boa.env.raw_call(
        distributor.address, sender=updater, data=submit_root_calldata(tree.root, 1, b"\x09" * 32)
    )
    assert distributor.pendingRoot().root == tree.root
    boa.env.time_travel(seconds=distributor.timelock())
    distributor.acceptRoot()
    for leaf in tree.leaves:
        data = claim_calldata(
            leaf.account, leaf.recipient, leaf.cumulative, tree.proof(leaf.account)
        )
        result = boa.env.raw_call(distributor.address, sender=stranger, data=data)
        assert result.output == word(leaf.cumulative)
        assert token.balanceOf(leaf.recipient_address) == leaf.cumulative
    assert distributor.claimed(account_id("b")) == 20


def test_calldata_with_a_proof_past_64_hashes_is_refused_before_it_is_read(epochs, distributor):
    tree = Tree(DATANET, 1, leaves_for({"a": 10}))
    epochs.fund(10)
    epochs.publish(tree)
    leaf = tree.leaves[0]

    def send(proof):
        data = claim_calldata(leaf.account, leaf.recipient, leaf.cumulative, proof)
        return boa.env.execute_code(distributor.address, data=data)

    # 64 hashes are decoded and checked (and are wrong); 65 are refused by the ABI decoder, with
    # no reason.
    assert b"invalid proof" in send([bytes(32)] * 64).output
    for length in (65, 1000):
        result = send([bytes(32)] * length)
        assert result.is_error and result.output == b""
    assert send([]).is_success  # the one-leaf tree's empty proof
    # An epoch past u64 is not a submitRoot call at all.
    data = SUBMIT_ROOT + tree.root + word(2**64) + bytes(32)
    result = boa.env.execute_code(distributor.address, sender=distributor.owner(), data=data)
    assert result.is_error and result.output == b""


def test_the_compiled_bytecode_deploys_with_abi_encoded_constructor_arguments(token, owner):
    """The README's deployment: the compiler's bytecode followed by the encoded arguments."""
    import vyper

    source = (CONTRACTS / "CumulativeDistributor.vy").read_text()
    bytecode = bytes.fromhex(
        vyper.compile_code(source, output_formats=["bytecode"])["bytecode"][2:]
    )
    arguments = encode(
        ["bytes32", "address", "address", "uint256"], [DATANET, token.address, owner, 3600]
    )
    address, _ = boa.env.deploy_code(bytecode=bytecode + arguments)
    deployed = boa.load_partial(str(CONTRACTS / "CumulativeDistributor.vy")).at(address)
    assert (deployed.datanet(), deployed.token(), deployed.owner(), deployed.timelock()) == (
        DATANET,
        token.address,
        owner,
        3600,
    )

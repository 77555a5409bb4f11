"""Paying an `openledger manifest export` directory on the distributor.

`test_a_real_export_pays_every_account` runs on a real export when OPENLEDGER_EXPORT names its
directory (one of leaf format v2; an export of epoch 2 or later brings the epoch before with it):

    OPENLEDGER_EXPORT=/path/to/epoch-2 make contracts-test

The other tests write exports of their own in the same layout, so the reader and the replay are
exercised on every run.
"""

import base64
import hashlib
import json
import os
import sys

import pytest
from conftest import CONTRACTS, DATANET, leaves_for
from eth_utils import to_checksum_address
from export import ExportError, read_export
from merkle import Tree
from replay import replay

REAL_EXPORT = os.environ.get("OPENLEDGER_EXPORT")


def write_export(directory, trees, signer_keyid="00" * 32):
    """Write trees (oldest first) as `manifest export` writes the last: manifest.json,
    leaves.jsonl, tree.bin, and for the one before previous-manifest.json and previous-leaves.jsonl.
    """
    directory.mkdir(parents=True, exist_ok=True)
    previous_id = None
    for position, tree in enumerate(trees):
        leaves = b"".join(
            json.dumps(
                {
                    "account": leaf.account.hex(),
                    "cumulative": str(leaf.cumulative),
                    "recipient": to_checksum_address(leaf.recipient),
                },
                separators=(",", ":"),
                sort_keys=True,
            ).encode()
            + b"\n"
            for leaf in tree.leaves
        )
        predicate = {
            "datanet": tree.datanet.hex(),
            "epoch": tree.epoch,
            "leafCount": len(tree.leaves),
            "merkleRoot": tree.root.hex(),
        }
        if previous_id is not None:
            predicate["previousManifest"] = previous_id
        statement = {
            "_type": "https://in-toto.io/Statement/v1",
            "predicate": predicate,
            "predicateType": "https://openledger.dev/rewards-manifest/v2",
            "subject": [
                {"digest": {"sha256": hashlib.sha256(leaves).hexdigest()}, "name": "leaves.jsonl"}
            ],
        }
        envelope = json.dumps(
            {
                "payload": base64.b64encode(
                    json.dumps(statement, sort_keys=True).encode()
                ).decode(),
                "payloadType": "application/vnd.in-toto+json",
                "signatures": [{"keyid": signer_keyid, "sig": ""}],
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
        previous_id = hashlib.sha256(envelope).hexdigest()
        if position == len(trees) - 1:
            (directory / "manifest.json").write_bytes(envelope)
            (directory / "leaves.jsonl").write_bytes(leaves)
            (directory / "tree.bin").write_bytes(b"".join(tree.nodes))
        elif position == len(trees) - 2:
            (directory / "previous-manifest.json").write_bytes(envelope)
            (directory / "previous-leaves.jsonl").write_bytes(leaves)


def two_epochs():
    first = Tree(DATANET, 1, leaves_for({"ann": 10, "ben": 0, "cai": 31, "dee": 5}))
    second = Tree(
        DATANET,
        2,
        # cai and dee pay to the same address in epoch 2.
        leaves_for({"ann": 15, "ben": 3, "cai": 31, "dee": 12, "eve": 1}, {"dee": "cai"}),
    )
    return first, second


def test_an_export_with_its_previous_epoch_pays_both(tmp_path):
    first, second = two_epochs()
    write_export(tmp_path, [first, second])
    epochs = read_export(tmp_path)
    assert [(e.epoch, e.root) for e in epochs] == [(1, first.root), (2, second.root)]
    assert (
        epochs[1].manifest_id == hashlib.sha256((tmp_path / "manifest.json").read_bytes()).digest()
    )
    assert [leaf.account for leaf in epochs[1].tree.leaves] == [
        leaf.account for leaf in second.leaves
    ]
    payments = replay(epochs)
    by_epoch = {
        epoch: {p.account: p.amount for p in payments if p.epoch == epoch} for epoch in (1, 2)
    }
    assert by_epoch[1] == {leaf.account: leaf.cumulative for leaf in first.leaves}
    assert by_epoch[2] == {
        leaf.account: leaf.cumulative - by_epoch[1].get(leaf.account, 0) for leaf in second.leaves
    }
    assert sorted(by_epoch[2].values()) == [0, 1, 3, 5, 7]


def test_an_export_of_the_first_epoch_is_one_epoch(tmp_path):
    first, _ = two_epochs()
    write_export(tmp_path, [first])
    epochs = read_export(tmp_path)
    assert [e.epoch for e in epochs] == [1]
    assert [p.amount for p in replay(epochs)] == [leaf.cumulative for leaf in first.leaves]


def replace_leaves(directory, leaves: bytes):
    """Write other leaves and give the manifest their digest, as a buggy exporter might."""
    (directory / "leaves.jsonl").write_bytes(leaves)
    envelope = json.loads((directory / "manifest.json").read_bytes())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["subject"][0]["digest"]["sha256"] = hashlib.sha256(leaves).hexdigest()
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    (directory / "manifest.json").write_bytes(json.dumps(envelope).encode())


def swap_first_lines(raw: bytes) -> bytes:
    lines = raw.splitlines(keepends=True)
    return b"".join([lines[1], lines[0]] + lines[2:])


@pytest.mark.parametrize(
    "file, change, message",
    [
        (
            "leaves.jsonl",
            lambda raw: raw.replace(b'"recipient"', b'"payout"'),
            "no recipient: a v1 leaf",
        ),
        (
            "leaves.jsonl",
            lambda raw: raw.replace(b'"cumulative":"15"', b'"cumulative":"16"'),
            "the v2 leaves give the root",
        ),
        ("leaves.jsonl", swap_first_lines, "not in ascending order of leaf hash"),
        (
            "leaves.jsonl",
            lambda raw: raw.replace(b'"cumulative":"15"', b'"cumulative":"015"'),
            "not a decimal amount",
        ),
        ("leaves.jsonl", lambda raw: raw[:-1], "the last line has no line feed"),
        ("tree.bin", lambda raw: raw[:-32] + bytes(32), "not the tree the leaves give"),
        (
            "previous-leaves.jsonl",
            lambda raw: raw.replace(b'"cumulative":"10"', b'"cumulative":"11"'),
            "subject digest",
        ),
    ],
)
def test_the_reader_refuses_what_it_cannot_pay(tmp_path, file, change, message):
    first, second = two_epochs()
    write_export(tmp_path, [first, second])
    changed = change((tmp_path / file).read_bytes())
    assert changed != (tmp_path / file).read_bytes()
    if file == "leaves.jsonl":  # keep the digest right, so the check under test is what fails
        replace_leaves(tmp_path, changed)
    else:
        (tmp_path / file).write_bytes(changed)
    with pytest.raises(ExportError, match=message):
        read_export(tmp_path)


@pytest.mark.skipif(
    not REAL_EXPORT, reason="set OPENLEDGER_EXPORT to a `manifest export` directory"
)
def test_a_real_export_pays_every_account():
    epochs = read_export(REAL_EXPORT)
    print(
        f"\n{REAL_EXPORT}: epochs {[e.epoch for e in epochs]}, "
        f"{[len(e.tree.leaves) for e in epochs]} leaves, Datanet {epochs[0].datanet.hex()}"
    )
    payments = replay(epochs)
    assert sum(p.amount for p in payments) == sum(
        leaf.cumulative for leaf in epochs[-1].tree.leaves
    )


def test_the_pay_script_prints_every_claim_and_refuses_a_v1_export(tmp_path, capsys, monkeypatch):
    sys.path.insert(0, str(CONTRACTS / "scripts"))
    import pay_export

    first, second = two_epochs()
    write_export(tmp_path / "v2", [first, second])
    monkeypatch.setattr(sys, "argv", ["pay_export.py", str(tmp_path / "v2")])
    assert pay_export.main() == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(first.leaves) + len(second.leaves) + 1
    assert out[-1].startswith(
        f"ok: {sum(leaf.cumulative for leaf in second.leaves)} paid to 5 addresses"
    )

    write_export(tmp_path / "v1", [first])
    replace_leaves(
        tmp_path / "v1",
        (tmp_path / "v1" / "leaves.jsonl").read_bytes().replace(b'"recipient"', b'"x"'),
    )
    monkeypatch.setattr(sys, "argv", ["pay_export.py", str(tmp_path / "v1")])
    assert pay_export.main() == 2
    assert "no recipient: a v1 leaf" in capsys.readouterr().err

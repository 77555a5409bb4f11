"""Read a directory written by `openledger manifest export` into leaves and proofs.

It reads `manifest.json` (the DSSE envelope: its statement's predicate gives the Datanet, the epoch
and the Merkle root), `leaves.jsonl` (v2 lines, `{"account":…,"cumulative":…,"recipient":"0x…"}`),
and, when they are there, `previous-manifest.json` with `previous-leaves.jsonl` for the epoch
before. It rebuilds the tree with `merkle.Tree` and requires the manifest's root (and `tree.bin`,
when present, node for node), so a disagreement between this builder and openledger's shows up
here rather than as a refused claim. Signatures are not checked: `openledger manifest verify` does.
"""

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from merkle import Leaf, Tree

HEX32 = re.compile(r"\A[0-9a-f]{64}\Z")
ADDRESS = re.compile(r"\A0x[0-9a-fA-F]{40}\Z")
AMOUNT = re.compile(r"\A(0|[1-9][0-9]*)\Z")


class ExportError(Exception):
    """An export this reader cannot use, with the file (and line) that says why."""


@dataclass
class Epoch:
    """One epoch of an export: its manifest's fields and the tree over its leaves."""

    manifest_id: bytes  # SHA-256 of the envelope's bytes: submitRoot's manifestHash
    datanet: bytes
    epoch: int
    tree: Tree

    @property
    def root(self) -> bytes:
        return self.tree.root


def read_export(directory) -> list[Epoch]:
    """The export's epochs, oldest first: the previous one (when exported with it), then its own."""
    directory = Path(directory)
    current = read_epoch(
        directory / "manifest.json", directory / "leaves.jsonl", directory / "tree.bin"
    )
    previous_manifest = directory / "previous-manifest.json"
    if not previous_manifest.exists():
        return [current]
    previous = read_epoch(previous_manifest, directory / "previous-leaves.jsonl", None)
    if previous.datanet != current.datanet or previous.epoch + 1 != current.epoch:
        raise ExportError(
            f"{previous_manifest}: not the epoch before {directory / 'manifest.json'}"
        )
    return [previous, current]


def read_epoch(manifest_path: Path, leaves_path: Path, tree_path: Path | None) -> Epoch:
    raw = _read(manifest_path)
    try:
        envelope = json.loads(raw)
        statement = json.loads(base64.b64decode(envelope["payload"], validate=True))
        predicate = statement["predicate"]
        datanet = _hex32(predicate["datanet"], manifest_path, "datanet")
        root = _hex32(predicate["merkleRoot"], manifest_path, "merkleRoot")
        epoch = predicate["epoch"]
        leaf_count = predicate["leafCount"]
        subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    except (ValueError, KeyError, TypeError) as error:
        raise ExportError(f"{manifest_path}: not a reward manifest envelope ({error!r})") from error
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 1 <= epoch < 2**64:
        raise ExportError(f"{manifest_path}: the epoch is not a positive u64: {epoch!r}")

    leaves_raw = _read(leaves_path)
    # The previous epoch's leaves keep the name they had in their own export.
    if subjects.get("leaves.jsonl") != hashlib.sha256(leaves_raw).hexdigest():
        raise ExportError(
            f"{leaves_path}: its SHA-256 is not the subject digest of {manifest_path}"
        )
    leaves = parse_leaves(leaves_raw, leaves_path)
    if len(leaves) != leaf_count:
        raise ExportError(f"{leaves_path}: {len(leaves)} leaves, {manifest_path} says {leaf_count}")

    try:
        tree = Tree(datanet, epoch, leaves)
    except ValueError as error:
        raise ExportError(f"{leaves_path}: {error}") from error
    if tree.root != root:
        raise ExportError(
            f"{leaves_path}: the v2 leaves give the root {tree.root.hex()}, "
            f"{manifest_path} says {root.hex()}"
        )
    if [leaf.account for leaf in tree.leaves] != [leaf.account for leaf in leaves]:
        raise ExportError(f"{leaves_path}: the lines are not in ascending order of leaf hash")
    if tree_path is not None and tree_path.exists() and _read(tree_path) != b"".join(tree.nodes):
        raise ExportError(f"{tree_path}: not the tree the leaves give, node for node")
    return Epoch(hashlib.sha256(raw).digest(), datanet, epoch, tree)


def parse_leaves(raw: bytes, path) -> list[Leaf]:
    """v2 lines; a line without a recipient (leaf format v1) cannot be paid and is refused."""
    if raw and not raw.endswith(b"\n"):
        raise ExportError(f"{path}: the last line has no line feed")
    leaves = []
    for number, line in enumerate(raw.split(b"\n")[:-1], start=1):
        where = f"{path}:{number}"
        try:
            fields = json.loads(line)
        except ValueError as error:
            raise ExportError(f"{where}: not JSON ({error})") from error
        if not isinstance(fields, dict):
            raise ExportError(f"{where}: not a JSON object")
        if "recipient" not in fields:
            raise ExportError(
                f"{where}: no recipient: a v1 leaf, which no contract can pay; "
                "export a manifest with leaf format v2"
            )
        account = _hex32(fields.get("account"), where, "account")
        recipient = fields["recipient"]
        if not isinstance(recipient, str) or not ADDRESS.match(recipient):
            raise ExportError(
                f"{where}: recipient is not a 0x-prefixed 20-byte address: {recipient!r}"
            )
        cumulative = fields.get("cumulative")
        if not isinstance(cumulative, str) or not AMOUNT.match(cumulative):
            raise ExportError(f"{where}: cumulative is not a decimal amount: {cumulative!r}")
        leaves.append(Leaf(account, bytes.fromhex(recipient[2:]), int(cumulative)))
    return leaves


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ExportError(f"{path}: cannot read it ({error.strerror})") from error


def _hex32(value, where, field) -> bytes:
    if not isinstance(value, str) or not HEX32.match(value):
        raise ExportError(f"{where}: {field} is not 64 lowercase hex digits: {value!r}")
    return bytes.fromhex(value)

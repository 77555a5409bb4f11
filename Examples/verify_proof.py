#!/usr/bin/env python3
"""Check an openledger reward claim proof, with Python's standard library only.

Written from Docs/Manifest.md alone, as an independent check that the format is specified well
enough for others to implement.

    openledger manifest proof out/manifest.json alice > proof.json
    python3 Examples/verify_proof.py proof.json --manifest out/manifest.json --leaves out/leaves.jsonl

It recomputes the account's leaf hash from the proof's fields (leaf format v2 when the proof
names a recipient, v1 otherwise), folds the proof up to the root, and, when given, checks that
the envelope is the proof's manifest (its SHA-256), that its statement names the same Datanet,
epoch, Merkle root and leaf format, and rebuilds the whole tree from leaves.jsonl. It does not check the envelope's Ed25519 signature: the standard library has no
Ed25519, so use `openledger manifest verify` (or any DSSE tool) for that.

Exit status: 0 when every check passes, 1 when one fails, 2 on bad usage or unreadable input.
"""

import argparse
import base64
import hashlib
import json
import re
import sys

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPES = {
    "https://openledger.dev/rewards-manifest/v1": 1,
    "https://openledger.dev/rewards-manifest/v2": 2,
}
PAYLOAD_TYPE = "application/vnd.in-toto+json"
MAX_AMOUNT = 2**128 - 1
HEX32 = re.compile(r"\A[0-9a-f]{64}\Z")
AMOUNT = re.compile(r"\A(0|[1-9][0-9]*)\Z")
ADDRESS = re.compile(r"\A0x[0-9a-f]{40}\Z")
LEAF_LINES = {
    1: re.compile(rb'\A\{"account":"([0-9a-f]{64})","cumulative":"(0|[1-9][0-9]*)"\}\Z'),
    2: re.compile(
        rb'\A\{"account":"([0-9a-f]{64})","cumulative":"(0|[1-9][0-9]*)",'
        rb'"recipient":"0x([0-9a-f]{40})"\}\Z'
    ),
}


class Failure(Exception):
    """A check that did not pass."""


def hex32(value, field):
    if not isinstance(value, str) or not HEX32.match(value):
        raise Failure(f"{field} is not 64 lowercase hex digits: {value!r}")
    return bytes.fromhex(value)


def amount(value, field):
    if not isinstance(value, str) or not AMOUNT.match(value) or int(value) > MAX_AMOUNT:
        raise Failure(f"{field} is not an amount (a decimal string up to 2^128 - 1): {value!r}")
    return int(value)


def leaf_hash(datanet, epoch, account, cumulative, recipient=None):
    """v1: SHA-256(0x00 || datanet[32] || epoch u64 BE || account[32] || cumulative u256 BE);
    v2 (with a 20-byte recipient): the recipient goes between the account and the amount."""
    message = b"\x00" + datanet + epoch.to_bytes(8, "big") + account
    if recipient is not None:
        message += recipient
    message += cumulative.to_bytes(32, "big")
    assert len(message) == (105 if recipient is None else 125)
    return hashlib.sha256(message).digest()


def node_hash(a, b):
    """SHA-256(0x01 || min(a, b) || max(a, b)), comparing the hashes as big-endian numbers."""
    low, high = (a, b) if a <= b else (b, a)
    return hashlib.sha256(b"\x01" + low + high).digest()


def tree_root(leaves):
    """The root of the array-form tree over leaf hashes sorted ascending (Docs/Manifest.md)."""
    n = len(leaves)
    tree = [b""] * (2 * n - 1)
    for j, leaf in enumerate(leaves):
        tree[2 * n - 2 - j] = leaf
    for i in range(n - 2, -1, -1):
        tree[i] = node_hash(tree[2 * i + 1], tree[2 * i + 2])
    return tree[0]


def check_proof(proof):
    datanet = hex32(proof.get("datanet"), "datanet")
    account = hex32(proof.get("account"), "account")
    leaf = hex32(proof.get("leaf"), "leaf")
    root = hex32(proof.get("root"), "root")
    hex32(proof.get("manifest"), "manifest")
    epoch = proof.get("epoch")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 0 <= epoch < 2**64:
        raise Failure(f"epoch is not an unsigned 64-bit integer: {epoch!r}")
    cumulative = amount(proof.get("cumulative"), "cumulative")
    siblings = proof.get("proof")
    if not isinstance(siblings, list):
        raise Failure("proof is not a list of hashes")
    siblings = [hex32(s, f"proof[{i}]") for i, s in enumerate(siblings)]
    recipient = None
    if "recipient" in proof:
        text = proof["recipient"]
        if not isinstance(text, str) or not ADDRESS.match(text):
            raise Failure(f"recipient is not 0x and 40 lowercase hex digits: {text!r}")
        recipient = bytes.fromhex(text[2:])

    computed = leaf_hash(datanet, epoch, account, cumulative, recipient)
    if computed != leaf:
        raise Failure(f"the leaf of these fields is {computed.hex()}, not {leaf.hex()}")
    current = leaf
    for sibling in siblings:
        current = node_hash(current, sibling)
    if current != root:
        raise Failure(f"the proof leads to {current.hex()}, not to the root {root.hex()}")


def check_manifest(proof, path):
    with open(path, "rb") as f:
        raw = f.read()
    if hashlib.sha256(raw).hexdigest() != proof["manifest"]:
        raise Failure(f"{path} is not manifest {proof['manifest']} (its SHA-256 differs)")
    envelope = json.loads(raw)
    if envelope.get("payloadType") != PAYLOAD_TYPE:
        raise Failure(f"{path}: payloadType is not {PAYLOAD_TYPE}")
    statement = json.loads(base64.b64decode(envelope["payload"], validate=True))
    if statement.get("_type") != STATEMENT_TYPE:
        raise Failure(f"{path}: _type is not {STATEMENT_TYPE}")
    version = PREDICATE_TYPES.get(statement.get("predicateType"))
    if version is None:
        raise Failure(f"{path}: predicateType is not one of {', '.join(PREDICATE_TYPES)}")
    if (version == 2) != ("recipient" in proof):
        raise Failure(f"{path}: a v{version} manifest, but the proof "
                      + ("names no recipient" if version == 2 else "names a recipient"))
    predicate = statement["predicate"]
    for field, key in (("datanet", "datanet"), ("epoch", "epoch"), ("merkleRoot", "root")):
        if predicate.get(field) != proof[key]:
            raise Failure(f"{path}: the statement's {field} is {predicate.get(field)!r}, "
                          f"the proof's {key} is {proof[key]!r}")
    return statement


def check_leaves(proof, statement, path):
    with open(path, "rb") as f:
        raw = f.read()
    predicate = statement["predicate"]
    subjects = {s["name"]: s["digest"].get("sha256") for s in statement["subject"]}
    if subjects.get("leaves.jsonl") != hashlib.sha256(raw).hexdigest():
        raise Failure(f"{path}: its SHA-256 is not the statement's subject digest")
    if not raw.endswith(b"\n"):
        raise Failure(f"{path}: the last line has no line feed")
    datanet = bytes.fromhex(predicate["datanet"])
    epoch = predicate["epoch"]
    version = PREDICATE_TYPES[statement["predicateType"]]
    hashes, accounts, total, unpaid = [], set(), 0, []
    for number, line in enumerate(raw[:-1].split(b"\n"), start=1):
        match = LEAF_LINES[version].match(line)
        if not match:
            raise Failure(f"{path}:{number}: not a canonical v{version} leaf line")
        account, cumulative = bytes.fromhex(match[1].decode()), int(match[2])
        recipient = bytes.fromhex(match[3].decode()) if version == 2 else None
        if account in accounts:
            raise Failure(f"{path}:{number}: a second leaf for account {account.hex()}")
        accounts.add(account)
        total += cumulative
        if recipient == bytes(20):
            unpaid.append(account.hex())
        hashes.append(leaf_hash(datanet, epoch, account, cumulative, recipient))
        if len(hashes) > 1 and hashes[-2] >= hashes[-1]:
            raise Failure(f"{path}:{number}: leaves are not in ascending leaf-hash order")
    if len(hashes) != predicate["leafCount"]:
        raise Failure(f"{path}: {len(hashes)} leaves, the statement says {predicate['leafCount']}")
    if total != int(predicate["totals"]["cumulative"]):
        raise Failure(f"{path}: the leaves sum to {total}, "
                      f"the statement says {predicate['totals']['cumulative']}")
    if version == 2 and sorted(unpaid) != predicate.get("withoutPayoutAddress"):
        raise Failure(f"{path}: the leaves paying the zero address are not the statement's "
                      "withoutPayoutAddress")
    root = tree_root(hashes)
    if root.hex() != predicate["merkleRoot"]:
        raise Failure(f"{path}: the leaves give the root {root.hex()}, "
                      f"the statement says {predicate['merkleRoot']}")
    if bytes.fromhex(proof["leaf"]) not in set(hashes):
        raise Failure(f"{path}: the proof's leaf is not among the leaves")
    return len(hashes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("proof", help="the proof JSON from `openledger manifest proof` ('-' for stdin)")
    parser.add_argument("--manifest", help="the manifest envelope the proof is for (manifest.json)")
    parser.add_argument("--leaves", help="the manifest's leaves.jsonl, to rebuild the whole tree "
                                         "(needs --manifest)")
    args = parser.parse_args()
    if args.leaves and not args.manifest:
        parser.error("--leaves needs --manifest")
    try:
        if args.proof == "-":
            proof = json.load(sys.stdin)
        else:
            with open(args.proof, "rb") as f:
                proof = json.load(f)
        if not isinstance(proof, dict):
            raise Failure("the proof is not a JSON object")
        check_proof(proof)
        notes = []
        if args.manifest:
            statement = check_manifest(proof, args.manifest)
            notes.append("the manifest's statement matches")
            if args.leaves:
                count = check_leaves(proof, statement, args.leaves)
                notes.append(f"its {count} leaves rebuild the root")
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"error: cannot read the input: {error}", file=sys.stderr)
        return 2
    paid_to = f", paid to {proof['recipient']}" if "recipient" in proof else ""
    print(f"ok: account {proof['account']} holds {proof['cumulative']} (cumulative{paid_to}) in "
          f"epoch {proof['epoch']} of Datanet {proof['datanet']}; the proof leads to root "
          f"{proof['root']}" + "".join(f"; {note}" for note in notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())

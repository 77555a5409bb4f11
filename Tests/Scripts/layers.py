#!/usr/bin/env python3
"""Checks that OpenLedgerKit's subsystems name only types of their own floor or below.

The floors are Docs/Architecture.md's ("Layers"). A subsystem is a folder of
Sources/OpenLedgerKit; a file "names" a type when the type's name appears in its code (comments
and string literals left out) and the type is declared at the top level of another subsystem's
file. Names declared inside the naming subsystem itself, at any depth, count as its own.

The references that still point upward are listed in Tests/Scripts/layers-known.txt, one
`file type` pair per line: debt to pay off, not a licence. The check fails on an upward
reference not in the list (move the code to the right floor, or invert the dependency) and on
a listed one that is gone (delete its line, so the list only shrinks).

    python3 Tests/Scripts/layers.py            # check
    python3 Tests/Scripts/layers.py --graph    # print who names whom, with counts
    python3 Tests/Scripts/layers.py --write    # rewrite the list from the code as it is
"""
import collections
import os
import re
import sys

FLOORS = [
    ["Support"],
    ["Store", "Identity", "Shard"],
    ["Ledger"],
    ["Datanet"],
    ["Ingest", "Fingerprint"],
    ["Contribution", "Curation"],
    ["Attribution"],
    ["Rewards", "Payout"],
    ["Remote", "Validation", "Maintenance"],
]
FLOOR = {name: level for level, names in enumerate(FLOORS) for name in names}

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORE = os.path.join(ROOT, "Sources", "OpenLedgerKit")
KNOWN = os.path.join(HERE, "layers-known.txt")

DECLARATION = re.compile(
    r"^([ \t]*)(?:@\w+(?:\([^)]*\))?\s+)*"
    r"(?:(?:public|internal|private|fileprivate|final|indirect|package|nonisolated)\s+)*"
    r"(?:struct|class|enum|protocol|actor|typealias)\s+([A-Z]\w*)",
    re.M,
)


def code_only(source):
    """The source without comments and string literals."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    source = re.sub(r'"""(.*?)"""', '""', source, flags=re.S)
    source = re.sub(r"//[^\n]*", "", source)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', source)


def read_core():
    files = collections.defaultdict(list)  # subsystem -> [(relative path, code)]
    top_level = {}  # type name -> subsystem that declares it at the top level
    declared = collections.defaultdict(set)  # subsystem -> every type name declared in it
    for subsystem in sorted(os.listdir(CORE)):
        folder = os.path.join(CORE, subsystem)
        if not os.path.isdir(folder):
            continue
        if subsystem not in FLOOR:
            sys.exit(f"layers.py: Sources/OpenLedgerKit/{subsystem} has no floor: add it to FLOORS "
                     "here and to Docs/Architecture.md's layers")
        for directory, _, names in os.walk(folder):
            for name in sorted(names):
                if not name.endswith(".swift"):
                    continue
                path = os.path.join(directory, name)
                code = code_only(open(path, encoding="utf-8").read())
                files[subsystem].append((os.path.relpath(path, CORE), code))
                for match in DECLARATION.finditer(code):
                    declared[subsystem].add(match.group(2))
                    if not match.group(1):
                        top_level.setdefault(match.group(2), subsystem)
    return files, top_level, declared


def references():
    files, top_level, declared = read_core()
    found = []  # (file, type, from subsystem, to subsystem)
    for subsystem, entries in files.items():
        for path, code in entries:
            for name in sorted(set(re.findall(r"\b[A-Z]\w*\b", code))):
                owner = top_level.get(name)
                if owner and owner != subsystem and name not in declared[subsystem]:
                    found.append((path, name, subsystem, owner))
    return found


def main():
    found = references()
    upward = {(path, name) for path, name, a, b in found if FLOOR[b] > FLOOR[a]}
    if "--graph" in sys.argv:
        edges = collections.Counter((a, b) for _, _, a, b in found)
        for (a, b), count in sorted(edges.items()):
            mark = "  UPWARD" if FLOOR[b] > FLOOR[a] else ""
            print(f"{a} -> {b}: {count}{mark}")
        print(f"{len(upward)} upward references")
        return 0
    if "--write" in sys.argv:
        with open(KNOWN, "w", encoding="utf-8") as out:
            out.write("# Upward references still to remove (Tests/Scripts/layers.py). Only shrinks.\n")
            for path, name in sorted(upward):
                out.write(f"{path} {name}\n")
        print(f"layers: wrote {len(upward)} known upward references to {os.path.relpath(KNOWN, ROOT)}")
        return 0
    known = set()
    for line in open(KNOWN, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            path, name = line.split()
            known.add((path, name))
    new = sorted(upward - known)
    gone = sorted(known - upward)
    for path, name in new:
        owner = next(b for p, n, _, b in found if (p, n) == (path, name))
        print(f"Sources/OpenLedgerKit/{path}: names {name}, which {owner}/ declares on a higher "
              "floor (Docs/Architecture.md, Layers): move the code to the right floor, or "
              "invert the dependency")
    for path, name in gone:
        print(f"{os.path.relpath(KNOWN, ROOT)}: '{path} {name}' is no longer an upward reference: "
              "delete its line")
    if new or gone:
        return 1
    print(f"layers: no new upward references ({len(known)} known, listed in "
          f"{os.path.relpath(KNOWN, ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

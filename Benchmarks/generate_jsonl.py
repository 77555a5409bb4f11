#!/usr/bin/env python3
"""Writes English-like JSONL records for the contribute benchmark, the same bytes on every run.

    generate_jsonl.py OUT.jsonl MEGABYTES [SEED]

Each line is {"id": N, "source": "...", "text": "..."} with a text of 80 to 260 words drawn with
Zipfian frequencies from a fixed vocabulary, so about a million records make a gigabyte.
"""

import json
import random
import sys

SYLLABLES = [a + b for a in "bcdfghklmnprstvw" for b in ["a", "e", "i", "o", "u", "ea", "ou"]]


def vocabulary(size, rng):
    words = set()
    out = []
    while len(out) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([1, 2, 2, 3])))
        if word not in words:
            words.add(word)
            out.append(word)
    return out


def main():
    path, megabytes = sys.argv[1], float(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = random.Random(seed)
    words = vocabulary(50_000, random.Random(0))
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    cumulative = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    limit = int(megabytes * 1_000_000)
    written = 0
    record = 0
    with open(path, "w") as out:
        while written < limit:
            count = rng.randint(80, 260)
            text = " ".join(rng.choices(words, cum_weights=cumulative, k=count))
            line = json.dumps({"id": record, "source": f"seed{seed}", "text": text.capitalize() + "."}) + "\n"
            out.write(line)
            written += len(line)
            record += 1
    print(f"{path}: {record} records, {written} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

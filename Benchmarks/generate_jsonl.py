#!/usr/bin/env python3
"""Writes English-like JSONL records for the contribute benchmark, the same bytes on every run.

    generate_jsonl.py OUT.jsonl --megabytes MB [--seed N]
    generate_jsonl.py OUT.jsonl --records N [--seed N]

Each line is {"id": N, "source": "seedS", "text": "..."} with a text of 80 to 260 words drawn
with Zipfian frequencies from a fixed vocabulary of 50,000 synthetic words, so about a million
records make a gigabyte. Different seeds give different records (the vocabulary is the same).
"""

import argparse
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--megabytes", type=float)
    size.add_argument("--records", type=int)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()

    rng = random.Random(arguments.seed)
    words = vocabulary(50_000, random.Random(0))
    cumulative = []
    total = 0.0
    for rank in range(len(words)):
        total += 1.0 / (rank + 1)
        cumulative.append(total)
    byte_limit = int(arguments.megabytes * 1_000_000) if arguments.megabytes else None
    record_limit = arguments.records
    written = 0
    record = 0
    with open(arguments.out, "w") as out:
        while (written < byte_limit) if byte_limit is not None else (record < record_limit):
            count = rng.randint(80, 260)
            text = " ".join(rng.choices(words, cum_weights=cumulative, k=count))
            line = json.dumps(
                {"id": record, "source": f"seed{arguments.seed}", "text": text.capitalize() + "."}
            ) + "\n"
            out.write(line)
            written += len(line)
            record += 1
    print(f"{arguments.out}: {record} records, {written} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

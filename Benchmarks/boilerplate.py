#!/usr/bin/env python3
"""Builds the boilerplate benchmark's corpus and outputs from licence texts on this machine.

    boilerplate.py DIR [--seed N] [--quotes own|once] [--outputs-name NAME]

Records: every file under /usr/share/common-licenses and every /usr/share/doc/*/copyright, one
record per distinct file (by content), in path order. Licence paragraphs (the GPL's "distributed
in the hope that it will be useful", the Debian pointers to /usr/share/common-licenses, …) recur
in hundreds of them: real boilerplate.

Writes DIR/corpus.jsonl ({"name", "text"} a line) and DIR/outputs.jsonl, each output a line
{"kind", "prefix", "text", "regions"} whose regions are UTF-8 byte ranges of the text:
  - "boilerplate" outputs quote a passage that many records share (every run of 12 words of it
    is in at least 30 records), cut after its first words and put after another prefix: a rare
    one found in the corpus (a few records have it before the passage: the "It is distributed
    in the hope" case), the passage's own, a fixed one from the issue ("It is", "The software
    is", "This program is"), or novel words; novel sentences around it.
  - "quotes" outputs plant one to three quotes of 8 to 40 words, each occurring in one record
    only, in novel text. With --quotes own (the default) a quote is of its record's own text:
    every run of 8 tokens of it occurs in that record and nowhere else. With --quotes once the
    quote need only occur once as a whole: in licence files most such quotes join shared text
    (a maintainer's address in a dozen files, then a licence's first words), and measure how
    much of that credit a rule keeps, not whether a record's own words are found.
Novel text is words of the corpus's own vocabulary drawn at their frequency, which makes no long
run of the corpus by chance but does, like real text, sometimes continue a quote by a word.

The same files and seed give the same bytes. Tokens here are approximated ([^\\W_]+ or one
other character); the measurement (attribution-bench credit) uses openledger's tokenizer.
"""

import argparse
import collections
import glob
import json
import os
import random
import re

TOKEN = re.compile(r"[^\W_]+|[^\w\s]|_")
WORD = re.compile(r"[^\W_]+")
NGRAM = 12
WINDOW = 8
COMMON = 30


def records():
    paths = sorted(glob.glob("/usr/share/common-licenses/*")) + sorted(
        glob.glob("/usr/share/doc/*/copyright"))
    seen = set()
    result = []
    for path in paths:
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
        if not text.strip() or text in seen:
            continue
        seen.add(text)
        result.append((path, text))
    return result


def tokens(text):
    """(normalized token, byte start, byte end) of each token."""
    out = []
    encoded_upto = 0
    byte_offset = 0
    for match in TOKEN.finditer(text):
        byte_offset += len(text[encoded_upto:match.start()].encode())
        start = byte_offset
        byte_offset += len(match.group().encode())
        encoded_upto = match.end()
        out.append((match.group().casefold(), start, byte_offset))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--boilerplate-outputs", type=int, default=300)
    parser.add_argument("--quote-outputs", type=int, default=300)
    parser.add_argument("--quotes", choices=["own", "once"], default="own",
                        help="own: every run of 8 words of a quote is in its record only; "
                             "once: the quote as a whole occurs once (it may join shared text)")
    parser.add_argument("--outputs-name", default="outputs.jsonl")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.dir, exist_ok=True)

    corpus = records()
    with open(os.path.join(args.dir, "corpus.jsonl"), "w") as f:
        for path, text in corpus:
            f.write(json.dumps({"name": path, "text": text}, sort_keys=True) + "\n")
    toks = [tokens(text) for _, text in corpus]
    raw = [text.encode() for _, text in corpus]

    # Token ids, and in how many records each run of NGRAM tokens occurs.
    ids = {}
    seqs = [[ids.setdefault(t, len(ids)) for t, _, _ in record] for record in toks]
    ngram_records = collections.Counter()
    for seq in seqs:
        ngram_records.update({tuple(seq[i:i + NGRAM]) for i in range(len(seq) - NGRAM + 1)})
    # How often each run of WINDOW tokens occurs in the corpus (for --quotes own).
    windows = collections.Counter()
    for seq in seqs:
        windows.update(tuple(seq[i:i + WINDOW]) for i in range(len(seq) - WINDOW + 1))
    # Where each sequence of the corpus occurs: a string of ids, records apart.
    joined = "\x00".join(" ".join(map(str, seq)) for seq in seqs)

    def occurrences(seq):
        needle = " ".join(map(str, seq))
        count, start = 0, 0
        while True:
            found = joined.find(needle, start)
            if found < 0:
                return count
            before = found == 0 or joined[found - 1] in " \x00"
            after = found + len(needle) == len(joined) or joined[found + len(needle)] in " \x00"
            count += before and after
            start = found + 1

    # Boilerplate passages: stretches of 16 to 60 tokens every 12-run of which is common.
    passages = {}
    for r, seq in enumerate(seqs):
        i = 0
        while i + NGRAM <= len(seq):
            if ngram_records[tuple(seq[i:i + NGRAM])] < COMMON:
                i += 1
                continue
            j = i
            while j + NGRAM <= len(seq) and ngram_records[tuple(seq[j:j + NGRAM])] >= COMMON:
                j += 1
            end = j + NGRAM - 1
            if end - i >= 16:
                key = tuple(seq[i:min(end, i + 60)])
                passages.setdefault(key, (r, i, min(end, i + 60)))
            i = end
    names = {v: k for k, v in ids.items()}
    keys = sorted(passages, key=lambda k: passages[k])
    rng.shuffle(keys)
    novel_words = [t for t, _, _ in (tok for record in toks for tok in record)
                   if WORD.fullmatch(t)]

    def novel(n):
        return " ".join(rng.choice(novel_words) for _ in range(n))

    def piece(r, a, b):
        return raw[r][toks[r][a][1]:toks[r][b - 1][2]].decode("utf-8", errors="replace")

    def rare_prefix(r, i, cut):
        """The two words that precede the passage's remainder in the fewest places (at least
        one)."""
        rest = seqs[r][i + cut:i + cut + NGRAM]
        needle = " ".join(map(str, rest))
        before = collections.Counter()
        start = 0
        while True:
            found = joined.find(needle, start)
            if found < 0:
                break
            start = found + 1
            if found == 0 or joined[found - 1] != " ":
                continue
            window = joined[max(0, found - 64):found].rsplit("\x00", 1)[-1].split()
            pair = tuple(int(x) for x in window[-2:])
            if len(pair) == 2 and all(WORD.fullmatch(names[x]) for x in pair):
                before[pair] += 1
        if not before:
            return None
        prefix = min(before, key=lambda p: (before[p], p))
        return " ".join(names[x] for x in prefix).capitalize()

    def fixed_cut(r, i, end):
        """Where the passage's remainder starts after "is" (before "distributed" or "free"),
        for the issue's fixed prefixes; None when it has no such place."""
        for k in range(i, end - 16):
            if toks[r][k][0] == "is" and toks[r][k + 1][0] in ("distributed", "free"):
                return k + 1 - i
        return None

    outputs = []
    kinds = ["rare", "own", "fixed", "novel"]
    fixed = ["It is", "The software is", "This program is"]
    n = 0
    while len(outputs) < args.boilerplate_outputs and keys:
        key = keys[n % len(keys)]
        kind = kinds[len(outputs) % len(kinds)]
        n += 1
        r, i, end = passages[key]
        cut = 1 + rng.randrange(3)
        if kind == "own":
            prefix = piece(r, i, i + cut)
        elif kind == "rare":
            prefix = rare_prefix(r, i, cut)
            if prefix is None:
                continue
        elif kind == "fixed":
            cut = fixed_cut(r, i, end)
            if cut is None:
                continue
            prefix = fixed[(len(outputs) // len(kinds)) % len(fixed)]
        else:
            prefix = novel(2 + rng.randrange(3)).capitalize()
        lead = novel(6 + rng.randrange(10)).capitalize() + ". "
        body = piece(r, i + cut, end)
        tail = " " + novel(6 + rng.randrange(10)) + "."
        text = lead + prefix + " " + body + tail
        a = len(lead.encode())
        b = a + len(prefix.encode()) + 1
        regions = [
            {"kind": "novel", "start": 0, "end": a},
            {"kind": "prefix", "start": a, "end": b - 1},
            {"kind": "boilerplate", "start": b, "end": b + len(body.encode())},
            {"kind": "novel", "start": b + len(body.encode()), "end": len(text.encode())},
        ]
        outputs.append({"kind": "boilerplate", "prefix": kind, "text": text, "regions": regions})

    made = 0
    while made < args.quote_outputs:
        text = novel(10 + rng.randrange(30)).capitalize() + ". "
        regions = []
        for _ in range(1 + rng.randrange(3)):
            for _attempt in range(50):
                r = rng.randrange(len(corpus))
                words = [k for k, (t, _, _) in enumerate(toks[r]) if WORD.fullmatch(t)]
                length = 8 + rng.randrange(33)
                if len(words) < length:
                    continue
                first = rng.randrange(len(words) - length + 1)
                a, b = words[first], words[first + length - 1] + 1
                if occurrences(seqs[r][a:b]) != 1:
                    continue
                if args.quotes == "own" and any(
                        windows[tuple(seqs[r][k:k + WINDOW])] != 1 for k in range(a, b - WINDOW + 1)):
                    continue
                quote = piece(r, a, b)
                start = len(text.encode())
                text += quote
                regions.append({"kind": "quote", "start": start, "end": len(text.encode()),
                                "record": r})
                text += " " + novel(5 + rng.randrange(25)) + ". "
                break
        if not regions:
            continue
        outputs.append({"kind": "quotes", "prefix": "", "text": text, "regions": regions})
        made += 1

    with open(os.path.join(args.dir, args.outputs_name), "w") as f:
        for output in outputs:
            f.write(json.dumps(output, sort_keys=True) + "\n")
    print(json.dumps({
        "records": len(corpus), "corpus_bytes": sum(len(x) for x in raw),
        "boilerplate_passages": len(keys),
        "outputs": collections.Counter(o["kind"] for o in outputs),
    }, sort_keys=True))


if __name__ == "__main__":
    main()

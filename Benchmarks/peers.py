#!/usr/bin/env python3
"""The Python peers of openledger's fingerprinting, measured the way openledger is.

    peers.py speed CORPUS [--repeats N]          MB/s of datasketch and rensa, one core
    peers.py quality DIR OPENLEDGER_REPORT.json  recall and precision, openledger vs datasketch

Both peers get the shingles openledger uses: word 5-grams of the lowercased text, a word being
a run of ASCII letters and digits (the generated text is ASCII, where this is exactly what
openledger's tokenizer does), and 112 hash functions. Tokenizing and shingling are counted in
their time, as they are in openledger's. Speeds are CPU seconds of this process, so other
processes on a shared machine do not change them much.

Needs datasketch and rensa (bench.py's venv has them). Prints one JSON object on stdout.
"""

import json
import re
import statistics
import sys
import time

WORD = re.compile(r"[a-z0-9]+")
HASHES = 112
BANDS, ROWS = 14, 8
CONFIRM = 0.77  # openledger's NearDuplicatePolicy.threshold: an estimate of 87/112 or more
RIGHT = 0.75  # a reported pair is right when its true Jaccard is at least this


def shingles(text):
    words = WORD.findall(text.lower())
    if len(words) < 5:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + 5]) for i in range(len(words) - 4)]


def blank_line_documents(path):
    with open(path, encoding="utf-8") as file:
        return [document for document in file.read().split("\n\n") if document]


def cpu_mb_per_s(work, megabytes, repeats):
    speeds = []
    for _ in range(repeats):
        start = time.process_time()
        work()
        speeds.append(megabytes / (time.process_time() - start))
    return statistics.median(speeds), speeds


def speed(corpus, repeats):
    """Two figures per peer: from text (tokenizing and shingling in Python counted, as openledger
    counts its own), and from shingles prepared outside the timer (the peer's hashing alone)."""
    from datasketch import MinHash
    from rensa import RMinHash

    documents = blank_line_documents(corpus)
    megabytes = sum(len(document.encode()) for document in documents) / 1e6
    # datasketch draws its permutations when a MinHash is made; drawn once and shared, as its
    # documentation advises for many documents.
    template = MinHash(num_perm=HASHES, seed=1)

    def datasketch_signature(encoded):
        signature = MinHash(
            num_perm=HASHES, permutations=template.permutations, scheme=template.scheme)
        signature.update_batch(encoded)
        return signature

    def rensa_signature(strings):
        signature = RMinHash(num_perm=HASHES, seed=42)
        signature.update(strings)
        return signature

    def shingling_only():
        for document in documents:
            shingles(document)

    def datasketch_from_text():
        for document in documents:
            datasketch_signature([shingle.encode() for shingle in shingles(document)])

    def rensa_from_text():
        for document in documents:
            rensa_signature(shingles(document))

    prepared = [shingles(document) for document in documents]
    prepared_bytes = [[shingle.encode() for shingle in strings] for strings in prepared]

    def datasketch_hashing():
        for encoded in prepared_bytes:
            datasketch_signature(encoded)

    def rensa_hashing():
        for strings in prepared:
            rensa_signature(strings)

    result = {"documents": len(documents), "megabytes": megabytes}
    for name, work in [
        ("python_shingling_only", shingling_only),
        ("datasketch_from_text", datasketch_from_text),
        ("rensa_from_text", rensa_from_text),
        ("datasketch_hashing_only", datasketch_hashing),
        ("rensa_hashing_only", rensa_hashing),
    ]:
        median, runs = cpu_mb_per_s(work, megabytes, repeats)
        result[f"{name}_mb_per_s"] = median
        result[f"{name}_runs"] = runs
        print(f"  {name}: {median:.1f} MB/s (median of {repeats})", file=sys.stderr)
    return result


def read_truth(directory):
    truth = {}
    with open(f"{directory}/truth.tsv") as file:
        for line in file:
            first, second, similarity = line.split("\t")
            truth[(int(first), int(second))] = float(similarity)
    return truth


def read_documents(directory):
    documents = []
    with open(f"{directory}/docs.tsv", encoding="utf-8") as file:
        for line in file:
            _, text = line.rstrip("\n").split("\t", 1)
            documents.append(text)
    return documents


def score(pairs, truth):
    """Recall on planted pairs at Jaccard >= 0.8, precision of the reported pairs.

    A reported pair is right when its true Jaccard is at least 0.75, half-way between the
    planted groups at 0.8 and 0.7: the planted pairs at 0.8 and 0.9 are right; the ones at 0.7
    and 0.5, and any other pair, are wrong.
    """
    reported = {tuple(sorted(pair)) for pair in pairs}
    wanted = {pair for pair, similarity in truth.items() if similarity >= 0.8}
    right = {pair for pair in reported if truth.get(pair, 0.0) >= RIGHT}
    classes = {}
    for target in (0.9, 0.8, 0.7, 0.5):
        planted = [pair for pair, s in truth.items() if target - 0.05 < s <= target + 0.05]
        found = sum(1 for pair in planted if pair in reported)
        classes[f"{target}"] = {"planted": len(planted), "found": found,
                                "rate": found / len(planted) if planted else None}
    return {
        "reported": len(reported),
        "right": len(right),
        "recall_at_0.8": len(wanted & reported) / len(wanted),
        "precision": len(right) / len(reported) if reported else 1.0,
        "unplanted_pairs_reported": len([pair for pair in reported if pair not in truth]),
        "by_planted_jaccard": classes,
    }


def quality(directory, report_path):
    truth = read_truth(directory)
    documents = read_documents(directory)

    # openledger: `fingerprint --format json` on docs.jsonl; line n is document n - 1. Each
    # record reports its most similar earlier record at or above the threshold.
    with open(report_path) as file:
        report = json.load(file)
    ours = [(near["location"]["line"] - 1, near["matchLocation"]["line"] - 1)
            for near in report["nearDuplicates"]]

    # datasketch, the same way: each document is looked up among the earlier ones in a
    # MinHashLSH of 14 bands x 8 rows, then inserted. "lsh" reports every candidate, as
    # MinHashLSH does by itself; "lsh+confirm" keeps the most similar candidate whose estimated
    # Jaccard reaches openledger's threshold, as openledger does. Its hash functions depend on a seed, and so do
    # its results: five seeds show how much, openledger's being one draw of the same kind.
    result = {"documents": len(documents), "planted_pairs": len(truth),
              "openledger": score(ours, truth), "datasketch_seeds": {}}
    for seed in SEEDS:
        start = time.process_time()
        confirmed, candidates_only = datasketch_pairs(documents, seed)
        result["datasketch_seeds"][str(seed)] = {
            "lsh_confirmed": score(confirmed, truth),
            "lsh_candidates": score(candidates_only, truth),
            "cpu_seconds": time.process_time() - start,
        }
        print(f"  datasketch seed {seed}: recall "
              f"{result['datasketch_seeds'][str(seed)]['lsh_confirmed']['recall_at_0.8']:.3f}",
              file=sys.stderr)
    for kind in ("lsh_confirmed", "lsh_candidates"):
        for metric in ("recall_at_0.8", "precision"):
            values = [run[kind][metric] for run in result["datasketch_seeds"].values()]
            result[f"datasketch_{kind}_{metric}"] = {
                "median": statistics.median(values), "min": min(values), "max": max(values)}
    return result


SEEDS = (1, 2, 3, 4, 5)


def datasketch_pairs(documents, seed):
    from datasketch import MinHash, MinHashLSH

    template = MinHash(num_perm=HASHES, seed=seed)
    index = MinHashLSH(num_perm=HASHES, params=(BANDS, ROWS))
    signatures = []
    candidates_only, confirmed = [], []
    for number, document in enumerate(documents):
        signature = MinHash(
            num_perm=HASHES, permutations=template.permutations, scheme=template.scheme)
        signature.update_batch([shingle.encode() for shingle in shingles(document)])
        best, best_similarity = None, 0.0
        for candidate in index.query(signature):
            candidates_only.append((candidate, number))
            similarity = signature.jaccard(signatures[candidate])
            if similarity >= CONFIRM - 1e-9 and similarity > best_similarity:
                best, best_similarity = candidate, similarity
        if best is not None:
            confirmed.append((best, number))
        index.insert(number, signature)
        signatures.append(signature)
    return confirmed, candidates_only


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "speed":
        repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 3
        print(json.dumps(speed(sys.argv[2], repeats), sort_keys=True))
    elif len(sys.argv) == 4 and sys.argv[1] == "quality":
        print(json.dumps(quality(sys.argv[2], sys.argv[3]), sort_keys=True))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The infini-gram side of the attribution benchmark; runs inside the throwaway venv.

    infinigram_peer.py index DIR                 build table.0 from DIR/tokenized.0 (one CPU)
    infinigram_peer.py attribute DIR IDS OUT     attribute each line of IDS; spans to OUT
    infinigram_peer.py compare OURS THEIRS       agreement of two span files
    infinigram_peer.py phrases DIR IDS OURS      count() and search_docs() of each line of IDS;
                                                 counts checked against OURS (phrases.jsonl)
    infinigram_peer.py process DIR IDS KIND      one count or search_docs of IDS's first line,
                                                 as a whole process does it (for timing)

`index` runs infini-gram's own indexer (its Rust suffix-array builder, through
`python -m infini_gram.indexing`) on the token stream that attribution-bench wrote, and reports
its wall time, CPU time and peak memory. `attribute` loads the index with infini-gram's engine
and calls `attribute()` on every output, with no delimiters and no word-boundary rule, after a
warm-up pass; it reports the median latency. Span files hold one JSON array per output, each
span as [l, r, count]. Every command prints one JSON line.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def index(directory):
    empty = tempfile.mkdtemp()
    command = [sys.executable, "-m", "infini_gram.indexing", "--data_dir", empty,
               "--save_dir", directory, "--temp_dir", directory, "--token_dtype", "u16",
               "--cpus", "1", "--mem", "16",
               "--ulimit", str(resource.getrlimit(resource.RLIMIT_NOFILE)[1])]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    tokens = (os.path.getsize(os.path.join(directory, "tokenized.0"))
              - 2 * os.path.getsize(os.path.join(directory, "offset.0")) // 8) // 2
    size = sum(os.path.getsize(os.path.join(directory, name))
               for name in ("tokenized.0", "offset.0", "table.0"))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({
        "tokens": tokens, "wall_seconds": wall, "cpu_seconds": cpu,
        "cpu_tokens_per_second": tokens / cpu, "tokens_per_second": tokens / wall,
        "index_bytes": size, "bytes_per_token": size / tokens,
        "peak_memory_mb": after.ru_maxrss / 1024,
    }, sort_keys=True))


def attribute(directory, ids_path, out_path, min_span, max_occurrences, repeats):
    from infini_gram.engine import InfiniGramEngine
    engine = InfiniGramEngine(index_dir=directory, eos_token_id=65534, vocab_size=65535,
                              version=4, token_dtype="u16")
    with open(ids_path) as f:
        queries = [json.loads(line) for line in f if line.strip()]

    def run(ids):
        result = engine.attribute(input_ids=ids, delim_ids=[], min_len=min_span,
                                  max_cnt=max_occurrences, enforce_bow=False)
        if "error" in result:
            raise SystemExit(result["error"])
        return [[span["l"], span["r"], span["count"]] for span in result["spans"]]

    spans = [run(ids) for ids in queries]
    latencies = []
    for _ in range(repeats):
        for ids in queries:
            start = time.perf_counter()
            run(ids)
            latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    with open(out_path, "w") as f:
        for line in spans:
            f.write(json.dumps(line) + "\n")
    print(json.dumps({
        "outputs": len(queries), "median_ms": statistics.median(latencies),
        "p90_ms": latencies[len(latencies) * 9 // 10],
        "spans_per_output": sum(len(s) for s in spans) / len(spans),
    }, sort_keys=True))


def compare(ours_path, theirs_path):
    def load(path):
        with open(path) as f:
            return [[tuple(span) for span in json.loads(line)] for line in f if line.strip()]

    ours, theirs = load(ours_path), load(theirs_path)
    assert len(ours) == len(theirs), "the span files cover different outputs"
    same_outputs = sum(1 for a, b in zip(ours, theirs) if a == b)
    ours_set = {(i,) + span for i, spans in enumerate(ours) for span in spans}
    theirs_set = {(i,) + span for i, spans in enumerate(theirs) for span in spans}
    print(json.dumps({
        "outputs": len(ours), "outputs_identical": same_outputs,
        "spans_ours": len(ours_set), "spans_theirs": len(theirs_set),
        "spans_in_both": len(ours_set & theirs_set),
        "only_ours": sorted(ours_set - theirs_set)[:5],
        "only_theirs": sorted(theirs_set - ours_set)[:5],
    }, sort_keys=True))


def engine_of(directory):
    from infini_gram.engine import InfiniGramEngine
    return InfiniGramEngine(index_dir=directory, eos_token_id=65534, vocab_size=65535,
                            version=4, token_dtype="u16")


def phrases(directory, ids_path, ours_path, limit, repeats):
    engine = engine_of(directory)
    with open(ids_path) as f:
        queries = [json.loads(line) for line in f if line.strip()]
    with open(ours_path) as f:
        ours = [json.loads(line)["count"] for line in f if line.strip()]
    counts = [engine.count(input_ids=ids)["count"] for ids in queries]
    for ids in queries:
        engine.search_docs(input_ids=ids, maxnum=limit, max_disp_len=100)
    count_times, search_times = [], []
    for _ in range(repeats):
        for ids in queries:
            start = time.perf_counter()
            engine.count(input_ids=ids)
            count_times.append((time.perf_counter() - start) * 1e6)
            start = time.perf_counter()
            result = engine.search_docs(input_ids=ids, maxnum=limit, max_disp_len=100)
            search_times.append((time.perf_counter() - start) * 1e6)
            if "error" in result:
                raise SystemExit(result["error"])
    count_times.sort()
    search_times.sort()
    print(json.dumps({
        "phrases": len(queries), "limit": limit,
        "count_median_us": statistics.median(count_times),
        "count_p90_us": count_times[len(count_times) * 9 // 10],
        "search_docs_median_us": statistics.median(search_times),
        "search_docs_p90_us": search_times[len(search_times) * 9 // 10],
        "counts_equal_to_ours": sum(1 for a, b in zip(counts, ours) if a == b),
    }, sort_keys=True))


def process(directory, ids_path, kind):
    engine = engine_of(directory)
    with open(ids_path) as f:
        ids = json.loads(f.readline())
    if kind == "count":
        print(engine.count(input_ids=ids)["count"])
    else:
        print(len(engine.search_docs(input_ids=ids, maxnum=10, max_disp_len=100)["documents"]))


def main():
    command = sys.argv[1]
    if command == "index":
        index(sys.argv[2])
    elif command == "attribute":
        min_span = int(os.environ.get("MIN_SPAN", "8"))
        max_occurrences = int(os.environ.get("MAX_OCCURRENCES", "10"))
        repeats = int(os.environ.get("REPEATS", "5"))
        attribute(sys.argv[2], sys.argv[3], sys.argv[4], min_span, max_occurrences, repeats)
    elif command == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif command == "phrases":
        phrases(sys.argv[2], sys.argv[3], sys.argv[4], int(os.environ.get("LIMIT", "10")),
                int(os.environ.get("REPEATS", "3")))
    elif command == "process":
        process(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()

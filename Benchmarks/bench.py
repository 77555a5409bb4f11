#!/usr/bin/env python3
"""Runs openledger's benchmarks side by side with their peers and prints medians and ratios.

    bench.py --work DIR --openledger BIN --fingerprint-bench BIN [--only NAMES] [--repeats N]

`run.sh` builds the binaries, makes the venv with the peers, and calls this. The benchmarks:

- speed:      MinHash MB/s on one core, English-like text, 112 hashes: openledger (each kernel)
              vs datasketch and rensa on the same text.
- contribute: `openledger contribute` of about 1 GB of JSONL into an empty Datanet (MB/s end
              to end, peak memory); then 1,000 new records into that Datanet and into a small
              one.
- quality:    near-duplicate recall and precision on planted pairs, openledger's `fingerprint`
              vs datasketch's MinHashLSH with the same 14 bands x 8 rows.

Data is generated deterministically into --work and reused when it is already there. Results
go to stdout as a table and to DIR/results.json.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def log(message):
    print(message, file=sys.stderr, flush=True)


def load_average():
    with open("/proc/loadavg") as file:
        return float(file.read().split()[0])


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as file:
        for line in file:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": os.uname().release,
    }


def run(command, env=None):
    """Runs `command` and returns (stdout, wall seconds)."""
    start = time.perf_counter()
    process = subprocess.run(command, env=env, capture_output=True)
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({process.returncode}): {process.stderr.decode()}")
    return process.stdout.decode(), wall


def measured(command, env=None):
    """Runs `command` and returns (stdout, wall seconds, CPU seconds, peak resident MB) of that
    child alone, from wait4."""
    out_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"openledger-bench-{os.getpid()}")
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path) as file:
        stdout = file.read()
    with open(out_path + ".err") as file:
        stderr = file.read()
    os.remove(out_path)
    os.remove(out_path + ".err")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {stderr}")
    return stdout, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def wait_for_quiet(limit, patience):
    """Waits (up to `patience` seconds) for the 1-minute load average to drop under `limit`."""
    waited = 0
    while load_average() > limit and waited < patience:
        if waited == 0:
            log(f"  load average {load_average():.1f} > {limit}: waiting for a quieter machine")
        time.sleep(10)
        waited += 10
    return load_average()


# MARK: speed


def bench_speed(args, results):
    corpus = os.path.join(args.work, "speed.txt")
    if not os.path.exists(corpus):
        log("generating the speed corpus (50 MB)")
        subprocess.run([sys.executable, f"{HERE}/generate.py", "speed", corpus, "50"], check=True)
    loads = [wait_for_quiet(args.max_load, args.patience)]
    log("speed: openledger")
    ours = json.loads(
        run([args.fingerprint_bench, "speed", corpus, "--repeats", str(args.repeats), "--kernel",
             "all"])[0])
    loads.append(wait_for_quiet(args.max_load, args.patience))
    log("speed: datasketch and rensa")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               RAYON_NUM_THREADS="1")
    peers = json.loads(
        run([sys.executable, f"{HERE}/peers.py", "speed", corpus, "--repeats", str(args.repeats)],
            env=env)[0])
    loads.append(load_average())
    results["speed"] = {"openledger": ours, "peers": peers, "load_averages": loads}


# MARK: contribute


def store_env(args, name):
    root = os.path.join(args.work, name)
    return root, dict(
        os.environ, HOME=os.path.join(args.work, "home"),
        XDG_CONFIG_HOME=os.path.join(args.work, "config"),
        OPENLEDGER_STORE=os.path.join(root, ".openledger"), OPENLEDGER_IDENTITY="bench")


def fresh_store(args, name):
    root, env = store_env(args, name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    run([args.openledger, "init", "--store", env["OPENLEDGER_STORE"]], env=env)
    if not os.path.exists(os.path.join(args.work, "config", "openledger", "identities",
                                       "bench.json")):
        run([args.openledger, "identity", "new", "bench"], env=env)
    run([args.openledger, "datanet", "create", "bench", "--record-format", "jsonl",
         "--text-field", "text", "--require", "text"], env=env)
    return env


def generate_jsonl(path, seed, megabytes=None, records=None):
    if os.path.exists(path):
        return
    size = ["--megabytes", str(megabytes)] if megabytes else ["--records", str(records)]
    subprocess.run([sys.executable, f"{HERE}/generate_jsonl.py", path, *size, "--seed", str(seed)],
                   check=True)


def contribute(args, env, path):
    stdout, wall, cpu, peak = measured(
        [args.openledger, "contribute", "bench", path, "--format", "json", "--quiet"], env=env)
    report = json.loads(stdout)["report"]
    return {"wall_s": wall, "cpu_s": cpu, "peak_mb": peak, "records_new": report["recordsNew"],
            "bytes": report["bytesRead"], "near_duplicates": report["nearDuplicatesFlagged"],
            "load": load_average()}


def bench_contribute(args, results):
    big = os.path.join(args.work, "big.jsonl")
    small = os.path.join(args.work, "small.jsonl")
    log(f"generating {args.megabytes} MB of JSONL (reused when present)")
    generate_jsonl(big, seed=1, megabytes=args.megabytes)
    generate_jsonl(small, seed=2, megabytes=10)
    batches = []
    for run_number in range(args.small_repeats):
        batch = os.path.join(args.work, f"new-{run_number}.jsonl")
        generate_jsonl(batch, seed=100 + run_number, records=1000)
        batches.append(batch)

    runs = []
    for repeat in range(args.contribute_repeats):
        wait_for_quiet(args.max_load, args.patience)
        env = fresh_store(args, "big-store")
        log(f"contribute {os.path.getsize(big) / 1e6:.0f} MB into an empty Datanet "
            f"({repeat + 1}/{args.contribute_repeats})")
        outcome = contribute(args, env, big)
        outcome["mb_per_s"] = outcome["bytes"] / 1e6 / outcome["wall_s"]
        log(f"  {outcome['mb_per_s']:.1f} MB/s, {outcome['wall_s']:.1f} s, "
            f"peak {outcome['peak_mb']:.0f} MB, {outcome['records_new']} records, "
            f"load {outcome['load']:.1f}")
        runs.append(outcome)
    big_env = env

    small_env = fresh_store(args, "small-store")
    log("contribute 10 MB into the small Datanet")
    small_seed = contribute(args, small_env, small)

    thousand = {"big": [], "small": []}
    for batch in batches:
        wait_for_quiet(args.max_load, args.patience)
        for name, env in [("big", big_env), ("small", small_env)]:
            outcome = contribute(args, env, batch)
            thousand[name].append(outcome)
            log(f"  1,000 records into the {name} Datanet: {outcome['wall_s'] * 1000:.0f} ms")
    _, segments = store_env(args, "big-store")
    results["contribute"] = {
        "input_bytes": os.path.getsize(big),
        "runs": runs,
        "median_mb_per_s": statistics.median(r["mb_per_s"] for r in runs),
        "median_wall_s": statistics.median(r["wall_s"] for r in runs),
        "median_peak_mb": statistics.median(r["peak_mb"] for r in runs),
        "max_peak_mb": max(r["peak_mb"] for r in runs),
        "small_datanet_records": small_seed["records_new"],
        "big_datanet_records": runs[-1]["records_new"],
        "thousand_into_big": thousand["big"],
        "thousand_into_small": thousand["small"],
        "median_thousand_big_s": statistics.median(r["wall_s"] for r in thousand["big"]),
        "median_thousand_small_s": statistics.median(r["wall_s"] for r in thousand["small"]),
    }


# MARK: quality


def bench_quality(args, results):
    directory = os.path.join(args.work, "quality")
    if not os.path.exists(os.path.join(directory, "truth.tsv")):
        log("generating the quality set")
        os.makedirs(directory, exist_ok=True)
        subprocess.run([sys.executable, f"{HERE}/generate.py", "quality", directory], check=True)
    documents = os.path.join(directory, "docs.jsonl")
    if not os.path.exists(documents):
        with open(os.path.join(directory, "docs.tsv"), encoding="utf-8") as source, \
                open(documents, "w", encoding="utf-8") as out:
            for line in source:
                _, text = line.rstrip("\n").split("\t", 1)
                out.write(json.dumps({"text": text}) + "\n")
    log("quality: openledger fingerprint")
    _, env = store_env(args, "quality-store")
    stdout, wall, cpu, _ = measured(
        [args.openledger, "fingerprint", documents, "--text-field", "text", "--format", "json",
         "--quiet"], env=env)
    report_path = os.path.join(directory, "openledger-report.json")
    with open(report_path, "w") as file:
        file.write(stdout)
    log("quality: datasketch MinHashLSH")
    scores = json.loads(run([sys.executable, f"{HERE}/peers.py", "quality", directory,
                             report_path])[0])
    scores["openledger_cpu_seconds"] = cpu
    results["quality"] = scores


# MARK: summary


def ratio(a, b):
    return f"{a / b:.1f}×" if b else "n/a"


def summary(results):
    lines = []
    if "speed" in results:
        ours = results["speed"]["openledger"]
        peers = results["speed"]["peers"]
        best = ours["minhash_mb_per_s"]
        lines += ["MinHash fingerprinting, one core, 112 hashes "
                  f"({ours['megabytes']:.0f} MB, {ours['documents']} documents; CPU-time MB/s, "
                  "medians)",
                  f"  openledger ({ours['kernel']} kernel)      {best:8.1f} MB/s   "
                  f"(target ≥ 200: {'met' if best >= 200 else 'MISSED'})"]
        for key, value in sorted(ours.items()):
            if key.startswith("minhash_") and key.endswith("_mb_per_s") and key != \
                    "minhash_mb_per_s":
                lines.append(f"    {key[8:-9]} kernel{' ' * (22 - len(key[8:-9]))}{value:8.1f} MB/s")
        lines.append(f"    tokenizer alone            {ours['tokenizer_mb_per_s']:8.1f} MB/s")
        for name in ["datasketch", "rensa"]:
            text = peers[f"{name}_from_text_mb_per_s"]
            hashing = peers[f"{name}_hashing_only_mb_per_s"]
            lines.append(f"  {name:<11} from text       {text:8.1f} MB/s   openledger is "
                         f"{ratio(best, text)}")
            lines.append(f"  {name:<11} hashing only    {hashing:8.1f} MB/s   openledger is "
                         f"{ratio(best, hashing)}")
        lines.append(f"  (Python shingling alone: {peers['python_shingling_only_mb_per_s']:.1f} "
                     "MB/s)")
    if "contribute" in results:
        c = results["contribute"]
        mbps = c["median_mb_per_s"]
        lines += ["",
                  f"contribute {c['input_bytes'] / 1e6:.0f} MB of JSONL "
                  f"({c['big_datanet_records']} records) into an empty Datanet "
                  f"(medians of {len(c['runs'])})",
                  f"  end to end                   {mbps:8.1f} MB/s   ({c['median_wall_s']:.1f} s; "
                  f"target ≥ 100: {'met' if mbps >= 100 else 'MISSED'})",
                  f"  peak memory                  {c['median_peak_mb']:8.0f} MB     "
                  f"(max {c['max_peak_mb']:.0f}; target < 1024: "
                  f"{'met' if c['max_peak_mb'] < 1024 else 'MISSED'})",
                  f"  1,000 records into it        {c['median_thousand_big_s'] * 1000:8.0f} ms     "
                  f"(target < 1000: "
                  f"{'met' if c['median_thousand_big_s'] < 1 else 'MISSED'})",
                  f"  1,000 records into a Datanet of {c['small_datanet_records']} records "
                  f"{c['median_thousand_small_s'] * 1000:5.0f} ms     (ratio "
                  f"{ratio(c['median_thousand_big_s'], c['median_thousand_small_s'])})"]
    if "quality" in results:
        q = results["quality"]
        lines += ["", f"near-duplicate quality ({q['documents']} documents, "
                  f"{q['planted_pairs']} planted pairs; a reported pair is right when its true "
                  "Jaccard ≥ 0.75)",
                  "  system                          recall≥0.8  precision  reported  "
                  "found at 0.9 / 0.8 / 0.7 / 0.5"]
        def row(name, s):
            classes = " / ".join(f"{s['by_planted_jaccard'][t]['rate']:.2f}"
                                 for t in ["0.9", "0.8", "0.7", "0.5"])
            return (f"  {name:<30}  {s['recall_at_0.8']:10.3f}  {s['precision']:9.3f}  "
                    f"{s['reported']:8d}  {classes}")
        lines.append(row("openledger fingerprint", q["openledger"]))
        for seed, run in q["datasketch_seeds"].items():
            lines.append(row(f"datasketch LSH+confirm seed {seed}", run["lsh_confirmed"]))
        for seed, run in q["datasketch_seeds"].items():
            lines.append(row(f"datasketch LSH only, seed {seed}", run["lsh_candidates"]))
        for kind in ("lsh_confirmed", "lsh_candidates"):
            recall = q[f"datasketch_{kind}_recall_at_0.8"]
            precision = q[f"datasketch_{kind}_precision"]
            lines.append(f"  datasketch {kind}: median recall {recall['median']:.3f} "
                         f"({recall['min']:.3f}–{recall['max']:.3f}), median precision "
                         f"{precision['median']:.3f} ({precision['min']:.3f}–{precision['max']:.3f})")
        ours = q["openledger"]
        lines.append(f"  targets: recall ≥ 0.9 {'met' if ours['recall_at_0.8'] >= 0.9 else 'MISSED'}"
                     f", precision ≥ 0.95 {'met' if ours['precision'] >= 0.95 else 'MISSED'}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True)
    parser.add_argument("--openledger", required=True)
    parser.add_argument("--fingerprint-bench", required=True)
    parser.add_argument("--only", default="speed,contribute,quality")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the speed runs")
    parser.add_argument("--contribute-repeats", type=int, default=3)
    parser.add_argument("--small-repeats", type=int, default=5,
                        help="how many batches of 1,000 records go into each Datanet")
    parser.add_argument("--megabytes", type=float, default=1000)
    parser.add_argument("--max-load", type=float, default=1.5,
                        help="wait for the 1-minute load average to fall under this")
    parser.add_argument("--patience", type=int, default=300,
                        help="seconds to wait for a quiet machine before measuring anyway")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)

    # Sections measured before (by an earlier --only run) are kept, each with its own time.
    path = os.path.join(args.work, "results.json")
    results = {}
    if os.path.exists(path):
        with open(path) as file:
            results = json.load(file)
    results["machine"] = machine()
    log(f"machine: {results['machine']}; load average {load_average():.1f}")
    for name in args.only.split(","):
        {"speed": bench_speed, "contribute": bench_contribute, "quality": bench_quality}[name](
            args, results)
        results[name]["measured"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with open(path, "w") as file:
        json.dump(results, file, indent=2, sort_keys=True)
    print(summary(results))
    log(f"results: {os.path.join(args.work, 'results.json')}")


if __name__ == "__main__":
    main()

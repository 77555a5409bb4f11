#!/usr/bin/env python3
"""Pushes a 1 GB Datanet to a local S3 server and clones it back, side by side with its peers.

    remote_bench.py --work DIR --openledger BIN --moto-server PY --aws BIN --dvc BIN --rclone BIN
                    [--runs N] [--megabytes MB] [--tools NAMES] [--compare LABEL=BIN ...]

`remote.sh` builds openledger, installs the peers and calls this with the moto venv's Python
(it needs boto3, which moto brings). What it does:

1. Generates the contribute benchmark's JSONL (`generate_jsonl.py`, seed 1: the same bytes on
   every run) and contributes it into a store (reused while the JSONL is the same).
2. Starts moto's S3 server on 127.0.0.1 with authentication on (signatures checked, an IAM
   user allowed s3:*), through Tests/Support/moto_server.py.
3. Pushes that Datanet with `openledger push` to an empty bucket, and uploads the same shards
   (the files openledger's push puts under objects/, hard-linked into a folder) with
   `aws s3 sync` and `rclone copy`, and the JSONL with `dvc push`; then downloads each again
   (`openledger clone`, `aws s3 sync`, `rclone copy`, `dvc pull`). Every tool gets a fresh
   bucket on every run, and the tools take turns within each run, so that the machine's load
   falls on all of them alike. Each command is timed as a whole process (wall clock; CPU time
   of the process and its children from wait4; moto's own CPU time from /proc).
4. Counts requests in moto's request log (one line a request), for every tool: a no-op pull
   (nothing new) and a pull of one new small contribution (1,000 records) into the 1 GB
   Datanet; openledger also reports its own count (`requests` in its JSON), and the same is
   done on a 10 MB Datanet to show that a no-op pull does not grow with the Datanet.

Prints medians and ratios; every run goes to DIR/remote/results.json.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid

import boto3
from botocore.config import Config

from bench import load_average, wait_for_quiet  # the other benchmarks' load waiting

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"


def log(message):
    print(message, file=sys.stderr, flush=True)


def process_cpu(pid):
    """CPU seconds (user + system) process `pid` has used so far."""
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(command, env, cwd=None, check=True):
    """Runs `command` and returns its stdout."""
    process = subprocess.run(command, env=env, cwd=cwd, capture_output=True)
    if check and process.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({process.returncode}): "
            f"{process.stderr.decode()[-3000:]}")
    return process.stdout.decode()


def timed(command, env, cwd=None):
    """Runs `command`; returns (stdout, wall seconds, CPU seconds, peak resident MB) of the
    process, from wait4."""
    out_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"remote-bench-{os.getpid()}")
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    with open(out_path) as file:
        stdout = file.read()
    with open(out_path + ".err") as file:
        stderr = file.read()
    os.remove(out_path)
    os.remove(out_path + ".err")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({code}): {stderr[-3000:]}")
    return stdout, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def fsync_tree(path):
    """fsyncs every file and directory under `path` and returns the seconds it took: what a
    download still owes the disk when it returns. openledger's clone syncs what it writes
    before it exits (objects, their directories, the catalog), so for it this finds nothing
    left to write; `rclone copy` and `aws s3 sync` return with the gigabyte in the kernel's
    file cache, and the kernel writes it later."""
    start = time.perf_counter()
    for directory, _, names in os.walk(path):
        for name in names:
            fd = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return time.perf_counter() - start


def folder_bytes(path):
    total = 0
    files = 0
    for directory, _, names in os.walk(path):
        for name in names:
            total += os.path.getsize(os.path.join(directory, name))
            files += 1
    return files, total


# MARK: the S3 server


class Moto:
    """moto's S3 server on 127.0.0.1, with authentication on, logging one line per request."""

    # werkzeug colours the lines of 3xx, 4xx and 5xx answers with ANSI escapes.
    REQUEST = re.compile(rb'"(?:\x1b\[[0-9;]*m)*(GET|PUT|POST|HEAD|DELETE) ')

    def __init__(self, script, log_path):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, script, "-H", "127.0.0.1", "-p", "0"], stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        deadline = time.time() + 120
        port = None
        while port is None and time.time() < deadline and self.process.poll() is None:
            with open(log_path, "rb") as file:
                match = re.search(rb"Running on http://127\.0\.0\.1:(\d+)", file.read())
            port = int(match.group(1)) if match else None
            time.sleep(0.1)
        if port is None:
            self.stop()
            raise RuntimeError(f"moto did not start: {open(log_path).read()[-2000:]}")
        self.endpoint = f"http://127.0.0.1:{port}"
        try:
            self.set_up()
        except Exception:
            self.stop()  # a server left running would outlive the benchmark
            raise

    def set_up(self):
        """An IAM user allowed s3:*, then authentication on, checked with a wrong secret."""
        # Authentication is off until reset-auth: make the user first.
        setup = boto3.client(
            "iam", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id="AKIASETUP0000000000", aws_secret_access_key="setup")
        setup.create_user(UserName="bench")
        setup.put_user_policy(
            UserName="bench", PolicyName="bench", PolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}]}))
        key = setup.create_access_key(UserName="bench")["AccessKey"]
        self.key_id, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
        # As text: a form body (urllib's default type) would leave moto's request.data empty.
        request = urllib.request.Request(
            self.endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
            headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request).read()
        self.s3 = boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret, config=Config(s3={"addressing_style": "path"}))
        # A wrong secret must be refused: signatures are checked.
        wrong = boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=self.key_id,
            aws_secret_access_key="wrong", config=Config(s3={"addressing_style": "path"}))
        try:
            wrong.list_buckets()
            raise RuntimeError("moto accepted a wrong secret: authentication is off")
        except wrong.exceptions.ClientError:
            pass

    def cpu(self):
        return process_cpu(self.process.pid)

    def mark(self):
        """Where the request log stands."""
        time.sleep(0.3)  # the server logs a request after answering it
        return os.path.getsize(self.log_path)

    def requests_since(self, mark):
        """The requests logged since `mark`, by method."""
        time.sleep(0.3)
        with open(self.log_path, "rb") as file:
            file.seek(mark)
            text = file.read()
        counts = {}
        for match in self.REQUEST.finditer(text):
            method = match.group(1).decode()
            counts[method] = counts.get(method, 0) + 1
        return counts

    def new_bucket(self, tool):
        name = f"{tool}-{uuid.uuid4().hex[:12]}".lower()
        self.s3.create_bucket(Bucket=name)
        return name

    def remove_bucket(self, name):
        """Deletes the bucket and everything in it, so that moto frees the memory."""
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=name):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.s3.delete_objects(Bucket=name, Delete={"Objects": keys})
        uploads = self.s3.list_multipart_uploads(Bucket=name).get("Uploads", [])
        for upload in uploads:
            self.s3.abort_multipart_upload(
                Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
        self.s3.delete_bucket(Bucket=name)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# MARK: the tools


class Tool:
    """One way of moving the Datanet: `push(bucket)` uploads it, `clone(bucket, dest)`
    downloads it into the new directory `dest`; each returns (wall, CPU, peak MB, bytes)."""

    name = ""

    def __init__(self, bench):
        self.bench = bench

    @property
    def env(self):
        return self.bench.env

    @property
    def endpoint(self):
        return self.bench.moto.endpoint


class OpenLedger(Tool):
    def __init__(self, bench, binary, name="openledger"):
        super().__init__(bench)
        self.binary = binary
        self.name = name

    def push(self, bucket, store=None):
        store = store or self.bench.store
        remote = f"r{uuid.uuid4().hex[:8]}"
        run([self.binary, "remote", "add", remote, f"s3://{bucket}/datanets",
             "--endpoint", self.endpoint, "--store", store], self.env)
        try:
            out, wall, cpu, peak = timed(
                [self.binary, "push", remote, "--store", store, "--format", "json", "--quiet"],
                self.env)
        finally:
            run([self.binary, "remote", "remove", remote, "--store", store], self.env)
        report = json.loads(out)
        moved = sum(d["bytes"] for d in report["datanets"])
        return wall, cpu, peak, moved, report

    def clone(self, bucket, dest):
        out, wall, cpu, peak = timed(
            [self.binary, "clone", f"s3://{bucket}/datanets", dest, "--endpoint", self.endpoint,
             "--format", "json", "--quiet"], self.env)
        report = json.loads(out)
        moved = sum(d["bytes"] for d in report["datanets"])
        return wall, cpu, peak, moved, report


class FolderTool(Tool):
    """A peer that copies the shard folder to `objects/` in the bucket and back
    (`copy(source, target)`, with `scheme` before a bucket's name)."""

    def push(self, bucket, folder=None):
        folder = folder or self.bench.folder
        _, wall, cpu, peak = self.copy(folder, f"{self.scheme}{bucket}/objects")
        return wall, cpu, peak, folder_bytes(folder)[1], None

    def clone(self, bucket, dest):
        _, wall, cpu, peak = self.copy(f"{self.scheme}{bucket}/objects", dest)
        return wall, cpu, peak, folder_bytes(dest)[1], None


class AWS(FolderTool):
    """`aws s3 sync` of the shard folder, with awscli's defaults (max_concurrent_requests 10,
    multipart_threshold and multipart_chunksize 8 MB)."""

    name = "aws s3 sync"

    def __init__(self, bench, binary):
        super().__init__(bench)
        self.binary = binary

    scheme = "s3://"

    def copy(self, source, target):
        return timed([self.binary, "s3", "sync", source, target, "--endpoint-url", self.endpoint,
                      "--only-show-errors", "--no-progress"], self.env)


class Rclone(FolderTool):
    """`rclone copy` of the shard folder, with rclone's defaults (--transfers 4, --checkers 8;
    single PUTs up to --s3-upload-cutoff 200 MiB, then 5 MiB chunks 4 at a time), configured
    for the endpoint by environment variables and an empty configuration file."""

    name = "rclone copy"

    def __init__(self, bench, binary):
        super().__init__(bench)
        self.binary = binary

    @property
    def env(self):
        return dict(
            self.bench.env, RCLONE_CONFIG=self.bench.rclone_config, RCLONE_CONFIG_MOTO_TYPE="s3",
            RCLONE_CONFIG_MOTO_PROVIDER="Other", RCLONE_CONFIG_MOTO_ENV_AUTH="false",
            RCLONE_CONFIG_MOTO_ACCESS_KEY_ID=self.bench.moto.key_id,
            RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY=self.bench.moto.secret,
            RCLONE_CONFIG_MOTO_ENDPOINT=self.endpoint, RCLONE_CONFIG_MOTO_REGION=REGION,
            RCLONE_CONFIG_MOTO_FORCE_PATH_STYLE="true")

    scheme = "moto:"

    def copy(self, source, target):
        return timed([self.binary, "copy", source, target, "--quiet"], self.env)


class DVC(Tool):
    """`dvc push` of the JSONL file and `dvc pull` into a fresh copy of the repository, with
    dvc's defaults (--jobs 4 × cores) and its cache linked to the workspace by hard links
    (`cache.type hardlink`), so that neither side copies the gigabyte once more on disk."""

    name = "dvc push/pull"

    def __init__(self, bench, binary):
        super().__init__(bench)
        self.binary = binary
        self.repo = os.path.join(bench.dir, "dvc-repo")

    def dvc(self, arguments, cwd, time_it=False):
        command = [self.binary, *arguments]
        if time_it:
            return timed(command, self.env, cwd=cwd)
        return run(command, self.env, cwd=cwd)

    def prepare(self):
        """A repository tracking the JSONL, made once (dvc add hashes and caches it)."""
        marker = os.path.join(self.repo, ".bench-ready")
        if os.path.exists(marker) and open(marker).read() == self.bench.data_key:
            return
        shutil.rmtree(self.repo, ignore_errors=True)
        os.makedirs(self.repo)
        self.dvc(["init", "--no-scm", "-q"], self.repo)
        self.dvc(["config", "cache.type", "hardlink"], self.repo)
        self.dvc(["config", "core.analytics", "false"], self.repo)
        shutil.copyfile(self.bench.jsonl, os.path.join(self.repo, "data.jsonl"))
        log("dvc add of the JSONL (hashing it into dvc's cache)")
        self.dvc(["add", "-q", "data.jsonl"], self.repo)
        with open(marker, "w") as file:
            file.write(self.bench.data_key)

    def point_at(self, repo, bucket):
        self.dvc(["remote", "add", "-f", "-d", "bench", f"s3://{bucket}/dvc"], repo)
        self.dvc(["remote", "modify", "bench", "endpointurl", self.endpoint], repo)
        self.dvc(["remote", "modify", "bench", "region", REGION], repo)

    def push(self, bucket, repo=None):
        repo = repo or self.repo
        self.point_at(repo, bucket)
        _, wall, cpu, peak = self.dvc(["push"], repo, time_it=True)
        return wall, cpu, peak, os.path.getsize(os.path.join(self.repo, "data.jsonl")), None

    def clone(self, bucket, dest):
        """A fresh checkout: the repository's .dvc/config and .dvc files without the cache."""
        os.makedirs(dest)
        self.dvc(["init", "--no-scm", "-q"], dest)
        shutil.copyfile(os.path.join(self.repo, ".dvc", "config"),
                        os.path.join(dest, ".dvc", "config"))
        for name in os.listdir(self.repo):
            if name.endswith(".dvc") and name != ".dvc":
                shutil.copyfile(os.path.join(self.repo, name), os.path.join(dest, name))
        self.point_at(dest, bucket)
        _, wall, cpu, peak = self.dvc(["pull", "-q"], dest, time_it=True)
        return wall, cpu, peak, os.path.getsize(os.path.join(dest, "data.jsonl")), None


# MARK: the benchmark


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = os.path.join(args.work, "remote")
        os.makedirs(self.dir, exist_ok=True)
        self.jsonl = os.path.join(args.work, "big.jsonl" if args.megabytes == 1000
                                  else f"big-{args.megabytes:g}.jsonl")
        self.moto = None

    # Data and the store

    def generate(self, path, seed, megabytes=None, records=None):
        if os.path.exists(path):
            return
        size = ["--megabytes", str(megabytes)] if megabytes else ["--records", str(records)]
        log(f"generating {path}")
        subprocess.run([sys.executable, f"{HERE}/generate_jsonl.py", path + ".part", *size,
                        "--seed", str(seed)], check=True)
        os.rename(path + ".part", path)

    def base_env(self):
        home = os.path.join(self.dir, "home")
        os.makedirs(home, exist_ok=True)
        empty = os.path.join(home, "empty-aws-config")
        open(empty, "a").close()
        self.rclone_config = os.path.join(home, "rclone.conf")
        open(self.rclone_config, "a").close()
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AWS_", "OPENLEDGER_", "RCLONE_"))}
        env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
                   XDG_CACHE_HOME=os.path.join(home, "cache"), OPENLEDGER_IDENTITY="bench",
                   AWS_CONFIG_FILE=empty, AWS_SHARED_CREDENTIALS_FILE=empty,
                   AWS_EC2_METADATA_DISABLED="true", AWS_REGION=REGION,
                   AWS_DEFAULT_REGION=REGION, DVC_NO_ANALYTICS="1")
        return env

    def make_store(self, name, jsonl, openledger):
        """A store with one Datanet `bench` holding `jsonl`, made once per input."""
        root = os.path.join(self.dir, name)
        store = os.path.join(root, ".openledger")
        marker = os.path.join(root, "ready")
        key = f"{os.path.getsize(jsonl)}"
        if os.path.exists(marker) and open(marker).read() == key:
            return store
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        env = dict(self.env, OPENLEDGER_STORE=store)
        run([openledger, "init"], env)
        if not os.path.exists(os.path.join(env["XDG_CONFIG_HOME"], "openledger", "identities",
                                           "bench.json")):
            run([openledger, "identity", "new", "bench"], env)
        run([openledger, "datanet", "create", "bench", "--record-format", "jsonl",
             "--text-field", "text", "--require", "text"], env)
        log(f"contributing {jsonl} into {store}")
        run([openledger, "contribute", "bench", jsonl, "--quiet"], env)
        with open(marker, "w") as file:
            file.write(key)
        return store

    def shard_folder(self, store, bucket, name):
        """The files openledger's push put under objects/ in `bucket`, hard-linked from the
        store into a folder of their own, for the peers that copy folders."""
        folder = os.path.join(self.dir, name)
        shutil.rmtree(folder, ignore_errors=True)
        paginator = self.moto.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix="datanets/objects/"):
            for item in page.get("Contents", []):
                relative = item["Key"][len("datanets/objects/"):]
                os.makedirs(os.path.dirname(os.path.join(folder, relative)), exist_ok=True)
                os.link(os.path.join(store, "objects", relative), os.path.join(folder, relative))
        return folder

    # Runs

    def measure(self, tool, what, action, written=None):
        """Times `action`; when it wrote the directory `written`, then also how long an fsync
        of everything in it takes (`sync_s`), and the sum (`on_disk_s`: until the bytes are
        on the disk, as a clone that syncs what it writes returns)."""
        load_before = wait_for_quiet(self.args.max_load, self.args.patience)
        mark = self.moto.mark()
        moto_before = self.moto.cpu()
        wall, cpu, peak, moved, report = action()
        moto_cpu = self.moto.cpu() - moto_before
        requests = self.moto.requests_since(mark)
        outcome = {
            "tool": tool.name, "what": what, "wall_s": wall, "cpu_s": cpu, "peak_mb": peak,
            "bytes": moved, "mb_per_s": moved / 1e6 / wall, "moto_cpu_s": moto_cpu,
            "requests": sum(requests.values()), "requests_by_method": requests,
            "load_before": load_before, "load_after": load_average(),
        }
        if written is not None:
            outcome["sync_s"] = fsync_tree(written)
            outcome["on_disk_s"] = wall + outcome["sync_s"]
        if report is not None:
            outcome["reported_requests"] = report.get("requests")
        synced = f", then fsync {outcome['sync_s']:.1f} s" if written is not None else ""
        log(f"  {tool.name:>16} {what:5}: {wall:6.1f} s{synced}, "
            f"{outcome['mb_per_s']:6.1f} MB/s, CPU {cpu:5.1f} s, moto CPU {moto_cpu:5.1f} s, "
            f"{outcome['requests']} requests, peak {peak:.0f} MB, load {load_before:.1f}")
        return outcome

    def transfer_runs(self, tools):
        runs = []
        kept = {}
        clones = os.path.join(self.dir, "clones")
        shutil.rmtree(clones, ignore_errors=True)
        os.makedirs(clones)
        for number in range(self.args.runs):
            # The tools take turns, starting one later each run.
            order = tools[number % len(tools):] + tools[:number % len(tools)]
            log(f"run {number + 1}/{self.args.runs} (load average {load_average():.1f})")
            for tool in order:
                bucket = self.moto.new_bucket(re.sub(r"[^a-z0-9]+", "-", tool.name)[:30])
                dest = os.path.join(clones, f"{re.sub(r'[^a-z0-9]+', '-', tool.name)}-{number}")
                try:
                    push = self.measure(tool, "push", lambda: tool.push(bucket))
                    clone = self.measure(
                        tool, "clone", lambda: tool.clone(bucket, dest), written=dest)
                except RuntimeError as error:
                    # One tool failing must not lose the others' runs: recorded, not measured.
                    log(f"  {tool.name} failed: {error}")
                    runs.append({"tool": tool.name, "run": number, "error": str(error)[-2000:]})
                    try:
                        self.moto.remove_bucket(bucket)
                    except Exception as leftover:  # uploads of the failed tool still landing
                        log(f"  bucket {bucket} left behind: {leftover}")
                    shutil.rmtree(dest, ignore_errors=True)
                    continue
                runs += [dict(push, run=number), dict(clone, run=number)]
                # So far, in case the run is stopped before the end.
                with open(os.path.join(self.dir, "runs-so-far.json"), "w") as file:
                    json.dump(runs, file, indent=1)
                last = number == self.args.runs - 1
                if last and tool.name in self.keep:
                    kept[tool.name] = (bucket, dest)
                else:
                    self.moto.remove_bucket(bucket)
                    shutil.rmtree(dest, ignore_errors=True)
        return runs, kept

    def counts(self, tool, what, action):
        mark = self.moto.mark()
        result = action()
        requests = self.moto.requests_since(mark)
        log(f"  {tool:>16} {what}: {sum(requests.values())} requests {requests}")
        return {"tool": tool, "what": what, "requests": sum(requests.values()),
                "requests_by_method": requests, "result": result}

    def request_counts(self, kept, openledger, aws, rclone, dvc):
        """No-op pulls and pulls of one new contribution, by every tool, from the buckets and
        downloads the last run kept."""
        out = []
        new = os.path.join(self.args.work, "new-0.jsonl")
        self.generate(new, seed=100, records=1000)
        bucket, first = kept[openledger.name]
        # A second clone adds the new contribution; the first pulls it.
        second = os.path.join(self.dir, "clones", "second")
        shutil.rmtree(second, ignore_errors=True)
        out.append(self.counts("openledger", "clone (second)",
                               lambda: openledger.clone(bucket, second)[4]["requests"]))
        pull = [openledger.binary, "pull", "--store", os.path.join(first, ".openledger"),
                "--format", "json", "--quiet"]
        out.append(self.counts("openledger", "no-op pull",
                               lambda: json.loads(run(pull, self.env))["requests"]))
        before = set(self.object_files(os.path.join(second, ".openledger")))
        run([openledger.binary, "contribute", "bench", new, "--store",
             os.path.join(second, ".openledger"), "--quiet"], self.env)
        added = sorted(set(self.object_files(os.path.join(second, ".openledger"))) - before)
        out.append(self.counts("openledger", "push of the new contribution", lambda: json.loads(
            run([openledger.binary, "push", "--store", os.path.join(second, ".openledger"),
                 "--format", "json", "--quiet"], self.env))["requests"]))
        out.append(self.counts("openledger", "pull of the new contribution",
                               lambda: json.loads(run(pull, self.env))["requests"]))
        new_bytes = sum(os.path.getsize(os.path.join(second, ".openledger", "objects", f))
                        for f in added)
        log(f"  the new contribution: {len(added)} objects, {new_bytes} bytes")

        # The folder peers: the same new files (the new shard and event) added to the folder.
        grown = os.path.join(self.dir, "folder-grown")
        shutil.rmtree(grown, ignore_errors=True)
        shutil.copytree(self.folder, grown, copy_function=os.link)
        for relative in added:
            os.makedirs(os.path.dirname(os.path.join(grown, relative)), exist_ok=True)
            os.link(os.path.join(second, ".openledger", "objects", relative),
                    os.path.join(grown, relative))
        for tool in (aws, rclone):
            if tool.name not in kept:
                continue
            bucket, dest = kept[tool.name]
            out.append(self.counts(tool.name, "no-op pull", lambda: tool.clone(bucket, dest)[0]))
            out.append(self.counts(tool.name, "push of the new contribution",
                                   lambda: tool.push(bucket, grown)[0]))
            out.append(self.counts(tool.name, "pull of the new contribution",
                                   lambda: tool.clone(bucket, dest)[0]))
        if dvc.name in kept:
            bucket, dest = kept[dvc.name]
            out.append(self.counts(dvc.name, "no-op pull",
                                   lambda: dvc.dvc(["pull", "-q"], dest, time_it=True)[1]))
            shutil.copyfile(new, os.path.join(dvc.repo, "new.jsonl"))
            dvc.dvc(["add", "-q", "new.jsonl"], dvc.repo)
            out.append(self.counts(dvc.name, "push of the new contribution",
                                   lambda: dvc.dvc(["push", "-q"], dvc.repo, time_it=True)[1]))
            shutil.copyfile(os.path.join(dvc.repo, "new.jsonl.dvc"),
                            os.path.join(dest, "new.jsonl.dvc"))
            out.append(self.counts(dvc.name, "pull of the new contribution",
                                   lambda: dvc.dvc(["pull", "-q"], dest, time_it=True)[1]))
            # The push side is the benchmark's own repository: leave it as it was.
            dvc.dvc(["remove", "-q", "new.jsonl.dvc"], dvc.repo)
            os.remove(os.path.join(dvc.repo, "new.jsonl"))
        for tool, (bucket, dest) in kept.items():
            self.moto.remove_bucket(bucket)
            shutil.rmtree(dest, ignore_errors=True)
        shutil.rmtree(second, ignore_errors=True)
        shutil.rmtree(grown, ignore_errors=True)
        return out

    def small_counts(self, openledger):
        """The same counts on a 10 MB Datanet: a no-op pull costs what it costs on 1 GB."""
        small = os.path.join(self.args.work, "small.jsonl")
        self.generate(small, seed=2, megabytes=10)
        new = os.path.join(self.args.work, "new-1.jsonl")
        self.generate(new, seed=101, records=1000)
        store = self.make_store("small-store", small, openledger.binary)
        bucket = self.moto.new_bucket("small")
        clones = os.path.join(self.dir, "clones")
        first, second = os.path.join(clones, "small-1"), os.path.join(clones, "small-2")
        for path in (first, second):
            shutil.rmtree(path, ignore_errors=True)
        out = [self.counts("openledger (10 MB)", "push",
                           lambda: openledger.push(bucket, store)[4]["requests"])]
        out.append(self.counts("openledger (10 MB)", "clone",
                               lambda: openledger.clone(bucket, first)[4]["requests"]))
        openledger.clone(bucket, second)
        pull = [openledger.binary, "pull", "--store", os.path.join(first, ".openledger"),
                "--format", "json", "--quiet"]
        out.append(self.counts("openledger (10 MB)", "no-op pull",
                               lambda: json.loads(run(pull, self.env))["requests"]))
        run([openledger.binary, "contribute", "bench", new, "--store",
             os.path.join(second, ".openledger"), "--quiet"], self.env)
        run([openledger.binary, "push", "--store", os.path.join(second, ".openledger"),
             "--quiet"], self.env)
        out.append(self.counts("openledger (10 MB)", "pull of the new contribution",
                               lambda: json.loads(run(pull, self.env))["requests"]))
        self.moto.remove_bucket(bucket)
        for path in (first, second):
            shutil.rmtree(path, ignore_errors=True)
        return out

    @staticmethod
    def object_files(store):
        root = os.path.join(store, "objects")
        for directory, _, names in os.walk(root):
            for name in names:
                yield os.path.relpath(os.path.join(directory, name), root)

    def main(self):
        args = self.args
        self.env = self.base_env()
        self.generate(self.jsonl, seed=1, megabytes=args.megabytes)
        self.data_key = f"{os.path.getsize(self.jsonl)}"
        self.store = self.make_store("store", self.jsonl, args.openledger)
        self.moto = Moto(args.moto_server, os.path.join(self.dir, "moto.log"))
        self.env.update(AWS_ACCESS_KEY_ID=self.moto.key_id,
                        AWS_SECRET_ACCESS_KEY=self.moto.secret)
        try:
            return self.measure_all()
        finally:
            self.moto.stop()

    def measure_all(self):
        args = self.args
        openledger = OpenLedger(self, args.openledger)
        compared = [OpenLedger(self, path, name=f"openledger {label}")
                    for label, path in (c.split("=", 1) for c in args.compare)]
        aws, rclone, dvc = AWS(self, args.aws), Rclone(self, args.rclone), DVC(self, args.dvc)
        wanted = args.tools.split(",")
        tools = [t for t, key in [(openledger, "openledger"), (aws, "aws"), (rclone, "rclone"),
                                  (dvc, "dvc")] if key in wanted] + compared
        # The shard folder: what openledger's push puts under objects/, from a first push.
        reference = self.moto.new_bucket("reference")
        log("a first push, to list the shards the peers will copy")
        openledger.push(reference)
        self.folder = self.shard_folder(self.store, reference, "folder")
        self.moto.remove_bucket(reference)
        files, size = folder_bytes(self.folder)
        log(f"the shard folder: {files} files, {size} bytes")
        if dvc in tools:
            dvc.prepare()
        self.keep = set() if args.no_requests else {
            openledger.name, aws.name, rclone.name, dvc.name}
        started = datetime.datetime.now(datetime.timezone.utc)
        runs, kept = self.transfer_runs(tools)
        counts = []
        if not args.no_requests and openledger.name in kept:
            log("request counts (moto's request log)")
            counts = self.request_counts(kept, openledger, aws, rclone, dvc)
            counts += self.small_counts(openledger)
        results = {
            "started": started.isoformat(timespec="seconds"),
            "ended": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "input_bytes": os.path.getsize(self.jsonl), "folder_files": files,
            "folder_bytes": size, "runs": runs, "counts": counts,
            "versions": self.versions(aws, rclone, dvc),
        }
        with open(os.path.join(self.dir, "results.json"), "w") as file:
            json.dump(results, file, indent=1)
        summary(results, [t.name for t in tools])
        return results

    def versions(self, aws, rclone, dvc):
        def first_line(command):
            try:
                return run(command, self.env).strip().splitlines()[0]
            except Exception as error:  # a peer that is not there is reported, not fatal
                return f"unknown ({error})"
        return {"aws": first_line([aws.binary, "--version"]),
                "rclone": first_line([rclone.binary, "version"]),
                "dvc": first_line([dvc.binary, "--version"]),
                "moto": first_line([sys.executable, "-c",
                                    "import moto; print(moto.__version__)"])}


def summary(results, names):
    print(f"\nRemotes: {results['input_bytes'] / 1e6:.0f} MB of JSONL, "
          f"{results['folder_files']} shards of {results['folder_bytes'] / 1e6:.1f} MB; "
          f"{results['started']} to {results['ended']}")
    for what in ("push", "clone"):
        rows = {}
        for name in names:
            runs = [r for r in results["runs"]
                    if r["tool"] == name and r.get("what") == what and "wall_s" in r]
            if runs:
                rows[name] = runs
        if not rows:
            continue
        first = next(iter(rows))
        base = statistics.median(r["wall_s"] for r in rows[first])
        print(f"\n{what}: medians of {len(rows[first])} runs")
        print(f"  {'':18} {'wall s':>8} {'MB/s':>7} {'CPU s':>7} {'moto CPU s':>10} "
              f"{'requests':>9} {'load':>10}  {first} is")
        for name, runs in rows.items():
            wall = statistics.median(r["wall_s"] for r in runs)
            loads = [r["load_before"] for r in runs]
            ratio = "" if name == first else f"{wall / base:.2f}x as fast"
            print(f"  {name:18} {wall:8.1f} {statistics.median(r['mb_per_s'] for r in runs):7.1f} "
                  f"{statistics.median(r['cpu_s'] for r in runs):7.1f} "
                  f"{statistics.median(r['moto_cpu_s'] for r in runs):10.1f} "
                  f"{statistics.median(r['requests'] for r in runs):9.0f} "
                  f"{min(loads):4.1f}-{max(loads):4.1f}  {ratio}")
            walls = ", ".join(f"{r['wall_s']:.1f}" for r in runs)
            print(f"  {'':18} runs: {walls} s")
        if all("on_disk_s" in r for runs in rows.values() for r in runs):
            base = statistics.median(r["on_disk_s"] for r in rows[first])
            print(f"\n{what}, until on disk (the command, then an fsync of all it wrote): "
                  f"medians")
            print(f"  {'':18} {'wall s':>8} {'fsync s':>8} {'sum s':>8}  {first} is")
            for name, runs in rows.items():
                on_disk = statistics.median(r["on_disk_s"] for r in runs)
                ratio = "" if name == first else f"{on_disk / base:.2f}x as fast"
                print(f"  {name:18} {statistics.median(r['wall_s'] for r in runs):8.1f} "
                      f"{statistics.median(r['sync_s'] for r in runs):8.2f} {on_disk:8.1f}  "
                      f"{ratio}")
    if results["counts"]:
        print("\nrequests (moto's log; openledger's own count in brackets)")
        for count in results["counts"]:
            own = count["result"] if isinstance(count["result"], int) else ""
            print(f"  {count['tool']:20} {count['what']:30} {count['requests']:5}"
                  + (f" [{own}]" if own != "" else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True)
    parser.add_argument("--openledger", required=True)
    parser.add_argument("--moto-server", required=True, help="Tests/Support/moto_server.py")
    parser.add_argument("--aws", required=True)
    parser.add_argument("--rclone", required=True)
    parser.add_argument("--dvc", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megabytes", type=float, default=1000)
    parser.add_argument("--tools", default="openledger,aws,rclone,dvc")
    parser.add_argument("--compare", action="append", default=[], metavar="LABEL=BIN",
                        help="another openledger binary, measured in turn with the rest")
    parser.add_argument("--no-requests", action="store_true",
                        help="measure push and clone only, not the request counts")
    parser.add_argument("--max-load", type=float, default=1.5,
                        help="wait for the 1-minute load average to fall under this")
    parser.add_argument("--patience", type=float, default=30,
                        help="seconds to wait for that before each measurement")
    args = parser.parse_args()
    # The peers run in directories of their own (dvc in its repository): absolute paths.
    for name in ("work", "openledger", "moto_server", "aws", "rclone", "dvc"):
        setattr(args, name, os.path.abspath(getattr(args, name)))
    Bench(args).main()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Regenerates the seed corpora in Fuzz/Corpus/ from the real binary.

    python3 Fuzz/seed-corpus.py path/to/openledger

It runs a small Datanet's whole story on a throwaway store, as the fuzzing identity
(Fuzz/fuzz-identity.json, so the events' and manifests' signatures verify in the targets that
check them), and keeps what each target reads: event envelopes and their payloads, an
attribution index segment, near-duplicate index files, two epochs' manifests and leaves, record
files, JSON lines and small archives. A few hand-made inputs go beside them (non-canonical JSON,
hostile archives from the tests' fixtures). The corpora are committed; run this again when a
format changes. Every file is named after what it holds, so reruns replace rather than add.
"""

import base64
import gzip
import io
import json
import lzma
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
CORPUS = os.path.join(FUZZ, "Corpus")
EXAMPLES = os.path.join(ROOT, "Examples", "data")
CLI_INPUTS = os.path.join(ROOT, "Tests", "OpenLedgerCLITests", "Inputs")
ARCHIVE_FIXTURES = os.path.join(ROOT, "Tests", "OpenLedgerKitTests", "Inputs", "archives")
SEPARATOR = b"\n--next-file--\n"  # FuzzSupport's FileBundle.separator
EPOCH = 1767225600  # 2026-01-01, the archives' timestamps


def bundle(files):
    return SEPARATOR.join(files)


def read(path):
    with open(path, "rb") as f:
        return f.read()


class Corpus:
    def __init__(self):
        if os.path.isdir(CORPUS):
            shutil.rmtree(CORPUS)

    def put(self, target, name, data):
        folder = os.path.join(CORPUS, target)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def openledger(binary, work):
    """A function running `binary` on the store in `work`, as the fuzzing identity."""
    store = os.path.join(work, "store")
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "config"),
               OPENLEDGER_STORE=store, OPENLEDGER_IDENTITY="fuzz")

    def ol(*args, capture=False):
        result = subprocess.run(
            [binary, *args], env=env, cwd=work, check=True,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
        return result.stdout
    return ol


def run_story(binary, work):
    """The Datanet's story; returns the store's path and the export folders."""
    config = os.path.join(work, "config")
    identities = os.path.join(config, "openledger", "identities")
    os.makedirs(identities, mode=0o700)
    key = os.path.join(identities, "fuzz.json")
    shutil.copyfile(os.path.join(FUZZ, "fuzz-identity.json"), key)
    os.chmod(key, 0o600)
    store = os.path.join(work, "store")
    ol = openledger(binary, work)

    def contribute(*paths):
        out = json.loads(ol("contribute", "notes", *paths, "--format", "json", capture=True))
        return out["contribution"]

    ol("init", "--store", store)
    ol("identity", "new", "second")
    ol("datanet", "create", "notes", "--record-format", "jsonl", "--text-field", "text",
       "--require", "text", "--license", "CC-BY-4.0", "--description", "Field notes")
    ol("datanet", "update", "notes", "--add-curator", "second")
    carlos = contribute(os.path.join(EXAMPLES, "carlos-notes.jsonl"))
    dana = contribute(os.path.join(EXAMPLES, "dana-notes.jsonl"))
    offtopic = contribute(os.path.join(EXAMPLES, "dana-offtopic.jsonl"))
    ol("review", "accept", carlos, dana)
    ol("review", "reject", offtopic, "--reason", "not about trees")
    late = os.path.join(work, "late.jsonl")
    with open(late, "w") as f:
        f.write('{"id":"late-1","text":"A late note on the rowans by the station, '
                'heavy with orange berries in October."}\n')
    ol("withdraw", contribute(late), "--reason", "sent by mistake")
    record = json.loads(ol("review", "show", carlos, "--all", "--format", "json",
                           capture=True))["records"][0]["id"]
    ol("takedown", "notes", "--record", record, "--reason", "personal data")
    ol("index", "build", "notes")
    ol("rewards", "compute", "notes", "--inferences", os.path.join(EXAMPLES, "inferences.jsonl"))
    second_log = os.path.join(work, "inferences-2.jsonl")
    with open(os.path.join(EXAMPLES, "inferences.jsonl")) as f, open(second_log, "w") as out:
        for line in f.readlines()[:2]:
            entry = json.loads(line)
            entry["id"] += "-b"
            out.write(json.dumps(entry) + "\n")
    ol("rewards", "compute", "notes", "--inferences", second_log)
    exports = []
    for epoch in ("1", "2"):
        folder = os.path.join(work, "epoch-" + epoch)
        ol("manifest", "export", "notes", "--epoch", epoch, "--out", folder)
        exports.append(folder)
    ol("export", "notes", "--out", os.path.join(work, "export"))
    return store, exports


def objects(store):
    root = os.path.join(store, "objects")
    for folder, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            yield read(os.path.join(folder, name))


def events_and_payloads(corpus, store):
    for data in objects(store):
        try:
            envelope = json.loads(data)
        except (UnicodeDecodeError, ValueError):
            continue
        if not isinstance(envelope, dict) or "payloadType" not in envelope:
            continue
        payload = base64.b64decode(envelope["payload"])
        if envelope["payloadType"] == "application/vnd.openledger.event+json":
            kind = json.loads(payload)["type"]
            index = 1
            while os.path.exists(os.path.join(CORPUS, "event-envelope", f"{kind}-{index}.json")):
                index += 1
            corpus.put("event-envelope", f"{kind}-{index}.json", data)
            corpus.put("event-payload", f"{kind}-{index}.json", payload)
    # One of each kind reformatted: accepted today, refused once envelopes must be canonical.
    first = read(os.path.join(CORPUS, "event-envelope", "datanet.create-1.json"))
    corpus.put("event-envelope", "datanet.create-indented.json",
               json.dumps(json.loads(first), indent=2).encode())


def index_segments(corpus, store, exports):
    outputs = read(os.path.join(EXAMPLES, "outputs.txt"))
    indexes = os.path.join(store, "indexes")
    for datanet in sorted(os.listdir(indexes)):
        for name in sorted(os.listdir(os.path.join(indexes, datanet))):
            folder = os.path.join(indexes, datanet, name)
            if name == "near-duplicates":
                for index, seg in enumerate(sorted(os.listdir(folder))):
                    corpus.put("near-duplicate-segment", f"contribution-{index + 1}.seg",
                               read(os.path.join(folder, seg)))
                continue
            manifest = read(os.path.join(folder, "manifest.json"))
            files = [f["name"] for f in json.loads(manifest)["files"]]
            parts = [manifest] + [read(os.path.join(folder, f)) for f in files]
            corpus.put("index-segment", "segment.bundle", bundle(parts))
            corpus.put("index-segment", "segment-with-output.bundle", bundle(parts + [outputs]))


def manifests(corpus, exports):
    names = ["manifest.json", "leaves.jsonl", "tree.bin", "previous-manifest.json",
             "previous-leaves.jsonl"]
    for epoch, folder in enumerate(exports, start=1):
        parts = [read(os.path.join(folder, n)) for n in names
                 if os.path.exists(os.path.join(folder, n))]
        corpus.put("manifest", f"epoch-{epoch}.bundle", bundle(parts))
        corpus.put("manifest", f"epoch-{epoch}-envelope-only.json", parts[0])
        corpus.put("leaves", f"epoch-{epoch}.jsonl", parts[1])


def records(corpus, work):
    for name in ("carlos-notes.jsonl", "dana-offtopic.jsonl"):
        corpus.put("records", name, read(os.path.join(EXAMPLES, name)))
    for name in ("good.csv", "ragged.csv", "paragraphs.txt", "malformed.jsonl",
                 "invalid-utf8.jsonl", "lengths.jsonl"):
        corpus.put("records", name, read(os.path.join(CLI_INPUTS, name)))
    export = os.path.join(work, "export", "data")
    shard = sorted(os.listdir(export))[0]
    corpus.put("records", "exported.jsonl", read(os.path.join(export, shard))[:4096])
    corpus.put("records", "crlf-bom.csv",
               b"\xef\xbb\xbfid,title,text\r\n1,\"A \"\"quoted\"\"\r\ntitle\",Plain text\r\n"
               b"2,,\"\xc3\xa9t\xc3\xa9 \xef\xbc\xa1\"\r\n")


def remotes(corpus, binary, work):
    """What a remote serves: the story's store pushed to a directory, then its takedown's
    redacted shard sent there by `gc --remote`. Its head files, packs and shards as they are;
    its keys as S3 ListObjectsV2 pages (under the bucket prefix `team/` the s3-listing target
    lists) and as web servers' directory index pages."""
    ol = openledger(binary, work)
    remote = os.path.join(work, "remote")
    ol("remote", "add", "origin", remote)
    ol("push")
    ol("gc")
    ol("gc", "--remote", "origin")
    keys = []
    for folder, _, names in os.walk(remote):
        for name in names:
            keys.append(os.path.relpath(os.path.join(folder, name), remote))
    keys.sort()
    sizes = {key: os.path.getsize(os.path.join(remote, key)) for key in keys}
    for key in keys:
        data = read(os.path.join(remote, key))
        if key.startswith("heads/"):
            corpus.put("remote-head-file", "head-" + key.split("/")[1][:12] + ".json", data)
        elif key.startswith("packs/"):
            corpus.put("remote-pack", key.split("/")[1][:12] + ".pack", data)
        elif data.startswith(b"OLSHARD1"):
            corpus.put("shard", "shard-" + key.split("/")[-1][:10], data)
        elif data.startswith(b"OLSHARDR"):
            corpus.put("shard", "redacted-" + key.split("/")[-1][:10], data)
    corpus.put("shard", "empty-record", b"OLSHARD1" + bytes(4))
    corpus.put("shard", "truncated", b"OLSHARD1\x10\x00\x00\x00abc")

    def page(entries, token=None, next_token=None):
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult '
               'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name>'
               f'<Prefix>team/</Prefix><KeyCount>{len(entries)}</KeyCount><MaxKeys>4</MaxKeys>')
        if token:
            xml += f"<ContinuationToken>{token}</ContinuationToken>"
        for key in entries:
            xml += (f"<Contents><Key>team/{key}</Key><LastModified>2026-01-01T00:00:00.000Z"
                    f'</LastModified><ETag>"0"</ETag><Size>{sizes[key]}</Size>'
                    "<StorageClass>STANDARD</StorageClass></Contents>")
        xml += f"<IsTruncated>{'true' if next_token else 'false'}</IsTruncated>"
        if next_token:
            xml += f"<NextContinuationToken>{next_token}</NextContinuationToken>"
        return (xml + "</ListBucketResult>").encode()

    corpus.put("s3-listing", "whole.xml", page(keys))
    corpus.put("s3-listing", "first-page.xml", page(keys[:4], next_token="1Tok+en/=="))
    corpus.put("s3-listing", "last-page.xml", page(keys[4:], token="1Tok+en/=="))
    corpus.put("s3-listing", "empty.xml", page([]))
    corpus.put("s3-listing", "error.xml",
               b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AuthorizationHeaderMalformed'
               b"</Code><Message>the region &apos;us-east-1&apos; is wrong</Message>"
               b"<Region>eu-west-1</Region><RequestId>0</RequestId></Error>")

    def listing(directory):
        """The names in `directory` of the remote, directories with a trailing slash."""
        path = os.path.join(remote, directory)
        return sorted(n + "/" if os.path.isdir(os.path.join(path, n)) else n
                      for n in os.listdir(path))

    def python_page(directory):
        items = "".join(f'<li><a href="{n}">{n}</a></li>\n' for n in listing(directory))
        return ("<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>Directory listing for /{directory}</title>\n</head>\n<body>\n"
                f"<h1>Directory listing for /{directory}</h1>\n<hr>\n<ul>\n{items}</ul>\n"
                "<hr>\n</body>\n</html>\n").encode()

    def nginx_page(directory):
        rows = "".join(f'<a href="{n}">{n}</a>{" " * 20}01-Jan-2026 00:00    -\r\n'
                       for n in listing(directory))
        return (f"<html>\r\n<head><title>Index of /{directory}</title></head>\r\n<body>\r\n"
                f'<h1>Index of /{directory}</h1><hr><pre><a href="../">../</a>\r\n{rows}'
                "</pre><hr></body>\r\n</html>\r\n").encode()

    def apache_page(directory):
        rows = "".join(f'<tr><td valign="top">&nbsp;</td><td><a href="{n}">{n}</a></td>'
                       '<td align="right">2026-01-01 00:00  </td></tr>\n'
                       for n in listing(directory))
        return ("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html><body>"
                f'<table><tr><th><a href="?C=N;O=D">Name</a></th></tr>\n'
                f'<tr><td><a href="/{directory}">Parent Directory</a></td></tr>\n{rows}'
                "</table></body></html>\n").encode()

    datanet = listing("heads")[0]
    corpus.put("http-index", "python-top.html", python_page(""))
    corpus.put("http-index", "python-heads-datanet.html", python_page("heads/" + datanet))
    corpus.put("http-index", "nginx-heads.html", nginx_page("heads/"))
    corpus.put("http-index", "apache-redactions.html", apache_page("redactions/"))
    corpus.put("http-index", "entities.html",
               b"<A HREF='it&#39;s%20here'>x</A> <a\thref=a&amp;b>y</a> <a href=\"./b%2Fc\">z</a>"
               b' <a href="https://elsewhere/x">w</a> <a href=".hidden">v</a>')


def canonical_json(corpus):
    lines = read(os.path.join(EXAMPLES, "carlos-notes.jsonl")).splitlines()
    corpus.put("canonical-json", "note.json", lines[0])
    made = {
        "unsorted.json": b'{"text":"b","id":2,"a":{"z":1,"y":[true,false,null]}}',
        "whitespace.json": b' {\n  "id" : 1 ,\t"text" : "x"\r\n} ',
        "escapes.json": b'{"text":"\\u00e9\\/\\b\\f\\n\\r\\t\\"\\\\ \\ud83d\\ude00 \\u001f"}',
        "numbers.json": b'{"a":1.0,"b":-0,"c":1e21,"d":1E-7,"e":0.1,"f":123456789012345678901234567890,"g":-1.5e+300}',
        "utf16-order.json": '{"\ue000":1,"\U0001f600":2,"a":3,"\u00e9":4}'.encode(),
        "nested.json": b'{"a":[[[{"b":[{}]}]]],"title":null,"id":"x"}',
        "duplicate.json": b'{"a":1,"b":2,"a":3}',
        "canonical.json": b'{"id":"cn-001","text":"plain","title":"t"}',
    }
    for name, data in made.items():
        corpus.put("canonical-json", name, data)


def archives(corpus, work):
    notes = read(os.path.join(EXAMPLES, "carlos-notes.jsonl"))[:600]
    extra = read(os.path.join(EXAMPLES, "dana-offtopic.jsonl"))

    def tar(mode, fmt=tarfile.USTAR_FORMAT):
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode=mode, format=fmt) as archive:
            for path, data in (("notes/a.jsonl", notes), ("notes/b.jsonl", extra)):
                info = tarfile.TarInfo(path)
                info.size, info.mtime, info.mode = len(data), EPOCH, 0o644
                archive.addfile(info, io.BytesIO(data))
            folder = tarfile.TarInfo("notes/empty")
            folder.type, folder.mtime, folder.mode = tarfile.DIRTYPE, EPOCH, 0o755
            archive.addfile(folder)
        return out.getvalue()

    corpus.put("archive", "notes.tar", tar("w"))
    corpus.put("archive", "notes-pax.tar", tar("w", tarfile.PAX_FORMAT))
    corpus.put("archive", "notes.tar.gz", gzip.compress(tar("w"), mtime=0))
    corpus.put("archive", "notes.tar.xz", lzma.compress(tar("w")))
    corpus.put("archive", "notes.jsonl.gz", gzip.compress(notes, mtime=0))
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in (("a.jsonl", notes), ("dir/b.jsonl", extra)):
            archive.writestr(zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0)), data)
    corpus.put("archive", "notes.zip", zipped.getvalue())
    zstd = shutil.which("zstd")
    if zstd:
        corpus.put("archive", "notes.tar.zst", subprocess.run(
            [zstd, "-q", "-c", "-19"], input=tar("w"), stdout=subprocess.PIPE,
            check=True).stdout)
    for name in ("good.7z", "symlink.tar", "traversal.tar", "zip-slip.zip", "encrypted.zip",
                 "truncated.tar.gz", "data.jsonl.bz2", "data.jsonl.zst"):
        corpus.put("archive", name, read(os.path.join(ARCHIVE_FIXTURES, name)))


def ingest(corpus):
    """The whole reading path: record files as they are, and some of them in archives."""
    for target in ("records", "archive"):
        folder = os.path.join(CORPUS, target)
        for name in sorted(os.listdir(folder)):
            if target == "records" or name in ("notes.tar.gz", "notes.jsonl.gz", "notes.zip"):
                corpus.put("ingest", name, read(os.path.join(folder, name)))
    corpus.put("ingest", "bom-crlf-paragraphs.txt",
               b"\xef\xbb\xbfFirst paragraph,\r\nstill the first.\r\n\r\n  \r\nSecond.\r\n")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python3 Fuzz/seed-corpus.py path/to/openledger")
    binary = os.path.abspath(sys.argv[1])
    corpus = Corpus()
    with tempfile.TemporaryDirectory(prefix="openledger-seeds.") as work:
        store, exports = run_story(binary, work)
        events_and_payloads(corpus, store)
        index_segments(corpus, store, exports)
        manifests(corpus, exports)
        records(corpus, work)
        remotes(corpus, binary, work)
    canonical_json(corpus)
    archives(corpus, None)
    ingest(corpus)
    for target in sorted(os.listdir(CORPUS)):
        folder = os.path.join(CORPUS, target)
        size = sum(os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder))
        print(f"{target:24} {len(os.listdir(folder)):3} files {size:8} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Regenerates the archive fixtures in this folder.

Good archives in every format hold the same small corpus; hostile ones each hold one thing the
archive reader must refuse. Run it from anywhere; it writes next to itself:

    python3 Tests/OpenLedgerKitTests/Inputs/archives/make-fixtures.py

Needs Python 3 (standard library only) and, for the formats Python cannot write, these Debian
packages: zstd (zstd), libarchive-tools (bsdtar: 7z and the encrypted zip) and 7zip (7zz: the 7z
archive with encrypted headers). The output is deterministic except where those tools stamp
their own metadata.
"""

import bz2
import gzip
import io
import lzma
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
MTIME = 1_704_067_200  # 2024-01-01T00:00:00Z, so rebuilt fixtures do not change needlessly.

# The corpus every good archive holds, in archive order. Directories come before their files,
# as tar writes them.
CORPUS = [
    ("corpus/", None),
    ("corpus/README.txt", b"A tiny corpus for the archive reader's tests.\n"),
    ("corpus/empty.txt", b""),
    ("corpus/papers/", None),
    ("corpus/papers/2024/", None),
    (
        "corpus/papers/2024/abstracts.jsonl",
        b'{"id": 1, "text": "Suffix arrays index every substring of a corpus."}\n'
        b'{"id": 2, "text": "MinHash estimates the Jaccard similarity of two sets."}\n'
        b'{"id": 3, "text": "Merkle proofs let anyone check one leaf against a root."}\n',
    ),
    ("corpus/papers/notes.txt", b"Read the abstracts first.\r\nThen the notes.\r\n"),
    ("corpus/donn\u00e9es/", None),
    ("corpus/donn\u00e9es/\u00e9t\u00e9.txt", "Caf\u00e9 cr\u00e8me, na\u00efve r\u00e9sum\u00e9.\n".encode()),
]

JSONL = b"".join(
    b'{"id": %d, "text": "line %d of a single compressed file"}\n' % (i, i) for i in range(1, 6)
)


def path(name):
    return os.path.join(HERE, name)


def run(*command, **options):
    subprocess.run(command, check=True, **options)


def tar_info(name, kind=tarfile.REGTYPE, size=0, **fields):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    info.mtime = MTIME
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.uname = info.gname = "openledger"
    for key, value in fields.items():
        setattr(info, key, value)
    return info


def write_tar(fileobj, members):
    """Writes `members`, a list of (TarInfo, bytes or None), as a pax tar.

    The tar ends with its two zero blocks, without the padding to a 10 KiB record that tarfile
    adds, so the fixtures stay small.
    """
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
        end = tar.offset + 2 * tarfile.BLOCKSIZE
    fileobj.write(buffer.getvalue()[:end])


def corpus_tar_bytes():
    members = []
    for name, data in CORPUS:
        if data is None:
            members.append((tar_info(name.rstrip("/"), tarfile.DIRTYPE), None))
        else:
            members.append((tar_info(name, size=len(data)), data))
    buffer = io.BytesIO()
    write_tar(buffer, members)
    return buffer.getvalue()


def gzip_bytes(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def zstd_file(source, target, level="-19"):
    run("zstd", "-q", "-f", level, source, "-o", target)


def write(name, data):
    with open(path(name), "wb") as out:
        out.write(data)


def make_good(stage):
    tar = corpus_tar_bytes()
    write("good.tar", tar)
    write("good.tar.gz", gzip_bytes(tar))
    write("good.tar.bz2", bz2.compress(tar, 9))
    write("good.tar.xz", lzma.compress(tar, format=lzma.FORMAT_XZ))
    zstd_file(path("good.tar"), path("good.tar.zst"))

    with zipfile.ZipFile(path("good.zip"), "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in CORPUS:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o40755 if data is None else 0o100644) << 16
            archive.writestr(info, data or b"")

    # bsdtar writes 7z from a directory tree; list the names so the order is fixed.
    root = os.path.join(stage, "tree")
    for name, data in CORPUS:
        target = os.path.join(root, name)
        if data is None:
            os.makedirs(target, exist_ok=True)
        else:
            with open(target, "wb") as out:
                out.write(data)
    for name, _ in reversed(CORPUS):
        os.utime(os.path.join(root, name), (MTIME, MTIME))
    names = [name.rstrip("/") for name, _ in CORPUS]
    run("bsdtar", "-c", "-n", "--format", "7zip", "-f", path("good.7z"), "-C", root, *names)


def make_single_files(stage):
    write("data.jsonl.gz", gzip_bytes(JSONL))
    write("data.jsonl.bz2", bz2.compress(JSONL, 9))
    write("data.jsonl.xz", lzma.compress(JSONL, format=lzma.FORMAT_XZ))
    plain = os.path.join(stage, "data.jsonl")
    with open(plain, "wb") as out:
        out.write(JSONL)
    zstd_file(plain, path("data.jsonl.zst"))


def one_file_tar(name, data=b"x\n"):
    buffer = io.BytesIO()
    write_tar(buffer, [(tar_info(name, size=len(data)), data)])
    return buffer.getvalue()


def make_hostile(stage):
    # Paths that would escape a directory the archive were extracted into.
    with zipfile.ZipFile(path("zip-slip.zip"), "w") as archive:
        archive.writestr(zipfile.ZipInfo("corpus/ok.txt", (2024, 1, 1, 0, 0, 0)), b"fine\n")
        archive.writestr(zipfile.ZipInfo("../evil.txt", (2024, 1, 1, 0, 0, 0)), b"evil\n")
    write("traversal.tar", one_file_tar("corpus/../../evil.txt"))
    write("absolute.tar", one_file_tar("/etc/evil"))

    # Links and special files: harmless to read as bytes, dangerous to anything that later
    # extracts or follows them, and never data.
    buffer = io.BytesIO()
    write_tar(buffer, [
        (tar_info("corpus/README.txt", size=3), b"ok\n"),
        (tar_info("corpus/passwd", tarfile.SYMTYPE, linkname="/etc/passwd"), None),
    ])
    write("symlink.tar", buffer.getvalue())
    buffer = io.BytesIO()
    write_tar(buffer, [
        (tar_info("corpus/README.txt", size=3), b"ok\n"),
        (tar_info("corpus/again.txt", tarfile.LNKTYPE, linkname="corpus/README.txt"), None),
    ])
    write("hardlink.tar", buffer.getvalue())
    buffer = io.BytesIO()
    write_tar(buffer, [(tar_info("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3), None)])
    write("device.tar", buffer.getvalue())
    buffer = io.BytesIO()
    write_tar(buffer, [(tar_info("corpus/pipe", tarfile.FIFOTYPE), None)])
    write("fifo.tar", buffer.getvalue())

    # A decompression bomb: 1 GiB of zeros in a tar, compressed to a few kilobytes with zstd.
    # It is streamed into zstd, so making it needs no gigabyte of memory or disk.
    size = 1 << 30
    with open(path("bomb.tar.zst"), "wb") as out:
        zstd = subprocess.Popen(["zstd", "-q", "-19", "-c"], stdin=subprocess.PIPE, stdout=out)
        header = tar_info("zeros.bin", size=size)
        zstd.stdin.write(header.tobuf(format=tarfile.PAX_FORMAT))
        block = bytes(1 << 20)
        for _ in range(size // len(block)):
            zstd.stdin.write(block)
        zstd.stdin.write(bytes(1024))  # two zero blocks end the tar
        zstd.stdin.close()
        if zstd.wait() != 0:
            sys.exit("zstd failed")

    # A bomb in data libarchive reads by itself and never hands out: each entry comes after 30
    # GNU long-name headers of 1 MiB each (the name, then zeros), 90 MiB in 96 KB of gzip.
    with open(path("hidden-bomb.tar.gz"), "wb") as out:
        with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as stream:
            for index in range(3):
                name = b"corpus/file%d.txt" % index
                for _ in range(30):
                    body = name + bytes((1 << 20) - len(name))
                    header = tar_info("././@LongLink", tarfile.GNUTYPE_LONGNAME, size=len(body))
                    stream.write(header.tobuf(format=tarfile.GNU_FORMAT) + body)
                header = tar_info(name.decode(), size=3)
                stream.write(header.tobuf(format=tarfile.GNU_FORMAT) + b"hi\n" + bytes(509))
            stream.write(bytes(1024))

    # 3 MiB of zeros: over the default expansion ratio, fine once the ratio limit is raised.
    write("zeros-3mib.tar.gz", gzip_bytes(one_file_tar("zeros.bin", bytes(3 << 20))))
    # 2 MiB of one sentence over and over: a genuine text file that compresses like a bomb.
    sentence = b"The same line of field notes, written down once more for the record.\n"
    write("repeated-2mib.tar.gz",
          gzip_bytes(one_file_tar("notes/repeated.txt", sentence * ((2 << 20) // len(sentence)))))

    # Damage: a tar.gz cut off inside its second entry, and a zip whose compressed bytes were
    # changed.
    buffer = io.BytesIO()
    long_text = b"the same line again and again\n" * 16_000
    write_tar(buffer, [
        (tar_info("corpus/README.txt", size=3), b"ok\n"),
        (tar_info("corpus/long.txt", size=len(long_text)), long_text),
    ])
    whole = gzip_bytes(buffer.getvalue())
    write("truncated.tar.gz", whole[: len(whole) * 2 // 3])
    damaged = bytearray(open(path("good.zip"), "rb").read())
    offset = damaged.find(b"PK\x03\x04", 1)  # the second local header: corpus/README.txt
    start = offset + 30 + len("corpus/README.txt")
    for i in range(start, start + 8):
        damaged[i] ^= 0x5A
    write("corrupt.zip", bytes(damaged))

    # Encryption: a zip with ZipCrypto entries, and a 7z whose headers (names too) are encrypted.
    secret = os.path.join(stage, "secret")
    os.makedirs(os.path.join(secret, "corpus"), exist_ok=True)
    with open(os.path.join(secret, "corpus", "secret.txt"), "wb") as out:
        out.write(b"a secret\n")
    for name in ("corpus/secret.txt", "corpus"):
        os.utime(os.path.join(secret, name), (MTIME, MTIME))
    for target in ("encrypted.zip", "encrypted.7z"):
        if os.path.exists(path(target)):
            os.remove(path(target))
    run("bsdtar", "-c", "--format", "zip", "--options", "zip:encryption=zipcrypt",
        "--passphrase", "openledger", "-f", path("encrypted.zip"), "-C", secret, "corpus")
    run("7zz", "a", "-bd", "-bso0", "-p" + "openledger", "-mhe=on", path("encrypted.7z"),
        "corpus", cwd=secret)

    # Names that would act on the terminal they are shown in: a carriage return that overwrites
    # the line with a fake verdict, and a newline that splits a listing's row.
    write("control-name.tar", one_file_tar("corpus/ok\rFAKE: accepted by curator.jsonl",
                                           b'{"text": "a record under a hostile name"}\n'))
    with zipfile.ZipFile(path("newline-name.zip"), "w") as archive:
        archive.writestr(zipfile.ZipInfo("corpus/two\nlines.jsonl", (2024, 1, 1, 0, 0, 0)),
                         b'{"text": "a record under a name with a line break"}\n')

    # Gzip streams whose trailer does not match their content (`gzip -t` refuses both): a wrong
    # CRC-32 on a compressed file, and a wrong length (ISIZE) on a tar.gz.
    damaged = bytearray(gzip_bytes(JSONL))
    damaged[-8] ^= 0xFF
    write("bad-crc.jsonl.gz", bytes(damaged))
    damaged = bytearray(gzip_bytes(corpus_tar_bytes()))
    damaged[-1] ^= 0x01
    write("bad-length.tar.gz", bytes(damaged))
    # The same, with the trailer beyond what libarchive reads: after the tar's end come 96 KiB of
    # noise (which does not compress), so the bad CRC-32 lies past libarchive's last block.
    noise = random.Random(13).randbytes(96 * 1024)
    damaged = bytearray(gzip_bytes(one_file_tar("notes.jsonl", b'{"text": "before the noise"}\n')
                                   + noise))
    damaged[-8] ^= 0xFF
    write("bad-crc-after-end.tar.gz", bytes(damaged))

    # Not an archive at all.
    write("not-an-archive.txt", b"Just some text, not an archive.\n")


def main():
    with tempfile.TemporaryDirectory() as stage:
        make_good(stage)
        make_single_files(stage)
        make_hostile(stage)
    for name in sorted(os.listdir(HERE)):
        if not name.startswith("make-fixtures"):
            print(f"{os.path.getsize(path(name)):>8}  {name}")


if __name__ == "__main__":
    if not all(shutil.which(tool) for tool in ("zstd", "bsdtar", "7zz")):
        sys.exit("make-fixtures: needs zstd, bsdtar (libarchive-tools) and 7zz (7zip)")
    main()

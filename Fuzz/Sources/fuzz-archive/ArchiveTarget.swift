import Foundation
import FuzzSupport
import OpenLedgerKit

/// The archive layer on any bytes (Ingest/ArchiveReader.swift, InputKind.swift, and libarchive
/// under them), both ways `contribute` opens an input: a file it may seek in, and standard input
/// after the sniffed prefix. Every entry is read to its end, as the ingestor reads it.
///
/// Properties besides the sanitizers: every entry yielded has a normalized relative path (no
/// empty or `.` components, no `..` by either separator) and chunks of at most 64 KiB; after a
/// failure, every later call throws the same error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let input = [UInt8](fuzzInput(data, count))
  _ = ArchiveReader.detect(firstBytes: input.prefix(ArchiveReader.detectionByteCount))
  let scratch = ScratchDirectory.shared
  let path = scratch.write(input, to: "input.jsonl.gz")
  if let reader = try? ArchiveReader(path: path, limits: limits) { readAll(reader) }
  if let reader = try? ArchiveReader(
    fileDescriptor: emptyInput, name: "<stdin>", prefix: input, limits: limits)
  {
    readAll(reader)
  }
  return 0
}

/// The defaults `contribute` uses but a smaller total, which the ratio reaches first anyway for
/// inputs of fuzzing size.
private let limits = ArchiveLimits(maxExpandedBytes: 64 << 20)

/// Standard input at its end: the whole input is the prefix.
private let emptyInput = open("/dev/null", O_RDONLY | O_CLOEXEC)

private func readAll(_ reader: ArchiveReader) {
  do {
    while let entry = try reader.nextEntry() {
      if !reader.isCompressedFile { expectNormalized(entry.path) }
      while let chunk = try reader.readChunk() {
        expect(chunk.count <= 64 * 1024, "a chunk of \(chunk.count) bytes")
      }
    }
  } catch {
    do {
      _ = try reader.nextEntry()
      expect(false, "the reader went on after \(error)")
    } catch let again {
      expect(again == error, "the reader failed with \(error), then with \(again)")
    }
  }
}

/// What `ArchiveEntry.path` promises: relative, no empty or `.` components between `/`, and
/// no `..` component between either separator.
private func expectNormalized(_ path: String) {
  let bytes = Array(path.utf8)
  for component in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
    expect(
      !component.isEmpty && !component.elementsEqual(".".utf8),
      "entry path '\(path)' has an empty or '.' component")
  }
  let parts = bytes.split(whereSeparator: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") })
  expect(!parts.contains { $0.elementsEqual("..".utf8) }, "entry path '\(path)' has '..'")
}

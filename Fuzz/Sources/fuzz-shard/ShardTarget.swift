import Foundation
import FuzzSupport

@testable import OpenLedgerKit

/// A shard object on any bytes (Shard/Shard.swift), as a pull reads each shard it fetched
/// (`ShardEntries`, on one thread and on several), as folding and `gc` list it
/// (`StoredRecord.list`), as a pull checks a redacted copy's header (`ShardReader.original`),
/// and as the near-duplicate index reads its records' text (`ShardSignatures`, JSONL schema).
///
/// Properties besides the sanitizers:
/// - every reader accepts the same shards and gives the same entries, on any number of
///   threads;
/// - entries lie inside the bytes, after the header, in increasing order, without overlap;
/// - a record's id is the SHA-256 of its bytes, a tombstone's the 32 bytes it holds;
/// - a length of 0 is a tombstone and nothing else (records are never empty: the catalog
///   reads a length of 0 as a record `gc` erased);
/// - a redacted shard's header names the original its bytes 8 to 40 hold.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShard(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let input = fuzzInput(data, count)
  let bytes = Data(input)
  let redacted = input.count >= 40 && input.starts(with: ShardFormat.redactedMagic)
  expect(
    ShardReader(data: bytes).original == (redacted ? Digest(bytes: input[8..<40]) : nil),
    "a shard's header is read as another original")

  let listed = try? StoredRecord.list(bytes)
  let shard = try? ShardEntries(shard: bytes)
  let threaded = try? ShardEntries(shard: bytes, minimumCount: 2)
  let signatures = try? ShardSignatures(shard: bytes, schema: schema)
  guard let listed, let shard, let threaded, let signatures else {
    expect(
      listed == nil && shard == nil && threaded == nil && signatures == nil,
      "one shard reader accepts a shard another refuses")
    return 0
  }
  expect(shard.entries == listed, "a pull reads other entries than folding lists")
  expect(
    threaded.entries == listed && threaded.records == shard.records,
    "a shard read on several threads gives other entries")
  expect(
    signatures.ids == shard.records.map { listed[$0].id },
    "the near-duplicate index reads other records than a pull")

  var end = redacted ? 40 : 8
  for entry in listed {
    let tombstone = isTombstone(entry, in: input)
    let length = tombstone ? 32 : entry.length
    expect(
      entry.offset >= end + 4 && entry.offset + length <= input.count,
      "an entry at \(entry.offset) of \(length) bytes does not lie after the last, inside the shard"
    )
    let held = UnsafeRawBufferPointer(rebasing: input[entry.offset..<entry.offset + length])
    if tombstone {
      expect(RecordID(bytes: held) == entry.id, "a tombstone at \(entry.offset) names another id")
    } else {
      expect(RecordID(of: held) == entry.id, "the record at \(entry.offset) is not its bytes' hash")
      expect(entry.length > 0, "the record at \(entry.offset) is empty, as a tombstone is")
    }
    end = entry.offset + length
  }
  expect(end == input.count, "the shard's entries end at \(end), not at its end")
  expect(
    shard.records == listed.indices.filter { !isTombstone(listed[$0], in: input) },
    "a pull's records are not the shard's records")
  return 0
}

/// Whether `entry` is a tombstone, by its length field (the 4 bytes before its offset).
private func isTombstone(_ entry: StoredRecord, in input: UnsafeRawBufferPointer) -> Bool {
  input[entry.offset - 4..<entry.offset].allSatisfy { $0 == 0xFF }
}

private let schema = DatanetSchema(format: .jsonl, textFields: ["text"])

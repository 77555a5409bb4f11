import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct NearDuplicateIndexTests {
  let hasher = MinHasher()

  /// `count` records of random text, their ids and compact signatures (flat).
  func records(_ count: Int, seed: UInt64) -> (ids: [RecordID], signatures: [UInt16]) {
    var ids = [RecordID]()
    var signatures = [UInt16]()
    for index in 0..<count {
      let text = MinHashTests.randomText(words: 60, vocabulary: 3_000, seed: seed &+ UInt64(index))
      let bytes = Array(text.utf8)
      let id = bytes.withUnsafeBytes { RecordID(of: $0) }
      ids.append(id)
      signatures.append(contentsOf: CompactSignature.compute(text: bytes, id: id, hasher: hasher))
    }
    return (ids, signatures)
  }

  func signature(_ signatures: [UInt16], _ index: Int) -> [UInt16] {
    Array(signatures[(index * 112)..<((index + 1) * 112)])
  }

  /// The band keys that the index stores are pinned too: changing them orphans every stored
  /// index (`rebuild-catalog` would have to recompute it).
  @Test func compactBandKeysArePinned() throws {
    let signature = try #require(hasher.signature(of: MinHashTests.sentence))
    #expect(
      Array(signature.compact.values.prefix(8)) == [
        0xac9f, 0x053d, 0xe38c, 0x6016, 0x55ef, 0x9b4a, 0xc73e, 0xb9cc,
      ])
    #expect(
      Array(signature.bandKeys().prefix(3)) == [
        0xf416_bfee_b7ee_3dcf, 0x13f6_1912_9bfa_5690, 0xd317_1aa7_5b41_8900,
      ])
    #expect(signature.bandKeys() == signature.compact.bandKeys)
  }

  @Test func aSegmentFindsEveryRecordByEachOfItsBandKeys() throws {
    let directory = try TemporaryDirectory()
    let (ids, signatures) = records(300, seed: 10)
    let name = try NearDuplicateSegment.write(
      ids: ids, signatures: signatures, into: directory.path, stagingDirectory: directory.path)
    let segment = try NearDuplicateSegment(path: "\(directory.path)/\(name)")
    #expect(segment.recordCount == 300)
    // Header, ids, signatures, then 14 entries of 12 bytes per record.
    let size = try #require(
      try FileManager.default.attributesOfItem(atPath: "\(directory.path)/\(name)")[.size] as? Int)
    #expect(size == 16 + 300 * (32 + 224 + 14 * 12))
    let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(directory.path)/\(name)"))
    #expect(name == "\(Digest.of(bytes).hex).seg", "named by the SHA-256 of its bytes")
    for index in [0, 1, 150, 299] {
      #expect(segment.recordID(index) == ids[index])
      let values = signature(signatures, index)
      #expect(Array(segment.signature(index)) == values)
      for key in CompactSignature(values: values).bandKeys {
        var found = [Int]()
        try segment.records(withKey: key, into: &found)
        #expect(found == [index], "random texts share no band")
      }
    }
    var none = [Int]()
    try segment.records(withKey: 0x0123_4567_89ab_cdef, into: &none)
    #expect(none.isEmpty)
  }

  @Test func recordsSharingABandAreAllFoundInOrder() throws {
    let directory = try TemporaryDirectory()
    let (ids, original) = records(50, seed: 20)
    var signatures = original
    // Records 7, 20 and 41 get the same band 3 as record 2.
    for target in [7, 20, 41] {
      for row in 0..<8 { signatures[target * 112 + 24 + row] = signatures[2 * 112 + 24 + row] }
    }
    let name = try NearDuplicateSegment.write(
      ids: ids, signatures: signatures, into: directory.path, stagingDirectory: directory.path)
    let segment = try NearDuplicateSegment(path: "\(directory.path)/\(name)")
    let key = CompactSignature(values: signature(signatures, 2)).bandKeys[3]
    var found = [Int]()
    try segment.records(withKey: key, into: &found)
    #expect(found == [2, 7, 20, 41])
  }

  /// The entries come out in (key, record) order however they are spread over buckets: with
  /// 60,000 records (placed by several threads), buckets of all sizes, and one bucket crowded
  /// by 100 records sharing a band, which is sorted another way.
  @Test func theSegmentsEntriesAreInKeyThenRecordOrder() {
    let count = 60_000
    var generator = SplitMix64(seed: 11)
    var signatures = (0..<(count * 112)).map { _ in UInt16(truncatingIfNeeded: generator.next()) }
    for record in stride(from: 500, to: 50_500, by: 500) {
      for row in 0..<8 { signatures[record * 112 + 40 + row] = signatures[row + 40] }
    }
    var expected = [(UInt64, UInt32)]()
    signatures.withUnsafeBufferPointer { all in
      for record in 0..<count {
        let values = UnsafeBufferPointer(rebasing: all[(record * 112)..<((record + 1) * 112)])
        for band in 0..<14 {
          expected.append((CompactSignature.bandKey(band, values), UInt32(record)))
        }
      }
    }
    expected.sort { $0 < $1 }
    let packed = NearDuplicateSegment.sortedEntries(signatures: signatures, count: count)
    #expect(packed.count == expected.count * 12)
    let entries = packed.withUnsafeBytes { bytes in
      (0..<expected.count).map { index in
        (
          UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 12, as: UInt64.self)),
          UInt32(
            littleEndian: bytes.loadUnaligned(fromByteOffset: index * 12 + 8, as: UInt32.self))
        )
      }
    }
    #expect(entries.elementsEqual(expected, by: ==))
  }

  @Test func mergingKeepsEveryRecordAndKey() throws {
    let directory = try TemporaryDirectory()
    let first = records(40, seed: 30)
    let second = records(25, seed: 90)
    let names = try [first, second].map {
      try NearDuplicateSegment.write(
        ids: $0.ids, signatures: $0.signatures, into: directory.path,
        stagingDirectory: directory.path)
    }
    let merged = try NearDuplicateSegment.merge(
      names.map { try NearDuplicateSegment(path: "\(directory.path)/\($0)") },
      into: directory.path, stagingDirectory: directory.path)
    let segment = try NearDuplicateSegment(path: "\(directory.path)/\(merged)")
    #expect(segment.recordCount == 65)
    #expect(segment.recordID(40) == second.ids[0])
    var found = [Int]()
    try segment.records(
      withKey: CompactSignature(values: signature(second.signatures, 24)).bandKeys[13], into: &found
    )
    #expect(found == [64])
  }

  @Test func aDamagedSegmentIsRefused() throws {
    let directory = try TemporaryDirectory()
    let (ids, signatures) = records(3, seed: 40)
    let name = try NearDuplicateSegment.write(
      ids: ids, signatures: signatures, into: directory.path, stagingDirectory: directory.path)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: "\(directory.path)/\(name)"))
    bytes.removeLast()
    try bytes.write(to: URL(fileURLWithPath: "\(directory.path)/cut.seg"))
    #expect(throws: NearDuplicateIndexError.self) {
      try NearDuplicateSegment(path: "\(directory.path)/cut.seg")
    }
  }

  /// Found by the `near-duplicate-segment` fuzz target: entry 119 of a file names record
  /// 16,777,217 of 13. Opening checks only the sizes, so the file opened, and the search for a
  /// new record's candidates handed out that index, whose signature was read far outside the
  /// file (a crash in `contribute`). The search now refuses the file, saying how to rebuild it.
  @Test func anEntryNamingAMissingRecordIsRefusedBySearch() throws {
    let path = fuzzFixture("near-duplicate-segment", "entry-names-a-missing-record.seg")
    let segment = try NearDuplicateSegment(path: path)
    #expect(segment.recordCount == 13)
    var refused: NearDuplicateIndexError?
    var found = [Int]()
    search: for record in 0..<segment.recordCount {
      for key in CompactSignature(values: Array(segment.signature(record))).bandKeys {
        do {
          try segment.records(withKey: key, into: &found)
        } catch {
          refused = error
          break search
        }
      }
    }
    #expect(found.allSatisfy { $0 < segment.recordCount })
    guard case .malformedSegment(let named) = try #require(refused) else {
      Issue.record("expected malformedSegment, got \(String(describing: refused))")
      return
    }
    #expect(named == path)
    #expect(try #require(refused).description.contains("rebuild-catalog"))
  }

  /// Small tables live on the heap, large ones in a mapping of their own; both grow.
  @Test(arguments: [(16, 10_000), (1 << 18, 600_000)])
  func theBandTableKeepsTheFirstRecordForAKeyAndGrows(capacity: Int, total: Int) {
    let table = BandTable(capacity: capacity)
    for value in 0..<total {
      table.insertIfAbsent(Mix64.finalize(UInt64(value)), UInt32(value))
    }
    table.insertIfAbsent(Mix64.finalize(5), 99_999_999)
    // Keys that agree in their upper 32 bits count once: among 600,000 random keys, a few dozen.
    #expect(table.count <= total && table.count > total - total / 1_000, "\(table.count)")
    func lookUp(_ values: [Int]) -> [UInt32] {
      let keys = values.map { Mix64.finalize(UInt64($0)) }
      var out = [UInt32](repeating: 0, count: keys.count)
      let count = keys.withUnsafeBufferPointer { keys in
        out.withUnsafeMutableBufferPointer { table.firstRecords(keys, into: $0) }
      }
      return Array(out[0..<count])
    }
    #expect(lookUp([5]) == [5])
    #expect(
      lookUp([total - 1, total, 5, total - 1]) == [UInt32(total - 1), 5], "distinct, in key order")
    #expect(lookUp([total, total * 2]) == [])
  }

  /// A table sized ahead, from the heap to a mapping, keeps what it held and takes the rest.
  @Test func aBandTableReservedAheadKeepsItsKeys() {
    let table = BandTable(capacity: 16)
    for value in 0..<1_000 { table.insertIfAbsent(Mix64.finalize(UInt64(value)), UInt32(value)) }
    table.reserve(keys: 1 << 20)
    for value in 1_000..<3_000 {
      table.insertIfAbsent(Mix64.finalize(UInt64(value)), UInt32(value))
    }
    for value in [0, 999, 1_000, 2_999] {
      var out = [UInt32](repeating: 0, count: 1)
      let keys = [Mix64.finalize(UInt64(value))]
      let count = keys.withUnsafeBufferPointer { keys in
        out.withUnsafeMutableBufferPointer { table.firstRecords(keys, into: $0) }
      }
      #expect(count == 1 && out[0] == UInt32(value))
    }
  }

  @Test func agreementEstimatesJaccard() {
    let base = [UInt16](repeating: 1, count: 112)
    var other = base
    for index in 0..<28 { other[index] = 2 }
    #expect(
      CompactSignature(values: base).estimatedJaccard(with: CompactSignature(values: other)) == 0.75
    )
  }
}

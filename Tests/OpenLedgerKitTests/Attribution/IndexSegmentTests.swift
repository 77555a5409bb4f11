import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct IndexSegmentTests {
  private func segment(in directory: TemporaryDirectory) throws -> IndexSegment {
    var corpus = ReferenceCorpus()
    corpus.add("The keeper kept a ledger of every ship.", contributor: 0)
    corpus.add("Every ship that passed the point was written down.", contributor: 1)
    return try corpus.build(into: directory.path)[0]
  }

  /// Overwrites byte `offset` of the segment file `name` with `value`.
  private func patch(_ segment: IndexSegment, _ name: String, at offset: Int, to value: UInt8)
    throws
  {
    let path = "\(segment.directory)/\(name)"
    chmod(path, 0o644)
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: Data([value]))
    try handle.close()
  }

  @Test func aSegmentDescribesItsRecordsAndFiles() throws {
    let directory = try TemporaryDirectory()
    let segment = try segment(in: directory)
    #expect(segment.recordCount == 2)
    // 9 + 10 tokens, and a separator after each record.
    #expect(segment.tokenCount == 19)
    #expect(segment.positionCount == 21)
    #expect(segment.manifest.files.map(\.name) == SegmentFiles.all)
    #expect(segment.id == Digest.of(try FileSystem.read("\(segment.directory)/manifest.json")))
    try segment.verify()
    // The arrays are packed: ids up to 15 distinct tokens take 4 bits, positions up to 20 take
    // 5; each array fills whole 64-bit words and has one more.
    #expect(segment.manifest.version == 2)
    #expect(segment.manifest.tokenWidth == 4 && segment.manifest.suffixWidth == 5)
    let sizes = Dictionary(
      uniqueKeysWithValues: segment.manifest.files.map { ($0.name, $0.bytes) })
    #expect(sizes["tokens.packed"] == 8 * (2 + 1))
    #expect(sizes["suffixes.packed"] == 8 * (2 + 1))
    // Files are read-only once written.
    #expect(try FileSystem.mode("\(segment.directory)/tokens.packed") == 0o444)
  }

  /// Sets the little-endian u32 at `offset` of the file `name`, then makes the manifest agree
  /// with the files again (sizes and SHA-256) and renames the folder to its new id, as whoever
  /// crafts a segment can: the returned folder opens as far as the tables' contents.
  private func craft(
    _ segment: IndexSegment, _ name: String, at offset: Int, to value: UInt32
  ) throws -> String {
    for (index, byte) in withUnsafeBytes(of: value.littleEndian, Array.init).enumerated() {
      try patch(segment, name, at: offset + index, to: byte)
    }
    var manifest = segment.manifest
    for index in manifest.files.indices {
      let data = try FileSystem.read("\(segment.directory)/\(manifest.files[index].name)")
      manifest.files[index].sha256 = Digest.of(data)
    }
    let bytes = try CanonicalEncoder.encode(manifest)
    let path = "\(segment.directory)/manifest.json"
    chmod(path, 0o644)
    try bytes.write(to: URL(fileURLWithPath: path))
    let crafted =
      "\((segment.directory as NSString).deletingLastPathComponent)/\(Digest.of(bytes).hex)"
    try FileManager.default.moveItem(atPath: segment.directory, toPath: crafted)
    return crafted
  }

  /// Found by the `index-segment` fuzz target: a vocabulary offset far past vocabulary.bin in a
  /// segment whose manifest agrees with its files. It opened, and listing the vocabulary (or
  /// looking up a token) read outside the mapped file.
  @Test func aVocabularyOffsetPastItsFileIsRefusedOnOpen() throws {
    let folder = fuzzFixture("index-segment", "vocabulary-offset-past-the-file")
    let segment = try #require(try FileSystem.list(folder).first)
    #expect {
      try IndexSegment(directory: "\(folder)/\(segment)")
    } throws: { error in
      guard case .corruptSegment(_, let reason) = error as? AttributionError else { return false }
      return reason.contains("vocabulary.bin's offset 32 is below the one before it")
    }
  }

  /// Tables whose numbers point outside the segment are refused when it opens, not followed by
  /// a query: each of these read out of bounds (or trapped) before.
  @Test(arguments: [
    // Record 1's contributor and contribution: the segment has 2 contributors, 1 contribution.
    ("records.bin", 44 + 36, UInt32(2), "record 1 names contributor 2 of 2"),
    ("records.bin", 44 + 40, UInt32(7), "record 1 names contribution 7 of 1"),
    // Record 1's first position: not after record 0's, then past the token array.
    ("records.bin", 44 + 32, UInt32(0), "record 0 starts at 0, not before 0"),
    ("records.bin", 44 + 32, UInt32(99), "record 1 starts at 99, not before 21"),
    ("records.bin", 32, UInt32(3), "record 0 does not start at position 0"),
    // The second vocabulary offset, past the third.
    ("vocabulary.bin", 4, UInt32.max, "vocabulary.bin's offset 2 is below the one before it"),
  ])
  func tablesPointingOutsideTheSegmentAreRefusedOnOpen(
    file: String, offset: Int, value: UInt32, reason expected: String
  ) throws {
    let directory = try TemporaryDirectory()
    let crafted = try craft(try segment(in: directory), file, at: offset, to: value)
    #expect {
      try IndexSegment(directory: crafted)
    } throws: { error in
      guard case .corruptSegment(_, let reason) = error as? AttributionError else { return false }
      return reason.contains(expected)
    }
  }

  @Test func aChangedByteIsCaughtByVerification() throws {
    let directory = try TemporaryDirectory()
    let segment = try segment(in: directory)
    try patch(segment, "suffixes.packed", at: 4, to: 0xff)
    #expect(throws: AttributionError.self) { try segment.verify() }
  }

  @Test func anEditedManifestNoLongerMatchesItsName() throws {
    let directory = try TemporaryDirectory()
    let segment = try segment(in: directory)
    let path = "\(segment.directory)/manifest.json"
    chmod(path, 0o644)
    var text = try String(contentsOfFile: path, encoding: .utf8)
    text = text.replacingOccurrences(of: "\"records\":2", with: "\"records\":3")
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    #expect {
      try IndexSegment(directory: segment.directory)
    } throws: { error in
      guard case .corruptSegment(_, let reason) = error as? AttributionError else { return false }
      return reason.contains("not to its name")
    }
  }

  @Test func aTruncatedFileIsRefusedOnOpen() throws {
    let directory = try TemporaryDirectory()
    let segment = try segment(in: directory)
    let path = "\(segment.directory)/tokens.packed"
    chmod(path, 0o644)
    truncate(path, 8)
    #expect {
      try IndexSegment(directory: segment.directory)
    } throws: { error in
      guard case .corruptSegment(_, let reason) = error as? AttributionError else { return false }
      return reason.contains("tokens.packed has 8 bytes")
    }
  }

  /// `segment` written again as format version 1 (plain u32 token and suffix arrays) under
  /// `parent`, as an earlier release wrote it.
  private func versionOne(of segment: IndexSegment, under parent: String) throws -> IndexSegment {
    let staging = "\(parent)/staging"
    try FileSystem.makeDirectory(staging)
    var files = [SegmentManifest.File]()
    func add(_ name: String, _ data: Data) throws {
      try data.write(to: URL(fileURLWithPath: "\(staging)/\(name)"))
      files.append(SegmentManifest.File(name: name, bytes: data.count, sha256: Digest.of(data)))
    }
    for name in SegmentFiles.tables {
      try add(name, try FileSystem.read("\(segment.directory)/\(name)"))
    }
    let tokens = (0..<segment.positionCount).map { segment.token(at: $0) }
    let suffixes = (0..<segment.suffixCount).map { UInt32(segment.position(ofRank: $0)) }
    try add("tokens.u32", tokens.withUnsafeBytes { Data($0) })
    try add("suffixes.u32", suffixes.withUnsafeBytes { Data($0) })
    var manifest = segment.manifest
    manifest.version = 1
    manifest.files = files.sorted { $0.name < $1.name }
    let bytes = try CanonicalEncoder.encode(manifest)
    try bytes.write(to: URL(fileURLWithPath: "\(staging)/manifest.json"))
    let directory = "\(parent)/\(Digest.of(bytes).hex)"
    #expect(rename(staging, directory) == 0)
    return try IndexSegment(directory: directory, rehash: .all)
  }

  @Test func segmentsOfVersionOneAreStillRead() throws {
    let directory = try TemporaryDirectory()
    let text = try String(contentsOfFile: input("attribution/essays.txt"), encoding: .utf8)
    var corpus = ReferenceCorpus()
    for (index, paragraph) in text.components(separatedBy: "\n\n").enumerated() {
      corpus.add(paragraph, contributor: index % 4)
    }
    let packed = try corpus.build(into: "\(directory.path)/packed")[0]
    let old = try versionOne(of: packed, under: "\(directory.path)/old")
    #expect(old.manifest.version == 1)
    #expect(old.manifest.files.map(\.name).contains("tokens.u32"))
    try old.verify()
    let bytes = { (segment: IndexSegment) in segment.manifest.fileBytes }
    #expect(Double(bytes(packed)) < 0.75 * Double(bytes(old)))
    let queries = (CorpusQuery(segments: [packed]), CorpusQuery(segments: [old]))
    let attributors = (
      try Attributor(segments: [packed], settings: AttributionSettings(minSpan: 3)),
      try Attributor(segments: [old], settings: AttributionSettings(minSpan: 3))
    )
    var random = SplitMix64(seed: 21)
    for _ in 0..<20 {
      let output = corpus.randomOutput(&random, tokens: 60).joined(separator: " ")
      #expect(attributors.0.attribute(output) == attributors.1.attribute(output))
      let phrase = output.split(separator: " ").prefix(3).joined(separator: " ")
      #expect(queries.0.count(phrase) == queries.1.count(phrase))
    }
  }

  @Test func aSegmentOfAnUnknownVersionIsRefused() throws {
    let directory = try TemporaryDirectory()
    let segment = try segment(in: directory)
    var manifest = segment.manifest
    manifest.version = SegmentManifest.currentVersion + 1
    let bytes = try CanonicalEncoder.encode(manifest)
    let newer = "\(directory.path)/\(Digest.of(bytes).hex)"
    try FileSystem.makeDirectory(newer)
    try bytes.write(to: URL(fileURLWithPath: "\(newer)/manifest.json"))
    #expect {
      try IndexSegment(directory: newer)
    } throws: { error in
      guard case .unsupportedSegment(_, _, let version) = error as? AttributionError else {
        return false
      }
      return version == SegmentManifest.currentVersion + 1
    }
  }

  @Test func packedArraysHoldEveryWidth() {
    var random = SplitMix64(seed: 5)
    for width in 1...32 {
      let count = Int.random(in: 0...200, using: &random)
      let largest = width == 32 ? UInt64(UInt32.max) : (1 << UInt64(width)) - 1
      let values = (0..<count).map { _ in UInt32(UInt64.random(in: 0...largest, using: &random)) }
      let packed = values.withUnsafeBufferPointer { PackedArray.pack($0, width: width) }
      defer { packed.deallocate() }
      #expect(packed.count == PackedArray.byteCount(count: count, width: width))
      let array = PackedArray(base: UnsafeRawPointer(packed.baseAddress!), width: width)
      #expect((0..<count).map { array[$0] } == values, "width \(width)")
    }
    #expect(PackedArray.width(toHold: 0) == 1 && PackedArray.width(toHold: 1) == 1)
    #expect(PackedArray.width(toHold: 199_871) == 18)
    #expect(PackedArray.width(toHold: 15_378_317) == 24)
  }

  @Test func packingInPlaceGivesTheSameBytes() {
    var random = SplitMix64(seed: 6)
    for width in 1...32 {
      for count in [0, 1, 5, 64, 127, 128, 1000, Int.random(in: 129...3000, using: &random)] {
        let largest = width == 32 ? UInt64(UInt32.max) : (1 << UInt64(width)) - 1
        var values = (0..<count).map { _ in
          UInt32(UInt64.random(in: 0...largest, using: &random))
        }
        let packed = values.withUnsafeBufferPointer { PackedArray.pack($0, width: width) }
        defer { packed.deallocate() }
        let inPlace = values.withUnsafeMutableBufferPointer {
          PackedArray.packInPlace($0, width: width).map { Array($0) }
        }
        let fits = count > 0 && PackedArray.byteCount(count: count, width: width) <= 4 * count
        #expect((inPlace != nil) == fits, "width \(width), \(count) entries")
        if let inPlace { #expect(inPlace == Array(packed), "width \(width), \(count) entries") }
      }
    }
  }

  @Test func aMissingSegmentSaysSo() throws {
    let directory = try TemporaryDirectory()
    #expect {
      try IndexSegment(directory: "\(directory.path)/\(String(repeating: "ab", count: 32))")
    } throws: { error in
      guard case .segmentMissing = error as? AttributionError else { return false }
      return true
    }
  }

  @Test func recordsAreFoundByIdAndByPosition() throws {
    let directory = try TemporaryDirectory()
    let segment = try segment(in: directory)
    for index in 0..<segment.recordCount {
      let id = segment.recordID(index)
      #expect(segment.recordIndex(of: id) == index)
      for position in segment.recordRange(index) {
        #expect(segment.record(containing: position) == index)
      }
    }
    #expect(segment.recordID(0) < segment.recordID(1))
    #expect(
      segment.recordIndex(of: RecordID(Digest(hex: String(repeating: "0", count: 64))!)) == nil)
  }
}

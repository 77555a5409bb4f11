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
    // 8 bytes per token for the token and suffix arrays, and a little for the rest.
    let tokensAndSuffixes = segment.manifest.files
      .filter { $0.name == "tokens.u32" || $0.name == "suffixes.u32" }
      .reduce(0) { $0 + $1.bytes }
    #expect(tokensAndSuffixes == 4 * 21 + 4 * 19)
    // Files are read-only once written.
    #expect(try FileSystem.mode("\(segment.directory)/tokens.u32") == 0o444)
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
    try patch(segment, "suffixes.u32", at: 4, to: 0xff)
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
    let path = "\(segment.directory)/tokens.u32"
    chmod(path, 0o644)
    truncate(path, 8)
    #expect {
      try IndexSegment(directory: segment.directory)
    } throws: { error in
      guard case .corruptSegment(_, let reason) = error as? AttributionError else { return false }
      return reason.contains("tokens.u32 has 8 bytes")
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

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

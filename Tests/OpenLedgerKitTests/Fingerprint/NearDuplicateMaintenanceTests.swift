import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

/// The near-duplicate index's files shared by processes that merge them and read them.
@Suite struct NearDuplicateMaintenanceTests {
  let fixture: CurationFixture
  let directory: String

  /// `papers` with one contribution of 30 records; its index then gets two more segments, of 5
  /// and 6 records, listed without being merged (as two contributions would leave them for a
  /// merge). Merging them makes 11 records, which stay apart from the 30.
  init() throws {
    fixture = try CurationFixture()
    try fixture.contribute((0..<30).map { sentence($0) }, by: fixture.bob)
    directory = NearDuplicateIndex.directory(
      of: fixture.datanet.id, indexes: fixture.store.indexesDirectory)
    for (first, count) in [(100, 5), (200, 6)] {
      let texts = (first..<(first + count)).map { Array(sentence($0).utf8) }
      let ids = texts.map { text in text.withUnsafeBytes { RecordID(of: $0) } }
      let signatures = zip(texts, ids).flatMap {
        CompactSignature.compute(text: $0, id: $1, hasher: MinHasher())
      }
      let file = try NearDuplicateSegment.write(
        ids: ids, signatures: signatures, into: directory,
        stagingDirectory: "\(fixture.store.root)/tmp")
      try fixture.store.catalog.write { db in
        try db.execute(
          sql: """
            INSERT INTO near_duplicate_segments (datanet, file, records)
            SELECT num, ?, ? FROM datanets WHERE id = ?
            """, arguments: [file, count, fixture.datanet.id.hex])
      }
    }
  }

  func listed() throws -> [String] {
    try fixture.store.nearDuplicateSegments(of: fixture.datanet.id).map(\.file)
  }

  func onDisk() throws -> [String] {
    try FileSystem.list(directory).filter { $0.hasSuffix(".seg") }
  }

  /// Two processes merge the same pair. Both write the same merged file (it is named by its
  /// content); the first lists it. The second, finding the pair gone, must not delete it.
  @Test func aMergeThatLostTheRaceDeletesNoListedFile() throws {
    let store = fixture.store
    let datanet = fixture.datanet.id
    let late = try #require(try store.nextNearDuplicateMerge(of: datanet))
    #expect(late.pair.map(\.records) == [5, 6])
    try store.compactNearDuplicateIndex(of: datanet)
    #expect(try listed().count == 2, "5 + 6 merged; the 30 apart")
    #expect(try store.applyNearDuplicateMerge(late, of: datanet) == false)
    for file in try listed() {
      #expect(FileSystem.exists("\(directory)/\(file)"), "\(file) is listed but gone")
    }
    // And contributing still works.
    try fixture.contribute([sentence(300)], by: fixture.alice)
  }

  /// Files no longer listed are deleted only when no other process holds the store lock.
  @Test func unlistedFilesWaitUntilTheStoreIsIdle() throws {
    let store = fixture.store
    try store.compactNearDuplicateIndex(of: fixture.datanet.id)
    #expect(try onDisk().count == 4, "three segments and the merged one, none deleted")
    do {
      let other = try store.lock(.shared)
      defer { withExtendedLifetime(other) {} }
      #expect(try store.removeUnlistedNearDuplicateFiles(of: fixture.datanet.id) == 0)
      #expect(try onDisk().count == 4)
    }
    #expect(try store.removeUnlistedNearDuplicateFiles(of: fixture.datanet.id) == 2)
    #expect(try onDisk() == listed())
  }
}

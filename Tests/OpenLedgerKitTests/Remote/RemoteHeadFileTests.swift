import Foundation
import Testing

@testable import OpenLedgerKit

/// Head files as a pull reads them: only the canonical form every writer writes.
@Suite struct RemoteHeadFileTests {
  let datanet = Digest.of(Data("datanet".utf8))
  let a = Digest.of(Data("a".utf8))
  let b = Digest.of(Data("b".utf8))

  /// Parses `file` as fetched under its own name.
  func parse(_ file: RemoteHeadFile) throws -> RemoteHeadFile {
    let data = try file.encoded()
    let id = Digest.of(data)
    return try RemoteHeadFile.parse(
      data, key: RemoteLayout.headKey(datanet, id), id: id, datanet: datanet, location: "test")
  }

  @Test func whatAWriterWritesIsRead() throws {
    let file = RemoteHeadFile(
      datanet: datanet, name: "notes", heads: [b, a, b], packs: [b, a], replaces: [b, a])
    #expect(file.heads == [a, b].sorted())
    #expect(try parse(file) == file)
  }

  @Test func listsNotSortedOrWithDuplicatesAreRefused() throws {
    let (low, high) = (min(a, b), max(a, b))
    let sorted = RemoteHeadFile(
      datanet: datanet, name: "notes", heads: [a, b], packs: [a, b], replaces: [a, b])
    for (field, edit) in [
      ("heads", { (file: inout RemoteHeadFile) in file.heads = [high, low] }),
      ("heads", { (file: inout RemoteHeadFile) in file.heads = [low, low] }),
      ("packs", { (file: inout RemoteHeadFile) in file.packs = [high, low] }),
      ("packs", { (file: inout RemoteHeadFile) in file.packs = [low, low, high] }),
      ("replaces", { (file: inout RemoteHeadFile) in file.replaces = [high, low] }),
      ("replaces", { (file: inout RemoteHeadFile) in file.replaces = [high, high] }),
    ] as [(String, (inout RemoteHeadFile) -> Void)] {
      var file = sorted
      edit(&file)
      let data = try file.encoded()
      let error = #expect(throws: RemoteError.self) { try parse(file) }
      expectCorrupt(
        error, named: RemoteLayout.headKey(datanet, Digest.of(data)),
        saying: "its \(field) are not sorted, or name one twice")
    }
  }
}

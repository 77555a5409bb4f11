import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct DirectoryTransportTests {
  @Test func putIsCreateOnlyAndListingIsSortedByKey() throws {
    let directory = try TemporaryDirectory()
    let remote = DirectoryTransport(root: "\(directory.path)/remote")
    #expect(try remote.put("refs/d/b", data: Data("one".utf8)) == .created)
    #expect(try remote.put("refs/d/b", data: Data("two".utf8)) == .existed)
    #expect(try remote.get("refs/d/b") == Data("one".utf8))
    #expect(try remote.put("refs/d/a", data: Data("three".utf8)) == .created)
    #expect(try remote.put("objects/x", data: Data()) == .created)
    #expect(try remote.list(prefix: "refs/d/").map(\.key) == ["refs/d/a", "refs/d/b"])
    #expect(try remote.list(prefix: "refs/d/").map(\.size) == [5, 3])
    #expect(try remote.list(prefix: "").map(\.key) == ["objects/x", "refs/d/a", "refs/d/b"])
    #expect(try remote.list(prefix: "refs/d/a").map(\.key) == ["refs/d/a"])
    try remote.delete("refs/d/a")
    try remote.delete("refs/d/a")
    #expect(try !remote.has("refs/d/a"))
    #expect(throws: RemoteError.self) { try remote.get("refs/d/a") }
  }

  @Test func aFileIsPutFromDisk() throws {
    let directory = try TemporaryDirectory()
    let remote = DirectoryTransport(root: "\(directory.path)/remote")
    let source = "\(directory.path)/big"
    let bytes = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
    try bytes.write(to: URL(fileURLWithPath: source))
    #expect(try remote.put("objects/big", contentsOf: source) == .created)
    #expect(try remote.get("objects/big") == bytes)
  }

  /// The remote is untrusted: links are not followed, and keys outside the grammar are refused.
  @Test func linksAndBadKeysAreNotFollowed() throws {
    let directory = try TemporaryDirectory()
    let remote = DirectoryTransport(root: "\(directory.path)/remote")
    try remote.prepareForWriting()
    try Data("secret".utf8).write(to: URL(fileURLWithPath: "\(directory.path)/secret"))
    try FileManager.default.createDirectory(
      atPath: "\(directory.path)/remote/refs", withIntermediateDirectories: true)
    symlink("\(directory.path)/secret", "\(directory.path)/remote/refs/link")
    try Data().write(to: URL(fileURLWithPath: "\(directory.path)/remote/refs/Upper"))
    #expect(try remote.list(prefix: "refs/").isEmpty)
    #expect(throws: RemoteError.self) { try remote.get("refs/link") }
    for key in ["../secret", "refs/../x", "/abs", "a//b", "a/./b", "A", ""] {
      #expect(!RemoteKey.isValid(key), "\(key)")
      #expect(throws: RemoteError.self) { try remote.get(key) }
    }
  }
}

import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct InputKindTests {
  static let kinds: [(fixture: String, kind: InputKind)] = [
    ("good.tar", .archive),
    ("good.tar.gz", .archive),
    ("good.tar.bz2", .archive),
    ("good.tar.xz", .archive),
    ("good.tar.zst", .archive),
    ("good.zip", .archive),
    ("good.7z", .archive),
    ("encrypted.7z", .archive),
    ("truncated.tar.gz", .archive),
    ("bomb.tar.zst", .archive),
    ("data.jsonl.gz", .compressedFile),
    ("data.jsonl.bz2", .compressedFile),
    ("data.jsonl.xz", .compressedFile),
    ("data.jsonl.zst", .compressedFile),
    ("not-an-archive.txt", .plain),
  ]

  @Test(arguments: kinds)
  func detectsTheKindOfAFile(fixture: String, kind: InputKind) throws {
    #expect(try ArchiveReader.detect(path: archiveFixture(fixture)) == kind)
  }

  @Test(arguments: kinds)
  func detectsTheKindFromTheFirstBytes(fixture: String, kind: InputKind) throws {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: archiveFixture(fixture)))
    #expect(
      ArchiveReader.detect(firstBytes: bytes.prefix(ArchiveReader.detectionByteCount)) == kind)
  }

  @Test func textAndEmptyInputsArePlain() {
    #expect(ArchiveReader.detect(firstBytes: [UInt8]()) == .plain)
    #expect(ArchiveReader.detect(firstBytes: Array(#"{"text": "hi"}"#.utf8)) == .plain)
    #expect(ArchiveReader.detect(firstBytes: Array("BZh is not bzip2".utf8)) == .plain)
    #expect(ArchiveReader.detect(firstBytes: [UInt8](repeating: 0, count: 1024)) == .plain)
  }

  @Test func anOldTarWithoutMagicIsKnownByItsChecksum() throws {
    var header = try Array(
      Data(contentsOf: URL(fileURLWithPath: archiveFixture("good.tar"))).prefix(512))
    #expect(Magic.isTarHeader(header))
    // Blank the "ustar" magic and version, and fix the checksum to match: a v7 header.
    for index in 257..<265 { header[index] = 0 }
    for index in 148..<156 { header[index] = UInt8(ascii: " ") }
    let sum = header.reduce(0) { $0 + Int($1) }
    let field = Array(String(sum, radix: 8).utf8)
    for (offset, byte) in field.enumerated() { header[148 + offset] = byte }
    header[148 + field.count] = 0
    #expect(Magic.isTarHeader(header))
    header[0] ^= 1
    #expect(!Magic.isTarHeader(header))
  }
}

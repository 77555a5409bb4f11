import Foundation
import Testing

@testable import OpenLedgerKit

/// The input reader turns what is named on the command line into units, in order, and says
/// what it passed over.
@Suite struct InputReaderTests {
  /// Every unit of `reader`, each read to its end before the next is asked for.
  func units(_ reader: InputReader) throws -> [(name: String, origin: String, bytes: String)] {
    var units = [(name: String, origin: String, bytes: String)]()
    while let unit = try reader.next() {
      let origin = unit.origin.path + (unit.origin.entry.map { " > \($0)" } ?? "")
      units.append((unit.name, origin, String(decoding: try readToEnd(unit.source), as: UTF8.self)))
    }
    return units
  }

  func put(_ text: String, to path: String) throws {
    try FileSystem.makeDirectory((path as NSString).deletingLastPathComponent)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
  }

  @Test func aFolderIsWalkedDepthFirstInNameOrderSkippingWhatTheFormatDoesNotRead() throws {
    let directory = try TemporaryDirectory()
    let root = "\(directory.path)/data"
    for name in ["b.jsonl", "a.jsonl", "Z.jsonl", "sub/c.ndjson", "sub/.hidden.jsonl"] {
      try put("{\"text\": \"\(name)\"}\n", to: "\(root)/\(name)")
    }
    try put("not records\n", to: "\(root)/notes.txt")
    try FileManager.default.createSymbolicLink(
      atPath: "\(root)/link.jsonl", withDestinationPath: "\(root)/a.jsonl")
    let reader = InputReader([.path(root)], format: .jsonl, limits: ArchiveLimits())
    let read = try units(reader)
    #expect(
      read.map(\.name) == ["Z.jsonl", "a.jsonl", "b.jsonl", "sub/c.ndjson"].map { "\(root)/\($0)" })
    #expect(read.map(\.origin) == read.map(\.name), "a file of a folder is its own origin")
    #expect(read[1].bytes == "{\"text\": \"a.jsonl\"}\n")
    #expect(
      reader.skipped == [
        SkippedFile(path: "\(root)/link.jsonl", reason: .notAFile),
        SkippedFile(path: "\(root)/notes.txt", reason: .otherFormat),
        SkippedFile(path: "\(root)/sub/.hidden.jsonl", reason: .hidden),
      ])
  }

  @Test func inputsComeInTheOrderNamedAndANamedFileIsReadWhateverItsName() throws {
    let directory = try TemporaryDirectory()
    try put("one\n", to: "\(directory.path)/.notes.txt")
    try put("{\"text\": \"two\"}\n", to: "\(directory.path)/folder/two.jsonl")
    let reader = InputReader(
      [.path("\(directory.path)/.notes.txt"), .path("\(directory.path)/folder")],
      format: .jsonl, limits: ArchiveLimits())
    let read = try units(reader)
    #expect(
      read.map(\.name) == ["\(directory.path)/.notes.txt", "\(directory.path)/folder/two.jsonl"])
    #expect(read[0].bytes == "one\n")
    #expect(reader.skipped.isEmpty)
  }

  @Test func textFoldersReadWhatLooksLikeTextAndSkipTheRest() throws {
    let directory = try TemporaryDirectory()
    try put("A plain note without a suffix.\n", to: "\(directory.path)/README")
    try Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0x0D, 0xFF, 0xFE]).write(
      to: URL(fileURLWithPath: "\(directory.path)/logo.png"))
    let reader = InputReader([.path(directory.path)], format: .text, limits: ArchiveLimits())
    let read = try units(reader)
    #expect(read.map(\.name) == ["\(directory.path)/README"])
    #expect(read[0].bytes == "A plain note without a suffix.\n", "the sniffed bytes are kept")
    #expect(reader.skipped == [SkippedFile(path: "\(directory.path)/logo.png", reason: .notText)])
  }

  @Test func anArchiveGivesOneUnitPerEntryItsFormatReads() throws {
    let archive = archiveFixture("good.tar")
    let reader = InputReader([.path(archive)], format: .jsonl, limits: ArchiveLimits())
    let read = try units(reader)
    let entry = "corpus/papers/2024/abstracts.jsonl"
    #expect(read.map(\.name) == ["\(archive):\(entry)"])
    #expect(read.map(\.origin) == ["\(archive) > \(entry)"])
    #expect(read[0].bytes == corpus[2].text)
    #expect(reader.skipped.map(\.reason).allSatisfy { $0 == .otherFormat })
    #expect(reader.skipped.count == corpus.count - 1)
  }

  /// Standard input on a pipe holding `bytes`, read as jsonl.
  func readStandardInput(_ bytes: [UInt8]) throws -> [(name: String, origin: String, bytes: String)]
  {
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    defer { close(ends[0]) }
    #expect(bytes.withUnsafeBytes { Glibc.write(ends[1], $0.baseAddress, $0.count) } == bytes.count)
    close(ends[1])
    return try units(
      InputReader(
        [.standardInput], format: .jsonl, limits: ArchiveLimits(), standardInput: ends[0]))
  }

  @Test func standardInputIsSniffedForArchives() throws {
    let plain = jsonLines(["from a pipe"])
    let read = try readStandardInput(Array(plain.utf8))
    #expect(read.map(\.name) == ["<stdin>"])
    #expect(read[0].bytes == plain, "the bytes read to tell the kind are not lost")
    let gzip = try Data(contentsOf: URL(fileURLWithPath: archiveFixture("data.jsonl.gz")))
    let unpacked = try readStandardInput(Array(gzip))
    #expect(unpacked.map(\.name) == ["<stdin>"])
    #expect(unpacked[0].bytes == singleFileContent)
  }

  @Test func aNameWithALineBreakRefusesTheWholeInput() throws {
    let directory = try TemporaryDirectory()
    try put("{\"text\": \"fine\"}\n", to: "\(directory.path)/a.jsonl")
    try put("{\"text\": \"bad\"}\n", to: "\(directory.path)/b\n.jsonl")
    let reader = InputReader([.path(directory.path)], format: .jsonl, limits: ArchiveLimits())
    #expect(try reader.next()?.name == "\(directory.path)/a.jsonl")
    #expect(throws: IngestError.self) { try reader.next() }
  }

  @Test func aMissingInputIsNamed() throws {
    let reader = InputReader(
      [.path("/no/such/input.jsonl")], format: .jsonl, limits: ArchiveLimits())
    let error = #expect(throws: IngestError.self) { try reader.next() }
    guard case .inputNotFound(let path) = error else {
      Issue.record("expected inputNotFound, got \(String(describing: error))")
      return
    }
    #expect(path == "/no/such/input.jsonl")
  }

  @Test func theNamedFilesSizeCountsFilesNotFolders() throws {
    let directory = try TemporaryDirectory()
    try put("12345", to: "\(directory.path)/a.jsonl")
    try put("1234567890", to: "\(directory.path)/folder/b.jsonl")
    let inputs: [InputPath] = [
      .path("\(directory.path)/a.jsonl"), .path("\(directory.path)/folder"), .standardInput,
    ]
    #expect(InputReader.namedFileBytes(inputs) == 5)
  }
}

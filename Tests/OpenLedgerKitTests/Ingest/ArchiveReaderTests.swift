import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct ArchiveReaderTests {
  @Test(
    arguments: [
      "good.tar", "good.tar.gz", "good.tar.bz2", "good.tar.xz", "good.tar.zst", "good.zip",
      "good.7z",
    ])
  func everyFormatYieldsTheSameFilesAndBytes(fixture: String) throws {
    let result = readFixture(fixture)
    #expect(result.error == nil)
    let read = result.entries.sorted { $0.path < $1.path }.map { ($0.path, $0.bytes) }
    let expected = corpus.sorted { $0.path < $1.path }.map { ($0.path, Array($0.text.utf8)) }
    #expect(read.map(\.0) == expected.map(\.0))
    #expect(read.map(\.1) == expected.map(\.1))
  }

  @Test(arguments: ["good.tar", "good.tar.gz", "good.zip"])
  func entriesComeInArchiveOrderWithoutFolders(fixture: String) throws {
    #expect(readFixture(fixture).paths == corpus.map(\.path))
  }

  @Test func entriesDeclareTheirSizes() throws {
    let reader = try ArchiveReader(path: archiveFixture("good.tar"))
    let entry = try #require(try reader.nextEntry())
    #expect(entry == ArchiveEntry(path: "corpus/README.txt", declaredSize: 46))
    #expect(!reader.isCompressedFile)
  }

  @Test(arguments: ["data.jsonl.gz", "data.jsonl.bz2", "data.jsonl.xz", "data.jsonl.zst"])
  func aCompressedFileIsOneEntryNamedWithoutItsSuffix(fixture: String) throws {
    let reader = try ArchiveReader(path: archiveFixture(fixture))
    let result = readAll(reader)
    #expect(result.error == nil)
    #expect(result.paths == ["data.jsonl"])
    #expect(result.entries.first?.bytes == Array(singleFileContent.utf8))
    #expect(reader.isCompressedFile)
  }

  @Test func readEntryReadsTheRestOfAnEntryUpToALimit() throws {
    let reader = try ArchiveReader(path: archiveFixture("good.tar.gz"))
    #expect(try reader.nextEntry()?.path == "corpus/README.txt")
    #expect(try reader.readEntry(maxBytes: 46) == Data(corpus[0].text.utf8))
    #expect(try reader.nextEntry()?.path == "corpus/empty.txt")
    #expect(try reader.readEntry(maxBytes: 0).isEmpty)
    #expect(try reader.nextEntry()?.path == "corpus/papers/2024/abstracts.jsonl")
    #expect(
      throws: ArchiveError.entryTooLargeToBuffer(
        archive: archiveFixture("good.tar.gz"), entry: "corpus/papers/2024/abstracts.jsonl",
        maxBytes: 100)
    ) {
      try reader.readEntry(maxBytes: 100)
    }
    // Too long for one caller's buffer is not a broken archive: the next entry still reads.
    #expect(try reader.nextEntry()?.path == "corpus/papers/notes.txt")
  }

  @Test func skippingAnEntryWithoutReadingItMovesOn() throws {
    let reader = try ArchiveReader(path: archiveFixture("good.tar.xz"))
    var paths = [String]()
    while let entry = try reader.nextEntry() { paths.append(entry.path) }
    #expect(paths == corpus.map(\.path))
    #expect(reader.expandedBytes == Int64(corpus.map(\.text.utf8.count).reduce(0, +)))
    #expect(try reader.nextEntry() == nil)
  }

  // MARK: - Gzip trailers

  /// libarchive reads past a gzip member's CRC-32 and length without checking them; the reader
  /// checks them, as `gzip -t` does.
  @Test(arguments: [
    ("bad-crc.jsonl.gz", "the gzip checksum (CRC-32) does not match the content"),
    ("bad-length.tar.gz", "the gzip length field does not match the content's length"),
    ("bad-crc-after-end.tar.gz", "the gzip checksum (CRC-32) does not match the content"),
  ])
  func aGzipTrailerThatDisagreesIsRefused(fixture: String, message: String) throws {
    let error = try #require(readFixture(fixture).error)
    #expect(error == .corrupt(archive: archiveFixture(fixture), at: .end, message: message))
    #expect(error.kind == .dataError)
    #expect(error.description.contains("(at its end)"))
  }

  /// A tar ends before its gzip stream does; the rest (here 96 KiB of noise) is read for the
  /// trailer after libarchive's last entry.
  @Test func theTrailerIsCheckedPastWhereLibarchiveStops() throws {
    let path = archiveFixture("bad-crc-after-end.tar.gz")
    let reader = try ArchiveReader(path: path)
    #expect(try reader.nextEntry()?.path == "notes.jsonl")
    while try reader.readChunk() != nil {}
    let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    #expect(reader.compressedBytes < Int64(size), "libarchive has not read the trailer yet")
    #expect(throws: ArchiveError.self) { try reader.nextEntry() }
    #expect(reader.compressedBytes == Int64(size))
  }

  @Test func gzipMembersMayFollowOneAnotherAndEachIsChecked() throws {
    let good = try Data(contentsOf: URL(fileURLWithPath: archiveFixture("data.jsonl.gz")))
    let bad = try Data(contentsOf: URL(fileURLWithPath: archiveFixture("bad-crc.jsonl.gz")))
    func read(_ bytes: Data, prefix: Int = 0) throws -> ReadResult {
      let pipe = Pipe()
      pipe.fileHandleForWriting.write(bytes.dropFirst(prefix))
      try pipe.fileHandleForWriting.close()
      do {
        return readAll(
          try ArchiveReader(
            fileDescriptor: pipe.fileHandleForReading.fileDescriptor, name: "<stdin>",
            prefix: Array(bytes.prefix(prefix))))
      } catch {
        return ReadResult(error: error)
      }
    }
    let twice = try read(good + good + Data(repeating: 0, count: 100))
    #expect(twice.error == nil)
    #expect(twice.entries.first?.bytes == Array((singleFileContent + singleFileContent).utf8))
    let second = try read(good + bad, prefix: 2)
    #expect(second.error?.description.contains("CRC-32) of member 2 does not match") == true)
    #expect(try read(bad, prefix: 1).error?.kind == .dataError)
  }

  // MARK: - File descriptors

  @Test func readsAnArchiveFromAPipe() throws {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: archiveFixture("good.tar.gz")))
    let pipe = Pipe()
    pipe.fileHandleForWriting.write(bytes)
    try pipe.fileHandleForWriting.close()
    let reader = try ArchiveReader(
      fileDescriptor: pipe.fileHandleForReading.fileDescriptor, name: "<stdin>")
    let result = readAll(reader)
    #expect(result.error == nil)
    #expect(result.paths == corpus.map(\.path))
    #expect(reader.compressedBytes == Int64(bytes.count))
  }

  @Test func readsFromAPipeAfterTheBytesDetectionTook() throws {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: archiveFixture("data.jsonl.zst")))
    let pipe = Pipe()
    pipe.fileHandleForWriting.write(bytes)
    try pipe.fileHandleForWriting.close()
    let descriptor = pipe.fileHandleForReading.fileDescriptor
    var head = [UInt8](repeating: 0, count: 16)
    #expect(read(descriptor, &head, head.count) == 16)
    #expect(ArchiveReader.detect(firstBytes: head) == .compressedFile)
    let reader = try ArchiveReader(fileDescriptor: descriptor, name: "<stdin>", prefix: head)
    let result = readAll(reader)
    #expect(result.error == nil)
    #expect(result.paths == ["<stdin>"])
    #expect(result.entries.first?.bytes == Array(singleFileContent.utf8))
  }

  @Test func aZipReadsFromAPipeButA7zNeedsAFile() throws {
    func readThroughPipe(_ fixture: String) throws -> ReadResult {
      let pipe = Pipe()
      pipe.fileHandleForWriting.write(
        try Data(contentsOf: URL(fileURLWithPath: archiveFixture(fixture))))
      try pipe.fileHandleForWriting.close()
      return readAll(
        try ArchiveReader(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, name: "-"))
    }
    let zip = try readThroughPipe("good.zip")
    #expect(zip.error == nil)
    #expect(zip.paths == corpus.map(\.path))
    let sevenZip = try readThroughPipe("good.7z")
    #expect(sevenZip.error == .needsSeekableInput(archive: "-", format: "7-Zip"))
    #expect(sevenZip.error?.kind == .usage)
    #expect(
      try readThroughPipe("encrypted.zip").error
        == .encrypted(archive: "-", at: .entry("corpus/secret.txt")))
  }

  @Test func readsASeekableDescriptorFromItsCurrentOffset() throws {
    let directory = try TemporaryDirectory()
    let path = "\(directory.path)/padded"
    let sevenZip = try Data(contentsOf: URL(fileURLWithPath: archiveFixture("good.7z")))
    try (Data("header".utf8) + sevenZip).write(to: URL(fileURLWithPath: path))
    let descriptor = open(path, O_RDONLY)
    defer { close(descriptor) }
    #expect(lseek(descriptor, 6, SEEK_SET) == 6)
    let result = readAll(try ArchiveReader(fileDescriptor: descriptor, name: path))
    #expect(result.error == nil)
    #expect(Set(result.paths) == Set(corpus.map(\.path)))
  }

  // MARK: - Hostile and broken archives

  @Test func aPathOutsideTheArchiveIsRefused() throws {
    let zipSlip = readFixture("zip-slip.zip")
    #expect(zipSlip.paths == ["corpus/ok.txt"])
    #expect(
      zipSlip.error
        == .pathTraversal(archive: archiveFixture("zip-slip.zip"), entry: "../evil.txt"))
    #expect(
      readFixture("traversal.tar").error
        == .pathTraversal(archive: archiveFixture("traversal.tar"), entry: "corpus/../../evil.txt"))
    #expect(
      readFixture("absolute.tar").error
        == .absolutePath(archive: archiveFixture("absolute.tar"), entry: "/etc/evil"))
  }

  @Test func linksAndSpecialFilesAreRefused() throws {
    let symlink = readFixture("symlink.tar")
    #expect(symlink.paths == ["corpus/README.txt"])
    #expect(
      symlink.error
        == .symbolicLink(
          archive: archiveFixture("symlink.tar"), entry: "corpus/passwd", target: "/etc/passwd"))
    #expect(
      readFixture("hardlink.tar").error
        == .hardLink(
          archive: archiveFixture("hardlink.tar"), entry: "corpus/again.txt",
          target: "corpus/README.txt"))
    #expect(
      readFixture("device.tar").error
        == .specialFile(
          archive: archiveFixture("device.tar"), entry: "dev/null", type: .characterDevice))
    #expect(
      readFixture("fifo.tar").error
        == .specialFile(archive: archiveFixture("fifo.tar"), entry: "corpus/pipe", type: .fifo))
  }

  @Test func encryptedEntriesAreRefused() throws {
    #expect(
      readFixture("encrypted.zip").error
        == .encrypted(archive: archiveFixture("encrypted.zip"), at: .entry("corpus/secret.txt")))
    // 7z with encrypted headers hides even the names: the archive itself is refused.
    #expect(
      readFixture("encrypted.7z").error
        == .encrypted(archive: archiveFixture("encrypted.7z"), at: .start))
  }

  @Test func aTruncatedArchiveFailsInTheEntryBeingRead() throws {
    let result = readFixture("truncated.tar.gz")
    #expect(result.paths == ["corpus/README.txt"])
    guard case .corrupt(let archive, let position, let message) = result.error else {
      Issue.record("expected a corrupt archive, got \(String(describing: result.error))")
      return
    }
    #expect(archive == archiveFixture("truncated.tar.gz"))
    #expect(position == .entry("corpus/long.txt"))
    #expect(message.contains("truncated"))
  }

  @Test func aCorruptZipFailsInTheDamagedEntry() throws {
    let result = readFixture("corrupt.zip")
    #expect(result.paths.isEmpty)
    guard case .corrupt(_, let position, let message) = result.error else {
      Issue.record("expected a corrupt archive, got \(String(describing: result.error))")
      return
    }
    #expect(position == .entry("corpus/README.txt"))
    #expect(!message.isEmpty)
  }

  @Test func anInputThatIsNoArchiveIsRefused() throws {
    #expect(
      readFixture("not-an-archive.txt").error
        == .unrecognizedFormat(archive: archiveFixture("not-an-archive.txt")))
  }

  @Test func aCompressedStreamCutShortIsDamagedNotUnknown() throws {
    let directory = try TemporaryDirectory()
    let path = "\(directory.path)/cut.tar.gz"
    let whole = try Data(contentsOf: URL(fileURLWithPath: archiveFixture("good.tar.gz")))
    try whole.prefix(20).write(to: URL(fileURLWithPath: path))
    let error = #expect(throws: ArchiveError.self) { try readAll(ArchiveReader(path: path)) }
    guard case .corrupt(path, .start, let message) = error else {
      Issue.record("expected a damaged archive, got \(String(describing: error))")
      return
    }
    #expect(message.contains("truncated"))
  }

  @Test func aNameThatIsNotUTF8IsRefused() throws {
    // A ustar header by hand: "caf\u{E9}.txt" in Latin-1, an empty regular file.
    var header = [UInt8](repeating: 0, count: 512)
    let name: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".txt".utf8)
    header.replaceSubrange(0..<name.count, with: name)
    for (offset, field) in [(100, "0000644"), (124, "00000000000"), (136, "00000000000")] {
      header.replaceSubrange(offset..<offset + field.utf8.count, with: Array(field.utf8))
    }
    header[156] = UInt8(ascii: "0")
    header.replaceSubrange(257..<265, with: Array("ustar\u{0}00".utf8))
    header.replaceSubrange(148..<156, with: [UInt8](repeating: UInt8(ascii: " "), count: 8))
    let checksum = Array(String(header.reduce(0) { $0 + Int($1) }, radix: 8).utf8)
    header.replaceSubrange(148..<148 + checksum.count, with: checksum)
    header[148 + checksum.count] = 0

    let directory = try TemporaryDirectory()
    let path = "\(directory.path)/latin1.tar"
    try Data(header + [UInt8](repeating: 0, count: 1024)).write(to: URL(fileURLWithPath: path))
    #expect(try ArchiveReader.detect(path: path) == .archive)
    #expect(
      readAll(try ArchiveReader(path: path)).error
        == .invalidPath(archive: path, entry: "caf\u{FFFD}.txt", reason: "it is not valid UTF-8"))
  }

  @Test func anMtreeListingDoesNotReadLocalFiles() throws {
    // libarchive's mtree reader would open the files an mtree listing names; it is left out.
    let directory = try TemporaryDirectory()
    let path = "\(directory.path)/listing.mtree"
    try Data("#mtree\nhostname type=file contents=/etc/hostname\n".utf8).write(
      to: URL(fileURLWithPath: path))
    #expect(readAll(try ArchiveReader(path: path)).error == .unrecognizedFormat(archive: path))
  }

  @Test func anEmptyFileHoldsNoEntries() throws {
    let directory = try TemporaryDirectory()
    let path = "\(directory.path)/empty.tar"
    try Data().write(to: URL(fileURLWithPath: path))
    let result = readAll(try ArchiveReader(path: path))
    #expect(result.error == nil)
    #expect(result.entries.isEmpty)
    #expect(try ArchiveReader.detect(path: path) == .plain)
  }

  @Test func aMissingPathIsNotFound() throws {
    let directory = try TemporaryDirectory()
    let path = "\(directory.path)/nothing.tar"
    #expect(throws: ArchiveError.notFound(archive: path)) { try ArchiveReader(path: path) }
    #expect(throws: ArchiveError.notFound(archive: path)) { try ArchiveReader.detect(path: path) }
    #expect(ArchiveError.notFound(archive: path).kind.exitStatus == 66)
  }

  @Test func aDirectoryIsUnreadable() throws {
    let directory = try TemporaryDirectory()
    #expect(
      throws: ArchiveError.unreadable(
        archive: directory.path, at: .start, reason: "it is a directory")
    ) {
      try ArchiveReader(path: directory.path)
    }
  }

  @Test func afterAFailureTheReaderKeepsFailing() throws {
    let reader = try ArchiveReader(path: archiveFixture("symlink.tar"))
    #expect(try reader.nextEntry()?.path == "corpus/README.txt")
    let error = try #require(throws: ArchiveError.self) { try reader.nextEntry() }
    #expect(throws: error) { try reader.nextEntry() }
    #expect(throws: error) { try reader.readChunk() }
  }

  @Test func messagesNameTheArchiveTheEntryAndWhatToDo() throws {
    let archive = archiveFixture("symlink.tar")
    let message = try #require(readFixture("symlink.tar").error).description
    #expect(message.contains(archive))
    #expect(message.contains("'corpus/passwd'"))
    #expect(message.contains("pack it again"))
    let encrypted = try #require(readFixture("encrypted.zip").error)
    #expect(encrypted.description.contains("'corpus/secret.txt'"))
    #expect(encrypted.description.contains("encrypted entries cannot be read; decrypt it first"))
    let truncated = try #require(readFixture("truncated.tar.gz").error)
    #expect(truncated.description.contains("(in entry 'corpus/long.txt')"))
    #expect(truncated.description.contains("truncated"))
    for fixture in ["zip-slip.zip", "absolute.tar", "device.tar", "hardlink.tar", "corrupt.zip"] {
      let error = try #require(readFixture(fixture).error)
      #expect(error.kind == .dataError)
      #expect(error.kind.exitStatus == 65)
      #expect(error.description.contains(archiveFixture(fixture)))
    }
  }

  @Test func entryNamesAreEscapedInMessages() {
    let error = ArchiveError.symbolicLink(
      archive: "a.tar", entry: "x\u{1B}[2J\ny\u{9B}\u{202E}", target: "it's")
    #expect(error.description.contains(#"'x\e[2J\ny\u{9b}\u{202e}'"#))
    #expect(error.description.contains(#"'it\'s'"#))
  }
}

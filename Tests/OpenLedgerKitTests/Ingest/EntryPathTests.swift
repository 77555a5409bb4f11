import Testing

@testable import OpenLedgerKit

@Suite struct EntryPathTests {
  func normalize(_ path: String, isDirectory: Bool = false) throws(ArchiveError) -> String {
    try EntryPath.normalize(path, archive: "a.tar", isDirectory: isDirectory)
  }

  @Test func relativePathsAreNormalized() throws {
    #expect(try normalize("a/b.txt") == "a/b.txt")
    #expect(try normalize("./a//b/./c.txt") == "a/b/c.txt")
    #expect(try normalize("a/b/") == "a/b")
    #expect(try normalize("..a/b..") == "..a/b..")
    #expect(try normalize("x:y.txt") == "x:y.txt")
    #expect(try normalize("./", isDirectory: true) == "")
  }

  @Test func escapingPathsAreRefused() {
    #expect(throws: ArchiveError.absolutePath(archive: "a.tar", entry: "/etc/passwd")) {
      try normalize("/etc/passwd")
    }
    #expect(throws: ArchiveError.absolutePath(archive: "a.tar", entry: #"\\server\share"#)) {
      try normalize(#"\\server\share"#)
    }
    #expect(throws: ArchiveError.absolutePath(archive: "a.tar", entry: #"C:\Windows"#)) {
      try normalize(#"C:\Windows"#)
    }
    #expect(throws: ArchiveError.absolutePath(archive: "a.tar", entry: "c:/x")) {
      try normalize("c:/x")
    }
    for path in ["..", "../x", "a/../../x", #"a\..\x"#, "a/..", "./../x"] {
      #expect(throws: ArchiveError.pathTraversal(archive: "a.tar", entry: path)) {
        try normalize(path, isDirectory: path.hasSuffix(".."))
      }
    }
  }

  @Test func aPathLongerThanPathMaxIsRefused() throws {
    let longest = String(repeating: "a/", count: 2048)
    #expect(try normalize(longest, isDirectory: true).utf8.count == 4095)
    let tooLong = longest + "b"
    #expect(
      throws: ArchiveError.invalidPath(
        archive: "a.tar", entry: String(tooLong.prefix(100)) + "...",
        reason: "it is 4097 bytes long; the limit is 4096")
    ) {
      try normalize(tooLong)
    }
  }

  @Test func aFileNeedsAName() {
    #expect(throws: ArchiveError.invalidPath(archive: "a.tar", entry: "./", reason: "it is empty"))
    {
      try normalize("./")
    }
  }

  @Test func aCompressedFileIsNamedWithoutItsSuffix() {
    #expect(EntryPath.decompressedName(of: "dir/data.jsonl.gz") == "data.jsonl")
    #expect(EntryPath.decompressedName(of: "notes.txt.zst") == "notes.txt")
    #expect(EntryPath.decompressedName(of: "old.csv.Z") == "old.csv")
    #expect(EntryPath.decompressedName(of: "<stdin>") == "<stdin>")
    #expect(EntryPath.decompressedName(of: ".gz") == ".gz")
  }
}

import Foundation
import Testing

/// End-to-end: the places `init` and `export` are told to write to, when something is there
/// already.
@Suite struct OutputPathTests {
  /// `init --store` at something that is not a store says what it is, not that a store exists.
  @Test func initSaysWhatIsInTheWay() throws {
    let sandbox = try Sandbox()
    let fileManager = FileManager.default
    try sandbox.write("notes.txt", "not a store\n")
    try fileManager.createSymbolicLink(
      atPath: "\(sandbox.work)/dangling", withDestinationPath: "\(sandbox.work)/nowhere")
    try fileManager.createSymbolicLink(
      atPath: "\(sandbox.work)/to-file", withDestinationPath: "\(sandbox.work)/notes.txt")
    try sandbox.write("busy/report.pdf", "someone's work\n")
    for (path, words) in [
      ("notes.txt", "notes.txt: it is a file; choose another --store"),
      (
        "dangling",
        "dangling: it is a symbolic link to \(sandbox.work)/nowhere, which does not exist"
      ),
      ("to-file", "to-file: it is a file"),
      (
        "busy", "busy: it is a directory that holds other files (such as 'report.pdf') and no store"
      ),
    ] {
      let result = try sandbox.run(["init", "--store", path])
      #expect(result.status == 73, "\(path): \(result.stderr)")
      #expect(
        result.stderr.contains("cannot create a store at \(sandbox.work)/\(words)"),
        "\(result.stderr)")
      #expect(!result.stderr.contains("already exists"), "\(result.stderr)")
    }
    #expect(
      try String(contentsOfFile: "\(sandbox.work)/notes.txt", encoding: .utf8) == "not a store\n")
    #expect(!fileManager.fileExists(atPath: "\(sandbox.work)/nowhere"))
    // A symbolic link to an empty directory is where the store goes; a store there exists.
    try fileManager.createDirectory(
      atPath: "\(sandbox.work)/empty", withIntermediateDirectories: false)
    try fileManager.createSymbolicLink(
      atPath: "\(sandbox.work)/link", withDestinationPath: "\(sandbox.work)/empty")
    try sandbox.ok(["init", "--store", "link"])
    #expect(fileManager.fileExists(atPath: "\(sandbox.work)/empty/config.json"))
    let again = try sandbox.run(["init", "--store", "link"])
    #expect(again.status == 73)
    #expect(again.stderr.contains("a store already exists at \(sandbox.work)/link"))
  }
}

extension ExportTests {
  func exportFolders(_ sandbox: Sandbox) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: sandbox.work).filter {
      $0.contains(".export-")
    }.sorted()
  }

  /// `--out` a symbolic link to an empty directory works as the directory would; to a full
  /// one, it is refused, or replaced with --force, the link kept; to nothing, refused saying so.
  @Test func exportFollowsASymbolicLink() throws {
    let sandbox = try setUp()
    let fileManager = FileManager.default
    try fileManager.createDirectory(
      atPath: "\(sandbox.work)/real", withIntermediateDirectories: false)
    try fileManager.createSymbolicLink(atPath: "\(sandbox.work)/link", withDestinationPath: "real")
    try sandbox.ok(["export", "trees", "--out", "link"])
    #expect(fileManager.fileExists(atPath: "\(sandbox.work)/real/datapackage.json"))
    let refused = try sandbox.run(["export", "trees", "--out", "link"])
    #expect(refused.status == 73)
    #expect(refused.stderr.contains("exists and is not empty"), "\(refused.stderr)")
    try sandbox.ok(["export", "prose", "--out", "link", "--force"])
    let prose = try String(
      contentsOfFile: "\(sandbox.work)/real/data/records-00000.jsonl", encoding: .utf8)
    #expect(!prose.contains("\"record\":"), "the prose export replaced the trees one")
    #expect(try fileManager.destinationOfSymbolicLink(atPath: "\(sandbox.work)/link") == "real")

    try fileManager.createSymbolicLink(
      atPath: "\(sandbox.work)/dangling", withDestinationPath: "gone")
    let dangling = try sandbox.run(["export", "trees", "--out", "dangling"])
    #expect(dangling.status == 73)
    #expect(
      dangling.stderr.contains("dangling is a symbolic link to gone, which does not exist"),
      "\(dangling.stderr)")
    #expect(!fileManager.fileExists(atPath: "\(sandbox.work)/gone"))
    #expect(try exportFolders(sandbox).isEmpty)
  }
}

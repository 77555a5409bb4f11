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

  /// What a killed export left beside its output is removed by the next export into the same
  /// place, which says so; a staging folder a running export holds (locked) is left alone, and
  /// so is anything not named like one of that output's.
  @Test func theNextExportRemovesWhatAKilledOneLeft() throws {
    let sandbox = try setUp()
    try sandbox.write(".out.export-Ab12Cd/data/records-00000.jsonl", "{}\n")
    try sandbox.write(".out.export-Ef34Gh.old/datapackage.json", "{}\n")
    try sandbox.write(".out.export-Live99/data/records-00000.jsonl", "{}\n")
    let held = open("\(sandbox.work)/.out.export-Live99", O_RDONLY | O_DIRECTORY)
    try #require(held >= 0)
    defer { close(held) }
    try #require(flock(held, LOCK_EX) == 0)
    try sandbox.write(".other.export-Ab12Cd/keep.txt", "another output's\n")
    try sandbox.write(".out.export-notours/keep.txt", "not a staging name\n")
    let result = try sandbox.run(["export", "trees", "--out", "out"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains(
        "removed 2 staging folder(s) that interrupted exports left beside out: "
          + ".out.export-Ab12Cd, .out.export-Ef34Gh.old"), "\(result.stderr)")
    #expect(
      try exportFolders(sandbox) == [
        ".other.export-Ab12Cd", ".out.export-Live99", ".out.export-notours",
      ])
    try sandbox.write(".again.export-Zz99Yy/datapackage.json", "{}\n")
    let report = try #require(
      try decodeJSON(try sandbox.ok(["export", "trees", "--out", "again", "--format", "json"]))
        as? [String: Any])
    #expect(report["staleStagingRemoved"] as? [String] == [".again.export-Zz99Yy"])
  }

  /// An export killed midway leaves its staging folder; the next one removes it.
  @Test func aKilledExportIsCleanedUpByTheNext() throws {
    let sandbox = try setUp()
    let lines = (0..<20_000).map { "{\"text\": \"note \($0) on the trees of the long avenue\"}\n" }
    try sandbox.write("many.jsonl", lines.joined())
    let contributed = try #require(
      try decodeJSON(
        try sandbox.ok(["contribute", "trees", "many.jsonl", "--as", "bob", "--format", "json"]))
        as? [String: Any])
    try sandbox.ok([
      "review", "accept", try #require(contributed["contribution"] as? String), "--as", "alice",
    ])
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Sandbox.binary)
    // Small shards, each synced, keep the export busy long enough to be caught.
    process.arguments = ["export", "trees", "--out", "out", "--shard-size", "4KB"]
    process.currentDirectoryURL = URL(fileURLWithPath: sandbox.work)
    process.environment = sandbox.environment
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    var caught = false
    let deadline = Date().addingTimeInterval(20)
    while process.isRunning, Date() < deadline {
      if let staging = try exportFolders(sandbox).first,
        (try? FileManager.default.contentsOfDirectory(atPath: "\(sandbox.work)/\(staging)/data"))?
          .isEmpty == false
      {
        kill(process.processIdentifier, SIGKILL)
        caught = true
        break
      }
      usleep(1000)
    }
    process.waitUntilExit()
    try #require(caught, "the export finished before it was seen writing")
    #expect(process.terminationReason == .uncaughtSignal)
    let left = try exportFolders(sandbox)
    #expect(left.count == 1)
    #expect(!FileManager.default.fileExists(atPath: "\(sandbox.work)/out"))
    let next = try sandbox.run(["export", "trees", "--out", "out"])
    #expect(next.status == 0, "\(next.stderr)")
    #expect(next.stderr.contains("removed 1 staging folder(s)"), "\(next.stderr)")
    #expect(try exportFolders(sandbox).isEmpty)
  }
}

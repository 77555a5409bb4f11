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

import Foundation
import OpenLedgerKit
import Testing

@testable import OpenLedgerCLI

/// Commands run in-process against a context a test builds: their surroundings (environment,
/// working directory, clock) come from it, not from the test process.
@Suite struct InProcessCommandTests {
  @Test func aCommandWorksWhereItsContextSays() throws {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("in-process-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let environment = ["HOME": root, "XDG_CONFIG_HOME": "\(root)/config"]
    func run(_ arguments: [String]) throws {
      let parsed = try OpenLedgerCommand.parseAsRoot(arguments)
      let command = try #require(parsed as? any ContextRunnable, "\(arguments) takes a context")
      try command.run(
        Context(
          command.contextOptions.common, format: command.contextOptions.format,
          environment: environment,
          workingDirectory: root, clock: SystemClock()))
    }
    let here = FileManager.default.currentDirectoryPath
    let storeHereBefore = FileManager.default.fileExists(atPath: "\(here)/.openledger")

    try run(["init", "--quiet"])
    try run(["identity", "new", "alice", "--quiet"])
    try run(["datanet", "create", "notes", "--format", "text", "--quiet"])
    // A command with formats of its own finds the same store through the same context.
    try run(["validate", "--format", "junit", "--quiet"])

    #expect(FileManager.default.fileExists(atPath: "\(root)/.openledger/catalog.sqlite"))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: "\(root)/config/openledger/identities")
        .contains { $0.hasPrefix("alice") })
    #expect(FileManager.default.fileExists(atPath: "\(here)/.openledger") == storeHereBefore)
    // The store the context found holds the Datanet the command created.
    let context = Context(
      try CommonOptions.parse([]), format: .text, environment: environment, workingDirectory: root,
      clock: SystemClock())
    #expect(try context.openStore().root.hasPrefix(root))
  }
}

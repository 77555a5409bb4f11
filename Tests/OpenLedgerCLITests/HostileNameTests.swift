import Foundation
import Testing

/// End-to-end: a file, folder or archive entry whose name holds control characters or line
/// breaks is refused by contribute and fingerprint (exit 65) and failed by validate (exit 1),
/// named with its characters escaped, and nothing is stored.
@Suite struct HostileNameTests {
  static let fakeVerdict = "ok\rFAKE: accepted by curator.jsonl"
  static let record = "{\"text\": \"a record under a hostile name, otherwise fine\"}\n"

  func setUp() throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["datanet", "create", "notes", "--record-format", "jsonl"])
    return sandbox
  }

  func expectRefused(
    _ sandbox: Sandbox, _ arguments: [String], naming shown: String, status: Int32 = 65,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let result = try sandbox.run(arguments)
    #expect(result.status == status, "\(result.stderr)", sourceLocation: sourceLocation)
    let output = result.stdout + result.stderr
    #expect(output.contains(shown), "\(output)", sourceLocation: sourceLocation)
    #expect(
      TerminalEscapingTests.obeyed(output).isEmpty, "\(TerminalEscapingTests.obeyed(output))",
      sourceLocation: sourceLocation)
    let events = try sandbox.ok(["log", "notes", "--format", "json"])
    #expect(
      (try decodeJSON(events) as? [Any])?.count == 1, "only the Datanet's creation",
      sourceLocation: sourceLocation)
  }

  @Test func aFileNameWithACarriageReturn() throws {
    let sandbox = try setUp()
    try sandbox.write("data/fine.jsonl", Self.record.replacingOccurrences(of: "a", with: "b"))
    try sandbox.write("data/\(Self.fakeVerdict)", Self.record)
    let shown = #"data/ok\rFAKE: accepted by curator.jsonl"#
    try expectRefused(sandbox, ["contribute", "notes", "data"], naming: shown)
    try expectRefused(sandbox, ["contribute", "notes", "data/\(Self.fakeVerdict)"], naming: shown)
    try expectRefused(sandbox, ["fingerprint", "--datanet", "notes", "data"], naming: shown)
    try expectRefused(
      sandbox, ["validate", "--datanet", "notes", "data"], naming: shown, status: 1)
    #expect(try sandbox.run(["fsck"]).status == 0)
  }

  /// A name is refused even where the file would be passed over (not a `.jsonl`), and in a
  /// folder's name: it would still be listed.
  @Test func aFolderOrSkippedFileWithControlCharacters() throws {
    let sandbox = try setUp()
    try sandbox.write("data/fine.jsonl", Self.record)
    try sandbox.write("data/readme\u{1B}]52;c;SGk=\u{07}.txt", "not read, but named\n")
    try expectRefused(
      sandbox, ["contribute", "notes", "data"], naming: #"data/readme\e]52;c;SGk=\a.txt"#)
    try FileManager.default.removeItem(atPath: "\(sandbox.work)/data")
    try sandbox.write("data/two\nlines/fine.jsonl", Self.record)
    try expectRefused(sandbox, ["contribute", "notes", "data"], naming: #"data/two\nlines"#)
  }

  /// A name that is not UTF-8 used to be passed over without a word: its records were lost.
  @Test func aFileNameThatIsNotUTF8() throws {
    let sandbox = try setUp()
    try sandbox.write("data/fine.jsonl", Self.record)
    let name = Array("\(sandbox.work)/data/caf".utf8) + [0xE9] + Array(".jsonl".utf8)
    let fd = open(name.map { CChar(bitPattern: $0) } + [0], O_CREAT | O_WRONLY, 0o644)
    try #require(fd >= 0)
    close(fd)
    try expectRefused(sandbox, ["contribute", "notes", "data"], naming: "is not valid UTF-8")
  }

  @Test(arguments: [
    ("control-name.tar", #"'corpus/ok\rFAKE: accepted by curator.jsonl'"#),
    ("newline-name.zip", #"'corpus/two\nlines.jsonl'"#),
  ])
  func archiveEntries(_ fixture: String, _ shown: String) throws {
    let sandbox = try setUp()
    try expectRefused(sandbox, ["contribute", "notes", archiveFixture(fixture)], naming: shown)
    try expectRefused(
      sandbox, ["fingerprint", "--datanet", "notes", archiveFixture(fixture)], naming: shown)
  }
}

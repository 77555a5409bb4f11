import Foundation
import OpenLedgerKit
import Testing

/// Rough edges a new user of remotes meets: each does what the user meant, or says why not.
@Suite struct RemoteEdgeTests {
  typealias Machine = RemoteTests.Machine

  /// A push with nothing to push says so, rather than printing nothing; `-q` keeps it quiet
  /// and the JSON report is the same as before.
  @Test func aPushWithNothingToPushSaysSo() throws {
    let sandbox = try Sandbox()
    let alice = try Machine(sandbox, "alice")
    try alice.ok(["init"])
    try alice.ok(["remote", "add", "origin", "\(sandbox.root)/shared"])
    let push = try alice.run(["push"])
    #expect(push.status == 0, "\(push.stderr)")
    #expect(
      push.stderr.contains("nothing to push to origin: this store holds no Datanet"),
      "\(push.stderr)")
    let quiet = try alice.run(["push", "-q"])
    #expect(quiet.status == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(quiet)")
    let report = try #require(try alice.json(["push"]) as? [String: Any])
    #expect((report["datanets"] as? [Any])?.isEmpty == true)
    try alice.ok(["datanet", "create", "notes", "--record-format", "jsonl", "--text-field", "text"])
    try alice.ok(["push"])
    #expect(try alice.ok(["push"]) == "notes: origin is up to date\n")
    _ = sandbox
  }

  /// A remote URL or `--endpoint` that is wrong whatever the surroundings is a mistake in the
  /// command line, followed by the command's usage as other usage errors are; a usage error
  /// found once the command runs (a push to a read-only remote) is its message alone.
  @Test func aMalformedRemoteArgumentIsFollowedByTheUsage() throws {
    let sandbox = try Sandbox()
    let alice = try Machine(sandbox, "alice")
    try alice.ok(["init"])
    for (command, rest) in [
      (["remote", "add"], ["backup", "s3:/lab-datanets/notes"]),
      (["remote", "add"], ["backup", "\(sandbox.root)/x", "--endpoint", "http://h:9000"]),
      (["remote", "add"], ["backup", "s3://"]),
      (["clone"], ["s3:/lab-datanets/notes"]),
      (["clone"], ["\(sandbox.root)/x", "--endpoint", "http://h:9000"]),
    ] {
      let result = try alice.run(command + rest)
      let name = command.joined(separator: " ")
      #expect(result.status == 64, "\(rest): \(result.stderr)")
      #expect(result.stderr.hasPrefix("openledger: error: "), "\(rest): \(result.stderr)")
      #expect(result.stderr.contains("Usage: openledger \(name) "), "\(rest): \(result.stderr)")
      #expect(
        result.stderr.contains("See 'openledger \(name) --help'"), "\(rest): \(result.stderr)")
    }
    try alice.ok(["remote", "add", "web", "https://example.org/notes"])
    let push = try alice.run(["push", "web"])
    #expect(push.status == 64, "\(push.stderr)")
    #expect(!push.stderr.contains("Usage:"), "\(push.stderr)")
    #expect(push.stderr.split(separator: "\n").count == 1, "\(push.stderr)")
    _ = sandbox
  }
}

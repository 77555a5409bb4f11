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
}

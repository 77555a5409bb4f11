import Foundation
import Testing

/// `rewards compute` over an attribution index that misses accepted contributions: it refuses,
/// since an inference is paid once and their contributors' share would go to the unattributed
/// account for good.
@Suite struct StaleIndexTests {
  static let indexed =
    "The plane trees along the river shed their bark in long pale strips during the dry weeks of August."
  static let unindexed =
    "A young maple planted in spring did not survive the heat wave despite the daily watering by neighbours."

  /// A store where alice curates `trees` and each of `contributors` may contribute.
  func setUp(_ contributors: [String]) throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["alice"] + contributors { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "trees", "--as", "alice", "--record-format", "jsonl", "--require",
      "text",
    ])
    return sandbox
  }

  /// `name` contributes `text`, and alice accepts it; returns the contribution's id.
  func contribute(_ text: String, as name: String, in sandbox: Sandbox) throws -> String {
    try sandbox.write("\(name).jsonl", "{\"text\": \"\(text)\"}\n")
    let result = try #require(
      try decodeJSON(
        try sandbox.ok(["contribute", "trees", "\(name).jsonl", "--as", name, "--format", "json"])
      ) as? [String: Any])
    let id = try #require(result["contribution"] as? String)
    try sandbox.ok(["review", "accept", id, "--as", "alice"])
    return id
  }

  @Test func rewardsRefuseAStaleIndexUnlessAllowed() throws {
    let sandbox = try setUp(["bob", "carol"])
    _ = try contribute(Self.indexed, as: "bob", in: sandbox)
    try sandbox.ok(["index", "build", "trees"])
    let late = try contribute(Self.unindexed, as: "carol", in: sandbox)
    try sandbox.write(
      "log.jsonl",
      "{\"id\":\"q1\",\"output\":\"Sadly, \(Self.unindexed)\",\"fee\":\"1000\"}\n")
    let compute = ["rewards", "compute", "trees", "--inferences", "log.jsonl", "--as", "alice"]

    let refused = try sandbox.run(compute)
    #expect(refused.status == 65, "\(refused.stderr)")
    #expect(refused.stderr.contains(String(late.prefix(12))))
    #expect(refused.stderr.contains("openledger index build trees"))
    #expect(refused.stderr.contains("--allow-unindexed"))
    // Nothing was recorded: the same log can still be paid.
    let shown = try sandbox.run(["rewards", "show", "trees"])
    #expect(shown.status != 0)

    try sandbox.ok(["index", "build", "trees"])
    let paid = try #require(
      try decodeJSON(try sandbox.ok(compute + ["--format", "json"])) as? [String: Any])
    let carol =
      try #require(
        try decodeJSON(try sandbox.ok(["identity", "show", "carol", "--format", "json"]))
          as? [String: Any])["account"] as? String
    let accounts = try #require(paid["accounts"] as? [[String: Any]])
    let carolShare = accounts.first { $0["account"] as? String == carol }
    #expect(carolShare?["amount"] as? String != nil && carolShare?["amount"] as? String != "0")
  }

  @Test func allowUnindexedPaysWithANote() throws {
    let sandbox = try setUp(["bob"])
    _ = try contribute(Self.unindexed, as: "bob", in: sandbox)
    try sandbox.write(
      "log.jsonl", "{\"id\":\"q1\",\"output\":\"\(Self.unindexed)\",\"fee\":\"1000\"}\n")
    let allowed = try sandbox.run([
      "rewards", "compute", "trees", "--inferences", "log.jsonl", "--as", "alice",
      "--allow-unindexed",
    ])
    #expect(allowed.status == 0, "\(allowed.stderr)")
    #expect(allowed.stderr.contains("not indexed yet"))
  }
}

import Foundation
import OpenLedgerKit
import Testing

/// End-to-end tests of the ledger's promises against someone who can write into the store's
/// objects (as anyone who can write to a shared remote will): a re-encoded event is not a second
/// event, and a removed curator's review concurrent with the removal changes nothing.
@Suite struct LedgerHardeningTests {
  /// A store where olivia owns and curates `d`, carl contributes, and vera is a curator.
  func setUp() throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["olivia", "carl", "vera"] { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "d", "--as", "olivia", "--record-format", "jsonl", "--text-field",
      "text",
    ])
    try sandbox.ok(["datanet", "update", "d", "--as", "olivia", "--add-curator", "vera"])
    try sandbox.write(
      "c.jsonl",
      "{\"text\": \"The lindens by the school gate were in flower in the second week of June.\"}\n")
    return sandbox
  }

  func json(_ text: String) throws -> [String: Any] {
    try #require(try decodeJSON(text) as? [String: Any])
  }

  func contribute(_ sandbox: Sandbox) throws -> String {
    try #require(
      try json(try sandbox.ok(["contribute", "d", "c.jsonl", "--as", "carl", "--format", "json"]))[
        "contribution"] as? String)
  }

  func status(_ contribution: String, _ sandbox: Sandbox) throws -> String? {
    let listing = try #require(
      try decodeJSON(
        try sandbox.ok(["review", "list", "d", "--status", "all", "--format", "json"]))
        as? [[String: Any]])
    return listing.first { $0["id"] as? String == contribution }?["status"] as? String
  }

  func objects(_ sandbox: Sandbox) -> ObjectStore {
    ObjectStore(root: "\(sandbox.store)/objects/sha256", staging: "\(sandbox.store)/tmp")
  }

  func identity(_ name: String, _ sandbox: Sandbox) throws -> Identity {
    try IdentityStore(directory: "\(sandbox.root)/config/openledger/identities").load(name: name)
  }

  /// Issue 13, defect 1: the withdrawn contribution's envelope, indented and stored under its
  /// new hash, came back as pending after `rebuild-catalog`.
  @Test func aReencodedEventDoesNotReviveAWithdrawnContribution() throws {
    let sandbox = try setUp()
    let contribution = try contribute(sandbox)
    try sandbox.ok(["withdraw", contribution, "--as", "carl"])
    let original = try objects(sandbox).read(try #require(Digest(hex: contribution)))
    let envelope = try JSONDecoder().decode(Envelope.self, from: original)
    let copy = try objects(sandbox).put(try CanonicalEncoder.encodePretty(envelope))

    let rebuild = try sandbox.run(["rebuild-catalog"])
    #expect(rebuild.status == 1)
    #expect(rebuild.stdout.contains("rejected \(copy.hex)"))
    #expect(rebuild.stdout.contains("not canonical JSON"))
    #expect(try status(contribution, sandbox) == "withdrawn")
    let listing = try #require(
      try decodeJSON(
        try sandbox.ok(["review", "list", "d", "--status", "all", "--format", "json"]))
        as? [[String: Any]])
    #expect(listing.count == 1)

    let validate = try sandbox.run(["validate"])
    #expect(validate.status == 1)
    #expect(validate.stdout.contains(copy.hex))
  }

  /// Issue 13, defect 2: vera, removed by event X, signs a review with X's parents and re-signs
  /// until its id sorts below X's. It used to replay as a valid accept.
  @Test func aRemovedCuratorsConcurrentReviewChangesNothing() throws {
    let sandbox = try setUp()
    let contribution = try contribute(sandbox)
    let log = try #require(
      try decodeJSON(try sandbox.ok(["log", "d", "--format", "json"])) as? [[String: Any]])
    let ids = log.compactMap { ($0["id"] as? String).flatMap(Digest.init(hex:)) }
    let datanet = try #require(ids.first)
    let parents = [try #require(ids.last)]
    try sandbox.ok(["datanet", "update", "d", "--as", "olivia", "--remove-curator", "vera"])
    let removal = try #require(
      try (decodeJSON(try sandbox.ok(["log", "d", "--format", "json"])) as? [[String: Any]])?
        .last?["id"] as? String)

    let vera = try identity("vera", sandbox)
    let target = try #require(Digest(hex: contribution))
    var forged: SignedEvent?
    for second in 0..<600 where forged == nil {
      let event = try SignedEvent.sign(
        EventPayload(
          datanet: datanet, parents: parents, actor: vera.account,
          time: String(format: "2026-06-01T00:%02d:%02d.000Z", second / 60, second % 60),
          body: .contributionReview(
            ContributionReview(contribution: target, decision: .accept, reason: "mine"))),
        by: vera)
      if event.id.hex < removal { forged = event }
    }
    let review = try #require(forged)
    try objects(sandbox).put(review.bytes)

    let rebuild = try sandbox.run(["rebuild-catalog"])
    #expect(rebuild.status == 0, "\(rebuild.stdout)\(rebuild.stderr)")
    #expect(rebuild.stdout.contains("overridden \(review.id.hex)"))
    #expect(rebuild.stdout.contains(removal))
    #expect(try status(contribution, sandbox) == "pending")
    let shown = try sandbox.ok(["log", "d"])
    #expect(shown.contains("(overridden: no effect) accepted contribution"))

    let validate = try sandbox.run(["validate", "--format", "json"])
    #expect(validate.status == 0, "\(validate.stdout)")
    #expect(validate.stdout.contains("overridden-event"))
    #expect(try sandbox.run(["validate", "--strict"]).status == 1)
  }
}

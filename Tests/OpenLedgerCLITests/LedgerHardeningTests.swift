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
    // A try succeeds with the chance that a random id sorts below X's; for a failure rate of
    // about 1/N over all X, try N = 200,000 times (a few seconds only when X's id is tiny).
    for attempt in 0..<200_000 where forged == nil {
      let event = try SignedEvent.sign(
        EventPayload(
          datanet: datanet, parents: parents, actor: vera.account,
          time: "2026-06-01T00:00:00.000Z",
          body: .contributionReview(
            ContributionReview(contribution: target, decision: .accept, reason: "mine \(attempt)"))
        ),
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

  /// Issue 13, defect 5: with 40 pending contributions, a SIGKILL during `review accept` left
  /// signed reviews in objects/ that the catalog never committed; `validate` failed, and
  /// `rebuild-catalog` accepted some of the 40. Now a kill while the reviews are being stored
  /// leaves a store that `validate` passes, with none of the 40 accepted, before and after
  /// `rebuild-catalog`; running the command again accepts all 40.
  @Test(arguments: [1, 20]) func aKilledReviewOfManyIsAllOrNone(killAfter stored: Int) throws {
    let sandbox = try setUp()
    let store = try Store.open(at: sandbox.store)
    let olivia = try identity("olivia", sandbox)
    var pending = [String]()
    // In-process, for speed: the commands under test are the review and what follows.
    for n in 0..<40 {
      let path = "\(sandbox.work)/p\(n).jsonl"
      try Data("{\"text\": \"Pending note \(n) \(UUID().uuidString).\"}\n".utf8).write(
        to: URL(fileURLWithPath: path))
      let outcome = try Contributor(store: store).contribute(
        to: "d", inputs: [.path(path)], by: olivia, options: IngestOptions(), clock: SystemClock())
      pending.append(try #require(outcome.event).id.hex)
    }
    let before = try objectCount(sandbox)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Sandbox.binary)
    process.arguments = ["review", "accept", "--as", "olivia"] + pending
    process.currentDirectoryURL = URL(fileURLWithPath: sandbox.work)
    process.environment = sandbox.environment
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Kill it once it has stored `stored` reviews (only reviews are stored by it).
    while process.isRunning, try objectCount(sandbox) < before + stored { usleep(500) }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let written = try objectCount(sandbox) - before
    #expect(written >= stored && written < 40, "the kill came too late: \(written) stored")

    #expect(try pending.filter { try status($0, sandbox) == "accepted" }.isEmpty)
    let validate = try sandbox.run(["validate"])
    #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
    #expect(validate.stdout.contains("interrupted"))
    try sandbox.ok(["rebuild-catalog"])
    #expect(try pending.filter { try status($0, sandbox) == "accepted" }.isEmpty)
    #expect(try objectCount(sandbox) == before)
    try sandbox.ok(["validate"])
    try sandbox.ok(["review", "accept", "--as", "olivia"] + pending)
    #expect(try pending.allSatisfy { try status($0, sandbox) == "accepted" })
  }

  /// How many objects the store holds.
  func objectCount(_ sandbox: Sandbox) throws -> Int {
    var malformed = [String]()
    return try objects(sandbox).allObjects(malformed: &malformed).count
  }
}

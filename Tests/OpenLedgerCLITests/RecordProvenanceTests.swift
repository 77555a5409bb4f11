import Foundation
import OpenLedgerKit
import Testing

/// End-to-end tests of each record's provenance: `record show`, the source kept with every
/// record (through `review show`, `export`, remotes and `rebuild-catalog`), and stores written
/// before sources were kept.
@Suite struct RecordProvenanceTests {
  /// The records of `corpus/papers/2024/abstracts.jsonl` in the archive fixtures, in order.
  static let abstracts = [
    "{\"id\":1,\"text\":\"Suffix arrays index every substring of a corpus.\"}",
    "{\"id\":2,\"text\":\"MinHash estimates the Jaccard similarity of two sets.\"}",
    "{\"id\":3,\"text\":\"Merkle proofs let anyone check one leaf against a root.\"}",
  ]
  static let notes = [
    "The plane trees along the river shed their bark in long pale strips in August.",
    "Lindens by the school flowered early this year, and the bees were loud around them.",
  ]

  static func id(_ canonical: String) -> String { Digest.of(Data(canonical.utf8)).hex }
  static func noteID(_ index: Int) -> String { id("{\"text\":\"\(notes[index])\"}") }

  /// bob contributes `data/good.tar.gz` (an archive) and `notes.jsonl` (whose second line
  /// repeats the first) to `trees` in one contribution; alice curates it.
  static func setUp() throws -> (sandbox: Sandbox, contribution: String) {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["alice", "bob"] { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "trees", "--as", "alice", "--record-format", "jsonl", "--require",
      "text",
    ])
    try FileManager.default.createDirectory(
      atPath: "\(sandbox.work)/data", withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: archiveFixture("good.tar.gz"), toPath: "\(sandbox.work)/data/good.tar.gz")
    try sandbox.write(
      "notes.jsonl", [0, 0, 1].map { "{\"text\": \"\(Self.notes[$0])\"}\n" }.joined())
    let result = try json(
      sandbox.ok([
        "contribute", "trees", "data/good.tar.gz", "notes.jsonl", "--as", "bob", "--format",
        "json",
      ]))
    return (sandbox, try #require(result["contribution"] as? String))
  }

  static func json(_ text: String) throws -> [String: Any] {
    try #require(try decodeJSON(text) as? [String: Any])
  }

  func setUp() throws -> (sandbox: Sandbox, contribution: String) { try Self.setUp() }
  func json(_ text: String) throws -> [String: Any] { try Self.json(text) }

  /// A store that openledger fde767f wrote, before sources were kept: alice's `trees`, with
  /// one accepted contribution of bob's two records (the identities are not there).
  static func oldStore() throws -> Sandbox {
    let sandbox = try Sandbox()
    try FileManager.default.copyItem(atPath: fixture("store-fde767f"), toPath: sandbox.store)
    try FileManager.default.createDirectory(
      atPath: "\(sandbox.store)/tmp", withIntermediateDirectories: true)
    #expect(try sandbox.run(["rebuild-catalog"]).status == 0)
    return sandbox
  }

  /// The first record of the old store.
  static let oldRecord = id(
    "{\"text\":\"The plane trees along the river shed their bark in long pale strips during the "
      + "dry weeks of August.\"}")

  /// `record show --format json` of `record`: the one Datanet's entry.
  func shown(_ sandbox: Sandbox, _ record: String, store: String? = nil) throws -> [String: Any] {
    let output = try sandbox.ok(
      ["record", "show", record, "--format", "json"] + (store.map { ["--store", $0] } ?? []))
    let entries = try #require(try decodeJSON(output) as? [[String: Any]])
    #expect(entries.count == 1)
    return try #require(entries.first)
  }

  @Test func recordShowNamesTheArchiveEntryAndLine() throws {
    let (sandbox, contribution) = try setUp()
    let minHash = Self.id(Self.abstracts[1])
    let text = try sandbox.ok(["record", "show", String(minHash.prefix(10))])
    #expect(text.contains("data/good.tar.gz, entry corpus/papers/2024/abstracts.jsonl, line 2"))
    #expect(text.contains("pending"))
    #expect(text.contains("bob ("))
    #expect(text.contains("\"text\" : \"MinHash estimates the Jaccard similarity of two sets.\""))

    let entry = try shown(sandbox, minHash)
    #expect(entry["record"] as? String == minHash)
    #expect(
      entry["source"] as? NSDictionary == [
        "path": "data/good.tar.gz", "entry": "corpus/papers/2024/abstracts.jsonl", "line": 2,
      ])
    #expect((entry["json"] as? [String: Any])?["id"] as? Int == 2)
    #expect(entry["contributorName"] as? String == "bob")
    #expect(entry["status"] as? String == "pending")
    #expect((entry["contribution"] as? [String: Any])?["id"] as? String == contribution)

    // notes.jsonl's third line follows a duplicate that was not stored: it is still line 3.
    let third = try shown(sandbox, Self.noteID(1))
    #expect(third["source"] as? NSDictionary == ["path": "notes.jsonl", "line": 3])

    // Its status follows the review, then the takedown, each with its event and reason.
    try sandbox.ok(["review", "accept", contribution, "--as", "alice", "--reason", "good"])
    let accepted = try shown(sandbox, minHash)
    #expect(accepted["status"] as? String == "accepted")
    #expect(
      (accepted["statusEvent"] as? [String: Any])?["type"] as? String == "contribution.review")
    try sandbox.ok([
      "takedown", "trees", "--record", minHash, "--reason", "personal data", "--as", "alice",
    ])
    let down = try shown(sandbox, minHash)
    #expect(down["status"] as? String == "taken-down")
    let event = try #require(down["statusEvent"] as? [String: Any])
    #expect(event["type"] as? String == "record.takedown")
    #expect(event["reason"] as? String == "personal data")
    #expect(try sandbox.ok(["record", "show", minHash]).contains("taken down by alice ("))

    // The source is signed with the contribution: the catalog rebuilt from the objects keeps it.
    #expect(try sandbox.run(["rebuild-catalog"]).status == 0)
    #expect(try sandbox.run(["verify-ledger"]).status == 0)
    #expect(
      try shown(sandbox, minHash)["source"] as? NSDictionary == [
        "path": "data/good.tar.gz", "entry": "corpus/papers/2024/abstracts.jsonl", "line": 2,
      ])
  }

  @Test func unknownAndAmbiguousRecordsAreRefused() throws {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["datanet", "create", "probes", "--record-format", "jsonl"])
    // Two records whose ids share their first 8 hex digits.
    var seen = [String: Int]()
    var pair: (Int, Int)?
    var n = 0
    while pair == nil {
      let prefix = String(Self.id("{\"text\":\"probe \(n)\"}").prefix(8))
      if let earlier = seen[prefix] { pair = (earlier, n) } else { seen[prefix] = n }
      n += 1
    }
    let (a, b) = try #require(pair)
    try sandbox.write("probes.jsonl", "{\"text\": \"probe \(a)\"}\n{\"text\": \"probe \(b)\"}\n")
    try sandbox.ok(["contribute", "probes", "probes.jsonl"])
    let prefix = String(Self.id("{\"text\":\"probe \(a)\"}").prefix(8))
    let ambiguous = try sandbox.run(["record", "show", prefix])
    #expect(ambiguous.status == 64, "\(ambiguous.stderr)")
    #expect(ambiguous.stderr.contains("matches several records"))
    // One more digit tells them apart, unless they share it too.
    let full = Self.id("{\"text\":\"probe \(a)\"}")
    #expect(try sandbox.run(["record", "show", full]).status == 0)

    let unknown = try sandbox.run(["record", "show", "deadbeefdeadbeef"])
    #expect(unknown.status == 66)
    #expect(unknown.stderr.contains("holds no record 'deadbeefdeadbeef'"))
    #expect(try sandbox.run(["record", "show", "not-a-record"]).status == 66)
    #expect(try sandbox.run(["record", "show", full, "--datanet", "nowhere"]).status == 66)
  }

  @Test func recordShowNeverChangesANumber() throws {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["datanet", "create", "counts", "--record-format", "jsonl"])
    // Canonical records keep integers digit for digit; a double would round this one.
    let big = "123456789012345678901234567890"
    try sandbox.write("counts.jsonl", "{\"n\": \(big), \"text\": \"a large count\"}\n")
    try sandbox.ok(["contribute", "counts", "counts.jsonl"])
    let record = Self.id("{\"n\":\(big),\"text\":\"a large count\"}")
    let entry = try shown(sandbox, record)
    #expect(entry["canonical"] as? String == "{\"n\":\(big),\"text\":\"a large count\"}")
    // Not as a JSON value that would say 1.2345678901234568e+29: the canonical text stands.
    #expect(entry["json"] == nil)
    #expect(try sandbox.ok(["record", "show", record]).contains(big))
  }

  @Test func reviewShowNamesEachRecordsSource() throws {
    let (sandbox, contribution) = try setUp()
    let review = try sandbox.ok(["review", "show", contribution])
    #expect(review.contains("data/good.tar.gz:corpus/papers/2024/abstracts.jsonl:2"))
    #expect(review.contains("notes.jsonl:3"))
    let details = try json(sandbox.ok(["review", "show", contribution, "--format", "json"]))
    let records = try #require(details["records"] as? [[String: Any]])
    #expect(
      records.map { ($0["source"] as? [String: Any])?["line"] as? Int } == [1, 2, 3, 1, 3])
  }

  @Test func sourcesTravelWithRemotes() throws {
    let (sandbox, contribution) = try setUp()
    try sandbox.ok(["review", "accept", contribution, "--as", "alice"])
    try sandbox.ok(["remote", "add", "origin", "\(sandbox.root)/shared"])
    try sandbox.ok(["push"])
    try sandbox.ok(["clone", "\(sandbox.root)/shared", "copy"])
    let copy = "\(sandbox.work)/copy/.openledger"
    #expect(
      try shown(sandbox, Self.noteID(1), store: copy)["source"] as? NSDictionary == [
        "path": "notes.jsonl", "line": 3,
      ])
  }

  @Test func storesWrittenBeforeSourcesWereKeptStillWork() throws {
    let sandbox = try Self.oldStore()
    #expect(try sandbox.run(["verify-ledger"]).status == 0)
    let entry = try shown(sandbox, Self.oldRecord)
    #expect(entry["source"] == nil)
    #expect(entry["sourceKept"] as? Bool == false)
    #expect(entry["status"] as? String == "accepted")
    #expect(
      try sandbox.ok(["record", "show", Self.oldRecord]).contains("unknown (its contribution"))
    let contribution = try #require(
      ((entry["contribution"] as? [String: Any])?["id"]) as? String)
    #expect(try sandbox.ok(["review", "show", contribution]).contains("source unknown"))
  }

  @Test func recordShowListsTheEpochsThatCreditedIt() throws {
    let (sandbox, contribution) = try setUp()
    try sandbox.ok(["review", "accept", contribution, "--as", "alice"])
    try sandbox.ok(["index", "build", "trees"])
    try sandbox.write(
      "log.jsonl",
      "{\"id\":\"q1\",\"output\":\"Indeed, MinHash estimates the Jaccard similarity of two sets.\",\"fee\":\"1000\"}\n"
        + "{\"id\":\"q2\",\"output\":\"Nothing to see here at all, none whatsoever.\",\"fee\":\"10\"}\n"
    )
    try sandbox.ok(["rewards", "compute", "trees", "--inferences", "log.jsonl", "--as", "alice"])
    let credited = try shown(sandbox, Self.id(Self.abstracts[1]))
    let epochs = try #require(credited["epochs"] as? [[String: Any]])
    #expect(epochs.count == 1)
    #expect(epochs.first?["epoch"] as? Int == 1)
    #expect(epochs.first?["inferences"] as? [String] == ["q1"])
    #expect(epochs.first?["recomputed"] as? Bool == true)
    // The 9 tokens of "MinHash estimates the Jaccard similarity of two sets.", all its own.
    #expect(epochs.first?["units"] as? Int == 9_000_000_000)
    // bob was paid for q1, but this record earned nothing there.
    let other = try shown(sandbox, Self.id(Self.abstracts[0]))
    #expect((other["epochs"] as? [Any])?.isEmpty == true)
    #expect(try sandbox.ok(["record", "show", Self.id(Self.abstracts[0])]).contains("none"))
  }
}

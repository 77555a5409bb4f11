import Foundation
import FoundationXML
import Testing

@testable import OpenLedgerKit

/// End-to-end tests of `validate`: over a store, and over files before they are contributed.
@Suite struct ValidateTests {
  /// A store with `alice`, the JSONL Datanet `trees`, and one contribution of notes.jsonl.
  func setUp() throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok([
      "datanet", "create", "trees", "--record-format", "jsonl", "--require", "text",
    ])
    try sandbox.ok(["contribute", "trees", fixture("notes.jsonl")])
    return sandbox
  }

  /// The object files of the store.
  func objectFiles(_ sandbox: Sandbox) throws -> [String] {
    let root = "\(sandbox.store)/objects/sha256"
    return try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.count == 65 }
      .map { "\(root)/\($0)" }.sorted()
  }

  /// Parses JUnit XML and returns (test case name, failure message or nil) pairs.
  func junitCases(_ xml: String) throws -> [(name: String, failure: String?)] {
    let document = try XMLDocument(xmlString: xml, options: [])
    let root = try #require(document.rootElement())
    #expect(root.name == "testsuites")
    var cases = [(String, String?)]()
    for suite in root.elements(forName: "testsuite") {
      let tests = suite.elements(forName: "testcase")
      #expect(suite.attribute(forName: "tests")?.stringValue == "\(tests.count)")
      for test in tests {
        let name = try #require(test.attribute(forName: "name")?.stringValue)
        let failure = test.elements(forName: "failure").first?.attribute(forName: "message")?
          .stringValue
        cases.append((name, failure))
      }
    }
    return cases
  }

  @Test func aCleanStorePassesInEveryFormat() throws {
    let sandbox = try setUp()
    let text = try sandbox.run(["validate"])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains("ok    objects"))
    #expect(text.stdout.contains("all passed"))

    let json = try #require(
      try decodeJSON(try sandbox.ok(["validate", "--format", "json"])) as? [String: Any])
    #expect(json["passed"] as? Bool == true)
    #expect((json["checks"] as? [[String: Any]])?.isEmpty == false)

    let junit = try sandbox.ok(["validate", "--format", "junit"])
    let cases = try junitCases(junit)
    #expect(cases.contains { $0.name == "objects" && $0.failure == nil })

    let github = try sandbox.ok(["validate", "--format", "github"])
    #expect(!github.contains("::error"))
  }

  @Test func aCorruptObjectFailsInEveryFormat() throws {
    let sandbox = try setUp()
    let victim = try #require(try objectFiles(sandbox).first)
    let id = victim.split(separator: "/").suffix(2).joined()
    chmod(victim, 0o644)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
    bytes[bytes.count / 2] ^= 0x01
    try bytes.write(to: URL(fileURLWithPath: victim))

    let text = try sandbox.run(["validate"])
    #expect(text.status == 1)
    #expect(text.stdout.contains("FAIL  objects"))
    #expect(text.stdout.contains("object \(id) is corrupt"))

    let json = try sandbox.run(["validate", "--format", "json"])
    #expect(json.status == 1)
    let report = try #require(try decodeJSON(json.stdout) as? [String: Any])
    #expect(report["passed"] as? Bool == false)
    let findings = (report["checks"] as? [[String: Any]] ?? []).flatMap {
      $0["findings"] as? [[String: Any]] ?? []
    }
    #expect(
      findings.contains {
        $0["code"] as? String == "corrupt-object" && $0["subject"] as? String == id
      })

    let junit = try sandbox.run(["validate", "--format", "junit"])
    #expect(junit.status == 1)
    let failure = try #require(try junitCases(junit.stdout).first { $0.name == "objects" }?.failure)
    #expect(failure.contains(id))

    let github = try sandbox.run(["validate", "--format", "github"])
    #expect(github.status == 1)
    #expect(github.stdout.contains("::error file=.openledger/objects/sha256/"))
    #expect(github.stdout.contains("object \(id) is corrupt"))
  }

  @Test func anAlteredEventFailsInEveryFormat() throws {
    let sandbox = try setUp()
    let events = try #require(
      try decodeJSON(try sandbox.ok(["log", "trees", "--format", "json"])) as? [[String: Any]])
    let event = try #require(events.last?["id"] as? String)
    let path = "\(sandbox.store)/objects/sha256/\(event.prefix(2))/\(event.dropFirst(2))"
    chmod(path, 0o644)
    var envelope = try String(contentsOfFile: path, encoding: .utf8)
    // Change one character of the base64 payload: the signature no longer verifies.
    let payload = try #require(envelope.range(of: "\"payload\":\""))
    let at = envelope.index(payload.upperBound, offsetBy: 10)
    envelope.replaceSubrange(at...at, with: envelope[at] == "A" ? "B" : "A")
    try envelope.write(toFile: path, atomically: false, encoding: .utf8)

    let text = try sandbox.run(["validate"])
    #expect(text.status == 1)
    #expect(text.stdout.contains("FAIL  ledger trees"))
    #expect(text.stdout.contains(event))

    // `log` lists the others, marks this one, and fails.
    let log = try sandbox.run(["log", "trees"])
    #expect(log.status == 1)
    #expect(log.stdout.contains("datanet.create"))
    #expect(log.stdout.contains("UNVERIFIABLE"))
    #expect(log.stderr.contains("event \(event) cannot be verified"))
    #expect(log.stderr.contains("openledger verify-ledger trees"))

    let json = try #require(
      try decodeJSON(try sandbox.run(["validate", "--format", "json"]).stdout) as? [String: Any])
    let ledger = try #require(
      (json["checks"] as? [[String: Any]])?.first { $0["name"] as? String == "ledger trees" })
    #expect(ledger["passed"] as? Bool == false)
    let findings = ledger["findings"] as? [[String: Any]] ?? []
    #expect(findings.contains { $0["subject"] as? String == event })

    let junit = try sandbox.run(["validate", "--datanet", "trees", "--format", "junit"])
    #expect(junit.status == 1)
    let failure = try #require(try junitCases(junit.stdout).first { $0.name == "ledger trees" })
    #expect(failure.failure?.contains(event) == true)

    let github = try sandbox.run(["validate", "--format", "github"])
    #expect(github.status == 1)
    #expect(
      github.stdout.split(separator: "\n").contains {
        $0.hasPrefix("::error title=openledger ledger trees") && $0.contains(event)
      })
  }

  /// Stores, as alice, a contribution whose one record lacks the required `text`: what an older
  /// or foreign tool could have written. Returns the record's id.
  func plantInvalidRecord(_ sandbox: Sandbox) throws -> String {
    let store = try Store.open(at: sandbox.store)
    let alice = try IdentityStore(directory: "\(sandbox.root)/config/openledger/identities")
      .load(name: "alice")
    let record = Data(#"{"title":"a note without its text"}"#.utf8)
    var shard = Data(ShardFormat.magic)
    withUnsafeBytes(of: UInt32(record.count).littleEndian) { shard.append(contentsOf: $0) }
    shard.append(record)
    let shardID = try store.objects.put(shard)
    let datanet = try Ledger(store: store).datanet("trees")
    let body = ContributionSubmit(
      shards: [ShardInfo(id: shardID, records: 1, bytes: shard.count)], records: 1,
      sources: [], duplicates: DuplicateSummary(IngestReport()), invalid: 0)
    try Ledger(store: store).append(
      .contributionSubmit(body), to: datanet.id, by: alice, clock: SystemClock())
    return Digest.of(record).hex
  }

  @Test func anInvalidRecordFailsInEveryFormat() throws {
    let sandbox = try setUp()
    let record = try plantInvalidRecord(sandbox)

    let text = try sandbox.run(["validate"])
    #expect(text.status == 1)
    #expect(text.stdout.contains("FAIL  records trees (6 checked, 1 error)"))
    #expect(text.stdout.contains("record \(record) of contribution"))
    #expect(text.stdout.contains("missing required field 'text'"))

    let json = try #require(
      try decodeJSON(try sandbox.run(["validate", "--format", "json"]).stdout) as? [String: Any])
    let check = try #require(
      (json["checks"] as? [[String: Any]])?.first { $0["name"] as? String == "records trees" })
    let finding = try #require((check["findings"] as? [[String: Any]])?.first)
    #expect(finding["code"] as? String == "missing-required")
    #expect(finding["subject"] as? String == record)

    let junit = try sandbox.run(["validate", "--format", "junit"])
    #expect(junit.status == 1)
    let failure = try #require(try junitCases(junit.stdout).first { $0.name == "records trees" })
    #expect(failure.failure?.contains(record) == true)

    let github = try sandbox.run(["validate", "--format", "github"])
    #expect(github.status == 1)
    #expect(
      github.stdout.split(separator: "\n").contains {
        $0.hasPrefix("::error title=openledger records trees%3A missing-required::")
          && $0.contains(record)
      })
  }

  @Test func aCorruptIndexSegmentFails() throws {
    let sandbox = try setUp()
    let pending = try #require(
      try decodeJSON(try sandbox.ok(["review", "list", "trees", "--format", "json"]))
        as? [[String: Any]])
    let contribution = try #require(pending.first?["id"] as? String)
    try sandbox.ok(["review", "accept", contribution])
    try sandbox.ok(["index", "build", "trees"])
    #expect(try sandbox.run(["validate"]).status == 0)

    let status = try #require(
      try decodeJSON(try sandbox.ok(["index", "status", "trees", "--format", "json"]))
        as? [String: Any])
    let segment = try #require((status["segments"] as? [[String: Any]])?.first?["id"] as? String)
    let datanet = try #require(status["datanet"] as? String)
    let file = "\(sandbox.store)/indexes/\(datanet)/\(segment)/suffixes.packed"
    chmod(file, 0o644)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
    bytes[0] ^= 0x01
    try bytes.write(to: URL(fileURLWithPath: file))

    let text = try sandbox.run(["validate", "--datanet", "trees"])
    #expect(text.status == 1)
    #expect(text.stdout.contains("FAIL  index trees (1 checked, 1 error)"))
    #expect(text.stdout.contains("index segment \(segment)"))
    #expect(text.stdout.contains("suffixes.packed hashes to"))
    let github = try sandbox.run(["validate", "--format", "github"])
    #expect(github.stdout.contains("::error file=.openledger/indexes/\(datanet)/\(segment),"))
  }

  /// A reward epoch whose stored leaves had one amount changed: the manifest check names the
  /// manifest, in every format (the objects check names the altered object too).
  @Test func aTamperedManifestFailsInEveryFormat() throws {
    let rewards = try RewardsCommandTests()
    let sandbox = rewards.sandbox
    #expect(try rewards.compute().status == 0)
    try sandbox.ok(["manifest", "export", "trees", "--out", "out"])
    #expect(try sandbox.run(["validate"]).status == 0)
    let manifest = Digest.of(
      try Data(contentsOf: URL(fileURLWithPath: "\(sandbox.work)/out/manifest.json")))
    let leaves = Digest.of(
      try Data(contentsOf: URL(fileURLWithPath: "\(sandbox.work)/out/leaves.jsonl")))
    let path = "\(sandbox.store)/objects/sha256/\(leaves.hex.prefix(2))/\(leaves.hex.dropFirst(2))"
    chmod(path, 0o644)
    var text = try String(contentsOfFile: path, encoding: .utf8)
    let amount = try #require(text.range(of: "\"cumulative\":\""))
    let digit = try #require(text[amount.upperBound].asciiValue)
    let changed = Character(UnicodeScalar(digit == UInt8(ascii: "9") ? digit - 1 : digit + 1))
    text.replaceSubrange(amount.upperBound...amount.upperBound, with: String(changed))
    try text.write(toFile: path, atomically: false, encoding: .utf8)

    let plain = try sandbox.run(["validate"])
    #expect(plain.status == 1)
    #expect(plain.stdout.contains("FAIL  manifests trees"))
    #expect(plain.stdout.contains("manifest \(manifest.short)"))
    #expect(plain.stdout.contains("object \(leaves.hex) is corrupt"))

    let json = try #require(
      try decodeJSON(try sandbox.run(["validate", "--format", "json"]).stdout) as? [String: Any])
    let check = try #require(
      (json["checks"] as? [[String: Any]])?.first { $0["name"] as? String == "manifests trees" })
    #expect(check["passed"] as? Bool == false)
    #expect(
      (check["findings"] as? [[String: Any]] ?? []).contains {
        $0["subject"] as? String == manifest.hex
      })

    let junit = try sandbox.run(["validate", "--format", "junit"])
    #expect(junit.status == 1)
    let failure = try #require(
      try junitCases(junit.stdout).first { $0.name == "manifests trees" }?.failure)
    #expect(failure.contains(manifest.short))

    let github = try sandbox.run(["validate", "--datanet", "trees", "--format", "github"])
    #expect(github.status == 1)
    #expect(
      github.stdout.split(separator: "\n").contains {
        $0.hasPrefix("::error file=.openledger/objects/sha256/") && $0.contains("manifests trees")
          && $0.contains(manifest.short)
      })
  }

  @Test func filesAreCheckedBeforeTheyAreContributed() throws {
    let sandbox = try setUp()
    try sandbox.write(
      "data/new.jsonl",
      """
      {"text": "A new note about the plane trees along the canal, in full leaf this week."}
      {"text": "An unfinished note
      {"title": "no text at all"}

      """)
    let before = try objectFiles(sandbox)
    let text = try sandbox.run(["validate", "--datanet", "trees", "data/new.jsonl"])
    #expect(text.status == 1)
    #expect(text.stdout.contains("FAIL  input data/new.jsonl (3 checked, 2 errors)"))
    #expect(text.stdout.contains("data/new.jsonl:2: error: malformed JSON"))
    #expect(text.stdout.contains("data/new.jsonl:3: error: missing required field 'text'"))

    let github = try sandbox.run([
      "validate", "--datanet", "trees", "data/new.jsonl", "--format", "github",
    ])
    #expect(github.status == 1)
    #expect(github.stdout.contains("::error file=data/new.jsonl,line=2,title="))
    #expect(github.stdout.contains("::error file=data/new.jsonl,line=3,title="))

    let junit = try sandbox.run([
      "validate", "--datanet", "trees", "data/new.jsonl", "--format", "junit",
    ])
    #expect(junit.status == 1)
    let cases = try junitCases(junit.stdout)
    #expect(cases.count == 1)
    #expect(cases.first?.name == "input data/new.jsonl")
    #expect(cases.first?.failure?.contains("malformed JSON") == true)
    #expect(try objectFiles(sandbox) == before, "validate wrote to the store")
  }

  @Test func duplicatesAreWarningsUnlessStrict() throws {
    let sandbox = try setUp()
    let loose = try sandbox.run([
      "validate", "--datanet", "trees", fixture("duplicate.jsonl"), fixture("near.jsonl"),
    ])
    #expect(loose.status == 0, "\(loose.stdout)\(loose.stderr)")
    // Records already contributed are a note, not a finding.
    #expect(loose.stdout.contains("note: 1 record(s) are already in the Datanet"))
    #expect(loose.stdout.contains("warning: near duplicate of record"))
    let github = try sandbox.run([
      "validate", "--datanet", "trees", fixture("near.jsonl"), "--format", "github",
    ])
    #expect(github.stdout.contains("::warning file="))
    let alreadyIn = try sandbox.run([
      "validate", "--datanet", "trees", fixture("duplicate.jsonl"), "--strict",
    ])
    #expect(alreadyIn.status == 0, "\(alreadyIn.stdout)")
    let strict = try sandbox.run([
      "validate", "--datanet", "trees", fixture("near.jsonl"), "--strict",
    ])
    #expect(strict.status == 1)
    #expect(strict.stdout.contains("error: near duplicate of record"))
    let strictJUnit = try sandbox.run([
      "validate", "--datanet", "trees", fixture("near.jsonl"), "--strict", "--format", "junit",
    ])
    #expect(strictJUnit.status == 1)
    #expect(try junitCases(strictJUnit.stdout).contains { $0.failure != nil })
    let strictJSON = try sandbox.run([
      "validate", "--datanet", "trees", fixture("near.jsonl"), "--strict", "--format", "json",
    ])
    #expect((try decodeJSON(strictJSON.stdout) as? [String: Any])?["passed"] as? Bool == false)
  }

  /// A near-duplicate index file the catalog lists but that is gone (concurrent merges could
  /// delete one): `validate` names it and says how to repair, `contribute` refuses with the same
  /// advice (and so do `fingerprint` and `validate` of files), and `rebuild-catalog` repairs it.
  @Test func aMissingNearDuplicateSegmentFailsAndSaysHowToRepair() throws {
    let sandbox = try setUp()
    let directory = try #require(
      try FileManager.default.contentsOfDirectory(atPath: "\(sandbox.store)/indexes").first)
    let segments = "\(sandbox.store)/indexes/\(directory)/near-duplicates"
    let file = try #require(
      try FileManager.default.contentsOfDirectory(atPath: segments).first { $0.hasSuffix(".seg") })
    try FileManager.default.removeItem(atPath: "\(segments)/\(file)")

    let text = try sandbox.run(["validate"])
    #expect(text.status == 1, "\(text.stdout)")
    #expect(
      text.stdout.contains("FAIL  near-duplicates trees (1 checked, 1 error)"), "\(text.stdout)")
    #expect(text.stdout.contains(file))
    #expect(text.stdout.contains("openledger rebuild-catalog"))
    let json = try #require(
      try decodeJSON(try sandbox.run(["validate", "--format", "json"]).stdout) as? [String: Any])
    let checks = try #require(json["checks"] as? [[String: Any]])
    let finding = try #require(
      checks.first { $0["name"] as? String == "near-duplicates trees" }?["findings"]
        as? [[String: Any]])
    #expect(finding.first?["code"] as? String == "missing-near-duplicate-segment")
    #expect((finding.first?["file"] as? String)?.hasSuffix("near-duplicates/\(file)") == true)

    try sandbox.write("more.jsonl", "{\"text\": \"Ash trees by the canal are being felled.\"}\n")
    for command in [
      ["contribute", "trees", "more.jsonl"], ["fingerprint", "--datanet", "trees", "more.jsonl"],
    ] {
      let refused = try sandbox.run(command)
      #expect(refused.status == 74, "\(command): \(refused.stderr)")
      #expect(refused.stderr.contains(file), "\(refused.stderr)")
      #expect(refused.stderr.contains("run `openledger rebuild-catalog`"), "\(refused.stderr)")
    }

    try sandbox.ok(["rebuild-catalog"])
    #expect(try sandbox.run(["validate"]).status == 0)
    try sandbox.ok(["contribute", "trees", "more.jsonl"])
    #expect(try sandbox.run(["validate"]).status == 0)

    // A listed file whose bytes changed no longer hashes to its name.
    let listed = try #require(
      try FileManager.default.contentsOfDirectory(atPath: segments).first { $0.hasSuffix(".seg") })
    chmod("\(segments)/\(listed)", 0o644)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: "\(segments)/\(listed)"))
    bytes[bytes.count - 1] ^= 0x01
    try bytes.write(to: URL(fileURLWithPath: "\(segments)/\(listed)"))
    let damaged = try sandbox.run(["validate"])
    #expect(damaged.status == 1)
    #expect(damaged.stdout.contains("\(listed) is damaged: its bytes hash to"), "\(damaged.stdout)")
  }

  @Test func usageErrors() throws {
    let sandbox = try setUp()
    let noDatanet = try sandbox.run(["validate", fixture("notes.jsonl")])
    #expect(noDatanet.status == 64)
    #expect(noDatanet.stderr.contains("--datanet"))
    let unknown = try sandbox.run(["validate", "--datanet", "oaks"])
    #expect(unknown.status == 66)
    let format = try sandbox.run(["validate", "--format", "xml"])
    #expect(format.status == 64)
  }
}

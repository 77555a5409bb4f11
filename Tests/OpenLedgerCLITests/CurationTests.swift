import Foundation
import OpenLedgerKit
import Testing

/// End-to-end tests of review, withdraw, takedown, ledger verification and export.
@Suite struct CurationTests {
  static let texts = [
    "Plane trees along the river shed their bark in long strips during the dry weeks.",
    "The old oak near the north gate has a hollow large enough for a child to stand in.",
    "Ginkgo leaves turned bright yellow on the same day across the whole avenue this year.",
    "Lindens by the school flowered early, and the bees were loud around them for a week.",
    "A young maple planted in spring did not survive the heat wave despite the watering.",
    "Birches on the hill lost their leaves first, weeks before the beeches below them did.",
    "The council counted four hundred street trees on the east side of the old town.",
  ]

  /// The record id of a `{"text": …}` line: the SHA-256 of its canonical JSON.
  static func recordID(_ text: String) -> String {
    Digest.of(Data("{\"text\":\"\(text)\"}".utf8)).hex
  }

  /// A store where alice owns and curates `trees`, and bob and carol contribute: bob's first
  /// contribution (texts 0–2), carol's (3–4), bob's second (5–6).
  struct Scene {
    let sandbox: Sandbox
    let bobFirst: String
    let carol: String
    let bobSecond: String
  }

  func json(_ text: String) throws -> [String: Any] {
    try #require(try decodeJSON(text) as? [String: Any])
  }

  func setUp() throws -> Scene {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["alice", "bob", "carol"] { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "trees", "--as", "alice", "--record-format", "jsonl", "--require",
      "text", "--license", "CC-BY-4.0", "--description", "Notes on city trees",
    ])
    func contribute(_ lines: ArraySlice<String>, as name: String, file: String) throws -> String {
      try sandbox.write(file, lines.map { "{\"text\": \"\($0)\"}\n" }.joined())
      let result = try json(
        try sandbox.ok(["contribute", "trees", file, "--as", name, "--format", "json"]))
      return try #require(result["contribution"] as? String)
    }
    return Scene(
      sandbox: sandbox, bobFirst: try contribute(Self.texts[0...2], as: "bob", file: "bob1.jsonl"),
      carol: try contribute(Self.texts[3...4], as: "carol", file: "carol.jsonl"),
      bobSecond: try contribute(Self.texts[5...6], as: "bob", file: "bob2.jsonl"))
  }

  func objectFiles(_ sandbox: Sandbox) throws -> [String] {
    let root = "\(sandbox.store)/objects/sha256"
    return try FileManager.default.subpathsOfDirectory(atPath: root).sorted()
  }

  func eventCount(_ sandbox: Sandbox) throws -> Int {
    (try decodeJSON(try sandbox.ok(["log", "trees", "--format", "json"])) as? [Any])?.count ?? -1
  }

  @Test func reviewWithdrawAndTakedown() throws {
    let scene = try setUp()
    let sandbox = scene.sandbox
    #expect(try eventCount(sandbox) == 4)

    // A contributor may not accept their own contribution: exit 77, nothing written.
    let objects = try objectFiles(sandbox)
    let refused = try sandbox.run(["review", "accept", scene.bobFirst, "--as", "bob"])
    #expect(refused.status == 77)
    #expect(refused.stderr.contains("may not review contributions to 'trees'"))
    #expect(refused.stdout.isEmpty)
    #expect(try objectFiles(sandbox) == objects)
    #expect(try eventCount(sandbox) == 4)

    // Accept by an 8-digit prefix; reject with a reason.
    let accepted = try sandbox.ok([
      "review", "accept", String(scene.bobFirst.prefix(8)), "--as", "alice", "--reason", "good",
    ])
    #expect(accepted.contains("Accepted contribution \(scene.bobFirst) (3 record(s))"))
    let noReason = try sandbox.run(["review", "reject", scene.carol, "--as", "alice"])
    #expect(noReason.status == 64)
    let rejected =
      try #require(
        try decodeJSON(
          try sandbox.ok([
            "review", "reject", scene.carol, "--as", "alice", "--reason", "off topic", "--format",
            "json",
          ])) as? [[String: Any]]
      ).first ?? [:]
    let summary = try #require(rejected["contribution"] as? [String: Any])
    #expect(summary["status"] as? String == "rejected")
    #expect(summary["reason"] as? String == "off topic")

    // Reviewing twice is refused with a clear error.
    let twice = try sandbox.run([
      "review", "reject", scene.bobFirst, "--as", "alice", "--reason", "x",
    ])
    #expect(twice.status == 65)
    #expect(twice.stderr.contains("was already accepted"))

    // Only the contributor withdraws; a withdrawn contribution cannot be reviewed.
    let notMine = try sandbox.run(["withdraw", scene.bobSecond, "--as", "carol"])
    #expect(notMine.status == 77)
    #expect(notMine.stderr.contains("only its contributor"))
    let withdrawn = try sandbox.ok(["withdraw", scene.bobSecond, "--as", "bob"])
    #expect(withdrawn.contains("Withdrew contribution \(scene.bobSecond) (2 record(s))"))
    let late = try sandbox.run(["review", "accept", scene.bobSecond, "--as", "alice"])
    #expect(late.status == 65)
    #expect(late.stderr.contains("was withdrawn by its contributor"))
    let again = try sandbox.run(["withdraw", scene.bobFirst, "--as", "bob"])
    #expect(again.status == 65)
    #expect(again.stderr.contains("is accepted, not pending"))

    // A curator takes down a record; others may not.
    let record = Self.recordID(Self.texts[1])
    let notCurator = try sandbox.run([
      "takedown", "trees", "--record", record, "--reason", "pii", "--as", "bob",
    ])
    #expect(notCurator.status == 77)
    let takedown = try sandbox.ok([
      "takedown", "trees", "--record", String(record.prefix(12)), "--reason",
      "personal data", "--as", "alice",
    ])
    #expect(takedown.contains("took down \(record)"))
    #expect(takedown.contains("1 record(s) taken down"))
    let twiceDown = try sandbox.run([
      "takedown", "trees", "--record", record, "--reason", "pii", "--as", "alice",
    ])
    #expect(twiceDown.status == 65)
    let both = try sandbox.run([
      "takedown", "trees", "--record", record, "--contribution", scene.carol, "--reason", "x",
    ])
    #expect(both.status == 64)
    let unknown = try sandbox.run(["review", "accept", "deadbeefdeadbeef", "--as", "alice"])
    #expect(unknown.status == 66)

    let log = try sandbox.ok(["log", "trees"])
    #expect(log.contains("accepted contribution \(scene.bobFirst.prefix(12)): good"))
    #expect(log.contains("rejected contribution \(scene.carol.prefix(12)): off topic"))
    #expect(log.contains("withdrew contribution \(scene.bobSecond.prefix(12))"))
    #expect(log.contains("took down 1 record(s): personal data"))

    // The export holds exactly the accepted records minus the taken-down one.
    let exported = try exportedLines(sandbox, "export")
    #expect(
      exported.map { $0["record_id"] as? String } == [0, 2].map { Self.recordID(Self.texts[$0]) })
    #expect(exported.map { $0["text"] as? String } == [Self.texts[0], Self.texts[2]])
    let bob = try account("bob", sandbox)
    for line in exported {
      #expect(line["contribution"] as? String == scene.bobFirst)
      #expect(line["contributor"] as? String == bob)
      #expect(
        (line["record"] as? [String: Any])?.mapValues { "\($0)" }
          == ["text": line["text"] as? String ?? ""])
    }
    let package = try #require(
      try decodeJSON(
        try String(contentsOfFile: "\(sandbox.work)/export/datapackage.json", encoding: .utf8))
        as? [String: Any])
    let resource = try #require((package["resources"] as? [[String: Any]])?.first)
    let shard = try Data(
      contentsOf: URL(fileURLWithPath: "\(sandbox.work)/export/data/records-00000.jsonl"))
    #expect(resource["hash"] as? String == "sha256:\(Digest.of(shard).hex)")
    #expect(resource["bytes"] as? Int == shard.count)
    // bob is one of this machine's identities: named, with his account beside the name.
    #expect(
      (package["contributors"] as? [[String: Any]])?.map { $0["title"] as? String } == ["bob"])
    #expect(
      (package["contributors"] as? [[String: Any]])?.map { $0["account"] as? String } == [bob])

    // The catalog rebuilt from the objects agrees.
    let shown = try sandbox.ok(["datanet", "show", "trees", "--format", "json"])
    #expect(try sandbox.run(["rebuild-catalog"]).status == 0)
    #expect(try sandbox.ok(["datanet", "show", "trees", "--format", "json"]) == shown)

    // The ledger verifies; then an event altered on disk is reported by its id.
    let clean = try sandbox.run(["verify-ledger", "trees"])
    #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
    #expect(clean.stdout.contains("replayed 8 of 8 event(s) in 1 Datanet(s): no findings"))
    let reject = try #require(
      (try decodeJSON(try sandbox.ok(["log", "trees", "--format", "json"])) as? [[String: Any]])?
        .first {
          $0["type"] as? String == "contribution.review"
            && ($0["body"] as? [String: Any])?["decision"] as? String == "reject"
        }?["id"] as? String)
    try alter(event: reject, in: sandbox) {
      $0.replacingOccurrences(of: "off topic", with: "on topic")
    }
    let altered = try sandbox.run(["verify-ledger", "trees"])
    #expect(altered.status == 1)
    #expect(
      altered.stdout.contains(
        "unverifiable: event \(reject) is corrupt: its bytes do not hash to its id"))
    #expect(
      altered.stdout.contains(
        "contribution \(scene.carol): status 'rejected' in the catalog, 'pending' on replay"))
    let report = try #require(
      try decodeJSON(try sandbox.run(["verify-ledger", "--format", "json"]).stdout)
        as? [String: Any])
    #expect(
      (report["findings"] as? [[String: Any]])?.contains { $0["event"] as? String == reject }
        == true)
  }

  func account(_ name: String, _ sandbox: Sandbox) throws -> String {
    try #require(
      (try decodeJSON(try sandbox.ok(["identity", "export-public", name])) as? [String: Any])?[
        "account"] as? String)
  }

  /// Exports `trees` to `directory` and returns the lines of its shards, in order.
  func exportedLines(_ sandbox: Sandbox, _ directory: String) throws -> [[String: Any]] {
    let result = try sandbox.run(["export", "trees", "--out", directory])
    #expect(result.status == 0, "\(result.stderr)")
    let data = "\(sandbox.work)/\(directory)/data"
    return try FileManager.default.contentsOfDirectory(atPath: data).sorted().flatMap { name in
      try String(contentsOfFile: "\(data)/\(name)", encoding: .utf8).split(separator: "\n").map {
        try #require(try decodeJSON(String($0)) as? [String: Any])
      }
    }
  }

  /// Rewrites an event object's payload in place, as an attacker with the store's files could.
  func alter(event: String, in sandbox: Sandbox, _ change: (String) -> String) throws {
    let path = "\(sandbox.store)/objects/sha256/\(event.prefix(2))/\(event.dropFirst(2))"
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    var envelope = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let payload = try #require(Data(base64Encoded: envelope["payload"] as? String ?? ""))
    let changed = change(String(decoding: payload, as: UTF8.self))
    #expect(changed != String(decoding: payload, as: UTF8.self))
    envelope["payload"] = Data(changed.utf8).base64EncodedString()
    chmod(path, 0o644)
    try JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys]).write(
      to: URL(fileURLWithPath: path))
  }
}

/// End-to-end tests of `review list` and `review show`.
@Suite struct ReviewListAndShowTests {
  @Test func listFiltersAndShowTellsTheWholeStory() throws {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["alice", "bob"] { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "trees", "--as", "alice", "--record-format", "jsonl", "--require",
      "text",
    ])
    let first = try #require(
      (try decodeJSON(
        try sandbox.ok([
          "contribute", "trees", fixture("notes.jsonl"), "--as", "bob", "--format", "json",
        ])) as? [String: Any])?["contribution"] as? String)
    let second = try #require(
      (try decodeJSON(
        try sandbox.ok([
          "contribute", "trees", fixture("duplicate.jsonl"), fixture("near.jsonl"), "--as",
          "alice", "--format", "json",
        ])) as? [String: Any])?["contribution"] as? String)

    let pending = try sandbox.ok(["review", "list", "trees"])
    let lines = pending.split(separator: "\n")
    #expect(lines.count == 3)
    #expect(lines[0].hasPrefix("CONTRIBUTION  CONTRIBUTOR"))
    #expect(lines[0].contains("EXACT DUP  NEAR DUP  SCHEMA WARNINGS"))
    #expect(lines[1].hasPrefix(String(first.prefix(12))))
    #expect(lines[1].contains("bob ("))
    #expect(lines[2].contains("alice (") && lines[2].contains("pending  1        1          1"))

    try sandbox.ok(["review", "accept", first, "--as", "alice"])
    let stillPending = try #require(
      try decodeJSON(try sandbox.ok(["review", "list", "trees", "--format", "json"]))
        as? [[String: Any]])
    #expect(stillPending.map { $0["id"] as? String } == [second])
    #expect(stillPending[0]["exactDuplicates"] as? Int == 1)
    #expect(stillPending[0]["nearDuplicates"] as? Int == 1)
    let everyone = try sandbox.ok(["review", "list", "trees", "--status", "all"])
    #expect(everyone.split(separator: "\n").count == 3)
    #expect(everyone.contains("accepted"))
    let bobs = try sandbox.ok([
      "review", "list", "trees", "--status", "all", "--contributor", "bob",
    ])
    #expect(bobs.split(separator: "\n").count == 2)
    let none = try sandbox.run(["review", "list", "trees", "--status", "rejected"])
    #expect(none.status == 0 && none.stdout.isEmpty)
    #expect(none.stderr.contains("no rejected contributions in trees"))

    // The second contribution: its sources, its record, its duplicates with what they matched.
    let shown = try sandbox.ok(["review", "show", String(second.prefix(10))])
    #expect(shown.contains("contributor      alice ("))
    #expect(shown.contains("Sources (2):"))
    #expect(shown.contains("duplicate.jsonl") && shown.contains("near.jsonl"))
    #expect(shown.contains("1 already in the Datanet"))
    #expect(shown.contains("already in contribution \(first.prefix(12)), accepted, by bob ("))
    #expect(shown.contains("Near duplicates: 1 flagged, 0 refused"))
    #expect(shown.contains("Plane trees along the river shed their bark"))

    // The first: a sample of its five records, or all of them.
    let sample = try sandbox.ok(["review", "show", first, "--sample", "2"])
    #expect(sample.contains("Records (first 2 of 5; --all shows every one):"))
    #expect(sample.contains("status           accepted by alice ("))
    let details = try #require(
      try decodeJSON(try sandbox.ok(["review", "show", first, "--all", "--format", "json"]))
        as? [String: Any])
    let records = try #require(details["records"] as? [[String: Any]])
    #expect(records.count == 5)
    #expect((records[0]["text"] as? String)?.hasPrefix("Plane trees") == true)
    #expect(records[0]["canonical"] as? String == #"{"id":0,"text":"\#(records[0]["text"]!)"}"#)
    #expect((details["sources"] as? [[String: Any]])?.count == 1)
    let tooShort = try sandbox.run(["review", "show", "0123"])
    #expect(tooShort.status == 66)
  }
}

/// End-to-end tests of `export`: determinism, refusals, atomicity, and the real validators.
@Suite struct ExportTests {
  /// A store where alice accepted bob's seven tree notes into `trees` (JSONL) and one text
  /// file into `prose` (text, one record per paragraph).
  func setUp() throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["alice", "bob"] { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "trees", "--as", "alice", "--record-format", "jsonl", "--require",
      "text", "--license", "CC-BY-4.0", "--description", "Notes on city trees",
    ])
    try sandbox.ok([
      "datanet", "create", "prose", "--as", "alice", "--record-format", "text", "--split",
      "paragraph", "--license", "LicenseRef-public-domain",
    ])
    try sandbox.write(
      "trees.jsonl", CurationTests.texts.map { "{\"text\": \"\($0)\", \"n\": 1}\n" }.joined())
    for (datanet, file) in [("trees", "trees.jsonl"), ("prose", fixture("paragraphs.txt"))] {
      let result = try #require(
        try decodeJSON(
          try sandbox.ok(["contribute", datanet, file, "--as", "bob", "--format", "json"]))
          as? [String: Any])
      try sandbox.ok([
        "review", "accept", try #require(result["contribution"] as? String), "--as", "alice",
      ])
    }
    return sandbox
  }

  func files(_ directory: String) throws -> [String: Data] {
    var files = [String: Data]()
    for name in try FileManager.default.subpathsOfDirectory(atPath: directory)
    where !name.hasSuffix("/data") && name != "data" {
      files[name] = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)"))
    }
    return files
  }

  @Test func exportsAreDeterministicAndRefuseToOverwrite() throws {
    let sandbox = try setUp()
    try sandbox.ok(["export", "trees", "--out", "one", "--shard-size", "600"])
    try sandbox.ok(["export", "trees", "--out", "two", "--shard-size", "600"])
    let one = try files("\(sandbox.work)/one")
    #expect(one == (try files("\(sandbox.work)/two")))
    let shards = one.keys.filter { $0.hasPrefix("data/") }.sorted()
    #expect(shards.count > 1)
    #expect(shards.first == "data/records-00000.jsonl")
    let lines = shards.flatMap { String(decoding: one[$0]!, as: UTF8.self).split(separator: "\n") }
    #expect(lines.count == CurationTests.texts.count)
    // Each line is canonical JSON: sorted keys, no spaces.
    #expect(lines[0].hasPrefix("{\"contribution\":\""))
    // The record is embedded as JSON (its canonical bytes), not as a string holding JSON.
    #expect(lines[0].contains(#""record":{"n":1,"text":"#))

    let refused = try sandbox.run(["export", "trees", "--out", "one"])
    #expect(refused.status == 73)
    #expect(refused.stderr.contains("exists and is not empty"))
    #expect(try files("\(sandbox.work)/one") == one)
    try sandbox.ok(["export", "trees", "--out", "one", "--force"])
    #expect(try files("\(sandbox.work)/one").keys.filter { $0.hasPrefix("data/") }.count == 1)
    try FileManager.default.createDirectory(
      atPath: "\(sandbox.work)/empty", withIntermediateDirectories: true)
    try sandbox.ok(["export", "prose", "--out", "empty"])
    let prose = try String(
      contentsOfFile: "\(sandbox.work)/empty/data/records-00000.jsonl", encoding: .utf8)
    #expect(!prose.contains("\"record\":"))
    #expect(prose.split(separator: "\n").count == 3)
  }

  @Test func aFailedExportLeavesNothing() throws {
    let sandbox = try setUp()
    // Remove a shard object behind the catalog's back: the export fails midway.
    let store = "\(sandbox.store)/objects/sha256"
    for fan in try FileManager.default.contentsOfDirectory(atPath: store) {
      for name in try FileManager.default.contentsOfDirectory(atPath: "\(store)/\(fan)") {
        let path = "\(store)/\(fan)/\(name)"
        if try Data(contentsOf: URL(fileURLWithPath: path)).starts(with: Array("OLSHARD1".utf8)) {
          try FileManager.default.removeItem(atPath: path)
        }
      }
    }
    let failed = try sandbox.run(["export", "trees", "--out", "out"])
    #expect(failed.status == 74)
    #expect(failed.stderr.contains("is missing from the store"))
    #expect(!FileManager.default.fileExists(atPath: "\(sandbox.work)/out"))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: sandbox.work).allSatisfy {
        !$0.contains("export-")
      })
    try sandbox.ok(["datanet", "create", "bare", "--as", "alice", "--record-format", "text"])
    let nothing = try sandbox.run(["export", "bare", "--out", "out"])
    #expect(nothing.status == 65)
    #expect(nothing.stderr.contains("has no accepted records to export"))
    #expect(!FileManager.default.fileExists(atPath: "\(sandbox.work)/out"))
  }

  @Test(
    .enabled(
      if: Validators.available,
      "the validators (frictionless, mlcroissant) could not be installed from PyPI; see stderr"))
  func exportsPassTheRealValidators() throws {
    let sandbox = try setUp()
    for (datanet, count) in [("trees", CurationTests.texts.count), ("prose", 3)] {
      try sandbox.ok(["export", datanet, "--out", datanet, "--shard-size", "700"])
      let summary = try Validators.check("\(sandbox.work)/\(datanet)")
      let frictionless = try #require(summary["frictionless"] as? [String: Any])
      let croissant = try #require(summary["croissant"] as? [String: Any])
      #expect(frictionless["valid"] as? Bool == true, "\(frictionless)")
      #expect(croissant["valid"] as? Bool == true, "\(croissant)")
      #expect(croissant["warnings"] as? Int == 0, "\(croissant)")
      #expect((croissant["sha256Mismatches"] as? [String])?.isEmpty == true)
      #expect((croissant["records"] as? [String])?.count == count)
      // mlcroissant reads the source object's sub-fields.
      let sample = try #require(croissant["sample"] as? [String: Any])
      #expect((sample["source"] as? [String: Any])?["path"] as? String != nil)
      #expect(sample["contributor_name"] as? String != nil)
    }
    // A changed byte is caught by the Data Package's hash.
    let path = "\(sandbox.work)/trees/data/records-00000.jsonl"
    var shard = try String(contentsOfFile: path, encoding: .utf8)
    shard = shard.replacingOccurrences(of: "Plane trees", with: "Plane Trees")
    try shard.write(toFile: path, atomically: false, encoding: .utf8)
    let tampered = try Validators.check("\(sandbox.work)/trees")
    let frictionless = try #require(tampered["frictionless"] as? [String: Any])
    #expect(frictionless["valid"] as? Bool == false)
    #expect((frictionless["errors"] as? [String])?.contains { $0.contains("hash") } == true)
  }
}

/// The real validators of the export formats, installed from PyPI into a cached venv by
/// `Inputs/validators/validators.sh`, once per run.
enum Validators {
  /// The venv: `$OPENLEDGER_VALIDATORS_VENV`, else under the user's cache directory, so that
  /// `make test` installs the validators once.
  static let venv: String = {
    let environment = ProcessInfo.processInfo.environment
    if let path = environment["OPENLEDGER_VALIDATORS_VENV"], !path.isEmpty { return path }
    let cache =
      environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
      ?? "\(environment["HOME"] ?? NSTemporaryDirectory())/.cache"
    return "\(cache)/openledger/test-validators-venv"
  }()

  static var script: String { fixture("validators/validators.sh") }

  /// Whether the validators are there; set up on first use. Prints why not on stderr.
  static let available: Bool = {
    let result = try? shell(["setup", venv])
    if result?.status != 0 {
      FileHandle.standardError.write(
        Data(
          ("SKIPPED export validation: the validators could not be set up in \(venv):\n"
            + (result?.stderr ?? "cannot run /bin/sh") + "\n").utf8))
    }
    return result?.status == 0
  }()

  /// Validates an export; returns the script's JSON summary.
  static func check(_ directory: String) throws -> [String: Any] {
    let result = try shell(["check", venv, directory])
    return try #require(
      try decodeJSON(String(result.stdout.split(separator: "\n").last ?? "")) as? [String: Any],
      "\(result.stderr)")
  }

  static func shell(_ arguments: [String]) throws -> RunResult {
    try runProcess("/bin/sh", [script] + arguments)
  }
}

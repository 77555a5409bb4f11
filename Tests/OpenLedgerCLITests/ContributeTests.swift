import Foundation
import Testing

/// The path of a fixture in this target's Inputs/.
func fixture(_ name: String) -> String {
  Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Inputs")!
}

/// End-to-end tests of `contribute` and `fingerprint`.
@Suite struct ContributeTests {
  /// A store with `alice` (owner) and `bob`, and the JSONL Datanet `trees` requiring `text`.
  func setUp(nearDuplicates: String = "flag", extra: [String] = []) throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["identity", "new", "bob"])
    try sandbox.ok(
      [
        "datanet", "create", "trees", "--as", "alice", "--record-format", "jsonl", "--require",
        "text",
        "--near-duplicates", nearDuplicates,
      ] + extra)
    sandbox.environment["OPENLEDGER_IDENTITY"] = "alice"
    return sandbox
  }

  func json(_ text: String) throws -> [String: Any] {
    try #require(try decodeJSON(text) as? [String: Any])
  }

  func records(_ sandbox: Sandbox) throws -> Int {
    let shown = try json(try sandbox.ok(["datanet", "show", "trees", "--format", "json"]))
    return try #require((shown["statistics"] as? [String: Any])?["records"] as? Int)
  }

  @Test func contributeCountsDuplicatesAndCreditsTheFirst() throws {
    let sandbox = try setUp()
    let first = try sandbox.run(["contribute", "trees", fixture("notes.jsonl"), "--as", "bob"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("new records       5"))
    #expect(first.stdout.contains("pending review"))
    #expect(try records(sandbox) == 5)

    let again = try json(
      try sandbox.ok([
        "contribute", "trees", fixture("duplicate.jsonl"), fixture("near.jsonl"), "--as", "alice",
        "--format", "json",
      ]))
    let report = try #require(again["report"] as? [String: Any])
    #expect(report["exactDuplicatesInDatanet"] as? Int == 1)
    #expect(report["recordsNew"] as? Int == 1)
    #expect(report["nearDuplicatesFlagged"] as? Int == 1)
    let near = try #require((report["nearDuplicates"] as? [[String: Any]])?.first)
    #expect((near["location"] as? [String: Any])?["line"] as? Int == 1)
    #expect((near["estimatedJaccard"] as? Double ?? 0) >= 0.77)
    #expect(again["status"] as? String == "pending")
    #expect(try records(sandbox) == 6)

    let log = try sandbox.ok(["log", "trees"])
    #expect(log.contains("contribution.submit  bob"))
    #expect(log.contains("1 near duplicate(s) flagged"))
    #expect(try sandbox.run(["fsck"]).status == 0)
  }

  /// The signed event names sources as given, relative to where contribute ran, never with
  /// the contributor's absolute directory layout.
  @Test func eventsNameSourcesRelativeToTheWorkingDirectory() throws {
    let sandbox = try setUp()
    try sandbox.write(
      "data/day1/notes.jsonl",
      "{\"text\": \"The oaks by the station lost a large limb in the storm.\"}\n")
    try sandbox.ok(["contribute", "trees", "./data//day1/.", "--as", "bob"])
    let events = try #require(
      try decodeJSON(try sandbox.ok(["log", "trees", "--format", "json"])) as? [[String: Any]])
    let body = try #require(events.last?["body"] as? [String: Any])
    let sources = try #require(body["sources"] as? [[String: Any]])
    #expect(sources.map { $0["path"] as? String } == ["data/day1/notes.jsonl"])
    #expect(!(try sandbox.ok(["log", "trees", "--format", "json"])).contains(sandbox.work))
  }

  /// A UTF-8 byte order mark at the start of a file is not part of its first record.
  @Test func aByteOrderMarkIsNotPartOfTheRecord() throws {
    let sandbox = try setUp()
    let line = "{\"text\": \"Plane trees along the canal are in full leaf this week.\"}\n"
    try sandbox.write("bom.jsonl", "\u{FEFF}" + line)
    try sandbox.write("plain.jsonl", line)
    try sandbox.write("bom.txt", "\u{FEFF}Plane trees along the canal.\n")
    try sandbox.write("plain.txt", "Plane trees along the canal.\n")
    for (files, format) in [
      (["bom.jsonl", "plain.jsonl"], "jsonl"), (["bom.txt", "plain.txt"], "text"),
    ] {
      let result = try sandbox.run(
        ["fingerprint", "--record-format", format, "--format", "json"] + files)
      #expect(result.status == 0, "\(result.stderr)")
      let report = try #require(try decodeJSON(result.stdout) as? [String: Any])
      #expect(report["invalid"] as? Int == 0)
      #expect(report["exactDuplicatesInInput"] as? Int == 1, "\(format): the same record")
    }
  }

  @Test func nothingNewWritesNoEvent() throws {
    let sandbox = try setUp()
    try sandbox.ok(["contribute", "trees", fixture("notes.jsonl")])
    let again = try sandbox.run(["contribute", "trees", fixture("notes.jsonl"), "--as", "bob"])
    #expect(again.status == 0)
    #expect(again.stdout.contains("5 already in the Datanet"))
    #expect(again.stderr.contains("nothing new to contribute"))
    #expect(try sandbox.ok(["log", "trees"]).split(separator: "\n").count == 3)
  }

  @Test func nearDuplicatesAreRefusedByPolicy() throws {
    let sandbox = try setUp(nearDuplicates: "reject")
    try sandbox.ok(["contribute", "trees", fixture("notes.jsonl")])
    let result = try sandbox.run(["contribute", "trees", fixture("near.jsonl"), "--as", "bob"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("0 flagged, 1 refused"))
    #expect(try records(sandbox) == 5)
  }

  /// A near-duplicate index file whose entries name records it does not hold (damaged on disk;
  /// `contribute` does not re-hash the files it searches) stops the next contribution with the
  /// file and the repair, writing nothing, where `contribute` read outside the file and crashed
  /// before (found by the `near-duplicate-segment` fuzz target). `rebuild-catalog` repairs it.
  @Test func aDamagedNearDuplicateFileStopsContributeWithTheRepair() throws {
    let sandbox = try setUp()
    try sandbox.ok(["contribute", "trees", fixture("notes.jsonl"), "--as", "bob"])
    let indexes = "\(sandbox.store)/indexes"
    let datanet = try #require(try FileManager.default.contentsOfDirectory(atPath: indexes).first)
    let folder = "\(indexes)/\(datanet)/near-duplicates"
    let name = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).first)
    let path = "\(folder)/\(name)"
    // Header, then per record a 32-byte id and 112 u16 values, then 12-byte entries: a u64
    // band key and the u32 record, which every entry now puts past the file's 5 records.
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let entries = 16 + 5 * (32 + 224)
    for entry in stride(from: entries, to: bytes.count, by: 12) {
      bytes.replaceSubrange((entry + 8)..<(entry + 12), with: [0xf0, 0xff, 0xff, 0x0f])
    }
    chmod(path, 0o644)
    try Data(bytes).write(to: URL(fileURLWithPath: path))

    let result = try sandbox.run(["contribute", "trees", fixture("near.jsonl"), "--as", "alice"])
    #expect(result.status == 74, "\(result.stderr)")
    #expect(result.stderr.contains("the near-duplicate index file \(path) is damaged"))
    #expect(result.stderr.contains("run `openledger rebuild-catalog` to rebuild it"))
    #expect(try records(sandbox) == 5)

    try sandbox.ok(["rebuild-catalog"])
    let again = try json(
      try sandbox.ok([
        "contribute", "trees", fixture("near.jsonl"), "--as", "alice", "--format", "json",
      ]))
    #expect((again["report"] as? [String: Any])?["nearDuplicatesFlagged"] as? Int == 1)
  }

  @Test func stdinFoldersAndFormats() throws {
    let sandbox = try setUp()
    let lines = try Data(contentsOf: URL(fileURLWithPath: fixture("notes.jsonl")))
    let piped = try sandbox.run(["contribute", "trees", "-", "--as", "bob"], stdin: lines)
    #expect(piped.status == 0, "\(piped.stderr)")
    #expect(piped.stdout.contains("new records       5"))
    try sandbox.write("folder/b/two.jsonl", "{\"text\": \"second file in b\"}\n")
    try sandbox.write("folder/a.jsonl", "{\"text\": \"first file\"}\n")
    try sandbox.write("folder/README.md", "not data")
    let folder = try json(try sandbox.ok(["contribute", "trees", "folder", "--format", "json"]))
    let report = try #require(folder["report"] as? [String: Any])
    let inputs = try #require(report["inputs"] as? [[String: Any]])
    #expect(
      inputs.map {
        ($0["path"] as? String ?? "").replacingOccurrences(of: sandbox.work + "/", with: "")
      } == ["folder/a.jsonl", "folder/b/two.jsonl"])
    #expect(
      inputs[0]["sha256"] as? String
        == "7b51b57be280e3a7af9bdaae80ea278001ad80eaaf64a2cba111766216bd1ab4")
    let skipped = try #require(report["skippedFiles"] as? [[String: Any]])
    #expect(skipped.map { $0["reason"] as? String } == ["otherFormat"])

    try sandbox.ok([
      "datanet", "create", "tables", "--record-format", "csv", "--require", "text", "--as", "alice",
    ])
    let csv = try sandbox.run(["contribute", "tables", fixture("good.csv"), "--as", "alice"])
    #expect(csv.status == 0, "\(csv.stderr)")
    #expect(csv.stdout.contains("new records       2"))
    try sandbox.ok([
      "datanet", "create", "prose", "--record-format", "text", "--split", "paragraph", "--as",
      "alice",
    ])
    let text = try sandbox.run(["contribute", "prose", fixture("paragraphs.txt"), "--as", "alice"])
    #expect(text.stdout.contains("new records       3"))
  }

  /// Each bad input: exit 65, the file and line named, nothing stored.
  @Test(arguments: [
    ("invalid-utf8.jsonl", ":2: invalid UTF-8"),
    ("malformed.jsonl", ":2: malformed JSON"),
    ("missing-required.jsonl", ":2: missing required field 'text'"),
  ])
  func invalidRecordsRefuseTheInput(_ name: String, _ message: String) throws {
    let sandbox = try setUp()
    let result = try sandbox.run(["contribute", "trees", fixture(name)])
    #expect(result.status == 65)
    #expect(result.stderr.contains(name + message), "\(result.stderr)")
    #expect(result.stderr.contains("nothing was stored"))
    #expect(try records(sandbox) == 0)
    #expect(try sandbox.ok(["log", "trees"]).split(separator: "\n").count == 2)
    let skipped = try sandbox.run(["contribute", "trees", fixture(name), "--skip-invalid"])
    #expect(skipped.status == 0)
    #expect(skipped.stdout.contains("invalid           1"))
    #expect(try records(sandbox) >= 1)
  }

  @Test func raggedCSVAndLengthLimits() throws {
    let sandbox = try setUp(extra: ["--min-length", "10", "--max-length", "200"])
    try sandbox.ok(["datanet", "create", "tables", "--record-format", "csv", "--as", "alice"])
    let ragged = try sandbox.run(["contribute", "tables", fixture("ragged.csv")])
    #expect(ragged.status == 65)
    #expect(ragged.stderr.contains("ragged.csv:3: the row has 3 field(s) but the header has 2"))
    let lengths = try sandbox.run(["contribute", "trees", fixture("lengths.jsonl")])
    #expect(lengths.status == 65)
    #expect(
      lengths.stderr.contains(
        "lengths.jsonl:1: the text is 4 characters long, under the minimum of 10"))
    #expect(
      lengths.stderr.contains(
        "lengths.jsonl:2: the text is 300 characters long, over the maximum of 200"))
  }

  @Test func emptyAndMissingInputs() throws {
    let sandbox = try setUp()
    let empty = try sandbox.run(["contribute", "trees", fixture("empty.jsonl")])
    #expect(empty.status == 65)
    #expect(empty.stderr.contains("no records found"))
    let missing = try sandbox.run(["contribute", "trees", "nope.jsonl"])
    #expect(missing.status == 66)
    #expect(missing.stderr.contains("nope.jsonl does not exist"))
    let noInputs = try sandbox.run(["contribute", "trees"])
    #expect(noInputs.status == 64)
  }

  @Test func fingerprintWritesNothing() throws {
    let sandbox = try setUp()
    try sandbox.ok(["contribute", "trees", fixture("notes.jsonl")])
    let before = try sandbox.ok(["log", "trees"])
    let report = try json(
      try sandbox.ok([
        "fingerprint", "--datanet", "trees", fixture("duplicate.jsonl"), fixture("near.jsonl"),
        "--format", "json",
      ]))
    #expect(report["exactDuplicatesInDatanet"] as? Int == 1)
    #expect(report["nearDuplicatesFlagged"] as? Int == 1)
    #expect(try sandbox.ok(["log", "trees"]) == before)
    // Without a store or Datanet, the format comes from the extension.
    let alone = try Sandbox()
    let standalone = try json(
      try alone.ok([
        "fingerprint", fixture("notes.jsonl"), fixture("duplicate.jsonl"), "--format", "json",
      ]))
    #expect(standalone["exactDuplicatesInInput"] as? Int == 1)
    #expect(standalone["recordsNew"] as? Int == 5)
    let bad = try alone.run(["fingerprint", fixture("malformed.jsonl")])
    #expect(bad.status == 65)
    #expect(bad.stderr.contains("malformed.jsonl:2:"))
    #expect(bad.stderr.contains("fix them before contributing"))
    #expect(!bad.stderr.contains("nothing was stored"), "fingerprint never stores")
  }

  @Test func twoContributionsAtOnceBothLand() throws {
    let sandbox = try setUp()
    for (name, offset) in [("a", 0), ("b", 1000)] {
      var lines = ""
      for index in 0..<400 {
        lines +=
          "{\"text\": \"record \(index + offset) about tree number \(index * 7 + offset) in the \(name) survey of the park\"}\n"
      }
      try sandbox.write("\(name).jsonl", lines)
    }
    let group = DispatchGroup()
    let results = LockedResults()
    for (name, who) in [("a", "alice"), ("b", "bob")] {
      group.enter()
      Thread {
        results.append(
          (try? sandbox.run(["contribute", "trees", "\(name).jsonl", "--as", who]))?.status ?? -1)
        group.leave()
      }.start()
    }
    group.wait()
    #expect(results.values == [0, 0])
    #expect(try records(sandbox) == 800)
    #expect(try sandbox.run(["fsck"]).status == 0)
    let events = try #require(
      try decodeJSON(try sandbox.ok(["log", "trees", "--format", "json"])) as? [[String: Any]])
    #expect(events.count == 3)
  }

  /// Two contributions of the same records at once. The first reads standard input, which
  /// stays open, so it is still reading when the second starts: the second says it waits, and
  /// once the first is in, counts the records as duplicates. Each contribution is credited
  /// with the records it signs for.
  @Test func twoContributionsOfTheSameRecordsTakeTurns() throws {
    let sandbox = try setUp()
    let lines = (1...3).map {
      "{\"text\": \"The lime tree number \($0) by the old mill was pruned in the spring.\"}\n"
    }.joined()
    try sandbox.write("same.jsonl", lines)
    let first = Process()
    first.executableURL = URL(fileURLWithPath: Sandbox.binary)
    first.arguments = ["contribute", "trees", "-", "--as", "bob", "--format", "json"]
    first.currentDirectoryURL = URL(fileURLWithPath: sandbox.work)
    first.environment = sandbox.environment
    let (input, output) = (Pipe(), Pipe())
    first.standardInput = input
    first.standardOutput = output
    first.standardError = FileHandle.nullDevice
    try first.run()
    // The first holds the Datanet's turn once its lock file is there.
    let locks = "\(sandbox.store)/locks"
    let deadline = Date(timeIntervalSinceNow: 10)
    while Date() < deadline,
      (try? FileManager.default.contentsOfDirectory(atPath: locks))?.isEmpty ?? true
    {
      Thread.sleep(forTimeInterval: 0.02)
    }
    Thread.sleep(forTimeInterval: 0.2)
    let second = LockedData()
    Thread {
      let result = try? sandbox.run(["contribute", "trees", "same.jsonl", "--format", "json"])
      second.set(Data("\(result?.status ?? -1)\n\(result?.stderr ?? "")".utf8))
    }.start()
    Thread.sleep(forTimeInterval: 1)
    input.fileHandleForWriting.write(Data(lines.utf8))
    try input.fileHandleForWriting.close()
    let firstOutput = output.fileHandleForReading.readDataToEndOfFile()
    first.waitUntilExit()
    let secondResult = String(decoding: second.wait(), as: UTF8.self)

    #expect(first.terminationStatus == 0)
    #expect(secondResult.hasPrefix("0\n"), "\(secondResult)")
    #expect(
      secondResult.contains("another contribution to trees is being written; waiting"),
      "\(secondResult)")
    let report = try #require(try json(String(decoding: firstOutput, as: UTF8.self))["report"])
    #expect((report as? [String: Any])?["recordsNew"] as? Int == 3)
    #expect(try records(sandbox) == 3)
    let contributions = try #require(
      try decodeJSON(
        try sandbox.ok(["review", "list", "trees", "--status", "all", "--format", "json"]))
        as? [[String: Any]])
    #expect(
      contributions.compactMap { $0["records"] as? Int } == [3], "one contribution signs for them")
    #expect(try sandbox.run(["validate"]).status == 0)
  }

  /// SIGKILL once the shard being written holds a megabyte of records: no contribution, no
  /// records, a clean fsck; `gc` clears the leftovers and the store goes on working.
  @Test func killedMidwayLeavesNothingHalfWritten() throws {
    let sandbox = try setUp()
    var lines = ""
    for index in 0..<60_000 {
      lines +=
        "{\"id\": \(index), \"text\": \"observation \(index) of the long survey: bark, leaves, height \(index % 97) metres, girth \(index % 13)\"}\n"
    }
    try sandbox.write("big.jsonl", lines)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Sandbox.binary)
    process.arguments = ["contribute", "trees", "big.jsonl", "--quiet"]
    process.currentDirectoryURL = URL(fileURLWithPath: sandbox.work)
    process.environment = sandbox.environment
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let staging = "\(sandbox.store)/tmp"
    var midway = false
    while process.isRunning && !midway {
      let staged = (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []
      midway = staged.contains { name in
        let size =
          (try? FileManager.default.attributesOfItem(atPath: "\(staging)/\(name)"))?[
            .size] as? Int
        return name.hasPrefix("staged-") && (size ?? 0) >= 1 << 20
      }
      if !midway { Thread.sleep(forTimeInterval: 0.005) }
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    try #require(midway, "the contribution finished before it was seen writing its shard")
    #expect(process.terminationReason == .uncaughtSignal)
    let fsck = try sandbox.run(["fsck"])
    #expect(fsck.status == 0, "\(fsck.stdout)")
    #expect(try records(sandbox) == 0)
    let shown = try json(try sandbox.ok(["datanet", "show", "trees", "--format", "json"]))
    let contributions = (shown["statistics"] as? [String: Any])?["contributions"] as? [String: Int]
    #expect(contributions?.values.allSatisfy { $0 == 0 } == true, "\(shown)")
    #expect(try sandbox.ok(["log", "trees"]).split(separator: "\n").count == 2)
    let collected = try json(try sandbox.ok(["gc", "--format", "json"]))
    #expect(collected["stagingFilesRemoved"] as? Int ?? 0 >= 1, "\(collected)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: staging).isEmpty)
    #expect(try sandbox.run(["fsck"]).status == 0)
    // The store still works.
    try sandbox.ok(["contribute", "trees", fixture("notes.jsonl")])
    #expect(try records(sandbox) == 5)
  }

  /// On a terminal, contribute draws a progress line with records and bytes per second, and
  /// clears it; with --quiet or in a pipe it draws nothing.
  @Test func progressShowsOnATerminalOnly() throws {
    let sandbox = try setUp()
    var lines = ""
    for index in 0..<3_000 {
      lines += "{\"text\": \"entry \(index) of the progress test, with a few words more\"}\n"
    }
    try sandbox.write("many.jsonl", lines)
    let shown = try sandbox.runOnTerminal(["contribute", "trees", "many.jsonl"])
    #expect(shown.status == 0, "\(shown.stderr)")
    // The file's size is known: a bar, with bytes of the total, records and the rate.
    #expect(shown.stderr.contains("contribute ["), "\(shown.stderr)")
    #expect(shown.stderr.contains("100%"), "\(shown.stderr)")
    #expect(shown.stderr.contains("3000 records"), "\(shown.stderr)")
    #expect(shown.stderr.contains("B/s"), "\(shown.stderr)")
    #expect(shown.stderr.hasSuffix("\r\u{1B}[K"), "the line is cleared at the end")
    try sandbox.write("more.jsonl", "{\"text\": \"one more entry for the quiet run\"}\n")
    let quiet = try sandbox.runOnTerminal(["contribute", "trees", "more.jsonl", "--quiet"])
    #expect(quiet.status == 0)
    #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
    try sandbox.write("piped.jsonl", "{\"text\": \"and one more entry for the piped run\"}\n")
    let piped = try sandbox.run(["contribute", "trees", "piped.jsonl"])
    #expect(piped.status == 0)
    #expect(!piped.stderr.contains("B/s"), "\(piped.stderr)")
  }
}

/// Statuses collected from several threads.
final class LockedResults: @unchecked Sendable {
  private let lock = NSLock()
  private var items = [Int32]()

  func append(_ value: Int32) {
    lock.lock()
    items.append(value)
    lock.unlock()
  }

  var values: [Int32] {
    lock.lock()
    defer { lock.unlock() }
    return items
  }
}

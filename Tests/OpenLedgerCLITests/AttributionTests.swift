import Foundation
import OpenLedgerKit
import Testing

/// End-to-end tests of `index build|compact|status` and `attribute`.
@Suite struct AttributionTests {
  static let bobTexts = [
    "The plane trees along the river shed their bark in long pale strips during the dry weeks of August.",
    "Lindens by the school flowered early this year, and the bees were loud around them for a whole week.",
  ]
  static let carolTexts = [
    "A young maple planted in spring did not survive the heat wave despite the daily watering by neighbours.",
    "The council counted four hundred street trees on the east side of the old town last winter.",
  ]

  /// A store where alice curates `trees`; bob's and carol's contributions are accepted.
  func setUp() throws -> (sandbox: Sandbox, bob: String, carol: String) {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["alice", "bob", "carol"] { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "trees", "--as", "alice", "--record-format", "jsonl", "--require",
      "text", "--license", "CC-BY-4.0", "--description", "Notes on city trees",
    ])
    func contribute(_ texts: [String], as name: String) throws -> String {
      try sandbox.write("\(name).jsonl", texts.map { "{\"text\": \"\($0)\"}\n" }.joined())
      let result = try #require(
        try decodeJSON(
          try sandbox.ok(["contribute", "trees", "\(name).jsonl", "--as", name, "--format", "json"])
        )
          as? [String: Any])
      let id = try #require(result["contribution"] as? String)
      try sandbox.ok(["review", "accept", id, "--as", "alice"])
      return id
    }
    return (
      sandbox, try contribute(Self.bobTexts, as: "bob"),
      try contribute(Self.carolTexts, as: "carol")
    )
  }

  func json(_ text: String) throws -> [String: Any] {
    try #require(try decodeJSON(text) as? [String: Any])
  }

  @Test func buildIsIncrementalAndStatusCountsIt() throws {
    let (sandbox, _, _) = try setUp()
    let first = try json(try sandbox.ok(["index", "build", "trees", "--format", "json"]))
    #expect(first["contributions"] as? Int == 2)
    #expect(first["records"] as? Int == 4)
    #expect((first["segments"] as? [Any])?.count == 1)
    // Nothing new: nothing written, and it says so.
    let again = try sandbox.run(["index", "build", "trees"])
    #expect(again.status == 0)
    #expect(again.stderr.contains("up to date"))
    // A newly accepted contribution gets a segment of its own.
    try sandbox.write(
      "more.jsonl",
      "{\"text\": \"Birches on the hill lost their leaves first, weeks before the beeches below them.\"}\n"
    )
    let more = try json(
      try sandbox.ok(["contribute", "trees", "more.jsonl", "--as", "bob", "--format", "json"]))
    try sandbox.ok([
      "review", "accept", try #require(more["contribution"] as? String), "--as", "alice",
    ])
    let pending = try json(try sandbox.ok(["index", "status", "trees", "--format", "json"]))
    #expect(pending["pendingContributions"] as? Int == 1)
    let second = try json(try sandbox.ok(["index", "build", "trees", "--format", "json"]))
    #expect(second["records"] as? Int == 1)
    let status = try json(try sandbox.ok(["index", "status", "trees", "--format", "json"]))
    #expect((status["segments"] as? [Any])?.count == 2)
    #expect(status["records"] as? Int == 5)
    #expect(status["pendingContributions"] as? Int == 0)
    let text = try sandbox.ok(["index", "status", "trees"])
    #expect(text.contains("total"))
    #expect(text.contains("BYTES/TOKEN"))
  }

  @Test func attributeFindsCopiedSpansAndSplitsCredit() throws {
    let (sandbox, _, _) = try setUp()
    try sandbox.ok(["index", "build", "trees"])
    let output =
      "Honestly, the plane trees along the river shed their bark in long pale strips, "
      + "which surprised everyone."
    let result = try json(
      try sandbox.ok(["attribute", "trees", "--text", output, "--format", "json"]))
    let results = try #require(result["results"] as? [[String: Any]])
    let attribution = try #require(results.first?["attribution"] as? [String: Any])
    let spans = try #require(attribution["spans"] as? [[String: Any]])
    #expect(spans.count == 1)
    let span = spans[0]
    let bytes = Array(output.utf8)
    let start = try #require(span["byteStart"] as? Int)
    let end = try #require(span["byteEnd"] as? Int)
    #expect(
      String(decoding: bytes[start..<end], as: UTF8.self)
        == "the plane trees along the river shed their bark in long pale strips")
    let contributors = try #require(attribution["contributors"] as? [[String: Any]])
    #expect(contributors.count == 1)
    let tokens = try #require(attribution["tokens"] as? Int)
    let units = try #require(contributors[0]["units"] as? Int)
    let unattributed = try #require(attribution["unattributedUnits"] as? Int)
    #expect(units == 13 * 1_000_000_000)
    #expect(units + unattributed == tokens * 1_000_000_000)

    // Text output marks the span in a pipe and names the contributor.
    let text = try sandbox.ok(["attribute", "trees", "--text", output])
    #expect(
      text.contains("[[1: the plane trees along the river shed their bark in long pale strips]]"))
    #expect(text.contains("bob ("))
    #expect(text.contains("unattributed"))
    // Credit is shown in tokens, not raw units.
    let bobRow = try #require(text.split(separator: "\n").first { $0.hasPrefix("bob (") })
    #expect(bobRow.contains(" 13.00 "), "\(bobRow)")
    // The same input gives the same bytes.
    #expect(
      try sandbox.ok(["attribute", "trees", "--text", output, "--format", "json"])
        == (try sandbox.ok(["attribute", "trees", "--text", output, "--format", "json"])))
    // Settings are honoured: a minimum longer than the span leaves nothing attributed.
    let strict = try json(
      try sandbox.ok([
        "attribute", "trees", "--text", output, "--min-span", "20", "--format", "json",
      ]))
    let strictResult = try #require(
      (strict["results"] as? [[String: Any]])?.first?["attribution"] as? [String: Any])
    #expect((strictResult["spans"] as? [Any])?.isEmpty == true)
  }

  @Test func inferenceLogsAndTheirErrors() throws {
    let (sandbox, _, _) = try setUp()
    try sandbox.ok(["index", "build", "trees"])
    try sandbox.write(
      "log.jsonl",
      """
      {"id": "a", "output": "The council counted four hundred street trees on the east side of the old town.", "fee": "1000"}
      {"id": "b", "output": "Nothing here was copied from anywhere at all.", "fee": "5"}

      """)
    let result = try json(
      try sandbox.ok(["attribute", "trees", "--inferences", "log.jsonl", "--format", "json"]))
    let results = try #require(result["results"] as? [[String: Any]])
    #expect(results.map { $0["id"] as? String } == ["a", "b"])
    #expect(results.map { $0["line"] as? Int } == [1, 2])
    let text = try sandbox.ok(["attribute", "trees", "--inferences", "log.jsonl"])
    #expect(text.contains("== inference a (line 1)"))
    #expect(text.contains("carol ("))

    try sandbox.write(
      "bad.jsonl",
      "{\"id\": \"a\", \"output\": \"fine\", \"fee\": \"1\"}\n{\"id\": \"b\", \"output\": 42}\n")
    let bad = try sandbox.run(["attribute", "trees", "--inferences", "bad.jsonl"])
    #expect(bad.status == 65)
    #expect(bad.stderr.contains("bad.jsonl, line 2"))
    #expect(bad.stdout.isEmpty)
    try sandbox.write("fee.jsonl", "{\"id\": \"a\", \"output\": \"fine\", \"fee\": \"-3\"}\n")
    let fee = try sandbox.run(["attribute", "trees", "--inferences", "fee.jsonl"])
    #expect(fee.status == 65)
    #expect(fee.stderr.contains("fee.jsonl, line 1"))
    try sandbox.write("cut.jsonl", "{\"id\": \"a\", \"output\": \"fi\n")
    let cut = try sandbox.run(["attribute", "trees", "--inferences", "cut.jsonl"])
    #expect(cut.status == 65)
    #expect(cut.stderr.contains("cut.jsonl, line 1: not an inference: it is not JSON ("))
    #expect(!cut.stderr.contains("NSCocoaErrorDomain"), "\(cut.stderr)")
    let missing = try sandbox.run(["attribute", "trees", "--inferences", "absent.jsonl"])
    #expect(missing.status == 66)
    let usage = try sandbox.run(["attribute", "trees", "--text", "x", "--file", "y"])
    #expect(usage.status == 64)
  }

  @Test func takedownMasksAtOnceAndCompactDropsIt() throws {
    let (sandbox, _, _) = try setUp()
    try sandbox.ok(["index", "build", "trees"])
    let output = Self.carolTexts[1]
    func contributors() throws -> Int {
      let result = try json(
        try sandbox.ok(["attribute", "trees", "--text", output, "--format", "json"]))
      let attribution = try #require(
        (result["results"] as? [[String: Any]])?.first?["attribution"] as? [String: Any])
      return (attribution["contributors"] as? [Any])?.count ?? -1
    }
    #expect(try contributors() == 1)
    let record = Digest.of(Data("{\"text\":\"\(output)\"}".utf8)).hex
    try sandbox.ok(["takedown", "trees", "--record", record, "--reason", "asked", "--as", "alice"])
    // Masked at once, before any rebuild.
    #expect(try contributors() == 0)
    let status = try json(try sandbox.ok(["index", "status", "trees", "--format", "json"]))
    #expect(status["maskedRecords"] as? Int == 1)
    let before = try sandbox.ok([
      "attribute", "trees", "--text", Self.bobTexts[0], "--format", "json",
    ])
    let compacted = try json(try sandbox.ok(["index", "compact", "trees", "--format", "json"]))
    #expect(compacted["records"] as? Int == 3)
    #expect((compacted["retired"] as? [Any])?.count == 1)
    let after = try json(try sandbox.ok(["index", "status", "trees", "--format", "json"]))
    #expect(after["maskedRecords"] as? Int == 0)
    #expect(try contributors() == 0)
    // Other results do not change, except for the segment ids they were computed from.
    let again = try sandbox.ok([
      "attribute", "trees", "--text", Self.bobTexts[0], "--format", "json",
    ])
    let resultsBefore = try #require(try json(before)["results"])
    let resultsAfter = try #require(try json(again)["results"])
    #expect(
      try JSONSerialization.data(withJSONObject: resultsBefore, options: .sortedKeys)
        == JSONSerialization.data(withJSONObject: resultsAfter, options: .sortedKeys))
    // The retired segment's directory is gone.
    let datanetDirectory = try FileManager.default.contentsOfDirectory(
      atPath: "\(sandbox.store)/indexes")
    let segments = try FileManager.default.contentsOfDirectory(
      atPath: "\(sandbox.store)/indexes/\(datanetDirectory[0])"
    )
    .filter { $0.count == 64 }
    #expect(segments.count == 1)
  }
}

/// `attribute` over a segment whose files were changed on disk after it was built (issue 13,
/// defect 6): the small files are re-hashed at open, the large ones are named as not re-hashed.
@Suite struct TamperedSegmentTests {
  let sandbox: Sandbox
  let bob: String
  let carol: String
  /// An output that copies one of bob's records.
  let output = "As we know, " + AttributionTests.bobTexts[0]

  init() throws {
    sandbox = try AttributionTests().setUp().sandbox
    try sandbox.ok(["index", "build", "trees"])
    bob = try sandbox.account("bob")
    carol = try sandbox.account("carol")
  }

  func segmentDirectory() throws -> String { try sandbox.segmentDirectory(of: "trees") }

  /// The accounts credited for `output`, by `attribute --format json`.
  func credited() throws -> [String] {
    let report = try #require(
      try decodeJSON(
        try sandbox.ok(["attribute", "trees", "--text", output, "--format", "json"]))
        as? [String: Any])
    let attribution = try #require(
      (report["results"] as? [[String: Any]])?.first?["attribution"] as? [String: Any])
    let contributors = try #require(attribution["contributors"] as? [[String: Any]])
    return contributors.compactMap { $0["account"] as? String }
  }

  /// Rewrites `name` in `segment` in place, keeping its size: only re-hashing finds the change.
  func rewrite(_ name: String, in segment: String, _ change: (inout Data) throws -> Void) throws {
    let path = "\(segment)/\(name)"
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let size = bytes.count
    try change(&bytes)
    #expect(bytes.count == size)
    try bytes.write(to: URL(fileURLWithPath: path))
  }

  /// Swaps bob's and carol's contributor indexes (the u32 at byte 36 of each 44-byte record)
  /// in records.bin: every record then credits the other contributor.
  func swapContributors(in segment: String) throws {
    try rewrite("records.bin", in: segment) { bytes in
      let recordSize = 44
      #expect(bytes.count == 4 * recordSize)
      for record in 0..<(bytes.count / recordSize) {
        let offset = record * recordSize + 36
        #expect(bytes[offset] <= 1)
        bytes[offset] ^= 0x01
      }
    }
  }

  @Test func swappedContributorsInRecordsMakeAttributeFail() throws {
    #expect(try credited() == [bob])
    let segment = try segmentDirectory()
    try swapContributors(in: segment)
    let refused = try sandbox.run(["attribute", "trees", "--text", output])
    #expect(refused.status == 74, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stdout.isEmpty)
    #expect(refused.stderr.contains((segment as NSString).lastPathComponent), "\(refused.stderr)")
    #expect(refused.stderr.contains("records.bin hashes to"))
    #expect(refused.stderr.contains("openledger index compact trees"))
    #expect(!refused.stderr.contains(carol))
    let json = try sandbox.run(["attribute", "trees", "--text", output, "--format", "json"])
    #expect(json.status == 74)
    #expect(json.stdout.isEmpty)
    // The index is derived from the records: compacting rebuilds it, and bob is credited again.
    try sandbox.ok(["index", "compact", "trees"])
    #expect(try credited() == [bob])
  }

  @Test(arguments: ["contributors.bin", "contributions.bin", "vocabulary.bin", "counts.u32"])
  func everySmallFileIsReHashed(_ name: String) throws {
    let segment = try segmentDirectory()
    try rewrite(name, in: segment) { bytes in bytes[bytes.count - 1] ^= 0x01 }
    let refused = try sandbox.run(["attribute", "trees", "--text", output])
    #expect(refused.status == 74, "\(refused.stdout)\(refused.stderr)")
    #expect(refused.stderr.contains("\(name) hashes to"), "\(refused.stderr)")
  }

  @Test func theOutputSaysWhichFilesWereNotReHashed() throws {
    let text = try sandbox.ok(["attribute", "trees", "--text", output])
    #expect(
      text.contains(
        "1 index segment(s): contributions.bin, contributors.bin, counts.u32, records.bin and "
          + "vocabulary.bin re-hashed; not re-hashed: suffixes.u32 and tokens.u32 ("), "\(text)")
    #expect(text.contains("openledger validate --datanet trees"))
    let report = try #require(
      try decodeJSON(
        try sandbox.ok(["attribute", "trees", "--text", output, "--format", "json"]))
        as? [String: Any])
    let integrity = try #require(report["integrity"] as? [String: Any])
    #expect(
      integrity["rehashed"] as? [String] == [
        "contributions.bin", "contributors.bin", "counts.u32", "records.bin", "vocabulary.bin",
      ])
    #expect(integrity["notRehashed"] as? [String] == ["suffixes.u32", "tokens.u32"])
    #expect((integrity["notRehashedBytes"] as? Int ?? 0) > 0)

    // A changed token array is one of those: attribute runs on it, validate finds it.
    let segment = try segmentDirectory()
    try rewrite("tokens.u32", in: segment) { bytes in bytes[0] ^= 0x01 }
    let unchecked = try sandbox.run(["attribute", "trees", "--text", output])
    #expect(unchecked.status == 0, "\(unchecked.stderr)")
    #expect(unchecked.stdout.contains("not re-hashed"))
    let validated = try sandbox.run(["validate", "--datanet", "trees"])
    #expect(validated.status == 1)
    #expect(validated.stdout.contains("tokens.u32 hashes to"), "\(validated.stdout)")
  }
}

extension Sandbox {
  /// The account id of the identity `name`.
  func account(_ name: String) throws -> String {
    let shown = try #require(
      try decodeJSON(try ok(["identity", "show", name, "--format", "json"])) as? [String: Any])
    return try #require(shown["account"] as? String)
  }

  /// The directory of the one attribution index segment of `datanet`.
  func segmentDirectory(of datanet: String) throws -> String {
    let shown = try #require(
      try decodeJSON(try ok(["index", "status", datanet, "--format", "json"])) as? [String: Any])
    let id = try #require(shown["datanet"] as? String)
    let segments = try #require(shown["segments"] as? [[String: Any]])
    #expect(segments.count == 1)
    return "\(store)/indexes/\(id)/\(try #require(segments.first?["id"] as? String))"
  }
}

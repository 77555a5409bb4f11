import Foundation
import OpenLedgerKit
import Testing

/// End-to-end tests of what happens to removed records over a store's life: `gc` erasing their
/// bytes (from shards and from the attribution index), the same records contributed again, and
/// `rebuild-catalog` recreating the catalog (and the index's listing) afterwards.
@Suite struct RemovalLifecycleTests {
  static let texts = [
    "A note about the plane trees on the main street in spring, written by a careful neighbour.",
    "The zyzzogeton beetle was seen twice under the lindens by the school gate this summer.",
  ]

  static func line(_ text: String) -> String { "{\"text\": \"\(text)\"}\n" }

  /// The record id of a `{"text": …}` line.
  static func recordID(_ text: String) -> String {
    Digest.of(Data("{\"text\":\"\(text)\"}".utf8)).hex
  }

  /// A store where olivia owns and curates `d`, and carl contributes.
  func setUp() throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["olivia", "carl"] { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "d", "--as", "olivia", "--record-format", "jsonl", "--text-field",
      "text",
    ])
    return sandbox
  }

  func json(_ text: String) throws -> [String: Any] {
    try #require(try decodeJSON(text) as? [String: Any])
  }

  func contribute(_ file: String, _ sandbox: Sandbox) throws -> String {
    try #require(
      try json(try sandbox.ok(["contribute", "d", file, "--as", "carl", "--format", "json"]))[
        "contribution"] as? String)
  }

  /// `validate` must pass, and say nothing of erased records.
  func expectValid(_ sandbox: Sandbox, sourceLocation: Testing.SourceLocation = #_sourceLocation)
    throws
  {
    let result = try sandbox.run(["validate"])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
    #expect(!result.stdout.contains("erased"), sourceLocation: sourceLocation)
  }

  /// The exported records of `d`, by record id, with their text.
  func exported(_ sandbox: Sandbox, _ directory: String) throws -> [String: String] {
    try sandbox.ok(["export", "d", "--out", directory])
    let data = "\(sandbox.work)/\(directory)/data"
    var records = [String: String]()
    for name in try FileManager.default.contentsOfDirectory(atPath: data) {
      for line in try String(contentsOfFile: "\(data)/\(name)", encoding: .utf8).split(
        separator: "\n")
      {
        let object = try json(String(line))
        records[try #require(object["record_id"] as? String)] = object["text"] as? String
      }
    }
    return records
  }

  /// Withdrawn, erased by `gc`, then contributed again: the same shard bytes come back as a
  /// new object. The record is live again, credited to the new contribution and read from its
  /// shard, before and after `rebuild-catalog`, and after a later partial takedown and `gc`.
  @Test func aWithdrawnRecordContributedAgainAfterGCIsLiveAgain() throws {
    let sandbox = try setUp()
    try sandbox.write("w.jsonl", Self.texts.map(Self.line).joined())
    let first = try contribute("w.jsonl", sandbox)
    try sandbox.ok(["withdraw", first, "--as", "carl"])
    #expect(try sandbox.ok(["gc"]).contains("erased the bytes of 2 removed record(s)"))
    let second = try contribute("w.jsonl", sandbox)
    try expectValid(sandbox)
    try sandbox.ok(["rebuild-catalog"])
    try expectValid(sandbox)
    try sandbox.ok(["review", "accept", second, "--as", "olivia"])
    let records = try exported(sandbox, "out1")
    #expect(records[Self.recordID(Self.texts[0])] == Self.texts[0])
    #expect(records[Self.recordID(Self.texts[1])] == Self.texts[1])
    let shown = try json(try sandbox.ok(["review", "show", second, "--all", "--format", "json"]))
    #expect((shown["recordsCredited"] as? Int) == 2)
    #expect((shown["recordsRemoved"] as? Int) == 0)

    // A takedown of one of them: the new contribution's shard is redacted in its turn, and the
    // other record keeps its bytes whichever redaction replay looks at.
    try sandbox.ok([
      "takedown", "d", "--record", Self.recordID(Self.texts[1]), "--reason", "asked",
      "--as", "olivia",
    ])
    #expect(try sandbox.ok(["gc"]).contains("erased the bytes of 1 removed record(s)"))
    try expectValid(sandbox)
    try sandbox.ok(["rebuild-catalog"])
    try expectValid(sandbox)
    #expect(try exported(sandbox, "out2") == [Self.recordID(Self.texts[0]): Self.texts[0]])
    #expect(try sandbox.run(["fsck"]).status == 0)
  }

  /// A taken-down record contributed again stays removed: it counts as an exact duplicate.
  @Test func aTakenDownRecordContributedAgainStaysRemoved() throws {
    let sandbox = try setUp()
    try sandbox.write("w.jsonl", Self.line(Self.texts[0]))
    let first = try contribute("w.jsonl", sandbox)
    try sandbox.ok(["review", "accept", first, "--as", "olivia"])
    try sandbox.ok([
      "takedown", "d", "--contribution", first, "--reason", "asked", "--as", "olivia",
    ])
    try sandbox.ok(["gc"])
    let again = try json(
      try sandbox.ok(["contribute", "d", "w.jsonl", "--as", "carl", "--format", "json"]))
    #expect(again["contribution"] == nil)
    #expect(((again["report"] as? [String: Any])?["exactDuplicatesInDatanet"] as? Int) == 1)
    try sandbox.ok(["rebuild-catalog"])
    try expectValid(sandbox)
    let export = try sandbox.run(["export", "d", "--out", "out"])
    #expect(export.status == 65)
    #expect(export.stderr.contains("no accepted records"))
  }

  /// A rejected contribution and an accepted one that brought the same bytes share one shard
  /// object: a takedown's `gc` erases the text from it for both.
  @Test func gcErasesATakenDownRecordFromAShardTwoContributionsShare() throws {
    let sandbox = try setUp()
    try sandbox.write("w.jsonl", Self.line(Self.texts[1]))
    let rejected = try contribute("w.jsonl", sandbox)
    try sandbox.ok(["review", "reject", rejected, "--reason", "unclear", "--as", "olivia"])
    let accepted = try contribute("w.jsonl", sandbox)
    try sandbox.ok(["review", "accept", accepted, "--as", "olivia"])
    try sandbox.ok([
      "takedown", "d", "--contribution", accepted, "--reason", "asked", "--as", "olivia",
    ])
    try sandbox.ok(["gc"])
    let objects = "\(sandbox.store)/objects/sha256"
    for path in try FileManager.default.subpathsOfDirectory(atPath: objects) {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: "\(objects)/\(path)", isDirectory: &isDirectory),
        !isDirectory.boolValue
      else { continue }
      let data = try Data(contentsOf: URL(fileURLWithPath: "\(objects)/\(path)"))
      #expect(data.range(of: Data("zyzzogeton".utf8)) == nil, "object \(path) holds the text")
    }
    try expectValid(sandbox)
    try sandbox.ok(["rebuild-catalog"])
    try expectValid(sandbox)
  }

  /// The directories of `d`'s attribution segments.
  func segmentDirectories(_ sandbox: Sandbox) throws -> [String] {
    let indexes = "\(sandbox.store)/indexes"
    return try FileManager.default.contentsOfDirectory(atPath: indexes).flatMap { datanet in
      try FileManager.default.contentsOfDirectory(atPath: "\(indexes)/\(datanet)")
        .filter { $0.count == 64 }.map { "\(indexes)/\(datanet)/\($0)" }
    }.sorted()
  }

  /// A store with both texts accepted (in two contributions) and indexed.
  func indexedStore() throws -> (sandbox: Sandbox, contributions: [String]) {
    let sandbox = try setUp()
    var contributions = [String]()
    for (index, text) in Self.texts.enumerated() {
      try sandbox.write("c\(index).jsonl", Self.line(text))
      let id = try contribute("c\(index).jsonl", sandbox)
      try sandbox.ok(["review", "accept", id, "--as", "olivia"])
      contributions.append(id)
    }
    try sandbox.ok(["index", "build", "d"])
    return (sandbox, contributions)
  }

  /// `rebuild-catalog` lists again the segments under `indexes/` that verify, with the
  /// contributions they cover, so `gc` keeps them and attribution goes on; a segment whose
  /// files do not verify is left out, and `index build` covers its contributions again.
  @Test func rebuildCatalogKeepsTheAttributionIndex() throws {
    let (sandbox, _) = try indexedStore()
    let before = try json(try sandbox.ok(["index", "status", "d", "--format", "json"]))
    let segments = try segmentDirectories(sandbox)
    #expect(segments.count == 1)
    let attributeBefore = try sandbox.ok([
      "attribute", "d", "--text", Self.texts[0], "--format", "json",
    ])

    let rebuilt = try json(try sandbox.ok(["rebuild-catalog", "--format", "json"]))
    #expect((rebuilt["attributionSegments"] as? Int) == 1)
    let after = try json(try sandbox.ok(["index", "status", "d", "--format", "json"]))
    #expect((after["pendingContributions"] as? Int) == 0)
    for key in ["tokens", "records", "bytes"] {
      #expect(
        "\(after[key] ?? "absent")" == "\(before[key] ?? "absent")", "index status \(key) changed")
    }
    func segmentIDs(_ status: [String: Any]) -> [String] {
      ((status["segments"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
    }
    #expect(segmentIDs(after) == segmentIDs(before))
    #expect(segmentIDs(after) == segments.map { String($0.suffix(64)) })
    try sandbox.ok(["gc"])
    #expect(try segmentDirectories(sandbox) == segments)
    #expect(
      try sandbox.ok(["attribute", "d", "--text", Self.texts[0], "--format", "json"])
        == attributeBefore)
    try expectValid(sandbox)

    // A segment file altered on disk: the segment is not listed again, and nothing is lost.
    let tokens = "\(segments[0])/tokens.packed"
    chmod(tokens, 0o644)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: tokens))
    bytes[0] ^= 0xFF
    try bytes.write(to: URL(fileURLWithPath: tokens))
    let text = try sandbox.ok(["rebuild-catalog"])
    #expect(text.contains(segments[0].suffix(64)))
    #expect(text.contains("tokens.packed"))
    let damaged = try json(try sandbox.ok(["index", "status", "d", "--format", "json"]))
    #expect((damaged["segments"] as? [Any])?.count == 0)
    #expect((damaged["pendingContributions"] as? Int) == 2)
    let built = try json(try sandbox.ok(["index", "build", "d", "--format", "json"]))
    #expect((built["records"] as? Int) == 2)
  }

  /// `gc` drops removed records from the attribution index too (`--dry-run` says it would):
  /// no file under `indexes/` keeps the taken-down text.
  @Test func gcDropsRemovedRecordsFromTheAttributionIndex() throws {
    let (sandbox, contributions) = try indexedStore()
    let unique = Data("zyzzogeton".utf8)
    func indexHolds(_ bytes: Data) throws -> Bool {
      let indexes = "\(sandbox.store)/indexes"
      for path in try FileManager.default.subpathsOfDirectory(atPath: indexes) {
        var isDirectory: ObjCBool = false
        guard
          FileManager.default.fileExists(atPath: "\(indexes)/\(path)", isDirectory: &isDirectory),
          !isDirectory.boolValue
        else { continue }
        if try Data(contentsOf: URL(fileURLWithPath: "\(indexes)/\(path)")).range(of: bytes)
          != nil
        {
          return true
        }
      }
      return false
    }
    #expect(try indexHolds(unique))
    try sandbox.ok([
      "takedown", "d", "--contribution", contributions[1], "--reason", "asked", "--as", "olivia",
    ])
    let segments = try segmentDirectories(sandbox)

    let dry = try sandbox.ok(["gc", "--dry-run"])
    #expect(dry.contains("would compact the attribution index of d (1 removed record(s))"))
    let dryJSON = try json(try sandbox.ok(["gc", "--dry-run", "--format", "json"]))
    let planned = try #require(dryJSON["indexesCompacted"] as? [[String: Any]])
    #expect(planned.count == 1)
    #expect((planned.first?["name"] as? String) == "d")
    #expect((planned.first?["removedRecords"] as? Int) == 1)
    #expect(try segmentDirectories(sandbox) == segments)
    #expect(try indexHolds(unique))

    let done = try sandbox.ok(["gc"])
    #expect(
      done.contains("compacted the attribution index of d: dropped 1 removed record(s)"),
      "\(done)")
    #expect(!(try indexHolds(unique)))
    #expect(try segmentDirectories(sandbox) != segments)
    let status = try json(try sandbox.ok(["index", "status", "d", "--format", "json"]))
    #expect((status["maskedRecords"] as? Int) == 0)
    #expect((status["records"] as? Int) == 1)
    // Nothing left to drop: the next gc does not rewrite the index.
    let again = try json(try sandbox.ok(["gc", "--format", "json"]))
    #expect((again["indexesCompacted"] as? [Any])?.isEmpty == true)
    try expectValid(sandbox)
  }
}

import Foundation
import OpenLedgerKit
import Testing

/// End-to-end tests of what `export` says about each record: where it was read from, who
/// contributed it (by local name where there is one), and a JSON record's fields as JSON.
@Suite struct ExportProvenanceTests {
  static func json(_ text: String) throws -> [String: Any] { try RecordProvenanceTests.json(text) }

  @Test func exportCarriesTheSourceAndNames() throws {
    let (sandbox, contribution) = try RecordProvenanceTests.setUp()
    try sandbox.ok(["review", "accept", contribution, "--as", "alice"])
    try sandbox.ok(["export", "trees", "--out", "out"])
    let shard = try String(
      contentsOfFile: "\(sandbox.work)/out/data/records-00000.jsonl", encoding: .utf8)
    let lines = try shard.split(separator: "\n").map { try Self.json(String($0)) }
    #expect(lines.count == 5)
    let bob = try #require(
      try Self.json(sandbox.ok(["identity", "show", "bob", "--format", "json"]))["account"]
        as? String)
    for line in lines {
      #expect(line["contributor"] as? String == bob)
      #expect(line["contributor_name"] as? String == "bob")
      // The record is a JSON object, its fields columns of their own, not a string.
      let record = try #require(line["record"] as? [String: Any])
      #expect(record["text"] as? String == line["text"] as? String)
    }
    #expect(
      lines[1]["source"] as? NSDictionary == [
        "path": "data/good.tar.gz", "entry": "corpus/papers/2024/abstracts.jsonl", "line": 2,
      ])
    #expect(lines[4]["source"] as? NSDictionary == ["path": "notes.jsonl", "line": 3])
    // The record's bytes in the line are its canonical JSON: they hash to its id.
    let raw = try #require(shard.split(separator: "\n").first)
    let start = try #require(raw.range(of: "\"record\":"))
    let end = try #require(raw.range(of: ",\"record_id\":"))
    #expect(
      Digest.of(Data(raw[start.upperBound..<end.lowerBound].utf8)).hex
        == lines[0]["record_id"] as? String)

    let package = try Self.json(
      String(contentsOfFile: "\(sandbox.work)/out/datapackage.json", encoding: .utf8))
    let contributors = try #require(package["contributors"] as? [[String: Any]])
    #expect(contributors.map { $0["title"] as? String } == ["bob"])
    #expect(contributors.map { $0["account"] as? String } == [bob])
    let fields = try #require(
      ((package["resources"] as? [[String: Any]])?.first?["schema"] as? [String: Any])?["fields"]
        as? [[String: Any]])
    let types = Dictionary(
      uniqueKeysWithValues: fields.map { ($0["name"] as! String, $0["type"] as! String) })
    #expect(types["source"] == "object")
    #expect(types["record"] == "object")
    #expect(types["contributor_name"] == "string")
    let croissant = try Self.json(
      String(contentsOfFile: "\(sandbox.work)/out/croissant.json", encoding: .utf8))
    #expect(
      (croissant["contributor"] as? [[String: Any]])?.map { $0["name"] as? String } == ["bob"])
  }

  @Test func storesWrittenBeforeSourcesWereKeptExportANullSource() throws {
    let sandbox = try RecordProvenanceTests.oldStore()
    try sandbox.ok(["export", "trees", "--out", "out"])
    let shard = try String(
      contentsOfFile: "\(sandbox.work)/out/data/records-00000.jsonl", encoding: .utf8)
    let line = try Self.json(String(try #require(shard.split(separator: "\n").first)))
    #expect(line["record_id"] as? String == RecordProvenanceTests.oldRecord)
    #expect(line["source"] is NSNull)
    // No local identity holds bob's key here: no name, only the account.
    #expect(line["contributor_name"] is NSNull)
    #expect((line["contributor"] as? String)?.count == 64)
  }
}

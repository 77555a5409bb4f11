import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct AttributionIndexTests {
  /// Contributes `texts` as `identity` and accepts the contribution as alice.
  @discardableResult
  private func accepted(
    _ texts: [String], by identity: Identity, in fixture: CurationFixture
  ) throws -> Digest {
    let id = try fixture.contribute(texts, by: identity)
    try fixture.curation.review(
      [id.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
    return id
  }

  @Test func incrementalSplitAndCompactedIndexesAnswerAlike() throws {
    let fixture = try CurationFixture()
    let first = (0..<12).map { sentence($0) }
    let second = (12..<20).map { sentence($0) }
    try accepted(first, by: fixture.bob, in: fixture)
    // A tiny capacity splits the build into several segments.
    let small = AttributionIndex(
      store: fixture.store, datanet: try fixture.state(), segmentCapacity: 40)
    let built = try small.build(clock: fixture.clock)
    #expect(built.segments.count > 1)
    #expect(built.records == 12)
    #expect(try small.build(clock: fixture.clock).segments.isEmpty)
    // Pending contributions are not indexed until accepted.
    let pending = try fixture.contribute(second, by: fixture.alice)
    #expect(try small.build(clock: fixture.clock).segments.isEmpty)
    try fixture.curation.review(
      [pending.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
    #expect(try small.build(clock: fixture.clock).records == 8)
    #expect(try small.status().records == 20)

    let output = first[3] + " and then " + second[2] + " " + first[7]
    let split = try small.attributor(settings: AttributionSettings(minSpan: 4)).attribute(output)
    #expect(split.spans.count == 3)
    #expect(Set(split.contributors.map(\.account)) == [fixture.bob.account, fixture.alice.account])

    let whole = AttributionIndex(store: fixture.store, datanet: try fixture.state())
    let before = try whole.segments().count
    let compacted = try whole.compact(clock: fixture.clock)
    #expect(compacted.retired.count == before)
    #expect(compacted.segments.count == 1)
    #expect(try whole.segments().count == 1)
    let again = try whole.attributor(settings: AttributionSettings(minSpan: 4)).attribute(output)
    #expect(again == split)
    // Retired directories are gone; gc finds nothing more to remove.
    #expect(try fixture.store.unlistedAttributionSegments().isEmpty)
  }

  @Test func takenDownRecordsAreMaskedThenDropped() throws {
    let fixture = try CurationFixture()
    let texts = (0..<6).map { sentence($0) }
    try accepted(texts, by: fixture.bob, in: fixture)
    let index = AttributionIndex(store: fixture.store, datanet: try fixture.state())
    try index.build(clock: fixture.clock)
    let settings = AttributionSettings(minSpan: 4)
    #expect(try index.attributor(settings: settings).attribute(texts[2]).records.count == 1)
    let record = Digest.of(Data("{\"text\":\"\(texts[2])\"}".utf8))
    try fixture.curation.takeDown(
      records: [record.hex], of: "papers", reason: "asked", by: fixture.alice, clock: fixture.clock)
    #expect(try index.status().maskedRecords == 1)
    #expect(try index.attributor(settings: settings).attribute(texts[2]).records.isEmpty)
    try index.compact(clock: fixture.clock)
    #expect(try index.status().maskedRecords == 0)
    #expect(try index.status().records == 5)
    #expect(try index.attributor(settings: settings).attribute(texts[2]).records.isEmpty)
  }

  @Test func aVerifyingAttributorRefusesASegmentAlteredOnDisk() throws {
    let fixture = try CurationFixture()
    let texts = (0..<6).map { sentence($0) }
    try accepted(texts, by: fixture.bob, in: fixture)
    let index = AttributionIndex(store: fixture.store, datanet: try fixture.state())
    let segment = try #require(try index.build(clock: fixture.clock).segments.first)
    let heads = try Ledger(store: fixture.store).heads(of: try fixture.state().id)
    func open(verify: Bool) throws -> Attributor {
      try index.attributor(
        settings: AttributionSettings(minSpan: 4), segments: [segment.id], ledgerHeads: heads,
        usedBy: "this test", verify: verify)
    }
    #expect(try open(verify: true).attribute(texts[1]).records.count == 1)
    let directory =
      "\(AttributionIndex.directory(of: try fixture.state().id, indexes: fixture.store.indexesDirectory))/\(segment.id.hex)"
    func refused(_ file: String, verify: Bool) -> Bool {
      do {
        _ = try open(verify: verify)
        return false
      } catch AttributionError.alteredSegment(let id, _, let usedBy, let reason) {
        return id == segment.id && usedBy == "this test" && reason.contains("\(file) hashes to")
      } catch {
        return false
      }
    }
    // The same size, another account: the tables are re-hashed whether or not `verify` is set.
    let contributors = "\(directory)/contributors.bin"
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: contributors)
    try Data(fixture.alice.account.bytes).write(to: URL(fileURLWithPath: contributors))
    #expect(refused("contributors.bin", verify: false))
    #expect(refused("contributors.bin", verify: true))
    #expect(throws: AttributionError.self) { try index.attributor() }
    // Compaction rebuilds the same segment id and replaces the damaged files.
    try index.compact(clock: fixture.clock)
    let rebuilt = try open(verify: true)
    #expect(rebuilt.attribute(texts[1]).records.count == 1)
    #expect(rebuilt.integrity.notRehashed.isEmpty)
    #expect(rebuilt.integrity.rehashed.count == 7)

    // The token array is re-hashed with `verify` only, and the attributor says so.
    let tokens = "\(directory)/tokens.u32"
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: tokens)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: tokens))
    bytes[0] ^= 0x01
    try bytes.write(to: URL(fileURLWithPath: tokens))
    let unverified = try open(verify: false)
    #expect(unverified.integrity.notRehashed == ["suffixes.u32", "tokens.u32"])
    #expect(
      unverified.integrity.rehashed == [
        "contributions.bin", "contributors.bin", "counts.u32", "records.bin", "vocabulary.bin",
      ])
    #expect(unverified.integrity.notRehashedBytes == 8 * segment.tokens + 4 * segment.records)
    #expect(try index.attributor().integrity == unverified.integrity)
    #expect(refused("tokens.u32", verify: true))
  }

  @Test func inferenceLogLinesAreCheckedOneByOne() throws {
    let good = Data(
      """
      {"id": "a", "output": "one", "fee": "10"}

      {"id": "b", "output": "two", "model": "m"}
      """.utf8)
    let inferences = try InferenceLog.parse(good, file: "log.jsonl")
    #expect(inferences.map(\.id) == ["a", "b"])
    #expect(inferences.map(\.line) == [1, 3])
    #expect(inferences.map(\.fee) == ["10", nil])
    for (line, expected) in [
      ("{\"id\": \"a\", \"output\": \"x\", \"fee\": 10}", "decimal digits"),
      ("{\"id\": \"a\", \"output\": \"x\", \"fee\": \"1.5\"}", "whole"),
      ("{\"id\": \"a\", \"output\": \"x\", \"fee\": \"-1\"}", "whole"),
      ("{\"output\": \"x\"}", "\"id\""),
      ("[1, 2]", "not a JSON object"),
      ("{\"id\": \"a\"", "not JSON"),
    ] {
      let data = Data(("{\"id\": \"z\", \"output\": \"ok\"}\n" + line + "\n").utf8)
      #expect {
        try InferenceLog.parse(data, file: "log.jsonl")
      } throws: { error in
        guard
          case .malformedInference(let file, let number, let reason) = error as? AttributionError
        else { return false }
        return file == "log.jsonl" && number == 2 && reason.contains(expected)
      }
    }
    #expect(throws: AttributionError.self) {
      try InferenceLog.parse(
        Data("{\"id\": \"a\", \"output\": \"x\"}\n".utf8), file: "f", requireFee: true)
    }
    #expect(throws: AttributionError.self) { try InferenceLog.parse(Data("\n\n".utf8), file: "f") }
    #expect(throws: AttributionError.self) {
      try InferenceLog.parse(
        Data("{\"id\": \"a\", \"output\": \"x\"}\n{\"id\": \"a\", \"output\": \"y\"}\n".utf8),
        file: "f")
    }
  }
}

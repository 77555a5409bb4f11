import Foundation
import Testing

@testable import OpenLedgerKit

/// Input is read in 8 MiB buffers taken in turn; records that span them, or outgrow them, come
/// out whole, and the input's SHA-256 covers every byte.
@Suite struct ReadBufferTests {
  /// JSONL lines of short records around one of `largeWords` words, and its bytes.
  func write(largeWords: Int, to path: String) throws -> Data {
    var generator = SplitMix64(seed: 5)
    let words = (0..<largeWords).map { _ in "w\(generator.next() % 50_000)" }
    var lines = (0..<20_000).map { "{\"text\": \"short record \($0) of the input\"}\n" }
    lines.insert("{\"text\": \"\(words.joined(separator: " "))\"}\n", at: 10_000)
    let data = Data(lines.joined().utf8)
    try data.write(to: URL(fileURLWithPath: path))
    return data
  }

  @Test func aRecordLargerThanTheBufferComesOutWhole() throws {
    let fixture = try CurationFixture()
    let path = "\(fixture.base.directory.path)/large.jsonl"
    let data = try write(largeWords: 1_700_000, to: path)  // about 12 MB in one line
    let outcome = try Contributor(store: fixture.store).contribute(
      to: "papers", inputs: [.path(path)], by: fixture.alice, options: IngestOptions(),
      clock: fixture.clock)
    #expect(outcome.report.recordsNew == 20_001)
    #expect(outcome.report.inputs.first?.sha256 == Digest.of(data))
    try fixture.curation.review(
      [try #require(outcome.event).id.hex], decision: .accept, reason: "", by: fixture.alice,
      clock: fixture.clock)
    let published = try fixture.published()
    #expect(published.count == 20_001)
    #expect(published[10_000].utf8.count > 10 << 20)
    #expect(published[10_001] == "short record 10000 of the input")
    #expect(published.last == "short record 19999 of the input")
  }

  @Test func aRecordOverTheLimitNamesItsLine() throws {
    let fixture = try CurationFixture()
    let path = "\(fixture.base.directory.path)/large.jsonl"
    _ = try write(largeWords: 400_000, to: path)  // about 2.9 MB in one line
    var options = IngestOptions()
    options.maxRecordBytes = 1 << 20
    let error = #expect(throws: IngestError.self) {
      try Contributor(store: fixture.store).contribute(
        to: "papers", inputs: [.path(path)], by: fixture.alice, options: options,
        clock: fixture.clock)
    }
    guard case .recordTooLarge(let input, let line, let limit) = error else {
      Issue.record("expected recordTooLarge, got \(String(describing: error))")
      return
    }
    #expect(input == path && line == 10_001 && limit == 1 << 20)
    #expect(try fixture.published().isEmpty, "nothing stored")
  }
}

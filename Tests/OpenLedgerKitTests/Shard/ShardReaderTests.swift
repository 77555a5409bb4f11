import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct ShardReaderTests {
  /// A shard whose one entry is a record of length 0, as a remote may serve it (the `shard`
  /// fuzz target's find). Records are never empty, and the catalog takes a length of 0 for a
  /// tombstone, so the reader refuses it rather than list a record `gc` never erased.
  @Test func anEmptyRecordIsRefused() throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: fuzzFixture("shard", "empty-record")))
    #expect(malformedOffset { try StoredRecord.list(data) } == 12)
    #expect(malformedOffset { try ShardEntries(shard: data) } == 12)
    var oneByte = data
    oneByte[8] = 1
    oneByte.append(0x7b)
    let listed = try StoredRecord.list(oneByte)
    #expect(listed.map(\.offset) == [12] && listed.map(\.length) == [1])
  }

  /// The offset of the `ShardReader.Failure` that `body` throws, or nil when it throws none.
  private func malformedOffset(_ body: () throws -> Any) -> Int? {
    do {
      _ = try body()
    } catch ShardReader.Failure.malformed(let offset) {
      return offset
    } catch {}
    return nil
  }
}

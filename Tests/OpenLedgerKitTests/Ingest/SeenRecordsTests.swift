import Testing

@testable import OpenLedgerKit

@Suite struct SeenRecordsTests {
  @Test func findsEveryIdInsertedAndNoOther() {
    let seen = SeenRecords(capacity: 4)
    var ids = [RecordID]()
    var generator = SplitMix64(seed: 3)
    for position in 0..<50_000 {
      // Every tenth id shares its first 64 bits, the table's key, with the one before it.
      let first = position % 10 == 9 ? ids[position - 1].words.0 : generator.next()
      let id = RecordID(words: (first, generator.next(), generator.next(), generator.next()))
      #expect(seen.position(of: id, idAt: { ids[$0] }) == nil)
      ids.append(id)
      seen.insert(id, at: position)
    }
    #expect(seen.count == 50_000)
    for position in stride(from: 0, to: 50_000, by: 7) {
      #expect(seen.position(of: ids[position], idAt: { ids[$0] }) == position)
    }
    var other = ids[19]
    other.words.3 &+= 1
    #expect(seen.position(of: other, idAt: { ids[$0] }) == nil, "same key, another id")
  }

  @Test func reservingKeepsWhatIsThere() {
    let seen = SeenRecords()
    let ids = (0..<1_000).map { RecordID(words: (Mix64.finalize(UInt64($0)), 1, 2, UInt64($0))) }
    for (position, id) in ids.enumerated().prefix(500) { seen.insert(id, at: position) }
    seen.reserve(100_000)
    for (position, id) in ids.enumerated().dropFirst(500) { seen.insert(id, at: position) }
    for (position, id) in ids.enumerated() {
      #expect(seen.position(of: id, idAt: { ids[$0] }) == position)
    }
  }
}

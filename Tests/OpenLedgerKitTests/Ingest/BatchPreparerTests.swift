import Foundation
import Testing

@testable import OpenLedgerKit

/// The preparer canonicalizes, hashes and fingerprints a batch on worker threads; however
/// many there are, the results are the records' own, in order.
@Suite struct BatchPreparerTests {
  /// What a worker made of one record.
  struct Prepared: Equatable {
    var id: RecordID
    var invalid: Bool
    var canonical: [UInt8]
    var signature: [UInt16]
  }

  let schema = DatanetSchema(format: .jsonl, textFields: ["text"])

  /// The results of `prepared`, in the order of its records.
  func results(_ prepared: PreparedBatch) -> [Prepared] {
    let workers = prepared.results()
    var all = [Prepared]()
    for index in 0..<workers.count {
      let worker = workers[index]
      for item in 0..<worker.results.count {
        let result = worker.results[item]
        all.append(
          Prepared(
            id: result.id, invalid: result.violation != nil,
            canonical: worker.canonicalBytes(item) { Array($0) },
            signature: worker.withSignature(item) { Array($0) }))
      }
    }
    return all
  }

  /// Forty records, the fourth of them not JSON.
  func text() -> String {
    var lines = (0..<40).map {
      "{\"text\": \"record \($0) says \($0 * 7) things\", \"n\": \($0)}\n"
    }
    lines[3] = "{\"text\": not json\n"
    return lines.joined()
  }

  @Test func eachRecordIsPreparedAsOnItsOwnWhateverTheWorkers() throws {
    let laid = LaidOutBatch(text())
    let one = results(BatchPreparer(schema: schema, workers: 1).start(laid.batch))
    let three = results(BatchPreparer(schema: schema, workers: 3).start(laid.batch))
    let many = results(BatchPreparer(schema: schema, workers: 64).start(laid.batch))
    #expect(one.count == 40)
    #expect(three == one)
    #expect(many == one, "more workers than records")
    #expect(one.enumerated().filter(\.element.invalid).map(\.offset) == [3])
    var formatter = RecordFormatter(schema: schema)
    for (index, record) in laid.batch.records.enumerated() where index != 3 {
      let violation = formatter.format(
        UnsafeRawBufferPointer(rebasing: laid.batch.bytes[record.range]), header: nil)
      #expect(violation == nil)
      #expect(one[index].canonical == formatter.canonical)
      #expect(one[index].id == formatter.canonical.withUnsafeBytes { RecordID(of: $0) })
      let signature = CompactSignature.compute(
        text: formatter.text, id: one[index].id, hasher: MinHasher())
      #expect(one[index].signature == Array(signature))
    }
  }

  @Test func aBatchsResultsStayWhileTheNextIsPrepared() throws {
    let first = LaidOutBatch(jsonLines((0..<30).map { "first batch, record \($0)" }))
    let second = LaidOutBatch(jsonLines((0..<30).map { "second batch, record \($0)" }))
    let alone = results(BatchPreparer(schema: schema, workers: 2).start(first.batch))
    let preparer = BatchPreparer(schema: schema, workers: 2)
    let a = preparer.start(first.batch)
    let b = preparer.start(second.batch)
    #expect(results(a) == alone)
    #expect(results(b).count == 30)
    #expect(Set(results(b).map(\.id)).isDisjoint(with: alone.map(\.id)))
  }
}

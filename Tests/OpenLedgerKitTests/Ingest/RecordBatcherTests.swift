import Foundation
import Testing

@testable import OpenLedgerKit

/// The batcher cuts an input into batches of whole records, a block at a time.
@Suite struct RecordBatcherTests {
  /// What one batch held, copied while it was handed over.
  struct Taken {
    var size: Int
    var records: [String]
    var lines: [Int]
    var header: [String]?
  }

  /// Every batch of `source`, and what reading it came to.
  func batches(
    _ source: ByteSource, schema: DatanetSchema = DatanetSchema(format: .jsonl),
    blockSize: Int, maxRecordBytes: Int = 64 << 20
  ) throws -> (batches: [Taken], digest: InputDigest) {
    let batcher = RecordBatcher(
      schema: schema, maxRecordBytes: maxRecordBytes, blockSize: blockSize)
    var taken = [Taken]()
    let digest = try batcher.read(source, name: "input.jsonl", input: 3) { batch in
      #expect(batch.input == 3)
      taken.append(
        Taken(
          size: batch.bytes.count,
          records: batch.records.map {
            String(decoding: UnsafeRawBufferPointer(rebasing: batch.bytes[$0.range]), as: UTF8.self)
          }, lines: batch.records.map(\.line),
          header: batch.header.map { $0.columns.map { String(decoding: $0.name, as: UTF8.self) } }))
    }
    return (taken, digest)
  }

  /// Lines of 10 to 40 bytes, each one record.
  func lines(_ count: Int) -> [String] {
    var generator = SplitMix64(seed: 11)
    return (0..<count).map { index in
      "{\"n\": \(index), \"pad\": \"\(String(repeating: "x", count: Int(generator.next() % 25)))\"}"
    }
  }

  @Test func batchesAreCutAtTheBlockSizeAndNeverSplitARecord() throws {
    let input = lines(200)
    let text = input.map { $0 + "\n" }.joined()
    let (taken, digest) = try batches(MemorySource(text), blockSize: 100)
    #expect(taken.flatMap(\.records) == input, "every record whole, in order")
    #expect(taken.flatMap(\.lines) == Array(1...200))
    #expect(taken.count > 50)
    for (index, batch) in taken.enumerated() {
      #expect(batch.size <= 100)
      #expect(batch.size == batch.records.map { $0.utf8.count + 1 }.reduce(0, +) - 1)
      if index + 1 < taken.count {
        // The batch ends where the next record would not have fitted in the block.
        let next = taken[index + 1].records[0].utf8.count
        #expect(batch.size + 1 + next + 1 > 100)
      }
    }
    #expect(digest.size == text.utf8.count)
    #expect(digest.finalize() == Digest.of(Data(text.utf8)))
  }

  @Test func aShortReadEndsItsBatchEarly() throws {
    let input = lines(30)
    let (taken, _) = try batches(
      MemorySource(input.map { $0 + "\n" }.joined(), chunk: 17), blockSize: 1 << 10)
    #expect(taken.flatMap(\.records) == input)
    #expect(taken.allSatisfy { $0.records.count <= 1 }, "no 17-byte read holds two records")
  }

  @Test func aRecordLongerThanTheBlockMakesItGrow() throws {
    let long = "{\"text\": \"\(String(repeating: "long ", count: 100))\"}"
    let input = ["{\"text\": \"before\"}", long, "{\"text\": \"after\"}"]
    let (taken, _) = try batches(MemorySource(input.map { $0 + "\n" }.joined()), blockSize: 64)
    #expect(taken.flatMap(\.records) == input)
    let grown = try #require(taken.first { $0.records.contains(long) })
    #expect(grown.size > 64)
  }

  @Test func aRecordOverTheLimitIsRefusedWithItsLine() throws {
    let long = "{\"text\": \"\(String(repeating: "long ", count: 100))\"}"
    let text = ["{\"text\": \"a\"}", "{\"text\": \"b\"}", long].map { $0 + "\n" }.joined()
    let error = #expect(throws: IngestError.self) {
      _ = try batches(MemorySource(text), blockSize: 64, maxRecordBytes: 200)
    }
    guard case .recordTooLarge(let input, let line, let limit) = error else {
      Issue.record("expected recordTooLarge, got \(String(describing: error))")
      return
    }
    #expect(input == "input.jsonl" && line == 3 && limit == 200)
  }

  @Test func aByteOrderMarkIsDroppedButHashed() throws {
    let text = "\u{FEFF}" + jsonLines(["marked"])
    let (taken, digest) = try batches(MemorySource(text), blockSize: 64)
    #expect(taken.flatMap(\.records) == ["{\"text\": \"marked\"}"])
    #expect(digest.size == text.utf8.count)
    #expect(digest.finalize() == Digest.of(Data(text.utf8)))
  }

  @Test func theFirstCSVRowIsTheHeaderOfEveryBatch() throws {
    let text = "id,text\n" + (1...20).map { "\($0),row number \($0)\n" }.joined()
    let (taken, _) = try batches(
      MemorySource(text), schema: DatanetSchema(format: .csv, textFields: ["text"]),
      blockSize: 64)
    #expect(taken.count > 2)
    #expect(taken.allSatisfy { $0.header == ["id", "text"] })
    #expect(taken.flatMap(\.records) == (1...20).map { "\($0),row number \($0)" })
    #expect(taken.flatMap(\.lines) == Array(2...21))
  }

  @Test func theBatcherReadsOneInputAfterAnother() throws {
    let batcher = RecordBatcher(
      schema: DatanetSchema(format: .jsonl), maxRecordBytes: 1 << 20, blockSize: 64)
    for round in 0..<3 {
      var records = [String]()
      let text = jsonLines((0..<10).map { "input \(round) record \($0)" })
      let digest = try batcher.read(MemorySource(text), name: "x", input: Int32(round)) { batch in
        records += batch.records.map {
          String(decoding: UnsafeRawBufferPointer(rebasing: batch.bytes[$0.range]), as: UTF8.self)
        }
      }
      #expect(records.count == 10 && records[0].contains("input \(round) record 0"))
      #expect(digest.finalize() == Digest.of(Data(text.utf8)))
    }
  }
}

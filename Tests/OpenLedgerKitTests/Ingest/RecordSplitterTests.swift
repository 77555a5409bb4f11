import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct RecordSplitterTests {
  /// Splits `text` fed in pieces of `chunk` bytes, as the ingestor feeds its buffer.
  func split(_ splitter: some RecordSplitter, _ text: String, chunk: Int) -> [(String, Int)] {
    var splitter = splitter
    let bytes = Array(text.utf8)
    var pending = [UInt8]()
    var offset = 0
    var out = [(String, Int)]()
    while true {
      let take = min(chunk, bytes.count - offset)
      pending.append(contentsOf: bytes[offset..<offset + take])
      offset += take
      let isFinal = take == 0
      var records = [RawRecord]()
      let consumed = pending.withUnsafeBytes {
        splitter.split($0, isFinal: isFinal, into: &records)
      }
      for record in records {
        out.append((String(decoding: pending[record.range], as: UTF8.self), record.line))
      }
      pending.removeFirst(consumed)
      if isFinal { break }
    }
    return out
  }

  @Test(arguments: [1, 3, 7, 1000])
  func linesKeepTheirNumbers(_ chunk: Int) {
    let records = split(LineSplitter(), "{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}", chunk: chunk)
    #expect(records.map(\.0) == ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"])
    #expect(records.map(\.1) == [1, 4, 5])
  }

  @Test(arguments: [1, 4, 1000])
  func paragraphs(_ chunk: Int) {
    let text = "First para\nstill first.\n\n\n  \nSecond.\r\n\r\nThird\n"
    let records = split(ParagraphSplitter(), text, chunk: chunk)
    #expect(records.map(\.0) == ["First para\nstill first.", "Second.", "Third"])
    #expect(records.map(\.1) == [1, 6, 8])
  }

  @Test(arguments: [1, 5, 1000])
  func csvRecordsMaySpanLines(_ chunk: Int) {
    let text = "id,text\n1,\"two\nlines\"\n2,\"say \"\"hi\"\"\"\r\n3,plain"
    let records = split(CSVSplitter(), text, chunk: chunk)
    #expect(records.map(\.0) == ["id,text", "1,\"two\nlines\"", "2,\"say \"\"hi\"\"\"", "3,plain"])
    #expect(records.map(\.1) == [1, 2, 4, 5])
  }

  @Test func csvFields() throws {
    func fields(_ text: String) throws -> [String] {
      var storage = [UInt8]()
      var ranges = [Range<Int>]()
      var failure: CSVFields.Failure?
      Array(text.utf8).withUnsafeBytes { raw in
        do {
          try CSVFields.parse(raw, storage: &storage, fields: &ranges)
        } catch {
          failure = error as? CSVFields.Failure
        }
      }
      if let failure { throw failure }
      return ranges.map { String(decoding: storage[$0], as: UTF8.self) }
    }
    #expect(try fields("a,\"b,c\",,\"d\"\"e\"") == ["a", "b,c", "", "d\"e"])
    #expect(try fields("a,") == ["a", ""])
    #expect(throws: CSVFields.Failure.unclosedQuote(field: 1)) { try fields("\"open") }
    #expect(throws: CSVFields.Failure.textAfterQuote(field: 1)) { try fields("\"a\"b") }
    #expect(throws: CSVFields.Failure.unclosedQuoteMidField(field: 2)) { try fields("a,5\" disk") }
    #expect(try fields("a,say \"hi\" there") == ["a", "say \"hi\" there"])
  }

  /// A quote opens a quoted field only where a field starts, as `CSVFields` reads it: a quote
  /// inside an unquoted field does not make its record run on (to fail with a misleading field
  /// count) but ends with its line.
  @Test(arguments: [1, 4, 1000])
  func csvQuotesInsideUnquotedFieldsDoNotSpanLines(_ chunk: Int) {
    let text = "id,text\n1,a 5\" disk\n2,fine\n3,\"quoted\nacross\",\"\"\"x\"\n4,end"
    let records = split(CSVSplitter(), text, chunk: chunk)
    #expect(
      records.map(\.0) == [
        "id,text", "1,a 5\" disk", "2,fine", "3,\"quoted\nacross\",\"\"\"x\"", "4,end",
      ])
    #expect(records.map(\.1) == [1, 2, 3, 4, 6])
  }
}

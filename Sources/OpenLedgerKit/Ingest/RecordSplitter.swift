import Foundation

/// Where a raw record came from: the input's name and the line it starts on (1-based; 0 when
/// the record is a whole file).
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The file path, `<stdin>`, or `archive.tar.gz:inner/path.jsonl` for an archive entry.
  public var input: String
  public var line: Int

  public init(input: String, line: Int) {
    self.input = input
    self.line = line
  }

  public var description: String { line > 0 ? "\(input):\(line)" : input }
}

/// A record's bytes as they appear in the input, before canonicalization.
struct RawRecord {
  /// Byte range inside the buffer handed to the splitter.
  var range: Range<Int>
  var line: Int
  /// For CSV: the byte ranges of the fields (quotes included), inside the buffer.
  var csvFieldCount: Int = 0
}

/// Cuts a stream of bytes into raw records, according to the record format. Fed buffers in
/// order, it returns the complete records in each and how many bytes it consumed; the caller
/// keeps the rest and prepends it to the next buffer.
protocol RecordSplitter {
  /// Splits `buffer`; when `isFinal`, everything left is a record.
  mutating func split(
    _ buffer: UnsafeRawBufferPointer, isFinal: Bool, into records: inout [RawRecord]
  )
    -> Int

  /// The line the bytes not consumed yet start on: where the record being read began (0 when
  /// the record is the whole input), to name a record too long to finish reading.
  var pendingLine: Int { get }
}

/// One record per line, for JSON Lines. Blank lines are skipped; `\r\n` endings are accepted.
struct LineSplitter: RecordSplitter {
  private var line = 1

  var pendingLine: Int { line }

  mutating func split(
    _ buffer: UnsafeRawBufferPointer, isFinal: Bool, into records: inout [RawRecord]
  )
    -> Int
  {
    guard let base = buffer.baseAddress else { return 0 }
    var start = 0
    while start < buffer.count {
      guard let found = memchr(base + start, 0x0a, buffer.count - start) else { break }
      let end = UnsafeRawPointer(found) - base
      appendLine(buffer, start..<end, into: &records)
      line += 1
      start = end + 1
    }
    if isFinal, start < buffer.count {
      appendLine(buffer, start..<buffer.count, into: &records)
      line += 1
      return buffer.count
    }
    return start
  }

  private func appendLine(
    _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, into records: inout [RawRecord]
  ) {
    var end = range.upperBound
    if end > range.lowerBound, buffer[end - 1] == 0x0d { end -= 1 }
    var blank = true
    for index in range.lowerBound..<end {
      let byte = buffer[index]
      if byte != 0x20 && byte != 0x09 {
        blank = false
        break
      }
    }
    if !blank { records.append(RawRecord(range: range.lowerBound..<end, line: line)) }
  }
}

/// One record per paragraph of plain text: paragraphs are separated by lines that are empty
/// or white space only. Surrounding blank space is trimmed from each paragraph.
struct ParagraphSplitter: RecordSplitter {
  private var line = 1

  var pendingLine: Int { line }

  mutating func split(
    _ buffer: UnsafeRawBufferPointer, isFinal: Bool, into records: inout [RawRecord]
  )
    -> Int
  {
    guard let base = buffer.baseAddress else { return 0 }
    var lineStart = 0
    var currentLine = line
    var paragraphStart: Int?
    var paragraphLine = 0
    var consumed = 0
    var lineAfterConsumed = line
    while lineStart < buffer.count {
      let newline = memchr(base + lineStart, 0x0a, buffer.count - lineStart)
      if newline == nil && !isFinal { break }
      let end = newline.map { UnsafeRawPointer($0) - base } ?? buffer.count
      if isBlank(buffer, lineStart..<end) {
        if let start = paragraphStart {
          records.append(RawRecord(range: start..<trimEnd(buffer, lineStart), line: paragraphLine))
          paragraphStart = nil
        }
        consumed = min(end + 1, buffer.count)
        lineAfterConsumed = currentLine + 1
      } else if paragraphStart == nil {
        paragraphStart = lineStart
        paragraphLine = currentLine
      }
      currentLine += 1
      lineStart = end + 1
    }
    if isFinal {
      if let start = paragraphStart {
        records.append(RawRecord(range: start..<trimEnd(buffer, buffer.count), line: paragraphLine))
      }
      line = currentLine
      return buffer.count
    }
    // An unfinished paragraph is read again, whole, with the next buffer.
    line = lineAfterConsumed
    return consumed
  }

  private func isBlank(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
    range.allSatisfy { buffer[$0] == 0x20 || buffer[$0] == 0x09 || buffer[$0] == 0x0d }
  }

  private func trimEnd(_ buffer: UnsafeRawBufferPointer, _ end: Int) -> Int {
    var end = end
    while end > 0, [0x0a, 0x0d, 0x20, 0x09].contains(buffer[end - 1]) { end -= 1 }
    return end
  }
}

/// The whole input is one record (plain text, one record per file).
struct WholeSplitter: RecordSplitter {
  var pendingLine: Int { 0 }

  mutating func split(
    _ buffer: UnsafeRawBufferPointer, isFinal: Bool, into records: inout [RawRecord]
  )
    -> Int
  {
    guard isFinal else { return 0 }
    records.append(RawRecord(range: 0..<buffer.count, line: 0))
    return buffer.count
  }
}

/// CSV records (RFC 4180): fields separated by commas, optionally quoted with `"`, quotes doubled
/// inside quoted fields, records separated by `\n` or `\r\n`; a quoted field may span lines.
///
/// A quote opens a quoted field only at the start of a field, as `CSVFields` reads it: a quote
/// inside an unquoted field (`5" floppy`) never makes a record run on to the next line.
struct CSVSplitter: RecordSplitter {
  private var line = 1

  var pendingLine: Int { line }

  /// Where the scan is in the record.
  private enum Place {
    case fieldStart
    case unquoted
    case quoted
    /// After a quote inside a quoted field: the closing quote, or the first of a doubled one.
    case quoteInQuoted
  }

  mutating func split(
    _ buffer: UnsafeRawBufferPointer, isFinal: Bool, into records: inout [RawRecord]
  )
    -> Int
  {
    var start = 0
    var index = 0
    var place = Place.fieldStart
    var recordLine = line
    var linesInRecord = 0
    while index < buffer.count {
      let byte = buffer[index]
      index += 1
      if byte == 0x0a {
        linesInRecord += 1
        if place == .quoted { continue }
        appendRecord(buffer, start..<index - 1, line: recordLine, into: &records)
        line = recordLine + linesInRecord
        recordLine = line
        linesInRecord = 0
        start = index
        place = .fieldStart
        continue
      }
      switch (place, byte) {
      case (.quoted, 0x22): place = .quoteInQuoted
      case (.quoted, _): break
      case (.quoteInQuoted, 0x22): place = .quoted
      case (_, 0x2c): place = .fieldStart
      case (.fieldStart, 0x22): place = .quoted
      default: place = .unquoted
      }
    }
    if isFinal, start < buffer.count {
      appendRecord(buffer, start..<buffer.count, line: recordLine, into: &records)
      return buffer.count
    }
    return start
  }

  private func appendRecord(
    _ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, line: Int,
    into records: inout [RawRecord]
  ) {
    var end = range.upperBound
    if end > range.lowerBound, buffer[end - 1] == 0x0d { end -= 1 }
    if end > range.lowerBound {
      records.append(RawRecord(range: range.lowerBound..<end, line: line))
    }
  }
}

/// Reads the fields of one CSV record.
enum CSVFields {
  enum Failure: Error, Equatable {
    /// A quoted field (counted from 1) whose quote is never closed: it ran to the end of the
    /// input.
    case unclosedQuote(field: Int)
    /// An unquoted field holding an odd number of quotes: one was opened mid-field and never
    /// closed.
    case unclosedQuoteMidField(field: Int)
    case textAfterQuote(field: Int)
  }

  /// The decoded fields of `record` (without its line ending), appended to `fields` as ranges
  /// of `storage`.
  ///
  /// A quote inside an unquoted field is kept as it is when the field holds an even number of
  /// them (`say "hi" there`); an odd number means a quote was opened and never closed, which
  /// `CSVSplitter` and this reader would otherwise understand differently.
  static func parse(
    _ record: UnsafeRawBufferPointer, storage: inout [UInt8], fields: inout [Range<Int>]
  ) throws(Failure) {
    var index = 0
    let count = record.count
    while true {
      let fieldStart = storage.count
      let field = fields.count + 1
      if index < count, record[index] == 0x22 {
        index += 1
        var closed = false
        while index < count {
          let byte = record[index]
          if byte == 0x22 {
            if index + 1 < count, record[index + 1] == 0x22 {
              storage.append(0x22)
              index += 2
              continue
            }
            index += 1
            closed = true
            break
          }
          storage.append(byte)
          index += 1
        }
        guard closed else { throw .unclosedQuote(field: field) }
        guard index == count || record[index] == 0x2c else { throw .textAfterQuote(field: field) }
      } else {
        let start = index
        var quotes = 0
        while index < count, record[index] != 0x2c {
          if record[index] == 0x22 { quotes += 1 }
          index += 1
        }
        guard quotes % 2 == 0 else { throw .unclosedQuoteMidField(field: field) }
        storage.append(contentsOf: UnsafeRawBufferPointer(rebasing: record[start..<index]))
      }
      fields.append(fieldStart..<storage.count)
      if index >= count { break }
      index += 1  // the comma
      if index == count {
        fields.append(storage.count..<storage.count)
        break
      }
    }
  }
}

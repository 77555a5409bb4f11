import Foundation

/// Turns raw input records into canonical records by a Datanet's schema: canonical bytes (what
/// the record id hashes), the text that is fingerprinted, and the schema checks. One formatter
/// per worker thread; it reuses its buffers.
struct RecordFormatter {
  let schema: DatanetSchema
  private var json: JSONCanonicalizer
  /// `textFields` then the required fields that are not text fields.
  private let fieldNames: [String]
  private var csvStorage: [UInt8] = []
  private var csvFields: [Range<Int>] = []

  /// The canonical bytes of the last record formatted.
  private(set) var canonical: [UInt8] = []
  /// The text of the last record formatted (its text fields joined by newlines).
  private(set) var text: [UInt8] = []

  init(schema: DatanetSchema) {
    self.schema = schema
    var names = schema.textFields
    for field in schema.required where !names.contains(field) { names.append(field) }
    fieldNames = names
    json = JSONCanonicalizer(fields: names)
  }

  /// Formats one raw record; returns the violation that refuses it, if any. CSV records need
  /// their input's header.
  mutating func format(_ raw: UnsafeRawBufferPointer, header: CSVHeader?) -> RecordViolation? {
    canonical.removeAll(keepingCapacity: true)
    text.removeAll(keepingCapacity: true)
    if let offset = UTF8Validation.firstInvalidOffset(raw) { return .invalidUTF8(offset: offset) }
    switch schema.format {
    case .text:
      return formatText(raw)
    case .jsonl:
      do {
        try json.canonicalize(raw, into: &canonical)
      } catch {
        return .malformedJSON(column: error.offset + 1, message: error.message)
      }
      return checkFields(json.fields)
    case .csv:
      guard let header else {
        return .malformedCSV("no usable header row (its own error is reported on its line)")
      }
      return formatCSV(raw, header: header)
    }
  }

  private mutating func formatText(_ raw: UnsafeRawBufferPointer) -> RecordViolation? {
    // Canonical text: UTF-8 with CRLF turned into LF.
    canonical.reserveCapacity(raw.count)
    var index = 0
    while index < raw.count {
      let byte = raw[index]
      if byte == 0x0d, index + 1 < raw.count, raw[index + 1] == 0x0a {
        index += 1
        continue
      }
      canonical.append(byte)
      index += 1
    }
    text = canonical
    if canonical.allSatisfy(Self.isWhitespace) { return .noText(fields: ["text"]) }
    return checkLength()
  }

  private mutating func formatCSV(_ raw: UnsafeRawBufferPointer, header: CSVHeader)
    -> RecordViolation?
  {
    csvStorage.removeAll(keepingCapacity: true)
    csvFields.removeAll(keepingCapacity: true)
    do {
      try CSVFields.parse(raw, storage: &csvStorage, fields: &csvFields)
    } catch {
      return .malformedCSV(Self.describe(error))
    }
    guard csvFields.count == header.columnCount else {
      return .wrongFieldCount(found: csvFields.count, expected: header.columnCount)
    }
    canonical.append(UInt8(ascii: "{"))
    for (position, column) in header.columns.enumerated() {
      if position > 0 { canonical.append(UInt8(ascii: ",")) }
      canonical.append(UInt8(ascii: "\""))
      JSONCanonicalizer.escape(column.name, into: &canonical)
      canonical.append(contentsOf: Self.quoteColonQuote)
      JSONCanonicalizer.escape(Array(csvStorage[csvFields[column.column]]), into: &canonical)
      canonical.append(UInt8(ascii: "\""))
    }
    canonical.append(UInt8(ascii: "}"))
    let values: [FieldValue?] = fieldNames.map { name in
      let bytes = Array(name.utf8)
      guard let column = header.columns.first(where: { $0.name == bytes })?.column else {
        return nil
      }
      return .string(csvStorage[csvFields[column]])
    }
    return checkFields(values)
  }

  /// Checks required fields and text fields, and gathers the text.
  private mutating func checkFields(_ values: [FieldValue?]) -> RecordViolation? {
    for field in schema.required {
      let index = fieldNames.firstIndex(of: field)!
      switch values[index] {
      case nil, .null: return .missingRequired(field: field)
      case .string(let bytes) where bytes.isEmpty: return .missingRequired(field: field)
      default: continue
      }
    }
    for (index, field) in schema.textFields.enumerated() {
      switch values[index] {
      case .string(let bytes):
        if bytes.isEmpty { continue }
        if !text.isEmpty { text.append(0x0a) }
        text.append(contentsOf: bytes)
      case .other: return .notText(field: field)
      case nil, .null: continue
      }
    }
    if text.isEmpty { return .noText(fields: schema.textFields) }
    return checkLength()
  }

  private func checkLength() -> RecordViolation? {
    guard schema.minLength != nil || schema.maxLength != nil else { return nil }
    let length = text.withUnsafeBytes { UTF8Validation.scalarCount($0) }
    if let minimum = schema.minLength, length < minimum {
      return .tooShort(length: length, minimum: minimum)
    }
    if let maximum = schema.maxLength, length > maximum {
      return .tooLong(length: length, maximum: maximum)
    }
    return nil
  }

  private static func isWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0a || byte == 0x09 || byte == 0x0d
  }

  private static let quoteColonQuote: [UInt8] = Array("\":\"".utf8)

  static func describe(_ failure: CSVFields.Failure) -> String {
    switch failure {
    case .unclosedQuote(let field):
      "the quote that opens field \(field) is never closed (the field runs to the end of the "
        + "input); close it, and double each quote inside a quoted field (\"\")"
    case .unclosedQuoteMidField(let field):
      "a quote in the middle of field \(field) is never closed; quote a field holding quotes "
        + "whole, each quote inside doubled (\"5\"\" floppy\")"
    case .textAfterQuote(let field):
      "text follows the closing quote of field \(field) (quotes inside a field must be doubled)"
    }
  }
}

/// The header row of a CSV input: its column names, in the order canonical records list them.
struct CSVHeader: Sendable {
  /// Column names sorted by UTF-16 code units, with the column each comes from.
  let columns: [(name: [UInt8], column: Int)]
  let columnCount: Int

  /// Reads a header row, or says why it is not one.
  static func parse(_ raw: UnsafeRawBufferPointer) -> Result<CSVHeader, RecordViolation> {
    if let offset = UTF8Validation.firstInvalidOffset(raw) {
      return .failure(.invalidUTF8(offset: offset))
    }
    var storage = [UInt8]()
    var fields = [Range<Int>]()
    do {
      try CSVFields.parse(raw, storage: &storage, fields: &fields)
    } catch {
      return .failure(.malformedCSV("the header row: \(RecordFormatter.describe(error))"))
    }
    var names = fields.map { Array(storage[$0]) }
    if let first = names.first, first.starts(with: [0xEF, 0xBB, 0xBF]) { names[0].removeFirst(3) }
    for (index, name) in names.enumerated() {
      if name.isEmpty {
        return .failure(.malformedCSV("column \(index + 1) of the header has no name"))
      }
      if names[..<index].contains(name) {
        return .failure(
          .malformedCSV("the header names '\(String(decoding: name, as: UTF8.self))' twice"))
      }
    }
    let columns = names.enumerated().map { (name: $0.element, column: $0.offset) }.sorted { a, b in
      a.name.withUnsafeBufferPointer { x in
        b.name.withUnsafeBufferPointer { y in UTF16Order.compare(x, y) < 0 }
      }
    }
    return .success(CSVHeader(columns: columns, columnCount: names.count))
  }
}

/// Why an input record was refused.
public enum RecordViolation: Error, Sendable, Equatable, CustomStringConvertible {
  case invalidUTF8(offset: Int)
  case malformedJSON(column: Int, message: String)
  case malformedCSV(String)
  case wrongFieldCount(found: Int, expected: Int)
  case missingRequired(field: String)
  case notText(field: String)
  case noText(fields: [String])
  case tooShort(length: Int, minimum: Int)
  case tooLong(length: Int, maximum: Int)
  case recordTooLarge(bytes: Int, limit: Int)

  public var description: String {
    switch self {
    case .invalidUTF8(let offset):
      "invalid UTF-8 at byte \(offset + 1); save the file as UTF-8"
    case .malformedJSON(let column, let message):
      "malformed JSON at column \(column): \(message)"
    case .malformedCSV(let message):
      "malformed CSV: \(message)"
    case .wrongFieldCount(let found, let expected):
      "the row has \(found) field(s) but the header has \(expected)"
    case .missingRequired(let field):
      "missing required field '\(field)'"
    case .notText(let field):
      "field '\(field)' must be a string: it holds the text that is fingerprinted"
    case .noText(let fields):
      "no text: \(fields.map { "'\($0)'" }.joined(separator: ", ")) "
        + (fields.count == 1 ? "is" : "are") + " missing or empty"
    case .tooShort(let length, let minimum):
      "the text is \(length) characters long, under the minimum of \(minimum)"
    case .tooLong(let length, let maximum):
      "the text is \(length) characters long, over the maximum of \(maximum)"
    case .recordTooLarge(let bytes, let limit):
      "the record is \(bytes) bytes, over the limit of \(limit) bytes"
    }
  }

  /// A short name for machine-readable reports.
  public var code: String {
    switch self {
    case .invalidUTF8: "invalid-utf8"
    case .malformedJSON: "malformed-json"
    case .malformedCSV: "malformed-csv"
    case .wrongFieldCount: "wrong-field-count"
    case .missingRequired: "missing-required"
    case .notText: "not-text"
    case .noText: "no-text"
    case .tooShort: "too-short"
    case .tooLong: "too-long"
    case .recordTooLarge: "record-too-large"
    }
  }
}

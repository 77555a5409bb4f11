import Foundation
import OpenLedgerKit

/// Any JSON value, read from bytes and written again: a record shown as JSON rather than as a
/// string holding JSON. Integers stay integers; other numbers are doubles.
enum JSONDocument: Codable, Equatable {
  case null
  case bool(Bool)
  case integer(Int64)
  case number(Double)
  case string(String)
  case array([JSONDocument])
  case object([String: JSONDocument])

  init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int64.self) {
      self = .integer(value)
    } else if let value = try? container.decode(Double.self) {
      self = .number(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONDocument].self) {
      self = .array(value)
    } else {
      self = .object(try container.decode([String: JSONDocument].self))
    }
  }

  func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .integer(let value): try container.encode(value)
    case .number(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// The JSON text `text` as a value, or nil when it is not JSON or the value would not say
  /// the same: a number beyond 64-bit integers or doubles (canonical records keep integers
  /// digit for digit) would come back changed, so such a record is left as its text.
  static func parse(_ text: String) -> JSONDocument? {
    guard let document = try? JSONDecoder().decode(JSONDocument.self, from: Data(text.utf8)),
      let again = try? CanonicalEncoder.encode(document),
      let original = canonical(Data(text.utf8)), canonical(again) == original
    else { return nil }
    return document
  }

  /// `data`'s canonical form, when it is a JSON object.
  private static func canonical(_ data: Data) -> [UInt8]? {
    var canonicalizer = JSONCanonicalizer()
    var output = [UInt8]()
    let read = data.withUnsafeBytes { bytes in
      (try? canonicalizer.canonicalize(bytes, into: &output)) != nil
    }
    return read ? output : nil
  }
}

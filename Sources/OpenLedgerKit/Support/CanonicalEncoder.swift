import Foundation

/// Deterministic JSON: sorted keys, no insignificant whitespace, slashes unescaped. The same value
/// always gives the same bytes, so encodings can be hashed and signed.
public enum CanonicalEncoder {
  public static func encode<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value)
  }

  /// Sorted keys, indented: for people and for golden files.
  public static func encodePretty<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
    return try encoder.encode(value)
  }
}

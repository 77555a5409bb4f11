import Crypto
import Foundation

/// A SHA-256 digest: the name of every object, record and event.
public struct Digest: Hashable, Comparable, Sendable, StringCoded, CustomStringConvertible {
  /// The digest as 64 lowercase hex digits.
  public let hex: String

  /// A digest from 64 hex digits (either case), or nil.
  public init?(hex: String) {
    guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { return nil }
    self.hex = Hex.encode(bytes)
  }

  public init(bytes: some Sequence<UInt8>) {
    self.hex = Hex.encode(bytes)
  }

  /// The SHA-256 of `data`.
  public static func of(_ data: some DataProtocol) -> Digest {
    Digest(bytes: SHA256.hash(data: data))
  }

  /// The 32 raw bytes.
  public var bytes: [UInt8] { Hex.decode(hex)! }

  /// The first twelve hex digits, for people.
  public var short: String { String(hex.prefix(12)) }

  public var description: String { hex }

  public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.hex < rhs.hex }

  public init?(stored text: String) { self.init(hex: text) }

  public static let storedForm = "a SHA-256 digest (64 hex digits)"
}

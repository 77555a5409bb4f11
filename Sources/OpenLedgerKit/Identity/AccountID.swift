import Crypto
import Foundation

/// An account: the raw Ed25519 public key, as 64 lowercase hex digits.
public struct AccountID: Hashable, Comparable, Sendable, StringCoded, CustomStringConvertible {
  public let hex: String

  /// An account id from 64 hex digits, or nil.
  public init?(hex: String) {
    guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { return nil }
    self.hex = Hex.encode(bytes)
  }

  public init(publicKey: Curve25519.Signing.PublicKey) {
    self.hex = Hex.encode(publicKey.rawRepresentation)
  }

  /// The raw 32-byte public key.
  public var bytes: [UInt8] { Hex.decode(hex)! }

  public var publicKey: Curve25519.Signing.PublicKey {
    // 32 bytes always form a valid Curve25519 public key representation.
    try! Curve25519.Signing.PublicKey(rawRepresentation: bytes)
  }

  /// The DSSE key id: hex SHA-256 of the raw public key.
  public var keyID: String { Digest.of(bytes).hex }

  /// A short form for people.
  public var fingerprint: String { String(hex.prefix(12)) }

  public var description: String { hex }

  public static func < (lhs: AccountID, rhs: AccountID) -> Bool { lhs.hex < rhs.hex }

  public init?(stored text: String) { self.init(hex: text) }

  public static let storedForm = "an account id (64 hex digits of an Ed25519 public key)"
}

/// An error whose message names accounts. A caller that knows people's names for some
/// accounts (the command line, from the local identities) shows them beside the short id, as
/// listings do; `description` shows the short id alone.
public protocol NamesAccounts {
  func description(naming name: (AccountID) -> String) -> String
}

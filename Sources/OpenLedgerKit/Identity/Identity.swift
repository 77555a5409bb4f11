import Crypto
import Foundation

/// A named Ed25519 key pair that signs events.
public struct Identity {
  public let name: String
  public let privateKey: Curve25519.Signing.PrivateKey
  public let created: String
  /// Where the key file lives.
  public let path: String

  public var account: AccountID { AccountID(publicKey: privateKey.publicKey) }

  public init(
    name: String, privateKey: Curve25519.Signing.PrivateKey, created: String, path: String
  ) {
    self.name = name
    self.privateKey = privateKey
    self.created = created
    self.path = path
  }

  public func sign(_ message: some DataProtocol) throws -> Data {
    try privateKey.signature(for: message)
  }
}

/// What a key file holds. The private key is the 32-byte Ed25519 seed, base64.
struct IdentityFile: Codable, KeyDocument {
  var formatVersion: Int
  var name: String
  var algorithm: String
  var publicKey: String
  var privateKey: String
  var created: String
}

/// The public half of an identity, as `identity export-public` writes it and `--key` reads it.
public struct PublicKeyDocument: Codable, Sendable, Equatable, KeyDocument {
  public var name: String
  public var algorithm: String
  public var account: AccountID
  public var keyid: String

  public init(name: String, account: AccountID) {
    self.name = name
    self.algorithm = "ed25519"
    self.account = account
    self.keyid = account.keyID
  }

  /// Reads a document written by `identity export-public`, checking that its key id is its
  /// account's.
  public static func load(path: String) throws -> PublicKeyDocument {
    let document = try read(ed25519At: path)
    guard document.keyid == document.account.keyID else {
      throw IdentityError.malformed(
        path: path, reason: "keyid is not the SHA-256 of the account's public key")
    }
    return document
  }
}

/// A JSON file about a key (a key file, an exported public key) that names its algorithm.
protocol KeyDocument: Decodable {
  var algorithm: String { get }
}

extension KeyDocument {
  /// The document at `path`, which must be about an Ed25519 key.
  static func read(ed25519At path: String) throws -> Self {
    let document: Self
    do {
      document = try JSONDecoder().decode(Self.self, from: FileSystem.read(path))
    } catch let error as DecodingError {
      throw IdentityError.malformed(path: path, reason: JSONDiagnostics.describe(error))
    }
    guard document.algorithm == "ed25519" else {
      throw IdentityError.malformed(
        path: path, reason: "algorithm '\(document.algorithm)' is not ed25519")
    }
    return document
  }
}

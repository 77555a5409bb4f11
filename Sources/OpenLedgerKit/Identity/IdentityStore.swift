import Crypto
import Foundation

/// The directory of a user's identities, one key file each, readable by the user alone.
public struct IdentityStore: Sendable {
  public let directory: String

  public init(directory: String) {
    self.directory = directory
  }

  /// `$XDG_CONFIG_HOME/openledger/identities`, or `~/.config/openledger/identities`.
  public static func defaultDirectory(xdgConfigHome: String?, home: String) -> String {
    let base = (xdgConfigHome?.isEmpty == false) ? xdgConfigHome! : "\(home)/.config"
    return "\(base)/openledger/identities"
  }

  public static func isValidName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard (1...64).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
    return bytes.allSatisfy { isAlphanumeric($0) || $0 == 0x2e || $0 == 0x5f || $0 == 0x2d }
  }

  private static func isAlphanumeric(_ byte: UInt8) -> Bool {
    (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
  }

  func path(of name: String) -> String { "\(directory)/\(name).json" }

  /// Makes a new key pair named `name` and saves it with mode 0600.
  public func create(name: String, clock: any Clock) throws -> Identity {
    guard Self.isValidName(name) else { throw IdentityError.invalidName(name) }
    let path = path(of: name)
    if FileSystem.exists(path) { throw IdentityError.exists(name: name, path: path) }
    try FileSystem.makeDirectory(directory, mode: 0o700)
    let key = Curve25519.Signing.PrivateKey()
    let created = Timestamp.format(clock.now())
    let file = IdentityFile(
      formatVersion: 1, name: name, algorithm: "ed25519",
      publicKey: Hex.encode(key.publicKey.rawRepresentation),
      privateKey: key.rawRepresentation.base64EncodedString(), created: created)
    let staging = "\(directory)/.staging"
    try FileSystem.makeDirectory(staging, mode: 0o700)
    let staged = try StagedFile(in: staging, mode: 0o600)
    try staged.write(try CanonicalEncoder.encodePretty(file) + Data("\n".utf8))
    // Never replace a key: two processes creating the same name at once cannot overwrite
    // each other's.
    do {
      try staged.commitExclusively(to: path)
    } catch let error as SystemError where error.code == EEXIST {
      throw IdentityError.exists(name: name, path: path)
    }
    return Identity(name: name, privateKey: key, created: created, path: path)
  }

  /// The names of all identities, sorted.
  public func names() throws -> [String] {
    try FileSystem.list(directory)
      .filter { $0.hasSuffix(".json") }
      .map { String($0.dropLast(5)) }
      .filter(Self.isValidName)
  }

  /// Loads identity `name`, refusing a key file that others can read or write.
  public func load(name: String) throws -> Identity {
    guard Self.isValidName(name) else { throw IdentityError.invalidName(name) }
    let path = path(of: name)
    guard FileSystem.exists(path) else {
      throw IdentityError.unknown(name: name, directory: directory, known: try names())
    }
    let mode = try FileSystem.mode(path)
    if mode & 0o077 != 0 { throw IdentityError.loosePermissions(path: path, mode: UInt32(mode)) }
    let file = try IdentityFile.read(ed25519At: path)
    guard let seed = Data(base64Encoded: file.privateKey),
      let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    else {
      throw IdentityError.malformed(path: path, reason: "privateKey is not a base64 Ed25519 seed")
    }
    guard Hex.encode(key.publicKey.rawRepresentation) == file.publicKey.lowercased() else {
      throw IdentityError.malformed(path: path, reason: "publicKey does not match privateKey")
    }
    return Identity(name: file.name, privateKey: key, created: file.created, path: path)
  }

  /// The identity to act as: `requested` (from `--as` or `$OPENLEDGER_IDENTITY`) when given,
  /// else the only one that exists.
  public func select(_ requested: String?) throws -> Identity {
    if let requested, !requested.isEmpty { return try load(name: requested) }
    let all = try names()
    switch all.count {
    case 0: throw IdentityError.noneExist(directory: directory)
    case 1: return try load(name: all[0])
    default: throw IdentityError.ambiguous(known: all)
    }
  }

  /// The public keys of all local identities, for showing names instead of account ids.
  /// Key files that cannot be read are skipped: they are only used for display.
  public func publicDirectory() -> [AccountID: String] {
    var names = [AccountID: String]()
    for name in (try? self.names()) ?? [] {
      guard let data = try? FileSystem.read(path(of: name)),
        let file = try? JSONDecoder().decode(IdentityFile.self, from: data),
        let account = AccountID(hex: file.publicKey)
      else { continue }
      names[account] = name
    }
    return names
  }

  /// Reads an account given as 64 hex digits or as the name of a local identity.
  public func resolveAccount(_ text: String) throws -> AccountID {
    if let account = AccountID(hex: text) { return account }
    guard Self.isValidName(text), FileSystem.exists(path(of: text)) else {
      throw IdentityError.unknownAccount(text)
    }
    guard let data = try? FileSystem.read(path(of: text)),
      let file = try? JSONDecoder().decode(IdentityFile.self, from: data),
      let account = AccountID(hex: file.publicKey)
    else { throw IdentityError.malformed(path: path(of: text), reason: "no readable publicKey") }
    return account
  }

  /// Reads an account named on a command line: 64 hex digits, the name of a local identity,
  /// the path (against `workingDirectory`) of a public key file as `identity export-public`
  /// writes it, or a prefix of at least 8 hex digits (such as the 12-digit short form listings
  /// print) of one account `known` gives or a local identity holds. `known` is asked only for
  /// a prefix. A prefix several accounts share is refused, naming them.
  public func resolveAccount(
    _ text: String, workingDirectory: String, known: () throws -> Set<AccountID>
  ) throws -> AccountID {
    if let account = AccountID(hex: text) { return account }
    if Self.isValidName(text), FileSystem.exists(path(of: text)) {
      return try resolveAccount(text)
    }
    let file = text.hasPrefix("/") ? text : "\(workingDirectory)/\(text)"
    if !text.isEmpty, FileSystem.exists(file), !FileSystem.isDirectory(file) {
      return try PublicKeyDocument.load(path: file).account
    }
    let prefix = text.lowercased()
    if (8..<64).contains(prefix.utf8.count), Hex.isLowercaseHex(prefix) {
      let matches = try known().union(publicDirectory().keys)
        .filter { $0.hex.hasPrefix(prefix) }.sorted()
      if matches.count > 1 { throw IdentityError.ambiguousAccount(text, matches: matches) }
      if let account = matches.first { return account }
    }
    throw IdentityError.unknownAccount(text)
  }
}

/// A 20-byte EVM account address: where a distributor contract pays an account's rewards.
///
/// Stored and hashed in one form only, `0x` and 40 lowercase hex digits (events, leaves,
/// manifests, proofs); shown to people in the EIP-55 mixed-case form, whose letter cases are a
/// checksum (`checksummed`). What a person types is read by `parse`, which checks that
/// checksum.
public struct EVMAddress: Hashable, Comparable, Sendable, StringCoded, CustomStringConvertible {
  /// The 20 raw bytes.
  public let bytes: [UInt8]

  /// The zero address: what a leaf names for an account that has set no payout address.
  public static let zero = EVMAddress(unchecked: [UInt8](repeating: 0, count: 20))

  init(unchecked bytes: [UInt8]) {
    precondition(bytes.count == 20)
    self.bytes = bytes
  }

  /// The address whose canonical form is `text` (`0x` and 40 lowercase hex digits), or nil.
  public init?(canonical text: some StringProtocol) {
    guard text.utf8.count == 42, text.hasPrefix("0x"), Hex.isLowercaseHex(text.dropFirst(2)),
      let bytes = Hex.decode(String(text.dropFirst(2)))
    else { return nil }
    self.bytes = bytes
  }

  /// The address `text` names, as a person gives it. It must be `0x` and 40 hex digits. When
  /// the digits mix cases they must be the EIP-55 checksummed form; when they are all one case
  /// they carry no checksum, and are accepted only if `allowUnchecked` (or when the
  /// checksummed form happens to be all one case as well).
  public static func parse(_ text: String, allowUnchecked: Bool = false) throws(PayoutError)
    -> EVMAddress
  {
    let digits = text.dropFirst(2)
    guard text.hasPrefix("0x"), digits.utf8.count == 40,
      let bytes = Hex.decode(String(digits)), digits.utf8.allSatisfy(Self.isHexDigit)
    else { throw .malformedAddress(text) }
    let address = EVMAddress(unchecked: bytes)
    if address.checksummed == text { return address }
    let letters = digits.utf8.filter { !(0x30...0x39).contains($0) }
    let oneCase =
      letters.allSatisfy { (0x61...0x66).contains($0) }
      || letters.allSatisfy { (0x41...0x46).contains($0) }
    guard oneCase else { throw .badChecksum(text) }
    guard allowUnchecked else { throw .unchecksummed(text) }
    return address
  }

  private static func isHexDigit(_ byte: UInt8) -> Bool {
    (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || (0x41...0x46).contains(byte)
  }

  /// `0x` and 40 lowercase hex digits: the one form stored and hashed.
  public var hex: String { "0x" + Hex.encode(bytes) }

  /// The EIP-55 form: each hex letter is uppercase when the matching nibble of the Keccak-256
  /// of the lowercase hex digits (as ASCII) is 8 or more.
  public var checksummed: String {
    let lower = Array(Hex.encode(bytes).utf8)
    let hash = Keccak256.hash(lower)
    var out = Array("0x".utf8)
    for (index, digit) in lower.enumerated() {
      let nibble = index % 2 == 0 ? hash[index / 2] >> 4 : hash[index / 2] & 0x0f
      out.append(digit >= 0x61 && nibble >= 8 ? digit - 0x20 : digit)
    }
    return String(decoding: out, as: UTF8.self)
  }

  public var isZero: Bool { bytes.allSatisfy { $0 == 0 } }

  public var description: String { checksummed }

  public static func < (lhs: EVMAddress, rhs: EVMAddress) -> Bool {
    lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
  }

  public init?(stored text: String) { self.init(canonical: text) }

  public static let storedForm = "an EVM address as stored: 0x and 40 lowercase hex digits"
}

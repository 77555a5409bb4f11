import Crypto
import Foundation

/// A record's id: the SHA-256 of its canonical bytes, held as four words so the hot paths can
/// hash and compare ids without strings.
public struct RecordID: Hashable, Comparable, Sendable {
  public var words: (UInt64, UInt64, UInt64, UInt64)

  public init(words: (UInt64, UInt64, UInt64, UInt64)) {
    self.words = words
  }

  /// The id of `bytes`.
  public init(of bytes: UnsafeRawBufferPointer) {
    let digest = SHA256.hash(data: bytes)
    self = digest.withUnsafeBytes { RecordID(bytes: $0) }
  }

  /// Reads 32 raw bytes (big-endian words, so ids order as their hex does).
  public init(bytes: UnsafeRawBufferPointer) {
    precondition(bytes.count == 32)
    words = (
      UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
      UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
      UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
      UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    )
  }

  public init?(hex: String) {
    guard let digest = Digest(hex: hex) else { return nil }
    self = digest.bytes.withUnsafeBytes { RecordID(bytes: $0) }
  }

  public init(_ digest: Digest) {
    self = digest.bytes.withUnsafeBytes { RecordID(bytes: $0) }
  }

  /// The 32 raw bytes.
  public var bytes: [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(32)
    for word in [words.0, words.1, words.2, words.3] {
      withUnsafeBytes(of: word.bigEndian) { out.append(contentsOf: $0) }
    }
    return out
  }

  public var data: Data { Data(bytes) }
  public var hex: String { Hex.encode(bytes) }
  public var digest: Digest { Digest(bytes: bytes) }

  public static func == (a: RecordID, b: RecordID) -> Bool {
    a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2
      && a.words.3 == b.words.3
  }

  public static func < (a: RecordID, b: RecordID) -> Bool {
    (a.words.0, a.words.1, a.words.2, a.words.3) < (b.words.0, b.words.1, b.words.2, b.words.3)
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(words.0)
    hasher.combine(words.1)
  }
}

import Foundation

/// The `manifest.json` of an attribution index segment: what it holds and the SHA-256 of each of
/// its files. A segment's id is the SHA-256 of these bytes (canonical JSON), so the id pins every
/// byte of the segment. The layout of each file is in Docs/Formats.md.
public struct SegmentManifest: Codable, Sendable, Equatable {
  public static let formatName = "openledger-attribution-segment"
  /// Version 2 packs the token and suffix arrays to the bits they need; version 1 (`u32`
  /// arrays) is still read.
  public static let currentVersion = 2

  /// One file of the segment.
  public struct File: Codable, Sendable, Equatable {
    public var name: String
    public var bytes: Int
    public var sha256: Digest
  }

  public var format: String
  public var version: Int
  /// Tokens of the records, separators not counted.
  public var tokens: Int
  public var records: Int
  /// Distinct tokens (the separator not counted).
  public var vocabulary: Int
  public var contributors: Int
  public var contributions: Int
  /// The files, sorted by name.
  public var files: [File]

  /// Token positions in the token array: every token, and one separator after each record.
  public var positions: Int { tokens + records }

  /// Bits per entry of the token array: enough for the largest token id (32 in version 1).
  public var tokenWidth: Int {
    version == 1 ? 32 : PackedArray.width(toHold: vocabulary)
  }

  /// Bits per entry of the suffix array: enough for the last position (32 in version 1).
  public var suffixWidth: Int {
    version == 1 ? 32 : PackedArray.width(toHold: max(positions - 1, 0))
  }

  /// The files of a segment of this manifest's version, sorted.
  var expectedFileNames: [String] { SegmentFiles.all(version: version) }

  /// The bytes of all the files, the manifest not counted.
  public var fileBytes: Int { files.reduce(0) { $0 + $1.bytes } }
}

/// The names and record sizes of a segment's files.
enum SegmentFiles {
  static let manifest = "manifest.json"
  /// Token ids packed to `tokenWidth` bits, each record's tokens followed by the separator id 0.
  static let tokens = "tokens.packed"
  /// Positions of the token array packed to `suffixWidth` bits, separators left out, sorted by
  /// the suffix starting there.
  static let suffixes = "suffixes.packed"
  /// The same two arrays as plain u32 words, in segments of format version 1.
  static let tokensVersion1 = "tokens.u32"
  static let suffixesVersion1 = "suffixes.u32"
  /// Per record, sorted by record id: 32-byte id, u32 start position, u32 contributor index,
  /// u32 contribution index.
  static let records = "records.bin"
  static let recordSize = 44
  /// 32-byte account ids of the contributors, sorted.
  static let contributors = "contributors.bin"
  /// 32-byte event ids of the contributions, sorted.
  static let contributions = "contributions.bin"
  /// The vocabulary sorted by bytes: u32 offsets (count + 1), u32 token ids (count), the bytes.
  static let vocabulary = "vocabulary.bin"
  /// u32 occurrences of each token id; entry 0 counts the separators (the records).
  static let counts = "counts.u32"

  /// Every file but the manifest, sorted, in segments of the current version.
  static let all = all(version: SegmentManifest.currentVersion)

  /// Every file but the manifest, sorted, in segments of format `version`.
  static func all(version: Int) -> [String] {
    ([contributions, contributors, counts, records, vocabulary] + arrays(version: version)).sorted()
  }

  /// The token array's and the suffix array's names in segments of format `version`.
  static func arrays(version: Int) -> [String] {
    version == 1 ? [tokensVersion1, suffixesVersion1] : [tokens, suffixes]
  }
}

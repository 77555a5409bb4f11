extension IndexSegment {
  /// Which of a segment's files opening it re-hashes against its manifest.
  public enum Rehash: Sendable {
    /// None: the manifest is checked against the segment id and each file's size only.
    case none
    /// The tables: records, contributors, contributions, vocabulary and counts, which say
    /// whose record a match is and which token an id stands for. They take a few bytes per
    /// record and per distinct token, a few per cent of a segment, so every query can afford
    /// them (Docs/Benchmarks.md has the cost).
    case tables
    /// Every file, the token and suffix arrays too: the whole segment is read once.
    case all

    /// The names of the files, sorted.
    var files: [String] {
      switch self {
      case .none: []
      case .tables: SegmentFiles.tables
      case .all: SegmentFiles.all
      }
    }
  }
}

extension SegmentFiles {
  /// The files `Rehash.tables` re-hashes: all but the token and suffix arrays, sorted.
  static let tables = all.filter { $0 != tokens && $0 != suffixes }
}

/// What opening an index's segments re-hashed, so that a result can say what it trusted
/// unchecked.
public struct SegmentIntegrity: Codable, Sendable, Equatable {
  /// The files re-hashed in every segment, by name.
  public var rehashed: [String]
  /// The files some segment did not re-hash, by name.
  public var notRehashed: [String]
  /// The bytes of those files, over the segments that did not re-hash them.
  public var notRehashedBytes: Int

  public init(_ segments: [IndexSegment]) {
    var rehashedEverywhere = Set(SegmentFiles.all)
    var bytes = 0
    for segment in segments {
      let rehashed = Set(segment.rehashedFiles)
      rehashedEverywhere.formIntersection(rehashed)
      bytes += segment.manifest.files.filter { !rehashed.contains($0.name) }.reduce(0) {
        $0 + $1.bytes
      }
    }
    if segments.isEmpty { rehashedEverywhere = [] }
    rehashed = rehashedEverywhere.sorted()
    notRehashed =
      segments.isEmpty ? [] : SegmentFiles.all.filter { !rehashedEverywhere.contains($0) }
    notRehashedBytes = bytes
  }
}

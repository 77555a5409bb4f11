/// An input file (or archive entry) as a contribution lists it.
public struct SourceFile: Codable, Sendable, Equatable {
  /// The path read (in a `contribution.submit` event, relative to where `contribute` ran when
  /// it lies under it), `<stdin>`, or `archive:entry` for an archive entry.
  public var path: String
  public var sha256: Digest
  public var size: Int
  /// Records read from it.
  public var records: Int
}

/// A record that was already present: earlier in the input, or in the Datanet.
public struct ExactDuplicate: Codable, Sendable, Equatable {
  public var record: Digest
  public var location: SourceLocation
  /// Where the input had it first, when the duplicate is inside the input.
  public var firstLocation: SourceLocation?
}

/// A record whose text nearly matches another record's.
public struct NearDuplicate: Codable, Sendable, Equatable {
  public enum Action: String, Codable, Sendable {
    case flagged, rejected
  }

  public var record: Digest
  public var location: SourceLocation
  /// The record it resembles most.
  public var matches: Digest
  /// Where the match is, when it is in the same input.
  public var matchLocation: SourceLocation?
  /// The estimated Jaccard similarity of their word 5-gram sets, to three decimals.
  public var estimatedJaccard: Double
  public var action: Action
}

/// A record that does not fit the schema.
public struct Violation: Codable, Sendable, Equatable {
  public var location: SourceLocation
  public var code: String
  public var message: String
}

/// What one input held besides its new records, counted in full whatever the report's lists
/// hold: what `validate` needs to give each file its totals.
public struct InputFindings: Codable, Sendable, Equatable {
  public var invalid = 0
  public var exactDuplicatesInInput = 0
  public var exactDuplicatesInDatanet = 0
  public var nearDuplicatesFlagged = 0
  public var nearDuplicatesRejected = 0

  public init() {}
}

/// What reading an input found: counts, duplicates, near duplicates and violations.
public struct IngestReport: Codable, Sendable {
  /// Lists are cut at this many entries unless `IngestOptions.listLimit` says otherwise; the
  /// counts are always complete.
  public static let listLimit = 1000

  /// How the input was cut into records.
  public var recordFormat = RecordFormat.text
  public var inputs: [SourceFile] = []
  /// The findings of each input, in the order of `inputs`.
  public var findingsByInput: [InputFindings] = []
  /// Files in folders and archives passed over, and why (hidden, not named for the format, or
  /// for text, not UTF-8 text).
  public var skippedFiles: [SkippedFile] = []
  public var bytesRead = 0
  /// Every record read, the invalid ones included.
  public var recordsRead = 0
  /// Records that are new, valid and not refused: what a contribution stores.
  public var recordsNew = 0
  public var exactDuplicatesInInput = 0
  public var exactDuplicatesInDatanet = 0
  public var exactDuplicates: [ExactDuplicate] = []
  public var nearDuplicatesFlagged = 0
  public var nearDuplicatesRejected = 0
  public var nearDuplicates: [NearDuplicate] = []
  /// Records read that do not fit the schema (counted in `recordsRead` too).
  public var invalid = 0
  public var violations: [Violation] = []

  public init() {}
}

/// Duplicates a contribution found, as its event records them (lists cut at
/// `IngestReport.listLimit`; counts complete).
public struct DuplicateSummary: Codable, Sendable, Equatable {
  public var exactInInput: Int
  public var exactInDatanet: Int
  public var exact: [ExactDuplicate]
  public var nearFlagged: Int
  public var nearRejected: Int
  public var near: [NearDuplicate]

  public init(_ report: IngestReport) {
    exactInInput = report.exactDuplicatesInInput
    exactInDatanet = report.exactDuplicatesInDatanet
    exact = report.exactDuplicates
    nearFlagged = report.nearDuplicatesFlagged
    nearRejected = report.nearDuplicatesRejected
    near = report.nearDuplicates
  }
}

/// The body of a `contribution.submit` event.
public struct ContributionSubmit: Codable, Sendable, Equatable {
  /// The shard objects holding the new records, in order.
  public var shards: [ShardInfo]
  /// How many records the shards hold.
  public var records: Int
  /// The inputs read, with their SHA-256 and size.
  public var sources: [SourceFile]
  public var duplicates: DuplicateSummary
  /// Records refused by the schema and skipped (`--skip-invalid`).
  public var invalid: Int
  /// Which they were and why (the first `IngestReport.listLimit`); absent from events written
  /// before openledger recorded them, and when none was skipped.
  public var invalidRecords: [Violation]?
  /// The provenance object: where each record of the shards came from (`Provenance`). Absent
  /// in contributions written before openledger kept it; their records' source is unknown.
  public var provenance: Digest?

  public init(
    shards: [ShardInfo], records: Int, sources: [SourceFile], duplicates: DuplicateSummary,
    invalid: Int, invalidRecords: [Violation]? = nil, provenance: Digest? = nil
  ) {
    self.shards = shards
    self.records = records
    self.sources = sources
    self.duplicates = duplicates
    self.invalid = invalid
    self.invalidRecords = invalidRecords
    self.provenance = provenance
  }
}

extension ContributionSubmit {
  /// The body of contribution `id`'s event, read from `objects` and verified.
  static func read(_ id: Digest, from objects: ObjectStore) throws -> ContributionSubmit {
    let event = try SignedEvent.verified(id: id, bytes: objects.read(id))
    guard case .contributionSubmit(let body) = event.payload.body else {
      throw LedgerError.corruptEvent(id, reason: "it is not a contribution.submit")
    }
    return body
  }
}

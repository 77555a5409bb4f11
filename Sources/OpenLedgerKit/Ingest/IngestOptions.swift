import Foundation

/// How ingestion reads its input.
public struct IngestOptions: Sendable {
  /// Store the valid records and report the rest, instead of refusing the whole input.
  public var skipInvalid = false
  /// The longest record accepted, in bytes (a text file, a JSON line, a CSV row).
  public var maxRecordBytes = 64 << 20
  /// Parallel workers for canonicalizing, hashing and fingerprinting.
  public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
  /// The estimated Jaccard at or above which an LSH candidate is a near duplicate.
  public var nearDuplicateThreshold = NearDuplicatePolicy.threshold
  /// How far archives may expand.
  public var archiveLimits = ArchiveLimits()
  /// How many violations, exact and near duplicates the report lists of each (the counts are
  /// complete whatever this is).
  public var listLimit = IngestReport.listLimit

  public init() {}
}

/// The near-duplicate rule shared by contribute, fingerprint and validate.
public enum NearDuplicatePolicy {
  /// Candidates from the 14 × 8 LSH bands are confirmed at this estimated Jaccard: 87 of the
  /// 112 values equal. With 112 values the estimate has a standard deviation of about 0.04, and
  /// this line sits where pairs at a true Jaccard of 0.8 still pass (recall ≥ 0.9) while pairs
  /// at 0.7 rarely do (precision ≥ 0.95); Docs/Benchmarks.md has the measurements.
  public static let threshold = 0.77
}

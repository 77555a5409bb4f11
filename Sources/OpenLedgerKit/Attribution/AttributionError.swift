/// Failures of the attribution index and of attribution.
public enum AttributionError: OpenLedgerError {
  /// A segment the catalog lists has no directory, or no manifest in it.
  case segmentMissing(path: String)
  /// A segment's files do not agree with its manifest or its name.
  case corruptSegment(path: String, reason: String)
  /// A segment an earlier query used (a reward epoch, say) that `index compact` has since
  /// retired.
  case retiredSegment(Digest, datanet: String, usedBy: String)
  /// A segment whose files no longer hash to what its manifest records (or no longer have its
  /// sizes): altered on disk since it was built. Found when the segment is opened, before a
  /// query or a payout uses it.
  case alteredSegment(Digest, datanet: String, usedBy: String, reason: String)
  /// A segment written by a newer openledger, or not a segment at all.
  case unsupportedSegment(path: String, format: String, version: Int)
  /// Settings out of range.
  case invalidSettings(String)
  /// A line of an inference log that is not an inference.
  case malformedInference(file: String, line: Int, reason: String)
  /// An inference log with no inference in it.
  case emptyInferenceLog(file: String)

  public var kind: FailureKind {
    switch self {
    case .segmentMissing, .corruptSegment, .alteredSegment: .ioError
    case .retiredSegment: .notFound
    case .unsupportedSegment, .malformedInference, .emptyInferenceLog: .dataError
    case .invalidSettings: .usage
    }
  }

  public var description: String {
    switch self {
    case .segmentMissing(let path):
      "the attribution index segment \(path) is missing; the index is derived from the records, "
        + "so run `openledger index compact DATANET` to rebuild it"
    case .corruptSegment(let path, let reason):
      "the attribution index segment \(path) is damaged: \(reason); the index is derived from "
        + "the records, so run `openledger index compact DATANET` to rebuild it"
    case .retiredSegment(let segment, let datanet, let usedBy):
      "\(usedBy) queried the attribution index segment \(segment.hex) of \(datanet), which "
        + "`index compact` has retired since; it can be re-run only while its segments exist. "
        + "Verify it without --recompute: the signature and the tree still check"
    case .alteredSegment(let segment, let datanet, let usedBy, let reason):
      "the attribution index segment \(segment.hex) of \(datanet) does not match its recorded "
        + "hashes and sizes: \(reason); its files were changed after it was built, and "
        + "\(usedBy) stopped before using it, so nothing was credited or paid from it. The index "
        + "is derived from the records: run `openledger index compact \(datanet)` to rebuild it"
    case .unsupportedSegment(let path, let format, let version):
      "\(path) holds a \(format) index segment of version \(version), which this openledger "
        + "cannot read; upgrade openledger, or rebuild the index with `openledger index compact`"
    case .invalidSettings(let reason):
      "invalid attribution settings: \(reason)"
    case .malformedInference(let file, let line, let reason):
      "\(file), line \(line): not an inference: \(reason); each line must be a JSON object like "
        + "{\"id\": \"…\", \"output\": \"…\", \"fee\": \"1000\"}"
    case .emptyInferenceLog(let file):
      "\(file) holds no inferences; give a JSONL file with one {\"id\", \"output\", \"fee\"} "
        + "object a line"
    }
  }
}

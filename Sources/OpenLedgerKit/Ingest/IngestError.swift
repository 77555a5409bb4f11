import Foundation

/// Failures of reading input as a whole (as opposed to one record's violation).
public enum IngestError: OpenLedgerError {
  case inputNotFound(path: String)
  case cannotRead(path: String, code: Int32)
  /// A file or folder name that holds control characters or newlines (`DisplayText`), or that is
  /// not valid UTF-8: it would reach curators' terminals and split listings, or could not be
  /// named at all.
  case unusableName(path: String, reason: String)
  case emptyInput(inputs: [String])
  case recordTooLarge(input: String, line: Int, limit: Int)
  case invalidRecords(count: Int)
  /// `fingerprint` found invalid records (it stores nothing either way).
  case invalidRecordsChecked(count: Int)
  case nothingNew(read: Int)

  public var kind: FailureKind {
    switch self {
    case .inputNotFound: .notFound
    case .cannotRead(_, let code):
      code == ENOENT ? .notFound : (code == EACCES ? .permissionDenied : .ioError)
    case .unusableName, .emptyInput, .recordTooLarge, .invalidRecords, .invalidRecordsChecked,
      .nothingNew:
      .dataError
    }
  }

  public var description: String {
    switch self {
    case .inputNotFound(let path):
      "\(path) does not exist; check the path"
    case .cannotRead(let path, let code):
      "cannot read \(path): \(String(cString: strerror(code)))"
    case .unusableName(let path, let reason):
      "\(path): \(reason); rename it (names are shown to curators and recorded in the "
        + "contribution, so they may not hold control characters or line breaks)"
    case .emptyInput(let inputs):
      "no records found in \(inputs.joined(separator: ", ")); the input is empty"
    case .recordTooLarge(let input, let line, let limit):
      "\(SourceLocation(input: input, line: line)): a record is longer than \(limit) bytes; "
        + "split it, or raise --max-record-size"
    case .invalidRecords(let count):
      "\(count) record(s) do not fit the Datanet's schema (listed above); nothing was stored. "
        + "Fix them, or pass --skip-invalid to store the valid records only"
    case .invalidRecordsChecked(let count):
      "\(count) record(s) do not fit the schema (listed above); fix them before contributing, "
        + "or contribute with --skip-invalid to store the valid records only"
    case .nothingNew(let read):
      "all \(read) record(s) are already in the Datanet or were refused; nothing to contribute"
    }
  }
}

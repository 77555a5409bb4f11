import Foundation

/// Failures of reading input as a whole (as opposed to one record's violation).
public enum IngestError: OpenLedgerError {
  case inputNotFound(path: String)
  case cannotRead(path: String, code: Int32)
  /// A file or folder name that holds control characters or newlines (`DisplayText`), or that is
  /// not valid UTF-8: it would reach curators' terminals and split listings, or could not be
  /// named at all.
  case unusableName(path: String, reason: String)
  /// No record was read; `skipped` lists the files of folders and archives passed over.
  case emptyInput(inputs: [String], skipped: [SkippedFile], format: RecordFormat)
  case recordTooLarge(input: String, line: Int, limit: Int)
  case invalidRecords(count: Int)
  /// `fingerprint` found invalid records (it stores nothing either way).
  case invalidRecordsChecked(count: Int)
  case nothingNew(read: Int)
  /// Input without a schema holds files named for several formats.
  case ambiguousFormat(input: String, counts: [(format: RecordFormat, files: Int)])

  public var kind: FailureKind {
    switch self {
    case .inputNotFound: .notFound
    case .cannotRead(_, let code):
      code == ENOENT ? .notFound : (code == EACCES ? .permissionDenied : .ioError)
    case .unusableName, .emptyInput, .recordTooLarge, .invalidRecords, .invalidRecordsChecked,
      .nothingNew:
      .dataError
    case .ambiguousFormat: .usage
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
    case .emptyInput(let inputs, let skipped, let format):
      skipped.isEmpty
        ? "no records found in \(inputs.joined(separator: ", ")); the input is empty"
        : "no records found in \(inputs.joined(separator: ", ")): \(skipped.count) file(s) "
          + "skipped, \(SkippedFile.summary(skipped, format: format)) (a file named on the "
          + "command line is read whatever its name)"
    case .recordTooLarge(let input, let line, let limit):
      "\(SourceLocation(input: input, line: line)): a record is longer than \(limit) bytes; "
        + "split it, or raise --max-record-size"
    case .invalidRecords(let count):
      "\(count) record(s) do not fit the Datanet's schema (listed above); nothing was stored. "
        + "Fix them, or pass --skip-invalid to store the valid records only"
    case .invalidRecordsChecked(let count):
      "\(count) record(s) do not fit the schema (listed above); fix them before contributing, "
        + "or contribute with --skip-invalid to store the valid records only"
    case .ambiguousFormat(let input, let counts):
      "\(input) holds files of several record formats ("
        + counts.map { "\($0.files) \($0.format.rawValue)" }.joined(separator: ", ")
        + "); say how to read it with --record-format "
        + counts.map(\.format.rawValue).joined(separator: "|") + ", or compare with a Datanet "
        + "with --datanet"
    case .nothingNew(let read):
      "all \(read) record(s) are already in the Datanet or were refused; nothing to contribute"
    }
  }
}

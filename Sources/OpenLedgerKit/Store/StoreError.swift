/// Failures of the store: finding it, opening it, its objects and its catalog.
public enum StoreError: OpenLedgerError {
  case notFound(searchedFrom: String)
  case notAStore(path: String)
  case alreadyExists(path: String)
  /// `init` was pointed at something that is not a new or empty directory, nor a store:
  /// `what` says what is there.
  case initPathTaken(path: String, what: String, remedy: String)
  case unsupportedFormat(path: String, version: Int, supported: Int)
  case malformedConfig(path: String, reason: String)
  case objectMissing(Digest)
  case objectCorrupt(Digest, actual: Digest)
  case catalogBusy(path: String, waitedMilliseconds: Int)
  case catalog(path: String, message: String)
  /// The catalog cannot be written by this user (a read-only file, directory or file system).
  case catalogReadOnly(path: String)
  /// The store holds objects but no catalog: opened as it is, it would look empty.
  case catalogMissing(path: String)

  public var kind: FailureKind {
    switch self {
    case .notFound, .notAStore: .notFound
    case .alreadyExists, .initPathTaken: .cannotCreate
    case .catalogReadOnly: .permissionDenied
    case .unsupportedFormat, .malformedConfig, .objectMissing, .objectCorrupt, .catalogBusy,
      .catalog, .catalogMissing:
      .ioError
    }
  }

  public var description: String {
    switch self {
    case .notFound(let start):
      "no openledger store found in \(start) or any parent directory; "
        + "run `openledger init` to create one here, or pass --store PATH (or set OPENLEDGER_STORE)"
    case .notAStore(let path):
      "\(path) is not an openledger store (it has no config.json); "
        + "run `openledger init` there, or point --store at an existing store"
    case .alreadyExists(let path):
      "a store already exists at \(path); use it as it is, or choose another directory"
    case .initPathTaken(let path, let what, let remedy):
      "cannot create a store at \(path): it is \(what); \(remedy)"
    case .unsupportedFormat(let path, let version, let supported):
      "\(path) has store format \(version), but this openledger reads format \(supported) or "
        + "older; upgrade openledger"
    case .malformedConfig(let path, let reason):
      "\(path) is not a valid store configuration: \(reason)"
    case .objectMissing(let id):
      "object \(id.hex) is missing from the store; run `openledger fsck` to see what is damaged"
    case .objectCorrupt(let id, let actual):
      "object \(id.hex) is corrupt: its bytes hash to \(actual.hex); run `openledger fsck`"
    case .catalogBusy(let path, let waited):
      "the catalog \(path) is locked by another openledger process; waited "
        + "\(waited / 1000).\(waited % 1000 / 100) s. Try again when that command has finished "
        + "(or raise busyTimeoutMilliseconds in config.json)"
    case .catalog(let path, let message):
      "the catalog \(path) failed: \(message)"
    case .catalogReadOnly(let path):
      "the catalog \(path) cannot be written by this user; openledger writes to its store even "
        + "to read it (the catalog keeps a write-ahead log): run the command as the store's "
        + "owner, or copy the store (cp -a) and pass --store COPY"
    case .catalogMissing(let path):
      "the catalog \(path) is missing, though the store holds objects: the store would look "
        + "empty; run `openledger rebuild-catalog` to recreate it from the objects"
    }
  }
}

import Foundation

/// The kinds of failure a command can end in, one per exit code of Docs/ExitCodes.md.
///
/// The core only classifies its errors; the command-line layer alone turns a kind into a process
/// exit status, so the mapping lives in one place.
public enum FailureKind: Sendable, Equatable {
  /// A check found problems (`fsck`, `validate`, `manifest verify`). Exit 1.
  case checksFailed
  /// The command was called wrongly. Exit 64.
  case usage
  /// The input data is malformed or violates a schema or policy. Exit 65.
  case dataError
  /// A file, store, identity or Datanet that was named does not exist. Exit 66.
  case notFound
  /// Something could not be created because it exists already or its place is taken. Exit 73.
  case cannotCreate
  /// Reading or writing failed, or the store is busy past the wait. Exit 74.
  case ioError
  /// A bug: a state the program should never reach. Exit 70.
  case internalError
  /// The actor lacks the right (not a curator, not the owner, a key with loose permissions). Exit 77.
  case permissionDenied
}

/// An error the user can act on: it says what went wrong, where, and what to do.
public protocol OpenLedgerError: Error, CustomStringConvertible {
  var kind: FailureKind { get }
}

extension FailureKind {
  /// The sysexits status Docs/ExitCodes.md gives for the kind.
  public var exitStatus: Int32 {
    switch self {
    case .checksFailed: 1
    case .usage: 64
    case .dataError: 65
    case .notFound: 66
    case .internalError: 70
    case .cannotCreate: 73
    case .ioError: 74
    case .permissionDenied: 77
    }
  }
}

/// A failure from the operating system, with the path it concerned.
public struct SystemError: OpenLedgerError {
  public let operation: String
  public let path: String
  public let code: Int32

  public init(_ operation: String, path: String, code: Int32) {
    self.operation = operation
    self.path = path
    self.code = code
  }

  public var kind: FailureKind {
    switch code {
    case ENOENT, ENOTDIR: .notFound
    case EACCES, EPERM: .permissionDenied
    case EEXIST: .cannotCreate
    default: .ioError
    }
  }

  public var description: String {
    "\(operation) \(path): \(String(cString: strerror(code)))"
  }
}

/// Failures to find, create or load an identity.
public enum IdentityError: OpenLedgerError {
  case invalidName(String)
  case exists(name: String, path: String)
  case unknown(name: String, directory: String, known: [String])
  case noneExist(directory: String)
  case ambiguous(known: [String])
  case loosePermissions(path: String, mode: UInt32)
  case malformed(path: String, reason: String)
  case unknownAccount(String)
  case ambiguousAccount(String, matches: [AccountID])

  public var kind: FailureKind {
    switch self {
    case .invalidName, .ambiguous, .ambiguousAccount: .usage
    case .exists: .cannotCreate
    case .unknown, .noneExist, .unknownAccount: .notFound
    case .loosePermissions: .permissionDenied
    case .malformed: .dataError
    }
  }

  public var description: String {
    switch self {
    case .invalidName(let name):
      "'\(name)' is not a valid identity name: use 1 to 64 letters, digits, '.', '_' or '-', "
        + "starting with a letter or digit"
    case .exists(let name, let path):
      "an identity named '\(name)' exists already (\(path)); choose another name"
    case .unknown(let name, let directory, let known):
      "no identity named '\(name)' in \(directory)"
        + (known.isEmpty
          ? "; create it with `openledger identity new \(name)`"
          : " (known: \(known.joined(separator: ", "))); create it with "
            + "`openledger identity new \(name)` or pick another with --as")
    case .noneExist(let directory):
      "no identity found in \(directory); create one with `openledger identity new NAME`"
    case .ambiguous(let known):
      "several identities exist (\(known.joined(separator: ", "))); choose one with --as NAME "
        + "or set OPENLEDGER_IDENTITY"
    case .loosePermissions(let path, let mode):
      "refusing to use the key file \(path): its mode is \(String(mode, radix: 8)), so others "
        + "may read the private key; run `chmod 600 \(path)` and try again"
    case .malformed(let path, let reason):
      "the key file \(path) is not valid: \(reason)"
    case .unknownAccount(let text):
      "'\(text)' names no account: pass its account id (64 hex digits, or 8 or more of its "
        + "first digits if this store's ledger or a local identity knows the account), the name "
        + "of a local identity (`openledger identity list`), or the path of the file "
        + "`openledger identity export-public` wrote for it"
    case .ambiguousAccount(let text, let matches):
      "'\(text)' is the start of several accounts (\(matches.map(\.hex).joined(separator: ", "))); "
        + "pass more of its digits, or the full account id"
    }
  }
}

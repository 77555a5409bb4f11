/// A membership a Datanet's owner grants: what `datanet update --add-…/--remove-…` change.
public enum DatanetMembership: String, Sendable {
  case curator
  case `operator`

  /// The option stem: `--add-curator`, `--remove-operator`.
  var flag: String { rawValue }

  /// How a message names a member: "a curator", "a model operator".
  var title: String { self == .curator ? "a curator" : "a model operator" }
}

/// Failures in describing a Datanet.
public enum DatanetError: OpenLedgerError {
  case invalidName(String)
  case invalidSchema(String)
  case malformedSchema(path: String, reason: String)
  case nothingToUpdate
  /// `--add-curator` and `--remove-curator` (or the operator flags) name the same account.
  case addedAndRemoved(String, DatanetMembership)
  /// `--add-curator` names a curator already (or `--add-operator` an operator).
  case alreadyMember(String, DatanetMembership, datanet: String)
  /// `--remove-curator` names an account that is not a curator (or `--remove-operator` one
  /// that is not an operator).
  case notMember(String, DatanetMembership, datanet: String)
  /// The curators would all be removed, leaving nobody to review.
  case noCuratorsLeft(datanet: String)
  /// Every value given is the Datanet's already.
  case nothingChanges(datanet: String)

  public var kind: FailureKind {
    switch self {
    case .invalidName, .invalidSchema, .nothingToUpdate, .addedAndRemoved, .nothingChanges:
      .usage
    case .noCuratorsLeft: .dataError
    case .alreadyMember: .cannotCreate
    case .notMember: .notFound
    case .malformedSchema: .dataError
    }
  }

  public var description: String {
    switch self {
    case .invalidName(let name):
      "'\(name)' is not a valid Datanet name: use 1 to 64 lowercase letters, digits, '.', '_' "
        + "or '-', starting with a letter or digit"
    case .invalidSchema(let reason):
      "invalid schema: \(reason)"
    case .malformedSchema(let path, let reason):
      "the schema file \(path) is not valid: \(reason)"
    case .nothingToUpdate:
      "nothing to update: pass --description, --license, --near-duplicates, --rewards-policy, "
        + "--require-signed-log, --allow-unsigned-log, --add-curator, --remove-curator, "
        + "--add-operator, --remove-operator, or a schema change (--min-length, --max-length, "
        + "--require, --text-field, --schema)"
    case .addedAndRemoved(let account, let role):
      "'\(account)' is both added and removed as \(role.title); pass it to one of "
        + "--add-\(role.flag) and --remove-\(role.flag); nothing was written"
    case .alreadyMember(let account, let role, let datanet):
      "'\(account)' is \(role.title) of \(datanet) already; nothing was written (see `openledger "
        + "datanet show \(datanet)`)"
    case .noCuratorsLeft(let datanet):
      "this would leave \(datanet) without curators, and nobody could review its contributions; "
        + "add another curator in the same update; nothing was written"
    case .nothingChanges(let datanet):
      "nothing changes: \(datanet) has these values already (see `openledger datanet show "
        + "\(datanet)`); nothing was written"
    case .notMember(let account, let role, let datanet):
      "'\(account)' is not \(role.title) of \(datanet), so it cannot be removed; nothing was "
        + "written (see `openledger datanet show \(datanet)`)"
    }
  }
}

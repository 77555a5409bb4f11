/// Failures in describing a Datanet.
public enum DatanetError: OpenLedgerError {
  case invalidName(String)
  case invalidSchema(String)
  case malformedSchema(path: String, reason: String)
  case nothingToUpdate
  /// `--add-curator` and `--remove-curator` name the same account.
  case curatorAddedAndRemoved(String)
  /// `--add-curator` names a curator already.
  case alreadyCurator(String, datanet: String)
  /// `--remove-curator` names an account that is not a curator.
  case notCurator(String, datanet: String)
  /// The curators would all be removed, leaving nobody to review.
  case noCuratorsLeft(datanet: String)
  /// Every value given is the Datanet's already.
  case nothingChanges(datanet: String)

  public var kind: FailureKind {
    switch self {
    case .invalidName, .invalidSchema, .nothingToUpdate, .curatorAddedAndRemoved, .nothingChanges:
      .usage
    case .noCuratorsLeft: .dataError
    case .alreadyCurator: .cannotCreate
    case .notCurator: .notFound
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
        + "--add-curator, --remove-curator, or a schema change (--min-length, --max-length, "
        + "--require, --text-field, --schema)"
    case .curatorAddedAndRemoved(let account):
      "'\(account)' is both added and removed as a curator; pass it to one of --add-curator "
        + "and --remove-curator; nothing was written"
    case .alreadyCurator(let account, let datanet):
      "'\(account)' is a curator of \(datanet) already; nothing was written (see `openledger "
        + "datanet show \(datanet)`)"
    case .noCuratorsLeft(let datanet):
      "this would leave \(datanet) without curators, and nobody could review its contributions; "
        + "add another curator in the same update; nothing was written"
    case .nothingChanges(let datanet):
      "nothing changes: \(datanet) has these values already (see `openledger datanet show "
        + "\(datanet)`); nothing was written"
    case .notCurator(let account, let datanet):
      "'\(account)' is not a curator of \(datanet), so it cannot be removed; nothing was "
        + "written (see `openledger datanet show \(datanet)`)"
    }
  }
}

/// Failures in describing a Datanet.
public enum DatanetError: OpenLedgerError {
  case invalidName(String)
  case invalidSchema(String)
  case malformedSchema(path: String, reason: String)
  case nothingToUpdate

  public var kind: FailureKind {
    switch self {
    case .invalidName, .invalidSchema, .nothingToUpdate: .usage
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
        + "--add-curator or --remove-curator"
    }
  }
}

/// Failures of the ledger: events that do not verify, permissions, unknown Datanets.
public enum LedgerError: OpenLedgerError, NamesAccounts {
  case corruptEvent(Digest, reason: String)
  /// A validly signed event stored in another encoding than the one its signer produced.
  case nonCanonicalEvent(Digest, problem: String)
  case notAnEvent(Digest, payloadType: String)
  case badSignature(Digest, actor: AccountID)
  case missingParent(event: Digest, parent: Digest)
  case wrongDatanet(event: Digest, expected: Digest)
  case notPermitted(actor: AccountID, action: String, requirement: String)
  case unknownDatanet(String, known: [String])
  case ambiguousDatanet(String, matches: [String])
  case datanetExists(name: String)
  case invalid(String)

  public var kind: FailureKind {
    switch self {
    case .corruptEvent, .nonCanonicalEvent, .notAnEvent, .badSignature, .missingParent,
      .wrongDatanet:
      .checksFailed
    case .notPermitted: .permissionDenied
    case .unknownDatanet: .notFound
    case .ambiguousDatanet: .usage
    case .datanetExists: .cannotCreate
    case .invalid: .dataError
    }
  }

  public var description: String { description(naming: \.fingerprint) }

  public func description(naming name: (AccountID) -> String) -> String {
    switch self {
    case .corruptEvent(let id, let reason):
      "event \(id.hex) is corrupt: \(reason)"
    case .nonCanonicalEvent(let id, let problem):
      "event \(id.hex) is refused: \(problem). Only the encoding its signer wrote is an event, "
        + "so that one signed change cannot be stored as two events; delete the object "
        + "(`openledger gc` does) or restore the original"
    case .notAnEvent(let id, let type):
      "object \(id.hex) is not a ledger event (its payload type is '\(type)')"
    case .badSignature(let id, let actor):
      "event \(id.hex): the signature does not verify against its actor \(name(actor)); "
        + "the event was altered or signed by another key"
    case .missingParent(let event, let parent):
      "event \(event.hex) names parent \(parent.hex), which is not in the store"
    case .wrongDatanet(let event, let expected):
      "event \(event.hex) does not belong to Datanet \(expected.short)"
    case .notPermitted(let actor, let action, let requirement):
      "\(name(actor)) may not \(action): \(requirement)"
    case .unknownDatanet(let name, let known):
      "no Datanet named '\(name)' in this store"
        + (known.isEmpty
          ? "; create one with `openledger datanet create NAME`"
          : " (known: \(known.joined(separator: ", ")))")
    case .ambiguousDatanet(let prefix, let matches):
      "'\(prefix)' matches several Datanet ids (\(matches.joined(separator: ", "))); give more digits"
    case .datanetExists(let name):
      "a Datanet named '\(name)' exists already in this store; choose another name"
    case .invalid(let message):
      message
    }
  }
}

/// A change refused because another event settled the same thing first: the contribution was
/// decided, the record taken down, the epoch recorded. When writing, it is an ordinary refusal
/// (`error`'s kind and message). During a replay, when `settledBy` is not in the refused event's
/// causal past the two were concurrent, and the later one in the fold's order is overridden
/// rather than refused (`EventApplier`).
public struct SettledConflict: OpenLedgerError {
  public let settledBy: Digest
  public let error: any OpenLedgerError

  public init(settledBy: Digest, _ error: any OpenLedgerError) {
    self.settledBy = settledBy
    self.error = error
  }

  public var kind: FailureKind { error.kind }
  public var description: String { error.description }
}

/// Failures of curation: contributions and records that cannot be found, or whose state does
/// not allow the change.
public enum CurationError: OpenLedgerError, NamesAccounts {
  case unknownContribution(String)
  case ambiguousContribution(String, matches: [String])
  /// No record `reference` in the Datanet named, or in the whole store when none is.
  case unknownRecord(String, datanet: String?)
  case ambiguousRecord(String, matches: [String])
  /// A review of a contribution that has been decided already.
  case alreadyDecided(contribution: Digest, status: ContributionStatus, by: AccountID, at: String)
  /// A withdrawal of a contribution that is no longer pending.
  case notPending(contribution: Digest, status: ContributionStatus)
  case alreadyTakenDown(record: Digest, event: String)
  case nothingToTakeDown(contribution: Digest)
  case wrongDatanet(contribution: Digest, datanet: String)
  case reasonRequired(action: String)
  case takedownNeedsOneTarget
  case malformedShard(Digest)

  public var kind: FailureKind {
    switch self {
    case .unknownContribution, .unknownRecord: .notFound
    case .ambiguousContribution, .ambiguousRecord, .reasonRequired, .takedownNeedsOneTarget: .usage
    case .alreadyDecided, .notPending, .alreadyTakenDown, .nothingToTakeDown, .wrongDatanet,
      .malformedShard:
      .dataError
    }
  }

  public var description: String { description(naming: \.fingerprint) }

  public func description(naming name: (AccountID) -> String) -> String {
    switch self {
    case .unknownContribution(let reference):
      "no contribution '\(reference)' in this store; give a contribution id (64 hex digits, or "
        + "a unique prefix of at least 8); `openledger review list DATANET` lists them"
    case .ambiguousContribution(let prefix, let matches):
      "'\(prefix)' matches several contributions (\(matches.joined(separator: ", "))); "
        + "give more digits"
    case .unknownRecord(let reference, let datanet):
      "\(datanet.map { "Datanet \($0)" } ?? "this store") holds no record '\(reference)'; give a "
        + "record id (64 hex digits, or a unique prefix of at least 8), as `review show` and "
        + "`attribute` print them"
    case .ambiguousRecord(let prefix, let matches):
      "'\(prefix)' matches several records (\(matches.joined(separator: ", "))); give more digits"
    case .alreadyDecided(let contribution, let status, let actor, let time):
      status == .withdrawn
        ? "contribution \(contribution.short) was withdrawn by its contributor "
          + "\(name(actor)) at \(time); there is nothing to review"
        : "contribution \(contribution.short) was already \(status.rawValue) by "
          + "\(name(actor)) at \(time); a contribution is reviewed once (to remove its "
          + "records now, use `openledger takedown`)"
    case .notPending(let contribution, let status):
      "contribution \(contribution.short) is \(status.rawValue), not pending; only a pending "
        + "contribution can be withdrawn (ask a curator for a takedown)"
    case .alreadyTakenDown(let record, let event):
      "record \(record.hex) was already taken down by event \(event)"
    case .nothingToTakeDown(let contribution):
      "every record of contribution \(contribution.short) has been removed already"
    case .wrongDatanet(let contribution, let datanet):
      "contribution \(contribution.short) does not belong to Datanet \(datanet)"
    case .reasonRequired(let action):
      "\(action) needs a reason: pass --reason TEXT"
    case .takedownNeedsOneTarget:
      "a takedown names either records (--record) or one contribution (--contribution), "
        + "not both and not neither"
    case .malformedShard(let id):
      "shard \(id.hex) is malformed (its entries do not parse); run `openledger fsck`"
    }
  }
}

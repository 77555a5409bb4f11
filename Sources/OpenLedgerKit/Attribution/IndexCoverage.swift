/// An attribution index that does not cover every accepted contribution yet.
public struct StaleIndexError: OpenLedgerError {
  public var datanet: String
  /// The accepted contributions no segment covers, in ledger order.
  public var contributions: [Digest]
  /// What refused to run over it, e.g. "this reward epoch".
  public var usedBy: String
  /// The flag that runs it anyway.
  public var override: String

  public var kind: FailureKind { .dataError }

  public var description: String {
    let shown = contributions.prefix(5).map(\.short).joined(separator: ", ")
    let more = contributions.count > 5 ? " and \(contributions.count - 5) more" : ""
    return "\(contributions.count) accepted contribution(s) of \(datanet) are not in its "
      + "attribution index yet (\(shown)\(more)); \(usedBy) would credit none of their records "
      + "and pay their share of every fee to the unattributed account, for good, since an "
      + "inference is paid once. Run `openledger index build \(datanet)` first, or pass "
      + "\(override) to pay without them"
  }
}

extension AttributionIndex {
  /// The accepted contributions the index does not cover yet (`index build` adds them), in
  /// ledger order.
  public func unindexedContributions() throws -> [ContributionSummary] {
    let covered = try coveredContributions()
    return try DatanetRecords(store: store, datanet: datanet).contributions()
      .filter { !covered.contains($0.id) }
  }

  /// Throws `StaleIndexError` when accepted contributions are not indexed yet: a payout over
  /// such an index would give their contributors' credit to the unattributed account, and an
  /// inference is paid only once. `usedBy` names the payout, `override` the flag that allows it.
  public func requireCurrent(usedBy: String, override: String) throws {
    let missing = try unindexedContributions()
    guard missing.isEmpty else {
      throw StaleIndexError(
        datanet: datanet.name, contributions: missing.map(\.id), usedBy: usedBy,
        override: override)
    }
  }
}

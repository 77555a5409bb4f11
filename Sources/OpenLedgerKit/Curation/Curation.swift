import Foundation
import GRDB

/// Reviews, withdrawals and takedowns: finds the contributions and records they name and
/// writes their signed events. The rules themselves (who may, and in which state) are checked
/// when the event is applied, by `CurationCatalog`, so replay enforces them too.
public struct Curation: Sendable {
  public let store: Store

  public init(store: Store) {
    self.store = store
  }

  /// The contribution called `reference`: its full id, or a unique prefix of at least 8 hex
  /// digits.
  public func contribution(_ reference: String) throws -> ContributionSummary {
    try store.catalog.read { db in try ContributionRow.resolve(reference, in: db).summary }
  }

  /// Accepts or rejects contributions, as curator `identity`: one `contribution.review` event
  /// each, all recorded or none.
  @discardableResult
  public func review(
    _ references: [String], decision: ReviewDecision, reason: String, by identity: Identity,
    clock: any Clock
  ) throws -> [SignedEvent] {
    if decision == .reject, reason.allSatisfy(\.isWhitespace) {
      throw CurationError.reasonRequired(action: "rejecting a contribution")
    }
    var seen = Set<Digest>()
    let targets = try references.map(contribution).filter { seen.insert($0.id).inserted }
    let items: [(body: EventBody, datanet: Digest?)] = targets.map { target in
      let review = ContributionReview(contribution: target.id, decision: decision, reason: reason)
      return (body: .contributionReview(review), datanet: target.datanet)
    }
    return try Ledger(store: store).append(items, by: identity, clock: clock)
  }

  /// Withdraws a pending contribution, as its contributor `identity`.
  @discardableResult
  public func withdraw(
    _ reference: String, reason: String?, by identity: Identity, clock: any Clock
  ) throws -> SignedEvent {
    let target = try contribution(reference)
    return try Ledger(store: store).append(
      .contributionWithdraw(ContributionWithdraw(contribution: target.id, reason: reason)),
      to: target.datanet, by: identity, clock: clock)
  }

  /// Takes down records of Datanet `datanet` (full ids or unique prefixes of at least 8 hex
  /// digits), as curator `identity`.
  @discardableResult
  public func takeDown(
    records references: [String], of datanet: String, reason: String, by identity: Identity,
    clock: any Clock
  ) throws -> SignedEvent {
    let ledger = Ledger(store: store)
    let state = try ledger.datanet(datanet)
    if references.isEmpty { throw CurationError.takedownNeedsOneTarget }
    try requireReason(reason)
    let records = try store.catalog.read(datanet: state.id) { db, num in
      return try references.map { try Self.resolveRecord($0, in: [num], name: state.name, db: db) }
    }
    return try ledger.append(
      .recordTakedown(RecordTakedown(records: records, reason: reason)), to: state.id,
      by: identity, clock: clock)
  }

  /// Takes down every record contribution `reference` is credited with, as curator `identity`.
  @discardableResult
  public func takeDown(
    contribution reference: String, of datanet: String, reason: String, by identity: Identity,
    clock: any Clock
  ) throws -> SignedEvent {
    let ledger = Ledger(store: store)
    let state = try ledger.datanet(datanet)
    try requireReason(reason)
    let target = try contribution(reference)
    guard target.datanet == state.id else {
      throw CurationError.wrongDatanet(contribution: target.id, datanet: state.name)
    }
    return try ledger.append(
      .recordTakedown(RecordTakedown(contribution: target.id, reason: reason)), to: state.id,
      by: identity, clock: clock)
  }

  /// The records that event `event` removed and that are still marked with it, sorted.
  public func removedRecords(by event: Digest) throws -> [Digest] {
    try store.catalog.read { db in
      try Data.fetchAll(
        db, sql: "SELECT id FROM removed_records WHERE event = ? ORDER BY id",
        arguments: [event.hex]
      ).map { Digest(bytes: $0) }
    }
  }

  private func requireReason(_ reason: String) throws {
    if reason.allSatisfy(\.isWhitespace) {
      throw CurationError.reasonRequired(action: "a takedown")
    }
  }

  /// The record called `reference` (a full id, or a unique prefix of at least 8 hex digits)
  /// among the records of the Datanets numbered `datanets`; `name` names the one Datanet
  /// searched, for errors (nil: the whole store).
  static func resolveRecord(
    _ reference: String, in datanets: [Int64], name: String?, db: Database
  ) throws -> Digest {
    let lowered = reference.lowercased()
    guard lowered.utf8.count >= 8, lowered.utf8.count <= 64, Hex.isLowercaseHex(lowered) else {
      throw CurationError.unknownRecord(reference, datanet: name)
    }
    // Prefixes bound a range of the (datanet, id) primary key.
    let low = Data(Hex.decode(lowered.padding(toLength: 64, withPad: "0", startingAt: 0))!)
    let high = Data(Hex.decode(lowered.padding(toLength: 64, withPad: "f", startingAt: 0))!)
    var ids = Set<Data>()
    for datanet in datanets {
      ids.formUnion(
        try Data.fetchAll(
          db,
          sql:
            "SELECT id FROM records WHERE datanet = ? AND id BETWEEN ? AND ? ORDER BY id LIMIT 6",
          arguments: [datanet, low, high]))
    }
    let sorted = ids.sorted { $0.lexicographicallyPrecedes($1) }
    guard let first = sorted.first else {
      throw CurationError.unknownRecord(reference, datanet: name)
    }
    if sorted.count > 1 {
      throw CurationError.ambiguousRecord(
        reference, matches: sorted.prefix(5).map { String(Hex.encode($0).prefix(16)) })
    }
    return Digest(bytes: first)
  }
}

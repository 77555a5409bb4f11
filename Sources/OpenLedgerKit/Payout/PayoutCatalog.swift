import Foundation
import GRDB

/// An account's payout address as a `payout.set` event named it.
public struct PayoutAddress: Codable, Sendable, Equatable {
  public var account: AccountID
  public var address: EVMAddress
  public var chainId: UInt64?
  /// The `payout.set` event, and when it was signed.
  public var event: Digest
  public var time: String
}

/// The `payout_addresses` table: every applied `payout.set` event of every Datanet. An
/// account's payout address is the one its latest event names, latest in the fold's order
/// (the catalog's `events.seq`, which follows the fold: parents first, ties by the smaller event
/// id), so every store that holds the same events agrees on it. `EventApplier` records the
/// events on write and on replay alike.
enum PayoutCatalog {
  static func record(_ event: SignedEvent, _ body: PayoutSet, in db: Database) throws {
    try body.check()
    try db.execute(
      sql: """
        INSERT INTO payout_addresses (datanet, event, account, address, chain_id, time)
        VALUES (?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        try DatanetRow.number(of: event.datanet, in: db), event.id.hex,
        event.payload.actor.hex, body.address.hex, body.chainId.map { Int64(bitPattern: $0) },
        event.payload.time,
      ])
  }

  /// Each account's payout address in `datanet`: the latest over every event the catalog
  /// holds, or, with `heads`, over the events those heads descend from (the ledger as it stood
  /// when they were its heads). A replay passes its `causality`, which answers that from the
  /// events in memory; otherwise, when the heads are not the current ones, the catalog's DAG is
  /// walked.
  static func addresses(
    of datanet: Digest, asOf heads: [Digest]? = nil, in db: Database, causality: Causality? = nil
  ) throws -> [AccountID: PayoutAddress] {
    let num = try DatanetRow.number(of: datanet, in: db)
    var rows = try Row.fetchAll(
      db,
      sql: """
        SELECT a.* FROM payout_addresses a JOIN events e ON e.id = a.event
        WHERE a.datanet = ? ORDER BY e.seq
        """, arguments: [num])
    if let heads, !rows.isEmpty, heads.sorted() != (try Ledger.heads(of: datanet, in: db)) {
      let candidates = Set(rows.map { Digest(hex: $0["event"] as String)! })
      let past =
        try causality?.candidates(candidates, inPastOf: heads)
        ?? walk(from: heads, finding: candidates, in: db)
      rows = rows.filter { past.contains(Digest(hex: $0["event"] as String)!) }
    }
    var latest = [AccountID: PayoutAddress]()
    for row in rows {
      let account = AccountID(hex: row["account"])!
      latest[account] = PayoutAddress(
        account: account, address: EVMAddress(canonical: row["address"] as String)!,
        chainId: (row["chain_id"] as Int64?).map { UInt64(bitPattern: $0) },
        event: Digest(hex: row["event"])!, time: row["time"])
    }
    return latest
  }

  /// Which of `candidates` are among `heads` or the events they descend from, from the
  /// catalog's `event_parents`.
  private static func walk(from heads: [Digest], finding candidates: Set<Digest>, in db: Database)
    throws -> Set<Digest>
  {
    guard !heads.isEmpty else { return [] }
    let past = try String.fetchAll(
      db,
      sql: """
        WITH RECURSIVE past(id) AS (
          VALUES \(Array(repeating: "(?)", count: heads.count).joined(separator: ", "))
          UNION SELECT p.parent FROM event_parents p JOIN past ON p.event = past.id)
        SELECT id FROM past
        """, arguments: StatementArguments(heads.map(\.hex)))
    return candidates.intersection(past.compactMap(Digest.init(hex:)))
  }

  /// Which of `events` are not events of `datanet` the catalog has applied.
  static func unknown(_ events: [Digest], of datanet: Digest, in db: Database) throws -> [Digest] {
    try events.filter { event in
      try Bool.fetchOne(
        db, sql: "SELECT EXISTS(SELECT 1 FROM events WHERE id = ? AND datanet = ?)",
        arguments: [event.hex, datanet.hex]) != true
    }
  }
}

extension PayoutSet: EventApplying {
  /// Any account may name its own payout address; the actor is the account.
  func apply(_ event: SignedEvent, in context: EventContext) throws {
    _ = try context.existingState(of: event)
    try PayoutCatalog.record(event, self, in: context.db)
  }
}

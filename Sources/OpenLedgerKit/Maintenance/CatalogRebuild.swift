import Foundation
import GRDB

/// What rebuilding the catalog found.
public struct RebuildReport: Codable, Sendable {
  public var objectsScanned: Int
  public var eventsApplied: Int
  public var datanets: Int
  /// Events that could not be applied, with the reason (a bad signature, a permission the actor
  /// did not have, a missing parent).
  public var rejected: [RejectedEvent]
  /// Events that lost to a concurrent event (a removal of their actor's right, or a decision
  /// of the same thing first in the fold's order): in the ledger, without effect. In fold order.
  public var overridden: [OverriddenEvent]
  /// Attribution index segments found under `indexes/` and listed again in the catalog.
  public var attributionSegments: Int
  /// Segments found there that were not, with the reason (`gc` deletes them; `index build`
  /// covers their contributions again).
  public var segmentsLeftOut: [LeftOutSegment]

  public struct RejectedEvent: Codable, Sendable {
    public var event: String
    public var reason: String
  }

  public typealias OverriddenEvent = RejectedEvent
}

extension Store {
  /// Recreates the catalog from the objects alone: every object that is a ledger event is
  /// verified and replayed, Datanet by Datanet, in topological order, with the same permission
  /// checks as when it was written. Derived data follows: the near-duplicate index is
  /// recomputed, and the attribution segments on disk whose coverage is established are listed
  /// again (`SegmentRecovery`). One transaction: on failure the old catalog stays.
  public func rebuildCatalog() throws -> RebuildReport {
    let lock = try lock(.exclusive)
    defer { withExtendedLifetime(lock) {} }
    // Signed events a killed write stored but never committed are not part of the ledger.
    try finishInterruptedWritesHoldingTheLock()
    let found = try LedgerObjects.scan(objects)
    let ids = found.ids
    let events = found.events
    var rejected = found.unverifiable.map {
      RebuildReport.RejectedEvent(event: $0.id.hex, reason: "\($0.error)")
    }
    let segments = SegmentRecovery.scan(indexes: indexesDirectory)
    var leftOut = segments.leftOut
    var listed = 0
    var applied = 0
    var overridden = [RebuildReport.OverriddenEvent]()
    try catalog.write { db in
      let tables = try String.fetchAll(
        db,
        sql: """
          SELECT name FROM sqlite_master WHERE type = 'table'
          AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
          """)
      for table in tables { try db.execute(sql: "DELETE FROM \(table)") }
      let replay = try LedgerReplay.run(events, into: db, objects: objects, shards: found.shards)
      applied = replay.applied
      for (id, outcome) in replay.outcomes {
        switch outcome {
        case .applied: break
        case .overridden(let reason): overridden.append(.init(event: id.hex, reason: reason))
        case .refused(let error): rejected.append(.init(event: id.hex, reason: "\(error)"))
        }
      }
      for state in try Data.fetchAll(db, sql: "SELECT state FROM datanets").map(DatanetRow.decode) {
        try rebuildNearDuplicateIndex(of: state, in: db)
      }
      for (datanet, found) in segments.found.sorted(by: { $0.key < $1.key }) {
        let registered = try SegmentRecovery.register(found, datanet: datanet, in: db)
        listed += registered.listed.count
        leftOut += registered.leftOut
      }
    }
    let count = try catalog.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM datanets")
    }
    return RebuildReport(
      objectsScanned: ids.count, eventsApplied: applied, datanets: count ?? 0,
      rejected: rejected.sorted { $0.event < $1.event }, overridden: overridden,
      attributionSegments: listed,
      segmentsLeftOut: leftOut.sorted { ($0.datanet, $0.segment) < ($1.datanet, $1.segment) })
  }
}

extension Store {
  /// Folds Datanet `datanet` again from its events: the catalog's own (read back from the
  /// objects) and `added`, which a pull has just stored. Its rows are deleted and the events
  /// replayed parents first with causality, as `rebuildCatalog` does for the whole store; its
  /// near-duplicate index is recomputed and its attribution segments listed again where their
  /// coverage still holds. What a pull does when the events it brings are concurrent with
  /// events this store has, so that every store ends in the same state whatever the order in
  /// which events arrived. Runs inside the caller's write transaction.
  func refold(
    _ datanet: Digest, adding added: [SignedEvent], redactions: [Digest: [Digest]] = [:],
    in db: Database
  ) throws -> LedgerReplay {
    let ids = try String.fetchAll(
      db, sql: "SELECT id FROM events WHERE datanet = ?", arguments: [datanet.hex]
    ).compactMap(Digest.init(hex:))
    var events = [Digest: SignedEvent]()
    for id in ids {
      events[id] = try SignedEvent.verified(id: id, bytes: objects.read(id, verify: false))
    }
    for event in added { events[event.id] = event }
    // Where gc left redacted shards in place of the originals the events name.
    var redacted = redactions
    let num = try Int64.fetchOne(
      db, sql: "SELECT num FROM datanets WHERE id = ?", arguments: [datanet.hex])
    if let num {
      for shard in try String.fetchAll(
        db,
        sql: """
          SELECT s.id FROM shards s JOIN contributions c ON c.num = s.contribution
          WHERE c.datanet = ?
          """, arguments: [num]
      ).compactMap(Digest.init(hex:)) {
        let prefix = try objects.readPrefix(shard, count: 40)
        if prefix.count == 40, prefix.prefix(8).elementsEqual(ShardFormat.redactedMagic) {
          redacted[Digest(bytes: prefix.dropFirst(8)), default: []].append(shard)
        }
      }
      try deleteRows(of: datanet, num: num, in: db)
    }
    let shards = try ShardLocator(candidates: redacted, objects: objects)
    let replay = try LedgerReplay.run(events, into: db, objects: objects, shards: shards)
    if let state = try DatanetRow.load(datanet, in: db) {
      try rebuildNearDuplicateIndex(of: state, in: db)
      let segments = SegmentRecovery.scan(indexes: indexesDirectory)
      if let found = segments.found[datanet] {
        _ = try SegmentRecovery.register(found, datanet: datanet, in: db)
      }
    }
    return replay
  }

  /// Deletes everything the catalog holds of one Datanet (but the `objects` rows, which other
  /// Datanets may share and `gc` only reads to keep objects).
  private func deleteRows(of datanet: Digest, num: Int64, in db: Database) throws {
    try db.execute(
      sql: """
        DELETE FROM shards WHERE contribution IN (SELECT num FROM contributions WHERE datanet = ?)
        """, arguments: [num])
    for table in [
      "contributions", "records", "near_duplicate_segments", "near_duplicate_pending",
      "removed_records",
      "attribution_segments", "attribution_contributions", "reward_epochs", "reward_allocations",
      "payout_addresses",
    ] {
      try db.execute(sql: "DELETE FROM \(table) WHERE datanet = ?", arguments: [num])
    }
    try db.execute(
      sql: """
        DELETE FROM event_parents WHERE event IN (SELECT id FROM events WHERE datanet = ?)
        """, arguments: [datanet.hex])
    for table in ["events", "heads"] {
      try db.execute(sql: "DELETE FROM \(table) WHERE datanet = ?", arguments: [datanet.hex])
    }
    try db.execute(sql: "DELETE FROM datanets WHERE id = ?", arguments: [datanet.hex])
  }
}

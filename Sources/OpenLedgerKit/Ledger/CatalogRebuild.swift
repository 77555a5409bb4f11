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
    try finishInterruptedWrites()
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

import Foundation
import GRDB

/// How one kind of event changes the catalog. Every event body conforms, in its own
/// subsystem (`DatanetCreate` in Datanet/, `ContributionSubmit` in Contribution/, and so on):
/// `apply` checks that the event's actor may make the change and makes it, throwing
/// `EventApplier.Overridden` for a change that lost to a concurrent event, and a
/// `SettledConflict` for one that something else settled first. The Ledger itself knows only
/// envelopes, parents, causality and the DAG tables.
protocol EventApplying {
  func apply(_ event: SignedEvent, in context: EventContext) throws
}

/// What applying one event has at hand.
struct EventContext {
  let db: Database
  let objects: ObjectStore
  /// Where the shards a replay reads are (`gc` may have redacted them).
  let shards: ShardLocator
  /// The replay's causality; nil when the event is being written, whose causal past is
  /// everything the catalog holds.
  let causality: Causality?
  /// The entries of shards read already, by object id (a pull reads each shard as it arrives,
  /// from the bytes it checked): applying a contribution reads those shards no more.
  var listed: [Digest: [StoredRecord]] = [:]
}

extension EventBody {
  /// The body as what applies it.
  var applying: any EventApplying {
    switch self {
    case .datanetCreate(let body): body
    case .datanetUpdate(let body): body
    case .contributionSubmit(let body): body
    case .contributionReview(let body): body
    case .contributionWithdraw(let body): body
    case .recordTakedown(let body): body
    case .rewardsEpoch(let body): body
    case .payoutSet(let body): body
    }
  }
}

/// Applies one verified event to the catalog: checks that its parents are known, has its body
/// apply itself (`EventApplying`: the actor's rights, the Datanet's state, the subsystem's
/// tables), then records it in the DAG tables and moves the Datanet's heads.
/// The same code runs when an event is first written and when the catalog is rebuilt, so both
/// paths enforce the same permissions.
///
/// A replay passes its `Causality`, and rights are then judged against each event's causal
/// past (Docs/Formats.md, "Rights follow causality"). An event that lost to a concurrent one
/// (its actor's right was removed concurrently, or a concurrent event settled the same
/// contribution, record or epoch first) is **overridden**: it stays in the DAG, so its
/// descendants still apply, but changes nothing, and the catalog says why.
enum EventApplier {
  enum Outcome: Equatable {
    case applied
    /// The catalog held the event already.
    case known
    /// Recorded in the DAG without effect, for the reason given.
    case overridden(String)
  }

  @discardableResult
  static func apply(
    _ event: SignedEvent, in db: Database, objects: ObjectStore,
    rows: ((Database, SignedEvent) throws -> Void)? = nil, shards: ShardLocator = ShardLocator(),
    causality: Causality? = nil, listed: [Digest: [StoredRecord]] = [:]
  ) throws -> Outcome {
    let payload = event.payload
    let datanet = event.datanet
    if try Bool.fetchOne(
      db, sql: "SELECT EXISTS(SELECT 1 FROM events WHERE id = ?)", arguments: [event.id.hex])
      == true
    {
      return .known
    }
    for parent in payload.parents {
      let owner = try String.fetchOne(
        db, sql: "SELECT datanet FROM events WHERE id = ?", arguments: [parent.hex])
      guard let owner else { throw LedgerError.missingParent(event: event.id, parent: parent) }
      guard owner == datanet.hex else {
        throw LedgerError.wrongDatanet(event: event.id, expected: datanet)
      }
    }
    do {
      try db.inSavepoint {
        // A writer's own rows (`Ledger.append(_:to:by:clock:rows:)`) stand for the kind's.
        if let rows {
          try rows(db, event)
        } else {
          try payload.body.applying.apply(
            event,
            in: EventContext(
              db: db, objects: objects, shards: shards, causality: causality, listed: listed))
        }
        return .commit
      }
    } catch let overridden as Overridden {
      try record(event, overridden: overridden.reason, in: db)
      return .overridden(overridden.reason)
    } catch let conflict as SettledConflict {
      // Writing, or a conflict its author could see: an ordinary refusal.
      guard let causality, !causality.isAncestor(conflict.settledBy, of: event.id) else {
        throw conflict.error
      }
      let reason =
        "\(conflict.error.description) (by event \(conflict.settledBy.hex), concurrent with this "
        + "one and first in the fold's order)"
      try record(event, overridden: reason, in: db)
      return .overridden(reason)
    }
    try record(event, overridden: nil, in: db)
    return .applied
  }

  /// Thrown inside a change to record its event without effect.
  struct Overridden: Error {
    var reason: String
  }

  /// Adds the event to the DAG tables and moves the Datanet's heads past its parents;
  /// `overridden` says why an event that changed nothing did not.
  private static func record(_ event: SignedEvent, overridden: String?, in db: Database) throws {
    let datanet = event.datanet.hex
    let seq = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM events") ?? 1
    try db.execute(
      sql: """
        INSERT INTO events (id, datanet, type, actor, time, seq, overridden)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        event.id.hex, datanet, event.payload.type.rawValue, event.payload.actor.hex,
        event.payload.time, seq, overridden,
      ])
    for parent in Set(event.payload.parents) {
      try db.execute(
        sql: "INSERT INTO event_parents (event, parent) VALUES (?, ?)",
        arguments: [event.id.hex, parent.hex])
      try db.execute(
        sql: "DELETE FROM heads WHERE datanet = ? AND event = ?", arguments: [datanet, parent.hex])
    }
    try db.execute(
      sql: "INSERT INTO heads (datanet, event) VALUES (?, ?)", arguments: [datanet, event.id.hex])
    try ObjectRefs.add(event.id, kind: .event, size: event.bytes.count, in: db)
  }
}

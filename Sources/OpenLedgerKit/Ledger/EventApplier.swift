import Foundation
import GRDB

/// Applies one verified event to the catalog: checks that its parents are known and that its
/// actor may do what it says, then updates the Datanet's state, its heads and the event tables.
/// The same code runs when an event is first written and when the catalog is rebuilt, so both
/// paths enforce the same permissions.
enum EventApplier {
  static func apply(
    _ event: SignedEvent, in db: Database, objects: ObjectStore, extras: ContributionExtras? = nil,
    shards: ShardLocator = ShardLocator()
  ) throws {
    let payload = event.payload
    let datanet = event.datanet
    if try Bool.fetchOne(
      db, sql: "SELECT EXISTS(SELECT 1 FROM events WHERE id = ?)", arguments: [event.id.hex])
      == true
    {
      return
    }
    for parent in payload.parents {
      let owner = try String.fetchOne(
        db, sql: "SELECT datanet FROM events WHERE id = ?", arguments: [parent.hex])
      guard let owner else { throw LedgerError.missingParent(event: event.id, parent: parent) }
      guard owner == datanet.hex else {
        throw LedgerError.wrongDatanet(event: event.id, expected: datanet)
      }
    }

    switch payload.body {
    case .datanetCreate(let body):
      guard payload.datanet == nil, payload.parents.isEmpty else {
        throw LedgerError.corruptEvent(
          event.id, reason: "a datanet.create has no datanet or parents")
      }
      if try Bool.fetchOne(
        db, sql: "SELECT EXISTS(SELECT 1 FROM datanets WHERE name = ?)", arguments: [body.name])
        == true
      {
        throw LedgerError.datanetExists(name: body.name)
      }
      let state = try DatanetState(created: event.id, by: payload.actor, at: payload.time, body)
      try DatanetRow.save(state, in: db)
    case .datanetUpdate(let body):
      var state = try existingState(of: event, in: db)
      try state.apply(body, by: payload.actor, at: payload.time)
      try DatanetRow.save(state, in: db)
    case .contributionSubmit(let body):
      // Anyone may contribute to a Datanet; curators decide what is accepted.
      _ = try existingState(of: event, in: db)
      try ContributionCatalog.insert(
        event, body, extras: extras, objects: objects, shards: shards, in: db)
    case .contributionReview(let body):
      let state = try existingState(of: event, in: db)
      try CurationCatalog.review(event, body, state: state, in: db)
    case .contributionWithdraw(let body):
      let state = try existingState(of: event, in: db)
      try CurationCatalog.withdraw(event, body, state: state, objects: objects, in: db)
    case .recordTakedown(let body):
      let state = try existingState(of: event, in: db)
      try CurationCatalog.takedown(event, body, state: state, objects: objects, in: db)
    case .rewardsEpoch(let body):
      let state = try existingState(of: event, in: db)
      try RewardsCatalog.record(event, body, state: state, objects: objects, in: db)
    }
    try record(event, in: db)
  }

  private static func existingState(of event: SignedEvent, in db: Database) throws -> DatanetState {
    guard let datanet = event.payload.datanet, let state = try DatanetRow.load(datanet, in: db)
    else {
      throw LedgerError.corruptEvent(
        event.id,
        reason:
          "it names Datanet \(event.payload.datanet?.hex ?? "(none)"), which the store does not hold"
      )
    }
    return state
  }

  /// Adds the event to the DAG tables and moves the Datanet's heads past its parents.
  private static func record(_ event: SignedEvent, in db: Database) throws {
    let datanet = event.datanet.hex
    let seq = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM events") ?? 1
    try db.execute(
      sql: "INSERT INTO events (id, datanet, type, actor, time, seq) VALUES (?, ?, ?, ?, ?, ?)",
      arguments: [
        event.id.hex, datanet, event.payload.type.rawValue, event.payload.actor.hex,
        event.payload.time, seq,
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

/// The `objects` table: what the catalog references, and so what `gc` keeps.
public enum ObjectRefs {
  public enum Kind: String, Sendable {
    case event, shard, manifest
  }

  static func add(_ id: Digest, kind: Kind, size: Int, in db: Database) throws {
    try db.execute(
      sql: "INSERT OR IGNORE INTO objects (id, kind, size) VALUES (?, ?, ?)",
      arguments: [id.hex, kind.rawValue, size])
  }

  static func remove(_ id: Digest, in db: Database) throws {
    try db.execute(sql: "DELETE FROM objects WHERE id = ?", arguments: [id.hex])
  }

  static func all(in db: Database) throws -> [Digest: Kind] {
    var refs = [Digest: Kind]()
    for row in try Row.fetchAll(db, sql: "SELECT id, kind FROM objects") {
      if let id = Digest(hex: row["id"]), let kind = Kind(rawValue: row["kind"]) { refs[id] = kind }
    }
    return refs
  }
}

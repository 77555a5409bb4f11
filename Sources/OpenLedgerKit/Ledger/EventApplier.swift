import Foundation
import GRDB

/// Applies one verified event to the catalog: checks that its parents are known and that its
/// actor may do what it says, then updates the Datanet's state, its heads and the event tables.
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
    causality: Causality? = nil
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
          try change(event, in: db, objects: objects, shards: shards, causality: causality)
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

  /// The change an event makes to the Datanet's state and tables.
  private static func change(
    _ event: SignedEvent, in db: Database, objects: ObjectStore, shards: ShardLocator,
    causality: Causality?
  ) throws {
    let payload = event.payload
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
      causality?.markApplied(event.id, in: event.datanet)
      try DatanetRow.save(state, in: db)
    case .datanetUpdate(let body):
      // The owner may always update; others need a curator's right.
      var state = try existingState(of: event, in: db)
      if payload.actor != state.owner {
        state = try judgedState(of: event, in: db, causality: causality)
      }
      try state.apply(body, by: payload.actor, at: payload.time)
      if let causality {
        causality.markApplied(event.id, in: event.datanet)
        state.curators = causality.currentCurators(of: event.datanet) ?? state.curators
        state.operators = causality.currentOperators(of: event.datanet) ?? state.operators
      }
      try DatanetRow.save(state, in: db)
    case .contributionSubmit(let body):
      // Anyone may contribute to a Datanet; curators decide what is accepted.
      _ = try existingState(of: event, in: db)
      try ContributionCatalog.insert(event, body, objects: objects, shards: shards, in: db)
    case .contributionReview(let body):
      let state = try judgedState(of: event, in: db, causality: causality)
      try CurationCatalog.review(event, body, state: state, in: db)
    case .contributionWithdraw(let body):
      let state = try existingState(of: event, in: db)
      try CurationCatalog.withdraw(event, body, state: state, objects: objects, in: db)
    case .recordTakedown(let body):
      let state = try judgedState(of: event, in: db, causality: causality)
      try CurationCatalog.takedown(event, body, state: state, objects: objects, in: db) { other in
        causality.map { !$0.isAncestor(other, of: event.id) } ?? false
      }
    case .rewardsEpoch(let body):
      let state = try judgedState(of: event, in: db, causality: causality)
      try RewardsCatalog.record(
        event, body, state: state,
        requiresSignedLog: try requiresSignedLog(
          event, state: state, objects: objects, in: db, causality: causality),
        objects: objects, in: db, causality: causality
      ) { operatorAccount in
        // Removal wins for operators as for curators: an epoch paid from the log of an
        // operator whom the owner removed concurrently has no effect.
        guard
          let removal = causality?.concurrentRemoval(
            of: operatorAccount, as: .operator, at: event.id, in: event.datanet)
        else { return }
        throw Overridden(
          reason: "the operator \(operatorAccount.fingerprint) whose signed log it pays was "
            + "removed by event \(removal.hex), concurrent with it: a removal wins")
      }
    case .payoutSet(let body):
      // Any account may name its own payout address; the actor is the account.
      _ = try existingState(of: event, in: db)
      try PayoutCatalog.record(event, body, in: db)
    }
  }

  /// Whether the Datanet's policy, as `event`'s author could know it, requires a signed
  /// inference log: during a replay, the policy of the latest `datanet.update` setting one in
  /// the event's causal past (in the fold's order), else the create's; when writing, the
  /// current policy.
  private static func requiresSignedLog(
    _ event: SignedEvent, state: DatanetState, objects: ObjectStore, in db: Database,
    causality: Causality?
  ) throws -> Bool {
    guard let causality else { return state.policy.requiresSignedLog }
    let create = try SignedEvent.verified(id: event.datanet, bytes: objects.read(event.datanet))
    guard case .datanetCreate(let created) = create.payload.body else { return false }
    // The updates that set a policy, latest in the fold's order first (updates are few).
    var settings = [(event: Digest, requires: Bool)]()
    for id in try String.fetchAll(
      db,
      sql: """
        SELECT id FROM events WHERE datanet = ? AND type = ? AND overridden IS NULL
        ORDER BY seq DESC
        """, arguments: [event.datanet.hex, EventType.datanetUpdate.rawValue]
    ).compactMap(Digest.init(hex:)) {
      let update = try SignedEvent.verified(id: id, bytes: objects.read(id))
      if case .datanetUpdate(let body) = update.payload.body, let policy = body.policy {
        settings.append((id, policy.requiresSignedLog))
      }
    }
    if settings.allSatisfy({ $0.requires == created.policy.requiresSignedLog }) {
      return created.policy.requiresSignedLog
    }
    let seen = causality.candidates(Set(settings.map(\.event)), inPastOf: event.payload.parents)
    return settings.first { seen.contains($0.event) }?.requires
      ?? created.policy.requiresSignedLog
  }

  /// The Datanet's state with the curators its event could know of: during a replay, those of
  /// the event's causal past, and the event is overridden when a removal of its actor is
  /// concurrent with it (removal wins).
  private static func judgedState(
    of event: SignedEvent, in db: Database, causality: Causality?
  ) throws -> DatanetState {
    var state = try existingState(of: event, in: db)
    guard let causality,
      let standing = causality.standing(
        of: event.payload.actor, at: event.id, in: event.datanet)
    else { return state }
    state.curators = standing.curators
    state.operators = standing.operators
    if state.isCurator(event.payload.actor), let removal = standing.concurrentRemoval {
      throw Overridden(
        reason: "its actor \(event.payload.actor.fingerprint) was removed as a curator by event "
          + "\(removal.hex), concurrent with it: a removal wins over what the removed curator "
          + "did meanwhile")
    }
    return state
  }

  /// Thrown inside a change to record its event without effect.
  struct Overridden: Error {
    var reason: String
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

import Foundation
import GRDB

/// Applies the curation events to the catalog, checking that the actor may make the change and
/// that the contribution's or record's state allows it. `EventApplier` calls these both when an
/// event is written and when the catalog is rebuilt, so both paths enforce the same rules.
enum CurationCatalog {
  /// A `contribution.review`: a curator of the Datanet settles a pending contribution.
  static func review(
    _ event: SignedEvent, _ body: ContributionReview, state: DatanetState, in db: Database
  ) throws {
    let actor = event.payload.actor
    try state.requireCurator(actor, to: "review contributions to '\(state.name)'")
    let row = try contribution(body.contribution, of: state, in: db)
    guard row.status == .pending else {
      throw settled(
        row,
        CurationError.alreadyDecided(
          contribution: row.id, status: row.status, by: row.summary.decidedBy ?? actor,
          at: row.summary.decidedAt ?? "?"))
    }
    if body.decision == .reject, isBlank(body.reason) {
      throw CurationError.reasonRequired(action: "rejecting a contribution")
    }
    try row.decide(
      body.decision.status, by: event, reason: body.reason.isEmpty ? nil : body.reason, in: db)
  }

  /// A `contribution.withdraw`: the contributor takes back a pending contribution, and the
  /// records it is credited with are removed.
  static func withdraw(
    _ event: SignedEvent, _ body: ContributionWithdraw, state: DatanetState,
    objects: ObjectStore, in db: Database
  ) throws {
    let actor = event.payload.actor
    let row = try contribution(body.contribution, of: state, in: db)
    guard row.summary.contributor == actor else {
      throw LedgerError.notPermitted(
        actor: actor, action: "withdraw contribution \(row.id.short)",
        requirement: "only its contributor \(row.summary.contributor.fingerprint) may")
    }
    guard row.status == .pending else {
      throw settled(row, CurationError.notPending(contribution: row.id, status: row.status))
    }
    try row.decide(.withdrawn, by: event, reason: body.reason, in: db)
    let insert = try db.cachedStatement(
      sql: "INSERT OR IGNORE INTO removed_records (datanet, id, event) VALUES (?, ?, ?)")
    try row.forEachRecord(in: db, objects: objects) { id, _, _, _ in
      try insert.execute(arguments: [row.datanetNum, id.data, event.id.hex])
    }
  }

  /// A `record.takedown`: a curator removes the listed records, or every record a contribution
  /// is credited with. A listed record that an event `concurrent` with this one took down
  /// already is left as it is: two curators taking down the same record meanwhile agree.
  static func takedown(
    _ event: SignedEvent, _ body: RecordTakedown, state: DatanetState, objects: ObjectStore,
    in db: Database, concurrent: (Digest) -> Bool = { _ in false }
  ) throws {
    let actor = event.payload.actor
    try state.requireCurator(actor, to: "take down records of '\(state.name)'")
    if isBlank(body.reason) { throw CurationError.reasonRequired(action: "a takedown") }
    let datanet = try DatanetRow.number(of: state.id, in: db)
    switch (body.records, body.contribution) {
    case (let records?, nil) where !records.isEmpty:
      let exists = try db.cachedStatement(
        sql: "SELECT 1 FROM records WHERE datanet = ? AND id = ?")
      for record in records {
        guard try Bool.fetchOne(exists, arguments: [datanet, Data(record.bytes)]) == true else {
          throw CurationError.unknownRecord(record.hex, datanet: state.name)
        }
        if case .takenDown(let by) = try remove(record.bytes, of: datanet, by: event, in: db),
          !(Digest(hex: by).map(concurrent) ?? false)
        {
          throw CurationError.alreadyTakenDown(record: record, event: by)
        }
      }
    case (nil, let contribution?):
      let row = try self.contribution(contribution, of: state, in: db)
      var removed = 0
      try row.forEachRecord(in: db, objects: objects) { id, _, _, _ in
        if case .removed = try remove(id.bytes, of: datanet, by: event, in: db) { removed += 1 }
      }
      if removed == 0 { throw CurationError.nothingToTakeDown(contribution: row.id) }
    default:
      throw CurationError.takedownNeedsOneTarget
    }
  }

  private enum Removal {
    case removed
    case takenDown(by: String)
  }

  /// Marks a record removed by a takedown. A record its withdrawal removed already is marked
  /// again, so that the takedown's stronger rule (never stored again) holds.
  private static func remove(
    _ id: [UInt8], of datanet: Int64, by event: SignedEvent, in db: Database
  ) throws -> Removal {
    let existing = try Row.fetchOne(
      db,
      sql: """
        SELECT x.event, e.type FROM removed_records x LEFT JOIN events e ON e.id = x.event
        WHERE x.datanet = ? AND x.id = ?
        """, arguments: [datanet, Data(id)])
    if let existing, existing["type"] as String? == EventType.recordTakedown.rawValue {
      return .takenDown(by: existing["event"])
    }
    try db.execute(
      sql: """
        INSERT INTO removed_records (datanet, id, event) VALUES (?, ?, ?)
        ON CONFLICT (datanet, id) DO UPDATE SET event = excluded.event
        """, arguments: [datanet, Data(id), event.id.hex])
    return .removed
  }

  /// The contribution an event names, which must belong to the event's Datanet.
  private static func contribution(_ id: Digest, of state: DatanetState, in db: Database) throws
    -> ContributionRow
  {
    guard let row = try ContributionRow.load(id, in: db) else {
      throw CurationError.unknownContribution(id.hex)
    }
    guard row.summary.datanet == state.id else {
      throw CurationError.wrongDatanet(contribution: id, datanet: state.name)
    }
    return row
  }

  /// `error` as a conflict with the event that settled `row`, when one did.
  private static func settled(_ row: ContributionRow, _ error: CurationError) -> any Error {
    guard let decision = row.summary.decision else { return error }
    return SettledConflict(settledBy: decision, error)
  }

  private static func isBlank(_ text: String) -> Bool {
    text.allSatisfy(\.isWhitespace)
  }
}

extension ContributionReview: EventApplying {
  func apply(_ event: SignedEvent, in context: EventContext) throws {
    let state = try context.judgedState(of: event)
    try CurationCatalog.review(event, self, state: state, in: context.db)
  }
}

extension ContributionWithdraw: EventApplying {
  func apply(_ event: SignedEvent, in context: EventContext) throws {
    let state = try context.existingState(of: event)
    try CurationCatalog.withdraw(
      event, self, state: state, objects: context.objects, in: context.db)
  }
}

extension RecordTakedown: EventApplying {
  func apply(_ event: SignedEvent, in context: EventContext) throws {
    let state = try context.judgedState(of: event)
    try CurationCatalog.takedown(
      event, self, state: state, objects: context.objects, in: context.db
    ) { other in
      context.causality.map { !$0.isAncestor(other, of: event.id) } ?? false
    }
  }
}

import Foundation
import GRDB

/// How a Datanet's state is kept in the catalog.
enum DatanetRow {
  static func decode(_ data: Data) throws -> DatanetState {
    try JSONDecoder().decode(DatanetState.self, from: data)
  }

  static func load(_ id: Digest, in db: Database) throws -> DatanetState? {
    try Data.fetchOne(db, sql: "SELECT state FROM datanets WHERE id = ?", arguments: [id.hex])
      .map(decode)
  }

  /// The small number the large tables use for a Datanet.
  static func number(of datanet: Digest, in db: Database) throws -> Int64 {
    guard
      let num = try Int64.fetchOne(
        db, sql: "SELECT num FROM datanets WHERE id = ?", arguments: [datanet.hex])
    else { throw LedgerError.unknownDatanet(datanet.hex, known: []) }
    return num
  }

  static func save(_ state: DatanetState, in db: Database) throws {
    try db.execute(
      sql: """
        INSERT INTO datanets (id, name, state) VALUES (?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name, state = excluded.state
        """,
      arguments: [state.id.hex, state.name, try CanonicalEncoder.encode(state)])
  }
}

/// Reads and writes of one Datanet's rows, which the large tables key by its number.
extension Catalog {
  func read<T>(datanet: Digest, _ body: (Database, Int64) throws -> T) throws -> T {
    try read { db in try body(db, try DatanetRow.number(of: datanet, in: db)) }
  }

  func write<T>(datanet: Digest, _ body: (Database, Int64) throws -> T) throws -> T {
    try write { db in try body(db, try DatanetRow.number(of: datanet, in: db)) }
  }
}

extension CatalogSnapshot {
  func read<T>(datanet: Digest, _ body: (Database, Int64) throws -> T) throws -> T {
    try read { db in try body(db, try DatanetRow.number(of: datanet, in: db)) }
  }
}

extension Ledger {
  /// All Datanets, by name.
  public func datanets() throws -> [DatanetState] {
    try store.catalog.read { db in
      try Data.fetchAll(db, sql: "SELECT state FROM datanets ORDER BY name").map(DatanetRow.decode)
    }
  }

  /// Every account the ledger knows: each event's actor, and each Datanet's owner, curators
  /// and model operators.
  public func accounts() throws -> Set<AccountID> {
    try store.catalog.read { db in
      var accounts = Set(
        try String.fetchAll(db, sql: "SELECT DISTINCT actor FROM events")
          .compactMap(AccountID.init(hex:)))
      for data in try Data.fetchAll(db, sql: "SELECT state FROM datanets") {
        let state = try DatanetRow.decode(data)
        accounts.insert(state.owner)
        accounts.formUnion(state.curators)
        accounts.formUnion(state.operators)
      }
      return accounts
    }
  }

  /// The Datanet called `reference`: a name, a full id, or an id prefix of at least 8 digits.
  public func datanet(_ reference: String) throws -> DatanetState {
    try store.catalog.read { db in try Self.datanet(reference, in: db) }
  }

  static func datanet(_ reference: String, in db: Database) throws -> DatanetState {
    if let state = try Data.fetchOne(
      db, sql: "SELECT state FROM datanets WHERE name = ?", arguments: [reference])
    {
      return try DatanetRow.decode(state)
    }
    let lowered = reference.lowercased()
    if lowered.utf8.count >= 8, lowered.utf8.count <= 64, Hex.isLowercaseHex(lowered) {
      let rows = try Row.fetchAll(
        db, sql: "SELECT id, state FROM datanets WHERE substr(id, 1, ?) = ? ORDER BY id",
        arguments: [lowered.utf8.count, lowered])
      if rows.count == 1 { return try DatanetRow.decode(rows[0]["state"]) }
      if rows.count > 1 {
        throw LedgerError.ambiguousDatanet(reference, matches: rows.map { $0["id"] as String })
      }
    }
    let known = try String.fetchAll(db, sql: "SELECT name FROM datanets ORDER BY name")
    throw LedgerError.unknownDatanet(reference, known: known)
  }
}

extension EventContext {
  /// The state of the Datanet `event` belongs to, which the catalog must hold.
  func existingState(of event: SignedEvent) throws -> DatanetState {
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

  /// The Datanet's state with the curators its event could know of: during a replay, those of
  /// the event's causal past, and the event is overridden when a removal of its actor is
  /// concurrent with it (removal wins).
  func judgedState(of event: SignedEvent) throws -> DatanetState {
    var state = try existingState(of: event)
    guard let causality,
      let standing = causality.standing(
        of: event.payload.actor, at: event.id, in: event.datanet)
    else { return state }
    state.curators = standing.curators
    state.operators = standing.operators
    if state.isCurator(event.payload.actor), let removal = standing.concurrentRemoval {
      throw EventApplier.Overridden(
        reason: "its actor \(event.payload.actor.fingerprint) was removed as a curator by event "
          + "\(removal.hex), concurrent with it: a removal wins over what the removed curator "
          + "did meanwhile")
    }
    return state
  }
}

extension DatanetCreate: EventApplying {
  func apply(_ event: SignedEvent, in context: EventContext) throws {
    let payload = event.payload
    guard payload.datanet == nil, payload.parents.isEmpty else {
      throw LedgerError.corruptEvent(event.id, reason: "a datanet.create has no datanet or parents")
    }
    if try Bool.fetchOne(
      context.db, sql: "SELECT EXISTS(SELECT 1 FROM datanets WHERE name = ?)", arguments: [name])
      == true
    {
      throw LedgerError.datanetExists(name: name)
    }
    let state = try DatanetState(created: event.id, by: payload.actor, at: payload.time, self)
    context.causality?.markApplied(event.id, in: event.datanet)
    try DatanetRow.save(state, in: context.db)
  }
}

extension DatanetUpdate: EventApplying {
  /// The owner may always update; others need a curator's right.
  func apply(_ event: SignedEvent, in context: EventContext) throws {
    let payload = event.payload
    var state = try context.existingState(of: event)
    if payload.actor != state.owner {
      state = try context.judgedState(of: event)
    }
    try state.apply(self, by: payload.actor, at: payload.time)
    if let causality = context.causality {
      causality.markApplied(event.id, in: event.datanet)
      state.curators = causality.currentCurators(of: event.datanet) ?? state.curators
      state.operators = causality.currentOperators(of: event.datanet) ?? state.operators
    }
    try DatanetRow.save(state, in: context.db)
  }
}

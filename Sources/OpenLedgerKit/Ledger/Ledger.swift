import Foundation
import GRDB

/// The signed, replayable history of a store's Datanets.
public struct Ledger: Sendable {
  public let store: Store

  public init(store: Store) {
    self.store = store
  }

  /// Signs `body` as `identity`, with the Datanet's current heads as parents, checks that the
  /// identity may make the change, and records the event: all in one catalog transaction, so a
  /// refused change writes nothing the catalog references.
  @discardableResult
  public func append(
    _ body: EventBody, to datanet: Digest?, by identity: Identity, clock: any Clock
  ) throws -> SignedEvent {
    try append([(body, datanet)], by: identity, clock: clock)[0]
  }

  /// Signs and records several events in one catalog transaction, each with the heads the
  /// previous ones left as parents: either all of them are recorded, or none is.
  @discardableResult
  public func append(
    _ items: [(body: EventBody, datanet: Digest?)], by identity: Identity, clock: any Clock
  ) throws -> [SignedEvent] {
    try append(items, by: identity, clock: clock, rows: nil)
  }

  /// Signs and records one event whose catalog rows the caller writes itself, in the same
  /// transaction: `rows` is given the database and the signed event, and runs in place of the
  /// event kind's own applying, for a writer that already holds what applying would read back
  /// from the objects (a contribution's records, which a replay reads from its shards). It must
  /// keep the kind's rules; the Ledger still checks the parents and records the event.
  func append(
    _ body: EventBody, to datanet: Digest?, by identity: Identity, clock: any Clock,
    rows: @escaping (Database, SignedEvent) throws -> Void
  ) throws -> SignedEvent {
    try append([(body, datanet)], by: identity, clock: clock, rows: rows)[0]
  }

  private func append(
    _ items: [(body: EventBody, datanet: Digest?)], by identity: Identity, clock: any Clock,
    rows: ((Database, SignedEvent) throws -> Void)?
  ) throws -> [SignedEvent] {
    try store.finishInterruptedWrites()
    let lock = try store.lock(.shared)
    defer { withExtendedLifetime(lock) {} }
    var journal: ObjectJournal?
    do {
      let events = try store.catalog.write { db in
        var events = [SignedEvent]()
        for (body, datanet) in items {
          let parents = try datanet.map { try Self.heads(of: $0, in: db) } ?? []
          let payload = EventPayload(
            datanet: datanet, parents: parents, actor: identity.account,
            time: Timestamp.format(clock.now()), body: body)
          let event = try SignedEvent.sign(payload, by: identity)
          try EventApplier.apply(event, in: db, objects: store.objects, rows: rows)
          events.append(event)
        }
        // Objects are written once every event is known to apply, so a refusal writes none;
        // the journal undoes them if the process dies before the catalog commits.
        journal = try ObjectJournal.begin(events.map(\.id), in: store)
        for event in events { try store.objects.put(event.bytes) }
        return events
      }
      journal?.finish()
      return events
    } catch {
      journal?.abort()
      throw error
    }
  }

  /// The current heads of `datanet`, sorted.
  static func heads(of datanet: Digest, in db: Database) throws -> [Digest] {
    try String.fetchAll(
      db, sql: "SELECT event FROM heads WHERE datanet = ? ORDER BY event", arguments: [datanet.hex]
    ).compactMap(Digest.init(hex:))
  }

  /// The current heads of `datanet`'s ledger, sorted.
  public func heads(of datanet: Digest) throws -> [Digest] {
    try store.catalog.read { db in try Self.heads(of: datanet, in: db) }
  }

  /// All Datanets, by name.
  public func datanets() throws -> [DatanetState] {
    try store.catalog.read { db in
      try Data.fetchAll(db, sql: "SELECT state FROM datanets ORDER BY name").map(DatanetRow.decode)
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

  /// The events of `datanet` that `heads` descend from, the heads included: the ledger as it
  /// stood when they were its heads.
  public func history(of datanet: Digest, upTo heads: [Digest]) throws -> Set<Digest> {
    let parents = try store.catalog.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT p.event, p.parent FROM event_parents p JOIN events e ON e.id = p.event
          WHERE e.datanet = ?
          """, arguments: [datanet.hex]
      ).reduce(into: [String: [String]]()) { $0[$1["event"], default: []].append($1["parent"]) }
    }
    var seen = Set(heads.map(\.hex))
    var pending = Array(seen)
    while let event = pending.popLast() {
      for parent in parents[event] ?? [] where seen.insert(parent).inserted {
        pending.append(parent)
      }
    }
    return Set(seen.compactMap(Digest.init(hex:)))
  }

  /// The events of `datanet` in the order this catalog applied them (a topological order),
  /// each read back from the object store and verified.
  public func events(of datanet: Digest) throws -> [SignedEvent] {
    try checkedEvents(of: datanet).map { try $0.event.get() }
  }

  /// The events of `datanet` that lost to a concurrent event and changed nothing, with why.
  public func overriddenEvents(of datanet: Digest) throws -> [Digest: String] {
    try store.catalog.read { db in
      try Row.fetchAll(
        db, sql: "SELECT id, overridden FROM events WHERE datanet = ? AND overridden IS NOT NULL",
        arguments: [datanet.hex]
      ).reduce(into: [Digest: String]()) { overridden, row in
        if let id = Digest(hex: row["id"]) { overridden[id] = row["overridden"] }
      }
    }
  }

  /// The same events, each verified or with the error reading or verifying it gave, so that a
  /// listing can show the others.
  public func checkedEvents(of datanet: Digest) throws
    -> [(id: Digest, event: Result<SignedEvent, any Error>)]
  {
    let ids = try store.catalog.read { db in
      try String.fetchAll(
        db, sql: "SELECT id FROM events WHERE datanet = ? ORDER BY seq", arguments: [datanet.hex])
    }
    return ids.compactMap(Digest.init(hex:)).map { id in
      (id, Result { try SignedEvent.verified(id: id, bytes: store.objects.read(id)) })
    }
  }
}

/// How a Datanet's state is kept in the catalog.
enum DatanetRow {
  static func decode(_ data: Data) throws -> DatanetState {
    try JSONDecoder().decode(DatanetState.self, from: data)
  }

  static func load(_ id: Digest, in db: Database) throws -> DatanetState? {
    try Data.fetchOne(db, sql: "SELECT state FROM datanets WHERE id = ?", arguments: [id.hex])
      .map(decode)
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

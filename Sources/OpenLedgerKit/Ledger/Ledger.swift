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

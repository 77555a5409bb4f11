import Foundation
import GRDB

/// A problem that ledger verification found, naming the event, object or record concerned.
public struct LedgerFinding: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable {
    /// An event object that does not verify: its bytes do not hash to its name, its signature
    /// does not verify against its actor, or it is not a well-formed event.
    case unverifiable
    /// An event names a parent that is not in the store, does not verify, or was refused.
    case missingParent
    /// A verified event whose change the rules refuse: a permission its actor did not have in
    /// its causal past, or a state that did not allow it.
    case refused
    /// A verified event that lost to a concurrent one (its actor's right was removed
    /// concurrently, or a concurrent event settled the same thing first): kept in the DAG
    /// without effect. Expected when people work apart; reported, never silently kept.
    case overridden
    /// Signed events a write that died stored but never committed: not part of the ledger, and
    /// deleted by the next write. A warning.
    case interruptedWrite
    /// The catalog lists an event whose object is not in the store.
    case missingObject
    /// The catalog does not agree with the replay of the objects.
    case catalogMismatch
    /// A redacted shard erased a record that the ledger never removed.
    case badTombstone
  }

  public var kind: Kind
  /// The Datanet concerned, when known.
  public var datanet: Digest?
  public var event: Digest?
  public var object: Digest?
  public var record: Digest?
  public var message: String
}

/// What `Store.verifyLedger` checked and found.
public struct LedgerVerification: Codable, Sendable {
  /// The Datanets whose events were replayed.
  public var datanets: [Digest]
  /// Events found in the objects (those that verify).
  public var events: Int
  /// Events that replayed without a finding.
  public var applied: Int
  public var findings: [LedgerFinding]

  /// No finding but overridden events (how concurrent work ends) and interrupted writes (which
  /// the next write undoes): neither is damage.
  public var isClean: Bool {
    findings.allSatisfy { $0.kind == .overridden || $0.kind == .interruptedWrite }
  }
}

extension Store {
  /// Verifies the ledger of `datanet` (every Datanet when nil) from the objects alone, and then
  /// the catalog against it: every event object re-hashed and its signature checked; every
  /// event replayed in topological order into a scratch catalog with the permission each actor
  /// had at that moment and every parent required; then the Datanet states, events, heads,
  /// contributions, records and removals of the store's catalog compared with the replay's.
  /// Returns every finding, not only the first. Writes nothing.
  public func verifyLedger(datanet: Digest? = nil) throws -> LedgerVerification {
    let found = try LedgerObjects.scan(objects)
    var verifier = LedgerVerifier(store: self, found: found, scope: datanet)
    return try verifier.run()
  }
}

/// The work of `Store.verifyLedger`.
private struct LedgerVerifier {
  let store: Store
  let found: LedgerObjects
  let scope: Digest?
  var findings = [LedgerFinding]()
  /// How many findings of one comparison are listed before the rest are summed up.
  static let listLimit = 100

  init(store: Store, found: LedgerObjects, scope: Digest?) {
    self.store = store
    self.found = found
    self.scope = scope
  }

  func inScope(_ datanet: Digest?) -> Bool {
    guard let scope else { return true }
    return datanet == scope
  }

  mutating func run() throws -> LedgerVerification {
    let catalogEvents = try store.catalog.read { db in
      try Row.fetchAll(db, sql: "SELECT id, datanet FROM events").reduce(into: [Digest: Digest]()) {
        if let id = Digest(hex: $1["id"]), let datanet = Digest(hex: $1["datanet"]) {
          $0[id] = datanet
        }
      }
    }
    // Objects that are envelopes but do not verify.
    var broken = Set<Digest>()
    for (id, error) in found.unverifiable.sorted(by: { $0.id < $1.id }) {
      let datanet = catalogEvents[id] ?? Self.claimedDatanet(of: id, objects: store.objects)
      guard inScope(datanet) else { continue }
      broken.insert(id)
      findings.append(
        LedgerFinding(
          kind: .unverifiable, datanet: datanet, event: id, object: id, record: nil,
          message: "\(error)"))
    }
    // Events the catalog lists whose object is gone.
    for (id, datanet) in catalogEvents.sorted(by: { $0.key < $1.key })
    where inScope(datanet) && found.events[id] == nil && !broken.contains(id)
      && !store.objects.contains(id)
    {
      findings.append(
        LedgerFinding(
          kind: .missingObject, datanet: datanet, event: id, object: id, record: nil,
          message: "the catalog lists event \(id.hex), but its object is not in the store"))
    }

    // Events a write under way has stored but not yet committed, or a write that died left
    // (the next write deletes them), are not part of the ledger.
    let journals = try ObjectJournal.listedButUnreferenced(in: store)
    let interrupted = found.events.filter {
      journals.interrupted.contains($0.key) && inScope($0.value.datanet)
    }
    if !interrupted.isEmpty {
      let ids = interrupted.keys.sorted()
      findings.append(
        LedgerFinding(
          kind: .interruptedWrite, datanet: interrupted[ids[0]]?.datanet, event: nil,
          object: nil, record: nil,
          message: "an interrupted write left \(ids.count) signed event(s) that the catalog "
            + "never committed (\(ids.map(\.short).joined(separator: ", "))); they are not part "
            + "of the ledger, and the next write, `openledger gc` or `rebuild-catalog` deletes "
            + "them"))
    }
    let events = found.events.filter {
      inScope($0.value.datanet) && !journals.underWay.contains($0.key)
        && !journals.interrupted.contains($0.key)
    }
    let scratch = try DatabaseQueue()
    try CatalogSchema.migrator.migrate(scratch)
    let applied = try replay(events, broken: broken, into: scratch)

    let datanets = Set(events.values.map(\.datanet)).union(
      catalogEvents.values.filter { inScope($0) }
    ).sorted()
    for datanet in datanets {
      try compare(datanet, scratch: scratch)
      try checkTombstones(datanet, scratch: scratch)
    }
    return LedgerVerification(
      datanets: datanets, events: events.count, applied: applied, findings: findings)
  }

  /// The Datanet an envelope's payload claims, read without trusting it.
  static func claimedDatanet(of id: Digest, objects: ObjectStore) -> Digest? {
    guard let bytes = try? objects.read(id, verify: false),
      let envelope = try? JSONDecoder().decode(Envelope.self, from: bytes),
      let payload = envelope.payloadBytes,
      let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any]
    else { return nil }
    if let datanet = object["datanet"] as? String { return Digest(hex: datanet) }
    return object["type"] as? String == EventType.datanetCreate.rawValue ? id : nil
  }

  /// Replays `events` into the scratch catalog, parents first; returns how many applied.
  mutating func replay(
    _ events: [Digest: SignedEvent], broken: Set<Digest>, into scratch: DatabaseQueue
  )
    throws -> Int
  {
    var refused = Set<Digest>()
    let replay = try scratch.write { db in
      try LedgerReplay.run(events, into: db, objects: store.objects, shards: found.shards)
    }
    for (id, outcome) in replay.outcomes {
      let event = events[id]!
      let label =
        "event \(id.hex) (\(event.payload.type.rawValue) by \(event.payload.actor.fingerprint) "
        + "at \(event.payload.time))"
      switch outcome {
      case .applied:
        break
      case .overridden(let reason):
        findings.append(
          LedgerFinding(
            kind: .overridden, datanet: event.datanet, event: id, object: nil, record: nil,
            message: "\(label) changed nothing: \(reason)"))
      case .refused(LedgerError.missingParent(_, let parent)):
        refused.insert(id)
        let why =
          broken.contains(parent)
          ? "which does not verify"
          : refused.contains(parent)
            ? "which replay refused" : "which is not in the store"
        findings.append(
          LedgerFinding(
            kind: .missingParent, datanet: event.datanet, event: id, object: nil, record: nil,
            message: "event \(id.hex) (\(event.payload.type.rawValue)) names parent "
              + "\(parent.hex), \(why)"))
      case .refused(let error):
        refused.insert(id)
        findings.append(
          LedgerFinding(
            kind: .refused, datanet: event.datanet, event: id, object: nil, record: nil,
            message: "\(label) is refused: \(error)"))
      }
    }
    let applied = replay.applied
    return applied
  }

  // MARK: - The catalog against the replay

  mutating func compare(_ datanet: Digest, scratch: DatabaseQueue) throws {
    func mismatch(_ message: String, event: Digest? = nil, record: Digest? = nil) -> LedgerFinding {
      LedgerFinding(
        kind: .catalogMismatch, datanet: datanet, event: event, object: nil, record: record,
        message: "Datanet \(datanet.short): \(message)")
    }
    let stateSQL = "SELECT state FROM datanets WHERE id = ?"
    let catalogState = try store.catalog.read { db in
      try Data.fetchOne(db, sql: stateSQL, arguments: [datanet.hex])
    }
    let replayState = try scratch.read { db in
      try Data.fetchOne(db, sql: stateSQL, arguments: [datanet.hex])
    }
    if catalogState != replayState {
      let fields = Self.differingFields(catalogState, replayState)
      findings.append(
        mismatch(
          catalogState == nil
            ? "the catalog does not hold it, but its events replay (run `openledger rebuild-catalog`)"
            : replayState == nil
              ? "the catalog holds it, but its create event does not replay"
              : "its state differs from the replay's in \(fields.joined(separator: ", "))"))
    }

    // Events and heads: each list, and what a row only the catalog or only the replay holds
    // means.
    let lists:
      [(sql: String, onlyInCatalog: (String) -> String, onlyOnReplay: (String) -> String)] = [
        (
          "SELECT id FROM events WHERE datanet = ? ORDER BY id",
          { "the catalog lists event \($0), which replay refuses or cannot find" },
          { "event \($0) replays, but the catalog does not list it" }
        ),
        (
          "SELECT event FROM heads WHERE datanet = ? ORDER BY event",
          { "the catalog has head \($0), which replay does not" },
          { "replay has head \($0), which the catalog does not" }
        ),
        (
          "SELECT id FROM events WHERE datanet = ? AND overridden IS NOT NULL ORDER BY id",
          {
            "the catalog has event \($0) overridden, but on replay it applies (run "
              + "`openledger rebuild-catalog`)"
          },
          {
            "event \($0) is overridden on replay (it lost to a concurrent event), but the "
              + "catalog applied it (run `openledger rebuild-catalog`)"
          }
        ),
      ]
    for (sql, onlyInCatalog, onlyOnReplay) in lists {
      let catalog = Set(
        try store.catalog.read { db in try String.fetchAll(db, sql: sql, arguments: [datanet.hex]) }
      )
      let replayed = Set(
        try scratch.read { db in try String.fetchAll(db, sql: sql, arguments: [datanet.hex]) })
      for (ids, message) in [
        (catalog.subtracting(replayed), onlyInCatalog),
        (replayed.subtracting(catalog), onlyOnReplay),
      ] {
        for id in ids.sorted() { findings.append(mismatch(message(id), event: Digest(hex: id))) }
      }
    }

    // Contributions.
    let contributionSQL = """
      SELECT c.id, c.contributor, c.status, c.records, c.reviewer, c.reviewed, c.reason,
        c.decision
      FROM contributions c JOIN datanets d ON d.num = c.datanet WHERE d.id = ? ORDER BY c.id
      """
    let catalogContributions = try store.catalog.read { db in
      try Row.fetchAll(db, sql: contributionSQL, arguments: [datanet.hex])
    }
    let replayContributions = try scratch.read { db in
      try Row.fetchAll(db, sql: contributionSQL, arguments: [datanet.hex])
    }
    let replayByID = Dictionary(
      replayContributions.map { ($0["id"] as String, $0) }, uniquingKeysWith: { a, _ in a })
    let catalogIDs = Set(catalogContributions.map { $0["id"] as String })
    for row in catalogContributions {
      let id: String = row["id"]
      guard let replayed = replayByID[id] else {
        findings.append(
          mismatch(
            "the catalog holds contribution \(id), which replay does not", event: Digest(hex: id)))
        continue
      }
      let columns = [
        "contributor", "status", "records", "reviewer", "reviewed", "reason", "decision",
      ]
      let differing = columns.filter { row[$0] as DatabaseValue != replayed[$0] as DatabaseValue }
      if !differing.isEmpty {
        let detail = differing.map { column in
          "\(column) \(Self.show(row[column])) in the catalog, \(Self.show(replayed[column])) on replay"
        }
        findings.append(
          mismatch(
            "contribution \(id): \(detail.joined(separator: "; "))", event: Digest(hex: id)))
      }
    }
    for row in replayContributions where !catalogIDs.contains(row["id"]) {
      let id: String = row["id"]
      findings.append(
        mismatch(
          "contribution \(id) replays, but the catalog does not hold it", event: Digest(hex: id)))
    }

    try compareRecords(datanet, scratch: scratch, mismatch: mismatch)

    // Reward epochs: each epoch's event, manifest and totals, and its accounts' amounts.
    for (sql, what) in [
      (
        """
        SELECT 'epoch ' || e.epoch AS key,
          'event ' || e.event || ', manifest ' || e.manifest || ', root ' || e.root
            || ', cumulative ' || e.cumulative || ', signed log '
            || IFNULL(e.signed_log, 'none') AS value
        FROM reward_epochs e JOIN datanets d ON d.num = e.datanet WHERE d.id = ?
        """, "reward"
      ),
      (
        """
        SELECT 'epoch ' || a.epoch || ' account ' || a.account AS key,
          'amount ' || a.amount || ', cumulative ' || a.cumulative || ', roles ' || a.roles
            || ', units ' || a.units AS value
        FROM reward_allocations a JOIN datanets d ON d.num = a.datanet WHERE d.id = ?
        """, "reward allocation in"
      ),
      (
        // Each account's current payout address: its latest payout.set in the fold's order.
        """
        SELECT 'of account ' || p.account AS key,
          p.address || ', chain id ' || IFNULL(p.chain_id, 'none') || ', event ' || p.event AS value
        FROM payout_addresses p JOIN datanets d ON d.num = p.datanet
        JOIN events e ON e.id = p.event
        WHERE d.id = ? AND e.seq = (
          SELECT MAX(e2.seq) FROM payout_addresses p2 JOIN events e2 ON e2.id = p2.event
          WHERE p2.datanet = p.datanet AND p2.account = p.account)
        """, "payout address"
      ),
    ] {
      func rows(_ db: Database) throws -> [String: String] {
        var rows = [String: String]()
        for row in try Row.fetchAll(db, sql: sql, arguments: [datanet.hex]) {
          rows[row["key"]] = row["value"]
        }
        return rows
      }
      let catalog = try store.catalog.read(rows)
      let replayed = try scratch.read(rows)
      var differing = Set(catalog.keys).symmetricDifference(replayed.keys)
      for (key, value) in catalog where replayed[key].map({ $0 != value }) ?? false {
        differing.insert(key)
      }
      for key in differing.sorted().prefix(Self.listLimit) {
        findings.append(
          mismatch(
            "\(what) \(key) is \(catalog[key].map { "(\($0))" } ?? "absent") in the catalog, "
              + "\(replayed[key].map { "(\($0))" } ?? "absent") on replay"))
      }
    }
  }

  /// Compares the records (and which contribution each is credited to) and the removals, page
  /// by page in record id order, so memory stays small for large Datanets.
  mutating func compareRecords(
    _ datanet: Digest, scratch: DatabaseQueue,
    mismatch: (String, Digest?, Digest?) -> LedgerFinding
  ) throws {
    let tables = [
      (
        """
        SELECT r.id AS id, c.id AS value FROM records r
        JOIN contributions c ON c.num = r.contribution JOIN datanets d ON d.num = r.datanet
        WHERE d.id = ? AND r.id > ? ORDER BY r.id LIMIT 10000
        """, "credited to contribution"
      ),
      (
        """
        SELECT x.id AS id, x.event AS value FROM removed_records x
        JOIN datanets d ON d.num = x.datanet
        WHERE d.id = ? AND x.id > ? ORDER BY x.id LIMIT 10000
        """, "removed by event"
      ),
    ]
    for (sql, relation) in tables {
      var listed = 0
      var unlisted = 0
      func catalogOnly(_ row: Pager.Entry) -> LedgerFinding {
        mismatch(
          "the catalog lists record \(Hex.encode(row.id)) \(relation) \(row.value), which replay "
            + "does not", nil, Digest(bytes: row.id))
      }
      func replayOnly(_ row: Pager.Entry) -> LedgerFinding {
        mismatch(
          "record \(Hex.encode(row.id)) is \(relation) \(row.value) on replay, but the catalog "
            + "does not list it", nil, Digest(bytes: row.id))
      }
      func note(_ finding: LedgerFinding) {
        if listed < Self.listLimit {
          findings.append(finding)
          listed += 1
        } else {
          unlisted += 1
        }
      }
      let catalogSQL = sql
      let store = self.store
      var catalog = Pager { after in
        try store.catalog.read { db in try Pager.rows(db, catalogSQL, datanet, after) }
      }
      var replay = Pager { after in
        try scratch.read { db in try Pager.rows(db, catalogSQL, datanet, after) }
      }
      merge: while true {
        switch (try catalog.peek(), try replay.peek()) {
        case (nil, nil):
          break merge
        case (let c?, nil):
          note(catalogOnly(c))
          catalog.advance()
        case (nil, let r?):
          note(replayOnly(r))
          replay.advance()
        case (let c?, let r?) where c.id == r.id:
          if c.value != r.value {
            note(
              mismatch(
                "record \(Hex.encode(c.id)) is \(relation) \(c.value) in the catalog, "
                  + "\(r.value) on replay", nil, Digest(bytes: c.id)))
          }
          catalog.advance()
          replay.advance()
        case (let c?, let r?):
          if c.id.lexicographicallyPrecedes(r.id) {
            note(catalogOnly(c))
            catalog.advance()
          } else {
            note(replayOnly(r))
            replay.advance()
          }
        }
      }
      if unlisted > 0 {
        findings.append(mismatch("… and \(unlisted) more record(s) \(relation) differ", nil, nil))
      }
    }
  }

  /// Every tombstone in the replay must stand for a record the ledger removed; and the catalog
  /// must not read a record from a shard where it was erased when the replay reads its bytes.
  mutating func checkTombstones(_ datanet: Digest, scratch: DatabaseQueue) throws {
    let sql = """
      SELECT r.id AS id, s.id AS shard FROM records r JOIN shards s ON s.num = r.shard
      JOIN datanets d ON d.num = r.datanet
      WHERE d.id = ? AND r.length = 0 AND NOT \(RecordStanding.removed("r")) ORDER BY r.id
      LIMIT \(Self.listLimit)
      """
    let rows = try scratch.read { db in try Row.fetchAll(db, sql: sql, arguments: [datanet.hex]) }
    var erased = Set<Data>()
    for row in rows {
      let record = Digest(bytes: row["id"] as Data)
      erased.insert(row["id"])
      findings.append(
        LedgerFinding(
          kind: .badTombstone, datanet: datanet, event: nil, object: Digest(hex: row["shard"]),
          record: record,
          message: "redacted shard \(row["shard"] as String) erased record \(record.hex), "
            + "which the ledger never took down or withdrew"))
    }
    let catalogRows = try store.catalog.read { db in
      try Row.fetchAll(db, sql: sql, arguments: [datanet.hex])
    }
    for row in catalogRows where !erased.contains(row["id"]) {
      let record = Digest(bytes: row["id"] as Data)
      findings.append(
        LedgerFinding(
          kind: .catalogMismatch, datanet: datanet, event: nil, object: Digest(hex: row["shard"]),
          record: record,
          message: "Datanet \(datanet.short): the catalog reads record \(record.hex) from shard "
            + "\(row["shard"] as String), where its bytes were erased, but replay finds them "
            + "(run `openledger rebuild-catalog`)"))
    }
  }

  /// The top-level fields in which two canonical JSON states differ.
  static func differingFields(_ a: Data?, _ b: Data?) -> [String] {
    let left = a.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
    let right = b.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
    return Set(left.keys).union(right.keys).sorted().filter { key in
      let l = left[key].map { "\($0)" }
      let r = right[key].map { "\($0)" }
      return l != r
    }
  }

  static func show(_ value: DatabaseValue) -> String {
    switch value.storage {
    case .null: "none"
    case .string(let text): "'\(text)'"
    default: value.description
    }
  }
}

/// Walks the rows of a keyset-paged query (`… WHERE d.id = ? AND x.id > ? ORDER BY x.id
/// LIMIT n`) one at a time.
private struct Pager {
  typealias Entry = (id: Data, value: String)
  let fetch: (Data) throws -> [Entry]
  private var page = [Entry]()
  private var index = 0
  private var after = Data()
  private var done = false

  init(fetch: @escaping (Data) throws -> [Entry]) {
    self.fetch = fetch
  }

  static func rows(_ db: Database, _ sql: String, _ datanet: Digest, _ after: Data) throws
    -> [Entry]
  {
    try Row.fetchAll(db, sql: sql, arguments: [datanet.hex, after]).map {
      (id: $0["id"] as Data, value: $0["value"] as String)
    }
  }

  mutating func peek() throws -> Entry? {
    if index == page.count, !done {
      page = try fetch(after)
      index = 0
      if let last = page.last { after = last.id } else { done = true }
    }
    return index < page.count ? page[index] : nil
  }

  mutating func advance() {
    index += 1
  }
}

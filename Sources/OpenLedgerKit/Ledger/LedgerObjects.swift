import Foundation
import GRDB

/// What a store's objects hold for the ledger, found by looking at every object: the events
/// that verify, the envelopes that do not, and the redacted shards `gc` wrote. What rebuilding
/// the catalog and verifying the ledger both start from.
struct LedgerObjects {
  /// Every object in the store.
  var ids: [Digest]
  var events: [Digest: SignedEvent]
  /// Objects that are DSSE envelopes but not valid events (altered, badly signed, malformed),
  /// with the reason.
  var unverifiable: [(id: Digest, error: any Error)]
  var shards: ShardLocator

  /// Events are small JSON envelopes; shards and index files are large and binary.
  static let largestEvent = 16 << 20

  static func scan(_ objects: ObjectStore) throws -> LedgerObjects {
    var malformed = [String]()
    let ids = try objects.allObjects(malformed: &malformed)
    var events = [Digest: SignedEvent]()
    var unverifiable = [(id: Digest, error: any Error)]()
    var redacted = [Digest: [Digest]]()
    for id in ids {
      guard let prefix = try? objects.readPrefix(id, count: 40), let first = prefix.first else {
        continue
      }
      if prefix.prefix(8).elementsEqual(ShardFormat.redactedMagic), prefix.count == 40 {
        redacted[Digest(bytes: prefix.dropFirst(8)), default: []].append(id)
        continue
      }
      guard first == UInt8(ascii: "{"), let size = try? objects.size(of: id),
        size < largestEvent, let bytes = try? objects.read(id, verify: false)
      else { continue }
      do {
        events[id] = try SignedEvent.verified(id: id, bytes: bytes)
      } catch LedgerError.notAnEvent {
        continue
      } catch {
        if (try? JSONDecoder().decode(Envelope.self, from: bytes)) != nil {
          unverifiable.append((id, error))
        }
      }
    }
    return LedgerObjects(
      ids: ids, events: events, unverifiable: unverifiable,
      shards: try ShardLocator(candidates: redacted, objects: objects))
  }
}

/// Where the bytes of the shards that events name are: the shard object itself, or one of the
/// redacted shards `gc` wrote in its place.
///
/// One shard object can stand for several contributions: the same records contributed again
/// after `gc` erased them from the first contribution's shard give the same bytes, so the same
/// shard id, while the first contribution's redaction stays. Which object serves a contribution
/// is therefore settled after the whole replay (`settle`), when it is known which records each
/// contribution ends up credited with and which of them were removed.
struct ShardLocator {
  /// Original shard id → the redacted shards whose header names it, sorted.
  var redactions: [Digest: [Digest]] = [:]
  /// Originals with redactions that are still in the store themselves.
  var present: Set<Digest> = []
  /// Original shard id → the object replay reads first: the original when it is in the store,
  /// else the redaction with the most tombstones (ties by the smaller id).
  private var first: [Digest: Digest] = [:]

  init() {}

  init(candidates: [Digest: [Digest]], objects: ObjectStore) throws {
    for (original, ids) in candidates {
      redactions[original] = ids.sorted()
      if objects.contains(original) {
        present.insert(original)
        continue
      }
      var best: (id: Digest, tombstones: Int)?
      for id in ids.sorted() {
        guard let entries = try? StoredRecord.read(id, objects: objects) else { continue }
        let tombstones = entries.reduce(0) { $0 + ($1.length == 0 ? 1 : 0) }
        if tombstones > best?.tombstones ?? -1 { best = (id, tombstones) }
      }
      first[original] = best?.id
    }
  }

  /// The object replay reads shard `id` from while applying its `contribution.submit`.
  func object(for id: Digest) -> Digest {
    first[id] ?? id
  }

  /// After a replay into `db`: points each shard row that has a choice at the object that
  /// suits the records credited to it. The chosen object holds the bytes of every such record
  /// the ledger has not removed when any candidate does (so no live record is read from a shard
  /// where it was erased), and among those erases the most; ties go to the smaller id. Record
  /// locations follow. A candidate whose entries are not the shard's (a redaction claiming a
  /// shard it does not match) is never chosen.
  func settle(in db: Database, objects: ObjectStore) throws {
    guard !redactions.isEmpty else { return }
    var originalOf = [Digest: Digest]()
    for (original, ids) in redactions {
      originalOf[original] = original
      for id in ids { originalOf[id] = original }
    }
    var entries = [Digest: [StoredRecord]?]()
    func entriesOf(_ id: Digest) -> [StoredRecord]? {
      if let known = entries[id] { return known }
      let read = try? StoredRecord.read(id, objects: objects)
      entries[id] = read
      return read
    }
    let rows = try Row.fetchAll(
      db,
      sql: """
        SELECT s.num AS num, s.id AS id, c.datanet AS datanet FROM shards s
        JOIN contributions c ON c.num = s.contribution ORDER BY s.num
        """)
    for row in rows {
      guard let current = Digest(hex: row["id"]), let original = originalOf[current],
        let currentEntries = entriesOf(current)
      else { continue }
      let num: Int64 = row["num"]
      let datanet: Int64 = row["datanet"]
      let credited = try Row.fetchAll(
        db,
        sql: "SELECT r.id AS id, \(RecordStanding.removed("r")) AS removed FROM records r "
          + "WHERE r.datanet = ? AND r.shard = ?", arguments: [datanet, num]
      ).reduce(into: [RecordID: Bool]()) { credited, record in
        let id: Data = record["id"]
        credited[id.withUnsafeBytes { RecordID(bytes: $0) }] = record["removed"]
      }
      let ids = currentEntries.map(\.id)
      var best: (id: Digest, lost: Int, tombstones: Int)?
      for candidate in (present.contains(original) ? [original] : []) + redactions[original]! {
        guard let candidateEntries = entriesOf(candidate), candidateEntries.map(\.id) == ids
        else { continue }
        var lost = 0
        var tombstones = 0
        for entry in candidateEntries where entry.length == 0 {
          tombstones += 1
          if credited[entry.id] == false { lost += 1 }
        }
        if let best, (best.lost, -best.tombstones, best.id) <= (lost, -tombstones, candidate) {
          continue
        }
        best = (candidate, lost, tombstones)
      }
      guard let best, best.id != current else { continue }
      try ShardRows.replace(
        num, datanet: datanet, old: current, new: best.id, size: try objects.size(of: best.id),
        entries: entriesOf(best.id)!.filter { credited[$0.id] != nil }, in: db)
    }
  }
}

/// Changes to the `shards` rows of the catalog.
enum ShardRows {
  /// Points shard row `num` at object `new` instead of `old`, moves the listed records of
  /// Datanet `datanet` credited to it to their `entries` locations, and keeps the `objects`
  /// table in step (`old` stays referenced while another row uses it).
  static func replace(
    _ num: Int64, datanet: Int64, old: Digest, new: Digest, size: Int, entries: [StoredRecord],
    in db: Database
  ) throws {
    try db.execute(sql: "UPDATE shards SET id = ? WHERE num = ?", arguments: [new.hex, num])
    let move = try db.cachedStatement(
      sql: "UPDATE records SET offset = ?, length = ? WHERE datanet = ? AND id = ? AND shard = ?")
    for entry in entries {
      try move.execute(arguments: [entry.offset, entry.length, datanet, entry.id.data, num])
    }
    try ObjectRefs.add(new, kind: .shard, size: size, in: db)
    if try Bool.fetchOne(
      db, sql: "SELECT EXISTS(SELECT 1 FROM shards WHERE id = ?)", arguments: [old.hex]) == false
    {
      try ObjectRefs.remove(old, in: db)
    }
  }
}

import Foundation
import GRDB

/// The records a Datanet publishes: those of its accepted contributions that have not been
/// removed (taken down, or withdrawn), with their bytes and provenance. What exports write and
/// what the attribution index covers.
///
/// Order: contributions in the order the ledger applied them (its topological order), then each
/// contribution's records in shard order and position within the shard. The same catalog state
/// always gives the same records in the same order. A record is credited to one contribution
/// only, so no record appears twice.
///
/// A value reads one catalog snapshot (`Catalog.snapshot()`), taken when it is made: a review
/// or takedown made meanwhile does not show up halfway through a walk. Make one per job and let
/// it go: the snapshot holds a read transaction open. `body` runs outside any catalog
/// transaction, so it may read the catalog itself.
///
/// ```swift
/// let published = try DatanetRecords(store: store, datanet: state)
/// var text = RecordText(schema: state.schema)
/// try published.forEachRecord { record in
///   let words = text.extract(record.bytes)   // the text attribution indexes
///   …
/// }
/// ```
public struct DatanetRecords: Sendable {
  public let store: Store
  public let datanet: DatanetState
  /// The contribution statuses walked: accepted only, unless validation asks for pending too.
  public let statuses: Set<ContributionStatus>
  private let snapshot: CatalogSnapshot

  /// A view of `datanet`'s published records as the catalog holds them now. `statuses` widens
  /// the view to the live records of contributions in other states (`validate` checks pending
  /// records against the schema too); removed records are never walked.
  public init(
    store: Store, datanet: DatanetState, statuses: Set<ContributionStatus> = [.accepted]
  ) throws {
    self.store = store
    self.datanet = datanet
    self.statuses = statuses
    self.snapshot = try store.catalog.snapshot()
  }

  /// `statuses` as an SQL list, e.g. `('accepted','pending')`.
  private var statusList: String {
    "(" + statuses.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",") + ")"
  }

  /// A published record, as `forEachRecord` passes it.
  public struct Record {
    public var id: RecordID
    /// The contribution it is credited to (its `contribution.submit` event id).
    public var contribution: Digest
    public var contributor: AccountID
    /// Its canonical bytes (what `id` hashes). Valid during the call only: copy to keep.
    public var bytes: UnsafeRawBufferPointer
    /// Where it was read from, when the walk asks for sources and its contribution kept them.
    public var source: RecordSource?
  }

  /// The accepted contributions, in the order `forEachRecord` walks them.
  public func contributions() throws -> [ContributionSummary] {
    try acceptedRows().map(\.summary)
  }

  /// Calls `body` with each published record, in order. `only`, when given, restricts the walk
  /// to those accepted contributions (an incremental index build passes the ones it has not
  /// indexed yet); with `sources`, each record comes with where it was read from (each
  /// contribution's provenance object is read for it).
  ///
  /// Records are never empty, so a record with no bytes is one a redacted shard erased while
  /// the ledger does not take it down (a takedown this store has not pulled): the walk stops
  /// there with `DatanetRecordsError.recordErased`, so that no export or index takes it for
  /// an empty record, unless `passingErased` (validation, which reports the state).
  public func forEachRecord(
    only: Set<Digest>? = nil, sources: Bool = false, passingErased: Bool = false,
    _ body: (Record) throws -> Void
  ) throws {
    for row in try acceptedRows() where only?.contains(row.id) ?? true {
      let origins =
        sources ? try RecordSources(contribution: row.id, objects: store.objects) : nil
      let shards = try snapshot.read { db in try row.shards(in: db) }
      for shard in shards {
        let data = try store.objects.read(shard.id)
        let records = try snapshot.read { db in
          try row.creditedRecords(in: shard, data: data, db: db)
        }
        try data.withUnsafeBytes { bytes in
          for record in records where !record.removed {
            guard passingErased || record.length > 0 else {
              throw DatanetRecordsError.recordErased(
                datanet: datanet.name, record: record.id, contribution: row.id)
            }
            try body(
              Record(
                id: record.id, contribution: row.id, contributor: row.summary.contributor,
                bytes: record.bytes(in: bytes),
                source: origins?.source(ofRecord: record.ordinal)))
          }
        }
      }
    }
  }

  /// How many records `forEachRecord` passes, and their bytes, without reading any shard.
  public func count() throws -> (records: Int, bytes: Int) {
    try snapshot.read(datanet: datanet.id) { db, num in
      let row = try Row.fetchOne(
        db,
        sql: """
          SELECT COUNT(*) AS n, COALESCE(SUM(r.length), 0) AS b FROM records r
          JOIN contributions c ON c.num = r.contribution
          WHERE r.datanet = ? AND c.status IN \(statusList) AND NOT \(RecordStanding.removed("r"))
          """, arguments: [num])
      return (row?["n"] ?? 0, row?["b"] ?? 0)
    }
  }

  /// The Datanet's ledger heads, sorted, and the time of its latest event, as the snapshot
  /// holds them: the ledger state the records reflect (an export names it; an index segment can
  /// record it).
  public func ledgerState() throws -> (heads: [Digest], time: String) {
    try snapshot.read { db in
      let heads = try Ledger.heads(of: datanet.id, in: db)
      let time =
        try String.fetchOne(
          db, sql: "SELECT MAX(time) FROM events WHERE datanet = ?", arguments: [datanet.id.hex])
        ?? datanet.updated
      return (heads, time)
    }
  }

  /// Every record removed from the Datanet (taken down, or in a withdrawn contribution), sorted
  /// by record id, with the event that removed it: what queries over older derived data (an
  /// index built before the removal) must mask.
  public func removed() throws -> [RemovedRecord] {
    try snapshot.read(datanet: datanet.id) { db, num in
      return try Row.fetchAll(
        db, sql: "SELECT id, event FROM removed_records WHERE datanet = ? ORDER BY id",
        arguments: [num]
      ).compactMap { row in
        let id: Data = row["id"]
        guard id.count == 32, let event = Digest(hex: row["event"]) else { return nil }
        return RemovedRecord(record: id.withUnsafeBytes { RecordID(bytes: $0) }, event: event)
      }
    }
  }

  private func acceptedRows() throws -> [ContributionRow] {
    try snapshot.read(datanet: datanet.id) { db, num in
      return try Row.fetchAll(
        db,
        sql: "\(ContributionRow.select) WHERE c.datanet = ? AND c.status IN \(statusList) "
          + "ORDER BY c.num", arguments: [num]
      ).map(ContributionRow.init)
    }
  }
}

/// A record that has left its Datanet, and the event that removed it.
public struct RemovedRecord: Sendable, Equatable {
  public var record: RecordID
  /// A `record.takedown` or `contribution.withdraw` event.
  public var event: Digest
}

/// Failures of a walk over a Datanet's records.
public enum DatanetRecordsError: OpenLedgerError {
  /// A published record whose bytes `gc` erased (a redacted shard) while the store's ledger
  /// does not take it down: a takedown this store has not pulled.
  case recordErased(datanet: String, record: RecordID, contribution: Digest)

  public var kind: FailureKind {
    switch self {
    case .recordErased: .checksFailed
    }
  }

  public var description: String {
    switch self {
    case .recordErased(let datanet, let record, let contribution):
      "record \(record.hex) of contribution \(contribution.short) in \(datanet) has no bytes: a "
        + "redacted shard erased them, but this store's ledger does not take the record down; "
        + "nothing was written. Run `openledger validate`, and pull the takedown that erased it "
        + "(`openledger pull`)"
    }
  }
}

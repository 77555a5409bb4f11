import Foundation
import GRDB

/// Everything a curator looks at before deciding on a contribution: who submitted it and when,
/// its source files, its records (a sample or all), and its duplicate report with the records
/// each duplicate matched.
public struct ContributionDetails: Codable, Sendable {
  public var contribution: ContributionSummary
  public var datanetName: String
  public var sources: [SourceFile]
  public var shards: [ShardInfo]
  /// How many records the contribution is credited with, and how many of those were removed.
  public var recordsCredited: Int
  public var recordsRemoved: Int
  /// Whether the contribution kept where each record came from (contributions written before
  /// openledger kept it did not: their records' source is unknown).
  public var sourcesKept: Bool
  /// The records shown: all, or the first ones in shard order.
  public var records: [RecordView]
  public var duplicates: DuplicateDetails
  /// The records `--skip-invalid` left out and why, as the event lists them.
  public var invalidRecords: [Violation]
}

/// One record, for people: its id, its text, its canonical form, and whether it was removed.
public struct RecordView: Codable, Sendable, Equatable {
  public var id: Digest
  /// The text it contributes (its schema's text fields); nil once `gc` erased a removed
  /// record's bytes.
  public var text: String?
  /// Its canonical bytes, as stored; nil once erased.
  public var canonical: String?
  public var removed: Bool
  /// Where it was read from; nil when its contribution did not keep it (written before
  /// openledger kept sources) or the record was not looked up with its contribution.
  public var source: RecordSource?
}

/// A record a duplicate matched, with where it is credited.
public struct MatchedRecord: Codable, Sendable, Equatable {
  public var record: RecordView
  public var contribution: Digest
  public var contributor: AccountID
  public var status: ContributionStatus
}

/// The duplicate report of a contribution's event, with the matched records looked up.
public struct DuplicateDetails: Codable, Sendable {
  public var exactInInput: Int
  public var exactInDatanet: Int
  public var nearFlagged: Int
  public var nearRejected: Int
  public var exact: [Exact]
  public var near: [Near]

  public struct Exact: Codable, Sendable {
    public var duplicate: ExactDuplicate
    /// The record it repeats, when the Datanet holds it.
    public var matched: MatchedRecord?
  }

  public struct Near: Codable, Sendable {
    public var duplicate: NearDuplicate
    /// The record it resembles, when the Datanet holds it.
    public var matched: MatchedRecord?
  }
}

extension Curation {
  /// The contributions to Datanet `datanet`, in the order they were recorded; only those with
  /// `status` and from `contributor` when given.
  public func contributions(
    of datanet: String, status: ContributionStatus?, contributor: AccountID?
  ) throws -> [ContributionSummary] {
    try store.catalog.read { db in
      let state = try Ledger.datanet(datanet, in: db)
      let num = try DatanetRow.number(of: state.id, in: db)
      var sql = "\(ContributionRow.select) WHERE c.datanet = ?"
      var arguments: [any DatabaseValueConvertible] = [num]
      if let status {
        sql += " AND c.status = ?"
        arguments.append(status.rawValue)
      }
      if let contributor {
        sql += " AND c.contributor = ?"
        arguments.append(contributor.hex)
      }
      return try Row.fetchAll(
        db, sql: sql + " ORDER BY c.num", arguments: StatementArguments(arguments)
      ).map { try ContributionRow($0).summary }
    }
  }

  /// The details of contribution `reference`, with its first `recordLimit` records (all when
  /// nil).
  public func details(of reference: String, recordLimit: Int?) throws -> ContributionDetails {
    try store.catalog.read { db in
      let row = try ContributionRow.resolve(reference, in: db)
      let body = try ContributionSubmit.read(row.id, from: store.objects)
      guard let state = try DatanetRow.load(row.summary.datanet, in: db) else {
        throw StoreError.catalog(
          path: "catalog.sqlite",
          message: "contribution \(row.id.hex) names Datanet \(row.summary.datanet.hex), which has "
            + "no row; run `openledger rebuild-catalog`")
      }
      var viewer = RecordViewer(
        schema: state.schema, datanet: row.datanetNum, objects: store.objects)
      let sources = try RecordSources(body, event: row.id, objects: store.objects)
      var records = [RecordView]()
      var credited = 0
      var removed = 0
      try row.forEachRecord(in: db, objects: store.objects) { id, bytes, isRemoved, ordinal in
        credited += 1
        if isRemoved { removed += 1 }
        if recordLimit.map({ records.count < $0 }) ?? true {
          var view = viewer.view(id: id.digest, bytes: bytes, removed: isRemoved)
          view.source = sources.source(ofRecord: ordinal)
          records.append(view)
        }
      }
      let summary = body.duplicates
      let duplicates = DuplicateDetails(
        exactInInput: summary.exactInInput, exactInDatanet: summary.exactInDatanet,
        nearFlagged: summary.nearFlagged, nearRejected: summary.nearRejected,
        exact: try summary.exact.map {
          .init(duplicate: $0, matched: try viewer.matched($0.record, in: db))
        },
        near: try summary.near.map {
          .init(duplicate: $0, matched: try viewer.matched($0.matches, in: db))
        })
      return ContributionDetails(
        contribution: row.summary, datanetName: state.name, sources: body.sources,
        shards: body.shards, recordsCredited: credited, recordsRemoved: removed,
        sourcesKept: sources.provenance != nil,
        records: records, duplicates: duplicates, invalidRecords: body.invalidRecords ?? [])
    }
  }
}

/// Turns records into `RecordView`s, and finds the records duplicates matched, reading each
/// shard once.
private struct RecordViewer {
  var text: RecordText
  let datanet: Int64
  let objects: ObjectStore
  var shards = [Int64: Data]()

  init(schema: DatanetSchema, datanet: Int64, objects: ObjectStore) {
    text = RecordText(schema: schema)
    self.datanet = datanet
    self.objects = objects
  }

  /// Empty bytes are a record `gc` erased.
  mutating func view(id: Digest, bytes: UnsafeRawBufferPointer, removed: Bool) -> RecordView {
    if bytes.isEmpty { return RecordView(id: id, text: nil, canonical: nil, removed: removed) }
    return RecordView(
      id: id, text: String(decoding: text.extract(bytes), as: UTF8.self),
      canonical: String(decoding: bytes, as: UTF8.self), removed: removed)
  }

  /// The Datanet's record `id`, with its credited contribution, if the Datanet holds it.
  mutating func matched(_ id: Digest, in db: Database) throws -> MatchedRecord? {
    guard
      let row = try Row.fetchOne(
        db,
        sql: """
          SELECT r.shard, r.offset, r.length, c.id AS contribution, c.contributor, c.status,
            \(RecordStanding.removed("r")) AS removed
          FROM records r JOIN contributions c ON c.num = r.contribution
          WHERE r.datanet = ? AND r.id = ?
          """, arguments: [datanet, Data(id.bytes)]),
      let contribution = Digest(hex: row["contribution"]),
      let contributor = AccountID(hex: row["contributor"]),
      let status = ContributionStatus(rawValue: row["status"])
    else { return nil }
    let shardNum: Int64 = row["shard"]
    if shards[shardNum] == nil {
      guard
        let shardID = try String.fetchOne(
          db, sql: "SELECT id FROM shards WHERE num = ?", arguments: [shardNum]
        ).flatMap(Digest.init(hex:))
      else { return nil }
      shards[shardNum] = try objects.read(shardID)
    }
    let data = shards[shardNum]!
    let offset: Int = row["offset"]
    let length: Int = row["length"]
    guard offset >= 0, length >= 0, offset + length <= data.count else { return nil }
    let record = data.withUnsafeBytes { bytes in
      view(
        id: id, bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]),
        removed: row["removed"])
    }
    return MatchedRecord(
      record: record, contribution: contribution, contributor: contributor, status: status)
  }
}

import Foundation
import GRDB

/// What happened to a record, as `record show` says it.
public enum RecordStatus: String, Codable, Sendable {
  /// Its contribution waits for review.
  case pending
  /// Its contribution was accepted and the record was not taken down: it is published.
  case accepted
  /// Its contribution was rejected.
  case rejected
  /// Its contribution was withdrawn by its contributor.
  case withdrawn
  /// A curator took it down.
  case takenDown = "taken-down"
}

/// The event that gave a record its status: a review, a withdrawal or a takedown.
public struct StatusEvent: Codable, Sendable, Equatable {
  public var event: Digest
  public var type: String
  public var actor: AccountID
  public var time: String
  /// Why, when the event says.
  public var reason: String?
}

/// A near-duplicate pair one of the record's Datanet's contributions reported.
public struct NearDuplicateLink: Codable, Sendable, Equatable {
  /// The other record of the pair.
  public var record: Digest
  public var estimatedJaccard: Double
  /// What the reporting contribution did with its record: kept and flagged, or refused.
  public var action: NearDuplicate.Action
  /// The contribution whose duplicate report lists the pair.
  public var reportedBy: Digest
  /// Where the other record was read, when the report says (it does when the other record is
  /// the reporting contribution's own).
  public var location: SourceLocation?
  /// The contribution the other record is credited to and its status, when the Datanet holds
  /// the other record.
  public var contribution: Digest?
  public var status: ContributionStatus?
}

/// Everything the store says about one record of one Datanet.
public struct RecordDetails: Codable, Sendable {
  public var record: Digest
  public var datanet: Digest
  public var datanetName: String
  public var format: RecordFormat
  /// The text it contributes (its schema's text fields); nil once `gc` erased its bytes.
  public var text: String?
  /// Its canonical bytes (what its id hashes); nil once erased.
  public var canonical: String?
  /// The contribution it is credited to.
  public var contribution: ContributionSummary
  public var status: RecordStatus
  /// The event behind `status`; none while pending.
  public var statusEvent: StatusEvent?
  /// Where it was read from; nil when its contribution did not keep it (`sourceKept`).
  public var source: RecordSource?
  /// Whether its contribution kept each record's source (those written before openledger kept
  /// it did not: the source is unknown).
  public var sourceKept: Bool
  /// The earlier records its contribution flagged it as a near duplicate of.
  public var nearDuplicateOf: [NearDuplicateLink]
  /// The records later contributions flagged (or refused) as near duplicates of it.
  public var nearDuplicates: [NearDuplicateLink]
}

extension Curation {
  /// The record called `reference` (a full id, or a unique prefix of at least 8 hex digits), in
  /// every Datanet that holds it, or only in `datanet`: its bytes, contribution, status and
  /// the event behind it, source, and near duplicates. The duplicate reports list at most
  /// `IngestReport.listLimit` pairs per contribution.
  public func record(_ reference: String, datanet: String? = nil) throws -> [RecordDetails] {
    try store.catalog.read { db in
      let states =
        try datanet.map { [try Ledger.datanet($0, in: db)] }
        ?? Data.fetchAll(db, sql: "SELECT state FROM datanets ORDER BY name").map(
          DatanetRow.decode)
      let id = RecordID(
        try Self.resolveRecord(
          reference, in: states.map { try DatanetRow.number(of: $0.id, in: db) },
          name: datanet, db: db))
      var found = [RecordDetails]()
      for state in states {
        if let details = try details(of: id, in: state, db: db) { found.append(details) }
      }
      return found
    }
  }

  /// Record `id` of Datanet `state`, if it holds it.
  private func details(of id: RecordID, in state: DatanetState, db: Database) throws
    -> RecordDetails?
  {
    let datanet = try DatanetRow.number(of: state.id, in: db)
    guard
      let row = try Row.fetchOne(
        db,
        sql: """
          SELECT r.contribution, r.offset, r.length, s.id AS shard, s.position,
            (SELECT COALESCE(SUM(e.records), 0) FROM shards e
              WHERE e.contribution = r.contribution AND e.position < s.position) AS before,
            x.event AS removal, ev.type AS removalType
          FROM records r JOIN shards s ON s.num = r.shard
          LEFT JOIN removed_records x ON x.datanet = r.datanet AND x.id = r.id
          LEFT JOIN events ev ON ev.id = x.event
          WHERE r.datanet = ? AND r.id = ?
          """, arguments: [datanet, id.data])
    else { return nil }
    let contributionNum: Int64 = row["contribution"]
    guard
      let contribution = try ContributionRow.fetch(num: contributionNum, in: db),
      let shard = Digest(hex: row["shard"])
    else {
      throw StoreError.catalog(
        path: "catalog.sqlite", message: "the row of record \(id.hex) names no contribution")
    }
    let body = try ContributionSubmit.read(contribution.id, from: store.objects)

    // The bytes, and the record's position in its shard, which its source is looked up by.
    let data = try store.objects.read(shard)
    let offset: Int = row["offset"]
    let length: Int = row["length"]
    var position: Int?
    var index = 0
    do {
      try ShardReader(data: data).forEachEntry { entry in
        switch entry {
        case .record(_, let at), .tombstone(_, let at): if at == offset { position = index }
        }
        index += 1
      }
    } catch is ShardReader.Failure {
      throw CurationError.malformedShard(shard)
    }
    var text: String?
    var canonical: String?
    if length > 0, offset >= 0, offset + length <= data.count {
      data.withUnsafeBytes { bytes in
        let record = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
        var extractor = RecordText(schema: state.schema)
        text = String(decoding: extractor.extract(record), as: UTF8.self)
        canonical = String(decoding: record, as: UTF8.self)
      }
    }
    let sources = try RecordSources(body, event: contribution.id, objects: store.objects)
    let source = position.flatMap { sources.source(ofRecord: (row["before"] as Int) + $0) }

    let (status, statusEvent) = try Self.status(
      of: contribution.summary, removal: (row["removal"] as String?).flatMap(Digest.init(hex:)),
      removalType: row["removalType"], objects: store.objects)
    return RecordDetails(
      record: id.digest, datanet: state.id, datanetName: state.name, format: state.schema.format,
      text: text, canonical: canonical, contribution: contribution.summary, status: status,
      statusEvent: statusEvent, source: source, sourceKept: sources.provenance != nil,
      nearDuplicateOf: try body.duplicates.near.filter { $0.record == id.digest }.map {
        try Self.link(
          $0, other: $0.matches, location: $0.matchLocation, reportedBy: contribution.id,
          datanet: datanet, db: db)
      },
      nearDuplicates: try nearDuplicates(of: id.digest, datanet: state.id, number: datanet, db: db))
  }

  /// The status a record has in contribution `summary`, with the event behind it; `removal` is
  /// the event that removed the record, if any.
  private static func status(
    of summary: ContributionSummary, removal: Digest?, removalType: String?,
    objects: ObjectStore
  ) throws -> (RecordStatus, StatusEvent?) {
    if let removal, removalType == EventType.recordTakedown.rawValue {
      let event = try SignedEvent.verified(id: removal, bytes: objects.read(removal))
      var reason: String?
      if case .recordTakedown(let body) = event.payload.body { reason = body.reason }
      return (
        .takenDown,
        StatusEvent(
          event: removal, type: EventType.recordTakedown.rawValue, actor: event.payload.actor,
          time: event.payload.time, reason: reason)
      )
    }
    let status: RecordStatus =
      switch summary.status {
      case .pending: .pending
      case .accepted: .accepted
      case .rejected: .rejected
      case .withdrawn: .withdrawn
      }
    guard let decision = summary.decision, let actor = summary.decidedBy,
      let time = summary.decidedAt
    else { return (status, nil) }
    let type =
      summary.status == .withdrawn
      ? EventType.contributionWithdraw.rawValue : EventType.contributionReview.rawValue
    return (
      status,
      StatusEvent(
        event: decision, type: type, actor: actor, time: time,
        reason: summary.reason.flatMap { $0.isEmpty ? nil : $0 })
    )
  }

  /// The pairs of the Datanet's duplicate reports whose earlier record is `record`.
  private func nearDuplicates(of record: Digest, datanet: Digest, number: Int64, db: Database)
    throws -> [NearDuplicateLink]
  {
    var links = [NearDuplicateLink]()
    let submissions = try String.fetchAll(
      db, sql: "SELECT id FROM events WHERE datanet = ? AND type = ? ORDER BY seq",
      arguments: [datanet.hex, EventType.contributionSubmit.rawValue]
    ).compactMap(Digest.init(hex:))
    for id in submissions {
      let event = try SignedEvent.verified(id: id, bytes: store.objects.read(id))
      guard case .contributionSubmit(let body) = event.payload.body else { continue }
      for near in body.duplicates.near where near.matches == record {
        links.append(
          try Self.link(
            near, other: near.record, location: near.location, reportedBy: id, datanet: number,
            db: db))
      }
    }
    return links
  }

  /// A pair of `near`'s report seen from one side: `other` is the record on the other side.
  private static func link(
    _ near: NearDuplicate, other: Digest, location: SourceLocation?, reportedBy: Digest,
    datanet: Int64, db: Database
  ) throws -> NearDuplicateLink {
    let row = try Row.fetchOne(
      db,
      sql: """
        SELECT c.id, c.status FROM records r JOIN contributions c ON c.num = r.contribution
        WHERE r.datanet = ? AND r.id = ?
        """, arguments: [datanet, Data(other.bytes)])
    return NearDuplicateLink(
      record: other, estimatedJaccard: near.estimatedJaccard, action: near.action,
      reportedBy: reportedBy, location: location,
      contribution: (row?["id"] as String?).flatMap(Digest.init(hex:)),
      status: (row?["status"] as String?).flatMap(ContributionStatus.init(rawValue:)))
  }
}

extension ContributionRow {
  /// The contribution whose catalog number is `num`.
  static func fetch(num: Int64, in db: Database) throws -> ContributionRow? {
    try Row.fetchOne(db, sql: "\(select) WHERE c.num = ?", arguments: [num]).map(
      ContributionRow.init)
  }
}

import Foundation
import GRDB

/// An attribution segment found on disk that `rebuild-catalog` did not list again, and why.
public struct LeftOutSegment: Codable, Sendable, Equatable {
  public var datanet: Digest
  public var segment: Digest
  public var reason: String
}

/// Lists again, when the catalog is rebuilt, the attribution index segments that are on disk.
///
/// The catalog's `attribution_segments` and `attribution_contributions` are not in any event,
/// so replay cannot recreate them; the segments themselves can say what they cover. A segment
/// is listed again only when its coverage is established exactly:
/// - its files verify against its manifest (`IndexSegment.verify`);
/// - every record in it is credited, after replay, to the contribution the segment names for it,
///   that contribution is accepted, and its contributor is the one the segment names;
/// - no record of it is in a segment already listed (segments are taken largest first);
/// - for every contribution it holds records of, the listed segments hold every record credited
///   to that contribution that the ledger has not removed (a contribution split across
///   segments needs all of them).
/// Any other segment is left out, with the reason: `gc` then deletes it, and `index build`
/// indexes its contributions again. An accepted contribution no listed segment holds is covered
/// (with no segment) when it has no unremoved record, as `index build` would record it;
/// otherwise `index build` indexes it.
enum SegmentRecovery {
  /// The segment directories under `indexes/<datanet>/`, opened and verified, by Datanet; and
  /// those that do not open or verify.
  static func scan(indexes: String) -> (found: [Digest: [IndexSegment]], leftOut: [LeftOutSegment])
  {
    var found = [Digest: [IndexSegment]]()
    var leftOut = [LeftOutSegment]()
    for name in (try? FileSystem.list(indexes)) ?? [] {
      guard let datanet = Digest(hex: name) else { continue }
      let directory = AttributionIndex.directory(of: datanet, indexes: indexes)
      for entry in ((try? FileSystem.list(directory)) ?? []).sorted() {
        guard let id = Digest(hex: entry), entry == id.hex else { continue }
        do {
          let segment = try IndexSegment(directory: "\(directory)/\(entry)")
          try segment.verify()
          found[datanet, default: []].append(segment)
        } catch {
          leftOut.append(LeftOutSegment(datanet: datanet, segment: id, reason: "\(error)"))
        }
      }
    }
    return (found, leftOut)
  }

  /// Lists the segments of `segments` whose coverage is established, for Datanet `datanet`,
  /// in the rebuilt catalog; returns those listed and those left out.
  static func register(
    _ segments: [IndexSegment], datanet: Digest, in db: Database
  ) throws -> (listed: [Digest], leftOut: [LeftOutSegment]) {
    guard
      let num = try Int64.fetchOne(
        db, sql: "SELECT num FROM datanets WHERE id = ?", arguments: [datanet.hex])
    else {
      let leftOut = segments.map {
        LeftOutSegment(
          datanet: datanet, segment: $0.id, reason: "the ledger holds no such Datanet")
      }
      return ([], leftOut)
    }
    var leftOut = [LeftOutSegment]()
    func leave(_ segment: IndexSegment, _ reason: String) {
      leftOut.append(LeftOutSegment(datanet: datanet, segment: segment.id, reason: reason))
    }
    let credit = try db.cachedStatement(
      sql: """
        SELECT c.id AS contribution, c.status AS status, c.contributor AS contributor,
          \(RecordStanding.removed("r")) AS removed
        FROM records r JOIN contributions c ON c.num = r.contribution
        WHERE r.datanet = ? AND r.id = ?
        """)
    // Unremoved records of each contribution, per segment.
    var held = [Digest: [Digest: Int]]()
    var claimed = Set<RecordID>()
    var listed = [IndexSegment]()
    let ordered = segments.sorted {
      ($0.recordCount, $1.id) > ($1.recordCount, $0.id)
    }
    segmentLoop: for segment in ordered {
      var counts = [Digest: Int]()
      var records = [RecordID]()
      for index in 0..<segment.recordCount {
        let record = segment.recordID(index)
        let contribution = segment.contribution(ofRecord: index)
        guard !claimed.contains(record) else {
          leave(segment, "record \(record.hex) is in another segment too")
          continue segmentLoop
        }
        guard let row = try Row.fetchOne(credit, arguments: [num, record.data]) else {
          leave(segment, "record \(record.hex) is not in the Datanet")
          continue segmentLoop
        }
        let credited: String = row["contribution"]
        let status: String = row["status"]
        let contributor: String = row["contributor"]
        guard credited == contribution.hex, status == ContributionStatus.accepted.rawValue,
          contributor == segment.contributor(ofRecord: index).hex
        else {
          leave(
            segment,
            "record \(record.hex) is credited to contribution \(credited) (\(status)), not to "
              + "\(contribution.hex) of \(segment.contributor(ofRecord: index).hex) as the "
              + "segment says")
          continue segmentLoop
        }
        records.append(record)
        let removed: Bool = row["removed"]
        counts[contribution, default: 0] += removed ? 0 : 1
      }
      claimed.formUnion(records)
      held[segment.id] = counts
      listed.append(segment)
    }

    // Unremoved records of each accepted contribution.
    var published = [Digest: Int]()
    for id in try String.fetchAll(
      db, sql: "SELECT id FROM contributions WHERE datanet = ? AND status = ?",
      arguments: [num, ContributionStatus.accepted.rawValue])
    {
      if let id = Digest(hex: id) { published[id] = 0 }
    }
    for row in try Row.fetchAll(
      db,
      sql: """
        SELECT c.id AS id, COUNT(*) AS records FROM records r
        JOIN contributions c ON c.num = r.contribution
        WHERE r.datanet = ? AND c.status = ? AND NOT \(RecordStanding.removed("r"))
        GROUP BY c.id
        """, arguments: [num, ContributionStatus.accepted.rawValue])
    {
      if let id = Digest(hex: row["id"]) { published[id] = row["records"] }
    }
    // A contribution the listed segments hold only part of takes its segments out with it,
    // which can leave another contribution partly held: repeat until none is.
    while true {
      var totals = [Digest: Int]()
      for segment in listed {
        for (contribution, count) in held[segment.id]! { totals[contribution, default: 0] += count }
      }
      let partial = totals.filter { published[$0.key] != $0.value }
      guard let (contribution, count) = partial.min(by: { $0.key < $1.key }) else { break }
      let dropped = listed.filter { held[$0.id]![contribution] != nil }
      for segment in dropped {
        leave(
          segment,
          "the segments hold \(count) of the \(published[contribution] ?? 0) unremoved records "
            + "of contribution \(contribution.hex)")
      }
      listed.removeAll { held[$0.id]![contribution] != nil }
    }

    var covered = Set<Digest>()
    for segment in listed {
      let manifest = segment.manifest
      try db.execute(
        sql: """
          INSERT INTO attribution_segments (datanet, id, tokens, records, bytes, created)
          VALUES (?, ?, ?, ?, ?, ?)
          """,
        arguments: [
          num, segment.id.hex, manifest.tokens, manifest.records, manifest.fileBytes,
          created(segment),
        ])
      for contribution in held[segment.id]!.keys.sorted() {
        covered.insert(contribution)
        try db.execute(
          sql: """
            INSERT INTO attribution_contributions (datanet, contribution, segment)
            VALUES (?, ?, ?)
            """, arguments: [num, contribution.hex, segment.id.hex])
      }
    }
    for (contribution, count) in published where count == 0 && !covered.contains(contribution) {
      try db.execute(
        sql:
          "INSERT INTO attribution_contributions (datanet, contribution, segment) VALUES (?, ?, '')",
        arguments: [num, contribution.hex])
    }
    return (listed.map(\.id), leftOut)
  }

  /// When the segment was written, as far as its directory tells: its manifest's time.
  private static func created(_ segment: IndexSegment) -> String {
    let path = "\(segment.directory)/\(SegmentFiles.manifest)"
    let date =
      (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    return Timestamp.format(date ?? Date(timeIntervalSince1970: 0))
  }
}

import GRDB

/// Counts that describe a Datanet's content.
public struct DatanetStatistics: Codable, Sendable, Equatable {
  /// Records the Datanet holds: those of pending and accepted contributions, not removed.
  public var records: Int
  /// Records of accepted contributions, not removed: what exports publish.
  public var acceptedRecords: Int
  /// Records taken down or withdrawn.
  public var removedRecords: Int
  public var contributors: Int
  /// Contributions by status.
  public var contributions: [String: Int]
}

extension Ledger {
  public func statistics(of datanet: Digest) throws -> DatanetStatistics {
    try store.catalog.read(datanet: datanet) { db, num in
      var records = 0
      var accepted = 0
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT c.status, COUNT(*) AS n FROM records r
          JOIN contributions c ON c.num = r.contribution
          WHERE r.datanet = ? AND c.status IN \(RecordStanding.liveStatuses)
          AND NOT \(RecordStanding.removed("r")) GROUP BY c.status
          """, arguments: [num])
      {
        let n: Int = row["n"]
        records += n
        if row["status"] == ContributionStatus.accepted.rawValue { accepted = n }
      }
      let removed =
        try Int.fetchOne(
          db, sql: "SELECT COUNT(*) FROM removed_records WHERE datanet = ?", arguments: [num]) ?? 0
      let contributors =
        try Int.fetchOne(
          db, sql: "SELECT COUNT(DISTINCT contributor) FROM contributions WHERE datanet = ?",
          arguments: [num]) ?? 0
      var byStatus = [String: Int]()
      for status in ContributionStatus.allCases { byStatus[status.rawValue] = 0 }
      for row in try Row.fetchAll(
        db,
        sql: "SELECT status, COUNT(*) AS n FROM contributions WHERE datanet = ? GROUP BY status",
        arguments: [num])
      {
        byStatus[row["status"]] = row["n"]
      }
      return DatanetStatistics(
        records: records, acceptedRecords: accepted, removedRecords: removed,
        contributors: contributors, contributions: byStatus)
    }
  }
}

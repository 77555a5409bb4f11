import GRDB

/// Counts that describe a Datanet's content.
public struct DatanetStatistics: Codable, Sendable, Equatable {
  /// Records the Datanet holds (pending and accepted contributions).
  public var records: Int
  public var contributors: Int
  /// Contributions by status.
  public var contributions: [String: Int]
}

extension Ledger {
  public func statistics(of datanet: Digest) throws -> DatanetStatistics {
    try store.catalog.read { db in
      let num = try ContributionCatalog.datanetNumber(datanet, in: db)
      let records =
        try Int.fetchOne(
          db, sql: "SELECT COUNT(*) FROM records WHERE datanet = ?", arguments: [num]) ?? 0
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
        records: records, contributors: contributors, contributions: byStatus)
    }
  }
}

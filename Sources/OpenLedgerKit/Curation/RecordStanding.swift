import Foundation
import GRDB

/// Whether a record row still counts in its Datanet, as SQL conditions over a `records` row, so
/// that every query asks the same question the same way.
///
/// A record's row stays in `records` for good (the bytes stay until `gc`, the events keep the
/// history); what changes is its standing:
/// - **live**: its contribution is pending or accepted, and it has not been removed. Live
///   records are the Datanet's content; near duplicates are looked for among them.
/// - **held**: live, or taken down. A held record is not stored again: a new contribution
///   that carries it counts it as an exact duplicate, so a takedown cannot be undone by
///   contributing the same bytes again.
/// - otherwise (its contribution was rejected or withdrawn) the record is free: contributed
///   again, it is stored and credited to the new contribution.
enum RecordStanding {
  static let liveStatuses = "('pending', 'accepted')"

  /// True when the record of row `alias` is held by its Datanet.
  static func held(_ alias: String) -> String {
    """
    (EXISTS (SELECT 1 FROM contributions hc WHERE hc.num = \(alias).contribution
      AND hc.status IN \(liveStatuses))
     OR EXISTS (SELECT 1 FROM removed_records hx JOIN events he ON he.id = hx.event
      WHERE hx.datanet = \(alias).datanet AND hx.id = \(alias).id
      AND he.type = '\(EventType.recordTakedown.rawValue)'))
    """
  }

  /// True when the record of row `alias` is live.
  static func live(_ alias: String) -> String {
    """
    (EXISTS (SELECT 1 FROM contributions lc WHERE lc.num = \(alias).contribution
      AND lc.status IN \(liveStatuses))
     AND NOT \(removed(alias)))
    """
  }

  /// True when the record of row `alias` has been removed (taken down or withdrawn).
  static func removed(_ alias: String) -> String {
    """
    EXISTS (SELECT 1 FROM removed_records rx WHERE rx.datanet = \(alias).datanet
      AND rx.id = \(alias).id)
    """
  }

  /// After a contribution is recorded: records it brought again that an earlier withdrawal had
  /// removed are now credited to it, so they are no longer removed.
  static func restoreRecredited(contribution: Int64, datanet: Int64, in db: Database) throws {
    guard
      try Bool.fetchOne(
        db, sql: "SELECT EXISTS(SELECT 1 FROM removed_records WHERE datanet = ?)",
        arguments: [datanet]) == true
    else { return }
    try db.execute(
      sql: """
        DELETE FROM removed_records WHERE datanet = ?1
        AND event IN (SELECT id FROM events WHERE type = '\(EventType.contributionWithdraw.rawValue)')
        AND EXISTS (SELECT 1 FROM records r WHERE r.datanet = ?1 AND r.id = removed_records.id
          AND r.contribution = ?2)
        """, arguments: [datanet, contribution])
  }
}

import Foundation
import GRDB

/// The shards a pull fetched, read as each arrived, on the fetching threads while the others
/// are still coming: their entries and their records' ids for the catalog's rows, so that
/// folding them reads and hashes none of them again.
final class PulledShards: Sendable {
  private let read = Locked([Digest: [StoredRecord]]())

  /// Reads shard `id` from `bytes`, which the caller has checked against its name. A shard that
  /// is not well-formed is left out: folding reads it again and refuses its event, saying why.
  func add(_ id: Digest, bytes: Data) {
    guard let shard = try? ShardEntries(shard: bytes) else { return }
    read.withLock { $0[id] = shard.entries }
  }

  /// Every shard's entries (`ContributionCatalog.insert`'s `listed`), by object id.
  var entries: [Digest: [StoredRecord]] {
    read.withLock { $0 }
  }
}

extension Store {
  /// Leaves the records credited to the contributions of `events` (pulled ones, folded
  /// incrementally) for `datanet`'s near-duplicate index to take in later: their shards are
  /// listed as pending, and the next command that compares records with the Datanet's
  /// (`contribute`, `fingerprint`) indexes them first (`indexPendingNearDuplicates`). Computing
  /// their signatures is about half of what a clone costs, and a store that only reviews,
  /// exports or attributes never needs them.
  func deferNearDuplicates(of events: [SignedEvent], in datanet: Digest, db: Database) throws {
    let contributions = events.filter { $0.payload.type == .contributionSubmit }.map(\.id.hex)
    guard !contributions.isEmpty else { return }
    let num = try DatanetRow.number(of: datanet, in: db)
    for contribution in contributions {
      try db.execute(
        sql: """
          INSERT OR IGNORE INTO near_duplicate_pending (datanet, shard)
          SELECT ?, s.num FROM shards s JOIN contributions c ON c.num = s.contribution
          WHERE c.id = ?
          """, arguments: [num, contribution])
    }
  }
}

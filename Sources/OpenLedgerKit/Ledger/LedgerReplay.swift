import GRDB

/// Folds verified events into a catalog, parents first (ties by the smaller event id), with
/// each event's rights judged against its causal past: what rebuilding the catalog and
/// verifying the ledger both do.
struct LedgerReplay {
  /// What became of one event.
  enum Outcome {
    case applied
    /// In the DAG without effect: it lost to a concurrent event (the reason says which).
    case overridden(String)
    /// Not applied: the rules refuse it, or a parent is missing or was refused.
    case refused(any Error)
  }

  /// The events in the order they were folded, each with its outcome.
  var outcomes: [(id: Digest, outcome: Outcome)] = []

  var applied: Int {
    outcomes.reduce(0) {
      switch $1.outcome {
      case .applied, .overridden: $0 + 1
      case .refused: $0
      }
    }
  }

  /// Replays `events` into `db`; each event in a savepoint of its own, so a refused one leaves
  /// nothing behind.
  static func run(
    _ events: [Digest: SignedEvent], into db: Database, objects: ObjectStore,
    shards: ShardLocator
  ) throws -> LedgerReplay {
    let order = TopologicalOrder.sort(events.mapValues(\.payload.parents))
    let causality = Causality(events: events, order: order)
    var replay = LedgerReplay()
    for id in order {
      do {
        var outcome = EventApplier.Outcome.applied
        try db.inSavepoint {
          outcome = try EventApplier.apply(
            events[id]!, in: db, objects: objects, shards: shards, causality: causality)
          return .commit
        }
        if case .overridden(let reason) = outcome {
          replay.outcomes.append((id, .overridden(reason)))
        } else {
          replay.outcomes.append((id, .applied))
        }
      } catch {
        replay.outcomes.append((id, .refused(error)))
      }
    }
    try shards.settle(in: db, objects: objects)
    return replay
  }
}

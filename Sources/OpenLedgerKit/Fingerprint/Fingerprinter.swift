import Foundation

/// Runs the analysis of `contribute` without adding anything to the Datanet: for contributors
/// checking data before they submit it, and for scripts and CI.
public struct Fingerprinter {
  public init() {}

  /// Reads `inputs` by `schema`, and, when `datanet` is given, compares them with that
  /// Datanet's records and uses its near-duplicate policy.
  public func analyze(
    _ inputs: [InputPath], schema: DatanetSchema, datanet: (store: Store, reference: String)?,
    options: IngestOptions, standardInput: Int32 = STDIN_FILENO,
    progress: @escaping (Int, Int) -> Void = { _, _ in }
  ) throws -> IngestReport {
    guard let datanet else {
      let ingestor = Ingestor(
        schema: schema, options: options, datanet: nil, nearDuplicateAction: .flag, shards: nil,
        progress: progress)
      try ingestor.ingest(inputs, standardInput: standardInput)
      return try ingestor.finish()
    }
    let store = datanet.store
    let id = try Ledger(store: store).datanet(datanet.reference).id
    // Records a pull brought join the near-duplicate index first: the one thing fingerprinting
    // may write, and only to the index, which is derived from the Datanet's records.
    // The store lock, which writers of the index hold, is taken only then: with nothing
    // pending, fingerprinting takes no lock, as before pulls left anything pending.
    if try store.pendingNearDuplicateShards(of: id) > 0 {
      try withExtendedLifetime(store.lock(.shared)) { try store.indexPendingNearDuplicates(of: id) }
    }
    return try store.readDatanet(id) { state, view in
      let ingestor = Ingestor(
        schema: state.schema, options: options, datanet: view,
        nearDuplicateAction: state.policy.nearDuplicate, shards: nil, progress: progress)
      try ingestor.ingest(inputs, standardInput: standardInput)
      return try ingestor.finish()
    }
  }
}

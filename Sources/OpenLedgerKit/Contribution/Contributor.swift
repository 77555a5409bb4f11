import Foundation
import GRDB

/// The outcome of a contribution: what was read, and the event when records were stored.
public struct ContributionOutcome: Sendable {
  public var report: IngestReport
  /// The `contribution.submit` event, when there were new records to store.
  public var event: SignedEvent?
  /// Why nothing was stored, when the input was refused (invalid records without
  /// `--skip-invalid`).
  public var refusal: IngestError?
}

/// Reads input into a Datanet as one signed contribution, all or nothing.
public struct Contributor {
  public let store: Store

  public init(store: Store) {
    self.store = store
  }

  /// Reads `inputs` by the Datanet's schema, stores the new records in shards, and records one
  /// `contribution.submit` event signed by `identity`. Nothing reaches the catalog unless all of
  /// it does; objects written before a failure are unreferenced and `gc` removes them.
  public func contribute(
    to reference: String, inputs: [InputPath], by identity: Identity, options: IngestOptions,
    clock: any Clock, standardInput: Int32 = STDIN_FILENO,
    progress: @escaping (Int, Int) -> Void = { _, _ in }
  ) throws -> ContributionOutcome {
    let lock = try store.lock(.shared)
    defer { withExtendedLifetime(lock) {} }
    let ledger = Ledger(store: store)
    let state = try ledger.datanet(reference)
    let shards = ShardWriter(objects: store.objects)
    let ingestor = try store.catalog.read { db in
      let view = try DatanetView(
        num: try ContributionCatalog.datanetNumber(state.id, in: db), db: db,
        indexDirectory: NearDuplicateIndex.directory(of: state.id, indexes: store.indexesDirectory))
      let ingestor = Ingestor(
        schema: state.schema, options: options, datanet: view,
        nearDuplicateAction: state.policy.nearDuplicate, shards: shards, progress: progress)
      try ingestor.ingest(inputs, standardInput: standardInput)
      return ingestor
    }
    let report = try ingestor.finish()
    if report.invalid > 0 && !options.skipInvalid {
      return ContributionOutcome(
        report: report, event: nil, refusal: .invalidRecords(count: report.invalid))
    }
    if report.recordsNew == 0 {
      return ContributionOutcome(report: report, event: nil, refusal: nil)
    }
    // The shard writer's queue writes and syncs the last shards while the segment is written;
    // only then is the list of shards waited for.
    try shards.close()
    let directory = NearDuplicateIndex.directory(of: state.id, indexes: store.indexesDirectory)
    try FileSystem.makeDirectory(directory)
    let segmentFile = try NearDuplicateSegment.write(
      ids: ingestor.stored.map { $0.id }, signatures: ingestor.storedSignatures,
      into: directory, stagingDirectory: "\(store.root)/tmp")
    let shardList = try shards.finish()
    let body = ContributionSubmit(
      shards: shardList, records: ingestor.stored.count, sources: report.inputs,
      duplicates: DuplicateSummary(report), invalid: report.invalid)
    let extras = ContributionExtras(
      records: ingestor.stored,
      nearDuplicateSegment: (segmentFile, ingestor.stored.count))
    let event = try ledger.append(
      .contributionSubmit(body), to: state.id, by: identity, clock: clock, extras: extras)
    // The contribution is in; keeping the index compact is housekeeping that a later
    // contribution retries if it fails here.
    try? store.compactNearDuplicateIndex(of: state.id)
    return ContributionOutcome(report: report, event: event, refusal: nil)
  }
}

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
  /// it does; objects written before a failure are unreferenced and `gc` removes them. The
  /// event names the sources relative to `workingDirectory` when they lie under it, so that a
  /// signed, permanent event does not carry the contributor's directory layout.
  ///
  /// Contributions to one Datanet are written one at a time: while another is being written,
  /// this one calls `waiting` and waits its turn. So each decides its duplicates against every
  /// contribution recorded before it, as if they had been run one after another, and its
  /// signed counts are what it is credited with.
  public func contribute(
    to reference: String, inputs: [InputPath], by identity: Identity, options: IngestOptions,
    clock: any Clock, workingDirectory: String? = nil, standardInput: Int32 = STDIN_FILENO,
    waiting: @escaping () -> Void = {}, progress: @escaping (Int, Int) -> Void = { _, _ in }
  ) throws -> ContributionOutcome {
    let datanet = try Ledger(store: store).datanet(reference).id
    let outcome: ContributionOutcome
    do {
      let turn = try store.contributionTurn(of: datanet, waiting: waiting)
      let lock = try store.lock(.shared)
      defer { withExtendedLifetime((turn, lock)) {} }
      outcome = try contribute(
        to: datanet, inputs: inputs, by: identity, options: options, clock: clock,
        workingDirectory: workingDirectory, standardInput: standardInput, progress: progress)
    }
    if outcome.event != nil {
      // Files merged away are deleted only while no other process holds the store lock; when
      // one does, a later contribution or `gc` deletes them.
      _ = try? store.removeUnlistedNearDuplicateFiles(of: datanet)
    }
    return outcome
  }

  /// The contribution itself, with the Datanet's turn and the store lock held.
  private func contribute(
    to datanet: Digest, inputs: [InputPath], by identity: Identity, options: IngestOptions,
    clock: any Clock, workingDirectory: String?, standardInput: Int32,
    progress: @escaping (Int, Int) -> Void
  ) throws -> ContributionOutcome {
    // Records a pull brought join the near-duplicate index before these are compared with it.
    try store.indexPendingNearDuplicates(of: datanet)
    let shards = ShardWriter(objects: store.objects)
    let (state, ingestor) = try store.readDatanet(datanet) { state, view in
      let ingestor = Ingestor(
        schema: state.schema, options: options, datanet: view,
        nearDuplicateAction: state.policy.nearDuplicate, shards: shards, progress: progress)
      try ingestor.ingest(inputs, standardInput: standardInput)
      return (state, ingestor)
    }
    let report = try ingestor.finish()
    if report.invalid > 0 && !options.skipInvalid {
      return ContributionOutcome(
        report: report, event: nil, refusal: .invalidRecords(count: report.invalid))
    }
    if report.recordsNew == 0 {
      return ContributionOutcome(report: report, event: nil, refusal: nil)
    }
    // Two things overlap from here: the shard writer's queue writes and syncs the last shards
    // while another thread sorts and writes the near-duplicate segment. Both are done before
    // the write transaction opens, so it holds the catalog only for the rows.
    try shards.close()
    let directory = NearDuplicateIndex.directory(of: state.id, indexes: store.indexesDirectory)
    try FileSystem.makeDirectory(directory)
    let (ids, signatures, staging) = (
      ingestor.stored.map { $0.id }, ingestor.storedSignatures, "\(store.root)/tmp"
    )
    let segment = BackgroundTask {
      try NearDuplicateSegment.write(
        ids: ids, signatures: signatures, into: directory, stagingDirectory: staging)
    }
    // However this ends, the segment's thread is done before the function returns.
    defer { _ = try? segment.value() }
    let relative = { (path: String) in
      workingDirectory.map { FileSystem.relative(path, to: $0) } ?? path
    }
    let provenance = ingestor.provenance.renamingPaths(relative)
    let provenanceID = try store.objects.put(provenance.encoded())
    let shardList = try shards.finish()
    let body = ContributionSubmit(
      shards: shardList, records: ingestor.stored.count,
      sources: report.inputs.map { source in
        var named = source
        named.path = relative(source.path)
        return named
      },
      duplicates: DuplicateSummary(report), invalid: report.invalid,
      invalidRecords: report.violations.isEmpty
        ? nil
        : report.violations.map { violation in
          var named = violation
          named.location.input = relative(violation.location.input)
          return named
        }, provenance: provenanceID)
    let segmentFile = try segment.value()
    try Store.checkPresent(segmentFile, in: directory)
    let written = ContributionCatalog.Written(
      records: ingestor.stored, provenance: provenance,
      nearDuplicateSegment: (segmentFile, ids.count))
    let event = try Ledger(store: store).append(
      .contributionSubmit(body), to: state.id, by: identity, clock: clock
    ) { db, event in
      try ContributionCatalog.insert(
        event, body, written: written, objects: store.objects, in: db)
    }
    // The contribution is in; keeping the index compact is housekeeping that a later
    // contribution retries if it fails here.
    try? store.compactNearDuplicateIndex(of: state.id)
    return ContributionOutcome(report: report, event: event, refusal: nil)
  }
}

extension Store {
  /// The Datanet's turn to contribute: an exclusive lock on `locks/contribute-<datanet>`,
  /// held from before a contribution reads the Datanet until after its event is recorded.
  /// `waiting` is called first when another process (or thread) holds it.
  func contributionTurn(of datanet: Digest, waiting: () -> Void) throws -> StoreLock {
    let directory = "\(root)/locks"
    try FileSystem.makeDirectory(directory)
    let path = "\(directory)/contribute-\(datanet.hex)"
    if let turn = try StoreLock(path: path, mode: .exclusive, wait: false) { return turn }
    waiting()
    return try StoreLock(path: path, mode: .exclusive)
  }
}

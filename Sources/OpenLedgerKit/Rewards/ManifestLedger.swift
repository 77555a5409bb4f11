import GRDB

extension ManifestVerifier {
  /// What a store's ledger holds for one manifest, for the `ledger` check.
  public struct LedgerRecord: Sendable, Equatable {
    /// The Datanet's name, for messages.
    public var datanet: String
    /// The ledger's `rewards.epoch` event for the manifest's epoch, nil when it holds none.
    public var recorded: RecordedEpoch?
    /// The latest epoch the ledger records, nil when it records none.
    public var lastEpoch: UInt64?
    /// The ledger heads the manifest names that the ledger does not hold, sorted.
    public var missingHeads: [Digest]

    public init(
      datanet: String, recorded: RecordedEpoch?, lastEpoch: UInt64?, missingHeads: [Digest]
    ) {
      self.datanet = datanet
      self.recorded = recorded
      self.lastEpoch = lastEpoch
      self.missingHeads = missingHeads
    }

    /// Whether the ledger lacks events the manifest names or implies: its epoch's, or heads.
    public var lacksEvents: Bool { recorded == nil || !missingHeads.isEmpty }
  }

  /// A `rewards.epoch` event: the manifest it recorded.
  public struct RecordedEpoch: Sendable, Equatable {
    public var manifest: Digest
    public var event: Digest

    public init(manifest: Digest, event: Digest) {
      self.manifest = manifest
      self.event = event
    }
  }

  /// What to do when a store's ledger lacks events that a manifest of its Datanet names.
  public static let lackingEventsAdvice =
    "the ledger may be truncated (its newest events deleted) or behind the store the manifest "
    + "came from: restore the missing events from a copy of the store, or pull them from where "
    + "the manifest came from"

  /// The `ledger` check: skipped without a store that holds the Datanet; else the ledger must
  /// hold the manifest's epoch, recorded with this manifest, and the heads it names.
  func checkLedger(_ manifest: RewardsManifest) -> (CheckResult.Status, String) {
    let predicate = manifest.predicate
    let epoch = predicate.epoch
    guard let ledger else {
      return (
        .skipped,
        "no store that holds Datanet \(predicate.datanet.short) is at hand: verify inside one "
          + "to check that its ledger recorded this manifest"
      )
    }
    let record: LedgerRecord
    do {
      record = try ledger(manifest)
    } catch let error as OpenLedgerError {
      return (.failed, "cannot read the ledger's epoch \(epoch): \(error.description)")
    } catch {
      return (.failed, "cannot read the ledger's epoch \(epoch): \(error)")
    }
    var problems = [String]()
    if let recorded = record.recorded {
      if recorded.manifest != manifest.id {
        problems.append(
          "the ledger recorded manifest \(recorded.manifest.hex) for epoch \(epoch) of "
            + "\(record.datanet) (rewards.epoch event \(recorded.event.short)); this is manifest "
            + "\(manifest.id.hex), a replacement the ledger never recorded, however it is signed"
        )
      }
    } else {
      problems.append(
        "the store's ledger of \(record.datanet) lacks epoch \(epoch)'s rewards.epoch event ("
          + (record.lastEpoch.map { "its last epoch is \($0)" } ?? "it records no epoch") + ")")
    }
    if !record.missingHeads.isEmpty {
      problems.append(
        "the store's ledger of \(record.datanet) lacks the ledger heads the manifest names: "
          + record.missingHeads.map(\.hex).joined(separator: ", "))
    }
    if record.lacksEvents { problems.append(Self.lackingEventsAdvice) }
    guard problems.isEmpty, let recorded = record.recorded else {
      return (.failed, problems.joined(separator: "; "))
    }
    return (
      .passed,
      "the ledger recorded this manifest for epoch \(epoch) of \(record.datanet) (rewards.epoch "
        + "event \(recorded.event.short)) and holds the \(predicate.ledgerHeads.count) ledger "
        + "head(s) it names"
    )
  }
}

extension RewardEpochs {
  /// What this store's ledger holds for `manifest` (one of this Datanet's): the `rewards.epoch`
  /// event of its epoch, the last epoch, and the ledger heads it names that the ledger lacks.
  public func ledgerRecord(of manifest: RewardsManifest) throws -> ManifestVerifier.LedgerRecord {
    let predicate = manifest.predicate
    guard predicate.datanet == datanet.id else {
      throw RewardsError.notOfDatanet(manifest: manifest.id, datanet: datanet.name)
    }
    let epochs = try list()
    let missing = try store.catalog.read { db in
      try predicate.ledgerHeads.filter { head in
        try Bool.fetchOne(
          db, sql: "SELECT 1 FROM events WHERE id = ? AND datanet = ?",
          arguments: [head.hex, datanet.id.hex]) != true
      }
    }
    return ManifestVerifier.LedgerRecord(
      datanet: datanet.name,
      recorded: epochs.first { $0.epoch == predicate.epoch }.map {
        .init(manifest: $0.manifest, event: $0.event)
      }, lastEpoch: epochs.last?.epoch, missingHeads: missing.sorted())
  }
}

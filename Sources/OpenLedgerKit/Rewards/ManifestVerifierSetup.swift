import Foundation

/// How `manifest verify` is set up around a store: whose signature is trusted, where earlier
/// manifests are found, what the ledger recorded, and how an epoch is re-run. Without a store
/// only what the files themselves show is checked.
extension ManifestVerifier {
  /// A verifier for the envelope at `path`.
  ///
  /// - Parameters:
  ///   - store: the store at hand, if any; it must hold the manifest's Datanet to be used.
  ///   - keys: the keys to trust (`--key`), each with why; nil trusts the Datanet's curators in
  ///     the store and the curator who recorded the epoch.
  ///   - previous: the previous epoch's manifest given by the caller (`--previous`), tried
  ///     before the store.
  ///   - recompute: whether to re-run the epoch from `store` (which is then required).
  ///   - log: the inference log to re-run it on; nil uses the copy the store kept.
  public init(
    envelope path: String, store: Store?, keys: [AccountID: String]?,
    previous given: PreviousManifest?, recompute: Bool = false, log: RewardLog? = nil
  ) {
    let manifest = try? RewardsManifest.load(path: path)
    let state = manifest.flatMap { manifest in
      store.flatMap { try? Ledger(store: $0).datanet(manifest.predicate.datanet.hex) }
    }
    let trusted: [AccountID: String]
    if let keys {
      trusted = keys
    } else if let store, let manifest, let state {
      trusted = Self.storeTrust(of: manifest, datanet: state, in: store)
    } else {
      trusted = [:]
    }
    let objects = store?.objects
    self.init(trusted: trusted) { id in
      if let given, Digest.of(given.envelope) == id { return given }
      guard let objects, objects.contains(id) else { return nil }
      let envelope = try objects.read(id)
      let leaves = (try? RewardsManifest.decode(envelope, name: id.hex))
        .flatMap { $0.subjectDigest(ManifestFiles.leaves) }
        .flatMap { objects.contains($0) ? try? objects.read($0) : nil }
      return PreviousManifest(envelope: envelope, leaves: leaves, source: "the store")
    }
    if recompute, let store {
      self.recompute = Self.rerun(in: store, log: log)
    }
    if let store, let state {
      let epochs = RewardEpochs(store: store, datanet: state)
      ledger = { try epochs.ledgerRecord(of: $0) }
    }
  }

  /// The keys a store trusts for a manifest of `datanet`: its curators, and the curator who
  /// recorded the epoch, who was one then (checked on write and replay) even if no longer.
  public static func storeTrust(
    of manifest: RewardsManifest, datanet state: DatanetState, in store: Store
  ) -> [AccountID: String] {
    var keys = [AccountID: String]()
    for curator in state.curators { keys[curator] = "a curator of \(state.name)" }
    if let epoch = try? RewardEpochs(store: store, datanet: state).epoch(manifest: manifest.id),
      keys[epoch.actor] == nil
    {
      keys[epoch.actor] = "recorded epoch \(epoch.epoch) of \(state.name)"
    }
    return keys
  }

  /// Re-runs a manifest's epoch from the store: the index segments it queried, masking the
  /// records removed before it, with its attribution settings, on `log` (or the stored
  /// inference log).
  static func rerun(in store: Store, log: RewardLog?)
    -> @Sendable (RewardsManifest) throws ->
    Recomputation
  {
    { manifest in
      let state = try Ledger(store: store).datanet(manifest.predicate.datanet.hex)
      let predicate = manifest.predicate
      let attributor = try AttributionIndex(store: store, datanet: state).attributor(
        settings: predicate.attribution, segments: predicate.indexSegments,
        ledgerHeads: predicate.ledgerHeads, usedBy: "reward epoch \(predicate.epoch)",
        verify: true)
      let leaves = try RewardEpochs(store: store, datanet: state).recomputeLeaves(
        of: manifest, log: log, attributor: attributor)
      return .init(leaves: leaves, indexSegments: attributor.segmentIDs)
    }
  }
}

/// The body of a `rewards.epoch` event: a curator records the epoch's signed manifest and the
/// objects it was computed with. The manifest names its leaves (subject) and inference log
/// (predicate); the event adds the derived tree and the per-inference allocations.
public struct RewardsEpoch: Codable, Sendable, Equatable {
  /// 1 for the first epoch of the Datanet, then one more each time.
  public var epoch: UInt64
  /// The manifest id: the SHA-256 of the DSSE envelope, stored as an object.
  public var manifest: Digest
  /// The `tree.bin` object.
  public var tree: Digest
  /// The allocations object: how each inference's fee was divided (`EpochAllocations`).
  public var allocations: Digest
  /// The model operator's signed statement about the inference log (`SignedInferenceLog`), an
  /// object; absent when the log was not signed.
  public var signedLog: Digest?

  public init(
    epoch: UInt64, manifest: Digest, tree: Digest, allocations: Digest, signedLog: Digest? = nil
  ) {
    self.epoch = epoch
    self.manifest = manifest
    self.tree = tree
    self.allocations = allocations
    self.signedLog = signedLog
  }
}

import Foundation

/// What rewards needs from attribution: each output's weights, and which index and settings
/// gave them (recorded in the manifest so the epoch can be recomputed). `Attributor` is one.
public protocol OutputAttributing: Sendable {
  /// The index segments the weights come from.
  var segmentIDs: [Digest] { get }
  var settings: AttributionSettings { get }
  /// Each contributor's attribution units for `output`, and the units no record accounts for.
  func weights(of output: String) -> OutputWeights
}

extension Attributor: OutputAttributing {
  public func weights(of output: String) -> OutputWeights {
    let attribution = attribute(output)
    var contributors = [AccountID: UInt64](minimumCapacity: attribution.contributors.count)
    for credit in attribution.contributors {
      contributors[credit.account, default: 0] += credit.units
    }
    return OutputWeights(contributors: contributors, unattributed: attribution.unattributedUnits)
  }
}

/// An epoch computed from an inference log: every output attributed, every fee split, the
/// cumulative leaves and the signed manifest.
public struct EpochComputation: Sendable {
  public let allocation: EpochAllocation
  public let bundle: ManifestBundle

  /// Where an epoch starts from: nothing (epoch 1) or the previous epoch's manifest and leaves.
  public struct Start: Sendable {
    public var epoch: UInt64
    public var previous: ManifestBundle?

    public init(previous: ManifestBundle?) {
      self.previous = previous
      self.epoch = (previous?.predicate.epoch ?? 0) + 1
    }
  }

  /// Attributes and splits every inference of `log`, then builds and signs the manifest. With
  /// `recipients` (each account's payout address; the others are paid to the zero address)
  /// the leaves are v2, else v1; `operators` says who owes the fees (v2 only).
  public static func run(
    datanet: Digest, start: Start, ledgerHeads: [Digest], log: RewardLog,
    attributor: some OutputAttributing, policy: RewardPolicy, token: RewardToken,
    recipients: [AccountID: EVMAddress]? = [:], operators: [RewardsPredicate.OperatorFees] = [],
    signer: Identity
  ) throws -> EpochComputation {
    try run(
      datanet: datanet, start: start, ledgerHeads: ledgerHeads, log: log,
      weights: weights(of: log, attributor: attributor), attributor: attributor, policy: policy,
      token: token, recipients: recipients, operators: operators, signer: signer)
  }

  /// Splits every inference of `log` by its `weights` (what `attributor` gave), then builds and
  /// signs the manifest.
  static func run(
    datanet: Digest, start: Start, ledgerHeads: [Digest], log: RewardLog,
    weights: [OutputWeights], attributor: some OutputAttributing, policy: RewardPolicy,
    token: RewardToken, recipients: [AccountID: EVMAddress]?,
    operators: [RewardsPredicate.OperatorFees], signer: Identity
  ) throws -> EpochComputation {
    let allocation = try allocate(log: log, weights: weights, policy: policy, start: start)
    let leaves = try RewardLeaves(
      datanet: datanet, epoch: start.epoch, cumulative: allocation.cumulative,
      recipients: recipients)
    let contents = ManifestContents(
      datanet: datanet, epoch: start.epoch, ledgerHeads: ledgerHeads,
      indexSegments: attributor.segmentIDs, attribution: attributor.settings,
      inferenceLog: .init(sha256: log.digest, inferences: log.inferences.count), policy: policy,
      token: token, epochFees: allocation.epochFees,
      previousCumulative: allocation.previousTotal,
      previousManifest: start.previous?.manifest.id, operators: operators)
    let bundle = try ManifestBundle.build(contents, leaves: leaves, by: signer)
    return EpochComputation(allocation: allocation, bundle: bundle)
  }

  /// The `leaves.jsonl` that attributing and splitting `log` again gives, for
  /// `manifest verify --recompute`: the policy and leaf format are the manifest's own; a v2
  /// manifest's leaves pay `recipients` (the payout addresses at its ledger heads).
  public static func recomputeLeaves(
    of manifest: RewardsManifest, log: RewardLog, attributor: some OutputAttributing,
    previous: ManifestBundle?, recipients: [AccountID: EVMAddress] = [:]
  ) throws -> Data {
    let predicate = manifest.predicate
    let start = Start(previous: previous)
    guard start.epoch == predicate.epoch else {
      throw RewardsError.inconsistent(
        "the previous manifest is of epoch \(start.epoch - 1), not \(predicate.epoch - 1)")
    }
    let allocation = try allocate(
      log: log, weights: weights(of: log, attributor: attributor), policy: predicate.policy,
      start: start)
    return try RewardLeaves(
      datanet: predicate.datanet, epoch: predicate.epoch, cumulative: allocation.cumulative,
      recipients: manifest.leafFormat == .v2 ? recipients : nil
    ).jsonLines()
  }

  /// Each output of `log` attributed, in log order: the long part of an epoch, and the part
  /// that does not depend on the epochs before it.
  static func weights(of log: RewardLog, attributor: some OutputAttributing) -> [OutputWeights] {
    // Outputs are attributed on all cores: the attributor is thread-safe and each output is
    // independent; the results land in log order.
    let count = log.inferences.count
    var weights = [OutputWeights](
      repeating: OutputWeights(contributors: [:], unattributed: 0), count: count)
    weights.withUnsafeMutableBufferPointer { buffer in
      let results = UncheckedSendable(buffer)
      Parallel.forEachChunk(count: count, minimumCount: 64) { range in
        for index in range {
          results.value[index] = attributor.weights(of: log.inferences[index].output)
        }
      }
    }
    return weights
  }

  static func allocate(
    log: RewardLog, weights: [OutputWeights], policy: RewardPolicy, start: Start
  ) throws -> EpochAllocation {
    let items = log.inferences.indices.map { index in
      (id: log.inferences[index].id, fee: log.fees[index], weights: weights[index])
    }
    return try Allocator(policy: policy).allocate(
      items, previous: start.previous?.leaves.cumulative ?? [:])
  }
}

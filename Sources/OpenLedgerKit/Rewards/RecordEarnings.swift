import Foundation

/// What one record earned in one reward epoch.
///
/// Epochs record what each *account* earned (the allocations object lists, per inference, the
/// accounts paid and their attribution units), not each record. A record's part is found again
/// by attributing the outputs that paid its contributor once more, over the index segments and
/// with the removals the epoch's manifest names, exactly as `manifest verify --recompute` does:
/// the units are what the epoch credited the record. When `index compact` has retired those
/// segments, the units cannot be recomputed: the epoch is listed with the inferences that paid
/// the contributor, and `recomputed` is false.
public struct RecordEpochCredit: Codable, Sendable, Equatable {
  public var epoch: UInt64
  public var manifest: Digest
  /// The attribution units the record earned in the epoch's outputs; nil when they cannot be
  /// recomputed.
  public var units: UInt64?
  /// The inferences whose outputs credited the record (when recomputed), or that paid its
  /// contributor (when not), in log order.
  public var inferences: [String]
  /// What the record's contributor earned from those inferences, for all their records (the
  /// split is per account: no amount belongs to one record).
  public var contributorAmount: DecimalAmount
  public var recomputed: Bool
}

extension RewardEpochs {
  /// The epochs that credited record `record`, whose contributor is `contributor`, first to
  /// last (see `RecordEpochCredit`). Only outputs that paid `contributor` are attributed again.
  public func credits(ofRecord record: RecordID, contributor: AccountID) throws
    -> [RecordEpochCredit]
  {
    var credits = [RecordEpochCredit]()
    for epoch in try list() {
      let lines = try inferenceShares(of: epoch).lines.filter { line in
        line.shares.contains {
          $0.account == contributor && $0.roles.contains(.contributor) && $0.weight > 0
        }
      }
      guard !lines.isEmpty else { continue }
      let amount = { (lines: [EpochAllocations.Line]) -> DecimalAmount in
        DecimalAmount(
          lines.reduce(TokenAmount(0)) { total, line in
            total
              + line.shares.filter { $0.account == contributor }.reduce(TokenAmount(0)) {
                $0 + $1.amount.value
              }
          })
      }
      let predicate = try bundle(of: epoch).predicate
      let attributor: Attributor
      do {
        attributor = try AttributionIndex(store: store, datanet: datanet).attributor(
          settings: predicate.attribution, segments: predicate.indexSegments,
          ledgerHeads: predicate.ledgerHeads, usedBy: "reward epoch \(epoch.epoch)",
          verify: false)
      } catch AttributionError.retiredSegment {
        credits.append(
          RecordEpochCredit(
            epoch: epoch.epoch, manifest: epoch.manifest, units: nil,
            inferences: lines.map(\.inference), contributorAmount: amount(lines),
            recomputed: false))
        continue
      }
      let log = try RewardLog.parse(
        store.objects.read(epoch.log), name: "inference log \(epoch.log.short)")
      var outputs = [Int: String]()
      for inference in log.inferences { outputs[inference.line] = inference.output }
      var units: UInt64 = 0
      var paying = [EpochAllocations.Line]()
      for line in lines {
        guard let output = outputs[line.line] else { continue }
        let earned = attributor.attribute(output).records.first { $0.record == record.digest }
        guard let earned, earned.units > 0 else { continue }
        units += earned.units
        paying.append(line)
      }
      guard !paying.isEmpty else { continue }
      credits.append(
        RecordEpochCredit(
          epoch: epoch.epoch, manifest: epoch.manifest, units: units,
          inferences: paying.map(\.inference), contributorAmount: amount(paying),
          recomputed: true))
    }
    return credits
  }
}

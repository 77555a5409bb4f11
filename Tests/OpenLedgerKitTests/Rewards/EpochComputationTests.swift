import Foundation
import Testing

@testable import OpenLedgerKit

/// A stand-in for attribution: each word is one token (10^9 units); words starting with "a"
/// came from account 0x01, with "b" from 0x02, half and half with "c", the rest from no one.
struct WordAttributor: OutputAttributing {
  var segmentIDs: [Digest] { [testDatanet] }
  var settings: AttributionSettings { AttributionSettings(minSpan: 1, maxOccurrences: 5) }

  func weights(of output: String) -> OutputWeights {
    var contributors = [AccountID: UInt64]()
    var unattributed: UInt64 = 0
    for word in output.split(separator: " ") {
      switch word.first {
      case "a": contributors[account(1), default: 0] += 1_000_000_000
      case "b": contributors[account(2), default: 0] += 1_000_000_000
      case "c":
        contributors[account(1), default: 0] += 500_000_000
        contributors[account(2), default: 0] += 500_000_000
      default: unattributed += 1_000_000_000
      }
    }
    return OutputWeights(contributors: contributors, unattributed: unattributed)
  }
}

@Suite struct EpochComputationTests {
  let fixture: Fixture

  init() throws { fixture = try Fixture() }

  func log(_ text: String) throws -> RewardLog {
    try RewardLog.parse(Data(text.utf8), name: "log.jsonl")
  }

  func run(_ text: String, previous: ManifestBundle?) throws -> EpochComputation {
    try EpochComputation.run(
      datanet: testDatanet, start: .init(previous: previous), ledgerHeads: [testDatanet],
      log: try log(text), attributor: WordAttributor(),
      policy: testPolicy(curatorAccounts: [fixture.alice.account]), token: .standard,
      signer: fixture.alice)
  }

  @Test func epochsAttributeSplitAndChain() throws {
    let first = try run(
      """
      {"id":"1","output":"apple banana x","fee":"3000"}
      {"id":"2","output":"cherry","fee":"1000"}
      """, previous: nil)
    let amounts = first.allocation.cumulative
    // 1: 80% of 3000 in thirds (800 each to 0x01, 0x02, unattributed); 2: 800 halved.
    #expect(amounts[account(1)] == 1_200)
    #expect(amounts[account(2)] == 1_200)
    #expect(amounts[account(0xff)] == 800)
    #expect(amounts[fixture.alice.account] == 400)
    #expect(amounts[account(0xee)] == 400)
    #expect(first.bundle.predicate.epoch == 1)
    #expect(first.bundle.predicate.indexSegments == [testDatanet])
    #expect(first.bundle.predicate.attribution.minSpan == 1)
    #expect(first.bundle.predicate.inferenceLog.inferences == 2)

    let second = try run(#"{"id":"3","output":"banana","fee":"100"}"#, previous: first.bundle)
    #expect(second.bundle.predicate.epoch == 2)
    #expect(second.bundle.predicate.previousManifest == first.bundle.manifest.id)
    #expect(second.allocation.cumulative[account(2)] == 1_280)
    #expect(second.bundle.leaves.total == 4_100)

    let directory = try TemporaryDirectory()
    try second.bundle.write(to: directory.path, previousEnvelope: first.bundle.manifest.bytes)
    let report = ManifestVerifier(trusted: [fixture.alice.account: "alice"]) { _ in
      PreviousManifest(
        envelope: first.bundle.manifest.bytes, leaves: first.bundle.leavesFile, source: "test")
    }.verify(path: "\(directory.path)/manifest.json")
    #expect(report.passed, "\(report.checks)")
  }

  @Test func recomputingGivesTheSameLeavesOrNamesTheDifference() throws {
    let text = #"{"id":"1","output":"apple x","fee":"999"}"#
    let epoch = try run(text, previous: nil)
    let again = try EpochComputation.recomputeLeaves(
      of: epoch.bundle.manifest, log: try log(text), attributor: WordAttributor(), previous: nil)
    #expect(again == epoch.bundle.leavesFile)

    let directory = try TemporaryDirectory()
    try epoch.bundle.write(to: directory.path, previousEnvelope: nil)
    let changed = #"{"id":"1","output":"banana x","fee":"999"}"#
    let report = ManifestVerifier(
      trusted: [fixture.alice.account: "alice"],
      recompute: { manifest in
        .init(
          leaves: try EpochComputation.recomputeLeaves(
            of: manifest, log: try RewardLog.parse(Data(changed.utf8), name: "log"),
            attributor: WordAttributor(), previous: nil),
          indexSegments: [testDatanet])
      }
    ).verify(path: "\(directory.path)/manifest.json")
    #expect(report.failed == [.recompute])
    #expect(report.checks.last?.detail.contains("different leaves: line") == true)
  }
}

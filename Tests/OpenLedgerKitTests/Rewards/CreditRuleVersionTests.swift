import Foundation
import Testing

@testable import OpenLedgerKit

/// A reward manifest records the credit rule it was computed with, and is recomputed with it.
@Suite struct CreditRuleVersionTests {
  static let disclaimer =
    "distributed in the hope that it will be useful, but WITHOUT ANY WARRANTY; see the "
    + "license for more details."

  /// Bob's twelve headers share the disclaimer; one says "It is", the others "This program is".
  func fixture() throws -> CurationFixture {
    let fixture = try CurationFixture()
    let texts = (0..<12).map { index in
      "Copyright \(2000 + index) Holder\(index). \(index == 0 ? "It is" : "This program is") "
        + Self.disclaimer
    }
    let id = try fixture.contribute(texts, by: fixture.bob)
    try fixture.curation.review(
      [id.hex], decision: .accept, reason: "", by: fixture.alice, clock: fixture.clock)
    try AttributionIndex(store: fixture.store, datanet: try fixture.state()).build(
      clock: fixture.clock)
    return fixture
  }

  @Test func settingsWithoutARuleMeanRuleOne() throws {
    let old = try JSONDecoder().decode(
      AttributionSettings.self, from: Data(#"{"maxOccurrences":10,"minSpan":8}"#.utf8))
    #expect(old.creditRule == 1)
    #expect(AttributionSettings().creditRule == AttributionSettings.currentCreditRule)
    let encoded = String(
      decoding: try CanonicalEncoder.encode(AttributionSettings()), as: UTF8.self)
    #expect(encoded == #"{"creditRule":2,"maxOccurrences":10,"minSpan":8}"#)
    let error = #expect(throws: AttributionError.self) {
      try Attributor(segments: [], settings: AttributionSettings(creditRule: 3))
    }
    guard case .unknownCreditRule(3)? = error else {
      Issue.record("not refused as an unknown credit rule: \(String(describing: error))")
      return
    }
    #expect(error?.kind == .dataError)
  }

  @Test func anEpochOfRuleOneRecomputesWithRuleOne() throws {
    let fixture = try fixture()
    let state = try fixture.state()
    let index = AttributionIndex(store: fixture.store, datanet: state)
    let output = "It is \(Self.disclaimer)"
    let log = try RewardLog.parse(
      Data(#"{"id":"q1","output":"\#(output)","fee":"1000000"}"#.utf8), name: "log.jsonl")
    // As an earlier release computed it: every token of the rare span credited.
    let ruleOne = AttributionSettings(creditRule: 1)
    #expect(try index.attributor(settings: ruleOne).attribute(output).attributedTokens > 0)
    #expect(try index.attributor().attribute(output).attributedTokens == 0)
    let epochs = RewardEpochs(store: fixture.store, datanet: state)
    let computed = try epochs.compute(
      log: log, attributor: try index.attributor(settings: ruleOne), by: fixture.alice,
      clock: fixture.clock)
    #expect(computed.manifest.predicate.attribution.creditRule == 1)
    let leaves = try epochs.bundle(of: computed.epoch).leavesFile
    let recomputed = try epochs.recomputeLeaves(
      of: computed.manifest, log: nil,
      attributor: try index.attributor(settings: computed.manifest.predicate.attribution))
    #expect(recomputed == leaves)
    // The current rule would pay bob nothing for it: the rule is part of what is recomputed.
    let current = try epochs.recomputeLeaves(
      of: computed.manifest, log: nil, attributor: try index.attributor())
    #expect(current != leaves)
  }
}

import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct RewardPolicyTests {
  let owner = account(0x0a)

  @Test func defaultsGiveTheOwnerTheProtocolAndUnattributedParts() throws {
    let (policy, token) = try RewardSettings().resolve(
      curators: [account(2), account(1)], owner: owner)
    #expect(policy.basisPoints == RewardPolicy.defaultBasisPoints)
    #expect(policy.protocolAccount == owner && policy.unattributedAccount == owner)
    #expect(policy.curators == [account(1), account(2)])
    #expect(token == .standard)
  }

  @Test func laterSettingsOverrideFieldByField() throws {
    let datanet = RewardSettings(
      basisPoints: .init(contributors: 7_000, curators: 2_000, protocolPart: 1_000),
      protocolAccount: account(0x0b), token: RewardToken(symbol: "USDC", decimals: 6))
    let file = RewardSettings(
      basisPoints: .init(contributors: 6_000, curators: 3_000), unattributedAccount: account(0x0c))
    let flags = RewardSettings(basisPoints: .init(curators: 2_500, protocolPart: 1_500))
    let (policy, token) = try flags.merged(over: file.merged(over: datanet)).resolve(
      curators: [], owner: owner)
    #expect(
      policy.basisPoints == BasisPoints(contributors: 6_000, curators: 2_500, protocolPart: 1_500))
    #expect(policy.protocolAccount == account(0x0b))
    #expect(policy.unattributedAccount == account(0x0c))
    #expect(token.symbol == "USDC" && token.decimals == 6)
  }

  @Test func partsMustSumToTenThousand() {
    let settings = RewardSettings(basisPoints: .init(contributors: 9_500))
    #expect {
      try settings.resolve(curators: [], owner: owner)
    } throws: { error in
      guard let error = error as? RewardsError, case .invalidPolicy(let reason) = error else {
        return false
      }
      return reason.contains("sum to 11500") && error.kind == .usage
    }
    #expect(
      RewardPolicy.check(BasisPoints(contributors: -1, curators: 10_001, protocolPart: 0)) != nil)
  }

  @Test func policyFilesAreCheckedFieldByField() throws {
    let directory = try TemporaryDirectory()
    let path = "\(directory.path)/policy.json"
    try Data(
      #"{"basisPoints":{"contributors":9000,"protocol":500},"token":{"symbol":"OPEN","decimals":18}}"#
        .utf8
    )
    .write(to: URL(fileURLWithPath: path))
    let settings = try RewardSettings.load(path: path)
    #expect(settings.basisPoints?.contributors == 9_000)
    #expect(settings.basisPoints?.curators == nil)

    try Data(#"{"basisPoint":{"contributors":9000}}"#.utf8).write(to: URL(fileURLWithPath: path))
    #expect {
      try RewardSettings.load(path: path)
    } throws: { error in
      let text = "\(error)"
      return text.contains("policy.json") && text.contains("basisPoint")
        && (error as? RewardsError)?.kind == .dataError
    }
    try Data(#"{"protocolAccount":"alice"}"#.utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: RewardsError.self) { try RewardSettings.load(path: path) }
  }
}

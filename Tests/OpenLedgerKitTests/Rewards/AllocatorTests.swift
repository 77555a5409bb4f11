import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct AllocatorTests {
  @Test func splitsByBasisPointsAndWeights() throws {
    let policy = testPolicy(8_000, 1_000, 1_000, curatorAccounts: [account(0xc1), account(0xc2)])
    let weights = OutputWeights(
      contributors: [account(0x01): 3_000_000_000, account(0x02): 1_000_000_000],
      unattributed: 1_000_000_000)
    let split = try Allocator(policy: policy).split(
      fee: 1_000_000, weights: weights, inference: "a")
    let amounts = Dictionary(uniqueKeysWithValues: split.shares.map { ($0.account, $0.amount) })
    // 80% by weight 3:1:1, 10% to two curators, 10% to the protocol.
    #expect(amounts[account(0x01)] == 480_000)
    #expect(amounts[account(0x02)] == 160_000)
    #expect(amounts[account(0xff)] == 160_000)
    #expect(amounts[account(0xc1)] == 50_000)
    #expect(amounts[account(0xc2)] == 50_000)
    #expect(amounts[account(0xee)] == 100_000)
    #expect(split.shares.map(\.account) == split.shares.map(\.account).sorted())
    #expect(split.shares.first { $0.account == account(0x01) }?.weight == 3_000_000_000)
    #expect(split.shares.first { $0.account == account(0xff) }?.roles == [.unattributed])
    #expect(split.units == 5_000_000_000)
  }

  @Test func leftoverUnitsGoToLargestRemaindersThenSmallerAccountIDs() throws {
    // Three equal contributors and no other part: 10 units split 3.33… each; the one unit left
    // over goes to the smallest account id.
    let policy = testPolicy(10_000, 0, 0)
    let weights = OutputWeights(
      contributors: [account(0x03): 5, account(0x01): 5, account(0x02): 5], unattributed: 0)
    let split = try Allocator(policy: policy).split(fee: 10, weights: weights, inference: "a")
    #expect(split.shares.map(\.amount) == [4, 3, 3])
    #expect(split.shares.map(\.account) == [account(0x01), account(0x02), account(0x03)])

    // Weights 1:2:4 of 10: exact 1.43, 2.86, 5.71; floors 1, 2, 5 leave 2 units, which go to
    // the remainders .86 and .71, not to the smallest id.
    let unequal = OutputWeights(
      contributors: [account(0x01): 1, account(0x02): 2, account(0x03): 4], unattributed: 0)
    let second = try Allocator(policy: policy).split(fee: 10, weights: unequal, inference: "b")
    #expect(second.shares.map(\.amount) == [1, 3, 6])
  }

  @Test func anAccountWithSeveralRolesGetsOneShare() throws {
    let owner = account(0xee)
    let policy = RewardPolicy(
      basisPoints: BasisPoints(contributors: 8_000, curators: 1_000, protocolPart: 1_000),
      curators: [owner], protocolAccount: owner, unattributedAccount: owner)
    let split = try Allocator(policy: policy).split(
      fee: 1_000, weights: OutputWeights(contributors: [owner: 10], unattributed: 10),
      inference: "a")
    #expect(split.shares.count == 1)
    #expect(split.shares[0].amount == 1_000)
    #expect(split.shares[0].roles == [.contributor, .curator, .protocolAccount, .unattributed])
  }

  @Test func emptyOutputAndNoCuratorsGoToTheUnattributedAccount() throws {
    let policy = testPolicy(8_000, 1_500, 500, curatorAccounts: [])
    let split = try Allocator(policy: policy).split(
      fee: 1_000, weights: OutputWeights(contributors: [:], unattributed: 0), inference: "a")
    let amounts = Dictionary(uniqueKeysWithValues: split.shares.map { ($0.account, $0.amount) })
    #expect(amounts == [account(0xff): 950, account(0xee): 50])
  }

  @Test func hugeFeesSplitExactly() throws {
    let policy = testPolicy(7_777, 1_111, 1_112, curatorAccounts: [account(0xc1), account(0xc2)])
    let weights = OutputWeights(
      contributors: [account(0x01): UInt64.max / 3, account(0x02): UInt64.max / 3],
      unattributed: UInt64.max / 3)
    let split = try Allocator(policy: policy).split(
      fee: TokenAmount.max, weights: weights, inference: "a")
    var sum: TokenAmount = 0
    for share in split.shares { sum += share.amount }
    #expect(sum == TokenAmount.max)
  }

  /// Random policies, curators, weights and fees: every fee's shares sum to it exactly, the
  /// epoch's amounts sum to its fees, cumulative amounts to all fees so far.
  @Test(arguments: 0..<40) func partsAlwaysSumToThePool(_ seed: Int) throws {
    var rng = SplitMix64(seed: UInt64(seed) &* 0x9e37_79b9)
    let (policy, inferences) = Self.randomEpoch(&rng)
    let allocator = Allocator(policy: policy)
    var previous = [AccountID: TokenAmount]()
    var previousFees: TokenAmount = 0
    for _ in 0..<3 {
      let allocation = try allocator.allocate(inferences, previous: previous)
      var fees: TokenAmount = 0
      for (item, split) in zip(inferences, allocation.inferences) {
        var sum: TokenAmount = 0
        for share in split.shares { sum += share.amount }
        #expect(sum == item.fee, "inference \(item.id)")
        fees += item.fee
      }
      #expect(allocation.epochFees == fees)
      #expect(allocation.amounts.values.reduce(0, +) == fees)
      #expect(allocation.cumulative.values.reduce(0, +) == previousFees + fees)
      #expect(allocation.cumulativeTotal == previousFees + fees)
      for (account, amount) in previous { #expect(allocation.cumulative[account]! >= amount) }
      previous = allocation.cumulative
      previousFees += fees
    }
  }

  /// The same inputs, in any dictionary order, give the same leaves file byte for byte.
  @Test(arguments: 0..<10) func sameInputGivesSameBytes(_ seed: Int) throws {
    var rng = SplitMix64(seed: UInt64(seed) + 1000)
    let (policy, inferences) = Self.randomEpoch(&rng)
    func leavesFile(_ items: [(id: String, fee: TokenAmount, weights: OutputWeights)]) throws
      -> Data
    {
      let allocation = try Allocator(policy: policy).allocate(items, previous: [:])
      return try RewardLeaves(datanet: testDatanet, epoch: 1, cumulative: allocation.cumulative)
        .jsonLines()
    }
    let first = try leavesFile(inferences)
    // Rebuild every weights dictionary with its keys inserted in another order.
    let rebuilt = inferences.map { item in
      var copy = [AccountID: UInt64]()
      for key in item.weights.contributors.keys.sorted(by: >) {
        copy[key] = item.weights.contributors[key]
      }
      return (
        id: item.id, fee: item.fee,
        weights: OutputWeights(contributors: copy, unattributed: item.weights.unattributed)
      )
    }
    #expect(try leavesFile(rebuilt) == first)
    #expect(try leavesFile(inferences) == first)
  }

  static func randomEpoch(_ rng: inout SplitMix64) -> (
    RewardPolicy, [(id: String, fee: TokenAmount, weights: OutputWeights)]
  ) {
    let contributors = Int(rng.next() % 6)
    let curators = Int(rng.next() % 4)
    let protocolPart = Int(rng.next() % 10_001)
    let rest = BasisPoints.whole - protocolPart
    let curatorPart = rest == 0 ? 0 : Int(rng.next() % UInt64(rest + 1))
    let accounts = (0..<12).map { _ in randomAccount(&rng) }
    let policy = RewardPolicy(
      basisPoints: BasisPoints(
        contributors: rest - curatorPart, curators: curatorPart, protocolPart: protocolPart),
      curators: Array(accounts[0..<curators]), protocolAccount: accounts[10],
      unattributedAccount: accounts[rng.next() % 2 == 0 ? 11 : 10])
    var inferences = [(id: String, fee: TokenAmount, weights: OutputWeights)]()
    for index in 0..<Int(rng.next() % 20 + 1) {
      var weights = [AccountID: UInt64]()
      for _ in 0..<contributors + Int(rng.next() % 3) {
        weights[accounts[Int(rng.next() % 12)]] = rng.next() % 5_000_000_000_000
      }
      let fee: TokenAmount =
        switch rng.next() % 4 {
        case 0: TokenAmount(rng.next() % 10)
        case 1: TokenAmount(rng.next())
        case 2: TokenAmount(rng.next()) << 50 | TokenAmount(rng.next())
        default: TokenAmount(rng.next() % 1_000_000)
        }
      inferences.append(
        (
          id: "inference-\(index)", fee: fee,
          weights: OutputWeights(contributors: weights, unattributed: rng.next() % 3_000_000_000)
        ))
    }
    return (policy, inferences)
  }
}

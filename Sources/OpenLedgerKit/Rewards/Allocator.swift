/// What attribution says about one output, in attribution units (one output token is
/// 1,000,000,000 units): each contributor's credit, and the units no record accounts for.
public struct OutputWeights: Sendable, Equatable {
  public var contributors: [AccountID: UInt64]
  public var unattributed: UInt64

  public init(contributors: [AccountID: UInt64], unattributed: UInt64) {
    self.contributors = contributors
    self.unattributed = unattributed
  }
}

/// Why an account receives part of a fee.
public enum RewardRole: String, Codable, Sendable, CaseIterable, Comparable {
  case contributor
  case curator
  case protocolAccount = "protocol"
  case unattributed

  public static func < (lhs: RewardRole, rhs: RewardRole) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }
}

/// One account's part of one fee.
public struct FeeShare: Sendable, Equatable {
  public var account: AccountID
  public var amount: TokenAmount
  /// Sorted.
  public var roles: [RewardRole]
  /// The account's attribution units for the output (0 unless it contributed).
  public var weight: UInt64
}

/// How one inference's fee was divided.
public struct InferenceAllocation: Sendable, Equatable {
  public var inference: String
  public var fee: TokenAmount
  /// The output's total attribution units (attributed and not).
  public var units: UInt64
  /// By account.
  public var shares: [FeeShare]
}

/// An epoch's allocation: every fee divided, and the totals carried forward.
public struct EpochAllocation: Sendable, Equatable {
  public var inferences: [InferenceAllocation]
  /// What each account earned in this epoch.
  public var amounts: [AccountID: TokenAmount]
  /// What each account has earned in all epochs so far (the leaves).
  public var cumulative: [AccountID: TokenAmount]
  /// The sum of this epoch's fees: its pool.
  public var epochFees: TokenAmount
  /// The sum of all earlier epochs' fees.
  public var previousTotal: TokenAmount
  /// `previousTotal + epochFees`, which the cumulative amounts sum to.
  public var cumulativeTotal: TokenAmount
}

/// Divides fees among accounts by a `RewardPolicy`, in exact integers.
///
/// Each fee is split in one step. Every account's exact share of the fee is a fraction with
/// the common denominator D = 10,000 × (the output's units) × (number of curators): a
/// contributor holds `contributors bp × its units × curators`, each curator
/// `curators bp × units`, the protocol account `protocol bp × units × curators`, the
/// unattributed account `contributors bp × unattributed units × curators`. Each account first
/// gets the whole part of `fee × share / D`; the few units left over go one each to the accounts
/// with the largest remainders, ties going to the smaller account id (largest-remainder method).
/// The parts therefore always sum to the fee exactly.
public struct Allocator: Sendable {
  public let policy: RewardPolicy

  public init(policy: RewardPolicy) {
    self.policy = policy
  }

  /// Bounds the common denominator below 2^128 (10^4 × 2^64 × 2^20 < 2^98).
  static let maximumCurators = 1 << 20

  /// One account's exact share of a fee, before rounding.
  private struct Claim {
    var account: AccountID
    var numerator: UInt128
    var roles: [RewardRole]
    var weight: UInt64
  }

  /// Splits `fee` by `weights`; `inference` names the output in errors.
  public func split(fee: TokenAmount, weights: OutputWeights, inference: String) throws
    -> InferenceAllocation
  {
    var attributed: UInt128 = 0
    for units in weights.contributors.values { attributed += UInt128(units) }
    var units = attributed + UInt128(weights.unattributed)
    var unattributed = UInt128(weights.unattributed)
    if units == 0 {
      // An output with no tokens: the contributors' part has no one to go to.
      units = 1
      unattributed = 1
    }
    guard units <= UInt128(UInt64.max) else {
      throw RewardsError.weightsTooLarge(inference: inference)
    }
    guard policy.curators.count <= Self.maximumCurators else {
      throw RewardsError.invalidPolicy(
        "\(policy.curators.count) curators; at most \(Self.maximumCurators) share a fee")
    }
    let curators = UInt128(max(policy.curators.count, 1))
    let points = policy.basisPoints
    var claims = [AccountID: Claim]()
    func add(_ account: AccountID, _ numerator: UInt128, _ role: RewardRole, weight: UInt64 = 0) {
      guard numerator > 0 else { return }
      claims[account, default: Claim(account: account, numerator: 0, roles: [], weight: 0)]
        .numerator += numerator
      if !claims[account]!.roles.contains(role) { claims[account]!.roles.append(role) }
      claims[account]!.weight += weight
    }
    let contributorsPart = UInt128(points.contributors) * curators
    for (account, credit) in weights.contributors {
      add(account, contributorsPart * UInt128(credit), .contributor, weight: credit)
    }
    add(
      policy.unattributedAccount, contributorsPart * unattributed, .unattributed,
      weight: weights.unattributed)
    if policy.curators.isEmpty {
      add(policy.unattributedAccount, UInt128(points.curators) * units, .unattributed)
    } else {
      for curator in policy.curators { add(curator, UInt128(points.curators) * units, .curator) }
    }
    add(policy.protocolAccount, UInt128(points.protocolPart) * units * curators, .protocolAccount)
    let denominator = UInt128(BasisPoints.whole) * units * curators

    let ordered = claims.values.sorted { $0.account < $1.account }
    let parts = Self.largestRemainder(
      fee, numerators: ordered.map(\.numerator), denominator: denominator)
    let shares = zip(ordered, parts).map { claim, amount in
      FeeShare(
        account: claim.account, amount: amount, roles: claim.roles.sorted(), weight: claim.weight)
    }
    return InferenceAllocation(
      inference: inference, fee: fee, units: UInt64(units), shares: shares)
  }

  /// Divides `pool` in proportion to `numerators` (which sum to `denominator`): whole parts
  /// first, then one unit each to the largest remainders, earlier positions winning ties.
  /// Callers order the numerators by account id, so ties go to the smaller account id.
  static func largestRemainder(
    _ pool: TokenAmount, numerators: [UInt128], denominator: UInt128
  ) -> [TokenAmount] {
    var parts = [TokenAmount]()
    var remainders = [(remainder: UInt128, position: Int)]()
    parts.reserveCapacity(numerators.count)
    remainders.reserveCapacity(numerators.count)
    var given: TokenAmount = 0
    for (position, numerator) in numerators.enumerated() {
      // pool × numerator may need 256 bits; the quotient fits because numerator ≤ denominator.
      let product = pool.multipliedFullWidth(by: numerator)
      let (quotient, remainder) = denominator.dividingFullWidth(product)
      parts.append(quotient)
      remainders.append((remainder, position))
      given += quotient
    }
    var left = pool - given
    if left > 0 {
      remainders.sort {
        $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.position < $1.position
      }
      for entry in remainders {
        if left == 0 { break }
        parts[entry.position] += 1
        left -= 1
      }
    }
    return parts
  }

  /// Splits every fee and adds the amounts to `previous` (the last epoch's cumulative amounts).
  public func allocate(
    _ inferences: [(id: String, fee: TokenAmount, weights: OutputWeights)],
    previous: [AccountID: TokenAmount]
  ) throws -> EpochAllocation {
    var previousTotal: TokenAmount = 0
    for amount in previous.values {
      let (sum, overflow) = previousTotal.addingReportingOverflow(amount)
      if overflow { throw RewardsError.amountOverflow(account: nil) }
      previousTotal = sum
    }
    var allocations = [InferenceAllocation]()
    allocations.reserveCapacity(inferences.count)
    var amounts = [AccountID: TokenAmount]()
    var epochFees: TokenAmount = 0
    for item in inferences {
      let allocation = try split(fee: item.fee, weights: item.weights, inference: item.id)
      let (fees, overflow) = epochFees.addingReportingOverflow(item.fee)
      if overflow { throw RewardsError.amountOverflow(account: nil) }
      epochFees = fees
      for share in allocation.shares { amounts[share.account, default: 0] += share.amount }
      allocations.append(allocation)
    }
    var cumulative = previous
    for (account, amount) in amounts {
      let (sum, overflow) = cumulative[account, default: 0].addingReportingOverflow(amount)
      if overflow { throw RewardsError.amountOverflow(account: account) }
      cumulative[account] = sum
    }
    let (total, overflow) = previousTotal.addingReportingOverflow(epochFees)
    if overflow { throw RewardsError.amountOverflow(account: nil) }
    return EpochAllocation(
      inferences: allocations, amounts: amounts, cumulative: cumulative, epochFees: epochFees,
      previousTotal: previousTotal, cumulativeTotal: total)
  }
}

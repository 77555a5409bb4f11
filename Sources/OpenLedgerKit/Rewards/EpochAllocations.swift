import Foundation

/// How an epoch's fees were divided, inference by inference: the allocations object stored
/// with every epoch, for `rewards show` (which inferences paid an account) and for checking the
/// leaves against it. JSON Lines, one canonical line per inference in log order:
/// `{"fee","inference","line","shares":[{"account","amount","roles","weight"}],"units"}`.
public struct EpochAllocations: Sendable, Equatable {
  /// One inference's line.
  public struct Line: Codable, Sendable, Equatable {
    public struct Share: Codable, Sendable, Equatable {
      public var account: AccountID
      public var amount: DecimalAmount
      public var roles: [RewardRole]
      /// Attribution units of the output credited to the account (contributors and the
      /// unattributed account).
      public var weight: UInt64
    }

    public var inference: String
    /// The line of the inference log.
    public var line: Int
    public var fee: DecimalAmount
    /// The output's attribution units in all.
    public var units: UInt64
    /// By account.
    public var shares: [Share]
  }

  public var lines: [Line]

  public init(_ allocation: EpochAllocation, log: RewardLog) {
    lines = zip(allocation.inferences, log.inferences).map { split, inference in
      Line(
        inference: split.inference, line: inference.line, fee: DecimalAmount(split.fee),
        units: split.units,
        shares: split.shares.map {
          Line.Share(
            account: $0.account, amount: DecimalAmount($0.amount), roles: $0.roles,
            weight: $0.weight)
        })
    }
  }

  init(lines: [Line]) {
    self.lines = lines
  }

  /// The object's bytes.
  public func encoded() throws -> Data {
    var data = Data()
    for line in lines {
      data.append(try CanonicalEncoder.encode(line))
      data.append(0x0a)
    }
    return data
  }

  /// Reads an allocations object; `name` is used in errors.
  public static func decode(_ data: Data, name: String) throws -> EpochAllocations {
    let decoder = JSONDecoder()
    var lines = [Line]()
    var number = 0
    for text in data.split(separator: 0x0a) {
      number += 1
      do {
        lines.append(try decoder.decode(Line.self, from: Data(text)))
      } catch {
        throw RewardsError.malformedAllocations(
          name: name, line: number, reason: JSONDiagnostics.describe(error))
      }
    }
    return EpochAllocations(lines: lines)
  }

  /// Per account: the epoch's amount, roles, units and the number of inferences that paid it.
  public func totals() -> [AccountID: AccountTotal] {
    var totals = [AccountID: AccountTotal]()
    for line in lines {
      for share in line.shares {
        var total = totals[share.account, default: AccountTotal()]
        total.amount += share.amount.value
        total.units += UInt128(share.weight)
        total.roles.formUnion(share.roles)
        total.inferences += 1
        totals[share.account] = total
      }
    }
    return totals
  }

  public struct AccountTotal: Sendable, Equatable {
    public var amount: TokenAmount = 0
    public var units: UInt128 = 0
    public var roles: Set<RewardRole> = []
    public var inferences = 0
  }
}
